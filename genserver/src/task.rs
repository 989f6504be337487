//! Tasks: a piece of async work run as a process (Elixir's `Task` and
//! `Task.Supervisor.async_nolink`).
//!
//! A [`Task`] is a server that runs one future and then exits: `Normal`
//! when the future is done (or the reason it returns, see [`TaskExit`]),
//! [`ExitReason::Panic`] with the panic's message if it panics. Being a
//! server, it has what every server has: links, monitors, a [`Pid`], and
//! a place under a supervisor.
//!
//! * **A supervised task**: [`Task::child_spec`] makes a child of a plain
//!   `async` closure (Elixir's `{Task, fn -> ... end}` child).
//! * **Work off a server's loop**: [`async_nolink`] runs a future in a task
//!   monitored (not linked) by the calling server, which gets the result as
//!   a [`TaskResult`] info message, or the crash as a [`Down`] of the
//!   task's monitor (Elixir's `Task.Supervisor.async_nolink` pattern;
//!   pitfall 18).
//! * **Fire and forget**: [`Task::start`] (`Task.start/1`).
//!
//! | Elixir | genserver |
//! |---|---|
//! | `Task.start(fun)` | [`Task::start`] |
//! | `Task.start_link(fun)` | [`Task::start`], then [`Context::link`] from a server, or [`Task::child_spec`] under a supervisor |
//! | `Task.child_spec(fun)` / `{Task, fun}` | [`Task::child_spec`] (restart **transient**, Elixir's is temporary; an id of its own, `"Task#n"`, Elixir's is `Task`) |
//! | `Task.Supervisor.async_nolink(sup, fun)` in a GenServer | [`async_nolink(ctx, future)`](async_nolink) (the task is monitored by the server; no `Task.Supervisor` needed) |
//! | `handle_info({ref, result}, state)` + `Process.demonitor(ref, [:flush])` | an `#[info]` handler for [`TaskResult<T>`]; the demonitor is done for you |
//! | `handle_info({:DOWN, ref, :process, _, reason}, state)` | an `#[info]` handler for [`Down`], `down.monitor == task.monitor_ref()` |
//! | `Task.shutdown(task, :brutal_kill)` | [`TaskRef::shutdown`] |
//! | `Task.ignore(task)` | drop the [`TaskRef`]: the task runs on, its result still arrives |
//! | `Task.async(fun)` + `Task.await(task, timeout)` | n/a: awaiting blocks the caller, which pitfall 18 warns against in a server; outside one, a plain future or `tokio::spawn` does it |
//! | `Task.yield(task, timeout)` | n/a, as `Task.await` |
//!
//! Where this deviates from Elixir:
//!
//! * [`Task::child_spec`] restarts **transient** (after a crash only),
//!   where Elixir's `Task` child spec is `restart: :temporary`: a
//!   supervised task here is usually a long-running loop that should come
//!   back if it crashes, and a task that finishes its work exits `Normal`,
//!   so it is not restarted either way. Set
//!   [`.restart(Restart::Temporary)`](ChildSpec::restart) for Elixir's.
//! * The future runs in a tokio task of its own, which the task server
//!   owns, so the server still reads its mailbox while the work runs: a
//!   stop (a supervisor's shutdown) ends the work at once (it is dropped
//!   at its next `.await`) instead of waiting for it.
//!
//! ```
//! use genserver::prelude::*;
//! use genserver::task::{self, TaskResult};
//! use genserver::Down;
//!
//! #[derive(Default)]
//! struct Crawler {
//!     pages: Vec<usize>,
//! }
//!
//! #[gen_server]
//! impl Crawler {
//!     /// Fetches in the background: the server keeps serving meanwhile.
//!     #[cast]
//!     fn fetch(&mut self, url: String, ctx: &mut Context<Self>) {
//!         let _ = task::async_nolink(ctx, async move { url.len() });
//!     }
//!
//!     #[info]
//!     fn fetched(&mut self, done: TaskResult<usize>) {
//!         self.pages.push(done.result);
//!     }
//!
//!     #[info]
//!     fn failed(&mut self, down: Down) {
//!         eprintln!("fetch {:?} crashed: {}", down.monitor, down.reason);
//!     }
//!
//!     #[call]
//!     fn pages(&self) -> Vec<usize> {
//!         self.pages.clone()
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let crawler = Crawler::start(Crawler::default()).await?;
//! crawler.fetch("https://example.com".into());
//! # for _ in 0..100 { if !crawler.pages().await?.is_empty() { break } tokio::task::yield_now().await; }
//! assert_eq!(crawler.pages().await?, vec![19]);
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::child_spec::{ChildSpec, Restart};
use crate::error::{ExitReason, StartError};
use crate::monitor::{Down, MonitorRef};
use crate::process::context::Context;
use crate::process::handle::{Handle, ServerId, ServerRef};
use crate::process::run::StartOptions;
use crate::registry::Pid;
use crate::server::{Client, GenServer, HandleInfo, Init, Message};

/// The work a task runs: its exit reason when done.
type Work = Pin<Box<dyn Future<Output = ExitReason> + Send>>;

/// What a task's future may return: how the task exits once it is done.
///
/// `()` exits `Normal`; `Ok(())` exits `Normal` and `Err(e)` exits with
/// [`ExitReason::Error`] (so `?` works in a task's body, and a transient
/// task whose work failed is restarted); an [`ExitReason`] is the reason
/// itself.
///
/// See the example on [`Task`].
pub trait TaskExit: Send + 'static {
    /// The reason the task exits with.
    ///
    /// See the example on [`Task`].
    fn into_exit_reason(self) -> ExitReason;
}

impl TaskExit for () {
    fn into_exit_reason(self) -> ExitReason {
        ExitReason::Normal
    }
}

impl TaskExit for ExitReason {
    fn into_exit_reason(self) -> ExitReason {
        self
    }
}

impl<E> TaskExit for Result<(), E>
where
    E: Into<Box<dyn std::error::Error + Send + Sync>> + Send + 'static,
{
    fn into_exit_reason(self) -> ExitReason {
        match self {
            Ok(()) => ExitReason::Normal,
            Err(error) => ExitReason::error(error),
        }
    }
}

/// A task: a server that runs one future, then exits. See the [module
/// docs](crate::task).
///
/// # Examples
///
/// ```
/// use genserver::prelude::*;
/// use genserver::task::Task;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), genserver::Error> {
/// let ok = Task::start(async { Ok::<(), String>(()) }).await?;
/// assert_eq!(ok.exited().await?, ExitReason::Normal);
/// let failed = Task::start(async { Err::<(), _>("no network") }).await?;
/// assert_eq!(failed.exited().await?.to_string(), "error: no network");
/// let reason = Task::start(async { ExitReason::shutdown_with("done") }).await?;
/// assert_eq!(reason.exited().await?, ExitReason::shutdown_with("done"));
/// # Ok(())
/// # }
/// ```
pub struct Task {
    /// The tokio task running the work, aborted when the server ends
    /// before the work does.
    work: Option<tokio::task::AbortHandle>,
}

impl Drop for Task {
    fn drop(&mut self) {
        if let Some(work) = self.work.take() {
            work.abort();
        }
    }
}

impl fmt::Debug for Task {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Task").finish_non_exhaustive()
    }
}

impl Task {
    /// Starts a task running `work`, linked to nothing (`Task.start/1`),
    /// and returns once it runs. The task exits when `work` is done: see
    /// [`TaskExit`] for the reason.
    ///
    /// See the example on [`Task`].
    ///
    /// # Errors
    ///
    /// [`StartError::NoRuntime`] outside a tokio runtime.
    pub async fn start<Fut>(work: Fut) -> Result<ServerRef<Task>, StartError>
    where
        Fut: Future + Send + 'static,
        Fut::Output: TaskExit,
    {
        Task::start_with(work, StartOptions::new()).await
    }

    /// [`start`](Task::start) with start options (a name).
    ///
    /// # Examples
    ///
    /// ```
    /// use genserver::prelude::*;
    /// use genserver::registry;
    /// use genserver::task::Task;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), genserver::Error> {
    /// let poller = Task::start_with(std::future::pending::<()>(), StartOptions::new().name("poller")).await?;
    /// assert_eq!(registry::whereis::<Task>("poller")?.id(), poller.id());
    /// poller.stop().await?; // the work is dropped
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`start`](crate::start).
    pub async fn start_with<Fut>(
        work: Fut,
        options: StartOptions,
    ) -> Result<ServerRef<Task>, StartError>
    where
        Fut: Future + Send + 'static,
        Fut::Output: TaskExit,
    {
        // The work waits until `start` has seen the task running: a task
        // done before that would look like one whose init failed.
        let (gate, gated) = tokio::sync::oneshot::channel::<()>();
        let work = Box::pin(async move {
            match gated.await {
                Ok(()) => work.await.into_exit_reason(),
                Err(_) => ExitReason::Normal,
            }
        });
        let task = crate::process::start::<Task>(TaskArg(work), options).await?;
        let _ = gate.send(());
        Ok(task)
    }

    /// A child spec that runs the future `work()` makes, as a task
    /// (`Task.child_spec/1`): restart **transient** (Elixir's is
    /// temporary: see the [module docs](crate::task)), the worker defaults
    /// otherwise.
    ///
    /// Its id is `"Task#n"`, with an `n` of its own for each spec made
    /// (clones share it), so that several tasks go under one supervisor
    /// without clashing; Elixir's is the module name `Task`, which makes a
    /// second task's start fail until it is given an id. Set an
    /// [`id`](ChildSpec::id) of your own to find the task again by it
    /// (`terminate_child`, `restart_child`, a typed lookup).
    ///
    /// A supervisor calls `work` again for each restart, which is why it is
    /// a closure that makes the future (`|| async { ... }`), and an `Fn`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use genserver::prelude::*;
    /// use genserver::task::Task;
    /// use genserver::{Strategy, Supervisor, SupervisorSpec};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), genserver::Error> {
    /// let warm_up = Task::child_spec(|| async {
    ///     tokio::time::sleep(Duration::from_secs(1)).await; // e.g. fill a cache
    /// })
    /// .id("warm_up");
    /// let sup = Supervisor::start(SupervisorSpec::new(Strategy::OneForOne).child(warm_up)).await?;
    /// let task = sup.child::<Task>("warm_up").await?;
    /// assert_eq!(task.exited().await?, ExitReason::Normal);
    /// // Done, so not restarted (transient): its spec stays, without a server.
    /// assert_eq!(sup.count_children().await?.active, 0);
    /// # Ok(())
    /// # }
    /// ```
    pub fn child_spec<F, Fut>(work: F) -> ChildSpec
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future + Send + 'static,
        Fut::Output: TaskExit,
    {
        static IDS: AtomicU64 = AtomicU64::new(1);
        let work = Arc::new(work);
        let id = format!("Task#{}", IDS.fetch_add(1, Ordering::Relaxed));
        ChildSpec::from_fn(id, move || {
            let work = Arc::clone(&work);
            async move {
                let task = Task::start(work()).await?;
                Ok(Some(Pid::from(task)))
            }
        })
        .server_type::<Task>()
        .restart(Restart::Transient)
    }
}

/// Runs `work` to its exit reason, turning a panic into [`ExitReason::Panic`].
async fn caught(mut work: Work) -> ExitReason {
    std::future::poll_fn(|cx| crate::process::run::poll_caught(std::pin::Pin::new(&mut work), cx))
        .await
        .unwrap_or_else(|panic| panic)
}

/// The argument a task starts with: its work.
///
/// See the example on [`Task`].
pub struct TaskArg(Work);

impl fmt::Debug for TaskArg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TaskArg")
    }
}

/// The message a task's work sends its server when it is done: the
/// task's info message. Only this module makes one.
///
/// See the example on [`Task`].
pub struct WorkDone(ExitReason);

impl fmt::Debug for WorkDone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("WorkDone").field(&self.0).finish()
    }
}

impl Message for WorkDone {
    fn name(&self) -> &'static str {
        "WorkDone"
    }
}

#[diagnostic::do_not_recommend]
impl HandleInfo<WorkDone> for Task {
    fn into_info(message: WorkDone) -> WorkDone {
        message
    }
}

/// The client of a [`Task`]: a task takes no requests; stop it, link to it
/// or monitor it through its [`ServerRef`] or [`Pid`].
///
/// See the example on [`Task`].
#[derive(Clone, Debug)]
pub struct TaskClient(Handle<Task>);

impl Client<Task> for TaskClient {
    fn from_handle(handle: Handle<Task>) -> Self {
        TaskClient(handle)
    }

    fn handle(&self) -> &Handle<Task> {
        &self.0
    }
}

impl GenServer for Task {
    type Arg = TaskArg;
    type Call = std::convert::Infallible;
    type Cast = std::convert::Infallible;
    type Info = WorkDone;
    type Client = TaskClient;

    async fn init(arg: TaskArg, ctx: &mut Context<Self>) -> Init<Self> {
        match Task::init_now(arg, ctx) {
            Ok(init) => init,
            // `init_now` takes every argument.
            Err(_) => Init::Stop(ExitReason::error("a task's init was refused")),
        }
    }

    fn init_now(TaskArg(work): TaskArg, ctx: &mut Context<Self>) -> Result<Init<Self>, TaskArg> {
        // The work holds a reference to its server, so the server lives
        // until the work is done, whoever else holds one.
        let server = ctx.server_ref();
        let work = tokio::spawn(async move {
            let reason = caught(work).await;
            server.send(WorkDone(reason));
        });
        Ok(Init::Ok(Task {
            work: Some(work.abort_handle()),
        }))
    }

    fn handle_info_now(
        &mut self,
        WorkDone(reason): WorkDone,
        ctx: &mut Context<Self>,
    ) -> Result<(), WorkDone> {
        self.work = None;
        ctx.stop(reason);
        Ok(())
    }
}

/// The result of a task started with [`async_nolink`], as an info message
/// for the server that started it (Elixir's `{ref, result}`).
///
/// By the time it is handled, the task's monitor is removed (Elixir's
/// `Process.demonitor(ref, [:flush])`): no [`Down`] of the task follows.
///
/// See the example on [`async_nolink`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct TaskResult<T> {
    /// The task's monitor: the [`TaskRef::monitor_ref`] of the task that
    /// produced this result.
    pub monitor: MonitorRef,
    /// What the task's future returned.
    pub result: T,
}

/// A task started with [`async_nolink`]: tells its [`TaskResult`] and its
/// [`Down`] apart from other tasks'.
///
/// See the examples on [`async_nolink`] and [`TaskRef::shutdown`].
#[derive(Clone, Debug)]
pub struct TaskRef {
    monitor: MonitorRef,
    pid: Pid,
}

impl TaskRef {
    /// The monitor the calling server holds on the task: the `monitor` of
    /// its [`TaskResult`] or of its [`Down`].
    ///
    /// See the example on [`async_nolink`].
    pub fn monitor_ref(&self) -> MonitorRef {
        self.monitor
    }

    /// The task server's id.
    ///
    /// See the example on [`shutdown`](TaskRef::shutdown).
    pub fn id(&self) -> ServerId {
        self.pid.id()
    }

    /// The task server.
    ///
    /// See the example on [`shutdown`](TaskRef::shutdown).
    pub fn pid(&self) -> &Pid {
        &self.pid
    }

    /// Stops the task at once (`Task.shutdown(task, :brutal_kill)`) and
    /// removes its monitor: neither its result nor a `Down` of it reaches
    /// the server after this, even one already in the mailbox. Returns
    /// whether the task's monitor was still set (`false`: its result or
    /// its `Down` was handled already).
    ///
    /// # Examples
    ///
    /// A search that a newer one replaces:
    ///
    /// ```
    /// use genserver::prelude::*;
    /// use genserver::task::{self, TaskRef, TaskResult};
    /// use genserver::Down;
    ///
    /// #[derive(Default)]
    /// struct Searcher {
    ///     current: Option<TaskRef>,
    /// }
    ///
    /// #[gen_server]
    /// impl Searcher {
    ///     /// Starts a search, cancelling the one running; the new task.
    ///     #[call]
    ///     fn search(&mut self, ctx: &mut Context<Self>) -> Result<Pid, StartError> {
    ///         if let Some(previous) = self.current.take() {
    ///             previous.shutdown(ctx); // no result nor `Down` of it will come
    ///         }
    ///         let task = task::async_nolink(ctx, std::future::pending::<u32>())?;
    ///         assert_eq!(task.id(), task.pid().id());
    ///         let pid = task.pid().clone();
    ///         self.current = Some(task);
    ///         Ok(pid)
    ///     }
    ///
    ///     #[info]
    ///     fn found(&mut self, _: TaskResult<u32>) {}
    ///
    ///     #[info]
    ///     fn down(&mut self, _: Down) {}
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), genserver::Error> {
    /// let searcher = Searcher::start(Searcher::default()).await?;
    /// let first = searcher.search().await??;
    /// let second = searcher.search().await??;
    /// assert_eq!(first.exited().await, ExitReason::Killed);
    /// assert!(second.is_alive());
    /// # Ok(())
    /// # }
    /// ```
    pub fn shutdown<S>(self, ctx: &mut Context<S>) -> bool
    where
        S: GenServer,
    {
        let pending = ctx.demonitor(self.monitor);
        // Killed as asked (`:brutal_kill`): not reported.
        self.pid.process().kill_quietly();
        pending
    }
}

/// Runs `work` in a new [`Task`] monitored by the calling server, which
/// gets the outcome as an info message (Elixir's
/// `Task.Supervisor.async_nolink/2` from a GenServer, and pitfall 18):
///
/// * the result, as a [`TaskResult<T>`], if the future completes (the
///   monitor is removed: no `Down` follows);
/// * a [`Down`] with the task's [`monitor_ref`](TaskRef::monitor_ref) and
///   the reason, if the task panicked or was stopped or killed.
///
/// The task is not linked: its crash does not take the server down, and
/// the server's exit does not stop the task (which then runs to its end,
/// its result going nowhere). The server must have `#[info]` handlers for
/// both `TaskResult<T>` and `Down` (the bounds make a missing one a compile
/// error). Use it from a handler (it does not wait): answer a caller later
/// with a [`ReplyTo`](crate::ReplyTo) kept in the state, and never await
/// the work in the handler.
///
/// # Errors
///
/// [`StartError::NoRuntime`] outside a tokio runtime.
///
/// # Examples
///
/// Calls answered when their task is done, while the server serves on:
///
/// ```
/// use std::collections::HashMap;
/// use genserver::prelude::*;
/// use genserver::task::{self, TaskResult};
/// use genserver::{Down, MonitorRef};
///
/// #[derive(Default)]
/// struct Resolver {
///     waiting: HashMap<MonitorRef, ReplyTo<Result<usize, String>>>,
/// }
///
/// #[gen_server]
/// impl Resolver {
///     #[call]
///     fn resolve(&mut self, host: String, reply: ReplyTo<Result<usize, String>>, ctx: &mut Context<Self>) {
///         let work = async move {
///             assert!(!host.is_empty(), "empty host"); // a crash reaches the server as a `Down`
///             host.len() // e.g. a DNS lookup
///         };
///         match task::async_nolink(ctx, work) {
///             Ok(task) => {
///                 self.waiting.insert(task.monitor_ref(), reply);
///             }
///             Err(error) => reply.send(Err(error.to_string())),
///         }
///     }
///
///     /// handle_info({ref, result}, state)
///     #[info]
///     fn resolved(&mut self, done: TaskResult<usize>) {
///         if let Some(reply) = self.waiting.remove(&done.monitor) {
///             reply.send(Ok(done.result));
///         }
///     }
///
///     /// handle_info({:DOWN, ref, :process, pid, reason}, state)
///     #[info]
///     fn crashed(&mut self, down: Down) {
///         if let Some(reply) = self.waiting.remove(&down.monitor) {
///             reply.send(Err(down.reason.to_string()));
///         }
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), genserver::Error> {
/// let resolver = Resolver::start(Resolver::default()).await?;
/// assert_eq!(resolver.resolve("example.com".into()).await?, Ok(11));
/// assert_eq!(resolver.resolve(String::new()).await?, Err("panicked: empty host".into()));
/// # Ok(())
/// # }
/// ```
pub fn async_nolink<S, T, Fut>(ctx: &mut Context<S>, work: Fut) -> Result<TaskRef, StartError>
where
    S: HandleInfo<TaskResult<T>> + HandleInfo<Down>,
    T: Send + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    // The work waits for its monitor: it is set up after the task starts,
    // and a task done before it would report `NoProc` instead of its
    // result or its crash.
    let (gate, gated) = tokio::sync::oneshot::channel::<MonitorRef>();
    let caller = Arc::clone(&ctx.shared);
    let task = crate::process::spawn::<Task>(TaskArg(Box::pin(async move {
        let Ok(monitor) = gated.await else {
            return ExitReason::Normal;
        };
        let result = work.await;
        // Runs in the caller: the result is handled only while the monitor
        // is set (not after `TaskRef::shutdown`), and removes it, so the
        // `Down` that follows the task's exit is dropped.
        let _ = caller.send_signal(Box::new(move |_, ctx: &mut Context<S>| {
            ctx.demonitor(monitor).then(|| {
                <S as HandleInfo<TaskResult<T>>>::into_info(TaskResult { monitor, result })
            })
        }));
        ExitReason::Normal
    })))?;
    let monitor = ctx.monitor(&task);
    let _ = gate.send(monitor);
    Ok(TaskRef {
        monitor,
        pid: Pid::from(task),
    })
}
