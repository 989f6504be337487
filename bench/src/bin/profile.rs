//! One sample of one metric for one implementation on one runtime, for
//! profilers (`valgrind --tool=callgrind`, `perf record`), which want a short
//! run of exactly the code under study:
//!
//! ```text
//! cargo build --release -p genserver-bench --bin profile
//! valgrind --tool=callgrind target/release/profile call genserver ct --n 20000
//! ```
//!
//! Prints the sample (in the metric's unit) to stdout.

use genserver_bench::cli::{self, Opt};
use genserver_bench::harness::{Flavor, Metric, entries};

const USAGE: &str = "usage: profile METRIC IMPLEMENTATION [ct|mt2] [--n N]
  METRIC: call | cast | start-link | start-async | contention
  IMPLEMENTATION: genserver | raw | kameo | ractor | actix | floor (a prefix of the row label)";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut positional = Vec::new();
    // Only `--n`: a `--reps` or `--only` here is a positional word.
    let parsed = cli::parse(&args, &[Opt::N], USAGE, |word| positional.push(word));
    let n = match parsed {
        Ok(Some(options)) => options.n,
        Ok(None) => return,
        Err(_) => fail("--n takes a number"),
    };
    let (metric, name, flavor) = match positional[..] {
        [metric, name] => (metric, name, "ct"),
        [metric, name, flavor] => (metric, name, flavor),
        _ => fail("expected METRIC IMPLEMENTATION [FLAVOR]"),
    };
    let metric = Metric::parse(metric).unwrap_or_else(|| fail("unknown metric"));
    let flavor = Flavor::parse(flavor).unwrap_or_else(|| fail("unknown runtime flavor"));
    // An exact label first: "genserver" is also the start of the by-name
    // rows' labels (the plain row is listed first, but need not stay so).
    let mut entries = entries();
    let index = entries
        .iter()
        .position(|entry| entry.name == name)
        .or_else(|| {
            entries
                .iter()
                .position(|entry| entry.name.starts_with(name))
        })
        .unwrap_or_else(|| fail("unknown implementation"));
    let entry = entries.swap_remove(index);
    let n = n.unwrap_or_else(|| metric.default_n());
    match (entry.measure)(metric, flavor, n) {
        Some(sample) => println!("{sample:.1} {}", metric.unit()),
        None => fail("this implementation does not run this metric"),
    }
}

fn fail(message: &str) -> ! {
    eprintln!("profile: {message}\n{USAGE}");
    std::process::exit(2);
}
