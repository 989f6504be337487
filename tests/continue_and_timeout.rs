//! `handle_continue` (`#[continuation]` and `ctx.continue_with`), the idle
//! timeout (`{:noreply, state, timeout}` and its `:timeout` message) and
//! hibernation, as GENSERVER.md §1.8 describes them. Time-dependent tests run
//! on tokio's paused clock.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use genserver::prelude::*;
use genserver::{Down, IdleTimeout};
use tokio::sync::{Notify, mpsc};
use tokio::time::{Instant, sleep, timeout};

/// What ran, in order, shared between a server and its test.
type Log = Arc<Mutex<Vec<String>>>;

const MS: Duration = Duration::from_millis(1);

/// What `init` asks for.
#[derive(Default)]
struct Plan {
    /// A continuation chain of this many more steps.
    steps: Option<u32>,
    /// The gated continuation.
    gated: bool,
    idle: Option<Duration>,
    stop: bool,
}

/// The next step of a chain: `Step(0)` is the last.
struct Step(u32);
/// Waits until the test opens the gate.
struct Gated;
/// Answers the call whose `ReplyTo` is held.
struct Answer;
/// Panics.
struct Boom;
/// Stops the server.
struct Halt;
/// Both an info message and a continuation step.
struct Both;

/// The continuation a call asks for.
enum Next {
    Step(u32),
    Gated,
    Boom,
    Halt,
    Both,
}

struct Steps {
    log: Log,
    gate: Arc<Notify>,
    held: Option<ReplyTo<String>>,
    /// When each idle timeout fired.
    fired: mpsc::UnboundedSender<Instant>,
    /// How many more times the idle timeout handler sets a new one.
    repeat: u32,
    every: Duration,
}

impl Steps {
    fn note(&self, what: impl Into<String>) {
        self.log.lock().unwrap().push(what.into());
    }
}

#[gen_server]
impl Steps {
    #[init]
    fn init(
        (plan, log, gate, fired): (Plan, Log, Arc<Notify>, mpsc::UnboundedSender<Instant>),
        ctx: &mut Context<Self>,
    ) -> Self {
        log.lock().unwrap().push("init".into());
        if let Some(n) = plan.steps {
            ctx.continue_with(Step(n));
        }
        if plan.gated {
            ctx.continue_with(Gated);
        }
        if let Some(after) = plan.idle {
            ctx.idle_timeout(after);
        }
        if plan.stop {
            ctx.stop(ExitReason::Shutdown);
        }
        Steps {
            log,
            gate,
            held: None,
            fired,
            repeat: 0,
            every: Duration::ZERO,
        }
    }

    #[continuation]
    fn step(&mut self, step: Step, ctx: &mut Context<Self>) {
        let Step(n) = step;
        self.note(format!("step {n}"));
        if n > 0 {
            ctx.continue_with(Step(n - 1));
        }
    }

    #[continuation]
    async fn gated(&mut self, _step: Gated) {
        self.gate.notified().await;
        self.note("gated");
    }

    #[continuation]
    fn answer(&mut self, _step: Answer) {
        self.note("answer");
        if let Some(reply) = self.held.take() {
            reply.send("answered".into());
        }
    }

    #[continuation]
    fn boom(&mut self, _step: Boom) {
        panic!("continuation exploded");
    }

    #[continuation]
    fn halt(&mut self, _step: Halt, ctx: &mut Context<Self>) {
        ctx.stop(ExitReason::Shutdown);
    }

    #[continuation]
    fn both_step(&mut self, _step: Both) {
        self.note("continuation Both");
    }

    #[info]
    fn both_info(&mut self, _message: Both) {
        self.note("info Both");
    }

    #[info]
    fn timeout(&mut self, _timeout: IdleTimeout, ctx: &mut Context<Self>) {
        self.note("idle");
        let _ = self.fired.send(Instant::now());
        if self.repeat > 0 {
            self.repeat -= 1;
            ctx.idle_timeout(self.every);
        }
    }

    #[info]
    fn down(&mut self, down: Down) {
        self.note(format!("down {}", down.reason));
    }

    /// Replies, then asks for `next`.
    #[call]
    fn go(&mut self, next: Next, ctx: &mut Context<Self>) -> String {
        self.note("call");
        match next {
            Next::Step(n) => ctx.continue_with(Step(n)),
            Next::Gated => ctx.continue_with(Gated),
            Next::Boom => ctx.continue_with(Boom),
            Next::Halt => ctx.continue_with(Halt),
            Next::Both => ctx.continue_with(Both),
        }
        "replied".into()
    }

    /// Answered by the `Answer` continuation.
    #[call]
    fn later(&mut self, reply: ReplyTo<String>, ctx: &mut Context<Self>) {
        self.held = Some(reply);
        ctx.continue_with(Answer);
    }

    #[call]
    fn entries(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    #[cast]
    fn write(&mut self, what: String) {
        self.note(what);
    }

    /// Sets an idle timeout; then `times` more, one after another.
    #[cast]
    fn arm(&mut self, after: Duration, times: u32, ctx: &mut Context<Self>) {
        self.note("arm");
        self.repeat = times;
        self.every = after;
        ctx.idle_timeout(after);
    }

    /// Sets an idle timeout and asks for a continuation in the same callback.
    #[cast]
    fn arm_and_step(&mut self, after: Duration, ctx: &mut Context<Self>) {
        ctx.idle_timeout(after);
        ctx.continue_with(Step(0));
    }

    /// Monitors `other` and sets an idle timeout.
    #[cast]
    fn watch(&mut self, other: ServerRef<Steps>, after: Duration, ctx: &mut Context<Self>) {
        ctx.monitor(&other);
        ctx.idle_timeout(after);
    }

    #[cast]
    fn sleep(&mut self, ctx: &mut Context<Self>) {
        ctx.hibernate();
    }

    #[terminate]
    fn terminate(&mut self, reason: &ExitReason) {
        self.note(format!("terminate {reason}"));
    }
}

/// A server, its log, its gate and the receiver of its idle timeouts.
struct Fixture {
    server: ServerRef<Steps>,
    log: Log,
    gate: Arc<Notify>,
    fired: mpsc::UnboundedReceiver<Instant>,
}

impl Fixture {
    async fn start(plan: Plan) -> Fixture {
        let (log, gate, tx, fired) = parts();
        let server = Steps::start((plan, Arc::clone(&log), Arc::clone(&gate), tx))
            .await
            .unwrap();
        Fixture {
            server,
            log,
            gate,
            fired,
        }
    }

    fn spawn(plan: Plan) -> Fixture {
        let (log, gate, tx, fired) = parts();
        let server = Steps::spawn((plan, Arc::clone(&log), Arc::clone(&gate), tx)).unwrap();
        Fixture {
            server,
            log,
            gate,
            fired,
        }
    }

    fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    /// Whether no idle timeout has fired (so far).
    fn quiet(&mut self) -> bool {
        self.fired.try_recv().is_err()
    }
}

type Parts = (
    Log,
    Arc<Notify>,
    mpsc::UnboundedSender<Instant>,
    mpsc::UnboundedReceiver<Instant>,
);

fn parts() -> Parts {
    let (tx, rx) = mpsc::unbounded_channel();
    (Log::default(), Arc::default(), tx, rx)
}

// ---------------------------------------------------------------- continue

#[tokio::test]
async fn a_continuation_from_init_runs_before_mail_queued_during_init() {
    let f = Fixture::spawn(Plan {
        steps: Some(2),
        ..Plan::default()
    });
    // Sent before the server's task has even run init.
    f.server.write("cast".into());
    assert_eq!(
        f.server.entries().await.unwrap(),
        ["init", "step 2", "step 1", "step 0", "cast"]
    );
}

#[tokio::test(start_paused = true)]
async fn start_returns_before_the_continuation_from_init_runs() {
    // OTP: `{:ok, pid}` first, then `handle_continue`. The gated
    // continuation waits for the test, so a `start` that waited for it
    // would never return.
    let f = timeout(
        Duration::from_secs(5),
        Fixture::start(Plan {
            gated: true,
            ..Plan::default()
        }),
    )
    .await
    .expect("start returns while the continuation is still running");
    f.server.write("cast".into());
    f.gate.notify_one();
    assert_eq!(f.server.entries().await.unwrap(), ["init", "gated", "cast"]);
}

#[tokio::test]
async fn a_continuation_from_a_call_runs_after_the_reply_and_before_the_next_message() {
    let f = Fixture::start(Plan::default()).await;
    // The caller has its reply while the continuation still waits.
    assert_eq!(f.server.go(Next::Gated).await.unwrap(), "replied");
    f.server.write("after".into());
    f.gate.notify_one();
    assert_eq!(
        f.server.entries().await.unwrap(),
        ["init", "call", "gated", "after"]
    );
}

#[tokio::test]
async fn continuations_chain_before_queued_mail() {
    let f = Fixture::start(Plan::default()).await;
    let go = f.server.go(Next::Step(2));
    let (reply, ()) = tokio::join!(go, async { f.server.write("cast".into()) });
    assert_eq!(reply.unwrap(), "replied");
    assert_eq!(
        f.server.entries().await.unwrap(),
        ["init", "call", "step 2", "step 1", "step 0", "cast"]
    );
}

#[tokio::test]
async fn a_continuation_can_stop_the_server_and_terminate_runs() {
    let f = Fixture::start(Plan::default()).await;
    assert_eq!(f.server.go(Next::Halt).await.unwrap(), "replied");
    assert!(matches!(f.server.exited().await, Ok(ExitReason::Shutdown)));
    assert_eq!(f.log(), ["init", "call", "terminate shutdown"]);
}

#[tokio::test]
async fn a_continuation_can_answer_a_held_reply() {
    let f = Fixture::start(Plan::default()).await;
    assert_eq!(f.server.later().await.unwrap(), "answered");
    assert_eq!(f.log(), ["init", "answer"]);
}

#[tokio::test]
async fn a_panicking_continuation_crashes_the_server_with_its_message() {
    let f = Fixture::start(Plan::default()).await;
    assert_eq!(f.server.go(Next::Boom).await.unwrap(), "replied");
    match f.server.exited().await {
        Ok(ExitReason::Panic(message)) => assert_eq!(&*message, "continuation exploded"),
        other => panic!("expected a panic exit, got {other:?}"),
    }
    assert_eq!(
        f.log(),
        ["init", "call", "terminate panicked: continuation exploded"]
    );
}

#[tokio::test]
async fn one_type_can_be_an_info_message_and_a_continuation_step() {
    let f = Fixture::start(Plan::default()).await;
    f.server.send(Both);
    f.server.go(Next::Both).await.unwrap();
    assert_eq!(
        f.server.entries().await.unwrap(),
        ["init", "info Both", "call", "continuation Both"]
    );
}

#[tokio::test]
async fn a_stop_asked_for_in_init_has_no_effect() {
    // `init` fails by what it returns; `ctx.stop` there is documented to do
    // nothing (and must not run terminate on a server that never served).
    let f = Fixture::start(Plan {
        stop: true,
        ..Plan::default()
    })
    .await;
    assert_eq!(f.server.entries().await.unwrap(), ["init"]);
}

// ------------------------------------------------------------ idle timeout

#[tokio::test(start_paused = true)]
async fn an_idle_timeout_fires_after_its_duration_with_nothing_arriving() {
    let mut f = Fixture::start(Plan::default()).await;
    let armed = Instant::now();
    f.server.arm(100 * MS, 0);
    let fired = f.fired.recv().await.unwrap();
    assert_eq!(fired - armed, 100 * MS);
    sleep(Duration::from_secs(10)).await;
    assert!(f.quiet(), "it fires once");
}

#[tokio::test(start_paused = true)]
async fn any_call_cast_or_info_cancels_it() {
    for kind in ["call", "cast", "info"] {
        let mut f = Fixture::start(Plan::default()).await;
        f.server.arm(100 * MS, 0);
        sleep(50 * MS).await;
        match kind {
            "call" => drop(f.server.entries().await.unwrap()),
            "cast" => f.server.write("mail".into()),
            _ => f.server.send(Both),
        }
        sleep(Duration::from_secs(10)).await;
        assert!(f.quiet(), "a {kind} cancels the idle timeout");
    }
}

#[tokio::test(start_paused = true)]
async fn a_handler_that_sets_it_again_restarts_the_countdown() {
    let mut f = Fixture::start(Plan::default()).await;
    let armed = Instant::now();
    f.server.arm(100 * MS, 0);
    sleep(50 * MS).await;
    f.server.arm(100 * MS, 0);
    let fired = f.fired.recv().await.unwrap();
    assert_eq!(fired - armed, 150 * MS);
}

#[tokio::test(start_paused = true)]
async fn the_idle_timeout_handler_can_set_the_next_one() {
    let mut f = Fixture::start(Plan::default()).await;
    let armed = Instant::now();
    f.server.arm(100 * MS, 2);
    for n in 1..=3 {
        assert_eq!(f.fired.recv().await.unwrap() - armed, n * 100 * MS);
    }
    sleep(Duration::from_secs(10)).await;
    assert!(f.quiet());
}

#[tokio::test(start_paused = true)]
async fn a_message_already_queued_means_it_never_fires() {
    for after in [Duration::ZERO, 10 * MS] {
        let mut f = Fixture::start(Plan::default()).await;
        // Both are queued before the server runs again.
        f.server.arm(after, 0);
        f.server.write("queued".into());
        sleep(Duration::from_secs(10)).await;
        assert!(f.quiet(), "{after:?}");
        assert_eq!(f.log(), ["init", "arm", "queued"]);
    }
}

#[tokio::test(start_paused = true)]
async fn a_zero_idle_timeout_fires_at_once_when_the_mailbox_is_empty() {
    let mut f = Fixture::start(Plan::default()).await;
    let armed = Instant::now();
    f.server.arm(Duration::ZERO, 0);
    assert_eq!(f.fired.recv().await.unwrap(), armed);
}

#[tokio::test(start_paused = true)]
async fn init_can_set_an_idle_timeout() {
    let started = Instant::now();
    let mut f = Fixture::start(Plan {
        idle: Some(Duration::from_secs(1)),
        ..Plan::default()
    })
    .await;
    assert_eq!(
        f.fired.recv().await.unwrap() - started,
        Duration::from_secs(1)
    );
}

#[tokio::test(start_paused = true)]
async fn a_continuation_asked_for_in_the_same_callback_cancels_it() {
    // The continuation is handled like a message that was already waiting:
    // the callback that runs last decides, and `step` sets no timeout.
    let mut f = Fixture::start(Plan::default()).await;
    f.server.arm_and_step(10 * MS);
    sleep(Duration::from_secs(10)).await;
    assert!(f.quiet());
    assert_eq!(f.server.entries().await.unwrap(), ["init", "step 0"]);
}

#[tokio::test(start_paused = true)]
async fn a_down_message_cancels_it() {
    // A down (and a trapped exit) is an info message like any other, even
    // though it travels as a system message inside the runtime.
    let mut f = Fixture::start(Plan::default()).await;
    let other = Fixture::start(Plan::default()).await;
    f.server.watch(other.server.clone(), 100 * MS);
    sleep(50 * MS).await;
    other.server.stop().await.unwrap();
    sleep(Duration::from_secs(10)).await;
    assert!(f.quiet(), "the down message cancelled the idle timeout");
    assert_eq!(f.log(), ["init", "down normal"]);
}

// TODO: `:sys` requests do not cancel the idle timeout (they restart its
// countdown); tested with the `:sys` API.

// --------------------------------------------------------------- hibernate

#[tokio::test]
async fn a_hibernated_server_keeps_its_state_and_serves() {
    let f = Fixture::start(Plan::default()).await;
    for n in 0..1000 {
        f.server.write(format!("{n}"));
    }
    f.server.sleep();
    assert_eq!(f.server.entries().await.unwrap().len(), 1001);
    assert_eq!(f.server.later().await.unwrap(), "answered");
}

#[test]
fn an_idle_timeout_fires_on_a_runtime_without_the_time_driver() {
    // No `enable_time`: the timer thread keeps the countdown, on the system
    // clock, and the server lives on.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut f = Fixture::start(Plan::default()).await;
        let armed = std::time::Instant::now();
        f.server.arm(20 * MS, 1);
        assert!(f.fired.recv().await.is_some());
        assert!(
            f.fired.recv().await.is_some(),
            "and again, set by its handler"
        );
        assert!(armed.elapsed() >= 40 * MS);
        assert_eq!(
            f.server.entries().await.unwrap(),
            ["init", "arm", "idle", "idle"]
        );
        assert_eq!(f.server.stop().await, Ok(()));
    });
}
