use genserver::prelude::*;

struct Loader {
    rows: usize,
}

struct Load;

#[gen_server]
impl Loader {
    #[continuation]
    fn load_all(&mut self, _step: Load) {
        self.rows = 10;
    }

    #[info]
    #[allow(non_snake_case)]
    fn loadAll(&mut self, rows: usize) {
        self.rows = rows;
    }
}

fn main() {}
