//! Inputs at the edges of what the macro accepts: `Self` in message types and
//! where clauses, `#[cfg]` and `#[deprecated]` handlers, raw identifiers,
//! handlers whose names clash with trait methods in scope, and patterns in
//! place of argument names.

#![deny(warnings)]

use genserver::IdleTimeout;
use genserver::prelude::*;

/// A node that can adopt children and hand out copies of itself.
#[derive(Clone, Debug, PartialEq, Default)]
struct Node {
    children: Vec<Node>,
}

#[gen_server]
impl Node {
    /// `Self` in an argument type.
    #[cast]
    fn adopt(&mut self, children: Vec<Self>) {
        self.children.extend(children);
    }

    /// `Self` in the reply type.
    #[call]
    fn child(&self, index: usize) -> Option<Self> {
        self.children.get(index).cloned()
    }

    /// `Self::` paths, too.
    #[call]
    fn count(&self, _hint: <Self as Marked>::Marker) -> usize {
        self.children.len()
    }
}

/// An associated type reached through `Self`.
trait Marked {
    type Marker;
}

impl Marked for Node {
    type Marker = ();
}

#[tokio::test]
async fn self_in_message_types() {
    let node = Node::start(Node::default()).await.unwrap();
    node.adopt(vec![Node {
        children: vec![Node::default()],
    }]);
    let child = node.child(0).await.unwrap().unwrap();
    assert_eq!(child.children.len(), 1);
    assert_eq!(node.child(1).await.unwrap(), None);
    assert_eq!(node.count(()).await.unwrap(), 1);
}

/// `Self` in the impl's where clause.
struct Holder<T> {
    value: T,
}

#[gen_server]
impl<T> Holder<T>
where
    T: Clone,
    Self: Sized,
{
    #[call]
    fn get(&self) -> T {
        self.value.clone()
    }
}

#[tokio::test]
async fn self_in_the_where_clause() {
    let holder = Holder::start(Holder { value: 5u8 }).await.unwrap();
    assert_eq!(holder.get().await.unwrap(), 5);
}

/// Handlers under `#[cfg]`, one compiled out; a deprecated one; raw names;
/// and a handler named like a method of a trait implemented for the type.
struct Odd {
    n: u32,
}

impl Iterator for Odd {
    type Item = u32;
    fn next(&mut self) -> Option<u32> {
        None
    }
}

/// A message type that exists only with a feature, as its handler does.
#[cfg(any())]
struct OnlyWithFeature;

#[gen_server]
impl Odd {
    #[cfg(any())]
    #[cast]
    fn gone(&mut self) {}

    /// Its argument's type is not there without the feature either.
    #[cfg(any())]
    #[call]
    fn with_feature(&mut self, message: OnlyWithFeature) -> u32 {
        let _ = message;
        self.n
    }

    #[cfg(test)]
    #[cast]
    fn here(&mut self) {
        self.n += 1;
    }

    /// Use `here` instead.
    #[deprecated = "use here"]
    #[cast]
    fn old(&mut self) {
        self.n += 100;
    }

    /// Named like `Iterator::next`, which `Odd` also has.
    #[call]
    fn next(&self) -> u32 {
        self.n
    }

    /// A raw identifier as the handler and as an argument named `reply`.
    #[call]
    fn r#type(&self, r#reply: u32) -> u32 {
        self.n + r#reply
    }
}

#[tokio::test]
async fn cfg_deprecated_raw_and_shadowing_handlers() {
    let odd = Odd::start(Odd { n: 0 }).await.unwrap();
    odd.here();
    #[allow(deprecated)]
    odd.old();
    assert_eq!(odd.next().await.unwrap(), 101);
    assert_eq!(odd.r#type(1).await.unwrap(), 102);
}

// ------------------------------------------------------------ patterns

/// Info messages and continuation steps taken apart by the handlers' patterns.
#[derive(Debug)]
struct Tick(u32);

#[derive(Debug)]
struct Point {
    x: i32,
    y: i32,
}

#[derive(Debug)]
struct Moved(Point);

#[derive(Debug)]
struct Ignored;

#[derive(Debug)]
struct Step(u32);

#[derive(Debug)]
struct Finish {
    label: &'static str,
}

#[derive(Debug)]
struct Reply(u32);

#[derive(Debug)]
struct Last;

/// A type whose snake-case name is a keyword.
#[derive(Debug)]
struct Type;

/// Records what its handlers saw; every info and continuation handler takes
/// its message through a pattern.
#[derive(Default)]
struct Patterns {
    log: Vec<String>,
    idle: Option<std::time::Duration>,
}

#[gen_server]
impl Patterns {
    /// `_`: the message is only a signal.
    #[info]
    fn idle(&mut self, _: IdleTimeout) {
        self.log.push("idle".into());
    }

    /// A tuple-struct pattern.
    #[info]
    fn tick(&mut self, Tick(n): Tick, ctx: &mut Context<Self>) {
        self.log.push(format!("tick {n}"));
        if let Some(after) = self.idle {
            ctx.idle_timeout(after);
        }
    }

    /// A tuple pattern, in an `async` handler.
    #[info]
    async fn pair(&mut self, (a, b): (u32, u32)) {
        tokio::task::yield_now().await;
        self.log.push(format!("pair {a} {b}"));
    }

    /// A nested struct pattern, in an `async` handler.
    #[info]
    async fn moved(&mut self, Moved(Point { x, y }): Moved) {
        tokio::task::yield_now().await;
        self.log.push(format!("moved {x} {y}"));
    }

    /// An underscore name.
    #[info]
    fn ignored(&mut self, _ignored: Ignored) {
        self.log.push("ignored".into());
    }

    /// Starts the continuations.
    #[cast]
    fn begin(&mut self, steps: u32, ctx: &mut Context<Self>) {
        self.log.push("begin".into());
        ctx.continue_with(Step(steps));
    }

    /// A tuple-struct pattern in a continuation.
    #[continuation]
    fn step(&mut self, Step(left): Step, ctx: &mut Context<Self>) {
        self.log.push(format!("step {left}"));
        if left == 0 {
            ctx.continue_with(Finish { label: "done" });
        } else {
            ctx.continue_with(Step(left - 1));
        }
    }

    /// A struct pattern in an `async` continuation, which then asks for one
    /// that ignores its step.
    #[continuation]
    async fn finish(&mut self, Finish { label }: Finish, ctx: &mut Context<Self>) {
        tokio::task::yield_now().await;
        self.log.push(label.into());
        ctx.continue_with(Last);
    }

    /// `_` in a continuation.
    #[continuation]
    fn last(&mut self, _: Last) {
        self.log.push("last".into());
    }

    /// Sets the idle timeout that the next tick arms.
    #[cast]
    fn arm_on_tick(&mut self, after: std::time::Duration) {
        self.idle = Some(after);
    }

    /// A tuple pattern in a call: the field is named `arg0`.
    #[call]
    fn sum(&self, (a, b): (i64, i64)) -> i64 {
        a + b
    }

    /// A struct pattern and `_` in a call: the fields are named after the
    /// types (`point`, `ignored`).
    #[call]
    fn norm(&self, Point { x, y }: Point, _: Ignored) -> i32 {
        x.abs() + y.abs()
    }

    /// A pattern whose type would name it like another argument, and one
    /// named like the reply field.
    #[call]
    fn offset(&self, Point { x, y }: Point, point: i32, Reply(n): Reply) -> i32 {
        x + y + point + i32::try_from(n).unwrap_or(i32::MAX)
    }

    /// `ref` and `mut` bindings, next to a deferred reply.
    #[allow(clippy::toplevel_ref_arg)]
    #[call]
    fn label(&self, ref text: String, mut times: usize, reply: ReplyTo<String>) {
        let mut out = String::new();
        while times > 0 {
            out.push_str(text);
            times -= 1;
        }
        reply.send(out);
    }

    /// A pattern in a cast: the field is named `moved`.
    #[cast]
    fn shift(&mut self, Moved(Point { x, y }): Moved, _: (u8, u8)) {
        self.log.push(format!("shift {x} {y}"));
    }

    /// A raw name bound by `ref`, and a type whose name would be the
    /// keyword `type` (the field is named by position, `arg1`).
    #[allow(clippy::toplevel_ref_arg)]
    #[call]
    fn keyword(&self, ref r#type: String, _: Type) -> usize {
        r#type.len()
    }

    /// `Self` taken apart (the field is `arg0`, not the keyword `self`).
    #[cast]
    fn replace(&mut self, Self { log, idle }: Self) {
        self.log = log;
        self.idle = idle;
    }

    /// What the handlers saw.
    #[call]
    fn log(&self) -> Vec<String> {
        self.log.clone()
    }
}

#[tokio::test]
async fn info_handlers_take_their_message_through_a_pattern() {
    let server = Patterns::start(Patterns::default()).await.unwrap();
    server.send(Tick(3));
    server.send((4u32, 5u32));
    server.send(Moved(Point { x: -1, y: 2 }));
    server.send(Ignored);
    server.send(IdleTimeout);
    assert_eq!(
        server.log().await.unwrap(),
        ["tick 3", "pair 4 5", "moved -1 2", "ignored", "idle"]
    );
}

#[tokio::test(start_paused = true)]
async fn an_idle_timeout_reaches_an_underscore_handler() {
    let server = Patterns::start(Patterns::default()).await.unwrap();
    server.arm_on_tick(std::time::Duration::from_millis(100));
    server.send(Tick(1));
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    assert_eq!(server.log().await.unwrap(), ["tick 1", "idle"]);
}

#[tokio::test]
async fn continuations_take_their_step_through_a_pattern() {
    let server = Patterns::start(Patterns::default()).await.unwrap();
    server.begin(2);
    assert_eq!(
        server.log().await.unwrap(),
        ["begin", "step 2", "step 1", "step 0", "done", "last"]
    );
}

#[tokio::test]
async fn calls_and_casts_take_patterns_under_generated_names() {
    let server = Patterns::start(Patterns::default()).await.unwrap();
    assert_eq!(server.sum((2, 3)).await.unwrap(), 5);
    assert_eq!(
        server.norm(Point { x: -3, y: 4 }, Ignored).await.unwrap(),
        7
    );
    assert_eq!(
        server
            .offset(Point { x: 1, y: 2 }, 10, Reply(100))
            .await
            .unwrap(),
        113
    );
    assert_eq!(server.label("ab".into(), 3).await.unwrap(), "ababab");
    let request = server.request().sum((1, 1));
    assert_eq!(request.await.unwrap(), 2);
    server.shift(Moved(Point { x: 5, y: 6 }), (0, 0));
    assert_eq!(server.log().await.unwrap(), ["shift 5 6"]);
    assert_eq!(server.keyword("abc".into(), Type).await.unwrap(), 3);
    server.replace(Patterns {
        log: vec!["replaced".into()],
        idle: None,
    });
    assert_eq!(server.log().await.unwrap(), ["replaced"]);
}

/// A server ported from Elixir, where `def handle_call({:add, {a, b}}, ...)`
/// takes its message apart in the head: the handlers destructure, the
/// client methods take one plain argument per pattern.
struct Adder {
    total: u32,
    pairs: Vec<(u32, u32)>,
}

#[gen_server]
impl Adder {
    #[init]
    fn init((total, pairs): (u32, Vec<(u32, u32)>)) -> Self {
        Adder { total, pairs }
    }

    /// The tuple of the issue, with `&mut self`.
    #[call]
    fn add(&mut self, (a, b): (u32, u32)) -> u32 {
        self.total += a + b;
        self.pairs.push((a, b));
        self.total
    }

    /// The same in an `async` call, next to the context.
    #[call]
    async fn add_later(&mut self, ctx: &mut Context<Self>, (a, b): (u32, u32)) -> u32 {
        let _ = ctx.id();
        tokio::task::yield_now().await;
        self.total += a * b;
        self.total
    }

    /// Nested tuples in a cast.
    #[cast]
    fn add_both(&mut self, ((a, b), (c, d)): ((u32, u32), (u32, u32))) {
        self.total += a + b + c + d;
    }

    #[call]
    fn pairs(&self) -> Vec<(u32, u32)> {
        self.pairs.clone()
    }
}

#[tokio::test]
async fn a_call_destructures_a_tuple_as_init_does() {
    let server = Adder::start((10, vec![(0, 0)])).await.unwrap();
    assert_eq!(server.add((1, 2)).await.unwrap(), 13);
    assert_eq!(server.add_later((3, 4)).await.unwrap(), 25);
    server.add_both(((1, 1), (1, 1)));
    assert_eq!(server.add((0, 0)).await.unwrap(), 29);
    assert_eq!(server.pairs().await.unwrap(), [(0, 0), (1, 2), (0, 0)]);
}

// ------------------------------------------- names that look not `Send`

/// The macro reports `Rc`, `Box<dyn Fn()>` and `Arc<RefCell<T>>` by their
/// spelling; types of the user's own that share the names of other standard
/// types (`Cell<T>`, `NonNull<T>`), traits with `Send` as a supertrait
/// (`Any`, `Error`), and wrappers that are `Send` whatever they hold are
/// left to rustc, which accepts them.
mod lookalikes {
    use std::sync::Arc;

    use genserver::prelude::*;

    /// A grid cell: `Sync`, so `Arc<Cell<u32>>` is `Send`.
    #[derive(Debug, PartialEq)]
    pub(crate) struct Cell<T>(pub(crate) T);

    /// A pointer-like type of the user's own that owns its value.
    pub(crate) struct NonNull<T>(pub(crate) Box<T>);

    /// A typed id: `Send` whatever it names (it holds no `T`).
    pub(crate) struct Id<T>(
        pub(crate) u64,
        pub(crate) std::marker::PhantomData<fn() -> T>,
    );

    /// A trait of the user's own called `Any`, with `Send` as a supertrait.
    pub(crate) trait Any: Send {
        fn name(&self) -> &'static str;
    }

    impl Any for u8 {
        fn name(&self) -> &'static str {
            "u8"
        }
    }

    /// A trait of the user's own called `Error`, with `Send` as a supertrait.
    pub(crate) trait Error: Send {
        fn code(&self) -> u32;
    }

    pub(crate) struct Failure;

    impl Error for Failure {
        fn code(&self) -> u32 {
            7
        }
    }

    /// A job trait with `Send + Sync` as supertraits.
    pub(crate) trait Job: Send + Sync {
        fn run(&self) -> u32;
    }

    pub(crate) struct Seven;

    impl Job for Seven {
        fn run(&self) -> u32 {
            7
        }
    }

    pub(crate) struct Sheet;

    #[gen_server]
    impl Sheet {
        #[call]
        pub(crate) fn value(&self, cell: Arc<Cell<u32>>) -> u32 {
            cell.0
        }

        #[call]
        pub(crate) fn read_pointer(&self, pointer: NonNull<u32>) -> u32 {
            *pointer.0
        }

        #[call]
        pub(crate) fn id_number(&self, id: Id<std::rc::Rc<u8>>) -> u64 {
            id.0
        }

        #[call]
        pub(crate) fn any(&self, value: Box<dyn Any>) -> &'static str {
            value.name()
        }

        #[call]
        pub(crate) fn code(&self, error: Box<dyn Error>) -> u32 {
            error.code()
        }

        #[call]
        pub(crate) fn run(&self, job: Arc<dyn Job>) -> u32 {
            job.run()
        }

        #[call]
        pub(crate) fn boxed(&self, error: Box<dyn std::error::Error + Send + Sync>) -> String {
            error.to_string()
        }
    }
}

#[tokio::test]
async fn types_named_like_non_send_ones_are_accepted() {
    use lookalikes::*;
    use std::sync::Arc;

    let sheet = Sheet::start(Sheet).await.unwrap();
    assert_eq!(sheet.value(Arc::new(Cell(3))).await, Ok(3));
    assert_eq!(sheet.read_pointer(NonNull(Box::new(4))).await, Ok(4));
    assert_eq!(
        sheet.id_number(Id(5, std::marker::PhantomData)).await,
        Ok(5)
    );
    assert_eq!(sheet.any(Box::new(6u8)).await, Ok("u8"));
    assert_eq!(sheet.code(Box::new(Failure)).await, Ok(7));
    assert_eq!(sheet.run(Arc::new(Seven)).await, Ok(7));
    assert_eq!(
        sheet.boxed("disk full".into()).await.as_deref(),
        Ok("disk full")
    );
}
