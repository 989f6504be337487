use genserver::prelude::*;

struct Ticker {
    ticks: u32,
}

#[gen_server]
impl Ticker {
    #[info]
    fn tick(&mut self, by: u32, times: u32) {
        self.ticks += by * times;
    }
}

fn main() {}
