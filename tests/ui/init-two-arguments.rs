use genserver::prelude::*;

struct Point {
    x: i32,
    y: i32,
}

#[gen_server]
impl Point {
    #[init]
    fn init(x: i32, y: i32) -> Self {
        Point { x, y }
    }

    #[call]
    fn get(&self) -> (i32, i32) {
        (self.x, self.y)
    }
}

fn main() {}
