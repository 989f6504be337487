//! Agents: a server whose callbacks are closures (Elixir's `Agent`).
//!
//! An [`Agent<T>`] holds one value of type `T`. Clients send it closures:
//! [`get`](AgentClient::get) reads the state, [`update`](AgentClient::update)
//! and [`cast`](AgentClient::cast) replace it, and
//! [`get_and_update`](AgentClient::get_and_update) does both. It is a
//! [`GenServer`] like any other, built on the same machinery: one mailbox,
//! call timeouts (5 s by default, [`ServerRef::with_timeout`] for another),
//! names, links, monitors, and a [child spec](Agent::child_spec) for
//! supervisors.
//!
//! ```
//! use genserver::agent::Agent;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let counter = Agent::start(|| 0_u64).await?;
//! counter.update(|n| n + 1).await?;
//! counter.cast(|n| n + 10);
//! assert_eq!(counter.get(|n| *n).await?, 11);
//! assert_eq!(counter.get_and_update(|n| (n, 0)).await?, 11);
//! assert_eq!(counter.get(|n| *n).await?, 0);
//! counter.stop().await?;
//! # Ok(())
//! # }
//! ```
//!
//! | Elixir | genserver |
//! |---|---|
//! | `Agent.start_link(fun)`, `Agent.start(fun)` | [`Agent::start`] (`fun` runs in the agent); linked: [`Context::start_link`](crate::Context::start_link) or a supervisor |
//! | `Agent.start(fun, name: n)` | [`Agent::start_with`] with [`StartOptions`] |
//! | `Agent.start(mod, fun, args)` (MFA) | n/a: a closure captures what an MFA would pass |
//! | `Agent.get(agent, fun, timeout)` | [`agent.get(f)`](AgentClient::get), [`agent.with_timeout(t).get(f)`](ServerRef::with_timeout) |
//! | `Agent.update(agent, fun, timeout)` | [`agent.update(f)`](AgentClient::update) |
//! | `Agent.get_and_update(agent, fun, timeout)` | [`agent.get_and_update(f)`](AgentClient::get_and_update) |
//! | `Agent.cast(agent, fun)` | [`agent.cast(f)`](AgentClient::cast) |
//! | `Agent.stop(agent, reason, timeout)` | [`ServerRef::stop`], [`ServerRef::stop_with`], [`Pid::stop_with`](crate::Pid::stop_with) |
//! | `Agent.child_spec(fun)` | [`Agent::child_spec`] (id: the type name, restart: permanent) |
//! | `:sys.change_code` with an MFA | n/a: Rust has no hot code upgrades |
//!
//! Where this deviates from Elixir:
//!
//! * The closures take the state by value and return the new one, as
//!   Elixir's functions do; `get` borrows it. `get_and_update` must return
//!   `(reply, new_state)`: the type says so, so there is no
//!   `{:bad_return_value, other}` exit.
//! * The closures are typed Rust closures, not terms: an agent of `T` only
//!   accepts closures over `T`, and `get` returns the closure's own type.
//!
//! # Where the closure runs (pitfall 19)
//!
//! Every closure runs **inside the agent**, one at a time, in mailbox order:
//! that is what makes `update(|n| n + 1)` free of races. It also means that
//! a slow closure blocks the agent, and every other client waits behind it
//! (and a `get` waiting longer than its timeout fails with
//! [`CallError::Timeout`], while the closure it
//! sent still runs). Keep the closures short: compute what is expensive in
//! the client, and send the agent only the cheap step. Computing the *new
//! state* in the client instead (`get`, compute, `update` with the result)
//! races with other updaters. Closures cannot `.await`: an agent whose
//! state needs async work is a `#[gen_server]`.
//!
//! A closure that panics crashes the agent, as a raising function does in
//! Elixir: the caller of that closure gets [`CallError::Exit`] with
//! [`ExitReason::Panic`](crate::ExitReason::Panic), and so does everyone
//! waiting, linked or monitoring.
//!
//! [`CallError::Exit`]: crate::CallError::Exit

use std::fmt;
use std::sync::Arc;

use crate::child_spec::ChildSpec;
use crate::error::{CallError, StartError};
use crate::process::context::Context;
use crate::process::handle::{Handle, ServerRef};
use crate::process::run::StartOptions;
use crate::registry::Pid;
use crate::server::{Client, GenServer, Init, Message};

/// The state slot: `None` only while a closure that took the state by
/// value runs (and for good if it panicked, which ends the agent).
type Slot<T> = Option<T>;

/// A closure sent to the agent, run with its state.
type Job<T> = Box<dyn FnOnce(&mut Slot<T>) + Send>;

/// An agent holding a `T`: a server whose callbacks are closures sent by
/// its clients. See the [module docs](crate::agent).
///
/// Clients hold a [`ServerRef<Agent<T>>`](ServerRef), which dereferences to
/// the [`AgentClient<T>`] methods.
///
/// # Examples
///
/// ```
/// use genserver::agent::Agent;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), genserver::Error> {
/// let scores = Agent::start(Vec::<u32>::new).await?;
/// scores.cast(|mut s| { s.push(3); s });
/// scores.update(|mut s| { s.push(5); s }).await?;
/// assert_eq!(scores.get(|s| s.iter().sum::<u32>()).await?, 8);
/// let best = scores.get_and_update(|s| (s.iter().max().copied(), Vec::new())).await?;
/// assert_eq!(best, Some(5));
/// scores.stop().await?;
/// # Ok(())
/// # }
/// ```
pub struct Agent<T> {
    state: Slot<T>,
}

impl<T: Send + 'static> Agent<T> {
    /// Starts an agent whose state is what `init` returns, and waits until
    /// it has run (`Agent.start/2`). `init` runs **in the agent**, as its
    /// init; if it panics, `start` fails with [`StartError::Init`] and the
    /// panic as the reason.
    ///
    /// See the example on [`Agent`].
    ///
    /// # Errors
    ///
    /// As [`start`](crate::start).
    pub async fn start<F>(init: F) -> Result<ServerRef<Agent<T>>, StartError>
    where
        F: FnOnce() -> T + Send + 'static,
    {
        Agent::start_with(init, StartOptions::new()).await
    }

    /// [`start`](Agent::start) with start options: a name
    /// ([`StartOptions::name`], then [`whereis::<Agent<T>>`](crate::registry::whereis)
    /// finds it), an init timeout.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::collections::HashMap;
    /// use genserver::agent::Agent;
    /// use genserver::registry;
    /// use genserver::StartOptions;
    ///
    /// type Sessions = Agent<HashMap<u64, String>>;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), genserver::Error> {
    /// Sessions::start_with(HashMap::new, StartOptions::new().name("sessions")).await?;
    /// let sessions = registry::whereis::<Sessions>("sessions")?;
    /// sessions.update(|mut map| { map.insert(1, "ada".into()); map }).await?;
    /// assert_eq!(sessions.get(|map| map.get(&1).cloned()).await?, Some("ada".into()));
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`start`](crate::start).
    pub async fn start_with<F>(
        init: F,
        options: StartOptions,
    ) -> Result<ServerRef<Agent<T>>, StartError>
    where
        F: FnOnce() -> T + Send + 'static,
    {
        crate::process::start::<Agent<T>>(AgentInit(Box::new(init)), options).await
    }

    /// A child spec that starts an agent whose state is what `init`
    /// returns (`Agent.child_spec/1`): id the agent's type name, restart
    /// permanent, the worker defaults otherwise.
    ///
    /// A supervisor calls `init` again for each restart, so it is an `Fn`,
    /// not the `FnOnce` of [`start`](Agent::start): build the state from
    /// what the closure captures by reference or clones
    /// (`move || config.clone()`), never move a captured value out.
    ///
    /// See the example on [`child_spec_with`](Agent::child_spec_with), which is this with start options.
    pub fn child_spec<F>(init: F) -> ChildSpec
    where
        F: Fn() -> T + Send + Sync + 'static,
    {
        Agent::child_spec_with(init, StartOptions::new())
    }

    /// [`child_spec`](Agent::child_spec) with start options, such as the
    /// name each start registers the agent under.
    ///
    /// # Examples
    ///
    /// ```
    /// use genserver::agent::Agent;
    /// use genserver::registry;
    /// use genserver::{StartOptions, Strategy, Supervisor, SupervisorSpec};
    ///
    /// type Config = Agent<Vec<String>>;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), genserver::Error> {
    /// let defaults = vec!["verbose".to_string()];
    /// let spec = Agent::child_spec_with(move || defaults.clone(), StartOptions::new().name("config"));
    /// let sup = Supervisor::start(SupervisorSpec::new(Strategy::OneForOne).child(spec)).await?;
    /// let config = registry::whereis::<Config>("config")?;
    /// config.update(|mut flags| { flags.push("color".into()); flags }).await?;
    /// assert_eq!(config.get(Vec::len).await?, 2);
    /// config.kill();
    /// config.exited().await?;
    /// sup.count_children().await?; // the supervisor has restarted it
    /// // Restarted under its name, with the state `init` makes.
    /// assert_eq!(registry::whereis::<Config>("config")?.get(Vec::len).await?, 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn child_spec_with<F>(init: F, options: StartOptions) -> ChildSpec
    where
        F: Fn() -> T + Send + Sync + 'static,
    {
        let init = Arc::new(init);
        ChildSpec::from_fn(std::any::type_name::<Agent<T>>(), move || {
            let init = Arc::clone(&init);
            let options = options.clone();
            async move {
                match Agent::start_with(move || init(), options).await {
                    Ok(agent) => Ok(Some(Pid::from(agent))),
                    Err(StartError::Ignored) => Ok(None),
                    Err(error) => Err(error),
                }
            }
        })
        .server_type::<Agent<T>>()
    }
}

impl<T> fmt::Debug for Agent<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Agent")
            .field("state", &std::any::type_name::<T>())
            .finish()
    }
}

/// The argument an agent starts with: the closure that makes its state.
///
/// See the example on [`Agent`].
pub struct AgentInit<T>(Box<dyn FnOnce() -> T + Send>);

impl<T> fmt::Debug for AgentInit<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AgentInit")
    }
}

/// A closure sent with a call ([`get`](AgentClient::get),
/// [`update`](AgentClient::update), [`get_and_update`](AgentClient::get_and_update)):
/// the agent's call message. It carries its own typed reply handle, so a
/// `get` can return any type.
///
/// See the example on [`Agent`].
pub struct AgentCall<T>(Job<T>, &'static str);

/// A closure sent with [`cast`](AgentClient::cast): the agent's cast message.
///
/// See the example on [`Agent`].
pub struct AgentCast<T>(Job<T>);

impl<T: Send + 'static> Message for AgentCall<T> {
    fn name(&self) -> &'static str {
        self.1
    }
}

impl<T: Send + 'static> Message for AgentCast<T> {
    fn name(&self) -> &'static str {
        "cast"
    }
}

impl<T> fmt::Debug for AgentCall<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AgentCall({})", self.1)
    }
}

impl<T> fmt::Debug for AgentCast<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AgentCast")
    }
}

/// Runs `f` with the state taken out of the slot, and puts back what it
/// returns. If `f` panics, the slot stays empty, and the agent is ending.
fn replace<T, R>(slot: &mut Slot<T>, f: impl FnOnce(T) -> (R, T)) -> Option<R> {
    let state = slot.take()?;
    let (reply, new) = f(state);
    *slot = Some(new);
    Some(reply)
}

impl<T: Send + 'static> GenServer for Agent<T> {
    type Arg = AgentInit<T>;
    type Call = AgentCall<T>;
    type Cast = AgentCast<T>;
    type Info = std::convert::Infallible;
    type Client = AgentClient<T>;

    // `init_now` takes every argument, so this runs only if called directly.
    async fn init(arg: AgentInit<T>, _ctx: &mut Context<Self>) -> Init<Self> {
        Init::Ok(Agent {
            state: Some((arg.0)()),
        })
    }

    fn init_now(arg: AgentInit<T>, _ctx: &mut Context<Self>) -> Result<Init<Self>, AgentInit<T>> {
        Ok(Init::Ok(Agent {
            state: Some((arg.0)()),
        }))
    }

    fn handle_call_now(
        &mut self,
        request: AgentCall<T>,
        _ctx: &mut Context<Self>,
    ) -> Result<(), AgentCall<T>> {
        (request.0)(&mut self.state);
        Ok(())
    }

    fn handle_cast_now(
        &mut self,
        request: AgentCast<T>,
        _ctx: &mut Context<Self>,
    ) -> Result<(), AgentCast<T>> {
        (request.0)(&mut self.state);
        Ok(())
    }

    async fn handle_call(&mut self, request: AgentCall<T>, _ctx: &mut Context<Self>) {
        (request.0)(&mut self.state);
    }

    async fn handle_cast(&mut self, request: AgentCast<T>, _ctx: &mut Context<Self>) {
        (request.0)(&mut self.state);
    }
}

/// The client API of an [`Agent<T>`]: what a [`ServerRef<Agent<T>>`](ServerRef)
/// dereferences to.
///
/// Every closure runs inside the agent (see the [module docs](crate::agent)
/// on keeping them short). The calls wait for the agent's answer at most
/// the handle's timeout (5 s; [`ServerRef::with_timeout`] gives a client
/// with another).
///
/// See the example on [`Agent`].
pub struct AgentClient<T: Send + 'static>(Handle<Agent<T>>);

impl<T: Send + 'static> Clone for AgentClient<T> {
    fn clone(&self) -> Self {
        AgentClient(self.0.clone())
    }
}

impl<T: Send + 'static> fmt::Debug for AgentClient<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("AgentClient").field(&self.0).finish()
    }
}

impl<T: Send + 'static> Client<Agent<T>> for AgentClient<T> {
    fn from_handle(handle: Handle<Agent<T>>) -> Self {
        AgentClient(handle)
    }

    fn handle(&self) -> &Handle<Agent<T>> {
        &self.0
    }
}

impl<T: Send + 'static> AgentClient<T> {
    /// Runs `f` with the state and returns what it returns (`Agent.get/3`).
    ///
    /// See the example on [`Agent`].
    ///
    /// # Errors
    ///
    /// As any call: [`CallError::Timeout`], [`CallError::NoProc`], or
    /// [`CallError::Exit`] if the agent exited (a panic in `f` among others).
    pub async fn get<R, F>(&self, f: F) -> Result<R, CallError>
    where
        R: Send + 'static,
        F: FnOnce(&T) -> R + Send + 'static,
    {
        self.0
            .call(|reply| {
                AgentCall(
                    Box::new(move |slot: &mut Slot<T>| {
                        if let Some(state) = slot.as_ref() {
                            reply.send(f(state));
                        }
                    }),
                    "get",
                )
            })
            .await
    }

    /// Replaces the state with what `f` returns, and waits until it has
    /// (`Agent.update/3`).
    ///
    /// See the example on [`Agent`].
    ///
    /// # Errors
    ///
    /// As [`get`](AgentClient::get).
    pub async fn update<F>(&self, f: F) -> Result<(), CallError>
    where
        F: FnOnce(T) -> T + Send + 'static,
    {
        self.0
            .call(|reply| {
                AgentCall(
                    Box::new(move |slot: &mut Slot<T>| {
                        if replace(slot, |state| ((), f(state))).is_some() {
                            reply.send(());
                        }
                    }),
                    "update",
                )
            })
            .await
    }

    /// Runs `f` with the state, which returns `(reply, new_state)`: the
    /// state becomes `new_state`, and the reply is returned
    /// (`Agent.get_and_update/3`).
    ///
    /// See the example on [`Agent`].
    ///
    /// # Errors
    ///
    /// As [`get`](AgentClient::get).
    pub async fn get_and_update<R, F>(&self, f: F) -> Result<R, CallError>
    where
        R: Send + 'static,
        F: FnOnce(T) -> (R, T) + Send + 'static,
    {
        self.0
            .call(|reply| {
                AgentCall(
                    Box::new(move |slot: &mut Slot<T>| {
                        if let Some(value) = replace(slot, f) {
                            reply.send(value);
                        }
                    }),
                    "get_and_update",
                )
            })
            .await
    }

    /// Replaces the state with what `f` returns, without waiting
    /// (`Agent.cast/2`): returns at once, and never fails; if the agent is
    /// gone, `f` is dropped unrun.
    ///
    /// See the example on [`Agent`].
    pub fn cast<F>(&self, f: F)
    where
        F: FnOnce(T) -> T + Send + 'static,
    {
        self.0.cast(AgentCast(Box::new(move |slot: &mut Slot<T>| {
            replace(slot, |state| ((), f(state)));
        })));
    }
}
