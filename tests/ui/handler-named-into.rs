use genserver::prelude::*;

struct Counter;

#[gen_server]
impl Counter {
    /// `ServerRef` is `Into<ServerRef>`, so `server.into()` would never reach this.
    #[call]
    fn into(&self) -> u32 {
        0
    }
}

fn main() {}
