use genserver::prelude::*;

struct Counter {
    n: u32,
}

#[gen_server]
impl Counter {
    #[cast]
    fn bump(&mut self) -> u32 {
        self.n += 1;
        self.n
    }
}

fn main() {}
