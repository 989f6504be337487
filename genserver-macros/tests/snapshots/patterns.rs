impl Plotter {
    #[allow(clippy::needless_pass_by_value)]
    fn idle(&mut self, _: IdleTimeout) {
        self.idle += 1;
    }
    #[allow(clippy::needless_pass_by_value)]
    async fn moved(&mut self, Point { x, y }: Point) {
        self.plot(x, y).await;
    }
    #[allow(clippy::needless_pass_by_value)]
    fn step(&mut self, Step(n): Step) {
        self.steps = n;
    }
    /// The tuple is the field `arg0`; the point, `point`.
    #[allow(clippy::needless_pass_by_value, clippy::unused_self)]
    fn shift(&mut self, (dx, dy): (i32, i32), Point { x, y }: Point) -> Point {
        Point { x: x + dx, y: y + dy }
    }
    #[allow(clippy::needless_pass_by_value)]
    fn reset(&mut self, _: Reset) {
        self.steps = 0;
    }
    /// `r#type`, then by position: `type` and `self` are keywords.
    #[allow(clippy::needless_pass_by_value)]
    fn keywords(&mut self, ref r#type: String, _: Type, Self { steps, .. }: Self) {
        self.steps = steps + r#type.len();
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
        IdleTimeout: ::core::marker::Send + 'static,
        Point: ::core::marker::Send + 'static,
        Step: ::core::marker::Send + 'static,
        (i32, i32): ::core::marker::Send + 'static,
        Reset: ::core::marker::Send + 'static,
        String: ::core::marker::Send + 'static,
        Type: ::core::marker::Send + 'static,
        Plotter: ::core::marker::Send + 'static,
    {}
};
/// Call messages of [`Plotter`], one variant per `#[call]` handler.
#[allow(private_interfaces, unreachable_pub)]
pub enum PlotterCall {
    /// The tuple is the field `arg0`; the point, `point`.
    Shift {
        /// The `arg0` argument (a name the macro gave it: the handler takes a pattern there).
        arg0: (i32, i32),
        /// The `point` argument (a name the macro gave it: the handler takes a pattern there).
        point: Point,
        /// Where the reply goes.
        reply: ::genserver::ReplyTo<Point>,
    },
}
#[automatically_derived]
impl ::genserver::Message for PlotterCall {
    fn name(&self) -> &'static str {
        match self {
            Self::Shift { .. } => "PlotterCall::Shift",
        }
    }
    fn caller(&self) -> ::core::option::Option<::genserver::TaskId> {
        match self {
            Self::Shift { reply, .. } => reply.caller(),
        }
    }
}
/// Cast messages of [`Plotter`], one variant per `#[cast]` handler.
#[allow(private_interfaces, unreachable_pub)]
pub enum PlotterCast {
    /// Sends `reset` to the server.
    Reset {
        /// The `reset` argument (a name the macro gave it: the handler takes a pattern there).
        reset: Reset,
    },
    /// `r#type`, then by position: `type` and `self` are keywords.
    Keywords {
        /// The `r#type` argument.
        r#type: String,
        /// The `arg1` argument (a name the macro gave it: the handler takes a pattern there).
        arg1: Type,
        /// The `arg2` argument (a name the macro gave it: the handler takes a pattern there).
        arg2: Plotter,
    },
}
#[automatically_derived]
impl ::genserver::Message for PlotterCast {
    fn name(&self) -> &'static str {
        match self {
            Self::Reset { .. } => "PlotterCast::Reset",
            Self::Keywords { .. } => "PlotterCast::Keywords",
        }
    }
}
/// Info messages of [`Plotter`], one variant per `#[info]` and per `#[continuation]` handler.
#[allow(private_interfaces, unreachable_pub)]
pub enum PlotterInfo {
    /// Sends `idle` to the server.
    Idle(IdleTimeout),
    /// Sends `moved` to the server.
    Moved(Point),
    /// The server's own next step, handled by `step`.
    Step(Step),
}
#[automatically_derived]
impl ::genserver::Message for PlotterInfo {
    fn name(&self) -> &'static str {
        match self {
            Self::Idle(..) => "PlotterInfo::Idle",
            Self::Moved(..) => "PlotterInfo::Moved",
            Self::Step(..) => "PlotterInfo::Step",
        }
    }
}
#[automatically_derived]
#[allow(deprecated)]
impl ::genserver::GenServer for Plotter {
    type Arg = Self;
    type Call = PlotterCall;
    type Cast = PlotterCast;
    type Info = PlotterInfo;
    type Client = PlotterClient;
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
            PlotterCall::Shift { arg0, point, reply } => {
                let value = Self::shift(self, arg0, point);
                ctx.reply(reply, value);
                ::core::result::Result::Ok(())
            }
        }
    }
    fn handle_cast_now(
        &mut self,
        request: Self::Cast,
        ctx: &mut ::genserver::Context<Self>,
    ) -> ::core::result::Result<(), Self::Cast> {
        let _ = ctx;
        match request {
            PlotterCast::Reset { reset } => {
                Self::reset(self, reset);
                ::core::result::Result::Ok(())
            }
            PlotterCast::Keywords { r#type, arg1, arg2 } => {
                Self::keywords(self, r#type, arg1, arg2);
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
            PlotterInfo::Idle(message) => {
                Self::idle(self, message);
                ::core::result::Result::Ok(())
            }
            PlotterInfo::Step(message) => {
                Self::step(self, message);
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
            PlotterInfo::Moved(message) => {
                Self::moved(self, message).await;
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
impl ::genserver::HandleInfo<IdleTimeout> for Plotter {
    fn into_info(message: IdleTimeout) -> PlotterInfo {
        PlotterInfo::Idle(message)
    }
}
#[automatically_derived]
#[diagnostic::do_not_recommend]
impl ::genserver::HandleInfo<Point> for Plotter {
    fn into_info(message: Point) -> PlotterInfo {
        PlotterInfo::Moved(message)
    }
}
#[automatically_derived]
#[diagnostic::do_not_recommend]
impl ::genserver::HandleContinue<Step> for Plotter {
    fn into_continue(message: Step) -> PlotterInfo {
        PlotterInfo::Step(message)
    }
}
/// The client API of [`Plotter`]: one method per `#[call]` and `#[cast]` handler. A `ServerRef<Plotter>` dereferences to it.
#[derive(Clone, Debug)]
#[allow(unreachable_pub)]
pub struct PlotterClient {
    handle: ::genserver::Handle<Plotter>,
}
impl PlotterClient {
    /// The tuple is the field `arg0`; the point, `point`.
    ///
    /// The call is sent when the returned future is first polled, not when this method is called: to send it at once and collect the reply later, use `request().shift(..)` on the `ServerRef`.
    async fn shift(
        &self,
        arg0: (i32, i32),
        point: Point,
    ) -> ::core::result::Result<Point, ::genserver::CallError> {
        self.handle
            .call(|reply| PlotterCall::Shift {
                arg0,
                point,
                reply,
            })
            .await
    }
    /// Sends `reset` to the server.
    fn reset(&self, reset: Reset) {
        self.handle.cast(PlotterCast::Reset { reset });
    }
    /// `r#type`, then by position: `type` and `self` are keywords.
    fn keywords(&self, r#type: String, arg1: Type, arg2: Plotter) {
        self.handle
            .cast(PlotterCast::Keywords {
                r#type,
                arg1,
                arg2,
            });
    }
}
#[automatically_derived]
impl ::genserver::Client<Plotter> for PlotterClient {
    fn from_handle(handle: ::genserver::Handle<Plotter>) -> Self {
        Self { handle }
    }
    fn handle(&self) -> &::genserver::Handle<Plotter> {
        &self.handle
    }
}
/// The request API of [`Plotter`]: one method per `#[call]` handler, which sends the call at once and returns a `Request` to collect the reply from later. Reached with `ServerRef::request`.
#[derive(Clone, Debug)]
#[allow(unreachable_pub)]
pub struct PlotterRequests {
    handle: ::genserver::Handle<Plotter>,
}
impl PlotterRequests {
    /// Sends the `shift` call now; the reply is collected from the returned `Request`.
    fn shift(
        &self,
        arg0: (i32, i32),
        point: Point,
    ) -> ::genserver::Request<Plotter, Point> {
        self.handle
            .send_request(|reply| PlotterCall::Shift {
                arg0,
                point,
                reply,
            })
    }
}
#[automatically_derived]
impl ::genserver::Client<Plotter> for PlotterRequests {
    fn from_handle(handle: ::genserver::Handle<Plotter>) -> Self {
        Self { handle }
    }
    fn handle(&self) -> &::genserver::Handle<Plotter> {
        &self.handle
    }
}
#[automatically_derived]
impl ::genserver::SendRequest for Plotter {
    type Requests = PlotterRequests;
}
impl Plotter {
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
impl Plotter {
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
