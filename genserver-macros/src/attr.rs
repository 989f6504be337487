//! The helper attributes on methods: `#[call]`, `#[cast]`, `#[info]`,
//! `#[continuation]`, `#[init]`, `#[terminate]` and `#[format_status]`.

use syn::{Attribute, ImplItem, ImplItemFn};

use crate::errors::Errors;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Kind {
    Call,
    Cast,
    Info,
    /// `handle_continue/2`; `continue` is a keyword.
    Continue,
    Init,
    Terminate,
    FormatStatus,
}

impl Kind {
    const ALL: [(&'static str, Kind); 7] = [
        ("call", Kind::Call),
        ("cast", Kind::Cast),
        ("info", Kind::Info),
        ("continuation", Kind::Continue),
        ("init", Kind::Init),
        ("terminate", Kind::Terminate),
        ("format_status", Kind::FormatStatus),
    ];

    pub(crate) fn name(self) -> &'static str {
        Kind::ALL
            .iter()
            .find(|(_, kind)| *kind == self)
            .map_or("", |(name, _)| name)
    }

    /// `a` or `an`, for "a #[call] handler" and "an #[info] handler".
    pub(crate) fn article(self) -> &'static str {
        match self {
            Kind::Info | Kind::Init => "an",
            _ => "a",
        }
    }

    /// The kind whose message enum this kind's variants go in:
    /// continuations travel as info messages inside the runtime.
    pub(crate) fn message_kind(self) -> Kind {
        match self {
            Kind::Continue => Kind::Info,
            other => other,
        }
    }

    fn of(attr: &Attribute) -> Option<Kind> {
        let ident = attr.path().get_ident()?;
        Kind::ALL
            .iter()
            .find(|(name, _)| ident == name)
            .map(|(_, kind)| *kind)
    }
}

/// Whether `attr` is one of ours.
pub(crate) fn is_helper(attr: &Attribute) -> bool {
    Kind::of(attr).is_some()
}

/// The kind a method is marked with, if any. Reports a marker with
/// arguments, a duplicate marker, and two different kinds on one method.
pub(crate) fn kind(method: &ImplItemFn, errors: &mut Errors) -> Option<Kind> {
    let mut found: Option<(Kind, &Attribute)> = None;
    for attr in &method.attrs {
        let Some(kind) = Kind::of(attr) else {
            continue;
        };
        if let Err(error) = attr.meta.require_path_only() {
            errors.spanned(
                &attr.meta,
                format!(
                    "#[{}] takes no options; write `#[{}]`",
                    kind.name(),
                    kind.name()
                ),
            );
            drop(error);
        }
        match found {
            None => found = Some((kind, attr)),
            Some((first, _)) if first == kind => {
                errors.spanned(
                    attr,
                    format!("duplicate #[{}] attribute; remove this one", kind.name()),
                );
            }
            Some((first, _)) => errors.spanned(
                attr,
                format!(
                    "a method is either #[{}] or #[{}], not both; keep one attribute",
                    first.name(),
                    kind.name()
                ),
            ),
        }
    }
    found.map(|(kind, _)| kind)
}

/// Our attributes on an item of the impl block that is not a method
/// (`#[call] const X: u32 = 1;`), which they would otherwise stay on, for
/// rustc to report as an unknown attribute.
pub(crate) fn not_on_a_method(item: &ImplItem, errors: &mut Errors) {
    let attrs: &[Attribute] = match item {
        ImplItem::Const(item) => &item.attrs,
        ImplItem::Type(item) => &item.attrs,
        ImplItem::Macro(item) => &item.attrs,
        _ => &[],
    };
    for attr in attrs {
        if let Some(kind) = Kind::of(attr) {
            errors.spanned(
                attr,
                format!(
                    "#[{}] marks a handler method (`fn`); remove it from this item",
                    kind.name()
                ),
            );
        }
    }
}

/// Removes our attributes from `attrs`; whether there were any.
pub(crate) fn strip(attrs: &mut Vec<Attribute>) -> bool {
    let before = attrs.len();
    attrs.retain(|attr| !is_helper(attr));
    attrs.len() != before
}
