//! The workspace model: identities, bundles, clients and settings, parsed from text.
//!
//! Everything here is pure: parsers take a file's text and its path and return values or
//! diagnostics that name the file, line and column. Nothing here reads files, looks at
//! the clock or prints.

mod bundle;
mod client;
mod credential;
mod declared_credential;
mod entitlement;
pub mod format;
mod identity;
mod issued_credential;
mod ledger_update;
pub mod policy;
mod record;
pub mod schema;
pub mod schema_text;
mod settings;
mod source;
mod tenant;
mod tickets;
pub mod time;
mod workspace;
mod yaml;

use std::fmt;
use std::sync::Arc;

pub use bundle::{Bundle, BundleGrant, Requirements};
pub use client::{Client, Contract, Exception, parse as client_from_yaml};
pub use credential::{CredentialRef, ExecRef, KvPath, VaultRef, split_words};
pub use declared_credential::{CredentialKind, DeclaredCredential, Delivery};
pub use entitlement::{Entitlement, EntitlementKind, SystemKind};
pub use identity::{
    AccountContext, AccountTemplate, Identity, IdentityKind, IdentityScope, MfaStatus,
};
pub use issued_credential::{CredentialSlot, IssuedRecord};
pub use ledger_update::LedgerUpdate;
pub use policy::Policy;
pub use record::{
    AccessRequest, Block, BlockScope, BundleRequest, GrantRecord, Holder, RecordOrigin,
    RequestKind, RequestStatus, ReviewItem, Revocation,
};
pub use settings::{
    DEFAULT_EXEC_TIMEOUT, OnRevoke, Settings, StateBackend, VaultAuth, VaultSettings,
    parse as settings_from_toml,
};
pub use source::Source;
pub use tenant::{
    AdSettings, AdapterKind, CaFile, ConfigurationChange, DirectorySettings, FileSettings,
    GLOBAL_ADMINISTRATOR_ID, Gdap, GithubApp, GithubSettings, GraphSettings, LdapSettings,
    OktaSettings, ScimSettings, Tenant, TenantSettings, is_global_administrator, is_guid,
    user_filter_attributes,
};
pub use tickets::{DEFAULT_TICKET_TIMEOUT, TicketProvider, TicketProviderKind};
pub use workspace::{SourceFile, SourceKind, Workspace, suggest};

/// A place in a workspace file: path (as shown to the user), line and column, 1-based.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Origin {
    /// The file's path, relative to the workspace where possible.
    pub path: Arc<str>,
    /// The line, 1-based; 0 when unknown.
    pub line: u32,
    /// The column, 1-based; 0 when unknown.
    pub column: u32,
}

impl Origin {
    /// Returns an origin pointing at a whole file.
    pub fn file(path: &Arc<str>) -> Self {
        Origin {
            path: path.clone(),
            line: 0,
            column: 0,
        }
    }

    /// Returns an origin at the given line and column of a file.
    pub fn at(path: &Arc<str>, line: u64, column: u64) -> Self {
        Origin {
            path: path.clone(),
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (0, _) => write!(f, "{}", self.path),
            (l, 0) => write!(f, "{}:{l}", self.path),
            (l, c) => write!(f, "{}:{l}:{c}", self.path),
        }
    }
}

/// A tenant named with its client, `client/tenant`: how messages, progress, tables and
/// the adapters' keys name it, and how `onboard login` reads one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TenantRef<'a> {
    /// The client's id.
    pub client: &'a str,
    /// The tenant's name within the client.
    pub tenant: &'a str,
}

impl<'a> TenantRef<'a> {
    /// Names tenant `tenant` of client `client`.
    pub fn new(client: &'a str, tenant: &'a str) -> Self {
        TenantRef { client, tenant }
    }

    /// Reads `client/tenant` (the tenant is everything after the first `/`); `None`
    /// without a `/`.
    pub fn parse(text: &'a str) -> Option<Self> {
        let (client, tenant) = text.split_once('/')?;
        Some(TenantRef { client, tenant })
    }
}

impl fmt::Display for TenantRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.client, self.tenant)
    }
}

/// One problem found in the workspace files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Where the problem is.
    pub origin: Origin,
    /// The field concerned, as a dotted path, where known.
    pub field: Option<String>,
    /// What is wrong, lowercase, one sentence.
    pub message: String,
    /// What would fix it.
    pub hint: Option<String>,
}

impl Diagnostic {
    /// Returns a diagnostic without field or hint.
    pub fn new(origin: Origin, message: impl Into<String>) -> Self {
        Diagnostic {
            origin,
            field: None,
            message: message.into(),
            hint: None,
        }
    }

    /// Sets the field the diagnostic is about.
    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// Sets the hint that says what would fix the problem.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.origin)?;
        if let Some(field) = &self.field {
            write!(f, "`{field}`: ")?;
        }
        f.write_str(&self.message)
    }
}

/// Returns why `path`, written in a workspace file and taken relative to the workspace
/// root, would lead outside the workspace: it is absolute, or its `..` climb above the
/// root. `None` when it stays inside. Purely textual: links are checked when the
/// workspace is read (`load`).
pub fn path_leaves_workspace(path: &str) -> Option<&'static str> {
    let bytes = path.as_bytes();
    let drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    if path.starts_with(['/', '\\']) || drive || std::path::Path::new(path).has_root() {
        return Some("it is an absolute path");
    }
    let mut depth = 0usize;
    for part in path.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => match depth.checked_sub(1) {
                Some(d) => depth = d,
                None => return Some("its `..` lead out of the workspace"),
            },
            _ => depth += 1,
        }
    }
    None
}

/// Returns a diagnostic when `value` is not a valid id (see `is_valid_id`).
pub(crate) fn check_id(origin: &Origin, field: &str, value: &str) -> Option<Diagnostic> {
    (!is_valid_id(value)).then(|| {
        Diagnostic::new(origin.clone(), format!("invalid {field} `{value}`"))
            .field(field)
            .hint("use lowercase letters, digits, `-` and `_`, starting with a letter or digit, at most 64 characters")
    })
}

/// Checks that an id is lowercase letters, digits, `-` and `_`, starting with a letter or
/// digit (names starting with `_` are onboard's own, e.g. the `_workspace` audit chain).
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        && !id.starts_with(['-', '_'])
}

#[cfg(test)]
mod tests {
    use super::{TenantRef, path_leaves_workspace};

    #[test]
    fn a_tenant_is_named_client_slash_tenant_and_read_back() {
        let at = TenantRef::new("acme", "entra");
        assert_eq!(at.to_string(), "acme/entra");
        assert_eq!(TenantRef::parse("acme/entra"), Some(at));
        assert_eq!(TenantRef::parse("acme"), None);
        let nested = TenantRef::parse("acme/dc/one").unwrap();
        assert_eq!((nested.client, nested.tenant), ("acme", "dc/one"));
    }

    #[test]
    fn paths_that_leave_the_workspace() {
        for inside in [
            "tenants/acme/entra",
            "state",
            "./a/../b",
            "a/b/../../c",
            ".",
        ] {
            assert_eq!(path_leaves_workspace(inside), None, "{inside}");
        }
        for outside in [
            "../x",
            "a/../../x",
            "/etc",
            "\\\\host\\share",
            "C:\\x",
            "c:x",
            "..",
            "a/..\\..\\x",
        ] {
            assert!(path_leaves_workspace(outside).is_some(), "{outside}");
        }
    }
}
