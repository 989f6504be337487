//! Links, exit signals and trapping exits: Erlang's `link/1`, `unlink/1`,
//! `exit/2` and `process_flag(trap_exit, true)`.
//!
//! A link ties two processes' lives together, both ways. When one exits,
//! the other gets an *exit signal* carrying the reason, and:
//!
//! | the signal's reason | the other does not trap exits | it traps exits |
//! |---|---|---|
//! | [`Normal`](ExitReason::Normal) | nothing happens | gets [`Exit`] as an info message |
//! | anything else, `Shutdown` and `Killed` included | exits at once with that reason, without `terminate` | gets [`Exit`] as an info message |
//! | [`kill`](crate::ServerRef::kill) (sent with `exit/2`, never by a link) | exits at once with [`Killed`](ExitReason::Killed) | exits at once with `Killed` |
//!
//! That is GENSERVER.md's exit-reason table: a linked process that does not
//! trap dies with the same reason, `normal` is ignored, and `kill` cannot
//! be trapped. A server that traps exits writes an `#[info]` handler for
//! [`Exit`] and calls [`Context::trap_exits`] (usually in `init`); the
//! bound on `trap_exits` makes a trapping server without that handler a
//! compile error, where Erlang would log the unexpected message.
//!
//! ```
//! use genserver::prelude::*;
//! use genserver::Exit;
//!
//! struct Guardian {
//!     seen: Vec<ExitReason>,
//! }
//!
//! #[gen_server]
//! impl Guardian {
//!     #[init]
//!     fn init((): (), ctx: &mut Context<Self>) -> Self {
//!         ctx.trap_exits(true);
//!         Guardian { seen: Vec::new() }
//!     }
//!
//!     /// A linked process exited.
//!     #[info]
//!     fn exit(&mut self, exit: Exit) {
//!         self.seen.push(exit.reason);
//!     }
//!
//!     /// Links to `other`.
//!     #[call]
//!     fn watch(&mut self, other: ServerRef<Worker>, ctx: &mut Context<Self>) -> bool {
//!         ctx.link(&other).is_ok()
//!     }
//!
//!     #[call]
//!     fn seen(&self) -> Vec<ExitReason> {
//!         self.seen.clone()
//!     }
//! }
//!
//! struct Worker;
//!
//! #[gen_server]
//! impl Worker {
//!     #[cast]
//!     fn crash(&mut self) {
//!         panic!("boom");
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let guardian = Guardian::start(()).await?;
//! let worker = Worker::start(Worker).await?;
//! assert!(guardian.watch(worker.clone()).await?);
//! worker.crash();
//! assert_eq!(worker.exited().await?, ExitReason::Panic("boom".into()));
//! assert_eq!(guardian.seen().await?, vec![ExitReason::Panic("boom".into())]);
//! # Ok(())
//! # }
//! ```
//!
//! Links keep the processes they join alive: a linked server does not end
//! when the last [`ServerRef`] to it is dropped, as an Erlang process lives
//! on whoever holds its pid.
//!
//! A plain task takes part through a [`TaskLink`] (see [`ServerRef::link`]).

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::Notify;

use crate::error::ExitReason;
use crate::process::context::Context;
use crate::process::handle::{AnyHandle, Process, ServerId, ServerRef};
use crate::process::mailbox::{ExitHook, HookKey};
use crate::server::{GenServer, HandleInfo};

/// An exit signal, as a server that traps exits receives it: Erlang's
/// `{:EXIT, pid, reason}` message.
///
/// # Examples
///
/// ```
/// use genserver::prelude::*;
/// use genserver::Exit;
///
/// #[derive(Default)]
/// struct Parent {
///     exits: Vec<String>,
/// }
///
/// #[gen_server]
/// impl Parent {
///     #[init]
///     fn init(state: Parent, ctx: &mut Context<Self>) -> Self {
///         ctx.trap_exits(true); // Process.flag(:trap_exit, true)
///         state
///     }
///
///     /// Starts a child linked to this server.
///     #[call]
///     async fn start_child(&mut self, ctx: &mut Context<Self>) -> Result<ServerRef<Child>, StartError> {
///         ctx.start_link::<Child>(Child).await
///     }
///
///     /// handle_info({:EXIT, pid, reason}, state)
///     #[info]
///     fn exit(&mut self, exit: Exit) {
///         self.exits.push(exit.reason.to_string());
///     }
///
///     #[call]
///     fn exits(&self) -> Vec<String> {
///         self.exits.clone()
///     }
/// }
///
/// struct Child;
///
/// #[gen_server]
/// impl Child {}
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), genserver::Error> {
/// let parent = Parent::start(Parent::default()).await?;
/// let child = parent.start_child().await??;
/// child.exit(ExitReason::error("gave up")); // Process.exit(child, reason)
/// child.exited().await?;
/// assert_eq!(parent.exits().await?, ["error: gave up"]);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Exit {
    /// Who sent it: the linked server or task that exited, or the sender of
    /// [`ServerRef::exit`] (`None` when that was not a server).
    pub from: Option<ServerId>,
    /// Why.
    pub reason: ExitReason,
}

/// Why a link could not be made.
///
/// # Examples
///
/// ```
/// use genserver::prelude::*;
/// use genserver::LinkError;
///
/// struct Server;
///
/// #[gen_server]
/// impl Server {}
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), genserver::Error> {
/// let server = Server::start(Server).await?;
/// server.stop().await?;
/// assert!(matches!(server.link(), Err(LinkError::NoProc)));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LinkError {
    /// The server is not running (`:noproc`).
    NoProc,
}

impl fmt::Display for LinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LinkError::NoProc => {
                f.write_str("no such process: cannot link to a server that is not running")
            }
        }
    }
}

impl std::error::Error for LinkError {}

impl<S: GenServer> Context<S> {
    /// Traps exits (`Process.flag(:trap_exit, true)`): exit signals from
    /// linked processes and from [`ServerRef::exit`] arrive as [`Exit`]
    /// info messages instead of ending the server. Only a kill
    /// ([`ServerRef::kill`]) still ends it. `false` turns it off again.
    ///
    /// See the examples on [`Exit`] and [`spawn_link`](Context::spawn_link).
    pub fn trap_exits(&mut self, on: bool)
    where
        S: HandleInfo<Exit>,
    {
        self.extra().trap = on.then_some(S::into_info as fn(Exit) -> S::Info);
        self.shared.set_trapping(on);
    }

    /// Whether this server traps exits.
    ///
    /// See the example on [`spawn_link`](Context::spawn_link).
    pub fn traps_exits(&self) -> bool {
        self.shared.traps_exits()
    }

    /// Links this server to `other` (`Process.link/1`): from now on, when
    /// either exits, the other gets an exit signal (see the [module
    /// docs](crate::link)). Linking twice is linking once; linking to
    /// yourself does nothing.
    ///
    /// See the example in the [module docs](crate::link).
    pub fn link<T: GenServer>(&mut self, other: &ServerRef<T>) -> Result<(), LinkError> {
        let me: Arc<dyn Process> = Arc::clone(&self.shared) as Arc<dyn Process>;
        let other: Arc<dyn Process> = Arc::clone(other.handle().shared_arc()) as Arc<dyn Process>;
        link(&me, &other)
    }

    /// Starts a server linked to this one and waits for its `init`
    /// (`GenServer.start_link/3` called from a server).
    ///
    /// The link covers the child's life once its `init` has succeeded:
    /// from then on, when either exits, the other gets the exit signal. A
    /// failing `init` is reported through the returned [`StartError`]
    /// only. (OTP links before `init` runs, so a crashing `init` also kills
    /// a parent that does not trap exits; here the caller learns of it as a
    /// value instead, which is why it gets no signal.)
    ///
    /// [`StartError`]: crate::StartError
    ///
    /// See the example on [`Exit`].
    pub async fn start_link<T: GenServer>(
        &mut self,
        arg: T::Arg,
    ) -> Result<ServerRef<T>, crate::StartError> {
        let child = crate::process::start::<T>(arg, crate::StartOptions::new()).await?;
        self.link_child(&child);
        Ok(child)
    }

    /// Starts a server linked to this one without waiting for its `init`
    /// (`spawn_link`): unlike [`start_link`](Context::start_link), a failing
    /// `init` reaches this server as an exit signal, since nobody waits for
    /// it. Usable in a plain `fn` callback, `init` included.
    ///
    /// # Examples
    ///
    /// A pool that starts its workers linked, traps their exits, lets one
    /// go ([`unlink`](Context::unlink)) and ends another
    /// ([`exit`](Context::exit)):
    ///
    /// ```
    /// use genserver::prelude::*;
    /// use genserver::Exit;
    ///
    /// struct Worker;
    ///
    /// #[gen_server]
    /// impl Worker {}
    ///
    /// struct Pool {
    ///     workers: Vec<ServerRef<Worker>>,
    ///     exits: Vec<ExitReason>,
    /// }
    ///
    /// #[gen_server]
    /// impl Pool {
    ///     #[init]
    ///     fn init(size: usize, ctx: &mut Context<Self>) -> Result<Self, StartError> {
    ///         ctx.trap_exits(true);
    ///         assert!(ctx.traps_exits());
    ///         let workers = (0..size)
    ///             .map(|_| ctx.spawn_link::<Worker>(Worker))
    ///             .collect::<Result<_, _>>()?;
    ///         Ok(Pool { workers, exits: Vec::new() })
    ///     }
    ///
    ///     /// Lets the last worker go: its exit no longer reaches the pool.
    ///     #[call]
    ///     fn release(&mut self, ctx: &mut Context<Self>) -> Option<ServerRef<Worker>> {
    ///         let worker = self.workers.pop()?;
    ///         ctx.unlink(&worker);
    ///         Some(worker)
    ///     }
    ///
    ///     /// Ends the first worker with an exit signal (`Process.exit(pid, reason)`).
    ///     #[call]
    ///     fn retire(&mut self, ctx: &mut Context<Self>) -> ServerRef<Worker> {
    ///         let worker = self.workers.remove(0);
    ///         ctx.exit(&worker, ExitReason::shutdown_with("retired"));
    ///         worker
    ///     }
    ///
    ///     #[info]
    ///     fn exit(&mut self, exit: Exit) {
    ///         self.exits.push(exit.reason);
    ///     }
    ///
    ///     #[call]
    ///     fn exits(&self) -> Vec<ExitReason> {
    ///         self.exits.clone()
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), genserver::Error> {
    /// let pool = Pool::start(3).await?;
    /// let released = pool.release().await?.expect("a worker");
    /// released.kill(); // unlinked: the pool is not told
    /// released.exited().await?;
    /// let retired = pool.retire().await?;
    /// assert_eq!(retired.exited().await?, ExitReason::shutdown_with("retired"));
    /// assert_eq!(pool.exits().await?, [ExitReason::shutdown_with("retired")]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn spawn_link<T: GenServer>(
        &mut self,
        arg: T::Arg,
    ) -> Result<ServerRef<T>, crate::StartError> {
        let child = crate::process::spawn::<T>(arg)?;
        self.link_child(&child);
        Ok(child)
    }

    /// Links a child just started. If it exited already, it is too late to
    /// link, but not to be told: the exit signal is delivered as the link
    /// would have.
    fn link_child<T: GenServer>(&mut self, child: &ServerRef<T>) {
        Process::set_parent(&**child.handle().shared_arc(), Some(self.id()));
        if let Err(LinkError::NoProc) = self.link(child) {
            let reason = child
                .handle()
                .shared()
                .exit_reason()
                .unwrap_or(ExitReason::NoProc);
            self.signal_self(Some(child.id()), reason);
        }
    }

    /// Removes the link to `other` (`Process.unlink/1`), if there is one.
    ///
    /// See the example on [`spawn_link`](Context::spawn_link).
    pub fn unlink<T: GenServer>(&mut self, other: &ServerRef<T>) {
        let other: Arc<dyn Process> = Arc::clone(other.handle().shared_arc()) as Arc<dyn Process>;
        unlink(&*self.shared, &*other);
    }

    /// Sends `other` an exit signal from this server (`Process.exit/2`);
    /// see [`ServerRef::exit`].
    ///
    /// Sent to this server itself, it takes effect when the current
    /// callback returns: a server that does not trap exits then ends
    /// without `terminate` (`Process.exit(self(), reason)`; even a normal
    /// reason ends it), one that traps gets the [`Exit`] message.
    ///
    /// See the example on [`spawn_link`](Context::spawn_link).
    pub fn exit<T: GenServer>(&mut self, other: &ServerRef<T>, reason: ExitReason) {
        if other.id() == self.id() {
            let me = Some(self.id());
            self.signal_self(me, reason);
        } else {
            signal(&**other.handle().shared_arc(), Some(self.id()), reason);
        }
    }

    /// An exit signal to this server from its own task: as [`signal`], but
    /// an exit takes effect once the current callback returns, so the loop
    /// handles nothing more (a kill from elsewhere is found at the loop's
    /// next look).
    fn signal_self(&mut self, from: Option<ServerId>, reason: ExitReason) {
        if self.shared.traps_exits() {
            self.shared.queue_exit(Exit { from, reason });
        } else if reason != ExitReason::Normal || from == Some(self.id()) {
            self.die(reason);
        }
    }

    /// A trapped exit signal reached the server: the info message for it,
    /// or, if the server stopped trapping meanwhile, what a non-trapping
    /// server does with it.
    pub(crate) fn trapped(&mut self, exit: Exit) -> Option<S::Info> {
        // The parent's exit ends a trapping server, with `terminate`, as
        // OTP's `gen_server` does with its parent's `EXIT`.
        if exit.from.is_some() && exit.from == self.shared.parent() {
            self.stop(exit.reason);
            return None;
        }
        if let Some(into_info) = self.extra.as_ref().and_then(|extra| extra.trap) {
            return Some(into_info(exit));
        }
        if exit.reason != ExitReason::Normal {
            self.die(exit.reason);
        }
        None
    }
}

impl<S: GenServer> ServerRef<S> {
    /// Sends the server an exit signal (`Process.exit(pid, reason)`): it
    /// exits at once with `reason`, without `terminate`, unless it traps
    /// exits, in which case it gets an [`Exit`] message. A
    /// [`Normal`](ExitReason::Normal) signal is ignored by a server that
    /// does not trap. Nothing happens if it is not running.
    ///
    /// To stop a server in order, running `terminate`, use
    /// [`stop`](ServerRef::stop).
    ///
    /// The [`Exit`] a trapping server gets has `from: None`; a server that
    /// sends the signal uses [`Context::exit`], which says who sent it.
    ///
    /// See the example on [`Exit`].
    pub fn exit(&self, reason: ExitReason) {
        signal(&**self.handle().shared_arc(), None, reason);
    }

    /// Kills the server (`Process.exit(pid, :kill)`): it exits at once with
    /// [`Killed`](ExitReason::Killed), without `terminate`, whether it
    /// traps exits or not. What it was awaiting is dropped; a synchronous
    /// handler that is running finishes first. Nothing happens if it is not
    /// running.
    ///
    /// See the examples on [`TaskLink`] and [`CallError`](crate::CallError).
    pub fn kill(&self) {
        Process::kill(&**self.handle().shared_arc(), ExitReason::Killed);
    }

    /// Links the calling task to the server (`Process.link/1` from a plain
    /// process). See [`TaskLink`].
    ///
    /// See the example on [`TaskLink`].
    pub fn link(&self) -> Result<TaskLink, LinkError> {
        TaskLink::new(Arc::clone(self.handle().shared_arc()) as Arc<dyn Process>)
    }
}

/// Links `a` and `b`: each gets a hook that signals the other when it exits.
pub(crate) fn link(a: &Arc<dyn Process>, b: &Arc<dyn Process>) -> Result<(), LinkError> {
    if a.id() == b.id() {
        return Ok(());
    }
    let to_a = AnyHandle::new(Arc::clone(a));
    let to_b = AnyHandle::new(Arc::clone(b));
    let on_a: ExitHook = Box::new(move |from, reason| passed_on(to_b.process(), from, reason));
    let on_b: ExitHook = Box::new(move |from, reason| passed_on(to_a.process(), from, reason));
    // Each side's hook is added only if absent, under that side's lock, so
    // that two servers linking to each other at once make one link.
    match a.add_hook_once(HookKey::Link(b.id()), on_a) {
        Err(_) => return Err(LinkError::NoProc),
        // Linked already (or being linked from the other side, which
        // completes it).
        Ok(Some(_)) => return Ok(()),
        Ok(None) => {}
    }
    if b.add_hook_once(HookKey::Link(a.id()), on_b).is_err() {
        a.remove_hook(HookKey::Link(b.id()));
        return Err(LinkError::NoProc);
    }
    // `a` may have exited between the two steps: its hooks then found no
    // link on `b` to pass the exit through, so pass it on here.
    if let Some(reason) = a.exit_reason() {
        if b.remove_hook(HookKey::Link(a.id())) {
            signal(&**b, Some(a.id()), reason);
        }
    }
    Ok(())
}

/// Removes the link between `a` and `b`, both ways.
pub(crate) fn unlink(a: &dyn Process, b: &dyn Process) {
    a.remove_hook(HookKey::Link(b.id()));
    b.remove_hook(HookKey::Link(a.id()));
}

/// `from` exited with `reason` and was linked to `to`: the link is gone,
/// and `to` gets the exit signal.
fn passed_on(to: &Arc<dyn Process>, from: ServerId, reason: &ExitReason) {
    // Only while the link still exists on `to`'s side: once `unlink` has
    // returned there, the exit has no effect on it (as in Erlang).
    if to.remove_hook(HookKey::Link(from)) {
        signal(&**to, Some(from), reason.clone());
    }
}

/// Delivers an exit signal (see the table in the module docs).
pub(crate) fn signal(to: &dyn Process, from: Option<ServerId>, reason: ExitReason) {
    if to.traps_exits() {
        if to.queue_exit(Exit {
            from,
            reason: reason.clone(),
        }) {
            return;
        }
    } else if reason == ExitReason::Normal && from != Some(to.id()) {
        // `exit(pid, :normal)` is ignored by a process that does not trap,
        // unless it sent it to itself.
        return;
    }
    to.kill(reason);
}

/// A plain task's side of a link to a server ([`ServerRef::link`]).
///
/// A tokio task is not a process: it cannot be sent a signal. So the task
/// holds this, and the link works both ways through it:
///
/// * **The server exits**: [`exited`](TaskLink::exited) resolves with the
///   reason, and a task attached with [`abort_on_exit`](TaskLink::abort_on_exit)
///   is aborted if the reason is not `Normal`, as a linked process would die.
/// * **The task exits**: dropping the link is the task exiting. During a
///   panic it sends the server an exit signal with [`ExitReason::Panic`],
///   otherwise one with [`ExitReason::Normal`] (ignored unless the server
///   traps exits). [`exit`](TaskLink::exit) sends another reason;
///   [`unlink`](TaskLink::unlink) removes the link without a signal.
///
/// While the link exists it keeps the server alive.
///
/// # Examples
///
/// ```
/// use genserver::prelude::*;
///
/// struct Server;
///
/// #[gen_server]
/// impl Server {}
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), genserver::Error> {
/// let server = Server::start(Server).await?;
/// let link = server.link()?; // Process.link(pid) from a plain task
/// let worker = tokio::spawn(std::future::pending::<()>());
/// link.abort_on_exit(worker.abort_handle()); // the task dies with the server
/// server.kill();
/// assert_eq!(link.exited().await, ExitReason::Killed);
/// assert!(worker.await.unwrap_err().is_cancelled());
/// # Ok(())
/// # }
/// ```
pub struct TaskLink {
    /// The task's own id, as the server sees it in [`Exit::from`].
    id: ServerId,
    server: Option<AnyHandle>,
    state: Arc<LinkState>,
}

#[derive(Default)]
struct LinkState {
    reason: Mutex<Option<ExitReason>>,
    abort: Mutex<Option<tokio::task::AbortHandle>>,
    exited: Notify,
}

impl TaskLink {
    fn new(server: Arc<dyn Process>) -> Result<Self, LinkError> {
        let id = ServerId::next();
        let state = Arc::new(LinkState::default());
        let seen = Arc::clone(&state);
        let hook = Box::new(move |_, reason: &ExitReason| {
            *seen.reason.lock().unwrap_or_else(PoisonError::into_inner) = Some(reason.clone());
            let abort = seen
                .abort
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            if let Some(abort) = abort.filter(|_| *reason != ExitReason::Normal) {
                abort.abort();
            }
            seen.exited.notify_waiters();
        });
        if server.add_hook(HookKey::Link(id), hook).is_err() {
            return Err(LinkError::NoProc);
        }
        Ok(TaskLink {
            id,
            server: Some(AnyHandle::new(server)),
            state,
        })
    }

    /// The id the server sees this task by, in [`Exit::from`].
    ///
    /// See the example on [`TaskLink::exit`].
    pub fn id(&self) -> ServerId {
        self.id
    }

    /// Waits until the server exits and returns why (at once if it has).
    ///
    /// See the example on [`TaskLink`].
    pub async fn exited(&self) -> ExitReason {
        loop {
            let notified = self.state.exited.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(reason) = self.reason() {
                return reason;
            }
            notified.await;
        }
    }

    /// Aborts `task` when the server exits with any reason but `Normal`,
    /// as a linked process would die with it. Aborts it at once if the
    /// server already has.
    ///
    /// See the example on [`TaskLink`].
    pub fn abort_on_exit(&self, task: tokio::task::AbortHandle) {
        if let Some(reason) = self.reason() {
            if reason != ExitReason::Normal {
                task.abort();
            }
            return;
        }
        *self
            .state
            .abort
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(task);
        // The server may have exited between the look and the store.
        if let Some(reason) = self.reason() {
            let abort = self
                .state
                .abort
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            if let Some(abort) = abort.filter(|_| reason != ExitReason::Normal) {
                abort.abort();
            }
        }
    }

    /// The task exits with `reason`: the server gets the exit signal, and
    /// the link is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// use genserver::prelude::*;
    /// use genserver::{Exit, ServerId};
    ///
    /// #[derive(Default)]
    /// struct Watcher {
    ///     exits: Vec<(Option<ServerId>, ExitReason)>,
    /// }
    ///
    /// #[gen_server]
    /// impl Watcher {
    ///     #[init]
    ///     fn init(state: Watcher, ctx: &mut Context<Self>) -> Self {
    ///         ctx.trap_exits(true);
    ///         state
    ///     }
    ///
    ///     #[info]
    ///     fn exit(&mut self, exit: Exit) {
    ///         self.exits.push((exit.from, exit.reason));
    ///     }
    ///
    ///     #[call]
    ///     fn exits(&self) -> Vec<(Option<ServerId>, ExitReason)> {
    ///         self.exits.clone()
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), genserver::Error> {
    /// let watcher = Watcher::start(Watcher::default()).await?;
    /// watcher.link()?.unlink(); // gone without a signal
    /// let link = watcher.link()?;
    /// let task = link.id();
    /// link.exit(ExitReason::error("task failed"));
    /// assert_eq!(watcher.exits().await?, [(Some(task), ExitReason::error("task failed"))]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn exit(mut self, reason: ExitReason) {
        self.close(Some(reason));
    }

    /// Removes the link without a signal (`Process.unlink/1`).
    ///
    /// See the example on [`TaskLink::exit`].
    pub fn unlink(mut self) {
        self.close(None);
    }

    fn reason(&self) -> Option<ExitReason> {
        self.state
            .reason
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn close(&mut self, reason: Option<ExitReason>) {
        let Some(server) = self.server.take() else {
            return;
        };
        let process = server.process();
        if !process.remove_hook(HookKey::Link(self.id)) {
            // The server exited first: the link is already gone.
            return;
        }
        if let Some(reason) = reason {
            signal(&**process, Some(self.id), reason);
        }
    }
}

impl Drop for TaskLink {
    fn drop(&mut self) {
        let reason = if std::thread::panicking() {
            ExitReason::Panic("a linked task panicked".into())
        } else {
            ExitReason::Normal
        };
        self.close(Some(reason));
    }
}

impl fmt::Debug for TaskLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskLink")
            .field("id", &self.id)
            .field("server", &self.server)
            .field("exited", &self.reason())
            .finish_non_exhaustive()
    }
}
