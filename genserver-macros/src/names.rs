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
///
/// Every inherent method of `ServerRef` in the runtime, whatever module
/// adds it, must be here (a unit test checks). Methods of the runtime's
/// own traits that `ServerRef` implements (`timer::Dest::route`,
/// `sys::Target::sys_handle`) are not: they hide a handler only where the
/// user imports the trait, and are named so as not to collide.
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
    "pid",
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

#[cfg(test)]
mod tests {
    use super::RESERVED_CLIENT;
    use std::path::Path;

    /// The names of the methods of every inherent `impl .. ServerRef<..>`
    /// block in the `.rs` files under `dir`.
    fn server_ref_methods(dir: &Path, found: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                server_ref_methods(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                let file = syn::parse_file(&text).unwrap();
                for item in file.items {
                    let syn::Item::Impl(block) = item else {
                        continue;
                    };
                    let syn::Type::Path(ty) = &*block.self_ty else {
                        continue;
                    };
                    let is_server_ref = ty
                        .path
                        .segments
                        .last()
                        .is_some_and(|s| s.ident == "ServerRef");
                    if !is_server_ref || block.trait_.is_some() {
                        continue;
                    }
                    for item in block.items {
                        if let syn::ImplItem::Fn(method) = item {
                            found.push(method.sig.ident.to_string());
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn every_inherent_method_of_server_ref_is_reserved() {
        let runtime = Path::new(env!("CARGO_MANIFEST_DIR")).join("../genserver/src");
        if !runtime.is_dir() {
            return; // built outside the workspace
        }
        let mut methods = Vec::new();
        server_ref_methods(&runtime, &mut methods);
        assert!(methods.iter().any(|m| m == "stop"), "found {methods:?}");
        let missing: Vec<_> = methods
            .iter()
            .filter(|m| !RESERVED_CLIENT.contains(&m.as_str()))
            .collect();
        assert!(missing.is_empty(), "not in RESERVED_CLIENT: {missing:?}");
    }
}
