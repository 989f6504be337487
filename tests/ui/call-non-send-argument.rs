use std::rc::Rc;

use genserver::prelude::*;

struct Counter(u32);

#[gen_server]
impl Counter {
    /// An `Rc` cannot cross to the server's task: one error, here, and the
    /// rest of the server still expands (`get` below is fine).
    #[call]
    fn add(&mut self, by: Rc<u32>) -> u32 {
        self.0 += *by;
        self.0
    }

    #[call]
    fn get(&self) -> u32 {
        self.0
    }
}

async fn use_it(counter: ServerRef<Counter>) {
    let _ = counter.get().await;
}

fn main() {
    let _ = use_it;
}
