impl SumServer {
    /// Adds two numbers.
    #[allow(clippy::needless_pass_by_value, clippy::unused_self)]
    fn sum(&self, a: i64, b: i64) -> i64 {
        a + b
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
        i64: ::core::marker::Send + 'static,
    {}
};
/// Call messages of [`SumServer`], one variant per `#[call]` handler.
#[allow(private_interfaces, unreachable_pub)]
pub enum SumServerCall {
    /// Adds two numbers.
    Sum {
        /// The `a` argument.
        a: i64,
        /// The `b` argument.
        b: i64,
        /// Where the reply goes.
        reply: ::genserver::ReplyTo<i64>,
    },
}
#[automatically_derived]
impl ::genserver::Message for SumServerCall {
    fn name(&self) -> &'static str {
        match self {
            Self::Sum { .. } => "SumServerCall::Sum",
        }
    }
    fn caller(&self) -> ::core::option::Option<::genserver::TaskId> {
        match self {
            Self::Sum { reply, .. } => reply.caller(),
        }
    }
}
#[automatically_derived]
#[allow(deprecated)]
impl ::genserver::GenServer for SumServer {
    type Arg = Self;
    type Call = SumServerCall;
    type Cast = ::core::convert::Infallible;
    type Info = ::core::convert::Infallible;
    type Client = SumServerClient;
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
            SumServerCall::Sum { a, b, reply } => {
                let value = Self::sum(self, a, b);
                ctx.reply(reply, value);
                ::core::result::Result::Ok(())
            }
        }
    }
}
/// The client API of [`SumServer`]: one method per `#[call]` and `#[cast]` handler. A `ServerRef<SumServer>` dereferences to it.
#[derive(Clone, Debug)]
#[allow(unreachable_pub)]
pub struct SumServerClient {
    handle: ::genserver::Handle<SumServer>,
}
impl SumServerClient {
    /// Adds two numbers.
    ///
    /// The call is sent when the returned future is first polled, not when this method is called: to send it at once and collect the reply later, use `request().sum(..)` on the `ServerRef`.
    async fn sum(
        &self,
        a: i64,
        b: i64,
    ) -> ::core::result::Result<i64, ::genserver::CallError> {
        self.handle.call(|reply| SumServerCall::Sum { a, b, reply }).await
    }
}
#[automatically_derived]
impl ::genserver::Client<SumServer> for SumServerClient {
    fn from_handle(handle: ::genserver::Handle<SumServer>) -> Self {
        Self { handle }
    }
    fn handle(&self) -> &::genserver::Handle<SumServer> {
        &self.handle
    }
}
/// The request API of [`SumServer`]: one method per `#[call]` handler, which sends the call at once and returns a `Request` to collect the reply from later. Reached with `ServerRef::request`.
#[derive(Clone, Debug)]
#[allow(unreachable_pub)]
pub struct SumServerRequests {
    handle: ::genserver::Handle<SumServer>,
}
impl SumServerRequests {
    /// Sends the `sum` call now; the reply is collected from the returned `Request`.
    fn sum(&self, a: i64, b: i64) -> ::genserver::Request<SumServer, i64> {
        self.handle.send_request(|reply| SumServerCall::Sum { a, b, reply })
    }
}
#[automatically_derived]
impl ::genserver::Client<SumServer> for SumServerRequests {
    fn from_handle(handle: ::genserver::Handle<SumServer>) -> Self {
        Self { handle }
    }
    fn handle(&self) -> &::genserver::Handle<SumServer> {
        &self.handle
    }
}
#[automatically_derived]
impl ::genserver::SendRequest for SumServer {
    type Requests = SumServerRequests;
}
impl SumServer {
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
impl SumServer {
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
