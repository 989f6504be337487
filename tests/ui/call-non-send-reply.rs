use genserver::prelude::*;
use std::rc::Rc;

struct Counter {
    n: u32,
}

#[gen_server]
impl Counter {
    #[call]
    fn get(&self) -> Rc<u32> {
        Rc::new(self.n)
    }
}

fn main() {}
