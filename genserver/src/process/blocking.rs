//! Waiting outside tokio: deadlines without tokio's timer, and [`block_on`]
//! for synchronous code.
//!
//! In Erlang any process can call a `gen_server`; here "any process" includes
//! a plain thread and a future driven by an executor other than tokio's. A
//! client operation waits on the server through a oneshot channel and a
//! `Notify`, which work anywhere; only its timeout needs a timer. Inside a
//! tokio runtime that is tokio's timer wheel, as before. Outside one, a
//! deadline is enforced by:
//!
//! * [`block_on`], when the operation runs inside it: it parks its thread no
//!   longer than the earliest deadline polled, so no other thread is needed;
//! * otherwise (a foreign executor), one timer thread for the whole process,
//!   started on first use, that wakes waiters at their deadlines. It sleeps
//!   on a condition variable while nobody waits, and costs nothing to a
//!   program that never waits outside tokio.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::future::{Future, IntoFuture};
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use crate::error::BlockingError;

/// Runs a future to completion on the current thread, blocking it: the
/// blocking twin of every client operation, for synchronous code.
///
/// ```
/// use genserver::prelude::*;
///
/// struct Counter(u64);
///
/// #[gen_server]
/// impl Counter {
///     /// Adds `n` and returns the new count.
///     #[call]
///     fn add(&mut self, n: u64) -> u64 {
///         self.0 += n;
///         self.0
///     }
/// }
///
/// # fn main() -> Result<(), genserver::Error> {
/// let runtime = tokio::runtime::Runtime::new().unwrap();
/// let counter = runtime.block_on(Counter::start(Counter(0)))?;
/// // A plain thread, outside the runtime: typed methods through `block_on`.
/// let total = std::thread::spawn(move || genserver::block_on(counter.add(2)))
///     .join()
///     .unwrap()??;
/// assert_eq!(total, 2);
/// # Ok(())
/// # }
/// ```
///
/// Timeouts hold as in async code: a call waits at most its handle's timeout.
///
/// # Errors
///
/// [`BlockingError::InRuntime`] if the thread is in a tokio runtime's context
/// (a worker thread, or a task's): blocking there could wait for a server
/// that needs this very thread to run, so it is refused rather than risk a
/// deadlock (tokio's `blocking_recv` panics in the same place). In async code
/// use `.await`; in `spawn_blocking`, `tokio::runtime::Handle::current().block_on(..)`.
pub fn block_on<F: IntoFuture>(future: F) -> Result<F::Output, BlockingError> {
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(BlockingError::InRuntime);
    }
    Ok(park_on(future.into_future()))
}

/// Drives `future` by parking the thread between polls (see [`block_on`]).
fn park_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let unparker = Arc::new(Unparker(std::thread::current()));
    let waker = Waker::from(unparker);
    let mut cx = Context::from_waker(&waker);
    // Nested `block_on`s (a future that blocks inside one) each keep their
    // own earliest deadline.
    let outer = PARK_DEADLINE.replace(Parking::Forever);
    let output = loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            break output;
        }
        match PARK_DEADLINE.replace(Parking::Forever) {
            Parking::Until(deadline) => {
                let now = Instant::now();
                if deadline > now {
                    std::thread::park_timeout(deadline - now);
                }
            }
            Parking::Forever | Parking::No => std::thread::park(),
        }
    };
    PARK_DEADLINE.set(outer);
    output
}

/// Wakes a thread parked in [`park_on`].
struct Unparker(std::thread::Thread);

impl Wake for Unparker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// Whether this thread runs [`park_on`], and until when it may park.
#[derive(Clone, Copy)]
enum Parking {
    /// It does not: a [`Deadline`] needs the timer thread.
    No,
    /// It does, and no [`Deadline`] was polled since the last park.
    Forever,
    /// It does, and this is the earliest deadline polled since the last park.
    Until(Instant),
}

thread_local! {
    static PARK_DEADLINE: Cell<Parking> = const { Cell::new(Parking::No) };
}

/// Runs `future` for at most `timeout` (`None` when it ran out; a timeout
/// past the end of time waits forever). Uses tokio's timer inside a
/// runtime that has one, [`Deadline`] otherwise.
pub(crate) async fn within<F: Future>(timeout: Duration, future: F) -> Option<F::Output> {
    // One await with both timers in `Option`s, rather than an await per
    // kind of timer: the future (a call's, whose callers store it) holds
    // one copy of each and no runtime handle.
    let (sleep, mut deadline) = timer(timeout);
    let mut future = pin!(future);
    let mut sleep = pin!(sleep);
    std::future::poll_fn(|cx| {
        if let Poll::Ready(output) = future.as_mut().poll(cx) {
            return Poll::Ready(Some(output));
        }
        if let Some(sleep) = sleep.as_mut().as_pin_mut() {
            return sleep.poll(cx).map(|()| None);
        }
        match &mut deadline {
            Some(deadline) => Pin::new(deadline).poll(cx).map(|()| None),
            // Past the end of time: no limit.
            None => Poll::Pending,
        }
    })
    .await
}

/// The timer for [`within`]: tokio's inside a runtime that has one, a
/// [`Deadline`] otherwise, neither for a timeout past the end of time.
fn timer(timeout: Duration) -> (Option<tokio::time::Sleep>, Option<Deadline>) {
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        let Some(deadline) = tokio::time::Instant::now().checked_add(timeout) else {
            return (None, None);
        };
        if let Some(sleep) = tokio_sleep(&runtime, deadline) {
            return (Some(sleep), None);
        }
    }
    (None, Instant::now().checked_add(timeout).map(Deadline::new))
}

/// A tokio sleep until `deadline`, or `None` on a runtime built without
/// its time driver, where tokio panics instead of making one. That panic
/// is caught once per such runtime (the panic hook still reports it), and
/// the runtime remembered, so the caller falls back to [`Deadline`].
fn tokio_sleep(
    runtime: &tokio::runtime::Handle,
    deadline: tokio::time::Instant,
) -> Option<tokio::time::Sleep> {
    static ANY_WITHOUT_TIMERS: AtomicBool = AtomicBool::new(false);
    static WITHOUT_TIMERS: Mutex<Vec<tokio::runtime::Id>> = Mutex::new(Vec::new());
    let lock = || {
        WITHOUT_TIMERS
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    };
    if ANY_WITHOUT_TIMERS.load(Ordering::Acquire) && lock().contains(&runtime.id()) {
        return None;
    }
    let sleep = std::panic::catch_unwind(|| tokio::time::sleep_until(deadline)).ok();
    if sleep.is_none() {
        lock().push(runtime.id());
        ANY_WITHOUT_TIMERS.store(true, Ordering::Release);
    }
    sleep
}

/// Finds out now whether the current runtime has tokio's time driver, so
/// that a deadline set after this does not count the finding out: the
/// first time on a runtime without it, that is a caught panic, which the
/// panic hook reports (slowly, if it prints a backtrace).
pub(crate) fn probe_time_driver() {
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        drop(tokio_sleep(&runtime, tokio::time::Instant::now()));
    }
}

/// A sleep until a deadline on tokio's clock, for the server side (an idle
/// timeout, the timer service): tokio's timer on a runtime that has one,
/// so that a paused clock is obeyed; the timer thread ([`Deadline`]) on a
/// runtime built without its time driver, where tokio would panic.
pub(crate) enum Sleep {
    /// Tokio's timer.
    Tokio(Pin<Box<tokio::time::Sleep>>),
    /// The timer thread, and the deadline on tokio's clock.
    Thread(Deadline, tokio::time::Instant),
}

impl Sleep {
    /// A sleep until `deadline`.
    pub(crate) fn until(deadline: tokio::time::Instant) -> Self {
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            if let Some(sleep) = tokio_sleep(&runtime, deadline) {
                return Sleep::Tokio(Box::pin(sleep));
            }
        }
        // Without the time driver tokio's clock is the system's.
        Sleep::Thread(Deadline::new(deadline.into_std()), deadline)
    }

    /// When it completes.
    pub(crate) fn deadline(&self) -> tokio::time::Instant {
        match self {
            Sleep::Tokio(sleep) => sleep.deadline(),
            Sleep::Thread(_, deadline) => *deadline,
        }
    }

    /// Sets it to complete at `deadline` instead.
    pub(crate) fn reset(&mut self, deadline: tokio::time::Instant) {
        match self {
            Sleep::Tokio(sleep) => sleep.as_mut().reset(deadline),
            Sleep::Thread(..) => {
                *self = Sleep::Thread(Deadline::new(deadline.into_std()), deadline);
            }
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match self.get_mut() {
            Sleep::Tokio(sleep) => sleep.as_mut().poll(cx),
            Sleep::Thread(deadline, _) => Pin::new(deadline).poll(cx),
        }
    }
}

/// A future that completes at a deadline, without tokio.
pub(crate) struct Deadline {
    at: Instant,
    /// The timer thread's entry, once registered there.
    entry: Option<u64>,
}

impl Deadline {
    pub(crate) fn new(at: Instant) -> Self {
        Deadline { at, entry: None }
    }
}

impl Future for Deadline {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.at {
            return Poll::Ready(());
        }
        // Inside `block_on`: its thread wakes itself at the deadline.
        let at = self.at;
        let in_park = PARK_DEADLINE.with(|cell| match cell.get() {
            Parking::No => false,
            Parking::Forever => {
                cell.set(Parking::Until(at));
                true
            }
            Parking::Until(earliest) => {
                cell.set(Parking::Until(earliest.min(at)));
                true
            }
        });
        if in_park {
            return Poll::Pending;
        }
        let Some(timers) = timers() else {
            // No thread for the timer could be started: give up at once
            // rather than risk waiting forever.
            return Poll::Ready(());
        };
        let mut state = timers.lock();
        let key = if let Some(key) = self.entry {
            key
        } else {
            state.next += 1;
            state.next
        };
        let first = state
            .entries
            .keys()
            .next()
            .is_none_or(|&(first, _)| at < first);
        match state.entries.get_mut(&(at, key)) {
            Some(waker) if waker.will_wake(cx.waker()) => {}
            Some(waker) => waker.clone_from(cx.waker()),
            None => {
                state.entries.insert((at, key), cx.waker().clone());
            }
        }
        drop(state);
        self.entry = Some(key);
        if first {
            timers.changed.notify_one();
        }
        Poll::Pending
    }
}

impl Drop for Deadline {
    fn drop(&mut self) {
        if let (Some(key), Some(timers)) = (self.entry, TIMERS.get().and_then(Option::as_ref)) {
            timers.lock().entries.remove(&(self.at, key));
        }
    }
}

/// The process's timer thread: pending deadlines and their wakers.
struct Timers {
    state: Mutex<TimerState>,
    /// Signalled when a deadline earlier than all others is added.
    changed: Condvar,
}

struct TimerState {
    /// By deadline, then by a number that tells equal deadlines apart.
    entries: BTreeMap<(Instant, u64), Waker>,
    next: u64,
}

impl Timers {
    fn lock(&self) -> MutexGuard<'_, TimerState> {
        // Nothing panics while holding it; a waker's own code runs outside.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The timer thread: wakes each entry at its deadline.
    fn run(&self) {
        let mut state = self.lock();
        loop {
            let now = Instant::now();
            let due: Vec<(Instant, u64)> = state
                .entries
                .keys()
                .take_while(|(at, _)| *at <= now)
                .copied()
                .collect();
            if !due.is_empty() {
                let wakers: Vec<Waker> = due
                    .iter()
                    .filter_map(|key| state.entries.remove(key))
                    .collect();
                drop(state);
                wakers.into_iter().for_each(Waker::wake);
                state = self.lock();
                continue;
            }
            state = match state.entries.keys().next() {
                Some(&(at, _)) => {
                    self.changed
                        .wait_timeout(state, at - now)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
                None => self
                    .changed
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner),
            };
        }
    }
}

static TIMERS: OnceLock<Option<&'static Timers>> = OnceLock::new();

/// The timer thread, started on first use (`None` if it could not be).
fn timers() -> Option<&'static Timers> {
    *TIMERS.get_or_init(|| {
        let timers: &'static Timers = Box::leak(Box::new(Timers {
            state: Mutex::new(TimerState {
                entries: BTreeMap::new(),
                next: 0,
            }),
            changed: Condvar::new(),
        }));
        std::thread::Builder::new()
            .name("genserver-timer".into())
            .spawn(move || timers.run())
            .ok()
            .map(|_| timers)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_on_runs_a_future_and_honours_deadlines() {
        assert_eq!(block_on(async { 7 }), Ok(7));
        let start = Instant::now();
        let out = block_on(within(
            Duration::from_millis(20),
            std::future::pending::<()>(),
        ));
        assert_eq!(out, Ok(None));
        assert!(start.elapsed() >= Duration::from_millis(20));
    }

    #[test]
    fn the_timer_thread_wakes_a_foreign_executor() {
        // A future polled by an executor that is neither tokio nor
        // `block_on`: the timer thread must wake it.
        let deadline = Deadline::new(Instant::now() + Duration::from_millis(10));
        let thread = std::thread::spawn(move || {
            let mut deadline = pin!(deadline);
            let waker = Waker::from(Arc::new(Unparker(std::thread::current())));
            let mut cx = Context::from_waker(&waker);
            while deadline.as_mut().poll(&mut cx).is_pending() {
                std::thread::park();
            }
        });
        thread.join().unwrap();
    }

    #[test]
    fn a_runtime_without_timers_still_times_out() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        for _ in 0..2 {
            let out = runtime.block_on(within(
                Duration::from_millis(5),
                std::future::pending::<()>(),
            ));
            assert_eq!(out, None);
        }
        let out = runtime.block_on(within(Duration::from_millis(5), async { 1 }));
        assert_eq!(out, Some(1));
    }

    #[tokio::test]
    async fn block_on_refuses_inside_a_runtime() {
        assert_eq!(block_on(async {}), Err(BlockingError::InRuntime));
    }
}
