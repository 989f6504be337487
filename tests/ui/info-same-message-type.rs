use genserver::prelude::*;

struct Ticker {
    ticks: u32,
}

#[gen_server]
impl Ticker {
    #[info]
    fn tick(&mut self, by: u32) {
        self.ticks += by;
    }

    #[info]
    fn untick(&mut self, by: u32) {
        self.ticks -= by;
    }
}

fn main() {}
