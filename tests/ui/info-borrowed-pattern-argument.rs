use genserver::prelude::*;

struct Plotter {
    last: (i32, i32),
}

// One error for the borrowed message, none for its pattern, and no
// "found 0 arguments" after it.
#[gen_server]
impl Plotter {
    #[info]
    fn plot(&mut self, &(x, y): &(i32, i32)) {
        self.last = (x, y);
    }
}

fn main() {}
