//! The mailbox: one FIFO queue per server, shared by every handle.
//!
//! Erlang gives each process one ordered mailbox, and calls, casts, plain
//! messages and system messages all travel through it. Splitting them over
//! several channels would let a `cast(push)` overtake the `call(pop)` sent
//! after it, so here everything is one [`Envelope`] in one queue.
//!
//! The queue is a `Mutex<Vec>` with the receiver's waker beside it, in the
//! same allocation as the rest of the server's shared state. Three properties
//! matter for performance (see `BENCHMARKS.md`):
//!
//! * Nothing is allocated until the first message arrives. A tokio mpsc
//!   channel allocates its first block of 32 slots up front (about 1 KB), which
//!   would be most of an idle server's memory.
//! * The server swaps the whole queue out under one lock and then works
//!   through its private copy, so a burst of casts costs one lock per batch on
//!   the server side, not one per message.
//! * After a batch the server goes to sleep without taking the lock again:
//!   it registered its waker when it took the batch, and a flag says the
//!   waker is still there; whoever takes it (a send, a kill, the last
//!   handle's drop) wakes the server. Serving a call costs one lock on the
//!   server's side.
//!
//! The same lock guards the server's lifecycle ([`Status`]), which makes "send
//! unless exited" and "exit and take what is queued" atomic with respect to
//! each other: a message is either handled, or dropped by the exiting server
//! after its exit reason was published, never lost in between.
//!
//! A server may have a bounded mailbox (see [`crate::backpressure`]): its
//! bookkeeping ([`Bound`]) lives in the lazily made extras, and a bit in
//! `Shared::flags` says it is there, so an unbounded server pays one test of
//! a byte it already has in cache per send and per batch, nothing more.

use std::cell::RefCell;
use std::collections::hash_map::Entry;
use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};
use std::num::NonZeroUsize;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use tokio::sync::Notify;

use crate::ServerId;
use crate::error::{ExitReason, StartError};
use crate::process::exit_group::ExitGroup;
use crate::server::GenServer;

/// What travels through a mailbox: the typed request of one handler kind, or
/// a system request from the runtime itself.
pub(crate) enum Envelope<S: GenServer> {
    /// A `#[call]` request; its variant carries the typed reply handle.
    Call(S::Call),
    /// A `#[cast]` request.
    Cast(S::Cast),
    /// A `#[info]` message.
    Info(S::Info),
    /// `stop(reason)`: run `terminate` and exit with `reason`. Boxed, so that
    /// the rare stop does not make every queue slot wider: a slot is as wide
    /// as the widest envelope, and a burst of casts moves every slot three
    /// times (in, turned round, out).
    Stop(Box<ExitReason>),
    /// A request from the runtime rather than from a client, a `:sys`
    /// request: the loop runs it with the state and the context. It is
    /// served while the server is suspended, does not cancel an idle
    /// timeout and is not counted as a message in.
    System(SystemFn<S>),
    /// A signal turned into a message: a trapped exit or a monitor's down.
    /// Run like a system message, but only when the server is not
    /// suspended (for it, these are ordinary messages: they wait, and they
    /// cancel an idle timeout). What it returns, if anything, is handled
    /// as an info message.
    Signal(SystemFn<S>),
}

/// A system message or a signal: see [`Envelope::System`] and [`Envelope::Signal`].
pub(crate) type SystemFn<S> =
    Box<dyn FnOnce(&mut S, &mut crate::Context<S>) -> Option<<S as GenServer>::Info> + Send>;

/// Why a message was not queued; it is handed back inside.
pub(crate) enum Refused<T> {
    /// The server has exited.
    NoProc(T),
    /// The server's own task sent a message that waits for the server.
    CallingSelf(T),
    /// A call or a cast that does not make room found the server's
    /// bounded mailbox full.
    Full(T),
}

impl<S: GenServer> Envelope<S> {
    /// Whether a bounded mailbox counts it: calls and casts do; info
    /// messages (timers cannot wait), stops, system messages and signals
    /// bypass the bound, so `:sys`, exit signals and a stop always get in.
    fn is_bounded(&self) -> bool {
        matches!(self, Envelope::Call(_) | Envelope::Cast(_))
    }
}

/// Where a server is in its life.
pub(crate) enum Status {
    /// In `init`.
    Starting,
    /// Serving, in this tokio task: a call or stop sent from the task
    /// itself is refused, since the server would wait for itself.
    Running(tokio::task::Id),
    /// Gone before it served, with this reason: `init` failed, or the
    /// server was killed in it. Final.
    ///
    /// Boxed: a server carries its status all its life and exits once.
    Exited(Box<ExitReason>),
    /// Gone after it served, with this reason. Final. Kept apart from
    /// `Exited` for `start`: a server that served and then exited at once
    /// (a continuation from init that stops it, a link, a kill) did start.
    Served(Box<ExitReason>),
    /// `init` returned `Init::Ignore`: gone, normally, without serving. Final.
    Ignored,
}

impl Status {
    /// Whether the server is gone (the status does not change again).
    fn is_final(&self) -> bool {
        !matches!(self, Status::Starting | Status::Running(_))
    }

    fn exit_reason(&self) -> Option<ExitReason> {
        match self {
            Status::Starting | Status::Running(_) => None,
            Status::Exited(reason) | Status::Served(reason) => Some(ExitReason::clone(reason)),
            Status::Ignored => Some(ExitReason::Normal),
        }
    }

    /// Whether the server serves, in the task this runs in: a wait for the
    /// server from here would wait for itself.
    fn is_current_task(&self) -> bool {
        matches!(self, Status::Running(task) if tokio::task::try_id() == Some(*task))
    }
}

/// The part of a server that its handles share.
pub(crate) struct Shared<S: GenServer> {
    /// The server's identity, for self-call detection and crash reports.
    pub(crate) id: ServerId,
    /// Queue, waker and status, under one lock (see the module docs).
    state: Mutex<State<S>>,
    /// How many [`Handle`](crate::Handle)s exist. When it drops to zero nobody
    /// can send to the server any more, and it exits once its queue is empty.
    /// (32 bits, so that it and `parked` share one word.)
    handles: AtomicU32,
    /// Whether the waker slot holds the serving task's waker. Set and cleared
    /// under the lock, read without it: while it is set, whoever changes
    /// anything the server waits for takes that waker and wakes it, so the
    /// server can go to sleep after a batch without taking the lock again.
    parked: AtomicBool,
    /// Set once the server has exited, by whoever ends it. A server killed
    /// while it awaits an `async` callback finds it at its next poll, so
    /// an exit signal or a kill ends it there too. (Fits in the padding.)
    gone: AtomicBool,
    /// Whether the server traps exits (`Process.flag(:trap_exit, true)`):
    /// read by whoever sends it an exit signal, which decides there
    /// whether the signal kills it or is queued as a message.
    trapping: AtomicBool,
    /// Set once at the start, never changed: [`CURRENT_THREAD`] (the
    /// server runs on a `current_thread` runtime, where a caller waiting
    /// for a reply yields most cheaply by waking itself, see
    /// [`Handle::call`](crate::Handle::call)) and [`BOUNDED`] (the mailbox
    /// is bounded: its [`Bound`] is in the extras). Fits in the padding.
    flags: u8,
}

/// See `Shared::flags`.
const CURRENT_THREAD: u8 = 1;
/// See `Shared::flags`.
const BOUNDED: u8 = 2;

struct State<S: GenServer> {
    /// Senders only push, and the server takes it all at once, so a `Vec`
    /// does (see [`Receiver`] for how the server reads it in order).
    queue: Vec<Envelope<S>>,
    /// While serving: the server task's waker, registered whenever it takes
    /// a batch or finds none, and taken by whoever wakes it (`parked` says
    /// whether it is there). While starting: the waker of the task waiting
    /// in `start`.
    waker: Option<Waker>,
    status: Status,
    /// What only some servers need: made on first use, so an idle plain
    /// server does not carry it.
    extras: Option<Box<Extras<S>>>,
}

/// The rarely used part of a server's shared state.
struct Extras<S: GenServer> {
    /// A bounded mailbox's bookkeeping: made at the start for a bounded
    /// server, never for another.
    bound: Option<Box<Bound<S>>>,
    /// Woken when the server exits (a `stop`, or a call whose reply was
    /// dropped, waits for that).
    exit_waiters: Option<Arc<Notify>>,
    /// The group of servers whose exits a supervisor waits for at once, if
    /// this server is in one: counted down with the exit waiters.
    group: Option<Arc<ExitGroup>>,
    /// Run once when the server exits, after its reason is published and
    /// before anyone waiting for the exit is woken: names are released,
    /// monitors fire, links pass the exit on.
    hooks: Hooks,
    /// The name the server is registered under, if any: shown in its
    /// `Debug`, its crash report and its kill report. Set and cleared by
    /// whoever registers the name.
    name: Option<Arc<str>>,
    /// The server task's waker while an `async` init awaits (the waker
    /// slot then belongs to `start`): woken by a kill, so that the init is
    /// dropped at once.
    init_waker: Option<Waker>,
    /// The process that started this one linked (`start_link`, a
    /// supervisor): an exit signal from it ends a server that traps exits,
    /// with `terminate` (OTP's parent `EXIT`), instead of arriving as a
    /// message.
    parent: Option<ServerId>,
}

/// The bookkeeping of a bounded mailbox (see [`crate::backpressure`]).
///
/// The bound counts the calls and casts in the shared queue: what the
/// server has not taken yet. The server takes its mail in batches of at
/// most the bound, so at most twice the bound of them are in memory at
/// once (the batch being handled and the queue behind it), and up to
/// another bound of casts that `drop_oldest` dropped but left in place
/// (see `dropped`). Room is made
/// when the server takes a batch, under the lock it takes for that anyway:
/// the server pays nothing per message, and a full queue refills while the
/// server works through the batch taken.
pub(crate) struct Bound<S: GenServer> {
    capacity: usize,
    /// Calls and casts in the shared queue.
    queued: usize,
    /// Senders waiting for room, oldest first, each with its message: when
    /// the server takes a batch, their messages go into the queue in this
    /// order (no sender can overtake one that waits), and they are told.
    waiting: VecDeque<Waiting<S>>,
    /// Casts in the shared queue, `dropped` ones included: whether there
    /// is one for `drop_oldest` to drop.
    casts: usize,
    /// The oldest casts in the shared queue, which `drop_oldest` dropped.
    /// They stay in place, so that dropping one does not move every message
    /// behind it; they are taken out when the server takes the batch (it
    /// never handles them), or all at once when there are more of them
    /// than the bound (so the queue stays within twice the bound).
    dropped: usize,
}

/// A sender waiting for room, with what it sends.
struct Waiting<S: GenServer> {
    envelope: Envelope<S>,
    /// [`WAITING`], then [`QUEUED`] or [`REFUSED`] (the server exited); set
    /// under the lock.
    slot: Arc<AtomicU8>,
    waker: Waker,
}

/// See [`Waiting::slot`].
const WAITING: u8 = 0;
/// See [`Waiting::slot`].
const QUEUED: u8 = 1;
/// See [`Waiting::slot`].
const REFUSED: u8 = 2;

impl<S: GenServer> Bound<S> {
    fn new(capacity: NonZeroUsize) -> Self {
        Bound {
            capacity: capacity.get(),
            queued: 0,
            waiting: VecDeque::new(),
            casts: 0,
            dropped: 0,
        }
    }

    /// Counts a call or a cast going into the shared queue.
    fn queue(&mut self, envelope: &Envelope<S>) {
        self.queued += 1;
        self.casts += usize::from(matches!(envelope, Envelope::Cast(_)));
    }

    /// Whether one more call or cast fits, without overtaking a waiting one.
    fn has_room(&self) -> bool {
        self.queued < self.capacity && self.waiting.is_empty()
    }
}

/// Why [`WaitForRoom`] did not queue its message.
pub(crate) enum NoRoom {
    /// The server was not running.
    NoProc,
    /// The server exited while the message waited.
    Exit(ExitReason),
    /// The mailbox is full and the sender is the server's own task, which
    /// would wait for itself.
    OwnTask,
}

/// Queues a call or a cast in a bounded mailbox, waiting (in FIFO order
/// with the other waiting senders) until there is room.
///
/// If it is dropped while it waits (a call's timeout, a cancelled cast),
/// its message is taken back out: a message is queued or not, never
/// half-way. [`withdraw`](WaitForRoom::withdraw) says which.
pub(crate) struct WaitForRoom<'a, S: GenServer> {
    shared: &'a Shared<S>,
    /// Until the first poll.
    envelope: Option<Envelope<S>>,
    /// Once waiting.
    slot: Option<Arc<AtomicU8>>,
}

// Nothing in it is pinned: it only holds a reference, a message and a slot.
impl<S: GenServer> Unpin for WaitForRoom<'_, S> {}

impl<'a, S: GenServer> WaitForRoom<'a, S> {
    pub(crate) fn new(shared: &'a Shared<S>, envelope: Envelope<S>) -> Self {
        WaitForRoom {
            shared,
            envelope: Some(envelope),
            slot: None,
        }
    }

    /// Gives up waiting: `true` if the message was not queued (it is
    /// dropped, outside the lock), `false` if it was.
    pub(crate) fn withdraw(&mut self) -> bool {
        if let Some(envelope) = self.envelope.take() {
            drop(envelope);
            return true;
        }
        let Some(slot) = self.slot.take() else {
            return true;
        };
        if slot.load(Ordering::Acquire) != WAITING {
            return slot.load(Ordering::Acquire) == REFUSED;
        }
        let taken = {
            let mut state = self.shared.lock();
            if slot.load(Ordering::Acquire) != WAITING {
                return slot.load(Ordering::Acquire) == REFUSED;
            }
            state
                .extras
                .as_deref_mut()
                .and_then(|extras| extras.bound.as_deref_mut())
                .and_then(|bound| {
                    let at = bound
                        .waiting
                        .iter()
                        .position(|waiting| Arc::ptr_eq(&waiting.slot, &slot))?;
                    bound.waiting.remove(at)
                })
        };
        drop(taken);
        true
    }
}

impl<S: GenServer> Drop for WaitForRoom<'_, S> {
    fn drop(&mut self) {
        self.withdraw();
    }
}

impl<S: GenServer> std::future::Future for WaitForRoom<'_, S> {
    type Output = Result<(), NoRoom>;

    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let shared = this.shared;
        if let Some(slot) = &this.slot {
            let mut state = shared.lock();
            // Set under the lock, so looked at under it.
            let outcome = match slot.load(Ordering::Acquire) {
                QUEUED => Some(Ok(())),
                REFUSED => Some(Err(NoRoom::Exit(
                    state.status.exit_reason().unwrap_or(ExitReason::NoProc),
                ))),
                _ => None,
            };
            if let Some(outcome) = outcome {
                drop(state);
                this.slot = None;
                return Poll::Ready(outcome);
            }
            if let Some(waiting) = state
                .extras
                .as_deref_mut()
                .and_then(|extras| extras.bound.as_deref_mut())
                .and_then(|bound| {
                    bound
                        .waiting
                        .iter_mut()
                        .find(|waiting| Arc::ptr_eq(&waiting.slot, slot))
                })
            {
                if !waiting.waker.will_wake(cx.waker()) {
                    waiting.waker.clone_from(cx.waker());
                }
            }
            return Poll::Pending;
        }
        let Some(envelope) = this.envelope.take() else {
            // Polled after it finished.
            return Poll::Ready(Ok(()));
        };
        let mut state = shared.lock();
        if state.status.exit_reason().is_some() {
            drop(state);
            drop(envelope);
            return Poll::Ready(Err(NoRoom::NoProc));
        }
        let State {
            queue,
            extras,
            status,
            ..
        } = &mut *state;
        match extras
            .as_deref_mut()
            .and_then(|extras| extras.bound.as_deref_mut())
        {
            Some(bound) if !bound.has_room() => {
                if status.is_current_task() {
                    drop(state);
                    drop(envelope);
                    return Poll::Ready(Err(NoRoom::OwnTask));
                }
                let slot = Arc::new(AtomicU8::new(WAITING));
                bound.waiting.push_back(Waiting {
                    envelope,
                    slot: Arc::clone(&slot),
                    waker: cx.waker().clone(),
                });
                this.slot = Some(slot);
                return Poll::Pending;
            }
            Some(bound) => bound.queue(&envelope),
            None => {}
        }
        queue.push(envelope);
        let waker = shared.take_waker(&mut state);
        drop(state);
        if let Some(waker) = waker {
            waker.wake();
        }
        Poll::Ready(Ok(()))
    }
}

/// What an exit hook is for, so it can be found again and removed
/// (`unlink`, `demonitor`, `unregister`), and so that names are released
/// before anything else happens.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(crate) enum HookKey {
    /// A registered name: released first, so that whoever learns of the
    /// exit can take it.
    Name(u64),
    /// A link to the server with this id.
    Link(ServerId),
    /// A monitor with this reference.
    Monitor(u64),
    /// Anything else (a timer, a supervisor's watch), by a unique number.
    Other(u64),
}

/// Runs once with the id and exit reason of the server that exited.
pub(crate) type ExitHook = Box<dyn FnOnce(ServerId, &ExitReason) + Send>;

/// Up to this many hooks are kept in a list; more go in a map.
const FEW_HOOKS: usize = 8;

/// A server's exit hooks, by key, in the order they were set up.
///
/// Most servers have a few (a name, a link to their supervisor, a monitor
/// or two): a short list, searched linearly. A server with many (a
/// supervisor linked to each of its children, a server monitored by
/// thousands) keeps them in a map, so that adding or removing one costs
/// O(1) however many there are, and they are put back in set-up order,
/// by a counter, only when the server exits.
enum Hooks {
    /// At most [`FEW_HOOKS`], in set-up order.
    Few(Vec<(HookKey, ExitHook)>),
    /// More: each with its set-up number.
    Many {
        /// The set-up number of the next hook.
        next: u64,
        map: HashMap<HookKey, HookSlot, BuildHasherDefault<KeyHasher>>,
    },
}

/// The hooks of one key in [`Hooks::Many`]: nearly always one.
enum HookSlot {
    One(u64, ExitHook),
    Several(Vec<(u64, ExitHook)>),
}

impl HookSlot {
    fn push(&mut self, at: u64, hook: ExitHook) {
        match self {
            HookSlot::Several(hooks) => hooks.push((at, hook)),
            HookSlot::One(..) => {
                let HookSlot::One(first_at, first) =
                    std::mem::replace(self, HookSlot::Several(Vec::with_capacity(2)))
                else {
                    unreachable!()
                };
                if let HookSlot::Several(hooks) = self {
                    hooks.push((first_at, first));
                    hooks.push((at, hook));
                }
            }
        }
    }
}

impl Default for Hooks {
    fn default() -> Self {
        Hooks::Few(Vec::new())
    }
}

impl Hooks {
    fn is_empty(&self) -> bool {
        match self {
            Hooks::Few(hooks) => hooks.is_empty(),
            Hooks::Many { map, .. } => map.is_empty(),
        }
    }

    fn contains(&self, key: HookKey) -> bool {
        match self {
            Hooks::Few(hooks) => hooks.iter().any(|(k, _)| *k == key),
            Hooks::Many { map, .. } => map.contains_key(&key),
        }
    }

    fn push(&mut self, key: HookKey, hook: ExitHook) {
        if let Hooks::Few(hooks) = self {
            if hooks.len() < FEW_HOOKS {
                hooks.push((key, hook));
                return;
            }
            let mut map =
                HashMap::with_capacity_and_hasher(2 * FEW_HOOKS, BuildHasherDefault::default());
            let mut next = 0;
            for (key, hook) in hooks.drain(..) {
                insert(&mut map, key, next, hook);
                next += 1;
            }
            *self = Hooks::Many { next, map };
        }
        if let Hooks::Many { next, map } = self {
            insert(map, key, *next, hook);
            *next += 1;
        }
    }

    /// Takes out the hooks with this key, to be dropped by the caller
    /// (outside the lock).
    fn remove(&mut self, key: HookKey) -> Option<HookSlot> {
        match self {
            Hooks::Few(hooks) => {
                let at = hooks.iter().position(|(k, _)| *k == key)?;
                let (_, first) = hooks.remove(at);
                let mut removed = HookSlot::One(0, first);
                while let Some(at) = hooks.iter().position(|(k, _)| *k == key) {
                    removed.push(0, hooks.remove(at).1);
                }
                Some(removed)
            }
            Hooks::Many { map, .. } => {
                let removed = map.remove(&key);
                if map.is_empty() {
                    // Back to the small form, giving the table's memory back.
                    *self = Hooks::default();
                }
                removed
            }
        }
    }

    /// The hooks in the order they run: names first, then the rest in the
    /// order they were set up.
    fn into_ordered(self) -> Vec<ExitHook> {
        match self {
            Hooks::Few(mut hooks) => {
                hooks.sort_by_key(|(key, _)| !matches!(key, HookKey::Name(_)));
                hooks.into_iter().map(|(_, hook)| hook).collect()
            }
            Hooks::Many { map, .. } => {
                let mut hooks = Vec::with_capacity(map.len());
                for (key, slot) in map {
                    let later = !matches!(key, HookKey::Name(_));
                    match slot {
                        HookSlot::One(at, hook) => hooks.push((later, at, hook)),
                        HookSlot::Several(several) => {
                            hooks.extend(several.into_iter().map(|(at, hook)| (later, at, hook)));
                        }
                    }
                }
                hooks.sort_unstable_by_key(|(later, at, _)| (*later, *at));
                hooks.into_iter().map(|(_, _, hook)| hook).collect()
            }
        }
    }
}

/// Adds a hook to a [`Hooks::Many`] map.
fn insert(
    map: &mut HashMap<HookKey, HookSlot, BuildHasherDefault<KeyHasher>>,
    key: HookKey,
    at: u64,
    hook: ExitHook,
) {
    match map.entry(key) {
        Entry::Occupied(mut slot) => slot.get_mut().push(at, hook),
        Entry::Vacant(slot) => {
            slot.insert(HookSlot::One(at, hook));
        }
    }
}

/// A fast hasher for [`HookKey`]s (FxHash's mixing): their numbers are
/// made by the process ([`unique`], server ids), not by an attacker, so
/// the default hasher's resistance to flooding buys nothing here.
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.write_u64(u64::from(byte));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }

    fn write_isize(&mut self, n: isize) {
        self.write_u64(u64::from_ne_bytes((n as i64).to_ne_bytes()));
    }
}

/// Gives back the exit waiters' `Notify` (and the extras, if nothing else
/// is in them) when the last waiter stops waiting, so that a server that
/// once had a call wait for it returns to its idle size.
struct ReleaseWaiters<'a, S: GenServer> {
    /// The server waited for, once there is a waiter.
    shared: Option<&'a Shared<S>>,
}

impl<S: GenServer> Drop for ReleaseWaiters<'_, S> {
    fn drop(&mut self) {
        let Some(shared) = self.shared else {
            return;
        };
        let mut state = shared.lock();
        let Some(extras) = state.extras.as_mut() else {
            return;
        };
        if extras
            .exit_waiters
            .as_ref()
            .is_some_and(|waiters| Arc::strong_count(waiters) == 1)
        {
            extras.exit_waiters = None;
            if extras.is_empty() {
                state.extras = None;
            }
        }
    }
}

impl<S: GenServer> Default for Extras<S> {
    fn default() -> Self {
        Extras {
            bound: None,
            exit_waiters: None,
            group: None,
            hooks: Hooks::default(),
            name: None,
            init_waker: None,
            parent: None,
        }
    }
}

impl<S: GenServer> Extras<S> {
    /// Whether it holds nothing (as made by `Default`).
    fn is_empty(&self) -> bool {
        self.bound.is_none()
            && self.exit_waiters.is_none()
            && self.group.is_none()
            && self.hooks.is_empty()
            && self.name.is_none()
            && self.init_waker.is_none()
            && self.parent.is_none()
    }
}

/// Wakes a server's task and whoever waits for its exit.
fn wake_all(waker: Option<Waker>, waiters: Option<&Notify>) {
    if let Some(waker) = waker {
        waker.wake();
    }
    if let Some(waiters) = waiters {
        waiters.notify_waiters();
    }
}

/// What follows one server's exit: see [`after_exit`].
type ExitWork = Box<dyn FnOnce()>;

thread_local! {
    /// The exits whose hooks are still to run on this thread, while one
    /// runs its hooks (see [`after_exit`]).
    static EXITING: RefCell<Option<VecDeque<ExitWork>>> = const { RefCell::new(None) };
}

/// Runs what follows a server's exit (its hooks, then waking whoever
/// waits), now, or after the exit whose hooks are running on this thread.
///
/// A hook may end another server (a link passing an exit on), whose hooks
/// may end a third: run inline, a chain or ring of a few thousand linked
/// servers would overflow the stack. Queued, they run one after another
/// from the outermost exit, each server's hooks still before its waiters.
fn after_exit(work: impl FnOnce() + 'static) {
    let mut work = Some(work);
    // `try_with`: during the thread's own teardown (a runtime dropped by a
    // thread-local destructor) the queue may be gone; then run inline.
    let queued = EXITING
        .try_with(|exiting| match &mut *exiting.borrow_mut() {
            Some(queue) => {
                if let Some(work) = work.take() {
                    queue.push_back(Box::new(work));
                }
                true
            }
            slot @ None => {
                *slot = Some(VecDeque::new());
                false
            }
        })
        .unwrap_or(false);
    if queued {
        return;
    }
    if let Some(work) = work {
        work();
    }
    while let Some(next) = EXITING
        .try_with(|exiting| exiting.borrow_mut().as_mut().and_then(VecDeque::pop_front))
        .ok()
        .flatten()
    {
        next();
    }
    let _ = EXITING.try_with(|exiting| *exiting.borrow_mut() = None);
}

/// A fresh number for a [`HookKey`] or a monitor reference: unique within the process.
pub(crate) fn unique() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

impl<S: GenServer> Shared<S> {
    /// A server's shared state; `capacity` bounds its mailbox (`None`:
    /// unbounded, the default).
    pub(crate) fn new(id: ServerId, current_thread: bool, capacity: Option<NonZeroUsize>) -> Self {
        let mut flags = if current_thread { CURRENT_THREAD } else { 0 };
        let extras = capacity.map(|capacity| {
            flags |= BOUNDED;
            Box::new(Extras {
                bound: Some(Box::new(Bound::new(capacity))),
                ..Extras::default()
            })
        });
        Shared {
            id,
            state: Mutex::new(State {
                queue: Vec::new(),
                waker: None,
                status: Status::Starting,
                extras,
            }),
            handles: AtomicU32::new(0),
            parked: AtomicBool::new(false),
            gone: AtomicBool::new(false),
            trapping: AtomicBool::new(false),
            flags,
        }
    }

    /// Whether the server runs on a `current_thread` runtime.
    pub(crate) fn on_current_thread(&self) -> bool {
        self.flags & CURRENT_THREAD != 0
    }

    /// The bound of the server's mailbox, if it has one.
    pub(crate) fn capacity(&self) -> Option<usize> {
        if self.flags & BOUNDED == 0 {
            return None;
        }
        let state = self.lock();
        let bound = state.extras.as_deref()?.bound.as_deref()?;
        Some(bound.capacity)
    }

    /// How many messages are in the mailbox, not yet taken by the server
    /// (`Process.info(pid, :message_queue_len)`).
    pub(crate) fn message_queue_len(&self) -> usize {
        let state = self.lock();
        let dropped = state
            .extras
            .as_deref()
            .and_then(|extras| extras.bound.as_deref())
            .map_or(0, |bound| bound.dropped);
        state.queue.len() - dropped
    }

    fn lock(&self) -> MutexGuard<'_, State<S>> {
        // No code runs user callbacks while holding this lock, so a poisoned
        // lock can only come from a panic inside the queue operations
        // themselves; the state is still consistent then.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether this runs inside the server's own task, once it serves. (In
    /// `init` the task is not known yet; nor can `init` have been handed its
    /// own reference, except by a caller of `spawn` that sends it there.)
    pub(crate) fn is_own_task(&self) -> bool {
        self.lock().status.is_current_task()
    }

    /// Queues `envelope`, or hands it back: if the server has exited, or if
    /// `from_outside` is asked for (calls and stops, which wait for the
    /// server) and the sender is the server's own task.
    pub(crate) fn send(
        &self,
        envelope: Envelope<S>,
        from_outside: bool,
    ) -> Result<(), Refused<Envelope<S>>> {
        // The only cost of bounded mailboxes to an unbounded server: one
        // test of a byte it has in cache, before the lock. (The kind of
        // message is looked at on the cold path: tested here, the two tests
        // were merged into six instructions.)
        if self.flags & BOUNDED != 0 {
            return self.send_bounded(envelope, from_outside, true);
        }
        let mut state = self.lock();
        let envelope = admit(&state.status, from_outside, envelope)?;
        state.queue.push(envelope);
        let waker = self.take_waker(&mut state);
        drop(state);
        if let Some(waker) = waker {
            waker.wake();
        }
        Ok(())
    }

    /// As [`send`](Shared::send) for a cast that does not make room: a full
    /// bounded mailbox refuses it ([`Refused::Full`]).
    pub(crate) fn try_send(&self, envelope: Envelope<S>) -> Result<(), Refused<Envelope<S>>> {
        self.send_bounded(envelope, false, false)
    }

    /// [`send`](Shared::send) to a bounded mailbox (and `try_send` to
    /// any): a message that bypasses the bound, or a call or a cast that
    /// finds room, is queued; if there is none, a cast sent with
    /// `drop_oldest` takes the place of the oldest cast in the queue (or,
    /// with none there to drop, is dropped itself), and anything else is
    /// refused with [`Refused::Full`].
    #[cold]
    #[inline(never)]
    fn send_bounded(
        &self,
        envelope: Envelope<S>,
        from_outside: bool,
        drop_oldest: bool,
    ) -> Result<(), Refused<Envelope<S>>> {
        let mut state = self.lock();
        let envelope = admit(&state.status, from_outside, envelope)?;
        let State { queue, extras, .. } = &mut *state;
        let mut dropped = None;
        let mut compacted = Vec::new();
        match extras
            .as_deref_mut()
            .and_then(|extras| extras.bound.as_deref_mut())
        {
            _ if !envelope.is_bounded() => queue.push(envelope),
            Some(bound) if bound.has_room() => {
                bound.queue(&envelope);
                queue.push(envelope);
            }
            Some(bound) if drop_oldest && matches!(envelope, Envelope::Cast(_)) => {
                // The oldest cast not yet taken by the server makes way
                // (marked, see `Bound::dropped`); calls are never dropped
                // (their callers wait for room).
                if bound.casts > bound.dropped {
                    bound.dropped += 1;
                    bound.casts += 1;
                    queue.push(envelope);
                    if bound.dropped > bound.capacity {
                        compacted = take_oldest_casts(queue, std::mem::take(&mut bound.dropped));
                        bound.casts -= compacted.len();
                    }
                } else {
                    dropped = Some(envelope);
                }
            }
            Some(_) => return Err(Refused::Full(envelope)),
            None => queue.push(envelope),
        }
        let waker = self.take_waker(&mut state);
        drop(state);
        // What is dropped runs the user's `Drop`s, so not under the lock.
        drop(dropped);
        drop(compacted);
        if let Some(waker) = waker {
            waker.wake();
        }
        Ok(())
    }

    /// The exit reason, once the server has exited.
    pub(crate) fn exit_reason(&self) -> Option<ExitReason> {
        self.lock().status.exit_reason()
    }

    /// Waits until the server has exited and returns its reason.
    pub(crate) async fn exited(&self) -> ExitReason {
        // Declared first, so dropped last: after `waiters` and `notified`.
        // Armed only once there is a waiter to release, so that an exit
        // found at once costs one lock.
        let mut release = ReleaseWaiters { shared: None };
        let waiters = {
            let mut state = self.lock();
            if let Some(reason) = state.status.exit_reason() {
                return reason;
            }
            let extras = state.extras.get_or_insert_with(Box::default);
            Arc::clone(extras.exit_waiters.get_or_insert_with(Arc::default))
        };
        release.shared = Some(self);
        let notified = waiters.notified();
        tokio::pin!(notified);
        // Register before looking again, so an exit between the look and the
        // wait still wakes us.
        notified.as_mut().enable();
        if let Some(reason) = self.exit_reason() {
            return reason;
        }
        notified.await;
        self.exit_reason()
            .expect("exit waiters are woken after the status is final")
    }

    /// Waits until `init` has finished: `Ok` once the server serves, the
    /// init's outcome otherwise (see [`Status::Exited`]).
    pub(crate) async fn started(&self) -> Result<(), StartError> {
        std::future::poll_fn(|cx| {
            let mut state = self.lock();
            Poll::Ready(match &state.status {
                Status::Starting => {
                    state.waker = Some(cx.waker().clone());
                    return Poll::Pending;
                }
                Status::Running(_) | Status::Served(_) => Ok(()),
                Status::Exited(reason) => Err(StartError::Init(ExitReason::clone(reason))),
                Status::Ignored => Err(StartError::Ignored),
            })
        })
        .await
    }

    /// Publishes the exit reason, wakes everyone waiting for it (and `start`,
    /// if init had not finished), and returns what was still queued so the
    /// caller can drop it, which fails the pending calls with this reason.
    /// Only the first call has an effect.
    pub(crate) fn exit(&self, reason: ExitReason) -> Option<Vec<Envelope<S>>> {
        self.finish(Status::Exited(Box::new(reason)))
    }

    /// `init` returned `Init::Ignore`.
    pub(crate) fn ignore(&self) -> Option<Vec<Envelope<S>>> {
        self.finish(Status::Ignored)
    }

    fn finish(&self, status: Status) -> Option<Vec<Envelope<S>>> {
        let mut state = self.lock();
        if state.status.is_final() {
            return None;
        }
        state.status = match (status, &state.status) {
            (Status::Exited(reason), Status::Running(_)) => Status::Served(reason),
            (status, _) => status,
        };
        self.gone.store(true, Ordering::Release);
        let mut queue = std::mem::take(&mut state.queue);
        let waker = self.take_waker(&mut state);
        // The common exit: nothing but the server's own task to wake.
        let Some(mut extras) = state.extras.take() else {
            drop(state);
            wake_all(waker, None);
            return Some(queue);
        };
        // Senders waiting for room are refused, their messages dropped
        // with the queue (after the reason is published), and told.
        let refused: Vec<Waker> = match extras.bound.as_deref_mut() {
            None => Vec::new(),
            Some(bound) => bound
                .waiting
                .drain(..)
                .map(|waiting| {
                    waiting.slot.store(REFUSED, Ordering::Release);
                    queue.push(waiting.envelope);
                    waiting.waker
                })
                .collect(),
        };
        let reason = state.status.exit_reason();
        drop(state);
        for waker in refused {
            waker.wake();
        }
        if let Some(init) = extras.init_waker {
            init.wake();
        }
        let (waiters, group, hooks) = (extras.exit_waiters, extras.group, extras.hooks);
        let reason = reason.unwrap_or(ExitReason::Normal);
        if hooks.is_empty() {
            wake_all(waker, waiters.as_deref());
            if let Some(group) = group {
                group.member_exited(self.id, &reason);
            }
            return Some(queue);
        }
        let id = self.id;
        // Names first, so that whoever is told of the exit (`start`
        // included) finds the name free; then the rest, in the order they
        // were set up. The waiters are woken after the hooks.
        let hooks = hooks.into_ordered();
        after_exit(move || {
            for hook in hooks {
                // A hook is the registry's, a link's, a monitor's or a
                // user's (`Pid::on_exit`): one that panics must not keep the
                // others from running nor leave anyone waiting.
                if catch_unwind(AssertUnwindSafe(|| hook(id, &reason))).is_err() {
                    tracing::error!(id = id.as_u64(), "an exit hook of {id} panicked");
                }
            }
            wake_all(waker, waiters.as_deref());
            if let Some(group) = group {
                group.member_exited(id, &reason);
            }
        });
        Some(queue)
    }

    /// Adds a hook to run when the server exits; hands it back if the
    /// server has already exited, with the reason.
    pub(crate) fn add_hook(
        &self,
        key: HookKey,
        hook: ExitHook,
    ) -> Result<(), (ExitHook, ExitReason)> {
        let mut state = self.lock();
        if let Some(reason) = state.status.exit_reason() {
            return Err((hook, reason));
        }
        state
            .extras
            .get_or_insert_with(Box::default)
            .hooks
            .push(key, hook);
        Ok(())
    }

    /// Adds a hook unless one with this key is set already, in one step
    /// under the lock (two servers linking to each other at once make one
    /// link). `Ok(None)`: added; `Ok(Some(hook))`: one was there, and this
    /// one comes back to be dropped outside the lock.
    pub(crate) fn add_hook_once(
        &self,
        key: HookKey,
        hook: ExitHook,
    ) -> Result<Option<ExitHook>, (ExitHook, ExitReason)> {
        let mut state = self.lock();
        if let Some(reason) = state.status.exit_reason() {
            return Err((hook, reason));
        }
        let hooks = &mut state.extras.get_or_insert_with(Box::default).hooks;
        if hooks.contains(key) {
            return Ok(Some(hook));
        }
        hooks.push(key, hook);
        Ok(None)
    }

    /// Removes the hooks with this key; whether there was one.
    pub(crate) fn remove_hook(&self, key: HookKey) -> bool {
        let removed = {
            let mut state = self.lock();
            let Some(extras) = state.extras.as_mut() else {
                return false;
            };
            extras.hooks.remove(key)
        };
        // Dropped outside the lock: a hook may hold a handle whose drop
        // locks another server.
        removed.is_some()
    }

    /// Makes the server a member of `group`, counted out at its exit (with
    /// its exit waiters, after its hooks; for a second group, by a hook of
    /// its own), having first removed its hooks with the key `unlink`: one
    /// visit, under one lock, for each child a supervisor stops. `false` if
    /// it has exited already; it is then not counted in.
    pub(crate) fn join_exit_group(&self, group: &Arc<ExitGroup>, unlink: Option<HookKey>) -> bool {
        let removed = {
            let mut state = self.lock();
            if state.status.is_final() {
                return false;
            }
            let extras = state.extras.get_or_insert_with(Box::default);
            let removed = unlink.and_then(|key| extras.hooks.remove(key));
            group.enter();
            if extras.group.is_none() {
                extras.group = Some(Arc::clone(group));
            } else {
                // In a group already (a supervisor stops a child once, so
                // this does not happen): this one's count goes by a hook.
                let group = Arc::clone(group);
                extras.hooks.push(
                    HookKey::Other(unique()),
                    Box::new(move |id, reason| group.member_exited(id, reason)),
                );
            }
            removed
        };
        // Dropped outside the lock, as in `remove_hook`.
        drop(removed);
        true
    }

    /// Sets the server's parent (see `Extras::parent`).
    pub(crate) fn set_parent(&self, parent: Option<ServerId>) {
        let mut state = self.lock();
        if parent.is_some() || state.extras.is_some() {
            state.extras.get_or_insert_with(Box::default).parent = parent;
        }
    }

    /// The server's parent, if it has one.
    pub(crate) fn parent(&self) -> Option<ServerId> {
        self.lock().extras.as_ref().and_then(|extras| extras.parent)
    }

    /// The name the server is registered under, if any (see [`Extras`]).
    /// `None` once it has exited.
    pub(crate) fn name(&self) -> Option<Arc<str>> {
        self.lock().extras.as_ref()?.name.clone()
    }

    /// Sets or clears the name shown for the server. A registry calls it
    /// when it registers or releases a name; a server that has exited is
    /// left as it is.
    pub(crate) fn set_name(&self, name: Option<Arc<str>>) {
        let mut state = self.lock();
        if state.status.exit_reason().is_some() {
            return;
        }
        match (&mut state.extras, name) {
            (None, None) => {}
            (extras, name) => extras.get_or_insert_with(Box::default).name = name,
        }
    }

    /// Whether the server has exited (lock-free; see `exited`).
    pub(crate) fn has_exited(&self) -> bool {
        self.gone.load(Ordering::Acquire)
    }

    /// Whether the server traps exits.
    pub(crate) fn traps_exits(&self) -> bool {
        self.trapping.load(Ordering::Acquire)
    }

    /// Sets whether the server traps exits (only the server itself does).
    pub(crate) fn set_trapping(&self, on: bool) {
        self.trapping.store(on, Ordering::Release);
    }

    /// Queues a system message, unless the server has exited (then it is
    /// handed back). Never refused as a call to oneself: system messages
    /// do not wait for the server.
    pub(crate) fn send_system(&self, message: SystemFn<S>) -> Result<(), SystemFn<S>> {
        match self.send(Envelope::System(message), false) {
            Ok(()) => Ok(()),
            Err(Refused::NoProc(Envelope::System(message))) => Err(message),
            Err(_) => unreachable!("only a system message was sent, and never as a call"),
        }
    }

    /// Queues a signal turned into a message (a trapped exit, a down),
    /// unless the server has exited; `false` then.
    pub(crate) fn send_signal(&self, message: SystemFn<S>) -> bool {
        self.send(Envelope::Signal(message), false).is_ok()
    }

    pub(crate) fn add_handle(&self) {
        // As `Arc` does for its count: a count this high can only come from
        // leaked handles (billions of them), and wrapping would free the
        // server while handles remain.
        if self.handles.fetch_add(1, Ordering::Relaxed) > u32::MAX / 2 {
            std::process::abort();
        }
    }

    pub(crate) fn drop_handle(&self) {
        if self.handles.fetch_sub(1, Ordering::AcqRel) == 1 {
            // The last handle is gone: wake the server so it notices.
            let waker = self.take_waker(&mut self.lock());
            if let Some(waker) = waker {
                waker.wake();
            }
        }
    }

    /// Takes the next batch of mail into `buf` (which must be empty: its
    /// messages would go back to the senders, behind newer mail).
    pub(crate) fn poll_batch(
        &self,
        buf: &mut Vec<Envelope<S>>,
        cx: &mut Context<'_>,
    ) -> Poll<Batch> {
        debug_assert!(
            buf.is_empty(),
            "a batch is taken only once the last is done"
        );
        let mut state = self.lock();
        let starter = match state.status {
            Status::Running(_) => None,
            // The first look, right after init succeeded: the server serves
            // from now on, and `start` (whose waker is in the slot) is woken.
            Status::Starting => {
                state.status = Status::Running(tokio::task::id());
                state.waker.take()
            }
            // Killed from outside (a start timeout), in init or since:
            // serve nothing.
            Status::Exited(_) | Status::Served(_) | Status::Ignored => {
                return Poll::Ready(Batch::Gone);
            }
        };
        // Register before looking at the queue: whether mail is taken now or
        // not, any mail sent from here on wakes the server, which is what
        // lets `Receiver::poll_fill` skip the lock once the batch is done.
        match &mut state.waker {
            Some(waker) if waker.will_wake(cx.waker()) => {}
            slot => *slot = Some(cx.waker().clone()),
        }
        self.parked.store(true, Ordering::Release);
        if self.flags & BOUNDED != 0 && !state.queue.is_empty() {
            return self.take_bounded(state, buf, starter);
        }
        let batch = if !state.queue.is_empty() {
            // The end of a burst (a small batch after large ones): the
            // burst's buffer does not go back to the senders, or an idle
            // server would keep it (the server only sees the queue again
            // when it takes the lock, which a sleeping server does not).
            // It is freed outside the lock, on a path of its own: an
            // `Option` of it, dropped on the common path, costs a call.
            if buf.capacity() > IDLE_CAPACITY && state.queue.len() <= IDLE_CAPACITY {
                let spare = std::mem::take(buf);
                std::mem::swap(&mut state.queue, buf);
                drop(state);
                drop(spare);
                if let Some(starter) = starter {
                    starter.wake();
                }
                return Poll::Ready(Batch::Mail);
            }
            // The drained buffer goes back for the senders to fill, so a
            // steady flow of mail allocates nothing.
            std::mem::swap(&mut state.queue, buf);
            Poll::Ready(Batch::Mail)
        } else if self.handles.load(Ordering::Acquire) == 0 {
            // Checked under the lock that `drop_handle` takes before waking,
            // so the last handle's drop cannot slip between this check and
            // the waker registration.
            Poll::Ready(Batch::Closed)
        } else {
            // Going to sleep: a burst's worth of queue goes back, so an idle
            // server returns to its idle size (`Receiver::poll_fill` does
            // the same with the server's own buffer).
            if state.queue.capacity() > IDLE_CAPACITY {
                state.queue = Vec::new();
            }
            Poll::Pending
        };
        drop(state);
        if let Some(starter) = starter {
            starter.wake();
        }
        batch
    }

    /// [`poll_batch`](Shared::poll_batch)'s taking of a batch from a
    /// bounded mailbox: the queue is swapped out as for any server, which
    /// makes room, and the senders waiting for room get their messages
    /// into the emptied queue, oldest first, and are told.
    #[cold]
    #[inline(never)]
    fn take_bounded(
        &self,
        mut state: MutexGuard<'_, State<S>>,
        buf: &mut Vec<Envelope<S>>,
        starter: Option<Waker>,
    ) -> Poll<Batch> {
        // The drained buffer goes back for the senders to fill, unless it
        // is larger than the bound needs.
        let spare = (buf.capacity() > IDLE_CAPACITY && state.queue.len() <= IDLE_CAPACITY)
            .then(|| std::mem::take(buf));
        let State { queue, extras, .. } = &mut *state;
        std::mem::swap(queue, buf);
        let mut told = Vec::new();
        let mut dropped = 0;
        if let Some(bound) = extras
            .as_deref_mut()
            .and_then(|extras| extras.bound.as_deref_mut())
        {
            bound.queued = 0;
            bound.casts = 0;
            dropped = std::mem::take(&mut bound.dropped);
            while bound.queued < bound.capacity {
                let Some(waiting) = bound.waiting.pop_front() else {
                    break;
                };
                waiting.slot.store(QUEUED, Ordering::Release);
                bound.queue(&waiting.envelope);
                queue.push(waiting.envelope);
                told.push(waiting.waker);
            }
        }
        if !told.is_empty() {
            // Mail is waiting already: after this batch the server must
            // look again rather than sleep.
            self.parked.store(false, Ordering::Release);
        }
        drop(state);
        drop(spare);
        // The casts `drop_oldest` dropped are the oldest in the batch; the
        // server never sees them.
        if dropped > 0 {
            let mut oldest = oldest_casts(dropped);
            buf.retain(|envelope| !oldest(envelope));
        }
        for waker in told {
            waker.wake();
        }
        if let Some(starter) = starter {
            starter.wake();
        }
        Poll::Ready(Batch::Mail)
    }

    /// Makes a server that finished init serve, and wakes `start`, before
    /// its first look at the mailbox: for an init that asked for something
    /// to happen first (a continuation runs after `start` has returned, as
    /// OTP returns `{:ok, pid}` before `handle_continue`). `false` if it was
    /// killed meanwhile.
    pub(crate) fn serve(&self) -> bool {
        let mut state = self.lock();
        match state.status {
            Status::Starting => {}
            Status::Running(_) => return true,
            Status::Exited(_) | Status::Served(_) | Status::Ignored => return false,
        }
        state.status = Status::Running(tokio::task::id());
        let starter = state.waker.take();
        drop(state);
        if let Some(starter) = starter {
            starter.wake();
        }
        true
    }

    /// Whether the server can wait without looking at the queue: its
    /// waker is registered (see `parked`), so any mail, a kill or the last
    /// handle's drop from now on wakes it; and a handle is left, since the
    /// last one may have gone before the waker was registered.
    fn is_parked(&self) -> bool {
        self.parked.load(Ordering::Acquire) && self.handles.load(Ordering::Acquire) > 0
    }

    /// Lets go of the queue's spare memory (`:hibernate`), if it is empty.
    pub(crate) fn hibernate(&self) {
        let mut state = self.lock();
        if state.queue.is_empty() {
            state.queue = Vec::new();
        }
    }

    /// Keeps the server task's waker in the waker slot while the server
    /// awaits a callback, so that a kill from another task wakes it (see
    /// `run::poll_killable`). `true` if the server has been killed already.
    /// Takes the lock only if a send took the waker since the last batch.
    pub(crate) fn watch_for_kill(&self, waker: &Waker) -> bool {
        if self.parked.load(Ordering::Acquire) {
            return false;
        }
        let mut state = self.lock();
        if state.status.exit_reason().is_some() {
            return true;
        }
        if matches!(state.status, Status::Starting) {
            // In an `async` init, where the slot holds `start`'s waker.
            state.extras.get_or_insert_with(Box::default).init_waker = Some(waker.clone());
            return false;
        }
        // Not `parked`: that would tell the loop that nothing arrived since
        // the last batch, which is not known here.
        match &state.waker {
            Some(registered) if registered.will_wake(waker) => {}
            _ => state.waker = Some(waker.clone()),
        }
        false
    }

    /// Takes the waker out of its slot, to wake it once the lock is released.
    fn take_waker(&self, state: &mut State<S>) -> Option<Waker> {
        self.parked.store(false, Ordering::Release);
        state.waker.take()
    }
}

/// What [`Shared::poll_batch`] found.
pub(crate) enum Batch {
    /// Mail was taken.
    Mail,
    /// The mailbox is empty and no handle is left to fill it.
    Closed,
    /// The server was killed from outside while it was not looking.
    Gone,
    /// Not from the mailbox: an armed idle timeout ran out (see `run`).
    Idle,
}

/// The most queue slots a drained buffer keeps while the server is busy.
const RETAINED_CAPACITY: usize = 1024;

/// The most queue slots a buffer keeps once the server goes to sleep: a
/// steady flow of calls reuses its small buffers, while a burst's go back.
const IDLE_CAPACITY: usize = 32;

/// The server side of a mailbox: a private buffer that batches are swapped
/// into. A batch is turned round once it is taken, outside the lock, and
/// then popped from the back, oldest first: a popped slot is gone, so the
/// drained buffer is empty and goes back to the senders as it is, with
/// nothing to clear. (Reading from the front would leave either moved-from
/// slots to clear one by one, or a `VecDeque` to convert at every swap; a
/// call, whose batch is one message, pays neither.)
pub(crate) struct Receiver<S: GenServer> {
    buf: Vec<Envelope<S>>,
}

impl<S: GenServer> Receiver<S> {
    pub(crate) fn new() -> Self {
        Receiver { buf: Vec::new() }
    }

    /// Waits for mail: [`Batch::Mail`] once the next batch is taken (then
    /// [`pop`] returns it).
    ///
    /// [`pop`]: Receiver::pop
    pub(crate) fn poll_fill(&mut self, shared: &Shared<S>, cx: &mut Context<'_>) -> Poll<Batch> {
        if !self.buf.is_empty() {
            return Poll::Ready(Batch::Mail);
        }
        // The waker registered when the batch was taken is still in place, so
        // nothing has arrived since (a send would have taken it and woken
        // this task, which is then polled again): there is nothing to take,
        // and serving a call costs one lock on this side, not two.
        if shared.is_parked() {
            // Going to sleep, as below (which also covers the rule next).
            if self.buf.capacity() > IDLE_CAPACITY {
                self.buf = Vec::new();
            }
            return Poll::Pending;
        }
        // A burst leaves a large buffer behind, and the two buffers change
        // places at every batch: let go of a large one once it is drained,
        // so a server does not keep a burst's worth of memory forever.
        if self.buf.capacity() > RETAINED_CAPACITY {
            self.buf = Vec::new();
        }
        let batch = shared.poll_batch(&mut self.buf, cx);
        if batch.is_pending() && self.buf.capacity() > IDLE_CAPACITY {
            self.buf = Vec::new();
        }
        self.buf.reverse();
        batch
    }

    /// Whether the batch taken is done.
    pub(crate) fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// The messages of the batch taken that are still to be handled, oldest
    /// first.
    pub(crate) fn pending(&self) -> impl Iterator<Item = &Envelope<S>> {
        self.buf.iter().rev()
    }

    /// Puts messages set aside (by a suspended server) back in front of the
    /// rest of the batch, in their order.
    pub(crate) fn requeue(&mut self, set_aside: Vec<Envelope<S>>) {
        // The buffer is read from the back, so the oldest goes last.
        self.buf.extend(set_aside.into_iter().rev());
    }

    /// Lets go of the buffer's memory (`:hibernate`).
    pub(crate) fn hibernate(&mut self) {
        if self.buf.is_empty() {
            self.buf = Vec::new();
        }
    }

    /// The next message of the batch already taken, if any.
    pub(crate) fn pop(&mut self) -> Option<Envelope<S>> {
        self.buf.pop()
    }

    /// Takes the messages already swapped out but not yet handled, so the
    /// exiting server drops them with the rest of its queue.
    pub(crate) fn take_buffered(&mut self) -> Vec<Envelope<S>> {
        std::mem::take(&mut self.buf)
    }
}

/// Asked of each message of a queue in order, says whether it is one of
/// the `n` oldest casts (those `drop_oldest` marked dropped).
fn oldest_casts<S: GenServer>(mut n: usize) -> impl FnMut(&Envelope<S>) -> bool {
    move |envelope| {
        let oldest = n > 0 && matches!(envelope, Envelope::Cast(_));
        n -= usize::from(oldest);
        oldest
    }
}

/// Takes the `n` oldest casts out of `queue`, keeping the order of the
/// rest: one pass, however many there are. (Under the lock, so they are
/// handed back to be dropped after it; the batch a server has taken drops
/// them in place.)
fn take_oldest_casts<S: GenServer>(queue: &mut Vec<Envelope<S>>, n: usize) -> Vec<Envelope<S>> {
    let mut oldest = oldest_casts(n);
    let mut taken = Vec::with_capacity(n);
    let mut kept = Vec::with_capacity(queue.len().saturating_sub(n));
    for envelope in queue.drain(..) {
        if oldest(&envelope) {
            taken.push(envelope);
        } else {
            kept.push(envelope);
        }
    }
    *queue = kept;
    taken
}

/// Whether a server in `status` takes a message: not once it has exited,
/// and not a call from its own task (`from_outside`: sent by a client, which
/// on the server's own task would wait for itself).
#[inline]
fn admit<S: GenServer>(
    status: &Status,
    from_outside: bool,
    envelope: Envelope<S>,
) -> Result<Envelope<S>, Refused<Envelope<S>>> {
    match status {
        Status::Exited(_) | Status::Served(_) | Status::Ignored => Err(Refused::NoProc(envelope)),
        status if from_outside && status.is_current_task() => Err(Refused::CallingSelf(envelope)),
        Status::Starting | Status::Running(_) => Ok(envelope),
    }
}
