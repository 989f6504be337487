//! Supervision rows: genserver's `DynamicSupervisor` against kameo's
//! supervision (`supervise` with `OneForOne`) and ractor's (`spawn_linked`
//! under a supervisor actor that restarts failed children in
//! `handle_supervisor_evt`; ractor has no supervisor of its own).
//!
//! ```text
//! cargo run --release -p genserver-bench --bin sup -- [--n N] [--restarts R]
//!     [--samples K] [--only genserver|kameo|ractor] [--flavor ct|mt2] [--row restart|start|shutdown] [--panic]
//! ```
//!
//! * `restart`: a child panics on request; the time until its replacement
//!   answers a call. R (1000) times in a row, µs per restart.
//! * `start`: N (100k) children started one by one under one supervisor,
//!   each awaited until its init ran: µs per child, and the growth of live
//!   heap per child (supervisor bookkeeping included).
//! * `shutdown`: the supervisor of those N children is stopped; the time
//!   until every child has exited, in ms.
//!
//! Each implementation and runtime flavor (a cell) runs in a process of its
//! own, so that no cell inherits a heap another one grew; K (`--samples`,
//! 3) samples of each, taken round by round, and the median shown. The
//! machine is shared, so read the figures with the load noted beside them.
//!
//! `--panic` times R panics caught in a row (the floor under every restart
//! row: each restart begins with one).
//!
//! `--row` runs one row of one implementation on one flavor (give `--only`
//! and `--flavor` too), prints its figure and exits the process at once,
//! without tearing anything down: for `valgrind --tool=callgrind`, where
//! the instructions of the row are the difference between two runs with
//! different N (or R).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

use genserver_bench::harness::{Flavor, tokio_rt};

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

#[allow(clippy::cast_possible_wrap)]
fn size(l: Layout) -> isize {
    l.size() as isize
}

// SAFETY: every method forwards to the system allocator with the same
// arguments; the counter has no effect on the memory handed out.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(size(l), Relaxed);
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(l) }
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(size(l), Relaxed);
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(size(l), Relaxed);
        // SAFETY: `p` was allocated by `System` with layout `l`.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        #[allow(clippy::cast_possible_wrap)]
        LIVE.fetch_add(new as isize - size(l), Relaxed);
        // SAFETY: `p` was allocated by `System` with layout `l`.
        unsafe { System.realloc(p, l, new) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The row asked for with `--row`, if any.
static ROW: std::sync::OnceLock<&'static str> = std::sync::OnceLock::new();

/// With `--row`: prints the row's figure and exits, if it is `row`.
fn row_done(row: &str, figure: f64) {
    if ROW.get().is_some_and(|&asked| asked == row) {
        println!("{row}: {figure:.3}");
        std::process::exit(0);
    }
}

/// What one implementation measured on one runtime.
#[derive(Debug, Clone, Copy)]
struct Figures {
    restart_us: f64,
    start_us: f64,
    heap_per_child: f64,
    shutdown_ms: f64,
}

// ---------------------------------------------------------------- genserver

mod gs {
    use super::*;
    use genserver::dynamic_supervisor::Options;
    use genserver::prelude::*;
    use genserver::{ChildSpec, DynamicSupervisor};
    use tokio::sync::mpsc::UnboundedSender;

    pub(crate) struct Child;

    #[gen_server]
    impl Child {
        #[init]
        fn init(
            started: Option<UnboundedSender<ServerRef<Child>>>,
            ctx: &mut Context<Self>,
        ) -> Self {
            if let Some(started) = started {
                let _ = started.send(ctx.server_ref());
            }
            Child
        }

        #[call]
        fn ping(&self) -> u64 {
            1
        }

        #[cast]
        fn crash(&mut self) {
            panic!("crash on request");
        }
    }

    fn options() -> Options {
        Options::new().max_restarts(u32::MAX)
    }

    pub(crate) async fn restart(r: usize) -> f64 {
        let sup = DynamicSupervisor::start(options()).await.unwrap();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let mut child: ServerRef<Child> = sup
            .start_child(ChildSpec::new::<Child>(Some(tx)))
            .await
            .unwrap();
        rx.recv().await.unwrap();
        let t = Instant::now();
        for _ in 0..r {
            child.crash();
            child = rx.recv().await.unwrap();
            assert_eq!(child.ping().await.unwrap(), 1);
        }
        let el = t.elapsed();
        row_done("restart", el.as_secs_f64() * 1e6 / r as f64);
        sup.stop().await.unwrap();
        el.as_secs_f64() * 1e6 / r as f64
    }

    pub(crate) async fn start_and_shutdown(n: usize) -> (f64, f64, f64) {
        let mut children: Vec<ServerRef<Child>> = Vec::with_capacity(n);
        let spec = ChildSpec::new::<Child>(None);
        let sup = DynamicSupervisor::start(options()).await.unwrap();
        let h0 = LIVE.load(Relaxed);
        let t = Instant::now();
        for _ in 0..n {
            children.push(sup.start_child(spec.clone()).await.unwrap());
        }
        let start = t.elapsed();
        let heap = (LIVE.load(Relaxed) - h0) as f64 / n as f64;
        row_done("start", start.as_secs_f64() * 1e6 / n as f64);
        let t = Instant::now();
        sup.stop().await.unwrap();
        for child in &children {
            child.exited().await.unwrap();
        }
        let shutdown = t.elapsed();
        row_done("shutdown", shutdown.as_secs_f64() * 1e3);
        (
            start.as_secs_f64() * 1e6 / n as f64,
            heap,
            shutdown.as_secs_f64() * 1e3,
        )
    }
}

// -------------------------------------------------------------------- kameo

mod km {
    use super::*;
    use kameo::actor::Spawn;
    use kameo::prelude::*;
    use kameo::supervision::RestartPolicy;
    use std::convert::Infallible;

    pub(crate) struct Sup;

    impl Actor for Sup {
        type Args = ();
        type Error = Infallible;
        async fn on_start(_: (), _me: ActorRef<Self>) -> Result<Self, Self::Error> {
            Ok(Sup)
        }
    }

    #[derive(Clone)]
    pub(crate) struct Child;

    impl Actor for Child {
        type Args = ();
        type Error = Infallible;
        async fn on_start(_: (), _me: ActorRef<Self>) -> Result<Self, Self::Error> {
            Ok(Child)
        }
    }

    pub(crate) struct Ping;
    pub(crate) struct Crash;

    impl Message<Ping> for Child {
        type Reply = u64;
        async fn handle(&mut self, _: Ping, _ctx: &mut Context<Self, Self::Reply>) -> u64 {
            1
        }
    }

    impl Message<Crash> for Child {
        type Reply = ();
        async fn handle(&mut self, _: Crash, _ctx: &mut Context<Self, Self::Reply>) {
            panic!("crash on request");
        }
    }

    async fn child(sup: &ActorRef<Sup>) -> ActorRef<Child> {
        let child = Child::supervise(sup, ())
            .restart_policy(RestartPolicy::Permanent)
            .restart_limit(u32::MAX, Duration::from_secs(5))
            .spawn_with_mailbox(kameo::mailbox::unbounded())
            .await;
        child.wait_for_startup().await;
        child
    }

    pub(crate) async fn restart(r: usize) -> f64 {
        let sup = Sup::spawn(());
        sup.wait_for_startup().await;
        // A supervised child keeps its mailbox and reference across restarts:
        // the ask waits in the mailbox behind the crash for the replacement.
        let child = child(&sup).await;
        let t = Instant::now();
        for _ in 0..r {
            child.tell(Crash).await.unwrap();
            assert_eq!(child.ask(Ping).await.unwrap(), 1);
        }
        let el = t.elapsed();
        row_done("restart", el.as_secs_f64() * 1e6 / r as f64);
        sup.stop_gracefully().await.unwrap();
        sup.wait_for_shutdown().await;
        el.as_secs_f64() * 1e6 / r as f64
    }

    pub(crate) async fn start_and_shutdown(n: usize) -> (f64, f64, f64) {
        let mut children = Vec::with_capacity(n);
        let sup = Sup::spawn(());
        sup.wait_for_startup().await;
        let h0 = LIVE.load(Relaxed);
        let t = Instant::now();
        for _ in 0..n {
            children.push(child(&sup).await);
        }
        let start = t.elapsed();
        let heap = (LIVE.load(Relaxed) - h0) as f64 / n as f64;
        row_done("start", start.as_secs_f64() * 1e6 / n as f64);
        let t = Instant::now();
        sup.stop_gracefully().await.unwrap();
        sup.wait_for_shutdown().await;
        for child in &children {
            child.wait_for_shutdown().await;
        }
        let shutdown = t.elapsed();
        row_done("shutdown", shutdown.as_secs_f64() * 1e3);
        (
            start.as_secs_f64() * 1e6 / n as f64,
            heap,
            shutdown.as_secs_f64() * 1e3,
        )
    }
}

// ------------------------------------------------------------------- ractor

mod rc {
    use super::*;
    use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort, SupervisionEvent};
    use tokio::sync::mpsc::UnboundedSender;

    type Started = Option<UnboundedSender<ActorRef<CMsg>>>;

    pub(crate) struct Child;

    pub(crate) enum CMsg {
        Ping(RpcReplyPort<u64>),
        Crash,
    }

    impl Actor for Child {
        type Msg = CMsg;
        type State = ();
        type Arguments = Started;

        async fn pre_start(
            &self,
            myself: ActorRef<CMsg>,
            started: Started,
        ) -> Result<(), ActorProcessingErr> {
            if let Some(started) = started {
                let _ = started.send(myself);
            }
            Ok(())
        }

        async fn handle(
            &self,
            _myself: ActorRef<CMsg>,
            msg: CMsg,
            _state: &mut (),
        ) -> Result<(), ActorProcessingErr> {
            match msg {
                CMsg::Ping(port) => {
                    let _ = port.send(1);
                }
                CMsg::Crash => panic!("crash on request"),
            }
            Ok(())
        }
    }

    /// A one_for_one supervisor written by hand: ractor supervises through
    /// links and `handle_supervisor_evt`, and leaves restarting to the user.
    pub(crate) struct Sup;

    pub(crate) enum SMsg {
        StartChild(Started, RpcReplyPort<ActorRef<CMsg>>),
    }

    impl Actor for Sup {
        type Msg = SMsg;
        /// The start argument of each child, by actor id.
        type State = std::collections::HashMap<ractor::ActorId, Started>;
        type Arguments = ();

        async fn pre_start(
            &self,
            _myself: ActorRef<SMsg>,
            (): (),
        ) -> Result<Self::State, ActorProcessingErr> {
            Ok(Default::default())
        }

        async fn handle(
            &self,
            myself: ActorRef<SMsg>,
            msg: SMsg,
            state: &mut Self::State,
        ) -> Result<(), ActorProcessingErr> {
            let SMsg::StartChild(started, port) = msg;
            let (child, _) =
                Actor::spawn_linked(None, Child, started.clone(), myself.get_cell()).await?;
            state.insert(child.get_id(), started);
            let _ = port.send(child);
            Ok(())
        }

        async fn handle_supervisor_evt(
            &self,
            myself: ActorRef<SMsg>,
            event: SupervisionEvent,
            state: &mut Self::State,
        ) -> Result<(), ActorProcessingErr> {
            if let SupervisionEvent::ActorFailed(cell, _) = event
                && let Some(started) = state.remove(&cell.get_id())
            {
                let (child, _) =
                    Actor::spawn_linked(None, Child, started.clone(), myself.get_cell()).await?;
                state.insert(child.get_id(), started);
            }
            Ok(())
        }
    }

    async fn start_child(sup: &ActorRef<SMsg>, started: Started) -> ActorRef<CMsg> {
        match sup
            .call(|port| SMsg::StartChild(started, port), None)
            .await
            .unwrap()
        {
            ractor::rpc::CallResult::Success(child) => child,
            _ => panic!("start_child failed"),
        }
    }

    async fn ping(child: &ActorRef<CMsg>) -> u64 {
        match child.call(CMsg::Ping, None).await.unwrap() {
            ractor::rpc::CallResult::Success(v) => v,
            _ => panic!("ping failed"),
        }
    }

    pub(crate) async fn restart(r: usize) -> f64 {
        let (sup, handle) = Actor::spawn(None, Sup, ()).await.unwrap();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let mut child = start_child(&sup, Some(tx)).await;
        rx.recv().await.unwrap();
        let t = Instant::now();
        for _ in 0..r {
            child.cast(CMsg::Crash).unwrap();
            child = rx.recv().await.unwrap();
            assert_eq!(ping(&child).await, 1);
        }
        let el = t.elapsed();
        row_done("restart", el.as_secs_f64() * 1e6 / r as f64);
        sup.stop_children_and_wait(None, None).await;
        sup.stop(None);
        handle.await.unwrap();
        el.as_secs_f64() * 1e6 / r as f64
    }

    pub(crate) async fn start_and_shutdown(n: usize) -> (f64, f64, f64) {
        let mut children = Vec::with_capacity(n);
        let (sup, handle) = Actor::spawn(None, Sup, ()).await.unwrap();
        let h0 = LIVE.load(Relaxed);
        let t = Instant::now();
        for _ in 0..n {
            children.push(start_child(&sup, None).await);
        }
        let start = t.elapsed();
        let heap = (LIVE.load(Relaxed) - h0) as f64 / n as f64;
        row_done("start", start.as_secs_f64() * 1e6 / n as f64);
        let t = Instant::now();
        // ractor does not stop a supervisor's children when it stops: this
        // is its way of stopping them all (concurrently, a task each).
        sup.stop_children_and_wait(None, None).await;
        sup.stop(None);
        handle.await.unwrap();
        let shutdown = t.elapsed();
        row_done("shutdown", shutdown.as_secs_f64() * 1e3);
        drop(children);
        (
            start.as_secs_f64() * 1e6 / n as f64,
            heap,
            shutdown.as_secs_f64() * 1e3,
        )
    }
}

fn run<R: Send + 'static>(
    flavor: Flavor,
    fut: impl std::future::Future<Output = R> + Send + 'static,
) -> R {
    let rt = tokio_rt(flavor);
    let r = rt.block_on(async move { tokio::spawn(fut).await.unwrap() });
    drop(rt);
    r
}

fn measure(name: &str, flavor: Flavor, n: usize, r: usize) -> Figures {
    if ROW.get() == Some(&"start") {
        // Straight to the start row.
        match name {
            "genserver" => run(flavor, gs::start_and_shutdown(n)),
            "kameo" => run(flavor, km::start_and_shutdown(n)),
            _ => run(flavor, rc::start_and_shutdown(n)),
        };
    }
    let restart_us = match name {
        "genserver" => run(flavor, gs::restart(r)),
        "kameo" => run(flavor, km::restart(r)),
        _ => run(flavor, rc::restart(r)),
    };
    let (start_us, heap_per_child, shutdown_ms) = match name {
        "genserver" => run(flavor, gs::start_and_shutdown(n)),
        "kameo" => run(flavor, km::start_and_shutdown(n)),
        _ => run(flavor, rc::start_and_shutdown(n)),
    };
    Figures {
        restart_us,
        start_us,
        heap_per_child,
        shutdown_ms,
    }
}

/// Runs one cell (`--cell`) in a child process of its own and reads its
/// figures back.
fn cell(key: &str, flavor: Flavor, n: usize, r: usize) -> Figures {
    let out = std::process::Command::new(std::env::current_exe().expect("own path"))
        .args(["--cell", "--only", key, "--flavor", flavor.key()])
        .args(["--n", &n.to_string(), "--restarts", &r.to_string()])
        .stderr(std::process::Stdio::inherit())
        .output()
        .expect("run a cell");
    assert!(out.status.success(), "cell {key} {} failed", flavor.key());
    let text = String::from_utf8_lossy(&out.stdout);
    let v: Vec<f64> = text
        .split_whitespace()
        .map(|word| word.parse().expect("a figure"))
        .collect();
    Figures {
        restart_us: v[0],
        start_us: v[1],
        heap_per_child: v[2],
        shutdown_ms: v[3],
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut n = 100_000;
    let mut r = 1000;
    let mut samples = 3;
    let mut in_cell = false;
    let mut panic_floor = false;
    let mut only: Option<String> = None;
    let mut flavors = Flavor::ALL.to_vec();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--only" => only = Some(it.next().expect("--only genserver|kameo|ractor").clone()),
            "--flavor" => {
                flavors = vec![
                    it.next()
                        .and_then(|v| Flavor::parse(v))
                        .expect("--flavor ct|mt2"),
                ];
            }
            "--row" => {
                let row = match it.next().map(String::as_str) {
                    Some("restart") => "restart",
                    Some("start") => "start",
                    Some("shutdown") => "shutdown",
                    _ => panic!("--row restart|start|shutdown"),
                };
                ROW.set(row).unwrap();
            }
            "--cell" => in_cell = true,
            "--panic" => panic_floor = true,
            "--n" => n = it.next().and_then(|v| v.parse().ok()).expect("--n N"),
            "--restarts" => {
                r = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--restarts R");
            }
            "--samples" => {
                samples = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .filter(|&k| k > 0)
                    .expect("--samples K");
            }
            other => panic!(
                "unknown argument {other}; usage: sup [--n N] [--restarts R] [--samples K] [--only NAME] [--flavor ct|mt2] [--row restart|start|shutdown] [--panic]"
            ),
        }
    }
    // 3 × R panics on purpose: keep them off stderr.
    std::panic::set_hook(Box::new(|_| {}));
    if panic_floor {
        // The floor under every restart row: one panic, caught.
        let t = Instant::now();
        for i in 0..r {
            let _ = std::panic::catch_unwind(|| {
                assert!(std::hint::black_box(i) == usize::MAX, "crash on request");
            });
        }
        println!(
            "panic: {:.3} µs",
            t.elapsed().as_secs_f64() * 1e6 / r as f64
        );
        return;
    }
    let names = [
        ("genserver", "genserver DynamicSupervisor"),
        ("kameo", "kameo 0.22 supervise (OneForOne)"),
        (
            "ractor",
            "ractor 0.16 spawn_linked + hand-written supervisor",
        ),
    ];
    let cells: Vec<(&str, &str, Flavor)> = names
        .iter()
        .filter(|(key, _)| only.as_ref().is_none_or(|only| only == key))
        .flat_map(|&(key, label)| flavors.iter().map(move |&flavor| (key, label, flavor)))
        .collect();
    if in_cell || ROW.get().is_some() {
        // One cell, measured here.
        let &[(key, _, flavor)] = &cells[..] else {
            panic!("--cell and --row measure one cell: give --only and --flavor");
        };
        let f = measure(key, flavor, n, r);
        println!(
            "{} {} {} {}",
            f.restart_us, f.start_us, f.heap_per_child, f.shutdown_ms
        );
        return;
    }
    // Every cell in a fresh process, so that none inherits a heap another
    // one grew (the first to run would pay the page faults for all), and
    // the samples taken round by round, so that a burst of load elsewhere
    // on the machine spreads over all the cells rather than hitting one.
    let mut figures: Vec<Vec<Figures>> = vec![Vec::new(); cells.len()];
    for round in 0..samples {
        for (i, &(key, label, flavor)) in cells.iter().enumerate() {
            let f = cell(key, flavor, n, r);
            eprintln!(
                "  [{}/{samples}] {label:<52} {:<16} {f:?}",
                round + 1,
                flavor.label()
            );
            figures[i].push(f);
        }
    }
    println!("# genserver-bench sup");
    println!();
    println!(
        "restart: {r} crashes in a row, each until the replacement answers a call. start: {n} children one by one under one supervisor, each init awaited. shutdown: the supervisor of those {n} stops, until every child exited. Each cell in a process of its own; the median of {samples} samples."
    );
    println!();
    println!(
        "| implementation | runtime | restart (µs) | start (µs/child) | heap (B/child) | shutdown of {n} (ms) |"
    );
    println!("|---|---|---:|---:|---:|---:|");
    for ((label, flavor), fs) in cells.iter().map(|&(_, l, f)| (l, f)).zip(figures) {
        let m = |get: fn(&Figures) -> f64| median(fs.iter().map(get).collect());
        println!(
            "| {label} | {} | {:.1} | {:.2} | {:.0} | {:.0} |",
            flavor.label(),
            m(|f| f.restart_us),
            m(|f| f.start_us),
            m(|f| f.heap_per_child),
            m(|f| f.shutdown_ms)
        );
    }
}
