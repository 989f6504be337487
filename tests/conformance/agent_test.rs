//! Elixir's `lib/elixir/test/elixir/agent_test.exs`, one test per case.
//! Names are prefixed with `elixir_agent_` since every test of the binary
//! shares the local name table.

use std::collections::HashMap;
use std::time::Duration;

use genserver::agent::Agent;
use genserver::prelude::*;
use genserver::registry::{self, LookupError};
use genserver::{ChildType, Restart, Shutdown, Strategy, Supervisor, SupervisorSpec};

type Map = HashMap<&'static str, &'static str>;

/// `AgentTest.identity/1`: a named function, where Elixir passes a module
/// function as an MFA.
fn identity(state: &Map) -> Map {
    state.clone()
}

#[tokio::test]
async fn can_be_supervised_directly() {
    let sup =
        Supervisor::start(SupervisorSpec::new(Strategy::OneForOne).child(Agent::child_spec(|| ())))
            .await
            .unwrap();
    let children = sup.which_children().await.unwrap();
    assert_eq!(children.len(), 1);
    let agent = children[0].pid.as_ref().expect("running");
    assert!(agent.downcast::<Agent<()>>().is_some());
}

/// `use Agent` makes a module whose `child_spec/1` starts it; an agent here
/// is a value type, `Agent<T>`, and `Agent::child_spec` is that function.
/// The options of `use Agent, id:, restart:, shutdown:` are set on the spec.
#[tokio::test]
async fn generates_child_spec_1() {
    let spec = Agent::child_spec(|| vec!["hello"]);
    assert_eq!(&*spec.id, std::any::type_name::<Agent<Vec<&str>>>());
    assert_eq!(spec.restart, Restart::Permanent);
    assert_eq!(spec.shutdown, Shutdown::WORKER);
    assert_eq!(spec.child_type, ChildType::Worker);
    // `start: {MyAgent, :start_link, [[:hello]]}`: it starts the agent.
    let pid = spec.start().await.unwrap().expect("not ignored");
    let agent = pid.downcast::<Agent<Vec<&str>>>().unwrap();
    assert_eq!(agent.get(Clone::clone).await, Ok(vec!["hello"]));

    let custom = Agent::child_spec(|| vec!["hello"])
        .id("id")
        .restart(Restart::Temporary)
        .shutdown(Shutdown::Infinity);
    assert_eq!(&*custom.id, "id");
    assert_eq!(custom.restart, Restart::Temporary);
    assert_eq!(custom.shutdown, Shutdown::Infinity);
}

#[tokio::test]
async fn start_link_2_workflow_with_unregistered_name_and_anonymous_functions() {
    let agent = Agent::start(Map::new).await.unwrap();
    // Linked to the caller: a plain task links with `link()`.
    let link = agent.link().unwrap();
    // `:proc_lib.translate_initial_call`: n/a, no initial call to report.

    assert_eq!(
        agent
            .update(|mut map| {
                map.insert("hello", "world");
                map
            })
            .await,
        Ok(())
    );
    let within = agent.with_timeout(Duration::from_secs(3));
    assert_eq!(
        within.get(|map| map.get("hello").copied()).await,
        Ok(Some("world"))
    );
    assert_eq!(
        within
            .get_and_update(|mut map| (map.remove("hello"), map))
            .await,
        Ok(Some("world"))
    );
    assert_eq!(agent.get(Clone::clone).await, Ok(Map::new()));
    assert_eq!(agent.stop().await, Ok(()));
    // `wait_until_dead`: the link learns of the exit.
    assert_eq!(link.exited().await, ExitReason::Normal);
    assert!(!agent.is_alive());
}

#[tokio::test]
async fn start_2_workflow_with_registered_name_and_module_functions() {
    let name = "elixir_agent_agent";
    // `Agent.start(Map, :new, [])`: a function item instead of an MFA.
    let agent = Agent::start_with(Map::new, StartOptions::new().name(name))
        .await
        .unwrap();
    assert_eq!(agent.registered_name().as_deref(), Some(name));

    let by_name = || registry::whereis::<Agent<Map>>(name);
    by_name().unwrap().cast(|mut map| {
        map.insert("hello", "world");
        map
    });
    assert_eq!(
        by_name()
            .unwrap()
            .get(|map| map.get("hello").copied())
            .await,
        Ok(Some("world"))
    );
    assert_eq!(
        by_name()
            .unwrap()
            .get_and_update(|mut map| (map.remove("hello"), map))
            .await,
        Ok(Some("world"))
    );
    assert_eq!(by_name().unwrap().get(identity).await, Ok(Map::new()));
    assert_eq!(by_name().unwrap().stop().await, Ok(()));
    assert_eq!(agent.registered_name(), None);
    assert_eq!(by_name().unwrap_err(), LookupError::NotFound);
}
