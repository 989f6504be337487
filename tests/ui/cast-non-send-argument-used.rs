use genserver::prelude::*;
use std::rc::Rc;

struct Counter {
    n: u32,
}

#[gen_server]
impl Counter {
    #[cast]
    fn add(&mut self, by: Rc<u32>) {
        self.n += *by;
    }
}

// Code that uses the server is told once more, pointing back at the argument.
async fn use_it(server: ServerRef<Counter>) {
    server.add(Rc::new(1));
}

fn main() {
    let _ = use_it;
}
