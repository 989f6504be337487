//! Starting a server and running it: init, the receive loop, terminate.
//!
//! A server is one tokio task running [`run`]. Its life has three parts:
//!
//! 1. **init.** `S::init_now(arg)` runs inside the task, or, if it hands the
//!    argument back (an `async` init), `S::init(arg)`, boxed while it runs.
//!    `start` waits for it on
//!    the server's shared state (no separate ack channel): the server is
//!    serving, or init failed and the server has already exited (so a name it
//!    held would already be free again, as in OTP 26).
//! 2. **the loop.** One message at a time, in mailbox order. Each message is
//!    offered to the synchronous `handle_*_now` first, and a run of messages
//!    it takes is handled in one tight loop without a future per message;
//!    what it hands back goes to the `async` `handle_*`, which is awaited.
//!    Both run inside `catch_unwind`, so a panic ends the loop with
//!    [`ExitReason::Panic`] instead of tearing down the task and losing the
//!    state `terminate` needs.
//! 3. **exit.** `terminate(reason)` runs (unless the server was killed), then
//!    the reason is published, and only after that is the rest of the mailbox
//!    dropped. Dropping a queued call drops its reply handle, which wakes its
//!    caller; the caller then reads the published reason. That order is what
//!    gives every caller `CallError::Exit(reason)` rather than a timeout.
//!
//! If the task is dropped half-way (aborted, or its runtime shut down), the
//! [`ExitGuard`] publishes [`ExitReason::Killed`] so nobody waits forever.

use std::any::Any;
use std::future::Future;
use std::num::NonZeroUsize;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use tokio::time::Instant;

use crate::error::{ExitReason, StartError};
use crate::process::blocking::{Sleep, probe_time_driver, within};
use crate::process::context::{Actions, Context, HeldReply, Idle};
use crate::process::handle::{Handle, Label, ServerId, ServerRef};
use crate::process::mailbox::{Batch, Envelope, Receiver, Shared, SystemFn};
use crate::process::panics::{self, Panicked, catch_callback};
use crate::process::spans;
use crate::registry::{LocalName, Naming, Pid, RegisterError, Via, ViaName};
use crate::server::{GenServer, Init, Message};

/// Runs a callback to completion with [`poll_caught`]:
/// `Ok(output)`, or `Err(reason)` if it panicked. A macro rather than an
/// `async fn` so that the callback's future is stored once in the box that
/// runs it, not twice (argument and pinned copy).
macro_rules! caught {
    ($future:expr) => {{
        // Making the future runs user code too (a hand-written callback may
        // do work before its first `.await`), so it is caught the same way.
        let mut crash: Option<Box<ExitReason>> = None;
        let mut future = pin!(build(&mut crash, || $future));
        match future.as_mut().as_pin_mut() {
            Some(mut future) => std::future::poll_fn(|cx| poll_caught(future.as_mut(), cx)).await,
            None => Err(*crash.expect("`build` returns no future only after a panic")),
        }
    }};
}

/// Options for [`start_with`](crate::GenServer) (generated as `Type::start_with`).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use genserver::prelude::*;
/// use genserver::registry::{self, Registry};
///
/// struct Db;
///
/// #[gen_server]
/// impl Db {}
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), genserver::Error> {
/// // A local name and an init timeout: `name: :db, timeout: 1_000`.
/// let options = StartOptions::new().name("db").timeout(Duration::from_secs(1));
/// Db::start_with(Db, options.clone()).await?;
/// assert!(registry::whereis::<Db>("db").is_ok());
/// assert!(matches!(Db::start_with(Db, options).await, Err(StartError::AlreadyStarted(_))));
///
/// // A key in a Registry: `name: {:via, Registry, {dbs, "replica"}}`.
/// let dbs: Registry<String, Db> = Registry::new();
/// Db::start_with(Db, StartOptions::new().via(&dbs, "replica".to_string())).await?;
/// assert!(dbs.lookup("replica").is_some());
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct StartOptions {
    /// The longest `init` may take; past it the server is killed and `start`
    /// returns [`StartError::Timeout`]. `None` (the default) waits forever, as
    /// Elixir's `:infinity`.
    pub timeout: Option<Duration>,
    /// The name to register the server under before its `init` runs.
    name: Option<Arc<dyn Naming>>,
    /// The bound of the mailbox, overriding the type's
    /// ([`GenServer::MAILBOX`]).
    mailbox: Option<usize>,
    /// Started by a supervisor that waits for init in its own handler: if
    /// that wait is dropped (the supervisor was killed), the half-started
    /// server is killed too, as the link of OTP's `proc_lib:start_link`
    /// would take it down. (A plain `start` that is abandoned leaves the
    /// server running, as `gen_server:start` does.)
    pub(crate) supervised: bool,
}

/// The options a user can set; not the crate's own `supervised` mark.
impl std::fmt::Debug for StartOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StartOptions")
            .field("timeout", &self.timeout)
            .field("name", &self.name)
            .field("mailbox", &self.mailbox)
            .finish_non_exhaustive()
    }
}

impl StartOptions {
    /// The defaults: no init timeout.
    ///
    /// See the example on [`StartOptions`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the init timeout (Elixir's `:timeout` start option).
    ///
    /// See the example on [`StartOptions`].
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Starts the server under a local name (Elixir's `name: :db`): see
    /// [`registry`](crate::registry). The name is taken before `init` runs;
    /// if another server holds it, `start` fails with
    /// [`StartError::AlreadyStarted`] and `init` is never called. It is
    /// released when the server exits.
    ///
    /// See the example on [`StartOptions`].
    #[must_use]
    pub fn name(mut self, name: impl Into<Arc<str>>) -> Self {
        self.name = Some(Arc::new(LocalName(name.into())));
        self
    }

    /// Starts the server under `key` in `registry` (Elixir's
    /// `name: {:via, Registry, {registry, key}}`), a
    /// [`Registry`](crate::registry::Registry) or any other [`Via`]
    /// registry; otherwise as [`name`](StartOptions::name).
    ///
    /// See the examples on [`StartOptions`] and [`Via`](crate::registry::Via).
    #[must_use]
    pub fn via<R>(mut self, registry: &R, key: R::Key) -> Self
    where
        R: Via + Clone,
        R::Key: Clone,
    {
        self.name = Some(Arc::new(ViaName {
            registry: registry.clone(),
            key,
        }));
        self
    }

    /// Bounds the server's mailbox to `capacity` calls and casts not yet
    /// taken by the server, overriding the type's bound
    /// (`#[gen_server(mailbox = N)]`): see
    /// [`backpressure`](crate::backpressure). What a cast does when the
    /// mailbox is full is the type's choice (`when_full`); a call waits
    /// for room within its timeout. `0` makes `start` fail with
    /// [`StartError::ZeroMailbox`].
    ///
    /// See the example on [`Handle::cast_wait`](crate::Handle::cast_wait).
    #[must_use]
    pub fn mailbox(mut self, capacity: usize) -> Self {
        self.mailbox = Some(capacity);
        self
    }
}

/// Starts a server and waits until its `init` has run.
///
/// This is what the generated `Type::start` and `Type::start_with` call.
///
/// # Examples
///
/// ```
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
/// // The same as `Counter::start_with(Counter(1), StartOptions::new())`.
/// let counter = genserver::start::<Counter>(Counter(1), StartOptions::new()).await?;
/// assert_eq!(counter.get().await?, 1);
/// # Ok(())
/// # }
/// ```
pub async fn start<S: GenServer>(
    arg: S::Arg,
    options: StartOptions,
) -> Result<ServerRef<S>, StartError> {
    let capacity = match options.mailbox {
        None => S::MAILBOX,
        Some(capacity) => Some(NonZeroUsize::new(capacity).ok_or(StartError::ZeroMailbox)?),
    };
    let (handle, task) = match &options.name {
        None => launch::<S>(arg, capacity)?,
        Some(name) => launch_named::<S>(arg, &**name, capacity).await?,
    };
    let shared = handle.shared();
    let abandoned = Abandoned {
        shared: options.supervised.then_some(shared),
    };
    if options.timeout.is_some() {
        // Not to be counted against init.
        probe_time_driver();
    }
    let started = match options
        .timeout
        .map(|timeout| Instant::now().checked_add(timeout))
    {
        Some(Some(deadline)) => {
            // Tokio's timer, or the timer thread on a runtime without it.
            let timeout = deadline.saturating_duration_since(Instant::now());
            match within(timeout, shared.started()).await {
                // init failed: that is the outcome, late or not.
                Some(Err(error)) => Err(error),
                // An init that blocked a current_thread runtime's only thread
                // can finish before the timer had a chance to fire: check.
                Some(Ok(())) if Instant::now() <= deadline => Ok(()),
                // Too late, whether still in init or serving only since the
                // deadline. Publish the kill first: an init that does not
                // yield cannot be aborted, and when it returns it must find
                // the server gone rather than serve; a server already serving
                // (with no handle out yet, so with nothing to do) finds it at
                // its next look at the mailbox.
                _ => {
                    if shared.exit(ExitReason::Killed).is_some() {
                        task.abort();
                        return Err(StartError::Timeout);
                    }
                    // It exited by itself meanwhile: report how.
                    shared.started().await
                }
            }
        }
        // No timeout, or one too long to represent: wait for init.
        Some(None) | None => shared.started().await,
    };
    std::mem::forget(abandoned);
    started.map(|()| ServerRef::from_handle(handle))
}

/// Kills the server whose supervised start it guards if the start is
/// dropped before init has run (see [`StartOptions::supervised`](StartOptions)).
struct Abandoned<'a, S: GenServer> {
    shared: Option<&'a Shared<S>>,
}

impl<S: GenServer> Drop for Abandoned<'_, S> {
    fn drop(&mut self) {
        if let Some(shared) = self.shared {
            crate::process::handle::Process::kill(shared, ExitReason::Killed);
        }
    }
}

/// Starts a server without waiting for its `init` (`Type::spawn`).
///
/// The reference comes back at once. Messages sent through it queue up and
/// are handled, in order, once `init` has run; if `init` fails, queued calls
/// fail with its reason and later ones with [`CallError::NoProc`]. Use it to
/// start many servers at once when nothing needs to know that each one
/// started. The only error is [`StartError::NoRuntime`].
///
/// [`CallError::NoProc`]: crate::CallError::NoProc
///
/// # Examples
///
/// ```
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
/// let counter = genserver::spawn::<Counter>(Counter(0))?; // init has not run yet
/// counter.add(1); // queued until it has
/// assert_eq!(counter.get().await?, 1);
/// # Ok(())
/// # }
/// ```
pub fn spawn<S: GenServer>(arg: S::Arg) -> Result<ServerRef<S>, StartError> {
    let (handle, _) = launch::<S>(arg, S::MAILBOX)?;
    Ok(ServerRef::from_handle(handle))
}

/// Creates a server's shared state and spawns its task: the first handle to
/// the server, and the task.
fn launch<S: GenServer>(
    arg: S::Arg,
    capacity: Option<NonZeroUsize>,
) -> Result<(Handle<S>, tokio::task::JoinHandle<()>), StartError> {
    let (runtime, guard, handle) = prepare::<S>(capacity)?;
    let task = spawn_task(&runtime, guard, arg)?;
    Ok((handle, task))
}

/// As [`launch`], for a server started under a name: the name is taken
/// before the task is spawned, so `init` never runs for a server whose name
/// was taken. (If this future is dropped half-way, the guard's drop ends the
/// server that never ran, which releases a name already taken.)
async fn launch_named<S: GenServer>(
    arg: S::Arg,
    name: &dyn Naming,
    capacity: Option<NonZeroUsize>,
) -> Result<(Handle<S>, tokio::task::JoinHandle<()>), StartError> {
    let (runtime, guard, handle) = prepare::<S>(capacity)?;
    let pid = Pid::from_shared(handle.shared_arc());
    match name.register(&pid).await {
        Ok(()) => {}
        Err(RegisterError::Taken(holder)) => return Err(StartError::AlreadyStarted(holder)),
        Err(other) => return Err(StartError::Name(other)),
    }
    drop(pid);
    let task = spawn_task(&runtime, guard, arg)?;
    Ok((handle, task))
}

/// Creates a server's shared state, its first handle and the guard its
/// task will own. (Inlined: with two callers it was a call of its own,
/// its three results passed back through memory.)
#[inline]
fn prepare<S: GenServer>(
    capacity: Option<NonZeroUsize>,
) -> Result<(tokio::runtime::Handle, ExitGuard<S>, Handle<S>), StartError> {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return Err(StartError::NoRuntime);
    };
    panics::install_hook();
    let current_thread = runtime.runtime_flavor() == tokio::runtime::RuntimeFlavor::CurrentThread;
    let shared = Arc::new(Shared::<S>::new(ServerId::next(), current_thread, capacity));
    // The guard is made here and moved into the task, so that even a task
    // dropped before its first poll (its runtime shutting down) reports
    // `Killed` instead of leaving `start` waiting.
    let guard = ExitGuard {
        shared: Arc::clone(&shared),
    };
    let handle = Handle::new(shared);
    Ok((runtime, guard, handle))
}

/// Spawns the server task on `runtime`. (Fallible only with the
/// `console` feature under `tokio_unstable`.)
#[cfg_attr(
    not(all(tokio_unstable, feature = "console")),
    allow(clippy::unnecessary_wraps)
)]
#[inline]
fn spawn_task<S: GenServer>(
    runtime: &tokio::runtime::Handle,
    guard: ExitGuard<S>,
    arg: S::Arg,
) -> Result<tokio::task::JoinHandle<()>, StartError> {
    // The server's span, if a subscriber wants it: the task then runs
    // inside it, a task of another type spawned out of line, so that a
    // plain server's task and start stay as they are.
    let span = spans::server::<S>(guard.shared.id, || guard.shared.name());
    if !span.is_disabled() {
        return spawn_in_span(runtime, guard, arg, span);
    }
    // Named after the server for tokio-console; tokio keeps task names
    // behind `--cfg tokio_unstable`. Without it the spawn is the plain one.
    #[cfg(all(tokio_unstable, feature = "console"))]
    {
        let name = Label::new::<S>(guard.shared.id, None).to_string();
        tokio::task::Builder::new()
            .name(&name)
            .spawn_on(run(guard, arg), runtime)
            .map_err(|_| StartError::NoRuntime)
    }
    #[cfg(not(all(tokio_unstable, feature = "console")))]
    Ok(runtime.spawn(run(guard, arg)))
}

/// [`spawn_task`] for a server whose task runs inside its span.
#[cold]
#[inline(never)]
#[cfg_attr(
    not(all(tokio_unstable, feature = "console")),
    allow(clippy::unnecessary_wraps)
)]
fn spawn_in_span<S: GenServer>(
    runtime: &tokio::runtime::Handle,
    guard: ExitGuard<S>,
    arg: S::Arg,
    span: tracing::Span,
) -> Result<tokio::task::JoinHandle<()>, StartError> {
    use tracing::Instrument as _;

    #[cfg(all(tokio_unstable, feature = "console"))]
    {
        let name = Label::new::<S>(guard.shared.id, None).to_string();
        tokio::task::Builder::new()
            .name(&name)
            .spawn_on(run(guard, arg).instrument(span), runtime)
            .map_err(|_| StartError::NoRuntime)
    }
    #[cfg(not(all(tokio_unstable, feature = "console")))]
    Ok(runtime.spawn(run(guard, arg).instrument(span)))
}

/// The server task: init, the receive loop, terminate and exit.
///
/// What this future holds while the server waits for mail is what an idle
/// server costs, so it is one `async` block (arguments of an `async fn` are
/// stored twice, and a nested `async fn` keeps its own copies too) that
/// keeps only the state, the context, the mailbox buffer and two counters
/// while it waits. What runs once or rarely lives in a box while it runs:
/// `init`'s future, `terminate`'s, and an `async` handler's (see
/// [`awaited`]), so that none of them sizes the task for the server's
/// whole life.
#[allow(clippy::manual_async_fn)] // on purpose, see above
#[allow(clippy::too_many_lines)] // one async block, see above
fn run<S: GenServer>(guard: ExitGuard<S>, arg: S::Arg) -> impl Future<Output = ()> + Send {
    async move {
        let mut ctx = Context::new(Arc::clone(&guard.shared));
        // This task, for the panic hook's mark (see `panics`).
        let task = tokio::task::try_id();
        // Nothing of init's outcome but the state may stay in this future
        // once the server serves: the synchronous outcomes are settled
        // without an await in scope, and the `async` init is boxed.
        // Killed before it ran at all (spawned, then killed): no init.
        if guard.shared.has_exited() {
            return;
        }
        let Some(mut state) = ('init: {
            let arg = match panics::catch_callback_in(task, || S::init_now(arg, &mut ctx)) {
                Ok(Ok(init)) => break 'init settle(&guard, Ok(init)),
                Ok(Err(arg)) => arg,
                Err(payload) => break 'init settle(&guard, Err(panic_reason(&*payload))),
            };
            let ctx = &mut ctx;
            // Killable like an `async` handler: a kill (or the start
            // timeout) drops the init where it awaits.
            let shared = &*guard.shared;
            let init: Boxed<'_, _> = Box::pin(async move {
                let mut init = pin!(async { caught!(S::init(arg, ctx)) });
                std::future::poll_fn(|cx| poll_killable(shared, init.as_mut(), cx)).await
            });
            match init.await {
                Ok(outcome) => settle(&guard, outcome),
                Err(Crash::Panic(reason)) => settle(&guard, Err(reason)),
                Err(Crash::Killed) => None,
            }
        }) else {
            return;
        };
        // Declared after the state, so dropped before it: whichever way the
        // task ends (a kill returns from anywhere), the state's `Drop` and
        // the rest run with the panic hook's mark cleared.
        let _unmark = panics::Unmark;
        // The server serves from its first look at the mailbox on, which
        // also wakes `start` (or finds it killed meanwhile: `Batch::Gone`).
        // If init asked for something, it serves before that is followed:
        // `start` does not wait for a continuation (OTP returns `{:ok, pid}`
        // first), and a continuation that calls the server is refused as a
        // call to itself rather than left waiting. `ctx.stop` in init has no
        // effect (init fails by what it returns, and terminate must not run
        // for a server whose init did not fail).
        if ctx.has_actions() {
            if !guard.shared.serve() {
                return;
            }
            ctx.forget_stop();
        }
        let mut mailbox = Receiver::new();
        let mut last = Last::NONE;
        let mut handled: u8 = 0;
        let (reason, held_reply) = 'serve: loop {
            // What init or the last callback asked for. A continuation runs
            // now, before any mail, and may ask for another.
            loop {
                // Settled in a block without an await, so that none of it
                // stays in this future.
                let handed_back = {
                    let Some(actions) = ctx.take_actions() else {
                        break;
                    };
                    match follow(actions, &mut ctx, &mut mailbox, &guard.shared) {
                        Err(Some(stop)) => break 'serve stop,
                        // Ended by an exit signal from its own task.
                        Err(None) => return,
                        Ok(None) => None,
                        Ok(Some(message)) => {
                            match info_now(&mut state, &mut ctx, message, &mut last) {
                                Ok(handed_back) => handed_back,
                                Err(reason) => break 'serve (reason, None),
                            }
                        }
                    }
                };
                let awaiting = handed_back
                    .map(|envelope| awaited(&mut state, &mut ctx, &guard.shared, envelope));
                match Maybe(awaiting).await {
                    None | Some(Ok(())) => {}
                    Some(Err(Crash::Panic(reason))) => break 'serve (reason, None),
                    Some(Err(Crash::Killed)) => return,
                }
                // A chain of continuations takes its budget as messages do,
                // and finds a kill from elsewhere.
                handled = handled.wrapping_add(1);
                if handled % 16 == 0 {
                    if guard.shared.has_exited() {
                        return;
                    }
                    tokio::task::consume_budget().await;
                }
            }
            // Wait for mail (or an idle timeout), then work through the
            // whole batch taken.
            match std::future::poll_fn(|cx| wait(&mut mailbox, &guard.shared, &mut ctx, cx)).await {
                Batch::Mail => {
                    if let Some(extra) = ctx.extra.as_deref_mut() {
                        extra.on_mail(&mailbox);
                    }
                }
                // Every handle is gone and the mailbox is empty.
                Batch::Closed => break (ExitReason::Normal, None),
                // Killed (the start timeout ran out, an exit signal, a
                // kill): no terminate, as for any kill.
                Batch::Gone => return,
                // Nothing came within the idle timeout.
                Batch::Idle => {
                    let handed_back = match ctx.extra().idle.take() {
                        None => None,
                        Some(idle) => {
                            match info_now(&mut state, &mut ctx, (idle.message)(), &mut last) {
                                Ok(handed_back) => handed_back,
                                Err(reason) => break 'serve (reason, None),
                            }
                        }
                    };
                    let awaiting = handed_back
                        .map(|envelope| awaited(&mut state, &mut ctx, &guard.shared, envelope));
                    match Maybe(awaiting).await {
                        None | Some(Ok(())) => {}
                        Some(Err(Crash::Panic(reason))) => break 'serve (reason, None),
                        Some(Err(Crash::Killed)) => return,
                    }
                    // A zero idle timeout set again and again ("work while
                    // idle") takes its budget too.
                    handled = handled.wrapping_add(1);
                    if handled % 16 == 0 {
                        tokio::task::consume_budget().await;
                    }
                    continue;
                }
            }
            loop {
                // First the synchronous handlers, as many in a row as there
                // are; then what they handed back, if anything.
                let handed_back = {
                    // `:sys.trace` or message spans, looked up once per run
                    // of messages.
                    let instrumented = ctx.extra.as_ref().is_some_and(|extra| extra.sys.trace)
                        || spans::messages();
                    // Marked for the whole batch, and left marked after it.
                    panics::mark(task);
                    let next = catch_unwind(AssertUnwindSafe(|| {
                        handle_now(
                            &mut state,
                            &mut ctx,
                            &mut mailbox,
                            &mut last,
                            &mut handled,
                            instrumented,
                        )
                    }));
                    match next {
                        Ok(Now::Drained) => break,
                        Ok(Now::Paused) => None,
                        Ok(Now::Await(Envelope::Stop(reason))) => {
                            last = Last::named("stop");
                            break 'serve (*reason, None);
                        }
                        Ok(Now::Await(Envelope::System(system) | Envelope::Signal(system))) => {
                            match system_now(&mut state, &mut ctx, system, &mut last) {
                                Ok(handed_back) => handed_back,
                                Err(reason) => break 'serve (reason, None),
                            }
                        }
                        Ok(Now::Await(envelope)) => Some(envelope),
                        Err(payload) => break 'serve (panic_reason(&*payload), None),
                    }
                };
                // A request whose handler awaits. (Through `Maybe`, so that
                // only the boxed future, not the request, is held across the
                // await.)
                let awaiting = handed_back
                    .map(|envelope| awaited(&mut state, &mut ctx, &guard.shared, envelope));
                match Maybe(awaiting).await {
                    None => {}
                    Some(Ok(())) => handled = handled.wrapping_add(1),
                    Some(Err(Crash::Panic(reason))) => break 'serve (reason, None),
                    Some(Err(Crash::Killed)) => return,
                }
                if ctx.has_actions() {
                    // Back to the top, which follows them before anything
                    // else is handled.
                    break;
                }
                if ctx.extra.as_ref().is_some_and(|extra| extra.sys.suspended) {
                    // `:sys.suspend`: only system messages until resumed.
                    loop {
                        match suspended(&mut state, &mut ctx, &mut mailbox, &mut last) {
                            Ok(true) => break,
                            Ok(false) => {}
                            Err(stop) => break 'serve stop,
                        }
                        match std::future::poll_fn(|cx| mailbox.poll_fill(&guard.shared, cx)).await
                        {
                            // Counted (statistics) and cancelling an idle
                            // timeout as when running.
                            Batch::Mail => ctx.extra().on_mail(&mailbox),
                            Batch::Idle => {}
                            Batch::Closed => break 'serve (ExitReason::Normal, None),
                            Batch::Gone => return,
                        }
                    }
                    if let Some(extra) = ctx.extra.as_deref_mut() {
                        mailbox.requeue(std::mem::take(extra.sys.deferred()));
                    }
                }
                // Every 16th message takes a unit of tokio's cooperative
                // budget, so a server whose mailbox never runs dry (a handler
                // that casts to itself, a flood of casts) still lets the other
                // tasks and timers on its thread run. (A unit per message
                // costs a third of the cast throughput.) Killed meanwhile
                // (by an exit signal from another thread): stop here.
                if handled % 16 == 0 {
                    if guard.shared.has_exited() {
                        return;
                    }
                    tokio::task::consume_budget().await;
                }
            }
        };

        let terminated: Boxed<'_, _> = Box::pin(async {
            // What the panic hook saw of a panic that ended the loop, taken
            // at the box's first poll, which is in this poll of the task, on
            // the thread that caught it (terminate may go on elsewhere).
            // Inside the box, so that this task does not keep a slot for it.
            panics::mark(None);
            let panicked = panics::take_panicked(&reason);
            let outcome = {
                let mut terminate = pin!(async { caught!(state.terminate(&reason)) });
                std::future::poll_fn(|cx| poll_killable(&guard.shared, terminate.as_mut(), cx))
                    .await
            };
            // The reply held back by `ctx.stop` goes out after terminate,
            // even a crashing one (OTP's `try terminate(..) after reply(..)`).
            if let Some(reply) = held_reply {
                reply();
            }
            match outcome {
                Ok(Ok(())) => Some((reason, panicked)),
                // A crashing terminate replaces the reason, as in OTP.
                Ok(Err(crash)) | Err(Crash::Panic(crash)) => {
                    let panicked = panics::take_panicked(&crash);
                    Some((crash, panicked))
                }
                // Killed while terminating (a shutdown that ran out of time).
                Err(Crash::Killed) => None,
            }
        });
        let Some((reason, panicked)) = terminated.await else {
            return;
        };
        // Messages swapped out of the shared queue but not handled yet are
        // dropped with the rest, after the reason is published.
        let unhandled = mailbox.take_buffered();
        drop(ctx);
        guard.exit(&reason, Some(last), Some(state), panicked.as_deref());
        drop(unhandled);
    }
}

/// What init's outcome means: the state to serve with, or `None` after
/// publishing why the server is gone.
fn settle<S: GenServer>(guard: &ExitGuard<S>, init: Result<Init<S>, ExitReason>) -> Option<S> {
    match init {
        Ok(Init::Ok(state)) => Some(state),
        Ok(Init::Ignore) => {
            drop(guard.shared.ignore());
            None
        }
        Ok(Init::Error(reason)) => {
            // `{:error, reason}`: a failure the caller of `start` is told
            // about, not a crash to log.
            drop(guard.shared.exit(reason));
            None
        }
        Ok(Init::Stop(reason)) | Err(reason) => {
            let panicked = panics::take_panicked(&reason);
            guard.exit(
                &reason,
                Some(Last::named("init")),
                None,
                panicked.as_deref(),
            );
            None
        }
    }
}

/// A stop a callback asked for: the reason, and the reply held back until
/// `terminate` has run.
type Stop = (ExitReason, Option<HeldReply>);

/// Follows what a callback asked for, but for a continuation, which it
/// hands back to be handled next; `Err` with the stop it asked for.
fn follow<S: GenServer>(
    actions: Actions<S>,
    ctx: &mut Context<S>,
    mailbox: &mut Receiver<S>,
    shared: &Shared<S>,
) -> Result<Option<S::Info>, Option<Stop>> {
    let Actions {
        stop,
        next,
        idle,
        hibernate,
        killed,
    } = actions;
    if killed {
        return Err(None);
    }
    if let Some(stop) = stop {
        return Err(Some(stop));
    }
    if hibernate {
        mailbox.hibernate();
        shared.hibernate();
    }
    // A message already waiting means the idle timeout never starts; so
    // does the continuation asked for with it, which is handled next as a
    // message would be (and sets its own timeout, if it wants one). A
    // `:sys` request waiting does not count: as one that comes during the
    // countdown, it restarts the countdown rather than cancel it.
    if let Some((timeout, message)) = idle.filter(|_| {
        next.is_none()
            && (mailbox.is_empty()
                || mailbox
                    .pending()
                    .all(|envelope| matches!(envelope, Envelope::System(_))))
    }) {
        ctx.extra().idle = Some(Idle {
            timeout,
            message,
            sleep: None,
        });
    }
    Ok(next)
}

/// Waits for mail, or for an armed idle timeout to run out.
///
/// Inlined into the loop, with the idle timeout out of line: a server
/// without one pays a branch on its context's `extra` pointer per wait.
#[inline]
fn wait<S: GenServer>(
    mailbox: &mut Receiver<S>,
    shared: &Shared<S>,
    ctx: &mut Context<S>,
    cx: &mut std::task::Context<'_>,
) -> Poll<Batch> {
    let batch = mailbox.poll_fill(shared, cx);
    if batch.is_ready() {
        return batch;
    }
    match ctx
        .extra
        .as_deref_mut()
        .and_then(|extra| extra.idle.as_mut())
    {
        None => Poll::Pending,
        Some(idle) => poll_idle(idle, cx),
    }
}

/// Polls an armed idle timeout, the mailbox having been found empty.
#[inline(never)]
fn poll_idle<S: GenServer>(idle: &mut Idle<S>, cx: &mut std::task::Context<'_>) -> Poll<Batch> {
    // Zero fires only now, with the mailbox found empty.
    if idle.timeout.is_zero() {
        return Poll::Ready(Batch::Idle);
    }
    let timeout = idle.timeout;
    // On a runtime without tokio's time driver, the timer thread keeps it.
    let sleep = idle.sleep.get_or_insert_with(|| {
        Sleep::until(
            Instant::now()
                .checked_add(timeout)
                .unwrap_or_else(far_future),
        )
    });
    Pin::new(sleep).poll(cx).map(|()| Batch::Idle)
}

/// About thirty years from now, which tokio treats as never.
fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(86400 * 365 * 30)
}

/// Runs a system message; an info message it hands on is offered to
/// `handle_info_now`, and handed back if it needs awaiting.
fn system_now<S: GenServer>(
    state: &mut S,
    ctx: &mut Context<S>,
    system: SystemFn<S>,
    last: &mut Last,
) -> Result<Option<Envelope<S>>, ExitReason> {
    *last = Last::named("system message");
    match catch_callback(|| system(state, ctx)) {
        Ok(Some(message)) => {
            // A trapped exit or a down is an info message for the server,
            // and like any other it cancels an idle timeout (the system
            // messages themselves do not: `Extra::on_mail`).
            if let Some(extra) = ctx.extra.as_deref_mut() {
                extra.idle = None;
            }
            info_now(state, ctx, message, last)
        }
        Ok(None) => Ok(None),
        Err(payload) => Err(panic_reason(&*payload)),
    }
}

/// Offers an info message that did not come from the mailbox (a
/// continuation, an idle timeout, a trapped exit or a down message) to
/// `handle_info_now`; hands it back if its handler awaits.
fn info_now<S: GenServer>(
    state: &mut S,
    ctx: &mut Context<S>,
    message: S::Info,
    last: &mut Last,
) -> Result<Option<Envelope<S>>, ExitReason> {
    *last = Last::named(message.name());
    if ctx.extra.as_ref().is_some_and(|extra| extra.sys.trace) {
        crate::sys::trace_info::<S>(ctx.id(), &message);
    }
    let span = spans::messages().then(|| spans::message(message.name()));
    let entered = span.as_ref().map(tracing::Span::enter);
    let outcome = catch_callback(|| state.handle_info_now(message, ctx));
    drop(entered);
    match outcome {
        Ok(Ok(())) => Ok(None),
        Ok(Err(message)) => {
            if let Some(span) = span {
                ctx.extra().span = Some(span);
            }
            Ok(Some(Envelope::Info(message)))
        }
        Err(payload) => Err(panic_reason(&*payload)),
    }
}

/// A suspended server's turn: it runs the system messages of the batch
/// taken and sets the rest aside, in order, until it is resumed (then
/// `Ok(true)`). `Err` if a stop arrived or a system message crashed it.
fn suspended<S: GenServer>(
    state: &mut S,
    ctx: &mut Context<S>,
    mailbox: &mut Receiver<S>,
    last: &mut Last,
) -> Result<bool, (ExitReason, Option<HeldReply>)> {
    while let Some(envelope) = mailbox.pop() {
        let envelope = match envelope {
            Envelope::System(system) => match system_now(state, ctx, system, last) {
                Ok(None) => None,
                Ok(Some(envelope)) => Some(envelope),
                Err(reason) => return Err((reason, None)),
            },
            // A trapped exit or a down is an ordinary message for a
            // suspended server: it waits with the others, unrun (so that a
            // `demonitor` before the resume still drops the down).
            // `GenServer.stop` is a system message in OTP: it is served.
            Envelope::Stop(reason) => return Err((*reason, None)),
            other => Some(other),
        };
        let sys = &mut ctx.extra().sys;
        if let Some(envelope) = envelope {
            sys.deferred().push(envelope);
        }
        if !sys.suspended {
            return Ok(true);
        }
    }
    Ok(false)
}

/// A future that may not be there: `None` at once if it is not.
struct Maybe<F>(Option<F>);

impl<F: Future + Unpin> Future for Maybe<F> {
    type Output = Option<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<Self::Output> {
        match &mut self.0 {
            Some(future) => Pin::new(future).poll(cx).map(Some),
            None => Poll::Ready(None),
        }
    }
}

/// A future that the server task owns through a box.
type Boxed<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Why a callback did not finish.
enum Crash {
    /// It panicked: the server crashes with this reason.
    Panic(ExitReason),
    /// The server was killed while it awaited: it ends without terminate.
    Killed,
}

/// Handles a request that `handle_*_now` handed back, with the `async`
/// `handle_*`.
///
/// The handler's future is boxed, which costs an allocation per such
/// request; stored inline, the largest handler future of the server would
/// be part of every idle server's task, whether it ever runs or not.
fn awaited<'a, S: GenServer>(
    state: &'a mut S,
    ctx: &'a mut Context<S>,
    shared: &'a Shared<S>,
    envelope: Envelope<S>,
) -> Boxed<'a, Result<(), Crash>> {
    // The handler's future is made on the first poll, inside `caught!`,
    // so that a panic while making it is caught too.
    macro_rules! killable {
        ($callback:expr) => {{
            let mut future = pin!(async { caught!($callback) });
            std::future::poll_fn(|cx| poll_killable(shared, future.as_mut(), cx)).await
        }};
    }
    // Its span: made when `handle_*_now` handed it back, or now.
    let span = ctx
        .extra
        .as_deref_mut()
        .and_then(|extra| extra.span.take())
        .or_else(|| spans::messages().then(|| message_span(&envelope)).flatten());
    let handle = async move {
        let outcome = match envelope {
            Envelope::Call(request) => killable!(state.handle_call(request, ctx)),
            Envelope::Cast(request) => killable!(state.handle_cast(request, ctx)),
            Envelope::Info(message) => killable!(state.handle_info(message, ctx)),
            Envelope::Stop(_) | Envelope::System(_) | Envelope::Signal(_) => {
                unreachable!("the loop handles stops, system messages and signals itself")
            }
        };
        match outcome {
            Ok(Ok(())) => Ok(()),
            Ok(Err(reason)) | Err(Crash::Panic(reason)) => Err(Crash::Panic(reason)),
            Err(Crash::Killed) => Err(Crash::Killed),
        }
    };
    match span {
        None => Box::pin(handle),
        Some(span) => Box::pin(tracing::Instrument::instrument(handle, span)),
    }
}

/// Polls a callback's future unless the server was killed meanwhile (an
/// exit signal or a kill from another task publishes the exit, then wakes
/// the server through its mailbox waker, which this keeps registered).
fn poll_killable<F: Future>(
    shared: &Shared<impl GenServer>,
    future: Pin<&mut F>,
    cx: &mut std::task::Context<'_>,
) -> Poll<Result<F::Output, Crash>> {
    if shared.has_exited() {
        return Poll::Ready(Err(Crash::Killed));
    }
    match catch_callback(|| future.poll(cx)) {
        Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
        Ok(Poll::Pending) => {
            if shared.watch_for_kill(cx.waker()) {
                return Poll::Ready(Err(Crash::Killed));
            }
            Poll::Pending
        }
        Err(payload) => Poll::Ready(Err(Crash::Panic(panic_reason(&*payload)))),
    }
}

/// Where [`handle_now`] stopped.
enum Now<S: GenServer> {
    /// The batch is done.
    Drained,
    /// After 16 messages, or a handler that asked to stop: the loop looks
    /// at the stop and takes a unit of budget before going on.
    Paused,
    /// This message needs awaiting: an `async` handler's request, or a stop.
    Await(Envelope<S>),
}

/// Hands the batch's messages to the synchronous `handle_*_now` callbacks,
/// one after another, until one is handed back, the batch is done, a handler
/// asks to stop, or 16 messages were handled. Runs inside one `catch_unwind`
/// for the whole run, which is what makes a cast to a plain `fn` handler
/// cheap: no future is made, pinned or polled for it.
///
/// `instrumented` (`:sys.trace` is on, or a subscriber wants message
/// spans) runs a copy of the loop of its own, which logs each message and
/// the state after it, or runs each message in a span, or both: logging a
/// message takes its address, which in a shared loop makes every message
/// go through the stack.
#[inline]
fn handle_now<S: GenServer>(
    state: &mut S,
    ctx: &mut Context<S>,
    mailbox: &mut Receiver<S>,
    last: &mut Last,
    handled: &mut u8,
    instrumented: bool,
) -> Now<S> {
    if instrumented {
        let trace = ctx.extra.as_ref().is_some_and(|extra| extra.sys.trace);
        let spans = spans::messages();
        handle_batch::<S, true>(state, ctx, mailbox, last, handled, trace, spans)
    } else {
        handle_batch::<S, false>(state, ctx, mailbox, last, handled, false, false)
    }
}

/// The loop of [`handle_now`], plain or instrumented (`TRACE`: then
/// `trace` and `spans` say what to do).
#[inline]
#[allow(clippy::fn_params_excessive_bools)]
fn handle_batch<S: GenServer, const TRACE: bool>(
    state: &mut S,
    ctx: &mut Context<S>,
    mailbox: &mut Receiver<S>,
    last: &mut Last,
    handled: &mut u8,
    trace: bool,
    spans: bool,
) -> Now<S> {
    while let Some(envelope) = mailbox.pop() {
        if TRACE && trace {
            crate::sys::trace_in(ctx.id(), &envelope);
        }
        // In the plain loop no span is ever in scope: one would have to be
        // kept on the stack for the unwinding path, even as `None`.
        let handed_back = if TRACE && spans {
            handle_in_span(state, ctx, envelope, last)
        } else {
            handle_one(state, ctx, envelope, last)
        };
        if let Some(envelope) = handed_back {
            return Now::Await(envelope);
        }
        if TRACE && trace {
            crate::sys::trace_state(ctx.id(), state);
        }
        *handled = handled.wrapping_add(1);
        if *handled % 16 == 0 || ctx.has_actions() {
            return Now::Paused;
        }
    }
    Now::Drained
}

/// Offers one message of a batch to its `handle_*_now`; hands it back if
/// it needs awaiting (or is not a request).
#[inline]
fn handle_one<S: GenServer>(
    state: &mut S,
    ctx: &mut Context<S>,
    envelope: Envelope<S>,
    last: &mut Last,
) -> Option<Envelope<S>> {
    match envelope {
        Envelope::Call(request) => {
            *last = Last {
                name: request.name(),
                caller: request.caller(),
            };
            state
                .handle_call_now(request, ctx)
                .err()
                .map(Envelope::Call)
        }
        Envelope::Cast(request) => {
            *last = Last::named(request.name());
            state
                .handle_cast_now(request, ctx)
                .err()
                .map(Envelope::Cast)
        }
        Envelope::Info(message) => {
            *last = Last::named(message.name());
            state
                .handle_info_now(message, ctx)
                .err()
                .map(Envelope::Info)
        }
        other @ (Envelope::Stop(_) | Envelope::System(_) | Envelope::Signal(_)) => Some(other),
    }
}

/// [`handle_one`] inside the message's span. A message handed back to
/// its `async` handler leaves the span in the context, for the handler to
/// run in.
fn handle_in_span<S: GenServer>(
    state: &mut S,
    ctx: &mut Context<S>,
    envelope: Envelope<S>,
    last: &mut Last,
) -> Option<Envelope<S>> {
    let Some(span) = message_span(&envelope) else {
        return handle_one(state, ctx, envelope, last);
    };
    let handed_back = span.in_scope(|| handle_one(state, ctx, envelope, last));
    if handed_back.is_some() {
        ctx.extra().span = Some(span);
    }
    handed_back
}

/// The last message a server took, for its crash report: its name, and for
/// a call, the tokio task that made it.
#[derive(Clone, Copy)]
pub(crate) struct Last {
    pub(crate) name: &'static str,
    pub(crate) caller: Option<tokio::task::Id>,
}

impl Last {
    const NONE: Last = Last::named("none");

    const fn named(name: &'static str) -> Last {
        Last { name, caller: None }
    }
}

/// The span of a call, cast or info message (see `process::spans`).
fn message_span<S: GenServer>(envelope: &Envelope<S>) -> Option<tracing::Span> {
    let name = match envelope {
        Envelope::Call(request) => request.name(),
        Envelope::Cast(request) => request.name(),
        Envelope::Info(message) => message.name(),
        Envelope::Stop(_) | Envelope::System(_) | Envelope::Signal(_) => return None,
    };
    Some(spans::message(name))
}

/// Publishes the exit reason exactly once, even if the task is dropped.
struct ExitGuard<S: GenServer> {
    shared: Arc<Shared<S>>,
}

impl<S: GenServer> ExitGuard<S> {
    /// Drops the state, publishes `reason`, logs a crash report if it is
    /// abnormal, and drops the messages still queued (failing their calls
    /// with `reason`).
    ///
    /// The report shows the state as the server's `format_status` does,
    /// computed only for a crash; `state` is `None` when there is none yet.
    /// `panicked` is what the panic hook saw of the panic that is `reason`:
    /// its location and backtrace.
    fn exit(
        &self,
        reason: &ExitReason,
        last: Option<Last>,
        state: Option<S>,
        panicked: Option<&Panicked>,
    ) {
        // Read before the exit, which releases it; only for a crash report.
        let name = (!reason.is_normal()).then(|| self.shared.name()).flatten();
        let view = if reason.is_normal() {
            None
        } else {
            state.as_ref().and_then(crate::sys::state_view)
        };
        // The state goes before the exit is published, as a process's
        // resources go before its exit signal: whoever learns of the exit
        // (a supervisor restarting the server, a `stop` returning) finds
        // what the state held (a socket, a lock, a file) released. A panic
        // in its `Drop` does not change the reason.
        let _ = catch_unwind(AssertUnwindSafe(move || drop(state)));
        let Some(unhandled) = self.shared.exit(reason.clone()) else {
            // Killed from outside first (a start timeout): that was the exit.
            return;
        };
        if !reason.is_normal() {
            report(
                &Label::new::<S>(self.shared.id, name),
                reason,
                last,
                view.as_deref(),
                panicked,
            );
        }
        drop(unhandled);
    }
}

/// Whether a crash report would be taken by the current subscriber: the
/// panic hook leaves a server's panic to the report only then.
pub(crate) fn crash_reports_enabled() -> bool {
    tracing::enabled!(tracing::Level::ERROR)
}

/// Logs a crash report: one `tracing` error event, as Elixir's logger
/// prints `GenServer <name> terminating`, the reason, the last message and
/// its client, and the state.
#[cold]
#[inline(never)]
fn report(
    who: &Label,
    reason: &ExitReason,
    last: Option<Last>,
    view: Option<&str>,
    panicked: Option<&Panicked>,
) {
    use std::fmt::Write as _;

    // Nobody takes the event: skip building its message too.
    if !crash_reports_enabled() {
        return;
    }
    let location = panicked.and_then(|panicked| panicked.location.as_deref());
    let backtrace = panicked.and_then(|panicked| panicked.backtrace.as_deref());
    let mut message = format!("GenServer {who} terminating: {reason}");
    if let Some(location) = location {
        let _ = write!(message, " at {location}");
    }
    if let Some(last) = last {
        let _ = write!(message, "; last message {}", last.name);
        if let Some(task) = last.caller {
            let _ = write!(message, " from task {task}");
        }
    }
    if let Some(view) = view {
        let _ = write!(message, "; state: {view}");
    }
    if let Some(backtrace) = backtrace {
        let _ = write!(message, "\nbacktrace:\n{backtrace}");
    }
    tracing::error!(
        server = who.type_name,
        id = who.id.as_u64(),
        name = who.name.as_deref(),
        reason = %reason,
        location,
        last_message = last.map_or("none", |last| last.name),
        caller = last.and_then(|last| last.caller).map(|task| task.to_string()),
        state = view,
        backtrace,
        "{message}",
    );
}

impl<S: GenServer> Drop for ExitGuard<S> {
    fn drop(&mut self) {
        // Normal paths exit before the guard goes; this catches an aborted
        // task. (Looked at without the lock first: after a normal exit,
        // publishing `Killed` would box a reason, take the lock and free the
        // box only to find the exit done.)
        if !self.shared.has_exited() {
            drop(self.shared.exit(ExitReason::Killed));
        }
    }
}

/// Makes a callback's future, catching a panic (into `crash`) as
/// [`poll_caught`] does for its polls.
fn build<F>(crash: &mut Option<Box<ExitReason>>, make: impl FnOnce() -> F) -> Option<F> {
    match catch_callback(make) {
        Ok(future) => Some(future),
        Err(payload) => {
            // Boxed: this slot lives in every server task, panics are rare.
            *crash = Some(Box::new(panic_reason(&*payload)));
            None
        }
    }
}

/// Polls a callback once, turning a panic into [`ExitReason::Panic`].
pub(crate) fn poll_caught<F: Future>(
    future: Pin<&mut F>,
    cx: &mut std::task::Context<'_>,
) -> Poll<Result<F::Output, ExitReason>> {
    match catch_callback(|| future.poll(cx)) {
        Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
        Ok(Poll::Pending) => Poll::Pending,
        Err(payload) => Poll::Ready(Err(panic_reason(&*payload))),
    }
}

/// The exit reason for a panic with this payload.
fn panic_reason(payload: &(dyn Any + Send)) -> ExitReason {
    ExitReason::Panic(panics::panic_message(payload).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_options_debug_shows_only_what_a_user_sets() {
        let options = StartOptions::new()
            .timeout(Duration::from_secs(1))
            .mailbox(8);
        assert_eq!(
            format!("{options:?}"),
            "StartOptions { timeout: Some(1s), name: None, mailbox: Some(8), .. }"
        );
    }

    /// The benchmarks' counter, as a user writes it: plain `fn` init and
    /// handlers, so no future of theirs is ever stored in the task.
    struct Counter {
        count: u64,
    }

    #[crate::gen_server(crate = "crate")]
    impl Counter {
        #[init]
        fn init(start: Option<Arc<u64>>) -> Self {
            Counter {
                count: start.map_or(0, |start| *start),
            }
        }

        #[call]
        fn call(&mut self, x: u64) -> u64 {
            self.count += x;
            self.count
        }

        #[cast]
        fn cast(&mut self, x: u64) {
            self.count += x;
        }
    }

    /// An idle server's task is a tokio task cell around this future, and
    /// cells come in 128-byte steps (header and trailer take 104 bytes): up
    /// to 152 bytes of future the cell is 256 bytes, above it 384. This keeps
    /// the loop's own state from growing past that line unnoticed.
    #[test]
    fn an_idle_small_server_fits_the_smallest_task_cell() {
        let shared = Arc::new(Shared::<Counter>::new(ServerId::next(), true, None));
        let future = run(ExitGuard { shared }, None);
        let size = std::mem::size_of_val(&future);
        assert!(size <= 152, "the server task's future grew to {size} bytes");
        // And the shared state, an `Arc` of its own: 88 bytes plus the
        // `Arc`'s two counts make 104, so an idle server costs 360 bytes.
        let shared = std::mem::size_of::<Shared<Counter>>();
        assert!(shared <= 88, "the shared state grew to {shared} bytes");
    }

    #[tokio::test]
    async fn a_name_shows_in_debug_and_reports_until_the_exit() {
        let counter = Counter::start(None).await.unwrap();
        let id = counter.id();
        assert_eq!(counter.registered_name(), None);
        assert!(!format!("{counter:?}").contains("name"));
        counter
            .handle()
            .shared()
            .set_name(Some(Arc::from("counter")));
        assert_eq!(counter.registered_name().as_deref(), Some("counter"));
        let debug = format!("{counter:?}");
        assert!(debug.contains(r#"name: "counter""#), "{debug}");
        assert!(format!("{:?}", counter.handle()).contains(r#"name: "counter""#));
        let label = Label::new::<Counter>(id, counter.registered_name()).to_string();
        assert!(
            label.ends_with(&format!("Counter{id} (counter)")),
            "{label}"
        );
        counter.handle().shared().set_name(None);
        assert_eq!(counter.registered_name(), None);
        counter.handle().shared().set_name(Some(Arc::from("again")));
        counter.stop().await.unwrap();
        // Gone with the server.
        assert_eq!(counter.registered_name(), None);
    }

    #[tokio::test]
    async fn the_counter_serves() {
        let counter = Counter::start(Some(Arc::new(40))).await.unwrap();
        counter.cast(1);
        assert_eq!(counter.call(1).await, Ok(42));
    }
}
