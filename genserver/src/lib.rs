//! Elixir's `GenServer` for Rust.
//!
//! Annotate an impl block with [`#[gen_server]`](macro@gen_server), write the
//! handlers as plain methods, and get a server process: a tokio task with one
//! ordered mailbox, typed client methods, call timeouts and crash isolation.
//!
//! ```
//! use std::collections::HashMap;
//! use genserver::prelude::*;
//!
//! #[derive(Default)]
//! struct KeyValueStore {
//!     map: HashMap<String, String>,
//! }
//!
//! #[gen_server]
//! impl KeyValueStore {
//!     /// Stores `value` under `key`.
//!     #[cast]
//!     fn put(&mut self, key: String, value: String) {
//!         self.map.insert(key, value);
//!     }
//!
//!     /// The value stored under `key`.
//!     #[call]
//!     fn get(&self, key: String) -> Option<String> {
//!         self.map.get(&key).cloned()
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let kv = KeyValueStore::start(KeyValueStore::default()).await?;
//! kv.put("a".into(), "1".into());
//! assert_eq!(kv.get("a".into()).await?, Some("1".into()));
//! kv.stop().await?;
//! # Ok(())
//! # }
//! ```
//!
//! The README walks through everything the macro accepts, the error model
//! and what the generated code looks like.
//!
//! # Layout
//!
//! The kernel, in `process/`, is what every server is made of:
//!
//! * `process::mailbox`: the one FIFO queue per server, its status and its
//!   per-process tables.
//! * `process::run`: [`start`] and [`spawn`], init, the receive loop, terminate.
//! * `process::context`: [`Context`], what a running callback can ask for.
//! * `process::handle`: [`ServerRef`], [`Handle`], [`ReplyTo`], [`Request`]:
//!   how clients reach a server and how replies travel back.
//! * `process::blocking`: [`block_on`], and timeouts outside tokio.
//!
//! On top of it, one module per OTP concept:
//!
//! * `server`: the [`GenServer`] trait the macro implements (`gen_server`).
//! * [`link`]: links, exit signals, trapping exits ([`Exit`], [`TaskLink`]).
//! * [`monitor`]: monitors ([`Down`], [`Monitor`]).
//! * [`registry`]: names, `whereis`, [`Registry`](registry::Registry) and
//!   the via contract ([`Pid`], [`registry::Via`]).
//! * [`child_spec`]: how a supervisor starts, restarts and stops a child
//!   ([`ChildSpec`], [`Restart`], [`Shutdown`]); `#[gen_server]` generates
//!   `Type::child_spec(arg)`.
//! * [`supervisor`]: supervisors ([`Supervisor`], [`SupervisorSpec`],
//!   [`Strategy`]) and the typed lookup of restarted children.
//! * [`sys`]: looking into a running server (`:sys`).
//! * [`timer`]: messages sent later or repeatedly ([`send_after`],
//!   [`send_interval`], [`TimerRef`]), one timer service per runtime.
//! * [`dynamic_supervisor`]: Elixir's `DynamicSupervisor`, children started
//!   on demand ([`DynamicSupervisor`]).
//! * `error`: [`ExitReason`] and the errors clients see.
//!
//! Coming from Elixir? [`guide`] maps every function of `GenServer`,
//! `Supervisor`, `DynamicSupervisor`, `Registry`, `Agent` and `Task` to
//! its counterpart here, with the deviations and why.
//!
//! Servers built on the same machinery, as OTP builds them on `gen_server`:
//!
//! * [`agent`]: [`Agent`](agent::Agent), a server whose callbacks are
//!   closures (Elixir's `Agent`).
//! * [`task`]: [`Task`](task::Task), async work run as a process, as a
//!   supervised child or off a server's loop ([`task::async_nolink`]).
//! * [`service`]: a service's lifetime: [`run_until_shutdown`] runs the
//!   top of a tree until ctrl-c or SIGTERM, then stops it.

#![forbid(unsafe_code)]
#![doc(test(attr(deny(warnings))))]

// Lets `::genserver::...` paths in generated code resolve inside this crate too.
#[allow(unused_extern_crates)]
extern crate self as genserver;

pub mod agent;
pub mod backpressure;
pub mod child_spec;
pub mod dynamic_supervisor;
mod error;
#[doc = include_str!("../docs/from-elixir.md")]
pub mod guide {}
pub mod link;
pub mod monitor;
mod process;
pub mod registry;
mod server;
pub mod service;
pub mod supervisor;
pub mod sys;
pub mod task;
pub mod timer;

pub use crate::child_spec::{ChildSpec, ChildSpecError, ChildType, Restart, Shutdown};
pub use crate::dynamic_supervisor::{DynamicSupervisor, DynamicSupervisorClient};
pub use crate::error::{
    BlockingError, CallError, CastError, Error, ExitReason, FlattenErr, StartError, StopError,
    WaitError,
};
pub use crate::link::{Exit, LinkError, TaskLink};
pub use crate::monitor::{Down, Monitor, MonitorRef};
pub use crate::process::context::Context;
pub use crate::process::handle::{
    DEFAULT_CALL_TIMEOUT, Handle, ReplyTo, Request, ServerId, ServerRef,
};
pub use crate::process::{StartOptions, block_on, report_panics_once, spawn, start};
pub use crate::registry::{LookupError, Pid, RegisterError};
pub use crate::server::{
    Client, GenServer, HandleContinue, HandleInfo, IdleTimeout, Init, IntoInit, Message,
    SendRequest,
};
pub use crate::service::{run_until, run_until_shutdown, shutdown_signal};
pub use crate::supervisor::{AutoShutdown, Strategy, Supervisor, SupervisorError, SupervisorSpec};
pub use crate::timer::{TimerError, TimerRef, send_after, send_at, send_interval};
/// A tokio task's id: what [`ReplyTo::caller`] gives, re-exported so that
/// generated code can name it.
pub use tokio::task::Id as TaskId;

/// Turns an impl block of handler methods into a server process.
///
/// Mark each handler with one attribute:
///
/// | attribute | the method | clients call |
/// |---|---|---|
/// | `#[call]` | `&self`/`&mut self` + owned arguments, returns the reply (sync or `async`) | `server.name(args).await`, a `Result<Reply, CallError>` |
/// | `#[call]` | the same, plus a `reply: ReplyTo<T>` argument and no return type | the same; the handler answers later with `reply.send(value)` |
/// | `#[cast]` | `&self`/`&mut self` + owned arguments, no return type | `server.name(args)`, returns at once |
/// | `#[info]` | `&mut self` + exactly one message argument `M` | `server.send(message)` |
/// | `#[continuation]` | `&mut self` + exactly one step argument `M`, no return type | nobody: the server itself, with `ctx.continue_with(step)` ([`Context::continue_with`]) |
/// | `#[init]` | no `self`, at most one argument `A` and optionally `ctx`; returns `Self`, `Result<Self, E>` or [`Init<Self>`](Init) | `Type::start(a)` |
/// | `#[terminate]` | `&mut self`, optionally `reason: &ExitReason` | runs when the server stops |
/// | `#[format_status]` | `&self`, returns `String` or `Option<String>` | the state as [`sys::get_status`] and crash reports show it |
///
/// Any handler may also take `ctx: &mut Context<Self>` ([`Context`]).
/// An argument is `name: Type`, or any pattern that always matches:
/// `_: IdleTimeout`, `Tick(n): Tick`, `(x, y): (i32, i32)`,
/// `Point { x, y }: Point`. The handler keeps its pattern. A `#[call]` or
/// `#[cast]` argument is also a field of the message and a parameter of the
/// client method, under its name; for a pattern, under a name the macro
/// gives it: the bound name of `ref x` or `x @ ..`, else the type's in snake
/// case (`point` for `Point`), else `arg0`, `arg1`, ... by position.
///
/// A `#[continuation]` is Elixir's `handle_continue/2`: it runs when a
/// callback asked for it, before anything in the mailbox, and it cannot be
/// sent from outside. One type may be both an `#[info]` message (for
/// `send`) and a `#[continuation]` step (for `continue_with`); each reaches
/// its own handler.
/// Methods without an attribute are left alone. The macro generates, next to
/// your unchanged impl block: the enums `{Type}Call`, `{Type}Cast` and
/// `{Type}Info` (one variant per handler), `impl GenServer for Type`, the
/// client struct `{Type}Client` that [`ServerRef<Type>`](ServerRef)
/// dereferences to, `Type::start`, and `Type::child_spec(arg)`, the
/// [`ChildSpec`] a supervisor starts the server with (Elixir's injected
/// `child_spec/1`). A `child_spec` method of your own in the same impl block
/// replaces the generated one, as a module overrides `child_spec/1` (the
/// macro sees only its own block: one written in another impl block is a
/// duplicate definition).
///
/// # Options
///
/// `#[gen_server(restart = transient, shutdown = 10_000)]` is
/// `use GenServer, restart: :transient, shutdown: 10_000`: the child spec
/// options set the fields of the generated `child_spec`, and any field can
/// still be changed where the spec is used, with [`ChildSpec`]'s builder
/// methods or its public fields (`Supervisor.child_spec/2`).
///
/// | option | Elixir | sets | default |
/// |---|---|---|---|
/// | `id = "name"` | `id: :name` | [`ChildSpec::id`](struct@ChildSpec) | the server's type name |
/// | `restart = permanent \| transient \| temporary` | `restart: :transient` | [`Restart`] | `permanent` |
/// | `shutdown = 10_000 \| brutal_kill \| infinity` | `shutdown: 10_000` | [`Shutdown`]: milliseconds `terminate` may take before the child is killed, a kill without `terminate`, or no limit | `5_000`; `infinity` for `type = supervisor` |
/// | `type = worker \| supervisor` | `type: :supervisor` | [`ChildType`] | `worker` |
/// | `significant = true \| false` | `significant: true` | [`ChildSpec::significant`](struct@ChildSpec) (not with `restart = permanent`, which OTP refuses too) | `false` |
/// | `crate = "path"` | | where the `genserver` crate is, for crates that re-export it | `::genserver` |
///
/// `start` and `modules` are not options: the spec starts the server with
/// `Type::start(arg)` (build a spec with [`ChildSpec::from_fn`] to start it
/// another way, with a name say), and `modules` serves hot code upgrades,
/// which Rust does not have. A bad option or value does not compile, and
/// the error says what to write.
///
/// `child_spec` is generated for every server, but only a server whose
/// start argument is `Clone + Sync` can have a spec, since every restart
/// starts from a fresh clone of it. That is checked where `child_spec` is
/// called: a server whose argument is not `Clone` compiles as long as
/// nothing asks for its spec.
///
/// ```
/// use std::time::Duration;
/// use genserver::prelude::*;
/// use genserver::{Restart, Shutdown};
///
/// struct Cache(Vec<String>);
///
/// #[gen_server(restart = transient, shutdown = 10_000)]
/// impl Cache {
///     #[init]
///     fn init(capacity: usize) -> Self {
///         Cache(Vec::with_capacity(capacity))
///     }
///
///     #[call]
///     fn capacity(&self) -> usize {
///         self.0.capacity()
///     }
/// }
///
/// let spec = Cache::child_spec(100);
/// assert_eq!(spec.restart, Restart::Transient);
/// assert_eq!(spec.shutdown, Shutdown::Timeout(Duration::from_secs(10)));
///
/// // Supervisor.child_spec({Cache, 100}, id: :small_cache, restart: :permanent)
/// let spec = Cache::child_spec(100).id("small_cache").restart(Restart::Permanent);
/// assert_eq!(&*spec.id, "small_cache");
/// ```
///
/// # Example
///
/// ```
/// use genserver::prelude::*;
///
/// struct Counter(u64);
///
/// #[gen_server]
/// impl Counter {
///     /// Adds `n`.
///     #[cast]
///     fn add(&mut self, n: u64) {
///         self.0 += n;
///     }
///
///     /// The count so far.
///     #[call]
///     fn get(&self) -> u64 {
///         self.0
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let counter = Counter::start(Counter(0)).await?;
/// counter.add(2);
/// assert_eq!(counter.get().await?, 2);
/// # Ok(())
/// # }
/// ```
#[cfg(feature = "macros")]
pub use genserver_macros::gen_server;

/// Everything a server module needs: `use genserver::prelude::*;`.
pub mod prelude {
    #[cfg(feature = "macros")]
    pub use crate::gen_server;
    pub use crate::{
        CallError, CastError, Context, ExitReason, GenServer, Init, LookupError, Pid, ReplyTo,
        ServerRef, StartError, StartOptions, StopError, TimerRef, WaitError,
    };
}

/// The README's code blocks, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
