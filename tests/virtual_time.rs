//! Testing servers in virtual time: an example to copy into your own tests.
//!
//! Every deadline in genserver is kept on tokio's clock: timers
//! (`send_after`, `send_interval`, `send_at`), idle timeouts, call, start
//! and stop timeouts, a child's shutdown budget and a supervisor's
//! restart-intensity window. A test marked
//! `#[tokio::test(start_paused = true)]` (tokio's `test-util` feature, as a
//! dev-dependency) starts that clock paused, and it then moves only:
//!
//! * when every task is waiting and one of them waits on a timer: the
//!   runtime jumps straight to the earliest deadline ("auto-advance"). So
//!   `tokio::time::sleep(Duration::from_secs(3600)).await` in the test
//!   returns at once, with the clock an hour later and everything due
//!   before then done, in order;
//! * when the test moves it by hand, with `tokio::time::advance(d)`.
//!
//! A test of "a session expires after 30 idle minutes" then runs in
//! microseconds and cannot flake. Five rules make such tests exact:
//!
//! 1. Measure with `tokio::time::Instant`, never `std::time::Instant`: the
//!    paused clock does not move the system clock.
//! 2. To see what happened by a point in time, sleep past it, then ask the
//!    server with a call. A timer that fired has already put its message in
//!    the mailbox, and the call is queued behind it, so the server has
//!    handled the message when the reply comes.
//! 3. Do not sleep to exactly a deadline the server also waits for (which
//!    task runs first is then up to the scheduler): stop short of it, or go
//!    past it.
//! 4. A call (or a cast, or an info message) restarts an idle timeout, and
//!    so does a `sys` request; to watch an idle timeout without disturbing
//!    it, look at something that needs no message: `is_alive()`, a monitor,
//!    `exited()`.
//! 5. Move the clock with `sleep` rather than `advance`. `sleep` returns
//!    only once every task has run up to its deadline; `advance` moves the
//!    clock and yields once, so a timer it made due may not have reached
//!    its server yet when the test goes on (tokio's docs say as much). It
//!    is fine for what reads the clock alone, like `TimerRef::read`.
//!
//! `genserver::sys::get_state` and `sys::replace_state` read and set a
//! server's state from the test, through its mailbox (ordered with
//! everything else): see `reading_and_replacing_the_state`.

use std::time::Duration;

use genserver::dynamic_supervisor::Options;
use genserver::prelude::*;
use genserver::sys;
use genserver::{
    ChildSpec, DynamicSupervisor, IdleTimeout, Shutdown, Strategy, Supervisor, SupervisorSpec,
};
use tokio::time::{Instant, sleep};

const SECOND: Duration = Duration::from_secs(1);

// ------------------------------------------------------------------------
// The servers under test.

/// A login session: it expires after `IDLE` without a request, and counts
/// the heartbeats its interval timer sends it.
#[derive(Debug, Default, Clone)]
struct Session {
    requests: u32,
    heartbeats: u32,
}

/// How long a session lives without a request: 30 minutes.
const IDLE: Duration = Duration::from_secs(IDLE_SECS);
const IDLE_SECS: u64 = 30 * 60;

/// The message of the session's interval timer.
#[derive(Clone)]
struct Heartbeat;

#[gen_server]
impl Session {
    #[init]
    fn init(state: Session, ctx: &mut Context<Self>) -> Self {
        // A heartbeat every 10 s, on tokio's clock.
        ctx.send_interval(Heartbeat, 10 * SECOND);
        ctx.idle_timeout(IDLE);
        state
    }

    /// A request from the user: the session is in use.
    #[call]
    fn touch(&mut self, ctx: &mut Context<Self>) -> u32 {
        self.requests += 1;
        ctx.idle_timeout(IDLE); // each callback decides anew
        self.requests
    }

    /// The heartbeats received so far.
    #[call]
    fn heartbeats(&self, ctx: &mut Context<Self>) -> u32 {
        ctx.idle_timeout(IDLE);
        self.heartbeats
    }

    #[info]
    fn heartbeat(&mut self, _: Heartbeat, ctx: &mut Context<Self>) {
        self.heartbeats += 1;
        // An info message cancels the idle timeout too: set it again, or a
        // heartbeat would keep the session alive for ever.
        ctx.idle_timeout(IDLE);
    }

    /// `IDLE` without a message: the session ends.
    #[info]
    fn expire(&mut self, _: IdleTimeout, ctx: &mut Context<Self>) {
        ctx.stop(ExitReason::Normal);
    }
}

/// A server whose work takes a while: for call, start and stop timeouts.
struct Slow;

#[gen_server]
impl Slow {
    /// `init` takes `setup` to finish.
    #[init]
    async fn init(setup: Duration) -> Self {
        sleep(setup).await;
        Slow
    }

    /// Takes `work` to answer.
    #[call]
    async fn work(&self, work: Duration) -> Duration {
        sleep(work).await;
        work
    }

    /// Answers at once.
    #[call]
    fn ping(&self) -> &'static str {
        "pong"
    }

    /// Cleaning up takes a minute.
    #[terminate]
    async fn terminate(&mut self) {
        sleep(60 * SECOND).await;
    }
}

/// A supervised worker that fails on request.
#[derive(Clone)]
struct Worker;

#[gen_server]
impl Worker {
    #[cast]
    fn fail(&mut self, ctx: &mut Context<Self>) {
        ctx.stop(ExitReason::error("failed on request"));
    }
}

/// Makes the supervisor's child `id` fail, and waits until it has exited.
/// The supervisor learns of the exit before it answers anything asked
/// after this returns.
async fn fail_child(sup: &ServerRef<Supervisor>, id: &str) {
    let worker = sup.child::<Worker>(id).await.unwrap();
    worker.fail();
    worker.exited().await.unwrap();
}

// ------------------------------------------------------------------------
// Timers.

#[tokio::test(start_paused = true)]
async fn an_interval_timer_fires_on_the_virtual_clock() {
    let session = Session::start(Session::default()).await.unwrap();

    let ms = Duration::from_millis;

    // Just short of the first heartbeat (rule 3): none yet.
    sleep(ms(9_999)).await;
    assert_eq!(session.heartbeats().await.unwrap(), 0);

    // Just past a minute (rules 2 and 3): six, whatever the machine's speed.
    sleep(ms(50_002)).await;
    assert_eq!(session.heartbeats().await.unwrap(), 6);

    // Twenty seconds on: two more. (`sleep` rather than `advance`: see
    // rule 5.)
    sleep(20 * SECOND).await;
    assert_eq!(session.heartbeats().await.unwrap(), 8);
}

#[tokio::test(start_paused = true)]
async fn send_after_and_its_timer_ref_read_the_virtual_clock() {
    let session = Session::start(Session::default()).await.unwrap();
    let timer = genserver::send_after(&session, Heartbeat, 5 * SECOND).unwrap();
    assert_eq!(timer.read(), Some(5 * SECOND));
    tokio::time::advance(2 * SECOND).await;
    assert_eq!(timer.read(), Some(3 * SECOND), "the time left, exactly");
    sleep(4 * SECOND).await;
    assert_eq!(timer.read(), None, "fired");
    assert_eq!(session.heartbeats().await.unwrap(), 1);
}

// ------------------------------------------------------------------------
// Idle timeouts.

#[tokio::test(start_paused = true)]
async fn every_message_restarts_the_idle_timeout() {
    let started = Instant::now();
    let session = Session::start(Session::default()).await.unwrap();

    // A heartbeat is a message, and its handler sets the idle timeout
    // again: while its interval timer runs, the session never goes idle,
    // however long nobody calls it.
    sleep(3 * IDLE + SECOND).await;
    assert!(session.is_alive());
    assert_eq!(session.heartbeats().await.unwrap(), 3 * 30 * 6);
    assert_eq!(started.elapsed(), 3 * IDLE + SECOND, "(virtual time)");
}

/// A session without a heartbeat, to watch its idle timeout alone.
#[derive(Debug)]
struct QuietSession;

#[gen_server]
impl QuietSession {
    #[init]
    fn init((): (), ctx: &mut Context<Self>) -> Self {
        ctx.idle_timeout(IDLE);
        QuietSession
    }

    #[call]
    fn touch(&mut self, ctx: &mut Context<Self>) {
        ctx.idle_timeout(IDLE);
    }

    #[info]
    fn expire(&mut self, _: IdleTimeout, ctx: &mut Context<Self>) {
        ctx.stop(ExitReason::shutdown_with("idle"));
    }
}

#[tokio::test(start_paused = true)]
async fn a_quiet_session_expires_after_its_idle_timeout_and_a_request_restarts_it() {
    let started = Instant::now();
    let session = QuietSession::start(()).await.unwrap();

    // `is_alive` sends nothing, so it does not restart the countdown (rule 4).
    sleep(Duration::from_secs(IDLE_SECS - 1)).await;
    assert!(session.is_alive());

    // A request at 29:59 restarts the countdown: the session now ends at
    // 59:59, not at 30:00.
    session.touch().await.unwrap();
    sleep(Duration::from_secs(IDLE_SECS - 1)).await;
    assert!(session.is_alive(), "59:58 in: the request kept it alive");

    // `exited()` waits for the end; the clock jumps to it.
    let reason = session.exited().await.unwrap();
    assert_eq!(reason, ExitReason::shutdown_with("idle"));
    assert_eq!(started.elapsed(), Duration::from_secs(2 * IDLE_SECS - 1));
}

#[tokio::test(start_paused = true)]
async fn a_sys_request_restarts_the_idle_countdown_without_cancelling_it() {
    let started = Instant::now();
    let session = QuietSession::start(()).await.unwrap();

    // A `sys` request at 10:00 does not run a handler, so nothing sets the
    // idle timeout again; the server keeps it, and counts it again from
    // the request, as OTP's loop does (rule 4).
    sleep(Duration::from_secs(10 * 60)).await;
    sys::get_state(&session, |_| ()).await.unwrap();
    let reason = session.exited().await.unwrap();
    assert_eq!(reason, ExitReason::shutdown_with("idle"));
    assert_eq!(started.elapsed(), Duration::from_secs(10 * 60 + IDLE_SECS));
}

// ------------------------------------------------------------------------
// Call, start and stop timeouts.

#[tokio::test(start_paused = true)]
async fn a_call_times_out_on_the_virtual_clock() {
    let slow = Slow::start(Duration::ZERO).await.unwrap();

    // The default call timeout is 5 s: the caller gets `Timeout` 5 s in.
    let asked = Instant::now();
    let answer = slow.work(60 * SECOND).await;
    assert_eq!(answer, Err(CallError::Timeout));
    assert_eq!(asked.elapsed(), genserver::DEFAULT_CALL_TIMEOUT);

    // The server is still busy with that request (60 s of work): a call
    // with a longer timeout is answered after it, and the late reply to the
    // first call is dropped, never delivered to this one.
    let answer = slow.with_timeout(120 * SECOND).ping().await;
    assert_eq!(answer, Ok("pong"));
    assert_eq!(asked.elapsed(), 60 * SECOND);

    // A call's own timeout, exactly.
    let asked = Instant::now();
    let answer = slow.with_timeout(SECOND).work(2 * SECOND).await;
    assert_eq!(answer, Err(CallError::Timeout));
    assert_eq!(asked.elapsed(), SECOND);
}

#[tokio::test(start_paused = true)]
async fn start_and_stop_time_out_on_the_virtual_clock() {
    // An init that takes 10 s, with 1 s allowed.
    let asked = Instant::now();
    let options = StartOptions::new().timeout(SECOND);
    let started = Slow::start_with(10 * SECOND, options).await;
    assert!(matches!(started, Err(StartError::Timeout)));
    assert_eq!(asked.elapsed(), SECOND);

    // A terminate that takes a minute, with 5 s allowed: the stop gives up
    // (the server is not killed, and finishes its terminate).
    let slow = Slow::start(Duration::ZERO).await.unwrap();
    let asked = Instant::now();
    let stopped = slow
        .handle()
        .stop_with_timeout(ExitReason::Normal, 5 * SECOND)
        .await;
    assert_eq!(stopped, Err(StopError::Timeout));
    assert_eq!(asked.elapsed(), 5 * SECOND);
    assert_eq!(slow.exited().await.unwrap(), ExitReason::Normal);
    assert_eq!(asked.elapsed(), 60 * SECOND);
}

// ------------------------------------------------------------------------
// Supervisors: shutdown budgets and the restart-intensity window.

#[tokio::test(start_paused = true)]
async fn a_child_is_killed_when_its_shutdown_budget_runs_out() {
    let child = ChildSpec::new::<Slow>(Duration::ZERO)
        .id("slow")
        .shutdown(Shutdown::Timeout(10 * SECOND));
    let sup = Supervisor::start(SupervisorSpec::new(Strategy::OneForOne).child(child))
        .await
        .unwrap();
    let slow = sup.child::<Slow>("slow").await.unwrap();

    // Its terminate takes a minute; after 10 s the supervisor kills it.
    let asked = Instant::now();
    sup.stop().await.unwrap();
    assert_eq!(asked.elapsed(), 10 * SECOND);
    assert_eq!(slow.exited().await.unwrap(), ExitReason::Killed);
}

#[tokio::test(start_paused = true)]
async fn restarts_spread_out_in_time_stay_within_the_intensity() {
    // At most 2 restarts in any 5 s.
    let spec = SupervisorSpec::new(Strategy::OneForOne)
        .max_restarts(2)
        .max_seconds(5)
        .child(ChildSpec::new::<Worker>(Worker).id("worker"));
    let sup = Supervisor::start(spec).await.unwrap();

    // A failure every 3 s: never more than 2 in a 5 s window, for a minute.
    for _ in 0..20 {
        fail_child(&sup, "worker").await;
        sleep(3 * SECOND).await;
    }
    assert!(sup.is_alive());

    // Once the last restart is out of the window, two failures at one
    // instant are still within it...
    sleep(6 * SECOND).await;
    fail_child(&sup, "worker").await;
    fail_child(&sup, "worker").await;
    assert!(sup.is_alive());
    // ...and a third is one too many: the supervisor stops its child and
    // exits `Shutdown` (its own supervisor, if any, sees that exit).
    fail_child(&sup, "worker").await;
    assert_eq!(sup.exited().await.unwrap(), ExitReason::Shutdown);
}

/// Makes the dynamic supervisor's one child fail, and waits for its exit.
async fn fail_the_child(sup: &ServerRef<DynamicSupervisor>) {
    let pid = sup.which_children().await.unwrap()[0].pid.clone().unwrap();
    let worker = pid.downcast::<Worker>().unwrap();
    worker.fail();
    worker.exited().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_dynamic_supervisors_window_is_on_the_virtual_clock_too() {
    let options = Options::new().max_restarts(1).max_seconds(10 * SECOND);
    let sup = DynamicSupervisor::start(options).await.unwrap();
    sup.start_child::<Worker>(ChildSpec::new::<Worker>(Worker))
        .await
        .unwrap();

    // One restart per 11 s: each falls outside the last one's window.
    for _ in 0..5 {
        fail_the_child(&sup).await;
        sleep(11 * SECOND).await;
    }
    assert!(sup.is_alive());

    // Two 9 s apart: both in one window, one too many.
    fail_the_child(&sup).await;
    sleep(9 * SECOND).await;
    fail_the_child(&sup).await;
    assert_eq!(sup.exited().await.unwrap(), ExitReason::Shutdown);
}

// ------------------------------------------------------------------------
// Reading and replacing a server's state.

#[tokio::test(start_paused = true)]
async fn reading_and_replacing_the_state() {
    let session = Session::start(Session::default()).await.unwrap();
    session.touch().await.unwrap();

    // `get_state` runs a closure on the state inside the server and returns
    // what it returns: pick a field, or `Clone` the whole state.
    assert_eq!(sys::get_state(&session, |s| s.requests).await.unwrap(), 1);
    let copy: Session = sys::get_state(&session, Session::clone).await.unwrap();
    assert_eq!(copy.heartbeats, 0);

    // `replace_state` builds the new state from the old one: set the server
    // up for the case under test without a message per step.
    sys::replace_state(&session, |s| Session {
        requests: 99,
        ..s.clone()
    })
    .await
    .unwrap();
    assert_eq!(session.touch().await.unwrap(), 100);

    // Both travel through the mailbox, so they see every message sent
    // before them, and a state's `Debug` is one call away.
    sleep(10 * SECOND + Duration::from_millis(1)).await;
    let shown = sys::get_state_debug(&session).await.unwrap();
    assert_eq!(shown, "Session { requests: 100, heartbeats: 1 }");
}
