//! Elixir's `lib/elixir/test/elixir/dynamic_supervisor_test.exs`, one test
//! per case, named `describe` + test. Names are prefixed with
//! `elixir_dynamic_supervisor_` since every test of the binary shares the
//! local name table. Time-based cases run on tokio's paused clock.
//!
//! Elixir's `assert_kill(pid, reason)` (an exit signal, then the `DOWN`) is
//! `pid.exit(reason)` and `pid.exited()`; a call to the supervisor after it
//! is ordered after the child's exit in the supervisor's mailbox.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use genserver::child_spec::Started;
use genserver::dynamic_supervisor::{Counts, Options, StartChildError, TerminateChildError};
use genserver::prelude::*;
use genserver::registry::{self, Registry};
use genserver::task::Task;
use genserver::{
    ChildSpec, ChildSpecError, ChildType, DynamicSupervisor, Pid, Restart, Shutdown, StartError,
    Strategy, Supervisor, SupervisorError, SupervisorSpec,
};
use tokio::sync::mpsc;

use crate::elixir_common::Sleeper;

/// Elixir's `sleepy_worker/1`: a child that runs until it is stopped.
fn sleepy_worker() -> ChildSpec {
    Sleeper::child_spec(Sleeper)
}

/// Starts a `Sleeper` as a start function does (`start_link(:ok2)`).
async fn start_sleeper() -> Started {
    Ok(Some(Sleeper::start(Sleeper).await?.pid()))
}

/// What a child's start gives after its first, which succeeds.
#[derive(Clone, Copy, Debug)]
enum Then {
    /// `{:ok, pid}` again.
    Ok,
    /// `:ignore`.
    Ignore,
    /// `{:error, reason}`.
    Error(&'static str),
}

/// Elixir's `current_module_worker([:restart, value])`: the first start
/// succeeds, every later one (its restarts) gives `then`.
fn restart_then(then: Then) -> ChildSpec {
    let started = Arc::new(AtomicBool::new(false));
    ChildSpec::from_fn("restart", move || {
        let first = !started.swap(true, Ordering::SeqCst);
        async move {
            match then {
                _ if first => start_sleeper().await,
                Then::Ok => start_sleeper().await,
                Then::Ignore => Ok(None),
                Then::Error(reason) => Err(StartError::Init(ExitReason::error(reason))),
            }
        }
    })
    .server_type::<Sleeper>()
}

/// The spec of a start function `start` (`current_module_worker([value])`).
fn worker<F, Fut>(start: F) -> ChildSpec
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Started> + Send + 'static,
{
    ChildSpec::from_fn("worker", start)
}

/// `{workers, active}` of `count_children`.
async fn counts(sup: &ServerRef<DynamicSupervisor>) -> (usize, usize) {
    let Counts {
        workers, active, ..
    } = sup.count_children().await.unwrap();
    (workers, active)
}

/// `assert_kill(pid, reason)`: an exit signal, and the exit seen.
async fn assert_kill(pid: &Pid, reason: ExitReason) {
    pid.exit(reason);
    pid.exited().await;
}

/// How a child's `terminate` ends when its supervisor stops it.
#[derive(Clone, Copy, Debug)]
enum Ending {
    /// It panics: the child exits with a reason of its own.
    Panic,
    /// It never returns: the child ignores the stop until it is killed.
    Hang,
}

/// A child that counts its starts and ends as `ending` says.
#[derive(Clone)]
struct Stubborn {
    ending: Ending,
    starts: Arc<AtomicUsize>,
}

#[gen_server]
impl Stubborn {
    #[init]
    fn init(arg: Stubborn) -> Self {
        arg.starts.fetch_add(1, Ordering::SeqCst);
        arg
    }

    #[terminate]
    async fn terminate(&mut self) {
        match self.ending {
            Ending::Panic => panic!("oops"),
            Ending::Hang => std::future::pending::<()>().await,
        }
    }
}

fn stubborn(ending: Ending) -> (ChildSpec, Arc<AtomicUsize>) {
    let starts = Arc::new(AtomicUsize::new(0));
    let spec = Stubborn::child_spec(Stubborn {
        ending,
        starts: Arc::clone(&starts),
    });
    (spec, starts)
}

async fn start(options: Options) -> ServerRef<DynamicSupervisor> {
    DynamicSupervisor::start(options).await.unwrap()
}

#[tokio::test]
async fn can_be_supervised_directly() {
    let name = "elixir_dynamic_supervisor_dyn_sup_spec_test";
    let child =
        DynamicSupervisor::child_spec(Options::new()).start_options(StartOptions::new().name(name));
    Supervisor::start(SupervisorSpec::new(Strategy::OneForOne).child(child))
        .await
        .unwrap();
    let sup = registry::whereis::<DynamicSupervisor>(name).unwrap();
    assert!(sup.which_children().await.unwrap().is_empty());
}

#[tokio::test]
async fn multiple_supervisors_can_be_supervised_and_identified_with_simple_child_spec() {
    let name = "elixir_dynamic_supervisor_simple_name";
    let sups: Registry<String, DynamicSupervisor> = Registry::new();
    let key = "via_name".to_string();
    let children = [
        DynamicSupervisor::child_spec(Options::new())
            .id("simple_name")
            .start_options(StartOptions::new().name(name)),
        DynamicSupervisor::child_spec(Options::new())
            .id("via_name")
            .start_options(StartOptions::new().via(&sups, key.clone())),
    ];
    let supsup = Supervisor::start(SupervisorSpec::new(Strategy::OneForOne).children(children))
        .await
        .unwrap();
    let no_name = supsup
        .start_child(DynamicSupervisor::child_spec(Options::new()))
        .await
        .unwrap()
        .unwrap();

    let by_name = registry::whereis::<DynamicSupervisor>(name).unwrap();
    assert!(by_name.which_children().await.unwrap().is_empty());
    let by_via = sups.lookup(&key).unwrap();
    assert!(by_via.which_children().await.unwrap().is_empty());
    let no_name_sup = no_name.downcast::<DynamicSupervisor>().unwrap();
    assert!(no_name_sup.which_children().await.unwrap().is_empty());

    assert_eq!(
        supsup
            .start_child(DynamicSupervisor::child_spec(Options::new()))
            .await,
        Err(SupervisorError::AlreadyStarted(no_name))
    );
}

#[tokio::test]
async fn use_2_generates_child_spec_1() {
    let spec = DynamicSupervisor::child_spec(Options::new());
    assert_eq!(&*spec.id, std::any::type_name::<DynamicSupervisor>());
    assert_eq!(spec.child_type, ChildType::Supervisor);
    assert_eq!(spec.restart, Restart::Permanent);
    assert_eq!(spec.shutdown, Shutdown::Infinity);

    let custom = DynamicSupervisor::child_spec(Options::new())
        .id("id")
        .restart(Restart::Temporary)
        .shutdown(Shutdown::Infinity);
    assert_eq!(&*custom.id, "id");
    assert_eq!(custom.restart, Restart::Temporary);
    assert_eq!(custom.shutdown, Shutdown::Infinity);
    assert_eq!(custom.child_type, ChildType::Supervisor);
}

#[tokio::test]
async fn init_1_set_default_options() {
    let options = Options::new();
    assert_eq!(options.max_children, None); // :infinity
    assert_eq!(options.max_restarts, 3); // intensity
    assert_eq!(options.max_seconds, Duration::from_secs(5)); // period
}

/// Of Elixir's invalid flags, only a zero period can be written: the
/// strategy is always one_for_one, the intensity and `max_children` are
/// unsigned, and there are no `extra_arguments` or `auto_shutdown`; an
/// `init/1` returning something else does not compile.
#[tokio::test]
async fn start_link_3_with_non_ok_init() {
    let zero_period = DynamicSupervisor::start(Options::new().max_seconds(Duration::ZERO)).await;
    assert!(
        matches!(zero_period, Err(StartError::Init(_))),
        "{zero_period:?}"
    );
}

#[tokio::test]
async fn start_link_3_with_registered_process() {
    let name = "elixir_dynamic_supervisor_registered";
    let sup = DynamicSupervisor::start_with(Options::new(), StartOptions::new().name(name))
        .await
        .unwrap();
    // Linked to the caller (a plain task's link).
    let link = sup.link().unwrap();
    // A name.
    assert_eq!(registry::whereis_pid(name), Some(sup.pid()));
    // The initial call: n/a. And it shuts down, by name.
    let by_name = registry::whereis::<DynamicSupervisor>(name).unwrap();
    assert_eq!(by_name.stop().await, Ok(()));
    assert_eq!(link.exited().await, ExitReason::Normal);
}

#[tokio::test]
async fn start_child_2_supports_new_child_spec_as_tuple() {
    let sup = start(Options::new()).await;
    let child = Task::child_spec(|| async {}).restart(Restart::Temporary);
    assert!(sup.start_child_pid(child).await.is_ok());
}

#[tokio::test]
async fn start_child_2_supports_new_child_spec() {
    let sup = start(Options::new()).await;
    let child = Task::child_spec(std::future::pending::<()>);
    let pid = sup.start_child_pid(child).await.unwrap();
    assert!(pid.is_alive());
}

/// `extra_arguments` does not exist: the start closure captures what they
/// would pass.
#[tokio::test]
async fn start_child_2_supports_extra_arguments() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let sup = start(Options::new()).await;
    let child = Task::child_spec(move || {
        let tx = tx.clone();
        async move {
            let _ = tx.send("from_child");
        }
    })
    .restart(Restart::Temporary);
    assert!(sup.start_child_pid(child).await.is_ok());
    assert_eq!(rx.recv().await, Some("from_child"));
}

/// Elixir's invalid specs (no id, a bad MFA, a negative shutdown) cannot
/// be written; a significant child can, and a dynamic supervisor, which
/// has no automatic shutdown, refuses it.
#[tokio::test]
async fn start_child_2_with_invalid_child_spec() {
    let sup = start(Options::new()).await;
    let significant = sleepy_worker()
        .restart(Restart::Transient)
        .significant(true);
    let refused = sup.start_child_pid(significant).await;
    assert!(
        matches!(
            refused,
            Err(StartChildError::Start(StartError::InvalidChild {
                error: ChildSpecError::SignificantWithoutAutoShutdown,
                ..
            }))
        ),
        "{refused:?}"
    );
    assert_eq!(counts(&sup).await, (0, 0));
}

#[tokio::test]
async fn start_child_2_with_different_returns() {
    let sup = start(Options::new()).await;
    // `{:ok, pid, :extra}`: n/a, a start gives the child or nothing.
    assert!(sup.start_child_pid(worker(start_sleeper)).await.is_ok());
    assert_eq!(
        sup.start_child_pid(worker(|| async { Ok(None) })).await,
        Err(StartChildError::Ignored)
    );
    let error = sup
        .start_child_pid(worker(|| async {
            Err(StartError::Init(ExitReason::error("found")))
        }))
        .await;
    match error {
        Err(StartChildError::Start(StartError::Init(reason))) => {
            assert_eq!(reason.to_string(), ExitReason::error("found").to_string());
        }
        other => panic!("{other:?}"),
    }
    // A return that is none of these (`:unknown`) does not compile.
}

/// A child whose init stops with `reason` (`exit(reason)` in a start).
#[derive(Clone)]
struct Exiting;

#[gen_server]
impl Exiting {
    #[init]
    fn init(_: Exiting) -> Init<Self> {
        Init::Stop(ExitReason::error("oops"))
    }
}

#[tokio::test]
async fn start_child_2_with_throw_error_exit() {
    let sup = start(Options::new()).await;
    // throw and raise: a panic in the start, caught as the start's error.
    for thrown in [true, false] {
        let result = sup
            .start_child_pid(worker(move || async move {
                if thrown {
                    std::panic::panic_any(42_u32);
                }
                panic!("oops");
            }))
            .await;
        assert!(
            matches!(
                result,
                Err(StartChildError::Start(StartError::Init(ExitReason::Panic(
                    _
                ))))
            ),
            "{result:?}"
        );
    }
    // exit: the child's init exits with a reason.
    let result = sup.start_child_pid(Exiting::child_spec(Exiting)).await;
    match result {
        Err(StartChildError::Start(StartError::Init(reason))) => {
            assert_eq!(reason.to_string(), ExitReason::error("oops").to_string());
        }
        other => panic!("{other:?}"),
    }
    assert!(sup.is_alive());
}

#[tokio::test]
async fn start_child_2_with_max_children() {
    let sup = start(Options::new().max_children(0)).await;
    assert_eq!(
        sup.start_child_pid(sleepy_worker()).await,
        Err(StartChildError::MaxChildren)
    );
}

#[tokio::test]
async fn start_child_2_temporary_child_is_not_restarted_regardless_of_reason() {
    let child = sleepy_worker().restart(Restart::Temporary);
    let sup = start(Options::new()).await;

    let pid = sup.start_child_pid(child.clone()).await.unwrap();
    assert_kill(&pid, ExitReason::Shutdown).await;
    assert_eq!(counts(&sup).await, (0, 0));

    let pid = sup.start_child_pid(child).await.unwrap();
    assert_kill(&pid, ExitReason::error("whatever")).await;
    assert_eq!(counts(&sup).await, (0, 0));
}

#[tokio::test]
async fn start_child_2_transient_child_is_restarted_unless_normal_shutdown_shutdown() {
    let child = sleepy_worker().restart(Restart::Transient);
    let sup = start(Options::new()).await;

    let pid = sup.start_child_pid(child.clone()).await.unwrap();
    assert_kill(&pid, ExitReason::Shutdown).await;
    assert_eq!(counts(&sup).await, (0, 0));

    let pid = sup.start_child_pid(child.clone()).await.unwrap();
    assert_kill(&pid, ExitReason::shutdown_with("signal")).await;
    assert_eq!(counts(&sup).await, (0, 0));

    let pid = sup.start_child_pid(child).await.unwrap();
    assert_kill(&pid, ExitReason::error("whatever")).await;
    assert_eq!(counts(&sup).await, (1, 1));
}

#[tokio::test(start_paused = true)]
async fn start_child_2_permanent_child_is_restarted_regardless_of_reason() {
    let child = sleepy_worker().restart(Restart::Permanent);
    let sup = start(Options::new().max_restarts(100_000)).await;

    let pid = sup.start_child_pid(child.clone()).await.unwrap();
    assert_kill(&pid, ExitReason::Shutdown).await;
    assert_eq!(counts(&sup).await, (1, 1));

    let pid = sup.start_child_pid(child.clone()).await.unwrap();
    assert_kill(&pid, ExitReason::shutdown_with("signal")).await;
    assert_eq!(counts(&sup).await, (2, 2));

    let pid = sup.start_child_pid(child).await.unwrap();
    assert_kill(&pid, ExitReason::error("whatever")).await;
    assert_eq!(counts(&sup).await, (3, 3));
}

/// The number of children listed without a pid (`:restarting`).
async fn restarting(sup: &ServerRef<DynamicSupervisor>) -> (usize, usize) {
    let children = sup.which_children().await.unwrap();
    let restarting = children.iter().filter(|child| child.pid.is_none()).count();
    (children.len(), restarting)
}

/// A restart that keeps failing is retried without end here (no restart
/// limit within reach), as with Elixir's `max_restarts: 100_000`.
#[tokio::test]
async fn start_child_2_child_is_restarted_with_different_values() {
    let sup = start(Options::new().max_restarts(u32::MAX)).await;

    let child1 = sup.start_child_pid(restart_then(Then::Ok)).await.unwrap();
    let children = sup.which_children().await.unwrap();
    assert_eq!(children.len(), 1);
    assert_eq!(children[0].pid.as_ref(), Some(&child1));
    assert_eq!(children[0].child_type, ChildType::Worker);
    assert_eq!(children[0].server, std::any::type_name::<Sleeper>());
    assert_kill(&child1, ExitReason::Shutdown).await;
    assert_eq!(counts(&sup).await, (1, 1));

    // `[:restart, :ok3]`: `{:ok, pid, extra}` is `{:ok, pid}` here.
    let child2 = sup.start_child_pid(restart_then(Then::Ok)).await.unwrap();
    let children = sup.which_children().await.unwrap();
    assert_eq!(children.len(), 2);
    assert!(
        children
            .iter()
            .any(|child| child.pid.as_ref() == Some(&child2))
    );
    assert_kill(&child2, ExitReason::Shutdown).await;
    assert_eq!(counts(&sup).await, (2, 2));

    let child3 = sup
        .start_child_pid(restart_then(Then::Ignore))
        .await
        .unwrap();
    assert_eq!(restarting(&sup).await, (3, 0));
    assert_kill(&child3, ExitReason::Shutdown).await;
    assert_eq!(counts(&sup).await, (2, 2));

    let child4 = sup
        .start_child_pid(restart_then(Then::Error("found")))
        .await
        .unwrap();
    assert_eq!(restarting(&sup).await, (3, 0));
    assert_kill(&child4, ExitReason::Shutdown).await;
    assert_eq!(counts(&sup).await, (3, 2));

    // `[:restart, :unknown]`: another failing start.
    let child5 = sup
        .start_child_pid(restart_then(Then::Error("unknown")))
        .await
        .unwrap();
    assert_eq!(restarting(&sup).await, (4, 1));
    assert_kill(&child5, ExitReason::Shutdown).await;
    assert_eq!(counts(&sup).await, (4, 2));
}

#[tokio::test]
async fn start_child_2_restarting_on_init_children_counted_in_max_children() {
    let child = restart_then(Then::Error("found"));
    let sup = start(Options::new().max_children(1).max_restarts(u32::MAX)).await;

    let pid = sup.start_child_pid(child).await.unwrap();
    assert_kill(&pid, ExitReason::Shutdown).await;
    assert_eq!(counts(&sup).await, (1, 0));

    assert_eq!(
        sup.start_child_pid(restart_then(Then::Ok)).await,
        Err(StartChildError::MaxChildren)
    );
}

#[tokio::test(start_paused = true)]
async fn start_child_2_restarting_on_exit_children_counted_in_max_children() {
    let child = sleepy_worker();
    let sup = start(Options::new().max_children(1).max_restarts(100_000)).await;

    let pid = sup.start_child_pid(child.clone()).await.unwrap();
    assert_kill(&pid, ExitReason::Shutdown).await;
    assert_eq!(counts(&sup).await, (1, 1));

    assert_eq!(
        sup.start_child_pid(child).await,
        Err(StartChildError::MaxChildren)
    );
}

/// `extra_arguments` does not exist: the restart runs the same captured
/// closure again.
#[tokio::test]
async fn start_child_2_restarting_a_child_with_extra_arguments_successfully_restarts_child() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let sup = start(Options::new()).await;
    let child = Task::child_spec(move || {
        let tx = tx.clone();
        async move {
            let _ = tx.send("from_child");
            std::future::pending::<()>().await;
        }
    })
    .restart(Restart::Transient);

    let pid = sup.start_child_pid(child).await.unwrap();
    assert_eq!(rx.recv().await, Some("from_child"));
    assert_eq!(counts(&sup).await, (1, 1));
    assert_kill(&pid, ExitReason::error("oops")).await;
    assert_eq!(rx.recv().await, Some("from_child"));
    assert_eq!(counts(&sup).await, (1, 1));
}

#[tokio::test(start_paused = true)]
async fn start_child_2_child_is_restarted_when_trying_again() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    // `Process.get(:try_again)`: flips on every start.
    let flag = Arc::new(AtomicBool::new(false));
    let child = worker(move || {
        let tx = tx.clone();
        let again = flag.fetch_xor(true, Ordering::SeqCst);
        async move {
            let _ = tx.send(!again);
            if again {
                Err(StartError::Init(ExitReason::error("try_again")))
            } else {
                start_sleeper().await
            }
        }
    });
    let sup = start(Options::new().max_restarts(2)).await;

    let pid = sup.start_child_pid(child).await.unwrap();
    assert_eq!(rx.try_recv(), Ok(true));
    assert_kill(&pid, ExitReason::Shutdown).await;
    assert_eq!(rx.recv().await, Some(false));
    assert_eq!(rx.recv().await, Some(true));
    assert_eq!(counts(&sup).await, (1, 1));
}

#[tokio::test(start_paused = true)]
async fn start_child_2_child_triggers_maximum_restarts() {
    let sup = start(Options::new().max_restarts(1)).await;
    let pid = sup
        .start_child_pid(restart_then(Then::Error("found")))
        .await
        .unwrap();
    assert_kill(&pid, ExitReason::Shutdown).await;
    assert_eq!(sup.exited().await, Ok(ExitReason::Shutdown));
}

#[tokio::test(start_paused = true)]
async fn start_child_2_child_triggers_maximum_intensity_when_trying_again() {
    let sup = start(Options::new().max_restarts(10)).await;
    let pid = sup
        .start_child_pid(restart_then(Then::Error("found")))
        .await
        .unwrap();
    assert_kill(&pid, ExitReason::Shutdown).await;
    assert_eq!(sup.exited().await, Ok(ExitReason::Shutdown));
}

#[tokio::test(start_paused = true)]
async fn start_child_2_with_valid_shutdown() {
    let sup = start(Options::new()).await;
    for n in 0..=1_u64 {
        let child = Task::child_spec(std::future::pending::<()>)
            .shutdown(Shutdown::Timeout(Duration::from_millis(n)));
        let pid = sup.start_child_pid(child).await.unwrap();
        pid.exit(ExitReason::Shutdown);
        assert_eq!(pid.exited().await, ExitReason::Shutdown);
    }
}

/// Starts three `spec` children, stops the supervisor with `Shutdown` (the
/// exit signal of its parent in Elixir's test) and gives each child's exit
/// reason.
async fn shut_down_three(spec: &ChildSpec) -> Vec<ExitReason> {
    let sup = start(Options::new()).await;
    let mut children = Vec::new();
    for _ in 0..3 {
        children.push(sup.start_child_pid(spec.clone()).await.unwrap());
    }
    sup.stop_with(ExitReason::Shutdown).await.unwrap();
    let mut reasons = Vec::new();
    for child in children {
        reasons.push(child.exited().await);
    }
    reasons
}

#[tokio::test]
async fn terminate_2_terminates_children_with_brutal_kill() {
    let reasons = shut_down_three(&sleepy_worker().shutdown(Shutdown::BrutalKill)).await;
    assert_eq!(
        reasons,
        [ExitReason::Killed, ExitReason::Killed, ExitReason::Killed]
    );
}

#[tokio::test]
async fn terminate_2_terminates_children_with_infinity_shutdown() {
    let reasons = shut_down_three(&sleepy_worker().shutdown(Shutdown::Infinity)).await;
    assert_eq!(
        reasons,
        [
            ExitReason::Shutdown,
            ExitReason::Shutdown,
            ExitReason::Shutdown
        ]
    );
}

/// Elixir's children trap the exit and exit `{:shutdown, :oops}`. Here the
/// supervisor stops a child (its `terminate` runs) and the child exits
/// with the supervisor's reason; the only way it ends with another is a
/// `terminate` that panics, and that reason is what the monitor sees.
#[tokio::test]
async fn terminate_2_terminates_children_with_infinity_shutdown_and_abnormal_reason() {
    let (spec, _) = stubborn(Ending::Panic);
    let reasons = shut_down_three(&spec.shutdown(Shutdown::Infinity)).await;
    for reason in reasons {
        assert!(matches!(reason, ExitReason::Panic(_)), "{reason:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn terminate_2_terminates_children_with_integer_shutdown() {
    let spec = sleepy_worker().shutdown(Shutdown::Timeout(Duration::from_secs(1)));
    let reasons = shut_down_three(&spec).await;
    assert_eq!(
        reasons,
        [
            ExitReason::Shutdown,
            ExitReason::Shutdown,
            ExitReason::Shutdown
        ]
    );
}

/// As the infinity case: the child's own reason is a panicking `terminate`.
#[tokio::test(start_paused = true)]
async fn terminate_2_terminates_children_with_integer_shutdown_and_abnormal_reason() {
    let (spec, _) = stubborn(Ending::Panic);
    let reasons = shut_down_three(&spec.shutdown(Shutdown::Timeout(Duration::from_secs(1)))).await;
    for reason in reasons {
        assert!(matches!(reason, ExitReason::Panic(_)), "{reason:?}");
    }
}

/// Elixir's second child traps exits and ignores the shutdown; here that is
/// a `terminate` that never returns. It is killed when its 1 ms are up.
#[tokio::test(start_paused = true)]
async fn terminate_2_terminates_children_with_expired_integer_shutdown() {
    let budget = Shutdown::Timeout(Duration::from_millis(1));
    let (hanging, _) = stubborn(Ending::Hang);
    let sup = start(Options::new()).await;
    let child1 = sup
        .start_child_pid(sleepy_worker().shutdown(budget))
        .await
        .unwrap();
    let child2 = sup.start_child_pid(hanging.shutdown(budget)).await.unwrap();
    let child3 = sup
        .start_child_pid(sleepy_worker().shutdown(budget))
        .await
        .unwrap();
    sup.stop_with(ExitReason::Shutdown).await.unwrap();
    assert_eq!(child1.exited().await, ExitReason::Shutdown);
    assert_eq!(child2.exited().await, ExitReason::Killed);
    assert_eq!(child3.exited().await, ExitReason::Shutdown);
}

/// Elixir's permanent children exit `:normal` when told to shut down, and
/// are not restarted. Here a stopped child cannot choose `Normal`; its
/// `terminate` panics instead (an abnormal exit, which a permanent child is
/// restarted after, except while its supervisor shuts down).
#[tokio::test]
async fn terminate_2_terminates_children_with_permanent_restart_and_normal_reason() {
    let (spec, starts) = stubborn(Ending::Panic);
    let spec = spec
        .restart(Restart::Permanent)
        .shutdown(Shutdown::Infinity);
    let reasons = shut_down_three(&spec).await;
    assert_eq!(reasons.len(), 3);
    assert_eq!(starts.load(Ordering::SeqCst), 3, "no child was restarted");
}

#[tokio::test]
async fn terminate_2_terminates_with_mixed_children() {
    let sup = start(Options::new()).await;
    let child1 = sup
        .start_child_pid(sleepy_worker().shutdown(Shutdown::Infinity))
        .await
        .unwrap();
    let child2 = sup
        .start_child_pid(sleepy_worker().shutdown(Shutdown::BrutalKill))
        .await
        .unwrap();
    sup.stop_with(ExitReason::Shutdown).await.unwrap();
    assert_eq!(child1.exited().await, ExitReason::Shutdown);
    assert_eq!(child2.exited().await, ExitReason::Killed);
}

#[tokio::test]
async fn terminate_child_2_terminates_child_with_brutal_kill() {
    let sup = start(Options::new()).await;
    let pid = sup
        .start_child_pid(sleepy_worker().shutdown(Shutdown::BrutalKill))
        .await
        .unwrap();
    assert_eq!(sup.terminate_child(pid.clone()).await, Ok(()));
    assert_eq!(pid.exited().await, ExitReason::Killed);
    assert_eq!(
        sup.terminate_child(pid).await,
        Err(TerminateChildError::NotFound)
    );
    assert_eq!(counts(&sup).await, (0, 0));
}

#[tokio::test(start_paused = true)]
async fn terminate_child_2_terminates_child_with_integer_shutdown() {
    let sup = start(Options::new()).await;
    let pid = sup
        .start_child_pid(sleepy_worker().shutdown(Shutdown::Timeout(Duration::from_secs(1))))
        .await
        .unwrap();
    assert_eq!(sup.terminate_child(pid.clone()).await, Ok(()));
    assert_eq!(pid.exited().await, ExitReason::Shutdown);
    assert_eq!(
        sup.terminate_child(pid).await,
        Err(TerminateChildError::NotFound)
    );
    assert_eq!(counts(&sup).await, (0, 0));
}

/// A child whose restart keeps failing is terminated by the pid it had.
#[tokio::test]
async fn terminate_child_2_terminates_restarting_child() {
    let sup = start(Options::new().max_restarts(u32::MAX)).await;
    let pid = sup
        .start_child_pid(restart_then(Then::Error("found")))
        .await
        .unwrap();
    assert_kill(&pid, ExitReason::Shutdown).await;
    assert_eq!(sup.terminate_child(pid.clone()).await, Ok(()));

    assert_eq!(
        sup.terminate_child(pid).await,
        Err(TerminateChildError::NotFound)
    );
    assert_eq!(counts(&sup).await, (0, 0));
}
