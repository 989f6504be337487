//! Memory metrics, with a counting global allocator.
//!
//! ```text
//! cargo run --release -p genserver-bench --bin mem -- [idle|allocs|burst|timers|all] [--reps R] [--n N] [--only NAME]...
//! ```
//!
//! * `idle`: growth in live heap and in RSS per server after starting N
//!   (100k) servers and letting them idle; every sample runs in a fresh child
//!   process of this binary, so RSS is not muddied by memory freed earlier.
//! * `allocs`: heap allocation calls per call (10k calls) and per cast (100k
//!   casts and one confirming call), after a warm-up.
//! * `burst`: what a burst leaves behind in one idle server: its live heap
//!   after 100k casts (sent as fast as possible, then one confirming call,
//!   then time to go back to its wait) minus its live heap idle before the
//!   burst; and that idle heap itself, for reference.
//! * `timers`: live heap and allocation calls per pending timer, 10k timers
//!   an hour away to one server: genserver's `send_after` (one timer service
//!   per runtime) against a task per timer (`tokio::spawn` of sleep + send).
//! * `flood`: a producer much faster than its consumer (casts as fast as it
//!   can, against 2 µs of work per message): the peak live heap while it
//!   sends 50k casts, to an unbounded mailbox and to bounded ones (1024,
//!   waiting for room or dropping the oldest).

use std::alloc::{GlobalAlloc, Layout, System};
use std::process::Command;
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering::Relaxed};
use std::time::Instant;

use genserver_bench::cli::{self, Opt};
use genserver_bench::harness::{ALLOC_STATS, AllocStats, BASELINE, Flavor, entries};
use genserver_bench::median;

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);
static COUNT: AtomicUsize = AtomicUsize::new(0);

#[allow(clippy::cast_possible_wrap)]
fn size(l: Layout) -> isize {
    l.size() as isize
}

// SAFETY: every method forwards to the system allocator with the same
// arguments; the counters have no effect on the memory handed out.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(size(l), Relaxed);
        COUNT.fetch_add(1, Relaxed);
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(l) }
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(size(l), Relaxed);
        COUNT.fetch_add(1, Relaxed);
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(size(l), Relaxed);
        // SAFETY: `p` was allocated by `System` with layout `l`.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        #[allow(clippy::cast_possible_wrap)]
        LIVE.fetch_add(new as isize - size(l), Relaxed);
        COUNT.fetch_add(1, Relaxed);
        // SAFETY: `p` was allocated by `System` with layout `l`.
        unsafe { System.realloc(p, l, new) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const USAGE: &str = "usage: mem [idle|allocs|burst|timers|flood|all] [--reps R (default 3)] [--n N (default 100000)] [--only NAME]...";

fn main() {
    let _ = ALLOC_STATS.set(AllocStats {
        live_bytes: || LIVE.load(Relaxed),
        alloc_count: || COUNT.load(Relaxed),
    });
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("child") {
        child(&args[1..]);
        return;
    }
    let mut what = "all";
    let parsed = cli::parse(&args, &Opt::ALL, USAGE, |word| match word {
        "idle" | "allocs" | "burst" | "timers" | "flood" | "all" => what = word,
        s => panic!("unknown argument {s}\n{USAGE}"),
    });
    let options = match parsed {
        Ok(Some(options)) => options,
        Ok(None) => return,
        Err(e) => e.panic(USAGE),
    };
    let reps = options.reps.unwrap_or(3);
    let n = options.n.unwrap_or(100_000);
    let selected = options.selected(&entries(), BASELINE);
    println!("# genserver-bench mem");
    if what == "allocs" || what == "all" {
        let t = Instant::now();
        allocs_table(&selected);
        eprintln!("   allocs took {:.1} s", t.elapsed().as_secs_f64());
    }
    if what == "idle" || what == "all" {
        let t = Instant::now();
        idle(&selected, n, reps);
        eprintln!("   idle took {:.1} s", t.elapsed().as_secs_f64());
    }
    if what == "burst" || what == "all" {
        let t = Instant::now();
        burst_table(&selected, reps);
        eprintln!("   burst took {:.1} s", t.elapsed().as_secs_f64());
    }
    if what == "timers" || what == "all" {
        timers_table(10_000);
    }
    if what == "flood" || what == "all" {
        flood_table(50_000);
    }
}

/// The flood's consumer: about 2 µs of work per message.
struct Consumer {
    handled: u64,
}

#[genserver::gen_server]
impl Consumer {
    #[cast]
    fn push(&mut self, item: u64) {
        let start = Instant::now();
        while start.elapsed() < std::time::Duration::from_micros(2) {
            std::hint::black_box(item);
        }
        self.handled += 1;
    }

    #[call]
    fn handled(&mut self) -> u64 {
        self.handled
    }
}

/// How the flood's producer sends.
#[derive(Clone, Copy)]
enum Flood {
    /// The default mailbox, plain casts.
    Unbounded,
    /// `mailbox(1024)`, casts that wait for room (`cast_wait`).
    Wait,
    /// `mailbox(1024)`, plain casts, which drop the oldest.
    DropOldest,
}

fn flood_table(n: u64) {
    println!();
    println!("## a producer faster than its consumer ({n} casts; peak live heap growth)");
    println!();
    println!(
        "One producer task casts {n} messages as fast as it can (about 0.1 µs a cast) to a \
         server that spends 2 µs on each: more than 10 times faster. Peak live heap growth \
         over the idle server, sampled by the producer every 64 casts, and the messages \
         the server handled. (A producer that never waits, the unbounded and drop-oldest \
         rows, runs alone on MT2 too: the server's task waits in the producer's worker's \
         LIFO slot, which other workers do not steal. A bounded mailbox holds its bound \
         plus, while the server works through a batch, up to another bound: the MT2 row of \
         `wait`; drop-oldest leaves the casts it dropped in place until the server takes \
         them or they number the bound, so its queue holds up to twice the bound.)"
    );
    println!();
    println!("| mailbox | peak heap CT | handled CT | peak heap MT2 | handled MT2 |");
    println!("|---|---:|---:|---:|---:|");
    for (name, flood) in [
        ("unbounded (default)", Flood::Unbounded),
        (
            "`mailbox(1024)`, casts wait (`when_full = wait`)",
            Flood::Wait,
        ),
        ("`mailbox(1024)`, casts drop the oldest", Flood::DropOldest),
    ] {
        let mut cells = vec![];
        for flavor in Flavor::ALL {
            let (peak, handled) = flood_sample(flavor, n, flood);
            cells.push(format!("{} KB", peak / 1024));
            cells.push(handled.to_string());
        }
        println!("| {name} | {} |", cells.join(" | "));
    }
}

/// (peak live heap growth in bytes, messages handled).
fn flood_sample(flavor: Flavor, n: u64, flood: Flood) -> (isize, u64) {
    let rt = genserver_bench::harness::tokio_rt(flavor);
    rt.block_on(async move {
        tokio::spawn(async move {
            let options = match flood {
                Flood::Unbounded => genserver::StartOptions::new(),
                Flood::Wait | Flood::DropOldest => genserver::StartOptions::new().mailbox(1024),
            };
            let server = genserver::start::<Consumer>(Consumer { handled: 0 }, options)
                .await
                .unwrap();
            server.handled().await.unwrap();
            let base = LIVE.load(Relaxed);
            let mut peak = 0;
            for item in 0..n {
                match flood {
                    Flood::Unbounded | Flood::DropOldest => server.push(item),
                    Flood::Wait => server
                        .handle()
                        .cast_wait(ConsumerCast::Push { item })
                        .await
                        .unwrap(),
                }
                if item % 64 == 0 {
                    peak = peak.max(LIVE.load(Relaxed) - base);
                }
            }
            peak = peak.max(LIVE.load(Relaxed) - base);
            let handled = server
                .with_timeout(std::time::Duration::MAX)
                .handled()
                .await
                .unwrap();
            (peak, handled)
        })
        .await
        .unwrap()
    })
}

/// The destination of the timers: a server with an info handler.
struct Sink;

/// The timers' message.
struct Tick;

#[genserver::gen_server]
impl Sink {
    #[info]
    fn tick(&mut self, _tick: Tick) {}
}

fn timers_table(n: usize) {
    println!();
    println!("## pending timers (per timer; {n} timers, 1 h away, to one server)");
    println!();
    println!(
        "Live heap growth and allocation calls while setting {n} timers (and letting the \
         runtime settle), divided by {n}; the runtime, the server and the timer service \
         warmed up first, the vector of returned handles allocated beforehand."
    );
    println!();
    println!("| timers | heap CT | allocs CT | heap MT2 | allocs MT2 |");
    println!("|---|---:|---:|---:|---:|");
    for (name, naive) in [
        ("genserver `send_after` (one service per runtime)", false),
        ("`tokio::spawn(sleep + send)` per timer", true),
    ] {
        let mut cells = vec![];
        for flavor in Flavor::ALL {
            let (heap, allocs) = timers_sample(flavor, n, naive);
            cells.push(format!("{heap:.0} B"));
            cells.push(format!("{allocs:.2}"));
        }
        println!("| {name} | {} |", cells.join(" | "));
    }
}

/// (heap bytes, allocation calls) per pending timer.
#[allow(clippy::cast_precision_loss)]
fn timers_sample(flavor: Flavor, n: usize, naive: bool) -> (f64, f64) {
    use std::time::Duration;
    const HOUR: Duration = Duration::from_secs(3600);
    let rt = genserver_bench::harness::tokio_rt(flavor);
    rt.block_on(async move {
        tokio::spawn(async move {
            let server = Sink::start(Sink).await.unwrap();
            // Warm up both ways: the timer service and the runtime's wheel.
            genserver::send_after(&server, Tick, HOUR).unwrap().cancel();
            tokio::spawn(tokio::time::sleep(HOUR)).abort();
            tokio::time::sleep(Duration::from_millis(10)).await;
            let mut timers = Vec::with_capacity(n);
            let mut tasks = Vec::with_capacity(n);
            let (heap, allocs) = (LIVE.load(Relaxed), COUNT.load(Relaxed));
            for _ in 0..n {
                if naive {
                    let server = server.clone();
                    tasks.push(tokio::spawn(async move {
                        tokio::time::sleep(HOUR).await;
                        server.send(Tick);
                    }));
                } else {
                    timers.push(genserver::send_after(&server, Tick, HOUR).unwrap());
                }
            }
            // Let every task run once (its sleep registers) and the service
            // arm its sleep.
            tokio::time::sleep(Duration::from_millis(50)).await;
            let heap = (LIVE.load(Relaxed) - heap) as f64 / n as f64;
            let allocs = (COUNT.load(Relaxed) - allocs) as f64 / n as f64;
            for task in tasks {
                task.abort();
            }
            for timer in timers {
                timer.cancel();
            }
            (heap, allocs)
        })
        .await
        .unwrap()
    })
}

/// `child <entry index> <ct|mt2> <n>`: one idle-memory sample, printed as
/// `RESULT <heap B/server> <RSS B/server>`.
fn child(args: &[String]) {
    let e: usize = args[0].parse().expect("entry index");
    let flavor = Flavor::parse(&args[1]).expect("flavor");
    let n: usize = args[2].parse().expect("n");
    // Rows without an idle measurement (the by-name rows) say so.
    match (entries()[e].idle_mem)(flavor, n) {
        Some((heap, rss)) => println!("RESULT {heap} {rss}"),
        None => println!("RESULT none"),
    }
}

fn idle(selected: &[usize], n: usize, reps: usize) {
    let entries = entries();
    let exe = std::env::current_exe().expect("own path");
    // [entry][flavor] -> samples
    let mut heap = vec![vec![Vec::<f64>::new(); 2]; entries.len()];
    let mut rss = vec![vec![Vec::<f64>::new(); 2]; entries.len()];
    for rep in 1..=reps {
        for &e in selected {
            for (fi, fl) in Flavor::ALL.into_iter().enumerate() {
                let out = Command::new(&exe)
                    .args(["child", &e.to_string(), fl.key(), &n.to_string()])
                    .output()
                    .expect("run child");
                let stdout = String::from_utf8_lossy(&out.stdout);
                let line = stdout
                    .lines()
                    .find(|l| l.starts_with("RESULT"))
                    .unwrap_or_else(|| {
                        panic!(
                            "child failed: {stdout} {}",
                            String::from_utf8_lossy(&out.stderr)
                        )
                    });
                if line == "RESULT none" {
                    continue;
                }
                let mut it = line.split_whitespace().skip(1);
                let h: f64 = it.next().unwrap().parse().unwrap();
                let r: f64 = it.next().unwrap().parse().unwrap();
                eprintln!(
                    "  rep {rep} {:<38} {:<16} heap {h:>8.1} B  rss {r:>8.1} B",
                    entries[e].name,
                    fl.label()
                );
                heap[e][fi].push(h);
                rss[e][fi].push(r);
            }
        }
    }
    println!();
    println!(
        "## idle server memory (bytes per server; {n} servers; median (min–max) of {reps}; \
         one fresh process per sample)"
    );
    println!();
    println!(
        "Live heap (counting allocator) and VmRSS growth from before the first start \
         to 300 ms after the last, divided by {n}; servers started one by one, each awaited."
    );
    println!();
    println!(
        "| implementation | heap CT | ×raw | heap MT2 | ×raw | RSS CT | ×raw | RSS MT2 | ×raw |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    let base = |v: &Vec<Vec<Vec<f64>>>, fi: usize| median(&mut v[BASELINE][fi].clone());
    let bases = [base(&heap, 0), base(&heap, 1), base(&rss, 0), base(&rss, 1)];
    for &e in selected {
        if heap[e].iter().all(Vec::is_empty) {
            continue;
        }
        let mut cells = vec![];
        for (k, (is_rss, fi)) in [(false, 0), (false, 1), (true, 0), (true, 1)]
            .into_iter()
            .enumerate()
        {
            let s = if is_rss {
                &mut rss[e][fi]
            } else {
                &mut heap[e][fi]
            };
            let med = median(s);
            cells.push(format!("{med:.0} ({:.0}–{:.0})", s[0], s[s.len() - 1]));
            cells.push(format!("{:.2}", med / bases[k]));
        }
        println!("| {} | {} |", entries[e].name, cells.join(" | "));
    }
}

fn allocs_table(selected: &[usize]) {
    const CALLS: usize = 10_000;
    const CASTS: usize = 100_000;
    let entries = entries();
    println!();
    println!("## heap allocations per operation");
    println!();
    println!(
        "Allocation calls (alloc, alloc_zeroed, realloc) during {CALLS} sequential calls, \
         and during {CASTS} casts plus 1 confirming call, after 1000 warm-up calls and casts, \
         divided by the number of operations."
    );
    println!();
    println!(
        "| implementation | allocs/call CT | allocs/cast CT | allocs/call MT2 | allocs/cast MT2 |"
    );
    println!("|---|---:|---:|---:|---:|");
    for &e in selected {
        let mut cells = vec![];
        for fl in Flavor::ALL {
            match (entries[e].allocs)(fl, CALLS, CASTS) {
                Some((call, cast)) => {
                    cells.push(format!("{call:.2}"));
                    cells.push(format!("{cast:.2}"));
                }
                None => cells.extend(["—".to_string(), "—".to_string()]),
            }
        }
        // The floor does not serve, so it has no row here.
        if cells.iter().all(|c| c == "—") {
            continue;
        }
        println!("| {} | {} |", entries[e].name, cells.join(" | "));
    }
}

fn burst_table(selected: &[usize], reps: usize) {
    const CASTS: usize = 100_000;
    let entries = entries();
    // [entry][flavor] -> (idle samples, left-behind samples)
    let mut samples = vec![vec![(Vec::<f64>::new(), Vec::<f64>::new()); 2]; entries.len()];
    for rep in 1..=reps {
        for &e in selected {
            for (fi, fl) in Flavor::ALL.into_iter().enumerate() {
                let Some((idle, left)) = (entries[e].burst)(fl, CASTS) else {
                    continue;
                };
                eprintln!(
                    "  rep {rep} {:<38} {:<16} idle {idle:>8.0} B  after burst {left:>+9.0} B",
                    entries[e].name,
                    fl.label()
                );
                samples[e][fi].0.push(idle);
                samples[e][fi].1.push(left);
            }
        }
    }
    println!();
    println!(
        "## idle heap after a burst (bytes; one server, {CASTS} casts; median (min–max) of {reps})"
    );
    println!();
    println!(
        "Live heap (counting allocator) of one idle server: started (after a first server \
         that warms up the runtime), served 1 call and gone back to its wait (\"idle\", \
         growth from before the start); then {CASTS} casts sent as fast as possible, 1 call \
         that confirms them, and 20 ms to go idle again (\"after burst\", growth from idle: \
         what the burst leaves behind)."
    );
    println!();
    println!("| implementation | idle CT | after burst CT | idle MT2 | after burst MT2 |");
    println!("|---|---:|---:|---:|---:|");
    let cell = |s: &mut Vec<f64>| {
        if s.is_empty() {
            return "—".to_string();
        }
        let med = median(s);
        format!("{med:.0} ({:.0}–{:.0})", s[0], s[s.len() - 1])
    };
    for &e in selected {
        let mut cells = vec![];
        for (idle, left) in &mut samples[e] {
            cells.push(cell(idle));
            cells.push(cell(left));
        }
        // The by-name rows and the floor have no row here.
        if cells.iter().all(|c| c == "—") {
            continue;
        }
        println!("| {} | {} |", entries[e].name, cells.join(" | "));
    }
}
