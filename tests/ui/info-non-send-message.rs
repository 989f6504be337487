use genserver::prelude::*;
use std::rc::Rc;

struct Counter {
    n: u32,
}

#[gen_server]
impl Counter {
    #[info]
    fn tick(&mut self, by: Rc<u32>) {
        self.n += *by;
    }
}

fn main() {}
