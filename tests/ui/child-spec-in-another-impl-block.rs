use genserver::prelude::*;
use genserver::ChildSpec;

#[derive(Clone)]
struct Worker;

#[gen_server]
impl Worker {}

// The macro sees only its own impl block, so it cannot step aside for this.
impl Worker {
    fn child_spec(arg: Worker) -> ChildSpec {
        ChildSpec::new::<Self>(arg)
    }
}

fn main() {
    let _ = Worker::child_spec(Worker);
}
