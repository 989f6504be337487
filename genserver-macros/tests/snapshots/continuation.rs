impl Loader {
    #[allow(clippy::needless_pass_by_value)]
    fn init(path: String, ctx: &mut Context<Self>) -> Self {
        ctx.continue_with(Load);
        Loader { path, rows: Vec::new() }
    }
    /// Reads the rows, after `start` has returned.
    #[allow(clippy::needless_pass_by_value)]
    async fn load(&mut self, _step: Load, ctx: &mut Context<Self>) {
        self.rows = read(&self.path).await;
        ctx.continue_with(Index(self.rows.len()));
    }
    #[allow(clippy::needless_pass_by_value)]
    fn index(&mut self, step: Index) {
        self.indexed = step.0;
    }
    /// The same type as a message from outside.
    #[allow(clippy::needless_pass_by_value)]
    fn reindex(&mut self, step: Index) {
        self.indexed = step.0;
    }
    fn rows(&self) -> usize {
        self.rows.len()
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
        Load: ::core::marker::Send + 'static,
        Index: ::core::marker::Send + 'static,
        usize: ::core::marker::Send + 'static,
    {}
};
/// Call messages of [`Loader`], one variant per `#[call]` handler.
#[allow(private_interfaces, unreachable_pub)]
pub enum LoaderCall {
    /// Sends `rows` to the server.
    Rows {
        /// Where the reply goes.
        reply: ::genserver::ReplyTo<usize>,
    },
}
#[automatically_derived]
impl ::genserver::Message for LoaderCall {
    fn name(&self) -> &'static str {
        match self {
            Self::Rows { .. } => "LoaderCall::Rows",
        }
    }
    fn caller(&self) -> ::core::option::Option<::genserver::TaskId> {
        match self {
            Self::Rows { reply, .. } => reply.caller(),
        }
    }
}
/// Info messages of [`Loader`], one variant per `#[info]` and per `#[continuation]` handler.
#[allow(private_interfaces, unreachable_pub)]
pub enum LoaderInfo {
    /// Reads the rows, after `start` has returned.
    Load(Load),
    /// The server's own next step, handled by `index`.
    Index(Index),
    /// The same type as a message from outside.
    Reindex(Index),
}
#[automatically_derived]
impl ::genserver::Message for LoaderInfo {
    fn name(&self) -> &'static str {
        match self {
            Self::Load(..) => "LoaderInfo::Load",
            Self::Index(..) => "LoaderInfo::Index",
            Self::Reindex(..) => "LoaderInfo::Reindex",
        }
    }
}
#[automatically_derived]
#[allow(deprecated)]
impl ::genserver::GenServer for Loader {
    type Arg = String;
    type Call = LoaderCall;
    type Cast = ::core::convert::Infallible;
    type Info = LoaderInfo;
    type Client = LoaderClient;
    async fn init(
        arg: Self::Arg,
        ctx: &mut ::genserver::Context<Self>,
    ) -> ::genserver::Init<Self> {
        ::genserver::Init::Ok(Self::init(arg, ctx))
    }
    fn init_now(
        arg: Self::Arg,
        ctx: &mut ::genserver::Context<Self>,
    ) -> ::core::result::Result<::genserver::Init<Self>, Self::Arg> {
        ::core::result::Result::Ok(::genserver::Init::Ok(Self::init(arg, ctx)))
    }
    fn handle_call_now(
        &mut self,
        request: Self::Call,
        ctx: &mut ::genserver::Context<Self>,
    ) -> ::core::result::Result<(), Self::Call> {
        match request {
            LoaderCall::Rows { reply } => {
                let value = Self::rows(self);
                ctx.reply(reply, value);
                ::core::result::Result::Ok(())
            }
        }
    }
    fn handle_info_now(
        &mut self,
        request: Self::Info,
        ctx: &mut ::genserver::Context<Self>,
    ) -> ::core::result::Result<(), Self::Info> {
        let _ = ctx;
        match request {
            LoaderInfo::Index(step) => {
                Self::index(self, step);
                ::core::result::Result::Ok(())
            }
            LoaderInfo::Reindex(step) => {
                Self::reindex(self, step);
                ::core::result::Result::Ok(())
            }
            #[allow(unreachable_patterns)]
            request => ::core::result::Result::Err(request),
        }
    }
    async fn handle_info(
        &mut self,
        request: Self::Info,
        ctx: &mut ::genserver::Context<Self>,
    ) {
        match request {
            LoaderInfo::Load(step) => {
                Self::load(self, step, ctx).await;
            }
            #[allow(unreachable_patterns)]
            request => {
                let _ = <Self as ::genserver::GenServer>::handle_info_now(
                    self,
                    request,
                    ctx,
                );
            }
        }
    }
}
#[automatically_derived]
#[diagnostic::do_not_recommend]
impl ::genserver::HandleContinue<Load> for Loader {
    fn into_continue(message: Load) -> LoaderInfo {
        LoaderInfo::Load(message)
    }
}
#[automatically_derived]
#[diagnostic::do_not_recommend]
impl ::genserver::HandleContinue<Index> for Loader {
    fn into_continue(message: Index) -> LoaderInfo {
        LoaderInfo::Index(message)
    }
}
#[automatically_derived]
#[diagnostic::do_not_recommend]
impl ::genserver::HandleInfo<Index> for Loader {
    fn into_info(message: Index) -> LoaderInfo {
        LoaderInfo::Reindex(message)
    }
}
/// The client API of [`Loader`]: one method per `#[call]` and `#[cast]` handler. A `ServerRef<Loader>` dereferences to it.
#[derive(Clone, Debug)]
#[allow(unreachable_pub)]
pub struct LoaderClient {
    handle: ::genserver::Handle<Loader>,
}
impl LoaderClient {
    /// Sends `rows` to the server.
    ///
    /// The call is sent when the returned future is first polled, not when this method is called: to send it at once and collect the reply later, use `request().rows(..)` on the `ServerRef`.
    async fn rows(&self) -> ::core::result::Result<usize, ::genserver::CallError> {
        self.handle.call(|reply| LoaderCall::Rows { reply }).await
    }
}
#[automatically_derived]
impl ::genserver::Client<Loader> for LoaderClient {
    fn from_handle(handle: ::genserver::Handle<Loader>) -> Self {
        Self { handle }
    }
    fn handle(&self) -> &::genserver::Handle<Loader> {
        &self.handle
    }
}
/// The request API of [`Loader`]: one method per `#[call]` handler, which sends the call at once and returns a `Request` to collect the reply from later. Reached with `ServerRef::request`.
#[derive(Clone, Debug)]
#[allow(unreachable_pub)]
pub struct LoaderRequests {
    handle: ::genserver::Handle<Loader>,
}
impl LoaderRequests {
    /// Sends the `rows` call now; the reply is collected from the returned `Request`.
    fn rows(&self) -> ::genserver::Request<Loader, usize> {
        self.handle.send_request(|reply| LoaderCall::Rows { reply })
    }
}
#[automatically_derived]
impl ::genserver::Client<Loader> for LoaderRequests {
    fn from_handle(handle: ::genserver::Handle<Loader>) -> Self {
        Self { handle }
    }
    fn handle(&self) -> &::genserver::Handle<Loader> {
        &self.handle
    }
}
#[automatically_derived]
impl ::genserver::SendRequest for Loader {
    type Requests = LoaderRequests;
}
impl Loader {
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
impl Loader {
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
