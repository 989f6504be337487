//! `:sys`: looking into a running server, for tests and debugging.
//!
//! Erlang's `sys` module speaks a protocol every special process
//! understands: `get_state`, `replace_state`, `suspend`, `resume`,
//! `get_status`, `statistics`, `trace`. Here the requests travel as system
//! messages through the server's one mailbox, so they are ordered with
//! everything else, are served while the server is suspended, and do not
//! cancel an idle timeout.

use std::sync::Mutex;

use crate::process::mailbox::Envelope;
use crate::server::GenServer;

/// A server's `:sys` debug state; lives in its context, made on first use.
pub(crate) struct Debug<S: GenServer> {
    /// `sys:suspend`: only system messages are handled until `resume`.
    pub(crate) suspended: bool,
    /// What arrived while suspended, in order, to be handled on `resume`.
    /// In a `Mutex` only so that the context is `Sync` (reached with
    /// `get_mut`, never locked).
    pub(crate) deferred: Mutex<Vec<Envelope<S>>>,
    /// `sys:statistics`: messages taken from the mailbox since it was switched on.
    pub(crate) messages_in: Option<u64>,
}

impl<S: GenServer> Default for Debug<S> {
    fn default() -> Self {
        Debug {
            suspended: false,
            deferred: Mutex::new(Vec::new()),
            messages_in: None,
        }
    }
}

impl<S: GenServer> Debug<S> {
    /// The messages set aside while suspended.
    pub(crate) fn deferred(&mut self) -> &mut Vec<Envelope<S>> {
        self.deferred
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
