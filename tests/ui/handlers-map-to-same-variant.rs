use genserver::prelude::*;

struct Counter {
    n: u32,
}

#[gen_server]
impl Counter {
    #[call]
    fn get_n(&self) -> u32 {
        self.n
    }

    #[call]
    #[allow(non_snake_case)]
    fn getN(&self) -> u32 {
        self.n
    }
}

fn main() {}
