use genserver::prelude::*;

struct Loader {
    rows: usize,
}

struct Load;

struct Index;

#[gen_server]
impl Loader {
    #[init]
    fn init(ctx: &mut Context<Self>) -> Self {
        ctx.continue_with(Index);
        Loader { rows: 0 }
    }

    #[continuation]
    fn load(&mut self, _step: Load) {
        self.rows = 10;
    }
}

fn main() {}
