use genserver::prelude::*;

struct Counter;

#[gen_server]
impl Counter {
    #[call]
    unsafe fn peek(&self) -> u32 {
        0
    }
}

fn main() {}
