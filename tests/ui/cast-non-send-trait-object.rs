use std::sync::Arc;

use genserver::prelude::*;

struct Jobs;

#[gen_server]
impl Jobs {
    #[cast]
    fn run(&mut self, job: Box<dyn FnOnce() -> u32>) {
        job();
    }

    #[cast]
    fn share(&mut self, job: Arc<dyn Fn() + Send>) {
        job();
    }

    /// Fine: a trait of the user's own may have `Send` as a supertrait.
    #[cast]
    fn own(&mut self, job: Box<dyn Job>) {
        job.run();
    }
}

trait Job: Send {
    fn run(&self);
}

fn main() {}
