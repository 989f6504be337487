use genserver::prelude::*;

struct Worker;

#[gen_server(restart = sometimes)]
impl Worker {}

struct Quoted;

#[gen_server(restart = "transient")]
impl Quoted {}

// Elixir's keyword syntax.
struct Elixir;

#[gen_server(restart: :transient)]
impl Elixir {}

fn main() {}
