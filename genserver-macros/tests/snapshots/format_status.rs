impl Vault {
    fn len(&self) -> usize {
        self.secrets.len()
    }
    /// Shows how many secrets, never what they are.
    fn redacted(&self) -> String {
        format!("Vault {{ {} secrets }}", self.secrets.len())
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
        usize: ::core::marker::Send + 'static,
    {}
};
/// Call messages of [`Vault`], one variant per `#[call]` handler.
#[allow(private_interfaces, unreachable_pub)]
pub enum VaultCall {
    /// Sends `len` to the server.
    Len {
        /// Where the reply goes.
        reply: ::genserver::ReplyTo<usize>,
    },
}
#[automatically_derived]
impl ::genserver::Message for VaultCall {
    fn name(&self) -> &'static str {
        match self {
            Self::Len { .. } => "VaultCall::Len",
        }
    }
    fn caller(&self) -> ::core::option::Option<::genserver::TaskId> {
        match self {
            Self::Len { reply, .. } => reply.caller(),
        }
    }
}
#[automatically_derived]
#[allow(deprecated)]
impl ::genserver::GenServer for Vault {
    type Arg = Self;
    type Call = VaultCall;
    type Cast = ::core::convert::Infallible;
    type Info = ::core::convert::Infallible;
    type Client = VaultClient;
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
    fn handle_call_now(
        &mut self,
        request: Self::Call,
        ctx: &mut ::genserver::Context<Self>,
    ) -> ::core::result::Result<(), Self::Call> {
        match request {
            VaultCall::Len { reply } => {
                let value = Self::len(self);
                ctx.reply(reply, value);
                ::core::result::Result::Ok(())
            }
        }
    }
    fn format_status(&self) -> ::core::option::Option<::std::string::String> {
        ::genserver::sys::IntoView::into_view(Self::redacted(self))
    }
}
/// The client API of [`Vault`]: one method per `#[call]` and `#[cast]` handler. A `ServerRef<Vault>` dereferences to it.
#[derive(Clone, Debug)]
#[allow(unreachable_pub)]
pub struct VaultClient {
    handle: ::genserver::Handle<Vault>,
}
impl VaultClient {
    /// Sends `len` to the server.
    ///
    /// The call is sent when the returned future is first polled, not when this method is called: to send it at once and collect the reply later, use `request().len(..)` on the `ServerRef`.
    async fn len(&self) -> ::core::result::Result<usize, ::genserver::CallError> {
        self.handle.call(|reply| VaultCall::Len { reply }).await
    }
}
#[automatically_derived]
impl ::genserver::Client<Vault> for VaultClient {
    fn from_handle(handle: ::genserver::Handle<Vault>) -> Self {
        Self { handle }
    }
    fn handle(&self) -> &::genserver::Handle<Vault> {
        &self.handle
    }
}
/// The request API of [`Vault`]: one method per `#[call]` handler, which sends the call at once and returns a `Request` to collect the reply from later. Reached with `ServerRef::request`.
#[derive(Clone, Debug)]
#[allow(unreachable_pub)]
pub struct VaultRequests {
    handle: ::genserver::Handle<Vault>,
}
impl VaultRequests {
    /// Sends the `len` call now; the reply is collected from the returned `Request`.
    fn len(&self) -> ::genserver::Request<Vault, usize> {
        self.handle.send_request(|reply| VaultCall::Len { reply })
    }
}
#[automatically_derived]
impl ::genserver::Client<Vault> for VaultRequests {
    fn from_handle(handle: ::genserver::Handle<Vault>) -> Self {
        Self { handle }
    }
    fn handle(&self) -> &::genserver::Handle<Vault> {
        &self.handle
    }
}
#[automatically_derived]
impl ::genserver::SendRequest for Vault {
    type Requests = VaultRequests;
}
impl Vault {
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
impl Vault {
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
