//! Blocking work in a server: file I/O (or a database driver, or heavy
//! computation) without stalling the server or tokio's worker threads.
//!
//! ```text
//! cargo run --example blocking_work
//! ```
//!
//! A handler runs on one of tokio's worker threads. Blocking there (a
//! `std::fs::read`, a synchronous database call) holds that thread: the
//! server answers nobody until it returns, and every other task queued on
//! the thread waits too (on a `current_thread` runtime, the whole program).
//! The server below moves each blocking job to tokio's blocking pool with
//! `tokio::task::spawn_blocking`, and keeps serving meanwhile, in two ways:
//!
//! * `load`: **a deferred reply**. The handler takes the caller's
//!   `ReplyTo` and hands it to the blocking job, which answers the caller
//!   itself when the file is read. Use it when the server has nothing to
//!   do with the result.
//! * `save`: **a monitored task** (`task::async_nolink`). The job's result
//!   comes back to the server as a `TaskResult` message, so the server can
//!   update its state before it answers; if the job panics, the server gets
//!   a `Down` instead, and answers the caller with the reason.
//!
//! For a long-running blocking loop (a consumer of a queue, say), run it as
//! a supervised task instead: `Task::child_spec(|| async { spawn_blocking(..).await })`
//! under a `Supervisor`, restarted if it crashes.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use genserver::prelude::*;
use genserver::task::{self, TaskResult};
use genserver::{Down, MonitorRef};

/// How long our pretend disk takes to read a file.
const SLOW_DISK: Duration = Duration::from_millis(200);

/// Keeps files in a directory.
struct Store {
    dir: PathBuf,
    /// Files saved so far: state the `save` path updates.
    saved: u32,
    /// Callers of `save` whose job is still running, by the job's monitor.
    waiting: HashMap<MonitorRef, ReplyTo<Result<usize, String>>>,
}

#[gen_server]
impl Store {
    /// Reads a file: the blocking pool reads it and answers the caller; the
    /// server is free as soon as this returns.
    #[call]
    fn load(&self, name: String, reply: ReplyTo<Result<String, String>>) {
        let path = self.dir.join(name);
        tokio::task::spawn_blocking(move || {
            std::thread::sleep(SLOW_DISK); // a slow disk: blocking is fine here
            reply.send(std::fs::read_to_string(&path).map_err(|e| e.to_string()));
        });
    }

    /// Writes a file in a task the server monitors: the result arrives as
    /// `saved`, a crash as `crashed`.
    #[call]
    fn save(
        &mut self,
        name: String,
        contents: String,
        reply: ReplyTo<Result<usize, String>>,
        ctx: &mut Context<Self>,
    ) {
        let path = self.dir.join(&name);
        let job = async move {
            let written = tokio::task::spawn_blocking(move || {
                assert!(!name.is_empty(), "a file needs a name");
                std::fs::write(&path, &contents).map(|()| contents.len())
            })
            .await;
            match written {
                Ok(written) => written.map_err(|e| e.to_string()),
                // The blocking job panicked: crash the task with the same
                // message, so that the server gets a `Down` with it.
                Err(error) => match error.try_into_panic() {
                    Ok(panic) => std::panic::resume_unwind(panic),
                    Err(error) => Err(error.to_string()), // cancelled: the runtime is shutting down
                },
            }
        };
        match task::async_nolink(ctx, job) {
            Ok(job) => {
                self.waiting.insert(job.monitor_ref(), reply);
            }
            Err(error) => reply.send(Err(error.to_string())),
        }
    }

    /// A `save` job finished: count it, then answer its caller.
    #[info]
    fn saved(&mut self, done: TaskResult<Result<usize, String>>) {
        if done.result.is_ok() {
            self.saved += 1;
        }
        if let Some(reply) = self.waiting.remove(&done.monitor) {
            reply.send(done.result);
        }
    }

    /// A `save` job crashed: its caller gets the reason.
    #[info]
    fn crashed(&mut self, down: Down) {
        if let Some(reply) = self.waiting.remove(&down.monitor) {
            reply.send(Err(format!("the save crashed: {}", down.reason)));
        }
    }

    /// How many files were saved.
    #[call]
    fn saved_count(&self) -> u32 {
        self.saved
    }
}

#[tokio::main]
async fn main() -> Result<(), genserver::Error> {
    let dir = std::env::temp_dir().join(format!("genserver-blocking-work-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let store = Store::start(Store {
        dir: dir.clone(),
        saved: 0,
        waiting: HashMap::new(),
    })
    .await?;

    // Through a monitored task: the server counts what was saved.
    let written = store
        .save("hello.txt".into(), "hello, world".into())
        .await?;
    println!("save hello.txt: {written:?}");
    assert_eq!(written, Ok(12));

    // A deferred reply: send the request now, and see that the server
    // answers other calls while the blocking pool reads the file.
    let started = Instant::now();
    let mut load = store.request().load("hello.txt".into());
    let count = store.saved_count().await?;
    let answered_while_loading = load.check_response().is_none();
    println!(
        "saved_count = {count}, answered after {:?}, while the load was still running: {answered_while_loading}",
        started.elapsed()
    );
    let contents = load.await?;
    println!("load hello.txt: {contents:?} after {:?}", started.elapsed());
    assert_eq!(contents.as_deref(), Ok("hello, world"));

    // Errors come back as values, a crash of the blocking job as the reason.
    let missing = store.load("missing.txt".into()).await?;
    println!("load missing.txt: {missing:?}");
    assert!(missing.is_err());
    let crashed = store.save(String::new(), "no name".into()).await?;
    println!("save with no name: {crashed:?}");
    assert!(crashed.is_err_and(|reason| reason.contains("a file needs a name")));

    // The server survived the crash; one file was saved.
    assert_eq!(store.saved_count().await?, 1);
    store.stop().await?;
    std::fs::remove_dir_all(&dir).expect("the temporary directory removed");
    println!("done");
    Ok(())
}
