//! Faults and overload: a crash storm under a supervisor, ordering and loss
//! under many senders, shutdown with full mailboxes, and call timeouts with
//! late replies. Each test prints what it measured (`--nocapture`).
//!
//! The stress sizes are cut down in debug builds so that the suite runs in
//! seconds; release builds run the full sizes, and so does a debug build
//! with `GENSERVER_STRESS_SCALE=full` (or a fraction such as `0.5`).
//! Leaks are measured in `leaks.rs`, a binary of its own whose allocator
//! counts only what its one test does.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

use genserver::prelude::*;
use genserver::registry;
use genserver::{
    ChildSpec, DynamicSupervisor, Pid, Restart, Shutdown, Strategy, Supervisor, SupervisorSpec,
    dynamic_supervisor,
};
use tokio::sync::Notify;

// ---------------------------------------------------------------- helpers

/// The size to run: `full` in release builds, `debug` in debug builds
/// unless `GENSERVER_STRESS_SCALE` says `full` or a fraction of it.
fn scaled(full: usize, debug: usize) -> usize {
    match std::env::var("GENSERVER_STRESS_SCALE").ok().as_deref() {
        Some("full") => full,
        Some(fraction) => {
            let fraction: f64 = fraction
                .parse()
                .expect("GENSERVER_STRESS_SCALE is `full` or a fraction such as 0.5");
            #[allow(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                clippy::cast_precision_loss
            )]
            let size = (full as f64 * fraction).ceil() as usize;
            size.max(1)
        }
        None if cfg!(debug_assertions) => debug,
        None => full,
    }
}

fn build() -> &'static str {
    if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    }
}

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

/// Waits (at most 10 s of real time) until `done` holds; whether it did.
async fn eventually(mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() {
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    true
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

/// The same after a kill or an exit signal. Ignored: a kill publishes the
/// exit from the killer's thread at once, while the state lives in the
/// server's task and goes only when that task next runs (on another
/// thread, or after the synchronous handler it is in returns). So a
/// monitor, `exited` or a supervisor (whose restart follows a
/// `BrutalKill`, a shutdown that ran out of time, or a linked exit) can
/// run before the state is dropped. Fixing it means publishing a kill's
/// exit from the server's own task, after the state is gone: a change to
/// what a kill promises (a server stuck in a handler would never be seen
/// to exit), for the kernel's owners to decide.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a kill publishes the exit before the server's task drops its state (see the doc comment)"]
async fn a_killed_server_s_state_is_dropped_before_its_exit_is_published() {
    let arg = HolderArg {
        held: Arc::default(),
        overlaps: Arc::default(),
    };
    let server = Holder::start(arg.clone()).await.unwrap();
    server.kill();
    assert_eq!(server.exited().await, Ok(ExitReason::Killed));
    assert!(
        !arg.held.load(SeqCst),
        "exited returned before the state was dropped"
    );

    let server = Holder::start(arg.clone()).await.unwrap();
    server.exit(ExitReason::Shutdown);
    assert_eq!(server.exited().await, Ok(ExitReason::Shutdown));
    assert!(
        !arg.held.load(SeqCst),
        "exited returned before the state was dropped"
    );
}

// ------------------------------------------------------------ crash storm

/// What one child id shares across its restarts.
#[derive(Default)]
struct Slot {
    /// Messages (calls and casts) handled, by every incarnation.
    handled: AtomicU64,
    /// Panics caused.
    panics: AtomicU64,
    /// Successful inits.
    inits: AtomicU64,
    /// Whether an incarnation's state is alive (set by init, cleared by drop).
    alive: AtomicBool,
    /// Inits that found the previous incarnation's state not yet dropped.
    overlaps: AtomicU64,
}

#[derive(Clone)]
struct StormArg {
    slot: Arc<Slot>,
    every: u64,
}

/// A worker that panics on every `every`-th message it handles, counted
/// across restarts: deterministic, not random.
struct Stormy {
    slot: Arc<Slot>,
    every: u64,
}

impl Drop for Stormy {
    fn drop(&mut self) {
        self.slot.alive.store(false, SeqCst);
    }
}

#[gen_server]
impl Stormy {
    #[init]
    fn init(arg: StormArg) -> Self {
        if arg.slot.alive.swap(true, SeqCst) {
            arg.slot.overlaps.fetch_add(1, SeqCst);
        }
        arg.slot.inits.fetch_add(1, SeqCst);
        Stormy {
            slot: arg.slot,
            every: arg.every,
        }
    }

    #[call]
    fn work(&mut self, token: u64) -> u64 {
        self.tick();
        token
    }

    /// As `work`, from an `async` handler (a boxed future the panic
    /// unwinds out of).
    #[call]
    async fn work_async(&mut self, token: u64) -> u64 {
        tokio::task::yield_now().await;
        self.tick();
        token
    }

    #[cast]
    fn poke(&mut self) {
        self.tick();
    }

    fn tick(&self) {
        let n = self.slot.handled.fetch_add(1, SeqCst) + 1;
        if n % self.every == 0 {
            self.slot.panics.fetch_add(1, SeqCst);
            panic!("{MARK} message {n}");
        }
    }
}

/// How the calls of a storm ended.
#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    made: u64,
    replied: u64,
    /// `CallError::Exit`, by reason.
    exit_panic: u64,
    exit_shutdown: u64,
    exit_killed: u64,
    exit_other: u64,
    /// The server exited between the lookup and the call: `:noproc`.
    noproc: u64,
    /// A name that did not come back within the call timeout plus a margin
    /// while the supervisor lived (a restart that never happened).
    unreachable: u64,
    timed_out: u64,
    other_error: u64,
    /// Not ended within the call timeout plus a margin.
    hung: u64,
    /// A reply carrying another call's token.
    wrong_reply: u64,
}

impl Tally {
    fn add(&mut self, other: &Tally) {
        self.made += other.made;
        self.replied += other.replied;
        self.exit_panic += other.exit_panic;
        self.exit_shutdown += other.exit_shutdown;
        self.exit_killed += other.exit_killed;
        self.exit_other += other.exit_other;
        self.noproc += other.noproc;
        self.unreachable += other.unreachable;
        self.timed_out += other.timed_out;
        self.other_error += other.other_error;
        self.hung += other.hung;
        self.wrong_reply += other.wrong_reply;
    }

    fn exited(&self) -> u64 {
        self.exit_panic + self.exit_shutdown + self.exit_killed + self.exit_other
    }

    fn ended(&self) -> u64 {
        self.replied + self.exited() + self.noproc + self.timed_out + self.other_error
    }
}

const STORM_CLIENTS: usize = 8;
const STORM_CALL_TIMEOUT: Duration = Duration::from_secs(5);
const HANG_MARGIN: Duration = Duration::from_secs(5);

/// One client: `calls` calls (every other one to an `async` handler, and a
/// cast after every fourth) spread over the children, each found by name at the time of the call. While a child
/// is down (between its exit and its restart) the client waits for its
/// name to come back, without making the call; once the supervisor has
/// exited, it stops.
async fn storm_client(client: usize, calls: usize, names: Arc<[String]>, sup: Pid) -> Tally {
    let mut tally = Tally::default();
    for i in 0..calls {
        let name = &names[(client + i) % names.len()];
        let looked_up = Instant::now();
        let server = loop {
            match registry::whereis::<Stormy>(name) {
                Ok(server) => break server,
                Err(_) if !sup.is_alive() => return tally,
                Err(_) if looked_up.elapsed() > STORM_CALL_TIMEOUT + HANG_MARGIN => {
                    tally.unreachable += 1;
                    return tally;
                }
                Err(_) => tokio::time::sleep(Duration::from_micros(100)).await,
            }
        };
        let token = ((client as u64) << 32) | i as u64;
        tally.made += 1;
        if i % 4 == 3 {
            server.poke();
        }
        let client = server.with_timeout(STORM_CALL_TIMEOUT);
        let call = async {
            if i % 2 == 0 {
                client.work(token).await
            } else {
                client.work_async(token).await
            }
        };
        match tokio::time::timeout(STORM_CALL_TIMEOUT + HANG_MARGIN, call).await {
            Err(_) => tally.hung += 1,
            Ok(Ok(reply)) if reply == token => tally.replied += 1,
            Ok(Ok(_)) => tally.wrong_reply += 1,
            Ok(Err(CallError::Exit(ExitReason::Panic(message)))) => {
                assert!(message.starts_with(MARK), "{message}");
                tally.exit_panic += 1;
            }
            Ok(Err(CallError::Exit(ExitReason::Shutdown))) => tally.exit_shutdown += 1,
            Ok(Err(CallError::Exit(ExitReason::Killed))) => tally.exit_killed += 1,
            Ok(Err(CallError::Exit(_))) => tally.exit_other += 1,
            Ok(Err(CallError::NoProc)) => tally.noproc += 1,
            Ok(Err(CallError::Timeout)) => tally.timed_out += 1,
            Ok(Err(_)) => tally.other_error += 1,
        }
    }
    tally
}

struct Storm {
    sup: ServerRef<Supervisor>,
    slots: Vec<Arc<Slot>>,
    clients: Vec<tokio::task::JoinHandle<Tally>>,
}

/// Starts a supervisor (`strategy`) of `children` storm workers named
/// `{prefix}{i}`, with at most `max_restarts` restarts an hour, and
/// `STORM_CLIENTS` clients making `calls` calls each.
async fn storm(
    strategy: Strategy,
    prefix: &str,
    children: usize,
    every: u64,
    max_restarts: u32,
    calls: usize,
) -> Storm {
    quiet_injected_panics();
    let slots: Vec<Arc<Slot>> = (0..children).map(|_| Arc::default()).collect();
    let names: Arc<[String]> = (0..children).map(|i| format!("{prefix}{i}")).collect();
    let spec = slots.iter().zip(names.iter()).enumerate().fold(
        SupervisorSpec::new(strategy)
            .max_restarts(max_restarts)
            .max_seconds(3600),
        |spec, (i, (slot, name))| {
            spec.child(
                ChildSpec::new::<Stormy>(StormArg {
                    slot: Arc::clone(slot),
                    every,
                })
                .id(format!("w{i}"))
                .start_options(StartOptions::new().name(name.as_str())),
            )
        },
    );
    let sup = Supervisor::start(spec).await.unwrap();
    let clients = (0..STORM_CLIENTS)
        .map(|client| tokio::spawn(storm_client(client, calls, Arc::clone(&names), sup.pid())))
        .collect();
    Storm {
        sup,
        slots,
        clients,
    }
}

async fn tally(clients: Vec<tokio::task::JoinHandle<Tally>>) -> Tally {
    let mut total = Tally::default();
    for client in clients {
        total.add(&client.await.unwrap());
    }
    total
}

fn sum(slots: &[Arc<Slot>], field: impl Fn(&Slot) -> &AtomicU64) -> u64 {
    slots.iter().map(|slot| field(slot).load(SeqCst)).sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn crash_storm_within_the_intensity_every_call_ends() {
    const CHILDREN: usize = 3;
    const EVERY: u64 = 50;
    let calls = scaled(25_000, 3_000);
    // Calls and casts (one per four calls) can all be counted against the
    // intensity; it is set above what the storm can cause.
    let messages = (STORM_CLIENTS * calls * 5 / 4) as u64;
    let max_restarts = u32::try_from(messages / EVERY + 1).unwrap();
    let started = Instant::now();
    let Storm {
        sup,
        slots,
        clients,
    } = storm(
        Strategy::OneForOne,
        "faults_storm_",
        CHILDREN,
        EVERY,
        max_restarts,
        calls,
    )
    .await;
    let total = tally(clients).await;
    let took = started.elapsed();
    let panics = sum(&slots, |slot| &slot.panics);
    // Every panic is followed by a restart; the last may still be under way.
    assert!(
        eventually(|| sum(&slots, |slot| &slot.inits) == CHILDREN as u64 + panics).await,
        "inits {} for {panics} panics",
        sum(&slots, |slot| &slot.inits)
    );
    let restarts = sum(&slots, |slot| &slot.inits) - CHILDREN as u64;
    let handled = sum(&slots, |slot| &slot.handled);
    let overlaps = sum(&slots, |slot| &slot.overlaps);
    eprintln!(
        "crash storm ({}): {CHILDREN} children panicking on 1 message in {EVERY}, \
         {STORM_CLIENTS} clients x {calls} calls in {took:?}: {total:?}; \
         handled {handled}, panics {panics}, restarts {restarts} (max {max_restarts}), \
         overlapping incarnations {overlaps}",
        build()
    );
    assert_eq!(total.made, (STORM_CLIENTS * calls) as u64);
    assert_eq!(total.hung, 0);
    assert_eq!(total.unreachable, 0);
    assert_eq!(total.wrong_reply, 0);
    assert_eq!(total.timed_out, 0);
    assert_eq!(total.other_error, 0);
    assert_eq!(total.ended(), total.made);
    // Only the injected panics end calls: no shutdown, kill or other exit.
    assert_eq!(total.exited(), total.exit_panic);
    // Every panic ends at least the call or cast that caused it.
    // Deterministic: the `EVERY`-th, `2 * EVERY`-th... message of each child id.
    let expected: u64 = slots
        .iter()
        .map(|slot| slot.handled.load(SeqCst) / EVERY)
        .sum();
    assert!(panics >= 1 && panics == expected, "{panics} {expected}");
    assert!(total.exit_panic <= handled, "{total:?}");
    assert!(total.replied > 0);
    assert_eq!(restarts, panics);
    assert_eq!(
        overlaps, 0,
        "a restarted child ran beside its predecessor's state"
    );
    // Within the intensity: the supervisor and all its children live on.
    assert!(sup.is_alive());
    let children = sup.which_children().await.unwrap();
    assert_eq!(children.len(), CHILDREN);
    assert!(
        children
            .iter()
            .all(|child| child.pid.as_ref().is_some_and(Pid::is_alive))
    );
    sup.stop().await.unwrap();
    assert!(eventually(|| slots.iter().all(|slot| !slot.alive.load(SeqCst))).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn crash_storm_beyond_the_intensity_escalates_once() {
    const CHILDREN: usize = 3;
    const EVERY: u64 = 50;
    const MAX_RESTARTS: u32 = 20;
    let calls = scaled(25_000, 2_000);
    let started = Instant::now();
    let Storm {
        sup,
        slots,
        clients,
    } = storm(
        Strategy::OneForOne,
        "faults_escalate_",
        CHILDREN,
        EVERY,
        MAX_RESTARTS,
        calls,
    )
    .await;
    let reason = tokio::time::timeout(Duration::from_secs(30), sup.exited())
        .await
        .expect("the supervisor gave up")
        .unwrap();
    let total = tally(clients).await;
    let took = started.elapsed();
    let panics = sum(&slots, |slot| &slot.panics);
    let restarts = sum(&slots, |slot| &slot.inits) - CHILDREN as u64;
    let overlaps = sum(&slots, |slot| &slot.overlaps);
    eprintln!(
        "crash storm beyond the intensity ({}): {CHILDREN} children, 1 panic in {EVERY} \
         messages, max {MAX_RESTARTS} restarts, {STORM_CLIENTS} clients x {calls} calls in \
         {took:?}: supervisor exit {reason:?}, panics {panics}, restarts {restarts}, {total:?}",
        build()
    );
    // The restart one too many is not made: the supervisor stops its
    // children and exits with `Shutdown`.
    assert_eq!(reason, ExitReason::Shutdown);
    assert_eq!(restarts, u64::from(MAX_RESTARTS));
    assert!(panics > u64::from(MAX_RESTARTS));
    assert_eq!(overlaps, 0);
    for name in (0..CHILDREN).map(|i| format!("faults_escalate_{i}")) {
        assert!(
            registry::whereis::<Stormy>(&name).is_err(),
            "{name} lives on"
        );
    }
    assert!(
        eventually(|| slots.iter().all(|slot| !slot.alive.load(SeqCst))).await,
        "a child's state outlived its supervisor"
    );
    // And still every call made ended (the clients stop making calls
    // once the supervisor is gone).
    assert!(total.made <= (STORM_CLIENTS * calls) as u64);
    assert_eq!(total.hung, 0);
    assert_eq!(total.unreachable, 0);
    assert_eq!(total.wrong_reply, 0);
    assert_eq!(total.timed_out, 0);
    assert_eq!(total.other_error, 0);
    assert_eq!(total.exit_other, 0);
    assert_eq!(total.ended(), total.made);
}

/// The supervisor is stopped in the middle of the storm, while children
/// crash and restart and the clients keep calling: the stop returns, every
/// child is gone, and every call made ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_supervisor_stopped_in_the_middle_of_the_storm_leaves_nothing_behind() {
    const CHILDREN: usize = 3;
    const EVERY: u64 = 50;
    let calls = scaled(25_000, 3_000);
    let Storm {
        sup,
        slots,
        clients,
    } = storm(
        Strategy::OneForOne,
        "faults_stopped_",
        CHILDREN,
        EVERY,
        u32::MAX,
        calls,
    )
    .await;
    // Once a few restarts have happened.
    assert!(eventually(|| sum(&slots, |slot| &slot.inits) > CHILDREN as u64 + 5).await);
    let stopped = tokio::time::timeout(Duration::from_secs(30), sup.stop())
        .await
        .expect("the supervisor's stop hung");
    let total = tally(clients).await;
    let panics = sum(&slots, |slot| &slot.panics);
    let restarts = sum(&slots, |slot| &slot.inits) - CHILDREN as u64;
    eprintln!(
        "supervisor stopped mid-storm ({}): stop {stopped:?}, panics {panics}, restarts \
         {restarts}, {total:?}",
        build()
    );
    assert_eq!(stopped, Ok(()));
    assert!(
        eventually(|| slots.iter().all(|slot| !slot.alive.load(SeqCst))).await,
        "a child outlived its supervisor"
    );
    for name in (0..CHILDREN).map(|i| format!("faults_stopped_{i}")) {
        assert!(
            registry::whereis::<Stormy>(&name).is_err(),
            "{name} lives on"
        );
    }
    assert_eq!(sum(&slots, |slot| &slot.overlaps), 0);
    assert_eq!(
        (total.hung, total.unreachable, total.wrong_reply),
        (0, 0, 0)
    );
    assert_eq!(
        (total.timed_out, total.other_error, total.exit_other),
        (0, 0, 0)
    );
    assert_eq!(total.ended(), total.made);
}

/// The storm under `one_for_all` and `rest_for_one`: a crash restarts
/// siblings too, which may be busy with calls (they get `Shutdown` as
/// their exit reason, or crash themselves while being stopped). Every call
/// still ends, no restarted child runs beside its predecessor's state, and
/// the supervisor lives on with every child running.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn crash_storm_restarting_siblings_every_call_ends() {
    const CHILDREN: usize = 3;
    const EVERY: u64 = 50;
    let calls = scaled(25_000, 2_000);
    let messages = (STORM_CLIENTS * calls * 5 / 4) as u64;
    let max_restarts = u32::try_from(messages / EVERY + 1).unwrap();
    for (strategy, prefix) in [
        (Strategy::OneForAll, "faults_one_for_all_"),
        (Strategy::RestForOne, "faults_rest_for_one_"),
    ] {
        let started = Instant::now();
        let Storm {
            sup,
            slots,
            clients,
        } = storm(strategy, prefix, CHILDREN, EVERY, max_restarts, calls).await;
        let total = tally(clients).await;
        let took = started.elapsed();
        // Wait until every child runs again, then count.
        let running = || {
            let sup = sup.clone();
            async move {
                sup.which_children()
                    .await
                    .unwrap()
                    .iter()
                    .all(|child| child.pid.as_ref().is_some_and(Pid::is_alive))
            }
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while !running().await {
            assert!(Instant::now() < deadline, "a child was not restarted");
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let panics = sum(&slots, |slot| &slot.panics);
        let inits = sum(&slots, |slot| &slot.inits);
        let overlaps = sum(&slots, |slot| &slot.overlaps);
        eprintln!(
            "crash storm, {strategy:?} ({}): {CHILDREN} children, 1 panic in {EVERY} messages, \
             {STORM_CLIENTS} clients x {calls} calls in {took:?}: {total:?}; panics {panics}, \
             child starts after the first {}, overlapping incarnations {overlaps}",
            build(),
            inits - CHILDREN as u64
        );
        assert_eq!(total.made, (STORM_CLIENTS * calls) as u64);
        assert_eq!(
            (total.hung, total.unreachable, total.wrong_reply),
            (0, 0, 0)
        );
        assert_eq!((total.timed_out, total.other_error), (0, 0));
        assert_eq!(total.ended(), total.made);
        // A sibling stopped for a restart ends its queued calls with
        // `Shutdown`; nothing else but the injected panics.
        assert_eq!(total.exit_killed + total.exit_other, 0, "{total:?}");
        assert!(panics >= 1);
        assert!(
            inits > CHILDREN as u64 + panics,
            "siblings were restarted too"
        );
        assert_eq!(
            overlaps, 0,
            "a restarted child ran beside its predecessor's state"
        );
        assert!(sup.is_alive());
        sup.stop().await.unwrap();
        assert!(eventually(|| slots.iter().all(|slot| !slot.alive.load(SeqCst))).await);
    }
}

/// The storm under a `DynamicSupervisor`: children started on demand,
/// each under a name, restarted within the intensity.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn crash_storm_under_a_dynamic_supervisor_every_call_ends() {
    const CHILDREN: usize = 3;
    const EVERY: u64 = 50;
    quiet_injected_panics();
    let calls = scaled(25_000, 3_000);
    let messages = (STORM_CLIENTS * calls * 5 / 4) as u64;
    let max_restarts = u32::try_from(messages / EVERY + 1).unwrap();
    let sup = DynamicSupervisor::start(
        dynamic_supervisor::Options::new()
            .max_restarts(max_restarts)
            .max_seconds(Duration::from_secs(3600)),
    )
    .await
    .unwrap();
    let slots: Vec<Arc<Slot>> = (0..CHILDREN).map(|_| Arc::default()).collect();
    let names: Arc<[String]> = (0..CHILDREN)
        .map(|i| format!("faults_dynamic_{i}"))
        .collect();
    for (slot, name) in slots.iter().zip(names.iter()) {
        let spec = ChildSpec::new::<Stormy>(StormArg {
            slot: Arc::clone(slot),
            every: EVERY,
        })
        .start_options(StartOptions::new().name(name.as_str()));
        let _: ServerRef<Stormy> = sup.start_child(spec).await.unwrap();
    }
    let started = Instant::now();
    let clients = (0..STORM_CLIENTS)
        .map(|client| tokio::spawn(storm_client(client, calls, Arc::clone(&names), sup.pid())))
        .collect();
    let total = tally(clients).await;
    let took = started.elapsed();
    let panics = sum(&slots, |slot| &slot.panics);
    assert!(
        eventually(|| sum(&slots, |slot| &slot.inits) == CHILDREN as u64 + panics).await,
        "inits {} for {panics} panics",
        sum(&slots, |slot| &slot.inits)
    );
    let restarts = sum(&slots, |slot| &slot.inits) - CHILDREN as u64;
    let overlaps = sum(&slots, |slot| &slot.overlaps);
    eprintln!(
        "crash storm under a DynamicSupervisor ({}): {CHILDREN} children, 1 panic in {EVERY} \
         messages, {STORM_CLIENTS} clients x {calls} calls in {took:?}: {total:?}; panics \
         {panics}, restarts {restarts} (max {max_restarts}), overlapping incarnations {overlaps}",
        build()
    );
    assert_eq!(total.made, (STORM_CLIENTS * calls) as u64);
    assert_eq!(
        (total.hung, total.unreachable, total.wrong_reply),
        (0, 0, 0)
    );
    assert_eq!((total.timed_out, total.other_error), (0, 0));
    assert_eq!(total.ended(), total.made);
    assert_eq!(total.exited(), total.exit_panic);
    let expected: u64 = slots
        .iter()
        .map(|slot| slot.handled.load(SeqCst) / EVERY)
        .sum();
    assert!(panics >= 1 && panics == expected, "{panics} {expected}");
    assert_eq!(restarts, panics);
    assert_eq!(overlaps, 0);
    assert!(sup.is_alive());
    let counts = sup.count_children().await.unwrap();
    assert_eq!((counts.specs, counts.active), (CHILDREN, CHILDREN));
    sup.stop().await.unwrap();
    assert!(eventually(|| slots.iter().all(|slot| !slot.alive.load(SeqCst))).await);
}

/// Beyond its intensity a `DynamicSupervisor` escalates as a `Supervisor`
/// does: exactly `max_restarts` restarts, then it exits with `Shutdown`,
/// its children stopped.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn crash_storm_beyond_a_dynamic_supervisor_s_intensity_escalates_once() {
    const CHILDREN: usize = 3;
    const EVERY: u64 = 50;
    const MAX_RESTARTS: u32 = 20;
    quiet_injected_panics();
    let calls = scaled(25_000, 2_000);
    let sup = DynamicSupervisor::start(
        dynamic_supervisor::Options::new()
            .max_restarts(MAX_RESTARTS)
            .max_seconds(Duration::from_secs(3600)),
    )
    .await
    .unwrap();
    let slots: Vec<Arc<Slot>> = (0..CHILDREN).map(|_| Arc::default()).collect();
    let names: Arc<[String]> = (0..CHILDREN)
        .map(|i| format!("faults_dynamic_escalate_{i}"))
        .collect();
    for (slot, name) in slots.iter().zip(names.iter()) {
        let spec = ChildSpec::new::<Stormy>(StormArg {
            slot: Arc::clone(slot),
            every: EVERY,
        })
        .start_options(StartOptions::new().name(name.as_str()));
        let _: ServerRef<Stormy> = sup.start_child(spec).await.unwrap();
    }
    let clients = (0..STORM_CLIENTS)
        .map(|client| tokio::spawn(storm_client(client, calls, Arc::clone(&names), sup.pid())))
        .collect();
    let reason = tokio::time::timeout(Duration::from_secs(30), sup.exited())
        .await
        .expect("the supervisor gave up")
        .unwrap();
    let total = tally(clients).await;
    let panics = sum(&slots, |slot| &slot.panics);
    let restarts = sum(&slots, |slot| &slot.inits) - CHILDREN as u64;
    eprintln!(
        "crash storm beyond a DynamicSupervisor's intensity ({}): max {MAX_RESTARTS} \
         restarts: supervisor exit {reason:?}, panics {panics}, restarts {restarts}, {total:?}",
        build()
    );
    assert_eq!(reason, ExitReason::Shutdown);
    assert_eq!(restarts, u64::from(MAX_RESTARTS));
    assert!(panics > u64::from(MAX_RESTARTS));
    assert_eq!(sum(&slots, |slot| &slot.overlaps), 0);
    assert!(
        eventually(|| slots.iter().all(|slot| !slot.alive.load(SeqCst))).await,
        "a child's state outlived its supervisor"
    );
    assert_eq!(
        (total.hung, total.unreachable, total.wrong_reply),
        (0, 0, 0)
    );
    assert_eq!(
        (total.timed_out, total.other_error, total.exit_other),
        (0, 0, 0)
    );
    assert_eq!(total.ended(), total.made);
}

// ----------------------------------------------------- ordering and loss

const SENDERS: usize = 8;

/// An info message in the ordering test: sender and sequence number.
struct Numbered(usize, u64);

/// Checks that each sender's messages arrive in the order sent, none lost.
struct Sequencer {
    /// Per sender, the sequence number expected next.
    next: Vec<u64>,
    /// Per sender, the messages received.
    received: Vec<u64>,
    /// Messages that did not carry the number expected next.
    out_of_order: u64,
}

#[gen_server]
impl Sequencer {
    #[cast]
    fn note(&mut self, sender: usize, seq: u64) {
        self.record(sender, seq);
    }

    #[info]
    fn numbered(&mut self, Numbered(sender, seq): Numbered) {
        self.record(sender, seq);
    }

    /// Records the message, and answers how many came from `sender` so
    /// far (`seq + 1` if none was lost or overtaken).
    #[call]
    fn check(&mut self, sender: usize, seq: u64) -> u64 {
        self.record(sender, seq);
        self.received[sender]
    }

    #[call]
    fn totals(&self) -> (Vec<u64>, u64) {
        (self.received.clone(), self.out_of_order)
    }

    fn record(&mut self, sender: usize, seq: u64) {
        if seq != self.next[sender] {
            self.out_of_order += 1;
        }
        self.next[sender] = seq + 1;
        self.received[sender] += 1;
    }
}

/// What one sender saw: replies that did not count exactly its messages
/// so far, and calls that failed.
#[derive(Debug, Default)]
struct SenderTally {
    casts: u64,
    infos: u64,
    calls: u64,
    requests: u64,
    miscounted: u64,
    failed: u64,
}

/// Sends `count` messages numbered from 0: mostly casts, every 8th an
/// awaited call, every 8th (offset) a request sent at once and collected
/// later (up to 64 of them outstanding), two in 8 info messages.
async fn sequence(server: ServerRef<Sequencer>, sender: usize, count: u64) -> SenderTally {
    let mut tally = SenderTally::default();
    let mut pending = std::collections::VecDeque::new();
    let collect = |tally: &mut SenderTally, seq: u64, reply: Result<u64, CallError>| match reply {
        Ok(received) if received == seq + 1 => {}
        Ok(_) => tally.miscounted += 1,
        Err(_) => tally.failed += 1,
    };
    for seq in 0..count {
        match seq % 8 {
            7 => {
                tally.calls += 1;
                let reply = server.check(sender, seq).await;
                collect(&mut tally, seq, reply);
            }
            3 => {
                tally.requests += 1;
                pending.push_back((seq, server.request().check(sender, seq)));
                if pending.len() > 64 {
                    let (seq, request) = pending.pop_front().unwrap();
                    collect(&mut tally, seq, request.await);
                }
            }
            1 | 5 => {
                tally.infos += 1;
                server.send(Numbered(sender, seq));
            }
            _ => {
                tally.casts += 1;
                server.note(sender, seq);
            }
        }
    }
    for (seq, request) in pending {
        collect(&mut tally, seq, request.await);
    }
    tally
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_senders_keep_their_order_and_lose_nothing() {
    // The full size runs in under a second in a debug build.
    let per_sender = scaled(100_000, 100_000) as u64;
    let server = Sequencer::start(Sequencer {
        next: vec![0; SENDERS],
        received: vec![0; SENDERS],
        out_of_order: 0,
    })
    .await
    .unwrap();
    let started = Instant::now();
    let senders: Vec<_> = (0..SENDERS)
        .map(|sender| tokio::spawn(sequence(server.clone(), sender, per_sender)))
        .collect();
    let mut tallies = Vec::new();
    for sender in senders {
        tallies.push(sender.await.unwrap());
    }
    let (received, out_of_order) = server.totals().await.unwrap();
    let took = started.elapsed();
    let casts: u64 = tallies.iter().map(|tally| tally.casts).sum();
    let infos: u64 = tallies.iter().map(|tally| tally.infos).sum();
    let calls: u64 = tallies.iter().map(|tally| tally.calls).sum();
    let requests: u64 = tallies.iter().map(|tally| tally.requests).sum();
    let total: u64 = received.iter().sum();
    eprintln!(
        "ordering ({}): {SENDERS} senders x {per_sender} messages ({casts} casts, {infos} infos, \
         {calls} calls, {requests} pipelined requests) in {took:?}: received {total}, out of order \
         {out_of_order}, lost {}",
        build(),
        SENDERS as u64 * per_sender - total
    );
    for (sender, tally) in tallies.iter().enumerate() {
        assert_eq!(
            (tally.miscounted, tally.failed),
            (0, 0),
            "sender {sender}: {tally:?}"
        );
    }
    assert_eq!(received, vec![per_sender; SENDERS]);
    assert_eq!(out_of_order, 0);
    server.stop().await.unwrap();
}

// ------------------------------------------------- shutdown under load

/// What a `Gate` server shares with its test.
#[derive(Default)]
struct GateLog {
    /// Notified when a holding handler has begun.
    entered: Notify,
    /// Released by the test: the holding handler returns.
    release: Notify,
    casts: AtomicU64,
    terminates: AtomicUsize,
    reasons: Mutex<Vec<ExitReason>>,
}

/// A server that can be held inside a handler while its mailbox fills.
#[derive(Clone)]
struct Gate {
    log: Arc<GateLog>,
}

#[gen_server]
impl Gate {
    /// Holds the server until the test releases it.
    #[call]
    async fn hold(&mut self) -> &'static str {
        self.log.entered.notify_one();
        self.log.release.notified().await;
        "released"
    }

    /// Holds the server, then stops it with `reason` and replies.
    #[call]
    async fn hold_then_stop(
        &mut self,
        reason: ExitReason,
        ctx: &mut Context<Self>,
    ) -> &'static str {
        self.log.entered.notify_one();
        self.log.release.notified().await;
        ctx.stop(reason);
        "stopping"
    }

    #[call]
    fn echo(&mut self, token: u64) -> u64 {
        token
    }

    #[cast]
    fn note(&mut self) {
        self.log.casts.fetch_add(1, SeqCst);
    }

    #[terminate]
    fn terminate(&mut self, reason: &ExitReason) {
        self.log.terminates.fetch_add(1, SeqCst);
        self.log.reasons.lock().unwrap().push(reason.clone());
    }
}

/// Long enough never to be reached by a server that answers; on the paused
/// clock a call that would hang reaches it at once.
const PATIENCE: Duration = Duration::from_secs(60);

/// Calls queued in a held server's mailbox.
struct Queued {
    /// Requests sent from the test task, with their tokens.
    requests: Vec<(u64, genserver::Request<Gate, u64>)>,
    /// Client tasks each waiting in a call.
    waiting: Vec<(u64, tokio::task::JoinHandle<Result<u64, CallError>>)>,
}

/// Fills the mailbox of a held `server`: `requests` requests and as many
/// casts, interleaved, and `SENDERS` tasks each waiting in a call; tokens
/// from `first`. Returns once all of them are queued.
async fn fill(server: &ServerRef<Gate>, first: u64, requests: usize) -> Queued {
    let mut queued = Queued {
        requests: Vec::with_capacity(requests),
        waiting: Vec::new(),
    };
    for token in (first..).take(requests) {
        queued.requests.push((token, server.request().echo(token)));
        server.note();
    }
    for token in (first + requests as u64..).take(SENDERS) {
        let client = server.with_timeout(PATIENCE);
        queued
            .waiting
            .push((token, tokio::spawn(async move { client.echo(token).await })));
    }
    settle().await;
    queued
}

/// Returns once every other task on this (paused, single-threaded)
/// runtime is idle: the paused clock only moves when nothing can run.
async fn settle() {
    tokio::time::sleep(Duration::from_millis(1)).await;
}

/// How the queued calls ended.
#[derive(Debug, Default, PartialEq)]
struct Ended {
    /// Replied with their own token.
    replied: usize,
    /// Got `CallError::Exit` with the expected reason.
    exited: usize,
    /// Got `CallError::NoProc`: sent after the server was gone.
    noproc: usize,
    /// Anything else (another error or reason, a wrong token), or no end
    /// within twice the call timeout: none expected.
    wrong: usize,
    hung: usize,
}

async fn ended(queued: Queued, reason: &ExitReason) -> Ended {
    let mut ended = Ended::default();
    let mut count = |token: u64, outcome: Option<Result<u64, CallError>>| match outcome {
        None => ended.hung += 1,
        Some(Ok(reply)) if reply == token => ended.replied += 1,
        Some(Err(CallError::Exit(exit))) if exit == *reason => ended.exited += 1,
        Some(Err(CallError::NoProc)) => ended.noproc += 1,
        Some(other) => {
            if ended.wrong < 3 {
                eprintln!("call {token} ended with {other:?}");
            }
            ended.wrong += 1;
        }
    };
    for (token, request) in queued.requests {
        let outcome = tokio::time::timeout(2 * PATIENCE, request.receive_response(PATIENCE)).await;
        count(token, outcome.ok());
    }
    for (token, task) in queued.waiting {
        let outcome = tokio::time::timeout(2 * PATIENCE, task).await;
        count(token, outcome.ok().map(Result::unwrap));
    }
    ended
}

fn all_replied(count: usize) -> Ended {
    Ended {
        replied: count,
        ..Ended::default()
    }
}

fn all_exited(count: usize) -> Ended {
    Ended {
        exited: count,
        ..Ended::default()
    }
}

const QUEUED: usize = 10_000;

/// `stop` queued behind a full mailbox, and more queued behind the stop:
/// what came before is served, what came after gets the exit reason.
#[tokio::test(start_paused = true)]
async fn stop_under_load_serves_what_came_first_and_fails_the_rest_with_the_reason() {
    let log = Arc::new(GateLog::default());
    let server = Gate::start(Gate {
        log: Arc::clone(&log),
    })
    .await
    .unwrap();
    let holding = tokio::spawn({
        let server = server.clone();
        async move { server.hold().await }
    });
    log.entered.notified().await;
    let before = fill(&server, 0, QUEUED).await;
    let reason = ExitReason::shutdown_with("under load");
    let stopping = tokio::spawn({
        let server = server.clone();
        let reason = reason.clone();
        async move { server.stop_with(reason).await }
    });
    settle().await;
    let after = fill(&server, 1 << 32, QUEUED).await;
    log.release.notify_one();
    assert_eq!(holding.await.unwrap(), Ok("released"));
    assert_eq!(stopping.await.unwrap(), Ok(()));
    let before = ended(before, &reason).await;
    let after = ended(after, &reason).await;
    eprintln!(
        "stop under load: {} calls and {QUEUED} casts before the stop: {before:?}, casts \
         handled {}; as many after it: {after:?}; terminate ran {} time(s)",
        QUEUED + SENDERS,
        log.casts.load(SeqCst),
        log.terminates.load(SeqCst)
    );
    assert_eq!(before, all_replied(QUEUED + SENDERS));
    assert_eq!(after, all_exited(QUEUED + SENDERS));
    assert_eq!(log.casts.load(SeqCst), QUEUED as u64);
    assert_eq!(log.terminates.load(SeqCst), 1);
    assert_eq!(*log.reasons.lock().unwrap(), [reason]);
}

/// A handler stops its server while the mailbox is full: every queued
/// caller gets the reason, the stopping caller its reply.
#[tokio::test(start_paused = true)]
async fn a_stop_from_a_handler_fails_every_queued_call_with_the_reason() {
    let log = Arc::new(GateLog::default());
    let server = Gate::start(Gate {
        log: Arc::clone(&log),
    })
    .await
    .unwrap();
    let reason = ExitReason::error("stopped from a handler");
    let holding = tokio::spawn({
        let server = server.clone();
        let reason = reason.clone();
        async move { server.hold_then_stop(reason).await }
    });
    log.entered.notified().await;
    let queued = fill(&server, 0, QUEUED).await;
    log.release.notify_one();
    assert_eq!(holding.await.unwrap(), Ok("stopping"));
    assert_eq!(server.exited().await.unwrap(), reason);
    let queued = ended(queued, &reason).await;
    eprintln!(
        "stop from a handler: {} queued calls: {queued:?}; casts handled {}; terminate ran {} \
         time(s)",
        QUEUED + SENDERS,
        log.casts.load(SeqCst),
        log.terminates.load(SeqCst)
    );
    assert_eq!(queued, all_exited(QUEUED + SENDERS));
    assert_eq!(log.casts.load(SeqCst), 0);
    assert_eq!(log.terminates.load(SeqCst), 1);
    assert_eq!(*log.reasons.lock().unwrap(), [reason]);
}

/// An exit signal (`Process.exit(pid, reason)`) to a held server with a
/// full mailbox: it exits at once, without `terminate`, and every queued
/// caller, the held one included, gets the signal's reason.
#[tokio::test(start_paused = true)]
async fn an_exit_signal_fails_every_queued_call_with_its_reason() {
    let log = Arc::new(GateLog::default());
    let server = Gate::start(Gate {
        log: Arc::clone(&log),
    })
    .await
    .unwrap();
    let holding = tokio::spawn({
        let server = server.with_timeout(PATIENCE);
        async move { server.hold().await }
    });
    log.entered.notified().await;
    let queued = fill(&server, 0, QUEUED).await;
    let reason = ExitReason::shutdown_with("signalled");
    server.exit(reason.clone());
    assert_eq!(server.exited().await.unwrap(), reason);
    let held = tokio::time::timeout(2 * PATIENCE, holding)
        .await
        .unwrap()
        .unwrap();
    let queued = ended(queued, &reason).await;
    eprintln!(
        "exit signal under load: the held call got {held:?}; {} queued calls: {queued:?}; \
         casts handled {}; terminate ran {} time(s)",
        QUEUED + SENDERS,
        log.casts.load(SeqCst),
        log.terminates.load(SeqCst)
    );
    assert_eq!(held, Err(CallError::Exit(reason)));
    assert_eq!(queued, all_exited(QUEUED + SENDERS));
    assert_eq!(log.casts.load(SeqCst), 0);
    assert_eq!(log.terminates.load(SeqCst), 0);
}

/// Starts a supervisor of one held `Gate` child, shut down as `shutdown`
/// says, with its mailbox full; then stops the supervisor and queues as
/// many again behind the supervisor's stop. Releases the child (unless
/// the shutdown is to kill it). What the calls queued before and after got.
async fn supervisor_shutdown_under_load(shutdown: Shutdown) -> (Arc<GateLog>, Ended, Ended) {
    let log = Arc::new(GateLog::default());
    let sup = Supervisor::start(
        SupervisorSpec::new(Strategy::OneForOne).child(
            ChildSpec::new::<Gate>(Gate {
                log: Arc::clone(&log),
            })
            .id("gate")
            .restart(Restart::Permanent)
            .shutdown(shutdown),
        ),
    )
    .await
    .unwrap();
    let child = sup.child::<Gate>("gate").await.unwrap();
    let holding = tokio::spawn({
        let child = child.with_timeout(PATIENCE);
        async move { child.hold().await }
    });
    log.entered.notified().await;
    let before = fill(&child, 0, QUEUED).await;
    let stopping = tokio::spawn({
        let sup = sup.clone();
        async move { sup.stop().await }
    });
    settle().await;
    let after = fill(&child, 1 << 32, QUEUED).await;
    if shutdown == Shutdown::Infinity {
        log.release.notify_one();
    }
    assert_eq!(
        tokio::time::timeout(2 * PATIENCE, stopping)
            .await
            .unwrap()
            .unwrap(),
        Ok(())
    );
    let held = holding.await.unwrap();
    let reason = child.exited().await.unwrap();
    let (before, after) = (ended(before, &reason).await, ended(after, &reason).await);
    eprintln!(
        "supervisor shutdown under load ({shutdown:?}): the held call got {held:?}; {} calls \
         and {QUEUED} casts before the supervisor's stop: {before:?}, casts handled {}; as \
         many after it: {after:?}; child exit {reason:?}; terminate ran {} time(s)",
        QUEUED + SENDERS,
        log.casts.load(SeqCst),
        log.terminates.load(SeqCst)
    );
    assert!(!sup.is_alive());
    (log, before, after)
}

#[tokio::test(start_paused = true)]
async fn supervisor_shutdown_under_load_serves_what_came_first_and_fails_the_rest() {
    let (log, before, after) = supervisor_shutdown_under_load(Shutdown::Infinity).await;
    assert_eq!(before, all_replied(QUEUED + SENDERS));
    assert_eq!(after, all_exited(QUEUED + SENDERS));
    assert_eq!(log.casts.load(SeqCst), QUEUED as u64);
    assert_eq!(log.terminates.load(SeqCst), 1);
    assert_eq!(*log.reasons.lock().unwrap(), [ExitReason::Shutdown]);
}

/// A child that does not stop within its shutdown budget (it is held in a
/// handler) is killed: every queued call fails with `Killed`, and
/// `terminate` does not run.
#[tokio::test(start_paused = true)]
async fn a_child_killed_at_shutdown_fails_every_queued_call() {
    let (log, before, after) =
        supervisor_shutdown_under_load(Shutdown::Timeout(Duration::from_secs(1))).await;
    assert_eq!(before, all_exited(QUEUED + SENDERS));
    assert_eq!(after, all_exited(QUEUED + SENDERS));
    assert_eq!(log.casts.load(SeqCst), 0);
    assert_eq!(log.terminates.load(SeqCst), 0);
    // Killed at once: what is sent afterwards finds no server.
    let (log, before, after) = supervisor_shutdown_under_load(Shutdown::BrutalKill).await;
    assert_eq!(before, all_exited(QUEUED + SENDERS));
    assert_eq!(
        after,
        Ended {
            noproc: QUEUED + SENDERS,
            ..Ended::default()
        }
    );
    assert_eq!(log.casts.load(SeqCst), 0);
    assert_eq!(log.terminates.load(SeqCst), 0);
}

/// `stop` while clients on other threads keep calling and casting, many
/// times over: every call ends with its reply, the exit reason, or
/// `NoProc` once the server is gone; `terminate` runs once each time.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn stop_while_clients_call_from_other_threads() {
    let rounds = scaled(200, 30);
    let reason = ExitReason::shutdown_with("racing");
    let mut total = Ended::default();
    let started = Instant::now();
    for _ in 0..rounds {
        let log = Arc::new(GateLog::default());
        let server = Gate::start(Gate {
            log: Arc::clone(&log),
        })
        .await
        .unwrap();
        let calls = Arc::new(AtomicU64::new(0));
        let clients: Vec<_> = (0..SENDERS as u64)
            .map(|client| {
                let server = server.with_timeout(Duration::from_secs(5));
                let (calls, reason) = (Arc::clone(&calls), reason.clone());
                tokio::spawn(async move {
                    let mut ended = Ended::default();
                    for token in (client << 32).. {
                        server.note();
                        calls.fetch_add(1, SeqCst);
                        let call =
                            tokio::time::timeout(Duration::from_secs(10), server.echo(token));
                        match call.await {
                            Err(_) => ended.hung += 1,
                            Ok(Ok(reply)) if reply == token => ended.replied += 1,
                            Ok(Err(CallError::Exit(exit))) if exit == reason => ended.exited += 1,
                            Ok(Err(CallError::NoProc)) => {
                                ended.noproc += 1;
                                break;
                            }
                            Ok(_) => ended.wrong += 1,
                        }
                    }
                    ended
                })
            })
            .collect();
        while calls.load(SeqCst) < 100 {
            tokio::task::yield_now().await;
        }
        server.stop_with(reason.clone()).await.unwrap();
        for client in clients {
            let ended = client.await.unwrap();
            total.replied += ended.replied;
            total.exited += ended.exited;
            total.noproc += ended.noproc;
            total.wrong += ended.wrong;
            total.hung += ended.hung;
        }
        assert_eq!(log.terminates.load(SeqCst), 1);
        assert_eq!(*log.reasons.lock().unwrap(), std::slice::from_ref(&reason));
    }
    eprintln!(
        "stop while {SENDERS} clients call ({}): {rounds} rounds in {:?}: {total:?}",
        build(),
        started.elapsed()
    );
    assert_eq!((total.wrong, total.hung), (0, 0));
    assert_eq!(total.noproc, rounds * SENDERS);
}

// ---------------------------------------------------------------- timeouts

/// A server whose `slow` call takes `delay` to answer.
struct Slow {
    delay: Duration,
    /// Slow calls handled, answered in time or not.
    handled: u64,
}

#[gen_server]
impl Slow {
    #[call]
    async fn slow(&mut self, token: u64) -> u64 {
        tokio::time::sleep(self.delay).await;
        self.handled += 1;
        token
    }

    #[call]
    fn quick(&mut self, token: u64) -> u64 {
        token
    }

    #[call]
    fn handled(&self) -> u64 {
        self.handled
    }
}

/// How the calls of one caller ended.
#[derive(Debug, Default)]
struct TimeoutTally {
    made: u64,
    slow_made: u64,
    replied: u64,
    timed_out: u64,
    /// A reply that carried another call's token: a late reply delivered
    /// to a later call.
    wrong_reply: u64,
    other_error: u64,
    hung: u64,
}

impl TimeoutTally {
    fn add(&mut self, other: &TimeoutTally) {
        self.made += other.made;
        self.slow_made += other.slow_made;
        self.replied += other.replied;
        self.timed_out += other.timed_out;
        self.wrong_reply += other.wrong_reply;
        self.other_error += other.other_error;
        self.hung += other.hung;
    }

    fn count(&mut self, token: u64, outcome: Option<&Result<u64, CallError>>) {
        self.made += 1;
        match outcome {
            None => self.hung += 1,
            Some(Ok(reply)) if *reply == token => self.replied += 1,
            Some(Ok(_)) => self.wrong_reply += 1,
            Some(Err(CallError::Timeout)) => self.timed_out += 1,
            Some(Err(_)) => self.other_error += 1,
        }
    }
}

/// Caller `caller` makes `rounds` slow calls with a timeout of `timeout`,
/// each followed at once by a quick call with a long timeout (the call a
/// late reply would reach, if one could). Every token is unique.
async fn impatient(
    server: ServerRef<Slow>,
    caller: u64,
    rounds: u64,
    timeout: Duration,
) -> TimeoutTally {
    let mut tally = TimeoutTally::default();
    let hasty = server.with_timeout(timeout);
    let patient = server.with_timeout(PATIENCE);
    for round in 0..rounds {
        let token = (caller << 32) | (round << 1);
        tally.slow_made += 1;
        let outcome = tokio::time::timeout(timeout + PATIENCE, hasty.slow(token)).await;
        tally.count(token, outcome.ok().as_ref());
        let token = token | 1;
        let outcome = tokio::time::timeout(2 * PATIENCE, patient.quick(token)).await;
        tally.count(token, outcome.ok().as_ref());
    }
    tally
}

/// A slow handler (1 ms a call) and 50 callers with timeouts from 1 to
/// 46 ms, on the paused clock: many calls time out, the server still
/// handles every one of them, and no late reply reaches a later call.
#[tokio::test(start_paused = true)]
async fn a_late_reply_never_reaches_a_later_call() {
    const CALLERS: u64 = 50;
    const ROUNDS: u64 = 40;
    let server = Slow::start(Slow {
        delay: Duration::from_millis(1),
        handled: 0,
    })
    .await
    .unwrap();
    let callers: Vec<_> = (0..CALLERS)
        .map(|caller| {
            let timeout = Duration::from_millis(1 + caller % 10 * 5);
            tokio::spawn(impatient(server.clone(), caller, ROUNDS, timeout))
        })
        .collect();
    let mut total = TimeoutTally::default();
    for caller in callers {
        total.add(&caller.await.unwrap());
    }
    // Queued behind every slow call made: the server handled them all.
    let handled = server.with_timeout(PATIENCE * 100).handled().await.unwrap();
    eprintln!(
        "timeouts: {CALLERS} callers x {ROUNDS} rounds of a 1 ms call with a 1-46 ms \
         timeout and a quick call: {total:?}; slow calls handled {handled}"
    );
    assert_eq!(total.made, 2 * CALLERS * ROUNDS);
    assert_eq!(
        (total.wrong_reply, total.other_error, total.hung),
        (0, 0, 0)
    );
    assert!(
        total.timed_out > 0 && total.replied > total.made / 2,
        "{total:?}"
    );
    assert_eq!(handled, total.slow_made);
    server.stop().await.unwrap();
}

/// The same on a multi-threaded runtime with real time: timeouts racing
/// the replies on other threads.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_late_reply_never_reaches_a_later_call_across_threads() {
    const CALLERS: u64 = 16;
    let rounds = scaled(200, 20) as u64;
    let server = Slow::start(Slow {
        delay: Duration::from_millis(1),
        handled: 0,
    })
    .await
    .unwrap();
    let started = Instant::now();
    let callers: Vec<_> = (0..CALLERS)
        .map(|caller| {
            let timeout = Duration::from_millis(1 + caller % 4);
            tokio::spawn(impatient(server.clone(), caller, rounds, timeout))
        })
        .collect();
    let mut total = TimeoutTally::default();
    for caller in callers {
        total.add(&caller.await.unwrap());
    }
    let handled = server.with_timeout(PATIENCE).handled().await.unwrap();
    eprintln!(
        "timeouts across threads ({}): {CALLERS} callers x {rounds} rounds of a 1 ms call with \
         a 1-4 ms timeout and a quick call, in {:?}: {total:?}; slow calls handled {handled}",
        build(),
        started.elapsed()
    );
    assert_eq!(total.made, 2 * CALLERS * rounds);
    assert_eq!(
        (total.wrong_reply, total.other_error, total.hung),
        (0, 0, 0)
    );
    assert!(total.timed_out > 0, "{total:?}");
    assert_eq!(handled, total.slow_made);
    server.stop().await.unwrap();
}

/// Callers on plain threads, outside the runtime (`genserver::block_on`),
/// keep the same promises: a slow call with a short timeout times out, a
/// late reply never reaches a later call, and when the server is stopped
/// under them every call still ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocking_callers_on_plain_threads_get_their_own_replies_and_never_hang() {
    const THREADS: u64 = 8;
    let rounds = scaled(100, 20) as u64;
    let server = Slow::start(Slow {
        delay: Duration::from_millis(1),
        handled: 0,
    })
    .await
    .unwrap();
    let started = Instant::now();
    let (done, finished) = std::sync::mpsc::channel();
    let (rounds_over, all_rounds_over) = std::sync::mpsc::channel();
    for thread in 0..THREADS {
        let hasty = server.with_timeout(Duration::from_millis(1 + thread % 4));
        let patient = server.with_timeout(Duration::from_secs(5));
        let done = done.clone();
        let rounds_over = rounds_over.clone();
        std::thread::spawn(move || {
            let mut tally = TimeoutTally::default();
            for round in 0..rounds {
                let token = (thread << 32) | (round << 1);
                tally.slow_made += 1;
                let reply = genserver::block_on(hasty.slow(token)).unwrap();
                tally.count(token, Some(&reply));
                let token = token | 1;
                let reply = genserver::block_on(patient.quick(token)).unwrap();
                tally.count(token, Some(&reply));
            }
            rounds_over.send(()).unwrap();
            // Then calls until the server is gone: each ends.
            let mut after = Ended::default();
            for token in (thread << 32 | 1 << 31).. {
                match genserver::block_on(patient.quick(token)).unwrap() {
                    Ok(reply) if reply == token => after.replied += 1,
                    Err(CallError::Exit(ExitReason::Normal)) => after.exited += 1,
                    Err(CallError::NoProc) => {
                        after.noproc += 1;
                        break;
                    }
                    Err(CallError::Timeout) => {
                        after.hung += 1;
                        break;
                    }
                    Ok(_) | Err(_) => after.wrong += 1,
                }
            }
            done.send((tally, after)).unwrap();
        });
    }
    drop(done);
    // Stop the server once every thread is done with its rounds (each
    // round's last call answered), while the threads keep calling.
    let mut total = TimeoutTally::default();
    let mut after = Ended::default();
    for _ in 0..THREADS {
        tokio::task::block_in_place(|| all_rounds_over.recv_timeout(Duration::from_secs(30)))
            .expect("a blocking caller hung in its rounds");
    }
    server.stop().await.unwrap();
    for _ in 0..THREADS {
        let (tally, ended) =
            tokio::task::block_in_place(|| finished.recv_timeout(Duration::from_secs(30)))
                .expect("a blocking caller hung");
        total.add(&tally);
        after.replied += ended.replied;
        after.exited += ended.exited;
        after.noproc += ended.noproc;
        after.wrong += ended.wrong;
        after.hung += ended.hung;
    }
    eprintln!(
        "blocking callers ({}): {THREADS} threads x {rounds} rounds of a 1 ms call with a 1-4 \
         ms timeout and a quick call, in {:?}: {total:?}; then calling through a stop: {after:?}",
        build(),
        started.elapsed()
    );
    assert_eq!(total.made, 2 * THREADS * rounds);
    assert_eq!(
        (total.wrong_reply, total.other_error, total.hung),
        (0, 0, 0)
    );
    assert!(total.timed_out > 0, "{total:?}");
    assert_eq!((after.wrong, after.hung), (0, 0));
    assert_eq!(after.noproc as u64, THREADS);
}
