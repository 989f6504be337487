use genserver::prelude::*;

struct Counter {
    n: u32,
}

#[gen_server]
impl Counter {
    #[call]
    #[call]
    fn get(&self) -> u32 {
        self.n
    }
}

fn main() {}
