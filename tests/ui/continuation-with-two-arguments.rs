use genserver::prelude::*;

struct Loader {
    rows: usize,
}

struct Load;

#[gen_server]
impl Loader {
    #[continuation]
    fn load(&mut self, _step: Load, rows: usize) {
        self.rows = rows;
    }
}

fn main() {}
