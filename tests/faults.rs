//! Faults and overload: what the runtime promises under failure, checked
//! under fire. Each test prints what it measured (`--nocapture`).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
use std::sync::{Arc, Once};
use std::time::Duration;

use genserver::prelude::*;
use genserver::{ChildSpec, Strategy, Supervisor, SupervisorSpec};

// ---------------------------------------------------------------- helpers

/// The panics the tests cause on purpose start with this; the panic hook
/// keeps them quiet (thousands of them would bury the output), and prints
/// every other panic as the default hook does.
const MARK: &str = "fault-injected:";

fn quiet_injected_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let payload = info.payload();
            let message = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied());
            if !message.is_some_and(|message| message.starts_with(MARK)) {
                default(info);
            }
        }));
    });
}

// ------------------------------------------- a state goes before its exit

#[derive(Clone)]
struct HolderArg {
    /// Whether a `Holder`'s state is alive.
    held: Arc<AtomicBool>,
    /// Inits that found the previous state not yet dropped.
    overlaps: Arc<AtomicU64>,
}

/// A state that holds something exclusive and takes a moment to let go of
/// it (a connection closing, a file flushed).
struct Holder {
    held: Arc<AtomicBool>,
}

impl Drop for Holder {
    fn drop(&mut self) {
        std::thread::sleep(Duration::from_millis(50));
        self.held.store(false, SeqCst);
    }
}

#[gen_server]
impl Holder {
    #[init]
    fn init(arg: HolderArg) -> Self {
        if arg.held.swap(true, SeqCst) {
            arg.overlaps.fetch_add(1, SeqCst);
        }
        Holder { held: arg.held }
    }

    #[cast]
    fn crash(&mut self) {
        panic!("{MARK} crash on request");
    }
}

/// Whoever learns that a server exited finds its state dropped: `stop`,
/// `exited` and a supervisor's restart (whose new server would otherwise
/// find its predecessor's socket or lock still held).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_state_is_dropped_before_its_exit_is_published() {
    quiet_injected_panics();
    let arg = HolderArg {
        held: Arc::default(),
        overlaps: Arc::default(),
    };
    let server = Holder::start(arg.clone()).await.unwrap();
    server.stop().await.unwrap();
    assert!(
        !arg.held.load(SeqCst),
        "stop returned before the state was dropped"
    );

    let server = Holder::start(arg.clone()).await.unwrap();
    server.crash();
    assert!(matches!(server.exited().await, Ok(ExitReason::Panic(_))));
    assert!(
        !arg.held.load(SeqCst),
        "exited returned before the state was dropped"
    );

    let sup = Supervisor::start(
        SupervisorSpec::new(Strategy::OneForOne)
            .max_restarts(10)
            .child(ChildSpec::new::<Holder>(arg.clone()).id("holder")),
    )
    .await
    .unwrap();
    for _ in 0..3 {
        let child = sup.child::<Holder>("holder").await.unwrap();
        child.crash();
        child.exited().await.unwrap();
        assert!(!arg.held.load(SeqCst) || sup.child::<Holder>("holder").await.is_ok());
    }
    // Wait for the last restart (the child is there again), then count.
    sup.which_children().await.unwrap();
    sup.child::<Holder>("holder").await.unwrap();
    assert_eq!(
        arg.overlaps.load(SeqCst),
        0,
        "a restart ran beside its predecessor's state"
    );
    sup.stop().await.unwrap();
    assert!(!arg.held.load(SeqCst));
}
