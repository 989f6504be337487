//! Names and registries: starting under a name, already-started errors,
//! release on exit, typed lookup, calls by name, `Registry` with unique and
//! duplicate keys, the via contract, who keeps a registered server alive,
//! and registration races.
//!
//! The local name table is shared by the whole test binary, so every test
//! uses names of its own.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use genserver::Init;
use genserver::prelude::*;
use genserver::registry::{self, DuplicateRegistry, LocalNames, RegisterError, Registry, Via};

/// Counts its inits; serves a counter.
struct Counter {
    count: u64,
}

/// How `Counter`'s init goes.
#[derive(Clone)]
struct Plan {
    inits: Arc<AtomicUsize>,
    fail: bool,
}

impl Plan {
    fn ok() -> Self {
        Plan {
            inits: Arc::new(AtomicUsize::new(0)),
            fail: false,
        }
    }

    fn failing() -> Self {
        Plan {
            fail: true,
            ..Plan::ok()
        }
    }

    fn inits(&self) -> usize {
        self.inits.load(Ordering::SeqCst)
    }
}

#[gen_server]
impl Counter {
    #[init]
    #[allow(clippy::needless_pass_by_value)] // the start argument
    fn init(plan: Plan) -> Init<Self> {
        plan.inits.fetch_add(1, Ordering::SeqCst);
        if plan.fail {
            Init::Error(ExitReason::error("no config"))
        } else {
            Init::Ok(Counter { count: 0 })
        }
    }

    #[cast]
    fn add(&mut self, n: u64) {
        self.count += n;
    }

    #[call]
    fn get(&self) -> u64 {
        self.count
    }

    #[info]
    fn bump(&mut self, n: u64) {
        self.count += n;
    }

    #[cast]
    fn crash(&mut self) {
        panic!("crashed on purpose");
    }
}

/// Another server type, for wrong-type lookups.
struct Other;

#[gen_server]
impl Other {
    #[call]
    fn ping(&self) -> &'static str {
        "pong"
    }
}

async fn counter_named(name: &'static str) -> ServerRef<Counter> {
    Counter::start_with(Plan::ok(), StartOptions::new().name(name))
        .await
        .expect("starts")
}

// ----------------------------------------------------------- local names

#[tokio::test]
async fn a_server_started_under_a_name_is_found_and_called_by_it() {
    let server = counter_named("t_found").await;
    let found = registry::whereis::<Counter>("t_found").unwrap();
    assert_eq!(found.id(), server.id());
    // Cast, send and call by name.
    registry::whereis::<Counter>("t_found").unwrap().add(2);
    registry::whereis::<Counter>("t_found").unwrap().send(3_u64);
    assert_eq!(
        registry::whereis::<Counter>("t_found").unwrap().get().await,
        Ok(5)
    );
    assert_eq!(registry::whereis_pid("t_found").unwrap(), server.pid());
    assert!(
        registry::registered()
            .iter()
            .any(|name| &**name == "t_found")
    );
    // Stop by name.
    registry::whereis::<Counter>("t_found")
        .unwrap()
        .stop()
        .await
        .unwrap();
    assert_eq!(
        registry::whereis::<Counter>("t_found").unwrap_err(),
        LookupError::NotFound
    );
}

#[tokio::test]
async fn a_string_name_works_as_a_static_one() {
    let name = format!("t_string_{}", 7);
    let server = Counter::start_with(Plan::ok(), StartOptions::new().name(name.clone()))
        .await
        .unwrap();
    assert_eq!(
        registry::whereis::<Counter>(&name).unwrap().id(),
        server.id()
    );
    server.stop().await.unwrap();
}

#[tokio::test]
async fn a_second_start_under_a_taken_name_fails_without_running_init() {
    let first = counter_named("t_taken").await;
    let plan = Plan::ok();
    let second = Counter::start_with(plan.clone(), StartOptions::new().name("t_taken")).await;
    let Err(StartError::AlreadyStarted(holder)) = second else {
        panic!("expected AlreadyStarted, got {second:?}");
    };
    assert_eq!(holder.id(), first.id());
    assert_eq!(plan.inits(), 0, "init must not run");
    // The error carries the running server, typed on demand.
    let typed = holder.downcast::<Counter>().expect("a Counter");
    typed.add(1);
    assert_eq!(first.get().await, Ok(1));
    assert!(holder.downcast::<Other>().is_none());
    // And it stays comparable.
    assert_eq!(
        StartError::AlreadyStarted(holder.clone()),
        StartError::AlreadyStarted(first.pid())
    );
    first.stop().await.unwrap();
}

#[tokio::test]
async fn a_failed_init_frees_the_name_before_start_returns() {
    let plan = Plan::failing();
    let failed = Counter::start_with(plan.clone(), StartOptions::new().name("t_init_fails")).await;
    assert!(matches!(failed, Err(StartError::Init(_))));
    assert_eq!(plan.inits(), 1);
    assert!(registry::whereis_pid("t_init_fails").is_none());
    // At once, a new start under the same name succeeds.
    let server = counter_named("t_init_fails").await;
    server.stop().await.unwrap();
}

#[tokio::test]
async fn a_start_timeout_frees_the_name() {
    struct Slow;

    #[gen_server]
    impl Slow {
        #[init]
        async fn init((): ()) -> Self {
            tokio::time::sleep(Duration::from_secs(60)).await;
            Slow
        }
    }

    tokio::time::pause();
    let options = StartOptions::new()
        .name("t_slow")
        .timeout(Duration::from_millis(10));
    assert!(matches!(
        Slow::start_with((), options).await,
        Err(StartError::Timeout)
    ));
    assert!(registry::whereis_pid("t_slow").is_none());
}

#[tokio::test]
async fn the_name_is_free_when_exited_returns() {
    let server = counter_named("t_exited").await;
    let watcher = server.clone();
    let waiter = tokio::spawn(async move {
        watcher.exited().await.unwrap();
        // The first thing the waiter does: the name is already free.
        let again = counter_named("t_exited").await;
        again.stop().await.unwrap();
    });
    tokio::task::yield_now().await;
    server.crash();
    waiter.await.unwrap();
}

#[tokio::test]
async fn the_name_is_free_when_a_monitor_fires() {
    let server = counter_named("t_monitor").await;
    let down = server.monitor();
    server.crash();
    let reason = down.await.reason;
    assert_eq!(reason, ExitReason::Panic("crashed on purpose".into()));
    assert!(registry::whereis_pid("t_monitor").is_none());
    let pid = registry::whereis_pid("t_monitor");
    assert!(pid.is_none());
    let again = counter_named("t_monitor").await;
    again.stop().await.unwrap();
}

#[tokio::test]
async fn lookups_are_typed() {
    let _server = counter_named("t_typed").await;
    let wrong = registry::whereis::<Other>("t_typed").unwrap_err();
    assert_eq!(
        wrong,
        LookupError::WrongType {
            expected: std::any::type_name::<Other>(),
            found: std::any::type_name::<Counter>(),
        }
    );
    assert_eq!(
        registry::whereis::<Counter>("t_nobody").unwrap_err(),
        LookupError::NotFound
    );
    registry::whereis::<Counter>("t_typed")
        .unwrap()
        .stop()
        .await
        .unwrap();
}

/// A module API as a user writes it: functions that call by name and
/// return the client's errors, `?` doing the lookup's part.
async fn get_by_name(name: &str) -> Result<u64, CallError> {
    registry::whereis::<Counter>(name)?.get().await
}

async fn stop_by_name(name: &str) -> Result<(), StopError> {
    registry::whereis::<Counter>(name)?.stop().await
}

async fn ping_by_name(name: &str) -> Result<&'static str, CallError> {
    registry::whereis::<Other>(name)?.ping().await
}

#[tokio::test]
async fn calls_and_stops_by_name_fail_with_noproc_when_nobody_holds_it() {
    assert_eq!(get_by_name("t_absent").await, Err(CallError::NoProc));
    assert_eq!(stop_by_name("t_absent").await, Err(StopError::NoProc));
    let _server = counter_named("t_present").await;
    assert_eq!(get_by_name("t_present").await, Ok(0));
    assert!(matches!(
        ping_by_name("t_present").await,
        Err(CallError::WrongType { .. })
    ));
    assert_eq!(stop_by_name("t_present").await, Ok(()));
    assert_eq!(get_by_name("t_present").await, Err(CallError::NoProc));
}

#[tokio::test]
async fn register_and_unregister_a_running_server() {
    let server = Counter::start(Plan::ok()).await.unwrap();
    let other = Counter::start(Plan::ok()).await.unwrap();
    registry::register("t_later", &server).unwrap();
    assert_eq!(
        registry::register("t_later", &other),
        Err(RegisterError::Taken(server.pid()))
    );
    assert!(registry::unregister("t_later"));
    assert!(!registry::unregister("t_later"));
    // The server keeps running, and its old name can go to another.
    assert_eq!(server.get().await, Ok(0));
    registry::register("t_later", &other).unwrap();
    assert_eq!(
        registry::whereis::<Counter>("t_later").unwrap().id(),
        other.id()
    );
    // Unregistering removed the old exit hook: the server's exit does not
    // take the name from its new holder.
    server.stop().await.unwrap();
    assert_eq!(
        registry::whereis::<Counter>("t_later").unwrap().id(),
        other.id()
    );
    other.stop().await.unwrap();
    assert!(registry::whereis_pid("t_later").is_none());
    // A server that has exited cannot be registered.
    assert_eq!(
        registry::register("t_later", &other),
        Err(RegisterError::NoProc)
    );
}

#[tokio::test]
async fn a_named_server_lives_on_without_references() {
    let server = counter_named("t_alive").await;
    let pid = server.pid();
    let id = server.id();
    drop(server);
    drop(pid);
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    let found = registry::whereis::<Counter>("t_alive").expect("still registered");
    assert_eq!(found.id(), id);
    assert_eq!(found.get().await, Ok(0));
    found.stop().await.unwrap();
    assert!(registry::whereis_pid("t_alive").is_none());
}

#[tokio::test]
async fn an_unregistered_server_without_references_ends() {
    let server = counter_named("t_unreg_ends").await;
    let down = server.monitor();
    drop(server);
    assert!(registry::unregister("t_unreg_ends"));
    assert_eq!(down.await.reason, ExitReason::Normal);
}

// -------------------------------------------------------------- Registry

#[tokio::test]
async fn a_registry_starts_finds_and_forgets_servers_by_key() {
    let lists: Registry<String, Counter> = Registry::new();
    let home = Counter::start_with(Plan::ok(), StartOptions::new().via(&lists, "home".into()))
        .await
        .unwrap();
    let work = Counter::start(Plan::ok()).await.unwrap();
    lists.register("work".into(), &work).unwrap();
    lists.register("office".into(), &work).unwrap();

    assert_eq!(lists.lookup("home").unwrap().id(), home.id());
    assert_eq!(lists.lookup("work").unwrap().id(), work.id());
    assert!(lists.lookup("garden").is_none());
    assert_eq!(lists.count(), 3);
    let mut keys = lists.keys(&work);
    keys.sort();
    assert_eq!(keys, ["office", "work"]);
    let mut all = lists.all_keys();
    all.sort();
    assert_eq!(all, ["home", "office", "work"]);

    // A key is unique.
    let plan = Plan::ok();
    let again =
        Counter::start_with(plan.clone(), StartOptions::new().via(&lists, "home".into())).await;
    assert!(matches!(again, Err(StartError::AlreadyStarted(pid)) if pid.id() == home.id()));
    assert_eq!(plan.inits(), 0);
    assert_eq!(
        lists.register("home".into(), &work),
        Err(RegisterError::Taken(home.pid()))
    );

    // Entries go with their server.
    work.crash();
    work.exited().await.unwrap();
    assert!(lists.lookup("work").is_none());
    assert!(lists.lookup("office").is_none());
    assert_eq!(lists.count(), 1);

    assert!(lists.unregister("home"));
    assert_eq!(lists.count(), 0);
    assert_eq!(home.get().await, Ok(0));
}

#[tokio::test]
async fn a_registry_keeps_its_servers_alive_until_they_stop() {
    let lists: Registry<u32, Counter> = Registry::new();
    Counter::start_with(Plan::ok(), StartOptions::new().via(&lists, 1))
        .await
        .unwrap();
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    let server = lists.lookup(&1).expect("alive");
    assert_eq!(server.get().await, Ok(0));
    server.stop().await.unwrap();
    assert!(lists.lookup(&1).is_none());
}

#[tokio::test]
async fn dropping_a_registry_lets_its_servers_go() {
    let lists: Registry<u32, Counter> = Registry::new();
    let server = Counter::start_with(Plan::ok(), StartOptions::new().via(&lists, 1))
        .await
        .unwrap();
    let down = server.monitor();
    drop(server);
    drop(lists);
    assert_eq!(down.await.reason, ExitReason::Normal);
}

#[tokio::test]
async fn a_registry_refuses_a_server_of_another_type_through_via() {
    let lists: Registry<u32, Counter> = Registry::new();
    let plan = Plan::ok();
    // `Other` under a registry of `Counter`s.
    let wrong = Other::start_with(Other, StartOptions::new().via(&lists, 1)).await;
    assert!(matches!(
        wrong,
        Err(StartError::Name(RegisterError::WrongType { .. }))
    ));
    drop(plan);
    assert_eq!(lists.count(), 0);
}

#[tokio::test]
async fn a_registry_answers_through_the_via_contract() {
    let lists: Registry<&'static str, Counter> = Registry::new();
    let server = Counter::start(Plan::ok()).await.unwrap();
    lists.register_name("a", &server.pid()).await.unwrap();
    assert_eq!(lists.whereis_name(&"a").await, Some(server.pid()));
    let typed = registry::whereis_via::<Counter, _>(&lists, &"a")
        .await
        .unwrap();
    assert_eq!(typed.id(), server.id());
    assert!(lists.unregister_name(&"a").await);
    assert_eq!(lists.whereis_name(&"a").await, None);
    // The local table is the same contract.
    LocalNames
        .register_name("t_via_local".into(), &server.pid())
        .await
        .unwrap();
    assert_eq!(
        LocalNames.whereis_name(&"t_via_local".into()).await,
        Some(server.pid())
    );
    assert!(LocalNames.unregister_name(&"t_via_local".into()).await);
    server.stop().await.unwrap();
}

// ----------------------------------------------------- DuplicateRegistry

#[tokio::test]
async fn a_duplicate_registry_dispatches_to_every_server_under_a_key() {
    let topics: DuplicateRegistry<String, Counter> = DuplicateRegistry::new();
    let a = Counter::start(Plan::ok()).await.unwrap();
    let b = Counter::start(Plan::ok()).await.unwrap();
    let c = Counter::start(Plan::ok()).await.unwrap();
    topics.register("news".into(), &a).unwrap();
    topics.register("news".into(), &b).unwrap();
    topics.register("sport".into(), &b).unwrap();
    topics.register("sport".into(), &c).unwrap();

    assert_eq!(topics.count(), 4);
    assert_eq!(topics.count_key("news"), 2);
    let news: Vec<_> = topics.lookup("news").iter().map(ServerRef::id).collect();
    assert_eq!(news, [a.id(), b.id()]);
    let mut keys = topics.keys(&b);
    keys.sort();
    assert_eq!(keys, ["news", "sport"]);

    let sent = topics.dispatch("news", |servers| {
        for server in servers {
            server.add(10);
        }
    });
    assert_eq!(sent, 2);
    assert_eq!(topics.dispatch("weather", |_| panic!("nobody there")), 0);
    assert_eq!(a.get().await, Ok(10));
    assert_eq!(b.get().await, Ok(10));
    assert_eq!(c.get().await, Ok(0));

    // Entries go with their server, under every key.
    b.crash();
    b.exited().await.unwrap();
    assert_eq!(topics.count(), 2);
    assert_eq!(topics.count_key("news"), 1);
    assert_eq!(topics.count_key("sport"), 1);

    assert_eq!(topics.unregister("sport", &c), 1);
    assert_eq!(topics.unregister("sport", &c), 0);
    assert_eq!(topics.count(), 1);
    // Unregistered, c lives on while we hold it.
    assert_eq!(c.get().await, Ok(0));
}

#[tokio::test]
async fn a_duplicate_registry_keeps_its_servers_alive() {
    let topics: DuplicateRegistry<u8, Counter> = DuplicateRegistry::new();
    let server = Counter::start(Plan::ok()).await.unwrap();
    topics.register(1, &server).unwrap();
    drop(server);
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    let servers = topics.lookup(&1);
    assert_eq!(servers.len(), 1);
    servers[0].stop().await.unwrap();
    assert_eq!(topics.count(), 0);
}

// ------------------------------------------------------- a via of one's own

/// A registry written outside the crate, on the public via contract: a
/// `Mutex<HashMap>` that forgets a server through `Pid::on_exit`.
#[derive(Clone, Default)]
struct MyRegistry {
    names: Arc<Mutex<HashMap<String, genserver::Pid>>>,
}

impl Via for MyRegistry {
    type Key = String;

    fn register_name(
        &self,
        key: String,
        server: &genserver::Pid,
    ) -> impl Future<Output = Result<(), RegisterError>> + Send {
        let result = (|| {
            let mut names = self.names.lock().unwrap();
            if let Some(holder) = names.get(&key) {
                return Err(RegisterError::Taken(holder.clone()));
            }
            let table = Arc::downgrade(&self.names);
            let id = server.id();
            let hook_key = key.clone();
            server
                .on_exit(move |_, _| {
                    if let Some(names) = table.upgrade() {
                        let mut names = names.lock().unwrap();
                        if names.get(&hook_key).is_some_and(|pid| pid.id() == id) {
                            names.remove(&hook_key);
                        }
                    }
                })
                .map_err(|_| RegisterError::NoProc)?;
            names.insert(key, server.clone());
            Ok(())
        })();
        async move {
            // As a remote registry would, answer after a turn.
            tokio::task::yield_now().await;
            result
        }
    }

    fn unregister_name(&self, key: &String) -> impl Future<Output = bool> + Send {
        std::future::ready(self.names.lock().unwrap().remove(key).is_some())
    }

    fn whereis_name(&self, key: &String) -> impl Future<Output = Option<genserver::Pid>> + Send {
        std::future::ready(self.names.lock().unwrap().get(key).cloned())
    }
}

#[tokio::test]
async fn a_registry_of_ones_own_plugs_in_through_via() {
    let mine = MyRegistry::default();
    let server = Counter::start_with(Plan::ok(), StartOptions::new().via(&mine, "x".into()))
        .await
        .unwrap();
    let plan = Plan::ok();
    let again = Counter::start_with(plan.clone(), StartOptions::new().via(&mine, "x".into())).await;
    assert!(matches!(again, Err(StartError::AlreadyStarted(pid)) if pid.id() == server.id()));
    assert_eq!(plan.inits(), 0);
    let found = registry::whereis_via::<Counter, _>(&mine, &"x".to_string())
        .await
        .unwrap();
    assert_eq!(found.id(), server.id());
    server.crash();
    server.exited().await.unwrap();
    assert!(mine.whereis_name(&"x".to_string()).await.is_none());
}

// ------------------------------------------------------------------ races

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_eight_concurrent_registrations_exactly_one_wins() {
    let lists: Registry<&'static str, Counter> = Registry::new();
    let mut servers = Vec::new();
    for _ in 0..8 {
        servers.push(Counter::start(Plan::ok()).await.unwrap());
    }
    let barrier = Arc::new(tokio::sync::Barrier::new(8));
    let tasks: Vec<_> = servers
        .iter()
        .map(|server| {
            let (lists, server, barrier) = (lists.clone(), server.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                let local = registry::register("t_race_register", &server);
                let keyed = lists.register("race", &server);
                (server.id(), local, keyed)
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.unwrap());
    }
    for pick in [
        |o: &(_, Result<(), RegisterError>, _)| o.1.clone(),
        |o: &(_, _, Result<(), RegisterError>)| o.2.clone(),
    ] {
        let winners: Vec<genserver::ServerId> = outcomes
            .iter()
            .filter(|o| pick(o).is_ok())
            .map(|o| o.0)
            .collect();
        assert_eq!(winners.len(), 1, "exactly one wins");
        for outcome in &outcomes {
            match pick(outcome) {
                Ok(()) => {}
                Err(RegisterError::Taken(holder)) => assert_eq!(holder.id(), winners[0]),
                Err(other) => panic!("unexpected {other:?}"),
            }
        }
    }
    registry::whereis::<Counter>("t_race_register")
        .unwrap()
        .stop()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_eight_concurrent_starts_under_one_name_exactly_one_runs() {
    let plan = Plan::ok();
    let barrier = Arc::new(tokio::sync::Barrier::new(8));
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (plan, barrier) = (plan.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                Counter::start_with(plan, StartOptions::new().name("t_race_start")).await
            })
        })
        .collect();
    let mut started = Vec::new();
    let mut refused = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            Ok(server) => started.push(server),
            Err(StartError::AlreadyStarted(holder)) => refused.push(holder),
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(started.len(), 1);
    assert_eq!(refused.len(), 7);
    assert!(refused.iter().all(|pid| pid.id() == started[0].id()));
    assert_eq!(plan.inits(), 1, "only the winner's init runs");
    started[0].stop().await.unwrap();
}

#[tokio::test]
async fn a_kept_name_follows_the_name_to_its_next_holder() {
    let mut name = registry::Name::<Counter>::new("t_kept");
    assert_eq!(name.get().unwrap_err(), LookupError::NotFound);
    let first = counter_named("t_kept").await;
    assert_eq!(name.get().unwrap().id(), first.id());
    name.get().unwrap().add(1);
    assert_eq!(name.get().unwrap().get().await, Ok(1));
    // The holder crashes: the name is free at once, and the kept name knows.
    first.crash();
    first.exited().await.unwrap();
    assert_eq!(name.get().unwrap_err(), LookupError::NotFound);
    // Restarted under the same name: the kept name finds the new server.
    let second = counter_named("t_kept").await;
    assert_eq!(name.get().unwrap().id(), second.id());
    // Wrong type through a kept name is typed too.
    let mut wrong = registry::Name::<Other>::new("t_kept");
    assert!(matches!(wrong.get(), Err(LookupError::WrongType { .. })));
    second.stop().await.unwrap();
    assert_eq!(name.get().unwrap_err(), LookupError::NotFound);
}

#[tokio::test]
async fn whereis_again_on_one_thread_sees_every_change_and_keeps_nothing_alive() {
    // A current_thread runtime: every lookup below runs on this thread, so
    // they go through its memory of recent names.
    let first = counter_named("t_recent").await;
    let others = [
        counter_named("t_recent_a").await,
        counter_named("t_recent_b").await,
        counter_named("t_recent_c").await,
        counter_named("t_recent_d").await,
    ];
    for _ in 0..2 {
        for name in [
            "t_recent",
            "t_recent_a",
            "t_recent_b",
            "t_recent_c",
            "t_recent_d",
        ] {
            registry::whereis::<Counter>(name).unwrap();
        }
    }
    assert_eq!(
        registry::whereis::<Counter>("t_recent").unwrap().id(),
        first.id()
    );
    assert!(matches!(
        registry::whereis::<Other>("t_recent"),
        Err(LookupError::WrongType { .. })
    ));
    // The name moves to another server.
    let second = Counter::start(Plan::ok()).await.unwrap();
    assert!(registry::unregister("t_recent"));
    assert_eq!(
        registry::whereis::<Counter>("t_recent").unwrap_err(),
        LookupError::NotFound
    );
    registry::register("t_recent", &second).unwrap();
    assert_eq!(
        registry::whereis::<Counter>("t_recent").unwrap().id(),
        second.id()
    );
    // Remembering the name does not keep its server alive.
    let down = second.monitor();
    drop(second);
    assert!(registry::unregister("t_recent"));
    assert_eq!(down.await.reason, ExitReason::Normal);
    assert_eq!(
        registry::whereis::<Counter>("t_recent").unwrap_err(),
        LookupError::NotFound
    );
    // A remembered name is free once its holder exits.
    assert!(registry::whereis::<Counter>("t_recent_d").is_ok());
    others[3].stop().await.unwrap();
    assert_eq!(
        registry::whereis::<Counter>("t_recent_d").unwrap_err(),
        LookupError::NotFound
    );
    first.stop().await.unwrap();
}

/// A lookup, a call and a stop, each with `?` into the crate's one error.
async fn get_by_name_any(name: &str) -> Result<u64, genserver::Error> {
    let counter = registry::whereis::<Counter>(name)?;
    let count = counter.get().await?;
    Ok(count)
}

/// Compiles only if `E` goes into the crate's error through `?`.
fn into_error<E: Into<genserver::Error>>(_: &E) {}

#[tokio::test]
async fn every_public_error_converts_into_the_crate_error() {
    let counter = counter_named("error_into_crate_error").await;
    assert_eq!(get_by_name_any("error_into_crate_error").await, Ok(0));
    assert_eq!(
        get_by_name_any("error_into_crate_error_nobody").await,
        Err(genserver::Error::Lookup(registry::LookupError::NotFound))
    );
    counter.stop().await.unwrap();

    into_error(&StartError::Timeout);
    into_error(&CallError::NoProc);
    into_error(&StopError::NoProc);
    into_error(&genserver::WaitError::CallingSelf);
    into_error(&genserver::BlockingError::InRuntime);
    into_error(&ExitReason::Normal);
    into_error(&genserver::LinkError::NoProc);
    into_error(&genserver::SupervisorError::NotFound);
    into_error(&registry::LookupError::NotFound);
    into_error(&RegisterError::NoProc);
    into_error(&genserver::sys::SysError::NoProc);
    into_error(&genserver::TimerError::NoRuntime);
    into_error(&genserver::dynamic_supervisor::StartChildError::MaxChildren);
    into_error(&genserver::dynamic_supervisor::TerminateChildError::NotFound);
    let error: genserver::Error = RegisterError::NoProc.into();
    assert_eq!(error.to_string(), RegisterError::NoProc.to_string());
}
