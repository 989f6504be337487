//! *Elixir in Action*'s to-do system (chapters 7-9), supervised.
//!
//! ```text
//! Todo.System (Supervisor, one_for_one)
//! ├── Todo.Database (Supervisor, one_for_one)
//! │   ├── Todo.DatabaseWorker 1   registered by index in a Registry
//! │   ├── Todo.DatabaseWorker 2
//! │   └── Todo.DatabaseWorker 3
//! └── Todo.Cache (DynamicSupervisor, registered as "Todo.Cache")
//!     └── Todo.Server "bob", "alice", ...  started on demand, registered
//!                                         by list name in a Registry
//! ```
//!
//! Two lists get entries; one list server crashes on a bad request and is
//! restarted by the cache; reading the list through the cache gives its
//! entries back, loaded from the database files. Then the whole system
//! stops, children in reverse start order.
//!
//! ```text
//! cargo run --example todo
//! ```
//!
//! Where the book has a process, this has a server; where it has a module
//! of client functions, this has a Rust module of functions. The book's
//! `Todo.ProcessRegistry` (an Elixir `Registry`, started as the system's
//! first child) is here two `Registry` values in statics: a registry is a
//! value in genserver, not a process, so it needs no place in the tree.

use std::path::{Path, PathBuf};

// ---------------------------------------------------------------------------
// Todo.List: the pure data structure (chapter 4), no process.
// ---------------------------------------------------------------------------
mod todo_list {
    /// One entry: a date (`~D[2024-12-19]` in the book; an ISO string here)
    /// and a title.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub(crate) struct Entry {
        pub(crate) date: String,
        pub(crate) title: String,
    }

    impl Entry {
        pub(crate) fn new(date: &str, title: &str) -> Entry {
            Entry {
                date: date.to_string(),
                title: title.to_string(),
            }
        }
    }

    /// `%Todo.List{next_id: 1, entries: %{}}`: entries keyed by an id given
    /// in order.
    #[derive(Debug, Clone, Default)]
    pub(crate) struct TodoList {
        entries: Vec<(u32, Entry)>,
        next_id: u32,
    }

    impl TodoList {
        /// `Todo.List.add_entry/2`. An entry without a title is a bug in the
        /// caller, and the process holding the list crashes on it (the
        /// book's pattern-match failure: let it crash).
        pub(crate) fn add_entry(&mut self, entry: Entry) {
            assert!(!entry.title.is_empty(), "an entry needs a title");
            self.next_id += 1;
            self.entries.push((self.next_id, entry));
        }

        /// `Todo.List.entries/2`: the entries of one date.
        pub(crate) fn entries(&self, date: &str) -> Vec<Entry> {
            self.entries
                .iter()
                .filter(|(_, entry)| entry.date == date)
                .map(|(_, entry)| entry.clone())
                .collect()
        }

        pub(crate) fn len(&self) -> usize {
            self.entries.len()
        }

        /// What the database stores (the book stores
        /// `:erlang.term_to_binary(list)`): one `date\ttitle` line per entry.
        pub(crate) fn encode(&self) -> String {
            let mut data = String::new();
            for (_, entry) in &self.entries {
                data.push_str(&entry.date);
                data.push('\t');
                data.push_str(&entry.title);
                data.push('\n');
            }
            data
        }

        /// The list back from what [`encode`](TodoList::encode) wrote.
        pub(crate) fn decode(data: &str) -> TodoList {
            let mut list = TodoList::default();
            for line in data.lines() {
                if let Some((date, title)) = line.split_once('\t') {
                    list.add_entry(Entry::new(date, title));
                }
            }
            list
        }
    }
}

// ---------------------------------------------------------------------------
// Todo.DatabaseWorker and Todo.Database (chapters 7 and 9): a pool of
// workers under their own supervisor, each registered by its index; a key
// always goes to the same worker, so the writes of one key are serialised.
// ---------------------------------------------------------------------------
mod database {
    use std::hash::{DefaultHasher, Hash, Hasher};
    use std::path::{Path, PathBuf};
    use std::sync::LazyLock;

    use genserver::prelude::*;
    use genserver::registry::Registry;
    use genserver::{ChildSpec, Strategy, Supervisor, SupervisorSpec};

    /// `@pool_size`.
    const POOL_SIZE: usize = 3;

    /// The workers by index: the book's `via_tuple({__MODULE__, worker_id})`
    /// in `Todo.ProcessRegistry`.
    static WORKERS: LazyLock<Registry<usize, DatabaseWorker>> = LazyLock::new(Registry::new);

    /// `Todo.DatabaseWorker`: reads and writes the files of the keys it is
    /// given, one request at a time.
    pub(crate) struct DatabaseWorker {
        folder: PathBuf,
        id: usize,
    }

    #[gen_server]
    impl DatabaseWorker {
        #[init]
        fn init((folder, id): (PathBuf, usize), ctx: &mut Context<Self>) -> Self {
            println!("    Todo.DatabaseWorker {id} started as {}", ctx.id());
            DatabaseWorker { folder, id }
        }

        #[terminate]
        fn terminate(&mut self, reason: &ExitReason) {
            println!("    Todo.DatabaseWorker {} terminates: {reason}", self.id);
        }

        /// `handle_cast({:store, key, data}, folder)`: `File.write!`.
        #[cast]
        pub(crate) fn store(&mut self, key: String, data: String) {
            std::fs::write(self.folder.join(&key), data).expect("cannot write the database file");
        }

        /// `handle_call({:get, key}, _, folder)`: the data, or `None` if the
        /// key was never stored.
        #[call]
        pub(crate) fn get(&self, key: String) -> Option<String> {
            std::fs::read_to_string(self.folder.join(key)).ok()
        }

        /// The book's `start_link({db_folder, worker_id})` with
        /// `name: via_tuple(worker_id)`, as a child spec: the generated
        /// `child_spec`, started under its key in `WORKERS` each time.
        pub(crate) fn worker_spec(folder: PathBuf, id: usize) -> ChildSpec {
            Self::child_spec((folder, id))
                .id(format!("worker {id}"))
                .start_options(StartOptions::new().via(&*WORKERS, id))
        }
    }

    /// `Todo.Database.child_spec/1`: a supervisor of `POOL_SIZE` workers
    /// storing their files in `folder`.
    pub(crate) fn child_spec(folder: &Path) -> ChildSpec {
        let workers =
            (1..=POOL_SIZE).map(|id| DatabaseWorker::worker_spec(folder.to_path_buf(), id));
        Supervisor::child_spec(SupervisorSpec::new(Strategy::OneForOne).children(workers))
            .id("Todo.Database")
    }

    /// `Todo.Database.store/2`.
    pub(crate) fn store(key: &str, data: String) -> Result<(), CallError> {
        worker(key)?.store(key.to_string(), data);
        Ok(())
    }

    /// `Todo.Database.get/1`.
    pub(crate) async fn get(key: &str) -> Result<Option<String>, CallError> {
        worker(key)?.get(key.to_string()).await
    }

    /// `choose_worker/1`: `:erlang.phash2(key, @pool_size) + 1`, then the
    /// worker registered under that index.
    fn worker(key: &str) -> Result<ServerRef<DatabaseWorker>, CallError> {
        let mut hasher = DefaultHasher::new();
        key.hash(&mut hasher);
        let index = usize::try_from(hasher.finish() % POOL_SIZE as u64).unwrap_or(0) + 1;
        WORKERS.lookup(&index).ok_or(CallError::NoProc)
    }
}

// ---------------------------------------------------------------------------
// Todo.Server (chapters 7-9): one server per list, registered by the list's
// name; it loads its list from the database after init and stores it on
// every change.
// ---------------------------------------------------------------------------
mod server {
    use std::sync::LazyLock;

    use genserver::prelude::*;
    use genserver::registry::Registry;
    use genserver::ChildSpec;

    use crate::database;
    use crate::todo_list::{Entry, TodoList};

    /// The list servers by list name: `via_tuple(name)` in the book.
    pub(crate) static LISTS: LazyLock<Registry<String, TodoServer>> = LazyLock::new(Registry::new);

    /// The state, `{name, todo_list}`.
    pub(crate) struct TodoServer {
        name: String,
        list: TodoList,
    }

    /// The continuation `init` asks for: `{:continue, :init}`.
    pub(crate) struct LoadFromDatabase;

    #[gen_server(restart = transient)]
    impl TodoServer {
        /// `init(name)`: returns at once, and the load happens in the
        /// continuation, so that the cache is not held up by the database.
        #[init]
        fn init(name: String, ctx: &mut Context<Self>) -> Self {
            println!("    Todo.Server {name:?} started as {}", ctx.id());
            ctx.continue_with(LoadFromDatabase);
            TodoServer {
                name,
                list: TodoList::default(),
            }
        }

        /// `handle_continue(:init, {name, nil})`: the list from the
        /// database, or a new one.
        #[continuation]
        pub(crate) async fn load(&mut self, _: LoadFromDatabase) {
            let stored = database::get(&self.name)
                .await
                .expect("the database is down");
            if let Some(data) = stored {
                self.list = TodoList::decode(&data);
                println!(
                    "    Todo.Server {:?} loaded {} entries from the database",
                    self.name,
                    self.list.len()
                );
            }
        }

        /// `add_entry/2`, a cast: adds the entry and stores the list.
        #[cast]
        pub(crate) fn add_entry(&mut self, entry: Entry) {
            self.list.add_entry(entry);
            database::store(&self.name, self.list.encode()).expect("the database is down");
        }

        /// `entries/2`, a call: the entries of a date.
        #[call]
        pub(crate) fn entries(&self, date: String) -> Vec<Entry> {
            self.list.entries(&date)
        }

        /// Runs when the server stops, crashed or stopped by its supervisor.
        #[terminate]
        fn terminate(&mut self, reason: &ExitReason) {
            println!("    Todo.Server {:?} terminates: {reason}", self.name);
        }

        /// `start_link(name)` with `name: via_tuple(name)`, as a child spec:
        /// the generated `child_spec` (transient, from the `#[gen_server]`
        /// options: restarted after a crash, not after a normal stop; the
        /// book makes it temporary, since the cache starts it again on
        /// demand, but here the restart is what we want to see), started
        /// under its name in `LISTS` each time.
        pub(crate) fn list_spec(name: String) -> ChildSpec {
            Self::child_spec(name.clone())
                .id(format!("Todo.Server {name}"))
                .start_options(StartOptions::new().via(&*LISTS, name))
        }
    }
}

// ---------------------------------------------------------------------------
// Todo.Cache (chapter 9): a DynamicSupervisor of list servers, started on
// demand by list name.
// ---------------------------------------------------------------------------
mod cache {
    use genserver::dynamic_supervisor::{Options, StartChildError};
    use genserver::prelude::*;
    use genserver::registry;
    use genserver::{ChildSpec, DynamicSupervisor};

    use crate::server::{TodoServer, LISTS};

    /// The cache's local name (`name: __MODULE__`).
    const NAME: &str = "Todo.Cache";

    /// `Todo.Cache.child_spec/1`: `DynamicSupervisor.start_link(name:
    /// __MODULE__, strategy: :one_for_one)`, of type supervisor.
    pub(crate) fn child_spec() -> ChildSpec {
        DynamicSupervisor::child_spec(Options::new())
            .id(NAME)
            .start_options(StartOptions::new().name(NAME))
    }

    /// The running cache, by its name.
    pub(crate) fn cache() -> Result<ServerRef<DynamicSupervisor>, LookupError> {
        registry::whereis::<DynamicSupervisor>(NAME)
    }

    /// `Todo.Cache.server_process/1`: the list's server, started under the
    /// cache if it is not running. The book always asks the cache (and
    /// later looks up first, as here, so that the cache is no bottleneck).
    /// Two clients may race to start the same list: the loser's start fails
    /// with `{:error, {:already_started, pid}}`, which carries the winner.
    pub(crate) async fn server_process(
        name: &str,
    ) -> Result<ServerRef<TodoServer>, StartChildError> {
        if let Some(server) = LISTS.lookup(name) {
            return Ok(server);
        }
        let cache = cache().map_err(CallError::from)?;
        match cache
            .start_child(TodoServer::list_spec(name.to_string()))
            .await
        {
            Err(StartChildError::Start(StartError::AlreadyStarted(pid))) => {
                println!("    ({name:?} was started meanwhile: taking the running one)");
                pid.downcast().ok_or(StartChildError::WrongType {
                    expected: std::any::type_name::<TodoServer>(),
                    found: pid.type_name(),
                })
            }
            started => started,
        }
    }
}

// ---------------------------------------------------------------------------
// Todo.System (chapter 9): the top of the tree.
// ---------------------------------------------------------------------------
mod system {
    use std::path::Path;

    use genserver::prelude::*;
    use genserver::{Strategy, Supervisor, SupervisorSpec};

    use crate::{cache, database};

    /// `Todo.System.start_link/0`: the database first, then the cache
    /// (whose servers need the database), one_for_one.
    pub(crate) async fn start_link(db_folder: &Path) -> Result<ServerRef<Supervisor>, StartError> {
        Supervisor::start(
            SupervisorSpec::new(Strategy::OneForOne)
                .child(database::child_spec(db_folder))
                .child(cache::child_spec()),
        )
        .await
    }
}

// ---------------------------------------------------------------------------
// The run.
// ---------------------------------------------------------------------------

use todo_list::Entry;

/// A fresh folder for the database files (the book's `@db_folder`).
fn db_folder() -> std::io::Result<PathBuf> {
    let folder = std::env::temp_dir().join(format!("genserver-todo-{}", std::process::id()));
    std::fs::create_dir_all(&folder)?;
    Ok(folder)
}

/// Prints the files under `folder` and what they hold.
fn show_files(folder: &Path) -> std::io::Result<()> {
    let mut files: Vec<_> = std::fs::read_dir(folder)?
        .map(|entry| entry.map(|entry| entry.path()))
        .collect::<Result<_, _>>()?;
    files.sort();
    for file in files {
        let data = std::fs::read_to_string(&file)?;
        let name = file.file_name().unwrap_or_default().to_string_lossy();
        println!("    {name}: {:?}", data.lines().collect::<Vec<_>>());
    }
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The crash is the point: one line instead of a backtrace.
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .copied()
            .unwrap_or("a panic");
        println!("    (panicked: {message})");
    }));

    let folder = db_folder()?;
    let result = run(&folder).await;
    std::fs::remove_dir_all(&folder)?;
    println!("removed the database folder");
    result
}

async fn run(folder: &Path) -> Result<(), Box<dyn std::error::Error>> {
    println!("1. Todo.System starts: the database pool, then the (empty) cache");
    let system = system::start_link(folder).await?;

    println!("2. entries for two lists; their servers start on first use");
    let bob = cache::server_process("bob").await?;
    bob.add_entry(Entry::new("2024-12-19", "Dentist"));
    bob.add_entry(Entry::new("2024-12-20", "Shopping"));
    bob.add_entry(Entry::new("2024-12-19", "Movies"));
    let alice = cache::server_process("alice").await?;
    alice.add_entry(Entry::new("2024-12-19", "Yoga"));
    // The same name gives the same server.
    assert_eq!(cache::server_process("bob").await?.id(), bob.id());
    // Two clients asking for a new list at once: one starts it, the other
    // gets the running one from its `already_started` error.
    let (one, other) = tokio::join!(
        cache::server_process("carol"),
        cache::server_process("carol")
    );
    assert_eq!(one?.id(), other?.id());
    println!(
        "    bob on 2024-12-19: {:?}",
        titles(&bob.entries("2024-12-19".into()).await?)
    );
    println!(
        "    alice on 2024-12-19: {:?}",
        titles(&alice.entries("2024-12-19".into()).await?)
    );
    println!("    the database files:");
    show_files(folder)?;

    println!("3. a bad request (an entry without a title) crashes bob's server");
    bob.add_entry(Entry::new("2024-12-21", ""));
    println!("    {} exited: {}", bob.id(), bob.exited().await?);

    println!("4. the cache restarted it; reading the list through the cache");
    let new_bob = cache::server_process("bob").await?;
    println!("    bob was {}, is now {}", bob.id(), new_bob.id());
    println!(
        "    bob on 2024-12-19: {:?}",
        titles(&new_bob.entries("2024-12-19".into()).await?)
    );
    println!(
        "    the old reference is stale: {}",
        bob.entries("2024-12-19".into()).await.unwrap_err()
    );
    let counts = cache::cache()?.count_children().await?;
    println!(
        "    the cache has {} children, {} running",
        counts.specs, counts.active
    );

    println!("5. Todo.System stops: the cache (its lists all at once), then the database");
    let reason = genserver::run_until(&system, async {}).await;
    println!("    Todo.System exited: {reason}");
    Ok(())
}

fn titles(entries: &[Entry]) -> Vec<&str> {
    entries.iter().map(|entry| entry.title.as_str()).collect()
}
