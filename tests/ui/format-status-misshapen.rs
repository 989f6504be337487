use genserver::prelude::*;

struct Vault {
    secrets: Vec<String>,
}

#[gen_server]
impl Vault {
    #[format_status]
    fn takes_mut(&mut self) -> String {
        self.secrets.clear();
        String::new()
    }

    #[format_status]
    fn takes_an_argument(&self, verbose: bool) -> String {
        format!("{verbose}")
    }

    #[format_status]
    async fn awaits(&self) -> String {
        String::new()
    }

    #[format_status]
    fn returns_nothing(&self) {}
}

fn main() {}
