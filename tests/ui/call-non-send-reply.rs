use std::cell::RefCell;
use std::sync::Arc;

use genserver::prelude::*;

struct Cache;

#[gen_server]
impl Cache {
    #[call]
    fn shared(&mut self) -> Arc<RefCell<Vec<u8>>> {
        Arc::default()
    }

    #[call]
    fn later(&mut self, reply: ReplyTo<(u8, *const u8)>) {
        let _ = reply;
    }
}

fn main() {}
