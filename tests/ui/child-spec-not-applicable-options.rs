use genserver::prelude::*;

struct Worker;

#[gen_server(modules = [Worker], start = start_link)]
impl Worker {}

fn main() {}
