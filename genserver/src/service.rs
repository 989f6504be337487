//! A service's lifetime: run the top of a supervision tree until the
//! service is asked to stop, then stop the tree in order.
//!
//! What an OTP release does for an application: its top supervisor runs
//! until the node is told to stop (`init:stop/0`, SIGTERM since OTP 19),
//! then it is stopped with `shutdown`, which stops every child in reverse
//! start order, each within its own shutdown budget.
//!
//! * [`run_until_shutdown`]: until ctrl-c or (on Unix) SIGTERM.
//! * [`run_until`]: until any future you give completes (a channel, a
//!   timer, an admin endpoint), which is also how it is tested.
//!
//! Either way it returns the root's exit reason: [`ExitReason::Shutdown`]
//! after a clean stop, or whatever ended the root if it exited by itself
//! (a supervisor that gave up after too many restarts exits `Shutdown`
//! too; see its crash reports in `tracing`).
//!
//! ```no_run
//! use genserver::prelude::*;
//!
//! struct App;
//!
//! #[gen_server]
//! impl App {}
//!
//! #[tokio::main]
//! async fn main() {
//!     let root = App::start(App).await.expect("start");
//!     let reason = genserver::run_until_shutdown(&root).await;
//!     println!("stopped: {reason}");
//! }
//! ```

use std::future::Future;
use std::pin::pin;
use std::task::Poll;
use std::time::Duration;

use crate::error::ExitReason;
use crate::registry::Pid;

/// Runs until `shutdown` completes or `root` exits by itself, whichever
/// comes first. On `shutdown`, stops `root` with [`ExitReason::Shutdown`]
/// and waits, without a limit, until it has exited: a supervisor stops its
/// children within their own shutdown budgets, so the wait is bounded by
/// them. Returns the reason `root` exited with.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use genserver::prelude::*;
/// use genserver::{Strategy, Supervisor, SupervisorSpec};
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() -> Result<(), genserver::Error> {
/// let root = Supervisor::start(SupervisorSpec::new(Strategy::OneForOne)).await?;
/// // In a binary: `genserver::run_until_shutdown(&root).await` (ctrl-c or SIGTERM).
/// let reason = genserver::run_until(&root, tokio::time::sleep(Duration::from_secs(1))).await;
/// assert_eq!(reason, ExitReason::Shutdown);
/// # Ok(())
/// # }
/// ```
pub async fn run_until<F>(root: impl Into<Pid>, shutdown: F) -> ExitReason
where
    F: Future,
{
    let root = root.into();
    if let Either::Left(reason) = first(root.exited(), shutdown).await {
        tracing::info!(root = %root, %reason, "the root of the service exited by itself");
        return reason;
    }
    tracing::info!(root = %root, "stopping the service");
    // Already gone (or going with another reason): its reason is the answer.
    let _ = root.stop_with(ExitReason::Shutdown, Duration::MAX).await;
    let reason = root.exited().await;
    tracing::info!(root = %root, %reason, "the service stopped");
    reason
}

/// [`run_until`] ctrl-c or, on Unix, SIGTERM ([`shutdown_signal`]).
///
/// # Examples
///
/// The root of a service that ends by itself, with no signal:
///
/// ```
/// use std::time::Duration;
/// use genserver::prelude::*;
///
/// struct Done;
///
/// struct Job;
///
/// #[gen_server]
/// impl Job {
///     #[init]
///     fn init((): (), ctx: &mut Context<Self>) -> Self {
///         ctx.send_after(Done, Duration::from_secs(1));
///         Job
///     }
///
///     #[info]
///     fn done(&mut self, _: Done, ctx: &mut Context<Self>) {
///         ctx.stop(ExitReason::shutdown_with("job done"));
///     }
/// }
///
/// #[tokio::main(flavor = "current_thread", start_paused = true)]
/// async fn main() -> Result<(), genserver::Error> {
///     let root = Job::start(()).await?;
///     // Until ctrl-c or SIGTERM stops the root (reason: Shutdown), or it ends.
///     let reason = genserver::run_until_shutdown(&root).await;
///     assert_eq!(reason, ExitReason::shutdown_with("job done"));
///     Ok(())
/// }
/// ```
pub async fn run_until_shutdown(root: impl Into<Pid>) -> ExitReason {
    run_until(root, shutdown_signal()).await
}

/// Completes when the process receives ctrl-c (SIGINT) or, on Unix,
/// SIGTERM: what a terminal or a service manager sends to ask for a clean
/// stop. A signal it cannot listen for (logged at warn level) never
/// completes it.
///
/// It installs tokio's signal handlers, which stay for the life of the
/// process: after the first such signal, ctrl-c no longer ends the process
/// by itself.
///
/// # Examples
///
/// Stopping a service on a signal or on a request of its own, whichever
/// comes first:
///
/// ```
/// use genserver::prelude::*;
/// use genserver::{Strategy, Supervisor, SupervisorSpec};
///
/// #[tokio::main(flavor = "current_thread")]
/// async fn main() -> Result<(), genserver::Error> {
///     let root = Supervisor::start(SupervisorSpec::new(Strategy::OneForOne)).await?;
///     let (stop, stop_requested) = tokio::sync::oneshot::channel::<()>();
///     stop.send(()).ok(); // e.g. from an admin endpoint
///     let shutdown = async {
///         tokio::select! {
///             () = genserver::shutdown_signal() => {}
///             _ = stop_requested => {}
///         }
///     };
///     assert_eq!(genserver::run_until(&root, shutdown).await, ExitReason::Shutdown);
///     Ok(())
/// }
/// ```
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::warn!(%error, "cannot listen for ctrl-c");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut sigterm) => {
                sigterm.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    match first(ctrl_c, terminate).await {
        Either::Left(()) => tracing::info!("ctrl-c received"),
        Either::Right(()) => tracing::info!("SIGTERM received"),
    }
}

/// The output of whichever of two futures completed first.
enum Either<A, B> {
    Left(A),
    Right(B),
}

/// Waits for the first of `a` and `b` (`a` first when both are ready),
/// and drops the other.
async fn first<A: Future, B: Future>(a: A, b: B) -> Either<A::Output, B::Output> {
    let mut a = pin!(a);
    let mut b = pin!(b);
    std::future::poll_fn(|cx| {
        if let Poll::Ready(out) = a.as_mut().poll(cx) {
            return Poll::Ready(Either::Left(out));
        }
        b.as_mut().poll(cx).map(Either::Right)
    })
    .await
}
