//! What the ports of Elixir's suites share: the `Stack` server their
//! GenServer and Supervisor tests use, and a worker that only sleeps.

use genserver::prelude::*;

/// Elixir's test `Stack`: a list whose head is the top. `pop` on an empty
/// stack crashes the server, as the missing function clause does there.
#[derive(Clone, Debug, Default)]
pub(crate) struct Stack(pub(crate) Vec<&'static str>);

impl Stack {
    /// A stack holding `items`, the first on top.
    pub(crate) fn of(items: &[&'static str]) -> Self {
        Stack(items.iter().rev().copied().collect())
    }
}

#[gen_server]
impl Stack {
    /// Takes the top element (`handle_call(:pop, ...)`).
    #[call]
    pub(crate) fn pop(&mut self) -> &'static str {
        self.0.pop().expect("pop on an empty stack")
    }

    /// Pushes an element (`handle_cast({:push, element}, ...)`).
    #[cast]
    pub(crate) fn push(&mut self, element: &'static str) {
        self.0.push(element);
    }

    /// Never answers (`handle_call(:noreply, ...)` returning `{:noreply, state}`).
    #[call]
    pub(crate) fn noreply(&mut self, reply: ReplyTo<()>) {
        // Kept unanswered: the caller waits for its timeout.
        drop(reply);
    }

    /// Answers `Ok` and stops normally (`{:stop, :normal, :ok, state}`).
    #[call]
    pub(crate) fn stop_normal(&mut self, ctx: &mut Context<Self>) {
        ctx.stop(ExitReason::Normal);
    }
}

/// A worker that does nothing until it is stopped (Elixir's sleepy worker,
/// `Process.sleep(:infinity)`).
#[derive(Clone, Debug, Default)]
pub(crate) struct Sleeper;

#[gen_server]
impl Sleeper {}
