use genserver::prelude::*;

struct Echo;

#[gen_server]
impl Echo {
    #[call]
    fn f<T>(&self, t: T) {
        let _ = t;
    }
}

fn main() {}
