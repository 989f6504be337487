//! What `#[gen_server]`-generated code names, and nothing else. Not public
//! API: it changes without notice, which is why the facade pins the macro
//! crate to its exact version.

pub use crate::server::IntoInit;
pub use core::clone::Clone;
pub use core::convert::From;
pub use core::fmt;
pub use core::marker::{PhantomData, Send};
pub use core::option::Option;
pub use core::result::Result;
pub use std::string::String;
