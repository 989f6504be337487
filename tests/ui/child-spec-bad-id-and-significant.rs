use genserver::prelude::*;

struct Worker;

#[gen_server(id = worker, significant = yes)]
impl Worker {}

fn main() {}
