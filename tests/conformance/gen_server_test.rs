//! Elixir's `lib/elixir/test/elixir/gen_server_test.exs`, one test per case.
//! Names are prefixed with `elixir_gen_server_` since every test of the
//! binary shares the local name table.

use std::time::Duration;

use genserver::prelude::*;
use genserver::registry::{self, LookupError, Registry};
use genserver::{ChildType, Restart, Shutdown, StopError};

use crate::elixir_common::Stack;

/// Elixir's `CustomStack`: `use GenServer, id: :id, restart: :temporary,
/// shutdown: :infinity` (the `start:` option has no counterpart: a
/// generated spec starts the server with `Type::start`).
#[derive(Clone)]
struct CustomStack;

#[gen_server(id = "id", restart = temporary, shutdown = infinity)]
impl CustomStack {}

#[tokio::test]
async fn generates_child_spec_1() {
    let spec = Stack::child_spec(Stack::of(&["hello"]));
    assert_eq!(&*spec.id, std::any::type_name::<Stack>());
    assert_eq!(spec.restart, Restart::Permanent);
    assert_eq!(spec.shutdown, Shutdown::WORKER);
    assert_eq!(spec.child_type, ChildType::Worker);
    assert!(!spec.significant);
    // `start: {Stack, :start_link, [[:hello]]}`: the spec starts a Stack
    // with the argument given.
    let pid = spec.start().await.unwrap().expect("not ignored");
    assert_eq!(pid.downcast::<Stack>().unwrap().pop().await, Ok("hello"));

    let custom = CustomStack::child_spec(CustomStack);
    assert_eq!(&*custom.id, "id");
    assert_eq!(custom.restart, Restart::Temporary);
    assert_eq!(custom.shutdown, Shutdown::Infinity);
}

/// Elixir refuses a string name at run time (`ArgumentError`). Names here
/// are strings, and the forms Elixir refuses (`{:invalid_tuple, _}`, a
/// `:via` whose module is not a module) cannot be written: `name` takes
/// `impl Into<Arc<str>>` and `via` a `Via` registry with its key type.
#[tokio::test]
async fn start_link_3() {
    let name = "elixir_gen_server_my_gen_server_name";
    let stack = Stack::start_with(Stack::of(&["hello"]), StartOptions::new().name(name))
        .await
        .unwrap();
    assert_eq!(stack.registered_name().as_deref(), Some(name));
    assert_eq!(
        registry::whereis::<Stack>(name).unwrap().pop().await,
        Ok("hello")
    );
}

#[tokio::test]
async fn start_link_3_with_via() {
    // `{:via, :global, :via_stack}`: a via registry (a local one: no cluster).
    let stacks: Registry<String, Stack> = Registry::new();
    let key = "via_stack".to_string();
    Stack::start_with(
        Stack::of(&["hello"]),
        StartOptions::new().via(&stacks, key.clone()),
    )
    .await
    .unwrap();
    let by_via = registry::whereis_via::<Stack, _>(&stacks, &key)
        .await
        .unwrap();
    assert_eq!(by_via.pop().await, Ok("hello"));
}

#[tokio::test]
async fn start_link_3_with_local() {
    let name = "elixir_gen_server_stack";
    Stack::start_with(Stack::of(&["hello"]), StartOptions::new().name(name))
        .await
        .unwrap();
    assert_eq!(
        registry::whereis::<Stack>(name).unwrap().pop().await,
        Ok("hello")
    );
}

#[tokio::test]
async fn start_link_2_call_2_and_cast_2() {
    let stack = Stack::start(Stack::of(&["hello"])).await.unwrap();
    // `start_link` from a process links it to the caller; a plain task links
    // with `link()`, and learns of the server's exit through it.
    let link = stack.link().unwrap();

    assert_eq!(stack.pop().await, Ok("hello"));
    stack.push("world"); // a cast returns at once (`:ok`)
    assert_eq!(stack.pop().await, Ok("world"));
    assert_eq!(stack.stop().await, Ok(()));
    assert_eq!(link.exited().await, ExitReason::Normal);

    // A cast to nobody is dropped silently: to a server that has exited,
    // or by a name nobody holds (`GenServer.cast(:foo, ...) == :ok`).
    stack.push("world");
    assert_eq!(
        registry::whereis::<Stack>("elixir_gen_server_foo").unwrap_err(),
        LookupError::NotFound
    );
}

/// A server that calls and stops itself: Elixir's test registers the test
/// process under a name and calls it from itself.
#[derive(Clone)]
struct Selfish {
    via: Registry<String, Selfish>,
}

#[gen_server]
impl Selfish {
    #[call]
    fn pop(&self) -> &'static str {
        "hello"
    }

    /// `GenServer.call(:self, :pop)` from the process named `:self`.
    #[call]
    async fn call_by_name(&mut self, name: &'static str) -> Result<&'static str, CallError> {
        registry::whereis::<Selfish>(name)?.pop().await
    }

    /// `GenServer.call({:via, _, :self}, :pop)` from that process.
    #[call]
    async fn call_by_via(&mut self, key: String) -> Result<&'static str, CallError> {
        registry::whereis_via::<Selfish, _>(&self.via, &key)
            .await?
            .pop()
            .await
    }

    /// `GenServer.call(self(), :pop)`.
    #[call]
    async fn call_self(&mut self, ctx: &mut Context<Self>) -> Result<&'static str, CallError> {
        ctx.server_ref().pop().await
    }

    /// `GenServer.stop(self())`.
    #[call]
    async fn stop_self(&mut self, ctx: &mut Context<Self>) -> Result<(), StopError> {
        ctx.server_ref().stop().await
    }
}

#[tokio::test(start_paused = true)]
async fn call_3_exit_messages() {
    let name = "elixir_gen_server_self";
    let via = Registry::new();
    let selfish = Selfish::start_with(Selfish { via: via.clone() }, StartOptions::new().name(name))
        .await
        .unwrap();
    via.register("self".to_string(), &selfish).unwrap();
    let stack = Stack::start(Stack::of(&["hello"])).await.unwrap();
    let stopped = Stack::start(Stack::of(&["hello"])).await.unwrap();
    stopped.stop().await.unwrap();

    // {:calling_self, _}: by name, by via (`{:global, _}` is a via too),
    // by reference.
    assert_eq!(
        selfish.call_by_name(name).await,
        Ok(Err(CallError::CallingSelf))
    );
    assert_eq!(
        selfish.call_by_via("self".into()).await,
        Ok(Err(CallError::CallingSelf))
    );
    assert_eq!(selfish.call_self().await, Ok(Err(CallError::CallingSelf)));

    // {:timeout, _}: a call not answered within its timeout (1 ms).
    assert_eq!(
        stack.with_timeout(Duration::from_millis(1)).noreply().await,
        Err(CallError::Timeout)
    );
    // {:noproc, _}: by a name nobody holds (`nil`), and to a stopped server.
    let by_nil = async {
        registry::whereis::<Stack>("elixir_gen_server_nil")?
            .pop()
            .await
    };
    assert_eq!(by_nil.await, Err(CallError::NoProc));
    assert_eq!(stopped.pop().await, Err(CallError::NoProc));
    // {{:nodedown, _}, _}: n/a, no distribution.
}

#[tokio::test]
async fn nil_name() {
    let stack = Stack::start(Stack::of(&["hello"])).await.unwrap();
    assert_eq!(stack.registered_name(), None);
}

/// Starts a `Stack` from inside a server, linked or not.
struct Parent;

#[gen_server]
impl Parent {
    /// `GenServer.start/2` from this server: no link.
    #[call]
    async fn start_unlinked(&mut self) -> ServerRef<Stack> {
        Stack::start(Stack::of(&["hello"])).await.expect("starts")
    }

    /// `GenServer.start_link/2` from this server.
    #[call]
    async fn start_linked(&mut self, ctx: &mut Context<Self>) -> ServerRef<Stack> {
        ctx.start_link::<Stack>(Stack::of(&["hello"]))
            .await
            .expect("starts")
    }
}

#[tokio::test]
async fn start_2() {
    let parent = Parent::start(Parent).await.unwrap();
    let unlinked = parent.start_unlinked().await.unwrap();
    // Not linked: its crash does not reach the server that started it.
    unlinked.kill();
    assert_eq!(unlinked.exited().await, Ok(ExitReason::Killed));
    let linked = parent.start_linked().await.unwrap();
    assert!(parent.is_alive());
    // The contrast: a linked one's crash does.
    linked.kill();
    assert_eq!(parent.exited().await, Ok(ExitReason::Killed));
}

#[tokio::test]
async fn whereis_1() {
    let name = "elixir_gen_server_whereis_server";
    let stack = Stack::start_with(Stack::default(), StartOptions::new().name(name))
        .await
        .unwrap();
    assert_eq!(registry::whereis::<Stack>(name).unwrap().id(), stack.id());
    assert_eq!(registry::whereis_pid(name), Some(stack.pid()));
    // `{name, node()}` and `{name, :another_node}`: n/a, no distribution;
    // `whereis(pid)`: n/a, a reference is already the server.
    assert_eq!(
        registry::whereis::<Stack>("elixir_gen_server_whereis_bad_server").unwrap_err(),
        LookupError::NotFound
    );

    // `{:global, name}` and `{:via, :global, name}`: a via registry.
    let stacks: Registry<String, Stack> = Registry::new();
    let key = "whereis_server".to_string();
    let by_via = Stack::start_with(
        Stack::default(),
        StartOptions::new().via(&stacks, key.clone()),
    )
    .await
    .unwrap();
    let found = registry::whereis_via::<Stack, _>(&stacks, &key)
        .await
        .unwrap();
    assert_eq!(found.id(), by_via.id());
    assert_eq!(
        registry::whereis_via::<Stack, _>(&stacks, &"whereis_bad_server".to_string())
            .await
            .unwrap_err(),
        LookupError::NotFound
    );
}

async fn stop_by_name(name: &str) -> Result<(), StopError> {
    registry::whereis::<Stack>(name)?
        .stop_with(ExitReason::Normal)
        .await
}

#[tokio::test]
async fn stop_3() {
    let stack = Stack::start(Stack::default()).await.unwrap();
    assert_eq!(stack.stop_with(ExitReason::Normal).await, Ok(()));
    // {:noproc, _}: a stopped server, and a name nobody holds (`nil`).
    assert_eq!(stack.stop().await, Err(StopError::NoProc));
    assert_eq!(
        stop_by_name("elixir_gen_server_nil").await,
        Err(StopError::NoProc)
    );

    // {:calling_self, _}: a server stopping itself and waiting for it.
    let selfish = Selfish::start(Selfish {
        via: Registry::new(),
    })
    .await
    .unwrap();
    assert_eq!(selfish.stop_self().await, Ok(Err(StopError::CallingSelf)));

    let name = "elixir_gen_server_stop_3";
    Stack::start_with(Stack::default(), StartOptions::new().name(name))
        .await
        .unwrap();
    assert_eq!(stop_by_name(name).await, Ok(()));
}
