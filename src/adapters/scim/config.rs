//! `ServiceProviderConfig`: what the server supports (PATCH, ETags, the largest page),
//! read once per run, and the tenant's identity.
//!
//! Tenant identity: `verify_tenant` reads `ServiceProviderConfig` with the credential,
//! and when the client file sets `tenant_id` it must be a path segment (or the first
//! host label) of the location the server reports for that resource (`meta.location`,
//! else `Content-Location`). For a multi-tenant server such as scim2-server with
//! `--dynamic-tenants`, `http://HOST/acme/v2` reports `http://HOST/acme/v2/…`, so
//! `tenant_id: acme` is checked against what the server says, not only against our URL.

use serde_json::Value;

use super::ScimTenant;
use crate::adapters::http::{self, Call, Url};
use crate::adapters::{AdapterError, FailureKind};

/// Items per page when paging a collection whose server advertises no maximum (a server
/// may return fewer; paging follows what it returns).
const PAGE_SIZE: usize = 1_000;

#[derive(Debug, Clone, Copy, Default)]
pub(super) struct ServerConfig {
    pub(super) patch: bool,
    pub(super) etag: bool,
    pub(super) max_results: Option<usize>,
}

impl ScimTenant {
    /// Reads `ServiceProviderConfig` and returns it with the location the server reports
    /// for it; keeps nothing (see [`ScimTenant::read_config`]).
    fn fetch_config(
        &self,
        operation: &str,
    ) -> Result<(ServerConfig, Option<String>), AdapterError> {
        self.http.needed(1);
        let response = self.send_ok(
            operation,
            Call::get(self.http.url(&["ServiceProviderConfig"])),
        )?;
        let body: Value = self.http.json(operation, &response)?;
        let supported = |key: &str| {
            body.get(key)
                .and_then(|v| v.get("supported"))
                .and_then(Value::as_bool)
                .unwrap_or(false)
        };
        let config = ServerConfig {
            patch: supported("patch"),
            etag: supported("etag"),
            max_results: body
                .get("filter")
                .and_then(|f| f.get("maxResults"))
                .and_then(Value::as_u64)
                .and_then(|n| usize::try_from(n).ok())
                .filter(|n| *n > 0),
        };
        let location = body
            .get("meta")
            .and_then(|m| m.get("location"))
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| response.header("content-location").map(str::to_string));
        Ok((config, location))
    }

    /// Reads `ServiceProviderConfig` and keeps it for the run.
    fn read_config(&mut self, operation: &str) -> Result<ServerConfig, AdapterError> {
        let (config, _) = self.fetch_config(operation)?;
        self.config = Some(config);
        Ok(config)
    }

    pub(super) fn config(&mut self, operation: &str) -> Result<ServerConfig, AdapterError> {
        match self.config {
            Some(config) => Ok(config),
            None => self.read_config(operation),
        }
    }

    pub(super) fn page_size(&self) -> usize {
        self.config.and_then(|c| c.max_results).unwrap_or(PAGE_SIZE)
    }

    pub(super) fn require_patch(&mut self, operation: &str) -> Result<(), AdapterError> {
        if self.config(operation)?.patch {
            Ok(())
        } else {
            Err(self.error(
                operation,
                FailureKind::Rejected,
                "the SCIM server does not support PATCH (`ServiceProviderConfig` says `patch.supported: false`), which onboard needs to change memberships",
            ))
        }
    }

    /// Confirms the tenant is the one the client file names (see the module's
    /// documentation), keeping its `ServiceProviderConfig`; see
    /// [`crate::adapters::Adapter::verify_tenant`].
    pub(super) fn verify(&mut self) -> Result<(), AdapterError> {
        self.config = Some(self.confirm()?);
        Ok(())
    }

    /// Confirms the tenant (see [`ScimTenant::verify`]) and returns its
    /// `ServiceProviderConfig`, keeping nothing: [`ScimTenant::verify_finding_groups`]
    /// runs it while the groups are found.
    pub(super) fn confirm(&self) -> Result<ServerConfig, AdapterError> {
        let operation = "verify tenant";
        let (config, location) = self.fetch_config(operation)?;
        let Some(expected) = self.expected_tenant.as_deref() else {
            return Ok(config);
        };
        let Some(location) = location else {
            return Err(self
                .error(
                    operation,
                    FailureKind::WrongTenant,
                    format!("the SCIM server does not report the location of its `ServiceProviderConfig`, so `tenant_id: {expected}` cannot be checked"),
                )
                .with_hint("remove `tenant_id` from the tenant if the endpoint alone identifies it"));
        };
        if location_names(&location, expected) {
            Ok(config)
        } else {
            let shown = Url::parse(&location).map_or_else(|_| "…".into(), |u| http::redact_url(&u));
            Err(self
                .error(
                    operation,
                    FailureKind::WrongTenant,
                    format!("the SCIM server reports its location as `{shown}`, which does not name tenant `{expected}` from the client file"),
                )
                .with_hint("check the tenant's `endpoint` and `tenant_id`: the credential may belong to another client"))
        }
    }
}

/// Returns whether `tenant_id` names the location the server reports: a path segment,
/// or the first label of its host.
fn location_names(location: &str, tenant_id: &str) -> bool {
    let Ok(url) = Url::parse(location) else {
        return false;
    };
    let segment = url
        .path_segments()
        .into_iter()
        .flatten()
        .any(|s| s.eq_ignore_ascii_case(tenant_id));
    let host = url
        .host_str()
        .and_then(|h| h.split('.').next())
        .is_some_and(|label| label.eq_ignore_ascii_case(tenant_id));
    segment || host
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_id_must_name_the_reported_location() {
        let location = "http://127.0.0.1:5000/acme/v2/ServiceProviderConfig";
        assert!(location_names(location, "acme"));
        assert!(location_names(location, "ACME"));
        assert!(!location_names(location, "globex"));
        assert!(location_names(
            "https://acme.scim.example.com/v2/ServiceProviderConfig",
            "acme"
        ));
        assert!(!location_names("not a url", "acme"));
    }
}
