//! Hibernation gives memory back: after a burst of 100k casts, a server's
//! mailbox buffers shrink back to its idle size by themselves, and all the
//! way with `ctx.hibernate()`. Measured with a counting global allocator, so
//! this file holds one test (other tests would allocate meanwhile).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering::Relaxed};

use genserver::prelude::*;

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

#[allow(clippy::cast_possible_wrap)]
fn size(layout: Layout) -> isize {
    layout.size() as isize
}

// SAFETY: every method forwards to the system allocator with the same
// arguments; the counter has no effect on the memory handed out.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(size(layout), Relaxed);
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(size(layout), Relaxed);
        // SAFETY: `ptr` was allocated by `System` with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new: usize) -> *mut u8 {
        #[allow(clippy::cast_possible_wrap)]
        LIVE.fetch_add(new as isize - size(layout), Relaxed);
        // SAFETY: `ptr` was allocated by `System` with `layout`.
        unsafe { System.realloc(ptr, layout, new) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

struct Sink {
    sum: u64,
}

#[gen_server]
impl Sink {
    #[cast]
    fn push(&mut self, n: u64) {
        self.sum = self.sum.wrapping_add(n);
    }

    #[cast]
    fn sleep(&mut self, ctx: &mut Context<Self>) {
        ctx.hibernate();
    }

    #[call]
    fn sum(&self) -> u64 {
        self.sum
    }
}

const BURST: u64 = 100_000;

/// The server's heap growth, in bytes, from before a burst of casts (sent
/// by `senders` tasks at once) to when it is idle again.
async fn after_burst(senders: u64, hibernate: bool) -> isize {
    let sink = Sink::start(Sink { sum: 0 }).await.unwrap();
    sink.sum().await.unwrap();
    let before = LIVE.load(Relaxed);
    let tasks: Vec<_> = (0..senders)
        .map(|_| {
            let sink = sink.clone();
            tokio::spawn(async move {
                for n in 0..BURST / senders {
                    sink.push(n);
                    if n % 1000 == 0 {
                        tokio::task::yield_now().await;
                    }
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    sink.sum().await.unwrap();
    if hibernate {
        // Last, so that the server finds its mailbox empty after it.
        sink.sleep();
    }
    // Let the server finish its turn and go to sleep.
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    std::thread::sleep(std::time::Duration::from_millis(20));
    LIVE.load(Relaxed) - before
}

#[test]
fn an_idle_server_gives_a_burst_s_buffers_back() {
    let mut report = Vec::new();
    let mut failed = false;
    for multi_thread in [false, true] {
        let runtime = if multi_thread {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
        } else {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
        }
        .unwrap();
        for senders in [1, 4] {
            for hibernate in [false, true] {
                let kept = runtime.block_on(after_burst(senders, hibernate));
                report.push(format!(
                    "multi_thread {multi_thread} senders {senders} hibernate {hibernate}: {kept} B"
                ));
                // What a server keeps after a burst: its idle size, give or
                // take a small buffer (32 slots) on each side.
                let limit = if hibernate { 256 } else { 4096 };
                failed |= kept > limit;
            }
        }
    }
    println!("{report:#?}");
    assert!(!failed, "{report:#?}");
}
