//! Supervisors: strategies, restart values, intensity and escalation,
//! start-up, shutdown, the API, nested supervisors and typed lookup.
//! Everything time-based runs on tokio's paused clock.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use genserver::prelude::*;
use genserver::supervisor::{ChildCount, SupervisorClient};
use genserver::{
    AutoShutdown, ChildSpec, ChildSpecError, ChildType, Pid, Restart, Shutdown, StartError,
    Strategy, Supervisor, SupervisorError, SupervisorSpec,
};
use tokio::time::Instant;

/// What the workers did, in order: "start:a", "stop:a" (terminate began),
/// "stopped:a" (terminate finished).
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    fn push(&self, event: String) {
        self.0.lock().unwrap().push(event);
    }

    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

/// Knobs the test turns while the workers run.
#[derive(Default)]
struct Knobs {
    fail_init: AtomicBool,
    ignore: AtomicBool,
    slow_init: AtomicBool,
    /// Workers alive (counted from a successful init to the state's drop).
    live: AtomicUsize,
}

#[derive(Clone)]
struct Arg {
    id: &'static str,
    log: Log,
    knobs: Arc<Knobs>,
    terminate_delay: Duration,
}

struct Worker {
    id: &'static str,
    log: Log,
    knobs: Arc<Knobs>,
    terminate_delay: Duration,
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.knobs.live.fetch_sub(1, Ordering::SeqCst);
    }
}

#[gen_server]
impl Worker {
    #[init]
    async fn init(arg: Arg) -> Init<Self> {
        if arg.knobs.slow_init.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_secs(10)).await;
        }
        if arg.knobs.fail_init.load(Ordering::SeqCst) {
            arg.log.push(format!("failed:{}", arg.id));
            return Init::Stop(ExitReason::error("init failed"));
        }
        if arg.knobs.ignore.load(Ordering::SeqCst) {
            arg.log.push(format!("ignored:{}", arg.id));
            return Init::Ignore;
        }
        arg.log.push(format!("start:{}", arg.id));
        arg.knobs.live.fetch_add(1, Ordering::SeqCst);
        Init::Ok(Worker {
            id: arg.id,
            log: arg.log,
            knobs: arg.knobs,
            terminate_delay: arg.terminate_delay,
        })
    }

    #[call]
    fn ping(&self) -> &'static str {
        self.id
    }

    #[cast]
    fn crash(&mut self) {
        panic!("crash");
    }

    #[cast]
    fn quit(&mut self, reason: ExitReason, ctx: &mut Context<Self>) {
        ctx.stop(reason);
    }

    #[terminate]
    async fn terminate(&mut self) {
        self.log.push(format!("stop:{}", self.id));
        tokio::time::sleep(self.terminate_delay).await;
        self.log.push(format!("stopped:{}", self.id));
    }
}

/// A test's workers: their log and knobs.
#[derive(Clone, Default)]
struct Kit {
    log: Log,
    knobs: Arc<Knobs>,
}

impl Kit {
    fn spec(&self, id: &'static str) -> ChildSpec {
        self.spec_with(id, Duration::ZERO)
    }

    fn spec_with(&self, id: &'static str, terminate_delay: Duration) -> ChildSpec {
        ChildSpec::new::<Worker>(Arg {
            id,
            log: self.log.clone(),
            knobs: Arc::clone(&self.knobs),
            terminate_delay,
        })
        .id(id)
    }

    fn sup(&self, strategy: Strategy, ids: &[&'static str]) -> SupervisorSpec {
        ids.iter().fold(SupervisorSpec::new(strategy), |sup, id| {
            sup.child(self.spec(id))
        })
    }

    fn live(&self) -> usize {
        self.knobs.live.load(Ordering::SeqCst)
    }
}

fn strings(events: &[&str]) -> Vec<String> {
    events.iter().map(ToString::to_string).collect()
}

async fn worker(sup: &ServerRef<Supervisor>, id: &str) -> ServerRef<Worker> {
    sup.child::<Worker>(id).await.unwrap()
}

/// Crashes the child `id` and waits until it has exited; the supervisor
/// sees the exit before any later request.
async fn crash(sup: &ServerRef<Supervisor>, id: &str) {
    let child = worker(sup, id).await;
    child.crash();
    child.exited().await.unwrap();
}

async fn pids(sup: &ServerRef<Supervisor>) -> Vec<Option<Pid>> {
    sup.which_children()
        .await
        .unwrap()
        .into_iter()
        .map(|child| child.pid)
        .collect()
}

// ------------------------------------------------------------ strategies

#[tokio::test(start_paused = true)]
async fn one_for_one_restarts_only_the_failed_child() {
    let kit = Kit::default();
    let sup = Supervisor::start(kit.sup(Strategy::OneForOne, &["a", "b", "c"]))
        .await
        .unwrap();
    assert_eq!(kit.log.take(), strings(&["start:a", "start:b", "start:c"]));
    let before = pids(&sup).await;
    crash(&sup, "b").await;
    let after = pids(&sup).await;
    assert_eq!(kit.log.take(), strings(&["stop:b", "stopped:b", "start:b"]));
    assert_eq!(before[0], after[0]);
    assert_ne!(before[1], after[1]);
    assert_eq!(before[2], after[2]);
    assert_eq!(worker(&sup, "b").await.ping().await.unwrap(), "b");
    sup.stop().await.unwrap();
    assert_eq!(kit.live(), 0);
}

#[tokio::test(start_paused = true)]
async fn one_for_all_stops_the_others_in_reverse_and_restarts_all_in_order() {
    let kit = Kit::default();
    let sup = Supervisor::start(kit.sup(Strategy::OneForAll, &["a", "b", "c"]))
        .await
        .unwrap();
    kit.log.take();
    let before = pids(&sup).await;
    crash(&sup, "b").await;
    let after = pids(&sup).await;
    assert_eq!(
        kit.log.take(),
        strings(&[
            "stop:b",
            "stopped:b",
            "stop:c",
            "stopped:c",
            "stop:a",
            "stopped:a",
            "start:a",
            "start:b",
            "start:c"
        ])
    );
    for (old, new) in before.iter().zip(&after) {
        assert_ne!(old, new);
        assert!(new.as_ref().unwrap().is_alive());
    }
    sup.stop().await.unwrap();
    assert_eq!(kit.live(), 0);
}

#[tokio::test(start_paused = true)]
async fn rest_for_one_restarts_the_failed_child_and_those_started_after_it() {
    let kit = Kit::default();
    let sup = Supervisor::start(kit.sup(Strategy::RestForOne, &["a", "b", "c"]))
        .await
        .unwrap();
    kit.log.take();
    let before = pids(&sup).await;
    crash(&sup, "b").await;
    let after = pids(&sup).await;
    assert_eq!(
        kit.log.take(),
        strings(&[
            "stop:b",
            "stopped:b",
            "stop:c",
            "stopped:c",
            "start:b",
            "start:c"
        ])
    );
    assert_eq!(before[0], after[0]);
    assert_ne!(before[1], after[1]);
    assert_ne!(before[2], after[2]);
    sup.stop().await.unwrap();
}

// ------------------------------------------------------- restart values

#[tokio::test(start_paused = true)]
async fn a_permanent_child_is_restarted_even_after_a_normal_exit() {
    let kit = Kit::default();
    let sup = Supervisor::start(kit.sup(Strategy::OneForOne, &["a"]))
        .await
        .unwrap();
    let a = worker(&sup, "a").await;
    a.quit(ExitReason::Normal);
    a.exited().await.unwrap();
    let again = worker(&sup, "a").await;
    assert_ne!(a.id(), again.id());
    sup.stop().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_transient_child_is_restarted_only_after_an_abnormal_exit() {
    let kit = Kit::default();
    let spec = SupervisorSpec::new(Strategy::OneForOne)
        .child(kit.spec("a").restart(Restart::Transient))
        .child(kit.spec("b").restart(Restart::Transient));
    let sup = Supervisor::start(spec).await.unwrap();
    crash(&sup, "a").await;
    assert!(worker(&sup, "a").await.is_alive());
    for reason in [ExitReason::Shutdown, ExitReason::shutdown_with("done")] {
        sup.restart_child("b").await.ok();
        let b = worker(&sup, "b").await;
        b.quit(reason);
        b.exited().await.unwrap();
        assert_eq!(
            sup.child::<Worker>("b").await.unwrap_err(),
            SupervisorError::NotRunning
        );
    }
    let count = sup.count_children().await.unwrap();
    assert_eq!((count.specs, count.active), (2, 1));
    sup.stop().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_temporary_child_is_never_restarted_and_its_spec_is_dropped() {
    let kit = Kit::default();
    let spec = SupervisorSpec::new(Strategy::OneForAll)
        .child(kit.spec("a"))
        .child(kit.spec("t1").restart(Restart::Temporary))
        .child(kit.spec("t2").restart(Restart::Temporary));
    let sup = Supervisor::start(spec).await.unwrap();
    crash(&sup, "t1").await;
    assert_eq!(
        sup.child::<Worker>("t1").await.unwrap_err(),
        SupervisorError::NotFound
    );
    kit.log.take();
    // A sibling's restart takes t2 down, and it stays down, forgotten.
    crash(&sup, "a").await;
    assert_eq!(
        kit.log.take(),
        strings(&["stop:a", "stopped:a", "stop:t2", "stopped:t2", "start:a"])
    );
    let ids: Vec<_> = sup
        .which_children()
        .await
        .unwrap()
        .into_iter()
        .map(|child| child.id)
        .collect();
    assert_eq!(ids, vec![Arc::from("a")]);
    sup.stop().await.unwrap();
    assert_eq!(kit.live(), 0);
}

// -------------------------------------------------- intensity, escalation

#[tokio::test(start_paused = true)]
async fn more_restarts_than_allowed_stop_the_children_and_the_supervisor() {
    let kit = Kit::default();
    let spec = kit
        .sup(Strategy::OneForOne, &["a", "b"])
        .max_restarts(2)
        .max_seconds(5);
    let sup = Supervisor::start(spec).await.unwrap();
    crash(&sup, "a").await;
    crash(&sup, "a").await;
    assert!(sup.is_alive());
    kit.log.take();
    let a = worker(&sup, "a").await;
    a.crash();
    assert_eq!(sup.exited().await.unwrap(), ExitReason::Shutdown);
    assert_eq!(
        kit.log.take(),
        strings(&["stop:a", "stopped:a", "stop:b", "stopped:b"])
    );
    assert_eq!(kit.live(), 0);
}

#[tokio::test(start_paused = true)]
async fn restarts_outside_the_window_do_not_count() {
    let kit = Kit::default();
    let spec = kit
        .sup(Strategy::OneForOne, &["a"])
        .max_restarts(1)
        .max_seconds(5);
    let sup = Supervisor::start(spec).await.unwrap();
    for _ in 0..5 {
        crash(&sup, "a").await;
        tokio::time::sleep(Duration::from_secs(6)).await;
    }
    assert!(sup.is_alive());
    crash(&sup, "a").await;
    crash(&sup, "a").await;
    assert_eq!(sup.exited().await.unwrap(), ExitReason::Shutdown);
}

#[tokio::test(start_paused = true)]
async fn with_max_restarts_zero_any_restart_shuts_the_supervisor_down() {
    let kit = Kit::default();
    let spec = kit.sup(Strategy::OneForOne, &["a"]).max_restarts(0);
    let sup = Supervisor::start(spec).await.unwrap();
    crash(&sup, "a").await;
    assert_eq!(sup.exited().await.unwrap(), ExitReason::Shutdown);
    assert_eq!(kit.live(), 0);
}

#[tokio::test(start_paused = true)]
async fn escalation_reaches_the_parent_supervisor() {
    let kit = Kit::default();
    let inner = kit.sup(Strategy::OneForOne, &["w"]).max_restarts(0);
    let top = Supervisor::start(
        SupervisorSpec::new(Strategy::OneForOne)
            .max_restarts(1)
            .child(Supervisor::child_spec(inner).id("inner")),
    )
    .await
    .unwrap();
    let first = top.child::<Supervisor>("inner").await.unwrap();
    crash(&first, "w").await;
    // The inner supervisor gave up; the top restarted it, and its worker.
    assert_eq!(first.exited().await.unwrap(), ExitReason::Shutdown);
    let second = top.child::<Supervisor>("inner").await.unwrap();
    assert_ne!(first.id(), second.id());
    assert_eq!(worker(&second, "w").await.ping().await.unwrap(), "w");
    // Once more, and the top gives up too.
    crash(&second, "w").await;
    assert_eq!(top.exited().await.unwrap(), ExitReason::Shutdown);
    assert_eq!(kit.live(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_child_that_fails_to_restart_is_retried_until_the_intensity_is_exceeded() {
    let kit = Kit::default();
    let sup = Supervisor::start(kit.sup(Strategy::OneForOne, &["a"]).max_restarts(3))
        .await
        .unwrap();
    kit.knobs.fail_init.store(true, Ordering::SeqCst);
    kit.log.take();
    crash(&sup, "a").await;
    assert_eq!(sup.exited().await.unwrap(), ExitReason::Shutdown);
    assert_eq!(
        kit.log.take(),
        strings(&["stop:a", "stopped:a", "failed:a", "failed:a", "failed:a"])
    );
}

// ------------------------------------------------------------- start-up

#[tokio::test(start_paused = true)]
async fn a_child_failing_to_start_stops_the_ones_started_and_is_named() {
    let kit = Kit::default();
    let bad = Kit {
        log: kit.log.clone(),
        knobs: Arc::new(Knobs::default()),
    };
    bad.knobs.fail_init.store(true, Ordering::SeqCst);
    let spec = SupervisorSpec::new(Strategy::OneForOne)
        .child(kit.spec("a"))
        .child(kit.spec("b"))
        .child(bad.spec("c"))
        .child(kit.spec("d"));
    let error = Supervisor::start(spec).await.unwrap_err();
    assert_eq!(
        error,
        StartError::Child {
            id: "c".into(),
            error: Box::new(StartError::Init(ExitReason::error("init failed"))),
        }
    );
    assert_eq!(
        error.to_string(),
        "failed to start child \"c\": init failed (error: init failed)"
    );
    assert_eq!(
        kit.log.take(),
        strings(&[
            "start:a",
            "start:b",
            "failed:c",
            "stop:b",
            "stopped:b",
            "stop:a",
            "stopped:a"
        ])
    );
    assert_eq!(kit.live(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_nested_start_failure_names_each_level() {
    let kit = Kit::default();
    kit.knobs.fail_init.store(true, Ordering::SeqCst);
    let inner = kit.sup(Strategy::OneForOne, &["w"]);
    let error = Supervisor::start(
        SupervisorSpec::new(Strategy::OneForOne).child(Supervisor::child_spec(inner).id("inner")),
    )
    .await
    .unwrap_err();
    let StartError::Child { id, error } = error else {
        panic!("{error:?}");
    };
    assert_eq!(&*id, "inner");
    assert!(matches!(*error, StartError::Child { ref id, .. } if &**id == "w"));
}

#[tokio::test(start_paused = true)]
async fn duplicate_ids_are_refused() {
    let kit = Kit::default();
    let error = Supervisor::start(kit.sup(Strategy::OneForOne, &["a", "b", "a"]))
        .await
        .unwrap_err();
    assert_eq!(error, StartError::DuplicateChild("a".into()));
    assert!(kit.log.take().is_empty());
}

#[tokio::test(start_paused = true)]
async fn an_ignored_child_keeps_its_spec_without_a_pid() {
    let kit = Kit::default();
    let ignored = Kit {
        log: kit.log.clone(),
        knobs: Arc::new(Knobs::default()),
    };
    ignored.knobs.ignore.store(true, Ordering::SeqCst);
    let spec = SupervisorSpec::new(Strategy::OneForOne)
        .child(kit.spec("a"))
        .child(ignored.spec("b"))
        .child(ignored.spec("t").restart(Restart::Temporary))
        .child(kit.spec("c"));
    let sup = Supervisor::start(spec).await.unwrap();
    let children = sup.which_children().await.unwrap();
    let ids: Vec<_> = children.iter().map(|child| &*child.id).collect();
    // An ignored temporary child is forgotten, as in OTP.
    assert_eq!(ids, ["a", "b", "c"]);
    assert!(children[1].pid.is_none());
    let count = sup.count_children().await.unwrap();
    assert_eq!((count.specs, count.active), (3, 2));
    // Restarting it once it would start works.
    ignored.knobs.ignore.store(false, Ordering::SeqCst);
    assert!(sup.restart_child("b").await.unwrap().is_some());
    sup.stop().await.unwrap();
}

// ------------------------------------------------------------- shutdown

#[tokio::test(start_paused = true)]
async fn children_stop_in_reverse_start_order() {
    let kit = Kit::default();
    let sup = Supervisor::start(kit.sup(Strategy::OneForOne, &["a", "b", "c"]))
        .await
        .unwrap();
    kit.log.take();
    sup.stop().await.unwrap();
    assert_eq!(
        kit.log.take(),
        strings(&[
            "stop:c",
            "stopped:c",
            "stop:b",
            "stopped:b",
            "stop:a",
            "stopped:a"
        ])
    );
}

/// Stops a supervisor of one child whose terminate takes 10 s, shut down
/// as `shutdown` says; what the log shows, and how long the stop took.
async fn stop_slow_child(shutdown: Shutdown) -> (Vec<String>, Duration) {
    let kit = Kit::default();
    let spec = SupervisorSpec::new(Strategy::OneForOne).child(
        kit.spec_with("slow", Duration::from_secs(10))
            .shutdown(shutdown),
    );
    let sup = Supervisor::start(spec).await.unwrap();
    kit.log.take();
    let started = Instant::now();
    sup.stop().await.unwrap();
    let took = started.elapsed();
    assert_eq!(kit.live(), 0);
    (kit.log.take(), took)
}

#[tokio::test(start_paused = true)]
async fn brutal_kill_skips_terminate() {
    let (log, took) = stop_slow_child(Shutdown::BrutalKill).await;
    assert!(log.is_empty(), "{log:?}");
    assert!(took < Duration::from_millis(10), "{took:?}");
}

#[tokio::test(start_paused = true)]
async fn a_child_whose_terminate_blocks_is_killed_after_its_timeout() {
    let (log, took) = stop_slow_child(Shutdown::Timeout(Duration::from_secs(1))).await;
    assert_eq!(log, strings(&["stop:slow"]));
    assert!(
        took >= Duration::from_secs(1) && took < Duration::from_secs(2),
        "{took:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn infinity_waits_for_terminate() {
    let (log, took) = stop_slow_child(Shutdown::Infinity).await;
    assert_eq!(log, strings(&["stop:slow", "stopped:slow"]));
    assert!(took >= Duration::from_secs(10), "{took:?}");
}

#[tokio::test(start_paused = true)]
async fn a_supervisor_stopped_during_a_restart_loses_no_child_and_leaks_no_task() {
    let kit = Kit::default();
    let sup = Supervisor::start(kit.sup(Strategy::OneForOne, &["a", "b"]))
        .await
        .unwrap();
    kit.knobs.slow_init.store(true, Ordering::SeqCst);
    kit.log.take();
    let a = worker(&sup, "a").await;
    a.crash();
    a.exited().await.unwrap();
    // The supervisor is now in a's 10 s init; stop it meanwhile.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let stopping = tokio::spawn({
        let sup = sup.clone();
        async move { sup.stop().await }
    });
    stopping.await.unwrap().unwrap();
    // The new a was started, then stopped with the rest, in order.
    assert_eq!(
        kit.log.take(),
        strings(&[
            "stop:a",
            "stopped:a",
            "start:a",
            "stop:b",
            "stopped:b",
            "stop:a",
            "stopped:a"
        ])
    );
    assert_eq!(kit.live(), 0);
    drop((sup, a));
    tokio::task::yield_now().await;
    assert_eq!(
        tokio::runtime::Handle::current()
            .metrics()
            .num_alive_tasks(),
        0
    );
}

#[tokio::test(start_paused = true)]
async fn a_supervisor_killed_during_a_restart_leaves_no_child_running() {
    let kit = Kit::default();
    let sup = Supervisor::start(kit.sup(Strategy::OneForOne, &["a", "b"]))
        .await
        .unwrap();
    kit.knobs.slow_init.store(true, Ordering::SeqCst);
    crash(&sup, "a").await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    sup.kill();
    assert_eq!(sup.exited().await.unwrap(), ExitReason::Killed);
    // a's init finishes after its supervisor is gone: the child is ended
    // as the link would have ended it, and nothing is left running.
    tokio::time::sleep(Duration::from_secs(20)).await;
    assert_eq!(kit.live(), 0);
    drop(sup);
    tokio::task::yield_now().await;
    assert_eq!(
        tokio::runtime::Handle::current()
            .metrics()
            .num_alive_tasks(),
        0
    );
}

// ------------------------------------------------------------------ API

#[tokio::test(start_paused = true)]
async fn start_child_appends_and_refuses_a_taken_id() {
    let kit = Kit::default();
    let sup = Supervisor::start(kit.sup(Strategy::RestForOne, &["a"]))
        .await
        .unwrap();
    let b = sup.start_child(kit.spec("b")).await.unwrap().unwrap();
    let ids: Vec<_> = sup
        .which_children()
        .await
        .unwrap()
        .into_iter()
        .map(|child| child.id)
        .collect();
    assert_eq!(ids, vec![Arc::from("a"), Arc::from("b")]);
    assert_eq!(
        sup.start_child(kit.spec("b")).await.unwrap_err(),
        SupervisorError::AlreadyStarted(b)
    );
    sup.terminate_child("b").await.unwrap();
    assert_eq!(
        sup.start_child(kit.spec("b")).await.unwrap_err(),
        SupervisorError::AlreadyPresent
    );
    // A child that fails to start is not kept.
    kit.knobs.fail_init.store(true, Ordering::SeqCst);
    assert!(matches!(
        sup.start_child(kit.spec("c")).await.unwrap_err(),
        SupervisorError::Start(StartError::Init(_))
    ));
    assert_eq!(sup.count_children().await.unwrap().specs, 2);
    sup.stop().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn terminate_restart_and_delete_child() {
    let kit = Kit::default();
    let spec = kit
        .sup(Strategy::OneForOne, &["a"])
        .child(kit.spec("t").restart(Restart::Temporary));
    let sup = Supervisor::start(spec).await.unwrap();
    kit.log.take();
    assert_eq!(
        sup.delete_child("a").await.unwrap_err(),
        SupervisorError::Running
    );
    assert_eq!(
        sup.restart_child("a").await.unwrap_err(),
        SupervisorError::Running
    );
    sup.terminate_child("a").await.unwrap();
    assert_eq!(kit.log.take(), strings(&["stop:a", "stopped:a"]));
    // Terminated on request: not restarted, spec kept.
    let children = sup.which_children().await.unwrap();
    assert_eq!(&*children[0].id, "a");
    assert!(children[0].pid.is_none());
    // Terminating it again is fine.
    sup.terminate_child("a").await.unwrap();
    let a = sup.restart_child("a").await.unwrap().unwrap();
    assert_eq!(a.downcast::<Worker>().unwrap().ping().await.unwrap(), "a");
    sup.terminate_child("a").await.unwrap();
    sup.delete_child("a").await.unwrap();
    // A temporary child's spec goes with it.
    sup.terminate_child("t").await.unwrap();
    assert_eq!(sup.count_children().await.unwrap().specs, 0);
    for error in [
        sup.terminate_child("a").await.unwrap_err(),
        sup.delete_child("a").await.unwrap_err(),
        sup.restart_child("a").await.map(|_| ()).unwrap_err(),
        sup.child_pid("a").await.map(|_| ()).unwrap_err(),
    ] {
        assert_eq!(error, SupervisorError::NotFound);
    }
    sup.stop().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn which_children_and_count_children_describe_the_children() {
    let kit = Kit::default();
    let inner = kit.sup(Strategy::OneForOne, &["w"]);
    let spec = kit
        .sup(Strategy::OneForOne, &["a"])
        .child(Supervisor::child_spec(inner).id("inner"));
    let sup = Supervisor::start(spec).await.unwrap();
    let children = sup.which_children().await.unwrap();
    assert_eq!(children.len(), 2);
    assert_eq!(children[0].child_type, ChildType::Worker);
    assert!(children[0].server.ends_with("Worker"));
    assert_eq!(children[1].child_type, ChildType::Supervisor);
    assert!(children[1].server.ends_with("Supervisor"));
    let mut expected = ChildCount::default();
    expected.specs = 2;
    expected.active = 2;
    expected.supervisors = 1;
    expected.workers = 1;
    assert_eq!(sup.count_children().await.unwrap(), expected);
    sup.stop().await.unwrap();
    assert_eq!(kit.live(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_supervisor_child_spec_waits_for_its_children() {
    let spec = Supervisor::child_spec(SupervisorSpec::new(Strategy::OneForAll));
    assert_eq!(spec.child_type, ChildType::Supervisor);
    assert_eq!(spec.shutdown, Shutdown::Infinity);
}

#[tokio::test(start_paused = true)]
async fn a_named_supervisor_is_found_by_name() {
    let kit = Kit::default();
    let sup = Supervisor::start_with(
        kit.sup(Strategy::OneForOne, &["a"]),
        StartOptions::new().name("supervisor_test_named"),
    )
    .await
    .unwrap();
    let found = genserver::registry::whereis::<Supervisor>("supervisor_test_named").unwrap();
    assert_eq!(found.id(), sup.id());
    sup.stop().await.unwrap();
}

// --------------------------------------------------------- typed lookup

#[tokio::test(start_paused = true)]
async fn the_typed_lookup_finds_the_current_child_and_checks_its_type() {
    let kit = Kit::default();
    let sup = Supervisor::start(kit.sup(Strategy::OneForOne, &["a"]))
        .await
        .unwrap();
    let stale = worker(&sup, "a").await;
    stale.crash();
    stale.exited().await.unwrap();
    let error = stale.ping().await.unwrap_err();
    assert_eq!(error, CallError::NoProc);
    assert!(error.to_string().contains("look it up again"), "{error}");
    let fresh = worker(&sup, "a").await;
    assert_eq!(fresh.ping().await.unwrap(), "a");
    let wrong = sup.child::<Supervisor>("a").await.unwrap_err();
    assert!(
        matches!(wrong, SupervisorError::WrongType { expected, found }
            if expected.ends_with("Supervisor") && found.ends_with("Worker")),
        "{wrong:?}"
    );
    // The error converts into the crate's one error type.
    let error: genserver::Error = wrong.into();
    assert!(error.to_string().starts_with("wrong server type"));
    sup.stop().await.unwrap();
    let gone: SupervisorClient = (*sup).clone();
    assert_eq!(
        gone.which_children().await.unwrap_err(),
        SupervisorError::Call(CallError::NoProc)
    );
}

// -------------------------------------------------------------- tracing

/// The events a test's supervisors report: their message and fields.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<String>>>);

struct Fields<'a>(&'a mut String);

impl tracing::field::Visit for Fields<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        use std::fmt::Write as _;
        let _ = write!(self.0, "{}={value:?} ", field.name());
    }
}

impl tracing::Subscriber for Capture {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut text = format!("{} ", event.metadata().level());
        event.record(&mut Fields(&mut text));
        self.0.lock().unwrap().push(text);
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[tokio::test(start_paused = true)]
async fn crashes_restarts_and_escalations_are_traced_with_the_supervisor_and_child() {
    // The process-wide subscriber, not a thread's: tracing caches per call
    // site whether anyone listens, and another test of this binary may
    // reach the supervisor's call sites first, on a thread without one.
    // Events of other tests land here too; the checks look for this
    // supervisor's id.
    static CAPTURE: std::sync::OnceLock<Capture> = std::sync::OnceLock::new();
    let capture = CAPTURE
        .get_or_init(|| {
            let capture = Capture::default();
            tracing::subscriber::set_global_default(capture.clone())
                .expect("no other global subscriber in this test binary");
            capture
        })
        .clone();
    tracing::callsite::rebuild_interest_cache();
    let kit = Kit::default();
    let sup = Supervisor::start_with(
        kit.sup(Strategy::OneForOne, &["a"]).max_restarts(1),
        StartOptions::new().name("supervisor_test_traced"),
    )
    .await
    .unwrap();
    let id = format!("supervisor={}", sup.id().as_u64());
    crash(&sup, "a").await;
    crash(&sup, "a").await;
    sup.exited().await.unwrap();
    let events = capture.0.lock().unwrap().clone();
    let find = |words: &[&str]| {
        events
            .iter()
            .any(|event| words.iter().all(|word| event.contains(word)))
    };
    assert!(
        find(&[
            "ERROR",
            &id,
            "supervisor_test_traced",
            "child=\"a\"",
            "terminated"
        ]),
        "{events:#?}"
    );
    assert!(
        find(&["INFO", &id, "child=\"a\"", "restarting"]),
        "{events:#?}"
    );
    assert!(
        find(&["ERROR", &id, "child=\"a\"", "maximum restart intensity"]),
        "{events:#?}"
    );
}

// -------------------------------------------------------- auto_shutdown

#[tokio::test(start_paused = true)]
async fn significant_children_must_be_transient_or_temporary_under_an_auto_shutdown() {
    let kit = Kit::default();
    let permanent = SupervisorSpec::new(Strategy::OneForOne)
        .auto_shutdown(AutoShutdown::AnySignificant)
        .child(kit.spec("a"))
        .child(kit.spec("s").significant(true));
    assert_eq!(
        Supervisor::start(permanent).await.unwrap_err(),
        StartError::InvalidChild {
            id: "s".into(),
            error: ChildSpecError::SignificantPermanent
        }
    );
    let never = SupervisorSpec::new(Strategy::OneForOne)
        .child(kit.spec("a"))
        .child(kit.spec("s").restart(Restart::Transient).significant(true));
    assert_eq!(
        Supervisor::start(never).await.unwrap_err(),
        StartError::InvalidChild {
            id: "s".into(),
            error: ChildSpecError::SignificantWithoutAutoShutdown
        }
    );
    // Refused before anything started.
    assert!(kit.log.take().is_empty());

    let sup = Supervisor::start(SupervisorSpec::new(Strategy::OneForOne))
        .await
        .unwrap();
    assert_eq!(
        sup.start_child(kit.spec("s").restart(Restart::Temporary).significant(true))
            .await
            .unwrap_err(),
        SupervisorError::Start(StartError::InvalidChild {
            id: "s".into(),
            error: ChildSpecError::SignificantWithoutAutoShutdown
        })
    );
    sup.stop().await.unwrap();
    let sup = Supervisor::start(
        SupervisorSpec::new(Strategy::OneForOne).auto_shutdown(AutoShutdown::AllSignificant),
    )
    .await
    .unwrap();
    assert_eq!(
        sup.start_child(kit.spec("s").significant(true))
            .await
            .unwrap_err(),
        SupervisorError::Start(StartError::InvalidChild {
            id: "s".into(),
            error: ChildSpecError::SignificantPermanent
        })
    );
    assert!(
        sup.start_child(kit.spec("s").restart(Restart::Transient).significant(true))
            .await
            .unwrap()
            .is_some()
    );
    assert!(kit.log.take() == strings(&["start:s"]));
    sup.stop().await.unwrap();
    assert_eq!(kit.live(), 0);
}

#[tokio::test(start_paused = true)]
async fn any_significant_shuts_down_when_a_significant_child_ends() {
    let kit = Kit::default();
    let spec = SupervisorSpec::new(Strategy::OneForOne)
        .auto_shutdown(AutoShutdown::AnySignificant)
        .child(kit.spec("a"))
        .child(kit.spec("t").restart(Restart::Transient).significant(true))
        .child(kit.spec("u").restart(Restart::Transient).significant(true))
        .child(kit.spec("b"));
    let sup = Supervisor::start(spec).await.unwrap();
    // A crash restarts a transient significant child: it has not ended.
    crash(&sup, "t").await;
    assert!(worker(&sup, "t").await.is_alive());
    // Stopped by the supervisor, it has not ended by itself either.
    sup.terminate_child("u").await.unwrap();
    assert!(sup.is_alive());
    kit.log.take();
    // A normal exit ends it: the supervisor stops the rest and exits.
    let t = worker(&sup, "t").await;
    t.quit(ExitReason::Normal);
    assert_eq!(sup.exited().await.unwrap(), ExitReason::Shutdown);
    assert_eq!(
        kit.log.take(),
        strings(&[
            "stop:t",
            "stopped:t",
            "stop:b",
            "stopped:b",
            "stop:a",
            "stopped:a"
        ])
    );
    assert_eq!(kit.live(), 0);
}

#[tokio::test(start_paused = true)]
async fn all_significant_shuts_down_when_the_last_significant_child_ends() {
    let kit = Kit::default();
    let spec = SupervisorSpec::new(Strategy::OneForAll)
        .auto_shutdown(AutoShutdown::AllSignificant)
        .child(kit.spec("a"))
        .child(kit.spec("s1").restart(Restart::Transient).significant(true))
        .child(kit.spec("s2").restart(Restart::Temporary).significant(true));
    let sup = Supervisor::start(spec).await.unwrap();
    let s1 = worker(&sup, "s1").await;
    s1.quit(ExitReason::shutdown_with("done"));
    s1.exited().await.unwrap();
    // s2 still runs.
    assert!(sup.is_alive());
    assert_eq!(sup.count_children().await.unwrap().active, 2);
    kit.log.take();
    // A temporary significant child ends with any exit, a crash included.
    let s2 = worker(&sup, "s2").await;
    s2.crash();
    assert_eq!(sup.exited().await.unwrap(), ExitReason::Shutdown);
    // s2's own terminate (after its crash), then a.
    assert_eq!(
        kit.log.take(),
        strings(&["stop:s2", "stopped:s2", "stop:a", "stopped:a"])
    );
    assert_eq!(kit.live(), 0);
}

#[tokio::test(start_paused = true)]
async fn an_auto_shutdown_reaches_the_parent_as_shutdown() {
    let kit = Kit::default();
    let inner = SupervisorSpec::new(Strategy::OneForOne)
        .auto_shutdown(AutoShutdown::AnySignificant)
        .child(
            kit.spec("job")
                .restart(Restart::Temporary)
                .significant(true),
        );
    let outer = SupervisorSpec::new(Strategy::OneForOne)
        .auto_shutdown(AutoShutdown::AnySignificant)
        .child(
            Supervisor::child_spec(inner)
                .id("inner")
                .restart(Restart::Transient)
                .significant(true),
        );
    let top = Supervisor::start(outer).await.unwrap();
    let inner = top.child::<Supervisor>("inner").await.unwrap();
    let job = inner.child::<Worker>("job").await.unwrap();
    job.quit(ExitReason::Normal);
    // The job's end ends the inner supervisor (Shutdown, a normal exit for
    // a transient child), which ends the top one.
    assert_eq!(inner.exited().await.unwrap(), ExitReason::Shutdown);
    assert_eq!(top.exited().await.unwrap(), ExitReason::Shutdown);
    assert_eq!(kit.live(), 0);
}

// ------------------------------------------------------ a service's lifetime

/// `run_until` on a tree: when the signal comes, every child stops in
/// reverse start order (a nested supervisor's own children too), each
/// within its shutdown budget: a child whose terminate outlasts its budget
/// is killed when the budget runs out.
#[tokio::test(start_paused = true)]
async fn run_until_stops_a_tree_in_reverse_start_order_within_the_budgets() {
    let kit = Kit::default();
    let inner = SupervisorSpec::new(Strategy::OneForOne)
        .child(kit.spec("x"))
        .child(kit.spec("y"));
    let spec = SupervisorSpec::new(Strategy::OneForOne)
        .child(
            kit.spec_with("a", Duration::from_millis(100))
                .shutdown(Shutdown::Timeout(Duration::from_secs(1))),
        )
        .child(Supervisor::child_spec(inner).id("inner"))
        .child(
            kit.spec_with("b", Duration::from_secs(10))
                .shutdown(Shutdown::Timeout(Duration::from_secs(2))),
        )
        .child(kit.spec("c"));
    let root = Supervisor::start(spec).await.unwrap();
    assert_eq!(
        kit.log.take(),
        strings(&["start:a", "start:x", "start:y", "start:b", "start:c"])
    );
    let signal_at = Instant::now() + Duration::from_secs(1);
    let reason = genserver::run_until(&root, tokio::time::sleep_until(signal_at)).await;
    let took = signal_at.elapsed();
    assert_eq!(reason, ExitReason::Shutdown);
    assert_eq!(
        kit.log.take(),
        strings(&[
            "stop:c",
            "stopped:c",
            // b's terminate takes 10 s: killed at its 2 s budget.
            "stop:b",
            "stop:y",
            "stopped:y",
            "stop:x",
            "stopped:x",
            "stop:a",
            "stopped:a",
        ])
    );
    // b's budget, then a's terminate.
    assert!(
        took >= Duration::from_millis(2100) && took < Duration::from_millis(2200),
        "{took:?}"
    );
    assert_eq!(kit.live(), 0);
}

// ------------------------------------------------ who keeps it alive

/// A supervised server lives on when every reference to it is dropped (its
/// supervisor holds it, as an Erlang supervisor holds its children's pids),
/// and so does a supervisor whose children are linked to it.
#[tokio::test(start_paused = true)]
async fn a_supervised_server_outlives_its_last_reference() {
    let kit = Kit::default();
    let sup = Supervisor::start(kit.sup(Strategy::OneForOne, &["a"]))
        .await
        .unwrap();
    let child = worker(&sup, "a").await;
    let (child_down, sup_down) = (child.monitor(), sup.monitor());
    let child_id = child.id();
    drop(child);
    tokio::pin!(child_down);
    assert!(
        tokio::time::timeout(Duration::from_secs(60), &mut child_down)
            .await
            .is_err(),
        "a supervised child must not end when its references are gone"
    );
    assert_eq!(worker(&sup, "a").await.id(), child_id);
    // The supervisor too, with no reference left at all: its children's
    // links hold it (the runtime's shutdown at the end of the test ends
    // the tree).
    drop(sup);
    tokio::pin!(sup_down);
    assert!(
        tokio::time::timeout(Duration::from_secs(60), &mut sup_down)
            .await
            .is_err(),
        "a supervisor with linked children must not end when its references are gone"
    );
}

// ------------------------------------------------------- review fixes

#[tokio::test(start_paused = true)]
async fn a_supervisor_killed_while_stopping_a_child_takes_the_child_down() {
    let kit = Kit::default();
    // terminate never returns in time; the child's budget is 5 s.
    let spec = SupervisorSpec::new(Strategy::OneForOne).child(
        kit.spec_with("slow", Duration::from_secs(3600))
            .shutdown(Shutdown::Timeout(Duration::from_secs(5))),
    );
    let sup = Supervisor::start(spec).await.unwrap();
    assert_eq!(kit.live(), 1);
    // Stopped with a 1 s budget, as a parent does, then killed.
    let pid = Pid::from(&sup);
    assert_eq!(
        pid.stop_with(ExitReason::Shutdown, Duration::from_secs(1))
            .await,
        Err(genserver::StopError::Timeout)
    );
    sup.kill();
    assert_eq!(sup.exited().await.unwrap(), ExitReason::Killed);
    // The child is ended through its link, not left running.
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(kit.live(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_zero_restart_period_is_refused_at_start() {
    use genserver::supervisor::InvalidSupervisorSpec;
    let kit = Kit::default();
    for spec in [
        kit.sup(Strategy::OneForOne, &["a"]).period(Duration::ZERO),
        kit.sup(Strategy::OneForOne, &["a"]).max_seconds(0),
    ] {
        match Supervisor::start(spec).await {
            Err(StartError::Init(reason)) => assert_eq!(
                reason.downcast_ref::<InvalidSupervisorSpec>(),
                Some(&InvalidSupervisorSpec::ZeroPeriod)
            ),
            other => panic!("started with a zero period: {other:?}"),
        }
    }
    assert_eq!(kit.live(), 0);
    assert!(kit.log.take().is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_child_terminated_while_its_restart_awaits_a_retry_stays_down() {
    let kit = Kit::default();
    let sup = Supervisor::start(kit.sup(Strategy::OneForOne, &["a"]).max_restarts(5))
        .await
        .unwrap();
    let t0 = Instant::now();
    // a's restart takes 10 s and fails: a retry is queued at t = 10 s.
    kit.knobs.slow_init.store(true, Ordering::SeqCst);
    kit.knobs.fail_init.store(true, Ordering::SeqCst);
    crash(&sup, "a").await;
    // Queued at t = 1 s, so handled before the retry.
    tokio::time::sleep_until(t0 + Duration::from_secs(1)).await;
    let terminating = tokio::spawn({
        let sup = sup.clone();
        async move {
            sup.with_timeout(Duration::from_secs(30))
                .terminate_child("a")
                .await
        }
    });
    assert_eq!(terminating.await.unwrap(), Ok(()));
    // A start of a now would succeed (its init checks at t = 20 s).
    tokio::time::sleep_until(t0 + Duration::from_secs(15)).await;
    kit.knobs.fail_init.store(false, Ordering::SeqCst);
    tokio::time::sleep_until(t0 + Duration::from_secs(60)).await;
    let children = sup.which_children().await.unwrap();
    assert_eq!(
        children[0].pid, None,
        "a was restarted after terminate_child"
    );
    assert!(!children[0].restarting);
    assert_eq!(kit.live(), 0);
    sup.stop().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn which_children_shows_a_child_whose_restart_awaits_a_retry() {
    let kit = Kit::default();
    let sup = Supervisor::start(kit.sup(Strategy::OneForOne, &["a"]).max_restarts(5))
        .await
        .unwrap();
    let t0 = Instant::now();
    kit.knobs.slow_init.store(true, Ordering::SeqCst);
    kit.knobs.fail_init.store(true, Ordering::SeqCst);
    crash(&sup, "a").await;
    // Queued at t = 1 s, before the restart fails at t = 10 s, so answered
    // before the retry runs.
    tokio::time::sleep_until(t0 + Duration::from_secs(1)).await;
    let children = sup
        .with_timeout(Duration::from_secs(30))
        .which_children()
        .await
        .unwrap();
    assert_eq!(children[0].pid, None);
    assert!(children[0].restarting);
    kit.knobs.fail_init.store(false, Ordering::SeqCst);
    kit.knobs.slow_init.store(false, Ordering::SeqCst);
    sup.stop().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn terminate_child_waits_for_a_shutdown_longer_than_the_call_timeout() {
    let kit = Kit::default();
    let spec = SupervisorSpec::new(Strategy::OneForOne)
        .child(
            kit.spec_with("a", Duration::from_secs(10))
                .shutdown(Shutdown::Infinity),
        )
        .child(
            kit.spec_with("b", Duration::from_secs(10))
                .shutdown(Shutdown::Timeout(Duration::from_secs(30))),
        );
    let sup = Supervisor::start(spec).await.unwrap();
    let started = Instant::now();
    assert_eq!(sup.terminate_child("a").await, Ok(()));
    assert!(started.elapsed() >= Duration::from_secs(10));
    assert_eq!(pids(&sup).await[0], None);
    // A timeout the caller sets is kept, even one equal to the default.
    assert!(matches!(
        sup.with_timeout(genserver::DEFAULT_CALL_TIMEOUT)
            .terminate_child("b")
            .await,
        Err(SupervisorError::Call(genserver::CallError::Timeout))
    ));
    sup.stop().await.unwrap();
    assert_eq!(kit.live(), 0);
}
