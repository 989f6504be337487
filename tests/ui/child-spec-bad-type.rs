use genserver::prelude::*;

struct Worker;

#[gen_server(type = daemon)]
impl Worker {}

fn main() {}
