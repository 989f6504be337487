//! The Stack from Elixir's GenServer documentation: cast `push`, call `pop`,
//! and a deferred reply, where a `pop` on an empty stack waits for the next push.
//!
//! ```text
//! cargo run --example stack
//! ```

use genserver::prelude::*;

/// A stack of items, and the callers waiting for one.
struct Stack<T> {
    items: Vec<T>,
    waiting: Vec<ReplyTo<T>>,
}

#[gen_server]
impl<T: std::fmt::Debug + Send + 'static> Stack<T> {
    /// Pushes `item`, or hands it straight to a caller waiting in `pop_wait`.
    #[cast]
    fn push(&mut self, item: T) {
        match self.waiting.pop() {
            Some(waiter) => waiter.send(item),
            None => self.items.push(item),
        }
    }

    /// Pops the top item, if any.
    #[call]
    fn pop(&mut self) -> Option<T> {
        self.items.pop()
    }

    /// Pops the top item, waiting for a push when the stack is empty. The
    /// handler keeps the `ReplyTo` and answers later (`GenServer.reply/2`).
    #[call]
    fn pop_wait(&mut self, reply: ReplyTo<T>) {
        match self.items.pop() {
            Some(item) => reply.send(item),
            None => self.waiting.push(reply),
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let stack = Stack::start(Stack {
        items: vec!["hello".to_string()],
        waiting: Vec::new(),
    })
    .await?;

    stack.push("world".to_string());
    println!("pop: {:?}", stack.pop().await?);
    println!("pop: {:?}", stack.pop().await?);
    println!("pop: {:?}", stack.pop().await?);

    // A deferred reply: this pop waits until another task pushes.
    let waiter = {
        let stack = stack.clone();
        tokio::spawn(async move { stack.pop_wait().await })
    };
    let pusher = stack.clone();
    tokio::spawn(async move { pusher.push("late".to_string()) });
    println!("pop_wait: {:?} (deferred until the push)", waiter.await??);

    stack.stop().await?;
    Ok(())
}
