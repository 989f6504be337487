//! Names of generated items.

use proc_macro2::{Ident, Span};
use quote::format_ident;

/// `get_count` -> `GetCount`, spanned at the method so that go-to-definition
/// from the variant lands on it.
pub(crate) fn variant(method: &Ident) -> Ident {
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
    if camel.is_empty() {
        camel.push('_');
    }
    Ident::new(&camel, method.span())
}

/// `KeyValueStore` + `Call` -> `KeyValueStoreCall`.
pub(crate) fn generated(server: &Ident, suffix: &str) -> Ident {
    format_ident!("{}{}", server, suffix, span = server.span())
}

/// A binding of the generated code that user code cannot see or shadow.
pub(crate) fn internal(name: &str) -> Ident {
    Ident::new(name, Span::mixed_site())
}

/// Names the client API and the server type already use, which a handler
/// cannot take.
pub(crate) const RESERVED_CLIENT: &[&str] = &[
    "handle",
    "id",
    "is_alive",
    "with_timeout",
    "send",
    "stop",
    "stop_with",
    "exited",
    "clone",
    "from_handle",
];
pub(crate) const RESERVED_SERVER: &[&str] = &["start"];
