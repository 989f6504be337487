impl SumServer {
    /// Adds two numbers.
    #[allow(clippy::needless_pass_by_value, clippy::unused_self)]
    fn sum(&self, a: i64, b: i64) -> i64 {
        a + b
    }
}
/// Call messages of [`SumServer`], one variant per `#[call]` handler.
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
}
/// Cast messages of [`SumServer`], one variant per `#[cast]` handler.
pub enum SumServerCast {}
#[automatically_derived]
impl ::genserver::Message for SumServerCast {
    fn name(&self) -> &'static str {
        match *self {}
    }
}
/// Info messages of [`SumServer`], one variant per `#[info]` handler.
pub enum SumServerInfo {}
#[automatically_derived]
impl ::genserver::Message for SumServerInfo {
    fn name(&self) -> &'static str {
        match *self {}
    }
}
#[automatically_derived]
impl ::genserver::GenServer for SumServer {
    type Arg = Self;
    type Call = SumServerCall;
    type Cast = SumServerCast;
    type Info = SumServerInfo;
    type Client = SumServerClient;
    async fn init(arg: Self::Arg) -> ::genserver::Init<Self> {
        ::genserver::Init::Ok(arg)
    }
    async fn handle_call(
        &mut self,
        request: Self::Call,
        ctx: &mut ::genserver::Context<Self>,
    ) {
        match request {
            SumServerCall::Sum { a, b, reply } => {
                let value = self.sum(a, b);
                ctx.reply(reply, value);
            }
        }
    }
    async fn handle_cast(
        &mut self,
        request: Self::Cast,
        ctx: &mut ::genserver::Context<Self>,
    ) {
        let _ = ctx;
        match request {}
    }
    async fn handle_info(
        &mut self,
        request: Self::Info,
        ctx: &mut ::genserver::Context<Self>,
    ) {
        let _ = ctx;
        match request {}
    }
}
/// The client API of [`SumServer`]: one method per `#[call]` and `#[cast]` handler. A `ServerRef<SumServer>` dereferences to it.
pub struct SumServerClient {
    handle: ::genserver::Handle<SumServer>,
}
impl SumServerClient {
    /// Adds two numbers.
    ///
    /// # Errors
    ///
    /// A `CallError` if no reply comes: the call timed out, the server is not running,
    /// or it exited before replying.
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
#[automatically_derived]
impl ::core::clone::Clone for SumServerClient {
    fn clone(&self) -> Self {
        Self {
            handle: ::core::clone::Clone::clone(&self.handle),
        }
    }
}
#[automatically_derived]
impl ::core::fmt::Debug for SumServerClient {
    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
        ::core::fmt::Debug::fmt(&self.handle, f)
    }
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
    /// Starts the server with options, such as an init timeout, and waits until its init has run.
    ///
    /// # Errors
    ///
    /// A `StartError` if init failed, panicked, returned `Init::Ignore` or timed out.
    pub async fn start_with(
        arg: <Self as ::genserver::GenServer>::Arg,
        options: ::genserver::StartOptions,
    ) -> ::core::result::Result<::genserver::ServerRef<Self>, ::genserver::StartError> {
        ::genserver::start(arg, options).await
    }
}
