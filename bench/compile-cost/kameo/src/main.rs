//! A hello app: one counter actor, one ask.

use kameo::prelude::*;

#[derive(Actor, Default)]
struct Counter {
    count: u64,
}

struct Add(u64);

impl Message<Add> for Counter {
    type Reply = u64;
    async fn handle(&mut self, Add(n): Add, _ctx: &mut Context<Self, Self::Reply>) -> u64 {
        self.count += n;
        self.count
    }
}

#[tokio::main]
async fn main() {
    let counter = Counter::spawn(Counter::default());
    println!("count = {}", counter.ask(Add(2)).await.unwrap());
}
