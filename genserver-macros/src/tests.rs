//! Expansion snapshots: the generated code of representative inputs,
//! pretty-printed and compared with `tests/snapshots/*.rs`. Refresh them with
//! `UPDATE_EXPECT=1 cargo test -p genserver-macros`.

use proc_macro2::TokenStream;
use quote::quote;

fn expand(args: TokenStream, input: TokenStream) -> String {
    let output = crate::expand::gen_server(args, input);
    let file: syn::File = syn::parse2(output).expect("the expansion parses as a file");
    prettyplease::unparse(&file)
}

fn check(name: &str, args: TokenStream, input: TokenStream) {
    let path = format!("../tests/snapshots/{name}.rs");
    expect_test::expect_file![path].assert_eq(&expand(args, input));
}

#[test]
fn sum_server() {
    check(
        "sum_server",
        quote!(),
        quote! {
            impl SumServer {
                /// Adds two numbers.
                #[call]
                fn sum(&self, a: i64, b: i64) -> i64 {
                    a + b
                }
            }
        },
    );
}

#[test]
fn key_value_store() {
    check(
        "key_value_store",
        quote!(),
        quote! {
            impl KeyValueStore {
                /// Stores `value` under `key`.
                #[cast]
                pub fn put(&mut self, key: String, value: String) {
                    self.map.insert(key, value);
                }

                /// The value stored under `key`.
                #[call]
                pub fn get(&self, key: String) -> Option<String> {
                    self.map.get(&key).cloned()
                }
            }
        },
    );
}

#[test]
fn generic_stack_with_deferred_reply() {
    check(
        "generic_stack",
        quote!(),
        quote! {
            impl<T: Clone> Stack<T> {
                #[cast]
                fn push(&mut self, item: T) {
                    self.items.push(item);
                }

                #[call]
                fn pop_wait(&mut self, reply: ReplyTo<T>) {
                    self.waiting.push(reply);
                }

                #[call]
                async fn snapshot(&self) -> Vec<T> {
                    self.items.clone()
                }
            }
        },
    );
}

#[test]
fn lifecycle_info_and_context() {
    check(
        "lifecycle",
        quote!(crate = "my_runtime::genserver"),
        quote! {
            impl Clock {
                #[init]
                async fn init(interval: Duration) -> Result<Self, Error> {
                    Ok(Clock { interval, ticks: 0 })
                }

                #[info]
                fn tick(&mut self, _tick: Tick) {
                    self.ticks += 1;
                }

                #[call]
                fn close(&mut self, ctx: &mut Context<Self>) -> u64 {
                    ctx.stop(ExitReason::Normal);
                    self.ticks
                }

                #[terminate]
                fn terminate(&mut self, reason: &ExitReason) {
                    println!("{reason}");
                }
            }
        },
    );
}

#[test]
fn continuation_and_init_with_context() {
    check(
        "continuation",
        quote!(),
        quote! {
            impl Loader {
                #[init]
                fn init(path: String, ctx: &mut Context<Self>) -> Self {
                    ctx.continue_with(Load);
                    Loader { path, rows: Vec::new() }
                }

                /// Reads the rows, after `start` has returned.
                #[continuation]
                async fn load(&mut self, _step: Load, ctx: &mut Context<Self>) {
                    self.rows = read(&self.path).await;
                    ctx.continue_with(Index(self.rows.len()));
                }

                #[continuation]
                fn index(&mut self, step: Index) {
                    self.indexed = step.0;
                }

                /// The same type as a message from outside.
                #[info]
                fn reindex(&mut self, step: Index) {
                    self.indexed = step.0;
                }

                #[call]
                fn rows(&self) -> usize {
                    self.rows.len()
                }
            }
        },
    );
}

#[test]
fn pattern_arguments() {
    check(
        "patterns",
        quote!(),
        quote! {
            impl Plotter {
                #[info]
                fn idle(&mut self, _: IdleTimeout) {
                    self.idle += 1;
                }

                #[info]
                async fn moved(&mut self, Point { x, y }: Point) {
                    self.plot(x, y).await;
                }

                #[continuation]
                fn step(&mut self, Step(n): Step) {
                    self.steps = n;
                }

                /// The tuple is the field `arg0`; the point, `point`.
                #[call]
                fn shift(&mut self, (dx, dy): (i32, i32), Point { x, y }: Point) -> Point {
                    Point { x: x + dx, y: y + dy }
                }

                #[cast]
                fn reset(&mut self, _: Reset) {
                    self.steps = 0;
                }

                /// `r#type`, then by position: `type` and `self` are keywords.
                #[cast]
                fn keywords(&mut self, ref r#type: String, _: Type, Self { steps, .. }: Self) {
                    self.steps = steps + r#type.len();
                }
            }
        },
    );
}

#[test]
fn errors_keep_the_impl_and_the_valid_handlers() {
    check(
        "errors",
        quote!(),
        quote! {
            impl Broken {
                #[call]
                fn fine(&self) -> u32 {
                    1
                }

                #[cast]
                fn borrowed(&mut self, name: &str) {}

                #[cast]
                fn returns(&mut self) -> u32 {
                    2
                }
            }
        },
    );
}

#[test]
fn format_status_fills_the_trait_method() {
    check(
        "format_status",
        quote!(),
        quote! {
            impl Vault {
                #[call]
                fn len(&self) -> usize {
                    self.secrets.len()
                }

                /// Shows how many secrets, never what they are.
                #[format_status]
                fn redacted(&self) -> String {
                    format!("Vault {{ {} secrets }}", self.secrets.len())
                }
            }
        },
    );
}

#[test]
fn child_spec_options() {
    check(
        "child_spec",
        quote!(
            id = "cache",
            restart = transient,
            shutdown = 10_000,
            type = supervisor,
            significant = true
        ),
        quote! {
            impl<Arg: Clone + Sync> Cache<Arg> {
                #[init]
                fn init(config: Arg) -> Self {
                    Cache { config }
                }
            }
        },
    );
}

#[test]
fn own_child_spec_wins() {
    check(
        "own_child_spec",
        quote!(),
        quote! {
            impl Worker {
                /// The user's own.
                pub fn child_spec(arg: Worker) -> ChildSpec {
                    ChildSpec::new::<Self>(arg).restart(Restart::Temporary)
                }
            }
        },
    );
}

#[test]
fn bounded_mailbox_policies() {
    // `mailbox` sets the bound; the casts wait for room by default.
    check(
        "bounded_mailbox_wait",
        quote!(mailbox = 1024),
        quote! {
            impl Sink {
                #[cast]
                pub fn push(&mut self, item: u64) {
                    self.items.push(item);
                }
            }
        },
    );
    // `when_full = fail`: the casts say when the mailbox is full.
    check(
        "bounded_mailbox_fail",
        quote!(mailbox = 16, when_full = fail),
        quote! {
            impl Sink {
                #[cast]
                pub fn push(&mut self, item: u64) {
                    self.items.push(item);
                }
            }
        },
    );
}
