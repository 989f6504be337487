//! Calls, casts and infos: replies, ordering, async handlers, deferred
//! replies, generic servers.

use std::collections::HashMap;
use std::time::Duration;

use genserver::prelude::*;

#[derive(Default)]
struct KeyValueStore {
    map: HashMap<String, String>,
}

#[gen_server]
impl KeyValueStore {
    /// Stores `value` under `key`.
    #[cast]
    fn put(&mut self, key: String, value: String) {
        self.map.insert(key, value);
    }

    /// The value stored under `key`.
    #[call]
    fn get(&self, key: String) -> Option<String> {
        self.map.get(&key).cloned()
    }

    /// How many keys there are, computed in an async handler.
    #[call]
    async fn len(&self) -> usize {
        tokio::task::yield_now().await;
        self.map.len()
    }

    /// Parses the value under `key`: an `Err` is a reply like any other.
    #[call]
    fn parse(&self, key: String) -> Result<i64, String> {
        let value = self.map.get(&key).ok_or_else(|| format!("no key {key}"))?;
        value
            .parse()
            .map_err(|_| format!("{value} is not a number"))
    }

    /// Removes every key, asynchronously.
    #[cast]
    async fn clear(&mut self) {
        tokio::task::yield_now().await;
        self.map.clear();
    }

    /// A helper without an attribute: left alone, callable as written.
    fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self.map.keys().cloned().collect();
        keys.sort();
        keys
    }
}

#[tokio::test]
async fn call_and_cast() {
    let kv = KeyValueStore::start(KeyValueStore::default())
        .await
        .unwrap();
    kv.put("a".into(), "1".into());
    assert_eq!(kv.get("a".into()).await.unwrap(), Some("1".into()));
    assert_eq!(kv.get("b".into()).await.unwrap(), None);
    assert_eq!(kv.len().await.unwrap(), 1);
    kv.stop().await.unwrap();
}

#[tokio::test]
async fn error_replies_do_not_stop_the_server() {
    let kv = KeyValueStore::start(KeyValueStore::default())
        .await
        .unwrap();
    kv.put("n".into(), "42".into());
    kv.put("s".into(), "forty-two".into());
    assert_eq!(kv.parse("n".into()).await.unwrap(), Ok(42));
    assert_eq!(
        kv.parse("s".into()).await.unwrap(),
        Err("forty-two is not a number".to_string())
    );
    assert_eq!(
        kv.parse("x".into()).await.unwrap(),
        Err("no key x".to_string())
    );
    assert!(kv.is_alive());
    assert_eq!(kv.len().await.unwrap(), 2);
}

#[tokio::test]
async fn async_cast_handlers_run_in_order() {
    let kv = KeyValueStore::start(KeyValueStore::default())
        .await
        .unwrap();
    kv.put("a".into(), "1".into());
    kv.clear();
    kv.put("b".into(), "2".into());
    assert_eq!(kv.get("a".into()).await.unwrap(), None);
    assert_eq!(kv.get("b".into()).await.unwrap(), Some("2".into()));
}

#[test]
fn user_methods_stay_callable_without_a_runtime() {
    let mut kv = KeyValueStore::default();
    kv.put("b".into(), "2".into());
    kv.put("a".into(), "1".into());
    assert_eq!(kv.get("a".into()), Some("1".into()));
    assert_eq!(kv.parse("b".into()), Ok(2));
    assert_eq!(kv.keys(), vec!["a".to_string(), "b".to_string()]);
}

/// Records every message in arrival order, whatever its kind.
#[derive(Default)]
struct Recorder {
    seen: Vec<String>,
}

/// An info message.
struct Ping(u32);

#[gen_server]
impl Recorder {
    #[cast]
    fn note(&mut self, n: u32) {
        self.seen.push(format!("cast {n}"));
    }

    #[call]
    fn mark(&mut self, n: u32) -> usize {
        self.seen.push(format!("call {n}"));
        self.seen.len()
    }

    #[info]
    fn ping(&mut self, ping: Ping) {
        self.seen.push(format!("info {}", ping.0));
    }

    #[call]
    fn seen(&self) -> Vec<String> {
        self.seen.clone()
    }
}

#[tokio::test]
async fn one_fifo_mailbox_for_calls_casts_and_infos() {
    let server = Recorder::start(Recorder::default()).await.unwrap();
    let mut expected = Vec::new();
    for n in 0..50 {
        match n % 3 {
            0 => {
                server.note(n);
                expected.push(format!("cast {n}"));
            }
            1 => {
                server.send(Ping(n));
                expected.push(format!("info {n}"));
            }
            _ => {
                // A call from the same sender does not overtake what it sent before.
                let count = server.mark(n).await.unwrap();
                expected.push(format!("call {n}"));
                assert_eq!(count, expected.len());
            }
        }
    }
    assert_eq!(server.seen().await.unwrap(), expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_clients_each_keep_their_order() {
    let server = Recorder::start(Recorder::default()).await.unwrap();
    let mut tasks = Vec::new();
    for client in 0..4u32 {
        let server = server.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..100 {
                server.note(client * 1000 + i);
            }
            server.mark(client).await.unwrap();
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let seen = server.seen().await.unwrap();
    for client in 0..4u32 {
        let mine: Vec<u32> = seen
            .iter()
            .filter_map(|entry| entry.strip_prefix("cast "))
            .map(|n| n.parse::<u32>().unwrap())
            .filter(|n| n / 1000 == client)
            .collect();
        let expected: Vec<u32> = (0..100).map(|i| client * 1000 + i).collect();
        assert_eq!(mine, expected);
    }
}

/// Adds up what it is sent and reports the total when it exits.
struct Tally {
    total: u64,
    report: Option<tokio::sync::oneshot::Sender<u64>>,
}

#[gen_server]
impl Tally {
    #[cast]
    fn add(&mut self, n: u64) {
        self.total += n;
    }

    #[call]
    fn add_and_get(&mut self, n: u64) -> u64 {
        self.total += n;
        self.total
    }

    #[terminate]
    fn terminate(&mut self) {
        if let Some(report) = self.report.take() {
            let _ = report.send(self.total);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn clients_on_other_threads_never_leave_the_server_asleep_with_mail() {
    // Mail, and the drop of the last handle, race with the server going to
    // sleep after each batch. A lost wake-up would leave a call or the
    // server's exit hanging; the watchdog turns that into a failure.
    for _ in 0..200 {
        let (report, total) = tokio::sync::oneshot::channel();
        let tally = Tally::start(Tally {
            total: 0,
            report: Some(report),
        })
        .await
        .unwrap();
        let mut clients = Vec::new();
        for _ in 0..3 {
            let tally = tally.clone();
            clients.push(tokio::spawn(async move {
                for i in 0..50 {
                    if i % 10 == 4 {
                        tally.add_and_get(1).await.unwrap();
                    } else {
                        tally.add(1);
                    }
                }
                // Casts last: the last of these drops, the server's last handle,
                // may come while the server is still busy with them.
            }));
        }
        drop(tally);
        for client in clients {
            client.await.unwrap();
        }
        let total = tokio::time::timeout(Duration::from_secs(30), total)
            .await
            .expect("the server missed a wake-up")
            .unwrap();
        assert_eq!(total, 150);
    }
}

/// The Stack from Elixir's GenServer docs, generic, with a deferred pop.
struct Stack<T> {
    items: Vec<T>,
    waiting: Vec<ReplyTo<T>>,
}

#[gen_server]
impl<T: Clone + Send + 'static> Stack<T> {
    /// Pushes an item, or hands it to a caller waiting in `pop_wait`.
    #[cast]
    fn push(&mut self, item: T) {
        if let Some(waiter) = self.waiting.pop() {
            waiter.send(item);
        } else {
            self.items.push(item);
        }
    }

    /// Pushes several items at once.
    #[cast]
    fn extend(&mut self, more: Vec<T>) {
        for item in more {
            self.push(item);
        }
    }

    /// Pops the top item.
    #[call]
    fn pop(&mut self) -> Option<T> {
        self.items.pop()
    }

    /// Pops the top item, waiting for a push if the stack is empty: the
    /// reply is deferred.
    #[call]
    fn pop_wait(&mut self, reply: ReplyTo<T>) {
        match self.items.pop() {
            Some(item) => reply.send(item),
            None => self.waiting.push(reply),
        }
    }

    /// The items by key, to exercise nested generics in return types.
    #[call]
    fn index(&self, names: Vec<String>) -> HashMap<String, Option<T>> {
        names
            .into_iter()
            .enumerate()
            .map(|(i, name)| (name, self.items.get(i).cloned()))
            .collect()
    }
}

impl<T> Stack<T> {
    fn new(items: Vec<T>) -> Self {
        Stack {
            items,
            waiting: Vec::new(),
        }
    }
}

#[tokio::test]
async fn generic_server_with_nested_generic_types() {
    let stack = Stack::start(Stack::new(vec![1u8])).await.unwrap();
    stack.push(2);
    stack.extend(vec![3, 4]);
    assert_eq!(stack.pop().await.unwrap(), Some(4));
    let index = stack
        .index(vec!["a".into(), "z".into(), "q".into(), "w".into()])
        .await
        .unwrap();
    assert_eq!(index["a"], Some(1));
    assert_eq!(index["w"], None);

    let strings = Stack::start(Stack::new(vec![String::from("x")]))
        .await
        .unwrap();
    assert_eq!(strings.pop().await.unwrap().as_deref(), Some("x"));
}

#[tokio::test]
async fn deferred_reply_from_a_later_message() {
    let stack = Stack::<u32>::start(Stack::new(Vec::new())).await.unwrap();
    // `join!` polls in order: the pop_wait request is queued before the push,
    // finds the stack empty and waits; the push then answers it.
    let (popped, ()) = tokio::join!(stack.pop_wait(), async { stack.push(7) });
    assert_eq!(popped.unwrap(), 7);
    assert_eq!(stack.pop().await.unwrap(), None);
}

/// A server that answers calls from another task (`GenServer.reply/2` from a Task).
struct Deferrer;

#[gen_server]
impl Deferrer {
    #[call]
    fn later(&mut self, value: u64, reply: ReplyTo<u64>) {
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(10)).await;
            reply.send(value * 2);
        });
    }

    /// Replies twice: only the first counts, the second is silent.
    #[call]
    fn twice(&mut self, reply: ReplyTo<u64>) {
        reply.send(1);
    }
}

#[tokio::test(start_paused = true)]
async fn deferred_reply_from_another_task() {
    let server = Deferrer::start(Deferrer).await.unwrap();
    assert_eq!(server.later(21).await.unwrap(), 42);
    assert_eq!(server.twice().await.unwrap(), 1);
}

#[tokio::test(start_paused = true)]
async fn replying_to_a_caller_that_timed_out_is_harmless() {
    let server = Deferrer::start(Deferrer).await.unwrap();
    let err = server
        .with_timeout(Duration::from_millis(5))
        .later(1)
        .await
        .unwrap_err();
    assert_eq!(err, CallError::Timeout);
    // The late reply (at 10 ms) goes nowhere; the server is unaffected.
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(server.later(2).await.unwrap(), 4);
}
