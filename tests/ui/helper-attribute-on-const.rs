use genserver::prelude::*;

struct Counter {
    n: u32,
}

#[gen_server]
impl Counter {
    #[call]
    const STEP: u32 = 1;

    #[call]
    fn get(&self) -> u32 {
        self.n + Self::STEP
    }
}

fn main() {}
