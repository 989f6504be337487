//! Leaks: 100k start/stop cycles and 100k crash/restart cycles under a
//! supervisor leave the live heap where it was, and so do 10k cycles of a
//! DynamicSupervisor's child and of a stop racing callers on other
//! threads. Measured with a counting global allocator (live blocks and
//! bytes, not RSS), so this binary holds one test: another running beside
//! it would be counted too.
//!
//! Debug builds run a tenth of each; release builds, or
//! `GENSERVER_STRESS_SCALE=full` (or a fraction such as `0.5`), the full
//! size. The figures are printed (`--nocapture`).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

use genserver::dynamic_supervisor::Options;
use genserver::prelude::*;
use genserver::registry::Registry;
use genserver::{ChildSpec, DynamicSupervisor, Strategy, Supervisor, SupervisorSpec};

struct Counting;

static BYTES: AtomicIsize = AtomicIsize::new(0);
static BLOCKS: AtomicIsize = AtomicIsize::new(0);

#[allow(clippy::cast_possible_wrap)]
fn size(layout: Layout) -> isize {
    layout.size() as isize
}

// SAFETY: every method forwards to the system allocator with the same
// arguments; the counters have no effect on the memory handed out.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        BYTES.fetch_add(size(layout), Relaxed);
        BLOCKS.fetch_add(1, Relaxed);
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        BYTES.fetch_add(size(layout), Relaxed);
        BLOCKS.fetch_add(1, Relaxed);
        // SAFETY: the caller upholds `GlobalAlloc::alloc_zeroed`'s contract.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        BYTES.fetch_sub(size(layout), Relaxed);
        BLOCKS.fetch_sub(1, Relaxed);
        // SAFETY: `ptr` was allocated by `System` with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new: usize) -> *mut u8 {
        #[allow(clippy::cast_possible_wrap)]
        BYTES.fetch_add(new as isize - size(layout), Relaxed);
        // SAFETY: `ptr` was allocated by `System` with `layout`.
        unsafe { System.realloc(ptr, layout, new) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Live heap: (blocks, bytes).
fn live() -> (isize, isize) {
    (BLOCKS.load(Relaxed), BYTES.load(Relaxed))
}

/// What may stay allocated after the warm-up: lazily grown runtime and
/// registry structures (a table's capacity, a slab page), never a cost
/// per cycle. 10k cycles leaking 1 byte each would exceed it.
const SLACK_BLOCKS: isize = 32;
const SLACK_BYTES: isize = 8 * 1024;

/// As `tests/faults.rs`: the full size in release builds, a tenth in debug
/// builds unless `GENSERVER_STRESS_SCALE` says otherwise.
fn scaled(full: usize) -> usize {
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
        None if cfg!(debug_assertions) => full / 10,
        None => full,
    }
}

/// The panics caused on purpose start with this, and are not printed.
const MARK: &str = "leak test:";

#[derive(Clone)]
struct Counter {
    count: u64,
}

#[gen_server]
impl Counter {
    #[cast]
    fn add(&mut self, n: u64) {
        self.count += n;
    }

    #[call]
    fn get(&self) -> u64 {
        self.count
    }

    /// Answers after 10 ms.
    #[call]
    async fn slow(&self) -> u64 {
        tokio::time::sleep(Duration::from_millis(10)).await;
        self.count
    }

    #[cast]
    fn crash(&mut self) {
        panic!("{MARK} crash on request");
    }
}

/// Runs `cycle` `warm_up` times, takes the baseline, runs it `cycles`
/// times and returns how far the live heap moved: (blocks, bytes).
async fn measure<F: std::future::Future<Output = ()>>(
    warm_up: usize,
    cycles: usize,
    mut cycle: impl FnMut(usize) -> F,
) -> ((isize, isize), Duration) {
    for i in 0..warm_up {
        cycle(i).await;
    }
    settle().await;
    let (blocks, bytes) = live();
    let started = Instant::now();
    for i in 0..cycles {
        cycle(warm_up + i).await;
    }
    let took = started.elapsed();
    settle().await;
    let (blocks_after, bytes_after) = live();
    ((blocks_after - blocks, bytes_after - bytes), took)
}

/// Lets every task that can run finish.
async fn settle() {
    for _ in 0..16 {
        tokio::task::yield_now().await;
    }
}

/// A measurement: how far the live heap moved (blocks, bytes), and how
/// long the measured cycles took.
type Moved = ((isize, isize), Duration);

/// A plain server, a named one and one under a `Registry` key, each with a cast, a call, a call that
/// times out (its late reply dropped), a request abandoned, two monitors
/// and a stop, on the paused clock of a single-threaded runtime.
async fn start_stop(warm_up: usize, cycles: usize) -> Moved {
    let registry: Registry<u64, Counter> = Registry::new();
    measure(warm_up, cycles, |i| {
        let options = match i % 3 {
            0 => StartOptions::new(),
            1 => StartOptions::new().name("leaks_named"),
            _ => StartOptions::new().via(&registry, 7),
        };
        start_stop_cycle(options)
    })
    .await
}

async fn start_stop_cycle(options: StartOptions) {
    {
        let server = Counter::start_with(Counter { count: 0 }, options)
            .await
            .unwrap();
        server.add(1);
        assert_eq!(server.get().await.unwrap(), 1);
        let hasty = server.with_timeout(Duration::from_millis(1));
        assert_eq!(hasty.slow().await, Err(CallError::Timeout));
        drop(server.request().get());
        // A monitor dropped (demonitored) and one that sees the exit.
        drop(server.monitor());
        let down = server.monitor();
        server.stop().await.unwrap();
        assert_eq!(down.await.reason, ExitReason::Normal);
    }
}

/// A named child crashing, its supervisor restarting it. The restart
/// window is 1 ms and each cycle moves the (paused) clock 2 ms on, so the
/// supervisor's restart history stays one entry long.
async fn crash_restart(warm_up: usize, cycles: usize) -> Moved {
    let sup = Supervisor::start(
        SupervisorSpec::new(Strategy::OneForOne)
            .max_restarts(1)
            .period(Duration::from_millis(1))
            .child(
                ChildSpec::new::<Counter>(Counter { count: 0 })
                    .id("counter")
                    .start_options(StartOptions::new().name("leaks_child")),
            ),
    )
    .await
    .unwrap();
    let moved = measure(warm_up, cycles, |_| {
        let sup = sup.clone();
        async move {
            let child = sup.child::<Counter>("counter").await.unwrap();
            child.add(1);
            assert_eq!(child.get().await.unwrap(), 1);
            child.crash();
            assert!(matches!(child.exited().await, Ok(ExitReason::Panic(_))));
            drop(child);
            tokio::time::advance(Duration::from_millis(2)).await;
        }
    })
    .await;
    assert!(sup.is_alive());
    sup.stop().await.unwrap();
    moved
}

/// Under a `DynamicSupervisor`: a child started, crashed and restarted,
/// then terminated. As above, the restart window is 1 ms and each cycle
/// moves the paused clock 2 ms on.
async fn dynamic(warm_up: usize, cycles: usize) -> Moved {
    let sup = DynamicSupervisor::start(
        Options::new()
            .max_restarts(1)
            .max_seconds(Duration::from_millis(1)),
    )
    .await
    .unwrap();
    let moved = measure(warm_up, cycles, |_| {
        let sup = sup.clone();
        async move {
            let spec = ChildSpec::new::<Counter>(Counter { count: 0 })
                .start_options(StartOptions::new().name("leaks_dynamic"));
            let child: ServerRef<Counter> = sup.start_child(spec).await.unwrap();
            child.crash();
            assert!(matches!(child.exited().await, Ok(ExitReason::Panic(_))));
            drop(child);
            // The restarted child, found by its name once it is back.
            let child = loop {
                if let Ok(child) = genserver::registry::whereis::<Counter>("leaks_dynamic") {
                    break child;
                }
                tokio::task::yield_now().await;
            };
            assert_eq!(child.get().await.unwrap(), 0);
            sup.terminate_child(&child).await.unwrap();
            drop(child);
            tokio::time::advance(Duration::from_millis(2)).await;
        }
    })
    .await;
    assert_eq!(sup.count_children().await.unwrap().specs, 0);
    sup.stop().await.unwrap();
    moved
}

/// A stop racing calls from other threads: 4 clients call while the
/// server is stopped, on a runtime of 2 worker threads.
async fn racing(warm_up: usize, cycles: usize) -> Moved {
    measure(warm_up, cycles, |_| async {
        let server = Counter::start(Counter { count: 0 }).await.unwrap();
        let clients: Vec<_> = (0..4)
            .map(|_| {
                let server = server.clone();
                tokio::spawn(async move {
                    for _ in 0..10 {
                        server.add(1);
                        match server.get().await {
                            Ok(_) => {}
                            Err(CallError::NoProc | CallError::Exit(ExitReason::Normal)) => break,
                            Err(error) => panic!("{error:?}"),
                        }
                    }
                })
            })
            .collect();
        server.stop().await.unwrap();
        for client in clients {
            client.await.unwrap();
        }
    })
    .await
}

#[test]
fn start_stop_and_crash_restart_cycles_leave_the_heap_at_its_baseline() {
    std::panic::set_hook(Box::new(|info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied());
        if !message.is_some_and(|message| message.starts_with(MARK)) {
            eprintln!("{info}");
        }
    }));
    let cycles = scaled(100_000);
    let warm_up = 1_000;
    let paused = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()
            .unwrap()
    };
    let start_stop = paused().block_on(start_stop(warm_up, cycles));
    let crash_restart = paused().block_on(crash_restart(warm_up, cycles));
    let dynamic = paused().block_on(dynamic(warm_up, cycles / 10));
    let racing = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(racing(warm_up, cycles / 10));
    let build = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    let phases = [
        ("start/stop", cycles, start_stop),
        ("crash/restart", cycles, crash_restart),
        (
            "DynamicSupervisor start/crash/restart/terminate",
            cycles / 10,
            dynamic,
        ),
        ("stop racing 4 callers on 2 threads", cycles / 10, racing),
    ];
    for (what, count, ((blocks, bytes), took)) in phases {
        eprintln!(
            "leaks ({build}): {count} {what} cycles after {warm_up} to warm up, in {took:?}: \
             live heap {blocks:+} blocks, {bytes:+} bytes (slack {SLACK_BLOCKS} blocks, \
             {SLACK_BYTES} bytes)"
        );
    }
    for (what, _, ((blocks, bytes), _)) in phases {
        assert!(
            blocks <= SLACK_BLOCKS && bytes <= SLACK_BYTES,
            "{what}: {blocks} blocks, {bytes} bytes more than before"
        );
    }
}
