use genserver::prelude::*;

struct Greeter<'a> {
    name: &'a str,
}

#[gen_server]
impl<'a> Greeter<'a> {
    #[call]
    fn name(&self) -> String {
        self.name.to_string()
    }
}

fn main() {}
