//! A supervision tree: a calculator that crashes on a bad request is
//! restarted by its supervisor, and clients reach the new one by its name.
//! Then a worker that keeps crashing exhausts its supervisor's restart
//! intensity, which escalates to the top of the tree.
//!
//! ```text
//! cargo run --example supervision_tree
//! ```

use genserver::prelude::*;
use genserver::registry;
use genserver::{ChildSpec, Strategy, Supervisor, SupervisorSpec};

/// Divides numbers, and crashes on a division by zero.
struct Calculator {
    answered: u32,
}

#[gen_server]
impl Calculator {
    #[init]
    fn init((): ()) -> Self {
        println!("  calculator: started");
        Calculator { answered: 0 }
    }

    /// `a / b`; panics (crashes the server) when `b` is 0.
    #[call]
    fn divide(&mut self, a: i64, b: i64) -> i64 {
        self.answered += 1;
        a / b
    }

    /// How many divisions this calculator has answered.
    #[call]
    fn answered(&self) -> u32 {
        self.answered
    }
}

/// The calculator's spec: started under the name "calculator", so that
/// clients find whichever calculator runs now.
fn calculator() -> ChildSpec {
    ChildSpec::from_fn("calculator", || async {
        let server = Calculator::start_with((), StartOptions::new().name("calculator")).await?;
        Ok(Some(server.pid()))
    })
}

/// A worker that only knows how to crash.
struct Fragile;

#[gen_server]
impl Fragile {
    #[init]
    fn init((): ()) -> Self {
        println!("  fragile: started");
        Fragile
    }

    #[cast]
    fn crash(&mut self) {
        panic!("fragile broke");
    }
}

#[tokio::main]
async fn main() -> Result<(), genserver::Error> {
    // The crashes are the point here: one line each instead of a backtrace.
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .copied()
            .unwrap_or("a panic");
        println!("  (panicked: {message})");
    }));
    println!("1. a calculator under a one_for_one supervisor");
    let sup = Supervisor::start(
        SupervisorSpec::new(Strategy::OneForOne)
            .max_restarts(3)
            .max_seconds(5)
            .child(calculator()),
    )
    .await?;
    let calc = registry::whereis::<Calculator>("calculator").map_err(CallError::from)?;
    println!("  10 / 2 = {}", calc.divide(10, 2).await?);

    println!("2. a bad request crashes it; the supervisor restarts it");
    let error = calc.divide(1, 0).await.unwrap_err();
    println!("  1 / 0 -> {error}");
    // Wait until the supervisor has handled the crash (its calls are
    // served in order, after the exit).
    sup.which_children().await?;
    let error = calc.divide(6, 3).await.unwrap_err();
    println!("  the old reference: {error}");
    let calc = registry::whereis::<Calculator>("calculator").map_err(CallError::from)?;
    println!(
        "  by name again: 6 / 3 = {} (a new calculator: {} answered)",
        calc.divide(6, 3).await?,
        calc.answered().await?
    );
    // Or through the supervisor, typed.
    let same = sup.child::<Calculator>("calculator").await?;
    assert_eq!(same.id(), calc.id());
    sup.stop().await?;

    println!("3. escalation: top -> middle (max 1 restart) -> fragile");
    let middle = SupervisorSpec::new(Strategy::OneForOne)
        .max_restarts(1)
        .child(ChildSpec::new::<Fragile>(()).id("fragile"));
    let top = Supervisor::start(
        SupervisorSpec::new(Strategy::OneForOne)
            .max_restarts(1)
            .child(Supervisor::child_spec(middle).id("middle")),
    )
    .await?;
    for round in 1..=4 {
        let middle = top.child::<Supervisor>("middle").await?;
        let fragile = middle.child::<Fragile>("fragile").await?;
        println!("  crash {round}");
        fragile.crash();
        fragile.exited().await?;
        if !middle.is_alive() || middle.which_children().await.is_err() {
            println!("  the middle supervisor gave up (shutdown)");
        }
        if !top.is_alive() || top.which_children().await.is_err() {
            break;
        }
    }
    let reason = top.exited().await?;
    println!("  the top supervisor exited too: {reason}");
    Ok(())
}
