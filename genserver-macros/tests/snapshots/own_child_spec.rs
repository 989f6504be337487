impl Worker {
    /// The user's own.
    pub fn child_spec(arg: Worker) -> ChildSpec {
        ChildSpec::new::<Self>(arg).restart(Restart::Temporary)
    }
}
#[automatically_derived]
#[allow(deprecated)]
impl ::genserver::GenServer for Worker {
    type Arg = Self;
    type Call = ::core::convert::Infallible;
    type Cast = ::core::convert::Infallible;
    type Info = ::core::convert::Infallible;
    type Client = WorkerClient;
    async fn init(
        arg: Self::Arg,
        ctx: &mut ::genserver::Context<Self>,
    ) -> ::genserver::Init<Self> {
        let _ = ctx;
        ::genserver::Init::Ok(arg)
    }
    fn init_now(
        arg: Self::Arg,
        ctx: &mut ::genserver::Context<Self>,
    ) -> ::core::result::Result<::genserver::Init<Self>, Self::Arg> {
        let _ = ctx;
        ::core::result::Result::Ok(::genserver::Init::Ok(arg))
    }
}
/// The client API of [`Worker`]: one method per `#[call]` and `#[cast]` handler. A `ServerRef<Worker>` dereferences to it.
#[derive(Clone, Debug)]
#[allow(unreachable_pub)]
pub struct WorkerClient {
    handle: ::genserver::Handle<Worker>,
}
impl WorkerClient {}
#[automatically_derived]
impl ::genserver::Client<Worker> for WorkerClient {
    fn from_handle(handle: ::genserver::Handle<Worker>) -> Self {
        Self { handle }
    }
    fn handle(&self) -> &::genserver::Handle<Worker> {
        &self.handle
    }
}
impl Worker {
    /// Starts the server and waits until its init has run (`GenServer.start/2`).
    ///
    /// # Errors
    ///
    /// A `StartError` if init failed, panicked, returned `Init::Ignore` or timed out.
    pub async fn start(
        arg: <Self as ::genserver::GenServer>::Arg,
    ) -> ::core::result::Result<::genserver::ServerRef<Self>, ::genserver::StartError> {
        ::genserver::start(arg, ::genserver::StartOptions::new()).await
    }
}
