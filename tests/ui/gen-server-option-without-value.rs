use genserver::prelude::*;

struct Counter {
    n: u32,
}

// The value is missing: reported at the `=`, with the forms the option takes.
#[gen_server(restart =)]
impl Counter {
    #[call]
    fn get(&self) -> u32 {
        self.n
    }
}

fn main() {}
