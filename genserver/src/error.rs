//! Exit reasons and the errors a client can see.
//!
//! Elixir signals most failures by making the *caller* exit; Rust returns
//! them as values. The mapping is one to one:
//!
//! | Elixir / Erlang                          | genserver                          |
//! |------------------------------------------|------------------------------------|
//! | `:normal`                                | [`ExitReason::Normal`]             |
//! | `:shutdown`                              | [`ExitReason::Shutdown`]           |
//! | `{:shutdown, detail}`                    | [`ExitReason::ShutdownWith`]       |
//! | `{%RuntimeError{}, stack}` (a raise)     | [`ExitReason::Panic`]              |
//! | any other term passed to `{:stop, ..}`   | [`ExitReason::Error`]              |
//! | `:killed`                                | [`ExitReason::Killed`]             |
//! | call exits `:timeout`                    | [`CallError::Timeout`]             |
//! | call exits `:noproc`                     | [`CallError::NoProc`]              |
//! | call exits `:calling_self`               | [`CallError::CallingSelf`]         |
//! | call exits with the server's reason      | [`CallError::Exit`]                |
//!
//! Where Elixir lets a caller crash, Rust asks for one error type per
//! function. [`Error`] is that type for code that starts, calls and stops
//! servers: every error of this crate converts into it with `?`, and
//! [`FlattenErr`] folds the `Result<Result<T, E>, CallError>` of a call to a
//! fallible handler into one `Result<T, E>`.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

use crate::registry::{LookupError, Pid, RegisterError};

/// Why a server exited: the reason passed to `terminate`, returned to callers
/// caught in flight, and (in later releases) seen by links and monitors.
///
/// `Normal`, `Shutdown` and `ShutdownWith` are the *expected* reasons: they are
/// not logged as crashes. Everything else is.
///
/// # Examples
///
/// ```
/// use genserver::prelude::*;
///
/// struct Job;
///
/// #[gen_server]
/// impl Job {
///     #[cast]
///     fn fail(&mut self, ctx: &mut Context<Self>) {
///         ctx.stop(ExitReason::error("disk full")); // {:stop, reason, state}
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), genserver::Error> {
/// let job = Job::start(Job).await?;
/// job.fail();
/// let reason = job.exited().await?;
/// assert_eq!(reason.to_string(), "error: disk full");
/// assert!(!reason.is_normal());
/// assert!(ExitReason::shutdown_with("upgrade").is_normal()); // not logged as a crash
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub enum ExitReason {
    /// The server finished its work (`:normal`). The default reason of
    /// [`ServerRef::stop`](crate::ServerRef::stop).
    Normal,
    /// The server was asked to shut down (`:shutdown`).
    Shutdown,
    /// A shutdown with a detail for whoever watches the server (`{:shutdown, detail}`).
    ShutdownWith(Arc<str>),
    /// A handler, `init` or `terminate` panicked; this is the panic message.
    Panic(Arc<str>),
    /// The server stopped itself with an error (`{:stop, reason, state}` with a
    /// reason of your own), or `init` returned `Err`.
    Error(Arc<dyn StdError + Send + Sync>),
    /// The server was killed without running `terminate`: by
    /// [`ServerRef::kill`](crate::ServerRef::kill), by its start timeout,
    /// or because the tokio runtime it ran on shut down (`:killed`).
    Killed,
    /// The server was not running when it was looked at: the reason a
    /// monitor set up on a dead server reports (`:noproc`).
    NoProc,
}

impl ExitReason {
    /// An [`ExitReason::Error`] from any error value, including a `String` or a `&str`.
    ///
    /// ```
    /// use genserver::ExitReason;
    /// let reason = ExitReason::error("disk full");
    /// assert_eq!(reason.to_string(), "error: disk full");
    /// ```
    pub fn error(error: impl Into<Box<dyn StdError + Send + Sync>>) -> Self {
        ExitReason::Error(Arc::from(error.into()))
    }

    /// An [`ExitReason::ShutdownWith`] carrying `detail`. See the example
    /// on [`ExitReason`].
    pub fn shutdown_with(detail: impl Into<Arc<str>>) -> Self {
        ExitReason::ShutdownWith(detail.into())
    }

    /// Whether this is an expected exit (`Normal`, `Shutdown` or `ShutdownWith`),
    /// one that is not logged as a crash. See the example on [`ExitReason`].
    pub fn is_normal(&self) -> bool {
        matches!(
            self,
            ExitReason::Normal | ExitReason::Shutdown | ExitReason::ShutdownWith(_)
        )
    }

    /// The error carried by [`ExitReason::Error`], if it is an `E`.
    ///
    /// ```
    /// use std::fmt;
    /// use genserver::ExitReason;
    ///
    /// #[derive(Debug, PartialEq)]
    /// struct DiskFull;
    /// impl fmt::Display for DiskFull {
    ///     fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    ///         f.write_str("disk full")
    ///     }
    /// }
    /// impl std::error::Error for DiskFull {}
    ///
    /// let reason = ExitReason::error(DiskFull);
    /// assert_eq!(reason.downcast_ref::<DiskFull>(), Some(&DiskFull));
    /// assert_eq!(ExitReason::Normal.downcast_ref::<DiskFull>(), None);
    /// ```
    pub fn downcast_ref<E: StdError + 'static>(&self) -> Option<&E> {
        match self {
            ExitReason::Error(error) => error.downcast_ref(),
            _ => None,
        }
    }

    /// Whether `self` and `other` are the same reason. Errors compare by
    /// identity (the same `Arc`) or, failing that, by their `Display` text.
    /// `==` on `ExitReason` means the same.
    ///
    /// ```
    /// use genserver::ExitReason;
    ///
    /// assert!(ExitReason::error("disk full").same_as(&ExitReason::error("disk full")));
    /// assert!(!ExitReason::Shutdown.same_as(&ExitReason::shutdown_with("upgrade")));
    /// assert_eq!(ExitReason::shutdown_with("upgrade"), ExitReason::shutdown_with("upgrade"));
    /// ```
    pub fn same_as(&self, other: &ExitReason) -> bool {
        match (self, other) {
            (ExitReason::Normal, ExitReason::Normal)
            | (ExitReason::Shutdown, ExitReason::Shutdown)
            | (ExitReason::Killed, ExitReason::Killed)
            | (ExitReason::NoProc, ExitReason::NoProc) => true,
            (ExitReason::ShutdownWith(a), ExitReason::ShutdownWith(b))
            | (ExitReason::Panic(a), ExitReason::Panic(b)) => a == b,
            (ExitReason::Error(a), ExitReason::Error(b)) => {
                Arc::ptr_eq(a, b) || a.to_string() == b.to_string()
            }
            _ => false,
        }
    }
}

impl PartialEq for ExitReason {
    fn eq(&self, other: &Self) -> bool {
        self.same_as(other)
    }
}

impl fmt::Display for ExitReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExitReason::Normal => f.write_str("normal"),
            ExitReason::Shutdown => f.write_str("shutdown"),
            ExitReason::ShutdownWith(detail) => write!(f, "shutdown: {detail}"),
            ExitReason::Panic(message) => write!(f, "panicked: {message}"),
            ExitReason::Error(error) => write!(f, "error: {error}"),
            ExitReason::Killed => f.write_str("killed"),
            ExitReason::NoProc => f.write_str("noproc"),
        }
    }
}

impl fmt::Debug for ExitReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExitReason::Normal => f.write_str("Normal"),
            ExitReason::Shutdown => f.write_str("Shutdown"),
            ExitReason::ShutdownWith(detail) => {
                f.debug_tuple("ShutdownWith").field(detail).finish()
            }
            ExitReason::Panic(message) => f.debug_tuple("Panic").field(message).finish(),
            ExitReason::Error(error) => f.debug_tuple("Error").field(error).finish(),
            ExitReason::Killed => f.write_str("Killed"),
            ExitReason::NoProc => f.write_str("NoProc"),
        }
    }
}

/// An exit reason is an error too, for code that treats an exit as a
/// failure (its [`Error`] form); the error of [`ExitReason::Error`] is its source.
impl StdError for ExitReason {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            ExitReason::Error(error) => Some(&**error),
            _ => None,
        }
    }
}

/// Why a call got no reply.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use genserver::prelude::*;
///
/// struct Slow;
///
/// #[gen_server]
/// impl Slow {
///     #[call]
///     async fn work(&self) {
///         tokio::time::sleep(Duration::from_secs(60)).await;
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() -> Result<(), genserver::Error> {
/// let slow = Slow::start(Slow).await?;
/// match slow.with_timeout(Duration::from_secs(1)).work().await {
///     Err(CallError::Timeout) => {} // {:timeout, _}: the server still does the work
///     other => panic!("{other:?}"),
/// }
/// slow.kill();
/// slow.exited().await?;
/// assert_eq!(slow.work().await, Err(CallError::NoProc)); // {:noproc, _}
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum CallError {
    /// No reply within the call timeout (5 s unless set with
    /// [`ServerRef::with_timeout`](crate::ServerRef::with_timeout)). As in
    /// Elixir the server is not told: it still handles the request, and its
    /// late reply is dropped.
    Timeout,
    /// The server was not running when the call was made (`:noproc`).
    NoProc,
    /// A handler called its own server, which would wait for itself forever
    /// (`:calling_self`). Use a cast, a deferred reply or a helper task instead.
    CallingSelf,
    /// The server exited before it replied: it crashed, stopped without
    /// replying, or was stopped while the request waited in its mailbox.
    Exit(ExitReason),
    /// The name called holds a server of another type (see
    /// [`registry::whereis`](crate::registry::whereis)).
    WrongType {
        /// The server type the caller expected.
        expected: &'static str,
        /// The type of the server that holds the name.
        found: &'static str,
    },
    /// A blocking call ([`Handle::blocking_call`](crate::Handle::blocking_call),
    /// [`block_on`](crate::block_on)) was made on a thread in a tokio runtime,
    /// where blocking could stall the very server it waits for. Nothing was
    /// sent.
    InRuntime,
    /// The server's bounded mailbox (see [`backpressure`](crate::backpressure))
    /// stayed full for the whole call timeout, or a request
    /// ([`Handle::send_request`](crate::Handle::send_request)), which cannot
    /// wait, found it full. Unlike [`Timeout`](CallError::Timeout), the
    /// outcome is known: the request was never queued, the server will
    /// never see it.
    Full,
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallError::Timeout => f.write_str("call timed out: the server did not reply in time"),
            CallError::NoProc => f.write_str(
                "no such process: the server is not running (if a supervisor restarted it, \
                 look it up again by name or through the supervisor)",
            ),
            CallError::CallingSelf => {
                f.write_str("calling self: a server cannot call itself, it would wait forever")
            }
            CallError::Exit(reason) => write!(f, "the server exited before it replied ({reason})"),
            CallError::InRuntime => BlockingError::InRuntime.fmt(f),
            CallError::Full => f.write_str(
                "mailbox full: the server's bounded mailbox had no room within the call \
                 timeout, so the request was not sent",
            ),
            CallError::WrongType { expected, found } => {
                write!(
                    f,
                    "wrong server type: the name is held by a {found}, not a {expected}"
                )
            }
        }
    }
}

/// A name nobody holds is `NoProc`, as a call to an unregistered name
/// exits with `:noproc`.
impl From<LookupError> for CallError {
    fn from(error: LookupError) -> Self {
        match error {
            LookupError::NotFound => CallError::NoProc,
            LookupError::WrongType { expected, found } => CallError::WrongType { expected, found },
        }
    }
}

impl StdError for CallError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            CallError::Exit(ExitReason::Error(error)) => Some(&**error),
            _ => None,
        }
    }
}

/// Why a cast that reports its fate ([`Handle::try_cast`](crate::Handle::try_cast),
/// [`Handle::cast_wait`](crate::Handle::cast_wait), and the generated cast
/// methods of a server declared with `when_full = fail` or `when_full = wait`)
/// was not queued. See [`backpressure`](crate::backpressure).
///
/// A plain cast ([`Handle::cast`](crate::Handle::cast)) never fails, as
/// `GenServer.cast` never does.
///
/// # Examples
///
/// ```
/// use genserver::prelude::*;
///
/// struct Sink(Vec<u32>);
///
/// #[gen_server(mailbox = 1)]
/// impl Sink {
///     #[cast]
///     fn push(&mut self, n: u32) {
///         self.0.push(n);
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), genserver::Error> {
/// let sink = Sink::start(Sink(Vec::new())).await?;
/// let handle = sink.handle();
/// // The server has not run yet: the first cast fills its one slot.
/// assert_eq!(handle.try_cast(SinkCast::Push { n: 1 }), Ok(()));
/// match handle.try_cast(SinkCast::Push { n: 2 }) {
///     Err(CastError::Full) => {} // dropped: shed the load, or retry later
///     other => panic!("{other:?}"),
/// }
/// sink.stop().await?;
/// assert_eq!(handle.try_cast(SinkCast::Push { n: 3 }), Err(CastError::NoProc));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum CastError {
    /// The server's bounded mailbox is full, and this cast does not wait
    /// (`try_cast`), or would wait for room in its own server's mailbox,
    /// which only that server can empty. Nothing was queued.
    Full,
    /// The server was not running when the cast was made (`:noproc`).
    NoProc,
    /// The server exited while the cast waited for room; it was not
    /// queued.
    Exit(ExitReason),
}

impl fmt::Display for CastError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CastError::Full => {
                f.write_str("mailbox full: the server's bounded mailbox has no room for the cast")
            }
            CastError::NoProc => CallError::NoProc.fmt(f),
            CastError::Exit(reason) => {
                write!(
                    f,
                    "the server exited before there was room for the cast ({reason})"
                )
            }
        }
    }
}

impl StdError for CastError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            CastError::Exit(ExitReason::Error(error)) => Some(&**error),
            _ => None,
        }
    }
}

/// Why a server did not start.
///
/// # Examples
///
/// ```
/// use genserver::prelude::*;
///
/// struct Port(u16);
///
/// #[gen_server]
/// impl Port {
///     #[init]
///     fn init(port: u16) -> Result<Self, String> {
///         if port == 0 {
///             return Err("port 0 is not allowed".into()); // {:stop, reason}
///         }
///         Ok(Port(port))
///     }
///
///     #[call]
///     fn port(&self) -> u16 {
///         self.0
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), genserver::Error> {
/// match Port::start(0).await {
///     Err(StartError::Init(reason)) => assert_eq!(reason.to_string(), "error: port 0 is not allowed"),
///     other => panic!("{other:?}"),
/// }
/// // A second server under a name already held.
/// let first = Port::start_with(80, StartOptions::new().name("http")).await?;
/// match Port::start_with(8080, StartOptions::new().name("http")).await {
///     Err(StartError::AlreadyStarted(pid)) => assert_eq!(pid.id(), first.id()),
///     other => panic!("{other:?}"),
/// }
/// assert_eq!(first.port().await?, 80);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum StartError {
    /// `init` returned [`Init::Ignore`](crate::Init::Ignore) (`:ignore`): the
    /// server exited normally without serving anything.
    Ignored,
    /// `init` failed: it returned `Err` or [`Init::Stop`](crate::Init::Stop),
    /// or it panicked ([`ExitReason::Panic`]).
    Init(ExitReason),
    /// `init` took longer than the start timeout; the server was killed.
    Timeout,
    /// [`StartOptions::mailbox`](crate::StartOptions::mailbox) was given 0:
    /// a mailbox with room for nothing could never take a call or a cast.
    /// Give it room for at least one message. Nothing was started.
    ZeroMailbox,
    /// `start` was called outside a tokio runtime, so there is nowhere to run
    /// the server.
    NoRuntime,
    /// Another server holds the name the server was to start under
    /// (`{:error, {:already_started, pid}}`); this is it
    /// ([`Pid::downcast`] gives its typed reference). The new server's
    /// `init` did not run.
    AlreadyStarted(Pid),
    /// The name could not be registered for another reason (the server
    /// type does not fit the registry, or a registry of your own failed).
    Name(RegisterError),
    /// A supervisor's child failed to start, so the supervisor did not
    /// start (`{:shutdown, {:failed_to_start_child, id, reason}}`): the
    /// children started before it were stopped.
    Child {
        /// The child's id.
        id: Arc<str>,
        /// Why it did not start.
        error: Box<StartError>,
    },
    /// Two of a supervisor's children have this id
    /// (`{:duplicate_child_name, id}`); none was started.
    DuplicateChild(Arc<str>),
    /// A child spec the supervisor refuses (`{:invalid_child_spec, ..}`,
    /// `{:bad_combination, ..}`); nothing was started.
    InvalidChild {
        /// The child's id.
        id: Arc<str>,
        /// What is wrong with it.
        error: crate::child_spec::ChildSpecError,
    },
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::Ignored => f.write_str("init returned Init::Ignore"),
            StartError::Init(reason) => write!(f, "init failed ({reason})"),
            StartError::Timeout => f.write_str("init did not finish within the start timeout"),
            StartError::ZeroMailbox => f.write_str(
                "a bounded mailbox needs room for at least one message: \
                 StartOptions::mailbox(0) cannot take anything",
            ),
            StartError::NoRuntime => {
                f.write_str("no tokio runtime: start a server from within a tokio runtime")
            }
            StartError::AlreadyStarted(pid) => {
                write!(f, "already started: {pid} holds the name")
            }
            StartError::Name(error) => write!(f, "could not register the name ({error})"),
            StartError::Child { id, error } => {
                write!(f, "failed to start child {id:?}: {error}")
            }
            StartError::DuplicateChild(id) => write!(f, "duplicate child id {id:?}"),
            StartError::InvalidChild { id, error } => {
                write!(f, "invalid child spec {id:?}: {error}")
            }
        }
    }
}

impl StdError for StartError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            StartError::Init(ExitReason::Error(error)) => Some(&**error),
            StartError::Name(error) => Some(error),
            StartError::Child { error, .. } => Some(&**error),
            StartError::InvalidChild { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// Why [`ServerRef::stop`](crate::ServerRef::stop) could not confirm the stop.
///
/// # Examples
///
/// ```
/// use genserver::prelude::*;
///
/// struct Worker;
///
/// #[gen_server]
/// impl Worker {
///     #[terminate]
///     fn terminate(&mut self) {
///         panic!("cleanup failed");
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), genserver::Error> {
/// let worker = Worker::start(Worker).await?;
/// match worker.stop().await {
///     // It stopped, but not as asked: terminate panicked.
///     Err(StopError::Exit(ExitReason::Panic(message))) => assert_eq!(&*message, "cleanup failed"),
///     other => panic!("{other:?}"),
/// }
/// assert_eq!(worker.stop().await, Err(StopError::NoProc)); // already gone
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum StopError {
    /// The server was not running (`:noproc`).
    NoProc,
    /// A server tried to stop itself with `stop`, which would wait for itself
    /// forever. A handler stops its own server with
    /// [`Context::stop`](crate::Context::stop).
    CallingSelf,
    /// The server did not exit within the stop timeout. As in Elixir it is not
    /// killed, and it will still stop when it reaches the request.
    Timeout,
    /// The server exited, but with another reason than the one asked for
    /// (for example `terminate` panicked, or it crashed first).
    Exit(ExitReason),
    /// The name given holds a server of another type (see
    /// [`registry::whereis`](crate::registry::whereis)).
    WrongType {
        /// The server type the caller expected.
        expected: &'static str,
        /// The type of the server that holds the name.
        found: &'static str,
    },
}

impl fmt::Display for StopError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StopError::NoProc => f.write_str("no such process: the server is not running"),
            StopError::CallingSelf => f.write_str(
                "calling self: a server cannot wait for its own stop, use Context::stop",
            ),
            StopError::Timeout => f.write_str("the server did not stop within the timeout"),
            StopError::Exit(reason) => {
                write!(f, "the server exited with another reason ({reason})")
            }
            StopError::WrongType { expected, found } => {
                write!(
                    f,
                    "wrong server type: the name is held by a {found}, not a {expected}"
                )
            }
        }
    }
}

/// A name nobody holds is `NoProc`, as `GenServer.stop` on an unregistered
/// name exits with `:noproc`.
impl From<LookupError> for StopError {
    fn from(error: LookupError) -> Self {
        match error {
            LookupError::NotFound => StopError::NoProc,
            LookupError::WrongType { expected, found } => StopError::WrongType { expected, found },
        }
    }
}

impl StdError for StopError {}

/// Why [`ServerRef::exited`](crate::ServerRef::exited) cannot wait.
///
/// # Examples
///
/// ```
/// use genserver::prelude::*;
///
/// struct Loop;
///
/// #[gen_server]
/// impl Loop {
///     /// Waits for its own exit: refused at once instead of hanging.
///     #[call]
///     async fn wait_for_myself(&self, ctx: &mut Context<Self>) -> Result<ExitReason, WaitError> {
///         ctx.server_ref().exited().await
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), genserver::Error> {
/// let server = Loop::start(Loop).await?;
/// assert_eq!(server.wait_for_myself().await?, Err(WaitError::CallingSelf));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WaitError {
    /// A server tried to wait for its own exit, which would wait for itself
    /// forever. A handler ends its own server with
    /// [`Context::stop`](crate::Context::stop), and `terminate` runs as it
    /// exits.
    CallingSelf,
}

impl fmt::Display for WaitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitError::CallingSelf => {
                f.write_str("calling self: a server cannot wait for its own exit")
            }
        }
    }
}

impl StdError for WaitError {}

/// Why a blocking twin ([`block_on`](crate::block_on)) refused to block.
///
/// # Examples
///
/// ```
/// use genserver::BlockingError;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// // On a runtime thread: await instead.
/// assert_eq!(genserver::block_on(async { 1 }), Err(BlockingError::InRuntime));
/// // Off it, blocking is fine.
/// let answer = std::thread::spawn(|| genserver::block_on(async { 1 })).join().unwrap();
/// assert_eq!(answer, Ok(1));
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BlockingError {
    /// The thread is in a tokio runtime's context: blocking it could stall
    /// the server being waited for (tokio's `blocking_recv` panics here).
    /// Use `.await` instead, or, in `spawn_blocking`,
    /// `tokio::runtime::Handle::current().block_on(..)`.
    InRuntime,
}

impl fmt::Display for BlockingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BlockingError::InRuntime => {
                f.write_str("cannot block inside a tokio runtime: await the operation instead")
            }
        }
    }
}

impl StdError for BlockingError {}

impl From<BlockingError> for CallError {
    fn from(error: BlockingError) -> Self {
        match error {
            BlockingError::InRuntime => CallError::InRuntime,
        }
    }
}

/// Defines [`Error`] with one variant per error type of the crate, its
/// `From` conversions, and the error inside it, from one list.
macro_rules! crate_error {
    ($(#[$meta:meta])* { $($(#[$doc:meta])* $variant:ident($ty:ty),)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum Error {
            $($(#[$doc])* $variant($ty),)*
        }

        impl Error {
            /// The error inside, as a trait object.
            fn inner(&self) -> &(dyn StdError + 'static) {
                match self {
                    $(Error::$variant(error) => error,)*
                }
            }
        }

        $(
            impl From<$ty> for Error {
                fn from(error: $ty) -> Self {
                    Error::$variant(error)
                }
            }
        )*
    };
}

crate_error! {
    /// Any error of this crate: the one error type for a function that starts,
    /// calls and stops servers, so that `?` works on all of them.
    ///
    /// It is transparent: its `Display` and `source` are those of the error it
    /// holds. [`FlattenErr`] folds a fallible handler's `Result` into it.
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
    /// /// Starts, calls and stops: three error types, one `?` each.
    /// async fn count_to(n: u64) -> Result<u64, genserver::Error> {
    ///     let counter = Counter::start(Counter(0)).await?;
    ///     let total = counter.add(n).await?;
    ///     counter.stop().await?;
    ///     Ok(total)
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// assert_eq!(count_to(3).await.unwrap(), 3);
    /// # }
    /// ```
    {
        /// A server did not start.
        Start(StartError),
        /// A call got no reply.
        Call(CallError),
        /// A cast that reports its fate was not queued.
        Cast(CastError),
        /// A stop could not be confirmed.
        Stop(StopError),
        /// An exit could not be waited for.
        Wait(WaitError),
        /// A blocking twin refused to block.
        Blocking(BlockingError),
        /// A link could not be made.
        Link(crate::link::LinkError),
        /// A server exited with this reason (as a monitor reports it).
        Exit(ExitReason),
        /// A supervisor request failed.
        Supervisor(crate::supervisor::SupervisorError),
        /// A name did not give a server.
        Lookup(LookupError),
        /// A name or key could not be registered.
        Register(RegisterError),
        /// A `:sys` request failed.
        Sys(crate::sys::SysError),
        /// A timer could not be set.
        Timer(crate::timer::TimerError),
        /// A dynamic supervisor did not start a child.
        StartChild(crate::dynamic_supervisor::StartChildError),
        /// A dynamic supervisor did not terminate a child.
        TerminateChild(crate::dynamic_supervisor::TerminateChildError),
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.inner(), f)
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.inner().source()
    }
}

/// Folds a nested `Result` into one: `Result<Result<T, E>, X>` becomes
/// `Result<T, E>` when `E: From<X>`.
///
/// The common case is a call to a fallible handler, which returns
/// `Result<Result<T, E>, CallError>`: with `impl From<CallError> for E` (or
/// with `E` = [`Error`] and a handler error convertible to it), one `?` takes
/// both apart. It also folds [`block_on`](crate::block_on)'s result around a
/// call into a `Result<T, CallError>`.
///
/// ```
/// use genserver::prelude::*;
/// use genserver::FlattenErr;
///
/// #[derive(Debug, PartialEq)]
/// enum BankError {
///     Insufficient,
///     Unreachable(CallError),
/// }
///
/// impl From<CallError> for BankError {
///     fn from(error: CallError) -> Self {
///         BankError::Unreachable(error)
///     }
/// }
///
/// struct Account(u64);
///
/// #[gen_server]
/// impl Account {
///     /// Takes `n` out, if there is that much.
///     #[call]
///     fn withdraw(&mut self, n: u64) -> Result<u64, BankError> {
///         self.0 = self.0.checked_sub(n).ok_or(BankError::Insufficient)?;
///         Ok(self.0)
///     }
/// }
///
/// async fn withdraw(account: &ServerRef<Account>, n: u64) -> Result<u64, BankError> {
///     account.withdraw(n).await.flatten_err()
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let account = Account::start(Account(10)).await.unwrap();
/// assert_eq!(withdraw(&account, 4).await, Ok(6));
/// assert_eq!(withdraw(&account, 7).await, Err(BankError::Insufficient));
/// account.stop().await.unwrap();
/// assert_eq!(
///     withdraw(&account, 1).await,
///     Err(BankError::Unreachable(CallError::NoProc))
/// );
/// # }
/// ```
pub trait FlattenErr<T, E> {
    /// The inner result, with the outer error converted into `E`.
    ///
    /// See the example on [`FlattenErr`].
    ///
    /// # Errors
    ///
    /// The inner error as it is, or the outer one converted.
    fn flatten_err(self) -> Result<T, E>;
}

impl<T, E, X> FlattenErr<T, E> for Result<Result<T, E>, X>
where
    E: From<X>,
{
    fn flatten_err(self) -> Result<T, E> {
        self.map_err(E::from).and_then(|inner| inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_texts() {
        assert_eq!(ExitReason::Normal.to_string(), "normal");
        assert_eq!(
            ExitReason::shutdown_with("bye").to_string(),
            "shutdown: bye"
        );
        assert_eq!(
            ExitReason::Panic("boom".into()).to_string(),
            "panicked: boom"
        );
        assert_eq!(
            CallError::Exit(ExitReason::Killed).to_string(),
            "the server exited before it replied (killed)"
        );
        assert_eq!(
            StartError::Init(ExitReason::error("bad config")).to_string(),
            "init failed (error: bad config)"
        );
        assert_eq!(
            WaitError::CallingSelf.to_string(),
            "calling self: a server cannot wait for its own exit"
        );
        assert_eq!(
            CastError::Exit(ExitReason::Killed).to_string(),
            "the server exited before there was room for the cast (killed)"
        );
        assert!(CallError::Full.to_string().starts_with("mailbox full"));
        assert!(StartError::ZeroMailbox.to_string().contains("at least one"));
        assert_eq!(
            Error::from(CastError::Full).to_string(),
            CastError::Full.to_string()
        );
    }

    #[test]
    fn normal_reasons() {
        assert!(ExitReason::Normal.is_normal());
        assert!(ExitReason::Shutdown.is_normal());
        assert!(ExitReason::shutdown_with("x").is_normal());
        assert!(!ExitReason::Killed.is_normal());
        assert!(!ExitReason::error("x").is_normal());
        assert!(!ExitReason::Panic("x".into()).is_normal());
    }

    #[test]
    fn errors_downcast_and_chain() {
        #[derive(Debug)]
        struct Disk;
        impl fmt::Display for Disk {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("disk")
            }
        }
        impl StdError for Disk {}
        let reason = ExitReason::error(Disk);
        assert!(reason.downcast_ref::<Disk>().is_some());
        let err = CallError::Exit(reason);
        assert_eq!(err.source().unwrap().to_string(), "disk");
        assert_eq!(ExitReason::error("a"), ExitReason::error("a"));
        assert_ne!(ExitReason::error("a"), ExitReason::error("b"));
    }
}
