use genserver::prelude::*;

struct Counter {
    n: u32,
}

#[gen_server]
impl Counter {
    #[terminate]
    fn terminate(&mut self) -> u32 {
        self.n
    }
}

fn main() {}
