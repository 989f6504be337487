//! Names and registries: Erlang's `register/2`, `unregister/1`,
//! `whereis/1`, the `{:via, module, name}` contract, and Elixir's
//! `Registry` with unique and duplicate keys (`start_link/1`,
//! `register/3`, `unregister/2`, `lookup/2`, `dispatch/3`, `keys/2`,
//! `count/1`).
//!
//! # Local names
//!
//! A server can be started under a name, or registered under one later, in
//! one process-wide table, as Erlang's `register/2` names a pid on its
//! node. Clients then find it with [`whereis`], typed: the name says which
//! server, the type parameter says what the caller expects, and a mismatch
//! is a [`LookupError::WrongType`], never a panic.
//!
//! ```
//! use genserver::prelude::*;
//! use genserver::registry;
//!
//! struct Db(u64);
//!
//! #[gen_server]
//! impl Db {
//!     #[call]
//!     fn get(&self) -> u64 {
//!         self.0
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! Db::start_with(Db(7), StartOptions::new().name("doc_db")).await?;
//! // Anywhere else: a call by name (`GenServer.call(:doc_db, :get)`).
//! assert_eq!(registry::whereis::<Db>("doc_db")?.get().await?, 7);
//! // A second start under the name fails, and its init never runs.
//! let again = Db::start_with(Db(8), StartOptions::new().name("doc_db")).await;
//! assert!(matches!(again, Err(StartError::AlreadyStarted(_))));
//! # registry::whereis::<Db>("doc_db")?.stop().await?;
//! # Ok(())
//! # }
//! ```
//!
//! # Registries
//!
//! Names are not only strings: a [`Registry<K, S>`] maps keys of any
//! `Hash + Eq + Clone` type to servers of type `S` (Elixir's `Registry`
//! with `keys: :unique`); `StartOptions::new().via(&registry, key)` starts
//! a server under a key (`name: {:via, Registry, {registry, key}}`). A
//! [`DuplicateRegistry<K, S>`] lets several servers share a key
//! (`keys: :duplicate`), for pub-sub by key with
//! [`dispatch`](DuplicateRegistry::dispatch).
//!
//! # The rules
//!
//! * **The name is reserved before `init` runs**: a start under a taken name
//!   fails with [`StartError::AlreadyStarted`](crate::StartError::AlreadyStarted), carrying the running server,
//!   and the new server's `init` is never called.
//! * **Names are released as the server exits**, before anything else learns
//!   of the exit: when `init` fails, the name is free again before `start`
//!   returns; once a server has exited, whoever awaited its exit
//!   ([`ServerRef::exited`], a stop, a monitor) finds the name free.
//! * **A registered server lives on**: the registry holds a counted
//!   reference, so a server whose every [`ServerRef`] was dropped keeps
//!   running, as an Erlang process does, until it stops or crashes; then its
//!   entries are gone.
//! * **Concurrent registrations race safely**: exactly one wins, the others
//!   get [`RegisterError::Taken`] with the winner.
//! * **A local name is part of the server's identity**: its `Debug`, its
//!   crash report and [`ServerRef::registered_name`] show it
//!   (`Process.info(pid, :registered_name)`); a server holding several
//!   shows the oldest it still holds. Registry keys do not show there: a
//!   key type need not be `Debug`.
//!
//! # Via: plugging in another registry
//!
//! [`Via`] is Erlang's via module contract (`register_name/2`,
//! `unregister_name/1`, `whereis_name/1`). The local name table
//! ([`LocalNames`]) and [`Registry`] both implement it, and so can a
//! registry of your own; its methods return futures so that a cluster-wide
//! registry can implement it later (the local ones answer at once). An
//! implementation must forget a server when it exits: [`Pid::on_exit`] is
//! the hook for that.
//!
//! # Where this differs from Erlang and Elixir
//!
//! * A registry is a value (cheap to clone, shared by its clones), not a
//!   process: there is no `Registry.start_link`, and its entries are gone
//!   when the last clone is dropped. Unregistration is not asynchronous as in
//!   Elixir: an entry is gone by the time anyone learns of its server's exit.
//! * `Registry.register/3` registers the *calling* process; here you name the
//!   server ([`Registry::register`] takes its [`ServerRef`]). There is no
//!   per-entry value, and no match specs (`select`, `match`, `count_match`).
//! * A registry is typed by its server: `Registry<String, TodoServer>`.
//! * Erlang allows one name per process; a server here may hold several
//!   local names and keys.
//! * Erlang's via `send/2` is not part of [`Via`]: a message goes to the
//!   [`Pid`] (or its typed [`ServerRef`]) that `whereis_name` returns. There
//!   are no `{:global, name}` names yet.
//! * The local name table is shared by the whole OS process, across tokio
//!   runtimes (as a node's names are shared by its schedulers).

use std::borrow::Borrow;
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::hash::Hash;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, RwLock, RwLockReadGuard, RwLockWriteGuard, Weak};

use crate::error::ExitReason;
use crate::process::handle::{AnyHandle, Handle, Process, ServerId, ServerRef};
use crate::process::mailbox::{Envelope, HookKey, Shared, unique};
use crate::server::{GenServer, HandleInfo};
use crate::timer::{Dest, Owner, Route};

// ------------------------------------------------------------------ Pid

/// A counted, typed reference to `process`, or why not.
fn typed<S: GenServer>(process: Arc<dyn Process>) -> Result<ServerRef<S>, LookupError> {
    let found = process.type_name();
    match process.as_any().downcast::<Shared<S>>() {
        Ok(shared) => Ok(ServerRef::from_handle(Handle::new(shared))),
        Err(_) => Err(LookupError::WrongType {
            expected: std::any::type_name::<S>(),
            found,
        }),
    }
}

/// A reference to a server of any type: Erlang's pid.
///
/// What names and registries hold and what [`StartError::AlreadyStarted`]
/// carries. Like a [`ServerRef`] it keeps the server alive while it exists;
/// [`downcast`](Pid::downcast) gives the typed reference back. Two `Pid`s
/// are equal when they refer to the same server.
///
/// [`StartError::AlreadyStarted`]: crate::StartError::AlreadyStarted
///
/// # Examples
///
/// ```
/// # use genserver::prelude::*;
/// # #[derive(Debug)]
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
/// let pid: Pid = counter.pid(); // any server, untyped
/// assert!(pid.type_name().ends_with("Counter"));
/// assert_eq!(pid.id(), counter.id());
/// let again = pid.downcast::<Counter>().expect("a Counter");
/// again.add(1);
/// assert_eq!(counter.get().await?, 1);
/// pid.stop_with(ExitReason::Shutdown, std::time::Duration::from_secs(1)).await?;
/// assert_eq!(pid.exited().await, ExitReason::Shutdown);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Pid {
    handle: AnyHandle,
}

impl Pid {
    fn new(process: Arc<dyn Process>) -> Self {
        Pid {
            handle: AnyHandle::new(process),
        }
    }

    pub(crate) fn from_shared<S: GenServer>(shared: &Arc<Shared<S>>) -> Self {
        Pid::new(Arc::clone(shared) as Arc<dyn Process>)
    }

    pub(crate) fn process(&self) -> &Arc<dyn Process> {
        self.handle.process()
    }

    /// Stops the server with `reason` and waits until it has exited, at
    /// most `timeout` (`GenServer.stop/3` for a server of any type):
    /// `terminate` runs once the messages before the stop are handled.
    /// Like [`ServerRef::stop_with`], but a server that does not exit in
    /// time is left running ([`StopError::Timeout`]).
    ///
    /// [`StopError::Timeout`]: crate::StopError::Timeout
    ///
    /// See the example on [`Pid`].
    pub async fn stop_with(
        &self,
        reason: ExitReason,
        timeout: std::time::Duration,
    ) -> Result<(), crate::StopError> {
        if !self.process().stop(reason.clone()) {
            return Err(crate::StopError::NoProc);
        }
        let exited = crate::process::blocking::within(timeout, self.process().exited())
            .await
            .ok_or(crate::StopError::Timeout)?;
        if exited.same_as(&reason) {
            Ok(())
        } else {
            Err(crate::StopError::Exit(exited))
        }
    }

    /// Sends the server an exit signal (`Process.exit(pid, reason)`); see
    /// [`ServerRef::exit`].
    ///
    /// See the example on [`on_exit`](Pid::on_exit).
    pub fn exit(&self, reason: ExitReason) {
        crate::link::signal(&**self.process(), None, reason);
    }

    /// Kills the server (`Process.exit(pid, :kill)`); see [`ServerRef::kill`].
    ///
    /// See the example on [`on_exit`](Pid::on_exit).
    pub fn kill(&self) {
        self.process().kill(ExitReason::Killed);
    }

    /// Waits until the server has exited, and returns why.
    ///
    /// See the example on [`Pid`].
    pub async fn exited(&self) -> ExitReason {
        self.process().exited().await
    }

    /// The server's id.
    ///
    /// See the example on [`Pid`].
    pub fn id(&self) -> ServerId {
        self.process().id()
    }

    /// The server's type, as `std::any::type_name` spells it.
    ///
    /// See the example on [`Pid`].
    pub fn type_name(&self) -> &'static str {
        self.process().type_name()
    }

    /// Whether the server is still running (`Process.alive?`).
    ///
    /// See the example on [`on_exit`](Pid::on_exit).
    pub fn is_alive(&self) -> bool {
        self.process().exit_reason().is_none()
    }

    /// The typed reference, if the server is an `S`.
    ///
    /// See the example on [`Pid`].
    pub fn downcast<S: GenServer>(&self) -> Option<ServerRef<S>> {
        self.typed().ok()
    }

    /// The typed reference, or why not.
    fn typed<S: GenServer>(&self) -> Result<ServerRef<S>, LookupError> {
        typed(Arc::clone(self.process()))
    }

    /// Runs `hook` once when the server exits, with its id and reason: the
    /// way a registry forgets a server (`Process.monitor`, for registries).
    ///
    /// It runs with the names and registry entries being released, before
    /// anyone waiting for the exit is woken, on the task that ends the
    /// server: keep it short and never block in it. Fails with the reason if
    /// the server has already exited.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use genserver::prelude::*;
    ///
    /// struct Worker;
    ///
    /// #[gen_server]
    /// impl Worker {}
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), genserver::Error> {
    /// let pid = Worker::start(Worker).await?.pid();
    /// let seen = Arc::new(Mutex::new(Vec::new()));
    /// let log = Arc::clone(&seen);
    /// let hook = pid.on_exit(move |id, reason| log.lock().unwrap().push((id, reason.clone())))?;
    /// let dropped = pid.on_exit(|_, _| panic!("cancelled"))?;
    /// assert!(pid.cancel_on_exit(dropped));
    ///
    /// pid.kill(); // Process.exit(pid, :kill)
    /// assert_eq!(pid.exited().await, ExitReason::Killed);
    /// assert!(!pid.is_alive());
    /// assert_eq!(*seen.lock().unwrap(), [(pid.id(), ExitReason::Killed)]);
    /// assert!(!pid.cancel_on_exit(hook)); // it ran already
    /// assert_eq!(pid.on_exit(|_, _| {}).err(), Some(ExitReason::Killed));
    ///
    /// let other = Worker::start(Worker).await?.pid();
    /// other.exit(ExitReason::error("bad input")); // Process.exit(pid, reason)
    /// assert_eq!(other.exited().await, ExitReason::error("bad input"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn on_exit(
        &self,
        hook: impl FnOnce(ServerId, &ExitReason) + Send + 'static,
    ) -> Result<OnExit, ExitReason> {
        let key = unique();
        self.process()
            .add_hook(HookKey::Name(key), Box::new(hook))
            .map(|()| OnExit(key))
            .map_err(|(_, reason)| reason)
    }

    /// Removes a hook set with [`on_exit`](Pid::on_exit); whether it was
    /// still set.
    ///
    /// See the example on [`on_exit`](Pid::on_exit).
    pub fn cancel_on_exit(&self, hook: OnExit) -> bool {
        self.process().remove_hook(HookKey::Name(hook.0))
    }
}

impl<S: GenServer> From<&ServerRef<S>> for Pid {
    fn from(server: &ServerRef<S>) -> Self {
        Pid::from_shared(server.handle().shared_arc())
    }
}

impl<S: GenServer> From<ServerRef<S>> for Pid {
    fn from(server: ServerRef<S>) -> Self {
        Pid::from(&server)
    }
}

impl<S: GenServer> ServerRef<S> {
    /// This server as a [`Pid`], of no particular type.
    ///
    /// See the example on [`Pid`].
    pub fn pid(&self) -> Pid {
        Pid::from(self)
    }
}

impl PartialEq for Pid {
    fn eq(&self, other: &Self) -> bool {
        self.id() == other.id()
    }
}

impl Eq for Pid {}

impl Hash for Pid {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.id().hash(state);
    }
}

impl fmt::Debug for Pid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pid")
            .field("server", &self.type_name())
            .field("id", &self.id())
            .finish()
    }
}

impl fmt::Display for Pid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.type_name(), self.id())
    }
}

/// A hook set with [`Pid::on_exit`], to remove it with
/// [`Pid::cancel_on_exit`].
///
/// See the example on [`on_exit`](Pid::on_exit).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct OnExit(u64);

// --------------------------------------------------------------- errors

/// Why a name or key could not be registered.
///
/// # Examples
///
/// ```
/// use genserver::prelude::*;
/// use genserver::registry::{self, RegisterError};
///
/// struct Worker;
///
/// #[gen_server]
/// impl Worker {}
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), genserver::Error> {
/// let first = Worker::start(Worker).await?;
/// let second = Worker::start(Worker).await?;
/// registry::register("scheduler", &first)?;
/// match registry::register("scheduler", &second) {
///     Err(RegisterError::Taken(holder)) => assert_eq!(holder.id(), first.id()),
///     other => panic!("{other:?}"),
/// }
/// second.stop().await?;
/// assert_eq!(registry::register("spare", &second), Err(RegisterError::NoProc));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum RegisterError {
    /// Another server holds it (`{:error, {:already_registered, pid}}`).
    Taken(Pid),
    /// The server to register has already exited (`:noproc`).
    NoProc,
    /// The registry holds servers of another type.
    WrongType {
        /// The registry's server type.
        expected: &'static str,
        /// The type of the server offered.
        found: &'static str,
    },
    /// A registry of your own could not answer (for example a cluster-wide
    /// registry that cannot reach its peers).
    Unavailable(Arc<str>),
}

impl fmt::Display for RegisterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegisterError::Taken(pid) => write!(f, "already registered by {pid}"),
            RegisterError::NoProc => {
                f.write_str("no such process: the server to register is not running")
            }
            RegisterError::WrongType { expected, found } => {
                write!(f, "the registry holds {expected} servers, not {found}")
            }
            RegisterError::Unavailable(why) => write!(f, "registry unavailable: {why}"),
        }
    }
}

impl std::error::Error for RegisterError {}

/// Why a name did not give a server.
///
/// # Examples
///
/// ```
/// use genserver::prelude::*;
/// use genserver::registry;
///
/// struct Cache;
///
/// #[gen_server]
/// impl Cache {}
///
/// struct Db;
///
/// #[gen_server]
/// impl Db {
///     #[call]
///     fn ping(&self) {}
/// }
///
/// /// Pings the database by name: `?` makes a missing name `NoProc`.
/// async fn ping() -> Result<(), CallError> {
///     registry::whereis::<Db>("users_db")?.ping().await
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), genserver::Error> {
/// assert_eq!(registry::whereis::<Db>("users_db").err(), Some(LookupError::NotFound));
/// assert_eq!(ping().await, Err(CallError::NoProc));
/// let _cache = Cache::start_with(Cache, StartOptions::new().name("users_db")).await?;
/// match registry::whereis::<Db>("users_db") {
///     Err(LookupError::WrongType { found, .. }) => assert_eq!(found, std::any::type_name::<Cache>()),
///     other => panic!("{other:?}"),
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LookupError {
    /// Nobody holds the name (`whereis` returns `nil`). As a
    /// [`CallError`](crate::CallError) or [`StopError`](crate::StopError)
    /// (through `?`) it is `NoProc`.
    NotFound,
    /// A server of another type holds it.
    WrongType {
        /// The type asked for.
        expected: &'static str,
        /// The type of the server that holds the name.
        found: &'static str,
    },
}

impl fmt::Display for LookupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LookupError::NotFound => f.write_str("no such process: nobody holds the name"),
            LookupError::WrongType { expected, found } => {
                write!(f, "the name is held by a {found}, not a {expected}")
            }
        }
    }
}

impl std::error::Error for LookupError {}

// ------------------------------------------------------------------ Via

/// A registry a server can be started under: Erlang's via module
/// (`register_name/2`, `unregister_name/1`, `whereis_name/1`).
///
/// [`LocalNames`] and [`Registry`] implement it; implement it for a
/// registry of your own and start servers under it with
/// [`StartOptions::via`](crate::StartOptions::via). The methods return
/// futures so that a registry that has to ask other nodes can; a local one
/// answers at once (`std::future::ready`).
///
/// An implementation must:
/// * refuse a key already held, with [`RegisterError::Taken`];
/// * refuse a server that has exited, with [`RegisterError::NoProc`];
/// * forget a server as it exits ([`Pid::on_exit`] runs a hook then, before
///   anyone awaiting the exit is woken), so the key is free again at once;
/// * hold the [`Pid`] while the server is registered, which keeps it alive.
///
/// # Examples
///
/// A registry of servers by number, in a plain map:
///
/// ```
/// use std::collections::HashMap;
/// use std::future::{ready, Future};
/// use std::sync::{Arc, Mutex};
/// use genserver::prelude::*;
/// use genserver::registry::{self, RegisterError, Via};
/// use genserver::ServerId;
///
/// #[derive(Clone, Default)]
/// struct Numbered(Arc<Mutex<HashMap<u32, Pid>>>);
///
/// impl Via for Numbered {
///     type Key = u32;
///
///     fn register_name(
///         &self,
///         key: u32,
///         server: &Pid,
///     ) -> impl Future<Output = Result<(), RegisterError>> + Send {
///         let mut map = self.0.lock().unwrap();
///         let result = if let Some(holder) = map.get(&key) {
///             Err(RegisterError::Taken(holder.clone()))
///         } else {
///             // Forget the server as it exits, unless the key changed hands.
///             let table = Arc::clone(&self.0);
///             let forget = move |id: ServerId, _: &ExitReason| {
///                 let mut map = table.lock().unwrap();
///                 if map.get(&key).is_some_and(|pid| pid.id() == id) {
///                     map.remove(&key);
///                 }
///             };
///             match server.on_exit(forget) {
///                 Ok(_) => {
///                     map.insert(key, server.clone());
///                     Ok(())
///                 }
///                 Err(_) => Err(RegisterError::NoProc),
///             }
///         };
///         ready(result)
///     }
///
///     fn unregister_name(&self, key: &u32) -> impl Future<Output = bool> + Send {
///         ready(self.0.lock().unwrap().remove(key).is_some())
///     }
///
///     fn whereis_name(&self, key: &u32) -> impl Future<Output = Option<Pid>> + Send {
///         ready(self.0.lock().unwrap().get(key).cloned())
///     }
/// }
///
/// struct Worker;
///
/// #[gen_server]
/// impl Worker {}
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), genserver::Error> {
/// let numbered = Numbered::default();
/// let worker = Worker::start_with(Worker, StartOptions::new().via(&numbered, 7)).await?;
/// let found = registry::whereis_via::<Worker, _>(&numbered, &7).await?;
/// assert_eq!(found.id(), worker.id());
/// let taken = Worker::start_with(Worker, StartOptions::new().via(&numbered, 7)).await;
/// assert!(matches!(taken, Err(StartError::AlreadyStarted(_))));
/// worker.stop().await?;
/// assert!(numbered.whereis_name(&7).await.is_none(), "forgotten as it exited");
/// # Ok(())
/// # }
/// ```
pub trait Via: Send + Sync + 'static {
    /// What names a server in this registry.
    ///
    /// See the example on [`Via`].
    type Key: Send + Sync + 'static;

    /// Registers `server` under `key` (`register_name/2`).
    ///
    /// See the example on [`Via`].
    fn register_name(
        &self,
        key: Self::Key,
        server: &Pid,
    ) -> impl Future<Output = Result<(), RegisterError>> + Send;

    /// Forgets `key`, whoever holds it (`unregister_name/1`); whether it was
    /// held.
    ///
    /// See the example on [`Via`].
    fn unregister_name(&self, key: &Self::Key) -> impl Future<Output = bool> + Send;

    /// The server registered under `key`, if any (`whereis_name/1`).
    ///
    /// See the example on [`Via`].
    fn whereis_name(&self, key: &Self::Key) -> impl Future<Output = Option<Pid>> + Send;
}

/// The server of type `S` registered under `key` in `registry`, whatever
/// the registry (`GenServer.whereis({:via, module, key})`).
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use genserver::prelude::*;
/// use genserver::registry::{self, LocalNames, Registry};
/// use genserver::ServerId;
///
/// struct Worker;
///
/// #[gen_server]
/// impl Worker {}
///
/// /// Code that takes any registry.
/// async fn find<R: registry::Via>(registry: &R, key: &R::Key) -> Option<ServerId> {
///     registry::whereis_via::<Worker, R>(registry, key).await.ok().map(|worker| worker.id())
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), genserver::Error> {
/// let named = Worker::start_with(Worker, StartOptions::new().name("local")).await?;
/// assert_eq!(find(&LocalNames, &Arc::from("local")).await, Some(named.id()));
/// let workers: Registry<u32, Worker> = Registry::new();
/// let keyed = Worker::start_with(Worker, StartOptions::new().via(&workers, 1)).await?;
/// assert_eq!(find(&workers, &1).await, Some(keyed.id()));
/// assert_eq!(find(&workers, &2).await, None);
/// # Ok(())
/// # }
/// ```
pub async fn whereis_via<S: GenServer, R: Via>(
    registry: &R,
    key: &R::Key,
) -> Result<ServerRef<S>, LookupError> {
    match registry.whereis_name(key).await {
        Some(pid) => pid.typed(),
        None => Err(LookupError::NotFound),
    }
}

/// A name a server is started under: the registry and the key, type-erased
/// so that [`StartOptions`](crate::StartOptions) need not be generic.
pub(crate) trait Naming: Send + Sync + fmt::Debug {
    /// Registers the new server under the name.
    fn register<'a>(
        &'a self,
        pid: &'a Pid,
    ) -> Pin<Box<dyn Future<Output = Result<(), RegisterError>> + Send + 'a>>;
}

/// `name: :atom`, a name in the local table.
pub(crate) struct LocalName(pub(crate) Arc<str>);

impl Naming for LocalName {
    fn register<'a>(
        &'a self,
        pid: &'a Pid,
    ) -> Pin<Box<dyn Future<Output = Result<(), RegisterError>> + Send + 'a>> {
        Box::pin(std::future::ready(LOCAL.register(
            Arc::clone(&self.0),
            pid.clone(),
            pid,
        )))
    }
}

impl fmt::Debug for LocalName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

/// `name: {:via, module, key}`.
pub(crate) struct ViaName<R, K> {
    pub(crate) registry: R,
    pub(crate) key: K,
}

impl<R: Via + Clone> Naming for ViaName<R, R::Key>
where
    R::Key: Clone,
{
    fn register<'a>(
        &'a self,
        pid: &'a Pid,
    ) -> Pin<Box<dyn Future<Output = Result<(), RegisterError>> + Send + 'a>> {
        Box::pin(self.registry.register_name(self.key.clone(), pid))
    }
}

impl<R, K> fmt::Debug for ViaName<R, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{{:via, {}, ..}}", std::any::type_name::<R>())
    }
}

// ---------------------------------------------------------------- table

/// What a table holds for each key: a counted reference to the server.
trait Held: Clone + Send + Sync + 'static {
    fn pid(&self) -> Pid;
    fn id(&self) -> ServerId;
}

impl Held for Pid {
    fn pid(&self) -> Pid {
        self.clone()
    }
    fn id(&self) -> ServerId {
        Pid::id(self)
    }
}

impl<S: GenServer> Held for ServerRef<S> {
    fn pid(&self) -> Pid {
        Pid::from(self)
    }
    fn id(&self) -> ServerId {
        ServerRef::id(self)
    }
}

/// One registration: what is held, and the number of the exit hook that
/// removes it.
struct Slot<V> {
    value: V,
    hook: u64,
}

/// Reads a lock, whatever panicked while it was held: every change to a
/// table is one `HashMap` or `Vec` operation, so it is never half done.
fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A table of unique keys: the local names, and each [`Registry`].
struct Unique<K, V> {
    map: RwLock<HashMap<K, Slot<V>>>,
    /// Changes whenever a key is taken or freed (under the write lock), so
    /// a client that resolved a key can tell, with one load, whether its
    /// answer still holds ([`Name`]).
    generation: AtomicU64,
    /// How a key shows as its server's name (in `Debug` and crash
    /// reports), for a table whose keys name servers that way: the local
    /// names. A server holding several shows the oldest it still holds.
    label: Option<fn(&K) -> Arc<str>>,
}

impl<K: Hash + Eq + Clone + Send + Sync + 'static, V: Held> Unique<K, V> {
    fn new() -> Self {
        Unique {
            map: RwLock::new(HashMap::new()),
            generation: AtomicU64::new(0),
            label: None,
        }
    }

    /// After `key` was taken by `pid` (under the write lock): the key is
    /// the server's name if it had none.
    fn labelled(&self, key: &K, pid: &Pid) {
        if let Some(label) = self.label {
            if pid.process().name().is_none() {
                pid.process().set_name(Some(label(key)));
            }
        }
    }

    /// After `key` was freed by `slot` (under the write lock, `map` being
    /// what is left): if it was the server's name, the server shows the
    /// oldest key it still holds, or none. The server's other keys are
    /// found by a scan, which only an explicit unregister of a server's
    /// shown name pays.
    fn unlabelled(&self, map: &HashMap<K, Slot<V>>, key: &K, slot: &Slot<V>) {
        let Some(label) = self.label else {
            return;
        };
        let pid = slot.value.pid();
        if pid.process().name().as_deref() != Some(&*label(key)) {
            return;
        }
        let id = pid.id();
        let next = map
            .iter()
            .filter(|(_, other)| other.value.id() == id)
            .min_by_key(|(_, other)| other.hook)
            .map(|(key, _)| label(key));
        pid.process().set_name(next);
    }

    /// Registers `value` (the server `pid`) under `key`.
    fn register(self: &Arc<Self>, key: K, value: V, pid: &Pid) -> Result<(), RegisterError> {
        let mut map = write(&self.map);
        let replaced = match map.get(&key) {
            // A server that has exited but whose hook has not run yet (it is
            // running on another thread) no longer holds the key.
            Some(slot) if slot.value.pid().is_alive() => {
                return Err(RegisterError::Taken(slot.value.pid()));
            }
            Some(_) => map.remove(&key),
            None => None,
        };
        let hook = unique();
        let table = Arc::downgrade(self);
        let hook_key = key.clone();
        let added = pid.process().add_hook(
            HookKey::Name(hook),
            Box::new(move |_, _| {
                if let Some(table) = Weak::upgrade(&table) {
                    table.remove_if(&hook_key, hook);
                }
            }),
        );
        let result = match added {
            Ok(()) => {
                self.labelled(&key, pid);
                map.insert(key, Slot { value, hook });
                self.changed();
                Ok(())
            }
            Err(_) => Err(RegisterError::NoProc),
        };
        // Dropped outside the lock: dropping a reference may wake a server.
        drop(map);
        drop(replaced);
        result
    }

    /// Removes `key` if the registration with this hook still holds it (the
    /// exit hook).
    fn remove_if(&self, key: &K, hook: u64) {
        let mut map = write(&self.map);
        let removed = match map.get(key) {
            Some(slot) if slot.hook == hook => map.remove(key),
            _ => None,
        };
        if removed.is_some() {
            self.changed();
        }
        drop(map);
        drop(removed);
    }

    /// Removes `key`, whoever holds it; whether anyone did.
    fn unregister<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let removed = {
            let mut map = write(&self.map);
            let removed = map.remove_entry(key);
            if let Some((key, slot)) = &removed {
                self.changed();
                self.unlabelled(&map, key, slot);
            }
            removed.map(|(_, slot)| slot)
        };
        match removed {
            Some(slot) => {
                slot.value
                    .pid()
                    .process()
                    .remove_hook(HookKey::Name(slot.hook));
                true
            }
            None => false,
        }
    }

    /// Called under the write lock after a change.
    fn changed(&self) {
        self.generation.fetch_add(1, Ordering::Release);
    }

    fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    fn lookup<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        read(&self.map).get(key).map(|slot| slot.value.clone())
    }

    /// `f` on the value under `key`, under the read lock.
    fn with<Q, T>(&self, key: &Q, f: impl FnOnce(Option<&V>) -> T) -> T
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        f(read(&self.map).get(key).map(|slot| &slot.value))
    }

    fn keys(&self) -> Vec<K> {
        read(&self.map).keys().cloned().collect()
    }

    fn keys_of(&self, id: ServerId) -> Vec<K> {
        read(&self.map)
            .iter()
            .filter(|(_, slot)| slot.value.id() == id)
            .map(|(key, _)| key.clone())
            .collect()
    }

    fn count(&self) -> usize {
        read(&self.map).len()
    }
}

// ---------------------------------------------------------- local names

/// The local names; a server shows the (oldest) name it holds.
static LOCAL: LazyLock<Arc<Unique<Arc<str>, Pid>>> = LazyLock::new(|| {
    Arc::new(Unique {
        label: Some(Arc::clone),
        ..Unique::new()
    })
});

/// The process-wide table of local names, as a [`Via`] registry: what
/// [`register`], [`whereis`] and `StartOptions::new().name(..)` use.
///
/// See the example on [`whereis_via`].
#[derive(Debug, Clone, Copy, Default)]
pub struct LocalNames;

impl Via for LocalNames {
    type Key = Arc<str>;

    fn register_name(
        &self,
        key: Arc<str>,
        server: &Pid,
    ) -> impl Future<Output = Result<(), RegisterError>> + Send {
        std::future::ready(LOCAL.register(key, server.clone(), server))
    }

    fn unregister_name(&self, key: &Arc<str>) -> impl Future<Output = bool> + Send {
        std::future::ready(unregister(key))
    }

    fn whereis_name(&self, key: &Arc<str>) -> impl Future<Output = Option<Pid>> + Send {
        std::future::ready(whereis_pid(key))
    }
}

/// Registers `server` under the local `name` (Erlang's `register/2`).
///
/// The name is released when the server exits, and the server lives on
/// while it is registered. Fails with [`RegisterError::Taken`] if another
/// server holds the name, [`RegisterError::NoProc`] if `server` has exited.
///
/// See the examples on [`whereis`] and [`RegisterError`].
pub fn register<S: GenServer>(
    name: impl Into<Arc<str>>,
    server: &ServerRef<S>,
) -> Result<(), RegisterError> {
    let pid = Pid::from(server);
    LOCAL.register(name.into(), pid.clone(), &pid)
}

/// Removes the local `name`, whoever holds it (`unregister/1`); whether
/// anyone did. The server keeps running.
///
/// See the example on [`whereis`].
pub fn unregister(name: &str) -> bool {
    LOCAL.unregister(name)
}

/// The server of type `S` registered under the local `name`
/// (`GenServer.whereis/1`).
///
/// The reference works with the generated client methods, so a call by
/// name is `whereis::<Db>("db")?.get(key).await`; inside a function that
/// returns `Result<_, CallError>` (or `StopError`), `?` turns
/// [`LookupError::NotFound`] into `NoProc`. Resolving the name at each call
/// is what Erlang does, and it is cheap: each thread remembers the last few
/// names it resolved until the name table changes, so a name looked up
/// again costs an atomic load and a string comparison on top of making the
/// reference (a hash and a read lock after a change).
///
/// # Examples
///
/// ```
/// use genserver::registry;
/// # use genserver::prelude::*;
/// # #[derive(Debug)]
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
/// registry::register("hits", &counter)?; // or start_with(.., StartOptions::new().name("hits"))
/// registry::whereis::<Counter>("hits")?.add(1);
/// assert_eq!(counter.get().await?, 1);
/// assert!(matches!(registry::whereis::<Counter>("misses"), Err(LookupError::NotFound)));
/// assert!(registry::unregister("hits"));
/// # Ok(())
/// # }
/// ```
pub fn whereis<S: GenServer>(name: &str) -> Result<ServerRef<S>, LookupError> {
    typed(resolve(name).ok_or(LookupError::NotFound)?)
}

/// How many names a thread remembers for [`whereis`].
const RECENT: usize = 4;

/// A thread's last answers of [`resolve`]: valid while the name table is at
/// `generation`. The servers are held by `Weak` references: remembering a
/// name keeps neither the server alive nor its state in memory.
struct Recent {
    generation: u64,
    names: Vec<(Arc<str>, Weak<dyn Process>)>,
    /// The slot to reuse next once `names` is full.
    next: usize,
}

thread_local! {
    static RECENTLY_RESOLVED: std::cell::RefCell<Recent> = const {
        std::cell::RefCell::new(Recent {
            generation: u64::MAX,
            names: Vec::new(),
            next: 0,
        })
    };
}

/// The server under the local `name`, uncounted.
fn resolve(name: &str) -> Option<Arc<dyn Process>> {
    let generation = LOCAL.generation();
    let remembered = RECENTLY_RESOLVED
        .try_with(|recent| {
            let recent = recent.borrow();
            if recent.generation != generation {
                return None;
            }
            let (_, server) = recent.names.iter().find(|(held, _)| **held == *name)?;
            // Registered at `generation`, so still registered: it upgrades.
            server.upgrade()
        })
        .ok()
        .flatten();
    if remembered.is_some() {
        return remembered;
    }
    // Under the read lock the generation is that of the map read (writers
    // change both under the write lock).
    let (generation, found) = {
        let map = read(&LOCAL.map);
        let found = map
            .get_key_value(name)
            .map(|(held, slot)| (Arc::clone(held), Arc::clone(slot.value.process())));
        (LOCAL.generation(), found)
    };
    let (held, server) = found?;
    let forgotten = RECENTLY_RESOLVED.try_with(|recent| {
        let mut recent = recent.borrow_mut();
        let mut forgotten = Vec::new();
        if recent.generation != generation {
            recent.generation = generation;
            forgotten = std::mem::take(&mut recent.names);
            recent.next = 0;
        }
        let entry = (held, Arc::downgrade(&server));
        if recent.names.len() < RECENT {
            recent.names.push(entry);
        } else {
            let next = recent.next;
            forgotten.push(std::mem::replace(&mut recent.names[next], entry));
            recent.next = (next + 1) % RECENT;
        }
        forgotten
    });
    // Dropped outside the borrow.
    drop(forgotten);
    Some(server)
}

/// A local name a client keeps, to call by name in a loop without a
/// lookup per message.
///
/// [`get`](Name::get) resolves the name as [`whereis`] does, and keeps the
/// answer until the name table changes (any name taken or freed, a server
/// exiting included); until then it costs one atomic load. The semantics
/// are those of a lookup at each call: after the holder exits, or the name
/// moves to another server, the next `get` finds out. The kept reference
/// holds the server like any [`ServerRef`] until the next `get` that finds
/// the name changed, or until the `Name` is dropped.
///
/// ```
/// use genserver::prelude::*;
/// use genserver::registry::Name;
///
/// struct Db(u64);
///
/// #[gen_server]
/// impl Db {
///     #[call]
///     fn get(&self) -> u64 {
///         self.0
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let mut db = Name::<Db>::new("doc_name_db");
/// assert_eq!(db.name(), "doc_name_db");
/// assert_eq!(db.get().err(), Some(LookupError::NotFound));
/// Db::start_with(Db(7), StartOptions::new().name("doc_name_db")).await?;
/// for _ in 0..3 {
///     assert_eq!(db.get()?.get().await?, 7);
/// }
/// db.get()?.stop().await?;
/// assert_eq!(db.get().err(), Some(LookupError::NotFound));
/// # Ok(())
/// # }
/// ```
pub struct Name<S: GenServer> {
    text: Arc<str>,
    cached: Option<ServerRef<S>>,
    generation: u64,
}

impl<S: GenServer> Name<S> {
    /// A handle on the local `name`; nothing is looked up yet.
    ///
    /// See the example on [`Name`].
    pub fn new(name: impl Into<Arc<str>>) -> Self {
        Name {
            text: name.into(),
            cached: None,
            generation: 0,
        }
    }

    /// The name.
    ///
    /// See the example on [`Name`].
    pub fn name(&self) -> &str {
        &self.text
    }

    /// The server that holds the name now, as [`whereis`] answers.
    ///
    /// See the example on [`Name`].
    pub fn get(&mut self) -> Result<&ServerRef<S>, LookupError> {
        let generation = LOCAL.generation();
        if self.cached.is_none() || self.generation != generation {
            // Read before the lookup: a change in between only makes the
            // next `get` look again.
            self.cached = None;
            self.cached = Some(whereis::<S>(&self.text)?);
            self.generation = generation;
        }
        self.cached.as_ref().ok_or(LookupError::NotFound)
    }
}

impl<S: GenServer> Clone for Name<S> {
    fn clone(&self) -> Self {
        Name {
            text: Arc::clone(&self.text),
            cached: self.cached.clone(),
            generation: self.generation,
        }
    }
}

impl<S: GenServer> fmt::Debug for Name<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Name")
            .field("name", &self.text)
            .field("server", &std::any::type_name::<S>())
            .finish_non_exhaustive()
    }
}

/// The server registered under the local `name`, of whatever type.
///
/// See the example on [`registered`].
pub fn whereis_pid(name: &str) -> Option<Pid> {
    LOCAL.lookup(name)
}

/// Every local name in use (`Process.registered/0`).
///
/// # Examples
///
/// ```
/// use genserver::prelude::*;
/// use genserver::registry;
///
/// struct Worker;
///
/// #[gen_server]
/// impl Worker {}
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), genserver::Error> {
/// let worker = Worker::start_with(Worker, StartOptions::new().name("mailer")).await?;
/// assert!(registry::registered().iter().any(|name| &**name == "mailer"));
/// let pid = registry::whereis_pid("mailer").expect("registered"); // of any type
/// assert_eq!(pid.id(), worker.id());
/// worker.stop().await?;
/// assert!(registry::whereis_pid("mailer").is_none()); // released as it exited
/// # Ok(())
/// # }
/// ```
pub fn registered() -> Vec<Arc<str>> {
    LOCAL.keys()
}

// ------------------------------------------------------------- Registry

/// A registry of servers of type `S` by unique keys of type `K`: Elixir's
/// `Registry` with `keys: :unique`.
///
/// Cheap to clone; every clone is the same registry. Start a server under
/// a key with `StartOptions::new().via(&registry, key)`, or register a
/// running one with [`register`](Registry::register). Entries go when their
/// server exits, and a registered server lives on while it is registered.
///
/// ```
/// use genserver::prelude::*;
/// use genserver::registry::Registry;
///
/// struct TodoList(Vec<String>);
///
/// #[gen_server]
/// impl TodoList {
///     #[cast]
///     fn add(&mut self, item: String) {
///         self.0.push(item);
///     }
///
///     #[call]
///     fn items(&self) -> Vec<String> {
///         self.0.clone()
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let lists: Registry<String, TodoList> = Registry::new();
/// let options = StartOptions::new().via(&lists, "groceries".to_string());
/// TodoList::start_with(TodoList(Vec::new()), options).await?;
///
/// let groceries = lists.lookup("groceries").expect("registered");
/// groceries.add("milk".into());
/// assert_eq!(groceries.items().await?, ["milk"]);
/// assert!(lists.lookup("errands").is_none());
/// # Ok(())
/// # }
/// ```
pub struct Registry<K, S: GenServer> {
    table: Arc<Unique<K, ServerRef<S>>>,
}

impl<K, S> Registry<K, S>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    S: GenServer,
{
    /// An empty registry (`Registry.start_link(keys: :unique)`).
    ///
    /// See the example on [`Registry`].
    pub fn new() -> Self {
        Registry {
            table: Arc::new(Unique::new()),
        }
    }

    /// Registers `server` under `key` (`Registry.register/3`). Fails with
    /// [`RegisterError::Taken`] if another server holds the key,
    /// [`RegisterError::NoProc`] if `server` has exited.
    ///
    /// # Examples
    ///
    /// ```
    /// use genserver::prelude::*;
    /// use genserver::registry::{RegisterError, Registry};
    ///
    /// struct Room;
    ///
    /// #[gen_server]
    /// impl Room {}
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), genserver::Error> {
    /// let rooms: Registry<&'static str, Room> = Registry::new();
    /// let lobby = Room::start(Room).await?;
    /// rooms.register("lobby", &lobby)?;
    /// rooms.register("hall", &lobby)?; // a server may hold several keys
    /// let other = Room::start(Room).await?;
    /// assert!(matches!(rooms.register("lobby", &other), Err(RegisterError::Taken(_))));
    ///
    /// let mut keys = rooms.keys(&lobby);
    /// keys.sort();
    /// assert_eq!(keys, ["hall", "lobby"]);
    /// assert_eq!(rooms.count(), 2);
    /// assert!(rooms.unregister("hall"));
    /// assert_eq!(rooms.all_keys(), ["lobby"]);
    /// lobby.stop().await?;
    /// assert_eq!(rooms.count(), 0); // entries go with their server
    /// # Ok(())
    /// # }
    /// ```
    pub fn register(&self, key: K, server: &ServerRef<S>) -> Result<(), RegisterError> {
        self.table.register(key, server.clone(), &Pid::from(server))
    }

    /// Removes `key`, whoever holds it (`Registry.unregister/2`); whether
    /// anyone did. The server keeps running.
    ///
    /// See the example on [`register`](Registry::register).
    pub fn unregister<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.table.unregister(key)
    }

    /// The server registered under `key` (`Registry.lookup/2`). A
    /// `Registry<String, _>` is looked up with a `&str`.
    ///
    /// See the example on [`Registry`].
    pub fn lookup<Q>(&self, key: &Q) -> Option<ServerRef<S>>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.table.lookup(key)
    }

    /// The keys `server` is registered under (`Registry.keys/2`).
    ///
    /// See the example on [`register`](Registry::register).
    pub fn keys(&self, server: &ServerRef<S>) -> Vec<K> {
        self.table.keys_of(server.id())
    }

    /// Every key in use.
    ///
    /// See the example on [`register`](Registry::register).
    pub fn all_keys(&self) -> Vec<K> {
        self.table.keys()
    }

    /// How many keys are registered (`Registry.count/1`).
    ///
    /// See the example on [`register`](Registry::register).
    pub fn count(&self) -> usize {
        self.table.count()
    }

    /// `key` in this registry as a destination, Elixir's
    /// `{:via, Registry, {registry, key}}`: a timer sent to it finds the
    /// server under `key` when it fires (see [`ViaKey`]).
    ///
    /// See the example on [`ViaKey`].
    pub fn via(&self, key: K) -> ViaKey<K, S> {
        ViaKey {
            registry: self.clone(),
            key,
        }
    }
}

impl<K, S> Via for Registry<K, S>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    S: GenServer,
{
    type Key = K;

    fn register_name(
        &self,
        key: K,
        server: &Pid,
    ) -> impl Future<Output = Result<(), RegisterError>> + Send {
        let registered = match server.typed::<S>() {
            Ok(typed) => self.table.register(key, typed, server),
            Err(_) => Err(RegisterError::WrongType {
                expected: std::any::type_name::<S>(),
                found: server.type_name(),
            }),
        };
        std::future::ready(registered)
    }

    fn unregister_name(&self, key: &K) -> impl Future<Output = bool> + Send {
        std::future::ready(self.unregister(key))
    }

    fn whereis_name(&self, key: &K) -> impl Future<Output = Option<Pid>> + Send {
        std::future::ready(self.table.with(key, |server| server.map(Pid::from)))
    }
}

impl<K, S> Default for Registry<K, S>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    S: GenServer,
{
    fn default() -> Self {
        Self::new()
    }
}

impl<K, S: GenServer> Clone for Registry<K, S> {
    fn clone(&self) -> Self {
        Registry {
            table: Arc::clone(&self.table),
        }
    }
}

impl<K, S: GenServer> fmt::Debug for Registry<K, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry")
            .field("keys", &"unique")
            .field("server", &std::any::type_name::<S>())
            .field("count", &read(&self.table.map).len())
            .finish()
    }
}

// ---------------------------------------------------- DuplicateRegistry

/// A registry where several servers of type `S` may share a key: Elixir's
/// `Registry` with `keys: :duplicate`, for pub-sub by key.
///
/// ```
/// use genserver::prelude::*;
/// use genserver::registry::DuplicateRegistry;
///
/// struct Subscriber(Vec<String>);
///
/// #[gen_server]
/// impl Subscriber {
///     #[cast]
///     fn publish(&mut self, event: String) {
///         self.0.push(event);
///     }
///
///     #[call]
///     fn seen(&self) -> Vec<String> {
///         self.0.clone()
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let topics: DuplicateRegistry<&'static str, Subscriber> = DuplicateRegistry::new();
/// let a = Subscriber::start(Subscriber(Vec::new())).await?;
/// let b = Subscriber::start(Subscriber(Vec::new())).await?;
/// topics.register("news", &a)?;
/// topics.register("news", &b)?;
/// topics.register("sports", &b)?;
/// assert_eq!((topics.count(), topics.count_key("news")), (3, 2));
/// assert_eq!(topics.lookup("news").len(), 2);
/// let sent = topics.dispatch("news", |subscribers| {
///     for subscriber in subscribers {
///         subscriber.publish("hello".into());
///     }
/// });
/// assert_eq!(sent, 2);
/// assert_eq!(b.seen().await?, ["hello"]);
/// assert_eq!(topics.unregister("sports", &b), 1);
/// assert_eq!(topics.keys(&b), ["news"]);
/// # Ok(())
/// # }
/// ```
pub struct DuplicateRegistry<K, S: GenServer> {
    table: Arc<Duplicate<K, S>>,
}

struct Duplicate<K, S: GenServer> {
    map: RwLock<HashMap<K, Vec<Slot<ServerRef<S>>>>>,
}

impl<K, S> Duplicate<K, S>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    S: GenServer,
{
    fn remove_if(&self, key: &K, hook: u64) {
        let mut map = write(&self.map);
        let mut removed = None;
        if let Some(slots) = map.get_mut(key) {
            if let Some(at) = slots.iter().position(|slot| slot.hook == hook) {
                removed = Some(slots.swap_remove(at));
            }
            if slots.is_empty() {
                map.remove(key);
            }
        }
        drop(map);
        drop(removed);
    }
}

impl<K, S> DuplicateRegistry<K, S>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    S: GenServer,
{
    /// An empty registry (`Registry.start_link(keys: :duplicate)`).
    ///
    /// See the example on [`DuplicateRegistry`].
    pub fn new() -> Self {
        DuplicateRegistry {
            table: Arc::new(Duplicate {
                map: RwLock::new(HashMap::new()),
            }),
        }
    }

    /// Adds `server` under `key` (`Registry.register/3`); a server may be
    /// registered under a key more than once. Fails only with
    /// [`RegisterError::NoProc`], if `server` has exited.
    ///
    /// See the example on [`DuplicateRegistry`].
    pub fn register(&self, key: K, server: &ServerRef<S>) -> Result<(), RegisterError> {
        let hook = unique();
        let table = Arc::downgrade(&self.table);
        let hook_key = key.clone();
        let mut map = write(&self.table.map);
        let added = server.handle().shared().add_hook(
            HookKey::Name(hook),
            Box::new(move |_, _| {
                if let Some(table) = Weak::upgrade(&table) {
                    table.remove_if(&hook_key, hook);
                }
            }),
        );
        match added {
            Ok(()) => {
                map.entry(key).or_default().push(Slot {
                    value: server.clone(),
                    hook,
                });
                Ok(())
            }
            Err(_) => Err(RegisterError::NoProc),
        }
    }

    /// Removes every entry of `server` under `key` (`Registry.unregister/2`);
    /// how many there were.
    ///
    /// See the example on [`DuplicateRegistry`].
    pub fn unregister<Q>(&self, key: &Q, server: &ServerRef<S>) -> usize
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let id = server.id();
        let mut map = write(&self.table.map);
        let mut removed = Vec::new();
        if let Some(slots) = map.get_mut(key) {
            let (gone, kept) = std::mem::take(slots)
                .into_iter()
                .partition(|slot| slot.value.id() == id);
            *slots = kept;
            removed = gone;
            if slots.is_empty() {
                map.remove(key);
            }
        }
        drop(map);
        for slot in &removed {
            slot.value
                .handle()
                .shared()
                .remove_hook(HookKey::Name(slot.hook));
        }
        removed.len()
    }

    /// Every server registered under `key`, oldest first but for removals
    /// (`Registry.lookup/2`).
    ///
    /// See the example on [`DuplicateRegistry`].
    pub fn lookup<Q>(&self, key: &Q) -> Vec<ServerRef<S>>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        read(&self.table.map)
            .get(key)
            .map_or_else(Vec::new, |slots| {
                slots.iter().map(|slot| slot.value.clone()).collect()
            })
    }

    /// Calls `f` with the servers registered under `key`, if there are any
    /// (`Registry.dispatch/3`); how many there were. `f` runs in the caller
    /// on a snapshot of the entries, outside the registry's lock, so it may
    /// use the registry.
    ///
    /// See the example on [`DuplicateRegistry`].
    pub fn dispatch<Q>(&self, key: &Q, f: impl FnOnce(&[ServerRef<S>])) -> usize
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let servers = self.lookup(key);
        if !servers.is_empty() {
            f(&servers);
        }
        servers.len()
    }

    /// The keys `server` is registered under, once each (`Registry.keys/2`).
    ///
    /// See the example on [`DuplicateRegistry`].
    pub fn keys(&self, server: &ServerRef<S>) -> Vec<K> {
        let id = server.id();
        read(&self.table.map)
            .iter()
            .filter(|(_, slots)| slots.iter().any(|slot| slot.value.id() == id))
            .map(|(key, _)| key.clone())
            .collect()
    }

    /// How many entries there are, over all keys (`Registry.count/1`).
    ///
    /// See the example on [`DuplicateRegistry`].
    pub fn count(&self) -> usize {
        read(&self.table.map).values().map(Vec::len).sum()
    }

    /// How many entries `key` has.
    ///
    /// See the example on [`DuplicateRegistry`].
    pub fn count_key<Q>(&self, key: &Q) -> usize
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        read(&self.table.map).get(key).map_or(0, Vec::len)
    }
}

impl<K, S> Default for DuplicateRegistry<K, S>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    S: GenServer,
{
    fn default() -> Self {
        Self::new()
    }
}

impl<K, S: GenServer> Clone for DuplicateRegistry<K, S> {
    fn clone(&self) -> Self {
        DuplicateRegistry {
            table: Arc::clone(&self.table),
        }
    }
}

impl<K, S: GenServer> fmt::Debug for DuplicateRegistry<K, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DuplicateRegistry")
            .field("keys", &"duplicate")
            .field("server", &std::any::type_name::<S>())
            .finish_non_exhaustive()
    }
}

// ------------------------------------------------------ timers to names

/// A key in a [`Registry`], as a destination: Elixir's
/// `{:via, Registry, {registry, key}}`. Made by [`Registry::via`].
///
/// A timer sent to it ([`send_after`](crate::send_after),
/// [`send_interval`](crate::send_interval)) looks the key up each time it
/// fires, as a timer to a [`Name`] does: nobody under the key then is a
/// silent no-op, an interval goes on across re-registrations, and the timer
/// does not die with whoever held the key. It does not keep the registry
/// alive: once every clone of the registry is gone, the timer is dropped.
///
/// ```
/// use std::time::Duration;
/// use genserver::prelude::*;
/// use genserver::registry::Registry;
///
/// #[derive(Clone)]
/// struct Tick;
///
/// #[derive(Default)]
/// struct Clock(u32);
///
/// #[gen_server]
/// impl Clock {
///     #[info]
///     fn tick(&mut self, _tick: Tick) {
///         self.0 += 1;
///     }
///
///     #[call]
///     fn ticks(&self) -> u32 {
///         self.0
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let clocks: Registry<&'static str, Clock> = Registry::new();
/// let utc = clocks.via("utc");
/// assert_eq!((*utc.key(), utc.registry().count()), ("utc", 0));
/// let interval = genserver::send_interval(&utc, Tick, Duration::from_secs(1))?;
/// tokio::time::sleep(Duration::from_millis(1500)).await; // nobody there: a no-op
/// Clock::start_with(Clock::default(), StartOptions::new().via(&clocks, "utc")).await?;
/// tokio::time::sleep(Duration::from_secs(2)).await;
/// assert_eq!(utc.lookup().unwrap().ticks().await?, 2);
/// interval.cancel();
/// # Ok(())
/// # }
/// ```
pub struct ViaKey<K, S: GenServer> {
    registry: Registry<K, S>,
    key: K,
}

impl<K, S> ViaKey<K, S>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    S: GenServer,
{
    /// The key.
    ///
    /// See the example on [`ViaKey`].
    pub fn key(&self) -> &K {
        &self.key
    }

    /// The registry.
    ///
    /// See the example on [`ViaKey`].
    pub fn registry(&self) -> &Registry<K, S> {
        &self.registry
    }

    /// The server under the key now ([`Registry::lookup`]).
    ///
    /// See the example on [`ViaKey`].
    pub fn lookup(&self) -> Option<ServerRef<S>> {
        self.registry.lookup(&self.key)
    }
}

impl<K: Clone, S: GenServer> Clone for ViaKey<K, S> {
    fn clone(&self) -> Self {
        ViaKey {
            registry: self.registry.clone(),
            key: self.key.clone(),
        }
    }
}

impl<K, S: GenServer> fmt::Debug for ViaKey<K, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ViaKey")
            .field("server", &std::any::type_name::<S>())
            .finish_non_exhaustive()
    }
}

/// Sends an info message to `shared`, dropping it if the server has
/// exited.
fn send_info<S: HandleInfo<M>, M>(shared: &Shared<S>, message: M) {
    let _ = shared.send(Envelope::Info(S::into_info(message)), false);
}

/// The route of a timer to a local name: the name, looked up at each
/// delivery.
#[doc(hidden)]
pub struct NameRoute<S> {
    name: Arc<str>,
    server: std::marker::PhantomData<fn() -> S>,
}

impl<S> fmt::Debug for NameRoute<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("NameRoute").field(&self.name).finish()
    }
}

impl<S: HandleInfo<M>, M> Route<M> for NameRoute<S> {
    fn deliver(&self, message: M) -> bool {
        // The server's state, uncounted (a timer does not keep it alive);
        // the message is sent, or dropped, outside the table's lock.
        let shared = LOCAL.with(&*self.name, |pid| {
            let process = Arc::clone(pid?.process());
            process.as_any().downcast::<Shared<S>>().ok()
        });
        if let Some(shared) = shared {
            send_info(&shared, message);
        }
        // Whoever holds the name now, or nobody, the name stays.
        true
    }

    fn owner(&self) -> Option<Owner> {
        None
    }
}

/// A timer to a local name (`Process.send_after(:name, ..)`): the name is
/// looked up each time the timer fires. Nobody under the name then, or a
/// server of another type, is a silent no-op; an interval goes on across
/// re-registrations (the server holding the name at each tick gets it),
/// and the timer never dies with a server, only when cancelled.
///
/// ```
/// use std::time::Duration;
/// use genserver::prelude::*;
/// use genserver::registry::Name;
///
/// #[derive(Clone)]
/// struct Tick;
///
/// struct Clock(u32);
///
/// #[gen_server]
/// impl Clock {
///     #[info]
///     fn tick(&mut self, _tick: Tick) {
///         self.0 += 1;
///     }
///
///     #[call]
///     fn ticks(&self) -> u32 {
///         self.0
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let mut clock = Name::<Clock>::new("doc_timer_clock");
/// let timer = genserver::send_after(&clock, Tick, Duration::from_secs(1))?;
/// Clock::start_with(Clock(0), StartOptions::new().name("doc_timer_clock")).await?;
/// tokio::time::sleep(Duration::from_millis(1500)).await;
/// assert_eq!(clock.get()?.ticks().await?, 1);
/// # assert!(!timer.is_pending());
/// # clock.get()?.stop().await?;
/// # Ok(())
/// # }
/// ```
impl<S: HandleInfo<M>, M> Dest<M> for Name<S> {
    type Route = NameRoute<S>;

    fn route(&self) -> NameRoute<S> {
        NameRoute {
            name: Arc::clone(&self.text),
            server: std::marker::PhantomData,
        }
    }
}

/// The route of a timer to a registry key: the key, looked up at each
/// delivery, in a registry held without keeping it alive.
#[doc(hidden)]
pub struct KeyRoute<K, S: GenServer> {
    table: Weak<Unique<K, ServerRef<S>>>,
    key: K,
}

impl<K, S: GenServer> fmt::Debug for KeyRoute<K, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyRoute")
            .field("server", &std::any::type_name::<S>())
            .finish_non_exhaustive()
    }
}

impl<K, S, M> Route<M> for KeyRoute<K, S>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    S: HandleInfo<M>,
{
    fn deliver(&self, message: M) -> bool {
        let Some(table) = self.table.upgrade() else {
            return false; // the registry is gone, and its keys with it
        };
        let shared = table.with(&self.key, |server| {
            server.map(|server| Arc::clone(server.handle().shared_arc()))
        });
        if let Some(shared) = shared {
            send_info(&shared, message);
        }
        true
    }

    fn owner(&self) -> Option<Owner> {
        None
    }
}

/// A timer to a registry key: see [`ViaKey`].
impl<K, S, M> Dest<M> for ViaKey<K, S>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    S: HandleInfo<M>,
{
    type Route = KeyRoute<K, S>;

    fn route(&self) -> KeyRoute<K, S> {
        KeyRoute {
            table: Arc::downgrade(&self.registry.table),
            key: self.key.clone(),
        }
    }
}
