//! init, terminate, stop, crashes and exit reasons. Time-dependent tests run
//! on tokio's paused clock.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use genserver::Init;
use genserver::prelude::*;
use tokio::sync::{mpsc, oneshot};

/// A log shared between a server and its test, to see what ran and in what order.
type Log = Arc<Mutex<Vec<String>>>;

fn log() -> Log {
    Arc::new(Mutex::new(Vec::new()))
}

fn entries(log: &Log) -> Vec<String> {
    log.lock().unwrap().clone()
}

/// What the start argument asks `init` to do.
enum Plan {
    Serve,
    Fail,
    Ignore,
    Stop,
    Panic,
    Hang,
}

struct Worker {
    log: Log,
}

#[gen_server]
impl Worker {
    #[init]
    async fn init((plan, log): (Plan, Log)) -> Init<Self> {
        log.lock().unwrap().push("init".into());
        match plan {
            Plan::Serve => Init::Ok(Worker { log }),
            Plan::Fail => Init::Stop(ExitReason::error("no config")),
            Plan::Ignore => Init::Ignore,
            Plan::Stop => Init::Stop(ExitReason::Shutdown),
            Plan::Panic => panic!("init exploded"),
            Plan::Hang => {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                Init::Ok(Worker { log })
            }
        }
    }

    #[call]
    fn echo(&mut self, n: u32) -> u32 {
        self.log.lock().unwrap().push(format!("echo {n}"));
        n
    }

    /// Panics while handling a call.
    #[call]
    fn crash(&mut self) -> u32 {
        panic!("handler exploded")
    }

    /// Panics while handling a cast.
    #[cast]
    fn crash_later(&mut self) {
        panic!("cast exploded")
    }

    /// Takes longer than the default call timeout.
    #[call]
    async fn slow(&self) -> u32 {
        tokio::time::sleep(Duration::from_secs(10)).await;
        1
    }

    /// `{:stop, reason, reply, state}`: replies after terminate.
    #[call]
    fn finish(&mut self, ctx: &mut Context<Self>) -> &'static str {
        self.log.lock().unwrap().push("finish".into());
        ctx.stop(ExitReason::shutdown_with("finished"));
        "bye"
    }

    /// `{:stop, reason, state}` from a call: no reply at all.
    #[call]
    fn abandon(&mut self, reply: ReplyTo<u32>, ctx: &mut Context<Self>) {
        drop(reply);
        ctx.stop(ExitReason::error("abandoned"));
    }

    /// Stops from a cast.
    #[cast]
    fn quit(&mut self, ctx: &mut Context<Self>) {
        ctx.stop(ExitReason::Normal);
    }

    /// Stops from an async cast handler, after an await.
    #[cast]
    async fn quit_slowly(&mut self, ctx: &mut Context<Self>) {
        tokio::task::yield_now().await;
        ctx.stop(ExitReason::Normal);
    }

    /// Logs like `echo`, as a cast.
    #[cast]
    fn send_echo_later(&mut self, n: u32) {
        self.log.lock().unwrap().push(format!("echo {n}"));
    }

    /// Calls, stops and waits for its own server, which must each fail at
    /// once instead of deadlocking.
    #[call]
    async fn call_self(&self, ctx: &mut Context<Self>) -> (CallError, StopError, WaitError) {
        let me = ctx.server_ref();
        let call = me.echo(1).await.unwrap_err();
        let stop = me.stop().await.unwrap_err();
        let wait = me.exited().await.unwrap_err();
        (call, stop, wait)
    }

    #[terminate]
    fn terminate(&mut self, reason: &ExitReason) {
        self.log.lock().unwrap().push(format!("terminate {reason}"));
    }
}

async fn serving(log: &Log) -> ServerRef<Worker> {
    Worker::start((Plan::Serve, log.clone())).await.unwrap()
}

#[tokio::test]
async fn start_returns_after_init_ran() {
    let log = log();
    let worker = serving(&log).await;
    assert_eq!(entries(&log), ["init"]);
    assert!(worker.is_alive());
}

#[tokio::test]
async fn init_outcomes() {
    let log = log();
    let err = Worker::start((Plan::Fail, log.clone())).await.unwrap_err();
    assert_eq!(err, StartError::Init(ExitReason::error("no config")));
    assert_eq!(err.to_string(), "init failed (error: no config)");

    let err = Worker::start((Plan::Ignore, log.clone()))
        .await
        .unwrap_err();
    assert_eq!(err, StartError::Ignored);

    let err = Worker::start((Plan::Stop, log.clone())).await.unwrap_err();
    assert_eq!(err, StartError::Init(ExitReason::Shutdown));

    let err = Worker::start((Plan::Panic, log.clone())).await.unwrap_err();
    assert_eq!(
        err,
        StartError::Init(ExitReason::Panic("init exploded".into()))
    );

    // terminate never runs for a failed init.
    assert!(entries(&log).iter().all(|entry| entry == "init"));
}

#[tokio::test(start_paused = true)]
async fn init_timeout_kills_the_server() {
    let log = log();
    let options = StartOptions::new().timeout(Duration::from_secs(1));
    let err = Worker::start_with((Plan::Hang, log.clone()), options)
        .await
        .unwrap_err();
    assert_eq!(err, StartError::Timeout);
    assert_eq!(entries(&log), ["init"]);
}

struct Fallible;

#[gen_server]
impl Fallible {
    #[init]
    fn init(ok: bool) -> Result<Self, std::num::ParseIntError> {
        if ok {
            Ok(Fallible)
        } else {
            "x".parse::<u8>().map(|_| Fallible)
        }
    }
}

#[tokio::test]
async fn init_returning_result_carries_the_typed_error() {
    assert!(Fallible::start(true).await.is_ok());
    let err = Fallible::start(false).await.unwrap_err();
    let StartError::Init(reason) = &err else {
        panic!("expected an init error, got {err:?}");
    };
    assert!(reason.downcast_ref::<std::num::ParseIntError>().is_some());
    assert!(std::error::Error::source(&err).is_some());
}

#[tokio::test]
async fn stop_runs_terminate_before_returning() {
    let log = log();
    let worker = serving(&log).await;
    worker.stop().await.unwrap();
    assert_eq!(entries(&log), ["init", "terminate normal"]);
    assert!(!worker.is_alive());
    assert_eq!(worker.stop().await, Err(StopError::NoProc));
}

#[tokio::test]
async fn stop_with_a_reason_is_handled_after_earlier_messages() {
    let log = log();
    let worker = serving(&log).await;
    let (echo, stop) = tokio::join!(worker.echo(7), worker.stop_with(ExitReason::Shutdown));
    assert_eq!(echo.unwrap(), 7);
    stop.unwrap();
    assert_eq!(entries(&log), ["init", "echo 7", "terminate shutdown"]);
    assert_eq!(worker.exited().await, Ok(ExitReason::Shutdown));
}

#[tokio::test]
async fn stop_from_a_call_replies_after_terminate() {
    let log = log();
    let worker = serving(&log).await;
    assert_eq!(worker.finish().await.unwrap(), "bye");
    assert_eq!(
        entries(&log),
        ["init", "finish", "terminate shutdown: finished"]
    );
    assert_eq!(
        worker.exited().await,
        Ok(ExitReason::shutdown_with("finished"))
    );
}

#[tokio::test]
async fn stop_from_a_call_without_reply_gives_the_caller_the_reason() {
    let log = log();
    let worker = serving(&log).await;
    let err = worker.abandon().await.unwrap_err();
    assert_eq!(err, CallError::Exit(ExitReason::error("abandoned")));
    assert_eq!(entries(&log).last().unwrap(), "terminate error: abandoned");
}

#[tokio::test]
async fn stop_from_a_cast() {
    let log = log();
    let worker = serving(&log).await;
    worker.quit();
    assert_eq!(worker.exited().await, Ok(ExitReason::Normal));
    assert_eq!(worker.echo(1).await, Err(CallError::NoProc));
}

#[tokio::test]
async fn a_stop_ends_the_batch_it_arrived_in() {
    // From a plain handler (handled in the synchronous run) and from an
    // async one (awaited in the middle of the batch).
    let quits: [fn(&ServerRef<Worker>); 2] =
        [|worker| worker.quit(), |worker| worker.quit_slowly()];
    for quit in quits {
        let log = log();
        let worker = serving(&log).await;
        // One batch: a message, the stopping cast, and two more behind it.
        // The server handles the first, stops, and never looks at the rest.
        worker.send_echo_later(1);
        quit(&worker);
        worker.send_echo_later(2);
        assert_eq!(
            worker.echo(3).await,
            Err(CallError::Exit(ExitReason::Normal))
        );
        assert_eq!(entries(&log), ["init", "echo 1", "terminate normal"]);
    }
}

#[tokio::test]
async fn a_panicking_call_fails_the_caller_and_everyone_queued() {
    let log = log();
    let worker = serving(&log).await;
    let boom = ExitReason::Panic("handler exploded".into());
    // The crash and two calls queued behind it, all sent before the server runs.
    let (crash, first, second) = tokio::join!(worker.crash(), worker.echo(1), worker.echo(2));
    assert_eq!(crash, Err(CallError::Exit(boom.clone())));
    assert_eq!(first, Err(CallError::Exit(boom.clone())));
    assert_eq!(second, Err(CallError::Exit(boom.clone())));
    assert_eq!(
        entries(&log),
        ["init", "terminate panicked: handler exploded"]
    );
    // Later calls find no process; casts are dropped without a sound.
    assert_eq!(worker.echo(3).await, Err(CallError::NoProc));
    worker.crash_later();
    assert!(!worker.is_alive());
    assert_eq!(worker.exited().await, Ok(boom));
}

#[tokio::test]
async fn a_panicking_cast_fails_the_call_behind_it() {
    let log = log();
    let worker = serving(&log).await;
    worker.crash_later();
    let err = worker.echo(1).await.unwrap_err();
    assert_eq!(
        err,
        CallError::Exit(ExitReason::Panic("cast exploded".into()))
    );
    assert_eq!(
        err.to_string(),
        "the server exited before it replied (panicked: cast exploded)"
    );
}

#[tokio::test(start_paused = true)]
async fn calls_time_out_after_five_seconds_by_default() {
    let log = log();
    let worker = serving(&log).await;
    let started = tokio::time::Instant::now();
    assert_eq!(worker.slow().await, Err(CallError::Timeout));
    assert_eq!(started.elapsed(), Duration::from_secs(5));
    // A per-call timeout, and "infinity".
    let started = tokio::time::Instant::now();
    let quick = worker.with_timeout(Duration::from_millis(100));
    assert_eq!(quick.slow().await, Err(CallError::Timeout));
    assert_eq!(started.elapsed(), Duration::from_millis(100));
    assert_eq!(worker.with_timeout(Duration::MAX).slow().await, Ok(1));
    // The server itself is fine.
    assert_eq!(worker.echo(9).await, Ok(9));
}

#[tokio::test]
async fn calling_yourself_fails_at_once() {
    let log = log();
    let worker = serving(&log).await;
    let (call, stop, wait) = worker.call_self().await.unwrap();
    assert_eq!(call, CallError::CallingSelf);
    assert_eq!(stop, StopError::CallingSelf);
    assert_eq!(wait, WaitError::CallingSelf);
    assert!(worker.is_alive());
}

/// Tells its test the reason it terminated with.
struct Notifier {
    on_terminate: Option<oneshot::Sender<ExitReason>>,
}

#[gen_server]
impl Notifier {
    #[call]
    fn ping(&self) {}

    #[terminate]
    fn terminate(&mut self, reason: &ExitReason) {
        if let Some(tx) = self.on_terminate.take() {
            let _ = tx.send(reason.clone());
        }
    }
}

#[tokio::test]
async fn dropping_every_handle_stops_the_server_normally() {
    let (tx, mut rx) = oneshot::channel();
    let server = Notifier::start(Notifier {
        on_terminate: Some(tx),
    })
    .await
    .unwrap();
    let clone = server.clone();
    let handle = server.handle().clone();
    clone.ping().await.unwrap();
    drop(server);
    drop(clone);
    // One handle is left, so the server keeps serving.
    tokio::task::yield_now().await;
    assert!(rx.try_recv().is_err());
    assert!(handle.is_alive());
    drop(handle);
    assert_eq!(rx.await.unwrap(), ExitReason::Normal);
}

#[tokio::test]
async fn casts_sent_before_the_last_handle_drops_are_still_handled() {
    struct Sink(mpsc::UnboundedSender<u32>);
    #[gen_server]
    impl Sink {
        #[cast]
        fn put(&mut self, n: u32) {
            self.0.send(n).unwrap();
        }
    }
    let (tx, mut rx) = mpsc::unbounded_channel();
    let sink = Sink::start(Sink(tx)).await.unwrap();
    for n in 0..10 {
        sink.put(n);
    }
    drop(sink);
    let mut got = Vec::new();
    while let Some(n) = rx.recv().await {
        got.push(n);
    }
    // The channel closed: the server exited and dropped its sender.
    assert_eq!(got, (0..10).collect::<Vec<_>>());
}

struct BadTerminate;

#[gen_server]
impl BadTerminate {
    /// `{:stop, reason, reply, state}` on a server whose terminate crashes.
    #[call]
    fn finish(&mut self, ctx: &mut Context<Self>) -> u32 {
        ctx.stop(ExitReason::Normal);
        7
    }

    #[terminate]
    fn terminate(&mut self) {
        panic!("terminate exploded")
    }
}

#[tokio::test]
async fn a_reply_held_by_stop_goes_out_even_if_terminate_crashes() {
    let server = BadTerminate::start(BadTerminate).await.unwrap();
    // As OTP's `try terminate(..) after reply(..)`: the caller gets its
    // reply, and the server exits with terminate's crash.
    assert_eq!(server.finish().await, Ok(7));
    assert_eq!(
        server.exited().await,
        Ok(ExitReason::Panic("terminate exploded".into()))
    );
}

#[tokio::test]
async fn a_crashing_terminate_replaces_the_reason() {
    let server = BadTerminate::start(BadTerminate).await.unwrap();
    let err = server.stop().await.unwrap_err();
    assert_eq!(
        err,
        StopError::Exit(ExitReason::Panic("terminate exploded".into()))
    );
}

#[test]
fn a_server_whose_runtime_shut_down_was_killed() {
    let first = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let log = log();
    let worker = first.block_on(serving(&log));
    drop(first);
    let second = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    second.block_on(async {
        assert!(!worker.is_alive());
        assert_eq!(worker.exited().await, Ok(ExitReason::Killed));
        assert_eq!(worker.echo(1).await, Err(CallError::NoProc));
    });
    // Killed: terminate did not run.
    assert_eq!(entries(&log), ["init"]);
}

#[test]
fn starting_outside_a_runtime_is_a_typed_error() {
    use std::future::Future;
    use std::task::{Context as TaskContext, Poll, Wake, Waker};

    struct Noop;
    impl Wake for Noop {
        fn wake(self: Arc<Self>) {}
    }
    let waker = Waker::from(Arc::new(Noop));
    let mut start = std::pin::pin!(Worker::start((Plan::Serve, log())));
    match start.as_mut().poll(&mut TaskContext::from_waker(&waker)) {
        Poll::Ready(result) => assert_eq!(result.unwrap_err(), StartError::NoRuntime),
        Poll::Pending => panic!("start outside a runtime must fail at once"),
    }
}

/// Hands its deferred replies to a task that never answers, then crashes.
struct Delegator {
    parked: Vec<ReplyTo<u32>>,
}

#[gen_server]
impl Delegator {
    /// The reply handle goes to another task, which keeps it.
    #[call]
    fn delegate(&mut self, reply: ReplyTo<u32>) {
        tokio::spawn(async move {
            let _keep = reply;
            std::future::pending::<()>().await;
        });
    }

    /// The reply handle stays in the state.
    #[call]
    fn park(&mut self, reply: ReplyTo<u32>) {
        self.parked.push(reply);
    }

    #[cast]
    fn explode(&mut self) {
        panic!("delegator exploded")
    }
}

#[tokio::test(start_paused = true)]
async fn a_caller_whose_reply_lives_elsewhere_learns_of_a_crash_at_once() {
    let server = Delegator::start(Delegator { parked: Vec::new() })
        .await
        .unwrap();
    let started = tokio::time::Instant::now();
    let (delegated, parked, ()) = tokio::join!(server.delegate(), server.park(), async {
        // Both calls are queued before the crash: join! polls in order.
        server.explode();
    });
    let boom = ExitReason::Panic("delegator exploded".into());
    assert_eq!(delegated, Err(CallError::Exit(boom.clone())));
    assert_eq!(parked, Err(CallError::Exit(boom)));
    assert!(started.elapsed() < Duration::from_secs(1));
}

/// Its init blocks its thread until the test lets it go.
struct Stubborn {
    on_drop: std::sync::mpsc::Sender<&'static str>,
}

impl Drop for Stubborn {
    fn drop(&mut self) {
        let _ = self.on_drop.send("state dropped");
    }
}

#[gen_server]
impl Stubborn {
    #[init]
    fn init(
        (release, on_drop): (
            std::sync::mpsc::Receiver<()>,
            std::sync::mpsc::Sender<&'static str>,
        ),
    ) -> Self {
        // Blocks the worker thread: the task cannot be aborted meanwhile.
        release.recv().unwrap();
        Stubborn { on_drop }
    }

    #[terminate]
    fn terminate(&mut self) {
        let _ = self.on_drop.send("terminate ran");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_start_timeout_kills_even_an_init_that_does_not_yield() {
    let (release, blocked) = std::sync::mpsc::channel();
    let (on_drop, dropped) = std::sync::mpsc::channel();
    let options = StartOptions::new().timeout(Duration::from_millis(10));
    // The init cannot finish before the timeout: it waits for `release`.
    let err = Stubborn::start_with((blocked, on_drop), options)
        .await
        .unwrap_err();
    assert_eq!(err, StartError::Timeout);
    release.send(()).unwrap();
    // The init returns, finds itself killed, and drops its state without
    // serving or running terminate.
    let event = tokio::task::spawn_blocking(move || dropped.recv().unwrap())
        .await
        .unwrap();
    assert_eq!(event, "state dropped");
}

/// An async handler that keeps a `&Context` across an `.await`.
struct Patient;

#[gen_server]
impl Patient {
    #[call]
    async fn who(&self, ctx: &Context<Self>) -> u64 {
        tokio::task::yield_now().await;
        ctx.id().as_u64()
    }
}

#[tokio::test]
async fn async_handlers_may_hold_the_context_across_awaits() {
    let server = Patient::start(Patient).await.unwrap();
    assert_eq!(server.who().await.unwrap(), server.id().as_u64());
}

/// Blocks its thread in init for longer than the start timeout.
struct Sluggish;

#[gen_server]
impl Sluggish {
    #[init]
    fn init(block_for: Duration) -> Self {
        // Blocking on purpose: on a current_thread runtime nothing else,
        // not even the start timeout's timer, runs meanwhile.
        std::thread::sleep(block_for);
        Sluggish
    }
}

#[test]
fn a_start_timeout_holds_even_when_init_blocks_the_only_thread() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let options = StartOptions::new().timeout(Duration::from_millis(10));
        // The init takes at least 100 ms by construction, so it is always late.
        let err = Sluggish::start_with(Duration::from_millis(100), options)
            .await
            .unwrap_err();
        assert_eq!(err, StartError::Timeout);
    });
}

/// Casts to itself forever: Elixir's "send yourself `:work`" loop.
struct Ticker {
    ticks: u64,
}

#[gen_server]
impl Ticker {
    #[cast]
    fn tick(&mut self, ctx: &mut Context<Self>) {
        self.ticks += 1;
        ctx.server_ref().tick();
    }

    #[call]
    fn ticks(&self) -> u64 {
        self.ticks
    }
}

#[test]
fn a_server_whose_mailbox_never_runs_dry_still_lets_others_run() {
    // If the server never yielded, this thread's runtime would be stuck in
    // it: the watchdog turns that hang into a failure.
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let ticker = Ticker::start(Ticker { ticks: 0 }).await.unwrap();
            ticker.tick();
            // Another task on the same thread gets its turn.
            let other = tokio::spawn(async { 42 });
            assert_eq!(other.await.unwrap(), 42);
            // And the server still answers calls between its own ticks.
            assert!(ticker.ticks().await.unwrap() >= 1);
            ticker.stop().await.unwrap();
        });
        done.send(()).unwrap();
    });
    finished
        .recv_timeout(Duration::from_secs(60))
        .expect("the ticking server starved its runtime");
}

#[tokio::test]
async fn spawn_returns_before_init_and_queues_what_is_sent() {
    let log = log();
    let worker = Worker::spawn((Plan::Serve, log.clone())).unwrap();
    // On a current_thread runtime the new task has not run yet: spawn did not wait.
    assert!(entries(&log).is_empty());
    assert_eq!(worker.echo(5).await.unwrap(), 5);
    assert_eq!(entries(&log), ["init", "echo 5"]);
}

#[tokio::test]
async fn a_spawned_server_whose_init_fails_fails_the_calls_queued_meanwhile() {
    let log = log();
    let worker = Worker::spawn((Plan::Fail, log.clone())).unwrap();
    let reason = ExitReason::error("no config");
    assert_eq!(worker.echo(1).await, Err(CallError::Exit(reason.clone())));
    assert_eq!(worker.echo(2).await, Err(CallError::NoProc));
    assert_eq!(worker.exited().await, Ok(reason));
}

/// Waits in init until told to go on (no timer involved).
struct Waiting;

#[gen_server]
impl Waiting {
    #[init]
    async fn init(go: oneshot::Receiver<()>) -> Self {
        let _ = go.await;
        Waiting
    }
}

#[test]
fn a_start_timeout_on_a_runtime_without_the_time_driver() {
    // No `enable_time`: the timer thread keeps the start timeout.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let options = |ms| StartOptions::new().timeout(Duration::from_millis(ms));
    let (go, wait) = oneshot::channel();
    go.send(()).unwrap();
    // Generous: a loaded machine may take a while to run the first init.
    let started = runtime.block_on(Waiting::start_with(wait, options(10_000)));
    assert!(started.is_ok(), "{:?}", started.err());
    let (_go, wait) = oneshot::channel();
    let late = runtime.block_on(Waiting::start_with(wait, options(20)));
    assert_eq!(late.err(), Some(StartError::Timeout));
}

/// A server that serves and then exits at once (here: a continuation from
/// init that stops it) did start: `start` says so, and the reference it
/// returns reports the exit.
#[tokio::test]
async fn a_server_that_exits_right_after_init_still_started() {
    struct Step;

    struct Brief;

    #[gen_server]
    impl Brief {
        #[init]
        fn init((): (), ctx: &mut Context<Self>) -> Self {
            ctx.continue_with(Step);
            Brief
        }

        #[continuation]
        fn step(&mut self, _: Step, ctx: &mut Context<Self>) {
            ctx.stop(ExitReason::Normal);
        }
    }

    for _ in 0..100 {
        let brief = Brief::start(()).await.expect("init succeeded");
        assert_eq!(brief.exited().await, Ok(ExitReason::Normal));
    }
}
