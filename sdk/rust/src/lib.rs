//! aura-plugin: write aura process plugins in Rust.
//!
//! Register hooks, tools and commands on a [`Plugin`], answer [`Decision`]s,
//! call the host through the [`Context`]; [`testing::Harness`] runs handlers
//! with no host. The wire protocol is docs/protocol.md.
pub mod context;
pub mod decision;
pub mod error;
pub mod plugin;
mod runtime;
pub mod testing;

pub use context::{Context, Host, Request, Response};
pub use decision::{merge_patch, Decision, Kind, PatchFormat};
pub use error::{BoxError, HandlerError, HostError, HOST_SERVICE_FAILED, METHOD_NOT_FOUND, PERMISSION_DENIED};
pub use plugin::{Event, Plugin, PROTOCOL_VERSION, SDK_VERSION};
pub use serde_json::{self, json, Value};
