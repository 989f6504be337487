//! DynamicSupervisor (GENSERVER.md §1.22): children started on demand,
//! typed refs, ignore and errors, max_children, restarts per child,
//! intensity and escalation, terminate_child, and concurrent shutdown.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use genserver::dynamic_supervisor::{Options, StartChildError, TerminateChildError};
use genserver::prelude::*;
use genserver::{ChildSpec, DynamicSupervisor, Restart, Shutdown};
use genserver_tests::capture::Capture;
use tokio::sync::mpsc;
use tokio::time::Instant;

#[derive(Debug, Clone, PartialEq)]
enum Event {
    Started(u32),
    FailedStart(u32),
    Terminated(u32, ExitReason),
}

#[derive(Clone, Copy, PartialEq)]
enum Ending {
    /// `terminate` returns at once.
    Quick,
    /// `terminate` sleeps this long.
    Slow(Duration),
    /// `terminate` never returns.
    Stuck,
    /// `terminate` panics.
    Crash,
}

#[derive(Clone)]
struct Arg {
    id: u32,
    events: mpsc::UnboundedSender<Event>,
    /// The next this many starts fail.
    fail: Arc<AtomicUsize>,
    ignore: bool,
    ending: Ending,
}

impl Arg {
    fn new(id: u32, events: &mpsc::UnboundedSender<Event>) -> Self {
        Arg {
            id,
            events: events.clone(),
            fail: Arc::new(AtomicUsize::new(0)),
            ignore: false,
            ending: Ending::Quick,
        }
    }
}

struct Worker {
    arg: Arg,
}

#[gen_server]
impl Worker {
    #[init]
    fn init(arg: Arg) -> Init<Self> {
        if arg.ignore {
            return Init::Ignore;
        }
        let failing = arg
            .fail
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if failing {
            let _ = arg.events.send(Event::FailedStart(arg.id));
            return Init::Error(ExitReason::error("failing on purpose"));
        }
        let _ = arg.events.send(Event::Started(arg.id));
        Init::Ok(Worker { arg })
    }

    #[call]
    fn number(&self) -> u32 {
        self.arg.id
    }

    #[cast]
    fn crash(&mut self) {
        panic!("crash on request");
    }

    #[cast]
    fn exit_supervisor(&mut self, sup: ServerRef<DynamicSupervisor>, ctx: &mut Context<Self>) {
        ctx.exit(&sup, ExitReason::Shutdown);
    }

    #[cast]
    fn finish(&mut self, ctx: &mut Context<Self>) {
        ctx.stop(ExitReason::Normal);
    }

    #[terminate]
    async fn terminate(&mut self, reason: &ExitReason) {
        match self.arg.ending {
            Ending::Quick => {}
            Ending::Slow(d) => tokio::time::sleep(d).await,
            Ending::Stuck => std::future::pending::<()>().await,
            Ending::Crash => panic!("terminate crashed"),
        }
        let _ = self
            .arg
            .events
            .send(Event::Terminated(self.arg.id, reason.clone()));
    }
}

#[derive(Clone)]
struct Other;

#[gen_server]
impl Other {
    #[call]
    fn hello(&self) -> &'static str {
        "hello"
    }
}

fn spec(arg: Arg) -> ChildSpec {
    ChildSpec::new::<Worker>(arg)
}

#[tokio::test]
async fn start_child_returns_the_typed_child() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let sup = DynamicSupervisor::start(Options::new()).await.unwrap();
    assert_eq!(sup.count_children().await.unwrap().specs, 0);
    let worker: ServerRef<Worker> = sup.start_child(spec(Arg::new(1, &tx))).await.unwrap();
    assert_eq!(rx.recv().await, Some(Event::Started(1)));
    assert_eq!(worker.number().await.unwrap(), 1);
    let other = sup
        .start_child::<Other>(ChildSpec::new::<Other>(Other))
        .await
        .unwrap();
    assert_eq!(other.hello().await.unwrap(), "hello");

    let counts = sup.count_children().await.unwrap();
    assert_eq!((counts.specs, counts.active, counts.workers), (2, 2, 2));
    let children = sup.which_children().await.unwrap();
    assert_eq!(children.len(), 2);
    assert!(
        children
            .iter()
            .any(|child| child.pid == Some(worker.pid()) && child.restart == Restart::Permanent)
    );

    let pid = sup.start_child_pid(spec(Arg::new(2, &tx))).await.unwrap();
    assert_eq!(pid.downcast::<Worker>().unwrap().number().await.unwrap(), 2);
}

#[tokio::test]
async fn ignore_adds_no_child_and_errors_are_typed() {
    let (tx, _rx) = mpsc::unbounded_channel();
    let sup = DynamicSupervisor::start(Options::new()).await.unwrap();

    let mut ignoring = Arg::new(1, &tx);
    ignoring.ignore = true;
    let ignored = sup.start_child::<Worker>(spec(ignoring)).await;
    assert_eq!(ignored.unwrap_err(), StartChildError::Ignored);

    let failing = Arg::new(2, &tx);
    failing.fail.store(1, Ordering::SeqCst);
    let failed = sup.start_child::<Worker>(spec(failing)).await;
    assert!(
        matches!(failed, Err(StartChildError::Start(StartError::Init(_)))),
        "{failed:?}"
    );

    // The spec says which type it starts: refused before it starts.
    let wrong = sup.start_child::<Other>(spec(Arg::new(3, &tx))).await;
    assert!(
        matches!(wrong, Err(StartChildError::WrongType { .. })),
        "{wrong:?}"
    );
    // A spec made from a closure is checked once it ran, and the child is
    // stopped again.
    let (started_tx, mut started_rx) = mpsc::unbounded_channel();
    let by_fn = ChildSpec::from_fn("other", move || {
        let started_tx = started_tx.clone();
        async move {
            let other = Other::start(Other).await?;
            let _ = started_tx.send(other.clone());
            Ok(Some(other.pid()))
        }
    });
    let wrong = sup.start_child::<Worker>(by_fn).await;
    assert!(
        matches!(wrong, Err(StartChildError::WrongType { .. })),
        "{wrong:?}"
    );
    let other = started_rx.recv().await.unwrap();
    assert_eq!(other.exited().await.unwrap(), ExitReason::Shutdown);

    assert_eq!(sup.count_children().await.unwrap().specs, 0);

    // A supervisor that is gone is an error too, not a hang.
    sup.stop().await.unwrap();
    let gone = sup.start_child::<Worker>(spec(Arg::new(4, &tx))).await;
    assert!(
        matches!(gone, Err(StartChildError::Supervisor(CallError::NoProc))),
        "{gone:?}"
    );
}

#[tokio::test]
async fn max_children_refuses_once_full() {
    let (tx, _rx) = mpsc::unbounded_channel();
    let sup = DynamicSupervisor::start(Options::new().max_children(2))
        .await
        .unwrap();
    let first: ServerRef<Worker> = sup.start_child(spec(Arg::new(1, &tx))).await.unwrap();
    let _second: ServerRef<Worker> = sup.start_child(spec(Arg::new(2, &tx))).await.unwrap();
    let third = sup.start_child::<Worker>(spec(Arg::new(3, &tx))).await;
    assert_eq!(third.unwrap_err(), StartChildError::MaxChildren);
    sup.terminate_child(&first).await.unwrap();
    let third: ServerRef<Worker> = sup.start_child(spec(Arg::new(3, &tx))).await.unwrap();
    assert_eq!(third.number().await.unwrap(), 3);
}

#[tokio::test]
async fn a_crashed_child_is_restarted_as_a_new_reachable_server() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let sup = DynamicSupervisor::start(Options::new()).await.unwrap();
    let worker: ServerRef<Worker> = sup.start_child(spec(Arg::new(7, &tx))).await.unwrap();
    assert_eq!(rx.recv().await, Some(Event::Started(7)));
    worker.crash();
    assert!(matches!(
        worker.exited().await.unwrap(),
        ExitReason::Panic(_)
    ));
    assert!(matches!(rx.recv().await, Some(Event::Terminated(7, _))));
    assert_eq!(rx.recv().await, Some(Event::Started(7)));
    let children = sup.which_children().await.unwrap();
    assert_eq!(children.len(), 1);
    let pid = children[0].pid.clone().unwrap();
    assert_ne!(pid, worker.pid());
    let again = pid.downcast::<Worker>().unwrap();
    assert_eq!(again.number().await.unwrap(), 7);
    // The stale reference says the old server is gone.
    assert!(matches!(worker.number().await, Err(CallError::NoProc)));
}

#[tokio::test]
async fn transient_and_temporary_children() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let sup = DynamicSupervisor::start(Options::new()).await.unwrap();

    // Transient: a normal exit is final, a crash is restarted.
    let transient: ServerRef<Worker> = sup
        .start_child(spec(Arg::new(1, &tx)).restart(Restart::Transient))
        .await
        .unwrap();
    transient.finish();
    assert_eq!(transient.exited().await.unwrap(), ExitReason::Normal);
    assert_eq!(sup.count_children().await.unwrap().specs, 0);

    let transient: ServerRef<Worker> = sup
        .start_child(spec(Arg::new(2, &tx)).restart(Restart::Transient))
        .await
        .unwrap();
    transient.crash();
    transient.exited().await.unwrap();
    assert_eq!(sup.count_children().await.unwrap().active, 1);

    // Temporary: not even a crash is restarted.
    let temporary: ServerRef<Worker> = sup
        .start_child(spec(Arg::new(3, &tx)).restart(Restart::Temporary))
        .await
        .unwrap();
    temporary.crash();
    temporary.exited().await.unwrap();
    assert_eq!(sup.count_children().await.unwrap().active, 1);

    // Permanent: even a normal exit is restarted.
    let permanent: ServerRef<Worker> = sup.start_child(spec(Arg::new(4, &tx))).await.unwrap();
    permanent.finish();
    permanent.exited().await.unwrap();
    assert_eq!(sup.count_children().await.unwrap().active, 2);
    rx.close();
}

#[tokio::test(start_paused = true)]
async fn too_many_restarts_escalate_with_shutdown() {
    let (tx, _rx) = mpsc::unbounded_channel();
    let sup = DynamicSupervisor::start(
        Options::new()
            .max_restarts(2)
            .max_seconds(Duration::from_secs(5)),
    )
    .await
    .unwrap();
    let bystander: ServerRef<Worker> = sup
        .start_child(spec(Arg::new(0, &tx)).restart(Restart::Temporary))
        .await
        .unwrap();
    let _: ServerRef<Worker> = sup.start_child(spec(Arg::new(1, &tx))).await.unwrap();

    let crash_current = || async {
        let children = sup.which_children().await.unwrap();
        let pid = children
            .iter()
            .filter_map(|child| child.pid.clone())
            .find(|pid| *pid != bystander.pid())
            .unwrap();
        let worker = pid.downcast::<Worker>().unwrap();
        worker.crash();
        worker.exited().await.unwrap();
    };
    // Two restarts within the window are fine; spread out, any number is.
    crash_current().await;
    crash_current().await;
    tokio::time::sleep(Duration::from_secs(6)).await;
    crash_current().await;
    crash_current().await;
    assert!(sup.is_alive());
    // The third within 5 s is one too many.
    crash_current().await;
    assert_eq!(sup.exited().await.unwrap(), ExitReason::Shutdown);
    // Its other children were stopped first.
    assert_eq!(bystander.exited().await.unwrap(), ExitReason::Shutdown);
}

#[tokio::test(start_paused = true)]
async fn a_failed_restart_is_retried_and_counts_as_restarting() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let sup = DynamicSupervisor::start(Options::new().max_restarts(1000).max_children(1))
        .await
        .unwrap();
    let arg = Arg::new(5, &tx);
    let fail = Arc::clone(&arg.fail);
    let worker: ServerRef<Worker> = sup.start_child(spec(arg)).await.unwrap();
    assert_eq!(rx.recv().await, Some(Event::Started(5)));
    fail.store(usize::MAX, Ordering::SeqCst);
    worker.crash();
    assert!(matches!(rx.recv().await, Some(Event::Terminated(5, _))));
    assert_eq!(rx.recv().await, Some(Event::FailedStart(5)));
    // Restarting: no pid, but it counts (also toward max_children).
    let counts = sup.count_children().await.unwrap();
    assert_eq!((counts.specs, counts.active), (1, 0));
    let children = sup.which_children().await.unwrap();
    assert_eq!(children.len(), 1);
    assert_eq!(children[0].pid, None);
    let full = sup
        .start_child::<Other>(ChildSpec::new::<Other>(Other))
        .await;
    assert_eq!(full.unwrap_err(), StartChildError::MaxChildren);
    // Once its start works again, it is back.
    fail.store(0, Ordering::SeqCst);
    loop {
        match rx.recv().await.unwrap() {
            Event::Started(5) => break,
            Event::FailedStart(5) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(sup.count_children().await.unwrap().active, 1);
}

#[tokio::test(start_paused = true)]
async fn a_child_that_never_restarts_escalates() {
    let (tx, _rx) = mpsc::unbounded_channel();
    let sup = DynamicSupervisor::start(Options::new()).await.unwrap();
    let arg = Arg::new(5, &tx);
    let fail = Arc::clone(&arg.fail);
    let worker: ServerRef<Worker> = sup.start_child(spec(arg)).await.unwrap();
    fail.store(usize::MAX, Ordering::SeqCst);
    worker.crash();
    // Each retry counts against the intensity: 3 in 5 s, then shutdown.
    assert_eq!(sup.exited().await.unwrap(), ExitReason::Shutdown);
}

#[tokio::test]
async fn terminate_child_stops_it_or_is_not_found() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let sup = DynamicSupervisor::start(Options::new()).await.unwrap();
    let worker: ServerRef<Worker> = sup.start_child(spec(Arg::new(1, &tx))).await.unwrap();
    assert_eq!(rx.recv().await, Some(Event::Started(1)));
    sup.terminate_child(&worker).await.unwrap();
    assert_eq!(
        rx.recv().await,
        Some(Event::Terminated(1, ExitReason::Shutdown))
    );
    assert!(!worker.is_alive());
    // Not restarted, and no longer a child.
    assert_eq!(sup.count_children().await.unwrap().specs, 0);
    assert_eq!(
        sup.terminate_child(&worker).await,
        Err(TerminateChildError::NotFound)
    );
    let stranger = Other::start(Other).await.unwrap();
    assert_eq!(
        sup.terminate_child(stranger.pid()).await,
        Err(TerminateChildError::NotFound)
    );
}

#[tokio::test(start_paused = true)]
async fn shutdown_stops_all_children_concurrently() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let sup = DynamicSupervisor::start(Options::new()).await.unwrap();
    let mut workers = Vec::new();
    for id in 0..10 {
        let mut arg = Arg::new(id, &tx);
        arg.ending = Ending::Slow(Duration::from_secs(1));
        let worker: ServerRef<Worker> = sup.start_child(spec(arg)).await.unwrap();
        workers.push(worker);
    }
    let before = Instant::now();
    sup.stop().await.unwrap();
    let took = before.elapsed();
    assert!(
        took >= Duration::from_secs(1) && took < Duration::from_secs(2),
        "{took:?}"
    );
    for worker in &workers {
        assert!(!worker.is_alive());
    }
    let mut terminated = 0;
    while let Ok(event) = rx.try_recv() {
        if let Event::Terminated(_, reason) = event {
            assert_eq!(reason, ExitReason::Shutdown);
            terminated += 1;
        }
    }
    assert_eq!(terminated, 10);
}

#[tokio::test(start_paused = true)]
async fn a_child_whose_terminate_blocks_is_killed_after_its_timeout() {
    let (tx, _rx) = mpsc::unbounded_channel();
    let sup = DynamicSupervisor::start(Options::new()).await.unwrap();
    let mut stuck = Arg::new(1, &tx);
    stuck.ending = Ending::Stuck;
    let stuck: ServerRef<Worker> = sup
        .start_child(spec(stuck).shutdown(Shutdown::Timeout(Duration::from_millis(300))))
        .await
        .unwrap();
    let quick: ServerRef<Worker> = sup
        .start_child(spec(Arg::new(2, &tx)).shutdown(Shutdown::BrutalKill))
        .await
        .unwrap();
    let before = Instant::now();
    sup.stop().await.unwrap();
    let took = before.elapsed();
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_millis(400),
        "{took:?}"
    );
    assert_eq!(stuck.exited().await.unwrap(), ExitReason::Killed);
    assert_eq!(quick.exited().await.unwrap(), ExitReason::Killed);

    // terminate_child too.
    let sup = DynamicSupervisor::start(Options::new()).await.unwrap();
    let mut stuck = Arg::new(3, &tx);
    stuck.ending = Ending::Stuck;
    let stuck: ServerRef<Worker> = sup.start_child(spec(stuck)).await.unwrap();
    let before = Instant::now();
    sup.terminate_child(&stuck).await.unwrap();
    assert!(
        before.elapsed() >= WORKER_SHUTDOWN,
        "{:?}",
        before.elapsed()
    );
    assert_eq!(stuck.exited().await.unwrap(), ExitReason::Killed);
}

#[test]
fn children_with_different_budgets_are_each_killed_when_their_own_runs_out() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    // Another test of this binary may have reached the reports' call sites
    // first, on a thread without a subscriber: ask them again.
    tracing::callsite::rebuild_interest_cache();
    let (supervisor, mut stuck) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap()
        .block_on(stop_children_with_different_budgets());
    // Each kill is reported once, as the supervisor's, naming the child;
    // nothing else is an error (not the kills themselves, as in OTP, nor
    // the brutal kill the spec asked for).
    let kills: Vec<_> = capture
        .events()
        .into_iter()
        .filter(|event| event.level == tracing::Level::ERROR)
        .collect();
    assert!(
        kills.iter().all(|kill| kill
            .field("message")
            .is_some_and(|m| m.contains("did not stop within its shutdown budget"))),
        "{kills:?}"
    );
    assert!(
        kills
            .iter()
            .all(|kill| kill.field("supervisor") == Some(&*supervisor))
    );
    let mut killed: Vec<String> = kills
        .iter()
        .map(|kill| kill.field("child").unwrap_or_default().to_owned())
        .collect();
    killed.sort();
    stuck.sort();
    assert_eq!(killed, stuck);
}

/// Stops a supervisor of three stuck children, a quick one and one killed
/// at once (`BrutalKill`); returns the
/// supervisor's id and the stuck children, as the reports show them.
async fn stop_children_with_different_budgets() -> (String, Vec<String>) {
    let (tx, _rx) = mpsc::unbounded_channel();
    let sup = DynamicSupervisor::start(Options::new()).await.unwrap();
    let mut stuck = Vec::new();
    for (id, budget) in [(1, 600), (2, 300), (3, 900)] {
        let mut arg = Arg::new(id, &tx);
        arg.ending = Ending::Stuck;
        let child: ServerRef<Worker> = sup
            .start_child(spec(arg).shutdown(Shutdown::Timeout(Duration::from_millis(budget))))
            .await
            .unwrap();
        stuck.push((child, budget));
    }
    let quick: ServerRef<Worker> = sup.start_child(spec(Arg::new(4, &tx))).await.unwrap();
    let brutal: ServerRef<Worker> = sup
        .start_child(spec(Arg::new(5, &tx)).shutdown(Shutdown::BrutalKill))
        .await
        .unwrap();
    let before = Instant::now();
    // Each child's exit, as its own waiter sees it, beside the supervisor's.
    let exits: Vec<_> = stuck
        .iter()
        .map(|(child, budget)| {
            let (child, budget) = (child.clone(), *budget);
            tokio::spawn(async move { (child.exited().await.unwrap(), before.elapsed(), budget) })
        })
        .collect();
    sup.stop().await.unwrap();
    let took = before.elapsed();
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(1),
        "{took:?}"
    );
    assert_eq!(quick.exited().await.unwrap(), ExitReason::Shutdown);
    assert_eq!(brutal.exited().await.unwrap(), ExitReason::Killed);
    for exit in exits {
        let (reason, at, budget) = exit.await.unwrap();
        assert_eq!(reason, ExitReason::Killed);
        let budget = Duration::from_millis(budget);
        assert!(
            at >= budget && at < budget + Duration::from_millis(100),
            "killed at {at:?}, budget {budget:?}"
        );
    }
    let shown = stuck.iter().map(|(child, _)| child.pid().to_string());
    (sup.pid().id().as_u64().to_string(), shown.collect())
}

#[test]
fn a_child_that_crashes_while_shutting_down_is_reported_by_its_supervisor() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    tracing::callsite::rebuild_interest_cache();
    let (supervisor, crashed) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap()
        .block_on(async {
            let (tx, _rx) = mpsc::unbounded_channel();
            let sup = DynamicSupervisor::start(Options::new()).await.unwrap();
            let mut arg = Arg::new(1, &tx);
            arg.ending = Ending::Crash;
            let crashing: ServerRef<Worker> = sup.start_child(spec(arg)).await.unwrap();
            let quick: ServerRef<Worker> = sup.start_child(spec(Arg::new(2, &tx))).await.unwrap();
            sup.stop().await.unwrap();
            assert_eq!(
                crashing.exited().await.unwrap(),
                ExitReason::Panic("terminate crashed".into())
            );
            assert_eq!(quick.exited().await.unwrap(), ExitReason::Shutdown);
            (
                sup.pid().id().as_u64().to_string(),
                crashing.pid().id().as_u64().to_string(),
            )
        });
    let reports: Vec<_> = capture
        .events()
        .into_iter()
        .filter(|event| {
            event
                .field("message")
                .is_some_and(|m| m.contains("while shutting down"))
        })
        .collect();
    assert_eq!(reports.len(), 1, "{reports:?}");
    let report = &reports[0];
    assert_eq!(report.level, tracing::Level::ERROR);
    assert_eq!(report.field("supervisor"), Some(&*supervisor));
    assert_eq!(report.field("child"), Some(&*crashed));
    assert_eq!(report.field("reason"), Some("panicked: terminate crashed"));
}

const WORKER_SHUTDOWN: Duration = Duration::from_secs(5);

#[tokio::test]
async fn a_killed_supervisor_takes_its_children_along() {
    let (tx, _rx) = mpsc::unbounded_channel();
    let sup = DynamicSupervisor::start(Options::new()).await.unwrap();
    let worker: ServerRef<Worker> = sup.start_child(spec(Arg::new(1, &tx))).await.unwrap();
    sup.kill();
    assert_eq!(sup.exited().await.unwrap(), ExitReason::Killed);
    assert_eq!(worker.exited().await.unwrap(), ExitReason::Killed);
}

#[tokio::test]
async fn many_children_start_and_stop() {
    let sup = DynamicSupervisor::start(Options::new()).await.unwrap();
    for _ in 0..10_000 {
        let _: ServerRef<Other> = sup
            .start_child(ChildSpec::new::<Other>(Other))
            .await
            .unwrap();
    }
    assert_eq!(sup.count_children().await.unwrap().active, 10_000);
    let children = sup.which_children().await.unwrap();
    sup.stop().await.unwrap();
    assert!(
        children
            .iter()
            .all(|child| !child.pid.as_ref().unwrap().is_alive())
    );
}

// ------------------------------------ stopped while a child is restarting

/// A child whose restart's init is slow (10 s on the paused clock), and
/// counts the live ones (from a successful init to the state's drop).
struct SlowToRestart {
    live: Arc<AtomicUsize>,
}

#[derive(Clone)]
struct SlowArg {
    live: Arc<AtomicUsize>,
    inits: Arc<AtomicUsize>,
    /// Inits after this many are slow.
    quick: usize,
}

impl Drop for SlowToRestart {
    fn drop(&mut self) {
        self.live.fetch_sub(1, Ordering::SeqCst);
    }
}

#[gen_server]
impl SlowToRestart {
    #[init]
    async fn init(arg: SlowArg) -> Self {
        if arg.inits.fetch_add(1, Ordering::SeqCst) >= arg.quick {
            tokio::time::sleep(Duration::from_secs(10)).await;
        }
        arg.live.fetch_add(1, Ordering::SeqCst);
        SlowToRestart { live: arg.live }
    }

    #[cast]
    fn crash(&mut self) {
        panic!("crash on request");
    }
}

#[tokio::test(start_paused = true)]
async fn a_supervisor_stopped_while_a_child_restarts_loses_no_child_and_leaks_no_task() {
    let baseline = tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks();
    let live = Arc::new(AtomicUsize::new(0));
    let inits = Arc::new(AtomicUsize::new(0));
    let sup = DynamicSupervisor::start(Options::new()).await.unwrap();
    let mut children = Vec::new();
    for _ in 0..3 {
        let arg = SlowArg {
            live: Arc::clone(&live),
            inits: Arc::clone(&inits),
            quick: 3,
        };
        let child: ServerRef<SlowToRestart> = sup
            .start_child(ChildSpec::new::<SlowToRestart>(arg))
            .await
            .unwrap();
        children.push(child);
    }
    assert_eq!(live.load(Ordering::SeqCst), 3);
    // One crashes; its restart's init takes 10 s.
    children[0].crash();
    children[0].exited().await.unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(inits.load(Ordering::SeqCst), 4);
    // Stopped meanwhile.
    let stopping = tokio::spawn({
        let sup = sup.clone();
        async move { sup.stop_with(ExitReason::Shutdown).await }
    });
    stopping.await.unwrap().unwrap();
    for child in &children {
        assert!(!child.is_alive());
    }
    // Whatever the restart was doing, no child is left once it is over.
    tokio::time::sleep(Duration::from_secs(30)).await;
    assert_eq!(live.load(Ordering::SeqCst), 0);
    drop((sup, children));
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    assert_eq!(
        tokio::runtime::Handle::current()
            .metrics()
            .num_alive_tasks(),
        baseline
    );
}

#[tokio::test(start_paused = true)]
async fn a_live_child_that_sends_the_supervisor_an_exit_stays_supervised() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let sup = DynamicSupervisor::start(Options::new()).await.unwrap();
    let worker: ServerRef<Worker> = sup.start_child(spec(Arg::new(1, &tx))).await.unwrap();
    assert_eq!(rx.recv().await, Some(Event::Started(1)));
    worker.exit_supervisor(sup.clone());
    // The cast is served before the call; the supervisor traps exits, so
    // the signal is a message, served before the next call.
    assert_eq!(worker.number().await.unwrap(), 1);
    let children = sup.which_children().await.unwrap();
    assert_eq!(children.len(), 1);
    assert_eq!(children[0].pid.as_ref().map(Pid::id), Some(worker.id()));
    assert!(worker.is_alive());
    assert!(rx.try_recv().is_err(), "no second copy was started");
}

#[tokio::test(start_paused = true)]
async fn a_zero_max_seconds_is_refused() {
    let error = DynamicSupervisor::start(Options::new().max_seconds(Duration::ZERO))
        .await
        .unwrap_err();
    match error {
        StartError::Init(reason) => {
            assert!(reason.to_string().contains("max_seconds"), "{reason}");
        }
        other => panic!("expected StartError::Init, got {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn a_panic_in_a_child_start_is_its_start_error() {
    let (tx, _rx) = mpsc::unbounded_channel();
    let sup = DynamicSupervisor::start(Options::new()).await.unwrap();
    let sibling: ServerRef<Worker> = sup.start_child(spec(Arg::new(1, &tx))).await.unwrap();
    let error = sup
        .start_child_pid(ChildSpec::from_fn("bad", || async {
            panic!("start fails on purpose")
        }))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            StartChildError::Start(StartError::Init(ExitReason::Panic(_)))
        ),
        "{error:?}"
    );
    assert!(sup.is_alive());
    assert_eq!(sibling.number().await.unwrap(), 1);
    assert_eq!(sup.count_children().await.unwrap().active, 1);
}

#[tokio::test(start_paused = true)]
async fn a_child_in_init_when_its_supervisor_is_killed_does_not_outlive_it() {
    let (tx, _rx) = mpsc::unbounded_channel();
    let (started_tx, mut started_rx) = mpsc::unbounded_channel();
    let (waiting_tx, mut waiting_rx) = mpsc::unbounded_channel();
    let gate = Arc::new(tokio::sync::Notify::new());
    let child_spec = {
        let gate = Arc::clone(&gate);
        ChildSpec::from_fn("slow", move || {
            let (arg, gate) = (Arg::new(1, &tx), Arc::clone(&gate));
            let (started_tx, waiting_tx) = (started_tx.clone(), waiting_tx.clone());
            async move {
                let _ = waiting_tx.send(());
                gate.notified().await;
                let worker = Worker::start(arg).await?;
                let _ = started_tx.send(worker.clone());
                Ok(Some(worker.into()))
            }
        })
    };
    let sup = DynamicSupervisor::start(Options::new()).await.unwrap();
    let starting = tokio::spawn({
        let sup = sup.clone();
        async move { sup.start_child_pid(child_spec).await }
    });
    waiting_rx.recv().await.unwrap();
    sup.kill();
    assert_eq!(sup.exited().await.unwrap(), ExitReason::Killed);
    assert!(starting.await.unwrap().is_err());
    // The child's init finishes only now, with its supervisor gone.
    gate.notify_one();
    let worker = started_rx.recv().await.unwrap();
    let exited = tokio::time::timeout(Duration::from_secs(60), worker.exited()).await;
    assert_eq!(
        exited.expect("the child outlived its supervisor").unwrap(),
        ExitReason::Killed
    );
}

/// A server whose `terminate` says it has begun and never returns.
struct Stubborn {
    entered: mpsc::UnboundedSender<()>,
}

#[gen_server]
impl Stubborn {
    #[init]
    fn init(entered: mpsc::UnboundedSender<()>) -> Self {
        Stubborn { entered }
    }

    #[terminate]
    async fn terminate(&mut self) {
        let _ = self.entered.send(());
        std::future::pending::<()>().await;
    }
}

#[tokio::test(start_paused = true)]
async fn a_supervisor_killed_while_it_stops_children_kills_them() {
    for terminate_child in [false, true] {
        let (entered, mut entered_rx) = mpsc::unbounded_channel();
        let sup = DynamicSupervisor::start(Options::new()).await.unwrap();
        let child: ServerRef<Stubborn> = sup
            .start_child(
                ChildSpec::new::<Stubborn>(entered)
                    .shutdown(Shutdown::Timeout(Duration::from_secs(60))),
            )
            .await
            .unwrap();
        let stopping = tokio::spawn({
            let (sup, child) = (sup.clone(), child.clone());
            async move {
                if terminate_child {
                    let _ = sup.terminate_child(&child).await;
                } else {
                    let _ = sup.stop().await;
                }
            }
        });
        // The supervisor waits for the child's budget now.
        entered_rx.recv().await.unwrap();
        sup.kill();
        assert_eq!(sup.exited().await.unwrap(), ExitReason::Killed);
        let exited = tokio::time::timeout(Duration::from_secs(1), child.exited()).await;
        assert_eq!(
            exited.expect("the child was not killed").unwrap(),
            ExitReason::Killed,
            "terminate_child: {terminate_child}"
        );
        stopping.await.unwrap();
    }
}

/// A server whose init waits until the test lets it through.
struct Gated;

#[gen_server]
impl Gated {
    #[init]
    async fn init(gate: Arc<tokio::sync::Notify>) -> Self {
        gate.notified().await;
        Gated
    }

    #[call]
    fn ping(&self) -> u32 {
        1
    }
}

/// The same for a spec made from the server type, whose start the
/// supervisor awaits in its own handler rather than in a task: the child,
/// registered under a name that would keep it alive, is killed with the
/// supervisor instead of finishing its init unsupervised.
#[tokio::test]
async fn a_plain_child_in_init_when_its_supervisor_is_killed_does_not_outlive_it() {
    let gate = Arc::new(tokio::sync::Notify::new());
    let spec = ChildSpec::new::<Gated>(Arc::clone(&gate))
        .start_options(StartOptions::new().name("dynamic_supervisor.gated"));
    let sup = DynamicSupervisor::start(Options::new()).await.unwrap();
    let starting = tokio::spawn({
        let sup = sup.clone();
        async move { sup.start_child::<Gated>(spec).await }
    });
    // The name is taken before init runs: the child is in its init.
    let child = loop {
        if let Some(pid) = genserver::registry::whereis_pid("dynamic_supervisor.gated") {
            break pid;
        }
        tokio::task::yield_now().await;
    };
    sup.kill();
    assert_eq!(sup.exited().await.unwrap(), ExitReason::Killed);
    assert!(starting.await.unwrap().is_err());
    let exited = tokio::time::timeout(Duration::from_secs(60), child.exited()).await;
    assert_eq!(
        exited.expect("the child outlived its supervisor"),
        ExitReason::Killed
    );
    // Its init never finishes: the gate is never opened, and no server
    // holds the name.
    assert!(genserver::registry::whereis_pid("dynamic_supervisor.gated").is_none());
    drop(gate);
}
