use genserver::prelude::*;

struct Counter {
    n: u32,
}

#[gen_server]
impl Counter {
    #[call]
    fn get(&mut self, reply: ReplyTo<u32>, ctx: &mut Context<Self>) -> u32 {
        ctx.reply(reply, self.n);
        self.n
    }
}

fn main() {}
