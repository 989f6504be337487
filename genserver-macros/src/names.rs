//! Names of generated items.

use proc_macro2::{Ident, Span};
use quote::format_ident;

/// `get_count` -> `GetCount`, spanned at the method so that go-to-definition
/// from the variant lands on it. `None` if no valid identifier comes out
/// (`_1` -> `1`, `self_` -> `Self`).
pub(crate) fn variant(method: &Ident) -> Option<Ident> {
    let name = method.to_string();
    let name = name.strip_prefix("r#").unwrap_or(&name);
    let mut camel = String::with_capacity(name.len());
    let mut upper = true;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            camel.extend(c.to_uppercase());
            upper = false;
        } else {
            camel.push(c);
        }
    }
    let mut ident: Ident = syn::parse_str(&camel).ok()?;
    ident.set_span(method.span());
    Some(ident)
}

/// `KeyValueStore` + `Call` -> `KeyValueStoreCall`.
pub(crate) fn generated(server: &Ident, suffix: &str) -> Ident {
    format_ident!("{}{}", server, suffix, span = server.span())
}

/// A binding of the generated code that user code cannot see or shadow.
pub(crate) fn internal(name: &str) -> Ident {
    Ident::new(name, Span::mixed_site())
}

/// Names a handler cannot take: methods of `ServerRef` itself, and of the
/// traits every type implements (method lookup finds those on `ServerRef`
/// before it looks through `Deref` at the client).
pub(crate) const RESERVED_CLIENT: &[&str] = &[
    "handle",
    "id",
    "is_alive",
    "with_timeout",
    "send",
    "stop",
    "stop_with",
    "exited",
    "exit",
    "kill",
    "link",
    "monitor",
    "request",
    "registered_name",
    "type_name",
    "from_handle",
    "deref",
    "clone",
    "clone_into",
    "into",
    "try_into",
    "borrow",
    "borrow_mut",
    "to_owned",
    "type_id",
    "fmt",
];
pub(crate) const RESERVED_SERVER: &[&str] = &["start"];
