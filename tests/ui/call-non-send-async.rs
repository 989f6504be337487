use genserver::prelude::*;
use std::rc::Rc;

struct Counter {
    n: u32,
}

#[gen_server]
impl Counter {
    #[init]
    async fn init(n: u32) -> Self {
        Counter { n }
    }

    #[call]
    async fn add(&mut self, by: Rc<u32>, ctx: &mut Context<Self>) -> u32 {
        let _ = ctx;
        self.n += *by;
        self.n
    }

    #[cast]
    async fn reset(&mut self, to: std::cell::Cell<u32>) {
        self.n = to.get();
    }

    #[terminate]
    async fn terminate(&mut self) {}
}

fn main() {}
