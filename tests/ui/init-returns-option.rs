use genserver::prelude::*;

struct Counter {
    n: u32,
}

#[gen_server]
impl Counter {
    #[init]
    fn init(n: u32) -> Option<Self> {
        Some(Counter { n })
    }

    #[call]
    fn get(&self) -> u32 {
        self.n
    }
}

fn main() {}
