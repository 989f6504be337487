use genserver::prelude::*;

struct Negative;

#[gen_server(shutdown = -1)]
impl Negative {}

struct Fraction;

#[gen_server(shutdown = 2.5)]
impl Fraction {}

struct Text;

#[gen_server(shutdown = "10s")]
impl Text {}

struct Suffix;

#[gen_server(shutdown = 10s)]
impl Suffix {}

struct Word;

#[gen_server(shutdown = forever)]
impl Word {}

struct Missing;

#[gen_server(shutdown)]
impl Missing {}

struct Millis;

#[gen_server(shutdown = "250ms")]
impl Millis {}

struct Typed;

#[gen_server(shutdown = 10_000u64)]
impl Typed {}

fn main() {}
