//! The options of `#[gen_server(...)]`: where the runtime is (`crate`),
//! the child spec options of Elixir's `use GenServer, restart: ..., ...`
//! (`id`, `restart`, `shutdown`, `type`, `significant`), and the bounded
//! mailbox (`mailbox`, `when_full`).

use proc_macro2::{Ident, Span, TokenStream};
use quote::{ToTokens, quote};
use syn::meta::ParseNestedMeta;
use syn::parse::Parser;
use syn::spanned::Spanned;

use crate::errors::Errors;

pub(crate) struct Args {
    /// The path generated code reaches the runtime through: `::genserver`
    /// unless `crate = path` says otherwise (for crates that re-export it).
    pub(crate) krate: syn::Path,
    /// What `Type::child_spec` sets on top of the defaults.
    pub(crate) child: ChildOptions,
    /// `mailbox = N`: the bound, as the user's literal.
    pub(crate) mailbox: Option<syn::LitInt>,
    /// Whether `mailbox` was given, valid or not: a refused bound keeps
    /// the casts' policy, so that its error comes alone.
    mailbox_given: bool,
    /// `when_full = ...`, if given.
    pub(crate) when_full: Option<WhenFull>,
}

/// What the generated cast methods do when the bounded mailbox is full.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum WhenFull {
    /// `async fn`, waits for room (`Handle::cast_wait`).
    Wait,
    /// Returns `Err(CastError::Full)` (`Handle::try_cast`).
    Fail,
    /// Makes room by dropping the oldest cast (`Handle::cast`): the
    /// plain cast, never failing, never waiting.
    DropOldest,
}

/// `crate = "path::to::genserver"`.
fn parse_crate(meta: &ParseNestedMeta<'_>) -> syn::Result<syn::Path> {
    after_eq(meta, "crate = \"path::to::genserver\"")
        .and_then(|value| value.parse::<syn::LitStr>()?.parse())
        .map_err(|error| {
            syn::Error::new(
                error.span(),
                format!("{error}: write `crate = \"path::to::genserver\"`"),
            )
        })
}

impl Args {
    /// The policy of the generated casts: as given; `wait` for a bounded
    /// mailbox given without one; otherwise the plain cast, which never
    /// waits or fails (a bound set at start then drops the oldest).
    pub(crate) fn when_full(&self) -> WhenFull {
        match self.when_full {
            Some(when_full) => when_full,
            None if self.mailbox_given => WhenFull::Wait,
            None => WhenFull::DropOldest,
        }
    }
}

/// The child spec options, each with the option's name (for errors that
/// point at it). `None` leaves the runtime's default.
#[derive(Default)]
pub(crate) struct ChildOptions {
    pub(crate) id: Option<(Ident, syn::LitStr)>,
    /// `Permanent`, `Transient` or `Temporary`.
    pub(crate) restart: Option<(Ident, Ident)>,
    pub(crate) shutdown: Option<(Ident, Shutdown)>,
    /// `Worker` or `Supervisor`.
    pub(crate) child_type: Option<(Ident, Ident)>,
    pub(crate) significant: Option<(Ident, syn::LitBool)>,
}

pub(crate) enum Shutdown {
    BrutalKill,
    Infinity,
    /// Milliseconds, spanned at the user's literal.
    Millis(u64, Span),
}

impl ChildOptions {
    /// The option names given, for an error when the user's own
    /// `child_spec` makes them moot.
    pub(crate) fn given(&self) -> Vec<&Ident> {
        let ChildOptions {
            id,
            restart,
            shutdown,
            child_type,
            significant,
        } = self;
        [
            id.as_ref().map(|o| &o.0),
            restart.as_ref().map(|o| &o.0),
            shutdown.as_ref().map(|o| &o.0),
            child_type.as_ref().map(|o| &o.0),
            significant.as_ref().map(|o| &o.0),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

const OPTIONS: &str = "the options are `id = \"name\"`, `restart = permanent | transient | temporary`, `shutdown = <milliseconds> | brutal_kill | infinity`, `type = worker | supervisor`, `significant = true | false` (the child spec of `Type::child_spec`), `mailbox = <messages>` and `when_full = wait | fail | drop_oldest` (a bounded mailbox) and `crate = \"path\"` (where the genserver crate is found, for crates that re-export it)";

impl Args {
    /// Parses the options, reporting problems into `errors` and falling back
    /// to the defaults, so that the impl block still expands. Every bad
    /// option is reported, not only the first.
    pub(crate) fn parse(tokens: TokenStream, errors: &mut Errors) -> Args {
        let mut args = Args {
            krate: syn::parse_quote!(::genserver),
            child: ChildOptions::default(),
            mailbox: None,
            mailbox_given: false,
            when_full: None,
        };
        let mut seen: Vec<String> = Vec::new();
        let parser = syn::meta::parser(|meta| {
            let Some(name) = meta.path.get_ident().cloned() else {
                let path = &meta.path;
                let text = quote!(#path).to_string().replace(' ', "");
                return Err(meta.error(format!(
                    "unknown option `{text}` in #[gen_server(...)]; {OPTIONS}"
                )));
            };
            let key = name.to_string();
            let known = matches!(
                key.as_str(),
                "crate"
                    | "id"
                    | "restart"
                    | "shutdown"
                    | "type"
                    | "significant"
                    | "mailbox"
                    | "when_full"
            );
            if known {
                if seen.contains(&key) {
                    // Skip the value so that the options after it are read.
                    skip_value(&meta);
                    errors.spanned(&name, format!("duplicate `{key}` option; give it once"));
                    return Ok(());
                }
                seen.push(key.clone());
            }
            // An option whose value is bad is reported and skipped, so that
            // the options after it are still read.
            let result = match key.as_str() {
                "crate" => parse_crate(&meta).map(|path| args.krate = path),
                "id" => parse_id(&meta).map(|id| args.child.id = Some((name, id))),
                "restart" => parse_word(
                    &meta,
                    "restart",
                    &[
                        ("permanent", "Permanent"),
                        ("transient", "Transient"),
                        ("temporary", "Temporary"),
                    ],
                    "`restart = permanent` (always restarted, the default), `restart = transient` (restarted only after an abnormal exit) or `restart = temporary` (never restarted)",
                )
                .map(|word| args.child.restart = Some((name, word))),
                "type" => parse_word(
                    &meta,
                    "type",
                    &[("worker", "Worker"), ("supervisor", "Supervisor")],
                    "`type = worker` (the default) or `type = supervisor` (a server that supervises others: its shutdown defaults to `infinity`)",
                )
                .map(|word| args.child.child_type = Some((name, word))),
                "shutdown" => {
                    parse_shutdown(&meta).map(|shutdown| args.child.shutdown = Some((name, shutdown)))
                }
                "significant" => parse_significant(&meta)
                    .map(|value| args.child.significant = Some((name, value))),
                "mailbox" => {
                    args.mailbox_given = true;
                    parse_mailbox(&meta).map(|bound| args.mailbox = Some(bound))
                }
                "when_full" => parse_when_full(&meta).map(|word| args.when_full = Some(word)),
                "modules" => Err(meta.error(
                    "`modules` does not apply here: it lists the modules to suspend for a hot code upgrade, which Rust does not have; remove it",
                )),
                "name" => Err(meta.error(
                    "a name is given where the server starts, not here: `Type::start_with(arg, StartOptions::new().name(\"...\"))` (in a child spec, `ChildSpec::from_fn`)",
                )),
                "start" => Err(meta.error(
                    "`start` cannot be set here: the generated `child_spec` starts the server with `Type::start(arg)`; to start it another way (start options, a name), build the spec with `ChildSpec::from_fn(id, || async { ... })`",
                )),
                _ => Err(meta.error(format!(
                    "unknown option `{key}` in #[gen_server(...)]; {OPTIONS}"
                ))),
            };
            if let Err(error) = result {
                errors.push(error);
                skip_value(&meta);
            }
            Ok(())
        });
        // A syntax error of syn's ("expected ident") says what it found,
        // not what to write.
        if let Err(error) = parser.parse2(tokens) {
            errors.push(syn::Error::new(
                error.span(),
                format!("{error} in #[gen_server(...)]; {OPTIONS}"),
            ));
        }
        check_significant(&args.child, errors);
        args
    }
}

/// Skips what is left of a bad option's value, up to the next comma.
fn skip_value(meta: &ParseNestedMeta<'_>) {
    let _ = meta.input.step(|cursor| {
        let mut rest = *cursor;
        while let Some((tree, next)) = rest.token_tree() {
            if matches!(&tree, proc_macro2::TokenTree::Punct(p) if p.as_char() == ',') {
                return Ok(((), rest));
            }
            rest = next;
        }
        Ok(((), rest))
    });
}

/// The option's value as one expression, or an error that says what to
/// write when there is none.
fn value(meta: &ParseNestedMeta<'_>, example: &str) -> syn::Result<syn::Expr> {
    if !meta.input.peek(syn::Token![=]) {
        return Err(meta.error(format!("options are written `name = value`: `{example}`")));
    }
    after_eq(meta, example)?
        .parse()
        .map_err(|error| syn::Error::new(error.span(), format!("{error}: write `{example}`")))
}

/// What follows the option's `=`. A missing value is reported at the `=`:
/// syn would report the end of the options at the call site.
fn after_eq<'m>(
    meta: &'m ParseNestedMeta<'_>,
    example: &str,
) -> syn::Result<syn::parse::ParseStream<'m>> {
    let eq: syn::Token![=] = meta.input.parse()?;
    if meta.input.is_empty() || meta.input.peek(syn::Token![,]) {
        return Err(syn::Error::new(
            eq.span,
            format!("the option has no value after `=`: write `{example}`"),
        ));
    }
    Ok(meta.input)
}

fn parse_id(meta: &ParseNestedMeta<'_>) -> syn::Result<syn::LitStr> {
    match value(meta, "id = \"name\"")? {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(id),
            ..
        }) => Ok(id),
        other => Err(syn::Error::new_spanned(
            other,
            "the id is a string: `id = \"name\"` (the default is the server's type name)",
        )),
    }
}

/// One of `words` (`transient`, ...), as the runtime's variant
/// (`Transient`) spanned at the user's word.
fn parse_word(
    meta: &ParseNestedMeta<'_>,
    option: &str,
    words: &[(&str, &str)],
    expected: &str,
) -> syn::Result<Ident> {
    let example = format!("{option} = {}", words[0].0);
    let expr = value(meta, &example)?;
    let written = match &expr {
        syn::Expr::Path(path) => path.path.get_ident().map(ToString::to_string),
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(text),
            ..
        }) => {
            let text = text.value();
            if words.iter().any(|(word, _)| *word == text) {
                return Err(syn::Error::new_spanned(
                    &expr,
                    format!("write the word without quotes: `{option} = {text}`"),
                ));
            }
            None
        }
        _ => None,
    };
    let found = written
        .as_deref()
        .and_then(|text| words.iter().find(|(word, _)| *word == text));
    match found {
        Some((_, variant)) => Ok(Ident::new(variant, expr.span())),
        None => Err(syn::Error::new_spanned(
            &expr,
            format!(
                "unknown `{option}` value `{}`; write {expected}",
                expr.to_token_stream().to_string().replace(' ', "")
            ),
        )),
    }
}

const SHUTDOWN: &str = "write `shutdown = 10_000` (milliseconds `terminate` may take before the child is killed; the default is 5_000 for a worker), `shutdown = brutal_kill` (killed at once, without `terminate`) or `shutdown = infinity` (waited for, for a child that is a supervisor)";

fn parse_shutdown(meta: &ParseNestedMeta<'_>) -> syn::Result<Shutdown> {
    let expr = value(meta, "shutdown = 5_000")?;
    let message = match &expr {
        syn::Expr::Path(path) if path.path.is_ident("brutal_kill") => {
            return Ok(Shutdown::BrutalKill);
        }
        syn::Expr::Path(path) if path.path.is_ident("infinity") => return Ok(Shutdown::Infinity),
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(int),
            ..
        }) => {
            if int.suffix().is_empty() {
                match int.base10_parse::<u64>() {
                    Ok(millis) => return Ok(Shutdown::Millis(millis, int.span())),
                    Err(_) => format!("the shutdown is too large; {SHUTDOWN}"),
                }
            } else {
                let text = format!("{}{}", int.base10_digits(), int.suffix());
                match millis(&text) {
                    Some(millis) => format!(
                        "the shutdown is a number of milliseconds, without a unit: `shutdown = {millis}`"
                    ),
                    None => format!(
                        "the shutdown is a number of milliseconds, without a suffix: `shutdown = {}`",
                        group(int.base10_digits())
                    ),
                }
            }
        }
        syn::Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            ..
        }) => format!("the shutdown cannot be negative; {SHUTDOWN}"),
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Float(_),
            ..
        }) => format!("the shutdown is a whole number of milliseconds; {SHUTDOWN}"),
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(text),
            ..
        }) => {
            let text = text.value();
            if text == "brutal_kill" || text == "infinity" {
                format!("write the word without quotes: `shutdown = {text}`")
            } else if let Some(millis) = millis(&text) {
                format!(
                    "the shutdown is a number of milliseconds, not a string: `shutdown = {millis}`"
                )
            } else {
                format!("the shutdown is not a string; {SHUTDOWN}")
            }
        }
        _ => format!("unknown shutdown; {SHUTDOWN}"),
    };
    Err(syn::Error::new_spanned(&expr, message))
}

/// `"10s"`, `"250ms"`, `"10_000"`: the milliseconds, written as the
/// option takes them (`10_000`).
fn millis(text: &str) -> Option<String> {
    let text = text.trim().replace('_', "");
    let digits = text.len() - text.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let (number, unit) = text.split_at(digits);
    let number: u64 = number.parse().ok()?;
    let factor = match unit.trim() {
        "" | "ms" => 1,
        "s" | "sec" | "secs" => 1000,
        "min" | "mins" => 60_000,
        _ => return None,
    };
    Some(group(&number.checked_mul(factor)?.to_string()))
}

/// `10000` -> `10_000`.
pub(crate) fn group(digits: &str) -> String {
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('_');
        }
        out.push(c);
    }
    out
}

fn parse_when_full(meta: &ParseNestedMeta<'_>) -> syn::Result<WhenFull> {
    let word = parse_word(
        meta,
        "when_full",
        &[
            ("wait", "Wait"),
            ("fail", "Fail"),
            ("drop_oldest", "DropOldest"),
        ],
        "`when_full = wait` (casts are `async` and wait for room; the default with `mailbox`), `when_full = fail` (casts return `Err(CastError::Full)`) or `when_full = drop_oldest` (casts never wait or fail: the oldest waiting cast is dropped)",
    )?;
    Ok(match word.to_string().as_str() {
        "Wait" => WhenFull::Wait,
        "Fail" => WhenFull::Fail,
        _ => WhenFull::DropOldest,
    })
}

const MAILBOX: &str = "write the most calls and casts that may wait in the mailbox, a whole number of at least 1: `mailbox = 1024` (leave the option out for an unbounded mailbox, the default)";

fn parse_mailbox(meta: &ParseNestedMeta<'_>) -> syn::Result<syn::LitInt> {
    let expr = value(meta, "mailbox = 1024")?;
    let message = match &expr {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(int),
            ..
        }) => match int.base10_parse::<u32>() {
            Ok(0) => format!(
                "a mailbox with room for nothing could never take a call or a cast; {MAILBOX}"
            ),
            Ok(bound) if int.suffix().is_empty() => {
                return Ok(syn::LitInt::new(&bound.to_string(), int.span()));
            }
            Ok(bound) => format!(
                "the mailbox bound is a count of messages, without a suffix: `mailbox = {}`",
                group(&bound.to_string())
            ),
            Err(_) => format!("the mailbox bound is too large (at most 4_294_967_295); {MAILBOX}"),
        },
        syn::Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            ..
        }) => format!("the mailbox bound cannot be negative; {MAILBOX}"),
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(text),
            ..
        }) => match text.value().trim().replace('_', "").parse::<u32>() {
            Ok(bound) if bound > 0 => format!(
                "write the number without quotes: `mailbox = {}`",
                group(&bound.to_string())
            ),
            _ => format!("the mailbox bound is not a string; {MAILBOX}"),
        },
        syn::Expr::Path(path)
            if path.path.is_ident("infinity") || path.path.is_ident("unbounded") =>
        {
            "a mailbox is unbounded unless the option is given: remove `mailbox = ...`".to_string()
        }
        _ => format!("the mailbox bound is a whole number; {MAILBOX}"),
    };
    Err(syn::Error::new_spanned(&expr, message))
}

fn parse_significant(meta: &ParseNestedMeta<'_>) -> syn::Result<syn::LitBool> {
    match value(meta, "significant = true")? {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Bool(value),
            ..
        }) => Ok(value),
        other => Err(syn::Error::new_spanned(
            other,
            "write `significant = true` or `significant = false` (the default)",
        )),
    }
}

/// OTP refuses a significant child that is permanent: a permanent child is
/// always restarted, so its exit can never be the one that ends the
/// supervisor.
fn check_significant(child: &ChildOptions, errors: &mut Errors) {
    let Some((_, value)) = &child.significant else {
        return;
    };
    let permanent = child
        .restart
        .as_ref()
        .is_none_or(|(_, restart)| restart == "Permanent");
    if value.value && permanent {
        errors.spanned(
            value,
            "a significant child cannot be permanent (a permanent child is always restarted, so its exit never ends the supervisor); add `restart = transient` or `restart = temporary`",
        );
    }
}
