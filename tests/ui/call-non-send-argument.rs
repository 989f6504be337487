use genserver::prelude::*;
use std::rc::Rc;

struct Counter {
    n: u32,
}

#[gen_server]
impl Counter {
    #[call]
    fn add(&mut self, by: Rc<u32>) -> u32 {
        self.n += *by;
        self.n
    }
}

fn main() {}
