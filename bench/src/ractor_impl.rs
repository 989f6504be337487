//! ractor 0.16 (default features off except `tokio_runtime`): `call` / `cast`.
//! `Actor::spawn` returns only after `pre_start` has run, so ractor's
//! asynchronous start is sequential too.

use std::future::Future;
use std::sync::Arc;

use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};

use crate::{Framework, Handle, StartGate};

/// The counter actor (its state is the `u64`).
#[derive(Debug)]
pub struct RServer;

/// The actor's messages.
#[derive(Debug)]
pub enum RMsg {
    /// `call(x)`.
    Call(u64, RpcReplyPort<u64>),
    /// `cast(x)`.
    Cast(u64),
}

impl Actor for RServer {
    type Msg = RMsg;
    type State = u64;
    type Arguments = Option<Arc<StartGate>>;

    async fn pre_start(
        &self,
        _myself: ActorRef<RMsg>,
        args: Self::Arguments,
    ) -> Result<u64, ActorProcessingErr> {
        if let Some(g) = args {
            g.started();
        }
        Ok(0)
    }

    async fn handle(
        &self,
        _myself: ActorRef<RMsg>,
        msg: RMsg,
        state: &mut u64,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            RMsg::Call(x, port) => {
                *state += x;
                let _ = port.send(*state);
            }
            RMsg::Cast(x) => *state += x,
        }
        Ok(())
    }
}

/// A handle to a ractor actor.
#[derive(Debug)]
pub struct RHandle(pub ActorRef<RMsg>);

impl Handle for RHandle {
    #[inline]
    async fn call(&self, x: u64) -> u64 {
        match self
            .0
            .call(|p| RMsg::Call(x, p), None)
            .await
            .expect("call failed")
        {
            ractor::rpc::CallResult::Success(v) => v,
            _ => panic!("call failed"),
        }
    }
    #[inline]
    fn cast(&self, x: u64) -> impl Future<Output = ()> + Send + '_ {
        let _ = self.0.cast(RMsg::Cast(x));
        std::future::ready(())
    }
}

/// ractor 0.16.
#[derive(Debug)]
pub struct Ractor;

impl Framework for Ractor {
    const NAME: &'static str = "ractor 0.16";
    type H = RHandle;
    type Spawned = RHandle;
    async fn spawn(gate: Arc<StartGate>) -> Self::Spawned {
        let (r, _j) = Actor::spawn(None, RServer, Some(gate))
            .await
            .expect("spawn");
        RHandle(r)
    }
    async fn start_link() -> Self::H {
        let (r, _j) = Actor::spawn(None, RServer, None).await.expect("spawn");
        RHandle(r)
    }
}

/// Names for the by-name rows: ractor's registry is process-wide.
fn fresh_name() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!("bench-ractor-{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// A ractor actor spawned under a name; every call and cast looks it up
/// first (`ractor::registry::where_is`).
#[derive(Debug)]
pub struct RNamed {
    name: String,
    actor: ActorRef<RMsg>,
}

impl RNamed {
    #[inline]
    fn find(&self) -> ActorRef<RMsg> {
        ractor::registry::where_is(self.name.as_str())
            .expect("registered")
            .into()
    }
}

impl Drop for RNamed {
    fn drop(&mut self) {
        // Named actors stay in ractor's registry until they stop.
        self.actor.stop(None);
    }
}

impl Handle for RNamed {
    #[inline]
    async fn call(&self, x: u64) -> u64 {
        match self
            .find()
            .call(|p| RMsg::Call(x, p), None)
            .await
            .expect("call failed")
        {
            ractor::rpc::CallResult::Success(v) => v,
            _ => panic!("call failed"),
        }
    }
    #[inline]
    fn cast(&self, x: u64) -> impl Future<Output = ()> + Send + '_ {
        let _ = self.find().cast(RMsg::Cast(x));
        std::future::ready(())
    }
}

/// ractor 0.16, called by a registered name.
#[derive(Debug)]
pub struct RactorNamed;

impl Framework for RactorNamed {
    const NAME: &'static str = "ractor 0.16, by name (where_is per call)";
    type H = RNamed;
    type Spawned = RHandle;
    async fn spawn(gate: Arc<StartGate>) -> Self::Spawned {
        Ractor::spawn(gate).await
    }
    async fn start_link() -> Self::H {
        let name = fresh_name();
        let (actor, _j) = Actor::spawn(Some(name.clone()), RServer, None)
            .await
            .expect("spawn");
        RNamed { name, actor }
    }
}
