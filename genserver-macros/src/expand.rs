//! Code generation. The output, in order:
//!
//! 1. the user's impl block, unchanged but for our helper attributes;
//! 2. the message enums `{Server}Call`, `{Server}Cast`, `{Server}Info`;
//! 3. `impl GenServer for Server`: the dispatch `match`es and the defaults;
//! 4. the client `{Server}Client`, one method per call and cast handler;
//! 5. `Server::start` (`start_with` is a provided method of the trait) and
//!    `Server::child_spec` (unless the user wrote their own, as Elixir lets
//!    a module override `child_spec/1`);
//! 6. any errors.

use proc_macro2::{Ident, TokenStream, TokenTree};
use quote::{ToTokens, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Attribute, Generics, ImplItem, Item, ItemImpl, ReturnType, Type, parse_quote};

use crate::args::{self, Args, ChildOptions, WhenFull};
use crate::ast::{Handler, Param, Reply, Server};
use crate::attr::{self, Kind};
use crate::errors::Errors;
use crate::names;
use crate::valid;

pub(crate) fn gen_server(args: TokenStream, input: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let args = Args::parse(args, &mut errors);
    let item = match syn::parse2::<Item>(input.clone()) {
        Ok(Item::Impl(item)) => item,
        Ok(other) => {
            errors.spanned(
                item_keyword(&other),
                "#[gen_server] goes on an impl block of handler methods: `#[gen_server] impl MyServer { ... }`",
            );
            return with_errors(input, &errors);
        }
        // Half-typed code: hand it back as it is so the IDE can still work
        // with it, and let rustc report the syntax error.
        Err(_) => return input,
    };
    let mut output = strip_helpers(item.clone()).into_token_stream();
    if let Some(mut server) = Server::from_syn(&item, &mut errors) {
        valid::validate(&mut server, &mut errors);
        let expander = Expander::new(&server, &args);
        expander.check_child_options(&mut errors);
        expander.expand(&mut output);
    }
    output.extend(errors.to_compile_errors());
    output
}

fn with_errors(mut tokens: TokenStream, errors: &Errors) -> TokenStream {
    tokens.extend(errors.to_compile_errors());
    tokens
}

/// The first tokens of an item, for an error that points at its keyword
/// rather than at the whole body.
fn item_keyword(item: &Item) -> TokenStream {
    let mut tokens = item.to_token_stream().into_iter().peekable();
    // Skip outer attributes: `#` followed by a bracketed group.
    while matches!(tokens.peek(), Some(TokenTree::Punct(p)) if p.as_char() == '#') {
        tokens.next();
        tokens.next();
    }
    // Skip a visibility, then take the keyword and the name.
    let mut out = TokenStream::new();
    for tree in tokens {
        let is_vis = matches!(&tree, TokenTree::Ident(i) if i == "pub")
            || matches!(&tree, TokenTree::Group(g) if g.delimiter() == proc_macro2::Delimiter::Parenthesis);
        if is_vis && out.is_empty() {
            continue;
        }
        out.extend([tree]);
        if out.clone().into_iter().count() == 2 {
            break;
        }
    }
    out
}

/// The impl block as the user wrote it, without `#[call]` and friends, which
/// are not real attributes outside the macro. Handlers get the allows for the
/// pedantic lints that the handler signature forces on them (owned arguments,
/// a receiver that a stateless handler does not use).
fn strip_helpers(mut item: ItemImpl) -> ItemImpl {
    for impl_item in &mut item.items {
        match impl_item {
            ImplItem::Fn(method) => {
                if !attr::strip(&mut method.attrs) {
                    continue;
                }
                if let Some(allow) = forced_lints(method) {
                    method.attrs.push(allow);
                }
            }
            // Reported by `attr::not_on_a_method`.
            ImplItem::Const(item) => {
                attr::strip(&mut item.attrs);
            }
            ImplItem::Type(item) => {
                attr::strip(&mut item.attrs);
            }
            ImplItem::Macro(item) => {
                attr::strip(&mut item.attrs);
            }
            _ => {}
        }
    }
    item
}

/// The pedantic lints a handler's shape forces on it, whatever its body:
/// message arguments are owned, a stateless handler still takes `&self`, and
/// a public call handler's result goes to the caller, not to `#[must_use]`.
fn forced_lints(method: &syn::ImplItemFn) -> Option<Attribute> {
    let mut lints: Vec<TokenStream> = Vec::new();
    let owned_args = method.sig.inputs.iter().any(
        |input| matches!(input, syn::FnArg::Typed(arg) if !matches!(&*arg.ty, Type::Reference(_))),
    );
    if owned_args {
        lints.push(quote!(clippy::needless_pass_by_value));
    }
    let mut body = Vec::new();
    collect_idents(method.block.to_token_stream(), &mut body);
    if method.sig.receiver().is_some() && !body.iter().any(|ident| ident == "self") {
        lints.push(quote!(clippy::unused_self));
    }
    if matches!(method.vis, syn::Visibility::Public(_))
        && matches!(method.sig.output, syn::ReturnType::Type(..))
    {
        lints.push(quote!(clippy::must_use_candidate));
    }
    (!lints.is_empty()).then(|| parse_quote!(#[allow(#(#lints),*)]))
}

struct Expander<'s, 'a> {
    server: &'s Server<'a>,
    krate: &'s syn::Path,
    child: &'s ChildOptions,
    /// `mailbox = N`, if given.
    mailbox: Option<&'s syn::LitInt>,
    /// What the generated casts do when the mailbox is full.
    when_full: WhenFull,
    /// The impl's generics plus `T: Send + 'static` for every type parameter,
    /// which every generated item needs.
    generics: Generics,
    /// The same for the generated types, where `Self` would mean the enum or
    /// the client rather than the server: `Self` is written out.
    def_generics: Generics,
    self_ty: &'a Type,
    call: Ident,
    cast: Ident,
    info: Ident,
    client: Ident,
    requests: Ident,
}

impl<'s, 'a> Expander<'s, 'a> {
    fn new(server: &'s Server<'a>, args: &'s Args) -> Self {
        let mut generics = server.item.generics.clone();
        let params: Vec<Ident> = generics.type_params().map(|p| p.ident.clone()).collect();
        if !params.is_empty() {
            let clause = generics.make_where_clause();
            for param in params {
                clause
                    .predicates
                    .push(parse_quote!(#param: ::core::marker::Send + 'static));
            }
        }
        let self_ty = server.item.self_ty.to_token_stream();
        let def_generics = syn::parse2::<syn::ItemStruct>({
            let params = &generics.params;
            let clause = &generics.where_clause;
            replace_self(quote!(struct S<#params> #clause;), &self_ty)
        })
        .map_or_else(|_| generics.clone(), |item| item.generics);
        Expander {
            server,
            krate: &args.krate,
            child: &args.child,
            mailbox: args.mailbox.as_ref(),
            when_full: args.when_full(),
            def_generics,
            generics,
            self_ty: &server.item.self_ty,
            call: names::generated(&server.name, "Call"),
            cast: names::generated(&server.name, "Cast"),
            info: names::generated(&server.name, "Info"),
            client: names::generated(&server.name, "Client"),
            requests: names::generated(&server.name, "Requests"),
        }
    }

    fn expand(&self, output: &mut TokenStream) {
        output.extend(self.send_checks());
        for (kind, name) in [
            (Kind::Call, &self.call),
            (Kind::Cast, &self.cast),
            (Kind::Info, &self.info),
        ] {
            if self.server.handlers(kind).next().is_some() {
                output.extend(self.message_enum(kind, name));
            }
        }
        output.extend(self.gen_server_impl());
        output.extend(self.info_impls());
        output.extend(self.client());
        if self.server.handlers(Kind::Call).next().is_some() {
            output.extend(self.requests());
        }
        if !self.user_defines("start") {
            output.extend(self.start());
        }
        if !self.user_defines("child_spec") {
            output.extend(self.child_spec());
        }
    }

    /// Child spec options go into the generated `child_spec`; a user's own
    /// `child_spec` replaces it, so options given with one would be lost.
    fn check_child_options(&self, errors: &mut Errors) {
        if !self.user_defines("child_spec") {
            return;
        }
        for option in self.child.given() {
            errors.spanned(
                option,
                format!(
                    "`{option}` sets the generated `child_spec`, but this impl block defines its own `child_spec`, which replaces it; set the field in your `child_spec`, or remove one of them"
                ),
            );
        }
    }

    /// `ty` with `Self` written out as the server type, for use outside the
    /// server's own impls.
    fn de_self(&self, ty: &impl ToTokens) -> TokenStream {
        replace_self(ty.to_token_stream(), &self.self_ty.to_token_stream())
    }

    /// Whether the impl block has a method called `name` (reported by `valid`).
    fn user_defines(&self, name: &str) -> bool {
        self.server
            .item
            .items
            .iter()
            .any(|item| matches!(item, ImplItem::Fn(method) if method.sig.ident == name))
    }

    /// Every message argument and reply crosses to another task, so it must
    /// be `Send + 'static`. Checked here, in the where clause of a function
    /// that comes before every other generated item, spanned at the user's
    /// type: rustc checks where clauses item by item before it checks any
    /// body, so the first error names the argument rather than the server.
    /// (The types `ast::check_send` recognises never get here: their
    /// handler is reported once and left out.)
    ///
    /// rustc still reports a type it alone knows is not `Send` again at each
    /// item that holds the message. Silencing those would take naming the
    /// message enum through a constant that fails for such a type (a failed
    /// constant makes every type that mentions it an error type, which rustc
    /// says nothing more about). That was tried: a message that carries a
    /// `ServerRef` of its own server (or of one whose messages carry this
    /// one's) then makes a cycle, since whether that ref is `Send` depends on
    /// the very enum being checked, and valid code fails to compile.
    fn send_checks(&self) -> TokenStream {
        // Handlers under `#[cfg]` get a function of their own under the same
        // `#[cfg]`: a type that only exists with a feature must not be
        // named without it (a where clause's predicates take no attributes).
        let mut plain = Vec::new();
        let mut configured = Vec::new();
        let mut seen = Vec::new();
        for handler in &self.server.handlers {
            let reply = match handler.reply {
                Reply::Returned(Some(ty)) | Reply::Deferred(ty) => Some(ty),
                Reply::Returned(None) | Reply::None => None,
            };
            let cfgs: Vec<&Attribute> = cfgs(handler).collect();
            let mut bounds = Vec::new();
            for ty in handler.values().map(|(_, ty)| ty).chain(reply) {
                // One bound per type (and `#[cfg]`), however many handlers
                // take it.
                let key = quote!(#(#cfgs)* #ty).to_string();
                if seen.contains(&key) {
                    continue;
                }
                seen.push(key);
                let span = syn::spanned::Spanned::span(ty);
                let ty = self.de_self(ty);
                bounds.push(quote_spanned!(span=> #ty: ::core::marker::Send + 'static,));
            }
            if cfgs.is_empty() {
                plain.extend(bounds);
            } else if !bounds.is_empty() {
                configured.push((cfgs, handler.ident(), bounds));
            }
        }
        let (impl_generics, _, where_clause) = self.def_generics.split_for_impl();
        let predicates: Vec<_> = where_clause
            .into_iter()
            .flat_map(|clause| &clause.predicates)
            .collect();
        let check = |attrs: &[&Attribute], name: &Ident, bounds: &[TokenStream]| {
            quote! {
                #(#attrs)*
                #[allow(
                    dead_code,
                    clippy::extra_unused_type_parameters,
                    clippy::multiple_bound_locations
                )]
                fn #name #impl_generics () where #(#predicates,)* #(#bounds)* {}
            }
        };
        let mut checks = TokenStream::new();
        if !plain.is_empty() {
            checks.extend(check(
                &[],
                &Ident::new("messages", proc_macro2::Span::call_site()),
                &plain,
            ));
        }
        for (cfgs, handler, bounds) in &configured {
            let name = names::internal(&format!("messages_of_{}", handler.unraw()));
            checks.extend(check(cfgs, &name, bounds));
        }
        if checks.is_empty() {
            return TokenStream::new();
        }
        quote! {
            const _: () = {
                #checks
            };
        }
    }

    // ------------------------------------------------------------ messages

    fn message_enum(&self, kind: Kind, name: &Ident) -> TokenStream {
        let krate = self.krate;
        let server = &self.server.name;
        let handlers: Vec<&Handler<'_>> = self.server.handlers(kind).collect();
        let variants = handlers.iter().map(|handler| {
            let docs = docs(handler);
            let cfgs = cfgs(handler);
            let variant = &handler.variant;
            if kind == Kind::Info {
                let (_, ty) = handler.values().next().expect("validated: one argument");
                let ty = self.de_self(ty);
                return quote! { #(#cfgs)* #(#docs)* #variant(#ty), };
            }
            let fields = handler.params.iter().filter_map(|param| {
                let Param::Value { ident, pattern, ty } = param else {
                    return None;
                };
                // `ref x` and `x @ ..` keep their own name.
                let generated = pattern.is_some_and(|pattern| !matches!(pattern, syn::Pat::Ident(_)));
                let doc = if generated {
                    format!(" The `{ident}` argument (a name the macro gave it: the handler takes a pattern there).")
                } else {
                    format!(" The `{ident}` argument.")
                };
                let ty = self.de_self(ty);
                Some(quote!(#[doc = #doc] #ident: #ty))
            });
            let reply = match handler.reply {
                Reply::Returned(ty) => {
                    let ty = ty.map_or_else(|| quote!(()), |ty| self.de_self(ty));
                    Some(quote!(#krate::ReplyTo<#ty>))
                }
                Reply::Deferred(ty) => {
                    let ty = self.de_self(ty);
                    Some(quote!(#krate::ReplyTo<#ty>))
                }
                Reply::None => None,
            };
            let reply = reply.map(|ty| {
                let field = &handler.reply_field;
                quote!(#[doc = " Where the reply goes."] #field: #ty)
            });
            let fields = fields.chain(reply);
            quote! { #(#cfgs)* #(#docs)* #variant { #(#fields),* }, }
        });
        let phantom = self.phantom(&handlers);
        let doc = match kind {
            Kind::Call => {
                format!(" Call messages of [`{server}`], one variant per `#[call]` handler.")
            }
            Kind::Cast => {
                format!(" Cast messages of [`{server}`], one variant per `#[cast]` handler.")
            }
            _ => format!(
                " Info messages of [`{server}`], one variant per `#[info]` and per `#[continuation]` handler."
            ),
        };
        let generics = &self.def_generics;
        let where_clause = &generics.where_clause;
        let (impl_generics, ty_generics, _) = generics.split_for_impl();
        let names = handlers.iter().map(|handler| {
            let variant = &handler.variant;
            let cfgs = cfgs(handler);
            let text = format!("{name}::{variant}");
            if kind == Kind::Info {
                quote!(#(#cfgs)* Self::#variant(..) => #text,)
            } else {
                quote!(#(#cfgs)* Self::#variant { .. } => #text,)
            }
        });
        let never = phantom
            .is_some()
            .then(|| quote!(Self::__Phantom(never, _) => match *never {},));
        let body = quote!(match self { #(#names)* #never });
        // A call names its caller, for the server's crash report.
        let caller = (kind == Kind::Call).then(|| {
            let arms = handlers.iter().map(|handler| {
                let variant = &handler.variant;
                let cfgs = cfgs(handler);
                let reply = &handler.reply_field;
                quote!(#(#cfgs)* Self::#variant { #reply, .. } => #reply.caller(),)
            });
            quote! {
                fn caller(&self) -> ::core::option::Option<#krate::TaskId> {
                    match self { #(#arms)* #never }
                }
            }
        });
        // `pub`, because it is an associated type of `GenServer` and the
        // server type may be public; its fields are the handler arguments,
        // which may be private, hence the allow.
        quote! {
            #[doc = #doc]
            #[allow(private_interfaces, unreachable_pub)]
            pub enum #name #generics #where_clause {
                #(#variants)*
                #phantom
            }

            #[automatically_derived]
            impl #impl_generics #krate::Message for #name #ty_generics #where_clause {
                fn name(&self) -> &'static str {
                    #body
                }
                #caller
            }
        }
    }

    /// An uninhabited variant that mentions the type parameters no handler
    /// of this kind uses (a type parameter must be used).
    fn phantom(&self, handlers: &[&Handler<'_>]) -> Option<TokenStream> {
        let mut used = TokenStream::new();
        for handler in handlers {
            for (_, ty) in handler.values() {
                ty.to_tokens(&mut used);
            }
            if let Reply::Returned(Some(ty)) | Reply::Deferred(ty) = handler.reply {
                ty.to_tokens(&mut used);
            }
        }
        let mut mentioned = Vec::new();
        collect_idents(used, &mut mentioned);
        let unused: Vec<&Ident> = self
            .generics
            .type_params()
            .map(|param| &param.ident)
            .filter(|ident| !mentioned.contains(ident))
            .collect();
        if unused.is_empty() {
            return None;
        }
        Some(quote! {
            #[doc(hidden)]
            __Phantom(::core::convert::Infallible, ::core::marker::PhantomData<fn() -> (#(#unused,)*)>),
        })
    }

    // ------------------------------------------------------------ dispatch

    fn gen_server_impl(&self) -> TokenStream {
        let krate = self.krate;
        let (impl_generics, ty_generics, where_clause) = self.generics.split_for_impl();
        let self_ty = self.self_ty;
        let client = &self.client;
        let arg = names::internal("arg");
        let (arg_ty, init) = self.init(&arg);
        let mut types = TokenStream::new();
        let mut handlers = TokenStream::new();
        for (kind, name, assoc, method, now) in [
            (
                Kind::Call,
                &self.call,
                quote!(Call),
                quote!(handle_call),
                quote!(handle_call_now),
            ),
            (
                Kind::Cast,
                &self.cast,
                quote!(Cast),
                quote!(handle_cast),
                quote!(handle_cast_now),
            ),
            (
                Kind::Info,
                &self.info,
                quote!(Info),
                quote!(handle_info),
                quote!(handle_info_now),
            ),
        ] {
            // A kind without handlers has no messages at all; the trait's
            // default handler for it can never run.
            if self.server.handlers(kind).next().is_none() {
                types.extend(quote!(type #assoc = ::core::convert::Infallible;));
                continue;
            }
            types.extend(quote!(type #assoc = #name #ty_generics;));
            let ctx = names::internal("ctx");
            // Plain `fn` handlers run in `handle_*_now`, without a future;
            // `async fn` ones in `handle_*`, which the runtime awaits with
            // what `handle_*_now` hands back.
            if let Some(body) = self.dispatch(kind, name, Run::Now, &now) {
                handlers.extend(quote! {
                    fn #now(
                        &mut self,
                        request: Self::#assoc,
                        #ctx: &mut #krate::Context<Self>,
                    ) -> ::core::result::Result<(), Self::#assoc> {
                        #body
                    }
                });
            }
            if let Some(body) = self.dispatch(kind, name, Run::Awaited, &now) {
                handlers.extend(quote! {
                    async fn #method(&mut self, request: Self::#assoc, #ctx: &mut #krate::Context<Self>) {
                        #body
                    }
                });
            }
        }
        let terminate = self.terminate();
        let format_status = self.format_status();
        // A plain `fn` init (or none) runs without a future, as plain `fn`
        // handlers do; `init` says the same for anyone who calls it.
        let sync_init = self
            .server
            .init
            .as_ref()
            .is_none_or(|init| init.method.sig.asyncness.is_none());
        let ctx = names::internal("ctx");
        let takes_ctx = self
            .server
            .init
            .as_ref()
            .is_some_and(|init| init.order.contains(&true));
        let unused_ctx = (!takes_ctx).then(|| quote!(let _ = #ctx;));
        let init_now = sync_init.then(|| {
            quote! {
                fn init_now(#arg: Self::Arg, #ctx: &mut #krate::Context<Self>) -> ::core::result::Result<#krate::Init<Self>, Self::Arg> {
                    #unused_ctx
                    ::core::result::Result::Ok(#init)
                }
            }
        });
        let mailbox = self.mailbox_const();
        quote! {
            #[automatically_derived]
            #[allow(deprecated)]
            impl #impl_generics #krate::GenServer for #self_ty #where_clause {
                type Arg = #arg_ty;
                #types
                type Client = #client #ty_generics;
                #mailbox

                async fn init(#arg: Self::Arg, #ctx: &mut #krate::Context<Self>) -> #krate::Init<Self> {
                    #unused_ctx
                    #init
                }
                #init_now

                #handlers
                #terminate
                #format_status
            }
        }
    }

    /// `const MAILBOX` for `mailbox = N`, spanned at the user's number.
    fn mailbox_const(&self) -> Option<TokenStream> {
        self.mailbox.map(|bound| {
            quote! {
                const MAILBOX: ::core::option::Option<::core::num::NonZeroUsize> =
                    ::core::num::NonZeroUsize::new(#bound);
            }
        })
    }

    /// The start argument's type and the body of `init`.
    fn init(&self, arg: &Ident) -> (TokenStream, TokenStream) {
        let krate = self.krate;
        let Some(init) = &self.server.init else {
            return (quote!(Self), quote!(#krate::Init::Ok(#arg)));
        };
        let ident = &init.method.sig.ident;
        let ctx = names::internal("ctx");
        let args = init
            .order
            .iter()
            .map(|&is_ctx| if is_ctx { quote!(#ctx) } else { quote!(#arg) });
        let (arg_ty, call) = match init.arg {
            Some(ty) => (ty.to_token_stream(), quote!(Self::#ident(#(#args),*))),
            None => (
                quote!(()),
                quote!({ let () = #arg; Self::#ident(#(#args),*) }),
            ),
        };
        let call = if init.method.sig.asyncness.is_some() {
            quote!(#call.await)
        } else {
            call
        };
        let body = if init.returns_self {
            quote!(#krate::Init::Ok(#call))
        } else {
            let span = match &init.method.sig.output {
                syn::ReturnType::Type(_, ty) => syn::spanned::Spanned::span(ty),
                syn::ReturnType::Default => init.method.sig.ident.span(),
            };
            // Spanned at the return type, so a wrong one is reported there.
            let krate = respan(krate.to_token_stream(), span);
            quote_spanned!(span=> <_ as #krate::IntoInit<Self>>::into_init(#call))
        };
        (arg_ty, body)
    }

    /// The body of `handle_*_now` (`Run::Now`: the plain `fn` handlers of
    /// `kind`) or of `handle_*` (`Run::Awaited`: the `async fn` ones), or
    /// `None` if `kind` has no handler of that sort. `now_method` is the
    /// kind's `handle_*_now`, which `handle_*` passes the others on to.
    fn dispatch(
        &self,
        kind: Kind,
        enum_name: &Ident,
        run: Run,
        now_method: &TokenStream,
    ) -> Option<TokenStream> {
        let krate = self.krate;
        let ctx = names::internal("ctx");
        let now = run == Run::Now;
        let all: Vec<&Handler<'_>> = self.server.handlers(kind).collect();
        let (handlers, others): (Vec<&Handler<'_>>, Vec<&Handler<'_>>) = all
            .iter()
            .copied()
            .partition(|handler| handler.is_async() != now);
        if handlers.is_empty() {
            return None;
        }
        let done = now.then(|| quote!(::core::result::Result::Ok(())));
        let arms = handlers.iter().map(|handler| {
            let variant = &handler.variant;
            let ident = handler.ident();
            let args = handler.params.iter().map(|param| match param {
                Param::Value { ident, .. } => binding(ident).to_token_stream(),
                Param::Context => ctx.to_token_stream(),
                Param::ReplyTo => handler.reply_field.to_token_stream(),
            });
            let await_ = handler.is_async().then(|| quote!(.await));
            // `Self::name(self, ..)`, not `self.name(..)`: a trait method of
            // the same name in scope must not win over the handler.
            let invoke = quote!(Self::#ident(self, #(#args),*)#await_);
            let cfgs = cfgs(handler);
            let pattern = if kind == Kind::Info {
                let (ident, _) = handler.values().next().expect("validated: one argument");
                let binding = binding(ident);
                quote!(#enum_name::#variant(#binding))
            } else {
                let mut fields: Vec<TokenStream> =
                    handler.values().map(|(ident, _)| field(ident)).collect();
                if kind == Kind::Call {
                    fields.push(handler.reply_field.to_token_stream());
                }
                quote!(#enum_name::#variant { #(#fields),* })
            };
            let body = match handler.reply {
                Reply::Returned(_) => {
                    let reply = &handler.reply_field;
                    let value = names::internal("value");
                    quote! {
                        let #value = #invoke;
                        #ctx.reply(#reply, #value);
                    }
                }
                Reply::Deferred(_) | Reply::None => quote!(#invoke;),
            };
            quote! {
                #(#cfgs)*
                #pattern => {
                    #body
                    #done
                }
            }
        });
        // The handlers of the other sort: `handle_*_now` hands their requests
        // back; `handle_*` (generated only when there are `async` handlers)
        // passes them on to `handle_*_now`, so that it handles every request.
        let rest = if others.is_empty() {
            self.phantom(&all)
                .map(|_| quote!(#enum_name::__Phantom(never, _) => match never {},))
        } else if now {
            Some(quote! {
                #[allow(unreachable_patterns)]
                request => ::core::result::Result::Err(request),
            })
        } else {
            Some(quote! {
                #[allow(unreachable_patterns)]
                request => {
                    let _ = <Self as #krate::GenServer>::#now_method(self, request, #ctx);
                }
            })
        };
        let used_ctx = !others.is_empty() && !now
            || handlers.iter().any(|handler| {
                matches!(handler.reply, Reply::Returned(_))
                    || handler.params.iter().any(|p| matches!(p, Param::Context))
            });
        let unused = (!used_ctx).then(|| quote!(let _ = #ctx;));
        Some(quote! {
            #unused
            match request {
                #(#arms)*
                #rest
            }
        })
    }

    fn terminate(&self) -> Option<TokenStream> {
        let krate = self.krate;
        let terminate = self.server.terminate.as_ref()?;
        let ident = &terminate.method.sig.ident;
        let reason = names::internal("reason");
        let await_ = terminate.method.sig.asyncness.map(|_| quote!(.await));
        let call = if terminate.takes_reason {
            quote!(Self::#ident(self, #reason)#await_)
        } else {
            quote!({ let _ = #reason; Self::#ident(self)#await_ })
        };
        Some(quote! {
            async fn terminate(&mut self, #reason: &#krate::ExitReason) {
                #call
            }
        })
    }

    /// `format_status` calling the `#[format_status]` method, which may
    /// return a `String` or an `Option<String>` (`sys::IntoView`).
    fn format_status(&self) -> Option<TokenStream> {
        let method = self.server.format_status?;
        let ident = &method.sig.ident;
        let ReturnType::Type(_, ty) = &method.sig.output else {
            return None;
        };
        let krate = self.krate;
        let into = quote_spanned!(ty.span()=> #krate::sys::IntoView::into_view);
        Some(quote! {
            fn format_status(&self) -> ::core::option::Option<::std::string::String> {
                #into(Self::#ident(self))
            }
        })
    }

    /// `impl HandleInfo<M> for Server`, one per info handler, so that
    /// `server.send(message)` finds its handler by the message's type; and
    /// `impl HandleContinue<M> for Server`, one per continuation handler, so
    /// that `ctx.continue_with(step)` does. A continuation travels in the
    /// info enum too, but without `HandleInfo` nobody outside can send it.
    fn info_impls(&self) -> TokenStream {
        let krate = self.krate;
        let (impl_generics, ty_generics, where_clause) = self.generics.split_for_impl();
        let self_ty = self.self_ty;
        let info = &self.info;
        let message = names::internal("message");
        self.server
            .handlers(Kind::Info)
            .map(|handler| {
                let (_, ty) = handler.values().next().expect("validated: one argument");
                let ty = self.de_self(ty);
                let variant = &handler.variant;
                let cfgs = cfgs(handler);
                let (handle, wrap) = if handler.kind == Kind::Continue {
                    (quote!(HandleContinue), quote!(into_continue))
                } else {
                    (quote!(HandleInfo), quote!(into_info))
                };
                // `do_not_recommend`: a message type with no handler gets
                // the trait's own note, not a list of every other server's
                // message types.
                quote! {
                    #(#cfgs)*
                    #[automatically_derived]
                    #[diagnostic::do_not_recommend]
                    impl #impl_generics #krate::#handle<#ty> for #self_ty #where_clause {
                        fn #wrap(#message: #ty) -> #info #ty_generics {
                            #info::#variant(#message)
                        }
                    }
                }
            })
            .collect()
    }

    // ------------------------------------------------------------ client

    /// `Clone` and `Debug` for a struct around a `Handle` (the client and
    /// the requests API): derived where that adds no bounds; a generic
    /// server gets the impls written out, since `derive` would require
    /// `T: Clone`.
    fn clone_and_debug(&self, name: &Ident) -> (Option<TokenStream>, Option<TokenStream>) {
        let generics = &self.def_generics;
        if generics.params.is_empty() {
            return (Some(quote!(#[derive(Clone, Debug)])), None);
        }
        let where_clause = &generics.where_clause;
        let (impl_generics, ty_generics, _) = generics.split_for_impl();
        let std_impls = quote! {
            #[automatically_derived]
            impl #impl_generics ::core::clone::Clone for #name #ty_generics #where_clause {
                fn clone(&self) -> Self {
                    Self { handle: ::core::clone::Clone::clone(&self.handle) }
                }
            }

            #[automatically_derived]
            impl #impl_generics ::core::fmt::Debug for #name #ty_generics #where_clause {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    ::core::fmt::Debug::fmt(&self.handle, f)
                }
            }
        };
        (None, Some(std_impls))
    }

    fn client(&self) -> TokenStream {
        let krate = self.krate;
        let generics = &self.def_generics;
        let where_clause = &generics.where_clause;
        let (impl_generics, ty_generics, _) = generics.split_for_impl();
        let self_ty = self.self_ty;
        let client = &self.client;
        let server = &self.server.name;
        let doc = format!(
            " The client API of [`{server}`]: one method per `#[call]` and `#[cast]` handler. A `ServerRef<{server}>` dereferences to it."
        );
        let methods = self
            .server
            .handlers
            .iter()
            .filter(|handler| matches!(handler.kind, Kind::Call | Kind::Cast))
            .map(|handler| self.client_method(handler));
        let (derive, std_impls) = self.clone_and_debug(client);
        quote! {
            #[doc = #doc]
            #derive
            #[allow(unreachable_pub)]
            pub struct #client #generics #where_clause {
                handle: #krate::Handle<#self_ty>,
            }

            impl #impl_generics #client #ty_generics #where_clause {
                #(#methods)*
            }

            #[automatically_derived]
            impl #impl_generics #krate::Client<#self_ty> for #client #ty_generics #where_clause {
                fn from_handle(handle: #krate::Handle<#self_ty>) -> Self {
                    Self { handle }
                }

                fn handle(&self) -> &#krate::Handle<#self_ty> {
                    &self.handle
                }
            }

            #std_impls
        }
    }

    fn client_method(&self, handler: &Handler<'_>) -> TokenStream {
        let krate = self.krate;
        let vis = &handler.method.vis;
        let ident = handler.ident();
        let variant = &handler.variant;
        let docs = docs(handler);
        // `#[cfg]` so the method exists exactly when the handler does, and
        // `#[deprecated]` so that callers of a deprecated handler hear of it.
        let forwarded = handler
            .method
            .attrs
            .iter()
            .filter(|attr| attr.path().is_ident("cfg") || attr.path().is_ident("deprecated"));
        let forwarded = quote!(#(#forwarded)*);
        let params = handler.values().map(|(ident, ty)| {
            let ty = self.de_self(ty);
            let binding = binding(ident);
            quote!(#binding: #ty)
        });
        let fields: Vec<TokenStream> = handler.values().map(|(ident, _)| field(ident)).collect();
        let documents_errors = docs.iter().any(|attr| {
            matches!(&attr.meta, syn::Meta::NameValue(nv) if quote!(#nv).to_string().contains("# Errors"))
        });
        if handler.kind == Kind::Cast {
            let cast = &self.cast;
            let public = matches!(vis, syn::Visibility::Public(_));
            let errors_doc = (public && !documents_errors).then(|| {
                quote! {
                    #[doc = ""]
                    #[doc = " # Errors"]
                    #[doc = ""]
                    #[doc = " A `CastError` if the cast was not queued: the server is not running, its bounded mailbox is full (`when_full = fail`), or it exited while the cast waited for room (`when_full = wait`)."]
                }
            });
            return match self.when_full {
                WhenFull::DropOldest => quote! {
                    #(#docs)*
                    #forwarded
                    #vis fn #ident(&self, #(#params),*) {
                        self.handle.cast(#cast::#variant { #(#fields),* });
                    }
                },
                WhenFull::Fail => quote! {
                    #(#docs)*
                    #errors_doc
                    #forwarded
                    #vis fn #ident(&self, #(#params),*) -> ::core::result::Result<(), #krate::CastError> {
                        self.handle.try_cast(#cast::#variant { #(#fields),* })
                    }
                },
                WhenFull::Wait => quote! {
                    #(#docs)*
                    #[doc = ""]
                    #[doc = " Waits for room in the server's bounded mailbox: the cast is sent when the returned future is first polled, once there is room."]
                    #errors_doc
                    #forwarded
                    #vis async fn #ident(&self, #(#params),*) -> ::core::result::Result<(), #krate::CastError> {
                        self.handle.cast_wait(#cast::#variant { #(#fields),* }).await
                    }
                },
            };
        }
        let call = &self.call;
        let reply = &handler.reply_field;
        let reply_ty = match handler.reply {
            Reply::Returned(Some(ty)) | Reply::Deferred(ty) => self.de_self(ty),
            Reply::Returned(None) | Reply::None => quote!(()),
        };
        // Clippy's pedantic `missing_errors_doc` asks public functions that
        // return `Result` to say when they fail.
        let public = matches!(vis, syn::Visibility::Public(_));
        let errors_doc = (public && !documents_errors).then(errors_doc);
        let lazy_doc = format!(
            " The call is sent when the returned future is first polled, not when this method is called: to send it at once and collect the reply later, use `request().{ident}(..)` on the `ServerRef`."
        );
        quote! {
            #(#docs)*
            #[doc = ""]
            #[doc = #lazy_doc]
            #errors_doc
            #forwarded
            #vis async fn #ident(&self, #(#params),*) -> ::core::result::Result<#reply_ty, #krate::CallError> {
                self.handle.call(|#reply| #call::#variant { #(#fields,)* #reply }).await
            }
        }
    }

    // ------------------------------------------------------------ requests

    /// `{Server}Requests`: one method per call handler that sends the call
    /// at once and returns a `Request` (`gen_server:send_request/2`), reached
    /// through `ServerRef::request`.
    fn requests(&self) -> TokenStream {
        let krate = self.krate;
        let generics = &self.def_generics;
        let where_clause = &generics.where_clause;
        let (impl_generics, ty_generics, _) = generics.split_for_impl();
        let (server_impl_generics, _, server_where) = self.generics.split_for_impl();
        let self_ty = self.self_ty;
        let requests = &self.requests;
        let call = &self.call;
        let server = &self.server.name;
        let doc = format!(
            " The request API of [`{server}`]: one method per `#[call]` handler, which sends the call at once and returns a `Request` to collect the reply from later. Reached with `ServerRef::request`."
        );
        let methods = self.server.handlers(Kind::Call).map(|handler| {
            let vis = &handler.method.vis;
            let ident = handler.ident();
            let variant = &handler.variant;
            let forwarded =
                handler.method.attrs.iter().filter(|attr| {
                    attr.path().is_ident("cfg") || attr.path().is_ident("deprecated")
                });
            let params = handler.values().map(|(ident, ty)| {
                let ty = self.de_self(ty);
                let binding = binding(ident);
                quote!(#binding: #ty)
            });
            let fields = handler.values().map(|(ident, _)| field(ident));
            let reply = &handler.reply_field;
            let reply_ty = match handler.reply {
                Reply::Returned(Some(ty)) | Reply::Deferred(ty) => self.de_self(ty),
                Reply::Returned(None) | Reply::None => quote!(()),
            };
            let doc = format!(
                " Sends the `{ident}` call now; the reply is collected from the returned `Request`."
            );
            quote! {
                #[doc = #doc]
                #(#forwarded)*
                #vis fn #ident(&self, #(#params),*) -> #krate::Request<#self_ty, #reply_ty> {
                    self.handle.send_request(|#reply| #call::#variant { #(#fields,)* #reply })
                }
            }
        });
        let (derive, std_impls) = self.clone_and_debug(requests);
        quote! {
            #[doc = #doc]
            #derive
            #[allow(unreachable_pub)]
            pub struct #requests #generics #where_clause {
                handle: #krate::Handle<#self_ty>,
            }

            impl #impl_generics #requests #ty_generics #where_clause {
                #(#methods)*
            }

            #[automatically_derived]
            impl #impl_generics #krate::Client<#self_ty> for #requests #ty_generics #where_clause {
                fn from_handle(handle: #krate::Handle<#self_ty>) -> Self {
                    Self { handle }
                }

                fn handle(&self) -> &#krate::Handle<#self_ty> {
                    &self.handle
                }
            }

            #[automatically_derived]
            impl #server_impl_generics #krate::SendRequest for #self_ty #server_where {
                type Requests = #requests #ty_generics;
            }

            #std_impls
        }
    }

    // ------------------------------------------------------------ start

    fn start(&self) -> TokenStream {
        let krate = self.krate;
        let (impl_generics, _, where_clause) = self.generics.split_for_impl();
        let self_ty = self.self_ty;
        let arg = names::internal("arg");
        quote! {
            impl #impl_generics #self_ty #where_clause {
                #[doc = " Starts the server and waits until its init has run (`GenServer.start/2`)."]
                #[doc = ""]
                #[doc = " # Errors"]
                #[doc = ""]
                #[doc = " A `StartError` if init failed, panicked, returned `Init::Ignore` or timed out."]
                pub async fn start(
                    #arg: <Self as #krate::GenServer>::Arg,
                ) -> ::core::result::Result<#krate::ServerRef<Self>, #krate::StartError> {
                    #krate::start(#arg, #krate::StartOptions::new()).await
                }
            }
        }
    }

    /// `Server::child_spec(arg)`, Elixir's injected `child_spec/1`: a
    /// `ChildSpec` that starts the server with a clone of `arg`, with the
    /// options of `#[gen_server(...)]` set.
    ///
    /// The start argument must be `Clone + Sync` for a spec, but not every
    /// server's is, and a bound on a concrete type that does not hold fails
    /// where it is written. So the bound goes on a type parameter of the
    /// function, equal to the server's `Arg`: it is checked where
    /// `child_spec` is called, and a server whose argument is not `Clone`
    /// compiles as long as nobody asks for its spec.
    fn child_spec(&self) -> TokenStream {
        let krate = self.krate;
        let (impl_generics, _, where_clause) = self.generics.split_for_impl();
        let self_ty = self.self_ty;
        let arg = names::internal("arg");
        let param = self.fresh_type_param("Arg");
        let child = self.child;
        let mut setters = Vec::new();
        let mut docs = Vec::new();
        if let Some((_, id)) = &child.id {
            setters.push(quote!(.id(#id)));
            docs.push(format!(" id `{:?}`", id.value()));
        }
        if let Some((_, restart)) = &child.restart {
            setters.push(quote!(.restart(#krate::Restart::#restart)));
            docs.push(format!(" restart `{restart}`"));
        }
        // The type before the shutdown: a supervisor's type sets the
        // shutdown's default, which an explicit shutdown then replaces.
        if let Some((_, child_type)) = &child.child_type {
            setters.push(quote!(.child_type(#krate::ChildType::#child_type)));
            docs.push(format!(" type `{child_type}`"));
        }
        if let Some((_, shutdown)) = &child.shutdown {
            let (value, doc) = match shutdown {
                args::Shutdown::BrutalKill => (
                    quote!(#krate::Shutdown::BrutalKill),
                    " shutdown `BrutalKill`".to_owned(),
                ),
                args::Shutdown::Infinity => (
                    quote!(#krate::Shutdown::Infinity),
                    " shutdown `Infinity`".to_owned(),
                ),
                args::Shutdown::Millis(millis, span) => {
                    let mut literal = proc_macro2::Literal::u64_unsuffixed(*millis);
                    literal.set_span(*span);
                    (
                        quote!(#krate::Shutdown::Timeout(::core::time::Duration::from_millis(#literal))),
                        format!(" shutdown {} ms", args::group(&millis.to_string())),
                    )
                }
            };
            setters.push(quote!(.shutdown(#value)));
            docs.push(doc);
        }
        if let Some((_, significant)) = &child.significant {
            setters.push(quote!(.significant(#significant)));
            docs.push(format!(" significant `{}`", significant.value));
        }
        let options = if docs.is_empty() {
            " The defaults: the type name as id, restart `Permanent`, shutdown 5 s, type `Worker`."
                .to_owned()
        } else {
            format!(
                " Set by `#[gen_server(...)]`:{}; the rest are the defaults.",
                docs.join(",")
            )
        };
        quote! {
            impl #impl_generics #self_ty #where_clause {
                #[doc = " The spec a supervisor starts this server with (Elixir's `child_spec/1`):"]
                #[doc = " each start runs `Self::start` with a clone of `arg`."]
                #[doc = #options]
                #[doc = " Change any field where the spec is used, with `ChildSpec`'s builder"]
                #[doc = " methods or its fields (`Supervisor.child_spec/2`)."]
                #[doc = ""]
                #[doc = " The argument must be `Clone + Sync`, as every restart starts from a"]
                #[doc = " fresh clone of it."]
                #[must_use]
                pub fn child_spec<#param>(#arg: #param) -> #krate::ChildSpec
                where
                    Self: #krate::GenServer<Arg = #param>,
                    #param: ::core::clone::Clone + ::core::marker::Sync,
                {
                    #krate::ChildSpec::new::<Self>(#arg)
                        #(#setters)*
                }
            }
        }
    }

    /// `base`, or `base2`, `base3`, ... if the impl block already has a
    /// generic parameter of that name.
    fn fresh_type_param(&self, base: &str) -> Ident {
        let taken: Vec<String> = self
            .server
            .item
            .generics
            .params
            .iter()
            .filter_map(|param| match param {
                syn::GenericParam::Type(ty) => Some(ty.ident.to_string()),
                syn::GenericParam::Const(c) => Some(c.ident.to_string()),
                syn::GenericParam::Lifetime(_) => None,
            })
            .collect();
        let mut name = base.to_owned();
        let mut n = 1;
        while taken.contains(&name) {
            n += 1;
            name = format!("{base}{n}");
        }
        Ident::new(&name, proc_macro2::Span::call_site())
    }
}

/// The handler's doc comments, forwarded to its variant and client method;
/// a line of our own when it has none, so `missing_docs` stays quiet.
fn docs(handler: &Handler<'_>) -> Vec<Attribute> {
    let docs: Vec<Attribute> = handler
        .method
        .attrs
        .iter()
        .filter(|attr| attr.path().is_ident("doc"))
        .cloned()
        .collect();
    if !docs.is_empty() {
        return docs;
    }
    let text = if handler.kind == Kind::Continue {
        format!(
            " The server's own next step, handled by `{}`.",
            handler.ident()
        )
    } else {
        format!(" Sends `{}` to the server.", handler.ident())
    };
    vec![parse_quote!(#[doc = #text])]
}

/// The name generated code binds an argument to: the argument's own name,
/// unless it starts with `_` (an argument the handler ignores), which
/// generated code would then "use" and trip `clippy::used_underscore_binding`.
fn binding(ident: &Ident) -> Ident {
    let name = ident.unraw().to_string();
    let trimmed = name.trim_start_matches('_');
    if trimmed.len() == name.len() || trimmed.is_empty() {
        return ident.clone();
    }
    syn::parse_str::<Ident>(trimmed).map_or_else(
        |_| names::internal(&format!("arg{trimmed}")),
        |_| names::internal(trimmed),
    )
}

/// `field` in a struct pattern or expression, bound to [`binding`].
fn field(ident: &Ident) -> TokenStream {
    let binding = binding(ident);
    if &binding == ident {
        quote!(#ident)
    } else {
        quote!(#ident: #binding)
    }
}

/// The handler's `#[cfg]` attributes, for everything generated from it.
fn cfgs<'h>(handler: &'h Handler<'_>) -> impl Iterator<Item = &'h Attribute> {
    handler
        .method
        .attrs
        .iter()
        .filter(|attr| attr.path().is_ident("cfg"))
}

/// `tokens` with `Self` written out as `self_ty` (`Self::X` as `<Ty>::X`).
fn replace_self(tokens: TokenStream, self_ty: &TokenStream) -> TokenStream {
    let mut out = TokenStream::new();
    let mut trees = tokens.into_iter().peekable();
    while let Some(tree) = trees.next() {
        match tree {
            TokenTree::Ident(ident) if ident == "Self" => {
                // `Self::X`, not the bound in `Self: Trait`.
                let path_follows = matches!(trees.peek(), Some(TokenTree::Punct(p))
                    if p.as_char() == ':' && p.spacing() == proc_macro2::Spacing::Joint);
                if path_follows {
                    out.extend(quote!(<#self_ty>));
                } else {
                    out.extend(self_ty.clone());
                }
            }
            TokenTree::Group(group) => {
                let mut new = proc_macro2::Group::new(
                    group.delimiter(),
                    replace_self(group.stream(), self_ty),
                );
                new.set_span(group.span());
                out.extend([TokenTree::Group(new)]);
            }
            other => out.extend([other]),
        }
    }
    out
}

fn errors_doc() -> TokenStream {
    quote! {
        #[doc = ""]
        #[doc = " # Errors"]
        #[doc = ""]
        #[doc = " A `CallError` if no reply comes: the call timed out, the server is not running,"]
        #[doc = " or it exited before replying."]
    }
}

fn respan(tokens: TokenStream, span: proc_macro2::Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tree| {
            if let TokenTree::Group(group) = &tree {
                let mut new =
                    proc_macro2::Group::new(group.delimiter(), respan(group.stream(), span));
                new.set_span(span);
                tree = TokenTree::Group(new);
            } else {
                tree.set_span(span);
            }
            tree
        })
        .collect()
}

fn collect_idents(tokens: TokenStream, out: &mut Vec<Ident>) {
    for tree in tokens {
        match tree {
            TokenTree::Ident(ident) => out.push(ident),
            TokenTree::Group(group) => collect_idents(group.stream(), out),
            _ => {}
        }
    }
}

/// Which of a kind's two dispatch functions is being generated.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Run {
    /// `handle_*_now`: the plain `fn` handlers, run without a future.
    Now,
    /// `handle_*`: the `async fn` handlers, awaited by the runtime.
    Awaited,
}
