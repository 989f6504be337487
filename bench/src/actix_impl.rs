//! actix 0.13: `send` for call, `do_send` for cast. actix actors live on an
//! Arbiter (a single-threaded tokio runtime plus a `LocalSet`), so it is
//! measured in two placements, one per runtime column:
//! * [`ActixLocal`]  (current_thread column): client and server on the System arbiter;
//! * [`ActixRemote`] (multi_thread(2) column): client on the System arbiter, server
//!   on a second Arbiter thread, the closest actix gets to a 2-worker runtime.

use std::future::Future;
use std::sync::{Arc, Mutex};

use actix::prelude::*;

use crate::{Exec, Framework, Handle, StartGate};

/// The counter actor.
#[derive(Debug)]
pub struct AServer {
    count: u64,
    gate: Option<Arc<StartGate>>,
    ack: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Actor for AServer {
    type Context = Context<Self>;
    fn started(&mut self, _ctx: &mut Self::Context) {
        if let Some(g) = self.gate.take() {
            g.started();
        }
        if let Some(a) = self.ack.take() {
            let _ = a.send(());
        }
    }
}

/// `call(x)`.
#[derive(Debug)]
pub struct ACall(pub u64);
impl actix::Message for ACall {
    type Result = u64;
}

/// `cast(x)`.
#[derive(Debug)]
pub struct ACast(pub u64);
impl actix::Message for ACast {
    type Result = ();
}

impl Handler<ACall> for AServer {
    type Result = u64;
    fn handle(&mut self, m: ACall, _ctx: &mut Context<Self>) -> u64 {
        self.count += m.0;
        self.count
    }
}

impl Handler<ACast> for AServer {
    type Result = ();
    fn handle(&mut self, m: ACast, _ctx: &mut Context<Self>) {
        self.count += m.0;
    }
}

/// A handle to an actix actor.
#[derive(Debug)]
pub struct AHandle(pub Addr<AServer>);

impl Handle for AHandle {
    #[inline]
    async fn call(&self, x: u64) -> u64 {
        self.0.send(ACall(x)).await.expect("send failed")
    }
    #[inline]
    fn cast(&self, x: u64) -> impl Future<Output = ()> + Send + '_ {
        self.0.do_send(ACast(x));
        std::future::ready(())
    }
}

static REMOTE: Mutex<Option<ArbiterHandle>> = Mutex::new(None);

/// Sets (or clears) the arbiter [`ActixRemote`] starts its servers on.
pub fn set_remote_arbiter(h: Option<ArbiterHandle>) {
    *REMOTE.lock().unwrap() = h;
}

fn remote() -> ArbiterHandle {
    REMOTE
        .lock()
        .unwrap()
        .clone()
        .expect("no remote arbiter set")
}

fn server(gate: Option<Arc<StartGate>>, ack: Option<tokio::sync::oneshot::Sender<()>>) -> AServer {
    AServer {
        count: 0,
        gate,
        ack,
    }
}

/// actix 0.13, everything on one arbiter thread.
#[derive(Debug)]
pub struct ActixLocal;

impl Framework for ActixLocal {
    const NAME: &'static str = "actix 0.13";
    const EXEC: Exec = Exec::ActixLocal;
    type H = AHandle;
    type Spawned = AHandle;
    async fn spawn(gate: Arc<StartGate>) -> Self::Spawned {
        AHandle(server(Some(gate), None).start())
    }
    async fn start_link() -> Self::H {
        let (s, r) = tokio::sync::oneshot::channel();
        let a = server(None, Some(s)).start();
        r.await.expect("init");
        AHandle(a)
    }
}

/// actix 0.13, servers on a second arbiter thread.
#[derive(Debug)]
pub struct ActixRemote;

impl Framework for ActixRemote {
    const NAME: &'static str = "actix 0.13";
    const EXEC: Exec = Exec::ActixRemote;
    type H = AHandle;
    type Spawned = AHandle;
    async fn spawn(gate: Arc<StartGate>) -> Self::Spawned {
        AHandle(AServer::start_in_arbiter(&remote(), move |_| {
            server(Some(gate), None)
        }))
    }
    async fn start_link() -> Self::H {
        let (s, r) = tokio::sync::oneshot::channel();
        let a = AServer::start_in_arbiter(&remote(), move |_| server(None, Some(s)));
        r.await.expect("init");
        AHandle(a)
    }
}
