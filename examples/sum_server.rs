//! *Elixir in Action*, listing 1.2: a server that adds two numbers.
//!
//! ```text
//! cargo run --example sum_server
//! ```

use genserver::prelude::*;

/// A server with no state that sums numbers for its callers.
struct SumServer;

#[gen_server]
impl SumServer {
    /// Adds `a` and `b`.
    #[call]
    fn sum(&self, a: i64, b: i64) -> i64 {
        a + b
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = SumServer::start(SumServer).await?;
    let total = server.sum(1, 2).await?;
    println!("1 + 2 = {total}");
    server.stop().await?;
    Ok(())
}
