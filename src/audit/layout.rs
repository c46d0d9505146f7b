//! The audit directory's on-disk layout, as the file backend keeps it
//! ([`crate::state::layout`]).

pub use crate::state::layout::{chain_path, head_path, is_public_key, public_key_path};

use super::AuditError;

/// Returns the chain names in an audit directory, sorted (none if it does not exist).
pub fn chains(dir: &std::path::Path) -> Result<Vec<String>, AuditError> {
    crate::state::layout::chains(dir).map_err(AuditError::from)
}
