//! GDAP: a `gdap` partner tenant's delegated admin relationship with a client, and the
//! checks of its `gdap:` section (as the rest of the tenant, at file:line:column).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::{RawTenant, is_guid};
use crate::model::entitlement::SystemKind;
use crate::model::yaml::origin;
use crate::model::{Diagnostic, Origin};

/// The role definition id of Entra's Global Administrator (the same in every tenant).
pub const GLOBAL_ADMINISTRATOR_ID: &str = "62e90394-69f5-4237-9190-012177145e10";

/// Returns whether a role (display name or role definition id) is Global Administrator.
pub fn is_global_administrator(role: &str) -> bool {
    role.eq_ignore_ascii_case("Global Administrator")
        || role.eq_ignore_ascii_case(GLOBAL_ADMINISTRATOR_ID)
}

/// A `gdap` tenant's delegated admin relationship with the client (GDAP), managed from
/// the MSP's partner tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gdap {
    /// The relationship's id in the partner tenant.
    pub relationship: String,
    /// The client's Entra tenant id: the relationship's customer must be this tenant.
    pub customer_tenant_id: String,
    /// Whether the relationship is meant to auto-extend (`autoExtendDuration: P180D`).
    pub auto_extend: bool,
    /// The relationship's access assignments: partner security group name → the
    /// directory roles (display names or role definition ids) its members get in the
    /// client's tenant.
    pub access: BTreeMap<String, Vec<String>>,
    /// Where the `gdap:` section is written.
    pub origin: Origin,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawGdap {
    /// The relationship's id, as Partner Center shows it.
    relationship: String,
    /// The client's own Entra tenant id: the relationship must be with it.
    #[schemars(with = "crate::model::schema_text::Guid")]
    customer_tenant_id: String,
    /// Whether the relationship is meant to auto-extend (not with Global Administrator).
    #[serde(default)]
    auto_extend: bool,
    /// Access assignments: partner group → the directory roles its members get in the
    /// client's tenant (display names or role definition ids).
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, Vec<String>>")]
    access: BTreeMap<String, Vec<Spanned<String>>>,
}

/// Checks a tenant's `gdap:` section: present exactly on `system: gdap` tenants, a
/// customer tenant id, every group mapped to its partner-tenant object id, and no Global
/// Administrator in a relationship that auto-extends (Microsoft refuses to auto-extend
/// a relationship that includes it).
pub(super) fn convert_gdap(
    path: &Arc<str>,
    field: &str,
    at: &Origin,
    raw: &RawTenant,
    problems: &mut Vec<Diagnostic>,
) -> Option<Gdap> {
    let Some(spanned) = &raw.gdap else {
        if raw.system == SystemKind::Gdap {
            problems.push(
                Diagnostic::new(at.clone(), "a `gdap` tenant needs a `gdap:` section")
                    .field(format!("{field}.gdap"))
                    .hint("add `gdap:` with `relationship`, `customer_tenant_id` and `access` (see docs/workspace.md)"),
            );
        }
        return None;
    };
    let section = origin(path, spanned);
    let gdap = &spanned.value;
    if raw.system != SystemKind::Gdap {
        problems.push(
            Diagnostic::new(
                section.clone(),
                "`gdap:` is for `system: gdap` tenants only",
            )
            .field(format!("{field}.gdap"))
            .hint("set `system: gdap` on the partner tenant, or remove `gdap:`"),
        );
    }
    if raw.pim {
        problems.push(
            Diagnostic::new(section.clone(), "a `gdap` tenant manages partner groups, not directory roles: `pim` has nothing to act on")
                .field(format!("{field}.pim"))
                .hint("remove `pim`; `pim_groups: true` makes just-in-time memberships of the partner groups PIM for Groups assignments"),
        );
    }
    if !is_guid(&gdap.customer_tenant_id) {
        problems.push(
            Diagnostic::new(
                section.clone(),
                format!("`{}` is not an Entra tenant id", gdap.customer_tenant_id),
            )
            .field(format!("{field}.gdap.customer_tenant_id"))
            .hint("write the client's directory (tenant) id, a GUID"),
        );
    }
    let mut access = BTreeMap::new();
    for (group, roles) in &gdap.access {
        if !raw.groups.contains_key(group) {
            problems.push(
                Diagnostic::new(
                    section.clone(),
                    format!("the partner group `{group}` has no object id in `groups:`"),
                )
                .field(format!("{field}.gdap.access"))
                .hint(format!(
                    "add `{group}: OBJECT-ID` (the security group in the partner tenant) to the tenant's `groups:`"
                )),
            );
        }
        if gdap.auto_extend
            && let Some(role) = roles.iter().find(|r| is_global_administrator(&r.value))
        {
            problems.push(
                Diagnostic::new(
                    origin(path, role),
                    "a relationship with Global Administrator cannot auto-extend",
                )
                .field(format!("{field}.gdap.access.{group}"))
                .hint("remove Global Administrator from this relationship's access, or set `auto_extend: false` and renew the relationship before it ends"),
            );
        }
        if roles.is_empty() {
            problems.push(
                Diagnostic::new(
                    section.clone(),
                    format!("the partner group `{group}` is given no roles"),
                )
                .field(format!("{field}.gdap.access.{group}"))
                .hint("list the directory roles its members get in the client's tenant"),
            );
        }
        access.insert(
            group.clone(),
            roles.iter().map(|r| r.value.clone()).collect(),
        );
    }
    Some(Gdap {
        relationship: gdap.relationship.clone(),
        customer_tenant_id: gdap.customer_tenant_id.clone(),
        auto_extend: gdap.auto_extend,
        access,
        origin: section,
    })
}
