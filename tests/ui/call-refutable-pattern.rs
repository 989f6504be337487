use genserver::prelude::*;

struct Adder {
    total: u32,
}

// A call takes its arguments through any pattern that always matches, as
// `#[init]` does; one that may not is reported once, by rustc, at the
// pattern (not in the generated client, which takes a plain argument).
#[gen_server]
impl Adder {
    #[call]
    fn add(&mut self, Some(n): Option<u32>) -> u32 {
        self.total += n;
        self.total
    }
}

fn main() {}
