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

    async fn init(arg: Self::Arg, _ctx: &mut Context<Self>) -> Init<Self> {
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

/// Casts of `Split`: one kind handled at once, one handed back for awaiting.
enum SplitCast {
    Now(u32),
    Later(u32),
    PanicNow,
}

impl Message for SplitCast {
    fn name(&self) -> &'static str {
        match self {
            SplitCast::Now(_) => "Now",
            SplitCast::Later(_) => "Later",
            SplitCast::PanicNow => "PanicNow",
        }
    }
}

/// Calls of `Split`.
struct Seen(ReplyTo<Vec<u32>>);

impl Message for Seen {
    fn name(&self) -> &'static str {
        "Seen"
    }
}

#[derive(Clone, Debug)]
struct SplitClient(Handle<Split>);

impl Client<Split> for SplitClient {
    fn from_handle(handle: Handle<Split>) -> Self {
        SplitClient(handle)
    }
    fn handle(&self) -> &Handle<Split> {
        &self.0
    }
}

/// A hand-written server that uses the synchronous fast path for some casts.
struct Split {
    seen: Vec<u32>,
}

impl GenServer for Split {
    type Arg = ();
    type Call = Seen;
    type Cast = SplitCast;
    type Info = std::convert::Infallible;
    type Client = SplitClient;

    async fn init((): (), _ctx: &mut Context<Self>) -> Init<Self> {
        Init::Ok(Split { seen: Vec::new() })
    }

    async fn handle_call(&mut self, Seen(reply): Seen, _ctx: &mut Context<Self>) {
        reply.send(self.seen.clone());
    }

    fn handle_cast_now(
        &mut self,
        request: SplitCast,
        _ctx: &mut Context<Self>,
    ) -> Result<(), SplitCast> {
        match request {
            SplitCast::Now(n) => {
                self.seen.push(n);
                Ok(())
            }
            SplitCast::PanicNow => panic!("fast path exploded"),
            later @ SplitCast::Later(_) => Err(later),
        }
    }

    async fn handle_cast(&mut self, request: SplitCast, _ctx: &mut Context<Self>) {
        let SplitCast::Later(n) = request else {
            unreachable!("handle_cast_now handles the others")
        };
        tokio::task::yield_now().await;
        self.seen.push(n);
    }
}

#[tokio::test]
async fn a_hand_written_fast_path_keeps_mailbox_order() {
    let split = Split::start_with((), genserver::StartOptions::new())
        .await
        .unwrap();
    let handle = split.handle();
    // All queued before the server runs: one batch, switching between the
    // synchronous and the awaited handler.
    for n in 0..40 {
        if n % 3 == 0 {
            handle.cast(SplitCast::Later(n));
        } else {
            handle.cast(SplitCast::Now(n));
        }
    }
    let seen = handle.call(Seen).await.unwrap();
    assert_eq!(seen, (0..40).collect::<Vec<u32>>());

    // A panic in the fast path is a crash like any other.
    handle.cast(SplitCast::PanicNow);
    assert_eq!(
        handle.call(Seen).await,
        Err(CallError::Exit(ExitReason::Panic(
            "fast path exploded".into()
        )))
    );
}
