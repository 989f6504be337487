//! The baseline: a hand-written tokio actor, `tokio::sync::mpsc::unbounded_channel`
//! for the mailbox and `tokio::sync::oneshot` for each reply. No timeouts, no
//! crash isolation, no lifecycle: what a runtime costs at least on tokio's own
//! channels.

use std::future::Future;
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use crate::{Framework, Handle, StartGate};

/// The mailbox message.
#[derive(Debug)]
pub enum Msg {
    /// `call(x)` with its reply channel.
    Call(u64, oneshot::Sender<u64>),
    /// `cast(x)`.
    Cast(u64),
}

enum Started {
    Gate(Arc<StartGate>),
    Ack(oneshot::Sender<()>),
}

async fn server_loop(mut rx: mpsc::UnboundedReceiver<Msg>, started: Started) {
    // init
    let mut count: u64 = 0;
    match started {
        Started::Gate(gate) => gate.started(),
        Started::Ack(ack) => {
            let _ = ack.send(());
        }
    }
    while let Some(m) = rx.recv().await {
        match m {
            Msg::Call(x, reply) => {
                count += x;
                let _ = reply.send(count);
            }
            Msg::Cast(x) => count += x,
        }
    }
}

/// A handle to a raw server.
#[derive(Debug)]
pub struct RawHandle {
    tx: mpsc::UnboundedSender<Msg>,
}

impl Handle for RawHandle {
    #[inline]
    async fn call(&self, x: u64) -> u64 {
        let (s, r) = oneshot::channel();
        let _ = self.tx.send(Msg::Call(x, s));
        r.await.expect("server gone")
    }
    #[inline]
    fn cast(&self, x: u64) -> impl Future<Output = ()> + Send + '_ {
        let _ = self.tx.send(Msg::Cast(x));
        std::future::ready(())
    }
}

/// The hand-written tokio actor (baseline).
#[derive(Debug)]
pub struct Raw;

impl Framework for Raw {
    const NAME: &'static str = "raw tokio (mpsc unbounded + oneshot)";
    type H = RawHandle;
    type Spawned = RawHandle;
    async fn spawn(gate: Arc<StartGate>) -> Self::Spawned {
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(server_loop(rx, Started::Gate(gate)));
        RawHandle { tx }
    }
    async fn start_link() -> Self::H {
        let (tx, rx) = mpsc::unbounded_channel();
        let (s, r) = oneshot::channel();
        tokio::spawn(server_loop(rx, Started::Ack(s)));
        r.await.expect("init failed");
        RawHandle { tx }
    }
}
