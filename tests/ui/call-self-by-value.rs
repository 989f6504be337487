use genserver::prelude::*;

struct Counter;

#[gen_server]
impl Counter {
    #[call]
    fn f(self) -> u32 {
        0
    }
}

fn main() {}
