impl Broken {
    #[allow(clippy::unused_self)]
    fn fine(&self) -> u32 {
        1
    }
    #[allow(clippy::unused_self)]
    fn borrowed(&mut self, name: &str) {}
    #[allow(clippy::unused_self)]
    fn returns(&mut self) -> u32 {
        2
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
        u32: ::core::marker::Send + 'static,
    {}
};
/// Call messages of [`Broken`], one variant per `#[call]` handler.
#[allow(private_interfaces, unreachable_pub)]
pub enum BrokenCall {
    /// Sends `fine` to the server.
    Fine {
        /// Where the reply goes.
        reply: ::genserver::ReplyTo<u32>,
    },
}
#[automatically_derived]
impl ::genserver::Message for BrokenCall {
    fn name(&self) -> &'static str {
        match self {
            Self::Fine { .. } => "BrokenCall::Fine",
        }
    }
    fn caller(&self) -> ::core::option::Option<::genserver::TaskId> {
        match self {
            Self::Fine { reply, .. } => reply.caller(),
        }
    }
}
#[automatically_derived]
#[allow(deprecated)]
impl ::genserver::GenServer for Broken {
    type Arg = Self;
    type Call = BrokenCall;
    type Cast = ::core::convert::Infallible;
    type Info = ::core::convert::Infallible;
    type Client = BrokenClient;
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
            BrokenCall::Fine { reply } => {
                let value = Self::fine(self);
                ctx.reply(reply, value);
                ::core::result::Result::Ok(())
            }
        }
    }
}
/// The client API of [`Broken`]: one method per `#[call]` and `#[cast]` handler. A `ServerRef<Broken>` dereferences to it.
#[derive(Clone, Debug)]
#[allow(unreachable_pub)]
pub struct BrokenClient {
    handle: ::genserver::Handle<Broken>,
}
impl BrokenClient {
    /// Sends `fine` to the server.
    ///
    /// The call is sent when the returned future is first polled, not when this method is called: to send it at once and collect the reply later, use `request().fine(..)` on the `ServerRef`.
    async fn fine(&self) -> ::core::result::Result<u32, ::genserver::CallError> {
        self.handle.call(|reply| BrokenCall::Fine { reply }).await
    }
}
#[automatically_derived]
impl ::genserver::Client<Broken> for BrokenClient {
    fn from_handle(handle: ::genserver::Handle<Broken>) -> Self {
        Self { handle }
    }
    fn handle(&self) -> &::genserver::Handle<Broken> {
        &self.handle
    }
}
/// The request API of [`Broken`]: one method per `#[call]` handler, which sends the call at once and returns a `Request` to collect the reply from later. Reached with `ServerRef::request`.
#[derive(Clone, Debug)]
#[allow(unreachable_pub)]
pub struct BrokenRequests {
    handle: ::genserver::Handle<Broken>,
}
impl BrokenRequests {
    /// Sends the `fine` call now; the reply is collected from the returned `Request`.
    fn fine(&self) -> ::genserver::Request<Broken, u32> {
        self.handle.send_request(|reply| BrokenCall::Fine { reply })
    }
}
#[automatically_derived]
impl ::genserver::Client<Broken> for BrokenRequests {
    fn from_handle(handle: ::genserver::Handle<Broken>) -> Self {
        Self { handle }
    }
    fn handle(&self) -> &::genserver::Handle<Broken> {
        &self.handle
    }
}
#[automatically_derived]
impl ::genserver::SendRequest for Broken {
    type Requests = BrokenRequests;
}
impl Broken {
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
impl Broken {
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
::core::compile_error! {
    "a message argument must be owned, since it is sent to the server's task: take e.g. `String` instead of `&str`, `Vec<T>` instead of `&[T]`"
}
::core::compile_error! {
    "a #[cast] handler cannot return a value, nobody waits for it: remove the return type, or make the handler a #[call]"
}
