//! A server's panic is reported once: the panic hook genserver installs
//! leaves it to the crash report when a subscriber takes the report, and
//! passes every other panic on to the hook it wrapped.
//!
//! One test, run in order: the panic hook and `report_panics_once` are
//! global to the process.

use std::sync::{Arc, Mutex};

use genserver::prelude::*;
use genserver_tests::capture::Capture;
use tracing::Level;

struct Fragile;

#[gen_server]
impl Fragile {
    #[call]
    fn explode(&self, message: String) -> u32 {
        panic!("{message}")
    }

    #[call]
    async fn explode_later(&self, message: String) -> u32 {
        tokio::task::yield_now().await;
        panic!("{message}")
    }
}

/// A server whose state panics when dropped.
struct Grumpy;

impl Drop for Grumpy {
    fn drop(&mut self) {
        panic!("dropped");
    }
}

#[gen_server]
impl Grumpy {
    #[call]
    fn ping(&self) -> u32 {
        1
    }
}

/// Crashes a fresh server with `message` (through a plain or an `async`
/// handler) on a current-thread runtime, with `Capture` as the subscriber
/// if `subscriber`; returns the crash reports.
fn crash(message: &str, later: bool, subscriber: bool) -> Vec<genserver_tests::capture::Captured> {
    let capture = Capture::default();
    let _guard = subscriber.then(|| tracing::subscriber::set_default(capture.clone()));
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let server = Fragile::start(Fragile).await.unwrap();
            let outcome = if later {
                server.explode_later(message.into()).await
            } else {
                server.explode(message.into()).await
            };
            assert!(outcome.is_err());
            server.exited().await.unwrap();
        });
    capture
        .events()
        .into_iter()
        .filter(|event| event.level == Level::ERROR)
        .collect()
}

fn run_with_capture(capture: &Capture, test: impl std::future::Future<Output = ()>) {
    let _guard = tracing::subscriber::set_default(capture.clone());
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(test);
}

#[test]
fn a_server_panic_is_left_to_its_crash_report_and_others_pass_on() {
    // The hook in place before the first server starts: it records what it
    // is given (in place of std's, which would print it).
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let hook_seen = Arc::clone(&seen);
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| {
                info.payload()
                    .downcast_ref::<&str>()
                    .map(ToString::to_string)
            })
            .unwrap_or_default();
        hook_seen.lock().unwrap().push(message);
    }));
    let seen = move || std::mem::take(&mut *seen.lock().unwrap());

    // With a subscriber: one crash report with the location, nothing for
    // the hook; the same for an `async` handler's panic.
    for later in [false, true] {
        let reports = crash("in a handler", later, true);
        assert_eq!(reports.len(), 1, "{reports:?}");
        let location = reports[0].field("location").unwrap();
        assert!(location.starts_with("tests/panic_hook.rs:"), "{location}");
        assert_eq!(seen(), Vec::<String>::new(), "later: {later}");
    }

    // Every other panic goes to the hook: a thread's, a tokio task's, even
    // on a runtime that runs servers.
    std::thread::spawn(|| panic!("in a thread"))
        .join()
        .unwrap_err();
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(async {
            let task = tokio::spawn(async { panic!("in a task") });
            assert!(task.await.unwrap_err().is_panic());
        });
    assert_eq!(seen(), ["in a thread", "in a task"]);

    // With no subscriber to take the report, the hook prints it: still once.
    let reports = crash("unreported", false, false);
    assert!(reports.is_empty());
    assert_eq!(seen(), ["unreported"]);

    // `report_panics_once(false)`: the hook sees it, and the report, still
    // with its location, repeats it.
    genserver::report_panics_once(false);
    let reports = crash("twice", false, true);
    assert_eq!(reports.len(), 1);
    assert!(reports[0].field("location").is_some());
    assert_eq!(seen(), ["twice"]);
    genserver::report_panics_once(true);
    assert_eq!(crash("once again", true, true).len(), 1);
    assert_eq!(seen(), Vec::<String>::new());

    // A panic in a server's task outside its callbacks (here the state's
    // `Drop` after a kill, which tokio catches) is no callback's: passed on,
    // even right after a batch of messages.
    let capture = Capture::default();
    run_with_capture(&capture, async {
        let grumpy = Grumpy::start(Grumpy).await.unwrap();
        assert_eq!(grumpy.ping().await, Ok(1));
        grumpy.kill();
        assert_eq!(grumpy.exited().await, Ok(ExitReason::Killed));
    });
    assert_eq!(seen(), ["dropped"]);

    // A hook installed later that wraps the one it replaces, as a hook
    // should, keeps the single report.
    let wrapped = std::panic::take_hook();
    let outer_seen = Arc::new(Mutex::new(0));
    let counter = Arc::clone(&outer_seen);
    std::panic::set_hook(Box::new(move |info| {
        *counter.lock().unwrap() += 1;
        wrapped(info);
    }));
    let reports = crash("under a later hook", false, true);
    assert!(reports[0].field("location").is_some());
    assert_eq!(
        *outer_seen.lock().unwrap(),
        1,
        "the later hook sees it first"
    );
    assert_eq!(
        seen(),
        Vec::<String>::new(),
        "genserver's hook leaves it there"
    );
    drop(std::panic::take_hook());
}
