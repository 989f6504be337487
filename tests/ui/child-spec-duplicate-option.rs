use genserver::prelude::*;

struct Worker;

#[gen_server(restart = transient, shutdown = 1_000, restart = temporary)]
impl Worker {}

fn main() {}
