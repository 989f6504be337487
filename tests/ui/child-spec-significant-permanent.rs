use genserver::prelude::*;

struct Implicit;

#[gen_server(significant = true)]
impl Implicit {}

struct Explicit;

#[gen_server(restart = permanent, significant = true)]
impl Explicit {}

fn main() {}
