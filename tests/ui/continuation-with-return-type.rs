use genserver::prelude::*;

struct Loader {
    rows: usize,
}

struct Load;

#[gen_server]
impl Loader {
    #[continuation]
    fn load(&mut self, _step: Load) -> usize {
        self.rows = 10;
        self.rows
    }
}

fn main() {}
