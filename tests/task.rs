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
