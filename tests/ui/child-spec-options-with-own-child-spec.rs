use genserver::prelude::*;
use genserver::ChildSpec;

#[derive(Clone)]
struct Worker;

#[gen_server(restart = transient, shutdown = brutal_kill)]
impl Worker {
    fn child_spec(arg: Worker) -> ChildSpec {
        ChildSpec::new::<Self>(arg)
    }
}

fn main() {
    let _ = Worker::child_spec(Worker);
}
