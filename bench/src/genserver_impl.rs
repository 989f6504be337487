//! genserver: the counter written the way a user writes it, with
//! `#[gen_server]`. `start_link` is `Counter::start(arg).await` (waits for
//! init); the asynchronous start is `Counter::spawn(arg)` (returns at once,
//! init runs in the server's task).

use std::future::Future;
use std::sync::Arc;

use genserver::prelude::*;

use crate::{Framework, Handle, StartGate};

/// Defines a counter server type: the same code for [`Counter`] and
/// [`NamedCounter`].
macro_rules! counter {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name {
            count: u64,
        }

        #[gen_server]
        impl $name {
            /// Starts at zero; tells `gate` that init ran, when given one.
            #[init]
            fn init(gate: Option<Arc<StartGate>>) -> Self {
                if let Some(gate) = gate {
                    gate.started();
                }
                $name { count: 0 }
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
    };
}

counter!(
    /// The counter server.
    Counter
);

counter!(
    /// The counter of the by-name rows: the same server as [`Counter`], as a
    /// type of its own. Sharing `Counter` would give its `call`, `cast` and
    /// `start` more call sites in this binary than a program with one has,
    /// and the compiler then stops inlining them into the plain row's loop
    /// (about 40 instructions more per call, 60 per start, in a row that
    /// did not change).
    NamedCounter
);

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

/// Names for the by-name rows: one per server, so a sample never finds a
/// name left by an earlier one.
fn fresh_name() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!("bench-counter-{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// A counter started under a local name; every call and cast looks the name
/// up first (`GenServer.call(:name, ..)`).
#[derive(Debug)]
pub struct GsNamed {
    name: String,
    /// Keeps the server alive while the sample runs, as the name alone would.
    _server: ServerRef<NamedCounter>,
}

impl Drop for GsNamed {
    fn drop(&mut self) {
        genserver::registry::unregister(&self.name);
    }
}

impl Handle for GsNamed {
    #[inline]
    async fn call(&self, x: u64) -> u64 {
        genserver::registry::whereis::<NamedCounter>(&self.name)
            .expect("registered")
            .call(x)
            .await
            .expect("call failed")
    }
    #[inline]
    fn cast(&self, x: u64) -> impl Future<Output = ()> + Send + '_ {
        genserver::registry::whereis::<NamedCounter>(&self.name)
            .expect("registered")
            .cast(x);
        std::future::ready(())
    }
}

/// genserver, called by a local name (`registry::whereis` per message).
#[derive(Debug)]
pub struct GenServerNamed;

impl Framework for GenServerNamed {
    const NAME: &'static str = "genserver, by name (whereis per call)";
    type H = GsNamed;
    type Spawned = ServerRef<NamedCounter>;
    async fn spawn(gate: Arc<StartGate>) -> Self::Spawned {
        NamedCounter::spawn(Some(gate)).expect("spawn")
    }
    async fn start_link() -> Self::H {
        let name = fresh_name();
        let server = NamedCounter::start_with(None, StartOptions::new().name(name.clone()))
            .await
            .expect("start");
        GsNamed {
            name,
            _server: server,
        }
    }
}

/// A counter registered under a key of a `Registry<u64, NamedCounter>`; every call
/// and cast looks the key up first.
#[derive(Debug)]
pub struct GsKeyed {
    registry: genserver::registry::Registry<u64, NamedCounter>,
}

impl Handle for GsKeyed {
    #[inline]
    async fn call(&self, x: u64) -> u64 {
        self.registry
            .lookup(&1)
            .expect("registered")
            .call(x)
            .await
            .expect("call failed")
    }
    #[inline]
    fn cast(&self, x: u64) -> impl Future<Output = ()> + Send + '_ {
        self.registry.lookup(&1).expect("registered").cast(x);
        std::future::ready(())
    }
}

/// genserver, called by key in a `Registry` (`lookup` per message).
#[derive(Debug)]
pub struct GenServerKeyed;

impl Framework for GenServerKeyed {
    const NAME: &'static str = "genserver, by Registry key (lookup per call)";
    type H = GsKeyed;
    type Spawned = ServerRef<NamedCounter>;
    async fn spawn(gate: Arc<StartGate>) -> Self::Spawned {
        NamedCounter::spawn(Some(gate)).expect("spawn")
    }
    async fn start_link() -> Self::H {
        let registry = genserver::registry::Registry::new();
        NamedCounter::start_with(None, StartOptions::new().via(&registry, 1))
            .await
            .expect("start");
        // The registry holds the only reference; dropping the handle drops
        // the registry and with it the server.
        GsKeyed { registry }
    }
}
