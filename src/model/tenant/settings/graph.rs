//! `graph` tenants: Microsoft Graph (Entra ID), reached as an app registration; a
//! partner tenant (`system: gdap`) also manages a delegated admin relationship.

use std::collections::BTreeMap;

use crate::model::{CredentialRef, Diagnostic};

use super::super::checks::Scope;
use super::super::{AdapterKind, Gdap, RawTenant, is_guid};
use super::Draft;

/// What a `graph` tenant needs: the directory, onboard's app registration in it, and how
/// its roles and groups are managed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphSettings {
    /// The Entra directory (tenant) id, a GUID: the token's `tid` must be it.
    pub tenant_id: String,
    /// The application (client) id of the app registration in the client's tenant.
    pub client_id: String,
    /// Where the app's client secret is kept.
    pub credential: CredentialRef,
    /// The Graph API base URL (default Graph v1.0).
    pub endpoint: Option<String>,
    /// The Microsoft identity platform base URL the token is asked from (default
    /// `https://login.microsoftonline.com`; tests point it at loopback).
    pub auth_endpoint: Option<String>,
    /// The tenant has Privileged Identity Management, so directory roles are assigned
    /// through PIM schedule requests and time-bound grants expire by themselves.
    pub pim: bool,
    /// Group membership changes with a `ttl` go through PIM for Groups
    /// (`assignmentScheduleRequests` with an end), so the tenant ends them by itself.
    pub pim_groups: bool,
    /// The object id of each group the bundles name (Entra display names are not
    /// unique), `NAME: OBJECT-ID`. Groups not listed are looked up by display name.
    pub groups: BTreeMap<String, String>,
    /// Partner side (`system: gdap`): the delegated admin relationship this tenant
    /// manages.
    pub gdap: Option<Gdap>,
}

/// Reports the settings only `graph` tenants take on a tenant of another adapter
/// (`client_id`, which `okta` tenants take too, included).
pub(super) fn check_fields(scope: &Scope<'_>, raw: &RawTenant, problems: &mut Vec<Diagnostic>) {
    if raw.adapter != AdapterKind::Graph
        && (raw.client_id.is_some() && raw.adapter != AdapterKind::Okta
            || raw.auth_endpoint.is_some()
            || raw.pim
            || raw.pim_groups
            || raw.gdap.is_some()
            || !raw.groups.is_empty())
    {
        problems.push(
            Diagnostic::new(
                scope.at.clone(),
                "`auth_endpoint`, `pim`, `pim_groups`, `gdap` and `groups` are for `graph` tenants only (`client_id` for `graph` and `okta`)",
            )
            .field(scope.field.clone())
            .hint("remove them, or set `adapter: graph`"),
        );
    }
}

/// Checks the Entra ids a tenant names: group object ids (on a tenant of any adapter),
/// and a `graph` tenant's directory id.
pub(super) fn check_ids(scope: &Scope<'_>, raw: &RawTenant, problems: &mut Vec<Diagnostic>) {
    if let Some(id) = raw
        .groups
        .iter()
        .find_map(|(name, id)| (!is_guid(id)).then(|| format!("`{name}: {id}`")))
    {
        problems.push(
            Diagnostic::new(scope.at.clone(), format!("{id} is not a group object id"))
                .field(format!("{}.groups", scope.field))
                .hint(
                    "map each group name to its Entra object id, e.g. `MSP-Helpdesk: 0f6a5c1e-…`",
                ),
        );
    }
    if raw.adapter == AdapterKind::Graph
        && let Some(id) = raw.tenant_id.as_deref().filter(|id| !is_guid(id))
    {
        problems.push(
            Diagnostic::new(scope.at.clone(), format!("`{id}` is not an Entra tenant id"))
                .field(format!("{}.tenant_id", scope.field))
                .hint("write the directory (tenant) id, a GUID, as Entra shows it: onboard checks the token's `tid` against it"),
        );
    }
}

/// Returns a `graph` tenant's settings, or reports what it lacks.
pub(super) fn convert(draft: Draft<'_>, problems: &mut Vec<Diagnostic>) -> Option<GraphSettings> {
    let raw = draft.raw;
    let tenant_id = draft.require(
        "tenant_id",
        raw.tenant_id.clone(),
        "add `tenant_id: GUID`, the client's Entra directory (tenant) id",
        problems,
    );
    let client_id = draft.require(
        "client_id",
        raw.client_id.clone(),
        "add `client_id: GUID`, the application id of onboard's app registration in the client's tenant",
        problems,
    );
    let credential = draft.require_credential(
        "add `credential: keyring:NAME` or `credential: env:VAR` naming the app's client secret",
        problems,
    );
    Some(GraphSettings {
        tenant_id: tenant_id?,
        client_id: client_id?,
        credential: credential?,
        endpoint: raw.endpoint.as_ref().map(|e| e.value.clone()),
        auth_endpoint: raw.auth_endpoint.as_ref().map(|e| e.value.clone()),
        pim: raw.pim,
        pim_groups: raw.pim_groups,
        groups: raw.groups.clone(),
        gdap: draft.gdap,
    })
}

#[cfg(test)]
mod tests {
    use super::super::TenantSettings;
    use super::super::testing::{expected, problems, settings};

    const GRAPH: &str = "system: entra\nadapter: graph\ntenant_id: 11111111-1111-4111-8111-111111111111\nclient_id: 22222222-2222-4222-8222-222222222222\ncredential: env:ACME_ENTRA_SECRET";

    #[test]
    fn a_graph_tenant_is_its_directory_and_app() {
        let found = settings(&format!(
            "{GRAPH}\npim: true\ngroups:\n  MSP-Helpdesk: 33333333-3333-4333-8333-333333333333"
        ));
        let TenantSettings::Graph(graph) = found else {
            panic!("{found:?}");
        };
        assert_eq!(graph.tenant_id, "11111111-1111-4111-8111-111111111111");
        assert_eq!(graph.client_id, "22222222-2222-4222-8222-222222222222");
        assert!(graph.pim && !graph.pim_groups);
        assert_eq!(graph.groups.len(), 1);
        assert_eq!(graph.gdap, None);
    }

    #[test]
    fn a_graph_tenant_names_what_it_lacks_at_its_line() {
        assert_eq!(
            problems("system: entra\nadapter: graph\ntenant_id: acme.example"),
            expected(&[
                (
                    "tenants[0].tenant_id",
                    4,
                    "`acme.example` is not an Entra tenant id"
                ),
                (
                    "tenants[0].client_id",
                    4,
                    "a `graph` tenant needs `client_id`"
                ),
                (
                    "tenants[0].credential",
                    4,
                    "a `graph` tenant needs `credential`"
                ),
            ])
        );
    }

    #[test]
    fn graph_settings_are_refused_on_other_adapters() {
        assert_eq!(
            problems(
                "system: okta\nadapter: okta\nendpoint: https://acme.okta.com\ncredential: env:T\nclient_id: app\npim_groups: true\ngroups:\n  G: not-a-guid"
            ),
            expected(&[
                (
                    "tenants[0]",
                    4,
                    "`auth_endpoint`, `pim`, `pim_groups`, `gdap` and `groups` are for `graph` tenants only (`client_id` for `graph` and `okta`)"
                ),
                (
                    "tenants[0].groups",
                    4,
                    "`G: not-a-guid` is not a group object id"
                ),
            ])
        );
    }
}
