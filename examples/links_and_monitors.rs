//! Links, trapping exits and monitors: a linked crash taking a partner down,
//! a server that traps exits receiving the exit as a message, and a monitor
//! receiving the down message.
//!
//! ```text
//! cargo run --example links_and_monitors
//! ```

use genserver::prelude::*;
use genserver::{Down, Exit};

/// A worker that does what it is told, including crashing.
struct Worker {
    name: &'static str,
}

#[gen_server]
impl Worker {
    /// Crashes the worker.
    #[cast]
    fn crash(&mut self) {
        panic!("{} hit a bad request", self.name);
    }

    /// Links this worker to `other`: from now on they live and die together.
    #[call]
    fn link_to(&mut self, other: ServerRef<Worker>, ctx: &mut Context<Self>) {
        ctx.link(&other).expect("the other worker is running");
    }
}

/// A supervisor-like server: it traps exits, so a linked worker's crash
/// reaches it as an `Exit` message instead of taking it down, and it
/// monitors another worker.
struct Watcher {
    log: Vec<String>,
}

#[gen_server]
impl Watcher {
    #[init]
    fn init((): (), ctx: &mut Context<Self>) -> Self {
        ctx.trap_exits(true);
        Watcher { log: Vec::new() }
    }

    /// Links to `worker` (the watcher traps exits).
    #[call]
    fn link_worker(&mut self, worker: ServerRef<Worker>, ctx: &mut Context<Self>) {
        ctx.link(&worker).expect("the worker is running");
    }

    /// Monitors `worker`: a one-way watch.
    #[call]
    fn monitor_worker(&mut self, worker: ServerRef<Worker>, ctx: &mut Context<Self>) {
        ctx.monitor(&worker);
    }

    /// A linked process exited (Elixir's `{:EXIT, pid, reason}`).
    #[info]
    fn exit(&mut self, exit: Exit) {
        let from = exit
            .from
            .map_or_else(|| "a task".to_string(), |id| id.to_string());
        self.log
            .push(format!("exit signal from {from}: {}", exit.reason));
    }

    /// A monitored process exited (Elixir's `{:DOWN, ref, :process, pid, reason}`).
    #[info]
    fn down(&mut self, down: Down) {
        self.log
            .push(format!("down from {}: {}", down.id, down.reason));
    }

    /// What the watcher has seen so far.
    #[call]
    fn log(&self) -> Vec<String> {
        self.log.clone()
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // 1. A linked crash takes the partner down with the same reason.
    let alice = Worker::start(Worker { name: "alice" }).await?;
    let bob = Worker::start(Worker { name: "bob" }).await?;
    alice.link_to(bob.clone()).await?;
    alice.crash();
    println!("alice exited: {}", alice.exited().await?);
    println!("bob, linked to alice, exited: {}", bob.exited().await?);

    // 2. A server that traps exits gets the crash as a message and lives on.
    let watcher = Watcher::start(()).await?;
    let carol = Worker::start(Worker { name: "carol" }).await?;
    watcher.link_worker(carol.clone()).await?;

    // 3. A monitor gets exactly one down message.
    let dave = Worker::start(Worker { name: "dave" }).await?;
    watcher.monitor_worker(dave.clone()).await?;

    carol.crash();
    carol.exited().await?;
    dave.stop_with(ExitReason::Shutdown).await?;
    for line in watcher.log().await? {
        println!("watcher saw {line}");
    }
    println!("watcher still running: {}", watcher.is_alive());

    // 4. A monitor from outside any server is a future of the down.
    let erin = Worker::start(Worker { name: "erin" }).await?;
    let monitor = erin.monitor();
    erin.crash();
    println!("monitor from main saw erin exit: {}", monitor.await.reason);
    Ok(())
}
