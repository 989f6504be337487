use genserver::prelude::*;

struct Vault {
    secrets: Vec<String>,
}

#[gen_server]
impl Vault {
    #[format_status]
    fn count(&self) -> usize {
        self.secrets.len()
    }
}

fn main() {}
