//! One report per crash: the panic hook genserver installs.
//!
//! Rust reports a panic twice over when a server catches it: the panic
//! hook prints `thread '…' panicked at src/x.rs:10:5: …` as the panic
//! starts, and the server's crash report (a `tracing` error event) says
//! the same once `catch_unwind` has it. The report knows more (the server,
//! the last message, its caller, the state), the hook knows where the
//! panic happened. So the first time a server starts, genserver installs
//! a panic hook that wraps the one already installed (std's, or yours):
//!
//! * a panic inside a server's callback (init, a handler, terminate) is
//!   recorded for the crash report, with its location (and a backtrace if
//!   `RUST_BACKTRACE` asks for one), and not passed on, when a `tracing`
//!   subscriber takes the report. With no subscriber listening, it is
//!   passed on as before, so that it is still printed once.
//! * every other panic goes to the hook it wrapped, unchanged.
//!
//! [`report_panics_once(false)`](crate::report_panics_once) turns the
//! silence off: then the wrapped hook sees every panic, and the report
//! repeats it. Called before the first server starts, genserver never
//! installs its hook at all.
//!
//! What runs in a callback is marked by a thread-local holding the tokio
//! task of the server whose callback runs: set around each `catch_unwind`
//! of user code, and on the synchronous path once per batch of messages
//! and not cleared after it (clearing it there costs the loop more than
//! setting it). A mark left behind is harmless: the hook compares it with
//! the task it runs in, so a panic in any other task on the thread is
//! passed on, and a server task clears it when it leaves its loop, so
//! that its state's `Drop` is not taken for a callback. A handler that catches a panic of its own inside is inside
//! the mark too.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};

use crate::error::ExitReason;

/// Whether a server panic is left to its crash report alone.
static ONCE: AtomicBool = AtomicBool::new(true);

/// The hook: not installed yet, installed, or never to be installed.
static HOOK: AtomicU8 = AtomicU8::new(NOT_INSTALLED);
const NOT_INSTALLED: u8 = 0;
const INSTALLED: u8 = 1;
const LEFT_ALONE: u8 = 2;

thread_local! {
    /// The server task whose callback runs under `catch_unwind` on this
    /// thread (or ran last, on the synchronous path).
    static IN_CALLBACK: Cell<Option<tokio::task::Id>> = const { Cell::new(None) };
    /// The last panic of a callback on this thread, for its crash report.
    static CAUGHT: RefCell<Option<Box<Panicked>>> = const { RefCell::new(None) };
}

/// Whether a panic in a server's callback is reported once, by the
/// server's crash report, rather than also by the panic hook.
///
/// `true` is the default: the first time a server starts, genserver
/// installs a panic hook that wraps the one installed before it (std's,
/// which prints `thread '…' panicked at …`, or one of your own). A panic
/// inside a server's `init`, handler or `terminate` is then recorded for
/// the crash report, which carries its location (`file:line:col`, and a
/// backtrace when `RUST_BACKTRACE` asks for one), and is not passed on to
/// the wrapped hook. Every other panic (in your own tasks and threads, in
/// `main`) is passed on unchanged. If no `tracing` subscriber takes the
/// crash report (none is installed, or it filters genserver's errors out),
/// a server's panic is passed on too, so that it is still printed once.
///
/// `false` passes every panic on: the wrapped hook prints it, and the
/// crash report repeats it (still with the location). Called before the
/// first server starts, genserver leaves the panic hook alone altogether.
///
/// A hook you install *before* the first server starts is wrapped, and so
/// does not see the panics of servers; one you install *after* replaces
/// genserver's (crash reports then lose the location, and your hook sees
/// every panic), unless it calls the hook it took with
/// [`std::panic::take_hook`], as a hook that wraps another should. To have
/// your hook see every panic, call `report_panics_once(false)` first.
///
/// ```
/// // Keep std's panic output for servers' panics too.
/// genserver::report_panics_once(false);
/// # genserver::report_panics_once(true);
/// ```
pub fn report_panics_once(once: bool) {
    ONCE.store(once, Ordering::Relaxed);
    if !once {
        // Not installed yet: never will be. (Installed: it stays, and passes
        // every panic on.)
        let _ = HOOK.compare_exchange(
            NOT_INSTALLED,
            LEFT_ALONE,
            Ordering::Relaxed,
            Ordering::Relaxed,
        );
    }
}

/// Installs the panic hook, the first time a server starts. A load and a
/// branch every later time.
#[inline]
pub(crate) fn install_hook() {
    if HOOK.load(Ordering::Relaxed) == NOT_INSTALLED {
        install_hook_now();
    }
}

#[cold]
#[inline(never)]
fn install_hook_now() {
    // `take_hook` and `set_hook` panic on a panicking thread (a server
    // started from a `Drop` while unwinding): the next start installs it.
    if std::thread::panicking()
        || HOOK
            .compare_exchange(
                NOT_INSTALLED,
                INSTALLED,
                Ordering::Relaxed,
                Ordering::Relaxed,
            )
            .is_err()
    {
        return;
    }
    let wrapped = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // Recorded only for a report that will be logged: with nobody
        // listening, a crash costs no more than the hook it wraps (a
        // supervisor's restart begins with one).
        if in_callback() && crate::process::run::crash_reports_enabled() {
            record(info);
            if ONCE.load(Ordering::Relaxed) {
                return;
            }
        }
        wrapped(info);
    }));
}

/// What the hook saw of a callback's panic.
#[derive(Debug)]
pub(crate) struct Panicked {
    /// The panic message, to tell this panic from an older one.
    message: String,
    /// `file:line:col`.
    pub(crate) location: Option<String>,
    /// The backtrace, if `RUST_BACKTRACE` (or `RUST_LIB_BACKTRACE`) asked
    /// for one.
    pub(crate) backtrace: Option<String>,
}

fn record(info: &std::panic::PanicHookInfo<'_>) {
    let backtrace = std::backtrace::Backtrace::capture();
    let panicked = Panicked {
        message: panic_message(info.payload()).to_owned(),
        location: info.location().map(ToString::to_string),
        backtrace: (backtrace.status() == std::backtrace::BacktraceStatus::Captured)
            .then(|| backtrace.to_string()),
    };
    // A panic while the slot is borrowed (none is, but a hook must not
    // panic) leaves the report without the location.
    let _ = CAUGHT.try_with(|caught| {
        if let Ok(mut caught) = caught.try_borrow_mut() {
            *caught = Some(Box::new(panicked));
        }
    });
}

/// What the hook recorded of the panic that is `reason`, taken on the
/// thread that caught it (in the same poll). `None` for any other reason,
/// or if the hook did not see it (not installed, or replaced).
pub(crate) fn take_panicked(reason: &ExitReason) -> Option<Box<Panicked>> {
    let ExitReason::Panic(message) = reason else {
        return None;
    };
    CAUGHT
        .try_with(|caught| {
            let mut caught = caught.try_borrow_mut().ok()?;
            caught
                .take()
                .filter(|panicked| *panicked.message == **message)
        })
        .ok()
        .flatten()
}

/// Whether the panic being reported happens in a server's callback.
fn in_callback() -> bool {
    IN_CALLBACK
        .try_with(Cell::get)
        .ok()
        .flatten()
        .is_some_and(|task| tokio::task::try_id() == Some(task))
}

/// Marks the thread as running callbacks of the server task `task` (the
/// synchronous path, once per batch: see the module docs), or clears the
/// mark (`None`).
#[inline]
pub(crate) fn mark(task: Option<tokio::task::Id>) {
    IN_CALLBACK.set(task);
}

/// Clears the mark when dropped: held by a server task, so that what runs
/// after its last batch (a kill returns from anywhere) is never taken for
/// a callback.
pub(crate) struct Unmark;

impl Drop for Unmark {
    fn drop(&mut self) {
        mark(None);
    }
}

/// `catch_unwind` for a server's callback: marks the thread as running
/// one, for the panic hook, while `f` runs.
#[inline]
pub(crate) fn catch_callback<R>(f: impl FnOnce() -> R) -> std::thread::Result<R> {
    catch_callback_in(tokio::task::try_id(), f)
}

/// [`catch_callback`] in the server task `task`, already looked up.
#[inline]
pub(crate) fn catch_callback_in<R>(
    task: Option<tokio::task::Id>,
    f: impl FnOnce() -> R,
) -> std::thread::Result<R> {
    mark(task);
    let result = catch_unwind(AssertUnwindSafe(f));
    mark(None);
    result
}

/// A panic's message: the `&str` or `String` it was given.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> &str {
    if let Some(message) = payload.downcast_ref::<&'static str>() {
        message
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message
    } else {
        "Box<dyn Any>"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `f` in a tokio task (a server's callbacks run in one; the
    /// main future of `block_on` is not a task).
    async fn in_task<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
        tokio::spawn(async move { f() }).await.unwrap()
    }

    #[tokio::test]
    async fn the_callback_mark_holds_for_its_own_task_only() {
        install_hook();
        in_task(|| {
            assert!(!in_callback());
            assert_eq!(catch_callback(in_callback).ok(), Some(true));
            assert!(!in_callback());
            // Cleared after a panic too.
            assert!(catch_callback(|| panic!("marked")).is_err());
            assert!(!in_callback());
            mark(tokio::task::try_id());
            assert!(in_callback());
        })
        .await;
        // A mark left behind by another task does not hold here.
        let other = in_task(tokio::task::id).await;
        in_task(move || {
            mark(Some(other));
            assert!(!in_callback());
            mark(None);
        })
        .await;
        // Outside any task, never.
        assert_eq!(
            std::thread::spawn(|| catch_callback(in_callback).ok())
                .join()
                .unwrap(),
            Some(false)
        );
    }

    /// A subscriber that takes every event and keeps nothing: the hook
    /// records a panic only for a report somebody will see.
    struct Listening;

    impl tracing::Subscriber for Listening {
        fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
            tracing::span::Id::from_u64(1)
        }
        fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
        fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
        fn event(&self, _: &tracing::Event<'_>) {}
        fn enter(&self, _: &tracing::span::Id) {}
        fn exit(&self, _: &tracing::span::Id) {}
    }

    #[tokio::test]
    async fn a_recorded_panic_is_taken_once_and_only_for_its_own_reason() {
        // Process-wide: a thread's own default would meet callsite interest
        // cached for another thread's.
        let _ = tracing::subscriber::set_global_default(Listening);
        install_hook();
        in_task(|| {
            let payload = catch_callback(|| panic!("recorded {}", 1)).unwrap_err();
            let reason = ExitReason::Panic(panic_message(&*payload).into());
            let panicked = take_panicked(&reason).expect("recorded");
            assert!(
                panicked.location.as_deref().unwrap().contains("panics.rs:"),
                "{panicked:?}"
            );
            assert!(take_panicked(&reason).is_none(), "taken once");

            // Another reason finds nothing of it (and drops it: a record is
            // looked at once, by the crash that follows it).
            let payload = catch_callback(|| panic!("recorded {}", 2)).unwrap_err();
            assert!(take_panicked(&ExitReason::Panic("another".into())).is_none());
            assert!(take_panicked(&ExitReason::Normal).is_none());
            let reason = ExitReason::Panic(panic_message(&*payload).into());
            assert!(take_panicked(&reason).is_none());
        })
        .await;
    }
}
