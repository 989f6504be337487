use genserver::prelude::*;

#[gen_server]
struct Counter {
    n: u32,
}

fn main() {}
