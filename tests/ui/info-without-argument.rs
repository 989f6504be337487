use genserver::prelude::*;

struct Ticker {
    ticks: u32,
}

#[gen_server]
impl Ticker {
    #[info]
    fn tick(&mut self) {
        self.ticks += 1;
    }
}

fn main() {}
