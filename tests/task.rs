//! `Task`: async work run as a process, supervised tasks, and
//! `async_nolink` from a server; and `run_until`, a service's lifetime.

use std::time::Duration;

use genserver::prelude::*;
use genserver::task::{self, Task, TaskRef, TaskResult};
use genserver::{Down, MonitorRef, Restart};
use tokio::sync::{mpsc, oneshot};

/// Panics with `message`, as a statement of type `()`.
fn explode(message: &str) {
    panic!("{message}");
}

#[tokio::test]
async fn a_task_exits_normal_when_its_work_is_done() {
    let (tx, rx) = oneshot::channel();
    let task = Task::start(async move {
        tx.send(42).unwrap();
    })
    .await
    .unwrap();
    assert_eq!(rx.await, Ok(42));
    assert_eq!(task.exited().await, Ok(ExitReason::Normal));
}

#[tokio::test]
async fn a_panicking_task_crashes_with_the_panic_message() {
    let task = Task::start(async {
        tokio::task::yield_now().await;
        explode("task exploded");
    })
    .await
    .unwrap();
    assert_eq!(
        task.exited().await,
        Ok(ExitReason::Panic("task exploded".into()))
    );
}

#[tokio::test]
async fn a_task_returning_an_error_exits_with_it() {
    let task = Task::start(async { Err::<(), _>("disk full") })
        .await
        .unwrap();
    assert_eq!(task.exited().await, Ok(ExitReason::error("disk full")));
    let task = Task::start(async { Ok::<(), std::io::Error>(()) })
        .await
        .unwrap();
    assert_eq!(task.exited().await, Ok(ExitReason::Normal));
}

#[tokio::test(start_paused = true)]
async fn a_stopped_task_drops_its_work_at_once() {
    let (dropped_tx, dropped) = oneshot::channel::<()>();
    let task = Task::start(async move {
        let _guard = dropped_tx;
        tokio::time::sleep(Duration::from_secs(3600)).await;
    })
    .await
    .unwrap();
    let start = tokio::time::Instant::now();
    task.pid()
        .stop_with(ExitReason::Shutdown, Duration::from_secs(5))
        .await
        .unwrap();
    assert!(start.elapsed() < Duration::from_secs(1));
    // The work was dropped: its captured sender is gone.
    assert!(dropped.await.is_err());
}

#[tokio::test]
async fn a_killed_task_drops_its_work() {
    let (dropped_tx, dropped) = oneshot::channel::<()>();
    let task = Task::start(async move {
        let _guard = dropped_tx;
        std::future::pending::<()>().await;
    })
    .await
    .unwrap();
    task.kill();
    assert_eq!(task.exited().await, Ok(ExitReason::Killed));
    assert!(dropped.await.is_err());
}

#[tokio::test]
async fn a_task_child_spec_is_transient_and_starts_fresh_work_each_time() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let spec = Task::child_spec(move || {
        let tx = tx.clone();
        async move {
            tx.send("ran").unwrap();
        }
    });
    assert_eq!(spec.restart, Restart::Transient);
    assert!(!spec.restart.restarts_after(&ExitReason::Normal));
    assert!(spec.restart.restarts_after(&ExitReason::Panic("x".into())));
    for _ in 0..2 {
        let pid = spec.start().await.unwrap().expect("started");
        assert_eq!(pid.exited().await, ExitReason::Normal);
        assert_eq!(rx.recv().await, Some("ran"));
    }
}

#[tokio::test]
async fn a_supervised_task_is_seen_by_links_and_monitors() {
    let spec = Task::child_spec(|| async {
        explode("child task failed");
    });
    let pid = spec.start().await.unwrap().unwrap();
    let task = pid.downcast::<Task>().expect("a Task");
    let reason = task.monitor().await.reason;
    assert_eq!(reason, ExitReason::Panic("child task failed".into()));
}

/// What a `Boss` saw of its tasks.
#[derive(Debug, PartialEq)]
enum Seen {
    Result(MonitorRef, u32),
    Down(MonitorRef, ExitReason),
}

/// A server that runs work off its own loop with `async_nolink`.
struct Boss {
    seen: mpsc::UnboundedSender<Seen>,
    tasks: Vec<TaskRef>,
}

#[gen_server]
impl Boss {
    /// Starts a task that returns `n` once `go` fires, or panics if `go`
    /// is dropped. Replies with the task's monitor.
    #[call]
    fn run(&mut self, n: u32, go: oneshot::Receiver<()>, ctx: &mut Context<Self>) -> MonitorRef {
        let task = task::async_nolink(ctx, async move {
            go.await.expect("released");
            n
        })
        .unwrap();
        let monitor = task.monitor_ref();
        self.tasks.push(task);
        monitor
    }

    /// Shuts down the task with this monitor; whether it was pending.
    #[call]
    fn shutdown(&mut self, monitor: MonitorRef, ctx: &mut Context<Self>) -> bool {
        let at = self
            .tasks
            .iter()
            .position(|t| t.monitor_ref() == monitor)
            .unwrap();
        self.tasks.swap_remove(at).shutdown(ctx)
    }

    #[call]
    fn ping(&self) {}

    #[info]
    fn done(&mut self, done: TaskResult<u32>) {
        self.seen
            .send(Seen::Result(done.monitor, done.result))
            .unwrap();
    }

    #[info]
    fn down(&mut self, down: Down) {
        self.seen
            .send(Seen::Down(down.monitor, down.reason))
            .unwrap();
    }
}

async fn boss() -> (ServerRef<Boss>, mpsc::UnboundedReceiver<Seen>) {
    let (seen, rx) = mpsc::unbounded_channel();
    let boss = Boss::start(Boss {
        seen,
        tasks: Vec::new(),
    })
    .await
    .unwrap();
    (boss, rx)
}

#[tokio::test]
async fn async_nolink_delivers_the_result_and_no_down() {
    let (boss, mut seen) = boss().await;
    let (go1, rx1) = oneshot::channel();
    let (go2, rx2) = oneshot::channel();
    let first = boss.run(1, rx1).await.unwrap();
    let second = boss.run(2, rx2).await.unwrap();
    assert_ne!(first, second);
    // The server keeps serving while its tasks run.
    boss.ping().await.unwrap();
    go2.send(()).unwrap();
    assert_eq!(seen.recv().await, Some(Seen::Result(second, 2)));
    go1.send(()).unwrap();
    assert_eq!(seen.recv().await, Some(Seen::Result(first, 1)));
    // The monitors were removed with the results: no `Down` follows.
    boss.stop().await.unwrap();
    assert_eq!(seen.recv().await, None);
}

#[tokio::test]
async fn async_nolink_reports_a_crash_as_a_down_and_the_server_lives() {
    let (boss, mut seen) = boss().await;
    let (go, rx) = oneshot::channel::<()>();
    let monitor = boss.run(1, rx).await.unwrap();
    drop(go);
    match seen.recv().await {
        Some(Seen::Down(m, ExitReason::Panic(message))) => {
            assert_eq!(m, monitor);
            assert!(message.contains("released"), "{message}");
        }
        other => panic!("expected a Down, got {other:?}"),
    }
    // Not linked: the task's crash did not take the server down.
    boss.ping().await.unwrap();
}

#[tokio::test]
async fn a_task_shut_down_reports_nothing() {
    let (boss, mut seen) = boss().await;
    let (go, rx) = oneshot::channel::<()>();
    let monitor = boss.run(1, rx).await.unwrap();
    assert_eq!(boss.shutdown(monitor).await, Ok(true));
    // Killed: it cannot panic on the dropped `go` any more, and its
    // `Down` (killed) is not delivered either.
    drop(go);
    let (go, rx) = oneshot::channel::<()>();
    let monitor = boss.run(2, rx).await.unwrap();
    go.send(()).unwrap();
    assert_eq!(seen.recv().await, Some(Seen::Result(monitor, 2)));
    // Shut down after its result was handled: nothing was pending.
    assert_eq!(boss.shutdown(monitor).await, Ok(false));
    boss.stop().await.unwrap();
    assert_eq!(seen.recv().await, None);
}

/// A root that records its terminate.
struct Root {
    terminated: Option<oneshot::Sender<ExitReason>>,
}

#[gen_server]
impl Root {
    #[cast]
    fn quit(&mut self, ctx: &mut Context<Self>) {
        ctx.stop(ExitReason::error("gave up"));
    }

    #[terminate]
    fn terminate(&mut self, reason: &ExitReason) {
        if let Some(tx) = self.terminated.take() {
            let _ = tx.send(reason.clone());
        }
    }
}

#[tokio::test(start_paused = true)]
async fn run_until_stops_the_root_with_shutdown_when_asked() {
    let (terminated, saw) = oneshot::channel();
    let root = Root::start(Root {
        terminated: Some(terminated),
    })
    .await
    .unwrap();
    let (stop, trigger) = oneshot::channel::<()>();
    let service = tokio::spawn(genserver::run_until(root.clone(), trigger));
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert!(!service.is_finished());
    stop.send(()).unwrap();
    assert_eq!(service.await.unwrap(), ExitReason::Shutdown);
    assert_eq!(saw.await, Ok(ExitReason::Shutdown));
    assert!(!root.is_alive());
}

#[tokio::test]
async fn run_until_returns_when_the_root_exits_by_itself() {
    let root = Root::start(Root { terminated: None }).await.unwrap();
    let service = tokio::spawn(genserver::run_until(
        root.pid(),
        std::future::pending::<()>(),
    ));
    root.quit();
    assert_eq!(service.await.unwrap(), ExitReason::error("gave up"));
}

// ------------------------------------------------ tasks under a supervisor

/// A task body for a supervisor: each run waits for a permit from `gate`,
/// counts itself, and panics if `panics(run)` says so.
fn gated_work(
    gate: &std::sync::Arc<tokio::sync::Semaphore>,
    runs: &std::sync::Arc<std::sync::atomic::AtomicUsize>,
    panics: fn(usize) -> bool,
) -> genserver::ChildSpec {
    let gate = std::sync::Arc::clone(gate);
    let runs = std::sync::Arc::clone(runs);
    Task::child_spec(move || {
        let gate = std::sync::Arc::clone(&gate);
        let runs = std::sync::Arc::clone(&runs);
        async move {
            gate.acquire().await.unwrap().forget();
            let run = runs.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            if panics(run) {
                explode("task run failed");
            }
        }
    })
}

#[tokio::test(start_paused = true)]
async fn a_transient_task_is_restarted_after_a_panic_and_not_after_normal() {
    use genserver::{Strategy, Supervisor, SupervisorError, SupervisorSpec};

    let gate = std::sync::Arc::new(tokio::sync::Semaphore::new(0));
    let runs = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let spec = gated_work(&gate, &runs, |run| run == 0).id("job");
    let sup = Supervisor::start(SupervisorSpec::new(Strategy::OneForOne).child(spec))
        .await
        .unwrap();
    let first = sup.child_pid("job").await.unwrap();
    gate.add_permits(1);
    assert_eq!(
        first.exited().await,
        ExitReason::Panic("task run failed".into())
    );
    // Restarted after the panic (the exit reached the supervisor first).
    let second = sup.child_pid("job").await.unwrap();
    assert_ne!(second, first);
    gate.add_permits(1);
    assert_eq!(second.exited().await, ExitReason::Normal);
    // Done: not restarted, its spec kept.
    assert_eq!(
        sup.child_pid("job").await.unwrap_err(),
        SupervisorError::NotRunning
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(runs.load(std::sync::atomic::Ordering::SeqCst), 2);
    let count = sup.count_children().await.unwrap();
    assert_eq!((count.specs, count.active), (1, 0));
    sup.stop().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_temporary_task_is_never_restarted() {
    use genserver::{Strategy, Supervisor, SupervisorError, SupervisorSpec};

    let gate = std::sync::Arc::new(tokio::sync::Semaphore::new(0));
    let runs = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let spec = SupervisorSpec::new(Strategy::OneForOne)
        .child(
            gated_work(&gate, &runs, |_| true)
                .id("crashes")
                .restart(Restart::Temporary),
        )
        .child(
            gated_work(&gate, &runs, |_| false)
                .id("finishes")
                .restart(Restart::Temporary),
        );
    let sup = Supervisor::start(spec).await.unwrap();
    let crashes = sup.child_pid("crashes").await.unwrap();
    let finishes = sup.child_pid("finishes").await.unwrap();
    gate.add_permits(2);
    assert!(matches!(crashes.exited().await, ExitReason::Panic(_)));
    assert_eq!(finishes.exited().await, ExitReason::Normal);
    for id in ["crashes", "finishes"] {
        assert_eq!(
            sup.child_pid(id).await.unwrap_err(),
            SupervisorError::NotFound
        );
    }
    gate.add_permits(10);
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(runs.load(std::sync::atomic::Ordering::SeqCst), 2);
    assert_eq!(sup.count_children().await.unwrap().specs, 0);
    sup.stop().await.unwrap();
}

#[tokio::test]
async fn task_child_specs_have_ids_of_their_own_and_show_their_type() {
    use genserver::{Strategy, Supervisor, SupervisorSpec};

    let work = || async { std::future::pending::<()>().await };
    let one = Task::child_spec(work);
    let two = Task::child_spec(work);
    assert_ne!(one.id, two.id);
    assert!(one.id.starts_with("Task#"), "{}", one.id);
    // A clone is the same child.
    assert_eq!(one.clone().id, one.id);
    let sup = Supervisor::start(SupervisorSpec::new(Strategy::OneForOne).children([one, two]))
        .await
        .unwrap();
    let children = sup.which_children().await.unwrap();
    assert_eq!(children.len(), 2);
    for child in &children {
        assert_eq!(child.server, std::any::type_name::<Task>());
        assert!(child.pid.is_some());
    }
    sup.stop().await.unwrap();
}
