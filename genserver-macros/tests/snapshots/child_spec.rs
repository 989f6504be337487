impl<Arg: Clone + Sync> Cache<Arg> {
    #[allow(clippy::needless_pass_by_value)]
    fn init(config: Arg) -> Self {
        Cache { config }
    }
}
#[automatically_derived]
#[allow(deprecated)]
impl<Arg: Clone + Sync> ::genserver::GenServer for Cache<Arg>
where
    Arg: ::core::marker::Send + 'static,
{
    type Arg = Arg;
    type Call = ::core::convert::Infallible;
    type Cast = ::core::convert::Infallible;
    type Info = ::core::convert::Infallible;
    type Client = CacheClient<Arg>;
    async fn init(
        arg: Self::Arg,
        ctx: &mut ::genserver::Context<Self>,
    ) -> ::genserver::Init<Self> {
        let _ = ctx;
        ::genserver::Init::Ok(Self::init(arg))
    }
    fn init_now(
        arg: Self::Arg,
        ctx: &mut ::genserver::Context<Self>,
    ) -> ::core::result::Result<::genserver::Init<Self>, Self::Arg> {
        let _ = ctx;
        ::core::result::Result::Ok(::genserver::Init::Ok(Self::init(arg)))
    }
}
/// The client API of [`Cache`]: one method per `#[call]` and `#[cast]` handler. A `ServerRef<Cache>` dereferences to it.
#[allow(unreachable_pub)]
pub struct CacheClient<Arg: Clone + Sync>
where
    Arg: ::core::marker::Send + 'static,
{
    handle: ::genserver::Handle<Cache<Arg>>,
}
impl<Arg: Clone + Sync> CacheClient<Arg>
where
    Arg: ::core::marker::Send + 'static,
{}
#[automatically_derived]
impl<Arg: Clone + Sync> ::genserver::Client<Cache<Arg>> for CacheClient<Arg>
where
    Arg: ::core::marker::Send + 'static,
{
    fn from_handle(handle: ::genserver::Handle<Cache<Arg>>) -> Self {
        Self { handle }
    }
    fn handle(&self) -> &::genserver::Handle<Cache<Arg>> {
        &self.handle
    }
}
#[automatically_derived]
impl<Arg: Clone + Sync> ::core::clone::Clone for CacheClient<Arg>
where
    Arg: ::core::marker::Send + 'static,
{
    fn clone(&self) -> Self {
        Self {
            handle: ::core::clone::Clone::clone(&self.handle),
        }
    }
}
#[automatically_derived]
impl<Arg: Clone + Sync> ::core::fmt::Debug for CacheClient<Arg>
where
    Arg: ::core::marker::Send + 'static,
{
    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
        ::core::fmt::Debug::fmt(&self.handle, f)
    }
}
impl<Arg: Clone + Sync> Cache<Arg>
where
    Arg: ::core::marker::Send + 'static,
{
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
impl<Arg: Clone + Sync> Cache<Arg>
where
    Arg: ::core::marker::Send + 'static,
{
    /// The spec a supervisor starts this server with (Elixir's `child_spec/1`):
    /// each start runs `Self::start` with a clone of `arg`.
    /// Set by `#[gen_server(...)]`: id `"cache"`, restart `Transient`, type `Supervisor`, shutdown 10_000 ms, significant `true`; the rest are the defaults.
    /// Change any field where the spec is used, with `ChildSpec`'s builder
    /// methods or its fields (`Supervisor.child_spec/2`).
    ///
    /// The argument must be `Clone + Sync`, as every restart starts from a
    /// fresh clone of it.
    #[must_use]
    pub fn child_spec<Arg2>(arg: Arg2) -> ::genserver::ChildSpec
    where
        Self: ::genserver::GenServer<Arg = Arg2>,
        Arg2: ::core::clone::Clone + ::core::marker::Sync,
    {
        ::genserver::ChildSpec::new::<Self>(arg)
            .id("cache")
            .restart(::genserver::Restart::Transient)
            .child_type(::genserver::ChildType::Supervisor)
            .shutdown(
                ::genserver::Shutdown::Timeout(
                    ::core::time::Duration::from_millis(10000),
                ),
            )
            .significant(true)
    }
}
