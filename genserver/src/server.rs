//! The `GenServer` trait: what `#[gen_server]` implements for your type.

use std::convert::Infallible;
use std::future::Future;

use crate::error::ExitReason;
use crate::error::StartError;
use crate::process::context::Context;
use crate::process::handle::{Handle, ServerRef};
use crate::process::run::StartOptions;

/// A server process: state plus the callbacks that handle its messages.
///
/// You normally do not implement this trait by hand: `#[gen_server]` does it
/// from an impl block of handler methods, the way `use GenServer` fills in a
/// module's callbacks in Elixir. What it generates maps onto the trait like this:
///
/// | Elixir                         | this trait                                  |
/// |--------------------------------|---------------------------------------------|
/// | `init/1`                       | [`init_now`](GenServer::init_now) (a plain `fn` `#[init]`, or the start argument as the state) or [`init`](GenServer::init) (an `async fn` one) |
/// | `handle_call/3` clauses        | [`handle_call_now`](GenServer::handle_call_now) (one match arm per plain `fn` `#[call]`) and [`handle_call`](GenServer::handle_call) (one per `async fn`) |
/// | `handle_cast/2` clauses        | [`handle_cast_now`](GenServer::handle_cast_now) and [`handle_cast`](GenServer::handle_cast), likewise for `#[cast]` |
/// | `handle_info/2` clauses        | [`handle_info_now`](GenServer::handle_info_now) and [`handle_info`](GenServer::handle_info), likewise for `#[info]` |
/// | `terminate/2`                  | [`terminate`](GenServer::terminate) (your `#[terminate]`, or nothing) |
/// | `format_status/1`              | [`format_status`](GenServer::format_status) (your `#[format_status]`, or nothing shown) |
///
/// The message types are enums with one variant per handler, so a request the
/// server cannot handle does not compile, where Elixir's injected defaults
/// raise at run time.
///
/// # Examples
///
/// The trait implemented by hand, as `#[gen_server]` would for a counter
/// with a `#[call] fn get`, a `#[cast] async fn add` and a `#[format_status]`:
///
/// ```
/// use std::convert::Infallible;
/// use genserver::{CallError, Client, Context, GenServer, Handle, Init, Message, ReplyTo, StartOptions};
///
/// struct Counter(u64);
///
/// /// The call requests, each with its typed reply handle.
/// enum CounterCall {
///     Get(ReplyTo<u64>),
/// }
///
/// /// The cast requests.
/// enum CounterCast {
///     Add(u64),
/// }
///
/// impl Message for CounterCall {
///     fn name(&self) -> &'static str {
///         "Get" // what a crash report shows as the last message
///     }
/// }
///
/// impl Message for CounterCast {
///     fn name(&self) -> &'static str {
///         "Add"
///     }
/// }
///
/// /// The typed client API, what `ServerRef<Counter>` dereferences to.
/// #[derive(Clone)]
/// struct CounterClient(Handle<Counter>);
///
/// impl Client<Counter> for CounterClient {
///     fn from_handle(handle: Handle<Counter>) -> Self {
///         CounterClient(handle)
///     }
///
///     fn handle(&self) -> &Handle<Counter> {
///         &self.0
///     }
/// }
///
/// impl CounterClient {
///     async fn get(&self) -> Result<u64, CallError> {
///         self.0.call(CounterCall::Get).await
///     }
///
///     fn add(&self, n: u64) {
///         self.0.cast(CounterCast::Add(n));
///     }
/// }
///
/// impl GenServer for Counter {
///     type Arg = u64;
///     type Call = CounterCall;
///     type Cast = CounterCast;
///     type Info = Infallible; // no `#[info]` handler
///     type Client = CounterClient;
///
///     async fn init(start: u64, _ctx: &mut Context<Self>) -> Init<Self> {
///         Init::Ok(Counter(start))
///     }
///
///     /// A plain `fn` handler: answered in place, no future made.
///     fn handle_call_now(&mut self, request: CounterCall, _ctx: &mut Context<Self>) -> Result<(), CounterCall> {
///         match request {
///             CounterCall::Get(reply) => reply.send(self.0),
///         }
///         Ok(())
///     }
///
///     /// An `async fn` handler (`handle_cast_now` hands every cast here).
///     async fn handle_cast(&mut self, request: CounterCast, _ctx: &mut Context<Self>) {
///         match request {
///             CounterCast::Add(n) => self.0 += n,
///         }
///     }
///
///     fn format_status(&self) -> Option<String> {
///         Some(format!("count: {}", self.0))
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), genserver::Error> {
/// assert_eq!(Counter::MAILBOX, None); // unbounded
/// let counter = Counter::start_with(1, StartOptions::new()).await?;
/// counter.add(2);
/// assert_eq!(counter.get().await?, 3);
/// let status = genserver::sys::get_status(&counter).await?;
/// assert_eq!(status.state.as_deref(), Some("count: 3"));
/// # Ok(())
/// # }
/// ```
pub trait GenServer: Sized + Send + 'static {
    /// What `start` takes: the argument of the `#[init]` function, or the
    /// state itself when there is no `#[init]`.
    ///
    /// See the example on [`GenServer`].
    type Arg: Send + 'static;
    /// Call requests, one variant per `#[call]` handler; each variant carries
    /// its own typed [`ReplyTo`](crate::ReplyTo).
    ///
    /// See the example on [`GenServer`].
    type Call: Message;
    /// Cast requests, one variant per `#[cast]` handler.
    ///
    /// See the example on [`GenServer`].
    type Cast: Message;
    /// Info messages, one variant per `#[info]` handler.
    ///
    /// See the example on [`GenServer`] (no info messages) and on [`HandleInfo`].
    type Info: Message;
    /// The typed client API: one method per handler. A
    /// [`ServerRef<Self>`](crate::ServerRef) dereferences to it.
    ///
    /// See the example on [`GenServer`].
    type Client: Client<Self>;

    /// The bound of the mailbox (`#[gen_server(mailbox = N)]`): at most
    /// this many calls and casts wait in it; `None` (the default) leaves
    /// it unbounded, as an Erlang process's. See
    /// [`backpressure`](crate::backpressure);
    /// [`StartOptions::mailbox`](crate::StartOptions::mailbox) overrides it.
    ///
    /// See the example on [`GenServer`].
    const MAILBOX: Option<std::num::NonZeroUsize> = None;

    /// Builds the state inside the new server's task, before it serves
    /// anything. `start` waits for it.
    ///
    /// The runtime calls it only if [`init_now`](GenServer::init_now) hands
    /// the argument back, and keeps its future in a box while it runs.
    ///
    /// `ctx` is the server's context, as handlers get it: `init` can trap
    /// exits, link, monitor, start timers, and ask for a continuation or
    /// an idle timeout that applies once it returns.
    ///
    /// See the example on [`GenServer`].
    fn init(arg: Self::Arg, ctx: &mut Context<Self>) -> impl Future<Output = Init<Self>> + Send;

    /// Builds the state at once, without awaiting, if it can; otherwise
    /// hands the argument back (`Err(arg)`) for [`init`](GenServer::init).
    ///
    /// A fast path like [`handle_call_now`](GenServer::handle_call_now):
    /// `#[gen_server]` implements it when there is no `#[init]` or the
    /// `#[init]` is a plain `fn`, which saves starting a server the
    /// allocation of init's future. The default hands the argument back.
    ///
    /// Implemented like its twin in the example on [`GenServer`]; `#[gen_server]` implements it for every server.
    fn init_now(arg: Self::Arg, ctx: &mut Context<Self>) -> Result<Init<Self>, Self::Arg> {
        let _ = ctx;
        Err(arg)
    }

    /// Handles one call request. The handler replies through the request's
    /// [`ReplyTo`](crate::ReplyTo), now or later.
    ///
    /// The runtime calls it with the requests that
    /// [`handle_call_now`](GenServer::handle_call_now) hands back, and keeps
    /// the future in a box while it runs (one allocation per such request):
    /// stored inline, the largest handler future would be part of every idle
    /// server's task. `init` and `terminate` futures are boxed the same way.
    ///
    /// The default is Elixir's: it panics ("attempted to call GenServer ... but
    /// no handle_call clause was provided"), which crashes the server and gives
    /// the caller that exit reason. Generated servers without `#[call]`
    /// handlers set `Call` to [`Infallible`], so it can never run.
    ///
    /// Implemented like its twin in the example on [`GenServer`]; `#[gen_server]` implements it for every server.
    fn handle_call(
        &mut self,
        request: Self::Call,
        ctx: &mut Context<Self>,
    ) -> impl Future<Output = ()> + Send {
        drop(request);
        let message = no_clause::<Self>("call", "handle_call/3", ctx);
        async move { panic!("{message}") }
    }

    /// Handles one cast request.
    ///
    /// The default panics, as Elixir's does; generated servers without
    /// `#[cast]` handlers set `Cast` to [`Infallible`].
    ///
    /// See the example on [`GenServer`].
    fn handle_cast(
        &mut self,
        request: Self::Cast,
        ctx: &mut Context<Self>,
    ) -> impl Future<Output = ()> + Send {
        drop(request);
        let message = no_clause::<Self>("cast", "handle_cast/2", ctx);
        async move { panic!("{message}") }
    }

    /// Handles one info message.
    ///
    /// The default logs the message at error level and carries on, as Elixir's
    /// does; generated servers without `#[info]` handlers set `Info` to
    /// [`Infallible`].
    ///
    /// Implemented like its twin in the example on [`GenServer`]; `#[gen_server]` implements it for every server.
    fn handle_info(
        &mut self,
        message: Self::Info,
        ctx: &mut Context<Self>,
    ) -> impl Future<Output = ()> + Send {
        tracing::error!(
            server = std::any::type_name::<Self>(),
            id = ctx.id().as_u64(),
            message = message.name(),
            "{} {} received unexpected message in handle_info/2: {}",
            std::any::type_name::<Self>(),
            ctx.id(),
            message.name(),
        );
        std::future::ready(())
    }

    /// Handles a call request at once, without awaiting, if it can; otherwise
    /// hands it back (`Err(request)`), and the runtime awaits
    /// [`handle_call`](GenServer::handle_call) with it instead.
    ///
    /// This is a fast path, not a second kind of handler: the runtime offers
    /// every request here first, and works through a run of requests handled
    /// here in one tight loop, without making, pinning and polling a future
    /// for each. `#[gen_server]` implements it for the handlers written as a
    /// plain `fn` and `handle_call` for the `async fn` ones. The default hands
    /// everything back, so a hand-written server needs only `handle_call`.
    ///
    /// See the example on [`GenServer`].
    fn handle_call_now(
        &mut self,
        request: Self::Call,
        ctx: &mut Context<Self>,
    ) -> Result<(), Self::Call> {
        let _ = ctx;
        Err(request)
    }

    /// Handles a cast request at once if it can, or hands it back for
    /// [`handle_cast`](GenServer::handle_cast); see
    /// [`handle_call_now`](GenServer::handle_call_now).
    ///
    /// Implemented like its twin in the example on [`GenServer`]; `#[gen_server]` implements it for every server.
    fn handle_cast_now(
        &mut self,
        request: Self::Cast,
        ctx: &mut Context<Self>,
    ) -> Result<(), Self::Cast> {
        let _ = ctx;
        Err(request)
    }

    /// Handles an info message at once if it can, or hands it back for
    /// [`handle_info`](GenServer::handle_info); see
    /// [`handle_call_now`](GenServer::handle_call_now).
    ///
    /// Implemented like its twin in the example on [`GenServer`]; `#[gen_server]` implements it for every server.
    fn handle_info_now(
        &mut self,
        message: Self::Info,
        ctx: &mut Context<Self>,
    ) -> Result<(), Self::Info> {
        let _ = ctx;
        Err(message)
    }

    /// Starts the server with `options` and waits until its `init` has run.
    /// `#[gen_server]` also generates an inherent `start(arg)` with the
    /// default options.
    ///
    /// See the example on [`GenServer`].
    fn start_with(
        arg: Self::Arg,
        options: StartOptions,
    ) -> impl Future<Output = Result<ServerRef<Self>, StartError>> + Send {
        crate::process::run::start(arg, options)
    }

    /// Starts the server without waiting for its `init`: the reference comes
    /// back at once, and what is sent through it is handled once `init` has
    /// run (see [`spawn`](crate::spawn)).
    ///
    /// See the example on [`spawn`](crate::spawn).
    fn spawn(arg: Self::Arg) -> Result<ServerRef<Self>, StartError> {
        crate::process::run::spawn(arg)
    }

    /// The state as `:sys` and crash reports show it: Elixir's
    /// `format_status/1`, for the state only. `None` (the default) shows
    /// nothing, so a server's state appears nowhere unless it says how.
    ///
    /// [`sys::get_status`](crate::sys::get_status) shows it, and so does the
    /// crash report when the server exits abnormally (computed only then).
    /// Return the state's `Debug`, or a redacted view that leaves secrets
    /// out or shortens a huge state. With `#[gen_server]`, mark a method
    /// `#[format_status] fn status(&self) -> String` (or `-> Option<String>`).
    /// A view that panics shows as `"<Type>::format_status crashed"`.
    ///
    /// See the example on [`GenServer`].
    fn format_status(&self) -> Option<String> {
        None
    }

    /// Runs once when the server stops: on [`ServerRef::stop`](crate::ServerRef::stop),
    /// when a handler calls [`Context::stop`], after a handler panicked, and when
    /// the last handle is dropped. It does not run when `init` fails or when the
    /// server is killed. The default does nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use genserver::prelude::*;
    ///
    /// struct Conn {
    ///     log: Arc<Mutex<Vec<String>>>,
    /// }
    ///
    /// #[gen_server]
    /// impl Conn {
    ///     /// terminate(reason, state)
    ///     #[terminate]
    ///     fn terminate(&mut self, reason: &ExitReason) {
    ///         self.log.lock().unwrap().push(format!("closed: {reason}"));
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), genserver::Error> {
    /// let log = Arc::new(Mutex::new(Vec::new()));
    /// let conn = Conn::start(Conn { log: Arc::clone(&log) }).await?;
    /// conn.stop_with(ExitReason::Shutdown).await?;
    /// assert_eq!(*log.lock().unwrap(), ["closed: shutdown"]);
    ///
    /// let conn = Conn::start(Conn { log: Arc::clone(&log) }).await?;
    /// conn.kill(); // no terminate
    /// conn.exited().await?;
    /// assert_eq!(log.lock().unwrap().len(), 1);
    /// # Ok(())
    /// # }
    /// ```
    fn terminate(&mut self, reason: &ExitReason) -> impl Future<Output = ()> + Send {
        let _ = reason;
        std::future::ready(())
    }
}

/// Elixir's text for a request that no clause handles.
fn no_clause<S: GenServer>(verb: &str, callback: &str, ctx: &Context<S>) -> String {
    format!(
        "attempted to {verb} GenServer {}{} but no {callback} clause was provided",
        std::any::type_name::<S>(),
        ctx.id(),
    )
}

/// A message enum generated for one handler kind.
///
/// See the example on [`GenServer`].
pub trait Message: Send + 'static {
    /// The variant's name, for crash reports ("last message: Get").
    ///
    /// See the example on [`GenServer`].
    fn name(&self) -> &'static str;

    /// For a call, the tokio task that made it ([`ReplyTo::caller`]), so
    /// that a crash report can name the caller. The default says nothing.
    ///
    /// [`ReplyTo::caller`]: crate::ReplyTo::caller
    ///
    /// See the example on [`ReplyTo::is_closed`](crate::ReplyTo::is_closed), whose `caller` this gives.
    fn caller(&self) -> Option<tokio::task::Id> {
        None
    }
}

/// The message type of a kind that has no handlers: no such message exists.
impl Message for Infallible {
    fn name(&self) -> &'static str {
        match *self {}
    }
}

/// The typed client API generated for a server (`KeyValueStoreClient` for
/// `KeyValueStore`): a thin wrapper around a [`Handle`].
///
/// See the example on [`GenServer`].
pub trait Client<S: GenServer>: Clone + Send + Sync + 'static {
    /// Wraps a handle.
    ///
    /// See the example on [`GenServer`].
    fn from_handle(handle: Handle<S>) -> Self;
    /// The wrapped handle.
    ///
    /// See the example on [`GenServer`].
    fn handle(&self) -> &Handle<S>;
}

/// A server with a typed request API: `#[gen_server]` implements it for
/// every server with a `#[call]` handler, and
/// [`ServerRef::request`](crate::ServerRef::request) returns its
/// `Requests`, one method per call handler that sends the call at once and
/// returns a [`Request`](crate::Request) (`gen_server:send_request/2`).
///
/// See the examples on [`Request`](crate::Request) and [`ReplyTo`](crate::ReplyTo).
pub trait SendRequest: GenServer {
    /// The generated `{Server}Requests`.
    ///
    /// See the example on [`Request`](crate::Request).
    type Requests: Client<Self>;
}

/// A server that has an `#[info]` handler for messages of type `I`, so
/// [`ServerRef::send`](crate::ServerRef::send) accepts an `I`.
///
/// # Examples
///
/// ```
/// use genserver::prelude::*;
/// use genserver::HandleInfo;
///
/// #[derive(Clone)]
/// struct Ping;
///
/// struct Pong;
///
/// #[derive(Default)]
/// struct Player {
///     pings: u32,
///     pongs: u32,
/// }
///
/// #[gen_server]
/// impl Player {
///     #[info]
///     fn ping(&mut self, _: Ping) {
///         self.pings += 1;
///     }
///
///     #[info]
///     fn pong(&mut self, _: Pong) {
///         self.pongs += 1;
///     }
///
///     #[call]
///     fn score(&self) -> (u32, u32) {
///         (self.pings, self.pongs)
///     }
/// }
///
/// /// Sends `message` twice, to any server that handles it.
/// fn twice<S: HandleInfo<M>, M: Clone>(server: &ServerRef<S>, message: M) {
///     server.send(message.clone());
///     server.send(message);
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), genserver::Error> {
/// let player = Player::start(Player::default()).await?;
/// twice(&player, Ping);
/// player.send(Pong); // send(pid, :pong)
/// assert_eq!(player.score().await?, (2, 1));
/// # Ok(())
/// # }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no `#[info]` handler for this message type",
    label = "`send` takes the message type of one of `{Self}`'s `#[info]` handlers",
    note = "add `#[info] fn name(&mut self, message: MyMessage)` to the server for a new message type; a `#[continuation]` step is not a message: only the server itself asks for it, with `ctx.continue_with(step)`"
)]
pub trait HandleInfo<I>: GenServer {
    /// Wraps `message` into the server's info enum.
    ///
    /// See the example on [`HandleInfo`].
    fn into_info(message: I) -> Self::Info;
}

/// A server that has a `#[continuation]` handler for messages of type `M`,
/// so [`Context::continue_with`](crate::Context::continue_with) accepts an `M`.
///
/// Continuations travel in the server's info enum, but only the server
/// itself can ask for one: there is no way to send one from outside.
///
/// See the example on [`Context::continue_with`](crate::Context::continue_with).
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no `#[continuation]` handler for this step type",
    label = "`continue_with` takes the step type of one of `{Self}`'s `#[continuation]` handlers",
    note = "add `#[continuation] fn name(&mut self, step: MyStep)` to the server"
)]
pub trait HandleContinue<M>: GenServer {
    /// Wraps `message` into the server's info enum.
    ///
    /// See the example on [`Context::continue_with`](crate::Context::continue_with).
    fn into_continue(message: M) -> Self::Info;
}

/// The info message of an idle timeout: Elixir's `handle_info(:timeout, state)`.
/// See [`Context::idle_timeout`](crate::Context::idle_timeout) and its example.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IdleTimeout;

/// What `init` decided: Elixir's `{:ok, state}`, `:ignore` and `{:stop, reason}`.
///
/// An `#[init]` function can return `Self`, `Result<Self, E>` (where `E` converts
/// into `Box<dyn Error + Send + Sync>`, as `String`, `&str` and every error type do),
/// or `Init<Self>` when it needs [`Init::Ignore`].
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
///     /// `:ignore` when there is nothing to do, `{:stop, reason}` on a bad argument.
///     #[init]
///     fn init(jobs: i32) -> Init<Self> {
///         match jobs {
///             0 => Init::Ignore,
///             n if n < 0 => Init::Stop(ExitReason::error("negative job count")),
///             _ => Init::Ok(Worker),
///         }
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// assert!(matches!(Worker::start(0).await, Err(StartError::Ignored)));
/// assert!(matches!(Worker::start(-1).await, Err(StartError::Init(_))));
/// assert!(Worker::start(1).await.is_ok());
/// # }
/// ```
#[derive(Debug)]
pub enum Init<S> {
    /// Start serving with this state (`{:ok, state}`).
    Ok(S),
    /// Do not start, and do not treat it as a failure (`:ignore`): `start`
    /// returns [`StartError::Ignored`](crate::StartError::Ignored).
    Ignore,
    /// Do not start (`{:stop, reason}`): `start` returns
    /// [`StartError::Init`](crate::StartError::Init) with this reason, and
    /// an abnormal reason is logged as a crash.
    Stop(ExitReason),
    /// Do not start, quietly (`{:error, reason}`, OTP 26): `start` returns
    /// [`StartError::Init`](crate::StartError::Init) with this reason and
    /// nothing is logged, since the caller of `start` is told. An `#[init]`
    /// returning `Err(e)` means this.
    Error(ExitReason),
}

/// The return types an `#[init]` function may have, besides `Self`.
///
/// See the examples on [`Init`] and [`StartError`](crate::StartError).
#[diagnostic::on_unimplemented(
    message = "an `#[init]` function must return `Self`, `Result<Self, E>` or `Init<Self>`",
    label = "`{Self}` is not a valid init result for `{S}`"
)]
pub trait IntoInit<S> {
    /// Converts into the [`Init`] outcome.
    ///
    /// See the examples on [`Init`] and [`StartError`](crate::StartError).
    fn into_init(self) -> Init<S>;
}

impl<S> IntoInit<S> for Init<S> {
    fn into_init(self) -> Init<S> {
        self
    }
}

impl<S, E> IntoInit<S> for Result<S, E>
where
    E: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    fn into_init(self) -> Init<S> {
        match self {
            Ok(state) => Init::Ok(state),
            Err(error) => Init::Error(ExitReason::error(error)),
        }
    }
}
