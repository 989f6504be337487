use genserver::prelude::*;
use std::rc::Rc;

struct Counter {
    n: u32,
}

#[gen_server]
impl Counter {
    #[cast]
    fn add(&mut self, by: Rc<u32>) {
        self.n += *by;
    }
}

fn main() {}
