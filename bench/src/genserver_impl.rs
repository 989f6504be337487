//! genserver: the counter written the way a user writes it, with
//! `#[gen_server]`. `start_link` is `Counter::start(arg).await` (waits for
//! init); the asynchronous start is `Counter::spawn(arg)` (returns at once,
//! init runs in the server's task).

use std::future::Future;
use std::sync::Arc;

use genserver::prelude::*;

use crate::{Framework, Handle, StartGate};

/// The counter server.
#[derive(Debug)]
pub struct Counter {
    count: u64,
}

#[gen_server]
impl Counter {
    /// Starts at zero; tells `gate` that init ran, when given one.
    #[init]
    fn init(gate: Option<Arc<StartGate>>) -> Self {
        if let Some(gate) = gate {
            gate.started();
        }
        Counter { count: 0 }
    }

    /// Adds `x` and returns the total.
    #[call]
    pub fn call(&mut self, x: u64) -> u64 {
        self.count += x;
        self.count
    }

    /// Adds `x`.
    #[cast]
    pub fn cast(&mut self, x: u64) {
        self.count += x;
    }
}

/// A started counter.
#[derive(Debug)]
pub struct GsHandle(pub ServerRef<Counter>);

impl Handle for GsHandle {
    #[inline]
    async fn call(&self, x: u64) -> u64 {
        self.0.call(x).await.expect("call failed")
    }
    #[inline]
    fn cast(&self, x: u64) -> impl Future<Output = ()> + Send + '_ {
        self.0.cast(x);
        std::future::ready(())
    }
}

/// genserver, through the macro.
#[derive(Debug)]
pub struct GenServerImpl;

impl Framework for GenServerImpl {
    const NAME: &'static str = "genserver";
    type H = GsHandle;
    /// The reference keeps the server alive.
    type Spawned = ServerRef<Counter>;
    async fn spawn(gate: Arc<StartGate>) -> Self::Spawned {
        Counter::spawn(Some(gate)).expect("spawn")
    }
    async fn start_link() -> Self::H {
        GsHandle(Counter::start(None).await.expect("start"))
    }
}
