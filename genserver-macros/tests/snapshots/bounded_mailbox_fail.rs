impl Sink {
    #[allow(clippy::needless_pass_by_value)]
    pub fn push(&mut self, item: u64) {
        self.items.push(item);
    }
}
const _: () = {
    #[allow(
        dead_code,
        clippy::extra_unused_type_parameters,
        clippy::multiple_bound_locations
    )]
    fn messages()
    where
        u64: ::core::marker::Send + 'static,
    {}
};
/// Cast messages of [`Sink`], one variant per `#[cast]` handler.
#[allow(private_interfaces, unreachable_pub)]
pub enum SinkCast {
    /// Sends `push` to the server.
    Push {
        /// The `item` argument.
        item: u64,
    },
}
#[automatically_derived]
impl ::genserver::Message for SinkCast {
    fn name(&self) -> &'static str {
        match self {
            Self::Push { .. } => "SinkCast::Push",
        }
    }
}
#[automatically_derived]
#[allow(deprecated)]
impl ::genserver::GenServer for Sink {
    type Arg = Self;
    type Call = ::core::convert::Infallible;
    type Cast = SinkCast;
    type Info = ::core::convert::Infallible;
    type Client = SinkClient;
    const MAILBOX: ::core::option::Option<::core::num::NonZeroUsize> = ::core::num::NonZeroUsize::new(
        16,
    );
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
    fn handle_cast_now(
        &mut self,
        request: Self::Cast,
        ctx: &mut ::genserver::Context<Self>,
    ) -> ::core::result::Result<(), Self::Cast> {
        let _ = ctx;
        match request {
            SinkCast::Push { item } => {
                Self::push(self, item);
                ::core::result::Result::Ok(())
            }
        }
    }
}
/// The client API of [`Sink`]: one method per `#[call]` and `#[cast]` handler. A `ServerRef<Sink>` dereferences to it.
#[derive(Clone, Debug)]
#[allow(unreachable_pub)]
pub struct SinkClient {
    handle: ::genserver::Handle<Sink>,
}
impl SinkClient {
    /// Sends `push` to the server.
    ///
    /// # Errors
    ///
    /// A `CastError` if the cast was not queued: the server is not running, its bounded mailbox is full (`when_full = fail`), or it exited while the cast waited for room (`when_full = wait`).
    pub fn push(&self, item: u64) -> ::core::result::Result<(), ::genserver::CastError> {
        self.handle.try_cast(SinkCast::Push { item })
    }
}
#[automatically_derived]
impl ::genserver::Client<Sink> for SinkClient {
    fn from_handle(handle: ::genserver::Handle<Sink>) -> Self {
        Self { handle }
    }
    fn handle(&self) -> &::genserver::Handle<Sink> {
        &self.handle
    }
}
impl Sink {
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
impl Sink {
    /// The spec a supervisor starts this server with (Elixir's `child_spec/1`):
    /// each start runs `Self::start` with a clone of `arg`.
    /// The defaults: the type name as id, restart `Permanent`, shutdown 5 s, type `Worker`.
    /// Change any field where the spec is used, with `ChildSpec`'s builder
    /// methods or its fields (`Supervisor.child_spec/2`).
    ///
    /// The argument must be `Clone + Sync`, as every restart starts from a
    /// fresh clone of it.
    #[must_use]
    pub fn child_spec<Arg>(arg: Arg) -> ::genserver::ChildSpec
    where
        Self: ::genserver::GenServer<Arg = Arg>,
        Arg: ::core::clone::Clone + ::core::marker::Sync,
    {
        ::genserver::ChildSpec::new::<Self>(arg)
    }
}
