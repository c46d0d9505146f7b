//! PIM for Groups: time-bound group membership that the tenant ends by itself.

use super::*;
use crate::adapters::Direction;

impl GraphTenant {
    /// Reads the active PIM for Groups member assignments of a group (optionally of
    /// one principal): principal id → end.
    pub(super) fn group_instances(
        &mut self,
        group_id: &str,
        principal_id: Option<&str>,
        operation: &str,
    ) -> Result<Vec<(String, Option<OffsetDateTime>)>, AdapterError> {
        let mut filter = format!("groupId eq {}", quote(group_id));
        if let Some(principal) = principal_id {
            filter.push_str(&format!(" and principalId eq {}", quote(principal)));
        }
        let url = self.url(
            &[
                "identityGovernance",
                "privilegedAccess",
                "group",
                "assignmentScheduleInstances",
            ],
            &[("$filter", &filter)],
        );
        let mut instances = Vec::new();
        for item in self.collect(operation, url)? {
            if item.get("accessId").and_then(Value::as_str) != Some("member") {
                continue;
            }
            let Some(principal) = item.get("principalId").and_then(Value::as_str) else {
                continue;
            };
            let ends_at = self.end_date_time(&item, "the assignment", operation)?;
            instances.push((principal.to_string(), ends_at));
        }
        Ok(instances)
    }

    /// Sends a PIM for Groups assignment schedule request for group membership.
    pub(super) fn group_schedule_request(
        &mut self,
        operation: &str,
        action: &str,
        principal: &Principal,
        group_id: &str,
        expires_at: Option<OffsetDateTime>,
    ) -> Result<Response, AdapterError> {
        let target = json!({
            "accessId": "member",
            "principalId": principal.id,
            "groupId": group_id,
        });
        self.pim_request(
            operation,
            &[
                "identityGovernance",
                "privilegedAccess",
                "group",
                "assignmentScheduleRequests",
            ],
            target,
            action,
            expires_at,
        )
    }

    /// Grants time-bound group membership through PIM for Groups, so that the tenant
    /// ends it by itself. A standing member already holds more: nothing is sent.
    pub(super) fn grant_group_pim(
        &mut self,
        principal: &Principal,
        group: &str,
        end: OffsetDateTime,
    ) -> Result<Outcome, AdapterError> {
        let operation = Direction::Grant.operation(format_args!("group:{group}"), principal);
        let Some(group_id) = self.group_id(group, &operation)? else {
            return Err(self
                .error(
                    &operation,
                    FailureKind::NotFound,
                    format!("the group `{group}` does not exist in the tenant"),
                )
                .with_hint("create the group in the tenant first (onboard manages memberships, not groups), or map its name in the tenant's `groups:`"));
        };
        let current = self
            .group_instances(&group_id, Some(&principal.id), &operation)?
            .into_iter()
            .next();
        let action = match current {
            Some((_, Some(held))) if (held - end).abs() < time::Duration::minutes(1) => {
                return Ok(Outcome::NoChange);
            }
            Some((_, Some(held))) if end > held => "adminExtend",
            Some(_) => "adminUpdate",
            None => {
                let standing = self
                    .member_ids(&group_id, &operation)?
                    .is_some_and(|ids| ids.contains(&principal.id));
                if standing {
                    return Ok(Outcome::NoChange);
                }
                "adminAssign"
            }
        };
        let response =
            self.group_schedule_request(&operation, action, principal, &group_id, Some(end))?;
        if response.is_success() {
            return Ok(Outcome::Changed);
        }
        match error_code(&response.body) {
            Some((code, _)) if code == "RoleAssignmentExists" => Ok(Outcome::NoChange),
            _ => Err(self.http.status_error(&operation, &response)),
        }
    }

    /// Revokes group membership held through PIM for Groups (`adminRemove`), or a
    /// standing membership as usual.
    pub(super) fn revoke_group_pim(
        &mut self,
        principal: &Principal,
        group: &str,
    ) -> Result<Outcome, AdapterError> {
        let operation = Direction::Revoke.operation(format_args!("group:{group}"), principal);
        let Some(group_id) = self.group_id(group, &operation)? else {
            return Ok(Outcome::NoChange);
        };
        if self
            .group_instances(&group_id, Some(&principal.id), &operation)?
            .is_empty()
        {
            return self.change_group(principal, group, Direction::Revoke);
        }
        let response =
            self.group_schedule_request(&operation, "adminRemove", principal, &group_id, None)?;
        if response.is_success() {
            return Ok(Outcome::Changed);
        }
        match error_code(&response.body) {
            Some((code, _)) if code == "RoleAssignmentDoesNotExist" => Ok(Outcome::NoChange),
            _ => Err(self.http.status_error(&operation, &response)),
        }
    }
}
