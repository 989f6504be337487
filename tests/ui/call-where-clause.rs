use genserver::prelude::*;

struct Echo;

#[gen_server]
impl Echo {
    #[call]
    fn f(&self, n: u32) -> u32
    where
        u32: Copy,
    {
        n
    }
}

fn main() {}
