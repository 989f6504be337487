use genserver::prelude::*;

struct Plotter;

#[gen_server]
impl Plotter {
    #[cast]
    fn plot(&mut self, (x, y): (i32, i32)) {
        let _ = (x, y);
    }
}

fn main() {}
