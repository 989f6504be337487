use genserver::prelude::*;

struct Counter {
    n: u32,
}

#[gen_server]
impl Counter {
    #[init]
    fn init(n: u32) -> Self {
        Counter { n }
    }

    #[init]
    fn init_zero() -> Self {
        Counter { n: 0 }
    }
}

fn main() {}
