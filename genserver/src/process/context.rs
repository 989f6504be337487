//! The context a callback can ask for: who it is, how to stop, what to do
//! next (continue, idle timeout, hibernate), and, through the OTP modules,
//! links, monitors, trapping exits and timers.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::error::ExitReason;
use crate::process::handle::{Handle, ReplyTo, ServerId, ServerRef};
use crate::process::mailbox::{Envelope, HookKey, Receiver, Shared};
use crate::server::GenServer;

/// What a handler can ask of the runtime while it runs.
///
/// Take it as an argument of type `&mut Context<Self>` (or `&Context<Self>`)
/// in any handler:
///
/// ```
/// use genserver::prelude::*;
///
/// struct Session { open: bool }
///
/// #[gen_server]
/// impl Session {
///     /// Closes the session: replies `true`, then the server stops.
///     #[call]
///     fn close(&mut self, ctx: &mut Context<Self>) -> bool {
///         self.open = false;
///         ctx.stop(ExitReason::Normal);
///         ctx.is_stopping() // true: the server stops once this returns
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let session = Session::start(Session { open: true }).await.unwrap();
/// assert!(session.close().await.unwrap());
/// assert_eq!(session.exited().await, Ok(ExitReason::Normal));
/// # }
/// ```
pub struct Context<S: GenServer> {
    pub(crate) shared: Arc<Shared<S>>,
    /// What the running callback asked the loop to do once it returns:
    /// stop, continue, an idle timeout. Boxed, since it is rare and the
    /// context lives in every idle server, and taken after each callback.
    /// In a `Mutex` only so that `Context` is `Sync`, which an async handler
    /// holding a `&Context` across an `.await` needs (it is reached with
    /// `get_mut`, never locked).
    actions: Option<Box<Mutex<Actions<S>>>>,
    /// What the server set up for the rest of its life: trapping exits,
    /// the monitors it holds, its `:sys` debug state, an armed idle timeout.
    /// Made on first use.
    pub(crate) extra: Option<Box<Extra<S>>>,
}

/// A reply held back until `terminate` has run.
pub(crate) type HeldReply = Box<dyn FnOnce() + Send>;

/// See [`Context::actions`].
pub(crate) struct Actions<S: GenServer> {
    /// `{:stop, reason, ...}`, with the reply held back until `terminate`
    /// has run (`{:stop, reason, reply, state}`).
    pub(crate) stop: Option<(ExitReason, Option<HeldReply>)>,
    /// `{:continue, arg}`: handled before anything in the mailbox.
    pub(crate) next: Option<S::Info>,
    /// `{:noreply, state, timeout}`: the idle timeout and the message it
    /// sends.
    pub(crate) idle: Option<(Duration, IdleMessage<S>)>,
    /// `:hibernate`: give back the mailbox's memory before waiting.
    pub(crate) hibernate: bool,
    /// An exit signal from the server's own task ended it: its exit is
    /// published, and the loop ends without `terminate`.
    pub(crate) killed: bool,
}

impl<S: GenServer> Default for Actions<S> {
    fn default() -> Self {
        Actions {
            stop: None,
            next: None,
            idle: None,
            hibernate: false,
            killed: false,
        }
    }
}

/// Makes the info message an idle timeout sends.
pub(crate) type IdleMessage<S> = fn() -> <S as GenServer>::Info;

/// See [`Context::extra`].
pub(crate) struct Extra<S: GenServer> {
    /// Turns a trapped exit signal into the server's info message; set
    /// while the server traps exits.
    pub(crate) trap: Option<fn(crate::Exit) -> S::Info>,
    /// Turns a down message into the server's info message; set by the
    /// first monitor.
    pub(crate) down: Option<fn(crate::Down) -> S::Info>,
    /// The monitors this server holds: the reference and the watched server.
    pub(crate) monitors: Vec<(crate::MonitorRef, Arc<dyn crate::process::handle::Process>)>,
    /// An idle timeout waiting to fire, while the server waits for mail.
    pub(crate) idle: Option<Idle<S>>,
    /// `:sys` debug state: suspended, statistics, trace.
    pub(crate) sys: crate::sys::Debug<S>,
    /// The span of a message that `handle_*_now` handed back, for the
    /// `async` handler to run in (see `process::spans`).
    pub(crate) span: Option<tracing::Span>,
}

/// An armed idle timeout.
pub(crate) struct Idle<S: GenServer> {
    pub(crate) timeout: Duration,
    pub(crate) message: IdleMessage<S>,
    /// Armed when the server goes to wait, not before.
    pub(crate) sleep: Option<crate::process::blocking::Sleep>,
}

impl<S: GenServer> Default for Extra<S> {
    fn default() -> Self {
        Extra {
            trap: None,
            down: None,
            monitors: Vec::new(),
            idle: None,
            sys: crate::sys::Debug::default(),
            span: None,
        }
    }
}

impl<S: GenServer> Extra<S> {
    /// A batch was taken: it cancels an armed idle timeout unless it holds
    /// only system messages, after which the countdown starts again.
    pub(crate) fn on_mail(&mut self, mailbox: &Receiver<S>) {
        if let Some(idle) = &mut self.idle {
            if mailbox
                .pending()
                .all(|envelope| matches!(envelope, Envelope::System(_)))
            {
                idle.sleep = None;
            } else {
                self.idle = None;
            }
        }
        if let Some(count) = &mut self.sys.messages_in {
            // `:sys` requests are not counted (OTP counts only the
            // messages the callbacks see).
            *count += mailbox
                .pending()
                .filter(|envelope| !matches!(envelope, Envelope::System(_)))
                .count() as u64;
        }
    }
}

impl<S: GenServer> Drop for Extra<S> {
    fn drop(&mut self) {
        // A server that exits stops watching: the servers it monitored
        // forget it (Erlang removes a dead process's monitors).
        for (monitor, target) in self.monitors.drain(..) {
            target.remove_hook(HookKey::Monitor(monitor.0));
        }
    }
}

impl<S: GenServer> Context<S> {
    pub(crate) fn new(shared: Arc<Shared<S>>) -> Self {
        Context {
            shared,
            actions: None,
            extra: None,
        }
    }

    /// This server's id.
    ///
    /// See the example on [`server_ref`](Context::server_ref).
    pub fn id(&self) -> ServerId {
        self.shared.id
    }

    /// A new reference to this server, for example to hand to a task that
    /// will cast back to it.
    ///
    /// A plain server lives as long as references to it exist, so storing
    /// this in the server's own state keeps it alive until it stops itself.
    ///
    /// # Examples
    ///
    /// ```
    /// use genserver::prelude::*;
    /// use genserver::ServerId;
    ///
    /// #[derive(Default)]
    /// struct Crawler {
    ///     fetched: Vec<usize>,
    /// }
    ///
    /// #[gen_server]
    /// impl Crawler {
    ///     /// Fetches off the server's loop: a task does the work, reports
    ///     /// back with a cast, then answers the caller.
    ///     #[call]
    ///     fn fetch(&mut self, url: String, reply: ReplyTo<()>, ctx: &mut Context<Self>) {
    ///         let me = ctx.server_ref();
    ///         tokio::spawn(async move {
    ///             let size = url.len(); // e.g. an HTTP request
    ///             me.fetched(size);
    ///             reply.send(());
    ///         });
    ///     }
    ///
    ///     #[cast]
    ///     fn fetched(&mut self, size: usize) {
    ///         self.fetched.push(size);
    ///     }
    ///
    ///     #[call]
    ///     fn sizes(&self, ctx: &mut Context<Self>) -> (ServerId, Vec<usize>) {
    ///         (ctx.id(), self.fetched.clone())
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), genserver::Error> {
    /// let crawler = Crawler::start(Crawler::default()).await?;
    /// crawler.fetch("https://elixir-lang.org".into()).await?;
    /// assert_eq!(crawler.sizes().await?, (crawler.id(), vec![23]));
    /// assert_eq!(format!("{}", crawler.id()), format!("#{}", crawler.id().as_u64()));
    /// # Ok(())
    /// # }
    /// ```
    pub fn server_ref(&self) -> ServerRef<S> {
        ServerRef::from_handle(Handle::new(Arc::clone(&self.shared)))
    }

    /// Stops the server once the current handler returns: `terminate` runs
    /// with `reason`, then the server exits with it.
    ///
    /// In a call handler that returns a value, the caller gets that value
    /// *after* `terminate` has run (`{:stop, reason, reply, state}`). A call
    /// handler that takes a [`ReplyTo`] and does not answer leaves its caller
    /// with [`CallError::Exit`](crate::CallError::Exit) (`{:stop, reason, state}`).
    ///
    /// In `init` it has no effect: `init` says that it fails by what it
    /// returns (`Err`, or [`Init::Stop`](crate::Init::Stop)).
    ///
    /// See the example on [`Context`].
    pub fn stop(&mut self, reason: ExitReason) {
        let actions = self.actions();
        match &mut actions.stop {
            Some((stop, _)) => *stop = reason,
            None => actions.stop = Some((reason, None)),
        }
    }

    /// Whether [`stop`](Context::stop) was called in this handler.
    ///
    /// See the example on [`Context`].
    pub fn is_stopping(&self) -> bool {
        self.actions.as_ref().is_some_and(|actions| {
            actions
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .stop
                .is_some()
        })
    }

    /// Handles `message` with its `#[continuation]` handler as soon as the
    /// current callback returns, before anything already in the mailbox
    /// (`{:noreply, state, {:continue, arg}}`, `handle_continue/2`).
    ///
    /// Use it for work that must happen next, unconditionally: the slow
    /// part of `init` (which `start` then does not wait for), or a step that
    /// follows a reply. A continuation may ask for another one; a later call
    /// in the same callback replaces an earlier one.
    ///
    /// # Examples
    ///
    /// ```
    /// use genserver::prelude::*;
    ///
    /// /// The continuation step of `init`.
    /// struct Load;
    ///
    /// struct Catalog {
    ///     items: Vec<&'static str>,
    /// }
    ///
    /// #[gen_server]
    /// impl Catalog {
    ///     #[init]
    ///     fn init((): (), ctx: &mut Context<Self>) -> Self {
    ///         ctx.continue_with(Load); // {:ok, state, {:continue, :load}}
    ///         Catalog { items: Vec::new() }
    ///     }
    ///
    ///     /// Runs after `start` has returned, before any request.
    ///     #[continuation]
    ///     async fn load(&mut self, _: Load) {
    ///         self.items = vec!["tea", "cake"]; // e.g. read from a database
    ///     }
    ///
    ///     #[call]
    ///     fn count(&self) -> usize {
    ///         self.items.len()
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), genserver::Error> {
    /// let catalog = Catalog::start(()).await?;
    /// assert_eq!(catalog.count().await?, 2);
    /// # Ok(())
    /// # }
    /// ```
    pub fn continue_with<M>(&mut self, message: M)
    where
        S: crate::HandleContinue<M>,
    {
        self.actions().next = Some(S::into_continue(message));
    }

    /// Sets an idle timeout (`{:noreply, state, timeout}`): if no call, cast
    /// or info message arrives within `timeout` after the current callback,
    /// the server gets an [`IdleTimeout`](crate::IdleTimeout) info message.
    ///
    /// As in Elixir it is not a timer: any message cancels it, a message
    /// already waiting in the mailbox means it never starts, and
    /// `Duration::ZERO` fires only if the mailbox is empty. Each callback
    /// decides anew: one that does not call this leaves no timeout, and a
    /// continuation asked for in the same callback runs first, as a waiting
    /// message would, so the timeout never starts. `:sys` requests
    /// do not cancel it; its countdown starts again after them. For periodic
    /// work use [`send_after`](crate::send_after) or
    /// [`send_interval`](crate::send_interval).
    ///
    /// The countdown runs on tokio's clock (a paused clock in tests holds
    /// it). On a runtime built without tokio's time driver (no
    /// `enable_time`), genserver's own timer thread keeps it instead, as it
    /// keeps call timeouts there; it then follows the system clock.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use genserver::prelude::*;
    /// use genserver::IdleTimeout;
    ///
    /// struct Connection;
    ///
    /// #[gen_server]
    /// impl Connection {
    ///     #[init]
    ///     fn init((): (), ctx: &mut Context<Self>) -> Self {
    ///         ctx.idle_timeout(Duration::from_secs(30)); // {:ok, state, 30_000}
    ///         Connection
    ///     }
    ///
    ///     #[call]
    ///     fn query(&self, ctx: &mut Context<Self>) {
    ///         ctx.idle_timeout(Duration::from_secs(30)); // each callback decides anew
    ///     }
    ///
    ///     /// handle_info(:timeout, state): 30 s without a message.
    ///     #[info]
    ///     fn idle(&mut self, _: IdleTimeout, ctx: &mut Context<Self>) {
    ///         ctx.stop(ExitReason::shutdown_with("idle"));
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), genserver::Error> {
    /// let started = tokio::time::Instant::now();
    /// let connection = Connection::start(()).await?;
    /// tokio::time::sleep(Duration::from_secs(20)).await;
    /// connection.query().await?; // the countdown starts again
    /// assert_eq!(connection.exited().await?, ExitReason::shutdown_with("idle"));
    /// assert_eq!(started.elapsed(), Duration::from_secs(50));
    /// # Ok(())
    /// # }
    /// ```
    pub fn idle_timeout(&mut self, timeout: Duration)
    where
        S: crate::HandleInfo<crate::IdleTimeout>,
    {
        self.actions().idle = Some((timeout, || S::into_info(crate::IdleTimeout)));
    }

    /// Gives back the mailbox's spare memory before the server waits for
    /// its next message (`:hibernate`): an idle server returns to its
    /// smallest size. A server shrinks oversized buffers by itself after a
    /// burst; this lets go of all of them, at the cost of allocating again
    /// for the next message, so use it for servers that stay idle long.
    ///
    /// # Examples
    ///
    /// ```
    /// use genserver::prelude::*;
    ///
    /// struct Batch(Vec<u64>);
    ///
    /// #[gen_server]
    /// impl Batch {
    ///     #[cast]
    ///     fn add(&mut self, n: u64) {
    ///         self.0.push(n);
    ///     }
    ///
    ///     /// Sums the batch, then sleeps light until the next one.
    ///     #[call]
    ///     fn flush(&mut self, ctx: &mut Context<Self>) -> u64 {
    ///         ctx.hibernate(); // {:reply, sum, state, :hibernate}
    ///         self.0.drain(..).sum()
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), genserver::Error> {
    /// let batch = Batch::start(Batch(Vec::new())).await?;
    /// (1..=1000).for_each(|n| batch.add(n));
    /// assert_eq!(batch.flush().await?, 500_500);
    /// assert_eq!(batch.flush().await?, 0); // it serves on after hibernating
    /// # Ok(())
    /// # }
    /// ```
    pub fn hibernate(&mut self) {
        self.actions().hibernate = true;
    }

    /// Ends the server from its own task, as an exit signal that it does
    /// not trap does: the exit is published now, and the loop stops once
    /// the current callback returns, without `terminate`.
    pub(crate) fn die(&mut self, reason: ExitReason) {
        crate::process::handle::Process::kill(&*self.shared, reason);
        self.actions().killed = true;
    }

    /// The actions box, made on first use.
    fn actions(&mut self) -> &mut Actions<S> {
        self.actions
            .get_or_insert_with(Box::default)
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Drops a stop asked for in `init`, where it has no effect.
    pub(crate) fn forget_stop(&mut self) {
        if let Some(actions) = &mut self.actions {
            actions
                .get_mut()
                .unwrap_or_else(PoisonError::into_inner)
                .stop = None;
        }
    }

    /// Whether the callback that just ran asked for anything (cheap: the
    /// loop asks after every message).
    #[inline]
    pub(crate) fn has_actions(&self) -> bool {
        self.actions.is_some()
    }

    /// What the callback that just ran asked for.
    pub(crate) fn take_actions(&mut self) -> Option<Actions<S>> {
        self.actions
            .take()
            .map(|actions| actions.into_inner().unwrap_or_else(PoisonError::into_inner))
    }

    /// The lifetime state, made on first use.
    pub(crate) fn extra(&mut self) -> &mut Extra<S> {
        self.extra.get_or_insert_with(Box::default)
    }

    /// Answers a call. Generated code uses this for handlers that return their
    /// reply; it holds the reply back until `terminate` ran if the handler
    /// asked to stop.
    #[doc(hidden)]
    pub fn reply<T: Send + 'static>(&mut self, to: ReplyTo<T>, value: T) {
        // `:sys.trace`: a branch on a pointer in the context, `None` for a
        // server that never used `:sys`.
        if self.extra.as_ref().is_some_and(|extra| extra.sys.trace) {
            crate::sys::trace_reply::<S, T>(self.shared.id);
        }
        if let Some(actions) = &mut self.actions {
            let actions = actions.get_mut().unwrap_or_else(PoisonError::into_inner);
            if let Some((_, held)) = &mut actions.stop {
                *held = Some(Box::new(move || to.send(value)));
                return;
            }
        }
        to.send(value);
    }
}

impl<S: GenServer> fmt::Debug for Context<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("server", &std::any::type_name::<S>())
            .field("id", &self.shared.id)
            .field("stopping", &self.is_stopping())
            .finish_non_exhaustive()
    }
}
