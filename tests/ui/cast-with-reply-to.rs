use genserver::prelude::*;

struct Counter {
    n: u32,
}

#[gen_server]
impl Counter {
    #[cast]
    fn get(&mut self, reply: ReplyTo<u32>, ctx: &mut Context<Self>) {
        ctx.reply(reply, self.n);
    }
}

fn main() {}
