//! Handles: how clients reach a server.
//!
//! [`ServerRef<S>`] is what `start` returns and what you keep: cheap to
//! clone, and it dereferences to the generated client (`KeyValueStoreClient`),
//! so `kv.get(key)` works on it directly. Both wrap a [`Handle<S>`], which does
//! the actual sending and waiting.
//!
//! A plain server lives while at least one handle exists (or until it
//! stops). When the last handle is dropped nobody can reach it any more: it
//! handles what is still in its mailbox, runs `terminate` with
//! [`ExitReason::Normal`] and exits. Links, names and supervisors hold
//! counted handles too, so a linked, registered or supervised server lives
//! on without the user's references, as an Erlang process does.
//!
//! A call (`GenServer.call/3`) is a future, and like every Rust future it is
//! lazy: `kv.get(key)` sends nothing until it is first polled, so a cast
//! made between creating it and awaiting it arrives first. To send at once
//! and collect the reply later, send a request (`gen_server:send_request/2`):
//! [`ServerRef::request`] (typed, one method per call handler) or
//! [`Handle::send_request`] return a [`Request`].
//!
//! Every client operation works from any executor, not only tokio's: outside
//! a tokio runtime, timeouts are kept without tokio's timer (see
//! [`block_on`](crate::block_on), the blocking twin for synchronous code).

use std::fmt;
use std::future::Future;
use std::ops::Deref;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use crate::error::{CallError, CastError, ExitReason, StopError, WaitError};
use crate::process::blocking::within;
use crate::process::exit_group::ExitGroup;
use crate::process::mailbox::{Envelope, ExitHook, HookKey, NoRoom, Refused, Shared, WaitForRoom};
use crate::server::{Client, GenServer, HandleInfo, SendRequest};

/// The default call timeout, as in Elixir: 5 seconds.
///
/// See the example on [`Handle`].
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// A server's identity: unique within the process, never reused.
///
/// See the example on [`Context::server_ref`](crate::Context::server_ref).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ServerId(pub(crate) u64);

impl ServerId {
    pub(crate) fn next() -> Self {
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(1);
        ServerId(NEXT.fetch_add(1, Ordering::Relaxed))
    }

    /// The number behind the id.
    ///
    /// See the example on [`Context::server_ref`](crate::Context::server_ref).
    pub fn as_u64(self) -> u64 {
        self.0
    }
}

impl fmt::Debug for ServerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

impl fmt::Display for ServerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// The untyped core of a reference to a server: its mailbox and the call
/// timeout to use. Generated clients wrap one; you rarely touch it directly.
///
/// # Examples
///
/// ```
/// # use std::time::Duration;
/// # use genserver::prelude::*;
/// # struct Counter(u64);
/// # struct Reset;
/// # #[gen_server]
/// # impl Counter {
/// #     #[cast]
/// #     fn add(&mut self, n: u64) { self.0 += n; }
/// #     #[call]
/// #     fn get(&self) -> u64 { self.0 }
/// #     #[info]
/// #     fn reset(&mut self, _: Reset) { self.0 = 0; }
/// # }
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), genserver::Error> {
/// let counter = Counter::start_with(Counter(0), StartOptions::new().name("counter")).await?;
/// assert_eq!(counter.handle().timeout(), genserver::DEFAULT_CALL_TIMEOUT); // 5 s
/// let handle = counter.handle().with_timeout(Duration::from_secs(1));
/// assert_eq!(handle.timeout(), Duration::from_secs(1));
/// assert_eq!(handle.id(), counter.id());
/// assert_eq!(handle.type_name(), std::any::type_name::<Counter>());
/// assert_eq!(handle.registered_name().as_deref(), Some("counter"));
/// assert_eq!(handle.mailbox_capacity(), None); // unbounded
///
/// // What the generated methods do: build the request, with its reply handle for a call.
/// handle.cast(CounterCast::Add { n: 2 });
/// assert_eq!(handle.message_queue_len(), 1); // not taken by the server yet
/// let count = handle.call(|reply| CounterCall::Get { reply }).await?;
/// assert_eq!(count, 2);
/// let request = handle.send_request(|reply| CounterCall::Get { reply }); // sent now
/// handle.send(Reset); // an info message, handled after the request
/// assert_eq!(request.await?, 2);
/// assert_eq!(handle.call(|reply| CounterCall::Get { reply }).await?, 0);
///
/// handle.stop_with_timeout(ExitReason::Normal, Duration::from_secs(1)).await?;
/// assert!(!handle.is_alive());
/// assert_eq!(handle.exited().await?, ExitReason::Normal);
/// # Ok(())
/// # }
/// ```
pub struct Handle<S: GenServer> {
    shared: Arc<Shared<S>>,
    /// The call timeout set with `with_timeout`; `None`: the default
    /// ([`DEFAULT_CALL_TIMEOUT`]), which a supervisor's own requests that
    /// wait for children replace with no limit.
    timeout: Option<Duration>,
}

impl<S: GenServer> Handle<S> {
    pub(crate) fn new(shared: Arc<Shared<S>>) -> Self {
        shared.add_handle();
        Handle {
            shared,
            timeout: None,
        }
    }

    /// The server's id.
    ///
    /// See the example on [`Handle`].
    pub fn id(&self) -> ServerId {
        self.shared.id
    }

    /// The name the server is registered under, if any (`None` once it
    /// has exited).
    ///
    /// See the example on [`Handle`].
    pub fn registered_name(&self) -> Option<Arc<str>> {
        self.shared.name()
    }

    /// The server's type, as `std::any::type_name` spells it: what crash
    /// reports and `Debug` show.
    ///
    /// See the example on [`Handle`].
    pub fn type_name(&self) -> &'static str {
        std::any::type_name::<S>()
    }

    /// The server's shared state.
    pub(crate) fn shared(&self) -> &Shared<S> {
        &self.shared
    }

    /// The server's shared state, to hold without keeping the server alive.
    pub(crate) fn shared_arc(&self) -> &Arc<Shared<S>> {
        &self.shared
    }

    /// Whether the server is still running. Like `Process.alive?`, the answer
    /// may be stale by the time you act on it.
    ///
    /// See the example on [`Handle`].
    pub fn is_alive(&self) -> bool {
        self.shared.exit_reason().is_none()
    }

    /// The call timeout this handle uses.
    ///
    /// See the example on [`Handle`].
    pub fn timeout(&self) -> Duration {
        self.timeout.unwrap_or(DEFAULT_CALL_TIMEOUT)
    }

    /// The call timeout set with [`with_timeout`](Handle::with_timeout),
    /// if one was.
    pub(crate) fn explicit_timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// A copy of this handle whose calls time out after `timeout`.
    /// `Duration::MAX` waits forever (`:infinity`).
    ///
    /// See the example on [`Handle`].
    #[must_use]
    pub fn with_timeout(&self, timeout: Duration) -> Self {
        let mut handle = self.clone();
        handle.timeout = Some(timeout);
        handle
    }

    /// Sends a call request built by `request` around the reply handle and
    /// waits for the reply. Generated client methods are one line around this.
    ///
    /// Like every future, the call is lazy: nothing is sent until it is
    /// first polled. [`send_request`](Handle::send_request) sends at once.
    /// It can be driven by any executor; outside tokio its timeout is kept
    /// without tokio's timer.
    ///
    /// See the example on [`Handle`].
    pub async fn call<R: Send + 'static>(
        &self,
        request: impl FnOnce(ReplyTo<R>) -> S::Call,
    ) -> Result<R, CallError> {
        let (tx, rx) = oneshot::async_channel();
        match self
            .shared
            .send(Envelope::Call(request(ReplyTo::new(tx))), true)
        {
            Ok(()) => {}
            Err(Refused::NoProc(_)) => return Err(CallError::NoProc),
            Err(Refused::CallingSelf(_)) => return Err(CallError::CallingSelf),
            // A full bounded mailbox: wait for room, off the common path
            // (boxed, so that it does not make every call future larger).
            Err(Refused::Full(envelope)) => {
                return Box::pin(call_when_full(&self.shared, envelope, rx, self.timeout())).await;
            }
        }
        let mut rx = rx;
        // Most replies arrive within one turn of the scheduler: the server
        // task was woken by the send and runs before this task comes round
        // again. So the first time the reply is not there, ask to be polled
        // again instead of arming a timer, and arm one only if the reply is
        // still missing then. The timeout keeps its meaning (the deadline is
        // taken when the timer is armed, at most one scheduler turn late)
        // and the common case skips the timer wheel entirely.
        let mut early = poll_ready(&mut rx).await;
        // A turn of the scheduler lets it run what is ready, the server
        // included; the reply (whose handle the poll above registered) may
        // wake this task sooner. A wake left over from something else this
        // task waited for can end a turn early, hence a second one before
        // the timer.
        for _ in 0..2 {
            if early.is_some() {
                break;
            }
            next_turn(&self.shared).await;
            early = poll_ready(&mut rx).await;
        }
        if let Some(Ok(value)) = early {
            return Ok(value);
        }
        let mut reply_gone = matches!(early, Some(Err(_)));
        await_reply(&self.shared, &mut rx, &mut reply_gone, self.timeout()).await
    }

    /// Sends a call request and waits for the reply, blocking the thread:
    /// [`call`](Handle::call) for synchronous code, like tokio's
    /// `blocking_recv`. For the generated typed methods, see
    /// [`block_on`](crate::block_on).
    ///
    /// # Errors
    ///
    /// As [`call`](Handle::call), and [`CallError::InRuntime`] (with nothing
    /// sent) on a thread in a tokio runtime's context, where blocking could
    /// stall the server it waits for.
    ///
    /// # Examples
    ///
    /// ```
    /// # use genserver::prelude::*;
    /// # struct Counter(u64);
    /// # #[gen_server]
    /// # impl Counter {
    /// #     #[call]
    /// #     fn get(&self) -> u64 { self.0 }
    /// # }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), genserver::Error> {
    /// let counter = Counter::start(Counter(5)).await?;
    /// let handle = counter.handle().clone();
    /// // From a plain thread, e.g. a C callback or a synchronous library.
    /// let (tx, rx) = tokio::sync::oneshot::channel();
    /// std::thread::spawn(move || tx.send(handle.blocking_call(|reply| CounterCall::Get { reply })));
    /// assert_eq!(rx.await.unwrap(), Ok(5));
    /// // Never on a runtime thread: it could stall the server it waits for.
    /// let refused = counter.handle().blocking_call(|reply| CounterCall::Get { reply });
    /// assert_eq!(refused, Err(CallError::InRuntime));
    /// # Ok(())
    /// # }
    /// ```
    pub fn blocking_call<R: Send + 'static>(
        &self,
        request: impl FnOnce(ReplyTo<R>) -> S::Call,
    ) -> Result<R, CallError> {
        crate::block_on(self.call(request))?
    }

    /// Sends a call request at once and returns a [`Request`] to collect the
    /// reply from later (`gen_server:send_request/2`).
    ///
    /// A call future such as `kv.get(key)` is lazy, as every Rust future is:
    /// it sends nothing until it is first polled, so
    /// `let f = kv.get(k); kv.put(k, v); f.await` sends the put first. A
    /// request is in the mailbox when this returns, ahead of anything sent
    /// after it. The reply is waited for with the handle's timeout when the
    /// request is awaited, or with a timeout of your own with
    /// [`Request::receive_response`] and [`Request::wait_response`].
    ///
    /// A request to a server that is not running fails through its response
    /// ([`CallError::NoProc`]), never here; so does a request to a full
    /// bounded mailbox ([`CallError::Full`]: sending at once cannot wait
    /// for room). A server may send a request to
    /// itself and check for the reply in a later callback; waiting for it in
    /// its own task fails at once with [`CallError::CallingSelf`].
    ///
    /// See the example on [`Handle`]; [`ServerRef::request`] is the typed way.
    pub fn send_request<R: Send + 'static>(
        &self,
        request: impl FnOnce(ReplyTo<R>) -> S::Call,
    ) -> Request<S, R> {
        let (tx, rx) = oneshot::async_channel();
        // Not refused from the server's own task: sending does not wait, and
        // the server may collect the reply in a later callback, as in
        // Erlang. Only waiting for it there is refused (see `wait_response`).
        let state = match self
            .shared
            .send(Envelope::Call(request(ReplyTo::new(tx))), false)
        {
            Ok(()) => Pending::Waiting {
                rx,
                reply_gone: false,
            },
            Err(Refused::Full(_)) => Pending::Failed(CallError::Full),
            Err(_) => Pending::Failed(CallError::NoProc),
        };
        Request {
            shared: Arc::clone(&self.shared),
            state,
            timeout: self.timeout(),
        }
    }

    /// Sends a cast request. Like `GenServer.cast`, it never fails and never
    /// waits: if the server is gone the request is dropped.
    ///
    /// To a full bounded mailbox (see [`backpressure`](crate::backpressure))
    /// it makes room by dropping the oldest cast not yet taken by the
    /// server (`when_full = drop_oldest`); if only calls wait there, this
    /// cast is the one dropped. [`try_cast`](Handle::try_cast) fails
    /// instead, [`cast_wait`](Handle::cast_wait) waits.
    ///
    /// See the example on [`Handle`].
    pub fn cast(&self, request: S::Cast) {
        let _ = self.shared.send(Envelope::Cast(request), false);
    }

    /// Sends a cast request if the mailbox has room, without waiting
    /// (`when_full = fail`). An unbounded mailbox always has room.
    ///
    /// See the example on [`CastError`].
    ///
    /// # Errors
    ///
    /// [`CastError::Full`] if the server's bounded mailbox is full, and
    /// [`CastError::NoProc`] if the server is not running; the request is
    /// dropped.
    pub fn try_cast(&self, request: S::Cast) -> Result<(), CastError> {
        match self.shared.try_send(Envelope::Cast(request)) {
            Ok(()) => Ok(()),
            Err(Refused::Full(_)) => Err(CastError::Full),
            Err(Refused::NoProc(_) | Refused::CallingSelf(_)) => Err(CastError::NoProc),
        }
    }

    /// Sends a cast request, waiting for room in a full bounded mailbox
    /// (`when_full = wait`): the backpressure that makes a fast producer
    /// go at its consumer's pace. Senders waiting for room get in in the
    /// order they came; an unbounded mailbox never makes it wait. Dropping
    /// the future while it waits takes the request back: it is queued
    /// whole or not at all.
    ///
    /// # Errors
    ///
    /// [`CastError::NoProc`] if the server is not running,
    /// [`CastError::Exit`] if it exits while the request waits for room,
    /// and [`CastError::Full`] at once, without waiting, in the server's
    /// own task: only the server empties its mailbox, so it would wait for
    /// itself.
    ///
    /// # Examples
    ///
    /// ```
    /// # use genserver::prelude::*;
    /// struct Sum(u64);
    ///
    /// #[gen_server]
    /// impl Sum {
    ///     #[cast]
    ///     fn add(&mut self, n: u64) {
    ///         self.0 += n;
    ///     }
    ///
    ///     #[call]
    ///     fn total(&self) -> u64 {
    ///         self.0
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), genserver::Error> {
    /// let sum = Sum::start_with(Sum(0), StartOptions::new().mailbox(4)).await?;
    /// let handle = sum.handle();
    /// assert_eq!(handle.mailbox_capacity(), Some(4));
    /// for n in 1..=100 {
    ///     handle.cast_wait(SumCast::Add { n }).await?; // waits whenever 4 are queued
    ///     assert!(handle.message_queue_len() <= 4);
    /// }
    /// assert_eq!(sum.total().await?, 5050);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn cast_wait(&self, request: S::Cast) -> Result<(), CastError> {
        WaitForRoom::new(&self.shared, Envelope::Cast(request))
            .await
            .map_err(|no_room| match no_room {
                NoRoom::NoProc => CastError::NoProc,
                NoRoom::Exit(reason) => CastError::Exit(reason),
                NoRoom::OwnTask => CastError::Full,
            })
    }

    /// How many messages wait in the server's mailbox, not yet taken by
    /// the server (`Process.info(pid, :message_queue_len)`). The server
    /// takes its mail in batches, so the messages of the batch it is
    /// working through are not counted. Like every look at another
    /// process, the answer may be stale by the time you act on it.
    ///
    /// See the example on [`Handle`].
    pub fn message_queue_len(&self) -> usize {
        self.shared.message_queue_len()
    }

    /// The bound of the server's mailbox, if it has one (see
    /// [`backpressure`](crate::backpressure)).
    ///
    /// See the examples on [`Handle`] and [`cast_wait`](Handle::cast_wait).
    pub fn mailbox_capacity(&self) -> Option<usize> {
        self.shared.capacity()
    }

    /// Sends an info message. Never fails; dropped if the server is gone.
    ///
    /// See the example on [`Handle`].
    pub fn send<I>(&self, message: I)
    where
        S: HandleInfo<I>,
    {
        let _ = self
            .shared
            .send(Envelope::Info(S::into_info(message)), false);
    }

    /// Stops the server with `reason` and waits until it has exited: the
    /// request is queued behind what was sent before it, then `terminate`
    /// runs. Waits at most `timeout` (`Duration::MAX`: no limit).
    ///
    /// See the example on [`Handle`].
    pub async fn stop_with_timeout(
        &self,
        reason: ExitReason,
        timeout: Duration,
    ) -> Result<(), StopError> {
        match self
            .shared
            .send(Envelope::Stop(Box::new(reason.clone())), true)
        {
            Ok(()) => {}
            // A stop bypasses a mailbox's bound: never `Full`.
            Err(Refused::NoProc(_) | Refused::Full(_)) => return Err(StopError::NoProc),
            Err(Refused::CallingSelf(_)) => return Err(StopError::CallingSelf),
        }
        let exited = within(timeout, self.shared.exited())
            .await
            .ok_or(StopError::Timeout)?;
        if exited.same_as(&reason) {
            Ok(())
        } else {
            Err(StopError::Exit(exited))
        }
    }

    /// Waits until the server has exited, and returns why.
    ///
    /// Fails at once with [`WaitError::CallingSelf`] inside the server's own
    /// task once it serves (in a handler or `terminate`), which would wait
    /// for itself forever.
    ///
    /// See the example on [`Handle`].
    pub async fn exited(&self) -> Result<ExitReason, WaitError> {
        if self.shared.is_own_task() {
            return Err(WaitError::CallingSelf);
        }
        Ok(self.shared.exited().await)
    }
}

impl<S: GenServer> Clone for Handle<S> {
    fn clone(&self) -> Self {
        self.shared.add_handle();
        Handle {
            shared: Arc::clone(&self.shared),
            timeout: self.timeout,
        }
    }
}

impl<S: GenServer> Drop for Handle<S> {
    fn drop(&mut self) {
        self.shared.drop_handle();
    }
}

impl<S: GenServer> fmt::Debug for Handle<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("Handle");
        out.field("server", &std::any::type_name::<S>())
            .field("id", &self.shared.id);
        if let Some(name) = self.registered_name() {
            out.field("name", &name);
        }
        out.field("timeout", &self.timeout()).finish()
    }
}

/// A reference to a running server: what `start` returns.
///
/// It dereferences to the server's generated client, so the handler methods
/// are available on it directly (`kv.get(key).await`). Cloning is cheap and
/// every clone talks to the same server.
///
/// # Examples
///
/// ```
/// use genserver::prelude::*;
///
/// struct Counter(u64);
///
/// #[gen_server]
/// impl Counter {
///     #[cast]
///     fn add(&mut self, n: u64) {
///         self.0 += n;
///     }
///
///     #[call]
///     fn get(&self) -> u64 {
///         self.0
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), genserver::Error> {
/// let counter: ServerRef<Counter> = Counter::start(Counter(0)).await?;
/// let other = counter.clone(); // the same server
/// other.add(2); // the handlers are methods of the reference
/// assert_eq!(counter.get().await?, 2);
/// assert_eq!(counter.id(), other.id());
/// assert_eq!(counter.handle().id(), counter.id()); // the untyped core
/// assert_eq!(counter.type_name(), std::any::type_name::<Counter>());
/// assert_eq!(counter.registered_name(), None); // started without a name
/// counter.stop().await?; // terminate ran, the server is gone
/// assert!(!other.is_alive());
/// assert_eq!(other.get().await, Err(CallError::NoProc));
/// # Ok(())
/// # }
/// ```
pub struct ServerRef<S: GenServer> {
    client: S::Client,
}

impl<S: GenServer> ServerRef<S> {
    pub(crate) fn from_handle(handle: Handle<S>) -> Self {
        ServerRef {
            client: S::Client::from_handle(handle),
        }
    }

    /// The underlying untyped handle.
    ///
    /// See the example on [`ServerRef`].
    pub fn handle(&self) -> &Handle<S> {
        self.client.handle()
    }

    /// The server's id.
    ///
    /// See the example on [`ServerRef`].
    pub fn id(&self) -> ServerId {
        self.handle().id()
    }

    /// Whether the server is still running.
    ///
    /// See the example on [`ServerRef`].
    pub fn is_alive(&self) -> bool {
        self.handle().is_alive()
    }

    /// The name the server is registered under, if any (`None` once it
    /// has exited): `Process.info(pid, :registered_name)`.
    ///
    /// See the examples on [`ServerRef`] and [`Handle`].
    pub fn registered_name(&self) -> Option<Arc<str>> {
        self.handle().registered_name()
    }

    /// The typed request API: `kv.request().get(key)` sends the call at
    /// once and returns a [`Request`] to collect the reply from later
    /// (`gen_server:send_request/2`). See [`Handle::send_request`].
    ///
    /// See the examples on [`Request`] and [`ReplyTo`].
    pub fn request(&self) -> S::Requests
    where
        S: SendRequest,
    {
        S::Requests::from_handle(self.handle().clone())
    }

    /// The server's type, as `std::any::type_name` spells it.
    ///
    /// See the example on [`ServerRef`].
    pub fn type_name(&self) -> &'static str {
        self.handle().type_name()
    }

    /// The client API with another call timeout (`Duration::MAX` waits forever):
    /// `kv.with_timeout(Duration::from_millis(50)).get(key).await`.
    ///
    /// See the examples on [`CallError`] and [`ReplyTo::is_closed`].
    #[must_use]
    pub fn with_timeout(&self, timeout: Duration) -> S::Client {
        S::Client::from_handle(self.handle().with_timeout(timeout))
    }

    /// Sends an info message to an `#[info]` handler that takes an `I`. Never
    /// fails; dropped if the server is gone.
    ///
    /// See the example on [`HandleInfo`](crate::HandleInfo).
    pub fn send<I>(&self, message: I)
    where
        S: HandleInfo<I>,
    {
        self.handle().send(message);
    }

    /// Stops the server with [`ExitReason::Normal`] and waits until `terminate`
    /// has run and the server has exited (`GenServer.stop/1`). Messages sent
    /// before the stop are handled first.
    ///
    /// See the example on [`ServerRef`].
    pub async fn stop(&self) -> Result<(), StopError> {
        self.stop_with(ExitReason::Normal).await
    }

    /// Stops the server with `reason` (`GenServer.stop/2`). A reason other than
    /// normal or shutdown is logged as a crash, as in Elixir.
    ///
    /// See the example on [`Down`](crate::Down).
    pub async fn stop_with(&self, reason: ExitReason) -> Result<(), StopError> {
        self.handle().stop_with_timeout(reason, Duration::MAX).await
    }

    /// Waits until the server has exited, and returns why (like a monitor's
    /// `:DOWN` message, awaited). Returns at once if it already has.
    ///
    /// Inside the server's own task (a handler or `terminate` holding its own
    /// reference) it fails at once with [`WaitError::CallingSelf`] instead of
    /// waiting for itself forever, as a call or a stop does.
    ///
    /// See the examples on [`Context`](crate::Context) and [`Exit`](crate::Exit).
    pub async fn exited(&self) -> Result<ExitReason, WaitError> {
        self.handle().exited().await
    }
}

impl<S: GenServer> Deref for ServerRef<S> {
    type Target = S::Client;

    fn deref(&self) -> &S::Client {
        &self.client
    }
}

impl<S: GenServer> Clone for ServerRef<S> {
    fn clone(&self) -> Self {
        ServerRef {
            client: self.client.clone(),
        }
    }
}

impl<S: GenServer> fmt::Debug for ServerRef<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("ServerRef");
        out.field("server", &std::any::type_name::<S>())
            .field("id", &self.id());
        if let Some(name) = self.registered_name() {
            out.field("name", &name);
        }
        out.finish()
    }
}

/// How reports and task names show a server: its type, id and name, as
/// `app::Cache#12` or `app::Cache#12 (cache)`.
pub(crate) struct Label {
    pub(crate) type_name: &'static str,
    pub(crate) id: ServerId,
    pub(crate) name: Option<Arc<str>>,
}

impl Label {
    pub(crate) fn new<S: GenServer>(id: ServerId, name: Option<Arc<str>>) -> Self {
        Label {
            type_name: std::any::type_name::<S>(),
            id,
            name,
        }
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.type_name, self.id)?;
        match &self.name {
            Some(name) => write!(f, " ({name})"),
            None => Ok(()),
        }
    }
}

/// Where a call's reply goes: Elixir's `from`.
///
/// Every call variant carries one. A call handler that returns a value has it
/// answered for it; a handler that takes a `ReplyTo<T>` argument answers
/// itself, now or later, from any task (`GenServer.reply/2`). It can be
/// answered only once, since [`send`](ReplyTo::send) takes it by value.
/// Answering a caller that timed out or went away does nothing. Dropping it
/// unanswered leaves the caller to its timeout, unless the server exits first,
/// in which case the caller gets the exit reason.
///
/// # Examples
///
/// A call answered later: `pop` on an empty stack waits for the next `push`.
///
/// ```
/// use genserver::prelude::*;
///
/// #[derive(Default)]
/// struct Stack {
///     items: Vec<u32>,
///     waiting: Option<ReplyTo<u32>>,
/// }
///
/// #[gen_server]
/// impl Stack {
///     #[cast]
///     fn push(&mut self, item: u32) {
///         match self.waiting.take() {
///             Some(reply) => reply.send(item), // GenServer.reply(from, item)
///             None => self.items.push(item),
///         }
///     }
///
///     /// {:noreply, state} when empty: the caller waits for a push.
///     #[call]
///     fn pop(&mut self, reply: ReplyTo<u32>) {
///         match self.items.pop() {
///             Some(item) => reply.send(item),
///             None => self.waiting = Some(reply),
///         }
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), genserver::Error> {
/// let stack = Stack::start(Stack::default()).await?;
/// let popped = stack.request().pop(); // sent now, answered later
/// stack.push(7);
/// assert_eq!(popped.await?, 7);
/// # Ok(())
/// # }
/// ```
pub struct ReplyTo<T> {
    tx: oneshot::Sender<T>,
    /// The tokio task that made the call, for the server's crash report.
    caller: Option<tokio::task::Id>,
}

impl<T> ReplyTo<T> {
    fn new(tx: oneshot::Sender<T>) -> Self {
        ReplyTo {
            tx,
            caller: tokio::task::try_id(),
        }
    }

    /// The tokio task that made the call, if it was made from one: the
    /// caller a crash report names (with the `console` feature and
    /// `--cfg tokio_unstable`, a server's task is named after the server).
    ///
    /// See the example on [`is_closed`](ReplyTo::is_closed).
    pub fn caller(&self) -> Option<tokio::task::Id> {
        self.caller
    }

    /// Sends the reply. Silent if the caller is no longer waiting. See the
    /// example on [`ReplyTo`].
    pub fn send(self, value: T) {
        let _ = self.tx.send(value);
    }

    /// Whether the caller has stopped waiting (it timed out or was dropped).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use genserver::prelude::*;
    /// use genserver::TaskId;
    ///
    /// #[derive(Default)]
    /// struct Desk {
    ///     waiting: Vec<ReplyTo<u32>>,
    /// }
    ///
    /// #[gen_server]
    /// impl Desk {
    ///     /// Answered later, if ever.
    ///     #[call]
    ///     fn ticket(&mut self, reply: ReplyTo<u32>) {
    ///         self.waiting.push(reply);
    ///     }
    ///
    ///     /// Forgets the callers that gave up; how many are still waiting.
    ///     #[call]
    ///     fn still_waiting(&mut self) -> usize {
    ///         self.waiting.retain(|reply| !reply.is_closed());
    ///         self.waiting.len()
    ///     }
    ///
    ///     /// The task that called.
    ///     #[call]
    ///     fn who(&self, reply: ReplyTo<Option<TaskId>>) {
    ///         let caller = reply.caller();
    ///         reply.send(caller);
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), genserver::Error> {
    /// let desk = Desk::start(Desk::default()).await?;
    /// let impatient = desk.with_timeout(Duration::from_secs(1));
    /// assert_eq!(impatient.ticket().await, Err(CallError::Timeout));
    /// assert_eq!(desk.still_waiting().await?, 0);
    ///
    /// let task = tokio::spawn(async move { (tokio::task::id(), desk.who().await) });
    /// let (id, caller) = task.await.unwrap();
    /// assert_eq!(caller?, Some(id));
    /// # Ok(())
    /// # }
    /// ```
    pub fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }
}

impl<T> fmt::Debug for ReplyTo<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReplyTo")
            .field("caller", &self.caller)
            .field("closed", &self.is_closed())
            .finish_non_exhaustive()
    }
}

/// Waits for a call's reply, the server's exit or the timeout, whichever
/// comes first. Watching the exit matters when the reply handle lives outside
/// the server (a deferred reply handed to a task): the caller learns of a
/// crash at once, not at its timeout. A dropped reply handle alone is not an
/// answer (`reply_gone` records it across waits): as in Elixir, the caller
/// then waits for the exit or its timeout.
///
/// Works outside tokio too: the timeout is then kept by
/// [`within`](crate::process::blocking::within) without tokio's timer.
async fn await_reply<S: GenServer, R>(
    shared: &Shared<S>,
    rx: &mut oneshot::AsyncReceiver<R>,
    reply_gone: &mut bool,
    timeout: Duration,
) -> Result<R, CallError> {
    let exited = shared.exited();
    let mut exited = pin!(exited);
    let outcome = std::future::poll_fn(|cx| {
        if !*reply_gone {
            match Pin::new(&mut *rx).poll(cx) {
                Poll::Ready(Ok(value)) => return Poll::Ready(Ok(value)),
                Poll::Ready(Err(_)) => *reply_gone = true,
                Poll::Pending => {}
            }
        }
        exited
            .as_mut()
            .poll(cx)
            .map(|reason| Err(CallError::Exit(reason)))
    });
    within(timeout, outcome)
        .await
        .unwrap_or(Err(CallError::Timeout))
}

/// A call that found the server's bounded mailbox full: waits for room,
/// then for the reply, both within the call's timeout. A timeout while the
/// request still waits for room takes it back and is [`CallError::Full`]
/// (the server never sees it); once queued, it is an ordinary call.
async fn call_when_full<S: GenServer, R>(
    shared: &Shared<S>,
    envelope: Envelope<S>,
    mut rx: oneshot::AsyncReceiver<R>,
    timeout: Duration,
) -> Result<R, CallError> {
    let deadline = tokio::time::Instant::now().checked_add(timeout);
    let mut room = WaitForRoom::new(shared, envelope);
    match within(timeout, &mut room).await {
        Some(Ok(())) => {}
        Some(Err(NoRoom::NoProc)) => return Err(CallError::NoProc),
        Some(Err(NoRoom::Exit(reason))) => return Err(CallError::Exit(reason)),
        // The caller is not the server (checked when it was first sent).
        Some(Err(NoRoom::OwnTask)) => return Err(CallError::CallingSelf),
        None => {
            if room.withdraw() {
                return Err(CallError::Full);
            }
            // Queued just as the time ran out: an ordinary late call.
        }
    }
    drop(room);
    let left = deadline.map_or(Duration::MAX, |deadline| {
        deadline.saturating_duration_since(tokio::time::Instant::now())
    });
    let mut reply_gone = false;
    await_reply(shared, &mut rx, &mut reply_gone, left).await
}

/// A call sent and not yet answered: what [`Handle::send_request`] returns,
/// Erlang's request id (`gen_server:send_request/2`).
///
/// Collect the reply with [`receive_response`](Request::receive_response)
/// (which gives up on the request at its timeout), with
/// [`wait_response`](Request::wait_response) (which can be called again after
/// a timeout), with [`check_response`](Request::check_response) (which does
/// not wait), or by awaiting the request itself (`receive_response` with the
/// timeout of the handle that sent it). Dropping it abandons the request: the
/// server still handles it, and its reply is dropped.
///
/// A request does not keep its server alive.
///
/// # Examples
///
/// ```
/// # use std::time::Duration;
/// # use genserver::prelude::*;
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
/// let mut before = counter.request().get(); // in the mailbox now
/// assert_eq!(before.server(), counter.id());
/// assert!(before.check_response().is_none()); // not handled yet
/// counter.add(1);
/// let count = before.wait_response(Duration::from_secs(1)).await?;
/// assert_eq!(count, 0, "sent before the add");
/// assert_eq!(counter.request().get().await?, 1);
/// let after = counter.request().get();
/// assert_eq!(after.receive_response(Duration::from_secs(1)).await?, 1);
/// # Ok(())
/// # }
/// ```
#[must_use = "a request does nothing more once sent; collect its reply or drop it to abandon it"]
pub struct Request<S: GenServer, R> {
    shared: Arc<Shared<S>>,
    state: Pending<R>,
    timeout: Duration,
}

enum Pending<R> {
    /// Sent; the reply has not been collected yet.
    Waiting {
        rx: oneshot::AsyncReceiver<R>,
        /// The reply handle was dropped unanswered: wait for the exit.
        reply_gone: bool,
    },
    /// Refused when sent, with this error.
    Failed(CallError),
    /// The reply or a final error has been returned.
    Done,
}

impl<S: GenServer, R> Request<S, R> {
    /// The id of the server the request went to.
    ///
    /// See the example on [`Request`].
    pub fn server(&self) -> ServerId {
        self.shared.id
    }

    /// Waits at most `timeout` for the reply (`gen_server:receive_response/2`).
    /// On a timeout the request is abandoned, as with a timed-out call.
    ///
    /// See the example on [`Request`].
    ///
    /// # Errors
    ///
    /// As a call: [`CallError::Timeout`], [`CallError::NoProc`],
    /// [`CallError::CallingSelf`] or [`CallError::Exit`].
    pub async fn receive_response(mut self, timeout: Duration) -> Result<R, CallError> {
        self.wait_response(timeout).await
    }

    /// Waits at most `timeout` for the reply (`gen_server:wait_response/2`).
    /// On [`CallError::Timeout`] the request stays pending and can be waited
    /// for again.
    ///
    /// See the example on [`Request`].
    ///
    /// # Errors
    ///
    /// As a call; [`CallError::CallingSelf`] (the request stays pending) in
    /// the server's own task, which would wait for itself. Once it has
    /// returned the reply or an error other than a timeout or
    /// `CallingSelf`, the request is spent, and further waits fail at once with
    /// [`CallError::NoProc`] (nothing is outstanding, as for a stale request
    /// id in Erlang).
    pub async fn wait_response(&mut self, timeout: Duration) -> Result<R, CallError> {
        let result = match &mut self.state {
            // The server's own task would wait for itself (a reply already
            // there is taken all the same).
            Pending::Waiting { rx, .. } if !rx.has_message() && self.shared.is_own_task() => {
                return Err(CallError::CallingSelf);
            }
            Pending::Waiting { rx, reply_gone } => {
                await_reply(&self.shared, rx, reply_gone, timeout).await
            }
            Pending::Failed(error) => Err(error.clone()),
            Pending::Done => Err(CallError::NoProc),
        };
        if !matches!(result, Err(CallError::Timeout)) {
            self.state = Pending::Done;
        }
        result
    }

    /// The reply if it has arrived, without waiting
    /// (`gen_server:check_response/2`): `None` while there is none yet
    /// (Erlang's `no_reply`). Once it has returned `Some`, the request is
    /// spent: further checks return `Some(Err(CallError::NoProc))`.
    ///
    /// See the example on [`Request`].
    pub fn check_response(&mut self) -> Option<Result<R, CallError>> {
        let result = match &mut self.state {
            Pending::Waiting { rx, reply_gone } => {
                if !*reply_gone && rx.has_message() {
                    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
                    match Pin::new(&mut *rx).poll(&mut cx) {
                        Poll::Ready(Ok(value)) => Ok(value),
                        Poll::Ready(Err(_)) | Poll::Pending => {
                            unreachable!("a channel with a message yields it")
                        }
                    }
                } else {
                    if rx.is_closed() {
                        *reply_gone = true;
                    }
                    match self.shared.exit_reason() {
                        Some(reason) if *reply_gone => Err(CallError::Exit(reason)),
                        _ => return None,
                    }
                }
            }
            Pending::Failed(error) => Err(error.clone()),
            Pending::Done => Err(CallError::NoProc),
        };
        self.state = Pending::Done;
        Some(result)
    }
}

impl<S: GenServer, R: Send + 'static> std::future::IntoFuture for Request<S, R> {
    type Output = Result<R, CallError>;
    type IntoFuture = Pin<Box<dyn Future<Output = Result<R, CallError>> + Send>>;

    /// [`receive_response`](Request::receive_response) with the timeout of
    /// the handle that sent the request.
    fn into_future(self) -> Self::IntoFuture {
        let timeout = self.timeout;
        Box::pin(self.receive_response(timeout))
    }
}

impl<S: GenServer, R> fmt::Debug for Request<S, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match &self.state {
            Pending::Waiting { .. } => "waiting",
            Pending::Failed(_) => "failed",
            Pending::Done => "done",
        };
        f.debug_struct("Request")
            .field("server", &std::any::type_name::<S>())
            .field("id", &self.shared.id)
            .field("state", &state)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// Polls `future` once: its output if it is ready, `None` if not (having
/// registered the task's waker with it, as any poll does).
async fn poll_ready<F: Future + Unpin>(future: &mut F) -> Option<F::Output> {
    std::future::poll_fn(|cx| {
        Poll::Ready(match Pin::new(&mut *future).poll(cx) {
            Poll::Ready(output) => Some(output),
            Poll::Pending => None,
        })
    })
    .await
}

/// Lets the scheduler run what is ready before this task is polled again.
///
/// On a `current_thread` runtime the task wakes itself and returns `Pending`,
/// which puts it at the back of the run queue, behind the server the send
/// just woke; that is cheaper than `yield_now`, which goes through the
/// runtime's list of deferred wake-ups. On a `multi_thread` runtime a task
/// that wakes itself is rescheduled as a yield, which also wakes an idle
/// worker to come and steal it, so there `yield_now` is the cheaper turn.
///
/// Generic over the server, as the call future around it is, so that it is
/// made in the caller's crate and inlined with it: a non-generic `async fn`
/// is compiled once here, and its poll was a call of its own (50
/// instructions per call) whenever the program had more than one server type.
async fn next_turn<S: GenServer>(shared: &Shared<S>) {
    if !shared.on_current_thread() {
        return tokio::task::yield_now().await;
    }
    let mut woken = false;
    std::future::poll_fn(|cx| {
        if woken {
            return Poll::Ready(());
        }
        woken = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    })
    .await;
}

/// A server of any type, as links, monitors and names see it: Erlang's pid.
///
/// Implemented by every server's shared state; the OTP modules hold servers
/// of other types through it.
pub(crate) trait Process: Send + Sync + 'static {
    /// The server's id.
    fn id(&self) -> ServerId;
    /// The server's type, for errors and reports.
    fn type_name(&self) -> &'static str;
    /// The name it is registered under, if any.
    fn name(&self) -> Option<Arc<str>>;
    /// See [`Shared::set_name`].
    fn set_name(&self, name: Option<Arc<str>>);
    /// The exit reason, once it has exited.
    fn exit_reason(&self) -> Option<ExitReason>;
    /// See [`Shared::add_hook`].
    fn add_hook(&self, key: HookKey, hook: ExitHook) -> Result<(), (ExitHook, ExitReason)>;
    /// See [`Shared::add_hook_once`].
    fn add_hook_once(
        &self,
        key: HookKey,
        hook: ExitHook,
    ) -> Result<Option<ExitHook>, (ExitHook, ExitReason)>;
    /// See [`Shared::remove_hook`].
    fn remove_hook(&self, key: HookKey) -> bool;
    /// See [`Shared::join_exit_group`].
    fn join_exit_group(&self, group: &Arc<ExitGroup>, unlink: Option<HookKey>) -> bool;
    /// Whether the server traps exits.
    fn traps_exits(&self) -> bool;
    /// Ends the server at once with `reason`, without `terminate`, as an
    /// exit signal does to a process that does not trap exits. Whatever it
    /// was awaiting is dropped at its next poll. Whether this ended it
    /// (`false`: it had exited already). A kill for any reason but a normal
    /// one is reported (an `error` event).
    fn kill(&self, reason: ExitReason) -> bool;
    /// Kills it with [`ExitReason::Killed`], unreported: a kill that is the
    /// expected end of a server (a `BrutalKill` shutdown, a budget run out
    /// that the supervisor reports itself, `Task.shutdown`), which OTP does
    /// not report either.
    fn kill_quietly(&self) -> bool;
    /// Queues an exit signal as a system message, for a server that traps
    /// exits. `false` if the server has exited.
    fn queue_exit(&self, exit: crate::Exit) -> bool;
    /// Counts one more handle to the server (one that keeps it alive).
    fn add_handle(&self);
    /// Counts one handle fewer.
    fn drop_handle(&self);
    /// The shared state as `Any`, to get the typed server back.
    fn as_any(self: Arc<Self>) -> Arc<dyn std::any::Any + Send + Sync>;
    /// Queues a stop (`GenServer.stop/2`: `terminate` runs once the
    /// messages before it are handled); `false` if the server has exited.
    fn stop(&self, reason: ExitReason) -> bool;
    /// Waits until the server has exited and returns why.
    fn exited(&self) -> Pin<Box<dyn Future<Output = ExitReason> + Send + '_>>;
    /// Sets the process that started the server linked (see
    /// [`Shared::set_parent`]).
    fn set_parent(&self, parent: Option<ServerId>);
}

impl<S: GenServer> Process for Shared<S> {
    fn id(&self) -> ServerId {
        self.id
    }

    fn type_name(&self) -> &'static str {
        std::any::type_name::<S>()
    }

    fn name(&self) -> Option<Arc<str>> {
        Shared::name(self)
    }

    fn set_name(&self, name: Option<Arc<str>>) {
        Shared::set_name(self, name);
    }

    fn exit_reason(&self) -> Option<ExitReason> {
        Shared::exit_reason(self)
    }

    fn add_hook(&self, key: HookKey, hook: ExitHook) -> Result<(), (ExitHook, ExitReason)> {
        Shared::add_hook(self, key, hook)
    }

    fn add_hook_once(
        &self,
        key: HookKey,
        hook: ExitHook,
    ) -> Result<Option<ExitHook>, (ExitHook, ExitReason)> {
        Shared::add_hook_once(self, key, hook)
    }

    fn remove_hook(&self, key: HookKey) -> bool {
        Shared::remove_hook(self, key)
    }

    fn join_exit_group(&self, group: &Arc<ExitGroup>, unlink: Option<HookKey>) -> bool {
        Shared::join_exit_group(self, group, unlink)
    }

    fn traps_exits(&self) -> bool {
        Shared::traps_exits(self)
    }

    fn kill(&self, reason: ExitReason) -> bool {
        Shared::kill(self, &reason, true)
    }

    fn kill_quietly(&self) -> bool {
        Shared::kill(self, &ExitReason::Killed, false)
    }

    fn queue_exit(&self, exit: crate::Exit) -> bool {
        self.send_signal(Box::new(move |_, ctx| ctx.trapped(exit)))
    }

    fn add_handle(&self) {
        Shared::add_handle(self);
    }

    fn drop_handle(&self) {
        Shared::drop_handle(self);
    }

    fn as_any(self: Arc<Self>) -> Arc<dyn std::any::Any + Send + Sync> {
        self
    }

    fn stop(&self, reason: ExitReason) -> bool {
        self.send(Envelope::Stop(Box::new(reason)), false).is_ok()
    }

    fn exited(&self) -> Pin<Box<dyn Future<Output = ExitReason> + Send + '_>> {
        Box::pin(Shared::exited(self))
    }

    fn set_parent(&self, parent: Option<ServerId>) {
        Shared::set_parent(self, parent);
    }
}

impl<S: GenServer> Shared<S> {
    /// See [`Process::kill`]; `report`: whether an abnormal kill is
    /// reported.
    fn kill(&self, reason: &ExitReason, report: bool) -> bool {
        let loud = report && !reason.is_normal();
        // Read before the exit, which releases it; only for the report.
        let name = loud.then(|| self.name()).flatten();
        let Some(unhandled) = self.exit(reason.clone()) else {
            return false;
        };
        if loud {
            let who = Label::new::<S>(self.id, name);
            tracing::error!(
                server = who.type_name,
                id = who.id.as_u64(),
                name = who.name.as_deref(),
                reason = %reason,
                "GenServer {who} killed by an exit signal: {reason}",
            );
        }
        // Queued calls fail with the reason, now published.
        drop(unhandled);
        true
    }
}

/// A counted, untyped reference to a server: it keeps the server alive as
/// a [`Handle`] does. Names and links hold their servers through one.
pub(crate) struct AnyHandle {
    process: Arc<dyn Process>,
}

impl AnyHandle {
    pub(crate) fn new(process: Arc<dyn Process>) -> Self {
        process.add_handle();
        AnyHandle { process }
    }

    pub(crate) fn process(&self) -> &Arc<dyn Process> {
        &self.process
    }
}

impl Clone for AnyHandle {
    fn clone(&self) -> Self {
        AnyHandle::new(Arc::clone(&self.process))
    }
}

impl Drop for AnyHandle {
    fn drop(&mut self) {
        self.process.drop_handle();
    }
}

impl fmt::Debug for AnyHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("AnyHandle");
        out.field("server", &self.process.type_name())
            .field("id", &self.process.id());
        if let Some(name) = self.process.name() {
            out.field("name", &name);
        }
        out.finish()
    }
}

#[cfg(test)]
mod tests {
    struct Probe;

    #[crate::gen_server(crate = "crate")]
    impl Probe {
        #[call]
        fn get(&mut self) -> u64 {
            1
        }
    }

    /// A call future is stored in whatever awaits it (a handler that calls
    /// another server holds one across the await), so its slow path (the
    /// timer, the exit watch, the fallback without tokio's timer) must not
    /// make it large: it was 592 bytes with a timer per kind in
    /// `within`, 488 with both in one await, 496 since the exit watch gives
    /// its waiter list back when it is done.
    #[tokio::test]
    async fn a_call_future_stays_small() {
        let probe = Probe::start(Probe).await.unwrap();
        let call = probe.handle().call(|reply| ProbeCall::Get { reply });
        let size = std::mem::size_of_val(&call);
        assert!(size <= 496, "a call future grew to {size} bytes");
        assert_eq!(call.await, Ok(1));
    }
}
