use genserver::prelude::*;

struct Counter;

#[gen_server]
impl Counter {
    #[call]
    fn f(x: u32) -> u32 {
        x
    }
}

fn main() {}
