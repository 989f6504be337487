use std::rc::Rc;

use genserver::prelude::*;

struct Counter {
    n: u32,
}

#[gen_server]
impl Counter {
    #[cast]
    fn set(&mut self, n: Rc<u32>) {
        self.n = *n;
    }
}

fn main() {}
