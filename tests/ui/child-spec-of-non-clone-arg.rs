use genserver::prelude::*;

/// A file handle, say: not `Clone`.
struct Resource;

struct Owner {
    _resource: Resource,
}

// Compiles: nothing asks for the spec here.
#[gen_server]
impl Owner {
    #[init]
    fn init(resource: Resource) -> Self {
        Owner { _resource: resource }
    }
}

fn main() {
    // A supervisor restarts the child from a clone of its argument.
    let _ = Owner::child_spec(Resource);
}
