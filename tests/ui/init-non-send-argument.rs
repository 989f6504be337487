use genserver::prelude::*;
use std::rc::Rc;

struct Counter {
    n: u32,
}

#[gen_server]
impl Counter {
    #[init]
    fn init(start: Rc<u32>) -> Self {
        Counter { n: *start }
    }

    #[call]
    fn get(&self) -> u32 {
        self.n
    }
}

fn main() {}
