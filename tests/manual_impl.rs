//! `GenServer` implemented by hand, without the macro: the trait's
//! Elixir-style defaults, and panics raised while a callback makes its future.

use std::future::Future;

use genserver::{
    CallError, Client, Context, ExitReason, GenServer, Handle, Init, Message, ReplyTo,
};

/// Call requests of `Manual`.
enum ManualCall {
    Get(ReplyTo<u32>),
    /// Panics before it returns a future.
    PanicEarly(ReplyTo<u32>),
}

impl Message for ManualCall {
    fn name(&self) -> &'static str {
        match self {
            ManualCall::Get(_) => "Get",
            ManualCall::PanicEarly(_) => "PanicEarly",
        }
    }
}

/// Cast requests that `Manual` has no `handle_cast` for.
struct Unhandled;

impl Message for Unhandled {
    fn name(&self) -> &'static str {
        "Unhandled"
    }
}

#[derive(Clone, Debug)]
struct ManualClient(Handle<Manual>);

impl Client<Manual> for ManualClient {
    fn from_handle(handle: Handle<Manual>) -> Self {
        ManualClient(handle)
    }
    fn handle(&self) -> &Handle<Manual> {
        &self.0
    }
}

struct Manual {
    terminated: Option<tokio::sync::oneshot::Sender<ExitReason>>,
}

impl GenServer for Manual {
    type Arg = tokio::sync::oneshot::Sender<ExitReason>;
    type Call = ManualCall;
    type Cast = Unhandled;
    type Info = std::convert::Infallible;
    type Client = ManualClient;

    async fn init(arg: Self::Arg) -> Init<Self> {
        Init::Ok(Manual {
            terminated: Some(arg),
        })
    }

    fn handle_call(
        &mut self,
        request: ManualCall,
        _ctx: &mut Context<Self>,
    ) -> impl Future<Output = ()> + Send {
        match request {
            ManualCall::Get(reply) => reply.send(7),
            ManualCall::PanicEarly(reply) => {
                drop(reply);
                panic!("panicked before the future existed")
            }
        }
        std::future::ready(())
    }

    // No handle_cast: the trait's default raises, as Elixir's injected one does.

    async fn terminate(&mut self, reason: &ExitReason) {
        if let Some(tx) = self.terminated.take() {
            let _ = tx.send(reason.clone());
        }
    }
}

#[tokio::test]
async fn a_panic_while_making_the_future_is_a_crash_like_any_other() {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let server = genserver::start::<Manual>(tx, genserver::StartOptions::new())
        .await
        .unwrap();
    let handle = server.handle();
    assert_eq!(handle.call(ManualCall::Get).await, Ok(7));
    let boom = ExitReason::Panic("panicked before the future existed".into());
    assert_eq!(
        handle.call(ManualCall::PanicEarly).await,
        Err(CallError::Exit(boom.clone()))
    );
    assert_eq!(rx.await.unwrap(), boom);
}

#[tokio::test]
async fn the_default_handle_cast_raises_like_elixir() {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let server = genserver::start::<Manual>(tx, genserver::StartOptions::new())
        .await
        .unwrap();
    server.handle().cast(Unhandled);
    let reason = rx.await.unwrap();
    let text = reason.to_string();
    assert!(
        text.starts_with("panicked: attempted to cast GenServer ")
            && text.ends_with(" but no handle_cast/2 clause was provided"),
        "{text}"
    );
    assert!(text.contains("Manual#"), "{text}");
}
