use genserver::prelude::*;

struct Loader {
    rows: usize,
}

struct Load;

#[gen_server]
impl Loader {
    #[init]
    fn init(ctx: &mut Context<Self>) -> Self {
        ctx.continue_with(Load);
        Loader { rows: 0 }
    }

    #[continuation]
    fn load(&mut self, ctx: &mut Context<Self>) {
        let _ = ctx;
        self.rows = 10;
    }
}

fn main() {}
