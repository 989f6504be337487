//! A server's life: an init that fails, a handler that panics and what its
//! caller sees, and `stop` running `terminate`.
//!
//! ```text
//! cargo run --example lifecycle
//! ```

use genserver::prelude::*;

/// A bank account that refuses to open with a negative balance.
struct Account {
    balance: i64,
}

#[gen_server]
impl Account {
    /// Opens the account. Returning `Err` makes `start` fail with that error.
    #[init]
    fn open(balance: i64) -> Result<Self, String> {
        if balance < 0 {
            return Err(format!("cannot open an account with {balance}"));
        }
        Ok(Account { balance })
    }

    /// The balance.
    #[call]
    fn balance(&self) -> i64 {
        self.balance
    }

    /// Withdraws `amount`. Overdrawing is a bug here, so it panics: the server
    /// crashes, and the caller gets the panic as the exit reason.
    #[call]
    fn withdraw(&mut self, amount: i64) -> i64 {
        assert!(
            amount <= self.balance,
            "overdrawn by {}",
            amount - self.balance
        );
        self.balance -= amount;
        self.balance
    }

    /// Runs when the server stops, with the reason.
    #[terminate]
    fn close(&mut self, reason: &ExitReason) {
        println!(
            "terminate: closing with balance {} ({reason})",
            self.balance
        );
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // 1. An init that fails.
    match Account::start(-5).await {
        Ok(_) => unreachable!("init refuses negative balances"),
        Err(error) => println!("start(-5) failed: {error}"),
    }

    // 2. stop runs terminate, and returns once the server is gone.
    let account = Account::start(100).await?;
    println!("balance: {}", account.balance().await?);
    account.stop().await?;
    println!("stopped: alive = {}", account.is_alive());

    // 3. A handler that panics: terminate still runs, the caller gets the
    //    reason, and later calls find no process. (Rust's panic hook still
    //    prints the panic to stderr, as for any panic; the server caught it.)
    let account = Account::start(10).await?;
    match account.withdraw(25).await {
        Ok(balance) => unreachable!("balance {balance}"),
        Err(error) => println!("withdraw(25) failed: {error}"),
    }
    match account.balance().await {
        Ok(balance) => unreachable!("balance {balance}"),
        Err(error) => println!("balance() afterwards: {error}"),
    }
    Ok(())
}
