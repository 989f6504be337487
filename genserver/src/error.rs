//! Exit reasons and the errors a client can see.
//!
//! Elixir signals most failures by making the *caller* exit; Rust returns
//! them as values. The mapping is one to one:
//!
//! | Elixir / Erlang                          | genserver                          |
//! |------------------------------------------|------------------------------------|
//! | `:normal`                                | [`ExitReason::Normal`]             |
//! | `:shutdown`                              | [`ExitReason::Shutdown`]           |
//! | `{:shutdown, detail}`                    | [`ExitReason::ShutdownWith`]       |
//! | `{%RuntimeError{}, stack}` (a raise)     | [`ExitReason::Panic`]              |
//! | any other term passed to `{:stop, ..}`   | [`ExitReason::Error`]              |
//! | `:killed`                                | [`ExitReason::Killed`]             |
//! | call exits `:timeout`                    | [`CallError::Timeout`]             |
//! | call exits `:noproc`                     | [`CallError::NoProc`]              |
//! | call exits `:calling_self`               | [`CallError::CallingSelf`]         |
//! | call exits with the server's reason      | [`CallError::Exit`]                |

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

use crate::registry::{LookupError, Pid, RegisterError};

/// Why a server exited: the reason passed to `terminate`, returned to callers
/// caught in flight, and (in later releases) seen by links and monitors.
///
/// `Normal`, `Shutdown` and `ShutdownWith` are the *expected* reasons: they are
/// not logged as crashes. Everything else is.
#[derive(Clone)]
#[non_exhaustive]
pub enum ExitReason {
    /// The server finished its work (`:normal`). The default reason of
    /// [`ServerRef::stop`](crate::ServerRef::stop).
    Normal,
    /// The server was asked to shut down (`:shutdown`).
    Shutdown,
    /// A shutdown with a detail for whoever watches the server (`{:shutdown, detail}`).
    ShutdownWith(Arc<str>),
    /// A handler, `init` or `terminate` panicked; this is the panic message.
    Panic(Arc<str>),
    /// The server stopped itself with an error (`{:stop, reason, state}` with a
    /// reason of your own), or `init` returned `Err`.
    Error(Arc<dyn StdError + Send + Sync>),
    /// The server was killed without running `terminate`: by
    /// [`ServerRef::kill`](crate::ServerRef::kill), by its start timeout,
    /// or because the tokio runtime it ran on shut down (`:killed`).
    Killed,
    /// The server was not running when it was looked at: the reason a
    /// monitor set up on a dead server reports (`:noproc`).
    NoProc,
}

impl ExitReason {
    /// An [`ExitReason::Error`] from any error value, including a `String` or a `&str`.
    ///
    /// ```
    /// use genserver::ExitReason;
    /// let reason = ExitReason::error("disk full");
    /// assert_eq!(reason.to_string(), "error: disk full");
    /// ```
    pub fn error(error: impl Into<Box<dyn StdError + Send + Sync>>) -> Self {
        ExitReason::Error(Arc::from(error.into()))
    }

    /// An [`ExitReason::ShutdownWith`] carrying `detail`.
    pub fn shutdown_with(detail: impl Into<Arc<str>>) -> Self {
        ExitReason::ShutdownWith(detail.into())
    }

    /// Whether this is an expected exit (`Normal`, `Shutdown` or `ShutdownWith`),
    /// one that is not logged as a crash.
    pub fn is_normal(&self) -> bool {
        matches!(
            self,
            ExitReason::Normal | ExitReason::Shutdown | ExitReason::ShutdownWith(_)
        )
    }

    /// The error carried by [`ExitReason::Error`], if it is an `E`.
    pub fn downcast_ref<E: StdError + 'static>(&self) -> Option<&E> {
        match self {
            ExitReason::Error(error) => error.downcast_ref(),
            _ => None,
        }
    }

    /// Whether `self` and `other` are the same reason. Errors compare by
    /// identity (the same `Arc`) or, failing that, by their `Display` text.
    pub fn same_as(&self, other: &ExitReason) -> bool {
        match (self, other) {
            (ExitReason::Normal, ExitReason::Normal)
            | (ExitReason::Shutdown, ExitReason::Shutdown)
            | (ExitReason::Killed, ExitReason::Killed)
            | (ExitReason::NoProc, ExitReason::NoProc) => true,
            (ExitReason::ShutdownWith(a), ExitReason::ShutdownWith(b))
            | (ExitReason::Panic(a), ExitReason::Panic(b)) => a == b,
            (ExitReason::Error(a), ExitReason::Error(b)) => {
                Arc::ptr_eq(a, b) || a.to_string() == b.to_string()
            }
            _ => false,
        }
    }
}

impl PartialEq for ExitReason {
    fn eq(&self, other: &Self) -> bool {
        self.same_as(other)
    }
}

impl fmt::Display for ExitReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExitReason::Normal => f.write_str("normal"),
            ExitReason::Shutdown => f.write_str("shutdown"),
            ExitReason::ShutdownWith(detail) => write!(f, "shutdown: {detail}"),
            ExitReason::Panic(message) => write!(f, "panicked: {message}"),
            ExitReason::Error(error) => write!(f, "error: {error}"),
            ExitReason::Killed => f.write_str("killed"),
            ExitReason::NoProc => f.write_str("noproc"),
        }
    }
}

impl fmt::Debug for ExitReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExitReason::Normal => f.write_str("Normal"),
            ExitReason::Shutdown => f.write_str("Shutdown"),
            ExitReason::ShutdownWith(detail) => {
                f.debug_tuple("ShutdownWith").field(detail).finish()
            }
            ExitReason::Panic(message) => f.debug_tuple("Panic").field(message).finish(),
            ExitReason::Error(error) => f.debug_tuple("Error").field(error).finish(),
            ExitReason::Killed => f.write_str("Killed"),
            ExitReason::NoProc => f.write_str("NoProc"),
        }
    }
}

/// Why a call got no reply.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum CallError {
    /// No reply within the call timeout (5 s unless set with
    /// [`ServerRef::with_timeout`](crate::ServerRef::with_timeout)). As in
    /// Elixir the server is not told: it still handles the request, and its
    /// late reply is dropped.
    Timeout,
    /// The server was not running when the call was made (`:noproc`).
    NoProc,
    /// A handler called its own server, which would wait for itself forever
    /// (`:calling_self`). Use a cast, a deferred reply or a helper task instead.
    CallingSelf,
    /// The server exited before it replied: it crashed, stopped without
    /// replying, or was stopped while the request waited in its mailbox.
    Exit(ExitReason),
    /// The name called holds a server of another type (see
    /// [`registry::whereis`](crate::registry::whereis)).
    WrongType {
        /// The server type the caller expected.
        expected: &'static str,
        /// The type of the server that holds the name.
        found: &'static str,
    },
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallError::Timeout => f.write_str("call timed out: the server did not reply in time"),
            CallError::NoProc => f.write_str("no such process: the server is not running"),
            CallError::CallingSelf => {
                f.write_str("calling self: a server cannot call itself, it would wait forever")
            }
            CallError::Exit(reason) => write!(f, "the server exited before it replied ({reason})"),
            CallError::WrongType { expected, found } => {
                write!(
                    f,
                    "wrong server type: the name is held by a {found}, not a {expected}"
                )
            }
        }
    }
}

/// A name nobody holds is `NoProc`, as a call to an unregistered name
/// exits with `:noproc`.
impl From<LookupError> for CallError {
    fn from(error: LookupError) -> Self {
        match error {
            LookupError::NotFound => CallError::NoProc,
            LookupError::WrongType { expected, found } => CallError::WrongType { expected, found },
        }
    }
}

impl StdError for CallError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            CallError::Exit(ExitReason::Error(error)) => Some(&**error),
            _ => None,
        }
    }
}

/// Why a server did not start.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum StartError {
    /// `init` returned [`Init::Ignore`](crate::Init::Ignore) (`:ignore`): the
    /// server exited normally without serving anything.
    Ignored,
    /// `init` failed: it returned `Err` or [`Init::Stop`](crate::Init::Stop),
    /// or it panicked ([`ExitReason::Panic`]).
    Init(ExitReason),
    /// `init` took longer than the start timeout; the server was killed.
    Timeout,
    /// `start` was called outside a tokio runtime, so there is nowhere to run
    /// the server.
    NoRuntime,
    /// Another server holds the name the server was to start under
    /// (`{:error, {:already_started, pid}}`); this is it
    /// ([`Pid::downcast`] gives its typed reference). The new server's
    /// `init` did not run.
    AlreadyStarted(Pid),
    /// The name could not be registered for another reason (the server
    /// type does not fit the registry, or a registry of your own failed).
    Name(RegisterError),
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::Ignored => f.write_str("init returned Init::Ignore"),
            StartError::Init(reason) => write!(f, "init failed ({reason})"),
            StartError::Timeout => f.write_str("init did not finish within the start timeout"),
            StartError::NoRuntime => {
                f.write_str("no tokio runtime: start a server from within a tokio runtime")
            }
            StartError::AlreadyStarted(pid) => {
                write!(f, "already started: {pid} holds the name")
            }
            StartError::Name(error) => write!(f, "could not register the name ({error})"),
        }
    }
}

impl StdError for StartError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            StartError::Init(ExitReason::Error(error)) => Some(&**error),
            StartError::Name(error) => Some(error),
            _ => None,
        }
    }
}

/// Why [`ServerRef::stop`](crate::ServerRef::stop) could not confirm the stop.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum StopError {
    /// The server was not running (`:noproc`).
    NoProc,
    /// A server tried to stop itself with `stop`, which would wait for itself
    /// forever. A handler stops its own server with
    /// [`Context::stop`](crate::Context::stop).
    CallingSelf,
    /// The server did not exit within the stop timeout. As in Elixir it is not
    /// killed, and it will still stop when it reaches the request.
    Timeout,
    /// The server exited, but with another reason than the one asked for
    /// (for example `terminate` panicked, or it crashed first).
    Exit(ExitReason),
    /// The name given holds a server of another type (see
    /// [`registry::whereis`](crate::registry::whereis)).
    WrongType {
        /// The server type the caller expected.
        expected: &'static str,
        /// The type of the server that holds the name.
        found: &'static str,
    },
}

impl fmt::Display for StopError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StopError::NoProc => f.write_str("no such process: the server is not running"),
            StopError::CallingSelf => f.write_str(
                "calling self: a server cannot wait for its own stop, use Context::stop",
            ),
            StopError::Timeout => f.write_str("the server did not stop within the timeout"),
            StopError::Exit(reason) => {
                write!(f, "the server exited with another reason ({reason})")
            }
            StopError::WrongType { expected, found } => {
                write!(
                    f,
                    "wrong server type: the name is held by a {found}, not a {expected}"
                )
            }
        }
    }
}

/// A name nobody holds is `NoProc`, as `GenServer.stop` on an unregistered
/// name exits with `:noproc`.
impl From<LookupError> for StopError {
    fn from(error: LookupError) -> Self {
        match error {
            LookupError::NotFound => StopError::NoProc,
            LookupError::WrongType { expected, found } => StopError::WrongType { expected, found },
        }
    }
}

impl StdError for StopError {}

/// Why [`ServerRef::exited`](crate::ServerRef::exited) cannot wait.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WaitError {
    /// A server tried to wait for its own exit, which would wait for itself
    /// forever. A handler ends its own server with
    /// [`Context::stop`](crate::Context::stop), and `terminate` runs as it
    /// exits.
    CallingSelf,
}

impl fmt::Display for WaitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitError::CallingSelf => {
                f.write_str("calling self: a server cannot wait for its own exit")
            }
        }
    }
}

impl StdError for WaitError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_texts() {
        assert_eq!(ExitReason::Normal.to_string(), "normal");
        assert_eq!(
            ExitReason::shutdown_with("bye").to_string(),
            "shutdown: bye"
        );
        assert_eq!(
            ExitReason::Panic("boom".into()).to_string(),
            "panicked: boom"
        );
        assert_eq!(
            CallError::Exit(ExitReason::Killed).to_string(),
            "the server exited before it replied (killed)"
        );
        assert_eq!(
            StartError::Init(ExitReason::error("bad config")).to_string(),
            "init failed (error: bad config)"
        );
        assert_eq!(
            WaitError::CallingSelf.to_string(),
            "calling self: a server cannot wait for its own exit"
        );
    }

    #[test]
    fn normal_reasons() {
        assert!(ExitReason::Normal.is_normal());
        assert!(ExitReason::Shutdown.is_normal());
        assert!(ExitReason::shutdown_with("x").is_normal());
        assert!(!ExitReason::Killed.is_normal());
        assert!(!ExitReason::error("x").is_normal());
        assert!(!ExitReason::Panic("x".into()).is_normal());
    }

    #[test]
    fn errors_downcast_and_chain() {
        #[derive(Debug)]
        struct Disk;
        impl fmt::Display for Disk {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("disk")
            }
        }
        impl StdError for Disk {}
        let reason = ExitReason::error(Disk);
        assert!(reason.downcast_ref::<Disk>().is_some());
        let err = CallError::Exit(reason);
        assert_eq!(err.source().unwrap().to_string(), "disk");
        assert_eq!(ExitReason::error("a"), ExitReason::error("a"));
        assert_ne!(ExitReason::error("a"), ExitReason::error("b"));
    }
}
