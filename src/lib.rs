//! `onboard`: access bundles per client service tier, planned and applied to client
//! tenants, with a grant ledger and (later) a signed audit log.
//!
//! The core (`model`, `plan`) is pure; `adapters`, `state`, `ui` and `cli` sit around it.
#![warn(missing_docs)]

pub mod model;
pub mod plan;
