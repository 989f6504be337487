//! Backpressure: the opt-in bounded mailbox (`#[gen_server(mailbox = N)]`,
//! `StartOptions::mailbox`), each `when_full` policy for casts, calls that
//! wait for room within their timeout, waiters told when the server exits,
//! what bypasses the bound, order, a producer ten times faster than its
//! consumer staying within the bound, and blocking calls from a thread
//! outside tokio into a full mailbox.
//!
//! The servers block in a handler on a gate the test opens, so the mailbox
//! fills deterministically; time-based tests run on tokio's paused clock.

use std::future::Future;
use std::pin::Pin;
use std::task::Context as TaskContext;
use std::time::Duration;

use genserver::prelude::*;
use genserver::{CastError, Handle, sys};
use tokio::sync::oneshot;

/// How many calls and casts the servers' mailboxes hold.
const BOUND: usize = 4;

/// Polls a future once: whether it is still pending.
fn pending<F: Future + Unpin>(future: &mut F) -> bool {
    let mut cx = TaskContext::from_waker(std::task::Waker::noop());
    Pin::new(future).poll(&mut cx).is_pending()
}

/// A waiting cast that owns its reference, to be spawned.
fn push_owned(
    server: &ServerRef<Waiting>,
    item: u64,
) -> Pin<Box<dyn Future<Output = Result<(), CastError>> + Send>> {
    let server = server.clone();
    Box::pin(async move { server.push(item).await })
}

/// A gate: the server tells the test it is blocked, then waits until the
/// test opens the gate.
struct Gate {
    blocked: oneshot::Receiver<()>,
    open: oneshot::Sender<()>,
}

fn gate() -> (Gate, oneshot::Sender<()>, oneshot::Receiver<()>) {
    let (blocked_tx, blocked) = oneshot::channel();
    let (open, open_rx) = oneshot::channel();
    (Gate { blocked, open }, blocked_tx, open_rx)
}

// ---------------------------------------------------------------- wait

/// Casts wait for room (the default with `mailbox`).
struct Waiting {
    seen: Vec<u64>,
}

#[gen_server(mailbox = 4)]
impl Waiting {
    #[cast]
    async fn block(&mut self, blocked: oneshot::Sender<()>, open: oneshot::Receiver<()>) {
        let _ = blocked.send(());
        let _ = open.await;
    }

    #[cast]
    fn push(&mut self, item: u64) {
        self.seen.push(item);
    }

    #[call]
    fn record(&mut self, item: u64) -> usize {
        self.seen.push(item);
        self.seen.len()
    }

    #[call]
    fn seen(&mut self) -> Vec<u64> {
        self.seen.clone()
    }

    #[info]
    fn note(&mut self, item: u64) {
        self.seen.push(item);
    }

    /// Fills its own mailbox, then casts to it with `wait`: only this
    /// server empties it, so that fails at once rather than wait for ever.
    #[call]
    async fn fill_self(&mut self, ctx: &mut Context<Self>) -> Result<(), CastError> {
        let me = ctx.server_ref();
        while me.handle().try_cast(WaitingCast::Push { item: 0 }).is_ok() {}
        me.push(7).await
    }
}

/// Starts a `Waiting` server and blocks it in a handler: its mailbox is
/// empty and will only fill. Returns the gate's opener.
async fn blocked_waiting() -> (ServerRef<Waiting>, oneshot::Sender<()>) {
    let server = Waiting::start(Waiting { seen: Vec::new() }).await.unwrap();
    let (gate, blocked_tx, open_rx) = gate();
    server.block(blocked_tx, open_rx).await.unwrap();
    gate.blocked.await.unwrap();
    (server, gate.open)
}

#[tokio::test]
async fn a_bound_from_the_attribute_and_the_default_unbounded() {
    let server = Waiting::start(Waiting { seen: Vec::new() }).await.unwrap();
    assert_eq!(server.handle().mailbox_capacity(), Some(BOUND));
    let plain = Plain::start(Plain { seen: Vec::new() }).await.unwrap();
    assert_eq!(plain.handle().mailbox_capacity(), None);
}

#[tokio::test]
async fn a_waiting_cast_waits_for_room_and_order_is_kept() {
    let (server, open) = blocked_waiting().await;
    for item in 0..4 {
        server.push(item).await.unwrap();
    }
    assert_eq!(server.handle().message_queue_len(), BOUND);
    // Two more wait, in the order they came.
    let mut fifth = push_owned(&server, 4);
    let mut sixth = push_owned(&server, 5);
    assert!(pending(&mut fifth));
    assert!(pending(&mut sixth));
    assert_eq!(server.handle().message_queue_len(), BOUND);
    let (fifth, sixth) = (tokio::spawn(fifth), tokio::spawn(sixth));
    // No sender overtakes them.
    assert_eq!(
        server.handle().try_cast(WaitingCast::Push { item: 99 }),
        Err(CastError::Full)
    );
    open.send(()).unwrap();
    fifth.await.unwrap().unwrap();
    sixth.await.unwrap().unwrap();
    server.push(6).await.unwrap();
    assert_eq!(server.seen().await, Ok((0..7).collect::<Vec<_>>()));
}

#[tokio::test]
async fn a_cancelled_waiting_cast_is_taken_back() {
    let (server, open) = blocked_waiting().await;
    for item in 0..4 {
        server.push(item).await.unwrap();
    }
    let mut waiting = push_owned(&server, 99);
    assert!(pending(&mut waiting));
    drop(waiting);
    open.send(()).unwrap();
    assert_eq!(server.seen().await, Ok(vec![0, 1, 2, 3]));
}

#[tokio::test(start_paused = true)]
async fn a_call_waits_for_room_within_its_timeout() {
    let (server, open) = blocked_waiting().await;
    for item in 0..4 {
        server.push(item).await.unwrap();
    }
    let call = {
        let server = server.clone();
        tokio::spawn(async move { server.with_timeout(Duration::from_secs(1)).record(10).await })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!call.is_finished());
    open.send(()).unwrap();
    // Room came within the timeout: the call went in, behind the casts.
    assert_eq!(call.await.unwrap(), Ok(5));
}

#[tokio::test(start_paused = true)]
async fn a_call_that_finds_no_room_in_time_fails_with_full_and_is_never_handled() {
    let (server, open) = blocked_waiting().await;
    for item in 0..4 {
        server.push(item).await.unwrap();
    }
    let started = tokio::time::Instant::now();
    let outcome = server
        .with_timeout(Duration::from_millis(100))
        .record(10)
        .await;
    assert_eq!(outcome, Err(CallError::Full));
    assert_eq!(started.elapsed(), Duration::from_millis(100));
    open.send(()).unwrap();
    // Never sent: the server did not see it.
    assert_eq!(server.seen().await, Ok(vec![0, 1, 2, 3]));
}

#[tokio::test]
async fn a_request_that_cannot_wait_fails_with_full() {
    let (server, open) = blocked_waiting().await;
    for item in 0..4 {
        server.push(item).await.unwrap();
    }
    let request = server.request().record(10);
    assert_eq!(request.await, Err(CallError::Full));
    open.send(()).unwrap();
    assert_eq!(server.seen().await, Ok(vec![0, 1, 2, 3]));
}

#[tokio::test]
async fn waiters_are_told_when_the_server_exits() {
    let (server, _open) = blocked_waiting().await;
    for item in 0..4 {
        server.push(item).await.unwrap();
    }
    let mut cast = push_owned(&server, 4);
    assert!(pending(&mut cast));
    let cast = tokio::spawn(cast);
    let client = server.with_timeout(Duration::MAX);
    let mut call = Box::pin(async move { client.record(5).await });
    assert!(pending(&mut call));
    let call = tokio::spawn(call);
    server.kill();
    assert_eq!(
        cast.await.unwrap(),
        Err(CastError::Exit(ExitReason::Killed))
    );
    assert_eq!(
        call.await.unwrap(),
        Err(CallError::Exit(ExitReason::Killed))
    );
    // And later senders find no server.
    assert_eq!(server.push(6).await, Err(CastError::NoProc));
}

#[tokio::test]
async fn sys_info_and_stop_get_through_a_full_mailbox() {
    let (server, open) = blocked_waiting().await;
    for item in 0..4 {
        server.push(item).await.unwrap();
    }
    let mut waiting = push_owned(&server, 4);
    assert!(pending(&mut waiting));
    let waiting = tokio::spawn(waiting);
    // None of these counts against the bound: all are queued at once.
    server.send(100u64);
    let state = {
        let server = server.clone();
        tokio::spawn(async move { sys::get_state(&server, |state| state.seen.clone()).await })
    };
    let stop = {
        let server = server.clone();
        tokio::spawn(async move { server.stop().await })
    };
    while server.handle().message_queue_len() < BOUND + 3 {
        tokio::task::yield_now().await;
    }
    assert_eq!(server.handle().message_queue_len(), BOUND + 3);
    open.send(()).unwrap();
    assert_eq!(state.await.unwrap(), Ok(vec![0, 1, 2, 3, 100]));
    assert_eq!(stop.await.unwrap(), Ok(()));
    // It got in when the server took its batch, and went with the server.
    assert_eq!(waiting.await.unwrap(), Ok(()));
}

#[tokio::test]
async fn a_waiting_cast_to_its_own_full_mailbox_fails_at_once() {
    let server = Waiting::start(Waiting { seen: Vec::new() }).await.unwrap();
    assert_eq!(server.fill_self().await, Ok(Err(CastError::Full)));
    assert_eq!(server.seen().await, Ok(vec![0; BOUND]));
}

#[tokio::test(start_paused = true)]
async fn a_producer_ten_times_faster_than_its_consumer_stays_within_the_bound() {
    const ITEMS: u64 = 300;
    let server = Slow::start(Slow { seen: Vec::new() }).await.unwrap();
    let mut longest = 0;
    for item in 0..ITEMS {
        // One item a millisecond; the consumer takes ten per item.
        tokio::time::sleep(Duration::from_millis(1)).await;
        server.push(item).await.unwrap();
        longest = longest.max(server.handle().message_queue_len());
        assert!(longest <= BOUND, "the mailbox grew to {longest}");
    }
    assert_eq!(server.seen().await, Ok((0..ITEMS).collect::<Vec<_>>()));
    println!(
        "{ITEMS} items at 10x the consumer's pace: the longest queue was {longest} (bound {BOUND})"
    );
    assert_eq!(longest, BOUND, "the producer did fill the mailbox");
}

/// A consumer that takes 10 ms per item.
struct Slow {
    seen: Vec<u64>,
}

#[gen_server(mailbox = 4)]
impl Slow {
    #[cast]
    async fn push(&mut self, item: u64) {
        tokio::time::sleep(Duration::from_millis(10)).await;
        self.seen.push(item);
    }

    #[call]
    fn seen(&mut self) -> Vec<u64> {
        self.seen.clone()
    }
}

// ---------------------------------------------------------------- fail

struct Failing {
    seen: Vec<u64>,
}

#[gen_server(mailbox = 4, when_full = fail)]
impl Failing {
    #[cast]
    async fn block(&mut self, blocked: oneshot::Sender<()>, open: oneshot::Receiver<()>) {
        let _ = blocked.send(());
        let _ = open.await;
    }

    #[cast]
    fn push(&mut self, item: u64) {
        self.seen.push(item);
    }

    #[call]
    fn seen(&mut self) -> Vec<u64> {
        self.seen.clone()
    }
}

#[tokio::test]
async fn a_failing_cast_reports_a_full_mailbox() {
    let server = Failing::start(Failing { seen: Vec::new() }).await.unwrap();
    let (gate, blocked_tx, open_rx) = gate();
    server.block(blocked_tx, open_rx).unwrap();
    gate.blocked.await.unwrap();
    for item in 0..4 {
        assert_eq!(server.push(item), Ok(()));
    }
    assert_eq!(server.push(4), Err(CastError::Full));
    assert_eq!(server.handle().message_queue_len(), BOUND);
    gate.open.send(()).unwrap();
    assert_eq!(server.seen().await, Ok(vec![0, 1, 2, 3]));
    // Room again.
    assert_eq!(server.push(5), Ok(()));
    assert_eq!(server.seen().await, Ok(vec![0, 1, 2, 3, 5]));
    server.stop().await.unwrap();
    assert_eq!(server.push(6), Err(CastError::NoProc));
}

// --------------------------------------------------------- drop oldest

struct Dropping {
    seen: Vec<u64>,
}

#[gen_server(mailbox = 4, when_full = drop_oldest)]
impl Dropping {
    #[cast]
    async fn block(&mut self, blocked: oneshot::Sender<()>, open: oneshot::Receiver<()>) {
        let _ = blocked.send(());
        let _ = open.await;
    }

    #[cast]
    fn push(&mut self, item: u64) {
        self.seen.push(item);
    }

    #[call]
    fn record(&mut self, item: u64) -> usize {
        self.seen.push(item);
        self.seen.len()
    }

    #[call]
    fn seen(&mut self) -> Vec<u64> {
        self.seen.clone()
    }
}

async fn blocked_dropping() -> (ServerRef<Dropping>, oneshot::Sender<()>) {
    let server = Dropping::start(Dropping { seen: Vec::new() })
        .await
        .unwrap();
    let (gate, blocked_tx, open_rx) = gate();
    server.block(blocked_tx, open_rx);
    gate.blocked.await.unwrap();
    (server, gate.open)
}

#[tokio::test]
async fn drop_oldest_drops_the_oldest_casts() {
    let (server, open) = blocked_dropping().await;
    for item in 0..6 {
        server.push(item);
        assert!(server.handle().message_queue_len() <= BOUND);
    }
    open.send(()).unwrap();
    assert_eq!(server.seen().await, Ok(vec![2, 3, 4, 5]));
}

/// Many more casts than the bound, with calls among them: each drop
/// takes the oldest cast still queued, the calls stay where they were, and
/// the server sees the newest casts in order (the dropped casts are taken
/// out in passes, whose order must hold too).
#[tokio::test]
async fn drop_oldest_keeps_order_over_many_drops_and_calls() {
    let (server, open) = blocked_dropping().await;
    let first = {
        let server = server.clone();
        tokio::spawn(async move { server.record(1000).await })
    };
    while server.handle().message_queue_len() < 1 {
        tokio::task::yield_now().await;
    }
    for (queued, item) in (2..).zip(0..50) {
        server.push(item);
        assert_eq!(server.handle().message_queue_len(), BOUND.min(queued));
    }
    let second = {
        let server = server.clone();
        tokio::spawn(async move { server.record(2000).await })
    };
    // The second call waits for room: it never makes a cast go.
    tokio::task::yield_now().await;
    for item in 50..100 {
        server.push(item);
        assert_eq!(server.handle().message_queue_len(), BOUND);
    }
    open.send(()).unwrap();
    assert_eq!(first.await.unwrap(), Ok(1));
    assert_eq!(second.await.unwrap(), Ok(5));
    assert_eq!(server.seen().await, Ok(vec![1000, 97, 98, 99, 2000]));
}

#[tokio::test]
async fn drop_oldest_never_drops_a_call() {
    let (server, open) = blocked_dropping().await;
    let call = {
        let server = server.clone();
        tokio::spawn(async move { server.record(100).await })
    };
    while server.handle().message_queue_len() < 1 {
        tokio::task::yield_now().await;
    }
    for item in 0..5 {
        server.push(item);
    }
    // The call stays; the oldest casts made way.
    open.send(()).unwrap();
    assert_eq!(call.await.unwrap(), Ok(1));
    assert_eq!(server.seen().await, Ok(vec![100, 2, 3, 4]));
}

#[tokio::test(start_paused = true)]
async fn a_fast_producer_that_drops_the_oldest_stays_within_the_bound() {
    const ITEMS: u64 = 300;
    let server = SlowDropping::start(SlowDropping { seen: Vec::new() })
        .await
        .unwrap();
    let mut longest = 0;
    for item in 0..ITEMS {
        tokio::time::sleep(Duration::from_millis(1)).await;
        server.push(item);
        longest = longest.max(server.handle().message_queue_len());
        assert!(longest <= BOUND, "the mailbox grew to {longest}");
    }
    let seen = server.with_timeout(Duration::MAX).seen().await.unwrap();
    // In order, the newest kept, most of the rest dropped.
    assert!(seen.windows(2).all(|pair| pair[0] < pair[1]), "{seen:?}");
    assert_eq!(seen.last(), Some(&(ITEMS - 1)));
    assert!(seen.len() < 100, "{} items handled", seen.len());
    println!(
        "{ITEMS} items at 10x the consumer's pace, dropping the oldest: {} handled, the longest queue was {longest} (bound {BOUND})",
        seen.len()
    );
}

struct SlowDropping {
    seen: Vec<u64>,
}

#[gen_server(mailbox = 4, when_full = drop_oldest)]
impl SlowDropping {
    #[cast]
    async fn push(&mut self, item: u64) {
        tokio::time::sleep(Duration::from_millis(10)).await;
        self.seen.push(item);
    }

    #[call]
    fn seen(&mut self) -> Vec<u64> {
        self.seen.clone()
    }
}

// ------------------------------------------------------- start options

/// Declared without a bound: plain casts.
struct Plain {
    seen: Vec<u64>,
}

#[gen_server]
impl Plain {
    #[cast]
    async fn block(&mut self, blocked: oneshot::Sender<()>, open: oneshot::Receiver<()>) {
        let _ = blocked.send(());
        let _ = open.await;
    }

    #[cast]
    fn push(&mut self, item: u64) {
        self.seen.push(item);
    }

    #[call]
    fn seen(&mut self) -> Vec<u64> {
        self.seen.clone()
    }
}

#[tokio::test]
async fn a_start_option_bounds_any_server() {
    let server = Plain::start_with(Plain { seen: Vec::new() }, StartOptions::new().mailbox(2))
        .await
        .unwrap();
    assert_eq!(server.handle().mailbox_capacity(), Some(2));
    let (gate, blocked_tx, open_rx) = gate();
    server.block(blocked_tx, open_rx);
    gate.blocked.await.unwrap();
    for item in 0..5 {
        server.push(item);
    }
    let handle: &Handle<Plain> = server.handle();
    assert_eq!(handle.message_queue_len(), 2);
    assert_eq!(
        handle.try_cast(PlainCast::Push { item: 9 }),
        Err(CastError::Full)
    );
    // Waiting for room, then given up: taken back.
    let mut given_up = Box::pin(handle.cast_wait(PlainCast::Push { item: 5 }));
    assert!(pending(&mut given_up));
    drop(given_up);
    let waiting = tokio::spawn({
        let handle = handle.clone();
        async move { handle.cast_wait(PlainCast::Push { item: 6 }).await }
    });
    gate.open.send(()).unwrap();
    assert_eq!(waiting.await.unwrap(), Ok(()));
    assert_eq!(server.seen().await, Ok(vec![3, 4, 6]));
}

// A start option overrides the attribute's bound.
#[tokio::test]
async fn a_start_option_overrides_the_attribute_and_refuses_zero() {
    let server = Waiting::start_with(
        Waiting { seen: Vec::new() },
        StartOptions::new().mailbox(64),
    )
    .await
    .unwrap();
    assert_eq!(server.handle().mailbox_capacity(), Some(64));
    let zero =
        Waiting::start_with(Waiting { seen: Vec::new() }, StartOptions::new().mailbox(0)).await;
    assert!(matches!(zero, Err(StartError::ZeroMailbox)));
}

// ------------------------------------------------- outside tokio

/// A plain thread (no runtime) calls a server whose mailbox is full: the
/// call waits for room, and gets its reply once the server makes room.
#[test]
fn a_blocking_call_from_outside_tokio_waits_for_room() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (server, open) = runtime.block_on(async {
        let (server, open) = blocked_waiting().await;
        for item in 0..4 {
            server.push(item).await.unwrap();
        }
        (server, open)
    });
    let caller = {
        let server = server.clone();
        std::thread::spawn(move || {
            genserver::block_on(server.with_timeout(Duration::from_secs(30)).record(10))
        })
    };
    open.send(()).unwrap();
    // Room came: the call went in behind the four casts.
    assert_eq!(caller.join().unwrap(), Ok(Ok(5)));
    assert_eq!(runtime.block_on(server.seen()), Ok(vec![0, 1, 2, 3, 10]));
}

/// The same call when no room comes: it fails with `Full` at its timeout,
/// which is kept without tokio's timer, and the server never sees it.
#[test]
fn a_blocking_call_from_outside_tokio_into_a_full_mailbox_times_out_with_full() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (server, open) = runtime.block_on(async {
        let (server, open) = blocked_waiting().await;
        for item in 0..4 {
            server.push(item).await.unwrap();
        }
        (server, open)
    });
    let timeout = Duration::from_millis(50);
    let started = std::time::Instant::now();
    let outcome = genserver::block_on(server.with_timeout(timeout).record(10));
    assert_eq!(outcome, Ok(Err(CallError::Full)));
    assert!(started.elapsed() >= timeout);
    open.send(()).unwrap();
    assert_eq!(runtime.block_on(server.seen()), Ok(vec![0, 1, 2, 3]));
}

// ------------------------------------------------- drop oldest, modelled

/// Records its drop, and looks at the mailbox from its `Drop`: that would
/// deadlock if a dropped cast were dropped under the mailbox's lock.
struct Tracked {
    id: u64,
    delivered: bool,
    drops: std::sync::Arc<std::sync::Mutex<Vec<(u64, bool)>>>,
    handle: std::sync::Arc<std::sync::OnceLock<Handle<Modelled>>>,
}

impl Drop for Tracked {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.get() {
            let _ = handle.message_queue_len();
        }
        self.drops.lock().unwrap().push((self.id, self.delivered));
    }
}

struct Modelled {
    log: Vec<u64>,
}

#[gen_server(mailbox = 3, when_full = drop_oldest)]
impl Modelled {
    #[cast]
    async fn block(&mut self, blocked: oneshot::Sender<()>, open: oneshot::Receiver<()>) {
        let _ = blocked.send(());
        let _ = open.await;
    }

    #[cast]
    fn push(&mut self, mut tracked: Tracked) {
        tracked.delivered = true;
        self.log.push(tracked.id);
    }

    #[call]
    fn record(&mut self, id: u64) {
        self.log.push(id);
    }

    #[call]
    fn take_log(&mut self) -> Vec<u64> {
        std::mem::take(&mut self.log)
    }

    #[info]
    fn note(&mut self, id: u64) {
        self.log.push(id);
    }
}

/// What the model's queue holds.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Kind {
    Cast,
    Call,
    Info,
}

/// Random rounds against a model of the mailbox: with the server blocked,
/// a seeded mix of dropping casts, failing casts, info messages and
/// requests; after each, the queue length matches the model's; then the
/// server handles exactly the model's messages in the model's order, and
/// every cast the model dropped was dropped once, undelivered, outside the
/// lock. Marked casts are taken out both when the server takes its mail
/// and in passes while it is blocked, so both paths are exercised.
#[tokio::test(flavor = "current_thread")]
async fn drop_oldest_matches_a_model_of_the_mailbox() {
    const BOUND: usize = 3;
    let server = Modelled::start(Modelled { log: Vec::new() }).await.unwrap();
    let handle = std::sync::Arc::new(std::sync::OnceLock::new());
    let _ = handle.set(server.handle().clone());
    let drops = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let tracked = |id| Tracked {
        id,
        delivered: false,
        drops: std::sync::Arc::clone(&drops),
        handle: std::sync::Arc::clone(&handle),
    };
    let mut seed: u64 = 0x1234_5678;
    let mut random = move |n: u64| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) % n
    };
    let mut next = 1;
    let mut dropped = Vec::new();
    let mut requests = Vec::new();
    for round in 0..100 {
        let (blocked_tx, blocked) = oneshot::channel();
        let (open, open_rx) = oneshot::channel();
        server.block(blocked_tx, open_rx);
        blocked.await.unwrap();
        let mut model: std::collections::VecDeque<(Kind, u64)> = std::collections::VecDeque::new();
        for _ in 0..random(40) {
            let id = next;
            next += 1;
            let live = model.iter().filter(|(kind, _)| *kind != Kind::Info).count();
            match random(10) {
                0..=5 => {
                    server.push(tracked(id));
                    if live < BOUND {
                        model.push_back((Kind::Cast, id));
                    } else if let Some(at) = model.iter().position(|(kind, _)| *kind == Kind::Cast)
                    {
                        dropped.push(model.remove(at).unwrap().1);
                        model.push_back((Kind::Cast, id));
                    } else {
                        dropped.push(id);
                    }
                }
                6 => {
                    let sent = server.handle().try_cast(ModelledCast::Push {
                        tracked: tracked(id),
                    });
                    assert_eq!(sent.is_ok(), live < BOUND);
                    if live < BOUND {
                        model.push_back((Kind::Cast, id));
                    } else {
                        dropped.push(id);
                    }
                }
                7 | 8 => {
                    server.send(id);
                    model.push_back((Kind::Info, id));
                }
                _ => {
                    let request = server
                        .handle()
                        .send_request(|reply| ModelledCall::Record { id, reply });
                    if live < BOUND {
                        model.push_back((Kind::Call, id));
                        requests.push(request);
                    }
                }
            }
            assert_eq!(
                server.handle().message_queue_len(),
                model.len(),
                "round {round}"
            );
        }
        open.send(()).unwrap();
        let expected: Vec<u64> = model.iter().map(|(_, id)| *id).collect();
        assert_eq!(server.take_log().await, Ok(expected), "round {round}");
        let recorded = drops.lock().unwrap().clone();
        for id in &dropped {
            assert!(
                recorded.contains(&(*id, false)),
                "round {round}: cast {id} was not dropped"
            );
        }
    }
    let recorded = drops.lock().unwrap().clone();
    let mut ids: Vec<u64> = recorded.iter().map(|(id, _)| *id).collect();
    let all = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), all, "a cast was dropped twice");
    assert!(
        dropped.len() > 100,
        "the rounds dropped casts: {}",
        dropped.len()
    );
}
