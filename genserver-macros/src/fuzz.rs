//! A property test of the expansion: impl blocks generated from the grammar
//! the macro accepts (valid and invalid), then mutated token by token, are
//! expanded, and every expansion must
//!
//! - not panic;
//! - for input that does not parse as an item, hand the input back as it is;
//! - for an item that is not an impl block, hand it back with an error;
//! - for an impl block, parse as Rust, and contain the user's impl block
//!   again (the same self type, the same methods, none of our helper
//!   attributes left);
//! - point every `compile_error!` into the input (the impl block or the
//!   options), never only at the call site, with a message that says what
//!   to write (shows code in backquotes, or says what to do).
//!
//! `GENSERVER_FUZZ_CASES` (default 1000) sets how many inputs are tried and
//! `GENSERVER_FUZZ_SEED` the seed (default fixed, so CI is repeatable):
//! `GENSERVER_FUZZ_CASES=200000 cargo test -p genserver-macros --release fuzz -- --nocapture`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};

use proc_macro2::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};
use quote::ToTokens;

/// splitmix64: small, seedable, good enough to pick grammar branches.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap_or(0)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

// ------------------------------------------------------------ generator

const KINDS: &[&str] = &[
    "call",
    "cast",
    "info",
    "continuation",
    "init",
    "terminate",
    "format_status",
];

const NAMES: &[&str] = &[
    "add",
    "get",
    "get_x",
    "getX",
    "tick",
    "load",
    "init",
    "terminate",
    "status",
    "start",
    "stop",
    "send",
    "clone",
    "r#type",
    "_1",
    "reply",
    "x",
    "self_",
    "handle",
    "fmt",
];

const RECEIVERS: &[&str] = &[
    "&self",
    "&mut self",
    "self",
    "mut self",
    "self: Box<Self>",
    "&'a self",
    "",
];

const ARGUMENTS: &[&str] = &[
    "a: u32",
    "b: i64",
    "name: String",
    "(a, b): (u32, u32)",
    "(x, y): (i32, i32)",
    "Point { x, y }: Point",
    "Step(n): Step",
    "_: Tick",
    "_tick: Tick",
    "ref r: String",
    "mut m: Vec<T>",
    "x @ _: u8",
    "r#type: String",
    "reply: u32",
    "ctx: &mut Context<Self>",
    "ctx: &Context<Self>",
    "reply: ReplyTo<u32>",
    "reply: ReplyTo<Self>",
    "s: &str",
    "s: &'static str",
    "f: impl Fn()",
    "Some(x): Option<u32>",
    "[a, b]: [u8; 2]",
    "me: Self",
    "item: T",
    "rc: Rc<u32>",
    "job: Box<dyn Fn()>",
    "job: Box<dyn Fn() + Send>",
    "job: Arc<dyn Job>",
    "p: (u8, *const u8)",
    "reason: &ExitReason",
    "..: u32",
];

const RETURNS: &[&str] = &[
    "",
    "-> u32",
    "-> ()",
    "-> Self",
    "-> Result<Self, String>",
    "-> Init<Self>",
    "-> String",
    "-> Option<String>",
    "-> Vec<T>",
    "-> impl Sized",
    "-> &str",
];

const OPTIONS: &[&str] = &[
    "",
    "crate = \"my::genserver\"",
    "id = \"cache\"",
    "id = cache",
    "restart = transient",
    "restart = \"temporary\"",
    "restart = sometimes",
    "shutdown = 10_000",
    "shutdown = 10s",
    "shutdown = \"5s\"",
    "shutdown = -1",
    "shutdown = 1.5",
    "shutdown = brutal_kill",
    "shutdown = 99999999999999999999999",
    "type = supervisor",
    "type = worker, type = worker",
    "significant = true",
    "significant = true, restart = temporary",
    "significant = 1",
    "modules = [A]",
    "name = \"x\"",
    "start = f",
    "unknown",
    "a::b = 1",
    "restart",
    "crate = 1",
    "restart =",
    "id =",
    "crate =",
    "= 1",
    ",",
    "restart = transient,,",
    "type = worker type = supervisor",
    "shutdown = 5_000 ms",
];

const SELF_TYPES: &[&str] = &[
    "impl Server",
    "impl<T: Clone> Server<T>",
    "impl<T> Server<T> where T: Clone",
    "impl<'a> Server<'a>",
    "impl<const N: usize> Server<N>",
    "impl crate::Server",
    "impl Trait for Server",
    "impl (u32, u32)",
    "impl <Server as Trait>::Assoc",
    "impl Server<Arg>",
    "unsafe impl Server",
];

fn method(rng: &mut Rng) -> String {
    let mut out = String::new();
    if rng.chance(20) {
        out.push_str("/// Docs.\n");
    }
    if rng.chance(85) {
        let kind = rng.pick(KINDS);
        let _ = write!(out, "#[{kind}]");
        if rng.chance(5) {
            let _ = write!(out, "#[{}]", rng.pick(KINDS));
        }
        if rng.chance(3) {
            let _ = write!(out, "#[{kind}(x)]");
        }
    }
    if rng.chance(10) {
        out.push_str("#[cfg(test)]");
    }
    if rng.chance(30) {
        out.push_str("pub ");
    }
    if rng.chance(3) {
        out.push_str("const ");
    }
    if rng.chance(30) {
        out.push_str("async ");
    }
    if rng.chance(3) {
        out.push_str("unsafe ");
    }
    out.push_str("fn ");
    out.push_str(rng.pick(NAMES));
    if rng.chance(5) {
        out.push_str("<U>");
    }
    let mut args: Vec<String> = Vec::new();
    let receiver = rng.pick(RECEIVERS);
    if !receiver.is_empty() {
        args.push(receiver.to_owned());
    }
    for _ in 0..rng.below(4) {
        args.push((rng.pick(ARGUMENTS)).to_owned());
    }
    let _ = write!(out, "({})", args.join(", "));
    out.push(' ');
    out.push_str(rng.pick(RETURNS));
    if rng.chance(3) {
        out.push_str(" where U: Clone");
    }
    out.push_str(" { todo!() }\n");
    out
}

/// An impl block (or, rarely, another item) as source text, and the
/// options of `#[gen_server(...)]`.
fn generate(rng: &mut Rng) -> (String, String) {
    let mut options: Vec<&str> = Vec::new();
    for _ in 0..rng.below(3) {
        let option = rng.pick(OPTIONS);
        if !option.is_empty() {
            options.push(option);
        }
    }
    let mut input = String::new();
    if rng.chance(3) {
        input.push_str(rng.pick(&[
            "struct Server { n: u32 }",
            "fn server() {}",
            "#[derive(Debug)] pub struct S;",
            "enum E { A }",
            "trait T {}",
            "mod m {}",
        ]));
        return (options.join(", "), input);
    }
    input.push_str(rng.pick(SELF_TYPES));
    input.push_str(" {\n");
    for _ in 0..rng.below(6) {
        match rng.below(12) {
            0 => input.push_str(rng.pick(&[
                "const X: u32 = 1;\n",
                "#[call] const X: u32 = 1;\n",
                "#[init] type T = u32;\n",
                "#[cast] m!();\n",
            ])),
            1 => input.push_str("fn child_spec(arg: Self) -> ChildSpec { todo!() }\n"),
            _ => input.push_str(&method(rng)),
        }
    }
    input.push('}');
    (options.join(", "), input)
}

/// An impl block that the macro must accept: every handler has a shape
/// its kind allows, names and message types do not clash.
#[allow(clippy::too_many_lines)]
fn generate_valid(rng: &mut Rng) -> (String, String) {
    const VALUES: &[&str] = &[
        "a: u32",
        "name: String",
        "(a, b): (u32, u32)",
        "Point { x, y }: Point",
        "Step(n): Step",
        "_: Tick",
        "_tick: Tick",
        "ref r: String",
        "mut m: Vec<T>",
        "r#type: String",
        "reply: u32",
        "s: &'static str",
        "item: T",
        "me: Self",
        "[a, b]: [u8; 2]",
    ];
    const CTX: &[&str] = &[
        "ctx: &mut Context<Self>",
        "ctx: &Context<Self>",
        "_ctx: &mut Context<Self>",
    ];
    const REPLIES: &[&str] = &[
        "",
        "-> u32",
        "-> ()",
        "-> Self",
        "-> Vec<T>",
        "-> Option<String>",
    ];
    const INITS: &[&str] = &[
        "fn init(n: u32) -> Self",
        "async fn init(n: u32, ctx: &mut Context<Self>) -> Result<Self, String>",
        "fn init(ctx: &mut Context<Self>, (a, b): (u32, u32)) -> Init<Self>",
        "fn start_up() -> Self",
    ];
    const OPTIONS: &[&str] = &[
        "",
        "restart = transient",
        "shutdown = 10_000",
        "shutdown = brutal_kill",
        "type = supervisor",
        "id = \"cache\", restart = temporary, significant = true",
        "crate = \"genserver\"",
    ];
    let mut input = String::from(rng.pick(&["impl Server", "impl<T: Clone> Server<T>"]));
    input.push_str(" {\n");
    if rng.chance(50) {
        let _ = writeln!(input, "#[init] {} {{ todo!() }}", rng.pick(INITS));
    }
    if rng.chance(30) {
        input.push_str("#[terminate] async fn terminate(&mut self, reason: &ExitReason) {}\n");
    }
    if rng.chance(20) {
        input.push_str("#[format_status] fn status(&self) -> String { todo!() }\n");
    }
    if rng.chance(20) {
        input.push_str("fn helper(&self) -> u32 { 1 }\nconst X: u32 = 1;\n");
    }
    // Each info and continuation handler takes its own message type.
    let mut message = 0;
    for i in 0..rng.below(7) {
        let kind = rng.pick(&["call", "call", "cast", "info", "continuation"]);
        let asyncness = if rng.chance(30) { "async " } else { "" };
        let receiver = rng.pick(&["&self", "&mut self"]);
        let mut args = vec![receiver.to_owned()];
        let mut output = "";
        match kind {
            "call" | "cast" => {
                for _ in 0..rng.below(3) {
                    args.push(rng.pick(VALUES).to_owned());
                }
                if kind == "call" {
                    if rng.chance(20) {
                        args.push("reply_to: ReplyTo<u32>".to_owned());
                    } else {
                        output = rng.pick(REPLIES);
                    }
                }
            }
            _ => {
                message += 1;
                args.push(format!("m: Message{message}"));
            }
        }
        if rng.chance(30) {
            let at = rng.below(args.len()) + 1;
            args.insert(at.min(args.len()), rng.pick(CTX).to_owned());
        }
        // Patterns may bind the same names: keep one argument per name by
        // giving each handler's arguments their own scope (a fresh name for
        // repeated plain arguments is not needed: a repeated pattern is
        // left out).
        let mut seen: Vec<String> = Vec::new();
        args.retain(|arg| {
            let key = arg.split(':').next().unwrap_or_default().to_owned();
            if seen.contains(&key) {
                return false;
            }
            seen.push(key);
            true
        });
        let _ = writeln!(
            input,
            "/// Doc.\n#[{kind}] pub {asyncness}fn handler_{i}({}) {output} {{ todo!() }}",
            args.join(", ")
        );
    }
    input.push('}');
    (rng.pick(OPTIONS).to_owned(), input)
}

// ------------------------------------------------------------ mutator

const IDENTS: &[&str] = &[
    "call", "cast", "info", "init", "self", "Self", "fn", "async", "mut", "impl", "where",
    "Context", "ReplyTo", "u32", "x", "r#type", "_", "crate", "static", "dyn", "unsafe", "pub",
];
const PUNCTS: &[char] = &[
    '#', '&', ':', ',', ';', '<', '>', '-', '=', '!', '@', '\'', '.', '*',
];

fn random_tree(rng: &mut Rng) -> TokenTree {
    match rng.below(4) {
        0 => TokenTree::Punct(Punct::new(rng.pick(PUNCTS), Spacing::Alone)),
        1 => TokenTree::Literal(match rng.below(4) {
            0 => Literal::u64_unsuffixed(rng.next() % 1000),
            1 => Literal::string("x"),
            2 => Literal::f64_unsuffixed(1.5),
            _ => Literal::u8_suffixed(7),
        }),
        2 => TokenTree::Group(Group::new(
            rng.pick(&[Delimiter::Parenthesis, Delimiter::Bracket, Delimiter::Brace]),
            TokenStream::new(),
        )),
        _ => TokenTree::Ident(ident(rng.pick(IDENTS))),
    }
}

fn ident(name: &str) -> Ident {
    match name.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(name, Span::call_site()),
    }
}

/// One random edit somewhere in `stream`: drop, duplicate, swap, replace
/// (an identifier, a literal, a punctuation), insert, or change a group's
/// delimiter. Replacements keep the span of what they replace, as tokens
/// typed by the user would have one.
fn mutate(rng: &mut Rng, stream: TokenStream, depth: usize) -> TokenStream {
    let mut trees: Vec<TokenTree> = stream.into_iter().collect();
    if trees.is_empty() {
        if rng.chance(50) {
            trees.push(random_tree(rng));
        }
        return trees.into_iter().collect();
    }
    let groups: Vec<usize> = (0..trees.len())
        .filter(|&i| matches!(trees[i], TokenTree::Group(_)))
        .collect();
    // Go down into a group more often than not: most of an impl block is
    // inside its braces.
    if !groups.is_empty() && depth < 6 && rng.chance(70) {
        let i = rng.pick(&groups);
        if let TokenTree::Group(group) = &trees[i] {
            let inner = mutate(rng, group.stream(), depth + 1);
            let mut new = Group::new(group.delimiter(), inner);
            new.set_span(group.span());
            trees[i] = TokenTree::Group(new);
        }
        return trees.into_iter().collect();
    }
    let i = rng.below(trees.len());
    let span = trees[i].span();
    match rng.below(7) {
        0 => {
            trees.remove(i);
        }
        1 => {
            let copy = trees[i].clone();
            trees.insert(i, copy);
        }
        2 if trees.len() > 1 => {
            let j = rng.below(trees.len());
            trees.swap(i, j);
        }
        3 => {
            let mut new = TokenTree::Ident(ident(rng.pick(IDENTS)));
            new.set_span(span);
            trees[i] = new;
        }
        4 => {
            let mut new = random_tree(rng);
            new.set_span(span);
            trees[i] = new;
        }
        5 => {
            if let TokenTree::Group(group) = &trees[i] {
                let delimiter = rng.pick(&[
                    Delimiter::Parenthesis,
                    Delimiter::Bracket,
                    Delimiter::Brace,
                    Delimiter::None,
                ]);
                let mut new = Group::new(delimiter, group.stream());
                new.set_span(group.span());
                trees[i] = TokenTree::Group(new);
            } else {
                let mut new = random_tree(rng);
                new.set_span(span);
                trees.insert(i, new);
            }
        }
        _ => {
            let mut new = random_tree(rng);
            new.set_span(span);
            trees.insert(i, new);
        }
    }
    trees.into_iter().collect()
}

// ------------------------------------------------------------ properties

/// A span in each source text: the first token's. Every string parsed
/// with `span-locations` is a file of its own, and `Span::join` gives
/// `None` for spans of two files, so joining with it tells whether a span
/// points into that text (and not at the call site, or into code the macro
/// parsed from a string of its own).
fn anchor(tokens: &TokenStream) -> Option<Span> {
    tokens.clone().into_iter().next().map(|tree| tree.span())
}

struct CompileError {
    span: Span,
    message: String,
}

/// Every `compile_error! { "..." }` in `tokens`, with the span of its
/// `compile_error` identifier, which is the start of the error's span.
fn compile_errors(tokens: TokenStream, out: &mut Vec<CompileError>) {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    for (i, tree) in trees.iter().enumerate() {
        match tree {
            TokenTree::Ident(ident) if ident == "compile_error" => {
                if let Some(TokenTree::Group(group)) = trees.get(i + 2) {
                    let message = group
                        .stream()
                        .into_iter()
                        .find_map(|tree| match tree {
                            TokenTree::Literal(literal) => {
                                syn::parse_str::<syn::LitStr>(&literal.to_string())
                                    .ok()
                                    .map(|lit| lit.value())
                            }
                            _ => None,
                        })
                        .unwrap_or_default();
                    out.push(CompileError {
                        span: ident.span(),
                        message,
                    });
                }
            }
            TokenTree::Group(group) => compile_errors(group.stream(), out),
            _ => {}
        }
    }
}

fn fn_names(items: &[syn::ImplItem]) -> Vec<String> {
    items
        .iter()
        .filter_map(|item| match item {
            syn::ImplItem::Fn(method) => Some(method.sig.ident.to_string()),
            _ => None,
        })
        .collect()
}

/// Whether one of our attributes is still on an item of the re-emitted
/// impl block, where rustc would not know it.
fn helper_left(item: &syn::ImplItem) -> bool {
    let attrs = match item {
        syn::ImplItem::Fn(item) => &item.attrs,
        syn::ImplItem::Const(item) => &item.attrs,
        syn::ImplItem::Type(item) => &item.attrs,
        syn::ImplItem::Macro(item) => &item.attrs,
        _ => return false,
    };
    attrs.iter().any(crate::attr::is_helper)
}

/// The problems with the expansion of a valid impl block: it must have no
/// error and implement `GenServer` (once for the compiler, and maybe once
/// more for rustdoc).
fn accepted(file: &syn::File, errors: &[CompileError]) -> Vec<String> {
    let mut problems = Vec::new();
    if !errors.is_empty() {
        let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        problems.push(format!(
            "a valid impl block rejected: {}",
            messages.join("; ")
        ));
    }
    let implements = file.items.iter().any(|item| {
        matches!(item, syn::Item::Impl(item)
        if item.trait_.as_ref().is_some_and(|(path, _)| {
            path.segments.last().is_some_and(|last| last.ident == "GenServer")
        }))
    });
    if !implements {
        problems.push("a valid impl block without `impl GenServer`".to_owned());
    }
    problems
}

/// The problems with one expansion, empty if it has all the properties.
fn check(
    args: &TokenStream,
    input: &TokenStream,
    output: &TokenStream,
    must_be_valid: bool,
) -> Vec<String> {
    let mut problems = Vec::new();
    let mut errors = Vec::new();
    compile_errors(output.clone(), &mut errors);
    let sources: Vec<Span> = [anchor(args), anchor(input)]
        .into_iter()
        .flatten()
        .collect();
    for error in &errors {
        let points_in = sources
            .iter()
            .any(|source| source.join(error.span).is_some());
        if !points_in {
            problems.push(format!(
                "error not spanned in the input (at {:?}): {}",
                error.span.start(),
                error.message
            ));
        }
        if !shows_what_to_write(&error.message) {
            problems.push(format!(
                "error does not show what to write: {}",
                error.message
            ));
        }
    }
    match syn::parse2::<syn::Item>(input.clone()) {
        Err(_) => {
            if output.to_string() != input.to_string() {
                problems.push("unparsable input not handed back as it is".to_owned());
            }
        }
        Ok(syn::Item::Impl(item)) => {
            let Ok(file) = syn::parse2::<syn::File>(output.clone()) else {
                problems.push("the expansion does not parse as Rust".to_owned());
                return problems;
            };
            if must_be_valid {
                problems.extend(accepted(&file, &errors));
            }
            let self_ty = item.self_ty.to_token_stream().to_string();
            let names = fn_names(&item.items);
            let found = file.items.iter().any(|out| {
                matches!(out, syn::Item::Impl(out)
                    if out.trait_.is_some() == item.trait_.is_some()
                        && out.self_ty.to_token_stream().to_string() == self_ty
                        && fn_names(&out.items) == names
                        && out.items.len() == item.items.len()
                        && out.items.iter().all(|item| !helper_left(item)))
            });
            if !found {
                problems.push("the user's impl block is not in the expansion".to_owned());
            }
        }
        Ok(_) => {
            let text = output.to_string();
            if !text.starts_with(&input.to_string()) {
                problems.push("a non-impl item not handed back".to_owned());
            }
            if errors.is_empty() {
                problems.push("a non-impl item without an error".to_owned());
            }
        }
    }
    problems
}

/// Whether an error message says what to write: it shows code (in
/// backquotes) or says what to do with what is there.
fn shows_what_to_write(message: &str) -> bool {
    const VERBS: &[&str] = &[
        "write", "remove", "rename", "add", "use", "take", "put", "make", "keep", "give", "bundle",
        "wrap", "set", "merge", "own",
    ];
    message.contains('`')
        || message
            .split(|c: char| !c.is_ascii_alphabetic())
            .any(|word| VERBS.contains(&word))
}

/// The start of an error message, to count errors by kind.
fn kind_of(message: &str) -> String {
    let end = message
        .find([':', ';', '('])
        .unwrap_or(message.len())
        .min(60);
    let start: String = message.chars().take(end).collect();
    // Messages that name the user's things, or one of the handler kinds,
    // are the same kind.
    let mut kind = String::new();
    for (i, part) in start.split('`').enumerate() {
        if i % 2 == 0 {
            kind.push_str(part);
        } else {
            kind.push_str("`..`");
        }
    }
    for name in KINDS {
        kind = kind.replace(&format!("#[{name}]"), "#[..]");
    }
    kind.trim().chars().take(44).collect()
}

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

#[test]
fn expansion_properties_hold_for_generated_and_mutated_inputs() {
    let cases = env("GENSERVER_FUZZ_CASES", 1000);
    let seed = env("GENSERVER_FUZZ_SEED", 0x6765_6E73_6572_7665);
    let mut rng = Rng(seed);
    let (mut valid, mut rejected, mut unparsable, mut not_impl) = (0u64, 0u64, 0u64, 0u64);
    let mut by_kind: BTreeMap<String, u64> = BTreeMap::new();
    let mut failures: Vec<String> = Vec::new();
    // The default hook would print every caught panic.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    for case in 0..cases {
        // A quarter of the inputs are valid, and must expand without error.
        let must_be_valid = rng.chance(25);
        let (args_text, input_text) = if must_be_valid {
            generate_valid(&mut rng)
        } else {
            generate(&mut rng)
        };
        let args: TokenStream = args_text.parse().expect("generated options tokenize");
        let mut input: TokenStream = input_text.parse().expect("generated input tokenizes");
        // Half of the others get one token edit, some of them more.
        if !must_be_valid && rng.chance(50) {
            for _ in 0..=usize::from(rng.chance(30)) * rng.below(4) {
                input = mutate(&mut rng, input, 0);
            }
        }
        let args = if !must_be_valid && rng.chance(5) {
            mutate(&mut rng, args, 0)
        } else {
            args
        };
        let result = catch_unwind(AssertUnwindSafe(|| {
            crate::expand::gen_server(args.clone(), input.clone())
        }));
        let output = match result {
            Ok(output) => output,
            Err(panic) => {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_default();
                failures.push(format!(
                    "case {case}: panicked: {message}\n  args: {args}\n  input: {input}"
                ));
                continue;
            }
        };
        let mut problems = check(&args, &input, &output, must_be_valid);
        // The same input expands to the same output (nothing depends on
        // iteration order of a hash map, on a counter, on the clock).
        if case % 10 == 0 {
            let again = crate::expand::gen_server(args.clone(), input.clone());
            if again.to_string() != output.to_string() {
                problems.push("two expansions of one input differ".to_owned());
            }
        }
        if !problems.is_empty() {
            failures.push(format!(
                "case {case}: {}\n  args: {args}\n  input: {input}",
                problems.join("; ")
            ));
        }
        let mut errors = Vec::new();
        compile_errors(output, &mut errors);
        match syn::parse2::<syn::Item>(input) {
            Err(_) => unparsable += 1,
            Ok(syn::Item::Impl(_)) if errors.is_empty() => valid += 1,
            Ok(syn::Item::Impl(_)) => rejected += 1,
            Ok(_) => not_impl += 1,
        }
        for error in errors {
            *by_kind.entry(kind_of(&error.message)).or_default() += 1;
        }
    }
    std::panic::set_hook(hook);
    let mut report = format!(
        "macro fuzz: seed {seed:#x}, {cases} inputs: {valid} impl blocks expanded without error, {rejected} rejected, {not_impl} other items, {unparsable} not an item (handed back); {} failures\nerrors by kind:\n",
        failures.len()
    );
    for (kind, count) in &by_kind {
        let _ = writeln!(report, "  {count:6}  {kind}");
    }
    eprintln!("{report}");
    assert!(
        failures.is_empty(),
        "{} of {cases} inputs broke a property; the first ones:\n{}",
        failures.len(),
        failures
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
