//! Timers: send_after, send_at, send_interval, cancel and read, on tokio's
//! paused clock (deadlines are exact there), plus a multi_thread runtime,
//! a plain thread, and runtimes that come and go.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use genserver::prelude::*;
use genserver::registry::{Name, Registry};
use genserver::{TimerError, TimerRef};
use tokio::time::Instant;

const MS: Duration = Duration::from_millis(1);

/// A message the recorder writes down with its arrival time.
#[derive(Clone, Debug)]
struct Ping(&'static str);

/// A message that shows, through its `Arc`'s count, whether a copy is
/// still held somewhere (a pending timer).
#[derive(Clone)]
struct Tracked {
    _token: Arc<()>,
}

fn tracked(token: &Arc<()>) -> Tracked {
    Tracked {
        _token: Arc::clone(token),
    }
}

/// A message whose clone panics after the first.
struct Fragile(Arc<AtomicBool>);

impl Clone for Fragile {
    fn clone(&self) -> Self {
        assert!(!self.0.swap(true, Ordering::SeqCst), "cloned twice");
        Fragile(Arc::clone(&self.0))
    }
}

/// An interval's message that cancels its own interval when cloned (that
/// is, while the tick is delivered) and another timer when dropped: the
/// service then drops the interval's copy, whose `Drop` uses the service.
struct Canceller {
    own: Arc<Mutex<Option<TimerRef>>>,
    other: Arc<Mutex<Option<TimerRef>>>,
}

impl Clone for Canceller {
    fn clone(&self) -> Self {
        let own = self.own.lock().unwrap().take();
        if let Some(own) = own {
            own.cancel();
        }
        Canceller {
            own: Arc::clone(&self.own),
            other: Arc::clone(&self.other),
        }
    }
}

impl Drop for Canceller {
    fn drop(&mut self) {
        let other = self.other.lock().unwrap().take();
        if let Some(other) = other {
            other.cancel();
        }
    }
}

/// What arrived: labels and arrival times.
type Seen = Vec<(&'static str, Duration)>;

/// Writes down what arrives and when (time since `start`).
struct Recorder {
    start: Instant,
    seen: Seen,
    waiting: Option<(usize, ReplyTo<Seen>)>,
}

impl Recorder {
    fn new() -> Self {
        Recorder {
            start: Instant::now(),
            seen: Vec::new(),
            waiting: None,
        }
    }

    fn record(&mut self, label: &'static str) {
        self.seen.push((label, self.start.elapsed()));
        self.answer();
    }

    /// Answers a `wait_for` once enough has arrived.
    fn answer(&mut self) {
        if let Some((n, _)) = &self.waiting {
            if self.seen.len() >= *n {
                let (_, reply) = self.waiting.take().unwrap();
                reply.send(self.seen.clone());
            }
        }
    }
}

#[gen_server]
impl Recorder {
    #[info]
    fn ping(&mut self, ping: Ping) {
        self.record(ping.0);
    }

    #[info]
    fn tracked(&mut self, _tracked: Tracked) {
        self.record("tracked");
    }

    #[info]
    fn fragile(&mut self, _fragile: Fragile) {
        self.record("fragile");
    }

    #[info]
    fn canceller(&mut self, _canceller: Canceller) {
        self.record("canceller");
    }

    /// What arrived so far.
    #[call]
    fn seen(&self) -> Seen {
        self.seen.clone()
    }

    /// Replies once `n` messages have arrived.
    #[call]
    fn wait_for(&mut self, n: usize, reply: ReplyTo<Seen>) {
        self.waiting = Some((n, reply));
        self.answer();
    }

    /// `ctx.send_after` to itself.
    #[call]
    fn after(&mut self, label: &'static str, delay: Duration, ctx: &mut Context<Self>) -> TimerRef {
        ctx.send_after(Ping(label), delay)
    }

    /// `ctx.send_at` to itself.
    #[call]
    fn at(&mut self, label: &'static str, deadline: Instant, ctx: &mut Context<Self>) -> TimerRef {
        ctx.send_at(Ping(label), deadline)
    }

    /// `ctx.send_interval` to itself.
    #[call]
    fn every(
        &mut self,
        label: &'static str,
        period: Duration,
        ctx: &mut Context<Self>,
    ) -> TimerRef {
        ctx.send_interval(Ping(label), period)
    }

    /// A one-shot and an interval of `tracked` to itself.
    #[call]
    fn track(&mut self, tracked: Tracked, ctx: &mut Context<Self>) -> (TimerRef, TimerRef) {
        let hour = Duration::from_secs(3600);
        (
            ctx.send_after(tracked.clone(), hour),
            ctx.send_interval(tracked, hour),
        )
    }

    /// A zero-delay timer to itself, then a message sent directly.
    #[cast]
    fn zero_then_direct(&mut self, ctx: &mut Context<Self>) {
        ctx.send_after(Ping("timer"), Duration::ZERO);
        ctx.server_ref().send(Ping("direct"));
    }
}

async fn recorder() -> ServerRef<Recorder> {
    Recorder::start(Recorder::new()).await.unwrap()
}

/// Waits (on the paused clock: lets it run) until `n` messages arrived.
async fn wait_for(server: &ServerRef<Recorder>, n: usize) -> Seen {
    server
        .with_timeout(Duration::MAX)
        .wait_for(n)
        .await
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn send_after_from_a_handler_arrives_after_the_delay() {
    let server = recorder().await;
    let timer = server.after("a", 100 * MS).await.unwrap();
    assert_eq!(timer.read(), Some(100 * MS));
    tokio::time::advance(99 * MS).await;
    assert_eq!(timer.read(), Some(MS));
    assert!(timer.is_pending());
    // The paused clock runs on by itself once everything waits.
    assert_eq!(wait_for(&server, 1).await, vec![("a", 100 * MS)]);
    assert_eq!(timer.read(), None);
    assert_eq!(timer.cancel(), None, "fired already");
}

#[tokio::test(start_paused = true)]
async fn send_after_to_another_server() {
    let server = recorder().await;
    let timer = genserver::send_after(&server, Ping("x"), 50 * MS).unwrap();
    assert!(timer.is_pending());
    assert_eq!(wait_for(&server, 1).await, vec![("x", 50 * MS)]);
    // Through the handle, and at an absolute deadline.
    genserver::send_after(server.handle(), Ping("y"), 10 * MS).unwrap();
    genserver::send_at(&server, Ping("z"), Instant::now() + 20 * MS).unwrap();
    server.at("w", Instant::now() + 30 * MS).await.unwrap();
    let seen = wait_for(&server, 4).await;
    assert_eq!(seen[1..], [("y", 60 * MS), ("z", 70 * MS), ("w", 80 * MS)]);
}

#[tokio::test(start_paused = true)]
async fn an_hour_long_timer_fires_on_the_paused_clock_without_help() {
    let server = recorder().await;
    server
        .after("late", Duration::from_secs(3600))
        .await
        .unwrap();
    assert_eq!(
        wait_for(&server, 1).await,
        vec![("late", Duration::from_secs(3600))]
    );
}

#[tokio::test(start_paused = true)]
async fn a_zero_delay_is_not_immediate() {
    let server = recorder().await;
    genserver::send_after(&server, Ping("timer"), Duration::ZERO).unwrap();
    server.send(Ping("direct"));
    let seen = wait_for(&server, 2).await;
    assert_eq!(
        seen,
        vec![("direct", Duration::ZERO), ("timer", Duration::ZERO)]
    );

    // From inside the server too.
    let server = recorder().await;
    server.zero_then_direct();
    let seen: Vec<_> = wait_for(&server, 2)
        .await
        .into_iter()
        .map(|(l, _)| l)
        .collect();
    assert_eq!(seen, ["direct", "timer"]);
}

#[tokio::test(start_paused = true)]
async fn timers_fire_in_deadline_order_and_ties_in_the_order_set() {
    let server = recorder().await;
    for (label, ms) in [("c", 30), ("a", 10), ("b1", 20), ("b2", 20)] {
        genserver::send_after(&server, Ping(label), ms * MS).unwrap();
    }
    assert_eq!(
        wait_for(&server, 4).await,
        vec![
            ("a", 10 * MS),
            ("b1", 20 * MS),
            ("b2", 20 * MS),
            ("c", 30 * MS)
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn an_interval_ticks_every_period_until_cancelled() {
    let server = recorder().await;
    let interval = server.every("tick", 10 * MS).await.unwrap();
    assert_eq!(
        wait_for(&server, 3).await,
        vec![("tick", 10 * MS), ("tick", 20 * MS), ("tick", 30 * MS)]
    );
    assert_eq!(interval.read(), Some(10 * MS), "the next tick");
    tokio::time::advance(4 * MS).await;
    assert_eq!(interval.cancel(), Some(6 * MS));
    assert_eq!(interval.cancel(), None);
    tokio::time::advance(100 * MS).await;
    assert_eq!(
        server.seen().await.unwrap().len(),
        3,
        "no tick after cancel"
    );

    // To another server, from outside.
    let other = recorder().await;
    let interval = genserver::send_interval(&other, Ping("t"), 25 * MS).unwrap();
    assert_eq!(
        wait_for(&other, 2).await,
        vec![("t", 25 * MS), ("t", 50 * MS)]
    );
    assert!(interval.cancel().is_some());
}

#[tokio::test(start_paused = true)]
async fn cancel_and_read_report_the_time_left() {
    let server = recorder().await;
    let timer = genserver::send_after(&server, Ping("never"), 100 * MS).unwrap();
    tokio::time::advance(40 * MS).await;
    assert_eq!(timer.read(), Some(60 * MS));
    let copy = timer.clone();
    assert_eq!(copy, timer);
    assert_eq!(copy.cancel(), Some(60 * MS));
    assert_eq!(timer.cancel(), None, "cancelled already");
    assert_eq!(timer.read(), None);
    assert!(!timer.is_pending());
    tokio::time::advance(200 * MS).await;
    assert!(server.seen().await.unwrap().is_empty());
}

#[tokio::test(start_paused = true)]
async fn dropping_the_timer_ref_does_not_cancel() {
    let server = recorder().await;
    drop(genserver::send_after(&server, Ping("kept"), 10 * MS).unwrap());
    drop(server.after("kept too", 20 * MS).await.unwrap());
    assert_eq!(
        wait_for(&server, 2).await,
        vec![("kept", 10 * MS), ("kept too", 20 * MS)]
    );
}

#[tokio::test(start_paused = true)]
async fn a_servers_timers_die_with_it() {
    let token = Arc::new(());
    let server = recorder().await;
    let (once, interval) = server.track(tracked(&token)).await.unwrap();
    genserver::send_after(&server, tracked(&token), Duration::from_secs(60)).unwrap();
    assert_eq!(Arc::strong_count(&token), 4);
    server.stop().await.unwrap();
    // Dropped as the server exits, before `stop` returns: not at their deadlines.
    assert_eq!(Arc::strong_count(&token), 1);
    assert_eq!(once.read(), None);
    assert_eq!(interval.cancel(), None);
}

#[tokio::test(start_paused = true)]
async fn a_timer_to_a_dead_server_is_a_silent_no_op() {
    let token = Arc::new(());
    let server = recorder().await;
    server.stop().await.unwrap();
    let timer = genserver::send_after(&server, tracked(&token), MS).unwrap();
    assert_eq!(Arc::strong_count(&token), 1, "dropped at once");
    assert_eq!(timer.read(), None);
    assert_eq!(timer.cancel(), None);
    let interval = genserver::send_interval(&server, tracked(&token), MS).unwrap();
    assert_eq!(interval.read(), None);
    assert_eq!(Arc::strong_count(&token), 1);
}

#[tokio::test(start_paused = true)]
async fn a_timer_does_not_keep_its_server_alive() {
    let server = recorder().await;
    let timer = genserver::send_after(&server, Ping("late"), Duration::from_secs(60)).unwrap();
    let interval = server.every("tick", Duration::from_secs(60)).await.unwrap();
    let monitor = server.monitor();
    drop(server);
    assert_eq!(monitor.await.reason, ExitReason::Normal);
    assert_eq!(timer.read(), None);
    assert_eq!(interval.read(), None);
}

#[tokio::test(start_paused = true)]
async fn an_interval_whose_message_panics_is_dropped_and_the_service_goes_on() {
    let server = recorder().await;
    let fragile = genserver::send_interval(&server, Fragile(Arc::default()), 10 * MS).unwrap();
    genserver::send_after(&server, Ping("after"), 50 * MS).unwrap();
    let seen = wait_for(&server, 2).await;
    assert_eq!(seen, vec![("fragile", 10 * MS), ("after", 50 * MS)]);
    assert_eq!(fragile.read(), None, "dropped at its second clone");
}

#[tokio::test(start_paused = true)]
async fn many_timers_cancelled_and_fired() {
    let server = recorder().await;
    let labels: Vec<&'static str> = (0..1000)
        .map(|i| &*Box::leak(format!("{i}").into_boxed_str()))
        .collect();
    // Set in a shuffled order, due at 1..=1000 ms; every tenth is kept.
    let mut timers = Vec::new();
    for i in (0..1000_u32).map(|i| (i * 7919) % 1000) {
        let label = labels[i as usize];
        let timer = genserver::send_after(&server, Ping(label), (i + 1) * MS).unwrap();
        timers.push((i, timer));
    }
    for (i, timer) in &timers {
        if i % 10 != 0 {
            assert_eq!(timer.cancel(), Some((i + 1) * MS));
        }
    }
    let seen = wait_for(&server, 100).await;
    let expected: Seen = (0..1000_u32)
        .step_by(10)
        .map(|i| (labels[i as usize], (i + 1) * MS))
        .collect();
    assert_eq!(seen, expected);
    tokio::time::advance(Duration::from_secs(2)).await;
    assert_eq!(server.seen().await.unwrap().len(), 100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timers_fire_on_a_multi_thread_runtime() {
    let server = recorder().await;
    let interval = server.every("tick", 2 * MS).await.unwrap();
    genserver::send_after(&server, Ping("once"), 3 * MS).unwrap();
    let seen = server
        .with_timeout(Duration::from_secs(10))
        .wait_for(4)
        .await
        .unwrap();
    assert!(seen.iter().any(|(label, _)| *label == "once"));
    assert!(interval.cancel().is_some());
    // Set from a task on another worker as well.
    let other = server.clone();
    tokio::spawn(async move { genserver::send_after(&other, Ping("from a task"), MS) })
        .await
        .unwrap()
        .unwrap();
    // (A tick being delivered as the interval was cancelled may still come.)
    let mut n = 0;
    loop {
        let seen = server
            .with_timeout(Duration::from_secs(10))
            .wait_for(n)
            .await
            .unwrap();
        n = seen.len() + 1;
        if seen.iter().any(|(label, _)| *label == "from a task") {
            break;
        }
    }
}

#[test]
fn outside_a_runtime_setting_a_timer_is_a_typed_error() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let server = runtime.block_on(recorder());
    let timer = runtime
        .block_on(async { genserver::send_after(&server, Ping("x"), Duration::from_secs(60)) })
        .unwrap();
    let outside = server.clone();
    let (error, cancelled) = std::thread::spawn(move || {
        (
            genserver::send_after(&outside, Ping("y"), MS).unwrap_err(),
            // Cancelling and reading need no runtime.
            timer.cancel(),
        )
    })
    .join()
    .unwrap();
    assert_eq!(error, TimerError::NoRuntime);
    assert_eq!(error.to_string(), "timers need a tokio runtime");
    assert!(cancelled.is_some());
    assert_eq!(
        genserver::send_interval(&server, Ping("z"), MS).unwrap_err(),
        TimerError::NoRuntime
    );
}

#[test]
fn each_runtime_has_its_own_timers_and_drops_them_when_it_shuts_down() {
    let token = Arc::new(());
    for _ in 0..3 {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()
            .unwrap();
        let (server, pending) = runtime.block_on(async {
            let server = recorder().await;
            genserver::send_after(&server, Ping("a"), 5 * MS).unwrap();
            let pending =
                genserver::send_after(&server, tracked(&token), Duration::from_secs(3600)).unwrap();
            assert_eq!(wait_for(&server, 1).await, vec![("a", 5 * MS)]);
            (server, pending)
        });
        drop(runtime);
        assert_eq!(Arc::strong_count(&token), 1, "dropped with the runtime");
        assert_eq!(pending.read(), None);
        drop(server);
    }
}

// ------------------------------------------------------- timers to names

/// A server of another type, to put under a name a timer expects a
/// `Recorder` under.
struct Other;

#[gen_server]
impl Other {
    #[call]
    fn ping(&self) -> &'static str {
        "pong"
    }
}

/// Starts a recorder under the local `name`.
async fn named_recorder(name: &'static str) -> ServerRef<Recorder> {
    Recorder::start_with(Recorder::new(), StartOptions::new().name(name))
        .await
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn a_timer_to_a_name_nobody_holds_at_delivery_is_a_silent_no_op() {
    let token = Arc::new(());
    let name = Name::<Recorder>::new("timer_missing");
    // Nobody ever held it.
    let timer = genserver::send_after(&name, tracked(&token), 10 * MS).unwrap();
    assert!(timer.is_pending(), "set: the name is looked up later");
    tokio::time::sleep(20 * MS).await;
    assert_eq!(timer.read(), None);
    assert_eq!(Arc::strong_count(&token), 1, "the message was dropped");

    // Held when set, free when it fires.
    let server = named_recorder("timer_missing").await;
    genserver::send_after(&name, Ping("lost"), 10 * MS).unwrap();
    assert!(genserver::registry::unregister("timer_missing"));
    tokio::time::sleep(20 * MS).await;
    assert!(server.seen().await.unwrap().is_empty());

    // An interval to a free name keeps going, and the server that takes
    // the name later gets the ticks from then on.
    let interval = genserver::send_interval(&name, Ping("tick"), 10 * MS).unwrap();
    tokio::time::sleep(35 * MS).await;
    assert!(interval.is_pending());
    genserver::registry::register("timer_missing", &server).unwrap();
    // (The recorder started at 20 ms, the interval at 40 ms: ticks at
    // 50, 60, 70 ms went nowhere, the one at 80 ms arrives.)
    let seen = wait_for(&server, 1).await;
    assert_eq!(seen, vec![("tick", 60 * MS)]);
    assert!(interval.cancel().is_some());
}

#[tokio::test(start_paused = true)]
async fn an_interval_to_a_name_follows_it_to_a_new_server() {
    let name = Name::<Recorder>::new("timer_moving");
    let first = named_recorder("timer_moving").await;
    let interval = genserver::send_interval(&name, Ping("tick"), 10 * MS).unwrap();
    assert_eq!(
        wait_for(&first, 2).await,
        vec![("tick", 10 * MS), ("tick", 20 * MS)]
    );
    // Between two ticks, the name moves to another server.
    let second = recorder().await;
    assert!(genserver::registry::unregister("timer_moving"));
    genserver::registry::register("timer_moving", &second).unwrap();
    assert_eq!(
        wait_for(&second, 2).await,
        vec![("tick", 10 * MS), ("tick", 20 * MS)],
        "at 30 and 40 ms"
    );
    assert_eq!(
        first.seen().await.unwrap().len(),
        2,
        "no tick after the move"
    );

    // The timer does not die with whoever held the name.
    second.stop().await.unwrap();
    assert!(interval.is_pending());
    let third = named_recorder("timer_moving").await;
    assert_eq!(wait_for(&third, 1).await, vec![("tick", 10 * MS)]);
    assert!(interval.cancel().is_some());
    third.stop().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_timer_to_a_name_held_by_another_type_is_a_no_op() {
    let token = Arc::new(());
    let other = Other::start_with(Other, StartOptions::new().name("timer_other_type"))
        .await
        .unwrap();
    let name = Name::<Recorder>::new("timer_other_type");
    let once = genserver::send_after(&name, tracked(&token), 10 * MS).unwrap();
    let interval = genserver::send_interval(&name, Ping("tick"), 10 * MS).unwrap();
    tokio::time::sleep(25 * MS).await;
    assert_eq!(once.read(), None);
    assert_eq!(Arc::strong_count(&token), 1, "the message was dropped");
    assert!(interval.is_pending(), "the name may change hands");
    assert_eq!(other.ping().await.unwrap(), "pong");
    assert!(interval.cancel().is_some());
}

#[tokio::test(start_paused = true)]
async fn a_timer_to_a_registry_key_resolves_at_delivery() {
    let token = Arc::new(());
    let registry: Registry<String, Recorder> = Registry::new();
    let key = registry.via("clock".to_string());
    assert_eq!(key.key(), "clock");

    // Missing at delivery.
    genserver::send_after(&key, tracked(&token), 10 * MS).unwrap();
    tokio::time::sleep(20 * MS).await;
    assert_eq!(Arc::strong_count(&token), 1);

    // An interval follows the key from one server to the next.
    let first = recorder().await;
    registry.register("clock".into(), &first).unwrap();
    let interval = genserver::send_interval(&key, Ping("tick"), 10 * MS).unwrap();
    assert_eq!(wait_for(&first, 1).await, vec![("tick", 10 * MS)]);
    first.stop().await.unwrap();
    assert!(interval.is_pending(), "not dead with the server");
    let second = Recorder::start_with(
        Recorder::new(),
        StartOptions::new().via(&registry, "clock".into()),
    )
    .await
    .unwrap();
    assert_eq!(wait_for(&second, 1).await, vec![("tick", 10 * MS)]);
    assert_eq!(key.lookup().map(|s| s.id()), Some(second.id()));

    // The timer does not keep the registry alive: once it is gone, so is
    // the timer.
    drop((registry, key));
    tokio::time::sleep(20 * MS).await;
    assert!(!interval.is_pending());
}

#[test]
fn a_message_dropped_by_the_service_may_use_timers_in_its_drop() {
    // On a thread of its own, so that a deadlock fails the test instead of
    // hanging it.
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()
            .unwrap();
        let out = runtime.block_on(async {
            let server = recorder().await;
            let other = genserver::send_after(&server, Ping("other"), Duration::from_secs(3600));
            let other = other.unwrap();
            let message = Canceller {
                own: Arc::default(),
                other: Arc::new(Mutex::new(Some(other.clone()))),
            };
            let own = Arc::clone(&message.own);
            let interval = genserver::send_interval(&server, message, 10 * MS).unwrap();
            *own.lock().unwrap() = Some(interval.clone());
            wait_for(&server, 1).await;
            // The service goes on.
            genserver::send_after(&server, Ping("after"), MS).unwrap();
            let seen = wait_for(&server, 2).await;
            (seen, interval.is_pending(), other.is_pending())
        });
        let _ = done.send(out);
    });
    let (seen, interval, other) = finished
        .recv_timeout(Duration::from_secs(60))
        .expect("the timer service deadlocked");
    assert_eq!(seen, vec![("canceller", 10 * MS), ("after", 11 * MS)]);
    assert!(!interval, "cancelled by its own tick");
    assert!(!other, "cancelled by the dropped message");
}

#[test]
fn timers_fire_on_a_runtime_without_the_time_driver() {
    // No `enable_time`: the service waits on the timer thread, on the
    // system clock.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async {
        let server = recorder().await;
        // Bounded: a timer that never fires fails the test.
        let waiting = server.with_timeout(Duration::from_secs(10));
        let start = std::time::Instant::now();
        genserver::send_after(&server, Ping("once"), 10 * MS).unwrap();
        let pending = genserver::send_after(&server, Ping("never"), Duration::from_secs(3600));
        let pending = pending.unwrap();
        let seen = waiting.wait_for(1).await.unwrap();
        assert_eq!(seen[0].0, "once");
        assert!(start.elapsed() >= 10 * MS);
        let interval = genserver::send_interval(&server, Ping("tick"), 5 * MS).unwrap();
        let seen = waiting.wait_for(4).await.unwrap();
        assert!(seen[1..].iter().all(|(label, _)| *label == "tick"));
        assert!(interval.cancel().is_some());
        assert!(pending.cancel().is_some());
    });
}
