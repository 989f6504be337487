//! The context a handler can ask for: who it is, and how to stop.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use crate::error::ExitReason;
use crate::process::handle::{Handle, ReplyTo, ServerId, ServerRef};
use crate::process::mailbox::Shared;
use crate::server::GenServer;

/// What a handler can ask of the runtime while it runs.
///
/// Take it as an argument of type `&mut Context<Self>` (or `&Context<Self>`)
/// in any handler:
///
/// ```
/// use genserver::prelude::*;
///
/// struct Session { open: bool }
///
/// #[gen_server]
/// impl Session {
///     /// Closes the session: replies `true`, then the server stops.
///     #[call]
///     fn close(&mut self, ctx: &mut Context<Self>) -> bool {
///         self.open = false;
///         ctx.stop(ExitReason::Normal);
///         true
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let session = Session::start(Session { open: true }).await.unwrap();
/// assert!(session.close().await.unwrap());
/// assert_eq!(session.exited().await, Ok(ExitReason::Normal));
/// # }
/// ```
pub struct Context<S: GenServer> {
    shared: Arc<Shared<S>>,
    /// Set by [`Context::stop`]; the loop stops after the current handler.
    /// Boxed: it is rare, and the context lives in every idle server.
    stopping: Option<Box<Stopping>>,
}

/// A reply held back until `terminate` has run.
pub(crate) type HeldReply = Box<dyn FnOnce() + Send>;

/// What a handler that asked to stop leaves for the loop.
struct Stopping {
    reason: ExitReason,
    /// A reply held back until `terminate` has run (`{:stop, reason, reply, state}`).
    /// In a `Mutex` only so that `Context` is `Sync`, which an async handler
    /// holding a `&Context` across an `.await` needs.
    held_reply: Mutex<Option<HeldReply>>,
}

impl<S: GenServer> Context<S> {
    pub(crate) fn new(shared: Arc<Shared<S>>) -> Self {
        Context {
            shared,
            stopping: None,
        }
    }

    /// This server's id.
    pub fn id(&self) -> ServerId {
        self.shared.id
    }

    /// A new reference to this server, for example to hand to a task that
    /// will cast back to it.
    ///
    /// A server lives as long as references to it exist, so storing this in
    /// the server's own state keeps it alive until it stops itself.
    pub fn server_ref(&self) -> ServerRef<S> {
        ServerRef::from_handle(Handle::new(Arc::clone(&self.shared)))
    }

    /// Stops the server once the current handler returns: `terminate` runs
    /// with `reason`, then the server exits with it.
    ///
    /// In a call handler that returns a value, the caller gets that value
    /// *after* `terminate` has run (`{:stop, reason, reply, state}`). A call
    /// handler that takes a [`ReplyTo`] and does not answer leaves its caller
    /// with [`CallError::Exit`](crate::CallError::Exit) (`{:stop, reason, state}`).
    pub fn stop(&mut self, reason: ExitReason) {
        match &mut self.stopping {
            Some(stopping) => stopping.reason = reason,
            None => {
                self.stopping = Some(Box::new(Stopping {
                    reason,
                    held_reply: Mutex::new(None),
                }));
            }
        }
    }

    /// Whether [`stop`](Context::stop) was called in this handler.
    pub fn is_stopping(&self) -> bool {
        self.stopping.is_some()
    }

    /// Answers a call. Generated code uses this for handlers that return their
    /// reply; it holds the reply back until `terminate` ran if the handler
    /// asked to stop.
    #[doc(hidden)]
    pub fn reply<T: Send + 'static>(&mut self, to: ReplyTo<T>, value: T) {
        match &mut self.stopping {
            Some(stopping) => {
                *stopping
                    .held_reply
                    .get_mut()
                    .unwrap_or_else(PoisonError::into_inner) =
                    Some(Box::new(move || to.send(value)));
            }
            None => to.send(value),
        }
    }

    /// The stop a handler asked for: the reason, and the reply to send once
    /// `terminate` has run.
    pub(crate) fn take_stop(&mut self) -> Option<(ExitReason, Option<HeldReply>)> {
        self.stopping.take().map(|stopping| {
            let held = stopping
                .held_reply
                .into_inner()
                .unwrap_or_else(PoisonError::into_inner);
            (stopping.reason, held)
        })
    }
}

impl<S: GenServer> fmt::Debug for Context<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("server", &std::any::type_name::<S>())
            .field("id", &self.shared.id)
            .field("stopping", &self.stopping.as_ref().map(|s| &s.reason))
            .finish_non_exhaustive()
    }
}
