//! Directory roles at tenant scope: built-in role names, reading a role's active
//! assignments, and granting or revoking one as a plain role assignment or, with PIM, a
//! role assignment schedule request.

use super::*;
use crate::adapters::Direction;

/// Built-in Entra directory roles by display name, with their role definition ids,
/// which are the roles' template ids and the same in every tenant.
pub const BUILT_IN_ROLES: &[(&str, &str)] = &[
    (
        "Application Administrator",
        "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
    ),
    (
        "Authentication Administrator",
        "c4e39bd9-1100-46d3-8c65-fb160da0071f",
    ),
    (
        "Billing Administrator",
        "b0f54661-2d74-4c50-afa3-1ec803f12efe",
    ),
    (
        "Cloud Application Administrator",
        "158c047a-c907-4556-b7ef-446551a6b5f7",
    ),
    (
        "Cloud Device Administrator",
        "7698a772-787b-4ac8-901f-60d6b08affd2",
    ),
    (
        "Compliance Administrator",
        "17315797-102d-40b4-93e0-432062caca18",
    ),
    (
        "Conditional Access Administrator",
        "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9",
    ),
    ("Directory Readers", "88d8e3e3-8f55-4a1e-953a-9b9898b8876b"),
    (
        "Exchange Administrator",
        "29232cdf-9323-42fd-ade2-1d097af3e4de",
    ),
    (
        "Global Administrator",
        "62e90394-69f5-4237-9190-012177145e10",
    ),
    ("Global Reader", "f2ef992c-3afb-46b9-b7cf-a126ee74c451"),
    (
        "Groups Administrator",
        "fdd7a751-b60b-444a-984c-02652fe8fa1c",
    ),
    (
        "Helpdesk Administrator",
        "729827e3-9c14-49f7-bb1b-9608f156bbb8",
    ),
    (
        "Intune Administrator",
        "3a2c62db-5318-420d-8d74-23affee5d9d5",
    ),
    (
        "License Administrator",
        "4d6ac14f-3453-41d0-bef9-a3e0c569773a",
    ),
    (
        "Password Administrator",
        "966707d0-3269-4727-9be2-8c3a10f19b9d",
    ),
    (
        "Privileged Authentication Administrator",
        "7be44c8a-adaf-4e2a-84d6-ab2649e08a13",
    ),
    (
        "Privileged Role Administrator",
        "e8611ab8-c189-46e8-94e1-60213ab1f814",
    ),
    ("Reports Reader", "4a5d8f65-41da-4de4-8968-e035b65339cf"),
    (
        "Security Administrator",
        "194ae4cb-b126-40b2-bd5b-6091b380977d",
    ),
    ("Security Operator", "5f2222b1-57c3-48ba-8ad5-d4759f1fde6f"),
    ("Security Reader", "5d6b6bb7-de71-4623-b4af-96380a352509"),
    (
        "Service Support Administrator",
        "f023fd81-a637-4b56-95fd-791ac0226033",
    ),
    (
        "SharePoint Administrator",
        "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",
    ),
    (
        "Teams Administrator",
        "69091246-20e8-4a56-aa4d-066075b2a7a8",
    ),
    ("User Administrator", "fe930be7-5e62-47db-91af-98c3a49a38b1"),
];

/// Returns the role definition id of a `role:` name: a built-in role's display name
/// (case-insensitive) or an id.
pub fn role_definition_id(name: &str) -> Option<String> {
    if is_guid(name) {
        return Some(name.to_ascii_lowercase());
    }
    BUILT_IN_ROLES
        .iter()
        .find(|(role, _)| role.eq_ignore_ascii_case(name))
        .map(|(_, id)| (*id).to_string())
}

/// An active role assignment as read back.
#[derive(Debug, Clone)]
pub(super) struct Assignment {
    id: Option<String>,
    pub(super) principal_id: String,
    pub(super) ends_at: Option<OffsetDateTime>,
}

impl GraphTenant {
    pub(super) fn role_id(&self, name: &str, operation: &str) -> Result<String, AdapterError> {
        role_definition_id(name).ok_or_else(|| {
            self.error(
                operation,
                FailureKind::Unsupported,
                format!("`{name}` is not a built-in Entra role onboard knows"),
            )
            .with_hint("write the role definition id instead (`role:GUID`), as the Entra admin center shows it under Roles and administrators")
        })
    }

    /// Reads the active assignments of a role at tenant scope, optionally of one
    /// principal: PIM schedule instances (with their ends) or plain role assignments.
    pub(super) fn assignments(
        &mut self,
        role_id: &str,
        principal_id: Option<&str>,
        operation: &str,
    ) -> Result<Vec<Assignment>, AdapterError> {
        let mut filter = format!("roleDefinitionId eq {}", quote(role_id));
        if let Some(principal) = principal_id {
            filter.push_str(&format!(" and principalId eq {}", quote(principal)));
        }
        let collection = if self.pim {
            "roleAssignmentScheduleInstances"
        } else {
            "roleAssignments"
        };
        let url = self.url(
            &["roleManagement", "directory", collection],
            &[("$filter", &filter)],
        );
        let items = self.collect(operation, url)?;
        let mut assignments = Vec::new();
        for item in items {
            let scope = item
                .get("directoryScopeId")
                .and_then(Value::as_str)
                .unwrap_or("/");
            let same_role = item
                .get("roleDefinitionId")
                .and_then(Value::as_str)
                .is_none_or(|r| r.eq_ignore_ascii_case(role_id));
            let Some(principal) = item.get("principalId").and_then(Value::as_str) else {
                continue;
            };
            if scope != "/" || !same_role {
                continue;
            }
            let ends_at = self.end_date_time(&item, "the assignment", operation)?;
            assignments.push(Assignment {
                id: item.get("id").and_then(Value::as_str).map(str::to_string),
                principal_id: principal.to_string(),
                ends_at,
            });
        }
        Ok(assignments)
    }

    /// Sends a PIM role assignment schedule request.
    fn schedule_request(
        &mut self,
        operation: &str,
        action: &str,
        principal: &Principal,
        role_id: &str,
        expires_at: Option<OffsetDateTime>,
    ) -> Result<Response, AdapterError> {
        let target = json!({
            "principalId": principal.id,
            "roleDefinitionId": role_id,
            "directoryScopeId": "/",
        });
        self.pim_request(
            operation,
            &[
                "roleManagement",
                "directory",
                "roleAssignmentScheduleRequests",
            ],
            target,
            action,
            expires_at,
        )
    }

    pub(super) fn grant_role(
        &mut self,
        principal: &Principal,
        role: &str,
        expires_at: Option<OffsetDateTime>,
    ) -> Result<Outcome, AdapterError> {
        let operation = Direction::Grant.operation(format_args!("role:{role}"), principal);
        let role_id = self.role_id(role, &operation)?;
        let held = self.held(&role_id, principal, &operation)?;
        let outcome = self.send_grant(&operation, principal, &role_id, &held, expires_at);
        self.remember_role(&role_id, principal, &outcome, Some(expires_at));
        outcome.map(|(outcome, _)| outcome)
    }

    /// The principal's active assignments of a role: from this run's listing of the
    /// role when there is one, else read.
    fn held(
        &mut self,
        role_id: &str,
        principal: &Principal,
        operation: &str,
    ) -> Result<Vec<Assignment>, AdapterError> {
        match self.known_roles.get(role_id) {
            Some(known) => Ok(known
                .iter()
                .filter(|a| a.principal_id == principal.id)
                .cloned()
                .collect()),
            None => {
                self.http.needed(1);
                self.assignments(role_id, Some(&principal.id), operation)
            }
        }
    }

    /// Keeps the run's listing of a role true after a change for `principal`: with the
    /// end a grant sent (`granted`), without the principal after a revoke; forgotten
    /// after a failure, or a plain assignment whose id the answer did not give.
    fn remember_role(
        &mut self,
        role_id: &str,
        principal: &Principal,
        outcome: &Result<(Outcome, Option<String>), AdapterError>,
        granted: Option<Option<OffsetDateTime>>,
    ) {
        let Some(known) = self.known_roles.get_mut(role_id) else {
            return;
        };
        match (outcome, granted) {
            (Ok((Outcome::NoChange, _)), _) => {}
            (Ok((Outcome::Changed, id)), Some(ends_at)) if self.pim || id.is_some() => {
                known.retain(|a| a.principal_id != principal.id);
                known.push(Assignment {
                    id: id.clone(),
                    principal_id: principal.id.clone(),
                    ends_at,
                });
            }
            (Ok((Outcome::Changed, _)), None) => known.retain(|a| a.principal_id != principal.id),
            _ => {
                self.known_roles.remove(role_id);
            }
        }
    }

    /// Sends what a grant of a role needs given the principal's assignments `held`:
    /// the outcome, and a plain assignment's id.
    fn send_grant(
        &mut self,
        operation: &str,
        principal: &Principal,
        role_id: &str,
        held: &[Assignment],
        expires_at: Option<OffsetDateTime>,
    ) -> Result<(Outcome, Option<String>), AdapterError> {
        if !self.pim {
            if !held.is_empty() {
                return Ok((Outcome::NoChange, None));
            }
            let body = json!({
                "roleDefinitionId": role_id,
                "principalId": principal.id,
                "directoryScopeId": "/",
            });
            let call = Call::new(
                Method::POST,
                self.url(&["roleManagement", "directory", "roleAssignments"], &[]),
            )
            .json(&body, "application/json");
            self.http.needed(1);
            let response = self.send_ok(operation, &call)?;
            let id = serde_json::from_slice::<Value>(&response.body)
                .ok()
                .and_then(|v| Some(v.get("id")?.as_str()?.to_string()));
            return Ok((Outcome::Changed, id));
        }
        let action = match held.first() {
            // Within a minute of what is asked: PIM rounds, and nothing needs sending.
            Some(current)
                if match (current.ends_at, expires_at) {
                    (None, None) => true,
                    (Some(a), Some(b)) => (a - b).abs() < time::Duration::minutes(1),
                    _ => false,
                } =>
            {
                return Ok((Outcome::NoChange, None));
            }
            // Renewal: a later end extends the assignment; anything else updates it.
            Some(current) if matches!((current.ends_at, expires_at), (Some(a), Some(b)) if b > a) => {
                "adminExtend"
            }
            Some(_) => "adminUpdate",
            None => "adminAssign",
        };
        let response = self.schedule_request(operation, action, principal, role_id, expires_at)?;
        if response.is_success() {
            return Ok((Outcome::Changed, None));
        }
        match error_code(&response.body) {
            Some((code, _)) if code == "RoleAssignmentExists" => Ok((Outcome::NoChange, None)),
            _ => Err(self.http.status_error(operation, &response)),
        }
    }

    pub(super) fn revoke_role(
        &mut self,
        principal: &Principal,
        role: &str,
    ) -> Result<Outcome, AdapterError> {
        let operation = Direction::Revoke.operation(format_args!("role:{role}"), principal);
        let role_id = self.role_id(role, &operation)?;
        let held = self.held(&role_id, principal, &operation)?;
        let outcome = self
            .send_revoke(&operation, principal, &role_id, held)
            .map(|outcome| (outcome, None));
        self.remember_role(&role_id, principal, &outcome, None);
        outcome.map(|(outcome, _)| outcome)
    }

    /// Sends what a revoke of a role needs given the principal's assignments `held`.
    fn send_revoke(
        &mut self,
        operation: &str,
        principal: &Principal,
        role_id: &str,
        held: Vec<Assignment>,
    ) -> Result<Outcome, AdapterError> {
        if held.is_empty() {
            return Ok(Outcome::NoChange);
        }
        if self.pim {
            let response =
                self.schedule_request(operation, "adminRemove", principal, role_id, None)?;
            if response.is_success() {
                return Ok(Outcome::Changed);
            }
            return match error_code(&response.body) {
                Some((code, _)) if code == "RoleAssignmentDoesNotExist" => Ok(Outcome::NoChange),
                _ => Err(self.http.status_error(operation, &response)),
            };
        }
        let mut outcome = Outcome::NoChange;
        for assignment in held {
            let Some(id) = assignment.id else { continue };
            let call = Call::new(
                Method::DELETE,
                self.url(
                    &["roleManagement", "directory", "roleAssignments", &id],
                    &[],
                ),
            );
            self.http.needed(1);
            let response = self.send(operation, &call)?;
            match response.status.as_u16() {
                200..=299 => outcome = Outcome::Changed,
                404 => {}
                _ => return Err(self.http.status_error(operation, &response)),
            }
        }
        Ok(outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_known_by_name_or_id() {
        assert_eq!(
            role_definition_id("global reader").as_deref(),
            Some("f2ef992c-3afb-46b9-b7cf-a126ee74c451")
        );
        assert_eq!(
            role_definition_id("F2EF992C-3AFB-46B9-B7CF-A126EE74C451").as_deref(),
            Some("f2ef992c-3afb-46b9-b7cf-a126ee74c451")
        );
        assert_eq!(role_definition_id("Chief Wizard"), None);
        assert!(BUILT_IN_ROLES.iter().all(|(_, id)| is_guid(id)));
    }
}
