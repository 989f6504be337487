use genserver::prelude::*;

struct Zero;

#[gen_server(mailbox = 0)]
impl Zero {
    #[cast]
    fn push(&mut self, _item: u64) {}
}

struct Negative;

#[gen_server(mailbox = -1)]
impl Negative {}

struct Fraction;

#[gen_server(mailbox = 2.5)]
impl Fraction {}

struct Text;

#[gen_server(mailbox = "1024")]
impl Text {}

struct Suffix;

#[gen_server(mailbox = 1024usize)]
impl Suffix {}

struct Word;

#[gen_server(mailbox = unbounded)]
impl Word {}

struct Missing;

#[gen_server(mailbox)]
impl Missing {}

struct Huge;

#[gen_server(mailbox = 99_999_999_999)]
impl Huge {}

struct Policy;

#[gen_server(mailbox = 8, when_full = block)]
impl Policy {}

// The impl is still emitted: its client is there, its casts waiting for
// room as with a valid bound, so that the error above comes alone.
async fn uses(zero: ServerRef<Zero>) {
    zero.push(1).await.unwrap();
}

fn main() {
    let _ = uses;
}
