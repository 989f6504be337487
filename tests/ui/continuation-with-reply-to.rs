use genserver::prelude::*;

struct Loader {
    rows: usize,
}

struct Load;

#[gen_server]
impl Loader {
    #[continuation]
    fn load(&mut self, _step: Load, reply: ReplyTo<usize>) {
        self.rows = 10;
        reply.send(self.rows);
    }
}

fn main() {}
