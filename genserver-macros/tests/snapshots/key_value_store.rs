impl KeyValueStore {
    /// Stores `value` under `key`.
    #[allow(clippy::needless_pass_by_value)]
    pub fn put(&mut self, key: String, value: String) {
        self.map.insert(key, value);
    }
    /// The value stored under `key`.
    #[allow(clippy::needless_pass_by_value, clippy::must_use_candidate)]
    pub fn get(&self, key: String) -> Option<String> {
        self.map.get(&key).cloned()
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
        String: ::core::marker::Send + 'static,
        Option<String>: ::core::marker::Send + 'static,
    {}
};
/// Call messages of [`KeyValueStore`], one variant per `#[call]` handler.
#[allow(private_interfaces, unreachable_pub)]
pub enum KeyValueStoreCall {
    /// The value stored under `key`.
    Get {
        /// The `key` argument.
        key: String,
        /// Where the reply goes.
        reply: ::genserver::ReplyTo<Option<String>>,
    },
}
#[automatically_derived]
impl ::genserver::Message for KeyValueStoreCall {
    fn name(&self) -> &'static str {
        match self {
            Self::Get { .. } => "KeyValueStoreCall::Get",
        }
    }
    fn caller(&self) -> ::core::option::Option<::genserver::TaskId> {
        match self {
            Self::Get { reply, .. } => reply.caller(),
        }
    }
}
/// Cast messages of [`KeyValueStore`], one variant per `#[cast]` handler.
#[allow(private_interfaces, unreachable_pub)]
pub enum KeyValueStoreCast {
    /// Stores `value` under `key`.
    Put {
        /// The `key` argument.
        key: String,
        /// The `value` argument.
        value: String,
    },
}
#[automatically_derived]
impl ::genserver::Message for KeyValueStoreCast {
    fn name(&self) -> &'static str {
        match self {
            Self::Put { .. } => "KeyValueStoreCast::Put",
        }
    }
}
#[automatically_derived]
#[allow(deprecated)]
impl ::genserver::GenServer for KeyValueStore {
    type Arg = Self;
    type Call = KeyValueStoreCall;
    type Cast = KeyValueStoreCast;
    type Info = ::core::convert::Infallible;
    type Client = KeyValueStoreClient;
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
            KeyValueStoreCall::Get { key, reply } => {
                let value = Self::get(self, key);
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
            KeyValueStoreCast::Put { key, value } => {
                Self::put(self, key, value);
                ::core::result::Result::Ok(())
            }
        }
    }
}
/// The client API of [`KeyValueStore`]: one method per `#[call]` and `#[cast]` handler. A `ServerRef<KeyValueStore>` dereferences to it.
#[derive(Clone, Debug)]
#[allow(unreachable_pub)]
pub struct KeyValueStoreClient {
    handle: ::genserver::Handle<KeyValueStore>,
}
impl KeyValueStoreClient {
    /// Stores `value` under `key`.
    pub fn put(&self, key: String, value: String) {
        self.handle
            .cast(KeyValueStoreCast::Put {
                key,
                value,
            });
    }
    /// The value stored under `key`.
    ///
    /// The call is sent when the returned future is first polled, not when this method is called: to send it at once and collect the reply later, use `request().get(..)` on the `ServerRef`.
    ///
    /// # Errors
    ///
    /// A `CallError` if no reply comes: the call timed out, the server is not running,
    /// or it exited before replying.
    pub async fn get(
        &self,
        key: String,
    ) -> ::core::result::Result<Option<String>, ::genserver::CallError> {
        self.handle
            .call(|reply| KeyValueStoreCall::Get {
                key,
                reply,
            })
            .await
    }
}
#[automatically_derived]
impl ::genserver::Client<KeyValueStore> for KeyValueStoreClient {
    fn from_handle(handle: ::genserver::Handle<KeyValueStore>) -> Self {
        Self { handle }
    }
    fn handle(&self) -> &::genserver::Handle<KeyValueStore> {
        &self.handle
    }
}
/// The request API of [`KeyValueStore`]: one method per `#[call]` handler, which sends the call at once and returns a `Request` to collect the reply from later. Reached with `ServerRef::request`.
#[derive(Clone, Debug)]
#[allow(unreachable_pub)]
pub struct KeyValueStoreRequests {
    handle: ::genserver::Handle<KeyValueStore>,
}
impl KeyValueStoreRequests {
    /// Sends the `get` call now; the reply is collected from the returned `Request`.
    pub fn get(
        &self,
        key: String,
    ) -> ::genserver::Request<KeyValueStore, Option<String>> {
        self.handle
            .send_request(|reply| KeyValueStoreCall::Get {
                key,
                reply,
            })
    }
}
#[automatically_derived]
impl ::genserver::Client<KeyValueStore> for KeyValueStoreRequests {
    fn from_handle(handle: ::genserver::Handle<KeyValueStore>) -> Self {
        Self { handle }
    }
    fn handle(&self) -> &::genserver::Handle<KeyValueStore> {
        &self.handle
    }
}
#[automatically_derived]
impl ::genserver::SendRequest for KeyValueStore {
    type Requests = KeyValueStoreRequests;
}
impl KeyValueStore {
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
impl KeyValueStore {
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
