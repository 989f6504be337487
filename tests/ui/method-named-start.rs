use genserver::prelude::*;

struct Machine {
    running: bool,
}

#[gen_server]
impl Machine {
    fn start(&mut self) {
        self.running = true;
    }

    #[call]
    fn running(&self) -> bool {
        self.running
    }
}

fn main() {}
