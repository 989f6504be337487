//! The floor: not a server, the least that starting one costs when every
//! server is its own tokio task. A spawned task runs the "init", then sleeps
//! on a `tokio::sync::oneshot` until its owner drops the sender, its only
//! "handle". No mailbox, no lifecycle, no crash isolation.
//!
//! It has rows in the start and memory tables only. A runtime whose start
//! costs close to this row spends its time in `tokio::spawn` itself; on x86_64
//! that is mostly the task cell, which tokio aligns to 128 bytes, so that the
//! system allocator serves it through `posix_memalign`.

use std::sync::Arc;

use tokio::sync::oneshot;

use crate::{Framework, StartGate};

/// How the init reports that it ran.
enum Started {
    Gate(Arc<StartGate>),
    Ack(oneshot::Sender<()>),
}

async fn task(started: Started, stop: oneshot::Receiver<()>) {
    match started {
        Started::Gate(gate) => gate.started(),
        Started::Ack(ack) => {
            let _ = ack.send(());
        }
    }
    // Ends when the sender is dropped.
    let _ = stop.await;
}

/// A bare task and the sender that ends it.
#[derive(Debug)]
pub struct FloorTask(#[allow(dead_code)] oneshot::Sender<()>);

/// The floor row.
#[derive(Debug)]
pub struct Floor;

impl Framework for Floor {
    const NAME: &'static str = "floor: bare tokio task + oneshot";
    type H = FloorTask;
    type Spawned = FloorTask;
    async fn spawn(gate: Arc<StartGate>) -> Self::Spawned {
        let (stop, stopped) = oneshot::channel();
        tokio::spawn(task(Started::Gate(gate), stopped));
        FloorTask(stop)
    }
    async fn start_link() -> Self::H {
        let (stop, stopped) = oneshot::channel();
        let (ack, acked) = oneshot::channel();
        tokio::spawn(task(Started::Ack(ack), stopped));
        acked.await.expect("init");
        FloorTask(stop)
    }
}
