use genserver::prelude::*;

struct Logger;

#[gen_server]
impl Logger {
    #[cast]
    fn log(&mut self, line: impl Into<String>) {
        let _ = line.into();
    }
}

fn main() {}
