//! Names and registries: one to-do list server per list name in a
//! `Registry`, found by key; one crashes, its key is free again at once,
//! and it is restarted by hand under the same key. Then a local name and a
//! duplicate-key registry for pub-sub.
//!
//! ```text
//! cargo run --example registry
//! ```

use genserver::prelude::*;
use genserver::registry::{self, DuplicateRegistry, Registry};

/// One to-do list (Elixir in Action's `Todo.Server`).
struct TodoList {
    name: String,
    items: Vec<String>,
}

#[gen_server]
impl TodoList {
    #[init]
    fn init(name: String) -> Self {
        println!("  init: list {name:?}");
        TodoList {
            name,
            items: Vec::new(),
        }
    }

    /// Adds an item.
    #[cast]
    fn add(&mut self, item: String) {
        self.items.push(item);
    }

    /// The items so far.
    #[call]
    fn items(&self) -> Vec<String> {
        self.items.clone()
    }

    /// Crashes the list, as a bug would.
    #[cast]
    fn corrupt(&mut self) {
        panic!("list {:?} is corrupt", self.name);
    }
}

/// Starts the list `name` under its key in `lists`.
async fn start_list(
    lists: &Registry<String, TodoList>,
    name: &str,
) -> Result<ServerRef<TodoList>, StartError> {
    TodoList::start_with(
        name.to_string(),
        StartOptions::new().via(lists, name.to_string()),
    )
    .await
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let lists: Registry<String, TodoList> = Registry::new();

    println!("starting one server per list, each under its key:");
    for name in ["groceries", "errands", "garden"] {
        // The references are dropped: the registry keeps the servers alive.
        start_list(&lists, name).await?;
    }
    println!("{} lists registered", lists.count());

    println!("\nfinding them by key:");
    lists
        .lookup("groceries")
        .ok_or("no groceries")?
        .add("milk".into());
    lists
        .lookup("errands")
        .ok_or("no errands")?
        .add("post office".into());
    for name in ["groceries", "errands", "garden", "attic"] {
        match lists.lookup(name) {
            Some(list) => println!("  {name}: {:?}", list.items().await?),
            None => println!("  {name}: no such list"),
        }
    }

    println!("\na second start under a taken key:");
    match start_list(&lists, "groceries").await {
        Err(StartError::AlreadyStarted(holder)) => {
            println!("  already started by {holder} (and no init ran)");
        }
        other => println!("  unexpected: {other:?}"),
    }

    println!("\nerrands crashes:");
    let errands = lists.lookup("errands").ok_or("no errands")?;
    errands.corrupt();
    println!("  it exited: {}", errands.exited().await?);
    println!(
        "  its key is free again: lookup gives {:?}",
        lists.lookup("errands").map(|list| list.id())
    );

    println!("\nrestarting it by hand under the same key:");
    let errands = start_list(&lists, "errands").await?;
    println!(
        "  errands is {} again, items {:?}",
        errands.id(),
        errands.items().await?
    );

    println!("\na local name (Erlang's register/2):");
    TodoList::start_with("inbox".into(), StartOptions::new().name("inbox")).await?;
    registry::whereis::<TodoList>("inbox")?.add("reply to Bob".into());
    println!(
        "  inbox: {:?}",
        registry::whereis::<TodoList>("inbox")?.items().await?
    );
    registry::whereis::<TodoList>("inbox")?.stop().await?;
    match registry::whereis::<TodoList>("inbox") {
        Err(error) => println!("  after stop: {error}"),
        Ok(_) => println!("  after stop: still there?"),
    }

    println!("\npub-sub by key in a duplicate registry:");
    let topics: DuplicateRegistry<&'static str, TodoList> = DuplicateRegistry::new();
    for name in ["groceries", "garden"] {
        topics.register("weekend", &lists.lookup(name).ok_or("missing")?)?;
    }
    let told = topics.dispatch("weekend", |subscribers| {
        for list in subscribers {
            list.add("check on saturday".into());
        }
    });
    println!("  told {told} lists");
    println!(
        "  garden: {:?}",
        lists.lookup("garden").ok_or("no garden")?.items().await?
    );
    Ok(())
}
