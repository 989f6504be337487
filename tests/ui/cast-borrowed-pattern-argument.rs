use genserver::prelude::*;

struct Plotter {
    last: (i32, i32),
}

// A pattern is fine in a cast (its field gets a name); a borrowed type is not.
#[gen_server]
impl Plotter {
    #[cast]
    fn plot(&mut self, &(x, y): &(i32, i32)) {
        self.last = (x, y);
    }
}

fn main() {}
