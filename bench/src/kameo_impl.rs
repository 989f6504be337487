//! kameo 0.22: `ask` for call, `tell` for cast, with an unbounded mailbox
//! (the semantics of genserver and Elixir; kameo's default is bounded at 64).

use std::convert::Infallible;
use std::sync::Arc;

use kameo::prelude::*;

use crate::{Framework, Handle, StartGate};

/// The counter actor.
#[derive(Debug)]
pub struct KServer {
    count: u64,
}

impl Actor for KServer {
    type Args = Option<Arc<StartGate>>;
    type Error = Infallible;
    async fn on_start(args: Self::Args, _me: ActorRef<Self>) -> Result<Self, Self::Error> {
        if let Some(g) = args {
            g.started();
        }
        Ok(KServer { count: 0 })
    }
}

/// `call(x)`.
#[derive(Debug)]
pub struct Call(pub u64);
/// `cast(x)`.
#[derive(Debug)]
pub struct Cast(pub u64);

impl Message<Call> for KServer {
    type Reply = u64;
    async fn handle(&mut self, msg: Call, _ctx: &mut Context<Self, Self::Reply>) -> u64 {
        self.count += msg.0;
        self.count
    }
}

impl Message<Cast> for KServer {
    type Reply = ();
    async fn handle(&mut self, msg: Cast, _ctx: &mut Context<Self, Self::Reply>) {
        self.count += msg.0;
    }
}

/// A handle to a kameo actor.
#[derive(Debug)]
pub struct KHandle(pub ActorRef<KServer>);

impl Handle for KHandle {
    #[inline]
    async fn call(&self, x: u64) -> u64 {
        self.0.ask(Call(x)).await.expect("ask failed")
    }
    #[inline]
    async fn cast(&self, x: u64) -> () {
        self.0.tell(Cast(x)).await.expect("tell failed")
    }
}

/// kameo 0.22, unbounded mailbox.
#[derive(Debug)]
pub struct Kameo;

impl Framework for Kameo {
    const NAME: &'static str = "kameo 0.22 (unbounded mailbox)";
    type H = KHandle;
    type Spawned = KHandle;
    async fn spawn(gate: Arc<StartGate>) -> Self::Spawned {
        KHandle(KServer::spawn_with_mailbox(
            Some(gate),
            mailbox::unbounded(),
        ))
    }
    async fn start_link() -> Self::H {
        let r = KServer::spawn_with_mailbox(None, mailbox::unbounded());
        r.wait_for_startup().await;
        KHandle(r)
    }
}

/// Names for the by-name rows: kameo's registry is process-wide.
fn fresh_name() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!("bench-kameo-{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// A kameo actor registered under a name (`ActorRef::register`); every ask
/// and tell looks it up first (`ActorRef::lookup`).
#[derive(Debug)]
pub struct KNamed {
    name: String,
    _actor: ActorRef<KServer>,
}

impl KNamed {
    #[inline]
    fn find(&self) -> ActorRef<KServer> {
        ActorRef::<KServer>::lookup(self.name.as_str())
            .expect("lookup")
            .expect("registered")
    }
}

impl Handle for KNamed {
    #[inline]
    async fn call(&self, x: u64) -> u64 {
        self.find().ask(Call(x)).await.expect("ask failed")
    }
    #[inline]
    async fn cast(&self, x: u64) -> () {
        self.find().tell(Cast(x)).await.expect("tell failed")
    }
}

/// kameo 0.22, called by a registered name.
#[derive(Debug)]
pub struct KameoNamed;

impl Framework for KameoNamed {
    const NAME: &'static str = "kameo 0.22, by name (lookup per call)";
    type H = KNamed;
    type Spawned = KHandle;
    async fn spawn(gate: Arc<StartGate>) -> Self::Spawned {
        Kameo::spawn(gate).await
    }
    async fn start_link() -> Self::H {
        let actor = Kameo::start_link().await.0;
        let name = fresh_name();
        actor.register(name.clone()).expect("register");
        KNamed {
            name,
            _actor: actor,
        }
    }
}
