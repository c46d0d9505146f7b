//! Changes to a tenant's own configuration (GDAP access assignments, Okta group admin
//! roles) as data: what a plan found needed, saved with the plan, and carried out exactly
//! by `apply`.
//!
//! Each change names what it found in the tenant (the assignment it replaces or removes,
//! with its etag and roles), so that `apply` can tell whether the tenant still is as the
//! plan saw it: two reviews of an unchanged tenant give equal changes.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One change to a tenant's own configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum ConfigurationChange {
    /// Create the GDAP access assignment of `roles` (role definition ids, lowercase and
    /// sorted) to a partner group, which has none.
    GdapCreateAccess {
        /// The partner group, as the client file names it.
        group: String,
        /// Its object id, lowercase.
        group_id: String,
        /// The role definition ids to assign.
        roles: Vec<String>,
    },
    /// Delete a partner group's GDAP access assignment whose roles differ from the
    /// client file's, then create it again with `roles`.
    GdapReplaceAccess {
        /// The partner group, as the client file names it.
        group: String,
        /// Its object id, lowercase.
        group_id: String,
        /// The role definition ids to assign.
        roles: Vec<String>,
        /// The assignment deleted.
        assignment: String,
        /// Its etag as read (the deletion's `If-Match`), when the listing gave one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        etag: Option<String>,
        /// The role definition ids it gives now.
        current_roles: Vec<String>,
    },
    /// Assign an Okta standard admin role to a group that lacks it.
    OktaAssignGroupRole {
        /// The group, as `group_roles` names it.
        group: String,
        /// Its Okta id.
        group_id: String,
        /// The role type (`USER_ADMIN`…).
        role: String,
    },
    /// Remove an Okta standard admin role that `group_roles` does not give the group.
    OktaUnassignGroupRole {
        /// The group, as `group_roles` names it.
        group: String,
        /// Its Okta id.
        group_id: String,
        /// The role type.
        role: String,
        /// The role assignment removed.
        assignment: String,
    },
}

impl ConfigurationChange {
    /// Returns what `apply` does, as a plan says it.
    pub fn planned(&self) -> String {
        match self {
            ConfigurationChange::GdapCreateAccess { group, roles, .. } => format!(
                "`apply` creates the GDAP access assignment of partner group `{group}` ({} role(s))",
                roles.len()
            ),
            ConfigurationChange::GdapReplaceAccess { group, roles, .. } => format!(
                "`apply` replaces the GDAP access assignment of partner group `{group}`: its roles differ from the client file's ({} role(s))",
                roles.len()
            ),
            ConfigurationChange::OktaAssignGroupRole { group, role, .. } => {
                format!("`apply` assigns the admin role `{role}` to the group `{group}`")
            }
            ConfigurationChange::OktaUnassignGroupRole { group, role, .. } => format!(
                "`apply` removes the admin role `{role}` from the group `{group}`: `group_roles` does not give it"
            ),
        }
    }

    /// Returns what `apply` did, for the audit log.
    pub fn done(&self) -> String {
        match self {
            ConfigurationChange::GdapCreateAccess { group, .. } => {
                format!("created the access assignment of `{group}`")
            }
            ConfigurationChange::GdapReplaceAccess { group, .. } => {
                format!("replaced the access assignment of `{group}`")
            }
            ConfigurationChange::OktaAssignGroupRole { group, role, .. } => {
                format!("assigned `{role}` to `{group}`")
            }
            ConfigurationChange::OktaUnassignGroupRole { group, role, .. } => {
                format!("removed `{role}` from `{group}`")
            }
        }
    }
}

impl fmt::Display for ConfigurationChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.planned())
    }
}
