use genserver::prelude::*;

#[gen_server]
#[derive(Default)]
pub struct Counter {
    n: u32,
}

fn main() {}
