use genserver::prelude::*;

struct Counter {
    n: u32,
}

#[gen_server]
impl Counter {
    #[init]
    fn init(&self) -> Self {
        Counter { n: self.n }
    }
}

fn main() {}
