//! Timers: Elixir's `Process.send_after/4`, `Process.cancel_timer/1`,
//! `Process.read_timer/1` and Erlang's `:timer.send_interval/3`.
//!
//! A timer sends a message later, as an ordinary info message: the
//! destination needs an `#[info]` handler for the message's type (the
//! bound `S: HandleInfo<M>` makes a missing one a compile error).
//!
//! * From a server, to itself: [`Context::send_after`],
//!   [`Context::send_interval`], [`Context::send_at`].
//! * To any server, from anywhere in a tokio runtime: [`send_after`],
//!   [`send_interval`], [`send_at`], with a [`ServerRef`] (or any other
//!   [`Dest`]) as the destination.
//!
//! Each returns a [`TimerRef`]: [`cancel`](TimerRef::cancel) says whether the
//! timer was still pending and how long it had left, as `cancel_timer`
//! returns the remaining milliseconds or `false`; [`read`](TimerRef::read)
//! is `read_timer`. As in Erlang, dropping a `TimerRef` does *not* cancel the
//! timer, and neither a cancel nor a read can tell whether a message that
//! already fired has been handled yet.
//!
//! ```
//! use std::time::Duration;
//! use genserver::prelude::*;
//!
//! #[derive(Clone)]
//! struct Tick;
//!
//! struct Ticker {
//!     ticks: u32,
//! }
//!
//! #[gen_server]
//! impl Ticker {
//!     #[init]
//!     fn init((): (), ctx: &mut Context<Self>) -> Self {
//!         ctx.send_after(Tick, Duration::from_millis(10));
//!         Ticker { ticks: 0 }
//!     }
//!
//!     /// Periodic work, rescheduled by the handler itself.
//!     #[info]
//!     fn tick(&mut self, _tick: Tick, ctx: &mut Context<Self>) {
//!         self.ticks += 1;
//!         if self.ticks < 3 {
//!             ctx.send_after(Tick, Duration::from_millis(10));
//!         }
//!     }
//!
//!     #[call]
//!     fn ticks(&self) -> u32 {
//!         self.ticks
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let ticker = Ticker::start(()).await?;
//! tokio::time::sleep(Duration::from_millis(35)).await;
//! assert_eq!(ticker.ticks().await?, 3);
//!
//! // From outside, to another server:
//! let timer = genserver::send_after(&ticker, Tick, Duration::from_secs(1))?;
//! assert_eq!(timer.cancel(), Some(Duration::from_secs(1)));
//! assert_eq!(timer.cancel(), None); // already cancelled
//! # Ok(())
//! # }
//! ```
//!
//! # How it works, and where it deviates from Erlang
//!
//! There is no task per timer. Each tokio runtime gets one timer service
//! on first use: a task that owns the pending timers (a slab and a heap of
//! deadlines) and one `tokio::time::Sleep` for the earliest of them. A
//! pending timer costs its slab slot, a heap entry and one allocation for
//! the message and its route, about a third of what a spawned
//! `sleep` + `send` task costs (BENCHMARKS.md has the figures).
//!
//! * **Destination.** A timer holds its server without keeping it alive (a
//!   timer is no [`ServerRef`]). As Erlang does for a pid destination, the
//!   timer dies with the server: when it exits, its pending timers are
//!   dropped, and a timer set for a server that is not running is a silent
//!   no-op (the `TimerRef` reads as fired). [`Dest`] is what a destination
//!   implements.
//! * **A name** ([`registry::Name`](crate::registry::Name) for a local
//!   name, [`Registry::via`](crate::registry::Registry::via) for a registry
//!   key) is resolved at delivery time, as Erlang resolves an atom: nobody
//!   under the name then (or a server of another type) is a silent no-op,
//!   and an interval goes on across re-registrations. Such a timer dies
//!   with no server, only when cancelled (or, for a registry key, when the
//!   registry is dropped); Erlang links an interval to a name to the
//!   process that set it, which a caller here need not be.
//! * **Zero delay** is not immediate: the message goes through the service,
//!   so what the sender sends right after it arrives first.
//! * **Intervals** (`:timer.send_interval`) fire every period from the
//!   first deadline on; a tick the service could not deliver in time (a
//!   blocked runtime) is not made up for: the next is one period after the
//!   late one. A period under 1 ms counts as 1 ms (tokio's timer
//!   resolution), where Erlang would send in a busy loop. The interval dies
//!   with its destination server, or when cancelled.
//! * **`abs: true`** is [`send_at`] with a `tokio::time::Instant`.
//! * **`async` and `info`** (options of `cancel_timer`/`read_timer`) do not
//!   apply: a cancel is one short lock, never a message to a timer
//!   service, so it is always synchronous and its answer costs nothing to
//!   ignore.
//! * **Outside a runtime** [`send_after`] and the others fail with
//!   [`TimerError::NoRuntime`], since the timer needs tokio's clock.
//!   Delivery uses the runtime the timer was set in; when that runtime
//!   shuts down, its pending timers are dropped. On a runtime built
//!   without tokio's time driver (no `enable_time`), the service waits on
//!   genserver's own timer thread instead, which follows the system clock.
//! * **Deadlines** follow tokio's clock, so they obey a paused clock in
//!   tests (`tokio::time::advance`, or the runtime's auto-advance).

use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};
use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering as MemoryOrdering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::task::{Context as TaskContext, Poll, Waker};
use std::time::Duration;

use tokio::time::Instant;

use crate::process::blocking::Sleep;
use crate::process::context::Context;
use crate::process::handle::{Handle, Process, ServerId, ServerRef};
use crate::process::mailbox::{Envelope, HookKey, Shared, unique};
use crate::server::{GenServer, HandleInfo};

/// Why a timer could not be set.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use genserver::prelude::*;
/// use genserver::TimerError;
///
/// struct Ping;
///
/// struct Server;
///
/// #[gen_server]
/// impl Server {
///     #[info]
///     fn ping(&mut self, _: Ping) {}
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), genserver::Error> {
/// let server = Server::start(Server).await?;
/// // A thread outside the runtime has no tokio clock to set a timer on.
/// let set = std::thread::spawn(move || {
///     genserver::send_after(&server, Ping, Duration::from_secs(1)).map(|_| ())
/// });
/// assert_eq!(set.join().unwrap(), Err(TimerError::NoRuntime));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimerError {
    /// Called outside a tokio runtime: a timer needs tokio's clock.
    NoRuntime,
}

impl fmt::Display for TimerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimerError::NoRuntime => f.write_str("timers need a tokio runtime"),
        }
    }
}

impl std::error::Error for TimerError {}

/// Where a timer's message of type `M` can go: Erlang's `dest` argument.
///
/// Implemented for [`ServerRef<S>`], [`Handle<S>`] and [`Context<S>`] (the
/// server itself), and for a name resolved at delivery time
/// ([`registry::Name<S>`](crate::registry::Name),
/// [`registry::ViaKey<K, S>`](crate::registry::ViaKey)), when the server has
/// an `#[info]` handler for `M`.
///
/// See the examples on [`send_after`], [`send_at`] and [`send_interval`].
pub trait Dest<M> {
    /// How the timer reaches the destination at delivery time.
    #[doc(hidden)]
    type Route: Route<M>;

    /// The route, taken when the timer is set.
    #[doc(hidden)]
    fn route(&self) -> Self::Route;
}

/// How a timer reaches its destination; see [`Dest`]. Held by the timer
/// service while the timer is pending.
#[doc(hidden)]
pub trait Route<M>: Send + 'static {
    /// Delivers `message`; `false` if the destination is gone for good,
    /// which drops the timer (an interval included).
    fn deliver(&self, message: M) -> bool;

    /// The server the timer dies with, if any.
    fn owner(&self) -> Option<Owner>;
}

/// The server a timer dies with; see [`Route::owner`].
#[doc(hidden)]
pub struct Owner(pub(crate) Arc<dyn Process>);

impl fmt::Debug for Owner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Owner").field(&self.0.id()).finish()
    }
}

/// The route to a server: its shared state, held without keeping it alive.
#[doc(hidden)]
pub struct ServerRoute<S: GenServer>(Arc<Shared<S>>);

impl<S: GenServer> fmt::Debug for ServerRoute<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ServerRoute").field(&self.0.id).finish()
    }
}

impl<S, M> Route<M> for ServerRoute<S>
where
    S: HandleInfo<M>,
{
    fn deliver(&self, message: M) -> bool {
        // A refused message (the server exited) is dropped here, outside
        // the service's lock.
        self.0
            .send(Envelope::Info(S::into_info(message)), false)
            .is_ok()
    }

    fn owner(&self) -> Option<Owner> {
        Some(Owner(Arc::clone(&self.0) as Arc<dyn Process>))
    }
}

impl<S: HandleInfo<M>, M> Dest<M> for ServerRef<S> {
    type Route = ServerRoute<S>;

    fn route(&self) -> ServerRoute<S> {
        ServerRoute(Arc::clone(self.handle().shared_arc()))
    }
}

impl<S: HandleInfo<M>, M> Dest<M> for Handle<S> {
    type Route = ServerRoute<S>;

    fn route(&self) -> ServerRoute<S> {
        ServerRoute(Arc::clone(self.shared_arc()))
    }
}

impl<S: HandleInfo<M>, M> Dest<M> for Context<S> {
    type Route = ServerRoute<S>;

    fn route(&self) -> ServerRoute<S> {
        ServerRoute(Arc::clone(&self.shared))
    }
}

/// Sends `message` to `dest` after `delay` (`Process.send_after/3`), as an
/// info message. Returns the timer's [`TimerRef`].
///
/// Zero is not immediate: what the caller sends right after arrives first.
/// The timer does not keep its destination alive, and dies with it.
/// A delay too long to represent waits about 30 years.
///
/// The delay runs on tokio's clock (a paused clock in tests holds it). On
/// a runtime built without tokio's time driver (no `enable_time`) the
/// timer still fires: genserver's own timer thread keeps it, on the system
/// clock, as it keeps call timeouts there. Outside a tokio runtime it fails
/// with [`TimerError::NoRuntime`].
///
/// # Examples
///
/// ```
/// # use std::time::Duration;
/// # use genserver::prelude::*;
/// # #[derive(Clone)]
/// # struct Ping;
/// # struct Pinged(u32);
/// # #[gen_server]
/// # impl Pinged {
/// #     #[info]
/// #     fn ping(&mut self, _: Ping) { self.0 += 1; }
/// #     #[call]
/// #     fn count(&self) -> u32 { self.0 }
/// # }
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() -> Result<(), genserver::Error> {
/// let server = Pinged::start(Pinged(0)).await?;
/// let timer = genserver::send_after(&server, Ping, Duration::from_secs(1))?;
/// assert_eq!(timer.read(), Some(Duration::from_secs(1)));
/// tokio::time::sleep(Duration::from_secs(2)).await; // a paused clock: no real wait
/// assert_eq!(server.count().await?, 1);
/// assert_eq!(timer.cancel(), None, "fired already");
/// # Ok(())
/// # }
/// ```
pub fn send_after<M, D>(dest: &D, message: M, delay: Duration) -> Result<TimerRef, TimerError>
where
    D: Dest<M> + ?Sized,
    M: Send + 'static,
{
    let service = Service::current()?;
    let deadline = deadline_after(delay);
    Ok(service.insert(deadline, Duration::ZERO, once(dest.route(), message)))
}

/// Sends `message` to `dest` at `deadline` (`Process.send_after/4` with
/// `abs: true`). A deadline in the past sends at once (not immediately:
/// see [`send_after`]).
///
/// # Examples
///
/// ```
/// # use std::time::Duration;
/// # use genserver::prelude::*;
/// # #[derive(Clone)]
/// # struct Ping;
/// # struct Pinged(u32);
/// # #[gen_server]
/// # impl Pinged {
/// #     #[info]
/// #     fn ping(&mut self, _: Ping) { self.0 += 1; }
/// #     #[call]
/// #     fn count(&self) -> u32 { self.0 }
/// # }
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() -> Result<(), genserver::Error> {
/// let server = Pinged::start(Pinged(0)).await?;
/// let at = tokio::time::Instant::now() + Duration::from_secs(10);
/// genserver::send_at(&server, Ping, at)?;
/// tokio::time::sleep_until(at + Duration::from_millis(1)).await;
/// assert_eq!(server.count().await?, 1);
/// # Ok(())
/// # }
/// ```
pub fn send_at<M, D>(dest: &D, message: M, deadline: Instant) -> Result<TimerRef, TimerError>
where
    D: Dest<M> + ?Sized,
    M: Send + 'static,
{
    let service = Service::current()?;
    Ok(service.insert(deadline, Duration::ZERO, once(dest.route(), message)))
}

/// Sends a clone of `message` to `dest` every `period`, the first after one
/// period (`:timer.send_interval/3`), until the [`TimerRef`] is cancelled
/// or the destination exits. A period under 1 ms counts as 1 ms.
///
/// # Examples
///
/// ```
/// # use std::time::Duration;
/// # use genserver::prelude::*;
/// # #[derive(Clone)]
/// # struct Ping;
/// # struct Pinged(u32);
/// # #[gen_server]
/// # impl Pinged {
/// #     #[info]
/// #     fn ping(&mut self, _: Ping) { self.0 += 1; }
/// #     #[call]
/// #     fn count(&self) -> u32 { self.0 }
/// # }
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() -> Result<(), genserver::Error> {
/// let server = Pinged::start(Pinged(0)).await?;
/// let interval = genserver::send_interval(&server, Ping, Duration::from_secs(1))?;
/// tokio::time::sleep(Duration::from_millis(3_500)).await;
/// assert_eq!(interval.cancel(), Some(Duration::from_millis(500)));
/// tokio::time::sleep(Duration::from_secs(10)).await;
/// assert_eq!(server.count().await?, 3);
/// # Ok(())
/// # }
/// ```
pub fn send_interval<M, D>(dest: &D, message: M, period: Duration) -> Result<TimerRef, TimerError>
where
    D: Dest<M> + ?Sized,
    M: Clone + Send + 'static,
{
    let service = Service::current()?;
    let period = period.max(MIN_PERIOD);
    let deadline = deadline_after(period);
    let route = dest.route();
    let owner = route.owner();
    let deliver = Box::new(move || route.deliver(message.clone()));
    Ok(service.insert(deadline, period, (deliver, owner)))
}

impl<S: GenServer> Context<S> {
    /// Sends `message` to this server after `delay` (`Process.send_after(self(), ...)`);
    /// see [`send_after`]. The timer dies with the server.
    ///
    /// Called from the server's own task it cannot fail. Called from a
    /// thread outside the runtime (a scoped thread the handler started), it
    /// logs an error and the timer is not set: the `TimerRef` reads as fired.
    ///
    /// # Examples
    ///
    /// A server that ticks every second and sets reminders for itself
    /// ([`send_at`](Context::send_at), [`send_interval`](Context::send_interval)
    /// alike):
    ///
    /// ```
    /// use std::time::Duration;
    /// use genserver::prelude::*;
    /// use tokio::time::Instant;
    ///
    /// #[derive(Clone)]
    /// struct Tick;
    ///
    /// struct Reminder(&'static str);
    ///
    /// #[derive(Default)]
    /// struct Clock {
    ///     ticks: u32,
    ///     reminded: Vec<&'static str>,
    /// }
    ///
    /// #[gen_server]
    /// impl Clock {
    ///     #[init]
    ///     fn init((): (), ctx: &mut Context<Self>) -> Self {
    ///         ctx.send_interval(Tick, Duration::from_secs(1)); // :timer.send_interval(1000, :tick)
    ///         Clock::default()
    ///     }
    ///
    ///     #[cast]
    ///     fn remind(&mut self, what: &'static str, ctx: &mut Context<Self>) {
    ///         ctx.send_after(Reminder(what), Duration::from_secs(10));
    ///         ctx.send_at(Reminder("at 20 s"), Instant::now() + Duration::from_secs(20));
    ///     }
    ///
    ///     #[info]
    ///     fn tick(&mut self, _: Tick) {
    ///         self.ticks += 1;
    ///     }
    ///
    ///     #[info]
    ///     fn reminder(&mut self, reminder: Reminder) {
    ///         self.reminded.push(reminder.0);
    ///     }
    ///
    ///     #[call]
    ///     fn seen(&self) -> (u32, Vec<&'static str>) {
    ///         (self.ticks, self.reminded.clone())
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), genserver::Error> {
    /// let clock = Clock::start(()).await?;
    /// clock.remind("tea");
    /// tokio::time::sleep(Duration::from_millis(20_500)).await;
    /// assert_eq!(clock.seen().await?, (20, vec!["tea", "at 20 s"]));
    /// # Ok(())
    /// # }
    /// ```
    pub fn send_after<M>(&self, message: M, delay: Duration) -> TimerRef
    where
        S: HandleInfo<M>,
        M: Send + 'static,
    {
        in_server(send_after(self, message, delay))
    }

    /// Sends `message` to this server at `deadline` (`abs: true`); see
    /// [`send_at`] and [`send_after`](Context::send_after).
    ///
    /// See the example on [`send_after`](Context::send_after).
    pub fn send_at<M>(&self, message: M, deadline: Instant) -> TimerRef
    where
        S: HandleInfo<M>,
        M: Send + 'static,
    {
        in_server(send_at(self, message, deadline))
    }

    /// Sends a clone of `message` to this server every `period`
    /// (`:timer.send_interval(period, self(), message)`); see
    /// [`send_interval`] and [`send_after`](Context::send_after).
    ///
    /// See the example on [`send_after`](Context::send_after).
    pub fn send_interval<M>(&self, message: M, period: Duration) -> TimerRef
    where
        S: HandleInfo<M>,
        M: Clone + Send + 'static,
    {
        in_server(send_interval(self, message, period))
    }
}

/// A timer set from a server's context: the runtime is there, unless the
/// context was taken to another thread.
fn in_server(timer: Result<TimerRef, TimerError>) -> TimerRef {
    timer.unwrap_or_else(|error| {
        tracing::error!("timer not set: {error}");
        TimerRef {
            service: None,
            index: 0,
            seq: 0,
        }
    })
}

/// A one-shot timer's delivery.
fn once<M: Send + 'static>(route: impl Route<M>, message: M) -> (Deliver, Option<Owner>) {
    let owner = route.owner();
    let mut message = Some(message);
    let deliver = Box::new(move || message.take().is_some_and(|m| route.deliver(m)));
    (deliver, owner)
}

/// The shortest interval period.
const MIN_PERIOD: Duration = Duration::from_millis(1);

/// What a delay too long to represent waits (as tokio's `sleep` does).
const FAR_FUTURE: Duration = Duration::from_secs(86_400 * 365 * 30);

fn deadline_after(delay: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(delay).unwrap_or(now + FAR_FUTURE)
}

/// A pending timer: what [`send_after`] and the others return.
///
/// [`cancel`](TimerRef::cancel) and [`read`](TimerRef::read) answer
/// `Some(time left)` while the timer is pending, `None` once it has fired,
/// was cancelled, or was never set (its destination was not running).
/// Dropping it does not cancel the timer, as in Erlang. Clones refer to
/// the same timer and compare equal.
///
/// # Examples
///
/// ```
/// # use std::time::Duration;
/// # use genserver::prelude::*;
/// # #[derive(Clone)]
/// # struct Ping;
/// # struct Pinged(u32);
/// # #[gen_server]
/// # impl Pinged {
/// #     #[info]
/// #     fn ping(&mut self, _: Ping) { self.0 += 1; }
/// #     #[call]
/// #     fn count(&self) -> u32 { self.0 }
/// # }
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() -> Result<(), genserver::Error> {
/// let server = Pinged::start(Pinged(0)).await?;
/// let timer = genserver::send_after(&server, Ping, Duration::from_secs(60))?;
/// tokio::time::advance(Duration::from_secs(20)).await;
/// assert!(timer.is_pending());
/// assert_eq!(timer.read(), Some(Duration::from_secs(40))); // read_timer
/// assert_eq!(timer.cancel(), Some(Duration::from_secs(40))); // cancel_timer
/// assert_eq!(timer.cancel(), None);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct TimerRef {
    /// `None`: a timer that was never set.
    service: Option<Arc<Service>>,
    /// The timer's slot in the service's wheel.
    index: u32,
    /// Which timer in that slot (see [`Slot::seq`]).
    seq: u32,
}

impl TimerRef {
    /// Cancels the timer (`Process.cancel_timer/1`): the time it had left
    /// if it was pending, `None` if it had fired already (its message may
    /// not have been handled yet), was cancelled, or was never set. An
    /// interval stops: no tick after the cancel is sent.
    ///
    /// See the example on [`TimerRef`].
    pub fn cancel(&self) -> Option<Duration> {
        let service = self.service.as_ref()?;
        let now = service.nanos(Instant::now());
        let mut wheel = service.lock();
        let (deadline, deliver) = wheel.take(self.index, self.seq)?;
        wheel.compact();
        drop(wheel);
        drop(deliver);
        Some(Duration::from_nanos(deadline.saturating_sub(now)))
    }

    /// The time left before the timer fires (`Process.read_timer/1`), or
    /// `None` if it is not pending (see [`cancel`](TimerRef::cancel)).
    /// For an interval, the time left before its next tick.
    ///
    /// See the example on [`TimerRef`].
    pub fn read(&self) -> Option<Duration> {
        let service = self.service.as_ref()?;
        let now = service.nanos(Instant::now());
        let deadline = service.lock().get(self.index, self.seq)?.deadline;
        Some(Duration::from_nanos(deadline.saturating_sub(now)))
    }

    /// Whether the timer is still pending.
    ///
    /// See the example on [`TimerRef`].
    pub fn is_pending(&self) -> bool {
        self.read().is_some()
    }

    fn service_ptr(&self) -> *const Service {
        self.service.as_ref().map_or(std::ptr::null(), Arc::as_ptr)
    }
}

impl PartialEq for TimerRef {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.service_ptr(), other.service_ptr())
            && self.index == other.index
            && self.seq == other.seq
    }
}

impl Eq for TimerRef {}

impl std::hash::Hash for TimerRef {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.service_ptr().hash(state);
        self.index.hash(state);
        self.seq.hash(state);
    }
}

impl fmt::Debug for TimerRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#Timer<{}.{}>", self.index, self.seq)
    }
}

/// Sends a timer's message; `false` if the destination is gone for good.
type Deliver = Box<dyn FnMut() -> bool + Send>;

/// A time as nanoseconds since the service's `base`: 8 bytes where an
/// `Instant` takes 16, and 584 years of range.
type Nanos = u64;

/// One timer's place in the wheel: 40 bytes.
struct Slot {
    /// When it fires (an interval: its next tick).
    deadline: Nanos,
    /// An interval's period; zero for a one-shot timer.
    period: Nanos,
    /// `None` in a free slot, and while an interval's tick is delivered.
    deliver: Option<Deliver>,
    /// Which timer holds the slot (0: none), from the wheel's counter, so
    /// that (index, seq) names one timer and a stale [`TimerRef`] or heap
    /// entry finds its slot taken by another. The counter is 32 bits: a
    /// `TimerRef` would mistake a new timer for its own only if it was kept
    /// while 4 billion timers were set and the new one took its old slot.
    seq: u32,
}

/// A deadline in the heap: 16 bytes. The heap is a max-heap, so the order
/// is reversed: the earliest deadline first, then the timer set first.
#[derive(PartialEq, Eq)]
struct Due {
    deadline: Nanos,
    seq: u32,
    index: u32,
}

impl Ord for Due {
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .deadline
            .cmp(&self.deadline)
            .then(other.seq.cmp(&self.seq))
    }
}

impl PartialOrd for Due {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The pending timers of one runtime.
#[derive(Default)]
struct Wheel {
    slots: Vec<Slot>,
    /// Free slots, to reuse before growing.
    free: Vec<u32>,
    /// Deadlines. A cancelled timer's entry stays until it comes up or the
    /// heap is compacted (see [`Wheel::compact`]).
    heap: BinaryHeap<Due>,
    /// Pending timers.
    live: usize,
    /// The last `seq` handed out.
    seq: u32,
    /// The timers (index, seq) of each destination server, for dropping them
    /// when it exits; entries of timers gone since are weeded out as a list
    /// grows.
    owners: HashMap<ServerId, Vec<(u32, u32)>>,
    /// The service task's waker, while it waits.
    waker: Option<Waker>,
    /// The deadline the service task's sleep is set for while it waits
    /// (`None`: no sleep); a timer due earlier wakes it.
    armed: Option<Nanos>,
}

impl Wheel {
    /// Takes a free slot: (index, seq).
    fn alloc(&mut self, deadline: Nanos, period: Nanos, deliver: Deliver) -> (u32, u32) {
        self.live += 1;
        self.seq = self.seq.wrapping_add(1).max(1);
        let slot = Slot {
            deadline,
            period,
            deliver: Some(deliver),
            seq: self.seq,
        };
        let index = if let Some(index) = self.free.pop() {
            self.slots[index as usize] = slot;
            index
        } else {
            self.slots.push(slot);
            // More than 4 billion pending timers do not fit in memory anyway.
            u32::try_from(self.slots.len() - 1).unwrap_or(u32::MAX)
        };
        (index, self.seq)
    }

    /// The pending timer (index, seq), if it still is.
    fn get(&self, index: u32, seq: u32) -> Option<&Slot> {
        self.slots
            .get(index as usize)
            .filter(|slot| slot.seq == seq && seq != 0)
    }

    fn get_mut(&mut self, index: u32, seq: u32) -> Option<&mut Slot> {
        self.slots
            .get_mut(index as usize)
            .filter(|slot| slot.seq == seq && seq != 0)
    }

    /// Removes a timer: its deadline and delivery (to drop outside the lock).
    fn take(&mut self, index: u32, seq: u32) -> Option<(Nanos, Option<Deliver>)> {
        let slot = self.get_mut(index, seq)?;
        slot.seq = 0;
        let taken = (slot.deadline, slot.deliver.take());
        self.free.push(index);
        self.live -= 1;
        if self.live == 0 && self.slots.capacity() > 64 {
            // A burst is over: give its memory back. (The heap entries
            // left are all stale, and owner lists check seq.)
            self.slots = Vec::new();
            self.free = Vec::new();
            self.heap = BinaryHeap::new();
        }
        Some(taken)
    }

    /// Drops the heap's stale entries once they outnumber the live ones,
    /// so that cancelling long timers over and over does not grow it.
    fn compact(&mut self) {
        if self.heap.len() > 64 && self.heap.len() > 2 * self.live {
            let slots = &self.slots;
            self.heap.retain(|due| {
                slots
                    .get(due.index as usize)
                    .is_some_and(|slot| slot.seq == due.seq && slot.deadline == due.deadline)
            });
        }
    }

    /// Notes a timer of `owner`'s; `false` if this is the owner's first.
    fn own(&mut self, owner: ServerId, index: u32, seq: u32) -> bool {
        let Some(list) = self.owners.get_mut(&owner) else {
            return false;
        };
        if list.len() == list.capacity() {
            let slots = &self.slots;
            list.retain(|&(index, seq)| {
                slots
                    .get(index as usize)
                    .is_some_and(|slot| slot.seq == seq)
            });
        }
        list.push((index, seq));
        true
    }
}

/// The timer service of one runtime: the pending timers, and the task that
/// fires them.
struct Service {
    wheel: Mutex<Wheel>,
    /// Set when the service task is gone (its runtime shut down): timers
    /// set from now on are dropped at once.
    closed: AtomicBool,
    /// The key of the exit hooks this service sets on destination servers.
    hook: u64,
    runtime: tokio::runtime::Id,
    /// What the wheel's [`Nanos`] count from.
    base: Instant,
}

/// The services of the running runtimes.
static SERVICES: Mutex<Vec<Arc<Service>>> = Mutex::new(Vec::new());

thread_local! {
    /// The service this thread used last, to skip the global list.
    static CURRENT: RefCell<Option<Arc<Service>>> = const { RefCell::new(None) };
}

impl Service {
    /// The service of the runtime this runs in, started on first use.
    fn current() -> Result<Arc<Service>, TimerError> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| TimerError::NoRuntime)?;
        let id = runtime.id();
        let cached = CURRENT.with_borrow(|current| {
            current
                .as_ref()
                .filter(|service| service.runtime == id && !service.is_closed())
                .cloned()
        });
        if let Some(service) = cached {
            return Ok(service);
        }
        let (service, new) = {
            let mut services = SERVICES.lock().unwrap_or_else(PoisonError::into_inner);
            services.retain(|service| !service.is_closed());
            if let Some(service) = services.iter().find(|service| service.runtime == id) {
                (Arc::clone(service), false)
            } else {
                let service = Arc::new(Service {
                    wheel: Mutex::default(),
                    closed: AtomicBool::new(false),
                    hook: unique(),
                    runtime: id,
                    base: Instant::now(),
                });
                services.push(Arc::clone(&service));
                (service, true)
            }
        };
        if new {
            // Outside the list's lock: on a runtime that is shutting down
            // the task is dropped at once, and closing takes that lock.
            runtime.spawn(ServiceTask {
                service: Arc::clone(&service),
                sleep: None,
            });
        }
        CURRENT.set(Some(Arc::clone(&service)));
        Ok(service)
    }

    fn is_closed(&self) -> bool {
        self.closed.load(MemoryOrdering::Acquire)
    }

    fn lock(&self) -> MutexGuard<'_, Wheel> {
        // Nothing runs user code under this lock, so the wheel is
        // consistent even if a panic poisoned it.
        self.wheel.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `time` on the wheel's scale (a time before `base` is `base`).
    fn nanos(&self, time: Instant) -> Nanos {
        u64::try_from(time.saturating_duration_since(self.base).as_nanos()).unwrap_or(u64::MAX)
    }

    /// A wheel time as an `Instant`.
    fn instant(&self, nanos: Nanos) -> Instant {
        let after = Duration::from_nanos(nanos);
        self.base
            .checked_add(after)
            .unwrap_or(self.base + FAR_FUTURE)
    }

    /// Adds a timer (`period` zero: a one-shot). If its destination is not
    /// running, or the service is closed, the timer is dropped and the ref
    /// reads as fired.
    fn insert(
        self: Arc<Self>,
        deadline: Instant,
        period: Duration,
        (deliver, owner): (Deliver, Option<Owner>),
    ) -> TimerRef {
        let deadline = self.nanos(deadline);
        let period = u64::try_from(period.as_nanos()).unwrap_or(u64::MAX);
        let mut wheel = self.lock();
        if self.is_closed() {
            drop(wheel);
            drop(deliver);
            return TimerRef {
                service: None,
                index: 0,
                seq: 0,
            };
        }
        let (index, seq) = wheel.alloc(deadline, period, deliver);
        if let Some(Owner(owner)) = owner {
            let id = owner.id();
            if !wheel.own(id, index, seq) {
                // The owner's first timer here: drop its timers when it
                // exits. (Lock order: the service, then a mailbox; exit
                // hooks run outside the mailbox's lock.)
                let service = Arc::downgrade(&self);
                let hook = Box::new(move |id, _: &_| drop_owned(&service, id));
                if owner.add_hook(HookKey::Other(self.hook), hook).is_err() {
                    let taken = wheel.take(index, seq);
                    drop(wheel);
                    drop(taken);
                    return TimerRef {
                        service: Some(self),
                        index,
                        seq,
                    };
                }
                wheel.owners.insert(id, vec![(index, seq)]);
            }
        }
        wheel.heap.push(Due {
            deadline,
            seq,
            index,
        });
        let waker = match wheel.armed {
            Some(armed) if armed <= deadline => None,
            _ => wheel.waker.take(),
        };
        drop(wheel);
        if let Some(waker) = waker {
            waker.wake();
        }
        TimerRef {
            service: Some(self),
            index,
            seq,
        }
    }

    /// Fires what is due, then waits for the next deadline.
    fn poll_fire(&self, sleep: &mut Option<Sleep>, cx: &mut TaskContext<'_>) -> Poll<()> {
        loop {
            let now = self.nanos(Instant::now());
            let mut fired: Vec<(u32, u32, Deliver, bool)> = Vec::new();
            let mut wheel = self.lock();
            while let Some(due) = wheel.heap.peek() {
                if due.deadline > now {
                    break;
                }
                let Due {
                    deadline,
                    seq,
                    index,
                } = wheel.heap.pop().expect("peeked");
                let Some(slot) = wheel.get_mut(index, seq) else {
                    continue; // cancelled
                };
                if slot.deadline != deadline {
                    continue; // stale
                }
                if slot.period == 0 {
                    if let Some((_, Some(deliver))) = wheel.take(index, seq) {
                        fired.push((index, seq, deliver, false));
                    }
                } else if let Some(deliver) = slot.deliver.take() {
                    // Ticks missed (a blocked runtime) are not made up for.
                    let next = deadline.saturating_add(slot.period);
                    slot.deadline = if next > now {
                        next
                    } else {
                        now.saturating_add(slot.period)
                    };
                    fired.push((index, seq, deliver, true));
                }
            }
            if fired.is_empty() {
                match &wheel.waker {
                    Some(waker) if waker.will_wake(cx.waker()) => {}
                    _ => wheel.waker = Some(cx.waker().clone()),
                }
                let next = wheel.heap.peek().map(|due| due.deadline);
                wheel.armed = next;
                drop(wheel);
                let Some(next) = next else {
                    *sleep = None;
                    return Poll::Pending;
                };
                let next = self.instant(next);
                // Tokio's timer, or the timer thread on a runtime built
                // without it.
                let sleep = sleep.get_or_insert_with(|| Sleep::until(next));
                if sleep.deadline() != next {
                    sleep.reset(next);
                }
                if Pin::new(sleep).poll(cx).is_pending() {
                    return Poll::Pending;
                }
                continue;
            }
            wheel.armed = None;
            drop(wheel);
            self.deliver(fired);
            // Let the rest of the runtime run before the next round (the
            // servers just sent to, too).
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
    }

    /// Delivers fired timers, outside the lock, and puts intervals back.
    fn deliver(&self, fired: Vec<(u32, u32, Deliver, bool)>) {
        let mut back = Vec::new();
        for (index, seq, mut deliver, interval) in fired {
            // A panic (in a message's `Clone`, say) drops that timer, not
            // the service.
            let alive = catch_unwind(AssertUnwindSafe(&mut deliver)).unwrap_or_else(|_| {
                tracing::error!("a timer's message panicked while being sent; timer dropped");
                false
            });
            if interval {
                back.push((index, seq, alive.then_some(deliver)));
            }
        }
        if back.is_empty() {
            return;
        }
        // Deliveries to drop once the lock is released: dropping one runs the
        // message's `Drop`, which may cancel or set a timer (take this lock).
        let mut dropped = Vec::new();
        let mut wheel = self.lock();
        for (index, seq, deliver) in back {
            match (wheel.get_mut(index, seq), deliver) {
                (Some(slot), Some(deliver)) => {
                    slot.deliver = Some(deliver);
                    let deadline = slot.deadline;
                    wheel.heap.push(Due {
                        deadline,
                        seq,
                        index,
                    });
                }
                // The destination is gone.
                (Some(_), None) => dropped.push(wheel.take(index, seq).and_then(|(_, d)| d)),
                // Cancelled while it was being delivered.
                (None, deliver) => dropped.push(deliver),
            }
        }
        drop(wheel);
        drop(dropped);
    }

    /// The service task is gone: drop every timer.
    fn close(&self) {
        let wheel = {
            let mut wheel = self.lock();
            self.closed.store(true, MemoryOrdering::Release);
            std::mem::take(&mut *wheel)
        };
        drop(wheel);
        let mut services = SERVICES.lock().unwrap_or_else(PoisonError::into_inner);
        services.retain(|service| !std::ptr::eq(Arc::as_ptr(service), self));
    }
}

/// A destination server exited: drop its timers.
fn drop_owned(service: &Weak<Service>, owner: ServerId) {
    let Some(service) = service.upgrade() else {
        return;
    };
    let mut wheel = service.lock();
    let Some(list) = wheel.owners.remove(&owner) else {
        return;
    };
    let timers: Vec<_> = list
        .into_iter()
        .filter_map(|(index, seq)| wheel.take(index, seq))
        .collect();
    wheel.compact();
    drop(wheel);
    drop(timers);
}

/// The task of a timer service. A future by hand rather than an `async fn`
/// so that dropping it closes the service even if it never ran (spawned on
/// a runtime that was shutting down).
struct ServiceTask {
    service: Arc<Service>,
    sleep: Option<Sleep>,
}

impl Future for ServiceTask {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<()> {
        let this = self.get_mut();
        this.service.poll_fire(&mut this.sleep, cx)
    }
}

impl Drop for ServiceTask {
    fn drop(&mut self) {
        self.service.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pending_timer_is_small() {
        // A slab slot and a heap entry; the boxed delivery (the route and
        // the message) and an entry in its owner's list come on top.
        assert_eq!(std::mem::size_of::<Slot>(), 40);
        assert_eq!(std::mem::size_of::<Due>(), 16);
        assert_eq!(std::mem::size_of::<TimerRef>(), 16);
    }
}
