//! A supervisor for children started on demand: Elixir's
//! `DynamicSupervisor` (`start_link/1`, `start_child/2`,
//! `terminate_child/2`, `which_children/1`, `count_children/1`, `stop/3`).
//!
//! A [`DynamicSupervisor`] starts with no children and supervises with the
//! `:one_for_one` strategy only: when a child exits it is restarted (or not)
//! per its own [`Restart`], and no other child is touched.
//! Children are added one at a time with
//! [`start_child`](DynamicSupervisorClient::start_child), which waits for the
//! child's init and gives back its typed [`ServerRef`].
//!
//! ```
//! use genserver::prelude::*;
//! use genserver::{ChildSpec, DynamicSupervisor};
//! use genserver::dynamic_supervisor::Options;
//!
//! struct TodoList {
//!     entries: Vec<String>,
//! }
//!
//! #[gen_server]
//! impl TodoList {
//!     #[init]
//!     fn init(_name: String) -> Self {
//!         TodoList { entries: Vec::new() }
//!     }
//!
//!     #[cast]
//!     fn add(&mut self, entry: String) {
//!         self.entries.push(entry);
//!     }
//!
//!     #[call]
//!     fn entries(&self) -> Vec<String> {
//!         self.entries.clone()
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let cache = DynamicSupervisor::start(Options::new().max_children(1000)).await?;
//! // `DynamicSupervisor.start_child(cache, {Todo.Server, "bob"})`
//! let bob: ServerRef<TodoList> = cache
//!     .start_child(ChildSpec::new::<TodoList>("bob".to_string()))
//!     .await?;
//! bob.add("dentist".into());
//! assert_eq!(bob.entries().await?, vec!["dentist".to_string()]);
//! assert_eq!(cache.count_children().await?.active, 1);
//! // Stops every child, all at once, then the supervisor.
//! cache.stop().await?;
//! assert!(!bob.is_alive());
//! # Ok(())
//! # }
//! ```
//!
//! # What it does, in OTP's terms
//!
//! * **Starting a child** blocks the supervisor until the child's init
//!   returns, as in OTP. An init that returns
//!   [`Init::Ignore`](crate::Init::Ignore) adds no child
//!   ([`StartChildError::Ignored`], Elixir's `:ignore`); a failing init is
//!   [`StartChildError::Start`] with the [`StartError`]; a full supervisor
//!   is [`StartChildError::MaxChildren`] (`{:error, :max_children}`).
//! * **A significant child** is refused
//!   ([`StartError::InvalidChild`], OTP's `{:invalid_significant, true}`): a
//!   dynamic supervisor has no automatic shutdown for its end to set off.
//! * **A child's exit** reaches the supervisor as a trapped exit signal. A
//!   child whose [`Restart`] says so is restarted at once;
//!   every restart counts against the intensity (`max_restarts` within
//!   `max_seconds`, 3 in 5 s by default, on tokio's clock). Past it the
//!   supervisor stops all its children and exits with
//!   [`ExitReason::Shutdown`], which its own parent sees (escalation).
//! * **A restart whose start fails** leaves the child *restarting*: it
//!   still counts toward `max_children`, shows in
//!   [`which_children`](DynamicSupervisorClient::which_children) without a
//!   pid, and is retried through a message the supervisor sends itself, so
//!   calls queued meanwhile are served between tries. Every try counts
//!   against the intensity, so a child that cannot start ends in escalation.
//!   [`terminate_child`](DynamicSupervisorClient::terminate_child) of the
//!   server that exited removes it and ends the retries, as in OTP.
//!   A restart whose init returns `Ignore` drops the child.
//! * **Its own shutdown** (stop, its parent's exit, escalation) stops all
//!   children **concurrently**, each per its [`Shutdown`]:
//!   `BrutalKill` kills it, `Timeout(t)` stops it and kills it if it has
//!   not exited within `t` (each child when its own budget runs out),
//!   `Infinity` waits. The whole takes as long as the slowest child: the
//!   supervisor waits once for all of them, not for each in turn. A
//!   supervisor killed meanwhile (or during
//!   `terminate_child`) kills at once the `Timeout` children it was waiting
//!   for, since none is left to kill them after their budget.
//! * Every restart, escalation and crash of a child, every child killed
//!   when its shutdown budget ran out, and every child that ended otherwise
//!   than stopped or killed while shutting down (OTP's `shutdown_error`), is
//!   reported through `tracing`, with the supervisor's id (and name) and
//!   the child.
//!
//! # Where this differs from OTP
//!
//! * **Typed children.** `start_child` returns a [`ServerRef<S>`]: the type
//!   is inferred from where the reference goes, or given with
//!   `start_child::<S>(spec)`. A spec that starts a server of another type
//!   is refused before it starts ([`StartChildError::WrongType`]); a spec
//!   made with [`ChildSpec::from_fn`], whose type is only known once it
//!   runs, is checked then, and a child of the wrong type is stopped again.
//!   [`start_child_pid`](DynamicSupervisorClient::start_child_pid) is the
//!   untyped form.
//! * **`extra_arguments`**: n/a, because a child's start is a closure that
//!   already owns its argument, not a module and an argument list to
//!   prepend to. Capture the shared value in the spec instead:
//!   `ChildSpec::new::<S>((shared.clone(), arg))`.
//! * **Shutdown runs `terminate`.** OTP sends each child an exit signal
//!   `shutdown`, so only children that trap exits run `terminate`; here each
//!   child is stopped in order and its `terminate` runs within its shutdown
//!   budget, since a Rust server's cleanup lives there. The child then exits
//!   with the supervisor's reason (or a panic's, if its `terminate`
//!   panics): it cannot answer the shutdown with a reason of its own, as an
//!   OTP child trapping the exit can (`exit({:shutdown, :oops})`).
//! * **Links.** The supervisor is linked to its children as OTP's is: a
//!   child's exit reaches it as an exit signal, and if the supervisor is
//!   killed every child gets the exit signal (a child that traps exits then
//!   runs `terminate`, as with its parent's `EXIT`). A child in its init
//!   when its supervisor is killed goes too: a spec made from the server
//!   type ([`ChildSpec::new`], the macro's `child_spec`) is started in the
//!   supervisor's handler and its child killed if that start is dropped, as
//!   `proc_lib:start_link`'s link would; a [`ChildSpec::from_fn`] closure
//!   runs in a task of its own, so that a panic in it is the start's error,
//!   and a child whose init ends after its supervisor was killed gets that
//!   exit signal. The supervisor's side
//!   of these links lives in its child table, not in the per-process list
//!   that [`Context::link`] uses, so that a supervisor of 100 000 children
//!   adds, finds and removes one in constant time.
//! * `start_child` and `terminate_child` wait as long as the supervisor
//!   takes (`:infinity`), as in OTP: a child's init is bounded by its own
//!   start timeout, a stop by its shutdown.
//! * Child ids are ignored, as in OTP ([`ChildInfo`] has none).

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use crate::child_spec::{
    ChildSpec, ChildSpecError, ChildType, Restart, Shutdown, shutdown_child, shutdown_children,
};
use crate::error::{CallError, ExitReason, StartError};
use crate::link::Exit;
use crate::process::context::Context;
use crate::process::handle::{Process, ServerId, ServerRef};
use crate::process::mailbox::{HookKey, Shared};
use crate::registry::Pid;
use crate::server::GenServer;

/// How a [`DynamicSupervisor`] is configured: Elixir's `DynamicSupervisor`
/// start options (`:max_children`, `:max_restarts`, `:max_seconds`;
/// `:strategy` is always `:one_for_one`).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use genserver::prelude::*;
/// use genserver::dynamic_supervisor::{Options, StartChildError};
/// use genserver::{ChildSpec, DynamicSupervisor};
///
/// #[derive(Clone)]
/// struct Conn;
///
/// #[gen_server]
/// impl Conn {}
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), genserver::Error> {
/// let options = Options::new()
///     .max_children(2)
///     .max_restarts(10)
///     .max_seconds(Duration::from_secs(60));
/// assert_eq!((options.max_children, options.max_restarts), (Some(2), 10));
/// let pool = DynamicSupervisor::start(options).await?;
/// for _ in 0..2 {
///     pool.start_child_pid(ChildSpec::new::<Conn>(Conn)).await?;
/// }
/// match pool.start_child_pid(ChildSpec::new::<Conn>(Conn)).await {
///     Err(StartChildError::MaxChildren) => {} // {:error, :max_children}
///     other => panic!("{other:?}"),
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// At most this many children, running or restarting (`None`:
    /// `:infinity`, the default).
    pub max_children: Option<usize>,
    /// At most this many restarts within [`max_seconds`](Options::max_seconds)
    /// (default 3; 0 means any restart shuts the supervisor down).
    pub max_restarts: u32,
    /// The window of the restart intensity (default 5 s). Must not be
    /// zero, as in OTP: a supervisor started with a zero window fails its
    /// init ([`StartError::Init`]).
    pub max_seconds: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_children: None,
            max_restarts: 3,
            max_seconds: Duration::from_secs(5),
        }
    }
}

impl Options {
    /// The defaults: no limit on children, 3 restarts in 5 s.
    ///
    /// See the example on [`Options`].
    pub fn new() -> Self {
        Options::default()
    }

    /// Sets `max_children`.
    ///
    /// See the example on [`Options`].
    #[must_use]
    pub fn max_children(mut self, max: usize) -> Self {
        self.max_children = Some(max);
        self
    }

    /// Sets `max_restarts`.
    ///
    /// See the example on [`Options`].
    #[must_use]
    pub fn max_restarts(mut self, max: u32) -> Self {
        self.max_restarts = max;
        self
    }

    /// Sets `max_seconds`; it must be greater than zero (a zero window
    /// makes the supervisor's start fail with [`StartError::Init`]).
    ///
    /// See the example on [`Options`].
    #[must_use]
    pub fn max_seconds(mut self, window: Duration) -> Self {
        self.max_seconds = window;
        self
    }
}

/// Why [`start_child`](DynamicSupervisorClient::start_child) gave no child.
///
/// # Examples
///
/// ```
/// use genserver::prelude::*;
/// use genserver::dynamic_supervisor::{Options, StartChildError};
/// use genserver::{ChildSpec, DynamicSupervisor};
///
/// struct Job;
///
/// #[gen_server]
/// impl Job {
///     #[init]
///     fn init(size: u32) -> Init<Self> {
///         match size {
///             0 => Init::Ignore,
///             1..=10 => Init::Ok(Job),
///             _ => Init::Error(ExitReason::error("too big")),
///         }
///     }
/// }
///
/// struct Other;
///
/// #[gen_server]
/// impl Other {}
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), genserver::Error> {
/// let jobs = DynamicSupervisor::start(Options::new()).await?;
/// let _job: ServerRef<Job> = jobs.start_child(ChildSpec::new::<Job>(1)).await?;
/// let ignored = jobs.start_child::<Job>(ChildSpec::new::<Job>(0)).await;
/// assert!(matches!(ignored, Err(StartChildError::Ignored)));
/// match jobs.start_child::<Job>(ChildSpec::new::<Job>(11)).await {
///     Err(StartChildError::Start(StartError::Init(reason))) => {
///         assert_eq!(reason, ExitReason::error("too big"));
///     }
///     other => panic!("{other:?}"),
/// }
/// let mismatched = jobs.start_child::<Other>(ChildSpec::new::<Job>(1)).await;
/// assert!(matches!(mismatched, Err(StartChildError::WrongType { .. })));
/// assert_eq!(jobs.count_children().await?.active, 1);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum StartChildError {
    /// The child's init returned [`Init::Ignore`](crate::Init::Ignore)
    /// (`:ignore`): no child was added.
    Ignored,
    /// The child did not start (`{:error, reason}`): its init failed,
    /// panicked or timed out, or its name was taken; or the spec was
    /// refused ([`StartError::InvalidChild`]: a significant child, which a
    /// dynamic supervisor, having no automatic shutdown, does not take).
    Start(StartError),
    /// The supervisor has `max_children` children already
    /// (`{:error, :max_children}`).
    MaxChildren,
    /// The spec starts a server of another type than the one asked for.
    WrongType {
        /// The type asked for.
        expected: &'static str,
        /// The type the spec starts.
        found: &'static str,
    },
    /// The supervisor could not be asked (it is not running, or exited
    /// meanwhile).
    Supervisor(CallError),
}

impl fmt::Display for StartChildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartChildError::Ignored => f.write_str("the child's init returned Init::Ignore"),
            StartChildError::Start(error) => write!(f, "the child did not start: {error}"),
            StartChildError::MaxChildren => {
                f.write_str("the supervisor has max_children children already")
            }
            StartChildError::WrongType { expected, found } => {
                write!(f, "the spec starts a {found}, not a {expected}")
            }
            StartChildError::Supervisor(error) => write!(f, "supervisor unavailable: {error}"),
        }
    }
}

impl std::error::Error for StartChildError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StartChildError::Start(error) => Some(error),
            StartChildError::Supervisor(error) => Some(error),
            _ => None,
        }
    }
}

impl From<CallError> for StartChildError {
    fn from(error: CallError) -> Self {
        StartChildError::Supervisor(error)
    }
}

/// Why [`terminate_child`](DynamicSupervisorClient::terminate_child) did
/// not stop a child.
///
/// # Examples
///
/// ```
/// use genserver::prelude::*;
/// use genserver::dynamic_supervisor::{Options, TerminateChildError};
/// use genserver::DynamicSupervisor;
///
/// struct Stranger;
///
/// #[gen_server]
/// impl Stranger {}
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), genserver::Error> {
/// let sup = DynamicSupervisor::start(Options::new()).await?;
/// let stranger = Stranger::start(Stranger).await?; // not started by `sup`
/// assert_eq!(sup.terminate_child(&stranger).await, Err(TerminateChildError::NotFound));
/// sup.stop().await?;
/// let gone = sup.terminate_child(&stranger).await;
/// assert_eq!(gone, Err(TerminateChildError::Supervisor(CallError::NoProc)));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum TerminateChildError {
    /// The server is not a child of this supervisor (`{:error, :not_found}`).
    NotFound,
    /// The supervisor could not be asked.
    Supervisor(CallError),
}

impl fmt::Display for TerminateChildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TerminateChildError::NotFound => f.write_str("not a child of this supervisor"),
            TerminateChildError::Supervisor(error) => {
                write!(f, "supervisor unavailable: {error}")
            }
        }
    }
}

impl std::error::Error for TerminateChildError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TerminateChildError::NotFound => None,
            TerminateChildError::Supervisor(error) => Some(error),
        }
    }
}

impl From<CallError> for TerminateChildError {
    fn from(error: CallError) -> Self {
        TerminateChildError::Supervisor(error)
    }
}

/// One child, as [`which_children`](DynamicSupervisorClient::which_children)
/// lists it: Elixir's `{:undefined, pid | :restarting, type, modules}`.
///
/// See the example on [`DynamicSupervisor`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ChildInfo {
    /// The running child, or `None` while it is being restarted
    /// (`:restarting`).
    pub pid: Option<Pid>,
    /// Worker or supervisor.
    pub child_type: ChildType,
    /// The child's restart value.
    pub restart: Restart,
    /// The server type the spec starts (empty for a spec made with
    /// [`ChildSpec::from_fn`]); Elixir's `modules`.
    pub server: &'static str,
}

/// What [`count_children`](DynamicSupervisorClient::count_children) gives:
/// Elixir's `%{specs:, active:, supervisors:, workers:}`.
///
/// See the examples on [`DynamicSupervisor`] and [`StartChildError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Counts {
    /// All children, running or restarting.
    pub specs: usize,
    /// The children that are running.
    pub active: usize,
    /// The children that are supervisors.
    pub supervisors: usize,
    /// The children that are workers.
    pub workers: usize,
}

/// A child the supervisor tried to restart and could not, to be tried again.
///
/// A dynamic supervisor sends it to itself; see the example on [`DynamicSupervisor`] for the API it serves.
#[derive(Debug)]
pub struct RetryRestart(ServerId);

/// The child table's hasher. Its keys are server ids: u64s handed out by a
/// counter, never chosen by a client, so SipHash's defence
/// against chosen keys buys nothing here, and one multiplication (Fibonacci
/// hashing, as FxHash does) spreads consecutive ids over the table's
/// buckets and control bytes alike.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.write_u64(u64::from(byte));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

/// A map keyed by server id (see [`IdHasher`]).
type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;

/// One running child.
struct Child {
    pid: Pid,
    spec: ChildSpec,
}

/// The supervisor; see the [module docs](crate::dynamic_supervisor).
///
/// Start it with `DynamicSupervisor::start(Options::new())` (or
/// `start_with(options, StartOptions::new().name("cache"))` to reach it by
/// name); its [`ServerRef`] dereferences to [`DynamicSupervisorClient`],
/// whose methods are the supervisor's API. As a child of another
/// supervisor: `ChildSpec::new::<DynamicSupervisor>(options)
/// .child_type(ChildType::Supervisor)`.
///
/// # Examples
///
/// ```
/// use genserver::prelude::*;
/// use genserver::dynamic_supervisor::Options;
/// use genserver::{ChildSpec, DynamicSupervisor, Restart};
///
/// #[derive(Clone)]
/// struct Session(String);
///
/// #[gen_server]
/// impl Session {
///     #[call]
///     fn user(&self) -> String {
///         self.0.clone()
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), genserver::Error> {
/// let sessions = DynamicSupervisor::start(Options::new()).await?;
/// let ann: ServerRef<Session> = sessions
///     .start_child(ChildSpec::new::<Session>(Session("ann".into())))
///     .await?;
/// assert_eq!(ann.user().await?, "ann");
/// assert_eq!(sessions.count_children().await?.active, 1);
/// let children = sessions.which_children().await?;
/// assert_eq!(children[0].pid, Some(ann.pid()));
/// assert_eq!(children[0].restart, Restart::Permanent);
/// sessions.terminate_child(&ann).await?;
/// assert!(sessions.which_children().await?.is_empty());
/// # Ok(())
/// # }
/// ```
pub struct DynamicSupervisor {
    options: Options,
    /// The running children, by server id.
    children: IdMap<ServerId, Child>,
    /// The children being stopped (out of the table, unlinked), with their
    /// shutdown: `Drop` kills those it would have killed after their
    /// budget, should the supervisor be killed while it waits for them.
    /// One, or all: the supervisor waits for them in the handler that
    /// stops them.
    stopping: Vec<(Pid, Shutdown)>,
    /// The children whose restart failed, to be retried, by the id of the
    /// server that exited: `terminate_child` takes that id to stop the
    /// retries, as OTP keys a restarting child by its last pid.
    restarting: IdMap<ServerId, ChildSpec>,
    /// When the recent restarts happened (within `max_seconds`).
    restarts: VecDeque<tokio::time::Instant>,
    /// This server, uncounted (the children's side of their links).
    me: Arc<Shared<DynamicSupervisor>>,
    /// The child a start task has started and this supervisor has not yet
    /// taken into its table; shared with that task.
    starting: Arc<Mutex<Starting>>,
}

/// Between a child's start task and its supervisor: the child started and
/// not yet in the table, which the supervisor's `Drop` signals, or the
/// supervisor's end, after which the task signals a child it starts. So no
/// child outlives a supervisor killed while the child was in its init.
#[derive(Default)]
struct Starting {
    /// The supervisor is gone, with this reason.
    gone: Option<ExitReason>,
    /// The child started, not yet in the table.
    started: Option<Pid>,
}

/// Locks `starting` (a panic elsewhere leaves it consistent).
fn lock(starting: &Mutex<Starting>) -> MutexGuard<'_, Starting> {
    starting.lock().unwrap_or_else(PoisonError::into_inner)
}

#[crate::gen_server(crate = "crate", type = supervisor)]
impl DynamicSupervisor {
    #[init]
    fn init(options: Options, ctx: &mut Context<Self>) -> crate::Init<Self> {
        if options.max_seconds.is_zero() {
            // OTP rejects a zero period: every earlier restart would fall
            // outside the window, so a crashing child would restart forever.
            return crate::Init::Error(ExitReason::error(
                "invalid dynamic supervisor options: max_seconds must be greater than zero",
            ));
        }
        ctx.trap_exits(true);
        crate::Init::Ok(DynamicSupervisor {
            options,
            children: IdMap::default(),
            stopping: Vec::new(),
            restarting: IdMap::default(),
            restarts: VecDeque::new(),
            me: Arc::clone(&ctx.shared),
            starting: Arc::default(),
        })
    }

    /// Starts a child and waits for its init; the untyped form of
    /// [`start_child`](DynamicSupervisorClient::start_child).
    #[call]
    async fn start_child_erased(
        &mut self,
        spec: ChildSpec,
        expected: Option<&'static str>,
    ) -> Result<Pid, StartChildError> {
        if let Some(expected) = expected {
            let found = spec.server();
            if !found.is_empty() && found != expected {
                return Err(StartChildError::WrongType { expected, found });
            }
        }
        if spec.significant {
            // As OTP's (`{:invalid_significant, true}`): a dynamic supervisor
            // has no automatic shutdown for a significant child's end to set off.
            return Err(StartChildError::Start(StartError::InvalidChild {
                id: Arc::clone(&spec.id),
                error: ChildSpecError::SignificantWithoutAutoShutdown,
            }));
        }
        if self
            .options
            .max_children
            .is_some_and(|max| self.children.len() + self.restarting.len() >= max)
        {
            return Err(StartChildError::MaxChildren);
        }
        match self.start_one(&spec).await {
            Ok(Some(pid)) => {
                if let Some(expected) = expected {
                    if pid.type_name() != expected {
                        // Left in `starting` meanwhile, for `Drop`.
                        shutdown_child(
                            pid.clone(),
                            spec.shutdown,
                            self.me.id,
                            self.me.name().as_deref(),
                        )
                        .await;
                        lock(&self.starting).started = None;
                        return Err(StartChildError::WrongType {
                            expected,
                            found: pid.type_name(),
                        });
                    }
                }
                lock(&self.starting).started = None;
                self.attach(pid.clone(), spec);
                Ok(pid)
            }
            Ok(None) | Err(StartError::Ignored) => Err(StartChildError::Ignored),
            Err(error) => Err(StartChildError::Start(error)),
        }
    }

    /// Stops a child per its shutdown and forgets it.
    #[call]
    async fn terminate_child_erased(&mut self, id: ServerId) -> Result<(), TerminateChildError> {
        let Some(child) = self.children.remove(&id) else {
            // A child being restarted is known by the pid it had.
            return self
                .restarting
                .remove(&id)
                .map(drop)
                .ok_or(TerminateChildError::NotFound);
        };
        self.stopping.push((child.pid, child.spec.shutdown));
        self.stop_stopping().await;
        Ok(())
    }

    /// Lists the children (`which_children/1`), in no particular order.
    ///
    /// See the example on [`DynamicSupervisor`].
    #[call]
    pub fn which_children(&self) -> Vec<ChildInfo> {
        let info = |pid: Option<&Pid>, spec: &ChildSpec| ChildInfo {
            pid: pid.cloned(),
            child_type: spec.child_type,
            restart: spec.restart,
            server: spec.server(),
        };
        self.children
            .values()
            .map(|child| info(Some(&child.pid), &child.spec))
            .chain(self.restarting.values().map(|spec| info(None, spec)))
            .collect()
    }

    /// Counts the children (`count_children/1`).
    ///
    /// See the example on [`DynamicSupervisor`].
    #[call]
    pub fn count_children(&self) -> Counts {
        let mut counts = Counts {
            specs: self.children.len() + self.restarting.len(),
            active: self.children.len(),
            ..Counts::default()
        };
        let specs = self
            .children
            .values()
            .map(|child| &child.spec)
            .chain(self.restarting.values());
        for spec in specs {
            match spec.child_type {
                ChildType::Worker => counts.workers += 1,
                ChildType::Supervisor => counts.supervisors += 1,
            }
        }
        counts
    }

    /// A child exited (or another linked process: ignored, as OTP does).
    #[info]
    async fn child_exited(&mut self, exit: Exit, ctx: &mut Context<Self>) {
        // Only a child that has exited: a live child that sends the
        // supervisor an exit signal itself (`ctx.exit(&sup, ..)`, a message
        // since the supervisor traps exits) is still running and supervised.
        let Some(from) = exit
            .from
            .filter(|from| self.children.get(from).is_some_and(|c| !c.pid.is_alive()))
        else {
            return;
        };
        let Some(child) = self.children.remove(&from) else {
            return;
        };
        let restart = child.spec.restart.restarts_after(&exit.reason);
        if !exit.reason.is_normal() {
            tracing::error!(
                supervisor = self.me.id.as_u64(),
                supervisor_name = self.me.name().as_deref(),
                child = %child.pid,
                reason = %exit.reason,
                "child {} of dynamic supervisor {} exited: {}",
                child.pid,
                self.me.id,
                exit.reason,
            );
        }
        if restart {
            self.restart(from, child.spec, ctx).await;
        }
    }

    /// Tries again to restart a child whose restart failed.
    #[info]
    async fn retry_restart(&mut self, retry: RetryRestart, ctx: &mut Context<Self>) {
        if let Some(spec) = self.restarting.remove(&retry.0) {
            self.restart(retry.0, spec, ctx).await;
        }
    }

    /// Stops every child, all at once.
    #[terminate]
    async fn terminate(&mut self) {
        self.shutdown().await;
    }
}

impl DynamicSupervisor {
    /// Supervises a child just started: links it (its side holds the hook
    /// that tells the supervisor of its exit) and makes this its parent. A
    /// child that exited already is handled as its exit would be.
    fn attach(&mut self, pid: Pid, mut spec: ChildSpec) {
        if spec.restart == Restart::Temporary {
            // Never started again: its start argument is not kept.
            spec.forget_start();
        }
        let me = Arc::clone(&self.me);
        let process = pid.process();
        process.set_parent(Some(me.id));
        let id = pid.id();
        let hook: crate::process::mailbox::ExitHook = Box::new(move |from, reason| {
            me.queue_exit(Exit {
                from: Some(from),
                reason: reason.clone(),
            });
        });
        let exited = process.add_hook(HookKey::Link(self.me.id), hook).is_err();
        self.children.insert(id, Child { pid, spec });
        if exited {
            let reason = self.children[&id]
                .pid
                .process()
                .exit_reason()
                .unwrap_or(ExitReason::NoProc);
            self.me.queue_exit(Exit {
                from: Some(id),
                reason,
            });
        }
    }

    /// Counts a restart against the intensity; whether it is within it.
    fn allow_restart(&mut self) -> bool {
        let now = tokio::time::Instant::now();
        while self
            .restarts
            .front()
            .is_some_and(|&at| now.duration_since(at) >= self.options.max_seconds)
        {
            self.restarts.pop_front();
        }
        self.restarts.push_back(now);
        self.restarts.len() <= self.options.max_restarts as usize
    }

    /// Restarts a child (`exited` is the server that exited, by which a
    /// failed restart is known until it succeeds), or escalates if that is
    /// one restart too many.
    async fn restart(&mut self, exited: ServerId, spec: ChildSpec, ctx: &mut Context<Self>) {
        if !self.allow_restart() {
            tracing::error!(
                supervisor = self.me.id.as_u64(),
                supervisor_name = self.me.name().as_deref(),
                max_restarts = self.options.max_restarts,
                max_seconds = ?self.options.max_seconds,
                "dynamic supervisor {} reached its maximum restart intensity; shutting down",
                self.me.id,
            );
            self.shutdown().await;
            ctx.stop(ExitReason::Shutdown);
            return;
        }
        match self.start_one(&spec).await {
            Ok(Some(pid)) => {
                tracing::info!(
                    supervisor = self.me.id.as_u64(),
                    supervisor_name = self.me.name().as_deref(),
                    child = %pid,
                    "dynamic supervisor {} restarted a child as {}",
                    self.me.id,
                    pid,
                );
                lock(&self.starting).started = None;
                self.attach(pid, spec);
            }
            Ok(None) | Err(StartError::Ignored) => {}
            Err(error) => {
                tracing::error!(
                    supervisor = self.me.id.as_u64(),
                    supervisor_name = self.me.name().as_deref(),
                    server = spec.server(),
                    %error,
                    "dynamic supervisor {} could not restart a child ({}); trying again",
                    self.me.id,
                    error,
                );
                self.restarting.insert(exited, spec);
                ctx.server_ref().send(RetryRestart(exited));
            }
        }
    }

    /// Stops every child per its shutdown, all at once, and forgets the
    /// children being restarted.
    async fn shutdown(&mut self) {
        self.restarting.clear();
        self.stopping.extend(
            self.children
                .drain()
                .map(|(_, child)| (child.pid, child.spec.shutdown)),
        );
        self.stop_stopping().await;
    }

    /// Stops the children in `stopping`, each per its shutdown, and forgets
    /// them once they have all exited. Each is unlinked as it is stopped, so
    /// that its exit is neither taken for a failure nor sent back as a
    /// message.
    async fn stop_stopping(&mut self) {
        let name = self.me.name();
        shutdown_children(
            &self.stopping,
            Some(HookKey::Link(self.me.id)),
            self.me.id,
            name.as_deref(),
        )
        .await;
        self.stopping.clear();
    }
}

impl DynamicSupervisor {
    /// Starts a child and waits for its init: here, in the supervisor's
    /// handler, for a spec made from the server type (nothing of the
    /// user's runs in its start but init, which runs in the child's own
    /// task; if the supervisor is killed while it waits, the child is
    /// killed with it); in a task of its own for a `from_fn` closure.
    async fn start_one(&self, spec: &ChildSpec) -> Result<Option<Pid>, StartError> {
        match spec.start_supervised() {
            Some(start) => start.await,
            None => start_in_task(spec, self.me.id, &self.starting).await,
        }
    }
}

/// Runs a child's start in a task of its own, so that a panic in it is the
/// start's error ([`StartError::Init`] with [`ExitReason::Panic`]), not the
/// supervisor's crash.
///
/// The task outlives a supervisor killed while it waits: the child it then
/// starts gets the exit signal its link would have given (see
/// [`Starting`]); otherwise it is left in `starting` for the supervisor to
/// take into its table.
async fn start_in_task(
    spec: &ChildSpec,
    me: ServerId,
    starting: &Arc<Mutex<Starting>>,
) -> Result<Option<Pid>, StartError> {
    let start = spec.start();
    let starting = Arc::clone(starting);
    let task = tokio::spawn(async move {
        let started = start.await;
        if let Ok(Some(pid)) = &started {
            let mut slot = lock(&starting);
            if let Some(reason) = &slot.gone {
                crate::link::signal(&**pid.process(), Some(me), reason.clone());
            } else {
                slot.started = Some(pid.clone());
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

impl fmt::Debug for DynamicSupervisor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DynamicSupervisor")
            .field("options", &self.options)
            .field("children", &self.children.len())
            .field("restarting", &self.restarting.len())
            .finish_non_exhaustive()
    }
}

/// A supervisor that ends without `terminate` (killed) passes the exit on
/// to its children, as its links would.
impl Drop for DynamicSupervisor {
    fn drop(&mut self) {
        let me = self.me.id;
        let reason = self.me.exit_reason().unwrap_or(ExitReason::Killed);
        {
            let mut slot = lock(&self.starting);
            slot.gone = Some(reason.clone());
            if let Some(pid) = slot.started.take() {
                crate::link::signal(&**pid.process(), Some(me), reason.clone());
            }
        }
        // Killed while stopping children: none is left to wait for its
        // budget, so a child that would be killed after it is killed now.
        // One stopped with `Infinity` was asked to stop and is left to.
        for (pid, shutdown) in self.stopping.drain(..) {
            if !matches!(shutdown, Shutdown::Infinity) {
                pid.kill();
            }
        }
        for (_, child) in self.children.drain() {
            let process = child.pid.process();
            if process.remove_hook(HookKey::Link(me)) {
                crate::link::signal(&**process, Some(me), reason.clone());
            }
        }
    }
}

impl DynamicSupervisorClient {
    /// Starts a child under the supervisor and waits for its init
    /// (`DynamicSupervisor.start_child/2`); gives its typed reference.
    ///
    /// `S` is usually inferred (`let list: ServerRef<TodoList> = ...`);
    /// otherwise write `start_child::<TodoList>(spec)`. Waits as long as the
    /// child's start takes (OTP's `:infinity`).
    ///
    /// See the examples on [`DynamicSupervisor`] and [`StartChildError`].
    pub async fn start_child<S: GenServer>(
        &self,
        spec: ChildSpec,
    ) -> Result<ServerRef<S>, StartChildError> {
        let expected = std::any::type_name::<S>();
        let pid = self
            .forever()
            .start_child_erased(spec, Some(expected))
            .await??;
        pid.downcast().ok_or(StartChildError::WrongType {
            expected,
            found: pid.type_name(),
        })
    }

    /// Starts a child of any type and waits for its init; gives its [`Pid`].
    ///
    /// See the example on [`Options`].
    pub async fn start_child_pid(&self, spec: ChildSpec) -> Result<Pid, StartChildError> {
        self.forever().start_child_erased(spec, None).await?
    }

    /// Stops a child per its shutdown and removes it
    /// (`DynamicSupervisor.terminate_child/2`); waits until it has exited.
    /// A child whose restart failed and is being retried is known by the
    /// server that exited: terminating that one removes the child and ends
    /// the retries.
    /// `child` is its [`Pid`] or `&ServerRef`.
    ///
    /// See the examples on [`DynamicSupervisor`] and [`TerminateChildError`].
    pub async fn terminate_child(&self, child: impl Into<Pid>) -> Result<(), TerminateChildError> {
        let id = child.into().id();
        self.forever().terminate_child_erased(id).await?
    }

    /// This client without a call timeout.
    fn forever(&self) -> Self {
        DynamicSupervisorClient {
            handle: self.handle.with_timeout(Duration::MAX),
        }
    }
}
