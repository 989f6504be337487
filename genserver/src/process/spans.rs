//! `tracing` spans: one per server, entered while its task runs, and one
//! per handled message inside it.
//!
//! | span | level | fields |
//! |---|---|---|
//! | `server` | `DEBUG` | `server` (the type), `id`, `name` (if it was started under one) |
//! | `handle` | `TRACE` | `message` (the variant, `CacheCall::Get`) |
//!
//! Both cost nothing when no subscriber wants them. The server span is
//! looked at once per start: a server started without it runs the plain
//! task, one started with it runs the task inside
//! [`Instrumented`](tracing::instrument::Instrumented) (a task cell of its
//! own size). Message spans are looked at once per batch of messages
//! taken from the mailbox: below `TRACE` that is one load of `tracing`'s
//! global level filter, and the batch runs the plain loop; with them it
//! runs a copy of the loop that makes a span per message (the same copy
//! `:sys.trace` uses).

use tracing::Span;

use crate::process::handle::ServerId;
use crate::server::GenServer;

/// The span of a server, to run its task in; disabled if no subscriber
/// wants it (then the task runs without it).
#[inline]
pub(crate) fn server<S: GenServer>(
    id: ServerId,
    name: impl FnOnce() -> Option<std::sync::Arc<str>>,
) -> Span {
    tracing::debug_span!(
        "server",
        server = std::any::type_name::<S>(),
        id = id.as_u64(),
        name = name().as_deref(),
    )
}

/// Whether a subscriber wants message spans now.
///
/// Below `TRACE` (no subscriber, or none that wants `TRACE`) `tracing`'s
/// global level filter says no, and that is one load and a test, inlined
/// into the server loop; the callsite is asked only past it.
#[inline(always)]
#[allow(clippy::inline_always)] // once per batch in the server loop: a call would cost more
pub(crate) fn messages() -> bool {
    tracing::level_filters::LevelFilter::current() == tracing::level_filters::LevelFilter::TRACE
        && messages_enabled()
}

/// Whether the message span's callsite is enabled.
#[cold]
#[inline(never)]
fn messages_enabled() -> bool {
    tracing::span_enabled!(tracing::Level::TRACE)
}

/// The span of one handled message, named by its variant.
#[cold]
#[inline(never)]
pub(crate) fn message(message: &'static str) -> Span {
    tracing::trace_span!("handle", message)
}
