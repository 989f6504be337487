use genserver::prelude::*;

struct Plotter {
    last: u32,
}

// An info handler may take its message through any pattern that always
// matches; rustc reports one that may not, at the handler.
#[gen_server]
impl Plotter {
    #[info]
    fn plot(&mut self, Some(n): Option<u32>) {
        self.last = n;
    }
}

fn main() {}
