//! `Agent`: a server whose callbacks are closures (Elixir's `Agent`).

use std::time::Duration;

use genserver::agent::Agent;
use genserver::registry::whereis;
use genserver::{CallError, ExitReason, Restart, StartError, StartOptions};

#[tokio::test]
async fn get_update_get_and_update_and_cast_run_in_order() {
    let agent = Agent::start(|| vec![1_u32]).await.unwrap();
    agent
        .update(|mut v| {
            v.push(2);
            v
        })
        .await
        .unwrap();
    agent.cast(|mut v| {
        v.push(3);
        v
    });
    assert_eq!(agent.get(Vec::len).await.unwrap(), 3);
    let taken = agent
        .get_and_update(|v| (v.iter().sum::<u32>(), Vec::new()))
        .await
        .unwrap();
    assert_eq!(taken, 6);
    // `get` returns any type the closure returns.
    assert_eq!(agent.get(|v| format!("{v:?}")).await.unwrap(), "[]");
    agent.stop().await.unwrap();
    assert_eq!(agent.exited().await, Ok(ExitReason::Normal));
    assert_eq!(agent.get(Vec::len).await, Err(CallError::NoProc));
}

#[tokio::test]
async fn the_state_is_made_inside_the_agent() {
    // The test body is not a tokio task; the agent's init runs in one.
    let caller = tokio::task::try_id();
    let agent = Agent::start(tokio::task::try_id).await.unwrap();
    let made_in = agent.get(|id| *id).await.unwrap();
    assert!(made_in.is_some());
    assert_ne!(made_in, caller);
}

#[tokio::test]
async fn a_panicking_init_is_a_start_error() {
    let error = Agent::<u32>::start(|| panic!("no state today"))
        .await
        .unwrap_err();
    assert_eq!(
        error,
        StartError::Init(ExitReason::Panic("no state today".into()))
    );
}

#[tokio::test]
async fn a_panicking_closure_crashes_the_agent() {
    let agent = Agent::start(|| 1_u32).await.unwrap();
    let monitor = agent.monitor();
    let boom = ExitReason::Panic("bad update".into());
    assert_eq!(
        agent.update(|_| panic!("bad update")).await,
        Err(CallError::Exit(boom.clone()))
    );
    assert_eq!(monitor.await.reason, boom);
    assert_eq!(agent.get(|n| *n).await, Err(CallError::NoProc));

    // In a get, a get_and_update and a cast alike.
    let agent = Agent::start(|| 1_u32).await.unwrap();
    let err = agent.get(|_| -> u32 { panic!("bad get") }).await;
    assert_eq!(
        err,
        Err(CallError::Exit(ExitReason::Panic("bad get".into())))
    );
    let agent = Agent::start(|| 1_u32).await.unwrap();
    let err = agent
        .get_and_update(|_| -> (u32, u32) { panic!("bad swap") })
        .await;
    assert_eq!(
        err,
        Err(CallError::Exit(ExitReason::Panic("bad swap".into())))
    );
    let agent = Agent::start(|| 1_u32).await.unwrap();
    agent.cast(|_| panic!("bad cast"));
    assert_eq!(
        agent.exited().await,
        Ok(ExitReason::Panic("bad cast".into()))
    );
}

#[tokio::test(start_paused = true)]
async fn a_call_times_out_after_five_seconds_or_the_timeout_given() {
    let agent = Agent::start(|| 0_u32).await.unwrap();
    // A suspended agent serves no closure, so calls wait for their timeout.
    genserver::sys::suspend(&agent).await.unwrap();
    let start = tokio::time::Instant::now();
    assert_eq!(agent.update(|n| n + 1).await, Err(CallError::Timeout));
    assert_eq!(start.elapsed(), Duration::from_secs(5));
    let start = tokio::time::Instant::now();
    let quick = agent.with_timeout(Duration::from_millis(50));
    assert_eq!(quick.get(|n| *n).await, Err(CallError::Timeout));
    assert_eq!(start.elapsed(), Duration::from_millis(50));
    // A timed-out call is not cancelled: its closure runs once resumed.
    genserver::sys::resume(&agent).await.unwrap();
    assert_eq!(agent.get(|n| *n).await, Ok(1));
}

#[tokio::test]
async fn an_agent_can_be_started_under_a_name() {
    let agent = Agent::start_with(
        || String::from("hello"),
        StartOptions::new().name("agent-test-greeting"),
    )
    .await
    .unwrap();
    let found = whereis::<Agent<String>>("agent-test-greeting").unwrap();
    found.update(|s| s + ", world").await.unwrap();
    assert_eq!(agent.get(Clone::clone).await.unwrap(), "hello, world");
    agent.stop_with(ExitReason::Shutdown).await.unwrap();
    assert!(whereis::<Agent<String>>("agent-test-greeting").is_err());
}

#[tokio::test]
async fn a_child_spec_starts_a_fresh_agent_each_time() {
    let spec = Agent::child_spec(|| 10_u32);
    assert_eq!(spec.restart, Restart::Permanent);
    assert!(spec.id.contains("Agent"));
    let first = spec.start().await.unwrap().expect("started");
    let agent = first.downcast::<Agent<u32>>().expect("an Agent<u32>");
    agent.update(|n| n + 1).await.unwrap();
    assert_eq!(agent.get(|n| *n).await, Ok(11));
    // A restart runs the closure again.
    first.kill();
    assert_eq!(first.exited().await, ExitReason::Killed);
    let second = spec.start().await.unwrap().expect("started");
    assert_ne!(second, first);
    let agent = second.downcast::<Agent<u32>>().unwrap();
    assert_eq!(agent.get(|n| *n).await, Ok(10));
    second
        .stop_with(ExitReason::Shutdown, Duration::from_secs(5))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_named_child_spec_registers_each_start() {
    let spec = Agent::child_spec_with(|| 7_u8, StartOptions::new().name("agent-test-named-child"));
    let pid = spec.start().await.unwrap().unwrap();
    let agent = whereis::<Agent<u8>>("agent-test-named-child").unwrap();
    assert_eq!(agent.get(|n| *n).await, Ok(7));
    // The name is taken while it runs.
    assert!(matches!(
        spec.start().await,
        Err(StartError::AlreadyStarted(_))
    ));
    pid.kill();
    pid.exited().await;
    let again = spec.start().await.unwrap().unwrap();
    assert!(again.is_alive());
}

#[tokio::test(start_paused = true)]
async fn a_supervised_agent_is_restarted_with_a_fresh_state_after_a_closure_panics() {
    use genserver::{Strategy, Supervisor, SupervisorSpec};

    let sup = Supervisor::start(
        SupervisorSpec::new(Strategy::OneForOne).child(Agent::child_spec(|| 10_u32).id("count")),
    )
    .await
    .unwrap();
    let children = sup.which_children().await.unwrap();
    assert_eq!(children[0].server, std::any::type_name::<Agent<u32>>());
    let agent = sup.child::<Agent<u32>>("count").await.unwrap();
    agent.update(|n| n + 5).await.unwrap();
    assert_eq!(agent.get(|n| *n).await, Ok(15));
    // A closure that panics crashes the agent; the caller sees the exit.
    let crashed = agent
        .update(|_| -> u32 { panic!("bad update") })
        .await
        .unwrap_err();
    assert!(
        matches!(&crashed, CallError::Exit(ExitReason::Panic(m)) if &**m == "bad update"),
        "{crashed:?}"
    );
    agent.exited().await.unwrap();
    // The supervisor has started a new agent from the spec's closure.
    let again = sup.child::<Agent<u32>>("count").await.unwrap();
    assert_ne!(again.id(), agent.id());
    assert_eq!(again.get(|n| *n).await, Ok(10));
    sup.stop().await.unwrap();
    assert!(!again.is_alive());
}
