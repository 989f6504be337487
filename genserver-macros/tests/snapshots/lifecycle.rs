impl Clock {
    #[allow(clippy::needless_pass_by_value)]
    async fn init(interval: Duration) -> Result<Self, Error> {
        Ok(Clock { interval, ticks: 0 })
    }
    #[allow(clippy::needless_pass_by_value)]
    fn tick(&mut self, _tick: Tick) {
        self.ticks += 1;
    }
    fn close(&mut self, ctx: &mut Context<Self>) -> u64 {
        ctx.stop(ExitReason::Normal);
        self.ticks
    }
    #[allow(clippy::unused_self)]
    fn terminate(&mut self, reason: &ExitReason) {
        println!("{reason}");
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
        Tick: ::core::marker::Send + 'static,
        u64: ::core::marker::Send + 'static,
    {}
};
/// Call messages of [`Clock`], one variant per `#[call]` handler.
#[allow(private_interfaces, unreachable_pub)]
pub enum ClockCall {
    /// Sends `close` to the server.
    Close {
        /// Where the reply goes.
        reply: my_runtime::genserver::ReplyTo<u64>,
    },
}
#[automatically_derived]
impl my_runtime::genserver::Message for ClockCall {
    fn name(&self) -> &'static str {
        match self {
            Self::Close { .. } => "ClockCall::Close",
        }
    }
    fn caller(&self) -> ::core::option::Option<my_runtime::genserver::TaskId> {
        match self {
            Self::Close { reply, .. } => reply.caller(),
        }
    }
}
/// Info messages of [`Clock`], one variant per `#[info]` and per `#[continuation]` handler.
#[allow(private_interfaces, unreachable_pub)]
pub enum ClockInfo {
    /// Sends `tick` to the server.
    Tick(Tick),
}
#[automatically_derived]
impl my_runtime::genserver::Message for ClockInfo {
    fn name(&self) -> &'static str {
        match self {
            Self::Tick(..) => "ClockInfo::Tick",
        }
    }
}
#[automatically_derived]
#[allow(deprecated)]
impl my_runtime::genserver::GenServer for Clock {
    type Arg = Duration;
    type Call = ClockCall;
    type Cast = ::core::convert::Infallible;
    type Info = ClockInfo;
    type Client = ClockClient;
    async fn init(
        arg: Self::Arg,
        ctx: &mut my_runtime::genserver::Context<Self>,
    ) -> my_runtime::genserver::Init<Self> {
        let _ = ctx;
        <_ as my_runtime::genserver::IntoInit<Self>>::into_init(Self::init(arg).await)
    }
    fn handle_call_now(
        &mut self,
        request: Self::Call,
        ctx: &mut my_runtime::genserver::Context<Self>,
    ) -> ::core::result::Result<(), Self::Call> {
        match request {
            ClockCall::Close { reply } => {
                let value = Self::close(self, ctx);
                ctx.reply(reply, value);
                ::core::result::Result::Ok(())
            }
        }
    }
    fn handle_info_now(
        &mut self,
        request: Self::Info,
        ctx: &mut my_runtime::genserver::Context<Self>,
    ) -> ::core::result::Result<(), Self::Info> {
        let _ = ctx;
        match request {
            ClockInfo::Tick(tick) => {
                Self::tick(self, tick);
                ::core::result::Result::Ok(())
            }
        }
    }
    async fn terminate(&mut self, reason: &my_runtime::genserver::ExitReason) {
        Self::terminate(self, reason)
    }
}
#[automatically_derived]
#[diagnostic::do_not_recommend]
impl my_runtime::genserver::HandleInfo<Tick> for Clock {
    fn into_info(message: Tick) -> ClockInfo {
        ClockInfo::Tick(message)
    }
}
/// The client API of [`Clock`]: one method per `#[call]` and `#[cast]` handler. A `ServerRef<Clock>` dereferences to it.
#[derive(Clone, Debug)]
#[allow(unreachable_pub)]
pub struct ClockClient {
    handle: my_runtime::genserver::Handle<Clock>,
}
impl ClockClient {
    /// Sends `close` to the server.
    ///
    /// The call is sent when the returned future is first polled, not when this method is called: to send it at once and collect the reply later, use `request().close(..)` on the `ServerRef`.
    async fn close(
        &self,
    ) -> ::core::result::Result<u64, my_runtime::genserver::CallError> {
        self.handle.call(|reply| ClockCall::Close { reply }).await
    }
}
#[automatically_derived]
impl my_runtime::genserver::Client<Clock> for ClockClient {
    fn from_handle(handle: my_runtime::genserver::Handle<Clock>) -> Self {
        Self { handle }
    }
    fn handle(&self) -> &my_runtime::genserver::Handle<Clock> {
        &self.handle
    }
}
/// The request API of [`Clock`]: one method per `#[call]` handler, which sends the call at once and returns a `Request` to collect the reply from later. Reached with `ServerRef::request`.
#[derive(Clone, Debug)]
#[allow(unreachable_pub)]
pub struct ClockRequests {
    handle: my_runtime::genserver::Handle<Clock>,
}
impl ClockRequests {
    /// Sends the `close` call now; the reply is collected from the returned `Request`.
    fn close(&self) -> my_runtime::genserver::Request<Clock, u64> {
        self.handle.send_request(|reply| ClockCall::Close { reply })
    }
}
#[automatically_derived]
impl my_runtime::genserver::Client<Clock> for ClockRequests {
    fn from_handle(handle: my_runtime::genserver::Handle<Clock>) -> Self {
        Self { handle }
    }
    fn handle(&self) -> &my_runtime::genserver::Handle<Clock> {
        &self.handle
    }
}
#[automatically_derived]
impl my_runtime::genserver::SendRequest for Clock {
    type Requests = ClockRequests;
}
impl Clock {
    /// Starts the server and waits until its init has run (`GenServer.start/2`).
    ///
    /// # Errors
    ///
    /// A `StartError` if init failed, panicked, returned `Init::Ignore` or timed out.
    pub async fn start(
        arg: <Self as my_runtime::genserver::GenServer>::Arg,
    ) -> ::core::result::Result<
        my_runtime::genserver::ServerRef<Self>,
        my_runtime::genserver::StartError,
    > {
        my_runtime::genserver::start(arg, my_runtime::genserver::StartOptions::new())
            .await
    }
}
impl Clock {
    /// The spec a supervisor starts this server with (Elixir's `child_spec/1`):
    /// each start runs `Self::start` with a clone of `arg`.
    /// The defaults: the type name as id, restart `Permanent`, shutdown 5 s, type `Worker`.
    /// Change any field where the spec is used, with `ChildSpec`'s builder
    /// methods or its fields (`Supervisor.child_spec/2`).
    ///
    /// The argument must be `Clone + Sync`, as every restart starts from a
    /// fresh clone of it.
    #[must_use]
    pub fn child_spec<Arg>(arg: Arg) -> my_runtime::genserver::ChildSpec
    where
        Self: my_runtime::genserver::GenServer<Arg = Arg>,
        Arg: ::core::clone::Clone + ::core::marker::Sync,
    {
        my_runtime::genserver::ChildSpec::new::<Self>(arg)
    }
}
