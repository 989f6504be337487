//! Links, exit signals, trapping exits and monitors (GENSERVER.md §1.10 and
//! §1.19), and who keeps a server alive.

use std::time::Duration;

use genserver::prelude::*;
use genserver::{Down, Exit, LinkError, MonitorRef};
use tokio::sync::mpsc;

/// A server that links, monitors, traps exits and records what reaches it.
struct Peer {
    exits: Vec<Exit>,
    downs: Vec<Down>,
    /// Told the reason when `terminate` runs.
    terminated: Option<mpsc::UnboundedSender<ExitReason>>,
}

struct PeerArg {
    trap: bool,
    terminated: Option<mpsc::UnboundedSender<ExitReason>>,
}

#[gen_server]
impl Peer {
    #[init]
    fn init(arg: PeerArg, ctx: &mut Context<Self>) -> Self {
        if arg.trap {
            ctx.trap_exits(true);
        }
        Peer {
            exits: Vec::new(),
            downs: Vec::new(),
            terminated: arg.terminated,
        }
    }

    #[call]
    fn link_to(
        &mut self,
        other: ServerRef<Peer>,
        ctx: &mut Context<Self>,
    ) -> Result<(), LinkError> {
        ctx.link(&other)
    }

    #[call]
    fn unlink_from(&mut self, other: ServerRef<Peer>, ctx: &mut Context<Self>) {
        ctx.unlink(&other);
    }

    #[call]
    fn watch(&mut self, other: ServerRef<Peer>, ctx: &mut Context<Self>) -> MonitorRef {
        ctx.monitor(&other)
    }

    /// Monitors `other`, kills it (its down is queued in this server's
    /// mailbox at once) and demonitors before the down is handled.
    #[call]
    fn watch_kill_unwatch(&mut self, other: ServerRef<Peer>, ctx: &mut Context<Self>) -> bool {
        let monitor = ctx.monitor(&other);
        other.kill();
        ctx.demonitor(monitor)
    }

    #[call]
    fn signal(&mut self, other: ServerRef<Peer>, reason: ExitReason, ctx: &mut Context<Self>) {
        ctx.exit(&other, reason);
    }

    #[call]
    fn set_trap(&mut self, on: bool, ctx: &mut Context<Self>) {
        ctx.trap_exits(on);
    }

    /// Ends the server with `reason`: a panic for `Panic`, a stop otherwise.
    #[cast]
    fn end(&mut self, reason: ExitReason, ctx: &mut Context<Self>) {
        match reason {
            ExitReason::Panic(message) => panic!("{message}"),
            reason => ctx.stop(reason),
        }
    }

    #[call]
    fn exits(&self) -> Vec<Exit> {
        self.exits.clone()
    }

    #[call]
    fn downs(&self) -> Vec<Down> {
        self.downs.clone()
    }

    #[info]
    fn exit(&mut self, exit: Exit) {
        self.exits.push(exit);
    }

    #[info]
    fn down(&mut self, down: Down) {
        self.downs.push(down);
    }

    #[terminate]
    fn terminate(&mut self, reason: &ExitReason) {
        if let Some(terminated) = &self.terminated {
            let _ = terminated.send(reason.clone());
        }
    }
}

async fn peer(trap: bool) -> ServerRef<Peer> {
    Peer::start(PeerArg {
        trap,
        terminated: None,
    })
    .await
    .unwrap()
}

/// A peer that reports its `terminate`.
async fn watched_peer(trap: bool) -> (ServerRef<Peer>, mpsc::UnboundedReceiver<ExitReason>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let server = Peer::start(PeerArg {
        trap,
        terminated: Some(tx),
    })
    .await
    .unwrap();
    (server, rx)
}

fn panic(message: &str) -> ExitReason {
    ExitReason::Panic(message.into())
}

// ------------------------------------------------------------- links

/// GENSERVER.md §1.10, one row at a time: what a linked server that does
/// not trap exits does when its partner exits with each reason.
#[tokio::test]
async fn exit_reasons_propagate_through_links_as_the_table_says() {
    let rows = [
        (ExitReason::Normal, None),
        (ExitReason::Shutdown, Some(ExitReason::Shutdown)),
        (
            ExitReason::shutdown_with("done"),
            Some(ExitReason::shutdown_with("done")),
        ),
        (ExitReason::error("bad"), Some(ExitReason::error("bad"))),
        (panic("boom"), Some(panic("boom"))),
    ];
    for (reason, partner_exits_with) in rows {
        let a = peer(false).await;
        let (b, mut b_terminated) = watched_peer(false).await;
        a.link_to(b.clone()).await.unwrap().unwrap();
        a.end(reason.clone());
        assert_eq!(a.exited().await, Ok(reason.clone()));
        match partner_exits_with {
            // `normal` is ignored: the partner lives on and can be called.
            None => assert_eq!(b.exits().await, Ok(vec![])),
            // Anything else ends it with the same reason, without terminate.
            Some(expected) => {
                assert_eq!(b.exited().await, Ok(expected), "row {reason:?}");
                assert!(
                    b_terminated.try_recv().is_err(),
                    "terminate ran for {reason:?}"
                );
            }
        }
    }
}

/// The `killed` row: a killed server's partners exit `killed` too.
#[tokio::test]
async fn a_killed_servers_partner_exits_killed() {
    let a = peer(false).await;
    let b = peer(false).await;
    a.link_to(b.clone()).await.unwrap().unwrap();
    a.kill();
    assert_eq!(a.exited().await, Ok(ExitReason::Killed));
    assert_eq!(b.exited().await, Ok(ExitReason::Killed));
}

#[tokio::test]
async fn links_work_both_ways_and_through_chains() {
    let a = peer(false).await;
    let b = peer(false).await;
    let c = peer(false).await;
    a.link_to(b.clone()).await.unwrap().unwrap();
    b.link_to(c.clone()).await.unwrap().unwrap();
    // c was linked by b, a by a: a crash at the far end reaches the start.
    c.end(panic("far"));
    assert_eq!(a.exited().await, Ok(panic("far")));
    assert_eq!(b.exited().await, Ok(panic("far")));
}

#[tokio::test]
async fn a_trapping_server_gets_the_exit_as_a_message_and_lives_on() {
    let guardian = peer(true).await;
    let worker = peer(false).await;
    guardian.link_to(worker.clone()).await.unwrap().unwrap();
    worker.end(panic("boom"));
    assert_eq!(worker.exited().await, Ok(panic("boom")));
    let exits = guardian.exits().await.unwrap();
    assert_eq!(exits.len(), 1);
    assert_eq!(exits[0].from, Some(worker.id()));
    assert_eq!(exits[0].reason, panic("boom"));
    // A normal exit arrives as a message too.
    let other = peer(false).await;
    guardian.link_to(other.clone()).await.unwrap().unwrap();
    other.stop().await.unwrap();
    let exits = guardian.exits().await.unwrap();
    assert_eq!(exits.len(), 2);
    assert_eq!(exits[1].reason, ExitReason::Normal);
    assert!(guardian.is_alive());
}

#[tokio::test]
async fn unlink_removes_the_link_both_ways() {
    let a = peer(false).await;
    let b = peer(false).await;
    a.link_to(b.clone()).await.unwrap().unwrap();
    a.unlink_from(b.clone()).await.unwrap();
    b.end(panic("alone"));
    assert_eq!(b.exited().await, Ok(panic("alone")));
    assert_eq!(a.exits().await, Ok(vec![]));
}

#[tokio::test]
async fn linking_twice_is_linking_once_and_linking_to_yourself_does_nothing() {
    let guardian = peer(true).await;
    let worker = peer(false).await;
    guardian.link_to(worker.clone()).await.unwrap().unwrap();
    guardian.link_to(worker.clone()).await.unwrap().unwrap();
    guardian.link_to(guardian.clone()).await.unwrap().unwrap();
    worker.end(ExitReason::Shutdown);
    worker.exited().await.unwrap();
    assert_eq!(guardian.exits().await.unwrap().len(), 1);
}

#[tokio::test]
async fn linking_to_a_dead_server_is_an_error_at_once() {
    let a = peer(false).await;
    let b = peer(false).await;
    b.stop().await.unwrap();
    assert_eq!(a.link_to(b.clone()).await.unwrap(), Err(LinkError::NoProc));
    assert!(a.is_alive());
}

// ------------------------------------------------------- exit signals

#[tokio::test]
async fn an_exit_signal_ends_a_server_that_does_not_trap_without_terminate() {
    let (server, mut terminated) = watched_peer(false).await;
    server.exit(ExitReason::error("told to"));
    assert_eq!(server.exited().await, Ok(ExitReason::error("told to")));
    assert!(terminated.try_recv().is_err());
}

#[tokio::test]
async fn a_normal_exit_signal_is_ignored_by_a_server_that_does_not_trap() {
    let server = peer(false).await;
    server.exit(ExitReason::Normal);
    assert_eq!(server.exits().await, Ok(vec![]));
    assert!(server.is_alive());
}

#[tokio::test]
async fn exit_signals_reach_a_trapping_server_as_messages_with_their_sender() {
    let trapper = peer(true).await;
    let sender = peer(false).await;
    sender
        .signal(trapper.clone(), ExitReason::Shutdown)
        .await
        .unwrap();
    trapper.exit(ExitReason::Normal);
    let exits = trapper.exits().await.unwrap();
    assert_eq!(exits.len(), 2);
    assert_eq!(exits[0].from, Some(sender.id()));
    assert_eq!(exits[0].reason, ExitReason::Shutdown);
    assert_eq!(exits[1].from, None);
    assert_eq!(exits[1].reason, ExitReason::Normal);
}

#[tokio::test]
async fn a_server_that_stops_trapping_is_ended_by_the_next_signal() {
    let server = peer(true).await;
    server.set_trap(false).await.unwrap();
    server.exit(ExitReason::error("now it counts"));
    assert_eq!(
        server.exited().await,
        Ok(ExitReason::error("now it counts"))
    );
}

#[tokio::test]
async fn kill_cannot_be_trapped_and_skips_terminate() {
    let (server, mut terminated) = watched_peer(true).await;
    server.kill();
    assert_eq!(server.exited().await, Ok(ExitReason::Killed));
    assert!(terminated.try_recv().is_err());
    assert_eq!(server.exits().await, Err(CallError::NoProc));
}

#[tokio::test]
async fn kill_and_exit_on_a_dead_server_do_nothing() {
    let server = peer(false).await;
    server.stop().await.unwrap();
    server.kill();
    server.exit(ExitReason::error("late"));
    assert_eq!(server.exited().await, Ok(ExitReason::Normal));
}

/// A server killed while it awaits in an `async` handler is dropped there:
/// the caller gets the exit, the handler never resumes.
#[tokio::test(start_paused = true)]
async fn a_kill_ends_a_server_awaiting_in_a_handler() {
    struct Sleeper;

    #[gen_server]
    impl Sleeper {
        #[call]
        async fn nap(&mut self) -> u32 {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            1
        }
    }

    let server = Sleeper::start(Sleeper).await.unwrap();
    let nap = tokio::spawn({
        let server = server.with_timeout(Duration::MAX);
        async move { server.nap().await }
    });
    // Let the call reach the handler.
    tokio::task::yield_now().await;
    tokio::task::yield_now().await;
    server.kill();
    assert_eq!(nap.await.unwrap(), Err(CallError::Exit(ExitReason::Killed)));
    assert_eq!(server.exited().await, Ok(ExitReason::Killed));
}

/// A kill while `terminate` runs (a shutdown that ran out of time) ends it.
#[tokio::test(start_paused = true)]
async fn a_kill_ends_a_slow_terminate() {
    struct Slow;

    #[gen_server]
    impl Slow {
        #[terminate]
        async fn terminate(&mut self) {
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
    }

    let server = Slow::start(Slow).await.unwrap();
    let stop = tokio::spawn({
        let server = server.clone();
        async move { server.stop().await }
    });
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(!stop.is_finished());
    server.kill();
    assert_eq!(
        stop.await.unwrap(),
        Err(StopError::Exit(ExitReason::Killed))
    );
}

// ------------------------------------------------------------- monitors

#[tokio::test]
async fn a_monitor_delivers_exactly_one_down_with_the_reason() {
    let watcher = peer(false).await;
    let target = peer(false).await;
    let monitor = watcher.watch(target.clone()).await.unwrap();
    target.end(ExitReason::error("gone"));
    target.exited().await.unwrap();
    let downs = watcher.downs().await.unwrap();
    assert_eq!(downs.len(), 1);
    assert_eq!(downs[0].monitor, monitor);
    assert_eq!(downs[0].id, target.id());
    assert_eq!(downs[0].reason, ExitReason::error("gone"));
    // A monitor is one way: the watcher is untouched.
    assert!(watcher.is_alive());
}

#[tokio::test]
async fn two_monitors_deliver_two_downs() {
    let watcher = peer(false).await;
    let target = peer(false).await;
    let first = watcher.watch(target.clone()).await.unwrap();
    let second = watcher.watch(target.clone()).await.unwrap();
    assert_ne!(first, second);
    target.stop().await.unwrap();
    let downs = watcher.downs().await.unwrap();
    let monitors: Vec<MonitorRef> = downs.iter().map(|down| down.monitor).collect();
    assert_eq!(monitors, vec![first, second]);
}

#[tokio::test]
async fn monitoring_a_dead_server_gives_down_with_noproc_at_once() {
    let watcher = peer(false).await;
    let target = peer(false).await;
    target.stop().await.unwrap();
    let monitor = watcher.watch(target.clone()).await.unwrap();
    let downs = watcher.downs().await.unwrap();
    assert_eq!(downs.len(), 1);
    assert_eq!(downs[0].monitor, monitor);
    assert_eq!(downs[0].reason, ExitReason::NoProc);
}

#[tokio::test]
async fn demonitor_removes_a_down_already_in_the_mailbox() {
    let watcher = peer(false).await;
    let target = peer(false).await;
    assert_eq!(watcher.watch_kill_unwatch(target.clone()).await, Ok(true));
    assert_eq!(target.exited().await, Ok(ExitReason::Killed));
    assert_eq!(watcher.downs().await, Ok(vec![]));
}

#[tokio::test]
async fn a_monitor_from_outside_is_a_future_of_the_down() {
    let target = peer(false).await;
    let monitor = target.monitor();
    let reference = monitor.monitor_ref();
    target.end(panic("watched"));
    let down = monitor.await;
    assert_eq!(down.monitor, reference);
    assert_eq!(down.id, target.id());
    assert_eq!(down.reason, panic("watched"));
    // And of a dead server: noproc at once.
    assert_eq!(target.monitor().await.reason, ExitReason::NoProc);
}

#[tokio::test(start_paused = true)]
async fn a_monitor_does_not_keep_a_server_alive() {
    let target = peer(false).await;
    let monitor = target.monitor();
    drop(target);
    let down = tokio::time::timeout(Duration::from_secs(5), monitor)
        .await
        .expect("the last reference was dropped, so the server ends");
    assert_eq!(down.reason, ExitReason::Normal);
}

// ------------------------------------------------------ start_link

struct Parent;

#[gen_server]
impl Parent {
    #[call]
    async fn start_child(&mut self, trap: bool, ctx: &mut Context<Self>) -> ServerRef<Peer> {
        ctx.start_link::<Peer>(PeerArg {
            trap,
            terminated: None,
        })
        .await
        .unwrap()
    }

    #[call]
    fn spawn_failing_child(&mut self, ctx: &mut Context<Self>) {
        ctx.spawn_link::<Failing>(()).unwrap();
    }
}

struct Failing;

#[gen_server]
impl Failing {
    #[init]
    fn init((): ()) -> Init<Self> {
        Init::Stop(ExitReason::error("cannot start"))
    }
}

#[tokio::test]
async fn start_link_from_a_server_links_the_child_to_it() {
    let parent = Parent::start(Parent).await.unwrap();
    let child = parent.start_child(false).await.unwrap();
    child.end(panic("child crashed"));
    assert_eq!(parent.exited().await, Ok(panic("child crashed")));
    // And the other way round.
    let parent = Parent::start(Parent).await.unwrap();
    let child = parent.start_child(false).await.unwrap();
    parent.stop_with(ExitReason::Shutdown).await.unwrap();
    assert_eq!(child.exited().await, Ok(ExitReason::Shutdown));
}

#[tokio::test]
async fn spawn_link_passes_a_failing_init_on_as_an_exit_signal() {
    let parent = Parent::start(Parent).await.unwrap();
    parent.spawn_failing_child().await.unwrap();
    assert_eq!(parent.exited().await, Ok(ExitReason::error("cannot start")));
}

// ------------------------------------------------ who keeps it alive

#[tokio::test(start_paused = true)]
async fn a_linked_server_outlives_its_last_reference() {
    let a = peer(false).await;
    let b = peer(false).await;
    a.link_to(b.clone()).await.unwrap().unwrap();
    let b_down = b.monitor();
    drop(b);
    // Nothing ends it: the link holds it as an Erlang process lives on.
    tokio::pin!(b_down);
    assert!(
        tokio::time::timeout(Duration::from_secs(60), &mut b_down)
            .await
            .is_err(),
        "a linked server must not end when its references are gone"
    );
    // Once its partner exits normally, nothing refers to it any more.
    a.stop().await.unwrap();
    let down = tokio::time::timeout(Duration::from_secs(5), b_down)
        .await
        .expect("unlinked and unreferenced, it ends");
    assert_eq!(down.reason, ExitReason::Normal);
}

// ------------------------------------------------------ task links

#[tokio::test]
async fn a_task_link_learns_of_the_servers_exit_and_aborts_the_task() {
    let server = peer(false).await;
    let link = server.link().unwrap();
    let task = tokio::spawn(std::future::pending::<()>());
    link.abort_on_exit(task.abort_handle());
    server.end(panic("down"));
    assert_eq!(link.exited().await, panic("down"));
    assert!(task.await.unwrap_err().is_cancelled());
}

#[tokio::test]
async fn a_task_that_panics_while_linked_ends_the_server() {
    let server = peer(false).await;
    let link = server.link().unwrap();
    let task = tokio::spawn(async move {
        let _link = link;
        panic!("task failed");
    });
    assert!(task.await.unwrap_err().is_panic());
    assert_eq!(
        server.exited().await,
        Ok(ExitReason::Panic("a linked task panicked".into()))
    );
}

#[tokio::test]
async fn a_task_link_dropped_normally_is_a_normal_exit() {
    let trapper = peer(true).await;
    let link = trapper.link().unwrap();
    let id = link.id();
    drop(link);
    let exits = trapper.exits().await.unwrap();
    assert_eq!(exits.len(), 1);
    assert_eq!(exits[0].from, Some(id));
    assert_eq!(exits[0].reason, ExitReason::Normal);
    // A non-trapping server ignores it.
    let server = peer(false).await;
    drop(server.link().unwrap());
    assert!(server.is_alive());
    assert_eq!(server.exits().await, Ok(vec![]));
}

#[tokio::test]
async fn a_task_link_can_exit_with_a_reason_or_unlink_quietly() {
    let trapper = peer(true).await;
    trapper.link().unwrap().exit(ExitReason::Shutdown);
    trapper.link().unwrap().unlink();
    let exits = trapper.exits().await.unwrap();
    assert_eq!(exits.len(), 1);
    assert_eq!(exits[0].reason, ExitReason::Shutdown);
    assert_eq!(
        trapper.stop().await.map(|()| trapper.link().unwrap_err()),
        Ok(LinkError::NoProc)
    );
}

// --------------------------------------------- review regressions

/// A chain of linked servers passes an exit from one end to the other
/// without growing the stack with the chain (a ring or chain of thousands
/// of linked processes is an ordinary Erlang design).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exit_travels_a_long_chain_of_links_without_overflowing_the_stack() {
    let first = peer(false).await;
    let mut last = first.clone();
    let mut chain = Vec::new();
    for _ in 0..5000 {
        let next = peer(false).await;
        last.link_to(next.clone()).await.unwrap().unwrap();
        chain.push(next.clone());
        last = next;
    }
    first.exit(ExitReason::Shutdown);
    for server in chain {
        assert_eq!(server.exited().await, Ok(ExitReason::Shutdown));
    }
}

/// An exit hook that panics (a user's `Pid::on_exit`) neither keeps the
/// other hooks from running nor leaves anyone waiting.
#[tokio::test]
async fn a_panicking_exit_hook_strands_nobody() {
    let server = peer(false).await;
    let pid = genserver::Pid::from(&server);
    pid.on_exit(|_, _| panic!("hook failed")).unwrap();
    let monitor = server.monitor();
    let waiting = tokio::spawn({
        let server = server.clone();
        async move { server.exited().await }
    });
    tokio::task::yield_now().await;
    server.stop_with(ExitReason::Shutdown).await.unwrap();
    assert_eq!(waiting.await.unwrap(), Ok(ExitReason::Shutdown));
    assert_eq!(monitor.await.reason, ExitReason::Shutdown);
}

/// A kill while an `async` init awaits drops the init there.
#[tokio::test(start_paused = true)]
async fn a_kill_drops_an_async_init_where_it_awaits() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    struct SlowInit;

    #[gen_server]
    impl SlowInit {
        #[init]
        async fn init(done: Arc<AtomicBool>) -> Self {
            tokio::time::sleep(Duration::from_millis(100)).await;
            done.store(true, Ordering::SeqCst);
            SlowInit
        }
    }

    let done = Arc::new(AtomicBool::new(false));
    let server = SlowInit::spawn(Arc::clone(&done)).unwrap();
    tokio::time::sleep(Duration::from_millis(10)).await;
    server.kill();
    assert_eq!(server.exited().await, Ok(ExitReason::Killed));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!done.load(Ordering::SeqCst), "init ran on after the kill");
}

/// A server that is killed before its task first ran never runs init.
#[tokio::test]
async fn a_server_killed_before_it_ran_never_inits() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    struct Flag;

    #[gen_server]
    impl Flag {
        #[init]
        fn init(ran: Arc<AtomicBool>) -> Self {
            ran.store(true, Ordering::SeqCst);
            Flag
        }
    }

    let ran = Arc::new(AtomicBool::new(false));
    // On a current_thread runtime the new task has not run yet.
    let server = Flag::spawn(Arc::clone(&ran)).unwrap();
    server.kill();
    assert_eq!(server.exited().await, Ok(ExitReason::Killed));
    assert!(!ran.load(Ordering::SeqCst));
}

/// Endless work through continuations or zero idle timeouts still lets the
/// runtime run other tasks, and a kill ends it.
#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn endless_continuations_and_zero_idle_timeouts_yield_and_can_be_killed() {
    struct Step;

    struct Busy {
        steps: u64,
    }

    #[gen_server]
    impl Busy {
        #[init]
        fn init(idle: bool, ctx: &mut Context<Self>) -> Self {
            if idle {
                ctx.idle_timeout(Duration::ZERO);
            } else {
                ctx.continue_with(Step);
            }
            Busy { steps: 0 }
        }

        #[continuation]
        fn step(&mut self, _: Step, ctx: &mut Context<Self>) {
            self.steps += 1;
            ctx.continue_with(Step);
        }

        #[info]
        fn idle(&mut self, _: genserver::IdleTimeout, ctx: &mut Context<Self>) {
            self.steps += 1;
            ctx.idle_timeout(Duration::ZERO);
        }
    }

    for idle in [false, true] {
        let server = Busy::start(idle).await.unwrap();
        // One worker, busy with the server: this task runs only if the
        // server yields.
        let ended = tokio::time::timeout(Duration::from_secs(30), async {
            tokio::task::yield_now().await;
            server.kill();
            server.exited().await
        })
        .await;
        assert_eq!(
            ended.expect("the server never yielded"),
            Ok(ExitReason::Killed)
        );
    }
}

/// An exit signal a server sends itself ends it when the handler returns:
/// it handles nothing after.
#[tokio::test]
async fn a_server_that_signals_itself_handles_nothing_after() {
    struct Victim {
        bumps: u32,
    }

    #[gen_server]
    impl Victim {
        #[cast]
        fn suicide(&mut self, ctx: &mut Context<Self>) {
            let me = ctx.server_ref();
            ctx.exit(&me, ExitReason::Shutdown);
        }

        #[cast]
        fn bump(&mut self) {
            self.bumps += 1;
        }

        #[call]
        fn bumps(&self) -> u32 {
            self.bumps
        }
    }

    let victim = Victim::start(Victim { bumps: 0 }).await.unwrap();
    victim.suicide();
    victim.bump();
    victim.bump();
    assert_eq!(
        victim.bumps().await,
        Err(CallError::Exit(ExitReason::Shutdown))
    );
    assert_eq!(victim.exited().await, Ok(ExitReason::Shutdown));
}

/// A suspended server leaves trapped exits and downs in its mailbox, with
/// the rest of its mail, until it is resumed.
#[tokio::test]
async fn a_suspended_server_handles_downs_and_exits_only_after_resume() {
    let watcher = peer(true).await;
    let partner = peer(false).await;
    let target = peer(false).await;
    watcher.link_to(partner.clone()).await.unwrap().unwrap();
    watcher.watch(target.clone()).await.unwrap();
    genserver::sys::suspend(&watcher).await.unwrap();
    partner.end(ExitReason::Shutdown);
    target.end(ExitReason::Shutdown);
    partner.exited().await.unwrap();
    target.exited().await.unwrap();
    let seen = genserver::sys::get_state(&watcher, |peer| (peer.exits.len(), peer.downs.len()))
        .await
        .unwrap();
    assert_eq!(seen, (0, 0), "handled while suspended");
    genserver::sys::resume(&watcher).await.unwrap();
    assert_eq!(watcher.exits().await.unwrap().len(), 1);
    assert_eq!(watcher.downs().await.unwrap().len(), 1);
}

/// A server that traps exits and was started linked by a parent ends with
/// `terminate` when the parent exits (OTP's parent `EXIT`), where another
/// linked server's exit would reach it as a message.
#[tokio::test]
async fn a_trapping_child_terminates_when_its_parent_exits() {
    struct Owner;

    #[gen_server]
    impl Owner {
        #[call]
        async fn start_child(
            &mut self,
            terminated: mpsc::UnboundedSender<ExitReason>,
            ctx: &mut Context<Self>,
        ) -> ServerRef<Peer> {
            ctx.start_link::<Peer>(PeerArg {
                trap: true,
                terminated: Some(terminated),
            })
            .await
            .unwrap()
        }
    }

    let owner = Owner::start(Owner).await.unwrap();
    let (tx, mut terminated) = mpsc::unbounded_channel();
    let child = owner.start_child(tx).await.unwrap();
    owner.stop_with(ExitReason::Shutdown).await.unwrap();
    assert_eq!(child.exited().await, Ok(ExitReason::Shutdown));
    assert_eq!(terminated.recv().await, Some(ExitReason::Shutdown));
}

// ------------------------------------------------------- many exit hooks

fn plain_peer() -> PeerArg {
    PeerArg {
        trap: false,
        terminated: None,
    }
}

/// Adding and removing a monitor costs the same however many a server has:
/// 100k come and go well within the bound, which a cost linear in their
/// number (quadratic overall) would blow by far.
#[tokio::test]
async fn a_hundred_thousand_monitors_on_one_server_come_and_go_in_linear_time() {
    const N: usize = 100_000;
    let server = Peer::start(plain_peer()).await.unwrap();
    let started = std::time::Instant::now();
    let monitors: Vec<_> = (0..N).map(|_| server.monitor()).collect();
    // Demonitored oldest first.
    drop(monitors);
    let mut monitors: Vec<_> = (0..N).map(|_| server.monitor()).collect();
    // Newest first, keeping every tenth.
    let mut kept = Vec::new();
    while let Some(monitor) = monitors.pop() {
        if monitors.len() % 10 == 0 {
            kept.push(monitor);
        }
    }
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{N} monitors took {:?} to add and remove",
        started.elapsed()
    );
    assert!(server.downs().await.unwrap().is_empty());
    server.stop().await.unwrap();
    for monitor in kept {
        let reference = monitor.monitor_ref();
        let down = monitor.await;
        assert_eq!(down.monitor, reference);
        assert_eq!(down.reason, ExitReason::Normal);
    }
}

/// Exit hooks run in the order they were set up, whether a server has a few
/// or many, after some were removed.
#[tokio::test]
async fn exit_hooks_run_in_set_up_order_few_or_many() {
    for n in [3_usize, 8, 9, 100] {
        let server = Peer::start(plain_peer()).await.unwrap();
        let pid = genserver::Pid::from(&server);
        let ran = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let monitors: Vec<_> = (0..n).map(|_| server.monitor()).collect();
        let mut hooks = Vec::new();
        for i in 0..n {
            let ran = std::sync::Arc::clone(&ran);
            hooks.push(
                pid.on_exit(move |_, _| ran.lock().unwrap().push(i))
                    .unwrap(),
            );
        }
        let mut expected = Vec::new();
        for (i, hook) in hooks.into_iter().enumerate() {
            if i % 3 == 1 {
                assert!(pid.cancel_on_exit(hook));
            } else {
                expected.push(i);
            }
        }
        drop(monitors);
        server.stop().await.unwrap();
        assert_eq!(*ran.lock().unwrap(), expected, "with {n} hooks");
    }
}
