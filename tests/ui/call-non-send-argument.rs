use std::rc::Rc;
use std::sync::{Arc, Mutex};

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

    /// Inside the standard containers too.
    #[cast]
    fn share(&mut self, shared: Arc<Mutex<Option<Rc<u8>>>>) {
        let _ = shared;
    }
}

async fn use_it(counter: ServerRef<Counter>) {
    let _ = counter.get().await;
}

fn main() {
    let _ = use_it;
}
