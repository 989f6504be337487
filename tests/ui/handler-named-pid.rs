use genserver::prelude::*;

struct Process {
    os_pid: u32,
}

#[gen_server]
impl Process {
    #[call]
    fn pid(&self) -> u32 {
        self.os_pid
    }
}

fn main() {}
