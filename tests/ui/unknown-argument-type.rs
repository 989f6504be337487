use genserver::prelude::*;

struct Counter {
    n: u32,
}

#[gen_server]
impl Counter {
    #[cast]
    fn add(&mut self, by: Amount) {
        self.n += by.0;
    }
}

fn main() {}
