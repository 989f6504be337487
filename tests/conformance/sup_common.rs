//! What the ports of OTP's `supervisor_SUITE.erl` share: a child that
//! behaves as the suite's `supervisor_1` (ignore or fail a start on
//! demand, die, stop, block), a child whose start the test drives step by
//! step (`supervisor_3`), and a few assertions over the supervisor API.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use genserver::prelude::*;
use genserver::supervisor::ChildCount;
use genserver::{ChildSpec, Pid, Supervisor};
use tokio::sync::{mpsc, oneshot};

/// What the children did, in order: `start:id`, `stop:id` (terminate
/// began).
#[derive(Clone, Default)]
pub(crate) struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    pub(crate) fn push(&self, event: String) {
        self.0.lock().unwrap().push(event);
    }

    pub(crate) fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

/// How a child's init behaves, as the arguments of `supervisor_1:start_child`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Start {
    /// Starts every time (`start_child()`).
    Ok,
    /// The first start returns `Init::Ignore`, the later ones start
    /// (`start_child(ignore)`).
    IgnoreFirst,
    /// The first start succeeds, every later one fails (`start_child(error)`):
    /// a restart never succeeds.
    FailAfterFirst,
    /// Every start fails with this reason (`start_child({return, {error, reason}})`).
    Fail(&'static str),
    /// Starts while [`Kid::fail_start`] is off; while it is on, the init
    /// takes 2 s and then fails (`supervisor_deadlock`).
    Deadlock,
}

/// The arguments of a [`Kid`]: cloned for each start, sharing the count
/// of starts (the suite keeps it in the supervisor's process dictionary).
#[derive(Clone)]
pub(crate) struct KidArg {
    pub(crate) name: &'static str,
    pub(crate) start: Start,
    pub(crate) log: Log,
    starts: Arc<AtomicUsize>,
    fail_start: Arc<AtomicBool>,
    /// How long `terminate` takes (`supervisor_2`).
    pub(crate) terminate_delay: Duration,
    /// A start argument that only the spec holds (the suite's `LargeList`).
    pub(crate) payload: Arc<Vec<String>>,
}

impl KidArg {
    pub(crate) fn new(name: &'static str, start: Start) -> Self {
        KidArg {
            name,
            start,
            log: Log::default(),
            starts: Arc::default(),
            fail_start: Arc::default(),
            terminate_delay: Duration::ZERO,
            payload: Arc::default(),
        }
    }

    #[must_use]
    pub(crate) fn payload(mut self, payload: &Arc<Vec<String>>) -> Self {
        self.payload = Arc::clone(payload);
        self
    }

    #[must_use]
    pub(crate) fn log(mut self, log: &Log) -> Self {
        self.log = log.clone();
        self
    }

    #[must_use]
    pub(crate) fn terminate_delay(mut self, delay: Duration) -> Self {
        self.terminate_delay = delay;
        self
    }

    /// Turns the failing starts of [`Start::Deadlock`] on or off.
    pub(crate) fn fail_start(&self, on: bool) {
        self.fail_start.store(on, Ordering::SeqCst);
    }

    /// The spec of this child, with `id`.
    pub(crate) fn spec(&self) -> ChildSpec {
        ChildSpec::new::<Kid>(self.clone()).id(self.name)
    }
}

/// A child as the suite's `supervisor_1`.
pub(crate) struct Kid {
    name: &'static str,
    log: Log,
    terminate_delay: Duration,
}

#[gen_server]
impl Kid {
    #[init]
    async fn init(arg: KidArg) -> Init<Self> {
        let first = arg.starts.fetch_add(1, Ordering::SeqCst) == 0;
        match arg.start {
            Start::IgnoreFirst if first => return Init::Ignore,
            Start::FailAfterFirst if !first => {
                return Init::Stop(ExitReason::error("function_clause"));
            }
            Start::Ok | Start::IgnoreFirst | Start::FailAfterFirst => {}
            Start::Fail(reason) => return Init::Stop(ExitReason::error(reason)),
            Start::Deadlock => {
                if arg.fail_start.load(Ordering::SeqCst) {
                    tokio::time::sleep(Duration::from_secs(2)).await;
                    return Init::Stop(ExitReason::error("error"));
                }
            }
        }
        arg.log.push(format!("start:{}", arg.name));
        Init::Ok(Kid {
            name: arg.name,
            log: arg.log,
            terminate_delay: arg.terminate_delay,
        })
    }

    #[call]
    pub(crate) fn ping(&self) -> &'static str {
        self.name
    }

    /// `Pid ! die`: stops with the reason `died`.
    #[cast]
    pub(crate) fn die(&mut self, ctx: &mut Context<Self>) {
        ctx.stop(died());
    }

    /// `Pid ! stop` (`normal`), or any other reason to stop with.
    #[cast]
    pub(crate) fn quit(&mut self, reason: ExitReason, ctx: &mut Context<Self>) {
        ctx.stop(reason);
    }

    /// `Pid ! {sleep, T}`: the handler never returns, so the child cannot
    /// stop when asked.
    #[cast]
    pub(crate) async fn hang(&mut self) {
        std::future::pending::<()>().await;
    }

    /// Unlinks the child from its supervisor (`naughty_child`).
    #[cast]
    pub(crate) fn unlink_from(&mut self, sup: ServerRef<Supervisor>, ctx: &mut Context<Self>) {
        ctx.unlink(&sup);
    }

    #[terminate]
    async fn terminate(&mut self) {
        self.log.push(format!("stop:{}", self.name));
        if !self.terminate_delay.is_zero() {
            tokio::time::sleep(self.terminate_delay).await;
        }
    }
}

/// The reason of `Pid ! die`.
pub(crate) fn died() -> ExitReason {
    ExitReason::error("died")
}

/// How the suite's `terminate/4` ends a child: it waits until the child
/// has exited with the reason asked for. The supervisor sees the exit
/// before any request made after this returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum End {
    /// `exit(Pid, kill)`.
    Kill,
    /// `Pid ! stop`: exits `normal`.
    Normal,
    /// `exit(Pid, shutdown)`.
    Shutdown,
    /// `exit(Pid, {shutdown, some_info})`.
    ShutdownWith,
    /// `Pid ! die`: exits `died`.
    Abnormal,
}

/// Ends the child `pid` as `how` says and waits for its exit.
pub(crate) async fn end(pid: &Pid, how: End) {
    let kid = pid.downcast::<Kid>().expect("a Kid");
    let expected = match how {
        End::Kill => {
            pid.kill();
            ExitReason::Killed
        }
        End::Normal => {
            kid.quit(ExitReason::Normal);
            ExitReason::Normal
        }
        End::Shutdown => {
            pid.exit(ExitReason::Shutdown);
            ExitReason::Shutdown
        }
        End::ShutdownWith => {
            let reason = ExitReason::shutdown_with("some_info");
            pid.exit(reason.clone());
            reason
        }
        End::Abnormal => {
            kid.die();
            died()
        }
    };
    let reason = pid.exited().await;
    assert!(reason.same_as(&expected), "{reason} is not {expected}");
}

/// `[specs, active, supervisors, workers]` of `get_child_counts/1`.
pub(crate) fn counts(count: ChildCount) -> [usize; 4] {
    [count.specs, count.active, count.supervisors, count.workers]
}

/// `get_child_counts(Sup)`.
pub(crate) async fn child_counts(sup: &ServerRef<Supervisor>) -> [usize; 4] {
    counts(sup.count_children().await.unwrap())
}

/// `which_children` as `(id, pid)` pairs, in start order.
pub(crate) async fn children(sup: &ServerRef<Supervisor>) -> Vec<(String, Option<Pid>)> {
    sup.which_children()
        .await
        .unwrap()
        .into_iter()
        .map(|child| (child.id.to_string(), child.pid))
        .collect()
}

/// The running child `id`.
pub(crate) async fn pid_of(sup: &ServerRef<Supervisor>, id: &str) -> Pid {
    sup.child_pid(id).await.unwrap()
}

/// What a [`Gate`] child asks the test when it starts: its name, its pid,
/// and where to say how its init ends.
pub(crate) struct Knock {
    pub(crate) name: &'static str,
    pub(crate) pid: Pid,
    pub(crate) answer: oneshot::Sender<bool>,
}

/// The arguments of a [`Gate`].
#[derive(Clone)]
pub(crate) struct GateArg {
    pub(crate) name: &'static str,
    pub(crate) knocks: mpsc::UnboundedSender<Knock>,
}

/// A child whose init waits for the test (`supervisor_3`): it sends a
/// [`Knock`] and starts if the answer is `true`, stops `normal` if it is
/// `false`.
pub(crate) struct Gate;

#[gen_server]
impl Gate {
    #[init]
    async fn init(arg: GateArg, ctx: &mut Context<Self>) -> Init<Self> {
        let (answer, reply) = oneshot::channel();
        let knock = Knock {
            name: arg.name,
            pid: Pid::from(ctx.server_ref()),
            answer,
        };
        if arg.knocks.send(knock).is_err() {
            return Init::Stop(ExitReason::Shutdown);
        }
        match reply.await {
            Ok(true) => Init::Ok(Gate),
            _ => Init::Stop(ExitReason::Normal),
        }
    }
}

/// The next knock, from the child `name`.
pub(crate) async fn knock(knocks: &mut mpsc::UnboundedReceiver<Knock>, name: &str) -> Knock {
    let knock = knocks.recv().await.expect("a knock");
    assert_eq!(knock.name, name, "the wrong child started");
    knock
}
