//! The model of a `#[gen_server]` impl block, built from syn with every
//! per-method problem reported as it is found. A method with a problem is
//! left out of the model (and keeps its place in the re-emitted impl), so the
//! rest still expands.

use proc_macro2::Ident;
use syn::ext::IdentExt;
use syn::punctuated::Punctuated;
use syn::{
    FnArg, GenericArgument, ImplItem, ImplItemFn, ItemImpl, Pat, PathArguments, ReceiverKind,
    ReturnType, Safety, Token, Type, TypeParamBound,
};

use crate::attr::{self, Kind};
use crate::errors::Errors;
use crate::names;

pub(crate) struct Server<'a> {
    pub(crate) item: &'a ItemImpl,
    /// The last segment of the self type: `Stack` for `Stack<T>`.
    pub(crate) name: Ident,
    pub(crate) handlers: Vec<Handler<'a>>,
    pub(crate) init: Option<Init<'a>>,
    pub(crate) terminate: Option<Terminate<'a>>,
    /// The `#[format_status]` method: `fn name(&self) -> String`.
    pub(crate) format_status: Option<&'a ImplItemFn>,
}

/// A `#[call]`, `#[cast]`, `#[info]` or `#[continuation]` method.
pub(crate) struct Handler<'a> {
    pub(crate) kind: Kind,
    pub(crate) method: &'a ImplItemFn,
    pub(crate) variant: Ident,
    pub(crate) params: Vec<Param<'a>>,
    /// For calls: what the caller gets back.
    pub(crate) reply: Reply<'a>,
    /// The name of the reply field in the call variant: `reply`, unless an
    /// argument already has that name.
    pub(crate) reply_field: Ident,
}

pub(crate) enum Param<'a> {
    /// A message argument. `ident` names it in the generated code: for a
    /// call or a cast, the variant's field and the client method's
    /// parameter; for an info or a continuation, the binding the dispatch
    /// passes on. It is the argument's own name, or, when the user wrote a
    /// pattern (`(x, y): (i32, i32)`, `_: Tick`), a generated one, and then
    /// `pattern` is that pattern. The user's method keeps what it wrote.
    Value {
        ident: Ident,
        pattern: Option<&'a Pat>,
        ty: &'a Type,
    },
    /// `&mut Context<Self>` or `&Context<Self>`.
    Context,
    /// `ReplyTo<T>`: the handler answers the call itself.
    ReplyTo,
}

pub(crate) enum Reply<'a> {
    /// Not a call.
    None,
    /// The method returns the reply (`()` when it has no return type).
    Returned(Option<&'a Type>),
    /// The method takes a `ReplyTo<T>`; this is `T`.
    Deferred(&'a Type),
}

pub(crate) struct Init<'a> {
    pub(crate) method: &'a ImplItemFn,
    /// The start argument, if the function takes one.
    pub(crate) arg: Option<&'a Type>,
    /// The arguments in the order written: the start argument (`false`)
    /// and `ctx: &mut Context<Self>` (`true`).
    pub(crate) order: Vec<bool>,
    /// Whether it returns `Self` (an init that cannot fail).
    pub(crate) returns_self: bool,
}

pub(crate) struct Terminate<'a> {
    pub(crate) method: &'a ImplItemFn,
    pub(crate) takes_reason: bool,
}

impl<'a> Server<'a> {
    pub(crate) fn from_syn(item: &'a ItemImpl, errors: &mut Errors) -> Option<Server<'a>> {
        if let Some((path, _)) = &item.trait_ {
            errors.spanned(
                path,
                "#[gen_server] goes on an inherent impl block of your server type (`impl MyServer { ... }`), not on a trait impl",
            );
            return None;
        }
        if let Some(param) = item.generics.lifetimes().next() {
            errors.spanned(
                param,
                "a server runs in its own task, so its type cannot borrow: remove the lifetime parameter and own the data",
            );
            return None;
        }
        let name = match &*item.self_ty {
            Type::Path(path) if path.qself.is_none() => path.path.segments.last()?.ident.clone(),
            other => {
                errors.spanned(
                    other,
                    "#[gen_server] needs a named server type: write `impl MyServer { ... }`",
                );
                return None;
            }
        };
        let mut server = Server {
            item,
            name,
            handlers: Vec::new(),
            init: None,
            terminate: None,
            format_status: None,
        };
        for impl_item in &item.items {
            let ImplItem::Fn(method) = impl_item else {
                attr::not_on_a_method(impl_item, errors);
                continue;
            };
            match attr::kind(method, errors) {
                None => {}
                Some(kind @ (Kind::Call | Kind::Cast | Kind::Info | Kind::Continue)) => {
                    if let Some(handler) = Handler::from_syn(kind, method, errors) {
                        server.handlers.push(handler);
                    }
                }
                Some(Kind::Init) => {
                    if let Some(init) = Init::from_syn(method, &item.self_ty, errors) {
                        if server.init.is_some() {
                            errors.spanned(
                                &method.sig.ident,
                                "a server has one #[init]; remove this one or merge the two",
                            );
                        } else {
                            server.init = Some(init);
                        }
                    }
                }
                Some(Kind::Terminate) => {
                    if let Some(terminate) = Terminate::from_syn(method, errors) {
                        if server.terminate.is_some() {
                            errors.spanned(
                                &method.sig.ident,
                                "a server has one #[terminate]; remove this one or merge the two",
                            );
                        } else {
                            server.terminate = Some(terminate);
                        }
                    }
                }
                Some(Kind::FormatStatus) => {
                    let well_formed = format_status_ok(method, errors);
                    if well_formed && server.format_status.is_some() {
                        errors.spanned(
                            &method.sig.ident,
                            "a server has one #[format_status]; remove this one or merge the two",
                        );
                    } else if well_formed {
                        server.format_status = Some(method);
                    }
                }
            }
        }
        Some(server)
    }

    /// The handlers whose messages go in `kind`'s enum: for `Kind::Info`,
    /// the `#[info]` and the `#[continuation]` handlers.
    pub(crate) fn handlers(&self, kind: Kind) -> impl Iterator<Item = &Handler<'a>> {
        self.handlers
            .iter()
            .filter(move |handler| handler.kind.message_kind() == kind)
    }
}

impl<'a> Handler<'a> {
    fn from_syn(kind: Kind, method: &'a ImplItemFn, errors: &mut Errors) -> Option<Handler<'a>> {
        let sig = &method.sig;
        let before = errors.len();
        check_not_generic(method, kind, errors);
        match sig.receiver() {
            Some(receiver) if matches!(receiver.kind, ReceiverKind::Reference(..)) => {}
            Some(receiver) => errors.spanned(
                receiver,
                format!(
                    "{} #[{}] handler takes `&self` or `&mut self`: the server keeps its state between messages",
                    kind.article(),
                    kind.name()
                ),
            ),
            None => errors.spanned(
                &sig.ident,
                format!(
                    "{} #[{}] handler needs a receiver: add `&self` or `&mut self` as its first argument",
                    kind.article(),
                    kind.name()
                ),
            ),
        }

        let before_params = errors.len();
        let (params, mut reply) = params(kind, sig, errors);
        // An argument already reported is not counted again as a missing one.
        let params_ok = errors.len() == before_params;

        check_returns(kind, sig, &params, &mut reply, params_ok, errors);
        let variant = names::variant(&sig.ident);
        if variant.is_none() {
            errors.spanned(
                &sig.ident,
                format!(
                    "the message variant for `{}` would have no valid name; rename the handler to a word, such as `get_count`",
                    sig.ident
                ),
            );
        }

        if errors.len() > before {
            return None;
        }
        let taken = |name: &str| {
            params
                .iter()
                .any(|p| matches!(p, Param::Value { ident, .. } if ident.unraw() == name))
        };
        let mut reply_field = String::from("reply");
        while taken(&reply_field) {
            reply_field.insert(0, '_');
        }
        Some(Handler {
            kind,
            method,
            variant: variant?,
            params,
            reply,
            reply_field: names::internal(&reply_field),
        })
    }

    pub(crate) fn ident(&self) -> &'a Ident {
        &self.method.sig.ident
    }

    pub(crate) fn is_async(&self) -> bool {
        self.method.sig.asyncness.is_some()
    }

    pub(crate) fn values(&self) -> impl Iterator<Item = (&Ident, &'a Type)> + '_ {
        self.params.iter().filter_map(|param| match param {
            Param::Value { ident, ty, .. } => Some((ident, *ty)),
            _ => None,
        })
    }
}

impl<'a> Init<'a> {
    fn from_syn(method: &'a ImplItemFn, self_ty: &Type, errors: &mut Errors) -> Option<Init<'a>> {
        let sig = &method.sig;
        let before = errors.len();
        check_not_generic(method, Kind::Init, errors);
        if let Some(receiver) = sig.receiver() {
            errors.spanned(
                receiver,
                "#[init] builds the state, so it takes no `self`: write `fn init(arg: Arg) -> Self`",
            );
        }
        let mut order = Vec::new();
        let mut arg = None;
        for input in &sig.inputs {
            let FnArg::Typed(typed) = input else {
                continue;
            };
            if is_context(&typed.ty) {
                if order.contains(&true) {
                    errors.spanned(
                        typed,
                        "#[init] takes at most one context argument; remove this one",
                    );
                }
                order.push(true);
            } else if arg.is_some() {
                errors.spanned(
                    typed,
                    "#[init] takes one start argument (and optionally `ctx: &mut Context<Self>`): bundle several values in a struct, or destructure a tuple: `fn init((a, b): (A, B)) -> Self`",
                );
            } else {
                arg = Some(&*typed.ty);
                order.push(false);
            }
        }
        if let Some(ty) = arg {
            check_owned(ty, errors);
        }
        let returns_self = match &sig.output {
            ReturnType::Default => {
                errors.spanned(
                    &sig.ident,
                    "#[init] returns the initial state: add `-> Self` (or `-> Result<Self, E>`, or `-> Init<Self>`)",
                );
                false
            }
            ReturnType::Type(_, ty) => is_self(ty, self_ty),
        };
        (errors.len() == before).then_some(Init {
            method,
            arg,
            order,
            returns_self,
        })
    }
}

impl<'a> Terminate<'a> {
    fn from_syn(method: &'a ImplItemFn, errors: &mut Errors) -> Option<Terminate<'a>> {
        let sig = &method.sig;
        let before = errors.len();
        check_not_generic(method, Kind::Terminate, errors);
        match sig.receiver() {
            Some(receiver) if matches!(receiver.kind, ReceiverKind::Reference(..)) => {}
            Some(receiver) => errors.spanned(receiver, "#[terminate] takes `&mut self` or `&self`"),
            None => errors.spanned(
                &sig.ident,
                "#[terminate] needs a receiver: write `fn terminate(&mut self, reason: &ExitReason)`",
            ),
        }
        let typed: Vec<_> = sig
            .inputs
            .iter()
            .filter(|input| matches!(input, FnArg::Typed(_)))
            .collect();
        let takes_reason = match typed.as_slice() {
            [] => false,
            [FnArg::Typed(arg)] if matches!(&*arg.ty, Type::Reference(r) if r.mutability.is_none()) => {
                true
            }
            [first, ..] => {
                errors.spanned(
                    first,
                    "#[terminate] takes `&mut self` and optionally the exit reason: write `fn terminate(&mut self, reason: &ExitReason)`",
                );
                false
            }
        };
        if let ReturnType::Type(_, ty) = &sig.output {
            if !is_unit(ty) {
                errors.spanned(ty, "#[terminate] returns nothing: remove the return type");
            }
        }
        (errors.len() == before).then_some(Terminate {
            method,
            takes_reason,
        })
    }
}

/// Whether a `#[format_status]` method has the one shape it may have:
/// `fn name(&self) -> String` (or `Option<String>`), plain and not generic.
fn format_status_ok(method: &ImplItemFn, errors: &mut Errors) -> bool {
    const SHAPE: &str = "write `fn format_status(&self) -> String`";
    let sig = &method.sig;
    let before = errors.len();
    check_not_generic(method, Kind::FormatStatus, errors);
    if let Some(asyncness) = &sig.asyncness {
        errors.spanned(
            asyncness,
            format!("#[format_status] is a plain `fn`: it runs in crash reports; {SHAPE}"),
        );
    }
    match sig.receiver() {
        Some(receiver) if matches!(receiver.kind, ReceiverKind::Reference(_, _, None)) => {}
        Some(receiver) => errors.spanned(
            receiver,
            format!("#[format_status] only looks at the state: take `&self`; {SHAPE}"),
        ),
        None => errors.spanned(
            &sig.ident,
            format!("#[format_status] needs a receiver; {SHAPE}"),
        ),
    }
    if let Some(arg) = sig
        .inputs
        .iter()
        .find(|input| matches!(input, FnArg::Typed(_)))
    {
        errors.spanned(arg, format!("#[format_status] takes only `&self`; {SHAPE}"));
    }
    if matches!(sig.output, ReturnType::Default) {
        errors.spanned(
            &sig.ident,
            format!("#[format_status] returns the view of the state; {SHAPE}"),
        );
    }
    errors.len() == before
}

/// The arguments of a handler, and whether it replies through a `ReplyTo`.
fn params<'a>(
    kind: Kind,
    sig: &'a syn::Signature,
    errors: &mut Errors,
) -> (Vec<Param<'a>>, Reply<'a>) {
    let mut params = Vec::new();
    let mut reply = Reply::None;
    for input in &sig.inputs {
        let FnArg::Typed(typed) = input else {
            continue;
        };
        let ty = &*typed.ty;
        if is_context(ty) {
            if params.iter().any(|p| matches!(p, Param::Context)) {
                errors.spanned(
                    ty,
                    "a handler takes at most one context argument; remove this one",
                );
            }
            params.push(Param::Context);
            continue;
        }
        if let Some(reply_ty) = reply_to(ty) {
            if kind == Kind::Continue {
                errors.spanned(
                    ty,
                    "a #[continuation] handler has no caller of its own to reply to; to answer a call here, keep its `ReplyTo` in the state (a #[call] handler that takes `reply: ReplyTo<T>` stores it) and call `reply.send(value)` in the continuation",
                );
            } else if kind != Kind::Call {
                errors.spanned(
                    ty,
                    format!(
                        "only a #[call] handler has a caller to reply to; {} #[{}] handler cannot take a `ReplyTo`",
                        kind.article(),
                        kind.name()
                    ),
                );
            } else if matches!(reply, Reply::Deferred(_)) {
                errors.spanned(
                    ty,
                    "a #[call] handler takes at most one `ReplyTo` argument; remove this one",
                );
            }
            if kind == Kind::Call {
                check_send(reply_ty, Crossing::Reply, errors);
            }
            reply = Reply::Deferred(reply_ty);
            params.push(Param::ReplyTo);
            continue;
        }
        check_owned(ty, errors);
        check_send(ty, Crossing::Message, errors);
        match &*typed.pat {
            Pat::Ident(pat) if pat.by_ref.is_none() && pat.subpat.is_none() => {
                params.push(Param::Value {
                    ident: pat.ident.clone(),
                    pattern: None,
                    ty,
                });
            }
            // Named later, once every plain name is known.
            pattern => params.push(Param::Value {
                ident: names::internal("message"),
                pattern: Some(pattern),
                ty,
            }),
        }
    }
    // An info or continuation message travels in a tuple variant, so its
    // binding in the dispatch can stay internal. A call's or a cast's
    // argument is a field of the message and a parameter of the client
    // method, so it gets a readable name.
    if matches!(kind, Kind::Call | Kind::Cast) {
        name_patterns(&mut params);
    }
    (params, reply)
}

/// Names the pattern arguments of a call or cast: `x` for `ref x` or
/// `x @ ..`; else from the type when it is a named one (`point` for
/// `Point { x, y }: Point`, `idle_timeout` for `_: IdleTimeout`); else
/// `arg{i}`, `i` counting the message arguments from 0. A name another
/// argument already has is not taken again.
fn name_patterns(params: &mut [Param<'_>]) {
    let mut taken: Vec<String> = params
        .iter()
        .filter_map(|param| match param {
            Param::Value {
                ident,
                pattern: None,
                ..
            } => Some(ident.unraw().to_string()),
            _ => None,
        })
        .collect();
    let mut index = 0;
    for param in params.iter_mut() {
        let Param::Value { ident, pattern, ty } = param else {
            continue;
        };
        let position = index;
        index += 1;
        let Some(pattern) = pattern else {
            continue;
        };
        let span = syn::spanned::Spanned::span(pattern);
        let arg = || Ident::new(&format!("arg{position}"), span);
        let candidates = [
            pattern_name(pattern),
            type_name(ty).map(|name| Ident::new(&name, span)),
        ];
        let mut name = candidates
            .into_iter()
            .flatten()
            .chain([arg()])
            .find(|name| !taken.contains(&name.unraw().to_string()))
            .unwrap_or_else(arg);
        // Only if a plain argument took `arg{position}` itself.
        while taken.contains(&name.unraw().to_string()) {
            name = Ident::new(&format!("{name}_"), span);
        }
        taken.push(name.unraw().to_string());
        *ident = name;
    }
}

/// `x` of `ref x`, `mut x @ ..` or `x @ ..` (raw if it was: `r#type`).
fn pattern_name(pattern: &Pat) -> Option<Ident> {
    match pattern {
        Pat::Ident(pat) => Some(pat.ident.clone()),
        _ => None,
    }
}

/// `point` for `Point`, `idle_timeout` for `genserver::IdleTimeout<T>`: the
/// last segment of a path type that starts with a capital letter (a type
/// of the user's, not `u32` or `Vec<T>`), in snake case.
fn type_name(ty: &Type) -> Option<String> {
    let segment = last_segment(ty)?;
    let camel = segment.ident.unraw().to_string();
    if !camel.starts_with(|c: char| c.is_ascii_uppercase()) {
        return None;
    }
    let chars: Vec<char> = camel.chars().collect();
    let mut snake = String::with_capacity(camel.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let after_lower = i > 0 && !chars[i - 1].is_uppercase() && chars[i - 1] != '_';
            let ends_acronym = i > 0
                && chars[i - 1].is_uppercase()
                && chars.get(i + 1).is_some_and(|next| next.is_lowercase());
            if after_lower || ends_acronym {
                snake.push('_');
            }
            snake.extend(c.to_lowercase());
        } else {
            snake.push(c);
        }
    }
    // `Self` would become the keyword `self`.
    syn::parse_str::<Ident>(&snake).ok().map(|_| snake)
}

/// What a handler returns must fit its kind.
fn check_returns<'a>(
    kind: Kind,
    sig: &'a syn::Signature,
    params: &[Param<'a>],
    reply: &mut Reply<'a>,
    params_ok: bool,
    errors: &mut Errors,
) {
    let returns = match &sig.output {
        ReturnType::Default => None,
        ReturnType::Type(_, ty) if is_unit(ty) => None,
        ReturnType::Type(_, ty) => Some(&**ty),
    };
    match kind {
        Kind::Call => match (&*reply, returns) {
            (Reply::Deferred(_), Some(ty)) => errors.spanned(
                ty,
                "a #[call] handler that takes a `ReplyTo` answers through it; remove the return type",
            ),
            (Reply::Deferred(_), None) => {}
            _ => {
                if let Some(ty) = returns {
                    check_send(ty, Crossing::Reply, errors);
                }
                *reply = Reply::Returned(returns);
            }
        },
        Kind::Cast => {
            if let Some(ty) = returns {
                errors.spanned(
                    ty,
                    "a #[cast] handler cannot return a value, nobody waits for it: remove the return type, or make the handler a #[call]",
                );
            }
        }
        Kind::Info => {
            if let Some(ty) = returns {
                errors.spanned(
                    ty,
                    "an #[info] handler cannot return a value, nobody waits for it: remove the return type",
                );
            }
            let values = params.iter().filter(|p| matches!(p, Param::Value { .. })).count();
            if values != 1 && params_ok {
                errors.spanned(
                    &sig.ident,
                    format!(
                        "an #[info] handler takes exactly one message argument, found {values}: write `fn {}(&mut self, message: MyMessage)`",
                        sig.ident
                    ),
                );
            }
        }
        Kind::Continue => {
            if let Some(ty) = returns {
                errors.spanned(
                    ty,
                    "a #[continuation] handler cannot return a value, nobody waits for it: remove the return type; to ask for the next step, call `ctx.continue_with(step)`",
                );
            }
            let values = params.iter().filter(|p| matches!(p, Param::Value { .. })).count();
            if values != 1 && params_ok {
                errors.spanned(
                    &sig.ident,
                    format!(
                        "a #[continuation] handler takes exactly one argument besides `ctx`, the step that `ctx.continue_with(step)` passes, found {values}: write `fn {}(&mut self, step: MyStep)`, with several values bundled in the step's type",
                        sig.ident
                    ),
                );
            }
        }
        Kind::Init | Kind::Terminate | Kind::FormatStatus => {
            unreachable!("handlers are calls, casts, infos and continuations")
        }
    }
}

fn check_not_generic(method: &ImplItemFn, kind: Kind, errors: &mut Errors) {
    if let Safety::Unsafe(unsafety) = &method.sig.safety {
        errors.spanned(
            unsafety,
            format!(
                "{} #[{}] method cannot be `unsafe`: the generated code calls it with no way to uphold its safety contract; make it safe and keep the unsafe block inside",
                kind.article(),
                kind.name()
            ),
        );
    }
    let generics = &method.sig.generics;
    if !generics.params.is_empty() {
        errors.spanned(
            generics,
            format!(
                "{} #[{}] method cannot be generic: its arguments become a message type; put type parameters on the impl block (`impl<T> MyServer<T>`)",
                kind.article(),
                kind.name()
            ),
        );
    } else if let Some(clause) = &generics.where_clause {
        errors.spanned(
            clause,
            format!(
                "{} #[{}] method cannot have a where clause; put bounds on the impl block",
                kind.article(),
                kind.name()
            ),
        );
    }
}

/// Messages cross to another task, so their fields must be owned.
fn check_owned(ty: &Type, errors: &mut Errors) {
    match ty {
        Type::Reference(reference)
            if reference
                .lifetime
                .as_ref()
                .is_none_or(|lifetime| lifetime.ident != "static") =>
        {
            errors.spanned(
                reference,
                "a message argument must be owned, since it is sent to the server's task: take e.g. `String` instead of `&str`, `Vec<T>` instead of `&[T]`",
            );
        }
        Type::ImplTrait(_) => errors.spanned(
            ty,
            "`impl Trait` cannot be stored in a message: use a concrete type, or a type parameter of the impl block",
        ),
        _ => {}
    }
}

/// Which way a value crosses between tasks, for `check_send`'s message.
#[derive(Clone, Copy)]
enum Crossing {
    /// A handler argument, sent to the server's task.
    Message,
    /// A call's reply, sent back to the caller's task.
    Reply,
}

/// Every message and reply crosses to another task, so it must be `Send`.
/// rustc would say so about a type that is not at every generated item
/// that holds it, each time at the server's name; for the types the macro
/// can recognise by their spelling (`Rc`, raw pointers, `dyn Fn()` without
/// `+ Send`, `Arc<RefCell<T>>`: see `not_send`) it says so once, at the type,
/// with what to write instead, and the handler is left out of the
/// expansion. Any other type that is not `Send` is reported by rustc, the
/// first error at the argument (`send_checks` in `expand`).
fn check_send(ty: &Type, crossing: Crossing, errors: &mut Errors) {
    let Some((at, fix)) = not_send(ty) else {
        return;
    };
    let crossing = match crossing {
        Crossing::Message => "every message crosses to the server's task",
        Crossing::Reply => "a reply crosses back to the caller's task",
    };
    errors.spanned(
        at,
        format!("this type is not `Send`, and {crossing}: {fix}"),
    );
}

/// The part of `ty` that makes it not `Send`, spelled as the standard
/// library's types are, and what to write instead. Only what is certain
/// from the spelling, since a wrong guess would reject code that compiles:
/// a standard type written bare (`Rc`, as after `use std::rc::Rc`), with
/// its module (`rc::Rc`) or in full (`std::rc::Rc`), never a path that may
/// lead to a type of the user's own; the macro looks inside the standard
/// containers (`Box`, `Vec`, `Option`, ...) and tuples and arrays, whose
/// `Send` follows their contents, and nowhere else (a wrapper of the
/// user's own may be `Send` whatever it holds).
fn not_send(ty: &Type) -> Option<(&dyn quote::ToTokens, &'static str)> {
    match ty {
        Type::Ptr(ptr) => Some((ptr, "send an owned value instead of a raw pointer")),
        Type::TraitObject(object) if !object_is_send(&object.bounds) => Some((
            object,
            "add `+ Send` to the trait object, e.g. `Box<dyn Fn() + Send>`",
        )),
        Type::Path(path) if path.qself.is_none() => {
            let path = &path.path;
            let last = path.segments.last()?;
            let fix = if is_std(path, "rc", "Rc") {
                Some("use `std::sync::Arc` instead of `Rc`")
            } else if is_std(path, "rc", "Weak") {
                Some("use `std::sync::Weak` instead of `rc::Weak`")
            } else if is_std(path, "ptr", "NonNull") {
                Some("send an owned value instead of a raw pointer")
            } else if is_std(path, "sync", "Arc") {
                type_args(last).find_map(arc_not_send)
            } else {
                None
            };
            match fix {
                Some(fix) => Some((ty as &dyn quote::ToTokens, fix)),
                None if is_std_container(path) => type_args(last).find_map(not_send),
                None => None,
            }
        }
        Type::Tuple(tuple) => tuple.elems.iter().find_map(not_send),
        Type::Array(array) => not_send(&array.elem),
        Type::Slice(slice) => not_send(&slice.elem),
        Type::Paren(paren) => not_send(&paren.elem),
        Type::Group(group) => not_send(&group.elem),
        _ => None,
    }
}

/// Why `Arc<T>` is not `Send`, for the `T` of an `Arc`: what it shares
/// must be `Sync` as well as `Send`.
fn arc_not_send(shared: &Type) -> Option<&'static str> {
    match shared {
        Type::Path(inner) if inner.qself.is_none() && is_cell(&inner.path) => Some(
            "what an `Arc` shares must be `Sync`, and a cell is not: use `Arc<Mutex<T>>` (or an atomic for a number)",
        ),
        Type::TraitObject(object)
            if std_only(&object.bounds)
                && !(has_bound(&object.bounds, "Send") && has_bound(&object.bounds, "Sync")) =>
        {
            Some(
                "what an `Arc` shares must be `Send` and `Sync`: write `Arc<dyn Trait + Send + Sync>`",
            )
        }
        _ => None,
    }
}

/// Whether `path` names the standard library's `module::name`: with its
/// module, or from `std`, `alloc` or `core`; bare only for the names that
/// are hardly anything else (`Rc`, `RefCell`, `Arc`), since a bare name may be a
/// type or trait of the user's own (a `Cell<T>` of a grid, a `NonNull`,
/// an `Any: Send`) or an alias.
fn is_std(path: &syn::Path, module: &str, name: &str) -> bool {
    const BARE: &[&str] = &["Rc", "RefCell", "Arc"];
    let names: Vec<String> = path
        .segments
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect();
    match names.as_slice() {
        [last] => last == name && BARE.contains(&name),
        [first, last] => first == module && last == name,
        [root, .., parent, last] => {
            matches!(root.as_str(), "std" | "alloc" | "core") && parent == module && last == name
        }
        [] => false,
    }
}

/// A standard container whose `Send` follows its type arguments, written
/// bare or from `std`, `alloc` or `core`.
fn is_std_container(path: &syn::Path) -> bool {
    const CONTAINERS: &[&str] = &[
        "Box",
        "Vec",
        "VecDeque",
        "LinkedList",
        "BinaryHeap",
        "BTreeMap",
        "BTreeSet",
        "HashMap",
        "HashSet",
        "Option",
        "Result",
        "Arc",
        "Mutex",
        "RwLock",
        "Pin",
        "Cell",
        "RefCell",
        "Reverse",
        "Wrapping",
        "PhantomData",
    ];
    let segments = &path.segments;
    let (Some(first), Some(last)) = (segments.first(), segments.last()) else {
        return false;
    };
    CONTAINERS.contains(&last.ident.to_string().as_str())
        && (segments.len() == 1
            || matches!(first.ident.to_string().as_str(), "std" | "alloc" | "core"))
}

/// The type arguments of `Vec<T>` or `HashMap<K, V>`.
fn type_args(segment: &syn::PathSegment) -> impl Iterator<Item = &Type> {
    let args = match &segment.arguments {
        PathArguments::AngleBracketed(args) => Some(&args.args),
        _ => None,
    };
    args.into_iter().flatten().filter_map(|arg| match arg {
        GenericArgument::Type(ty) => Some(ty),
        _ => None,
    })
}

/// `dyn ... + Send`, or a `dyn` of a trait the macro cannot see into.
fn object_is_send(bounds: &Punctuated<TypeParamBound, Token![+]>) -> bool {
    has_bound(bounds, "Send") || !std_only(bounds)
}

/// Whether every trait of a `dyn` is one of the standard library's that
/// do not imply `Send` or `Sync` (or a marker: `Send`, `Sync`, `Unpin`):
/// only then does the spelling say what the object is. The `Fn` traits
/// count however they are written (no other trait takes `Fn(A) -> B`);
/// `Any`, `Error`, `Debug` and the like only with their module, as `is_std`
/// finds them, since a trait of the user's own may share the name and have
/// `Send` as a supertrait.
fn std_only(bounds: &Punctuated<TypeParamBound, Token![+]>) -> bool {
    const ANYWHERE: &[&str] = &["Fn", "FnMut", "FnOnce", "Send", "Sync", "Unpin"];
    const IN_MODULE: &[(&str, &str)] = &[
        ("any", "Any"),
        ("error", "Error"),
        ("fmt", "Debug"),
        ("fmt", "Display"),
        ("iter", "Iterator"),
        ("future", "Future"),
        ("io", "Read"),
        ("io", "Write"),
    ];
    bounds.iter().all(|bound| match bound {
        TypeParamBound::Trait(bound) => {
            let path = &bound.path;
            path.segments
                .last()
                .is_some_and(|last| ANYWHERE.contains(&last.ident.to_string().as_str()))
                || IN_MODULE
                    .iter()
                    .any(|(module, name)| is_std(path, module, name))
        }
        _ => true,
    })
}

/// `RefCell<T>`, or `cell::Cell<T>` and the other cells with their module
/// (bare, `OnceCell` is as often tokio's, which is `Sync`).
fn is_cell(path: &syn::Path) -> bool {
    ["Cell", "RefCell", "UnsafeCell", "OnceCell"]
        .iter()
        .any(|name| is_std(path, "cell", name))
}

fn has_bound(bounds: &Punctuated<TypeParamBound, Token![+]>, name: &str) -> bool {
    bounds.iter().any(|bound| {
        matches!(bound, TypeParamBound::Trait(bound)
            if bound.path.segments.last().is_some_and(|segment| segment.ident == name))
    })
}

fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(path) if path.qself.is_none() => path.path.segments.last(),
        _ => None,
    }
}

/// `&mut Context<..>` or `&Context<..>`.
fn is_context(ty: &Type) -> bool {
    matches!(ty, Type::Reference(reference)
        if last_segment(&reference.elem).is_some_and(|segment| segment.ident == "Context"))
}

/// `T` of `ReplyTo<T>`.
fn reply_to(ty: &Type) -> Option<&Type> {
    let segment = last_segment(ty).filter(|segment| segment.ident == "ReplyTo")?;
    let PathArguments::AngleBracketed(args) = &segment.arguments else {
        return None;
    };
    match args.args.first()? {
        GenericArgument::Type(ty) if args.args.len() == 1 => Some(ty),
        _ => None,
    }
}

fn is_unit(ty: &Type) -> bool {
    matches!(ty, Type::Tuple(tuple) if tuple.elems.is_empty())
}

/// `Self`, or the self type written out.
fn is_self(ty: &Type, self_ty: &Type) -> bool {
    let tokens = |ty: &Type| quote::quote!(#ty).to_string();
    matches!(ty, Type::Path(path) if path.qself.is_none() && path.path.is_ident("Self"))
        || tokens(ty) == tokens(self_ty)
}
