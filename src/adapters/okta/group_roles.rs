//! Admin roles held by groups (`group_roles:`): tenant configuration that `apply` brings
//! in line before any membership change, so that whoever a bundle puts in such a group
//! gets exactly the roles the client file gives the group.
//!
//! `GET /groups/{id}/roles` lists a group's assignments, `POST /groups/{id}/roles
//! {"type": TYPE}` assigns a standard role and `DELETE /groups/{id}/roles/{assignmentId}`
//! removes one. Custom roles (`CUSTOM`, bound to a resource set) are never changed: the
//! plan notes them.

use super::*;

impl OktaTenant {
    /// Works out what the groups `group_roles` names need: notes for the plan (custom
    /// roles left alone) and the changes `apply` makes. A group that does not exist, or
    /// one of Okta's built-in groups (`Everyone`), is an error: the client file cannot
    /// be carried out as written.
    pub(super) fn group_role_changes(
        &mut self,
        operation: &str,
    ) -> Result<(Vec<String>, Vec<ConfigurationChange>), AdapterError> {
        let declared = self.group_roles.clone();
        let mut notes = Vec::new();
        let mut changes = Vec::new();
        for (group, roles) in &declared {
            let Some(found) = self.group(group, operation)? else {
                return Err(self
                    .error(
                        operation,
                        FailureKind::NotFound,
                        format!("the group `{group}` that `group_roles` names does not exist in the org"),
                    )
                    .with_hint("create the group in Okta first (onboard manages its roles and members, not the group), or correct its name in `group_roles`"));
            };
            if found.kind == "BUILT_IN" {
                return Err(self
                    .error(
                        operation,
                        FailureKind::Rejected,
                        format!("`{group}` is one of Okta's built-in groups: an admin role on it would reach every user it holds"),
                    )
                    .with_hint("give the roles to an `OKTA_GROUP` that bundles put technicians in, and remove the built-in group from `group_roles`"));
            }
            let url = self.url(&["groups", &found.id, "roles"], &[]);
            self.http.needed(1);
            let held = self.role_assignments(url, "GROUP", operation)?;
            for role in roles {
                if !held.iter().any(|(kind, _)| kind == role) {
                    changes.push(ConfigurationChange::OktaAssignGroupRole {
                        group: group.clone(),
                        group_id: found.id.clone(),
                        role: role.clone(),
                    });
                }
            }
            for (kind, assignment) in &held {
                if kind == "CUSTOM" {
                    notes.push(format!(
                        "the group `{group}` holds a custom admin role (assignment `{assignment}`), which `group_roles` cannot name: left alone"
                    ));
                } else if !roles.contains(kind) {
                    changes.push(ConfigurationChange::OktaUnassignGroupRole {
                        group: group.clone(),
                        group_id: found.id.clone(),
                        role: kind.clone(),
                        assignment: assignment.clone(),
                    });
                }
            }
        }
        Ok((notes, changes))
    }

    /// Makes one change to a group's admin roles. A removal that finds the assignment
    /// already gone is success.
    pub(super) fn change_group_role(
        &mut self,
        change: &ConfigurationChange,
        operation: &str,
    ) -> Result<(), AdapterError> {
        self.http.needed(1);
        match change {
            ConfigurationChange::OktaAssignGroupRole { group_id, role, .. } => {
                let url = self.url(
                    &["groups", group_id, "roles"],
                    &[("disableNotifications", "true")],
                );
                let call =
                    Call::new(Method::POST, url).json(&json!({ "type": role }), "application/json");
                self.send_ok(operation, call)?;
            }
            ConfigurationChange::OktaUnassignGroupRole {
                group_id,
                assignment,
                ..
            } => {
                let url = self.url(&["groups", group_id, "roles", assignment], &[]);
                let response = self.send(operation, Call::new(Method::DELETE, url))?;
                if !matches!(response.status.as_u16(), 200..=299 | 404) {
                    return Err(self.http.status_error(operation, &response));
                }
            }
            other => {
                return Err(crate::adapters::foreign_change(
                    &self.name, operation, other,
                ));
            }
        }
        Ok(())
    }
}
