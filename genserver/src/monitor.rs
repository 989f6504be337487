//! Monitors: Erlang's `monitor/2` and `demonitor/2`.
//!
//! A monitor watches a server one way: when it exits, the watcher gets
//! exactly one [`Down`] message with the reason, and nothing else happens
//! to the watcher. Monitoring a server that is not running gives `Down`
//! with [`ExitReason::NoProc`] at once. [`Context::demonitor`] removes the
//! monitor and any `Down` of it not handled yet (`demonitor(ref, [:flush])`).
//!
//! * From a server: [`Context::monitor`], with an `#[info]` handler for
//!   [`Down`] (the bound makes a missing handler a compile error).
//! * From anywhere else: [`ServerRef::monitor`] returns a [`Monitor`], a
//!   future that resolves to the `Down`; dropping it demonitors.
//!
//! ```
//! use genserver::prelude::*;
//!
//! struct Worker;
//!
//! #[gen_server]
//! impl Worker {}
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let worker = Worker::start(Worker).await?;
//! let monitor = worker.monitor();
//! worker.stop_with(ExitReason::Shutdown).await?;
//! assert_eq!(monitor.await.reason, ExitReason::Shutdown);
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};

use crate::error::ExitReason;
use crate::process::context::Context;
use crate::process::handle::{Process, ServerId, ServerRef};
use crate::process::mailbox::{HookKey, unique};
use crate::server::{GenServer, HandleInfo};

/// A monitor's identity: what [`Context::monitor`] returns and [`Down`]
/// carries, to tell monitors apart.
///
/// See the example on [`Context::demonitor`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MonitorRef(pub(crate) u64);

impl fmt::Debug for MonitorRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#Ref<{}>", self.0)
    }
}

/// A monitored server exited: Erlang's `{:DOWN, ref, :process, pid, reason}`.
///
/// # Examples
///
/// ```
/// use genserver::prelude::*;
/// use genserver::Down;
///
/// #[derive(Default)]
/// struct Watcher {
///     down: Vec<String>,
/// }
///
/// #[gen_server]
/// impl Watcher {
///     #[call]
///     fn watch(&mut self, other: ServerRef<Worker>, ctx: &mut Context<Self>) {
///         ctx.monitor(&other); // Process.monitor(pid)
///     }
///
///     /// handle_info({:DOWN, ref, :process, pid, reason}, state)
///     #[info]
///     fn down(&mut self, down: Down) {
///         self.down.push(down.reason.to_string());
///     }
///
///     #[call]
///     fn down_seen(&self) -> Vec<String> {
///         self.down.clone()
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
/// let watcher = Watcher::start(Watcher::default()).await?;
/// let worker = Worker::start(Worker).await?;
/// watcher.watch(worker.clone()).await?;
/// worker.stop_with(ExitReason::Shutdown).await?;
/// assert_eq!(watcher.down_seen().await?, ["shutdown"]);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Down {
    /// The monitor that fired.
    pub monitor: MonitorRef,
    /// The server that exited.
    pub id: ServerId,
    /// Why: the reason its `terminate` saw, or [`ExitReason::NoProc`] if it
    /// was not running when the monitor was set up.
    pub reason: ExitReason,
}

impl<S: GenServer> Context<S> {
    /// Monitors `server` (`Process.monitor/1`): when it exits, this server
    /// gets one [`Down`] info message. If it is not running, the `Down`
    /// (with [`ExitReason::NoProc`]) is on its way at once.
    ///
    /// See the examples on [`Down`] and [`demonitor`](Context::demonitor).
    pub fn monitor<T: GenServer>(&mut self, server: &ServerRef<T>) -> MonitorRef
    where
        S: HandleInfo<Down>,
    {
        let monitor = MonitorRef(unique());
        let target: Arc<dyn Process> = Arc::clone(server.handle().shared_arc()) as Arc<dyn Process>;
        let extra = self.extra();
        extra.down = Some(S::into_info as fn(Down) -> S::Info);
        extra.monitors.push((monitor, Arc::clone(&target)));
        // The watcher is held uncounted: a monitor does not keep it alive.
        let watcher = Arc::clone(&self.shared);
        let hook = Box::new(move |id, reason: &ExitReason| {
            let down = Down {
                monitor,
                id,
                reason: reason.clone(),
            };
            watcher.send_signal(Box::new(move |_, ctx| ctx.down(down)));
        });
        if target.add_hook(HookKey::Monitor(monitor.0), hook).is_err() {
            let down = Down {
                monitor,
                id: target.id(),
                reason: ExitReason::NoProc,
            };
            let _ = self
                .shared
                .send_signal(Box::new(move |_, ctx| ctx.down(down)));
        }
        monitor
    }

    /// Removes a monitor (`Process.demonitor(ref, [:flush])`): no `Down`
    /// of it will be handled, even one already in the mailbox. `false` if
    /// it had fired already or was not this server's.
    ///
    /// # Examples
    ///
    /// ```
    /// use genserver::prelude::*;
    /// use genserver::{Down, MonitorRef};
    ///
    /// #[derive(Default)]
    /// struct Watcher {
    ///     last: Option<MonitorRef>,
    ///     down: Vec<MonitorRef>,
    /// }
    ///
    /// #[gen_server]
    /// impl Watcher {
    ///     #[call]
    ///     fn watch(&mut self, other: ServerRef<Worker>, ctx: &mut Context<Self>) -> MonitorRef {
    ///         let monitor = ctx.monitor(&other);
    ///         self.last = Some(monitor);
    ///         monitor
    ///     }
    ///
    ///     /// Drops the last monitor set up (`Process.demonitor(ref, [:flush])`).
    ///     #[call]
    ///     fn forget_last(&mut self, ctx: &mut Context<Self>) -> bool {
    ///         self.last.take().is_some_and(|monitor| ctx.demonitor(monitor))
    ///     }
    ///
    ///     #[info]
    ///     fn down(&mut self, down: Down) {
    ///         self.down.push(down.monitor);
    ///     }
    ///
    ///     #[call]
    ///     fn down_seen(&self) -> Vec<MonitorRef> {
    ///         self.down.clone()
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
    /// let watcher = Watcher::start(Watcher::default()).await?;
    /// let worker = Worker::start(Worker).await?;
    /// let first = watcher.watch(worker.clone()).await?;
    /// let second = watcher.watch(worker.clone()).await?; // two monitors, two `Down`s
    /// assert_ne!(first, second);
    /// assert!(watcher.forget_last().await?); // the second one
    /// worker.stop().await?;
    /// assert_eq!(watcher.down_seen().await?, [first]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn demonitor(&mut self, monitor: MonitorRef) -> bool {
        let Some(extra) = self.extra.as_deref_mut() else {
            return false;
        };
        let Some(at) = extra.monitors.iter().position(|(m, _)| *m == monitor) else {
            return false;
        };
        let (_, target) = extra.monitors.swap_remove(at);
        target.remove_hook(HookKey::Monitor(monitor.0));
        // A `Down` already queued finds the monitor gone and is dropped.
        true
    }

    /// A monitor's `Down` reached the server: the info message for it,
    /// unless the monitor was removed meanwhile.
    pub(crate) fn down(&mut self, down: Down) -> Option<S::Info> {
        let extra = self.extra.as_deref_mut()?;
        let at = extra
            .monitors
            .iter()
            .position(|(m, _)| *m == down.monitor)?;
        extra.monitors.swap_remove(at);
        extra.down.map(|into_info| into_info(down))
    }
}

impl<S: GenServer> ServerRef<S> {
    /// Monitors the server from outside any server: the [`Monitor`]
    /// resolves to the [`Down`] when it exits (at once, with
    /// [`ExitReason::NoProc`], if it is not running). Dropping it
    /// demonitors. Unlike [`exited`](ServerRef::exited) it can be made
    /// anywhere, inside the server's own task too, and it does not keep the
    /// server alive.
    ///
    /// See the example on [`Monitor`].
    pub fn monitor(&self) -> Monitor {
        Monitor::new(Arc::clone(self.handle().shared_arc()) as Arc<dyn Process>)
    }
}

/// A monitor held by a task: a future of the [`Down`]. See
/// [`ServerRef::monitor`].
///
/// # Examples
///
/// ```
/// use genserver::prelude::*;
///
/// struct Worker;
///
/// #[gen_server]
/// impl Worker {}
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), genserver::Error> {
/// let worker = Worker::start(Worker).await?;
/// let monitor = worker.monitor(); // Process.monitor(pid)
/// let reference = monitor.monitor_ref();
/// worker.kill();
/// let down = monitor.await; // the {:DOWN, ref, :process, pid, reason} message
/// assert_eq!(down.monitor, reference);
/// assert_eq!(down.reason, ExitReason::Killed);
/// assert_eq!(down.id, worker.id());
/// # Ok(())
/// # }
/// ```
pub struct Monitor {
    reference: MonitorRef,
    target: Arc<dyn Process>,
    down: oneshot::AsyncReceiver<Down>,
}

impl Monitor {
    fn new(target: Arc<dyn Process>) -> Self {
        let monitor = MonitorRef(unique());
        let (tx, rx) = oneshot::async_channel();
        let hook = Box::new(move |id, reason: &ExitReason| {
            let _ = tx.send(Down {
                monitor,
                id,
                reason: reason.clone(),
            });
        });
        if let Err((hook, _)) = target.add_hook(HookKey::Monitor(monitor.0), hook) {
            drop(hook);
            let (tx, rx) = oneshot::async_channel();
            let _ = tx.send(Down {
                monitor,
                id: target.id(),
                reason: ExitReason::NoProc,
            });
            return Monitor {
                reference: monitor,
                target,
                down: rx,
            };
        }
        Monitor {
            reference: monitor,
            target,
            down: rx,
        }
    }

    /// This monitor's reference, as its [`Down`] carries it.
    ///
    /// See the example on [`Monitor`].
    pub fn monitor_ref(&self) -> MonitorRef {
        self.reference
    }
}

impl Future for Monitor {
    type Output = Down;

    fn poll(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Down> {
        match Pin::new(&mut self.down).poll(cx) {
            Poll::Ready(Ok(down)) => Poll::Ready(down),
            // The hook is dropped unsent only when the server's shared
            // state goes, which this monitor's `Arc` prevents; but answer
            // rather than hang.
            Poll::Ready(Err(_)) => Poll::Ready(Down {
                monitor: self.reference,
                id: self.target.id(),
                reason: ExitReason::NoProc,
            }),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        self.target.remove_hook(HookKey::Monitor(self.reference.0));
    }
}

impl fmt::Debug for Monitor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Monitor")
            .field("monitor", &self.reference)
            .field("server", &self.target.type_name())
            .field("id", &self.target.id())
            .finish_non_exhaustive()
    }
}
