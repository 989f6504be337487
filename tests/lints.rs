//! The generated code passes the strictest lints a user might turn on:
//! `missing_docs`, every warning as an error, `unsafe_code` forbidden, and
//! clippy's pedantic group (checked by `cargo clippy` in `.ci/run`).

#![forbid(unsafe_code)]
#![deny(
    warnings,
    missing_docs,
    missing_debug_implementations,
    unused_qualifications,
    unreachable_pub,
    clippy::pedantic
)]

/// A public server in a public module, as a library would have it.
pub mod counter {
    use genserver::prelude::*;

    /// A message for the info handler.
    #[derive(Debug)]
    pub struct Reset;

    /// A message that sets the count.
    #[derive(Debug)]
    pub struct Set(pub u64);

    /// Counts.
    #[derive(Debug, Default)]
    pub struct Counter {
        count: u64,
    }

    #[gen_server]
    impl Counter {
        /// Starts counting from `start`.
        #[init]
        fn init(start: u64) -> Self {
            Counter { count: start }
        }

        /// Adds `n`.
        #[cast]
        pub fn add(&mut self, n: u64) {
            self.count += n;
        }

        /// The count so far.
        #[call]
        pub fn get(&self) -> u64 {
            self.count
        }

        /// Adds `n` and returns the new count.
        ///
        /// # Errors
        ///
        /// A message if the count would overflow.
        #[call]
        pub fn checked_add(&mut self, n: u64) -> Result<u64, String> {
            self.count = self.count.checked_add(n).ok_or("overflow")?;
            Ok(self.count)
        }

        /// The count, after letting other tasks run.
        #[call]
        pub async fn get_later(&self) -> u64 {
            tokio::task::yield_now().await;
            self.count
        }

        /// Back to zero.
        #[info]
        fn reset(&mut self, _reset: Reset) {
            self.count = 0;
        }

        /// Adds both numbers of a pair (a pattern argument: the client
        /// method's parameter is named `arg0`).
        #[cast]
        pub fn add_pair(&mut self, (a, b): (u64, u64)) {
            self.count += a + b;
        }

        /// Sets the count, after letting other tasks run.
        #[info]
        async fn set(&mut self, Set(n): Set) {
            tokio::task::yield_now().await;
            self.count = n;
        }
    }
}

/// Public servers with bounded mailboxes, whose casts wait or fail.
pub mod bounded {
    use genserver::prelude::*;

    /// Takes items, waiting for room.
    #[derive(Debug, Default)]
    pub struct Waiting {
        items: u64,
    }

    #[gen_server(mailbox = 8)]
    impl Waiting {
        /// Takes an item.
        #[cast]
        pub fn push(&mut self, item: u64) {
            self.items += item;
        }
    }

    /// Takes items, or says it is full.
    #[derive(Debug, Default)]
    pub struct Failing {
        items: u64,
    }

    #[gen_server(mailbox = 8, when_full = fail)]
    impl Failing {
        /// Takes an item.
        ///
        /// # Errors
        ///
        /// `CastError::Full` when eight items wait already.
        #[cast]
        pub fn push(&mut self, item: u64) {
            self.items += item;
        }

        /// The sum of the items so far.
        #[call]
        pub fn items(&self) -> u64 {
            self.items
        }
    }
}

/// A private server whose handler takes a private message type.
mod private {
    use genserver::prelude::*;

    struct Tick;

    pub(crate) struct Clock {
        ticks: u32,
    }

    #[gen_server]
    impl Clock {
        #[info]
        fn tick(&mut self, _tick: Tick) {
            self.ticks += 1;
        }

        #[call]
        fn ticks(&self) -> u32 {
            self.ticks
        }
    }

    pub(crate) async fn run() -> u32 {
        let clock = Clock::start(Clock { ticks: 0 }).await.unwrap();
        clock.send(Tick);
        clock.send(Tick);
        clock.ticks().await.unwrap()
    }
}

/// A public server whose private handlers take and return a private type:
/// the bounds the macro puts on the generated items name it.
pub mod public_with_private_messages {
    use genserver::prelude::*;

    struct Token(u32);

    /// Keeps tokens.
    #[derive(Debug, Default)]
    pub struct Keeper {
        kept: u32,
    }

    #[gen_server]
    impl Keeper {
        #[cast]
        fn keep(&mut self, token: Token) {
            self.kept += token.0;
        }

        #[call]
        fn take(&mut self) -> Token {
            Token(std::mem::take(&mut self.kept))
        }
    }

    pub(crate) async fn run() -> u32 {
        let keeper = Keeper::start(Keeper::default()).await.unwrap();
        keeper.keep(Token(2));
        keeper.keep(Token(3));
        keeper.take().await.unwrap().0
    }
}

#[tokio::test]
async fn strict_lints_compile_and_run() {
    assert_eq!(public_with_private_messages::run().await, 5);
    let counter = counter::Counter::start(40).await.unwrap();
    counter.add(1);
    assert_eq!(counter.checked_add(1).await.unwrap(), Ok(42));
    assert_eq!(
        counter.checked_add(u64::MAX).await.unwrap(),
        Err("overflow".to_string())
    );
    counter.send(counter::Reset);
    assert_eq!(counter.get().await.unwrap(), 0);
    counter.add_pair((1, 2));
    assert_eq!(counter.get().await.unwrap(), 3);
    counter.send(counter::Set(5));
    assert_eq!(counter.get().await.unwrap(), 5);
    counter.send(counter::Reset);
    assert_eq!(counter.get_later().await.unwrap(), 0);
    assert_eq!(private::run().await, 2);
    let waiting = bounded::Waiting::start(bounded::Waiting::default())
        .await
        .unwrap();
    waiting.push(1).await.unwrap();
    let failing = bounded::Failing::start(bounded::Failing::default())
        .await
        .unwrap();
    failing.push(2).unwrap();
    assert_eq!(failing.items().await.unwrap(), 2);
}
