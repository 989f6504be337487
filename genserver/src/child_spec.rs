//! Child specifications: how a supervisor starts, restarts and stops a
//! child (Erlang's `child_spec()` map, Elixir's `Supervisor.child_spec/2`).
//!
//! | field | Elixir | here | default |
//! |---|---|---|---|
//! | id | `:id` | [`ChildSpec::id`](struct@ChildSpec) (a string) | the server's type name |
//! | start | `:start` (an MFA) | a closure that starts the child, made by [`ChildSpec::new`] from the server type and its start argument (cloned for each restart) | |
//! | restart | `:restart` | [`Restart`] | `Permanent` |
//! | shutdown | `:shutdown` | [`Shutdown`] | `Timeout(5 s)` for a worker, `Infinity` for a supervisor |
//! | type | `:type` | [`ChildType`] | `Worker` |
//! | significant | `:significant` | [`ChildSpec::significant`] | `false` |
//! | modules | `:modules` | n/a: only for hot code upgrades, which Rust does not have | |
//!
//! `#[gen_server]` generates `Type::child_spec(arg)`, with the defaults
//! given in `#[gen_server(restart = transient, shutdown = 10_000)]` (the
//! options are listed [there](macro@crate::gen_server#options)); every
//! field can be changed where the spec is used:
//!
//! ```
//! use std::time::Duration;
//! use genserver::prelude::*;
//! use genserver::{Restart, Shutdown};
//!
//! #[derive(Clone)]
//! struct Config {
//!     path: String,
//! }
//!
//! struct Db {
//!     config: Config,
//! }
//!
//! #[gen_server]
//! impl Db {
//!     #[init]
//!     fn init(config: Config) -> Self {
//!         Db { config }
//!     }
//!
//!     #[call]
//!     fn path(&self) -> String {
//!         self.config.path.clone()
//!     }
//! }
//!
//! // What `#[gen_server]` generates: ChildSpec::new::<Db>(config), with the options set.
//! let spec = Db::child_spec(Config { path: "db".into() })
//!     .id("db")
//!     .restart(Restart::Transient)
//!     .shutdown(Shutdown::Timeout(Duration::from_secs(10)));
//! assert_eq!(&*spec.id, "db");
//! assert_eq!(spec.restart, Restart::Transient);
//! ```

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use crate::ServerId;
use crate::error::{ExitReason, StartError};
use crate::process::exit_group::ExitGroup;
use crate::process::mailbox::HookKey;
use crate::registry::Pid;
use crate::server::GenServer;

/// When a child is restarted (`:restart`).
///
/// # Examples
///
/// ```
/// use genserver::{ExitReason, Restart};
///
/// let crash = ExitReason::error("boom");
/// assert!(Restart::Permanent.restarts_after(&ExitReason::Normal));
/// assert!(Restart::Transient.restarts_after(&crash));
/// assert!(!Restart::Transient.restarts_after(&ExitReason::shutdown_with("done")));
/// assert!(!Restart::Temporary.restarts_after(&crash));
/// assert_eq!(Restart::default(), Restart::Permanent);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Restart {
    /// Always restarted (`:permanent`, the default).
    #[default]
    Permanent,
    /// Restarted only when it exits abnormally: not after `Normal`,
    /// `Shutdown` or `ShutdownWith` (`:transient`).
    Transient,
    /// Never restarted, not even when a sibling's failure takes it down
    /// under `OneForAll` or `RestForOne`; its spec is dropped once it exits
    /// (`:temporary`), and its start argument as soon as it runs.
    Temporary,
}

impl Restart {
    /// Whether a child that exited with `reason` is restarted. See the
    /// example on [`Restart`].
    pub fn restarts_after(self, reason: &ExitReason) -> bool {
        match self {
            Restart::Permanent => true,
            Restart::Transient => !reason.is_normal(),
            Restart::Temporary => false,
        }
    }
}

/// How a child is stopped (`:shutdown`).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use genserver::prelude::*;
/// use genserver::{ChildSpec, ChildType, Shutdown, Strategy, Supervisor, SupervisorSpec};
///
/// #[derive(Clone)]
/// struct Flusher;
///
/// #[gen_server]
/// impl Flusher {
///     #[terminate]
///     async fn terminate(&mut self) {
///         tokio::time::sleep(Duration::from_secs(60)).await; // flushing takes long
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() -> Result<(), genserver::Error> {
/// assert_eq!(ChildSpec::new::<Flusher>(Flusher).shutdown, Shutdown::WORKER); // 5 s
/// // A supervisor child waits as long as its own children need.
/// let nested = ChildSpec::new::<Flusher>(Flusher).child_type(ChildType::Supervisor);
/// assert_eq!(nested.shutdown, Shutdown::Infinity);
///
/// let spec = Flusher::child_spec(Flusher).shutdown(Shutdown::Timeout(Duration::from_secs(1)));
/// let sup = Supervisor::start(SupervisorSpec::new(Strategy::OneForOne).child(spec)).await?;
/// let started = tokio::time::Instant::now();
/// sup.stop().await?; // the child is killed after 1 s of its terminate
/// assert_eq!(started.elapsed(), Duration::from_secs(1));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Shutdown {
    /// Killed at once, without `terminate` (`:brutal_kill`).
    BrutalKill,
    /// Asked to stop (`terminate` runs), and killed if it has not exited
    /// within this time (an integer `:shutdown`).
    Timeout(Duration),
    /// Asked to stop, and waited for as long as it takes (`:infinity`):
    /// meant for children that are supervisors.
    Infinity,
}

impl Shutdown {
    /// The default for a worker: 5 seconds, as in OTP. See the example on
    /// [`Shutdown`].
    pub const WORKER: Shutdown = Shutdown::Timeout(Duration::from_secs(5));
}

/// Whether a child is a worker or a supervisor (`:type`).
///
/// # Examples
///
/// ```
/// use genserver::prelude::*;
/// use genserver::{ChildType, Strategy, Supervisor, SupervisorSpec};
///
/// #[derive(Clone)]
/// struct Worker;
///
/// #[gen_server]
/// impl Worker {}
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), genserver::Error> {
/// let inner = SupervisorSpec::new(Strategy::OneForOne).child(Worker::child_spec(Worker));
/// let outer = SupervisorSpec::new(Strategy::OneForOne)
///     .child(Supervisor::child_spec(inner).id("inner")) // a supervisor child
///     .child(Worker::child_spec(Worker).id("worker"));
/// let sup = Supervisor::start(outer).await?;
/// let children = sup.which_children().await?;
/// assert_eq!(children[0].child_type, ChildType::Supervisor);
/// assert_eq!(children[1].child_type, ChildType::Worker);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ChildType {
    /// A worker (the default).
    #[default]
    Worker,
    /// A supervisor: its default shutdown is `Infinity`, so that it has
    /// all the time its own children need.
    Supervisor,
}

/// Why a supervisor refuses a child spec
/// ([`StartError::InvalidChild`]).
///
/// # Examples
///
/// ```
/// use genserver::prelude::*;
/// use genserver::{ChildSpecError, Strategy, Supervisor, SupervisorSpec};
///
/// #[derive(Clone)]
/// struct Job;
///
/// #[gen_server]
/// impl Job {}
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// // Significant, but permanent (the default): it would never end for good.
/// let spec = SupervisorSpec::new(Strategy::OneForOne).child(Job::child_spec(Job).significant(true));
/// match Supervisor::start(spec).await {
///     Err(StartError::InvalidChild { id, error }) => {
///         assert_eq!(error, ChildSpecError::SignificantPermanent);
///         assert_eq!(&*id, std::any::type_name::<Job>());
///     }
///     other => panic!("{other:?}"),
/// }
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ChildSpecError {
    /// A significant child must be transient or temporary: a permanent
    /// one would never end for good (OTP refuses the spec too).
    SignificantPermanent,
    /// A significant child under a supervisor whose
    /// [`AutoShutdown`](crate::supervisor::AutoShutdown) is `Never`
    /// (`{:bad_combination, [auto_shutdown: :never, significant: true]}`):
    /// its significance would mean nothing.
    SignificantWithoutAutoShutdown,
}

impl fmt::Display for ChildSpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChildSpecError::SignificantPermanent => {
                f.write_str("a significant child must be transient or temporary, not permanent")
            }
            ChildSpecError::SignificantWithoutAutoShutdown => f.write_str(
                "a significant child needs a supervisor whose auto_shutdown is not Never",
            ),
        }
    }
}

impl std::error::Error for ChildSpecError {}

/// What starting a child gives: the running child, or nothing if its init
/// returned [`Init::Ignore`](crate::Init::Ignore) (its spec is kept).
///
/// See the example on [`ChildSpec::from_fn`], whose closure returns one.
pub type Started = Result<Option<Pid>, StartError>;

/// The future a child's start returns.
///
/// See the example on [`ChildSpec::new`], whose `start` returns one.
pub type StartFuture = Pin<Box<dyn Future<Output = Started> + Send>>;

type StartFn = Arc<dyn Fn(&crate::StartOptions) -> StartFuture + Send + Sync>;

/// How a supervisor starts, restarts and stops one child; see the [module
/// docs](crate::child_spec).
///
/// The fields can be read and changed directly, like the keys of Elixir's
/// child spec map, or set with the builder methods of the same names.
///
/// See the examples in the [module docs](crate::child_spec), on [`ChildSpec::new`] and on [`ChildSpec::from_fn`].
#[derive(Clone)]
pub struct ChildSpec {
    /// The child's id (`:id`): unique among a supervisor's children.
    pub id: Arc<str>,
    /// When the child is restarted (`:restart`).
    pub restart: Restart,
    /// How the child is stopped (`:shutdown`).
    pub shutdown: Shutdown,
    /// Whether the child is a worker or a supervisor (`:type`).
    pub child_type: ChildType,
    /// Whether the child is significant (`:significant`), for a
    /// supervisor's automatic shutdown.
    pub significant: bool,
    start: StartFn,
    /// The options each start uses (see [`start_options`](ChildSpec::start_options)).
    options: crate::StartOptions,
    /// The type name of the server the spec starts (empty for a spec made
    /// with [`from_fn`](ChildSpec::from_fn), unless set with
    /// [`server_type`](ChildSpec::server_type)).
    server: &'static str,
    /// Whether `shutdown` was set, rather than left to the child type's
    /// default.
    shutdown_set: bool,
    /// Made by [`new`](ChildSpec::new): the start runs no code of the
    /// user's (init runs in the child's task), so a supervisor may await it
    /// in its own handler instead of in a task of its own.
    plain: bool,
}

impl ChildSpec {
    /// A spec that starts an `S` with `arg` (cloned for each start) and
    /// waits for its init, as `Type::start` does. The id is the server's
    /// type name; the rest are the defaults.
    ///
    /// # Examples
    ///
    /// ```
    /// use genserver::prelude::*;
    /// use genserver::{ChildSpec, ChildType, Restart};
    ///
    /// struct Greeter(String);
    ///
    /// #[gen_server]
    /// impl Greeter {
    ///     #[init]
    ///     fn init(name: String) -> Self {
    ///         Greeter(name)
    ///     }
    ///
    ///     #[call]
    ///     fn greet(&self) -> String {
    ///         format!("hello, {}", self.0)
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), genserver::Error> {
    /// let spec = ChildSpec::new::<Greeter>("ada".to_string()) // Greeter::child_spec(..) does the same
    ///     .id("greeter")
    ///     .restart(Restart::Transient)
    ///     .child_type(ChildType::Worker);
    /// assert_eq!(&*spec.id, "greeter");
    /// assert_eq!(spec.server(), std::any::type_name::<Greeter>());
    /// // A supervisor starts it so, and again so on each restart.
    /// let pid = spec.start().await?.expect("not ignored");
    /// let greeter = pid.downcast::<Greeter>().expect("a Greeter");
    /// assert_eq!(greeter.greet().await?, "hello, ada");
    /// # Ok(())
    /// # }
    /// ```
    pub fn new<S: GenServer>(arg: S::Arg) -> Self
    where
        S::Arg: Clone + Sync,
    {
        let start: StartFn = Arc::new(move |options: &crate::StartOptions| {
            let arg = arg.clone();
            let options = options.clone();
            Box::pin(async move {
                match S::start_with(arg, options).await {
                    Ok(server) => Ok(Some(Pid::from(server))),
                    Err(StartError::Ignored) => Ok(None),
                    Err(error) => Err(error),
                }
            })
        });
        ChildSpec {
            plain: true,
            ..ChildSpec::from_start(std::any::type_name::<S>(), start).server_type::<S>()
        }
    }

    /// A spec that starts the child with `start`, for children that are not
    /// started by a plain `Type::start` (start options, a name, another
    /// process type): `start` returns the running child, `None` for an
    /// ignored start, or the start error.
    ///
    /// # Examples
    ///
    /// ```
    /// use genserver::prelude::*;
    /// use genserver::{ChildSpec, Strategy, Supervisor, SupervisorSpec};
    ///
    /// struct Cache(Vec<u8>);
    ///
    /// #[gen_server]
    /// impl Cache {
    ///     #[call]
    ///     fn capacity(&self) -> usize {
    ///         self.0.capacity()
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), genserver::Error> {
    /// // The start argument need not be `Clone`: the closure builds it each time.
    /// let spec = ChildSpec::from_fn("cache", || async {
    ///     let cache = Cache::start(Cache(Vec::with_capacity(64))).await?;
    ///     Ok(Some(cache.pid()))
    /// });
    /// let sup = Supervisor::start(SupervisorSpec::new(Strategy::OneForOne).child(spec)).await?;
    /// assert_eq!(sup.child::<Cache>("cache").await?.capacity().await?, 64);
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_fn<F, Fut>(id: impl Into<Arc<str>>, start: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Started> + Send + 'static,
    {
        ChildSpec::from_start(
            id,
            Arc::new(move |_: &crate::StartOptions| Box::pin(start())),
        )
    }

    fn from_start(id: impl Into<Arc<str>>, start: StartFn) -> Self {
        ChildSpec {
            id: id.into(),
            restart: Restart::default(),
            shutdown: Shutdown::WORKER,
            child_type: ChildType::default(),
            significant: false,
            start,
            options: crate::StartOptions::new(),
            server: "",
            shutdown_set: false,
            plain: false,
        }
    }

    /// Sets the options each start of the child uses (a name, a registry
    /// key, an init timeout): `Db::child_spec(config).start_options(StartOptions::new().name("db"))`
    /// restarts the child under the same name each time, which is how
    /// clients find a restarted child. For specs made with
    /// [`new`](ChildSpec::new) or a generated `child_spec`; a
    /// [`from_fn`](ChildSpec::from_fn) spec starts as its closure says.
    ///
    /// # Examples
    ///
    /// ```
    /// use genserver::prelude::*;
    /// use genserver::registry;
    /// use genserver::{Strategy, Supervisor, SupervisorSpec};
    ///
    /// #[derive(Clone)]
    /// struct Db;
    ///
    /// #[gen_server]
    /// impl Db {
    ///     #[cast]
    ///     fn lose_connection(&mut self, ctx: &mut Context<Self>) {
    ///         ctx.stop(ExitReason::error("connection lost"));
    ///     }
    ///
    ///     #[call]
    ///     fn ping(&self) -> &'static str {
    ///         "pong"
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), genserver::Error> {
    /// let db = Db::child_spec(Db).start_options(StartOptions::new().name("main_db"));
    /// let sup = Supervisor::start(SupervisorSpec::new(Strategy::OneForOne).child(db)).await?;
    /// let before = registry::whereis::<Db>("main_db")?;
    /// before.lose_connection();
    /// before.exited().await?;
    /// sup.count_children().await?; // the supervisor has handled the exit: restarted
    /// // Restarted under the same name: clients find the new server by it.
    /// assert_eq!(registry::whereis::<Db>("main_db")?.ping().await?, "pong");
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn start_options(mut self, options: crate::StartOptions) -> Self {
        self.options = options;
        self
    }

    /// Sets the id.
    ///
    /// See the example on [`ChildSpec::new`].
    #[must_use]
    pub fn id(mut self, id: impl Into<Arc<str>>) -> Self {
        self.id = id.into();
        self
    }

    /// Sets when the child is restarted.
    ///
    /// See the example on [`ChildSpec::new`].
    #[must_use]
    pub fn restart(mut self, restart: Restart) -> Self {
        self.restart = restart;
        self
    }

    /// Sets how the child is stopped.
    ///
    /// See the example on [`Shutdown`].
    #[must_use]
    pub fn shutdown(mut self, shutdown: Shutdown) -> Self {
        self.shutdown = shutdown;
        self.shutdown_set = true;
        self
    }

    /// Sets whether the child is a worker or a supervisor; a supervisor's
    /// shutdown defaults to `Infinity` unless it was set.
    ///
    /// See the example on [`ChildSpec::new`].
    #[must_use]
    pub fn child_type(mut self, child_type: ChildType) -> Self {
        self.child_type = child_type;
        if !self.shutdown_set {
            self.shutdown = match child_type {
                ChildType::Worker => Shutdown::WORKER,
                ChildType::Supervisor => Shutdown::Infinity,
            };
        }
        self
    }

    /// Marks the child significant: under a supervisor with an
    /// [`AutoShutdown`](crate::supervisor::AutoShutdown) other than
    /// `Never`, its exit for good (a transient child's normal exit, a
    /// temporary child's any exit) can shut the supervisor down. It must be
    /// transient or temporary; a supervisor refuses it otherwise
    /// ([`ChildSpecError`]).
    ///
    /// See the example on [`ChildSpecError`].
    #[must_use]
    pub fn significant(mut self, significant: bool) -> Self {
        self.significant = significant;
        self
    }

    /// Says that the spec starts an `S`: for a spec made with
    /// [`from_fn`](ChildSpec::from_fn), whose start function the
    /// supervisor cannot see into. It is what
    /// [`which_children`](crate::supervisor::SupervisorClient::which_children)
    /// shows as the child's server type (`:modules`), and what a
    /// [`DynamicSupervisor`](crate::DynamicSupervisor)'s typed
    /// `start_child` checks before starting the child (it checks the
    /// started child's type in any case). A spec made with
    /// [`new`](ChildSpec::new) has it already.
    ///
    /// ```
    /// use genserver::prelude::*;
    /// use genserver::{ChildSpec, Pid};
    ///
    /// struct Db;
    ///
    /// #[gen_server]
    /// impl Db {}
    ///
    /// let spec = ChildSpec::from_fn("db", || async {
    ///     let db = Db::start_with(Db, StartOptions::new().name("db")).await?;
    ///     Ok(Some(Pid::from(db)))
    /// })
    /// .server_type::<Db>();
    /// assert_eq!(spec.server(), std::any::type_name::<Db>());
    /// ```
    #[must_use]
    pub fn server_type<S: GenServer>(mut self) -> Self {
        self.server = std::any::type_name::<S>();
        self
    }

    /// The type name of the server the spec starts (empty for a spec made
    /// with [`from_fn`](ChildSpec::from_fn), unless it was given with
    /// [`server_type`](ChildSpec::server_type)).
    ///
    /// See the example on [`server_type`](ChildSpec::server_type).
    pub fn server(&self) -> &'static str {
        self.server
    }

    /// Starts the child once, as a supervisor does.
    ///
    /// See the example on [`ChildSpec::new`].
    pub fn start(&self) -> StartFuture {
        (self.start)(&self.options)
    }

    /// For a supervisor that awaits the start in its own handler: the
    /// start, killing the child if it is dropped before the child's init has
    /// run. `None` for a spec whose start runs code of the user's (made with
    /// [`from_fn`](ChildSpec::from_fn)), which a supervisor runs in a task
    /// of its own so that a panic in it is the start's error.
    pub(crate) fn start_supervised(&self) -> Option<StartFuture> {
        self.plain.then(|| {
            let mut options = self.options.clone();
            options.supervised = true;
            (self.start)(&options)
        })
    }

    /// Drops the start function and options (and with them the start
    /// argument): what a supervisor does with the spec of a temporary child
    /// once it runs, since it never starts it again (as OTP, which does not
    /// keep a temporary child's start parameters). A start of the spec then
    /// fails with [`StartError::Init`] (`NoProc`).
    pub(crate) fn forget_start(&mut self) {
        static NEVER: OnceLock<StartFn> = OnceLock::new();
        let never = NEVER.get_or_init(|| {
            Arc::new(|_: &crate::StartOptions| {
                Box::pin(async { Err(StartError::Init(ExitReason::NoProc)) }) as StartFuture
            })
        });
        self.start = Arc::clone(never);
        self.options = crate::StartOptions::new();
    }
}

impl fmt::Debug for ChildSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChildSpec")
            .field("id", &self.id)
            .field("server", &self.server)
            .field("restart", &self.restart)
            .field("shutdown", &self.shutdown)
            .field("child_type", &self.child_type)
            .field("significant", &self.significant)
            .finish_non_exhaustive()
    }
}

/// Stops children per their [`Shutdown`], all at once (decision of the
/// supervision design): every child is asked to stop (or killed, for
/// `BrutalKill`) before any is waited for, so the whole takes as long as
/// the slowest child, not the sum. A child that has not exited when its
/// `Timeout` runs out is killed. Returns once every child has exited.
///
/// OTP sends each child an exit signal `shutdown`, so only children that
/// trap exits run `terminate`; here every child is stopped in order (its
/// `terminate` runs within its budget), since a Rust server's cleanup lives
/// there.
///
/// The children are waited for as one [`ExitGroup`]: each is visited once
/// to be stopped, which also removes its hooks keyed `unlink` (the
/// supervisor's end of a link, whose exit signal would otherwise come back
/// as a message per child), and again only if its budget runs out. A kill
/// then is reported as `supervisor`'s (an `error` event, as `Supervisor`
/// reports it; the kill itself is quiet), and so is a child that ended
/// otherwise than stopped or killed (OTP's `shutdown_error`).
pub(crate) async fn shutdown_children(
    children: &[(Pid, Shutdown)],
    unlink: Option<HookKey>,
    supervisor: ServerId,
    supervisor_name: Option<&str>,
) {
    let started = tokio::time::Instant::now();
    // When a budget runs out: never, for a budget too long to count.
    let end = |shutdown: &Shutdown| match shutdown {
        Shutdown::Timeout(budget) => started.checked_add(*budget),
        Shutdown::BrutalKill | Shutdown::Infinity => None,
    };
    let group = ExitGroup::new();
    let mut next_end = None;
    for (pid, shutdown) in children {
        let process = pid.process();
        if !process.join_exit_group(&group, unlink) {
            continue;
        }
        if let Shutdown::BrutalKill = shutdown {
            // The end this child's spec asks for: not reported.
            process.kill_quietly();
        } else {
            process.stop(ExitReason::Shutdown);
            next_end = earliest(next_end, end(shutdown));
        }
    }
    group.all_added();
    let mut passed = None;
    while let Some(deadline) = next_end {
        if tokio::time::timeout_at(deadline, group.all_exited())
            .await
            .is_ok()
        {
            break;
        }
        // The budgets that ended now ran out: those children are killed
        // (one that has exited meanwhile is left as it is), and the next
        // end is looked for.
        next_end = None;
        for (pid, shutdown) in children {
            match end(shutdown) {
                Some(end) if passed.is_some_and(|passed| end <= passed) => {}
                Some(end) if end <= deadline => {
                    // Reported here, as the supervisor's, and only here.
                    if pid.process().kill_quietly() {
                        tracing::error!(
                            supervisor = supervisor.as_u64(),
                            supervisor_name,
                            child = %pid,
                            budget = ?shutdown,
                            "dynamic supervisor {supervisor}: child {pid} did not stop within \
                             its shutdown budget; killed it",
                        );
                    }
                }
                end => next_end = earliest(next_end, end),
            }
        }
        passed = Some(deadline);
    }
    // Done already if the loop ended so; else the children left have no
    // budget, or are killed.
    group.all_exited().await;
    // OTP's `shutdown_error`: a child that ended otherwise than stopped or
    // killed (its `terminate` crashed, say).
    for (child, reason) in group.take_unexpected() {
        tracing::error!(
            supervisor = supervisor.as_u64(),
            supervisor_name,
            child = child.as_u64(),
            reason = %reason,
            "dynamic supervisor {supervisor}: child {child} exited with {reason} while \
             shutting down",
        );
    }
}

/// The earlier of two instants, where `None` is never.
fn earliest(
    a: Option<tokio::time::Instant>,
    b: Option<tokio::time::Instant>,
) -> Option<tokio::time::Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Stops one child per its [`Shutdown`]; see [`shutdown_children`].
pub(crate) async fn shutdown_child(
    pid: Pid,
    shutdown: Shutdown,
    supervisor: ServerId,
    supervisor_name: Option<&str>,
) {
    shutdown_children(&[(pid, shutdown)], None, supervisor, supervisor_name).await;
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::time::Instant;

    use super::*;
    use crate::ServerRef;

    /// A server whose `terminate` takes `ending` (`None`: forever).
    struct Ends {
        ending: Option<Duration>,
    }

    #[crate::gen_server(crate = "crate")]
    impl Ends {
        #[init]
        fn init(ending: Option<Duration>) -> Self {
            Ends { ending }
        }

        #[call]
        fn ping(&self) -> u8 {
            1
        }

        #[terminate]
        async fn terminate(&mut self) {
            match self.ending {
                Some(ending) => tokio::time::sleep(ending).await,
                None => std::future::pending().await,
            }
        }
    }

    #[tokio::test(start_paused = true)]
    async fn each_child_is_killed_when_its_own_budget_runs_out_whatever_the_order() {
        let ms = Duration::from_millis;
        // (terminate takes, shutdown, exit expected, at)
        let cases = [
            (
                None,
                Shutdown::Timeout(ms(900)),
                ExitReason::Killed,
                ms(900),
            ),
            (
                None,
                Shutdown::Timeout(ms(300)),
                ExitReason::Killed,
                ms(300),
            ),
            (
                None,
                Shutdown::Timeout(ms(600)),
                ExitReason::Killed,
                ms(600),
            ),
            (None, Shutdown::Timeout(ms(0)), ExitReason::Killed, ms(0)),
            (None, Shutdown::BrutalKill, ExitReason::Killed, ms(0)),
            (
                Some(ms(100)),
                Shutdown::Timeout(ms(600)),
                ExitReason::Shutdown,
                ms(100),
            ),
            (
                Some(ms(700)),
                Shutdown::Infinity,
                ExitReason::Shutdown,
                ms(700),
            ),
            (
                Some(ms(200)),
                Shutdown::Timeout(Duration::MAX),
                ExitReason::Shutdown,
                ms(200),
            ),
        ];
        let mut children = Vec::new();
        let mut exits = Vec::new();
        let started = Instant::now();
        for (ending, shutdown, _, _) in &cases {
            let child = Ends::start(*ending).await.unwrap();
            // Each child's exit and when it came, as its own waiter sees it.
            exits.push(tokio::spawn({
                let child: ServerRef<Ends> = child.clone();
                async move { (child.exited().await.unwrap(), started.elapsed()) }
            }));
            children.push((child.pid(), *shutdown));
        }
        let gone = Ends::start(None).await.unwrap();
        gone.pid().kill();
        children.push((gone.pid(), Shutdown::Timeout(ms(50))));
        shutdown_children(&children, None, children[0].0.id(), None).await;
        assert_eq!(started.elapsed(), ms(900));
        for ((_, _, reason, at), exit) in cases.into_iter().zip(exits) {
            assert_eq!(exit.await.unwrap(), (reason, at));
        }
    }

    #[tokio::test(start_paused = true)]
    async fn nothing_to_stop_returns_at_once() {
        let started = Instant::now();
        shutdown_children(&[], None, crate::ServerId::next(), None).await;
        let gone = Ends::start(None).await.unwrap();
        gone.pid().kill();
        shutdown_children(
            &[(gone.pid(), Shutdown::Infinity)],
            None,
            gone.pid().id(),
            None,
        )
        .await;
        assert_eq!(started.elapsed(), Duration::ZERO);
    }
}
