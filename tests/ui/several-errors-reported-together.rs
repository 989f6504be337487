use genserver::prelude::*;

struct Counter {
    n: u32,
}

#[gen_server]
impl Counter {
    #[call]
    fn no_receiver() -> u32 {
        0
    }

    #[cast]
    fn borrowed(&mut self, name: &str) {
        let _ = name;
    }

    #[info]
    fn no_message(&mut self) {}

    #[call]
    fn get(&self) -> u32 {
        self.n
    }
}

fn main() {}
