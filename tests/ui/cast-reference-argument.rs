use genserver::prelude::*;

struct Logger;

#[gen_server]
impl Logger {
    #[cast]
    fn f(&mut self, s: &str) {
        let _ = s;
    }
}

fn main() {}
