//! Changing a group's members, many per PATCH.
//!
//! Changes are PATCHes. The members one apply batch adds to a group go in one PATCH
//! (`PATCH_BATCH` at most), and the members it removes likewise (one `remove` operation
//! each). A remove always carries the value filter (`members[value eq "ID"]`): a bare
//! `members` remove empties the group. Membership is known before each PATCH, so "already
//! a member" and "already gone" change nothing whatever the server would answer: as the
//! plan's listing read it moments before in the same run (the adapter is kept from plan to
//! apply; a run that waits for a confirmation lets go of it, and then reads again), as
//! this run's own PATCHes left it, or else read just before. A 400 `noTarget` on a remove
//! also means "already gone" (several removes that meet one are sent again one by one).
//! When the server advertises ETags, the change carries `If-Match` with the version read
//! (or the one the last PATCH answered with), and a 412 (someone changed the group in
//! between) re-reads and tries once more.

use serde_json::{Value, json};

use super::errors::{each_failed, scim_type};
use super::reads::Members;
use super::{MEDIA_TYPE, ScimTenant};
use crate::adapters::http::{Call, Method, Response};
use crate::adapters::{AdapterError, Direction, Outcome, Principal, quote_filter_value};

const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// Members added to (or removed from) a group in one PATCH.
const PATCH_BATCH: usize = 100;
/// What to do about a group that does not exist.
const CREATE_GROUP_HINT: &str =
    "create the group in the tenant first: onboard manages memberships, not groups";

impl ScimTenant {
    /// Sends a PATCH to a resource, with `If-Match` when a version is known and the
    /// server supports ETags.
    pub(super) fn patch(
        &mut self,
        operation: &str,
        resource: &[&str],
        operations: Value,
        etag: Option<&str>,
    ) -> Result<Response, AdapterError> {
        let body = json!({ "schemas": [PATCH_OP], "Operations": operations });
        let mut call = Call::new(Method::PATCH, self.http.url(resource)).json(&body, MEDIA_TYPE);
        if let (true, Some(etag)) = (self.config(operation)?.etag, etag) {
            call = call.header(reqwest::header::IF_MATCH, etag);
        }
        self.send(operation, call)
    }

    /// Adds members to a group, or removes them, one result per principal in order: the
    /// group's members are read, and those not yet as wanted changed in one PATCH per
    /// `PATCH_BATCH`.
    pub(super) fn change_group(
        &mut self,
        group: &str,
        principals: &[&Principal],
        direction: Direction,
    ) -> Vec<Result<Outcome, AdapterError>> {
        let operations: Vec<String> = principals
            .iter()
            .map(|p| direction.operation(format_args!("group:{group}"), p))
            .collect();
        let Some(first) = operations.first() else {
            return Vec::new();
        };
        let group_id = match self
            .require_patch(first)
            .and_then(|()| self.group_id(group, first))
        {
            Ok(Some(id)) => id,
            Ok(None) => {
                return operations
                    .iter()
                    .map(|operation| {
                        direction.missing_group(
                            &self.name,
                            operation,
                            group,
                            "the tenant",
                            CREATE_GROUP_HINT,
                        )
                    })
                    .collect();
            }
            Err(error) => return each_failed(&operations, &[], &error),
        };
        principals
            .chunks(PATCH_BATCH)
            .zip(operations.chunks(PATCH_BATCH))
            .flat_map(|(principals, operations)| {
                self.patch_members(&group_id, principals, operations, direction)
            })
            .collect()
    }

    /// One PATCH of a group's members (see [`ScimTenant::change_group`]), reading the
    /// members first unless this run knows them; retried once on 412.
    pub(super) fn patch_members(
        &mut self,
        group_id: &str,
        principals: &[&Principal],
        operations: &[String],
        direction: Direction,
    ) -> Vec<Result<Outcome, AdapterError>> {
        let operation = &operations[0];
        // What the last attempt found needed no sending.
        let mut known: Vec<Option<Outcome>> = Vec::new();
        for attempt in 1..=2 {
            // At the fewest: one read unless the run knows the members, and one PATCH
            // when something changes; a second attempt is beyond what the work needs.
            let known_members = match attempt {
                1 => self.known_members.remove(group_id),
                _ => None,
            };
            let members = match known_members {
                Some(members) => members,
                None => {
                    if attempt == 1 {
                        self.http.needed(1);
                    }
                    match self.members(group_id, operation) {
                        Ok(members) => members,
                        Err(error) => return each_failed(operations, &[], &error),
                    }
                }
            };
            // Already as wanted, or named twice in the batch: nothing to send for it.
            let mut sending: Vec<&str> = Vec::new();
            let outcomes: Vec<Option<Outcome>> = principals
                .iter()
                .map(|p| {
                    let held = members.ids.contains(&p.id);
                    if held == direction.is_grant() || sending.contains(&p.id.as_str()) {
                        Some(Outcome::NoChange)
                    } else {
                        sending.push(&p.id);
                        None
                    }
                })
                .collect();
            let done = |outcomes: Vec<Option<Outcome>>| {
                outcomes
                    .into_iter()
                    .map(|o| Ok(o.unwrap_or(Outcome::Changed)))
                    .collect()
            };
            if sending.is_empty() {
                self.known_members.insert(group_id.to_string(), members);
                return done(outcomes);
            }
            if attempt == 1 {
                self.http.needed(1);
            }
            let change = if direction.is_grant() {
                let values: Vec<Value> = sending.iter().map(|id| json!({ "value": id })).collect();
                json!([{ "op": "add", "path": "members", "value": values }])
            } else {
                Value::Array(
                    sending
                        .iter()
                        .map(|id| json!({ "op": "remove", "path": format!("members[value eq {}]", quote_filter_value(id)) }))
                        .collect(),
                )
            };
            let response = match self.patch(
                operation,
                &["Groups", group_id],
                change,
                members.etag.as_deref(),
            ) {
                Ok(response) => response,
                Err(error) => return each_failed(operations, &outcomes, &error),
            };
            match response.status.as_u16() {
                200..=299 => {
                    self.remember_change(group_id, members, &sending, direction, &response);
                    return done(outcomes);
                }
                412 if attempt == 1 => {
                    known = outcomes;
                    continue;
                }
                412 => known = outcomes,
                400 if !direction.is_grant()
                    && scim_type(&response).as_deref() == Some("noTarget") =>
                {
                    if sending.len() == 1 {
                        return outcomes
                            .into_iter()
                            .map(|o| Ok(o.unwrap_or(Outcome::NoChange)))
                            .collect();
                    }
                    // One of them left meanwhile: remove them one by one.
                    return principals
                        .iter()
                        .zip(operations)
                        .zip(outcomes)
                        .flat_map(|((principal, operation), outcome)| match outcome {
                            Some(outcome) => vec![Ok(outcome)],
                            None => self.patch_members(
                                group_id,
                                &[*principal],
                                std::slice::from_ref(operation),
                                direction,
                            ),
                        })
                        .collect();
                }
                _ => {
                    let error = self.http.status_error(operation, &response);
                    return each_failed(operations, &outcomes, &error);
                }
            }
        }
        each_failed(
            operations,
            &known,
            &self.kept_changing(operation, "the group"),
        )
    }

    /// Keeps a group's members as a PATCH that succeeded left them, with the version it
    /// answered with; when the server versions groups and gave none, the next change
    /// reads the group again rather than send without `If-Match`.
    fn remember_change(
        &mut self,
        group_id: &str,
        mut members: Members,
        sent: &[&str],
        direction: Direction,
        response: &Response,
    ) {
        if direction.is_grant() {
            members.ids.extend(sent.iter().map(|id| id.to_string()));
        } else {
            members.ids.retain(|id| !sent.contains(&id.as_str()));
        }
        members.etag = response.header("etag").map(str::to_string);
        if members.etag.is_some() || !self.config.is_some_and(|c| c.etag) {
            self.known_members.insert(group_id.to_string(), members);
        }
    }
}
