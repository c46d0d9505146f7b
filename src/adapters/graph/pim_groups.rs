//! PIM for Groups: time-bound group membership that the tenant ends by itself.

use std::collections::HashSet;

use super::*;
use crate::adapters::Direction;

/// A group as this run listed it with PIM for Groups on, kept up to date as onboard
/// changes it.
#[derive(Debug, Clone, Default)]
pub(super) struct KnownGroup {
    /// Its PIM member assignments: principal id → end.
    pub(super) ends: HashMap<String, Option<OffsetDateTime>>,
    /// Its members' ids.
    pub(super) members: HashSet<String>,
}

impl GraphTenant {
    /// Keeps the run's listing of a PIM for Groups group true after a change for
    /// `principal`: `ended` is the PIM end a grant sent (`Some`), or `None` for a plain
    /// change; forgotten after a failure.
    pub(super) fn remember_pim_group(
        &mut self,
        group_id: &str,
        principal: &Principal,
        direction: Direction,
        outcome: &Result<Outcome, AdapterError>,
        ended: Option<OffsetDateTime>,
    ) {
        let Some(known) = self.known_pim_groups.get_mut(group_id) else {
            return;
        };
        match outcome {
            Ok(Outcome::NoChange) => {}
            Ok(Outcome::Changed) if direction.is_grant() => {
                if ended.is_some() {
                    known.ends.insert(principal.id.clone(), ended);
                }
                known.members.insert(principal.id.clone());
            }
            Ok(Outcome::Changed) => {
                known.ends.remove(&principal.id);
                known.members.remove(&principal.id);
            }
            Err(_) => {
                self.known_pim_groups.remove(group_id);
            }
        }
    }

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

    /// What a schedule request's answer did: a success changed the tenant; the error
    /// `benign` (the assignment is already there, or already gone) changed nothing; any
    /// other answer is an error.
    fn scheduled(
        &self,
        operation: &str,
        response: &Response,
        benign: &str,
    ) -> Result<Outcome, AdapterError> {
        if response.is_success() {
            return Ok(Outcome::Changed);
        }
        match error_code(&response.body) {
            Some((code, _)) if code == benign => Ok(Outcome::NoChange),
            _ => Err(self.http.status_error(operation, response)),
        }
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
        let known = self.known_pim_groups.get(&group_id).map(|known| {
            (
                known
                    .ends
                    .get(&principal.id)
                    .map(|end| (principal.id.clone(), *end)),
                known.members.contains(&principal.id),
            )
        });
        let current = match &known {
            Some((current, _)) => current.clone(),
            None => {
                self.http.needed(1);
                self.group_instances(&group_id, Some(&principal.id), &operation)?
                    .into_iter()
                    .next()
            }
        };
        let action = match current {
            Some((_, Some(held))) if (held - end).abs() < time::Duration::minutes(1) => {
                return Ok(Outcome::NoChange);
            }
            Some((_, Some(held))) if end > held => "adminExtend",
            Some(_) => "adminUpdate",
            None => {
                let standing = match known {
                    Some((_, member)) => member,
                    None => {
                        self.http.needed(1);
                        self.member_ids(&group_id, &operation)?
                            .is_some_and(|ids| ids.contains(&principal.id))
                    }
                };
                if standing {
                    return Ok(Outcome::NoChange);
                }
                "adminAssign"
            }
        };
        let outcome = self
            .group_schedule_request(&operation, action, principal, &group_id, Some(end))
            .and_then(|response| self.scheduled(&operation, &response, "RoleAssignmentExists"));
        self.remember_pim_group(&group_id, principal, Direction::Grant, &outcome, Some(end));
        outcome
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
        let through_pim = match self.known_pim_groups.get(&group_id) {
            Some(known) => known.ends.contains_key(&principal.id),
            None => {
                self.http.needed(1);
                !self
                    .group_instances(&group_id, Some(&principal.id), &operation)?
                    .is_empty()
            }
        };
        if !through_pim {
            return self.change_group(principal, group, Direction::Revoke);
        }
        let outcome = self
            .group_schedule_request(&operation, "adminRemove", principal, &group_id, None)
            .and_then(|response| {
                self.scheduled(&operation, &response, "RoleAssignmentDoesNotExist")
            });
        self.remember_pim_group(&group_id, principal, Direction::Revoke, &outcome, None);
        outcome
    }
}
