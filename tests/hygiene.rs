//! The generated code must compile whatever the user's scope holds: prelude
//! names shadowed by user types, and arguments named like the bindings the
//! generated code uses internally.

#![allow(dead_code, non_camel_case_types)]

mod shadowed {
    // Shadow the prelude the way a careless (or unlucky) module might.
    struct Result;
    struct Option;
    struct Ok;
    struct Err;
    struct Some;
    struct None;
    struct Box;
    struct Send;
    struct Sync;
    struct Clone;
    struct Default;
    struct String;
    struct Vec;
    struct Future;
    mod core {}
    mod std {}
    mod tokio {}

    use genserver::{Context, ExitReason, ReplyTo, gen_server};

    pub(crate) struct Awkward {
        pub(crate) total: u64,
    }

    #[gen_server]
    impl Awkward {
        /// Arguments named like the generated code's own bindings.
        #[call]
        pub(crate) fn add(
            &mut self,
            ctx: u64,
            request: u64,
            reply: u64,
            value: u64,
            arg: u64,
        ) -> u64 {
            self.total += ctx + request + reply + value + arg;
            self.total
        }

        /// More of them, in a cast.
        #[cast]
        pub(crate) fn bump(&mut self, message: u64, reason: u64, handle: u64, never: u64, f: u64) {
            self.total += message + reason + handle + never + f;
        }

        /// A deferred reply whose argument is called `reply` too, next to a context.
        #[call]
        pub(crate) fn deferred(
            &mut self,
            reply: ReplyTo<u64>,
            context: &mut Context<Self>,
            reply_to: u64,
        ) {
            let _ = (context.id(), reply_to);
            reply.send(self.total);
        }

        /// An async handler beside the plain ones, so that the generated
        /// `handle_call` passes plain requests on to `handle_call_now`.
        #[call]
        pub(crate) async fn later(&self) -> u64 {
            ::tokio::task::yield_now().await;
            self.total
        }

        /// Helpers named like the trait's fast paths must not be called in
        /// their place.
        fn handle_call_now(&self) -> u64 {
            self.total + 1
        }

        fn init_now() {}

        #[terminate]
        fn terminate(&mut self, reason: &ExitReason) {
            let _ = reason;
        }
    }
}

use shadowed::Awkward;

#[tokio::test]
async fn generated_code_is_hygienic() {
    let server = Awkward::start(Awkward { total: 0 }).await.unwrap();
    assert_eq!(server.add(1, 2, 3, 4, 5).await.unwrap(), 15);
    server.bump(1, 1, 1, 1, 1);
    assert_eq!(server.deferred(0).await.unwrap(), 20);
    assert_eq!(server.later().await.unwrap(), 20);
    server.stop().await.unwrap();
}
