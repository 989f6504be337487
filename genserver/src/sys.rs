//! `:sys`: looking into a running server, for tests and debugging.
//!
//! Erlang's `sys` module speaks a protocol every special process
//! understands. Here the requests travel as system messages through the
//! server's one mailbox, so they are ordered with everything else, are
//! served while the server is suspended, and do not cancel an idle
//! timeout. Each function takes the server (a [`ServerRef`] or a
//! [`Handle`], see [`Target`]) and waits for the answer as long as a call
//! would: the handle's call timeout, 5 s unless set with
//! [`Handle::with_timeout`]. Like a call, a request can be made from
//! anywhere: a plain thread through [`block_on`](crate::block_on), or a
//! runtime built without tokio's time driver (the timeout then falls back
//! to genserver's timer thread).
//!
//! | Erlang                         | here                                          |
//! |--------------------------------|-----------------------------------------------|
//! | `sys:get_state/1,2`            | [`get_state`] (a closure picks what to copy out), [`get_state_debug`] |
//! | `sys:replace_state/2,3`        | [`replace_state`] (the closure builds the new state from `&S`) |
//! | `sys:suspend/1,2`, `resume/1,2`| [`suspend`], [`resume`]                       |
//! | `sys:get_status/1,2`           | [`get_status`], with the state as [`GenServer::format_status`] shows it |
//! | `sys:statistics/2,3`           | [`statistics`] (on/off) and [`get_statistics`] (`get`) |
//! | `sys:trace/2,3`                | [`trace`]: `*DBG*` lines through `tracing`     |
//! | `sys:no_debug/1,2`             | [`no_debug`]: trace and statistics off         |
//!
//! Deviations, in Erlang's terms: a failing `sys` request returns a
//! [`SysError`] instead of making the caller exit; `get_state` runs a
//! closure in the server rather than copying the whole state out (a Rust
//! state need not be `Clone`); `replace_state`'s closure gets the state by
//! reference and returns the new one, so that a closure that panics
//! (`callback_failed`) leaves the old state exactly as it was.
//!
//! ```
//! use genserver::prelude::*;
//! use genserver::sys;
//!
//! #[derive(Debug)]
//! struct Counter(u64);
//!
//! #[gen_server]
//! impl Counter {
//!     #[cast]
//!     fn add(&mut self, n: u64) {
//!         self.0 += n;
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), sys::SysError> {
//! let counter = Counter::start(Counter(0)).await.unwrap();
//! counter.add(2);
//! assert_eq!(sys::get_state(&counter, |c| c.0).await?, 2);
//! sys::replace_state(&counter, |c| Counter(c.0 * 10)).await?;
//! assert_eq!(sys::get_state_debug(&counter).await?, "Counter(20)");
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use tokio::time::Instant;

use crate::error::ExitReason;
use crate::process::blocking::within;
use crate::process::context::Context;
use crate::process::handle::{Handle, ServerId, ServerRef};
use crate::process::mailbox::Envelope;
use crate::server::{GenServer, Message};

/// A server's `:sys` debug state; lives in its context, made on first use.
pub(crate) struct Debug<S: GenServer> {
    /// `sys:suspend`: only system messages are handled until `resume`.
    pub(crate) suspended: bool,
    /// What arrived while suspended, in order, to be handled on `resume`.
    /// In a `Mutex` only so that the context is `Sync` (reached with
    /// `get_mut`, never locked).
    pub(crate) deferred: Mutex<Vec<Envelope<S>>>,
    /// `sys:statistics`: messages taken from the mailbox since it was switched on.
    pub(crate) messages_in: Option<u64>,
    /// When statistics were switched on: the wall clock and tokio's clock.
    pub(crate) stats_since: Option<(SystemTime, Instant)>,
    /// `sys:trace`: log each message and reply.
    pub(crate) trace: bool,
}

impl<S: GenServer> Default for Debug<S> {
    fn default() -> Self {
        Debug {
            suspended: false,
            deferred: Mutex::new(Vec::new()),
            messages_in: None,
            stats_since: None,
            trace: false,
        }
    }
}

impl<S: GenServer> Debug<S> {
    /// The messages set aside while suspended.
    pub(crate) fn deferred(&mut self) -> &mut Vec<Envelope<S>> {
        self.deferred
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Why a `:sys` request got no answer.
///
/// # Examples
///
/// ```
/// use genserver::prelude::*;
/// use genserver::sys::{self, SysError};
///
/// struct Counter(u64);
///
/// #[gen_server]
/// impl Counter {
///     #[call]
///     fn get(&self) -> u64 {
///         self.0
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), genserver::Error> {
/// let counter = Counter::start(Counter(1)).await?;
/// match sys::get_state(&counter, |_| -> u64 { panic!("bad probe") }).await {
///     Err(SysError::CallbackFailed(message)) => assert_eq!(&*message, "bad probe"),
///     other => panic!("{other:?}"),
/// }
/// assert_eq!(counter.get().await?, 1); // the server runs on, its state unchanged
/// counter.stop().await?;
/// assert_eq!(sys::get_state(&counter, |c| c.0).await, Err(SysError::NoProc));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SysError {
    /// The server was not running when the request was made (`noproc`).
    NoProc,
    /// No answer within the handle's call timeout (`timeout`). A suspended
    /// server still answers `:sys` requests, so this means the server is
    /// busy in a handler.
    Timeout,
    /// The request was made from inside the server itself, which would
    /// wait for itself until the timeout (`calling_self`).
    CallingSelf,
    /// The server exited before it answered.
    Exit(ExitReason),
    /// The closure given to [`get_state`] or [`replace_state`] panicked,
    /// with this message (`callback_failed`). The state is unchanged and
    /// the server runs on.
    CallbackFailed(Arc<str>),
}

impl fmt::Display for SysError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SysError::NoProc => f.write_str("no such process: the server is not running"),
            SysError::Timeout => f.write_str("sys request timed out: the server did not answer"),
            SysError::CallingSelf => {
                f.write_str("calling self: a server cannot make a sys request to itself")
            }
            SysError::Exit(reason) => write!(f, "the server exited before it answered ({reason})"),
            SysError::CallbackFailed(message) => {
                write!(f, "callback failed: the state function panicked: {message}")
            }
        }
    }
}

impl std::error::Error for SysError {}

/// What a `:sys` function accepts as the server: a [`ServerRef`] (with the
/// default 5 s timeout) or a [`Handle`] (with its own:
/// `sys::suspend(&server.handle().with_timeout(d))`).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use genserver::prelude::*;
/// use genserver::sys::{self, SysError, Target};
///
/// struct Counter(u64);
///
/// #[gen_server]
/// impl Counter {}
///
/// /// Reads the count of any reference to a counter.
/// async fn count<T: Target<Server = Counter>>(server: &T) -> Result<u64, SysError> {
///     assert!(server.sys_handle().is_alive());
///     sys::get_state(server, |counter| counter.0).await
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), genserver::Error> {
/// let counter = Counter::start(Counter(3)).await?;
/// assert_eq!(count(&counter).await?, 3); // a ServerRef: the 5 s default
/// assert_eq!(count(&counter.handle().with_timeout(Duration::from_secs(1))).await?, 3);
/// # Ok(())
/// # }
/// ```
pub trait Target {
    /// The server's type.
    ///
    /// See the example on [`Target`].
    type Server: GenServer;
    /// The handle requests go through, and whose timeout they use.
    ///
    /// See the example on [`Target`].
    fn sys_handle(&self) -> &Handle<Self::Server>;
}

impl<S: GenServer> Target for ServerRef<S> {
    type Server = S;
    fn sys_handle(&self) -> &Handle<S> {
        self.handle()
    }
}

impl<S: GenServer> Target for Handle<S> {
    type Server = S;
    fn sys_handle(&self) -> &Handle<S> {
        self
    }
}

/// Runs `f` in the server as a system message and waits for its result.
async fn request<T, R>(
    server: &T,
    f: impl FnOnce(&mut T::Server, &mut Context<T::Server>) -> R + Send + 'static,
) -> Result<R, SysError>
where
    T: Target + ?Sized,
    R: Send + 'static,
{
    let handle = server.sys_handle();
    let shared = handle.shared();
    if shared.is_own_task() {
        return Err(SysError::CallingSelf);
    }
    let (tx, rx) = oneshot::async_channel();
    let sent = shared.send_system(Box::new(move |state, ctx| {
        let _ = tx.send(f(state, ctx));
        None
    }));
    if sent.is_err() {
        return Err(SysError::NoProc);
    }
    // The request is dropped unanswered only when the server exits (after
    // publishing its reason): then the reason is the answer.
    let answer = async {
        match rx.await {
            Ok(value) => Ok(value),
            Err(_) => Err(SysError::Exit(shared.exited().await)),
        }
    };
    // Tokio's timer where there is one; the timer thread outside tokio or
    // on a runtime without the time driver, as for a call.
    within(handle.timeout(), answer)
        .await
        .unwrap_or(Err(SysError::Timeout))
}

/// Runs `f` on the server's state and returns what it returns
/// (`sys:get_state`): `sys::get_state(&server, |s| s.count)`, or
/// `|s| s.clone()` for the whole state. Works while the server is
/// suspended.
///
/// A panic in `f` is caught: the caller gets [`SysError::CallbackFailed`]
/// and the server runs on.
///
/// # Examples
///
/// In a test, check what a cast did without a call written for it:
///
/// ```
/// # use genserver::prelude::*;
/// # use genserver::sys;
/// # #[derive(Clone)]
/// # struct Cart { items: Vec<String>, paid: bool }
/// # #[gen_server]
/// # impl Cart {
/// #     #[cast]
/// #     fn add(&mut self, item: String) { self.items.push(item); }
/// #     #[call]
/// #     fn pay(&mut self) -> Result<usize, String> {
/// #         if self.paid { return Err("paid already".into()); }
/// #         self.paid = true;
/// #         Ok(self.items.len())
/// #     }
/// # }
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), genserver::Error> {
/// let cart = Cart::start(Cart { items: Vec::new(), paid: false }).await?;
/// cart.add("tea".into());
/// let items = sys::get_state(&cart, |cart| cart.items.clone()).await?;
/// assert_eq!(items, ["tea"]); // the cast before it was handled first
/// let whole: Cart = sys::get_state(&cart, Cart::clone).await?;
/// assert!(!whole.paid);
/// # Ok(())
/// # }
/// ```
pub async fn get_state<T, R>(
    server: &T,
    f: impl FnOnce(&T::Server) -> R + Send + 'static,
) -> Result<R, SysError>
where
    T: Target + ?Sized,
    R: Send + 'static,
{
    request(server, move |state, _| {
        catch_unwind(AssertUnwindSafe(|| f(state))).map_err(|payload| callback_failed(&*payload))
    })
    .await?
}

/// The server's state as its `Debug` shows it (`sys:get_state`, printed).
/// The raw state, not the [`format_status`](GenServer::format_status)
/// view: this is for tests and debugging of servers that are `Debug`.
///
/// # Examples
///
/// ```
/// use genserver::prelude::*;
/// use genserver::sys;
///
/// #[derive(Debug)]
/// struct Point {
///     x: i32,
///     y: i32,
/// }
///
/// #[gen_server]
/// impl Point {
///     #[cast]
///     fn shift(&mut self, dx: i32, dy: i32) {
///         self.x += dx;
///         self.y += dy;
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), genserver::Error> {
/// let point = Point::start(Point { x: 0, y: 0 }).await?;
/// point.shift(1, 2);
/// assert_eq!(sys::get_state_debug(&point).await?, "Point { x: 1, y: 2 }");
/// # Ok(())
/// # }
/// ```
pub async fn get_state_debug<T>(server: &T) -> Result<String, SysError>
where
    T: Target + ?Sized,
    T::Server: fmt::Debug,
{
    get_state(server, |state| format!("{state:?}")).await
}

/// Replaces the server's state with what `f` builds from it
/// (`sys:replace_state`). Works while the server is suspended.
///
/// `f` gets the state by reference and returns the new one, which then
/// replaces it (and the old one is dropped). If `f` panics, the state is
/// left exactly as it was, the caller gets [`SysError::CallbackFailed`]
/// (Erlang's `callback_failed`) and the server runs on. To change one
/// field of a `Clone` state: `|s| State { count: 0, ..s.clone() }`.
///
/// # Examples
///
/// In a test, put the server in the state a case needs, then exercise it:
///
/// ```
/// # use genserver::prelude::*;
/// # use genserver::sys;
/// # #[derive(Clone)]
/// # struct Cart { items: Vec<String>, paid: bool }
/// # #[gen_server]
/// # impl Cart {
/// #     #[cast]
/// #     fn add(&mut self, item: String) { self.items.push(item); }
/// #     #[call]
/// #     fn pay(&mut self) -> Result<usize, String> {
/// #         if self.paid { return Err("paid already".into()); }
/// #         self.paid = true;
/// #         Ok(self.items.len())
/// #     }
/// # }
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), genserver::Error> {
/// let cart = Cart::start(Cart { items: Vec::new(), paid: false }).await?;
/// sys::replace_state(&cart, |cart| Cart { paid: true, ..cart.clone() }).await?;
/// assert_eq!(cart.pay().await?, Err("paid already".to_string()));
/// # Ok(())
/// # }
/// ```
pub async fn replace_state<T>(
    server: &T,
    f: impl FnOnce(&T::Server) -> T::Server + Send + 'static,
) -> Result<(), SysError>
where
    T: Target + ?Sized,
{
    request(server, move |state, _| {
        let new = catch_unwind(AssertUnwindSafe(|| f(state)))
            .map_err(|payload| callback_failed(&*payload))?;
        // The old state is dropped here, outside the catch: a panicking
        // `Drop` crashes the server as a panicking handler would.
        *state = new;
        Ok(())
    })
    .await?
}

/// Suspends the server (`sys:suspend`): until [`resume`], it handles only
/// `:sys` requests and stops; calls, casts and info messages wait in its
/// mailbox, in order, and a call may time out meanwhile. Returns once the
/// server is suspended.
///
/// # Examples
///
/// ```
/// # use genserver::prelude::*;
/// # use genserver::sys;
/// # struct Counter(u64);
/// # #[gen_server]
/// # impl Counter {
/// #     #[cast]
/// #     fn add(&mut self, n: u64) { self.0 += n; }
/// #     #[call]
/// #     fn get(&self) -> u64 { self.0 }
/// # }
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), genserver::Error> {
/// let counter = Counter::start(Counter(0)).await?;
/// sys::suspend(&counter).await?;
/// counter.add(1); // waits in the mailbox
/// assert_eq!(sys::get_state(&counter, |c| c.0).await?, 0);
/// assert_eq!(sys::get_status(&counter).await?.mode, sys::Mode::Suspended);
/// sys::resume(&counter).await?;
/// assert_eq!(counter.get().await?, 1);
/// # Ok(())
/// # }
/// ```
pub async fn suspend<T: Target + ?Sized>(server: &T) -> Result<(), SysError> {
    request(server, |_, ctx| ctx.extra().sys.suspended = true).await
}

/// Resumes a suspended server (`sys:resume`): what arrived meanwhile is
/// handled, in order, before anything sent later. Resuming a server that
/// is not suspended does nothing.
///
/// See the example on [`suspend`].
pub async fn resume<T: Target + ?Sized>(server: &T) -> Result<(), SysError> {
    request(server, |_, ctx| {
        if let Some(extra) = ctx.extra.as_deref_mut() {
            extra.sys.suspended = false;
        }
    })
    .await
}

/// Switches statistics on or off (`sys:statistics(s, true | false)`).
/// Switching them on again starts the count again.
///
/// # Examples
///
/// ```
/// # use genserver::prelude::*;
/// # use genserver::sys;
/// # struct Counter(u64);
/// # #[gen_server]
/// # impl Counter {
/// #     #[cast]
/// #     fn add(&mut self, n: u64) { self.0 += n; }
/// #     #[call]
/// #     fn get(&self) -> u64 { self.0 }
/// # }
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), genserver::Error> {
/// let counter = Counter::start(Counter(0)).await?;
/// sys::statistics(&counter, true).await?;
/// counter.add(1);
/// counter.add(2);
/// let stats = sys::get_statistics(&counter).await?.expect("switched on");
/// assert_eq!(stats.messages_in, 2);
/// sys::no_debug(&counter).await?;
/// assert_eq!(sys::get_statistics(&counter).await?, None);
/// # Ok(())
/// # }
/// ```
pub async fn statistics<T: Target + ?Sized>(server: &T, on: bool) -> Result<(), SysError> {
    request(server, move |_, ctx| {
        if on {
            let sys = &mut ctx.extra().sys;
            sys.messages_in = Some(0);
            sys.stats_since = Some((SystemTime::now(), Instant::now()));
        } else if let Some(extra) = ctx.extra.as_deref_mut() {
            extra.sys.messages_in = None;
            extra.sys.stats_since = None;
        }
    })
    .await
}

/// The statistics gathered since they were switched on, `None` if they are
/// off (`sys:statistics(s, get)`, `no_statistics`).
///
/// See the example on [`statistics`].
pub async fn get_statistics<T: Target + ?Sized>(
    server: &T,
) -> Result<Option<Statistics>, SysError> {
    request(server, |_, ctx| {
        let sys = &ctx.extra.as_deref()?.sys;
        let ((start_time, since), messages_in) = (sys.stats_since?, sys.messages_in?);
        Some(Statistics {
            start_time,
            current_time: SystemTime::now(),
            elapsed: since.elapsed(),
            messages_in,
        })
    })
    .await
}

/// What [`get_statistics`] returns: Erlang's `start_time`, `current_time`
/// and `messages_in`. (`reductions` has no Rust meaning; `messages_out`
/// would cost every send a count, so it is left out.)
///
/// See the example on [`statistics`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Statistics {
    /// When statistics were switched on (wall clock).
    pub start_time: SystemTime,
    /// Now, as the server saw it (wall clock).
    pub current_time: SystemTime,
    /// Time since statistics were switched on, by tokio's clock (so a test
    /// with a paused clock sees exact figures).
    pub elapsed: Duration,
    /// Calls, casts and info messages taken from the mailbox since then
    /// (`:sys` requests are not counted).
    pub messages_in: u64,
}

/// Switches tracing on or off (`sys:trace`). While on, the server logs
/// through `tracing`, at info level, a `*DBG*` line for each call, cast
/// and info message it takes from its mailbox ("got call get"), for each
/// reply a handler returns ("sent reply (u64) to caller"), and, if
/// [`format_status`](GenServer::format_status) gives a view, the state
/// after each message handled by a plain `fn` handler ("new state ...").
///
/// A reply sent later through a stored [`ReplyTo`](crate::ReplyTo) is not
/// traced: it does not know its server. Off, tracing costs a predictable
/// branch per message on a flag read once per run of messages, and one per
/// returned reply.
///
/// # Examples
///
/// ```
/// use genserver::prelude::*;
/// use genserver::sys::{self, Mode, Status};
///
/// struct Counter(u64);
///
/// #[gen_server]
/// impl Counter {
///     #[cast]
///     fn add(&mut self, n: u64) {
///         self.0 += n;
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), genserver::Error> {
/// let counter = Counter::start(Counter(0)).await?;
/// sys::trace(&counter, true).await?; // with a subscriber: "*DBG* ... got cast add"
/// counter.add(1);
/// let status: Status = sys::get_status(&counter).await?;
/// assert!(status.trace && !status.statistics);
/// assert_eq!((status.id, status.mode), (counter.id(), Mode::Running));
/// assert_eq!(status.state, None); // no `#[format_status]`: the state is not shown
/// sys::trace(&counter, false).await?;
/// assert!(!sys::get_status(&counter).await?.trace);
/// # Ok(())
/// # }
/// ```
pub async fn trace<T: Target + ?Sized>(server: &T, on: bool) -> Result<(), SysError> {
    request(server, move |_, ctx| {
        if on {
            ctx.extra().sys.trace = true;
        } else if let Some(extra) = ctx.extra.as_deref_mut() {
            extra.sys.trace = false;
        }
    })
    .await
}

/// Switches all debugging off: trace and statistics (`sys:no_debug`).
/// It does not resume a suspended server.
///
/// See the example on [`statistics`].
pub async fn no_debug<T: Target + ?Sized>(server: &T) -> Result<(), SysError> {
    request(server, |_, ctx| {
        if let Some(extra) = ctx.extra.as_deref_mut() {
            extra.sys.trace = false;
            extra.sys.messages_in = None;
            extra.sys.stats_since = None;
        }
    })
    .await
}

/// The server's status (`sys:get_status`).
///
/// # Examples
///
/// ```
/// use genserver::prelude::*;
/// use genserver::sys;
///
/// struct Account {
///     owner: String,
///     pin: u32,
/// }
///
/// #[gen_server]
/// impl Account {
///     /// What `get_status` and crash reports show: not the pin.
///     #[format_status]
///     fn status(&self) -> String {
///         format!("account of {}", self.owner)
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), genserver::Error> {
/// let account = Account::start(Account { owner: "ann".into(), pin: 1234 }).await?;
/// let status = sys::get_status(&account).await?;
/// assert_eq!(status.state.as_deref(), Some("account of ann"));
/// assert_eq!(status.mode, sys::Mode::Running);
/// assert_eq!(status.id, account.id());
/// # assert_eq!(sys::get_state(&account, |a| a.pin).await?, 1234);
/// # Ok(())
/// # }
/// ```
pub async fn get_status<T: Target + ?Sized>(server: &T) -> Result<Status, SysError> {
    request(server, |state, ctx| {
        let sys = ctx.extra.as_deref().map(|extra| &extra.sys);
        Status {
            id: ctx.id(),
            type_name: std::any::type_name::<T::Server>(),
            mode: if sys.is_some_and(|sys| sys.suspended) {
                Mode::Suspended
            } else {
                Mode::Running
            },
            trace: sys.is_some_and(|sys| sys.trace),
            statistics: sys.is_some_and(|sys| sys.messages_in.is_some()),
            state: state_view(state),
        }
    })
    .await
}

/// What [`get_status`] returns.
///
/// See the examples on [`trace`] and [`IntoView`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Status {
    /// The server's id (Erlang's pid).
    pub id: ServerId,
    /// The server's type (Erlang's module).
    pub type_name: &'static str,
    /// Running or suspended.
    pub mode: Mode,
    /// Whether [`trace`] is on.
    pub trace: bool,
    /// Whether [`statistics`] are on.
    pub statistics: bool,
    /// The state as [`GenServer::format_status`] shows it; `None` if the
    /// server gives no view (the default). A `format_status` that panicked
    /// shows as `"<Type>::format_status crashed"`.
    pub state: Option<String>,
}

/// Whether a server is running or suspended (`sys:get_status`'s status).
///
/// See the examples on [`suspend`] and [`trace`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// It handles its messages.
    Running,
    /// It handles only `:sys` requests and stops, until resumed.
    Suspended,
}

/// The state as the server's `format_status` shows it, never panicking: a
/// view that panicked shows as `"<Type>::format_status crashed"`, so that
/// nothing of the state leaks.
pub(crate) fn state_view<S: GenServer>(state: &S) -> Option<String> {
    catch_unwind(AssertUnwindSafe(|| state.format_status())).unwrap_or_else(|_| {
        Some(format!(
            "{}::format_status crashed",
            std::any::type_name::<S>()
        ))
    })
}

/// The error for a state closure that panicked.
fn callback_failed(payload: &(dyn std::any::Any + Send)) -> SysError {
    let message = if let Some(message) = payload.downcast_ref::<&'static str>() {
        message
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message
    } else {
        "Box<dyn Any>"
    };
    SysError::CallbackFailed(message.into())
}

/// Traces a message taken from the mailbox (`*DBG* ... got call X`).
/// Out of line and cold: the loop calls it only while tracing.
#[cold]
#[inline(never)]
pub(crate) fn trace_in<S: GenServer>(id: ServerId, envelope: &Envelope<S>) {
    let (kind, name) = match envelope {
        Envelope::Call(request) => ("call", request.name()),
        Envelope::Cast(request) => ("cast", request.name()),
        Envelope::Info(message) => ("info", message.name()),
        Envelope::Stop(_) => ("stop", "stop"),
        Envelope::Signal(_) => ("info", "signal"),
        Envelope::System(_) => return,
    };
    tracing::info!(
        server = std::any::type_name::<S>(),
        id = id.as_u64(),
        kind,
        message = name,
        "*DBG* {}{} got {kind} {name}",
        std::any::type_name::<S>(),
        id,
    );
}

/// Traces an info message that did not come from the mailbox (a
/// continuation, an idle timeout, a trapped exit, a down).
#[cold]
#[inline(never)]
pub(crate) fn trace_info<S: GenServer>(id: ServerId, message: &S::Info) {
    let name = message.name();
    tracing::info!(
        server = std::any::type_name::<S>(),
        id = id.as_u64(),
        kind = "info",
        message = name,
        "*DBG* {}{} got info {name}",
        std::any::type_name::<S>(),
        id,
    );
}

/// Traces the state after a message, if the server gives a view of it.
#[cold]
#[inline(never)]
pub(crate) fn trace_state<S: GenServer>(id: ServerId, state: &S) {
    if let Some(view) = state_view(state) {
        tracing::info!(
            server = std::any::type_name::<S>(),
            id = id.as_u64(),
            state = view.as_str(),
            "*DBG* {}{} new state {view}",
            std::any::type_name::<S>(),
            id,
        );
    }
}

/// Traces a reply a handler returned (`*DBG* ... sent reply (T) to caller`).
#[cold]
#[inline(never)]
pub(crate) fn trace_reply<S: GenServer, T>(id: ServerId) {
    let reply = std::any::type_name::<T>();
    tracing::info!(
        server = std::any::type_name::<S>(),
        id = id.as_u64(),
        reply,
        "*DBG* {}{} sent reply ({reply}) to caller",
        std::any::type_name::<S>(),
        id,
    );
}

/// What a `#[format_status]` method may return: the view of the state
/// (`String`), or `Option<String>` when it sometimes shows none.
///
/// # Examples
///
/// ```
/// use genserver::prelude::*;
/// use genserver::sys;
///
/// struct Session {
///     user: String,
///     token: Option<String>,
/// }
///
/// #[gen_server]
/// impl Session {
///     /// The user, never the token; nothing before login.
///     #[format_status]
///     fn status(&self) -> Option<String> {
///         self.token.as_ref().map(|_| format!("user: {}", self.user))
///     }
///
///     #[cast]
///     fn login(&mut self, token: String) {
///         self.token = Some(token);
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), genserver::Error> {
/// let session = Session::start(Session { user: "ada".into(), token: None }).await?;
/// assert_eq!(sys::get_status(&session).await?.state, None);
/// session.login("secret".into());
/// assert_eq!(sys::get_status(&session).await?.state.as_deref(), Some("user: ada"));
/// # Ok(())
/// # }
/// ```
#[diagnostic::on_unimplemented(
    message = "a `#[format_status]` method returns `String` or `Option<String>`",
    label = "`{Self}` is not a view of the state: format it into a `String`"
)]
pub trait IntoView {
    /// The view, as [`GenServer::format_status`] returns it.
    ///
    /// See the example on [`IntoView`].
    fn into_view(self) -> Option<String>;
}

impl IntoView for String {
    fn into_view(self) -> Option<String> {
        Some(self)
    }
}

impl IntoView for Option<String> {
    fn into_view(self) -> Option<String> {
        self
    }
}
