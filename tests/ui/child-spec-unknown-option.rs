use genserver::prelude::*;

struct Worker;

// `max_restarts` belongs to a supervisor, not to a child's spec.
#[gen_server(restart = transient, max_restarts = 3)]
impl Worker {}

fn main() {}
