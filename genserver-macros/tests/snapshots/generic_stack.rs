impl<T: Clone> Stack<T> {
    #[allow(clippy::needless_pass_by_value)]
    fn push(&mut self, item: T) {
        self.items.push(item);
    }
    #[allow(clippy::needless_pass_by_value)]
    fn pop_wait(&mut self, reply: ReplyTo<T>) {
        self.waiting.push(reply);
    }
    async fn snapshot(&self) -> Vec<T> {
        self.items.clone()
    }
}
const _: () = {
    #[allow(
        dead_code,
        clippy::extra_unused_type_parameters,
        clippy::multiple_bound_locations
    )]
    fn messages<T: Clone>()
    where
        T: ::core::marker::Send + 'static,
        T: ::core::marker::Send + 'static,
        Vec<T>: ::core::marker::Send + 'static,
    {}
};
/// Call messages of [`Stack`], one variant per `#[call]` handler.
#[allow(private_interfaces, unreachable_pub)]
pub enum StackCall<T: Clone>
where
    T: ::core::marker::Send + 'static,
{
    /// Sends `pop_wait` to the server.
    PopWait {
        /// Where the reply goes.
        reply: ::genserver::ReplyTo<T>,
    },
    /// Sends `snapshot` to the server.
    Snapshot {
        /// Where the reply goes.
        reply: ::genserver::ReplyTo<Vec<T>>,
    },
}
#[automatically_derived]
impl<T: Clone> ::genserver::Message for StackCall<T>
where
    T: ::core::marker::Send + 'static,
{
    fn name(&self) -> &'static str {
        match self {
            Self::PopWait { .. } => "StackCall::PopWait",
            Self::Snapshot { .. } => "StackCall::Snapshot",
        }
    }
    fn caller(&self) -> ::core::option::Option<::genserver::TaskId> {
        match self {
            Self::PopWait { reply, .. } => reply.caller(),
            Self::Snapshot { reply, .. } => reply.caller(),
        }
    }
}
/// Cast messages of [`Stack`], one variant per `#[cast]` handler.
#[allow(private_interfaces, unreachable_pub)]
pub enum StackCast<T: Clone>
where
    T: ::core::marker::Send + 'static,
{
    /// Sends `push` to the server.
    Push {
        /// The `item` argument.
        item: T,
    },
}
#[automatically_derived]
impl<T: Clone> ::genserver::Message for StackCast<T>
where
    T: ::core::marker::Send + 'static,
{
    fn name(&self) -> &'static str {
        match self {
            Self::Push { .. } => "StackCast::Push",
        }
    }
}
#[automatically_derived]
#[allow(deprecated)]
impl<T: Clone> ::genserver::GenServer for Stack<T>
where
    T: ::core::marker::Send + 'static,
{
    type Arg = Self;
    type Call = StackCall<T>;
    type Cast = StackCast<T>;
    type Info = ::core::convert::Infallible;
    type Client = StackClient<T>;
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
        let _ = ctx;
        match request {
            StackCall::PopWait { reply } => {
                Self::pop_wait(self, reply);
                ::core::result::Result::Ok(())
            }
            #[allow(unreachable_patterns)]
            request => ::core::result::Result::Err(request),
        }
    }
    async fn handle_call(
        &mut self,
        request: Self::Call,
        ctx: &mut ::genserver::Context<Self>,
    ) {
        match request {
            StackCall::Snapshot { reply } => {
                let value = Self::snapshot(self).await;
                ctx.reply(reply, value);
            }
            #[allow(unreachable_patterns)]
            request => {
                let _ = <Self as ::genserver::GenServer>::handle_call_now(
                    self,
                    request,
                    ctx,
                );
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
            StackCast::Push { item } => {
                Self::push(self, item);
                ::core::result::Result::Ok(())
            }
        }
    }
}
/// The client API of [`Stack`]: one method per `#[call]` and `#[cast]` handler. A `ServerRef<Stack>` dereferences to it.
#[allow(unreachable_pub)]
pub struct StackClient<T: Clone>
where
    T: ::core::marker::Send + 'static,
{
    handle: ::genserver::Handle<Stack<T>>,
}
impl<T: Clone> StackClient<T>
where
    T: ::core::marker::Send + 'static,
{
    /// Sends `push` to the server.
    fn push(&self, item: T) {
        self.handle.cast(StackCast::Push { item });
    }
    /// Sends `pop_wait` to the server.
    ///
    /// The call is sent when the returned future is first polled, not when this method is called: to send it at once and collect the reply later, use `request().pop_wait(..)` on the `ServerRef`.
    async fn pop_wait(&self) -> ::core::result::Result<T, ::genserver::CallError> {
        self.handle.call(|reply| StackCall::PopWait { reply }).await
    }
    /// Sends `snapshot` to the server.
    ///
    /// The call is sent when the returned future is first polled, not when this method is called: to send it at once and collect the reply later, use `request().snapshot(..)` on the `ServerRef`.
    async fn snapshot(&self) -> ::core::result::Result<Vec<T>, ::genserver::CallError> {
        self.handle.call(|reply| StackCall::Snapshot { reply }).await
    }
}
#[automatically_derived]
impl<T: Clone> ::genserver::Client<Stack<T>> for StackClient<T>
where
    T: ::core::marker::Send + 'static,
{
    fn from_handle(handle: ::genserver::Handle<Stack<T>>) -> Self {
        Self { handle }
    }
    fn handle(&self) -> &::genserver::Handle<Stack<T>> {
        &self.handle
    }
}
#[automatically_derived]
impl<T: Clone> ::core::clone::Clone for StackClient<T>
where
    T: ::core::marker::Send + 'static,
{
    fn clone(&self) -> Self {
        Self {
            handle: ::core::clone::Clone::clone(&self.handle),
        }
    }
}
#[automatically_derived]
impl<T: Clone> ::core::fmt::Debug for StackClient<T>
where
    T: ::core::marker::Send + 'static,
{
    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
        ::core::fmt::Debug::fmt(&self.handle, f)
    }
}
/// The request API of [`Stack`]: one method per `#[call]` handler, which sends the call at once and returns a `Request` to collect the reply from later. Reached with `ServerRef::request`.
#[allow(unreachable_pub)]
pub struct StackRequests<T: Clone>
where
    T: ::core::marker::Send + 'static,
{
    handle: ::genserver::Handle<Stack<T>>,
}
impl<T: Clone> StackRequests<T>
where
    T: ::core::marker::Send + 'static,
{
    /// Sends the `pop_wait` call now; the reply is collected from the returned `Request`.
    fn pop_wait(&self) -> ::genserver::Request<Stack<T>, T> {
        self.handle.send_request(|reply| StackCall::PopWait { reply })
    }
    /// Sends the `snapshot` call now; the reply is collected from the returned `Request`.
    fn snapshot(&self) -> ::genserver::Request<Stack<T>, Vec<T>> {
        self.handle.send_request(|reply| StackCall::Snapshot { reply })
    }
}
#[automatically_derived]
impl<T: Clone> ::genserver::Client<Stack<T>> for StackRequests<T>
where
    T: ::core::marker::Send + 'static,
{
    fn from_handle(handle: ::genserver::Handle<Stack<T>>) -> Self {
        Self { handle }
    }
    fn handle(&self) -> &::genserver::Handle<Stack<T>> {
        &self.handle
    }
}
#[automatically_derived]
impl<T: Clone> ::genserver::SendRequest for Stack<T>
where
    T: ::core::marker::Send + 'static,
{
    type Requests = StackRequests<T>;
}
#[automatically_derived]
impl<T: Clone> ::core::clone::Clone for StackRequests<T>
where
    T: ::core::marker::Send + 'static,
{
    fn clone(&self) -> Self {
        Self {
            handle: ::core::clone::Clone::clone(&self.handle),
        }
    }
}
#[automatically_derived]
impl<T: Clone> ::core::fmt::Debug for StackRequests<T>
where
    T: ::core::marker::Send + 'static,
{
    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
        ::core::fmt::Debug::fmt(&self.handle, f)
    }
}
impl<T: Clone> Stack<T>
where
    T: ::core::marker::Send + 'static,
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
impl<T: Clone> Stack<T>
where
    T: ::core::marker::Send + 'static,
{
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
