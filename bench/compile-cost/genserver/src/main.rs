//! A hello app: one counter server, one call.

use genserver::prelude::*;

#[derive(Default)]
struct Counter {
    count: u64,
}

#[gen_server]
impl Counter {
    #[call]
    fn add(&mut self, n: u64) -> u64 {
        self.count += n;
        self.count
    }
}

#[tokio::main]
async fn main() {
    let counter = Counter::start(Counter::default()).await.unwrap();
    println!("count = {}", counter.add(2).await.unwrap());
}
