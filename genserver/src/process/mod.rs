//! The kernel: what every server process is made of, whatever it does.
//!
//! Erlang splits a process's machinery over `erlang` (spawn, mailbox,
//! exit signals), `proc_lib` (start with an acknowledgement, crash reports)
//! and `gen` (call with a timeout); every behaviour (`gen_server`,
//! `supervisor`, ...) is built on them. Here the same machinery is a few
//! files, and the OTP concepts (`registry`, `link`, `monitor`, `timer`,
//! `sys`) sit on top of it; nothing in this module knows about them beyond
//! the hooks they register.
//!
//! * `mailbox`: the one ordered queue per server, the server's status
//!   (starting, serving, exited) and the rarely used per-process tables
//!   (exit hooks, links, monitors), all under one lock.
//! * `exit_group`: one wait for the exits of many servers, for a
//!   supervisor that stops its children all at once.
//! * `run`: the server task: `init`, the receive loop, `terminate`, and
//!   the start handshake (`proc_lib:start_link`/`init_ack`).
//! * `context`: what a running callback can ask of the runtime
//!   ([`Context`](crate::Context)).
//! * `blocking`: waiting outside tokio: deadlines without tokio's timer,
//!   and [`block_on`](crate::block_on) for synchronous code.
//! * `panics`: the panic hook that leaves a server's panic to its crash
//!   report ([`report_panics_once`](crate::report_panics_once)).
//! * `spans`: the `tracing` spans of servers and of the messages they
//!   handle.
//! * `handle`: how clients reach a server ([`ServerRef`](crate::ServerRef),
//!   [`Handle`](crate::Handle), [`ReplyTo`](crate::ReplyTo)).

pub(crate) mod blocking;
pub(crate) mod context;
pub(crate) mod exit_group;
pub(crate) mod handle;
pub(crate) mod mailbox;
pub(crate) mod panics;
pub(crate) mod run;
pub(crate) mod spans;

pub use self::blocking::block_on;
pub use self::panics::report_panics_once;
pub use self::run::{StartOptions, spawn, start};
