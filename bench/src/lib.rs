//! The benchmark suite of genserver: the same counter server written in
//! genserver, as a hand-written tokio actor (the baseline), and in kameo,
//! ractor and actix, measured in one process per metric.
//!
//! Every implementation is the same tiny server: a `u64` counter with
//! `call(x)` (add x, reply with the new total) and `cast(x)` (add x, no reply),
//! plus an init that runs inside the server's task before it serves.
//!
//! * [`genserver_impl`] genserver, through `#[gen_server]`, as a user writes it;
//! * [`raw`]            hand-written tokio actor: mpsc unbounded + oneshot (baseline);
//! * [`kameo_impl`]     kameo 0.22 (`ask` / `tell`, unbounded mailbox);
//! * [`ractor_impl`]    ractor 0.16 (`call` / `cast`);
//! * [`actix_impl`]     actix 0.13 (`send` / `do_send`), on its own System;
//! * [`floor`]          not a server: a bare tokio task, the least that any
//!   runtime with a task per server pays to start one (start and memory rows only).
//!
//! The binaries `perf` (time) and `mem` (memory, allocations) drive them; see
//! `BENCHMARKS.md` at the root of the repository. They and `profile` share
//! their command-line options through [`cli`].

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

pub mod actix_impl;
pub mod cli;
pub mod floor;
pub mod genserver_impl;
pub mod harness;
pub mod kameo_impl;
pub mod ractor_impl;
pub mod raw;

/// Counts servers whose init has run; wakes one waiter when `target` is hit.
#[derive(Debug)]
pub struct StartGate {
    count: AtomicUsize,
    target: usize,
    notify: tokio::sync::Notify,
}

impl StartGate {
    /// A gate that opens after `target` inits.
    pub fn new(target: usize) -> Arc<Self> {
        Arc::new(Self {
            count: AtomicUsize::new(0),
            target,
            notify: tokio::sync::Notify::new(),
        })
    }

    /// Called by a server's init.
    #[inline]
    pub fn started(&self) {
        if self.count.fetch_add(1, Ordering::AcqRel) + 1 == self.target {
            // notify_one stores a permit if nobody waits yet: no lost wake-up.
            self.notify.notify_one();
        }
    }

    /// Waits until `target` inits have run.
    pub async fn wait(&self) {
        if self.count.load(Ordering::Acquire) >= self.target {
            return;
        }
        self.notify.notified().await;
    }
}

/// A handle to a running counter server.
pub trait Handle: Send + Sync + 'static {
    /// `call(x)`: adds x, returns the new total.
    fn call(&self, x: u64) -> impl Future<Output = u64> + Send + '_;
    /// `cast(x)`: adds x.
    fn cast(&self, x: u64) -> impl Future<Output = ()> + Send + '_;
}

/// Which executor an implementation needs.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Exec {
    /// A tokio runtime of the flavor under test.
    Tokio,
    /// An actix System, everything on the System arbiter (one thread).
    ActixLocal,
    /// An actix System for the client, servers on a second Arbiter thread.
    ActixRemote,
}

/// An implementation under test.
pub trait Framework: 'static {
    /// The row label.
    const NAME: &'static str;
    /// Where it runs.
    const EXEC: Exec = Exec::Tokio;
    /// What `start_link` returns: a [`Handle`] for every implementation
    /// that serves (the time metrics other than the starts need one).
    type H: Send + Sync + 'static;
    /// What an asynchronous start leaves to keep the server alive.
    type Spawned: Send + 'static;
    /// Starts a server without waiting for its init; the init signals `gate`.
    fn spawn(gate: Arc<StartGate>) -> impl Future<Output = Self::Spawned> + Send;
    /// Starts a server and waits until its init has run (`GenServer.start_link`).
    fn start_link() -> impl Future<Output = Self::H> + Send;
}

/// Resident set size of this process in bytes (Linux `/proc/self/status`; 0 elsewhere).
pub fn rss_bytes() -> usize {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    for line in s.lines() {
        if let Some(rest) = line.strip_prefix("VmRSS:") {
            let kb: usize = rest
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse()
                .unwrap_or(0);
            return kb * 1024;
        }
    }
    0
}

/// Sorts `v` and returns its median (NaN when empty).
pub fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}
