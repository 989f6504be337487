//! `:sys`: reading and replacing the state, suspend and resume, statistics,
//! trace, get_status and format_status, and the errors of each.

use std::time::Duration;

use genserver::IdleTimeout;
use genserver::prelude::*;
use genserver::sys::{self, Mode, SysError};
use genserver_tests::capture::{Capture, Captured};
use tracing::Level;

#[derive(Debug, Clone, PartialEq)]
struct Counter {
    count: u64,
    log: Vec<u64>,
}

#[gen_server]
impl Counter {
    #[cast]
    fn add(&mut self, n: u64) {
        self.count += n;
        self.log.push(n);
    }

    #[call]
    fn get(&self) -> u64 {
        self.count
    }

    #[call]
    fn log(&self) -> Vec<u64> {
        self.log.clone()
    }

    /// Busy for `ms` milliseconds (an awaiting handler).
    #[call]
    async fn nap(&self, ms: u64) {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }

    /// Asks `:sys` about itself: refused, it would wait for itself.
    #[call]
    async fn ask_self(&self, ctx: &mut Context<Self>) -> Result<u64, SysError> {
        let me = ctx.server_ref();
        sys::get_state(&me, |state| state.count).await
    }

    #[call]
    fn crash(&self) {
        panic!("counter crashed");
    }

    /// Never returns: the server is busy until it is stopped.
    #[call]
    async fn hang(&self) {
        std::future::pending::<()>().await;
    }
}

fn counter() -> Counter {
    Counter {
        count: 0,
        log: Vec::new(),
    }
}

#[tokio::test]
async fn get_state_runs_a_closure_on_the_state() {
    let server = Counter::start(counter()).await.unwrap();
    server.add(2);
    server.add(3);
    assert_eq!(sys::get_state(&server, |s| s.count).await, Ok(5));
    let whole = sys::get_state(&server, Counter::clone).await.unwrap();
    assert_eq!(whole.log, vec![2, 3]);
    assert_eq!(
        sys::get_state_debug(&server).await.unwrap(),
        "Counter { count: 5, log: [2, 3] }"
    );
}

#[tokio::test]
async fn a_panicking_get_state_closure_is_an_error_and_the_server_runs_on() {
    let server = Counter::start(counter()).await.unwrap();
    let outcome = sys::get_state(&server, |_| -> u64 { panic!("peeked too hard") }).await;
    assert_eq!(
        outcome,
        Err(SysError::CallbackFailed("peeked too hard".into()))
    );
    server.add(1);
    assert_eq!(server.get().await, Ok(1));
}

#[tokio::test]
async fn replace_state_swaps_in_what_the_closure_builds() {
    let server = Counter::start(counter()).await.unwrap();
    server.add(4);
    sys::replace_state(&server, |s| Counter {
        count: s.count * 10,
        ..s.clone()
    })
    .await
    .unwrap();
    assert_eq!(server.get().await, Ok(40));
    assert_eq!(server.log().await, Ok(vec![4]));
}

#[tokio::test]
async fn a_panicking_replace_state_leaves_the_state_unchanged() {
    let server = Counter::start(counter()).await.unwrap();
    server.add(7);
    let outcome = sys::replace_state(&server, |_| panic!("no new state")).await;
    assert_eq!(
        outcome,
        Err(SysError::CallbackFailed("no new state".into()))
    );
    assert!(server.is_alive());
    assert_eq!(server.get().await, Ok(7));
    assert_eq!(server.log().await, Ok(vec![7]));
}

#[tokio::test(start_paused = true)]
async fn a_suspended_server_answers_sys_but_holds_calls_until_resumed() {
    let server = Counter::start(counter()).await.unwrap();
    sys::suspend(&server).await.unwrap();
    server.add(1);
    server.add(2);
    // A call made while suspended waits; this one gives up.
    assert_eq!(
        server.with_timeout(Duration::from_millis(50)).get().await,
        Err(CallError::Timeout)
    );
    // One made now is answered after resume, after what came before it.
    let pending = tokio::spawn({
        let server = server.clone();
        async move { server.log().await }
    });
    tokio::task::yield_now().await;
    server.add(3);
    // `:sys` works meanwhile: the casts are not handled yet.
    assert_eq!(sys::get_state(&server, |s| s.count).await, Ok(0));
    sys::replace_state(&server, |s| Counter {
        count: 100,
        ..s.clone()
    })
    .await
    .unwrap();
    assert_eq!(
        sys::get_status(&server).await.unwrap().mode,
        Mode::Suspended
    );
    assert!(!pending.is_finished());
    sys::resume(&server).await.unwrap();
    assert_eq!(pending.await.unwrap(), Ok(vec![1, 2]));
    assert_eq!(server.get().await, Ok(106));
    assert_eq!(server.log().await, Ok(vec![1, 2, 3]));
    assert_eq!(sys::get_status(&server).await.unwrap().mode, Mode::Running);
    // Resuming a running server does nothing.
    sys::resume(&server).await.unwrap();
    assert_eq!(server.get().await, Ok(106));
}

#[tokio::test]
async fn stop_is_served_while_suspended() {
    let server = Counter::start(counter()).await.unwrap();
    sys::suspend(&server).await.unwrap();
    let call = tokio::spawn({
        let server = server.clone();
        async move { server.get().await }
    });
    tokio::task::yield_now().await;
    server.stop().await.unwrap();
    assert!(matches!(
        call.await.unwrap(),
        Err(CallError::Exit(ExitReason::Normal))
    ));
    assert_eq!(
        sys::get_state(&server, |s| s.count).await,
        Err(SysError::NoProc)
    );
}

#[tokio::test(start_paused = true)]
async fn statistics_count_messages_in_since_switched_on() {
    let server = Counter::start(counter()).await.unwrap();
    assert_eq!(sys::get_statistics(&server).await, Ok(None));
    server.add(1);
    sys::statistics(&server, true).await.unwrap();
    server.add(1);
    server.add(1);
    assert_eq!(server.get().await, Ok(3));
    tokio::time::advance(Duration::from_secs(2)).await;
    let stats = sys::get_statistics(&server).await.unwrap().unwrap();
    // Two casts and a call; `:sys` requests are not counted.
    assert_eq!(stats.messages_in, 3);
    assert_eq!(stats.elapsed, Duration::from_secs(2));
    assert!(stats.current_time >= stats.start_time);
    assert!(sys::get_status(&server).await.unwrap().statistics);
    // What arrives while suspended counts too.
    sys::suspend(&server).await.unwrap();
    server.add(1);
    sys::resume(&server).await.unwrap();
    let stats = sys::get_statistics(&server).await.unwrap().unwrap();
    assert_eq!(stats.messages_in, 4);
    sys::statistics(&server, false).await.unwrap();
    assert_eq!(sys::get_statistics(&server).await, Ok(None));
    sys::statistics(&server, true).await.unwrap();
    sys::no_debug(&server).await.unwrap();
    assert_eq!(sys::get_statistics(&server).await, Ok(None));
}

#[tokio::test]
async fn a_dead_server_is_noproc() {
    let server = Counter::start(counter()).await.unwrap();
    server.stop().await.unwrap();
    assert_eq!(sys::suspend(&server).await, Err(SysError::NoProc));
    assert_eq!(
        sys::get_status(&server).await.map(|_| ()),
        Err(SysError::NoProc)
    );
    assert_eq!(sys::trace(&server, true).await, Err(SysError::NoProc));
}

#[tokio::test]
async fn a_server_asking_sys_about_itself_is_refused() {
    let server = Counter::start(counter()).await.unwrap();
    assert_eq!(server.ask_self().await, Ok(Err(SysError::CallingSelf)));
}

#[test]
fn a_busy_server_times_out_and_a_crash_is_the_answer() {
    // Captured: every test that crashes a server logs into a subscriber, as
    // tracing caches per call site whether anyone listens.
    captured_paused(|| async {
        let server = Counter::start(counter()).await.unwrap();
        let napping = tokio::spawn({
            let server = server.clone();
            async move { server.with_timeout(Duration::MAX).nap(1_000).await }
        });
        tokio::task::yield_now().await;
        // The handle's own timeout applies.
        let short = server.handle().with_timeout(Duration::from_millis(100));
        assert_eq!(
            sys::get_state(&short, |s| s.count).await,
            Err(SysError::Timeout)
        );
        // A request queued behind a crash gets the crash's reason.
        let crash = tokio::spawn({
            let server = server.clone();
            async move { server.crash().await }
        });
        tokio::task::yield_now().await;
        let outcome = sys::get_state(&server, |s| s.count).await;
        assert!(
            matches!(&outcome, Err(SysError::Exit(ExitReason::Panic(message))) if &**message == "counter crashed"),
            "{outcome:?}"
        );
        napping.await.unwrap().unwrap();
        assert!(crash.await.unwrap().is_err());
    });
}

/// A server that shows a redacted view of its state.
struct Vault {
    secrets: Vec<String>,
    idle_fired: bool,
}

#[gen_server]
impl Vault {
    #[cast]
    fn store(&mut self, secret: String) {
        self.secrets.push(secret);
    }

    #[call]
    fn count(&self) -> usize {
        self.secrets.len()
    }

    #[call]
    fn open(&self) {
        panic!("vault breached");
    }

    #[cast]
    fn doze(&mut self, ms: u64, ctx: &mut Context<Self>) {
        ctx.idle_timeout(Duration::from_millis(ms));
    }

    #[info]
    fn idle(&mut self, _timeout: IdleTimeout) {
        self.idle_fired = true;
    }

    /// Named as the trait method it fills: the inherent one is called.
    #[format_status]
    fn format_status(&self) -> String {
        format!("Vault {{ {} secrets }}", self.secrets.len())
    }
}

/// A server whose view panics.
struct Touchy;

#[gen_server]
impl Touchy {
    #[call]
    fn explode(&self) {
        panic!("touched");
    }

    #[format_status]
    fn status(&self) -> Option<String> {
        panic!("do not look at me")
    }
}

fn vault() -> Vault {
    Vault {
        secrets: Vec::new(),
        idle_fired: false,
    }
}

#[tokio::test]
async fn get_status_shows_identity_mode_and_the_format_status_view() {
    let server = Counter::start(counter()).await.unwrap();
    let status = sys::get_status(&server).await.unwrap();
    assert_eq!(status.id, server.id());
    assert!(status.type_name.ends_with("Counter"));
    assert_eq!(status.mode, Mode::Running);
    assert!(!status.trace && !status.statistics);
    // No `#[format_status]`: the state is not shown.
    assert_eq!(status.state, None);

    let vault = Vault::start(vault()).await.unwrap();
    vault.store("hunter2".into());
    let status = sys::get_status(&vault).await.unwrap();
    assert_eq!(status.state.as_deref(), Some("Vault { 1 secrets }"));

    let touchy = Touchy::start(Touchy).await.unwrap();
    let status = sys::get_status(&touchy).await.unwrap();
    let state = status.state.unwrap();
    assert!(state.ends_with("Touchy::format_status crashed"), "{state}");
    assert!(touchy.is_alive());
}

#[tokio::test(start_paused = true)]
async fn sys_requests_do_not_cancel_an_idle_timeout() {
    let server = Vault::start(vault()).await.unwrap();
    server.doze(100);
    tokio::time::sleep(Duration::from_millis(60)).await;
    sys::get_status(&server).await.unwrap();
    sys::suspend(&server).await.unwrap();
    sys::resume(&server).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(sys::get_state(&server, |s| s.idle_fired).await, Ok(true));
}

#[tokio::test(start_paused = true)]
async fn a_sys_request_already_waiting_does_not_cancel_an_idle_timeout() {
    // The request is queued before the server handles the cast that sets
    // the timeout: it restarts the countdown, as one that comes during it
    // does (OTP's loop keeps its timeout across system messages).
    let server = Vault::start(vault()).await.unwrap();
    server.doze(100);
    assert_eq!(sys::get_state(&server, |s| s.idle_fired).await, Ok(false));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(sys::get_state(&server, |s| s.idle_fired).await, Ok(true));
}

/// Runs `test` on a current-thread runtime with `Capture` as the subscriber,
/// so the server's task logs into it too.
fn captured<F: std::future::Future<Output = ()>>(test: impl FnOnce() -> F) -> Vec<Captured> {
    capture(false, test)
}

/// [`captured`] on a paused clock.
fn captured_paused<F: std::future::Future<Output = ()>>(test: impl FnOnce() -> F) -> Vec<Captured> {
    capture(true, test)
}

fn capture<F: std::future::Future<Output = ()>>(
    paused: bool,
    test: impl FnOnce() -> F,
) -> Vec<Captured> {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(paused)
        .build()
        .unwrap()
        .block_on(test());
    capture.0.lock().unwrap().clone()
}

fn messages(events: &[Captured]) -> Vec<String> {
    events
        .iter()
        .filter_map(|event| event.field("message"))
        .filter(|message| message.starts_with("*DBG*"))
        .map(|message| message.split_once(' ').unwrap().1.to_string())
        .map(|rest| rest.split_once(' ').unwrap().1.to_string())
        .collect()
}

#[test]
fn trace_logs_each_message_reply_and_new_state_until_switched_off() {
    let events = captured(|| async {
        let server = Vault::start(vault()).await.unwrap();
        server.store("a".into());
        assert_eq!(server.count().await, Ok(1));
        sys::trace(&server, true).await.unwrap();
        assert!(sys::get_status(&server).await.unwrap().trace);
        server.store("b".into());
        assert_eq!(server.count().await, Ok(2));
        sys::trace(&server, false).await.unwrap();
        server.store("c".into());
        assert_eq!(server.count().await, Ok(3));
    });
    assert_eq!(
        messages(&events),
        [
            "got cast VaultCast::Store",
            "new state Vault { 2 secrets }",
            "got call VaultCall::Count",
            "sent reply (usize) to caller",
            "new state Vault { 2 secrets }",
        ]
    );
    assert!(
        events
            .iter()
            .filter(|event| event
                .field("message")
                .is_some_and(|m| m.starts_with("*DBG*")))
            .all(|event| event.level == Level::INFO)
    );
}

#[test]
fn a_crash_report_shows_the_format_status_view() {
    let events = captured(|| async {
        let server = Vault::start(vault()).await.unwrap();
        server.store("hunter2".into());
        assert!(server.open().await.is_err());
        // A plain server's report shows no state.
        let plain = Counter::start(counter()).await.unwrap();
        assert!(plain.crash().await.is_err());
        // A view that panics leaks nothing.
        let touchy = Touchy::start(Touchy).await.unwrap();
        assert!(touchy.explode().await.is_err());
    });
    let reports: Vec<&Captured> = events
        .iter()
        .filter(|event| event.level == Level::ERROR)
        .collect();
    assert_eq!(reports.len(), 3, "{events:?}");
    assert_eq!(reports[0].field("state"), Some("Vault { 1 secrets }"));
    let message = reports[0].field("message").unwrap();
    assert!(
        // (A backtrace follows it when `RUST_BACKTRACE` asks for one.)
        message.contains("; state: Vault { 1 secrets }"),
        "{message}"
    );
    assert!(!message.contains("hunter2"));
    assert_eq!(reports[1].field("state"), None);
    assert!(
        reports[2]
            .field("state")
            .unwrap()
            .ends_with("Touchy::format_status crashed")
    );
}

/// A request and a timed-out request to `server`, which is then left busy.
async fn ask_then_time_out(
    server: &ServerRef<Counter>,
) -> (Result<u64, SysError>, Result<u64, SysError>) {
    server.add(2);
    let answered = sys::get_state(server, |state| state.count).await;
    let short = Duration::from_millis(20);
    let _ = server.with_timeout(short).hang().await;
    let timed_out = sys::get_state(&server.handle().with_timeout(short), |state| state.count).await;
    (answered, timed_out)
}

#[test]
fn sys_requests_from_a_plain_thread() {
    // Outside tokio: the timeout is kept by `block_on` (no tokio timer).
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let server = rt.block_on(Counter::start(counter())).unwrap();
    let out = std::thread::spawn(move || {
        genserver::block_on(async move {
            let out = ask_then_time_out(&server).await;
            drop(server);
            out
        })
    })
    .join()
    .unwrap();
    assert_eq!(out, Ok((Ok(2), Err(SysError::Timeout))));
}

#[test]
fn sys_requests_on_a_runtime_without_the_time_driver() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let out = rt.block_on(async {
        let server = Counter::start(counter()).await.unwrap();
        ask_then_time_out(&server).await
    });
    assert_eq!(out, (Ok(2), Err(SysError::Timeout)));
}
