//! Time metrics: call latency, cast throughput, start cost, contention.
//!
//! ```text
//! cargo run --release -p genserver-bench --bin perf -- [METRIC...] [--reps R] [--n N] [--only NAME]...
//! ```
//!
//! METRIC: `call`, `cast`, `start-link`, `start-async`, `contention` (default:
//! all). Every implementation and both runtime flavors run in this one
//! process; each metric has one discarded warm-up round, then R rounds, with
//! the order of the implementations reshuffled every round. Each cell is the
//! median (min–max) of the R rounds. Tables go to stdout, samples to stderr.

use std::time::Instant;

use genserver_bench::cli::{self, Opt};
use genserver_bench::harness::{BASELINE, Flavor, Metric, entries};
use genserver_bench::median;

const USAGE: &str = "usage: perf [call|cast|start-link|start-async|contention|all]... \
                     [--reps R (default 5)] [--n N] [--only NAME]...";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut metrics = vec![];
    let parsed = cli::parse(&args, &Opt::ALL, USAGE, |word| match word {
        "all" => metrics.extend(Metric::ALL),
        s => {
            metrics.push(Metric::parse(s).unwrap_or_else(|| panic!("unknown metric {s}\n{USAGE}")))
        }
    });
    let options = match parsed {
        Ok(Some(options)) => options,
        Ok(None) => return,
        Err(e) => e.panic(USAGE),
    };
    let reps = options.reps.unwrap_or(5);
    let n_override = options.n;
    if metrics.is_empty() {
        metrics = Metric::ALL.to_vec();
    }
    let entries = entries();
    let selected = options.selected(&entries, BASELINE);

    println!("# genserver-bench perf");
    println!();
    println!(
        "Rounds per cell: {reps}, after 1 discarded warm-up round. Cells: median (min–max); \
         ×raw: median / median of the raw baseline in the same column."
    );
    let started = Instant::now();
    for &m in &metrics {
        let n = n_override.unwrap_or(m.default_n());
        let t = Instant::now();
        eprintln!("== {} (n={n}, reps={reps})", m.key());
        // samples[entry][flavor]
        let mut samples = vec![vec![Vec::<f64>::new(); Flavor::ALL.len()]; entries.len()];
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15 ^ (m as u64);
        for rep in 0..=reps {
            // Reshuffle the order every round (xorshift, fixed seed), so no
            // implementation always runs first after a runtime teardown.
            let mut order = selected.clone();
            for k in (1..order.len()).rev() {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                order.swap(k, usize::try_from(seed % (k as u64 + 1)).unwrap());
            }
            for &e in &order {
                for (fi, &fl) in Flavor::ALL.iter().enumerate() {
                    if let Some(v) = (entries[e].measure)(m, fl, n) {
                        if rep > 0 {
                            samples[e][fi].push(v);
                        }
                        let tag = if rep == 0 {
                            "warm-up".to_string()
                        } else {
                            format!("rep {rep}")
                        };
                        eprintln!(
                            "  {tag:<8} {:<38} {:<16} {v:>10.3} {}",
                            entries[e].name,
                            fl.label(),
                            m.unit()
                        );
                    }
                }
            }
        }
        print_table(m, n, reps, &entries, &selected, &mut samples);
        eprintln!("   {} took {:.1} s", m.key(), t.elapsed().as_secs_f64());
    }
    eprintln!("== total {:.1} s", started.elapsed().as_secs_f64());
}

fn print_table(
    m: Metric,
    n: usize,
    reps: usize,
    entries: &[genserver_bench::harness::Entry],
    selected: &[usize],
    samples: &mut [Vec<Vec<f64>>],
) {
    let is_cast = m == Metric::Cast;
    println!();
    println!("## {} ({}; median of {reps})", m.key(), m.unit());
    println!();
    println!("{}.", m.describe(n));
    println!();
    let extra_head = if is_cast {
        " msgs/s CT | msgs/s MT2 |"
    } else {
        ""
    };
    let extra_rule = if is_cast { "---:|---:|" } else { "" };
    println!("| implementation | current_thread | ×raw | multi_thread(2) | ×raw |{extra_head}");
    println!("|---|---:|---:|---:|---:|{extra_rule}");
    let mut base = [f64::NAN; 2];
    for (fi, b) in base.iter_mut().enumerate() {
        *b = median(&mut samples[BASELINE][fi].clone());
    }
    for &e in selected {
        // The floor only starts: no row in the other tables.
        if samples[e].iter().all(Vec::is_empty) {
            continue;
        }
        let mut cells = vec![];
        let mut rates = vec![];
        for fi in 0..Flavor::ALL.len() {
            let s = &mut samples[e][fi];
            if s.is_empty() {
                cells.extend(["—".to_string(), "—".to_string()]);
                rates.push("—".to_string());
                continue;
            }
            let med = median(s);
            let (lo, hi) = (s[0], s[s.len() - 1]);
            let digits = if med < 10.0 {
                2
            } else if med < 100.0 {
                1
            } else {
                0
            };
            cells.push(format!("{med:.digits$} ({lo:.digits$}–{hi:.digits$})"));
            cells.push(format!("{:.2}", med / base[fi]));
            rates.push(format!("{:.1} M", 1000.0 / med));
        }
        let extra = if is_cast {
            format!(" {} | {} |", rates[0], rates[1])
        } else {
            String::new()
        };
        println!(
            "| {} | {} | {} | {} | {} |{extra}",
            entries[e].name, cells[0], cells[1], cells[2], cells[3]
        );
    }
    if m == Metric::StartAsync {
        println!();
        println!(
            "genserver's row uses `Counter::spawn(..)`, which returns before init ran; \
             ractor's `Actor::spawn` always awaits `pre_start`, so its row is sequential."
        );
    }
    if matches!(m, Metric::StartAsync | Metric::StartLink)
        && selected
            .iter()
            .any(|&e| entries[e].name.starts_with("floor"))
    {
        println!();
        println!(
            "floor: not a server, a spawned task that signals its init and waits on a oneshot \
             (bench/src/floor.rs): the least a start costs when every server is a tokio task."
        );
    }
    if selected
        .iter()
        .any(|&e| entries[e].name.starts_with("actix"))
    {
        println!();
        println!(
            "actix: current_thread = client and server on one arbiter; \
             multi_thread(2) = server on a second arbiter thread."
        );
    }
}
