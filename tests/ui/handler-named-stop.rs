use genserver::prelude::*;

struct Machine {
    running: bool,
}

#[gen_server]
impl Machine {
    #[cast]
    fn stop(&mut self) {
        self.running = false;
    }
}

fn main() {}
