//! OTP's `lib/stdlib/test/gen_server_SUITE.erl`, its single-node cases, one
//! test per case and named after it. `README.md` beside this file lists every
//! case of the suite's `all()` and `groups()`, with why a case is skipped.
//!
//! `Suite` is the suite's own callback module (the `gen_server_SUITE`
//! callbacks: its state changes shape with the requests, as the Erlang term
//! does), and `Oc` the `oc_server` of the suite's data directory, a server
//! that leaves its optional callbacks out. Where the Erlang server sends
//! `{self(), What}` to the test process, ours sends `(id, what)` on a
//! channel the test holds (`Notes`).
//!
//! Where time matters the tests run on tokio's paused clock: the suite's
//! sleeps and timeouts are kept, and cost nothing. Two cases measure real
//! time, as the originals do, and print what they measured: `cast_fast`
//! and `call_with_huge_message_queue`.

use std::error::Error;
use std::fmt;
use std::future::Future;
use std::mem;
use std::time::{Duration, Instant};

use genserver::prelude::*;
use genserver::registry::{self, Registry};
use genserver::sys::{self, Mode, SysError};
use genserver::{Client, Exit, Handle, HandleInfo, IdleTimeout, Init, Message, Request, ServerId};
use genserver_tests::capture::{Capture, Captured};
use tokio::sync::{mpsc, oneshot};
use tracing::Level;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Where a server tells the test what happened: `From ! {self(), What}`.
type Notes = mpsc::UnboundedSender<(ServerId, &'static str)>;
/// The test's end of [`Notes`]: its mailbox.
type Inbox = mpsc::UnboundedReceiver<(ServerId, &'static str)>;

fn inbox() -> (Notes, Inbox) {
    mpsc::unbounded_channel()
}

/// `receive {Pid, What} -> ok after 1000 -> ct:fail(What) end`.
async fn expect(inbox: &mut Inbox, from: ServerId, what: &'static str) {
    let got = tokio::time::timeout(ms(1000), inbox.recv()).await;
    assert_eq!(got.ok().flatten(), Some((from, what)), "waiting for {what}");
}

fn note(to: &Notes, from: ServerId, what: &'static str) {
    let _ = to.send((from, what));
}

/// The reason `stopped` of `{stop, stopped}` and `{stop, stopped, ok, State}`.
fn stopped() -> ExitReason {
    ExitReason::error("stopped")
}

/// The reasons `{From, stopped}` and `{From, stopped_info}`: `terminate`
/// tells `From` when it sees one.
#[derive(Debug)]
struct StoppedBy {
    to: Notes,
    what: &'static str,
}

impl fmt::Display for StoppedBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.what)
    }
}

impl Error for StoppedBy {}

/// `gen_server:start(gen_server_SUITE, Arg, [])`: what `init/1` gets.
enum Start {
    /// `[]`: `{ok, []}`.
    Plain,
    /// `ignore`.
    Ignore,
    /// `stop`: `{stop, stopped}`.
    Stop,
    /// `{error, foobar}`.
    Error,
    /// `hibernate`: `{ok, [], hibernate}`.
    Hibernate,
    /// `sleep`: sleeps a second, then `{ok, []}`.
    Sleep,
    /// `{state, State}`.
    State(St),
    /// `{continue, Pid}`: `{ok, [], {continue, {message, Pid}}}`, with
    /// `{after_continue, Pid}` sent to itself first.
    Continue(Notes),
    /// `{ets, InitResult}`: takes a name only one server can hold (the
    /// original creates a named ETS table), then ends `init` as told.
    Ets(Outcome),
}

/// How `init` ends for `loop_start_fail`.
#[derive(Clone, Copy)]
enum Outcome {
    /// `{return, {stop, failed_to_start}}`.
    Stop,
    /// `{return, ignore}`.
    Ignore,
    /// `{crash, error | exit, bailout}`.
    Crash,
    /// `{wait, 1000, void}`.
    Wait,
}

/// The name `Start::Ets` takes.
const ETS: &str = "gen_server_suite.loop_start_fail.ets";

/// The server's state, the shapes the Erlang term takes.
enum St {
    /// `[]`.
    Empty,
    /// `{reply_to, From}`: answer `delayed` at the idle timeout.
    ReplyTo(ReplyTo<&'static str>),
    /// `call_within`: a `next_call` before the idle timeout is welcome.
    CallWithin,
    /// `hibernate_me`: hibernate at the idle timeout.
    HibernateMe,
    /// `{delayed_cast, From}`.
    DelayedCast(Notes),
    /// `{delayed_info, From}`.
    DelayedInfo(Notes),
    /// `From` of `{hibernate_noreply, Pid}`: answer `true` on `continue`.
    Continue(ReplyTo<bool>),
    /// A state given by the test.
    Named(String),
    /// `crash_terminate` (and `{undef_in_terminate, _}`): `terminate` crashes.
    CrashTerminate,
    /// A state whose `format_status` crashes (`crash_in_format_status`).
    CrashFormat,
    /// A state `format_status` shows a subset of (`format_status_subset`).
    Secret { shown: String, hidden: String },
}

impl St {
    fn show(&self) -> String {
        match self {
            St::Empty => "[]".into(),
            St::ReplyTo(_) => "reply_to".into(),
            St::CallWithin => "call_within".into(),
            St::HibernateMe => "hibernate_me".into(),
            St::DelayedCast(_) => "delayed_cast".into(),
            St::DelayedInfo(_) => "delayed_info".into(),
            St::Continue(_) => "continue".into(),
            St::Named(state) => state.clone(),
            St::CrashTerminate => "crash_terminate".into(),
            St::CrashFormat => "crash_format".into(),
            St::Secret { shown, hidden } => format!("{shown} {hidden}"),
        }
    }
}

/// The info messages the suite sends with `!`.
#[derive(Clone)]
enum Msg {
    /// `{From, handle_info}`.
    HandleInfo(Notes),
    /// `{From, delayed_info, T}`.
    DelayedInfo(Notes, Duration),
    /// `{From, stop}`.
    Stop(Notes),
    /// `hibernate_now`.
    HibernateNow,
    /// `hibernate_later`.
    HibernateLater,
    /// `continue`.
    Continue,
    /// `{call_undef_fun, Mod, Fun}`: the handler itself fails.
    CallUndefFun,
    /// `{after_continue, Pid}`: answers `after_continue` and `ack`.
    AfterContinue(Notes),
    /// `{continue_noreply, Pid}`.
    ContinueNoreply(Notes),
    /// `{continue_continue, Pid}`.
    ContinueContinue(Notes),
    /// `continue_stop`.
    ContinueStop,
}

/// The steps of `handle_continue/2`.
enum Cont {
    /// `{message, Pid}`.
    Message(Notes),
    /// `{message, Pid, From}`: also answers the call held.
    MessageReply(Notes, ReplyTo<&'static str>),
    /// `{continue, Pid}`: asks for another continuation.
    Continue(Notes),
    /// `stop`: `{stop, normal, State}`.
    Stop,
}

/// The `gen_server_SUITE` callback module.
struct Suite {
    id: ServerId,
    state: St,
    /// How often the server went into hibernation: what `erlang:process_info(Pid,
    /// current_function)` shows on the BEAM.
    hibernations: u32,
}

impl Suite {
    fn sleep_now(&mut self, ctx: &mut Context<Self>) {
        self.hibernations += 1;
        ctx.hibernate();
    }
}

#[gen_server]
impl Suite {
    #[init]
    async fn init(start: Start, ctx: &mut Context<Self>) -> Init<Self> {
        let mut server = Suite {
            id: ctx.id(),
            state: St::Empty,
            hibernations: 0,
        };
        match start {
            Start::Plain => {}
            Start::Ignore => return Init::Ignore,
            Start::Stop => return Init::Stop(stopped()),
            Start::Error => return Init::Error(ExitReason::error("foobar")),
            Start::Hibernate => server.sleep_now(ctx),
            Start::Sleep => tokio::time::sleep(ms(1000)).await,
            Start::State(state) => server.state = state,
            Start::Continue(to) => {
                ctx.server_ref().send(Msg::AfterContinue(to.clone()));
                ctx.continue_with(Cont::Message(to));
            }
            Start::Ets(outcome) => {
                registry::register(ETS, &ctx.server_ref()).expect("the last one is gone");
                match outcome {
                    Outcome::Stop => return Init::Stop(ExitReason::error("failed_to_start")),
                    Outcome::Ignore => return Init::Ignore,
                    Outcome::Crash => panic!("bailout"),
                    Outcome::Wait => tokio::time::sleep(ms(1000)).await,
                }
            }
        }
        Init::Ok(server)
    }

    /// `started_p`.
    #[call]
    fn started_p(&self) -> &'static str {
        "ok"
    }

    /// `{delayed_answer, T}`: `{noreply, {reply_to, From}, T}`.
    #[call]
    fn delayed_answer(
        &mut self,
        t: Duration,
        reply: ReplyTo<&'static str>,
        ctx: &mut Context<Self>,
    ) {
        self.state = St::ReplyTo(reply);
        ctx.idle_timeout(t);
    }

    /// `{call_within, T}`: `{reply, ok, call_within, T}`.
    #[call]
    fn call_within(&mut self, t: Duration, ctx: &mut Context<Self>) -> &'static str {
        self.state = St::CallWithin;
        ctx.idle_timeout(t);
        "ok"
    }

    /// `next_call`: `ok` (true) within the time `call_within` gave, else `false`.
    #[call]
    fn next_call(&mut self) -> bool {
        if matches!(self.state, St::CallWithin) {
            self.state = St::Empty;
            true
        } else {
            false
        }
    }

    /// `hibernate`: `{reply, true, [], hibernate}`.
    #[call]
    fn hibernate(&mut self, ctx: &mut Context<Self>) -> bool {
        self.state = St::Empty;
        self.sleep_now(ctx);
        true
    }

    /// `{hibernate_noreply, Pid}`: tells `Pid` to go, hibernates with the
    /// call unanswered; `continue` answers it.
    #[call]
    fn hibernate_noreply(&mut self, helper: Notes, reply: ReplyTo<bool>, ctx: &mut Context<Self>) {
        note(&helper, self.id, "go");
        self.state = St::Continue(reply);
        self.sleep_now(ctx);
    }

    /// `stop`: `{stop, stopped, ok, State}`.
    #[call]
    fn call_stop(&mut self, ctx: &mut Context<Self>) -> &'static str {
        ctx.stop(stopped());
        "ok"
    }

    /// `{continue_reply, Pid}`: `{reply, ok, State, {continue, {message, Pid}}}`.
    #[call]
    fn continue_reply(&mut self, to: Notes, ctx: &mut Context<Self>) -> &'static str {
        ctx.server_ref().send(Msg::AfterContinue(to.clone()));
        ctx.continue_with(Cont::Message(to));
        "ok"
    }

    /// `{continue_noreply, Pid}`: `{noreply, State, {continue, {message,
    /// Pid, From}}}`: the continuation answers.
    #[call]
    fn continue_noreply(
        &mut self,
        to: Notes,
        reply: ReplyTo<&'static str>,
        ctx: &mut Context<Self>,
    ) {
        ctx.server_ref().send(Msg::AfterContinue(to.clone()));
        ctx.continue_with(Cont::MessageReply(to, reply));
    }

    /// `gen_server:call(self(), oops)`, with the default timeout and with
    /// `infinity`.
    #[call]
    async fn call_self(
        &self,
        ctx: &mut Context<Self>,
    ) -> (
        Result<&'static str, CallError>,
        Result<&'static str, CallError>,
    ) {
        let me = ctx.server_ref();
        let default = me.started_p().await;
        let infinity = me.with_timeout(Duration::MAX).started_p().await;
        (default, infinity)
    }

    /// `crash`: `exit(crashed)`.
    #[call]
    fn crash(&mut self) -> &'static str {
        panic!("crashed")
    }

    /// `stop_shutdown`: `{stop, shutdown, State}`, no reply (and
    /// `exit_shutdown`, `exit(shutdown)`, which a Rust handler says the same way).
    #[call]
    fn stop_shutdown(&mut self, reply: ReplyTo<&'static str>, ctx: &mut Context<Self>) {
        drop(reply);
        ctx.stop(ExitReason::Shutdown);
    }

    /// `stop_shutdown_reason`: `{stop, {shutdown, stop_reason}, State}` (and
    /// `shutdown_reason`, `exit({shutdown, reason})`).
    #[call]
    fn stop_shutdown_reason(
        &mut self,
        detail: &'static str,
        reply: ReplyTo<()>,
        ctx: &mut Context<Self>,
    ) {
        drop(reply);
        ctx.stop(ExitReason::shutdown_with(detail));
    }

    /// `{From, handle_cast}`.
    #[cast]
    fn notify_cast(&mut self, from: Notes) {
        note(&from, self.id, "handled_cast");
    }

    /// `{From, delayed_cast, T}`: `{noreply, {delayed_cast, From}, T}`.
    #[cast]
    fn delayed_cast(&mut self, from: Notes, t: Duration, ctx: &mut Context<Self>) {
        self.state = St::DelayedCast(from);
        ctx.idle_timeout(t);
    }

    /// `hibernate_now`: `{noreply, [], hibernate}`.
    #[cast]
    fn hibernate_now(&mut self, ctx: &mut Context<Self>) {
        self.state = St::Empty;
        self.sleep_now(ctx);
    }

    /// `hibernate_later`: `timer:send_after(1000, self(), hibernate_now)`.
    #[cast]
    fn hibernate_later(&mut self, ctx: &mut Context<Self>) {
        ctx.send_after(Msg::HibernateNow, ms(1000));
        self.state = St::Empty;
    }

    /// `{continue_noreply, Pid}` as a cast.
    #[cast]
    fn cast_continue_noreply(&mut self, to: Notes, ctx: &mut Context<Self>) {
        ctx.server_ref().send(Msg::AfterContinue(to.clone()));
        ctx.continue_with(Cont::Message(to));
    }

    /// `{From, stop}`: `{stop, {From, stopped}, State}`.
    #[cast]
    fn cast_stop(&mut self, from: Notes, ctx: &mut Context<Self>) {
        ctx.stop(ExitReason::error(StoppedBy {
            to: from,
            what: "stopped",
        }));
    }

    #[info]
    fn info(&mut self, msg: Msg, ctx: &mut Context<Self>) {
        match msg {
            Msg::HandleInfo(from) => {
                note(&from, self.id, "handled_info");
                self.state = St::Empty;
            }
            Msg::DelayedInfo(from, t) => {
                self.state = St::DelayedInfo(from);
                ctx.idle_timeout(t);
            }
            Msg::Stop(from) => ctx.stop(ExitReason::error(StoppedBy {
                to: from,
                what: "stopped_info",
            })),
            Msg::HibernateNow => {
                self.state = St::Empty;
                self.sleep_now(ctx);
            }
            Msg::HibernateLater => {
                self.state = St::HibernateMe;
                ctx.idle_timeout(ms(1000));
            }
            Msg::Continue => match mem::replace(&mut self.state, St::Empty) {
                St::Continue(reply) => reply.send(true),
                other => self.state = other,
            },
            Msg::CallUndefFun => panic!("undef: gen_server_suite:handle_info/0"),
            Msg::AfterContinue(to) => {
                note(&to, self.id, "after_continue");
                note(&to, self.id, "ack");
            }
            Msg::ContinueNoreply(to) => {
                ctx.server_ref().send(Msg::AfterContinue(to.clone()));
                ctx.continue_with(Cont::Message(to));
            }
            Msg::ContinueContinue(to) => ctx.continue_with(Cont::Continue(to)),
            Msg::ContinueStop => ctx.continue_with(Cont::Stop),
        }
    }

    /// `handle_continue/2`.
    #[continuation]
    fn cont(&mut self, step: Cont, ctx: &mut Context<Self>) {
        match step {
            Cont::Message(to) => note(&to, self.id, "continue"),
            Cont::MessageReply(to, reply) => {
                note(&to, self.id, "continue");
                reply.send("ok");
            }
            Cont::Continue(to) => {
                note(&to, self.id, "before_continue");
                ctx.server_ref().send(Msg::AfterContinue(to.clone()));
                ctx.continue_with(Cont::Message(to));
            }
            Cont::Stop => ctx.stop(ExitReason::Normal),
        }
    }

    /// `handle_info(timeout, State)`.
    #[info]
    fn timeout(&mut self, _timeout: IdleTimeout, ctx: &mut Context<Self>) {
        match mem::replace(&mut self.state, St::Empty) {
            St::ReplyTo(reply) => reply.send("delayed"),
            St::HibernateMe => self.sleep_now(ctx),
            St::CallWithin => {}
            St::DelayedCast(from) => note(&from, self.id, "delayed"),
            St::DelayedInfo(from) => note(&from, self.id, "delayed_info"),
            other => self.state = other,
        }
    }

    #[terminate]
    fn terminate(&mut self, reason: &ExitReason) {
        if let Some(stopped) = reason.downcast_ref::<StoppedBy>() {
            note(&stopped.to, self.id, stopped.what);
        }
        if matches!(self.state, St::CrashTerminate) {
            panic!("crash terminate");
        }
    }

    /// `format_status/2`: `{formatted, State}`.
    #[format_status]
    fn status(&self) -> String {
        match &self.state {
            St::CrashFormat => panic!("crash format_status"),
            St::Secret { shown, .. } => format!("formatted {shown}"),
            state => format!("formatted {}", state.show()),
        }
    }
}

async fn plain() -> ServerRef<Suite> {
    Suite::start(Start::Plain).await.unwrap()
}

fn named(name: &'static str) -> StartOptions {
    StartOptions::new().name(name)
}

fn by_name(name: &str) -> ServerRef<Suite> {
    registry::whereis::<Suite>(name).unwrap()
}

async fn hibernations(server: &ServerRef<Suite>) -> u32 {
    sys::get_state(server, |s| s.hibernations).await.unwrap()
}

fn state_of(s: &Suite) -> String {
    s.state.show()
}

/// Runs `test` on a current-thread runtime with a paused clock and
/// `Capture` as the subscriber, so the servers' tasks log into it too:
/// `error_logger_forwarder:register()`.
fn captured<T, F: Future<Output = T>>(test: impl FnOnce() -> F) -> (Vec<Captured>, T) {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    let out = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap()
        .block_on(test());
    (capture.events(), out)
}

/// The events at warning level or above: the reports of `error_logger`.
fn reports(events: &[Captured]) -> Vec<&Captured> {
    events.iter().filter(|e| e.level <= Level::WARN).collect()
}

/// Calls `crash` from a task of its own: which task called is part of the report.
async fn crash_from_a_task(
    server: &ServerRef<Suite>,
) -> (tokio::task::Id, Result<&'static str, CallError>) {
    let server = server.clone();
    tokio::spawn(async move { (tokio::task::id(), server.crash().await) })
        .await
        .unwrap()
}

/// `start/1`: start and stop, anonymous, with a start timeout, `ignore`,
/// `{stop, _}`, linked, and under a local and a via name. (`{global, Name}`
/// is skipped: there is no cluster.)
#[tokio::test(start_paused = true)]
async fn start() {
    const NAME: &str = "gen_server_suite.start.my_test_name";

    // anonymous
    let pid0 = plain().await;
    assert_eq!(pid0.started_p().await, Ok("ok"));
    assert_eq!(pid0.call_stop().await, Ok("ok"));
    assert_eq!(pid0.exited().await, Ok(stopped()));
    assert_eq!(
        pid0.with_timeout(ms(1)).started_p().await,
        Err(CallError::NoProc)
    );

    // anonymous with timeout
    let pid00 = Suite::start_with(Start::Plain, StartOptions::new().timeout(ms(1000)))
        .await
        .unwrap();
    assert_eq!(pid00.started_p().await, Ok("ok"));
    assert_eq!(pid00.call_stop().await, Ok("ok"));
    let slow = Suite::start_with(Start::Sleep, StartOptions::new().timeout(ms(100))).await;
    assert_eq!(slow.unwrap_err(), StartError::Timeout);

    // anonymous with ignore
    assert_eq!(
        Suite::start(Start::Ignore).await.unwrap_err(),
        StartError::Ignored
    );

    // anonymous with {error, foobar}
    assert_eq!(
        Suite::start(Start::Error).await.unwrap_err(),
        StartError::Init(ExitReason::error("foobar"))
    );

    // anonymous with stop
    assert_eq!(
        Suite::start(Start::Stop).await.unwrap_err(),
        StartError::Init(stopped())
    );

    // anonymous linked
    let pid1 = plain().await;
    let link1 = pid1.link().unwrap();
    assert_eq!(pid1.started_p().await, Ok("ok"));
    assert_eq!(pid1.call_stop().await, Ok("ok"));
    assert_eq!(link1.exited().await, stopped());

    // anonymous monitored
    let monitored = plain().await;
    let monitor = monitored.monitor();
    assert_eq!(monitored.started_p().await, Ok("ok"));
    assert_eq!(monitored.call_stop().await, Ok("ok"));
    let down = monitor.await;
    assert_eq!((down.id, down.reason), (monitored.id(), stopped()));

    // local register, then local register linked, then monitored
    for watch in ["none", "link", "monitor"] {
        let pid = Suite::start_with(Start::Plain, named(NAME)).await.unwrap();
        let link = (watch == "link").then(|| pid.link().unwrap());
        let monitor = (watch == "monitor").then(|| pid.monitor());
        assert_eq!(by_name(NAME).started_p().await, Ok("ok"));
        match Suite::start_with(Start::Plain, named(NAME)).await {
            Err(StartError::AlreadyStarted(holder)) => assert_eq!(holder.id(), pid.id()),
            other => panic!("expected already_started, got {other:?}"),
        }
        assert_eq!(by_name(NAME).call_stop().await, Ok("ok"));
        match (link, monitor) {
            (Some(link), _) => assert_eq!(link.exited().await, stopped()),
            (_, Some(monitor)) => assert_eq!(monitor.await.reason, stopped()),
            _ => assert_eq!(pid.exited().await, Ok(stopped())),
        }
        assert_eq!(
            pid.with_timeout(ms(10)).started_p().await,
            Err(CallError::NoProc)
        );
    }

    // via register, then via register linked (dummy_via is a Registry)
    for linked in [false, true] {
        let dummy_via: Registry<String, Suite> = Registry::new();
        let options = StartOptions::new().via(&dummy_via, "my_test_name".to_string());
        let pid = Suite::start_with(Start::Plain, options.clone())
            .await
            .unwrap();
        let link = linked.then(|| pid.link().unwrap());
        let via = || dummy_via.lookup("my_test_name").unwrap();
        assert_eq!(via().started_p().await, Ok("ok"));
        match Suite::start_with(Start::Plain, options).await {
            Err(StartError::AlreadyStarted(holder)) => assert_eq!(holder.id(), pid.id()),
            other => panic!("expected already_started, got {other:?}"),
        }
        assert_eq!(via().call_stop().await, Ok("ok"));
        match link {
            Some(link) => assert_eq!(link.exited().await, stopped()),
            None => assert_eq!(pid.exited().await, Ok(stopped())),
        }
        assert_eq!(
            pid.with_timeout(ms(10)).started_p().await,
            Err(CallError::NoProc)
        );
        assert!(dummy_via.lookup("my_test_name").is_none());
    }
}

/// `stop1/1`: anonymous, reason `normal`.
#[tokio::test]
async fn stop1() {
    let pid = plain().await;
    assert_eq!(pid.stop().await, Ok(()));
    assert!(!pid.is_alive());
    assert_eq!(pid.stop().await, Err(StopError::NoProc));
}

/// `stop2/1`: anonymous, another reason, timeout `infinity`.
#[tokio::test]
async fn stop2() {
    let pid = plain().await;
    let reason = ExitReason::error("other_reason");
    assert_eq!(
        pid.handle().stop_with_timeout(reason, Duration::MAX).await,
        Ok(())
    );
    assert!(!pid.is_alive());
}

async fn stop_by_name(name: &str) -> Result<(), StopError> {
    registry::whereis::<Suite>(name)?.stop().await
}

/// `stop4/1`: by registered name.
#[tokio::test]
async fn stop4() {
    const NAME: &str = "gen_server_suite.stop4.to_stop";
    let pid = Suite::start_with(Start::Plain, named(NAME)).await.unwrap();
    assert_eq!(stop_by_name(NAME).await, Ok(()));
    assert!(!pid.is_alive());
    assert_eq!(stop_by_name(NAME).await, Err(StopError::NoProc));
}

async fn stop_via(registry: &Registry<String, Suite>, key: &str) -> Result<(), StopError> {
    registry::whereis_via::<Suite, _>(registry, &key.to_string())
        .await?
        .stop()
        .await
}

/// `stop7/1`: by a via name.
#[tokio::test]
async fn stop7() {
    let dummy_via: Registry<String, Suite> = Registry::new();
    let options = StartOptions::new().via(&dummy_via, "to_stop".to_string());
    let pid = Suite::start_with(Start::Plain, options).await.unwrap();
    assert_eq!(stop_via(&dummy_via, "to_stop").await, Ok(()));
    assert!(!pid.is_alive());
    assert_eq!(
        stop_via(&dummy_via, "to_stop").await,
        Err(StopError::NoProc)
    );
}

/// `crash/1`: a stop or exit with `shutdown` or `{shutdown, _}` reaches the
/// caller and the linked process and is not reported; a crash is reported
/// once, with the last message, the state as `format_status` shows it, the
/// reason and the caller.
#[test]
fn crash() {
    let (events, caller) = captured(|| async {
        // shutdown_reason: exit({shutdown, reason}); stop_shutdown_reason:
        // {stop, {shutdown, stop_reason}, State}
        for (start, detail) in [
            (Start::Plain, "reason"),
            (Start::State(St::Named("state1".into())), "stop_reason"),
        ] {
            let pid = Suite::start(start).await.unwrap();
            let link = pid.link().unwrap();
            let reason = ExitReason::shutdown_with(detail);
            assert_eq!(
                pid.stop_shutdown_reason(detail).await,
                Err(CallError::Exit(reason.clone()))
            );
            assert_eq!(link.exited().await, reason);
        }
        // exit_shutdown: exit(shutdown); stop_shutdown: {stop, shutdown, State}
        for start in [Start::Plain, Start::State(St::Named("state3".into()))] {
            let pid = Suite::start(start).await.unwrap();
            let link = pid.link().unwrap();
            assert_eq!(
                pid.stop_shutdown().await,
                Err(CallError::Exit(ExitReason::Shutdown))
            );
            assert_eq!(link.exited().await, ExitReason::Shutdown);
        }

        // This one is reported.
        let pid4 = Suite::start(Start::State(St::Named("state4".into())))
            .await
            .unwrap();
        let (caller, result) = crash_from_a_task(&pid4).await;
        let crashed = ExitReason::Panic("crashed".into());
        assert_eq!(result, Err(CallError::Exit(crashed.clone())));
        assert_eq!(pid4.exited().await, Ok(crashed));
        // `receive Any -> ct:fail(..) after 500 -> ok end`
        tokio::time::sleep(ms(500)).await;
        caller
    });
    let reports = reports(&events);
    assert_eq!(
        reports.len(),
        1,
        "one report, for the crash only: {events:?}"
    );
    let report = reports[0];
    assert_eq!(report.level, Level::ERROR);
    assert!(report.field("server").unwrap().ends_with("Suite"));
    assert_eq!(report.field("last_message"), Some("SuiteCall::Crash"));
    assert_eq!(report.field("state"), Some("formatted state4"));
    assert_eq!(report.field("reason"), Some("panicked: crashed"));
    assert_eq!(report.field("caller"), Some(caller.to_string().as_str()));
}

/// `call/1`: calls, a reply given later from the idle timeout, two requests
/// within a given time, call timeouts. (`badreturn` is left out: a
/// handler's return type is checked when it compiles.)
#[tokio::test(start_paused = true)]
async fn call() {
    const NAME: &str = "gen_server_suite.call.my_test_name";
    let pid = Suite::start_with(Start::Plain, named(NAME)).await.unwrap();
    let _link = pid.link().unwrap();

    assert_eq!(by_name(NAME).started_p().await, Ok("ok"));
    assert_eq!(by_name(NAME).delayed_answer(ms(1)).await, Ok("delayed"));

    // two requests within a specified time.
    assert_eq!(by_name(NAME).call_within(ms(1000)).await, Ok("ok"));
    tokio::time::sleep(ms(500)).await;
    assert_eq!(by_name(NAME).next_call().await, Ok(true));
    assert_eq!(by_name(NAME).call_within(ms(1000)).await, Ok("ok"));
    tokio::time::sleep(ms(1500)).await;
    assert_eq!(by_name(NAME).next_call().await, Ok(false));

    // timeout call.
    let within = by_name(NAME)
        .with_timeout(ms(30))
        .delayed_answer(ms(1))
        .await;
    assert_eq!(within, Ok("delayed"));
    let late = by_name(NAME)
        .with_timeout(ms(1))
        .delayed_answer(ms(30))
        .await;
    assert_eq!(late, Err(CallError::Timeout));
}

/// `cast/1`: casts by name, one answered from the idle timeout, one that
/// stops the server (whose `terminate` sees the reason).
#[tokio::test(start_paused = true)]
async fn cast() {
    const NAME: &str = "gen_server_suite.cast.my_test_name";
    let pid = Suite::start_with(Start::Plain, named(NAME)).await.unwrap();
    let (me, mut mailbox) = inbox();
    assert_eq!(by_name(NAME).started_p().await, Ok("ok"));

    by_name(NAME).notify_cast(me.clone());
    expect(&mut mailbox, pid.id(), "handled_cast").await;

    by_name(NAME).delayed_cast(me.clone(), ms(1));
    expect(&mut mailbox, pid.id(), "delayed").await;

    by_name(NAME).cast_stop(me);
    expect(&mut mailbox, pid.id(), "stopped").await;
}

/// A server stuck in a handler, for `cast_fast`.
struct Stuck;

#[gen_server]
impl Stuck {
    /// Says it is in the handler, then never returns.
    #[call]
    async fn hang(&self, entered: oneshot::Sender<()>) {
        let _ = entered.send(());
        std::future::pending::<()>().await;
    }

    #[cast]
    fn poke(&mut self) {}
}

/// `cast_fast/1`: a cast returns at once, whatever its destination. The
/// original casts to a node that cannot be reached; with no nodes, the
/// destinations that cannot take a message now are a server stuck in a
/// handler, a suspended server, a server that has exited and a name nobody
/// holds. The bound is the original's: one second.
#[tokio::test]
async fn cast_fast() {
    let stuck = Stuck::start(Stuck).await.unwrap();
    let busy = stuck.clone();
    let (entered, in_handler) = oneshot::channel();
    let hanging = tokio::spawn(async move { busy.with_timeout(Duration::MAX).hang(entered).await });
    in_handler.await.unwrap();
    let suspended = plain().await;
    sys::suspend(&suspended).await.unwrap();
    let gone = plain().await;
    gone.stop().await.unwrap();

    let begin = Instant::now();
    for _ in 0..1000 {
        stuck.poke();
        suspended.notify_cast(inbox().0);
        gone.notify_cast(inbox().0);
        if let Ok(server) = registry::whereis::<Suite>("gen_server_suite.cast_fast.hopp") {
            server.notify_cast(inbox().0);
        }
    }
    let time = begin.elapsed();
    println!("cast_fast: 4000 casts in {time:?}");
    assert!(time < Duration::from_secs(1), "hanging cast: {time:?}");
    hanging.abort();
}

/// `info/1`: info messages, one answered from the idle timeout, one that
/// stops the server.
#[tokio::test(start_paused = true)]
async fn info() {
    const NAME: &str = "gen_server_suite.info.my_test_name";
    let pid = Suite::start_with(Start::Plain, named(NAME)).await.unwrap();
    let (me, mut mailbox) = inbox();
    assert_eq!(by_name(NAME).started_p().await, Ok("ok"));

    pid.send(Msg::HandleInfo(me.clone()));
    expect(&mut mailbox, pid.id(), "handled_info").await;

    pid.send(Msg::DelayedInfo(me.clone(), ms(1)));
    expect(&mut mailbox, pid.id(), "delayed_info").await;

    pid.send(Msg::Stop(me));
    expect(&mut mailbox, pid.id(), "stopped_info").await;
}

/// A parent that traps exits and starts `Suite` servers linked to it.
struct Parent;

#[gen_server]
impl Parent {
    #[init]
    fn init((): (), ctx: &mut Context<Self>) -> Self {
        ctx.trap_exits(true);
        Parent
    }

    /// `proc_lib:start_link(?MODULE, spec_init_local, [{ok, Name}, []])`:
    /// a child linked to this server, registered under `name`.
    #[call]
    async fn start_child(
        &mut self,
        name: &'static str,
        ctx: &mut Context<Self>,
    ) -> ServerRef<Suite> {
        let child = ctx.start_link::<Suite>(Start::Plain).await.unwrap();
        registry::register(name, &child).unwrap();
        child
    }

    /// `gen_server:start_link(?MODULE, Arg, [])` from this server.
    #[call]
    async fn start_linked(
        &mut self,
        start: Start,
        ctx: &mut Context<Self>,
    ) -> Result<ServerRef<Suite>, StartError> {
        ctx.start_link::<Suite>(start).await
    }

    #[info]
    fn exit(&mut self, _exit: Exit) {}
}

/// `spec_init_local_registered_parent/1` (OTP-4820): `terminate` runs when
/// the server's parent is a registered process. The parent here is a server
/// registered under a name, and the child is started linked to it.
#[tokio::test]
async fn spec_init_local_registered_parent() {
    const PARENT: &str = "gen_server_suite.spec_init_local_registered_parent.foobar";
    const NAME: &str = "gen_server_suite.spec_init_local_registered_parent.my_server";
    let parent = Parent::start_with((), StartOptions::new().name(PARENT))
        .await
        .unwrap();
    let pid = parent.start_child(NAME).await.unwrap();
    let (me, mut mailbox) = inbox();
    by_name(NAME).cast_stop(me);
    expect(&mut mailbox, pid.id(), "stopped").await;
    assert!(parent.is_alive());
    parent.stop().await.unwrap();
}

/// Waits like `is_in_erlang_hibernate/1`: the server has hibernated `n`
/// times, and answers `:sys` meanwhile.
async fn hibernated(server: &ServerRef<Suite>, n: u32) {
    assert_eq!(hibernations(server).await, n, "not hibernated");
}

/// `hibernate/1`: a server hibernates from `init`, a call, a call left
/// unanswered, a cast, a timer message, an idle timeout and an info
/// message, and serves as before after each; `:sys` requests reach it while
/// it hibernates. On the BEAM the test sees the process in
/// `erlang:hibernate/3`; here hibernation frees the mailbox's buffers, which
/// is not visible from outside, so the server counts its hibernations.
#[tokio::test(start_paused = true)]
async fn hibernate() {
    const NAME: &str = "gen_server_suite.hibernate";
    let pid0 = Suite::start_with(Start::Hibernate, named("gen_server_suite.hibernate0"))
        .await
        .unwrap();
    let link0 = pid0.link().unwrap();
    hibernated(&pid0, 1).await;
    assert_eq!(pid0.call_stop().await, Ok("ok"));
    assert_eq!(link0.exited().await, stopped());

    let pid = Suite::start_with(Start::Plain, named(NAME)).await.unwrap();
    let link = pid.link().unwrap();
    assert_eq!(by_name(NAME).started_p().await, Ok("ok"));
    assert_eq!(by_name(NAME).hibernate().await, Ok(true));
    hibernated(&pid, 1).await;

    // Hibernates with a call unanswered; a helper looks at it a second
    // later, then sends `continue`, which answers the call.
    let (go, mut helper_mailbox) = inbox();
    let helper = tokio::spawn({
        let pid = pid.clone();
        async move {
            let (_, what) = helper_mailbox.recv().await.unwrap();
            assert_eq!(what, "go");
            tokio::time::sleep(ms(1000)).await;
            let seen = hibernations(&pid).await;
            pid.send(Msg::Continue);
            seen
        }
    });
    assert_eq!(by_name(NAME).hibernate_noreply(go).await, Ok(true));

    by_name(NAME).hibernate_later();
    hibernated(&pid, 2).await; // not yet
    tokio::time::sleep(ms(1001)).await;
    hibernated(&pid, 3).await;
    assert_eq!(by_name(NAME).started_p().await, Ok("ok"));

    by_name(NAME).hibernate_now();
    hibernated(&pid, 4).await;
    assert_eq!(by_name(NAME).started_p().await, Ok("ok"));

    pid.send(Msg::HibernateLater);
    hibernated(&pid, 4).await; // not yet
    tokio::time::sleep(ms(1001)).await;
    hibernated(&pid, 5).await;
    assert_eq!(by_name(NAME).started_p().await, Ok("ok"));

    pid.send(Msg::HibernateNow);
    hibernated(&pid, 6).await;
    assert_eq!(by_name(NAME).started_p().await, Ok("ok"));
    // The helper saw it hibernating with the call pending.
    assert_eq!(helper.await.unwrap(), 2);

    assert_eq!(by_name(NAME).hibernate().await, Ok(true));
    hibernated(&pid, 7).await;
    sys::suspend(&by_name(NAME)).await.unwrap();
    hibernated(&pid, 7).await;
    sys::resume(&by_name(NAME)).await.unwrap();
    hibernated(&pid, 7).await;
    assert_eq!(by_name(NAME).started_p().await, Ok("ok"));

    assert_eq!(by_name(NAME).call_stop().await, Ok("ok"));
    assert_eq!(link.exited().await, stopped());
}

/// `otp_7669/1`: when `init` returns `ignore` or `{stop, _}`, the name is
/// free again by the time `start` returns. The `{global, Name}` half runs
/// with a via `Registry` in its place.
#[tokio::test]
async fn otp_7669() {
    const NAME: &str = "gen_server_suite.otp_7669";
    let global: Registry<String, Suite> = Registry::new();
    let global_name = || StartOptions::new().via(&global, NAME.to_string());
    for _ in 0..100 {
        for _ in 0..3 {
            let ignored = Suite::start_with(Start::Ignore, named(NAME)).await;
            assert_eq!(ignored.unwrap_err(), StartError::Ignored);
            assert!(registry::whereis_pid(NAME).is_none());
        }
    }
    for _ in 0..100 {
        for _ in 0..2 {
            let ignored = Suite::start_with(Start::Ignore, global_name()).await;
            assert_eq!(ignored.unwrap_err(), StartError::Ignored);
            assert!(global.lookup(NAME).is_none());
        }
    }
    for _ in 0..10 {
        let refused = Suite::start_with(Start::Stop, named(NAME)).await;
        assert_eq!(refused.unwrap_err(), StartError::Init(stopped()));
        assert!(registry::whereis_pid(NAME).is_none());
        let refused = Suite::start_with(Start::Stop, global_name()).await;
        assert_eq!(refused.unwrap_err(), StartError::Init(stopped()));
        assert!(global.lookup(NAME).is_none());
    }
}

/// `call_format_status/1`: `sys:get_status` shows the state through the
/// server's `format_status`, by name and by reference, with and without a
/// timeout. (The `{global, _}` names are skipped: no cluster.)
#[tokio::test]
async fn call_format_status() {
    const NAME: &str = "gen_server_suite.call_format_status";
    let pid = Suite::start_with(Start::Plain, named(NAME)).await.unwrap();
    let status = sys::get_status(&by_name(NAME)).await.unwrap();
    assert_eq!(status.id, pid.id());
    assert_eq!(status.mode, Mode::Running);
    assert_eq!(status.state.as_deref(), Some("formatted []"));
    let status = sys::get_status(&by_name(NAME).handle().with_timeout(ms(5000)))
        .await
        .unwrap();
    assert_eq!(status.id, pid.id());
    assert_eq!(status.state.as_deref(), Some("formatted []"));

    let pid3 = plain().await;
    let status = sys::get_status(&pid3).await.unwrap();
    assert_eq!(status.id, pid3.id());
    assert_eq!(status.mode, Mode::Running);
    assert_eq!(status.state.as_deref(), Some("formatted []"));
}

/// `error_format_status/1`: the crash report shows the state through
/// `format_status`.
#[test]
fn error_format_status() {
    const STATE: &str = "called format_status";
    let (events, caller) = captured(|| async {
        let pid = Suite::start(Start::State(St::Named(STATE.into())))
            .await
            .unwrap();
        let link = pid.link().unwrap();
        let (caller, result) = crash_from_a_task(&pid).await;
        let crashed = ExitReason::Panic("crashed".into());
        assert_eq!(result, Err(CallError::Exit(crashed.clone())));
        assert_eq!(link.exited().await, crashed);
        caller
    });
    let reports = reports(&events);
    assert_eq!(reports.len(), 1, "{events:?}");
    let report = reports[0];
    assert_eq!(report.field("last_message"), Some("SuiteCall::Crash"));
    assert_eq!(
        report.field("state"),
        Some("formatted called format_status")
    );
    assert_eq!(report.field("reason"), Some("panicked: crashed"));
    assert_eq!(report.field("caller"), Some(caller.to_string().as_str()));
}

/// `terminate_crash_format/1`: a `terminate` that crashes replaces the exit
/// reason, and the report shows the state through `format_status`.
#[test]
fn terminate_crash_format() {
    let (events, caller) = captured(|| async {
        let pid = Suite::start(Start::State(St::CrashTerminate))
            .await
            .unwrap();
        let link = pid.link().unwrap();
        let server = pid.clone();
        let (caller, reply) =
            tokio::spawn(async move { (tokio::task::id(), server.call_stop().await) })
                .await
                .unwrap();
        // OTP replies in an `after` clause, so the caller gets its `ok`.
        assert_eq!(reply, Ok("ok"));
        let crashed = ExitReason::Panic("crash terminate".into());
        assert_eq!(link.exited().await, crashed);
        tokio::time::sleep(ms(5000)).await;
        caller
    });
    let reports = reports(&events);
    assert_eq!(reports.len(), 1, "{events:?}");
    let report = reports[0];
    assert_eq!(report.field("last_message"), Some("SuiteCall::CallStop"));
    assert_eq!(report.field("state"), Some("formatted crash_terminate"));
    assert_eq!(report.field("reason"), Some("panicked: crash terminate"));
    assert_eq!(report.field("caller"), Some(caller.to_string().as_str()));
}

/// `get_state/1`: `sys:get_state` by name and by reference, with a
/// timeout, and while suspended.
#[tokio::test]
async fn get_state() {
    const NAME: &str = "gen_server_suite.get_state";
    let state = || St::Named("<0.42.0>".into());
    Suite::start_with(Start::State(state()), named(NAME))
        .await
        .unwrap();
    assert_eq!(
        sys::get_state(&by_name(NAME), state_of).await.unwrap(),
        "<0.42.0>"
    );
    let with_timeout = by_name(NAME).handle().with_timeout(ms(5000));
    assert_eq!(
        sys::get_state(&with_timeout, state_of).await.unwrap(),
        "<0.42.0>"
    );

    let pid = Suite::start(Start::State(state())).await.unwrap();
    assert_eq!(sys::get_state(&pid, state_of).await.unwrap(), "<0.42.0>");
    let with_timeout = pid.handle().with_timeout(ms(5000));
    assert_eq!(
        sys::get_state(&with_timeout, state_of).await.unwrap(),
        "<0.42.0>"
    );
    sys::suspend(&pid).await.unwrap();
    assert_eq!(sys::get_state(&pid, state_of).await.unwrap(), "<0.42.0>");
    sys::resume(&pid).await.unwrap();
}

/// The state `s` with `St::Named(f(name))` in place of its own.
fn renamed(s: &Suite, f: impl FnOnce(String) -> String) -> Suite {
    Suite {
        id: s.id,
        state: St::Named(f(s.state.show())),
        hibernations: s.hibernations,
    }
}

/// `replace_state/1`: `sys:replace_state` by name and by reference, with a
/// timeout; a replacing function that fails leaves the state as it was; it
/// works while suspended. (`sys:replace_state` returns the new state; ours
/// returns `()`, so the test reads it back.)
#[tokio::test]
async fn replace_state() {
    const NAME: &str = "gen_server_suite.replace_state";
    Suite::start_with(Start::State(St::Named("<0.42.0>".into())), named(NAME))
        .await
        .unwrap();
    assert_eq!(
        sys::get_state(&by_name(NAME), state_of).await.unwrap(),
        "<0.42.0>"
    );
    sys::replace_state(&by_name(NAME), |s| renamed(s, |_| "replaced".into()))
        .await
        .unwrap();
    assert_eq!(
        sys::get_state(&by_name(NAME), state_of).await.unwrap(),
        "replaced"
    );

    let pid = Suite::start(Start::State(St::Named("replaced".into())))
        .await
        .unwrap();
    assert_eq!(sys::get_state(&pid, state_of).await.unwrap(), "replaced");
    let with_timeout = pid.handle().with_timeout(ms(5000));
    sys::replace_state(&with_timeout, |s| renamed(s, |name| name + " again"))
        .await
        .unwrap();
    assert_eq!(
        sys::get_state(&with_timeout, state_of).await.unwrap(),
        "replaced again"
    );

    // verify no change in state if replace function crashes
    let failed = sys::replace_state(&pid, |_| panic!("fail")).await;
    assert_eq!(failed, Err(SysError::CallbackFailed("fail".into())));
    assert_eq!(
        sys::get_state(&with_timeout, state_of).await.unwrap(),
        "replaced again"
    );

    // verify state replaced if process sys suspended
    sys::suspend(&pid).await.unwrap();
    sys::replace_state(&pid, |s| renamed(s, |name| name + " and again"))
        .await
        .unwrap();
    sys::resume(&pid).await.unwrap();
    assert_eq!(
        sys::get_state(&with_timeout, state_of).await.unwrap(),
        "replaced again and again"
    );
}

/// `echo_loop/0` of `call_with_huge_message_queue`.
struct Echo;

#[gen_server]
impl Echo {
    #[call]
    fn ultimate_answer(&self, n: u32) -> u32 {
        n
    }
}

/// The caller of `call_with_huge_message_queue`: a server that makes calls
/// from inside a handler, once with an empty mailbox and once with a huge
/// one.
struct Caller {
    noise: u64,
}

#[gen_server]
impl Caller {
    /// Times the calls and says how long they took, waits for `full`,
    /// times them again; returns that time and what the messages queued
    /// meanwhile have added up to so far (nothing: they are still queued).
    #[call]
    async fn measure(
        &mut self,
        echo: ServerRef<Echo>,
        calls: u32,
        empty: oneshot::Sender<Duration>,
        full: oneshot::Receiver<()>,
    ) -> (Duration, u64) {
        let _ = empty.send(best_of_three(&echo, calls).await);
        full.await.unwrap();
        (best_of_three(&echo, calls).await, self.noise)
    }

    /// The messages that fill the mailbox meanwhile.
    #[cast]
    fn msg(&mut self, n: u64) {
        self.noise = self.noise.wrapping_add(n);
    }
}

async fn best_of_three(echo: &ServerRef<Echo>, calls: u32) -> Duration {
    let mut best = Duration::MAX;
    for _ in 0..3 {
        let begin = Instant::now();
        for n in 0..calls {
            let answer = echo.with_timeout(Duration::MAX).ultimate_answer(n).await;
            assert_eq!(answer, Ok(n));
        }
        best = best.min(begin.elapsed());
    }
    best
}

/// `call_with_huge_message_queue/1`: the time of a call does not grow with
/// the caller's mailbox. The caller here is a server in the middle of a
/// handler whose mailbox fills with messages meanwhile; a reply travels on
/// a channel of its own, so the calls take as long as before (the
/// original's bound: less than ten times). Sizes are the original's in
/// release builds, a fifth of them in debug builds.
#[tokio::test]
async fn call_with_huge_message_queue() {
    let (calls, queued) = if cfg!(debug_assertions) {
        (2_000, 100_000)
    } else {
        (10_000, 500_000)
    };
    let echo = Echo::start(Echo).await.unwrap();
    let caller = Caller::start(Caller { noise: 0 }).await.unwrap();
    let (empty_time, empty) = oneshot::channel();
    let (full, filled) = oneshot::channel();
    let measuring = tokio::spawn({
        let caller = caller.clone();
        async move {
            caller
                .with_timeout(Duration::MAX)
                .measure(echo, calls, empty_time, filled)
                .await
        }
    });
    // The caller is in its handler, done with the calls on an empty mailbox.
    let empty = empty.await.unwrap();
    for n in 0..queued {
        caller.msg(n);
    }
    full.send(()).unwrap();
    let (huge, noise) = measuring.await.unwrap().unwrap();
    assert_eq!(noise, 0, "the messages were still queued");
    let all = sys::get_state(&caller, |c| c.noise).await.unwrap();
    assert_eq!(all, queued * (queued - 1) / 2);
    println!(
        "call_with_huge_message_queue: {calls} calls in {empty:?} with an empty mailbox, \
         {huge:?} with {queued} messages queued"
    );
    let ratio = (huge.as_secs_f64() + 1e-6) / (empty.as_secs_f64() + 1e-6);
    assert!(ratio < 10.0, "calls slowed down {ratio:.1} times");
}

/// The requests of `Oc`, the `oc_server` that exports `init/1` only.
enum OcCall {
    CallMsg(ReplyTo<()>),
}

impl Message for OcCall {
    fn name(&self) -> &'static str {
        "CallMsg"
    }

    fn caller(&self) -> Option<tokio::task::Id> {
        let OcCall::CallMsg(reply) = self;
        reply.caller()
    }
}

struct CastMsg;

impl Message for CastMsg {
    fn name(&self) -> &'static str {
        "CastMsg"
    }
}

struct Hej;

impl Message for Hej {
    fn name(&self) -> &'static str {
        "Hej"
    }
}

#[derive(Clone, Debug)]
struct OcClient(Handle<Oc>);

impl Client<Oc> for OcClient {
    fn from_handle(handle: Handle<Oc>) -> Self {
        OcClient(handle)
    }
    fn handle(&self) -> &Handle<Oc> {
        &self.0
    }
}

/// `oc_server`: `init/1` and nothing else; every other callback is the
/// trait's default.
struct Oc;

impl GenServer for Oc {
    type Arg = ();
    type Call = OcCall;
    type Cast = CastMsg;
    type Info = Hej;
    type Client = OcClient;

    async fn init((): (), _ctx: &mut Context<Self>) -> Init<Self> {
        Init::Ok(Oc)
    }
}

impl HandleInfo<Hej> for Oc {
    fn into_info(message: Hej) -> Hej {
        message
    }
}

async fn oc() -> ServerRef<Oc> {
    Oc::start_with((), StartOptions::new()).await.unwrap()
}

/// `undef_handle_call/1`: without `handle_call`, a call crashes the server
/// and the caller gets the reason. (OTP's reason is `undef`; the trait's
/// default raises Elixir's error instead.)
#[tokio::test]
async fn undef_handle_call() {
    let server = oc().await;
    let Err(CallError::Exit(ExitReason::Panic(text))) = server.handle().call(OcCall::CallMsg).await
    else {
        panic!("should crash");
    };
    assert!(
        text.contains("no handle_call/3 clause was provided"),
        "{text}"
    );
    assert!(!server.is_alive());
}

/// `undef_handle_cast/1`: without `handle_cast`, a cast crashes the server.
#[tokio::test]
async fn undef_handle_cast() {
    let server = oc().await;
    let monitor = server.monitor();
    server.handle().cast(CastMsg);
    let ExitReason::Panic(text) = monitor.await.reason else {
        panic!("should crash");
    };
    assert!(
        text.contains("no handle_cast/2 clause was provided"),
        "{text}"
    );
}

/// `undef_handle_info/1`: without `handle_info`, an info message is logged
/// and the server runs on. (OTP logs a warning, Elixir and we an error.)
#[test]
fn undef_handle_info() {
    let (events, ()) = captured(|| async {
        let server = oc().await;
        server.send(Hej);
        // wait_until_processed: a `:sys` request is served after it.
        sys::get_state(&server, |_| ()).await.unwrap();
        assert!(server.is_alive());
    });
    let reports = reports(&events);
    assert_eq!(reports.len(), 1, "{events:?}");
    let text = reports[0].field("message").unwrap();
    assert!(
        text.ends_with("received unexpected message in handle_info/2: Hej"),
        "{text}"
    );
}

/// `undef_terminate1/1`: without `terminate`, `stop` works and the reason
/// is `normal`.
#[tokio::test]
async fn undef_terminate1() {
    let server = oc().await;
    let monitor = server.monitor();
    assert_eq!(server.stop().await, Ok(()));
    assert_eq!(monitor.await.reason, ExitReason::Normal);
}

/// `undef_terminate2/1`: without `terminate`, `stop` with another reason
/// works and the monitor sees that reason.
#[tokio::test]
async fn undef_terminate2() {
    let server = oc().await;
    let monitor = server.monitor();
    let reason = ExitReason::error("test");
    assert_eq!(
        server
            .handle()
            .stop_with_timeout(reason.clone(), Duration::MAX)
            .await,
        Ok(())
    );
    assert_eq!(monitor.await.reason, reason);
}

/// `undef_in_terminate/1`: a `terminate` that fails is not mistaken for a
/// missing one: `stop` fails with its reason.
#[tokio::test]
async fn undef_in_terminate() {
    let server = Suite::start(Start::State(St::CrashTerminate))
        .await
        .unwrap();
    assert_eq!(
        server.stop().await,
        Err(StopError::Exit(ExitReason::Panic("crash terminate".into())))
    );
}

/// `undef_in_handle_info/1`: a `handle_info` that fails is not mistaken for
/// a missing one (which would log and run on): the server crashes with its
/// reason.
#[tokio::test]
async fn undef_in_handle_info() {
    let server = plain().await;
    let monitor = server.monitor();
    server.send(Msg::CallUndefFun);
    assert_eq!(
        monitor.await.reason,
        ExitReason::Panic("undef: gen_server_suite:handle_info/0".into())
    );
}

/// `loop_start_fail/1`: `start` that fails, five times over for each way
/// it can fail, and each time the failed server is gone, and its name
/// free, when `start` returns: `init` takes a name only one server can hold
/// (the original creates a named ETS table). Plain and linked (from a
/// server; `start_monitor` is `start` then `monitor` here). (`{return,
/// 4711}`, a bad return value, is left out: `init`'s return type is checked
/// when it compiles; `{crash, error, _}` and `{crash, exit, _}` are one
/// thing in Rust, a panic.)
#[tokio::test(start_paused = true)]
async fn loop_start_fail() {
    let parent = Parent::start(()).await.unwrap();
    let bailout = StartError::Init(ExitReason::Panic("bailout".into()));
    for linked in [false, true] {
        for (outcome, expected) in [
            (
                Outcome::Stop,
                StartError::Init(ExitReason::error("failed_to_start")),
            ),
            (Outcome::Ignore, StartError::Ignored),
            (Outcome::Crash, bailout.clone()),
        ] {
            for _ in 0..5 {
                let started = if linked {
                    parent.start_linked(Start::Ets(outcome)).await.unwrap()
                } else {
                    Suite::start(Start::Ets(outcome)).await
                };
                assert_eq!(started.unwrap_err(), expected);
                assert!(registry::whereis_pid(ETS).is_none());
            }
        }
    }
    for _ in 0..5 {
        let options = StartOptions::new().timeout(ms(200));
        let started = Suite::start_with(Start::Ets(Outcome::Wait), options).await;
        assert_eq!(started.unwrap_err(), StartError::Timeout);
        assert!(registry::whereis_pid(ETS).is_none());
    }
    assert!(parent.is_alive());
}

/// `send_request/1`: requests sent at once and answered later, in mailbox
/// order, checked before their reply is in, waited for with a timeout that
/// leaves them pending, and to servers that are gone. (The remote-node
/// parts, `{global, _}` and `badreturn` are left out.)
#[tokio::test(start_paused = true)]
async fn send_request() {
    const NAME: &str = "gen_server_suite.send_request.my_test_name";
    let pid = Suite::start_with(Start::Plain, named(NAME)).await.unwrap();
    let _link = pid.link().unwrap();

    let mut request = by_name(NAME).request().started_p();
    assert_eq!(request.wait_response(Duration::MAX).await, Ok("ok"));
    let mut request = pid.request().delayed_answer(ms(1));
    assert_eq!(request.wait_response(Duration::MAX).await, Ok("delayed"));

    // two requests within a specified time.
    let mut promise1 = by_name(NAME).request().call_within(ms(1000));
    let mut promise2 = by_name(NAME).request().next_call();
    assert_eq!(promise1.wait_response(Duration::MAX).await, Ok("ok"));
    assert_eq!(promise2.wait_response(Duration::MAX).await, Ok(true));

    let mut promise3 = by_name(NAME).request().call_within(ms(1000));
    assert_eq!(promise3.check_response(), None);
    let checked = tokio::time::timeout(ms(1000), async {
        loop {
            if let Some(response) = promise3.check_response() {
                break response;
            }
            tokio::time::sleep(ms(1)).await;
        }
    });
    assert_eq!(checked.await, Ok(Ok("ok")));
    tokio::time::sleep(ms(1500)).await;
    let mut request = by_name(NAME).request().next_call();
    assert_eq!(request.wait_response(Duration::MAX).await, Ok(false));

    // timeout
    let mut promise5 = by_name(NAME).request().delayed_answer(ms(50));
    assert_eq!(
        promise5.wait_response(Duration::ZERO).await,
        Err(CallError::Timeout)
    );
    assert_eq!(promise5.wait_response(Duration::MAX).await, Ok("delayed"));

    // other error cases
    assert_eq!(by_name(NAME).call_stop().await, Ok("ok"));
    pid.exited().await.unwrap();
    let mut request = pid.request().started_p();
    assert_eq!(
        request.wait_response(Duration::MAX).await,
        Err(CallError::NoProc)
    );
    let by_gone_name = async {
        registry::whereis::<Suite>(NAME)?
            .request()
            .started_p()
            .await
    };
    assert_eq!(by_gone_name.await, Err(CallError::NoProc));
    let dummy_via: Registry<String, Suite> = Registry::new();
    let by_via = async {
        registry::whereis_via::<Suite, _>(&dummy_via, &"non_existing".to_string())
            .await?
            .request()
            .started_p()
            .await
    };
    assert_eq!(by_via.await, Err(CallError::NoProc));
}

/// Collects what the server says until its `ack`: `read_replies/1`.
async fn read_replies(mailbox: &mut Inbox, from: ServerId) -> Vec<&'static str> {
    let mut replies = Vec::new();
    loop {
        let got = tokio::time::timeout(ms(1000), mailbox.recv()).await;
        let Ok(Some((id, what))) = got else {
            panic!("no ack, after {replies:?}");
        };
        assert_eq!(id, from);
        if what == "ack" {
            return replies;
        }
        replies.push(what);
    }
}

/// `continue/1`: a continuation asked for by `init`, a call (answered
/// before, or by the continuation), a cast and an info message runs before
/// the message the callback sent itself; continuations chain; one can stop
/// the server.
#[tokio::test(start_paused = true)]
async fn r#continue() {
    let (me, mut mailbox) = inbox();
    let pid = Suite::start(Start::Continue(me.clone())).await.unwrap();
    let _link = pid.link().unwrap();
    let both = ["continue", "after_continue"];
    assert_eq!(read_replies(&mut mailbox, pid.id()).await, both);

    assert_eq!(pid.continue_reply(me.clone()).await, Ok("ok"));
    assert_eq!(read_replies(&mut mailbox, pid.id()).await, both);

    assert_eq!(pid.continue_noreply(me.clone()).await, Ok("ok"));
    assert_eq!(read_replies(&mut mailbox, pid.id()).await, both);

    pid.cast_continue_noreply(me.clone());
    assert_eq!(read_replies(&mut mailbox, pid.id()).await, both);

    pid.send(Msg::ContinueNoreply(me.clone()));
    assert_eq!(read_replies(&mut mailbox, pid.id()).await, both);

    pid.send(Msg::ContinueContinue(me.clone()));
    assert_eq!(
        read_replies(&mut mailbox, pid.id()).await,
        ["before_continue", "continue", "after_continue"]
    );

    let monitor = pid.monitor();
    pid.send(Msg::ContinueStop);
    assert_eq!(monitor.await.reason, ExitReason::Normal);
}

/// `handle_event_timeout_plain/1`: a `:sys` request does not cancel an idle
/// timeout (`{noreply, State, T}`), a request does.
#[tokio::test(start_paused = true)]
async fn handle_event_timeout_plain() {
    const T: u64 = 100;
    let pid = plain().await;
    let (me, mut mailbox) = inbox();
    assert_eq!(pid.started_p().await, Ok("ok"));

    // a `:sys` request does not cancel it
    pid.delayed_cast(me.clone(), ms(T));
    sys::get_status(&pid).await.unwrap();
    let got = tokio::time::timeout(ms(T * 2), mailbox.recv()).await;
    assert_eq!(got, Ok(Some((pid.id(), "delayed"))));

    // a request does
    pid.delayed_cast(me, ms(T));
    assert_eq!(pid.started_p().await, Ok("ok"));
    let got = tokio::time::timeout(ms(T * 2), mailbox.recv()).await;
    assert!(got.is_err(), "delayed cast message received: {got:?}");

    assert_eq!(pid.call_stop().await, Ok("ok"));
    pid.exited().await.unwrap();
    assert_eq!(
        pid.with_timeout(ms(1)).started_p().await,
        Err(CallError::NoProc)
    );
}

/// `calling_self/1`: a call to oneself fails at once with `calling_self`,
/// with the default timeout and with `infinity`. (The original calls from
/// the test process; here the caller is a server, since only a server has
/// a mailbox to call.)
#[tokio::test]
async fn calling_self() {
    let pid = plain().await;
    let (default, infinity) = pid.call_self().await.unwrap();
    assert_eq!(default, Err(CallError::CallingSelf));
    assert_eq!(infinity, Err(CallError::CallingSelf));
}

/// `crash_in_format_status/1`: a `format_status` that crashes shows as
/// crashed, in `sys::get_status` and in the report when the server stops
/// abnormally, and the server runs on meanwhile.
#[test]
fn crash_in_format_status() {
    let (events, ()) = captured(|| async {
        let pid = Suite::start(Start::State(St::CrashFormat)).await.unwrap();
        let link = pid.link().unwrap();
        let status = sys::get_status(&pid).await.unwrap();
        let state = status.state.unwrap();
        assert!(state.ends_with("Suite::format_status crashed"), "{state}");
        assert_eq!(pid.call_stop().await, Ok("ok"));
        assert_eq!(link.exited().await, stopped());
    });
    let reports = reports(&events);
    assert_eq!(reports.len(), 1, "{events:?}");
    let report = reports[0];
    assert_eq!(report.field("last_message"), Some("SuiteCall::CallStop"));
    assert_eq!(report.field("reason"), Some("error: stopped"));
    let state = report.field("state").unwrap();
    assert!(state.ends_with("Suite::format_status crashed"), "{state}");
}

/// `format_status_subset/1`: `format_status` shows part of the state, and
/// `sys::get_status` shows that part only.
#[tokio::test]
async fn format_status_subset() {
    let state = St::Secret {
        shown: "sanitized_state".into(),
        hidden: "hunter2".into(),
    };
    let pid = Suite::start(Start::State(state)).await.unwrap();
    let link = pid.link().unwrap();
    let status = sys::get_status(&pid).await.unwrap();
    assert_eq!(status.state.as_deref(), Some("formatted sanitized_state"));
    assert_eq!(pid.call_stop().await, Ok("ok"));
    assert_eq!(link.exited().await, stopped());
}

/// Labelled requests collected together, as `gen_server:reqids_new/0` and
/// `reqids_add/3` keep them: in Rust, a `Vec` of owned requests, whose
/// `wait_response` futures are polled together to take whichever answers
/// first.
struct ReqIds<R> {
    requests: Vec<(&'static str, Request<Suite, R>)>,
}

/// What taking from a [`ReqIds`] gives.
#[derive(Debug, PartialEq)]
enum Next<R> {
    /// `{Response, Label, NewReqIdCollection}`.
    Response(&'static str, Result<R, CallError>),
    /// `no_reply`: nothing answered yet (`check_response`).
    NoReply,
    /// `timeout`.
    Timeout,
    /// `no_request`: the collection is empty.
    NoRequest,
}

impl<R: Send + 'static> ReqIds<R> {
    fn new() -> Self {
        ReqIds {
            requests: Vec::new(),
        }
    }

    /// `reqids_add/3`.
    fn add(&mut self, label: &'static str, request: Request<Suite, R>) {
        self.requests.push((label, request));
    }

    /// `reqids_size/1`.
    fn size(&self) -> usize {
        self.requests.len()
    }

    /// `reqids_to_list/1`, the labels only, sorted.
    fn labels(&self) -> Vec<&'static str> {
        let mut labels: Vec<_> = self.requests.iter().map(|(label, _)| *label).collect();
        labels.sort_unstable();
        labels
    }

    /// `wait_response(ReqIdC, Timeout, true)`: the first answer within
    /// `timeout`, taken out of the collection; on a timeout the requests
    /// stay pending. `receive_response` (`abandon`) gives them up instead.
    async fn next(&mut self, timeout: Duration, abandon: bool) -> Next<R> {
        if self.requests.is_empty() {
            return Next::NoRequest;
        }
        let first = {
            let mut waits: Vec<_> = self
                .requests
                .iter_mut()
                .map(|(_, request)| Box::pin(request.wait_response(Duration::MAX)))
                .collect();
            let any = std::future::poll_fn(|cx| {
                for (n, wait) in waits.iter_mut().enumerate() {
                    if let std::task::Poll::Ready(response) = wait.as_mut().poll(cx) {
                        return std::task::Poll::Ready((n, response));
                    }
                }
                std::task::Poll::Pending
            });
            tokio::time::timeout(timeout, any).await
        };
        if let Ok((n, response)) = first {
            return Next::Response(self.requests.remove(n).0, response);
        }
        if abandon {
            // Given up: dropped, so nothing can answer them any more.
            self.requests.clear();
        }
        Next::Timeout
    }

    /// `check_response(Msg, ReqIdC, true)` on the next message: an answer
    /// already in, taken out of the collection, or `NoReply`.
    fn check(&mut self) -> Next<R> {
        if self.requests.is_empty() {
            return Next::NoRequest;
        }
        for n in 0..self.requests.len() {
            if let Some(response) = self.requests[n].1.check_response() {
                return Next::Response(self.requests.remove(n).0, response);
            }
        }
        Next::NoReply
    }
}

/// Three servers, as the reqids cases start them.
async fn three() -> [ServerRef<Suite>; 3] {
    [plain().await, plain().await, plain().await]
}

fn delayed(label: &'static str) -> Next<&'static str> {
    Next::Response(label, Ok("delayed"))
}

/// `send_request_receive_reqid_collection/1`: answers taken from a
/// collection in the order they come; a timeout gives the rest up; a
/// server that stops answers its request with the reason. `reqids` are a
/// `Vec` here (see `ReqIds`); `{abs, Deadline}` is the time left.
#[tokio::test(start_paused = true)]
async fn send_request_receive_reqid_collection() {
    let [pid1, pid2, pid3] = three().await;

    let outside = pid1.request().started_p();
    let mut collection = ReqIds::new();
    collection.add("req1", pid1.request().delayed_answer(ms(400)));
    assert_eq!(collection.size(), 1);
    collection.add("req2", pid2.request().delayed_answer(ms(1)));
    assert_eq!(collection.size(), 2);
    collection.add("req3", pid3.request().delayed_answer(ms(200)));
    assert_eq!(collection.size(), 3);
    assert_eq!(collection.next(Duration::MAX, true).await, delayed("req2"));
    assert_eq!(collection.size(), 2);
    assert_eq!(collection.next(ms(5678), true).await, delayed("req3"));
    assert_eq!(collection.next(ms(5000), true).await, delayed("req1"));
    assert_eq!(collection.size(), 0);
    assert_eq!(collection.next(ms(5000), true).await, Next::NoRequest);
    assert_eq!(outside.receive_response(Duration::MAX).await, Ok("ok"));

    // timeout: the rest are abandoned
    let outside = pid1.request().started_p();
    let mut collection = ReqIds::new();
    collection.add("req1", pid1.request().delayed_answer(ms(1000)));
    collection.add("req2", pid2.request().delayed_answer(ms(1)));
    collection.add("req3", pid3.request().delayed_answer(ms(500)));
    let deadline = tokio::time::Instant::now() + ms(100);
    let left = || deadline - tokio::time::Instant::now();
    assert_eq!(collection.next(left(), true).await, delayed("req2"));
    assert_eq!(collection.labels(), ["req1", "req3"]);
    assert_eq!(collection.next(left(), true).await, Next::Timeout);
    assert_eq!(collection.next(ms(1000), true).await, Next::NoRequest);
    assert_eq!(outside.receive_response(Duration::MAX).await, Ok("ok"));

    // error: a server that stops answers with its reason
    let outside = pid1.request().started_p();
    let mut collection = ReqIds::new();
    collection.add("req1", pid1.request().delayed_answer(ms(400)));
    collection.add("req2", pid2.request().stop_shutdown());
    collection.add("req3", pid3.request().delayed_answer(ms(200)));
    assert_eq!(collection.size(), 3);
    assert_eq!(
        collection.next(ms(2000), true).await,
        Next::Response("req2", Err(CallError::Exit(ExitReason::Shutdown)))
    );
    assert_eq!(collection.size(), 2);
    assert_eq!(collection.next(Duration::MAX, true).await, delayed("req3"));
    assert_eq!(collection.next(Duration::MAX, true).await, delayed("req1"));
    assert_eq!(outside.receive_response(Duration::MAX).await, Ok("ok"));
}

/// `send_request_wait_reqid_collection/1`: as the receive case, but a
/// timeout leaves the requests pending, and they answer later.
#[tokio::test(start_paused = true)]
async fn send_request_wait_reqid_collection() {
    let [pid1, pid2, pid3] = three().await;

    let mut outside = pid1.request().started_p();
    let mut collection = ReqIds::new();
    collection.add("req1", pid1.request().delayed_answer(ms(400)));
    collection.add("req2", pid2.request().delayed_answer(ms(1)));
    collection.add("req3", pid3.request().delayed_answer(ms(200)));
    assert_eq!(collection.size(), 3);
    assert_eq!(collection.next(Duration::MAX, false).await, delayed("req2"));
    assert_eq!(collection.next(ms(5678), false).await, delayed("req3"));
    assert_eq!(collection.next(ms(5000), false).await, delayed("req1"));
    assert_eq!(collection.next(ms(5000), false).await, Next::NoRequest);
    assert_eq!(outside.wait_response(Duration::MAX).await, Ok("ok"));

    // timeout: the rest stay pending
    let outside = pid1.request().started_p();
    let mut collection = ReqIds::new();
    collection.add("req1", pid1.request().delayed_answer(ms(1000)));
    collection.add("req2", pid2.request().delayed_answer(ms(1)));
    collection.add("req3", pid3.request().delayed_answer(ms(500)));
    let deadline = tokio::time::Instant::now() + ms(100);
    let left = |extra: u64| deadline + ms(extra) - tokio::time::Instant::now();
    assert_eq!(collection.next(left(0), false).await, delayed("req2"));
    assert_eq!(collection.next(left(0), false).await, Next::Timeout);
    assert_eq!(collection.labels(), ["req1", "req3"]);
    assert_eq!(collection.next(left(1500), false).await, delayed("req3"));
    assert_eq!(collection.next(left(1500), false).await, delayed("req1"));
    assert_eq!(outside.receive_response(Duration::MAX).await, Ok("ok"));

    // error
    let mut outside = pid1.request().started_p();
    let mut collection = ReqIds::new();
    collection.add("req1", pid1.request().delayed_answer(ms(400)));
    collection.add("req2", pid2.request().stop_shutdown());
    collection.add("req3", pid3.request().delayed_answer(ms(200)));
    assert_eq!(
        collection.next(ms(2000), false).await,
        Next::Response("req2", Err(CallError::Exit(ExitReason::Shutdown)))
    );
    assert_eq!(collection.size(), 2);
    assert_eq!(collection.next(Duration::MAX, false).await, delayed("req3"));
    assert_eq!(collection.next(Duration::MAX, false).await, delayed("req1"));
    assert_eq!(outside.wait_response(Duration::MAX).await, Ok("ok"));
}

/// `send_request_check_reqid_collection/1`: answers checked for without
/// waiting, each as it comes in (the original checks each message it
/// receives; here the test looks at the times they are due).
#[tokio::test(start_paused = true)]
async fn send_request_check_reqid_collection() {
    let [pid1, pid2, pid3] = three().await;

    let mut outside = pid1.request().started_p();
    tokio::time::sleep(ms(100)).await;
    let mut collection = ReqIds::new();
    collection.add("req1", pid1.request().delayed_answer(ms(400)));
    collection.add("req2", pid2.request().delayed_answer(ms(1)));
    collection.add("req3", pid3.request().delayed_answer(ms(200)));
    assert_eq!(collection.size(), 3);
    // The first message is outside's answer, which is not in the collection.
    assert_eq!(collection.check(), Next::NoReply);
    tokio::time::sleep(ms(2)).await;
    assert_eq!(collection.check(), delayed("req2"));
    assert_eq!(collection.size(), 2);
    tokio::time::sleep(ms(200)).await;
    assert_eq!(collection.check(), delayed("req3"));
    tokio::time::sleep(ms(200)).await;
    assert_eq!(collection.check(), delayed("req1"));
    assert_eq!(collection.check(), Next::NoRequest);
    assert_eq!(outside.check_response(), Some(Ok("ok")));

    // error
    let mut outside = pid1.request().started_p();
    tokio::time::sleep(ms(100)).await;
    let mut collection = ReqIds::new();
    collection.add("req1", pid1.request().delayed_answer(ms(400)));
    collection.add("req2", pid2.request().stop_shutdown());
    collection.add("req3", pid3.request().delayed_answer(ms(200)));
    assert_eq!(collection.check(), Next::NoReply);
    tokio::time::sleep(ms(1)).await;
    assert_eq!(
        collection.check(),
        Next::Response("req2", Err(CallError::Exit(ExitReason::Shutdown)))
    );
    tokio::time::sleep(ms(200)).await;
    assert_eq!(collection.check(), delayed("req3"));
    tokio::time::sleep(ms(200)).await;
    assert_eq!(collection.check(), delayed("req1"));
    assert_eq!(outside.check_response(), Some(Ok("ok")));
}
