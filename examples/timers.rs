//! Timers: a periodic tick that reschedules itself with `send_after`
//! (Elixir's idiom for periodic work), an interval cancelled half-way, and
//! an idle timeout that stops a session nobody talks to.
//!
//! ```text
//! cargo run --example timers
//! ```

use std::time::Duration;

use genserver::prelude::*;
use genserver::{IdleTimeout, TimerRef};

const TICK: Duration = Duration::from_millis(10);

/// The tick message. `Clone` only because the interval sends copies.
#[derive(Clone, Debug)]
struct Tick;

/// Does periodic work: each tick schedules the next, as
/// `Process.send_after(self(), :tick, 10)` in `handle_info(:tick, state)`.
struct Poller {
    ticks: u32,
    done: Option<ReplyTo<u32>>,
}

#[gen_server]
impl Poller {
    #[init]
    fn init((): (), ctx: &mut Context<Self>) -> Self {
        ctx.send_after(Tick, TICK);
        Poller {
            ticks: 0,
            done: None,
        }
    }

    #[info]
    fn tick(&mut self, _tick: Tick, ctx: &mut Context<Self>) {
        self.ticks += 1;
        println!("poller: tick {}", self.ticks);
        if self.ticks < 3 {
            ctx.send_after(Tick, TICK);
        } else if let Some(done) = self.done.take() {
            done.send(self.ticks);
        }
    }

    /// Replies once the third tick has come.
    #[call]
    fn finished(&mut self, reply: ReplyTo<u32>) {
        if self.ticks >= 3 {
            reply.send(self.ticks);
        } else {
            self.done = Some(reply);
        }
    }
}

/// Counts the ticks of an interval someone else set up.
struct Counter {
    beats: u32,
    waiting: Option<(u32, ReplyTo<u32>)>,
}

#[gen_server]
impl Counter {
    #[info]
    fn tick(&mut self, _tick: Tick) {
        self.beats += 1;
        println!("counter: beat {}", self.beats);
        if let Some((n, reply)) = self.waiting.take() {
            if self.beats >= n {
                reply.send(self.beats);
            } else {
                self.waiting = Some((n, reply));
            }
        }
    }

    /// Replies once `n` beats have come.
    #[call]
    fn wait_for(&mut self, n: u32, reply: ReplyTo<u32>) {
        if self.beats >= n {
            reply.send(self.beats);
        } else {
            self.waiting = Some((n, reply));
        }
    }

    #[call]
    fn beats(&self) -> u32 {
        self.beats
    }
}

/// A session that closes itself when idle for 30 ms
/// (`{:noreply, state, 30}` and `handle_info(:timeout, state)`).
struct Session;

#[gen_server]
impl Session {
    #[init]
    fn init((): (), ctx: &mut Context<Self>) -> Self {
        ctx.idle_timeout(Duration::from_millis(30));
        Session
    }

    /// Any request restarts the idle countdown.
    #[call]
    fn touch(&mut self, ctx: &mut Context<Self>) {
        println!("session: touched");
        ctx.idle_timeout(Duration::from_millis(30));
    }

    #[info]
    fn idle(&mut self, _timeout: IdleTimeout, ctx: &mut Context<Self>) {
        println!("session: idle for 30 ms, closing");
        ctx.stop(ExitReason::Normal);
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let poller = Poller::start(()).await?;
    println!("poller: done after {} ticks", poller.finished().await?);
    poller.stop().await?;

    let counter = Counter::start(Counter {
        beats: 0,
        waiting: None,
    })
    .await?;
    let interval: TimerRef = genserver::send_interval(&counter, Tick, TICK)?;
    counter.wait_for(2).await?;
    // `cancel` says how long the next beat was still away, as
    // `Process.cancel_timer/1` returns the milliseconds left.
    match interval.cancel() {
        Some(left) => println!("interval: cancelled, next beat was {left:?} away"),
        None => println!("interval: had already stopped"),
    }
    println!("interval: cancelling again gives {:?}", interval.cancel());
    println!("counter: {} beats in all", counter.beats().await?);

    let session = Session::start(()).await?;
    session.touch().await?;
    let reason = session.exited().await?;
    println!("session: exited ({reason})");
    Ok(())
}
