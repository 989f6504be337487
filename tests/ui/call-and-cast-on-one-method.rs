use genserver::prelude::*;

struct Counter {
    n: u32,
}

#[gen_server]
impl Counter {
    #[call]
    #[cast]
    fn bump(&mut self) {
        self.n += 1;
    }
}

fn main() {}
