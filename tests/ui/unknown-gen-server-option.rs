use genserver::prelude::*;

struct Counter {
    n: u32,
}

#[gen_server(name = "counter")]
impl Counter {
    #[call]
    fn get(&self) -> u32 {
        self.n
    }
}

fn main() {}
