//! Supervisors: Erlang's `supervisor` behaviour, Elixir's `Supervisor`.
//!
//! A supervisor is a server that starts its children in order, watches
//! them, restarts them by its [`Strategy`] and their [`Restart`] value, and
//! stops them in reverse order when it stops. It is a server like any
//! other (`supervisor.erl` is a `gen_server`): [`Supervisor::start`] gives
//! a [`ServerRef<Supervisor>`], whose client methods are the `Supervisor`
//! module's functions.
//!
//! ```
//! use genserver::prelude::*;
//! use genserver::supervisor::{Strategy, Supervisor, SupervisorSpec};
//! use genserver::ChildSpec;
//!
//! #[derive(Clone)]
//! struct Counter(u64);
//!
//! #[gen_server]
//! impl Counter {
//!     #[call]
//!     fn bump(&mut self) -> u64 {
//!         self.0 += 1;
//!         self.0
//!     }
//!
//!     #[cast]
//!     fn crash(&mut self) {
//!         panic!("bad request");
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), genserver::Error> {
//! let sup = Supervisor::start(
//!     SupervisorSpec::new(Strategy::OneForOne)
//!         .max_restarts(3)
//!         .max_seconds(5)
//!         .child(ChildSpec::new::<Counter>(Counter(0)).id("counter")),
//! )
//! .await?;
//! // A typed reference to the child, looked up through the supervisor.
//! let counter = sup.child::<Counter>("counter").await?;
//! assert_eq!(counter.bump().await?, 1);
//! counter.crash();
//! counter.exited().await?;
//! // The old reference is stale; the supervisor has started a new child.
//! assert!(counter.bump().await.is_err());
//! let counter = sup.child::<Counter>("counter").await?;
//! assert_eq!(counter.bump().await?, 1);
//! sup.stop().await?;
//! # Ok(())
//! # }
//! ```
//!
//! # Reaching a restarted child
//!
//! A restart starts a new server: a [`ServerRef`] to the old one goes
//! stale, and its calls fail with [`CallError::NoProc`]
//! (or [`CallError::Exit`] for calls caught by the
//! crash). Hold a way to find the child instead of the reference itself,
//! as Elixir code holds a name instead of a pid:
//!
//! * **a name**: start the child under a name (a spec made with
//!   [`ChildSpec::from_fn`] around `Type::start_with(arg,
//!   StartOptions::new().name("db"))`, or a [`Registry`](crate::registry::Registry)
//!   key with `via`), and look it up with
//!   [`registry::whereis`](crate::registry::whereis) at each use: the name
//!   moves to the new server when it starts;
//! * **the supervisor**: [`SupervisorClient::child`] gives the current
//!   child of an id as a typed reference, or says why not (not running,
//!   unknown id, another server type).
//!
//! # Deviations from OTP
//!
//! * **Stopping a child runs its `terminate`.** OTP stops a child with an
//!   exit signal (`exit(child, :shutdown)`), so only a child that traps
//!   exits runs `terminate`. Here the supervisor asks every child to stop
//!   ([`Pid::stop_with`] with [`ExitReason::Shutdown`]), so its
//!   `terminate` runs, within its [`Shutdown`] budget: a Rust server's
//!   cleanup lives in `terminate`. A child that has not exited when the
//!   budget runs out is killed, as in OTP; `BrutalKill` kills at once, and
//!   `Infinity` waits as long as it takes.
//! * **Start errors are values.** A child that fails to start makes
//!   [`Supervisor::start`] return [`StartError::Child`] with the child's
//!   id and its own error (`{:error, {:shutdown, {:failed_to_start_child,
//!   id, reason}}}`), whether or not the caller traps exits.
//! * **A child whose restart fails** is tried again after the messages
//!   already queued (OTP's `try_again_restart`); each try counts towards
//!   the restart intensity, so a child that never starts ends in an
//!   escalation rather than a loop.
//! * **Requests that wait for children wait as long as they take**
//!   ([`start_child`](SupervisorClient::start_child),
//!   [`terminate_child`](SupervisorClient::terminate_child),
//!   [`restart_child`](SupervisorClient::restart_child),
//!   [`delete_child`](SupervisorClient::delete_child)), as OTP's
//!   `:infinity`, instead of the default 5 s call timeout: a child's
//!   `init` or [`Shutdown`] may take longer. A client given another
//!   timeout with `with_timeout` keeps it (then a request that times out
//!   goes on in the supervisor). The other requests use the call timeout.
//! * `:modules` is n/a (no hot code upgrades).
//!
//! # Automatic shutdown
//!
//! [`SupervisorSpec::auto_shutdown`] with [significant](ChildSpec::significant)
//! children makes a supervisor exit once some work is done, as OTP's
//! `auto_shutdown` does: see [`AutoShutdown`]. Significant children must
//! be transient or temporary, and are refused under `AutoShutdown::Never`
//! ([`StartError::InvalidChild`], also from `start_child` as
//! [`SupervisorError::Start`]).

use std::collections::{HashMap, VecDeque};
use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use crate::child_spec::{ChildSpec, ChildSpecError, ChildType, Restart, Shutdown};
use crate::error::{CallError, ExitReason, StartError, StopError};
use crate::link::Exit;
use crate::process::context::Context;
use crate::process::handle::{Handle, Process, ReplyTo, ServerId, ServerRef};
use crate::process::mailbox::Envelope;
use crate::process::run::StartOptions;
use crate::registry::Pid;
use crate::server::{Client, GenServer, HandleInfo, Init, Message};

/// Which children a supervisor restarts when one fails (`:strategy`).
///
/// "Fails" means exits in a way its [`Restart`] value says to restart.
///
/// # Examples
///
/// ```
/// use genserver::prelude::*;
/// use genserver::{Strategy, Supervisor, SupervisorSpec};
///
/// #[derive(Clone)]
/// struct Worker;
///
/// #[gen_server]
/// impl Worker {
///     #[cast]
///     fn crash(&mut self, ctx: &mut Context<Self>) {
///         ctx.stop(ExitReason::error("boom"));
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), genserver::Error> {
/// let children = ["a", "b"].map(|id| Worker::child_spec(Worker).id(id));
/// let sup = Supervisor::start(SupervisorSpec::new(Strategy::OneForAll).children(children)).await?;
/// let (a, b) = (sup.child_pid("a").await?, sup.child_pid("b").await?);
/// a.downcast::<Worker>().unwrap().crash();
/// assert_eq!(b.exited().await, ExitReason::Shutdown); // stopped by the supervisor
/// sup.count_children().await?; // the restarts are done
/// // Both were restarted; with OneForOne, only `a` would have been.
/// assert_ne!(sup.child_pid("a").await?, a);
/// assert_ne!(sup.child_pid("b").await?, b);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Strategy {
    /// Restart only the child that failed (`:one_for_one`).
    OneForOne,
    /// Stop all the other children (in reverse start order), then restart
    /// them all in start order (`:one_for_all`).
    OneForAll,
    /// Stop the children started after the one that failed (in reverse
    /// start order), then restart it and them in start order
    /// (`:rest_for_one`).
    RestForOne,
}

/// When a supervisor shuts itself down because its
/// [significant](ChildSpec::significant) children ended
/// (`:auto_shutdown`).
///
/// A significant child *ends* when it exits by itself and is not
/// restarted: a transient one that exits normally (`Normal`, `Shutdown`,
/// `ShutdownWith`), a temporary one that exits for any reason. Children the
/// supervisor stops itself (`terminate_child`, a restart of their
/// siblings, its own shutdown) do not count. The supervisor then stops its
/// other children, in reverse start order, and exits with
/// [`ExitReason::Shutdown`], which its parent sees, as after an
/// escalation; in a tree whose top runs under
/// [`run_until`](crate::run_until) this ends the service.
///
/// # Examples
///
/// ```
/// use genserver::prelude::*;
/// use genserver::{AutoShutdown, Restart, Strategy, Supervisor, SupervisorSpec};
///
/// #[derive(Clone)]
/// struct Job;
///
/// #[gen_server]
/// impl Job {
///     #[cast]
///     fn finish(&mut self, ctx: &mut Context<Self>) {
///         ctx.stop(ExitReason::Normal);
///     }
/// }
///
/// #[derive(Clone)]
/// struct Logger;
///
/// #[gen_server]
/// impl Logger {}
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), genserver::Error> {
/// // The job is what the supervisor is for; the logger only helps it.
/// let job = Job::child_spec(Job).id("job").restart(Restart::Transient).significant(true);
/// let spec = SupervisorSpec::new(Strategy::OneForOne)
///     .auto_shutdown(AutoShutdown::AnySignificant)
///     .child(Logger::child_spec(Logger).id("logger"))
///     .child(job);
/// let sup = Supervisor::start(spec).await?;
/// sup.child::<Job>("job").await?.finish();
/// assert_eq!(sup.exited().await?, ExitReason::Shutdown); // the job is done, so is the supervisor
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum AutoShutdown {
    /// Never (`:never`, the default). Significant children are refused
    /// ([`ChildSpecError::SignificantWithoutAutoShutdown`]).
    #[default]
    Never,
    /// When any significant child ends (`:any_significant`).
    AnySignificant,
    /// When every significant child has ended: the last one running ends
    /// (`:all_significant`).
    AllSignificant,
}

/// A supervisor's flags and children: what [`Supervisor::start`] takes
/// (the `init/1` callback's `{:ok, {flags, children}}`).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use genserver::prelude::*;
/// use genserver::{AutoShutdown, Strategy, Supervisor, SupervisorSpec};
///
/// #[derive(Clone)]
/// struct Worker;
///
/// #[gen_server]
/// impl Worker {}
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), genserver::Error> {
/// // Supervisor.init([a, b], strategy: :rest_for_one, max_restarts: 10, max_seconds: 60)
/// let spec = SupervisorSpec::new(Strategy::RestForOne)
///     .max_restarts(10)
///     .max_seconds(60)
///     .auto_shutdown(AutoShutdown::Never)
///     .children(["a", "b"].map(|id| Worker::child_spec(Worker).id(id)));
/// assert_eq!(spec.strategy(), Strategy::RestForOne);
/// let sup = Supervisor::start(spec.clone().period(Duration::from_millis(500))).await?;
/// assert_eq!(sup.count_children().await?.workers, 2);
/// sup.stop().await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct SupervisorSpec {
    strategy: Strategy,
    max_restarts: u32,
    max_seconds: Duration,
    auto_shutdown: AutoShutdown,
    children: Vec<ChildSpec>,
}

impl SupervisorSpec {
    /// A supervisor with `strategy`, no children, and the default restart
    /// intensity: at most 3 restarts within 5 seconds.
    ///
    /// See the example on [`SupervisorSpec`].
    pub fn new(strategy: Strategy) -> Self {
        SupervisorSpec {
            strategy,
            max_restarts: 3,
            max_seconds: Duration::from_secs(5),
            auto_shutdown: AutoShutdown::Never,
            children: Vec::new(),
        }
    }

    /// When the supervisor shuts itself down because its significant
    /// children ended (`:auto_shutdown`, default [`AutoShutdown::Never`]).
    ///
    /// See the example on [`SupervisorSpec`].
    #[must_use]
    pub fn auto_shutdown(mut self, auto_shutdown: AutoShutdown) -> Self {
        self.auto_shutdown = auto_shutdown;
        self
    }

    /// The most restarts allowed within [`max_seconds`](Self::max_seconds)
    /// (`:max_restarts`, default 3). One more and the supervisor stops its
    /// children and exits with [`ExitReason::Shutdown`]. With 0, any
    /// restart does.
    ///
    /// See the example on [`SupervisorSpec`].
    #[must_use]
    pub fn max_restarts(mut self, max_restarts: u32) -> Self {
        self.max_restarts = max_restarts;
        self
    }

    /// The window of [`max_restarts`](Self::max_restarts), in seconds
    /// (`:max_seconds`, default 5).
    ///
    /// It must not be 0: as OTP (`{:invalid_period, 0}`), the supervisor
    /// then refuses to start, with [`StartError::Init`] carrying
    /// [`InvalidSupervisorSpec::ZeroPeriod`] (a zero window would count no
    /// earlier restart, so a crashing child would restart forever).
    ///
    /// See the example on [`SupervisorSpec`].
    #[must_use]
    pub fn max_seconds(mut self, max_seconds: u64) -> Self {
        self.max_seconds = Duration::from_secs(max_seconds);
        self
    }

    /// The window of [`max_restarts`](Self::max_restarts) as a duration,
    /// for windows shorter than a second.
    ///
    /// It must not be zero: the supervisor then refuses to start (see
    /// [`max_seconds`](Self::max_seconds)).
    ///
    /// See the example on [`SupervisorSpec`].
    #[must_use]
    pub fn period(mut self, period: Duration) -> Self {
        self.max_seconds = period;
        self
    }

    /// Appends a child; children start in the order given.
    ///
    /// See the example on [`ChildSpec::from_fn`].
    #[must_use]
    pub fn child(mut self, child: ChildSpec) -> Self {
        self.children.push(child);
        self
    }

    /// Appends children, in order.
    ///
    /// See the example on [`SupervisorSpec`].
    #[must_use]
    pub fn children(mut self, children: impl IntoIterator<Item = ChildSpec>) -> Self {
        self.children.extend(children);
        self
    }

    /// The strategy.
    ///
    /// See the example on [`SupervisorSpec`].
    pub fn strategy(&self) -> Strategy {
        self.strategy
    }
}

/// A [`SupervisorSpec`] the supervisor refuses: its start fails with
/// [`StartError::Init`], whose reason carries this error
/// ([`ExitReason::downcast_ref`]); no child is started.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use genserver::prelude::*;
/// use genserver::supervisor::InvalidSupervisorSpec;
/// use genserver::{Strategy, Supervisor, SupervisorSpec};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let spec = SupervisorSpec::new(Strategy::OneForOne).period(Duration::ZERO);
/// match Supervisor::start(spec).await {
///     Err(StartError::Init(reason)) => {
///         assert_eq!(reason.downcast_ref(), Some(&InvalidSupervisorSpec::ZeroPeriod));
///     }
///     other => panic!("{other:?}"),
/// }
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InvalidSupervisorSpec {
    /// The restart window ([`SupervisorSpec::max_seconds`],
    /// [`SupervisorSpec::period`]) is zero (`{:invalid_period, 0}`).
    ZeroPeriod,
}

impl fmt::Display for InvalidSupervisorSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InvalidSupervisorSpec::ZeroPeriod => {
                f.write_str("invalid supervisor spec: the restart period is zero")
            }
        }
    }
}

impl StdError for InvalidSupervisorSpec {}

/// Why a supervisor request failed: the error of every
/// [`SupervisorClient`] method.
///
/// See the example on [`SupervisorClient`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SupervisorError {
    /// `start_child` with the id of a running child (`{:error,
    /// {:already_started, pid}}`); this is the child.
    AlreadyStarted(Pid),
    /// `start_child` with the id of a child whose spec is kept but which is
    /// not running (`{:error, :already_present}`).
    AlreadyPresent,
    /// No child has this id (`{:error, :not_found}`).
    NotFound,
    /// `delete_child` or `restart_child` of a running child (`{:error,
    /// :running}`).
    Running,
    /// `restart_child` or `delete_child` of a child whose restart failed
    /// and is to be tried again (`{:error, :restarting}`): terminate it
    /// first.
    Restarting,
    /// The child is known but not running (its init returned `Ignore`, it
    /// exited and is not restarted, or it was terminated): there is no
    /// server to return.
    NotRunning,
    /// The child is a server of another type than the one asked for.
    WrongType {
        /// The server type the caller expected.
        expected: &'static str,
        /// The child's type.
        found: &'static str,
    },
    /// The child did not start (`{:error, reason}` of `start_child` and
    /// `restart_child`).
    Start(StartError),
    /// The supervisor did not answer.
    Call(CallError),
}

impl fmt::Display for SupervisorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SupervisorError::AlreadyStarted(pid) => {
                write!(f, "already started: a child with this id runs as {pid}")
            }
            SupervisorError::AlreadyPresent => {
                f.write_str("already present: a child with this id is known (not running)")
            }
            SupervisorError::NotFound => f.write_str("no child with this id"),
            SupervisorError::Running => f.write_str("the child is running"),
            SupervisorError::Restarting => {
                f.write_str("the child is restarting: its restart failed and is to be tried again")
            }
            SupervisorError::NotRunning => f.write_str("the child is not running"),
            SupervisorError::WrongType { expected, found } => {
                write!(
                    f,
                    "wrong server type: the child is a {found}, not a {expected}"
                )
            }
            SupervisorError::Start(error) => write!(f, "the child did not start ({error})"),
            SupervisorError::Call(error) => write!(f, "the supervisor did not answer ({error})"),
        }
    }
}

impl StdError for SupervisorError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            SupervisorError::Start(error) => Some(error),
            SupervisorError::Call(error) => Some(error),
            _ => None,
        }
    }
}

impl From<CallError> for SupervisorError {
    fn from(error: CallError) -> Self {
        SupervisorError::Call(error)
    }
}

/// One child, as [`SupervisorClient::which_children`] lists it
/// (`{id, child, type, modules}`).
///
/// See the example on [`SupervisorClient`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ChildInfo {
    /// The child's id.
    pub id: Arc<str>,
    /// The running child, or `None` (`:undefined`) if it is not running.
    pub pid: Option<Pid>,
    /// Whether the child is not running because its restart failed and
    /// is to be tried again (`:restarting`).
    pub restarting: bool,
    /// Worker or supervisor.
    pub child_type: ChildType,
    /// The server type the spec starts (`:modules`; empty for a spec made
    /// with [`ChildSpec::from_fn`]).
    pub server: &'static str,
}

/// The counts [`SupervisorClient::count_children`] returns.
///
/// See the example on [`SupervisorClient`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ChildCount {
    /// Children known, running or not (`:specs`).
    pub specs: usize,
    /// Children running (`:active`).
    pub active: usize,
    /// Children that are supervisors, running or not (`:supervisors`).
    pub supervisors: usize,
    /// Children that are workers, running or not (`:workers`).
    pub workers: usize,
}

/// A supervisor's state: its flags, its children in start order, and the
/// times of its recent restarts. See the [module docs](crate::supervisor).
///
/// # Examples
///
/// ```
/// use genserver::prelude::*;
/// use genserver::{Strategy, Supervisor, SupervisorSpec};
///
/// #[derive(Clone)]
/// struct Worker;
///
/// #[gen_server]
/// impl Worker {
///     #[cast]
///     fn crash(&mut self, ctx: &mut Context<Self>) {
///         ctx.stop(ExitReason::error("bad request"));
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
/// let spec = SupervisorSpec::new(Strategy::OneForOne).child(Worker::child_spec(Worker).id("worker"));
/// let sup = Supervisor::start(spec).await?;
/// let worker = sup.child::<Worker>("worker").await?;
/// worker.crash();
/// worker.exited().await?;
/// // Restarted: a new server, found again through the supervisor.
/// assert_eq!(sup.child::<Worker>("worker").await?.ping().await?, "pong");
/// sup.stop().await?; // children stop in reverse start order
/// # Ok(())
/// # }
/// ```
pub struct Supervisor {
    strategy: Strategy,
    max_restarts: u32,
    period: Duration,
    auto_shutdown: AutoShutdown,
    /// The children, in start order.
    children: Vec<Child>,
    /// Where each child is in `children`, by id (rebuilt when one is
    /// removed): a lookup by id takes constant time, as OTP's map does.
    index: HashMap<Arc<str>, usize>,
    /// The id of each running child, by its server id: how its exit finds
    /// it.
    running: HashMap<ServerId, Arc<str>>,
    restarts: VecDeque<Instant>,
    /// The supervisor itself, uncounted, for links and reports.
    me: Arc<dyn Process>,
}

/// A child: its spec and, while it runs, its pid.
struct Child {
    spec: ChildSpec,
    pid: Option<Pid>,
    /// Its restart failed and a retry is queued (OTP's `restarting`
    /// state): only such children are retried, so one terminated,
    /// restarted or deleted meanwhile is left as it is.
    restarting: bool,
}

impl Child {
    /// A child just started. A temporary child's spec keeps no start
    /// argument: it is never started again.
    fn new(mut spec: ChildSpec, pid: Option<Pid>) -> Self {
        if spec.restart == Restart::Temporary {
            spec.forget_start();
        }
        Child {
            spec,
            pid,
            restarting: false,
        }
    }

    fn info(&self) -> ChildInfo {
        ChildInfo {
            id: Arc::clone(&self.spec.id),
            pid: self.pid.clone(),
            restarting: self.restarting,
            child_type: self.spec.child_type,
            server: self.spec.server(),
        }
    }
}

impl fmt::Debug for Supervisor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Supervisor")
            .field("strategy", &self.strategy)
            .field("max_restarts", &self.max_restarts)
            .field("period", &self.period)
            .field("auto_shutdown", &self.auto_shutdown)
            .field(
                "children",
                &self.children.iter().map(Child::info).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl Supervisor {
    /// Starts a supervisor and its children, in order, each child's `init`
    /// awaited (`Supervisor.start_link/2`).
    ///
    /// See the example on [`Supervisor`].
    ///
    /// # Errors
    ///
    /// [`StartError::Child`] if a child failed to start (the children
    /// already started are stopped first, in reverse order),
    /// [`StartError::DuplicateChild`] if two children share an id, and the
    /// errors of any start.
    pub async fn start(spec: SupervisorSpec) -> Result<ServerRef<Supervisor>, StartError> {
        <Supervisor as GenServer>::start_with(spec, StartOptions::new()).await
    }

    /// A spec that starts this supervisor as a child of another: type
    /// [`ChildType::Supervisor`], shutdown [`Shutdown::Infinity`], id
    /// `"Supervisor"` (set one with [`ChildSpec::id`]).
    ///
    /// See the example on [`ChildType`].
    pub fn child_spec(spec: SupervisorSpec) -> ChildSpec {
        ChildSpec::new::<Supervisor>(spec)
            .id("Supervisor")
            .child_type(ChildType::Supervisor)
    }

    /// The current time on tokio's clock.
    fn now() -> Instant {
        Instant::now()
    }

    /// Records a restart; `false` if it is one too many (the intensity is
    /// exceeded).
    fn add_restart(&mut self) -> bool {
        let now = Self::now();
        self.restarts.push_back(now);
        while let Some(&oldest) = self.restarts.front() {
            if now.duration_since(oldest) > self.period {
                self.restarts.pop_front();
            } else {
                break;
            }
        }
        self.restarts.len() <= self.max_restarts as usize
    }

    /// Starts a child from `spec` (`start_child`), appending it unless it
    /// is a temporary child that was ignored.
    async fn start_new(
        &mut self,
        spec: ChildSpec,
        me: &Arc<dyn Process>,
    ) -> Result<Option<Pid>, SupervisorError> {
        match start_linked(&spec, me).await {
            Ok(pid) => {
                if pid.is_some() || spec.restart != Restart::Temporary {
                    self.push_child(Child::new(spec, pid.clone()));
                }
                Ok(pid)
            }
            Err(error) => Err(SupervisorError::Start(error)),
        }
    }

    /// Whether a significant child that just ended shuts the supervisor
    /// down: any such child for `AnySignificant`; the last one running for
    /// `AllSignificant`.
    fn auto_shuts_down(&self) -> bool {
        match self.auto_shutdown {
            AutoShutdown::Never => false,
            AutoShutdown::AnySignificant => true,
            AutoShutdown::AllSignificant => !self
                .children
                .iter()
                .any(|child| child.spec.significant && child.pid.is_some()),
        }
    }

    fn position(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    /// Appends a child just started (or ignored).
    fn push_child(&mut self, child: Child) {
        if let Some(pid) = &child.pid {
            self.running.insert(pid.id(), Arc::clone(&child.spec.id));
        }
        self.index
            .insert(Arc::clone(&child.spec.id), self.children.len());
        self.children.push(child);
    }

    /// Sets the pid of the child at `index`; returns the one it had.
    fn set_pid(&mut self, index: usize, pid: Option<Pid>) -> Option<Pid> {
        let child = &mut self.children[index];
        let old = std::mem::replace(&mut child.pid, pid);
        if let Some(old) = &old {
            self.running.remove(&old.id());
        }
        if let Some(new) = &child.pid {
            self.running.insert(new.id(), Arc::clone(&child.spec.id));
        }
        old
    }

    /// Removes the child at `index`, which does not run.
    fn remove_at(&mut self, index: usize) {
        self.children.remove(index);
        self.reindex();
    }

    /// Forgets the temporary children that do not run.
    fn forget_stopped_temporaries(&mut self) {
        self.children
            .retain(|child| child.spec.restart != Restart::Temporary || child.pid.is_some());
        self.reindex();
    }

    fn reindex(&mut self) {
        self.index.clear();
        for (at, child) in self.children.iter().enumerate() {
            self.index.insert(Arc::clone(&child.spec.id), at);
        }
    }

    /// Starts the child at `index` and records its pid. A temporary child
    /// that is ignored is forgotten (`Ok(None)` all the same).
    async fn start_at(
        &mut self,
        index: usize,
        me: &Arc<dyn Process>,
    ) -> Result<Option<Pid>, StartError> {
        self.children[index].restarting = false;
        let started = start_linked(&self.children[index].spec, me).await?;
        self.set_pid(index, started.clone());
        Ok(started)
    }

    /// Stops every running child, in reverse start order; temporary ones
    /// are forgotten.
    async fn stop_all(&mut self, me: &Arc<dyn Process>, who: &Who) {
        for index in (0..self.children.len()).rev() {
            self.stop_at(index, me, who).await;
        }
        self.forget_stopped_temporaries();
    }

    /// Stops the child at `index` if it runs (its spec stays).
    async fn stop_at(&mut self, index: usize, me: &Arc<dyn Process>, who: &Who) {
        if let Some(pid) = self.set_pid(index, None) {
            shut_down(&self.children[index].spec, &pid, me, who).await;
        }
    }

    /// A child exited: restart what the strategy says.
    async fn child_exited(&mut self, exit: Exit, ctx: &mut Context<Self>) {
        let Some(from) = exit.from else {
            return;
        };
        // Only the exit of a child as it runs now: a child stopped or
        // restarted since has another pid (or none).
        let Some(index) = self
            .running
            .get(&from)
            .and_then(|id| self.position(id))
            .filter(|&index| {
                self.children[index]
                    .pid
                    .as_ref()
                    .is_some_and(|pid| !pid.is_alive())
            })
        else {
            return;
        };
        let me = Arc::clone(&self.me);
        let who = Who::of(&me);
        self.set_pid(index, None);
        let spec = &self.children[index].spec;
        let reason = exit.reason;
        if reason.is_normal() {
            tracing::debug!(
                supervisor = who.id.as_u64(),
                supervisor_name = who.name.as_deref(),
                child = &*spec.id,
                reason = %reason,
                "supervisor {who}: child {} exited ({reason})",
                spec.id,
            );
        } else {
            tracing::error!(
                supervisor = who.id.as_u64(),
                supervisor_name = who.name.as_deref(),
                child = &*spec.id,
                reason = %reason,
                "supervisor {who}: child {} terminated ({reason})",
                spec.id,
            );
        }
        if !spec.restart.restarts_after(&reason) {
            let significant = spec.significant;
            let id = Arc::clone(&spec.id);
            if spec.restart == Restart::Temporary {
                self.remove_at(index);
            }
            if significant && self.auto_shuts_down() {
                tracing::info!(
                    supervisor = who.id.as_u64(),
                    supervisor_name = who.name.as_deref(),
                    child = &*id,
                    auto_shutdown = ?self.auto_shutdown,
                    "supervisor {who}: significant child {id} ended; shutting down \
                     ({:?})",
                    self.auto_shutdown,
                );
                ctx.stop(ExitReason::Shutdown);
            }
            return;
        }
        let id = Arc::clone(&spec.id);
        if !self.add_restart() {
            self.escalate(&id, ctx, &who);
            return;
        }
        // The children to restart, in start order: stop the others among
        // them in reverse order first.
        let first = match self.strategy {
            Strategy::OneForAll => 0,
            Strategy::OneForOne | Strategy::RestForOne => index,
        };
        let last = match self.strategy {
            Strategy::OneForOne => index,
            Strategy::OneForAll | Strategy::RestForOne => self.children.len() - 1,
        };
        for other in (first..=last).rev() {
            self.stop_at(other, &me, &who).await;
        }
        // Temporary children taken down with the failed one are never
        // restarted: they are forgotten.
        let group: Vec<Arc<str>> = self.children[first..=last]
            .iter()
            .filter(|child| child.spec.restart != Restart::Temporary)
            .map(|child| Arc::clone(&child.spec.id))
            .collect();
        self.forget_stopped_temporaries();
        tracing::info!(
            supervisor = who.id.as_u64(),
            supervisor_name = who.name.as_deref(),
            child = &*id,
            strategy = ?self.strategy,
            "supervisor {who}: restarting {}",
            group.join(", "),
        );
        self.restart_group(group, &me, ctx, &who).await;
    }

    /// Starts the children of `group` (ids, in start order) that are known
    /// and not running. A child that fails to start is marked restarting
    /// (OTP's `{restarting, pid}`) and counts as another restart; the
    /// restart is tried again after the mail already queued (see
    /// [`retry_restart`](Self::retry_restart)): from that child on, or the
    /// whole group under `OneForAll`.
    async fn restart_group(
        &mut self,
        group: Vec<Arc<str>>,
        me: &Arc<dyn Process>,
        ctx: &mut Context<Self>,
        who: &Who,
    ) {
        for (at, id) in group.iter().enumerate() {
            let Some(index) = self.position(id) else {
                continue;
            };
            if self.children[index].pid.is_some() {
                continue;
            }
            match self.start_at(index, me).await {
                Ok(_) => {
                    tracing::debug!(
                        supervisor = who.id.as_u64(),
                        supervisor_name = who.name.as_deref(),
                        child = &**id,
                        "supervisor {who}: child {id} restarted",
                    );
                }
                Err(error) => {
                    tracing::error!(
                        supervisor = who.id.as_u64(),
                        supervisor_name = who.name.as_deref(),
                        child = &**id,
                        error = %error,
                        "supervisor {who}: child {id} failed to restart ({error})",
                    );
                    if self.add_restart() {
                        self.children[index].restarting = true;
                        let failed = Arc::clone(id);
                        let group = match self.strategy {
                            Strategy::OneForAll => group,
                            Strategy::OneForOne | Strategy::RestForOne => group[at..].to_vec(),
                        };
                        // Queued behind what is waiting, as OTP's
                        // `try_again_restart`.
                        let retry = SupervisorInfo(Info::Retry { failed, group });
                        drop(ctx.shared.send(Envelope::Info(retry), false));
                    } else {
                        self.escalate(id, ctx, who);
                    }
                    return;
                }
            }
        }
    }

    /// Tries a failed restart again, as OTP's `try_again_restart`: unless
    /// the child whose start failed was terminated, restarted or deleted
    /// meanwhile (then the rest of its group stays down too). Under
    /// `OneForAll` the children the failed attempt started are stopped
    /// first (in reverse order), so that the whole group starts again in
    /// order.
    async fn retry_restart(&mut self, failed: &str, group: Vec<Arc<str>>, ctx: &mut Context<Self>) {
        let waiting = self
            .position(failed)
            .is_some_and(|index| self.children[index].restarting);
        if !waiting {
            return;
        }
        let me = Arc::clone(&self.me);
        let who = Who::of(&me);
        if self.strategy == Strategy::OneForAll {
            for id in group.iter().rev() {
                if let Some(index) = self.position(id) {
                    self.stop_at(index, &me, &who).await;
                }
            }
        }
        self.restart_group(group, &me, ctx, &who).await;
    }

    /// The restart intensity is exceeded: the supervisor stops (its
    /// `terminate` stops the children) with `Shutdown`, which its parent
    /// sees.
    fn escalate(&self, child: &str, ctx: &mut Context<Self>, who: &Who) {
        tracing::error!(
            supervisor = who.id.as_u64(),
            supervisor_name = who.name.as_deref(),
            child = child,
            max_restarts = self.max_restarts,
            period_ms = u64::try_from(self.period.as_millis()).unwrap_or(u64::MAX),
            "supervisor {who}: reached the maximum restart intensity ({} in {:?}) restarting \
             {child}; shutting down",
            self.max_restarts,
            self.period,
        );
        ctx.stop(ExitReason::Shutdown);
    }

    async fn call(&mut self, request: Request) {
        let me = Arc::clone(&self.me);
        let who = Who::of(&me);
        match request {
            Request::StartChild(spec, reply) => {
                let result = match self.position(&spec.id) {
                    Some(index) => Err(match &self.children[index].pid {
                        Some(pid) => SupervisorError::AlreadyStarted(pid.clone()),
                        None => SupervisorError::AlreadyPresent,
                    }),
                    None => match check_spec(&spec, self.auto_shutdown) {
                        Err(error) => Err(SupervisorError::Start(error)),
                        Ok(()) => self.start_new(spec, &me).await,
                    },
                };
                reply.send(result);
            }
            Request::TerminateChild(id, reply) => {
                let result = match self.position(&id) {
                    None => Err(SupervisorError::NotFound),
                    Some(index) => {
                        self.children[index].restarting = false;
                        self.stop_at(index, &me, &who).await;
                        if self.children[index].spec.restart == Restart::Temporary {
                            self.remove_at(index);
                        }
                        Ok(())
                    }
                };
                reply.send(result);
            }
            Request::RestartChild(id, reply) => {
                let result = match self.position(&id) {
                    None => Err(SupervisorError::NotFound),
                    Some(index) if self.children[index].pid.is_some() => {
                        Err(SupervisorError::Running)
                    }
                    Some(index) if self.children[index].restarting => {
                        Err(SupervisorError::Restarting)
                    }
                    Some(index) => self
                        .start_at(index, &me)
                        .await
                        .map_err(SupervisorError::Start),
                };
                reply.send(result);
            }
            Request::DeleteChild(id, reply) => {
                let result = match self.position(&id) {
                    None => Err(SupervisorError::NotFound),
                    Some(index) if self.children[index].pid.is_some() => {
                        Err(SupervisorError::Running)
                    }
                    Some(index) if self.children[index].restarting => {
                        Err(SupervisorError::Restarting)
                    }
                    Some(index) => {
                        self.remove_at(index);
                        Ok(())
                    }
                };
                reply.send(result);
            }
            Request::WhichChildren(reply) => {
                reply.send(self.children.iter().map(Child::info).collect());
            }
            Request::CountChildren(reply) => {
                let mut count = ChildCount {
                    specs: self.children.len(),
                    ..ChildCount::default()
                };
                for child in &self.children {
                    count.active += usize::from(child.pid.is_some());
                    match child.spec.child_type {
                        ChildType::Worker => count.workers += 1,
                        ChildType::Supervisor => count.supervisors += 1,
                    }
                }
                reply.send(count);
            }
            Request::Child(id, reply) => {
                let result = match self.position(&id) {
                    None => Err(SupervisorError::NotFound),
                    Some(index) => self.children[index]
                        .pid
                        .clone()
                        .ok_or(SupervisorError::NotRunning),
                };
                reply.send(result);
            }
        }
    }
}

/// Who a supervisor is, for its reports.
struct Who {
    id: ServerId,
    name: Option<Arc<str>>,
}

impl Who {
    fn of(me: &Arc<dyn Process>) -> Self {
        Who {
            id: me.id(),
            name: me.name(),
        }
    }
}

impl fmt::Display for Who {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(name) => write!(f, "{}({name})", self.id),
            None => write!(f, "{}", self.id),
        }
    }
}

/// The internal payload of a supervisor's failed init, turned back into
/// the [`StartError`] it carries by [`Supervisor::start_with`].
#[derive(Debug)]
struct FailedStart(StartError);

impl fmt::Display for FailedStart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl StdError for FailedStart {}

/// Refuses a significant child that is permanent, or under a supervisor
/// that never shuts down automatically (OTP's `check_childspecs`).
fn check_spec(spec: &ChildSpec, auto_shutdown: AutoShutdown) -> Result<(), StartError> {
    let error = if !spec.significant {
        return Ok(());
    } else if spec.restart == Restart::Permanent {
        ChildSpecError::SignificantPermanent
    } else if auto_shutdown == AutoShutdown::Never {
        ChildSpecError::SignificantWithoutAutoShutdown
    } else {
        return Ok(());
    };
    Err(StartError::InvalidChild {
        id: Arc::clone(&spec.id),
        error,
    })
}

/// Starts `spec`'s child and links it to the supervisor `me`, which it
/// takes as its parent.
///
/// The start runs in a task of its own, which links the child once it has
/// started: if the supervisor is gone by then (killed while it waited),
/// the child gets the exit signal the link would have given it, so no
/// child outlives a supervisor that started it. A child that exited before
/// the link is reported to the supervisor as an [`Exit`], as if linked.
async fn start_linked(spec: &ChildSpec, me: &Arc<dyn Process>) -> Result<Option<Pid>, StartError> {
    let start = spec.start();
    let me = Arc::clone(me);
    let task = tokio::spawn(async move {
        let started = start.await;
        if let Ok(Some(pid)) = &started {
            let child = pid.process();
            child.set_parent(Some(me.id()));
            if crate::link::link(&me, child).is_err() {
                if let Some(reason) = me.exit_reason() {
                    crate::link::signal(&**child, Some(me.id()), reason);
                } else {
                    let reason = child.exit_reason().unwrap_or(ExitReason::NoProc);
                    me.queue_exit(Exit {
                        from: Some(child.id()),
                        reason,
                    });
                }
            }
        }
        started
    });
    match task.await {
        Ok(started) => started,
        Err(error) => Err(StartError::Init(ExitReason::Panic(
            format!("the child's start panicked: {error}").into(),
        ))),
    }
}

/// Stops a running child as its spec says, and waits until it has exited.
async fn shut_down(spec: &ChildSpec, pid: &Pid, me: &Arc<dyn Process>, who: &Who) {
    // Still linked while it stops: if the supervisor is killed meanwhile
    // (and this future dropped, with the kill that ends the budget), the
    // link takes the child down with it. Its exit is not taken for a
    // failure: the caller has already taken its pid, and `child_exited`
    // only acts on the exit of a child's current pid.
    let expected = match spec.shutdown {
        Shutdown::BrutalKill => {
            // The end this child's spec asks for: not reported.
            pid.process().kill_quietly();
            ExitReason::Killed
        }
        Shutdown::Timeout(budget) => {
            if let Err(StopError::Timeout) = pid.stop_with(ExitReason::Shutdown, budget).await {
                tracing::error!(
                    supervisor = who.id.as_u64(),
                    supervisor_name = who.name.as_deref(),
                    child = &*spec.id,
                    "supervisor {who}: child {} did not stop within {budget:?}; killing it",
                    spec.id,
                );
                // Reported above, as the supervisor's.
                pid.process().kill_quietly();
            }
            ExitReason::Shutdown
        }
        Shutdown::Infinity => {
            let _ = pid.stop_with(ExitReason::Shutdown, Duration::MAX).await;
            ExitReason::Shutdown
        }
    };
    let reason = pid.exited().await;
    crate::link::unlink(&**me, &**pid.process());
    if reason != expected && reason != ExitReason::Killed && !reason.is_normal() {
        tracing::error!(
            supervisor = who.id.as_u64(),
            supervisor_name = who.name.as_deref(),
            child = &*spec.id,
            reason = %reason,
            "supervisor {who}: child {} exited with {reason} while shutting down",
            spec.id,
        );
    }
}

/// A supervisor's call requests; made by the [`SupervisorClient`] methods.
///
/// See the example on [`SupervisorClient`].
pub struct SupervisorCall(Request);

enum Request {
    StartChild(ChildSpec, ReplyTo<Result<Option<Pid>, SupervisorError>>),
    TerminateChild(Arc<str>, ReplyTo<Result<(), SupervisorError>>),
    RestartChild(Arc<str>, ReplyTo<Result<Option<Pid>, SupervisorError>>),
    DeleteChild(Arc<str>, ReplyTo<Result<(), SupervisorError>>),
    WhichChildren(ReplyTo<Vec<ChildInfo>>),
    CountChildren(ReplyTo<ChildCount>),
    Child(Arc<str>, ReplyTo<Result<Pid, SupervisorError>>),
}

impl Message for SupervisorCall {
    fn name(&self) -> &'static str {
        match self.0 {
            Request::StartChild(..) => "StartChild",
            Request::TerminateChild(..) => "TerminateChild",
            Request::RestartChild(..) => "RestartChild",
            Request::DeleteChild(..) => "DeleteChild",
            Request::WhichChildren(..) => "WhichChildren",
            Request::CountChildren(..) => "CountChildren",
            Request::Child(..) => "Child",
        }
    }
}

impl fmt::Debug for SupervisorCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SupervisorCall").field(&self.name()).finish()
    }
}

/// A supervisor's info messages: its children's exits.
///
/// A supervisor handles these itself; see the example on [`Strategy`], where a child's exit reaches its supervisor as one.
pub struct SupervisorInfo(Info);

enum Info {
    Exit(Exit),
    /// A restart tried again: the child whose start failed, and the
    /// children to start (in start order).
    Retry {
        failed: Arc<str>,
        group: Vec<Arc<str>>,
    },
}

impl Message for SupervisorInfo {
    fn name(&self) -> &'static str {
        match self.0 {
            Info::Exit(_) => "Exit",
            Info::Retry { .. } => "Retry",
        }
    }
}

impl fmt::Debug for SupervisorInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SupervisorInfo").field(&self.name()).finish()
    }
}

#[diagnostic::do_not_recommend]
impl HandleInfo<Exit> for Supervisor {
    fn into_info(message: Exit) -> SupervisorInfo {
        SupervisorInfo(Info::Exit(message))
    }
}

/// The client of a supervisor: what a [`ServerRef<Supervisor>`] derefs
/// to, one method per `Supervisor` function.
///
/// # Examples
///
/// ```
/// use genserver::prelude::*;
/// use genserver::supervisor::{ChildCount, SupervisorError};
/// use genserver::{Strategy, Supervisor, SupervisorSpec};
///
/// #[derive(Clone)]
/// struct Worker;
///
/// #[gen_server]
/// impl Worker {}
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), genserver::Error> {
/// let sup = Supervisor::start(SupervisorSpec::new(Strategy::OneForOne)).await?;
/// let pid = sup.start_child(Worker::child_spec(Worker).id("w")).await?.expect("not ignored");
/// match sup.start_child(Worker::child_spec(Worker).id("w")).await {
///     Err(SupervisorError::AlreadyStarted(running)) => assert_eq!(running, pid),
///     other => panic!("{other:?}"),
/// }
/// assert_eq!(sup.child_pid("w").await?, pid);
/// let _worker: ServerRef<Worker> = sup.child("w").await?; // typed
///
/// let children = sup.which_children().await?;
/// assert_eq!((&*children[0].id, children[0].pid.as_ref()), ("w", Some(&pid)));
/// let counts: ChildCount = sup.count_children().await?;
/// assert_eq!((counts.specs, counts.active, counts.workers), (1, 1, 1));
///
/// assert_eq!(sup.delete_child("w").await, Err(SupervisorError::Running));
/// sup.terminate_child("w").await?; // stopped, its spec kept
/// assert_eq!(sup.child_pid("w").await, Err(SupervisorError::NotRunning));
/// let again = sup.restart_child("w").await?.expect("not ignored");
/// assert_ne!(again, pid);
/// sup.terminate_child("w").await?;
/// sup.delete_child("w").await?; // forgotten
/// assert_eq!(sup.restart_child("w").await, Err(SupervisorError::NotFound));
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct SupervisorClient(Handle<Supervisor>);

impl Client<Supervisor> for SupervisorClient {
    fn from_handle(handle: Handle<Supervisor>) -> Self {
        SupervisorClient(handle)
    }

    fn handle(&self) -> &Handle<Supervisor> {
        &self.0
    }
}

impl SupervisorClient {
    /// The handle for requests that wait for children: without a timeout,
    /// unless this client was given one.
    fn waiting(&self) -> Handle<Supervisor> {
        if self.0.explicit_timeout().is_none() {
            self.0.with_timeout(Duration::MAX)
        } else {
            self.0.clone()
        }
    }

    /// Starts a child from `spec` and appends it to the children
    /// (`Supervisor.start_child/2`): `Some(pid)`, or `None` if its init
    /// returned `Ignore` (the spec is kept, unless it is temporary).
    ///
    /// See the example on [`SupervisorClient`].
    ///
    /// # Errors
    ///
    /// [`SupervisorError::AlreadyStarted`] or
    /// [`SupervisorError::AlreadyPresent`] if the id is taken,
    /// [`SupervisorError::Start`] if the child did not start (its spec is
    /// not kept), [`SupervisorError::Call`] if the supervisor did not
    /// answer. Waits as long as the start takes, unless this client has a
    /// timeout of its own (see the [module docs](crate::supervisor#deviations-from-otp)).
    pub async fn start_child(&self, spec: ChildSpec) -> Result<Option<Pid>, SupervisorError> {
        self.waiting()
            .call(|reply| SupervisorCall(Request::StartChild(spec, reply)))
            .await?
    }

    /// Stops the child `id` as its shutdown says
    /// (`Supervisor.terminate_child/2`). Its spec is kept (for
    /// [`restart_child`](Self::restart_child)), except a temporary child's.
    /// Stopping a child that is not running does nothing. Waits as long
    /// as the child's [`Shutdown`] takes, unless this client has a timeout
    /// of its own.
    ///
    /// See the example on [`SupervisorClient`].
    ///
    /// # Errors
    ///
    /// [`SupervisorError::NotFound`], or [`SupervisorError::Call`].
    pub async fn terminate_child(&self, id: &str) -> Result<(), SupervisorError> {
        self.waiting()
            .call(|reply| SupervisorCall(Request::TerminateChild(id.into(), reply)))
            .await?
    }

    /// Starts the child `id` again from its kept spec
    /// (`Supervisor.restart_child/2`).
    ///
    /// See the example on [`SupervisorClient`].
    ///
    /// # Errors
    ///
    /// [`SupervisorError::NotFound`], [`SupervisorError::Running`] if it
    /// runs, [`SupervisorError::Restarting`] if its restart failed and is
    /// to be tried again, [`SupervisorError::Start`], or
    /// [`SupervisorError::Call`].
    pub async fn restart_child(&self, id: &str) -> Result<Option<Pid>, SupervisorError> {
        self.waiting()
            .call(|reply| SupervisorCall(Request::RestartChild(id.into(), reply)))
            .await?
    }

    /// Forgets the spec of the child `id`, which must not be running
    /// (`Supervisor.delete_child/2`).
    ///
    /// See the example on [`SupervisorClient`].
    ///
    /// # Errors
    ///
    /// [`SupervisorError::NotFound`], [`SupervisorError::Running`],
    /// [`SupervisorError::Restarting`], or [`SupervisorError::Call`].
    pub async fn delete_child(&self, id: &str) -> Result<(), SupervisorError> {
        self.waiting()
            .call(|reply| SupervisorCall(Request::DeleteChild(id.into(), reply)))
            .await?
    }

    /// The children, in start order (`Supervisor.which_children/1`).
    ///
    /// See the example on [`SupervisorClient`].
    ///
    /// # Errors
    ///
    /// [`SupervisorError::Call`].
    pub async fn which_children(&self) -> Result<Vec<ChildInfo>, SupervisorError> {
        Ok(self
            .0
            .call(|reply| SupervisorCall(Request::WhichChildren(reply)))
            .await?)
    }

    /// How many children there are (`Supervisor.count_children/1`).
    ///
    /// See the example on [`SupervisorClient`].
    ///
    /// # Errors
    ///
    /// [`SupervisorError::Call`].
    pub async fn count_children(&self) -> Result<ChildCount, SupervisorError> {
        Ok(self
            .0
            .call(|reply| SupervisorCall(Request::CountChildren(reply)))
            .await?)
    }

    /// The child `id` as it runs now, of any type.
    ///
    /// See the example on [`SupervisorClient`].
    ///
    /// # Errors
    ///
    /// [`SupervisorError::NotFound`], [`SupervisorError::NotRunning`], or
    /// [`SupervisorError::Call`].
    pub async fn child_pid(&self, id: &str) -> Result<Pid, SupervisorError> {
        self.0
            .call(|reply| SupervisorCall(Request::Child(id.into(), reply)))
            .await?
    }

    /// The child `id` as it runs now, as a typed reference: the way to
    /// reach a child after a restart (see [Reaching a restarted
    /// child](crate::supervisor#reaching-a-restarted-child)).
    ///
    /// See the examples on [`SupervisorClient`] and [`Supervisor`].
    ///
    /// # Errors
    ///
    /// As [`child_pid`](Self::child_pid), and
    /// [`SupervisorError::WrongType`] if the child is not an `S`.
    pub async fn child<S: GenServer>(&self, id: &str) -> Result<ServerRef<S>, SupervisorError> {
        let pid = self.child_pid(id).await?;
        pid.downcast::<S>()
            .ok_or_else(|| SupervisorError::WrongType {
                expected: std::any::type_name::<S>(),
                found: pid.type_name(),
            })
    }
}

impl GenServer for Supervisor {
    type Arg = SupervisorSpec;
    type Call = SupervisorCall;
    type Cast = std::convert::Infallible;
    type Info = SupervisorInfo;
    type Client = SupervisorClient;

    async fn init(spec: SupervisorSpec, ctx: &mut Context<Self>) -> Init<Self> {
        if spec.max_seconds.is_zero() {
            return Init::Error(ExitReason::error(InvalidSupervisorSpec::ZeroPeriod));
        }
        ctx.trap_exits(true);
        let me = Arc::clone(&ctx.shared) as Arc<dyn Process>;
        let who = Who::of(&me);
        let mut supervisor = Supervisor {
            strategy: spec.strategy,
            max_restarts: spec.max_restarts,
            period: spec.max_seconds,
            auto_shutdown: spec.auto_shutdown,
            children: Vec::with_capacity(spec.children.len()),
            index: HashMap::with_capacity(spec.children.len()),
            running: HashMap::with_capacity(spec.children.len()),
            restarts: VecDeque::new(),
            me: Arc::clone(&me),
        };
        for (at, child) in spec.children.iter().enumerate() {
            if spec.children[..at].iter().any(|other| other.id == child.id) {
                let error = StartError::DuplicateChild(Arc::clone(&child.id));
                return Init::Error(ExitReason::error(FailedStart(error)));
            }
            if let Err(error) = check_spec(child, spec.auto_shutdown) {
                return Init::Error(ExitReason::error(FailedStart(error)));
            }
        }
        for spec in spec.children {
            match start_linked(&spec, &me).await {
                Ok(None) if spec.restart == Restart::Temporary => {}
                Ok(pid) => supervisor.push_child(Child::new(spec, pid)),
                Err(error) => {
                    tracing::error!(
                        supervisor = who.id.as_u64(),
                        supervisor_name = who.name.as_deref(),
                        child = &*spec.id,
                        error = %error,
                        "supervisor {who}: child {} failed to start ({error})",
                        spec.id,
                    );
                    supervisor.stop_all(&me, &who).await;
                    let error = StartError::Child {
                        id: Arc::clone(&spec.id),
                        error: Box::new(error),
                    };
                    return Init::Error(ExitReason::error(FailedStart(error)));
                }
            }
        }
        Init::Ok(supervisor)
    }

    async fn handle_call(&mut self, request: SupervisorCall, _ctx: &mut Context<Self>) {
        self.call(request.0).await;
    }

    async fn handle_info(&mut self, message: SupervisorInfo, ctx: &mut Context<Self>) {
        match message.0 {
            Info::Exit(exit) => self.child_exited(exit, ctx).await,
            Info::Retry { failed, group } => self.retry_restart(&failed, group, ctx).await,
        }
    }

    async fn start_with(
        spec: SupervisorSpec,
        options: StartOptions,
    ) -> Result<ServerRef<Self>, StartError> {
        crate::process::run::start::<Supervisor>(spec, options)
            .await
            .map_err(|error| match error {
                StartError::Init(ExitReason::Error(cause)) => {
                    match cause.downcast_ref::<FailedStart>() {
                        Some(FailedStart(error)) => error.clone(),
                        None => StartError::Init(ExitReason::Error(cause)),
                    }
                }
                other => other,
            })
    }

    fn format_status(&self) -> Option<String> {
        Some(format!("{self:?}"))
    }

    async fn terminate(&mut self, _reason: &ExitReason) {
        let me = Arc::clone(&self.me);
        let who = Who::of(&me);
        self.stop_all(&me, &who).await;
    }
}
