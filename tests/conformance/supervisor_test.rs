//! Elixir's `lib/elixir/test/elixir/supervisor_test.exs`, one test per
//! case. Names are prefixed with `elixir_supervisor_` since every test of
//! the binary shares the local name table. Time-based cases run on tokio's
//! paused clock.

use std::time::Duration;

use genserver::prelude::*;
use genserver::registry::{self, Registry};
use genserver::supervisor::ChildCount;
use genserver::task::Task;
use genserver::{
    AutoShutdown, ChildSpec, ChildSpecError, ChildType, Restart, Shutdown, StartError, Strategy,
    Supervisor, SupervisorError, SupervisorSpec,
};

use crate::elixir_common::Stack;

/// The spec of a `Stack` child started under `name`
/// (`{Stack, {[:hello], [name: name]}}`).
fn named_stack(items: &[&'static str], name: &'static str) -> ChildSpec {
    Stack::child_spec(Stack::of(items)).start_options(StartOptions::new().name(name))
}

/// Elixir's `Stack.Sup`, a module-based supervisor: its `init/1` is a
/// function that builds the `SupervisorSpec`.
fn stack_sup((items, name): (&[&'static str], &'static str)) -> SupervisorSpec {
    SupervisorSpec::new(Strategy::OneForOne).child(named_stack(items, name))
}

/// A task that runs until it is stopped (`fn -> :timer.sleep(:infinity) end`).
fn sleeping_task() -> ChildSpec {
    Task::child_spec(std::future::pending::<()>)
}

/// A user's server declared a supervisor (`use Supervisor` gives
/// `type: :supervisor`).
#[derive(Clone)]
struct CustomSup;

#[gen_server(type = supervisor, id = "id", restart = temporary)]
impl CustomSup {}

#[tokio::test]
async fn generates_child_spec_1() {
    let spec = Supervisor::child_spec(stack_sup((&["hello"], "elixir_supervisor_gen_spec")));
    // The id is the type's name, as Elixir's is the module's.
    assert_eq!(&*spec.id, "Supervisor");
    assert_eq!(spec.child_type, ChildType::Supervisor);
    assert_eq!(spec.restart, Restart::Permanent);
    assert_eq!(spec.shutdown, Shutdown::Infinity);
    // It starts the supervisor, which starts its child.
    let pid = spec.start().await.unwrap().expect("not ignored");
    let sup = pid.downcast::<Supervisor>().unwrap();
    assert_eq!(sup.count_children().await.unwrap().active, 1);
    sup.stop().await.unwrap();

    let custom = CustomSup::child_spec(CustomSup);
    assert_eq!(&*custom.id, "id");
    assert_eq!(custom.restart, Restart::Temporary);
    assert_eq!(custom.child_type, ChildType::Supervisor);
    assert_eq!(custom.shutdown, Shutdown::Infinity);
}

/// `Supervisor.child_spec/2` overrides the fields of a child's spec. The
/// errors Elixir raises for a module without `child_spec/1`, an unknown
/// module or a string do not compile here.
#[tokio::test]
async fn child_spec_2() {
    // `Supervisor.child_spec(Task, [])`: Elixir's task is temporary with id
    // `Task`; ours is transient with an id of its own per spec.
    let task = Task::child_spec(|| async {});
    assert!(task.id.starts_with("Task#"), "{}", task.id);
    assert_eq!(task.restart, Restart::Transient);
    assert_eq!(task.shutdown, Shutdown::WORKER);

    // The overrides.
    let task = task
        .id("foo")
        .restart(Restart::Permanent)
        .shutdown(Shutdown::Infinity);
    assert_eq!(&*task.id, "foo");
    assert_eq!(task.restart, Restart::Permanent);
    assert_eq!(task.shutdown, Shutdown::Infinity);

    // `Supervisor.child_spec(%{id: Task}, [])`: no override, no change.
    let unchanged = Task::child_spec(|| async {}).id("Task");
    let copy = unchanged.clone();
    assert_eq!(
        (&*copy.id, copy.restart, copy.shutdown, copy.child_type),
        (
            &*unchanged.id,
            unchanged.restart,
            unchanged.shutdown,
            unchanged.child_type
        )
    );
}

/// Kills the child `id` and waits until the supervisor has taken note.
async fn crash(sup: &ServerRef<Supervisor>, id: &str) {
    let pid = sup.child_pid(id).await.unwrap();
    pid.kill();
    pid.exited().await;
    // Ordered after the exit in the supervisor's mailbox.
    let _ = sup.count_children().await;
}

/// The flags `Supervisor.init/2` returns, seen in what the supervisor does:
/// by default 3 restarts within 5 s are allowed and a fourth escalates; with
/// `max_restarts: 1, max_seconds: 2` one is, and the window slides. A
/// missing strategy cannot be written (`SupervisorSpec::new` takes it).
#[tokio::test(start_paused = true)]
async fn init_2() {
    let id = std::any::type_name::<Stack>();
    let sup = Supervisor::start(
        SupervisorSpec::new(Strategy::OneForOne).child(Stack::child_spec(Stack::default())),
    )
    .await
    .unwrap();
    for _ in 0..3 {
        crash(&sup, id).await;
        assert!(sup.is_alive());
    }
    crash(&sup, id).await;
    assert_eq!(sup.exited().await, Ok(ExitReason::Shutdown));

    let sup = Supervisor::start(
        SupervisorSpec::new(Strategy::OneForAll)
            .max_restarts(1)
            .max_seconds(2)
            .child(Stack::child_spec(Stack::default())),
    )
    .await
    .unwrap();
    assert_eq!(sup.which_children().await.unwrap().len(), 1);
    crash(&sup, id).await;
    tokio::time::advance(Duration::from_millis(2_001)).await;
    crash(&sup, id).await; // the first restart is out of the window
    assert!(sup.is_alive());
    crash(&sup, id).await;
    assert_eq!(sup.exited().await, Ok(ExitReason::Shutdown));
}

#[tokio::test]
async fn start_link_2_with_via() {
    let sups: Registry<String, Supervisor> = Registry::new();
    let key = "via_sup".to_string();
    Supervisor::start_with(
        SupervisorSpec::new(Strategy::OneForOne),
        StartOptions::new().via(&sups, key.clone()),
    )
    .await
    .unwrap();
    let sup = registry::whereis_via::<Supervisor, _>(&sups, &key)
        .await
        .unwrap();
    assert!(sup.which_children().await.unwrap().is_empty());
}

#[tokio::test]
async fn start_link_3_with_local() {
    let name = "elixir_supervisor_my_sup";
    Supervisor::start_with(
        SupervisorSpec::new(Strategy::OneForOne),
        StartOptions::new().name(name),
    )
    .await
    .unwrap();
    let sup = registry::whereis::<Supervisor>(name).unwrap();
    assert!(sup.which_children().await.unwrap().is_empty());
}

#[tokio::test]
async fn start_link_2() {
    let name = "elixir_supervisor_dyn_stack";
    let sup = Supervisor::start(
        SupervisorSpec::new(Strategy::OneForOne).child(named_stack(&["hello"], name)),
    )
    .await
    .unwrap();

    let stack = registry::whereis::<Stack>(name).unwrap();
    assert_eq!(stack.pop().await, Ok("hello"));
    assert_eq!(stack.stop_normal().await, Ok(()));
    // A permanent child is restarted after a normal exit, under its name.
    stack.exited().await.unwrap();
    sup.which_children().await.unwrap(); // the restart is done
    let restarted = registry::whereis::<Stack>(name).unwrap();
    assert_ne!(restarted.id(), stack.id());
    assert_eq!(restarted.pop().await, Ok("hello"));
    sup.stop().await.unwrap();
    // The invalid names Elixir refuses at run time do not compile here
    // (see gen_server_test's `start_link_3`).
}

#[tokio::test]
async fn start_link_3() {
    let name = "elixir_supervisor_stat_stack";
    let sup = Supervisor::start(stack_sup((&["hello"], name)))
        .await
        .unwrap();
    assert_eq!(
        registry::whereis::<Stack>(name).unwrap().pop().await,
        Ok("hello")
    );
    sup.stop().await.unwrap();
}

#[tokio::test]
async fn start_child_2_supports_new_child_spec_as_tuple() {
    let sup = Supervisor::start(SupervisorSpec::new(Strategy::OneForOne))
        .await
        .unwrap();
    // `%{id: Task, restart: :temporary, start: {Task, :start_link, [fn -> :ok end]}}`
    let child = Task::child_spec(|| async {})
        .id("Task")
        .restart(Restart::Temporary);
    let pid = sup.start_child(child).await.unwrap();
    assert!(pid.is_some());
}

#[tokio::test]
async fn start_child_2_supports_new_child_spec() {
    let sup = Supervisor::start(SupervisorSpec::new(Strategy::OneForOne))
        .await
        .unwrap();
    let pid = sup.start_child(sleeping_task()).await.unwrap().unwrap();
    assert!(pid.is_alive());
}

/// Elixir's invalid specs (no id, a bad MFA, a negative shutdown) cannot
/// be written: the id is a required string, the start a closure, the
/// shutdown an enum of `Duration`s. What a supervisor can still refuse at
/// run time is a spec's significance, and it does, as OTP.
#[tokio::test]
async fn start_child_2_with_invalid_child_spec() {
    let sup = Supervisor::start(SupervisorSpec::new(Strategy::OneForOne))
        .await
        .unwrap();
    let permanent = sleeping_task()
        .restart(Restart::Permanent)
        .significant(true);
    assert!(matches!(
        sup.start_child(permanent).await,
        Err(SupervisorError::Start(StartError::InvalidChild {
            error: ChildSpecError::SignificantPermanent,
            ..
        }))
    ));
    let without_auto_shutdown = sleeping_task().significant(true);
    assert!(matches!(
        sup.start_child(without_auto_shutdown).await,
        Err(SupervisorError::Start(StartError::InvalidChild {
            error: ChildSpecError::SignificantWithoutAutoShutdown,
            ..
        }))
    ));
    let sup = Supervisor::start(
        SupervisorSpec::new(Strategy::OneForOne).auto_shutdown(AutoShutdown::AnySignificant),
    )
    .await
    .unwrap();
    assert!(
        sup.start_child(sleeping_task().significant(true))
            .await
            .is_ok()
    );
}

#[tokio::test(start_paused = true)]
async fn start_child_2_with_valid_child_spec() {
    let sup = Supervisor::start(SupervisorSpec::new(Strategy::OneForOne))
        .await
        .unwrap();
    for n in 0..=1_u64 {
        let child = sleeping_task()
            .id(n.to_string())
            .shutdown(Shutdown::Timeout(Duration::from_millis(n)));
        let pid = sup.start_child(child).await.unwrap().unwrap();
        // `assert_kill(child_pid, :shutdown)`
        pid.exit(ExitReason::Shutdown);
        assert_eq!(pid.exited().await, ExitReason::Shutdown);
    }
}

#[tokio::test]
async fn child_life_cycle() {
    let id = std::any::type_name::<Stack>();
    let sup = Supervisor::start(SupervisorSpec::new(Strategy::OneForOne))
        .await
        .unwrap();
    assert!(sup.which_children().await.unwrap().is_empty());
    let none = sup.count_children().await.unwrap();
    assert_eq!(
        (none.specs, none.active, none.supervisors, none.workers),
        (0, 0, 0, 0)
    );

    let pid = sup
        .start_child(Stack::child_spec(Stack::of(&["hello"])))
        .await
        .unwrap()
        .unwrap();
    let stack = pid.downcast::<Stack>().unwrap();
    assert_eq!(stack.pop().await, Ok("hello"));

    let children = sup.which_children().await.unwrap();
    assert_eq!(children.len(), 1);
    assert_eq!(&*children[0].id, id);
    assert_eq!(children[0].pid, Some(pid));
    assert_eq!(children[0].child_type, ChildType::Worker);
    assert_eq!(children[0].server, id);
    let one: ChildCount = sup.count_children().await.unwrap();
    assert_eq!(
        (one.specs, one.active, one.supervisors, one.workers),
        (1, 1, 0, 1)
    );

    assert_eq!(sup.delete_child(id).await, Err(SupervisorError::Running));
    assert_eq!(sup.terminate_child(id).await, Ok(()));

    let pid = sup.restart_child(id).await.unwrap().unwrap();
    assert_eq!(pid.downcast::<Stack>().unwrap().pop().await, Ok("hello"));

    assert_eq!(sup.terminate_child(id).await, Ok(()));
    assert_eq!(sup.delete_child(id).await, Ok(()));
    sup.stop().await.unwrap();
}
