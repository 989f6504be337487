//! The driver: runtimes, the metric futures, the list of implementations (in
//! table order) and the memory probes the `mem` binary uses.

use std::future::Future;
use std::hint::black_box;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::actix_impl::{ActixLocal, ActixRemote, set_remote_arbiter};
use crate::floor::Floor;
use crate::genserver_impl::{GenServerImpl, GenServerKeyed, GenServerNamed};
use crate::kameo_impl::{Kameo, KameoNamed};
use crate::ractor_impl::{Ractor, RactorNamed};
use crate::raw::Raw;
use crate::{Exec, Framework, Handle, StartGate};

/// The two runtime columns.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Flavor {
    /// tokio current_thread runtime (actix: everything on one arbiter).
    Ct,
    /// tokio multi_thread runtime with 2 workers (actix: server on a 2nd arbiter).
    Mt2,
}

impl Flavor {
    /// Both, in column order.
    pub const ALL: [Flavor; 2] = [Flavor::Ct, Flavor::Mt2];

    /// The column label.
    pub fn label(self) -> &'static str {
        match self {
            Flavor::Ct => "current_thread",
            Flavor::Mt2 => "multi_thread(2)",
        }
    }

    /// The command-line key (`mem` child processes).
    pub fn key(self) -> &'static str {
        match self {
            Flavor::Ct => "ct",
            Flavor::Mt2 => "mt2",
        }
    }

    /// Parses [`Flavor::key`].
    pub fn parse(s: &str) -> Option<Flavor> {
        match s {
            "ct" => Some(Flavor::Ct),
            "mt2" => Some(Flavor::Mt2),
            _ => None,
        }
    }
}

/// The time metrics of the `perf` binary.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Metric {
    /// One client, sequential calls to one server: ns per call.
    Call,
    /// One client, n casts then one confirming call: ns per cast.
    Cast,
    /// Start n servers one at a time, each awaited until its init ran: µs per start.
    StartLink,
    /// Start n servers without waiting, then wait until every init ran: µs per start.
    StartAsync,
    /// Two client tasks, sequential calls each, one server: ns per call (aggregate).
    Contention,
}

impl Metric {
    /// Every metric, in the order they run.
    pub const ALL: [Metric; 5] = [
        Metric::Call,
        Metric::Cast,
        Metric::StartLink,
        Metric::StartAsync,
        Metric::Contention,
    ];

    /// Parses a metric name from the command line.
    pub fn parse(s: &str) -> Option<Metric> {
        Some(match s {
            "call" => Metric::Call,
            "cast" => Metric::Cast,
            "start-link" | "start_link" | "spawn-sync" => Metric::StartLink,
            "start-async" | "start_async" | "spawn-async" => Metric::StartAsync,
            "contention" => Metric::Contention,
            _ => return None,
        })
    }

    /// The metric's name.
    pub fn key(self) -> &'static str {
        match self {
            Metric::Call => "call",
            Metric::Cast => "cast",
            Metric::StartLink => "start-link",
            Metric::StartAsync => "start-async",
            Metric::Contention => "contention",
        }
    }

    /// The unit of a sample.
    pub fn unit(self) -> &'static str {
        match self {
            Metric::Call | Metric::Contention => "ns/call",
            Metric::Cast => "ns/cast",
            Metric::StartLink | Metric::StartAsync => "µs/start",
        }
    }

    /// What one sample does.
    pub fn describe(self, n: usize) -> String {
        match self {
            Metric::Call => format!("1 client, {n} sequential calls to 1 server"),
            Metric::Cast => format!("1 client, {n} casts, then 1 call that confirms the total"),
            Metric::StartLink => {
                format!("{n} servers started one by one, each awaited until its init ran")
            }
            Metric::StartAsync => {
                format!("{n} servers started without waiting, then wait until all {n} inits ran")
            }
            Metric::Contention => {
                format!("2 client tasks × {} sequential calls to 1 server", n / 2)
            }
        }
    }

    /// The default number of operations per sample.
    pub fn default_n(self) -> usize {
        match self {
            Metric::Call | Metric::Contention => 200_000,
            Metric::Cast => 1_000_000,
            Metric::StartLink | Metric::StartAsync => 100_000,
        }
    }
}

/// A boxed sample future.
pub type BoxFut<T> = Pin<Box<dyn Future<Output = T> + Send>>;

fn per(elapsed: Duration, n: usize) -> f64 {
    elapsed.as_nanos() as f64 / n as f64
}

/// One sample of a start metric (`start-async`, `start-link`) for `F`, in µs
/// per start.
pub fn start_fut<F: Framework>(m: Metric, n: usize) -> BoxFut<f64> {
    Box::pin(async move {
        match m {
            Metric::StartAsync => {
                let gate = StartGate::new(n);
                let mut v = Vec::with_capacity(n);
                let t = Instant::now();
                for _ in 0..n {
                    v.push(F::spawn(gate.clone()).await);
                }
                gate.wait().await;
                let el = t.elapsed();
                black_box(&v);
                per(el, n) / 1000.0
            }
            Metric::StartLink => {
                let mut v = Vec::with_capacity(n);
                let t = Instant::now();
                for _ in 0..n {
                    v.push(F::start_link().await);
                }
                let el = t.elapsed();
                black_box(&v);
                per(el, n) / 1000.0
            }
            m => panic!("{} is not a start metric", m.key()),
        }
    })
}

/// One sample of `m` for `F`, in the unit of `m`.
pub fn metric_fut<F: Framework>(m: Metric, n: usize) -> BoxFut<f64>
where
    F::H: Handle,
{
    Box::pin(async move {
        match m {
            Metric::Call => {
                let h = F::start_link().await;
                let warm = n / 20;
                for _ in 0..warm {
                    black_box(h.call(1).await);
                }
                let t = Instant::now();
                let mut last = 0;
                for _ in 0..n {
                    last = h.call(black_box(1)).await;
                }
                let el = t.elapsed();
                assert_eq!(last, (warm + n) as u64);
                per(el, n)
            }
            Metric::Cast => {
                let h = F::start_link().await;
                let warm = n / 20;
                for _ in 0..warm {
                    h.cast(1).await;
                }
                h.call(0).await;
                let t = Instant::now();
                for _ in 0..n {
                    h.cast(black_box(1)).await;
                }
                let total = h.call(0).await;
                let el = t.elapsed();
                assert_eq!(total, (warm + n) as u64);
                per(el, n)
            }
            Metric::StartAsync | Metric::StartLink => start_fut::<F>(m, n).await,
            Metric::Contention => {
                let clients = 2;
                let each = n / clients;
                let h = Arc::new(F::start_link().await);
                let warm = n / 20;
                for _ in 0..warm {
                    black_box(h.call(1).await);
                }
                let t = Instant::now();
                let js: Vec<_> = (0..clients)
                    .map(|_| {
                        let h = h.clone();
                        tokio::spawn(async move {
                            for _ in 0..each {
                                black_box(h.call(black_box(1)).await);
                            }
                        })
                    })
                    .collect();
                for j in js {
                    j.await.unwrap();
                }
                let el = t.elapsed();
                assert_eq!(h.call(0).await, (warm + each * clients) as u64);
                per(el, each * clients)
            }
        }
    })
}

/// A fresh tokio runtime of `flavor`.
pub fn tokio_rt(flavor: Flavor) -> tokio::runtime::Runtime {
    match flavor {
        Flavor::Ct => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap(),
        Flavor::Mt2 => tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap(),
    }
}

/// Runs `make()`'s future on a fresh executor of the kind `F` needs; `None`
/// if `F` has no placement for this flavor (actix: local is CT, remote is MT2).
pub fn run_on<F: Framework, T: Send + 'static>(
    flavor: Flavor,
    make: impl FnOnce() -> BoxFut<T>,
) -> Option<T> {
    match F::EXEC {
        Exec::Tokio => {
            let rt = tokio_rt(flavor);
            // The client is a spawned task, i.e. a worker task like the server.
            let r = rt.block_on(async move { tokio::spawn(make()).await.unwrap() });
            drop(rt);
            Some(r)
        }
        Exec::ActixLocal => {
            if flavor != Flavor::Ct {
                return None;
            }
            let sys = actix::System::new();
            let r = sys.block_on(make());
            drop(sys);
            Some(r)
        }
        Exec::ActixRemote => {
            if flavor != Flavor::Mt2 {
                return None;
            }
            let sys = actix::System::new();
            let (r, arb) = sys.block_on(async move {
                let arb = actix::Arbiter::new();
                set_remote_arbiter(Some(arb.handle()));
                let r = make().await;
                set_remote_arbiter(None);
                arb.stop();
                (r, arb)
            });
            let _ = arb.join();
            drop(sys);
            Some(r)
        }
    }
}

/// One sample of `m` for `F` on a fresh runtime of `flavor`.
pub fn measure<F: Framework>(m: Metric, flavor: Flavor, n: usize) -> Option<f64>
where
    F::H: Handle,
{
    run_on::<F, f64>(flavor, move || metric_fut::<F>(m, n))
}

/// One sample of a start metric for `F`, which need not serve; `None` for
/// the other metrics.
pub fn measure_starts<F: Framework>(m: Metric, flavor: Flavor, n: usize) -> Option<f64> {
    match m {
        Metric::StartAsync | Metric::StartLink => {
            run_on::<F, f64>(flavor, move || start_fut::<F>(m, n))
        }
        _ => None,
    }
}

/// One row of the tables: an implementation, with the type that runs its
/// current_thread column and the type that runs its multi_thread(2) column.
#[derive(Debug)]
pub struct Entry {
    /// The row label.
    pub name: &'static str,
    /// One sample of a time metric.
    pub measure: fn(Metric, Flavor, usize) -> Option<f64>,
    /// Idle memory of n servers: (heap B/server, RSS B/server).
    pub idle_mem: fn(Flavor, usize) -> Option<(f64, f64)>,
    /// Allocations per call and per cast: (calls, casts) → (allocs/call, allocs/cast).
    pub allocs: fn(Flavor, usize, usize) -> Option<(f64, f64)>,
    /// What a burst of casts leaves behind in one idle server: casts →
    /// (idle heap B, heap B after the burst minus idle heap B).
    pub burst: fn(Flavor, usize) -> Option<(f64, f64)>,
}

fn by_flavor<C: Framework, M: Framework>(m: Metric, flavor: Flavor, n: usize) -> Option<f64>
where
    C::H: Handle,
    M::H: Handle,
{
    match flavor {
        Flavor::Ct => measure::<C>(m, flavor, n),
        Flavor::Mt2 => measure::<M>(m, flavor, n),
    }
}

fn idle_by_flavor<C: Framework, M: Framework>(flavor: Flavor, n: usize) -> Option<(f64, f64)> {
    match flavor {
        Flavor::Ct => idle_mem::<C>(flavor, n),
        Flavor::Mt2 => idle_mem::<M>(flavor, n),
    }
}

fn allocs_by_flavor<C: Framework, M: Framework>(
    flavor: Flavor,
    calls: usize,
    casts: usize,
) -> Option<(f64, f64)>
where
    C::H: Handle,
    M::H: Handle,
{
    match flavor {
        Flavor::Ct => allocs::<C>(flavor, calls, casts),
        Flavor::Mt2 => allocs::<M>(flavor, calls, casts),
    }
}

fn burst_by_flavor<C: Framework, M: Framework>(flavor: Flavor, casts: usize) -> Option<(f64, f64)>
where
    C::H: Handle,
    M::H: Handle,
{
    match flavor {
        Flavor::Ct => burst_mem::<C>(flavor, casts),
        Flavor::Mt2 => burst_mem::<M>(flavor, casts),
    }
}

macro_rules! entry {
    ($ct:ty, $mt:ty) => {
        Entry {
            name: <$ct as Framework>::NAME,
            measure: by_flavor::<$ct, $mt>,
            idle_mem: idle_by_flavor::<$ct, $mt>,
            allocs: allocs_by_flavor::<$ct, $mt>,
            burst: burst_by_flavor::<$ct, $mt>,
        }
    };
    ($t:ty) => {
        entry!($t, $t)
    };
}

/// A by-name row: the same server reached through a name lookup per
/// message. Only the message metrics (call, cast, contention) and the
/// allocation counts: starting and idle memory are the plain row's.
fn by_name<F: Framework>() -> Entry
where
    F::H: Handle,
{
    Entry {
        name: F::NAME,
        measure: |m, flavor, n| match m {
            Metric::Call | Metric::Cast | Metric::Contention => measure::<F>(m, flavor, n),
            Metric::StartLink | Metric::StartAsync => None,
        },
        idle_mem: |_, _| None,
        allocs: allocs::<F>,
        burst: |_, _| None,
    }
}

/// The index of the baseline in [`entries`].
pub const BASELINE: usize = 1;

/// Table order: genserver, the raw baseline ([`BASELINE`]), the peers, the
/// by-name rows (message metrics only), then the floor (start and memory
/// rows only).
pub fn entries() -> Vec<Entry> {
    vec![
        entry!(GenServerImpl),
        entry!(Raw),
        entry!(Kameo),
        entry!(Ractor),
        entry!(ActixLocal, ActixRemote),
        by_name::<GenServerNamed>(),
        by_name::<GenServerKeyed>(),
        by_name::<KameoNamed>(),
        by_name::<RactorNamed>(),
        Entry {
            name: Floor::NAME,
            measure: measure_starts::<Floor>,
            idle_mem: idle_mem::<Floor>,
            allocs: |_, _, _| None,
            burst: |_, _| None,
        },
    ]
}

// ------------------------------------------------------------------ memory

/// Hooks that a binary with a counting global allocator installs, so the
/// library can read live heap bytes and allocation counts.
#[derive(Debug)]
pub struct AllocStats {
    /// Bytes currently allocated.
    pub live_bytes: fn() -> isize,
    /// Allocation calls so far (alloc, alloc_zeroed, realloc).
    pub alloc_count: fn() -> usize,
}

/// Set by the `mem` binary.
pub static ALLOC_STATS: std::sync::OnceLock<AllocStats> = std::sync::OnceLock::new();

fn live() -> isize {
    ALLOC_STATS.get().map_or(0, |s| (s.live_bytes)())
}

fn count() -> usize {
    ALLOC_STATS.get().map_or(0, |s| (s.alloc_count)())
}

/// Starts `n` servers one by one (each awaited until its init ran), lets
/// things settle, and returns (heap bytes per server, RSS bytes per server).
/// Meant to run in a fresh process, so RSS is not muddied by memory freed
/// earlier.
pub fn idle_mem<F: Framework>(flavor: Flavor, n: usize) -> Option<(f64, f64)> {
    run_on::<F, (f64, f64)>(flavor, move || {
        Box::pin(async move {
            // Allocate and touch the handle vector first, so its pages are
            // in the baseline.
            let mut v: Vec<Option<F::H>> = Vec::with_capacity(n);
            v.resize_with(n, || None);
            tokio::time::sleep(Duration::from_millis(50)).await;
            let (h0, r0) = (live(), crate::rss_bytes());
            for slot in &mut v {
                *slot = Some(F::start_link().await);
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
            let (h1, r1) = (live(), crate::rss_bytes());
            black_box(&v);
            let heap = (h1 - h0) as f64 / n as f64;
            let rss = (r1 as f64 - r0 as f64) / n as f64;
            std::mem::forget(v); // the process exits right after
            (heap, rss)
        })
    })
}

/// Allocation calls per call and per cast in steady state: `calls` calls,
/// then `casts` casts and one confirming call, after a warm-up.
pub fn allocs<F: Framework>(flavor: Flavor, calls: usize, casts: usize) -> Option<(f64, f64)>
where
    F::H: Handle,
{
    run_on::<F, (f64, f64)>(flavor, move || {
        Box::pin(async move {
            let h = F::start_link().await;
            for _ in 0..1000 {
                h.call(1).await;
                h.cast(1).await;
            }
            h.call(0).await;
            let c0 = count();
            for _ in 0..calls {
                black_box(h.call(1).await);
            }
            let c1 = count();
            for _ in 0..casts {
                h.cast(1).await;
            }
            h.call(0).await;
            let c2 = count();
            (
                (c1 - c0) as f64 / calls as f64,
                (c2 - c1) as f64 / casts as f64,
            )
        })
    })
}

/// Lets a server that has answered go back to its wait: a reply is sent
/// before the server looks at its mailbox again (and, on multi_thread or on
/// a second arbiter, the server runs on another thread).
async fn settle() {
    for _ in 0..8 {
        tokio::task::yield_now().await;
    }
    tokio::time::sleep(Duration::from_millis(20)).await;
}

/// What a burst leaves behind: starts one server (after a first one that
/// warms up the runtime and the framework's shared state, and stays), lets
/// it serve one call and go idle, then sends it `casts` casts as fast as
/// possible and one call that confirms them, and lets it go idle again.
/// Returns (live heap of the idle server, live heap after the burst minus
/// before it), in bytes.
pub fn burst_mem<F: Framework>(flavor: Flavor, casts: usize) -> Option<(f64, f64)>
where
    F::H: Handle,
{
    run_on::<F, (f64, f64)>(flavor, move || {
        Box::pin(async move {
            let warm = F::start_link().await;
            warm.cast(1).await;
            warm.call(1).await;
            settle().await;
            let h0 = live();
            let h = F::start_link().await;
            h.call(0).await;
            settle().await;
            let h1 = live();
            for _ in 0..casts {
                h.cast(1).await;
            }
            assert_eq!(h.call(0).await, casts as u64);
            settle().await;
            let h2 = live();
            black_box((&warm, &h));
            ((h1 - h0) as f64, (h2 - h1) as f64)
        })
    })
}
