use genserver::prelude::*;

#[gen_server]
fn counter() -> u32 {
    0
}

fn main() {}
