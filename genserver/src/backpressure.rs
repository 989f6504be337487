//! Backpressure: an opt-in bounded mailbox.
//!
//! An Erlang process's mailbox is unbounded, and so is a server's here by
//! default. `GenServer.cast` never waits and never fails, so a producer that
//! casts faster than the server handles grows the server's queue without
//! limit, until the node runs out of memory (GENSERVER.md §2, pitfall 6).
//! OTP offers no bounded mailbox; its answers are to use `call` where you
//! need backpressure (each caller has at most one request in flight, so the
//! producers go at the server's pace), or a demand-driven protocol such as
//! GenStage's: the consumer asks for `n` events and the producer sends no
//! more than asked for.
//!
//! A bounded mailbox is the cheap form of that demand, declared on the
//! server rather than built into a protocol: a server with room for `N`
//! messages grants `N` units of demand, and every batch it takes grants
//! that many again. Producers need no protocol of their own, and the
//! server's memory stays flat whatever they do.
//!
//! # Declaring one
//!
//! ```
//! # use genserver::prelude::*;
//! struct Sink {
//!     seen: u64,
//! }
//!
//! // At most 1024 calls and casts wait in the mailbox. Casts to a full one
//! // wait for room (`when_full = wait`, the default with `mailbox`).
//! #[gen_server(mailbox = 1024)]
//! impl Sink {
//!     #[cast]
//!     fn push(&mut self, _item: u64) {
//!         self.seen += 1;
//!     }
//!
//!     #[call]
//!     fn seen(&mut self) -> u64 {
//!         self.seen
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let sink = Sink::start(Sink { seen: 0 }).await.unwrap();
//! for item in 0..10_000 {
//!     // `async` with a bounded mailbox: the producer goes at the sink's pace.
//!     sink.push(item).await.unwrap();
//! }
//! assert_eq!(sink.seen().await, Ok(10_000));
//! # }
//! ```
//!
//! A bound can also be set (or changed) where the server starts, for any
//! server: `Type::start_with(arg, StartOptions::new().mailbox(1024))`.
//!
//! # What counts, and what gets through anyway
//!
//! The bound counts the calls and casts in the mailbox: sent, not yet taken
//! by the server. Everything else bypasses it, so that a full mailbox never
//! keeps the runtime from reaching the server:
//!
//! * info messages (`ServerRef::send`, timers: a timer cannot wait),
//! * system messages (`:sys`: `get_state`, `suspend`, `resume`, ...),
//! * exit signals and monitor `DOWN`s,
//! * `stop`.
//!
//! The server takes its mail in batches (see [`message_queue_len`]); each
//! batch it takes frees the room at once, under the lock it takes for the
//! batch anyway, so a bounded server pays nothing per message, and its queue
//! refills while it works through the batch. At most twice the bound of
//! calls and casts are in memory at once: the batch being handled, and a
//! full mailbox behind it. (A server suspended with `:sys.suspend` sets
//! aside the calls and casts it takes until resumed: a bound does not limit
//! those.)
//!
//! # A full mailbox
//!
//! **Calls wait for room** within their timeout, and senders waiting for
//! room get in in the order they came. A call that found no room before its
//! timeout fails with [`CallError::Full`]: unlike
//! [`CallError::Timeout`], the outcome is known, the server never saw the
//! request. A request sent at once ([`Handle::send_request`]) cannot wait,
//! so it fails with `Full` through its response.
//!
//! **Casts follow the server's policy**, `when_full` in `#[gen_server]`,
//! which shapes the generated cast methods:
//!
//! | `when_full` | generated cast | [`Handle`] method | on a full mailbox |
//! |---|---|---|---|
//! | `wait` (default with `mailbox`) | `async fn push(..) -> Result<(), CastError>` | [`Handle::cast_wait`] | waits for room |
//! | `fail` | `fn push(..) -> Result<(), CastError>` | [`Handle::try_cast`] | `Err(CastError::Full)` |
//! | `drop_oldest` (default without `mailbox`) | `fn push(..)` | [`Handle::cast`] | the oldest cast waiting is dropped |
//!
//! The three [`Handle`] methods are there for every server, whatever its
//! policy. `drop_oldest` drops only casts, never a call (whose caller waits
//! for room, so calls are their own backpressure); when no cast is left in
//! the mailbox to drop (only calls wait there, or the server has just
//! taken everything), the new cast is the one dropped. The plain cast never
//! fails, as `GenServer.cast` never does.
//!
//! A dropped cast is marked rather than taken out of the queue at once
//! (which would move every message behind it): the server never sees it,
//! and it is dropped (its values' `Drop` run) when the server next takes
//! its mail, or with all the others marked since once they number the
//! bound. So a `drop_oldest` mailbox keeps up to twice its bound queued
//! (the `mem flood` bench: 48 KB for a bound of 1024 small casts, against
//! 24 KB with `wait`), and a cast into a full one costs about as much as
//! one with room (35 ns for a bound of 1024, against 276 ns when each drop
//! moved the queue).
//!
//! # When the server exits
//!
//! Every sender waiting for room is told: a waiting cast fails with
//! [`CastError::Exit`], a waiting call with [`CallError::Exit`], both with
//! the exit reason; their messages are dropped with the rest of the mailbox.
//!
//! # Deadlocks
//!
//! Waiting for room is waiting for another server, as a call is. A server
//! that casts with `wait` into its own full mailbox would wait for itself:
//! that fails at once with [`CastError::Full`]. Two servers waiting for room
//! in each other's full mailboxes wait for ever, as two servers calling each
//! other do (until their timeouts, for calls).
//!
//! # The cost
//!
//! Nothing for an unbounded server: no field in its shared state (the
//! bound lives in the lazily made extras, and a bit in a byte the server
//! already has in cache says it is there), no work per message. A bounded
//! server takes no extra lock per message either: a send tests the bound
//! under the lock it takes anyway, the server makes room once per batch.
//!
//! [`message_queue_len`]: crate::Handle::message_queue_len
//! [`CallError::Full`]: crate::CallError::Full
//! [`CallError::Timeout`]: crate::CallError::Timeout
//! [`CallError::Exit`]: crate::CallError::Exit
//! [`CastError::Full`]: crate::CastError::Full
//! [`CastError::Exit`]: crate::CastError::Exit
//! [`Handle`]: crate::Handle
//! [`Handle::send_request`]: crate::Handle::send_request
//! [`Handle::cast`]: crate::Handle::cast
//! [`Handle::try_cast`]: crate::Handle::try_cast
//! [`Handle::cast_wait`]: crate::Handle::cast_wait
