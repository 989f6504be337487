use genserver::prelude::*;

struct Counter {
    n: u32,
}

trait Get {
    fn get(&self) -> u32;
}

#[gen_server]
impl Get for Counter {
    #[call]
    fn get(&self) -> u32 {
        self.n
    }
}

fn main() {}
