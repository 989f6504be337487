use genserver::prelude::*;

struct Counter;

#[gen_server]
impl Counter {
    #[cast]
    fn _1(&mut self) {}

    #[cast]
    fn self_(&mut self) {}
}

fn main() {}
