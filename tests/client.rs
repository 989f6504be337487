//! Clients outside tokio and in sync code (`block_on`, `blocking_call`, a
//! foreign executor), requests sent now and collected later
//! (`send_request` and friends), and errors that compose (`Error`,
//! `FlattenErr`).

use std::collections::HashMap;
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use genserver::prelude::*;
use genserver::{BlockingError, Client, FlattenErr, block_on};

#[derive(Default)]
struct Kv {
    map: HashMap<String, u64>,
    held: Vec<ReplyTo<u64>>,
}

#[gen_server]
impl Kv {
    /// Stores `value` under `key`.
    #[cast]
    fn put(&mut self, key: String, value: u64) {
        self.map.insert(key, value);
    }

    /// The value under `key`.
    #[call]
    fn get(&self, key: String) -> Option<u64> {
        self.map.get(&key).copied()
    }

    /// Answered only by `release`.
    #[call]
    fn hold(&mut self, reply: ReplyTo<u64>) {
        self.held.push(reply);
    }

    /// Answers every held call with `value`.
    #[cast]
    fn release(&mut self, value: u64) {
        for reply in self.held.drain(..) {
            reply.send(value);
        }
    }

    /// Whether the held calls' callers have gone.
    #[call]
    fn held_closed(&self) -> Vec<bool> {
        self.held.iter().map(ReplyTo::is_closed).collect()
    }

    /// Replies after a sleep: never ready at the first poll.
    #[call]
    async fn slow(&self, ms: u64) -> u64 {
        tokio::time::sleep(Duration::from_millis(ms)).await;
        ms
    }

    /// Crashes the server.
    #[cast]
    fn crash(&mut self) {
        panic!("boom");
    }

    /// Drops the held calls unanswered and keeps serving.
    #[cast]
    fn forget(&mut self) {
        self.held.clear();
    }
}

/// A tiny executor of its own: polls on the calling thread, parks between
/// polls, and knows nothing of tokio.
fn run_here<F: Future>(future: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        std::thread::park();
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

/// On a thread of its own, outside the runtime.
fn off_runtime<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::spawn(f).join().unwrap()
}

#[test]
fn a_foreign_executor_calls_casts_stops_and_waits() {
    let rt = runtime();
    let kv = rt.block_on(Kv::start(Kv::default())).unwrap();
    let out = off_runtime(move || {
        kv.put("a".into(), 1);
        let a = run_here(kv.get("a".into()));
        // Not ready at the first polls: the slow path, without tokio's timer.
        let slow = run_here(kv.slow(20));
        let short = run_here(kv.with_timeout(Duration::from_millis(20)).hold());
        let stopped = run_here(kv.stop());
        let exited = run_here(kv.exited());
        let after = run_here(kv.get("a".into()));
        (a, slow, short, stopped, exited, after)
    });
    assert_eq!(out.0, Ok(Some(1)));
    assert_eq!(out.1, Ok(20));
    assert_eq!(out.2, Err(CallError::Timeout));
    assert_eq!(out.3, Ok(()));
    assert_eq!(out.4, Ok(ExitReason::Normal));
    assert_eq!(out.5, Err(CallError::NoProc));
}

#[test]
fn a_foreign_executor_learns_of_a_crash_at_once() {
    let rt = runtime();
    let kv = rt.block_on(Kv::start(Kv::default())).unwrap();
    let caller = kv.clone();
    let waiting = std::thread::spawn(move || run_here(caller.with_timeout(Duration::MAX).hold()));
    // Crash once the hold is in: a call behind it orders the two.
    while rt.block_on(kv.held_closed()).map(|h| h.len()) != Ok(1) {
        std::thread::yield_now();
    }
    kv.crash();
    assert_eq!(
        waiting.join().unwrap(),
        Err(CallError::Exit(ExitReason::Panic("boom".into())))
    );
}

#[test]
fn blocking_twins_from_a_plain_thread() {
    let rt = runtime();
    let kv = rt.block_on(Kv::start(Kv::default())).unwrap();
    let out = off_runtime(move || {
        kv.put("a".into(), 1);
        let typed = block_on(kv.get("a".into()));
        let untyped = kv.handle().blocking_call(|reply| KvCall::Get {
            key: "a".into(),
            reply,
        });
        let flat: Result<u64, CallError> = block_on(kv.slow(5)).flatten_err();
        let timed_out = kv
            .with_timeout(Duration::from_millis(10))
            .handle()
            .blocking_call(|reply| KvCall::Hold { reply });
        let stopped = block_on(kv.stop());
        (typed, untyped, flat, timed_out, stopped)
    });
    assert_eq!(out.0, Ok(Ok(Some(1))));
    assert_eq!(out.1, Ok(Some(1)));
    assert_eq!(out.2, Ok(5));
    assert_eq!(out.3, Err(CallError::Timeout));
    assert_eq!(out.4, Ok(Ok(())));
}

#[tokio::test]
async fn blocking_twins_refuse_inside_a_runtime() {
    let kv = Kv::start(Kv::default()).await.unwrap();
    assert_eq!(block_on(kv.get("a".into())), Err(BlockingError::InRuntime));
    assert_eq!(
        kv.handle().blocking_call(|reply| KvCall::Hold { reply }),
        Err(CallError::InRuntime)
    );
    // Nothing was sent: no call is held.
    assert_eq!(kv.held_closed().await, Ok(vec![]));
}

#[tokio::test]
async fn a_request_is_sent_at_once() {
    let kv = Kv::start(Kv::default()).await.unwrap();
    kv.put("k".into(), 1);
    // The plain call future is lazy: sent when first polled, after the put.
    let lazy = kv.get("k".into());
    kv.put("k".into(), 2);
    assert_eq!(lazy.await, Ok(Some(2)));
    // A request is in the mailbox before the put that follows it.
    let request = kv.handle().send_request(|reply| KvCall::Get {
        key: "k".into(),
        reply,
    });
    kv.put("k".into(), 3);
    assert_eq!(request.await, Ok(Some(2)));
    assert_eq!(kv.get("k".into()).await, Ok(Some(3)));
    // The typed form, generated per call handler.
    let typed = kv.request().get("k".into());
    kv.put("k".into(), 4);
    assert_eq!(
        typed.receive_response(Duration::from_secs(1)).await,
        Ok(Some(3))
    );
    let mut held = kv.request().hold();
    assert_eq!(held.check_response(), None);
    kv.release(9);
    assert_eq!(held.wait_response(Duration::from_secs(1)).await, Ok(9));
}

#[test]
fn a_request_from_a_plain_thread() {
    let rt = runtime();
    let kv = rt.block_on(Kv::start(Kv::default())).unwrap();
    let out = off_runtime(move || {
        let mut request = kv.request().hold();
        let first = block_on(request.wait_response(Duration::from_millis(10)));
        kv.release(3);
        let second = block_on(request.wait_response(Duration::from_secs(5)));
        (first, second)
    });
    assert_eq!(out, (Ok(Err(CallError::Timeout)), Ok(Ok(3))));
}

#[tokio::test(start_paused = true)]
async fn wait_response_can_wait_again_and_receive_response_abandons() {
    let kv = Kv::start(Kv::default()).await.unwrap();
    let mut request = kv.handle().send_request(|reply| KvCall::Hold { reply });
    assert_eq!(request.check_response(), None);
    assert_eq!(
        request.wait_response(Duration::from_millis(10)).await,
        Err(CallError::Timeout)
    );
    // Still pending: the caller is still there, and a second wait gets it.
    assert_eq!(kv.held_closed().await, Ok(vec![false]));
    kv.release(7);
    assert_eq!(request.wait_response(Duration::from_secs(1)).await, Ok(7));
    // Spent.
    assert_eq!(request.check_response(), Some(Err(CallError::NoProc)));

    let request = kv.handle().send_request(|reply| KvCall::Hold { reply });
    assert_eq!(
        request.receive_response(Duration::from_millis(10)).await,
        Err(CallError::Timeout)
    );
    // Abandoned: the server sees its caller gone.
    assert_eq!(kv.held_closed().await, Ok(vec![true]));
}

#[tokio::test]
async fn check_response_polls_without_waiting() {
    let kv = Kv::start(Kv::default()).await.unwrap();
    let mut request = kv.handle().send_request(|reply| KvCall::Hold { reply });
    assert_eq!(request.check_response(), None);
    kv.release(5);
    // A call behind the release: once it returns, the reply was sent.
    kv.held_closed().await.unwrap();
    assert_eq!(request.check_response(), Some(Ok(5)));
}

#[tokio::test]
async fn a_request_to_a_dead_server_fails_through_its_response() {
    let kv = Kv::start(Kv::default()).await.unwrap();
    let mut held = kv.handle().send_request(|reply| KvCall::Hold { reply });
    let mut forgotten = kv.handle().send_request(|reply| KvCall::Hold { reply });
    kv.held_closed().await.unwrap();
    // Dropped unanswered, the server alive: no answer yet, as in Elixir.
    kv.forget();
    kv.held_closed().await.unwrap();
    assert_eq!(forgotten.check_response(), None);
    kv.crash();
    let reason = ExitReason::Panic("boom".into());
    assert_eq!(
        held.wait_response(Duration::MAX).await,
        Err(CallError::Exit(reason.clone()))
    );
    assert_eq!(
        forgotten.check_response(),
        Some(Err(CallError::Exit(reason)))
    );
    let late = kv.handle().send_request(|reply| KvCall::Get {
        key: "k".into(),
        reply,
    });
    assert_eq!(late.await, Err(CallError::NoProc));
}

#[tokio::test]
async fn errors_compose_with_question_marks() {
    async fn start_call_stop() -> Result<Option<u64>, genserver::Error> {
        let kv = Kv::start(Kv::default()).await?;
        kv.put("a".into(), 1);
        let value = kv.get("a".into()).await?;
        kv.stop().await?;
        kv.get("a".into()).await?;
        Ok(value)
    }
    let error = start_call_stop().await.unwrap_err();
    assert_eq!(error, genserver::Error::Call(CallError::NoProc));
    assert_eq!(error.to_string(), CallError::NoProc.to_string());

    // The source of an exit with an error is that error.
    let error = genserver::Error::from(CallError::Exit(ExitReason::error("disk full")));
    let source = std::error::Error::source(&error).unwrap();
    assert_eq!(source.to_string(), "disk full");
}

#[test]
fn a_plain_thread_calls_a_server_on_a_current_thread_runtime() {
    // The runtime's one thread serves while it waits for the server's exit.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let kv = rt.block_on(Kv::start(Kv::default())).unwrap();
    let client = kv.clone();
    let caller = std::thread::spawn(move || {
        client.put("a".into(), 1);
        let a = run_here(client.get("a".into()));
        let slow = block_on(client.slow(5));
        let stopped = block_on(client.stop());
        (a, slow, stopped)
    });
    let exited = rt.block_on(kv.exited());
    assert_eq!(exited, Ok(ExitReason::Normal));
    let (a, slow, stopped) = caller.join().unwrap();
    assert_eq!(a, Ok(Some(1)));
    assert_eq!(slow, Ok(Ok(5)));
    assert_eq!(stopped, Ok(Ok(())));
}

/// Sends requests to itself and collects the replies later.
#[derive(Default)]
struct Loopback {
    pending: Option<genserver::Request<Loopback, u64>>,
}

#[gen_server]
impl Loopback {
    /// Doubles `n`.
    #[call]
    fn double(&self, n: u64) -> u64 {
        n * 2
    }

    /// Sends itself a request, and says whether waiting for it here fails.
    #[call]
    async fn ask_self(&mut self, n: u64, ctx: &mut genserver::Context<Self>) -> bool {
        let mut request = ctx.server_ref().request().double(n);
        let refused =
            request.wait_response(Duration::from_secs(1)).await == Err(CallError::CallingSelf);
        self.pending = Some(request);
        refused
    }

    /// The reply to the request sent by `ask_self`, if it has come.
    #[call]
    fn collect(&mut self) -> Option<Result<u64, CallError>> {
        self.pending.as_mut()?.check_response()
    }
}

#[tokio::test]
async fn a_server_collects_its_own_request_later() {
    let server = Loopback::start(Loopback::default()).await.unwrap();
    assert_eq!(server.ask_self(21).await, Ok(true));
    // The request was handled after `ask_self`, before `collect`.
    assert_eq!(server.collect().await, Ok(Some(Ok(42))));
}
