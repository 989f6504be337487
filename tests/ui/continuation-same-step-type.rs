use genserver::prelude::*;

struct Loader {
    rows: usize,
}

struct Load;

#[gen_server]
impl Loader {
    #[continuation]
    fn load(&mut self, _step: Load) {
        self.rows = 10;
    }

    #[continuation]
    fn reload(&mut self, _step: Load) {
        self.rows = 20;
    }
}

fn main() {}
