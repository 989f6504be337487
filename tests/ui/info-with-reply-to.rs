use genserver::prelude::*;

struct Counter {
    n: u32,
}

// One error for the `ReplyTo`, and no "found 0 arguments" after it.
#[gen_server]
impl Counter {
    #[info]
    fn get(&mut self, reply: ReplyTo<u32>) {
        reply.send(self.n);
    }
}

fn main() {}
