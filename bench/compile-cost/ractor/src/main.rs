//! A hello app: one counter actor, one call.

use ractor::{call, Actor, ActorProcessingErr, ActorRef, RpcReplyPort};

struct Counter;

enum Msg {
    Add(u64, RpcReplyPort<u64>),
}

impl Actor for Counter {
    type Msg = Msg;
    type State = u64;
    type Arguments = ();

    async fn pre_start(&self, _me: ActorRef<Msg>, (): ()) -> Result<u64, ActorProcessingErr> {
        Ok(0)
    }

    async fn handle(&self, _me: ActorRef<Msg>, msg: Msg, count: &mut u64) -> Result<(), ActorProcessingErr> {
        let Msg::Add(n, reply) = msg;
        *count += n;
        reply.send(*count)?;
        Ok(())
    }
}

#[tokio::main]
async fn main() {
    let (counter, _task) = Actor::spawn(None, Counter, ()).await.unwrap();
    println!("count = {}", call!(counter, Msg::Add, 2).unwrap());
}
