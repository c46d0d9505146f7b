//! The partner side of GDAP: the delegated admin relationship and its access assignments.

use super::*;

/// A relationship ending within this many days is warned about.
const GDAP_WARN_DAYS: i64 = 30;

/// A delegated admin relationship as read back.
struct Relationship {
    status: String,
    ends_at: Option<OffsetDateTime>,
    auto_extend: String,
    roles: Vec<String>,
}

/// A relationship's access assignment as read back.
struct AccessAssignment {
    id: String,
    etag: Option<String>,
    group_id: String,
    status: String,
    roles: Vec<String>,
}

/// Returns the role definition ids of a `unifiedRoles` array, lowercase and sorted.
fn unified_roles(details: Option<&Value>) -> Vec<String> {
    let mut roles: Vec<String> = details
        .and_then(|d| d.get("unifiedRoles"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|r| r.get("roleDefinitionId").and_then(Value::as_str))
        .map(str::to_ascii_lowercase)
        .collect();
    roles.sort();
    roles.dedup();
    roles
}

impl GraphTenant {
    /// Reads the `gdap` tenant's relationship and checks that its customer is the
    /// client's tenant.
    fn relationship(&mut self, gdap: &Gdap, operation: &str) -> Result<Relationship, AdapterError> {
        let url = self.url(
            &["tenantRelationships", "delegatedAdminRelationships"],
            &[("$filter", &format!("id eq {}", quote(&gdap.relationship)))],
        );
        let items = self.collect(operation, url)?;
        self.http.needed_pages(items.len(), PAGE);
        let Some(item) = items
            .iter()
            .find(|r| r.get("id").and_then(Value::as_str) == Some(gdap.relationship.as_str()))
        else {
            return Err(self
                .error(
                    operation,
                    FailureKind::NotFound,
                    format!(
                        "the partner tenant has no delegated admin relationship `{}`",
                        gdap.relationship
                    ),
                )
                .with_hint(
                    "check `gdap.relationship`: the relationship's id as Partner Center shows it",
                ));
        };
        let customer = item
            .pointer("/customer/tenantId")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !customer.eq_ignore_ascii_case(&gdap.customer_tenant_id) {
            return Err(self
                .error(
                    operation,
                    FailureKind::WrongTenant,
                    format!(
                        "the relationship `{}` is with tenant `{customer}`, not `{}` from the client file",
                        gdap.relationship, gdap.customer_tenant_id
                    ),
                )
                .with_hint("check `gdap.relationship` and `gdap.customer_tenant_id`: the relationship may belong to another client"));
        }
        let ends_at = self.end_date_time(item, "the relationship", operation)?;
        let text = |key: &str| {
            item.get(key)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        Ok(Relationship {
            status: text("status"),
            ends_at,
            auto_extend: text("autoExtendDuration"),
            roles: unified_roles(item.get("accessDetails")),
        })
    }

    /// Reads a relationship's access assignments.
    fn access_assignments(
        &mut self,
        relationship: &str,
        operation: &str,
    ) -> Result<Vec<AccessAssignment>, AdapterError> {
        let url = self.url(
            &[
                "tenantRelationships",
                "delegatedAdminRelationships",
                relationship,
                "accessAssignments",
            ],
            &[],
        );
        let items = self.collect(operation, url)?;
        self.http.needed_pages(items.len(), PAGE);
        Ok(items
            .iter()
            .filter_map(|item| {
                Some(AccessAssignment {
                    id: item.get("id")?.as_str()?.to_string(),
                    etag: item
                        .get("@odata.etag")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    group_id: item
                        .pointer("/accessContainer/accessContainerId")?
                        .as_str()?
                        .to_ascii_lowercase(),
                    status: item
                        .get("status")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string(),
                    roles: unified_roles(item.get("accessDetails")),
                })
            })
            .collect())
    }

    /// Works out what the `gdap` tenant's relationship needs: notes for the plan
    /// (status, an end within 30 days, undeclared assignments) and the access-assignment
    /// changes `apply` makes. Refuses a relationship that includes Global Administrator
    /// while the client file wants it to auto-extend, and roles the relationship lacks.
    pub(super) fn access_changes(
        &mut self,
        now: OffsetDateTime,
        operation: &str,
    ) -> Result<(Vec<String>, Vec<ConfigurationChange>), AdapterError> {
        let Some(gdap) = self.gdap.clone() else {
            return Ok((Vec::new(), Vec::new()));
        };
        let relationship = self.relationship(&gdap, operation)?;
        let name = &gdap.relationship;
        let extends = relationship.auto_extend.starts_with('P')
            && !matches!(relationship.auto_extend.as_str(), "P0D" | "PT0S");
        let has_global_admin = relationship
            .roles
            .iter()
            .any(|r| is_global_administrator(r));
        if gdap.auto_extend && has_global_admin {
            return Err(self
                .error(
                    operation,
                    FailureKind::Rejected,
                    format!("the relationship `{name}` includes Global Administrator, so it cannot auto-extend, but the client file sets `auto_extend: true`"),
                )
                .with_hint("set `auto_extend: false` and renew the relationship before it ends, or move to a relationship without Global Administrator"));
        }
        let mut notes = Vec::new();
        if relationship.status != "active" {
            notes.push(format!(
                "the GDAP relationship `{name}` is `{}`, not `active`: technicians get no access through it",
                relationship.status
            ));
        }
        if gdap.auto_extend && !extends {
            notes.push(format!(
                "the GDAP relationship `{name}` does not auto-extend (`autoExtendDuration` `{}`), though the client file sets `auto_extend: true`",
                relationship.auto_extend
            ));
        }
        if let Some(end) = relationship.ends_at
            && !extends
        {
            let left = end - now;
            if left <= time::Duration::ZERO {
                notes.push(format!(
                    "the GDAP relationship `{name}` ended on {}: create a new one for the client",
                    crate::model::time::format_short(end)
                ));
            } else if left <= time::Duration::days(GDAP_WARN_DAYS) {
                notes.push(format!(
                    "the GDAP relationship `{name}` ends on {} (in {} day(s)) and does not auto-extend: renew it, or technicians lose access to the client",
                    crate::model::time::format_short(end),
                    left.whole_days()
                ));
            }
        }
        let assignments = self.access_assignments(name, operation)?;
        let live = |a: &&AccessAssignment| !matches!(a.status.as_str(), "deleting" | "deleted");
        let mut changes = Vec::new();
        let mut declared_ids = Vec::new();
        for (group, roles) in &gdap.access {
            let Some(group_id) = self
                .mapped_groups
                .get(group)
                .map(|id| id.to_ascii_lowercase())
            else {
                return Err(self.error(
                    operation,
                    FailureKind::Malformed,
                    format!("the partner group `{group}` has no object id in `groups:`"),
                ));
            };
            let mut ids = Vec::new();
            for role in roles {
                let id = self.role_id(role, operation)?;
                if !relationship.roles.contains(&id) {
                    return Err(self
                        .error(
                            operation,
                            FailureKind::Rejected,
                            format!("`{role}` is not among the roles the client approved in the GDAP relationship `{name}`: an access assignment can only give those"),
                        )
                        .with_hint(format!("remove `{role}` from `gdap.access.{group}`, or ask the client to approve a new relationship that includes it")));
                }
                ids.push(id);
            }
            ids.sort();
            ids.dedup();
            declared_ids.push(group_id.clone());
            match assignments
                .iter()
                .filter(live)
                .find(|a| a.group_id == group_id)
            {
                None => changes.push(ConfigurationChange::GdapCreateAccess {
                    group: group.clone(),
                    group_id,
                    roles: ids,
                }),
                Some(current) if current.roles != ids => {
                    changes.push(ConfigurationChange::GdapReplaceAccess {
                        group: group.clone(),
                        group_id,
                        roles: ids,
                        assignment: current.id.clone(),
                        etag: current.etag.clone(),
                        current_roles: current.roles.clone(),
                    })
                }
                Some(_) => {}
            }
        }
        for other in assignments
            .iter()
            .filter(live)
            .filter(|a| !declared_ids.contains(&a.group_id))
        {
            notes.push(format!(
                "the GDAP relationship `{name}` has an access assignment (`{}`) for partner group `{}` that the client file does not declare: left alone",
                other.id, other.group_id
            ));
        }
        Ok((notes, changes))
    }

    /// Adds the relationship's live access assignments to `discovery` as `gdap.access`
    /// entries, for the partner groups it knows the names of (mapped or discovered);
    /// others are noted. Roles are written by display name where they are built-in.
    pub(super) fn discover_access(
        &mut self,
        discovery: &mut Discovery,
    ) -> Result<(), AdapterError> {
        let operation = "read the GDAP relationship";
        let Some(gdap) = self.gdap.clone() else {
            return Ok(());
        };
        let relationship = self.relationship(&gdap, operation)?;
        if relationship.status != "active" {
            discovery.notes.push(format!(
                "the GDAP relationship `{}` is `{}`, not `active`",
                gdap.relationship, relationship.status
            ));
        }
        let names: Vec<(String, String)> = self
            .mapped_groups
            .iter()
            .chain(&discovery.groups)
            .map(|(name, id)| (id.to_ascii_lowercase(), name.clone()))
            .collect();
        for assignment in self.access_assignments(&gdap.relationship, operation)? {
            if matches!(assignment.status.as_str(), "deleting" | "deleted") {
                continue;
            }
            let Some((_, group)) = names.iter().find(|(id, _)| *id == assignment.group_id) else {
                discovery.notes.push(format!(
                    "the GDAP relationship `{}` has an access assignment for partner group `{}`, which no bundle names: not imported (the plan notes it and leaves it alone)",
                    gdap.relationship, assignment.group_id
                ));
                continue;
            };
            let roles = assignment
                .roles
                .iter()
                .map(|id| {
                    super::BUILT_IN_ROLES
                        .iter()
                        .find(|(_, known)| known.eq_ignore_ascii_case(id))
                        .map_or_else(|| id.clone(), |(name, _)| (*name).to_string())
                })
                .collect();
            discovery.gdap_access.insert(group.clone(), roles);
        }
        Ok(())
    }

    /// Creates an access assignment of role ids to a partner group.
    pub(super) fn create_access(
        &mut self,
        operation: &str,
        group_id: &str,
        roles: &[String],
    ) -> Result<(), AdapterError> {
        let relationship = self.gdap_relationship();
        let body = json!({
            "accessContainer": {
                "accessContainerId": group_id,
                "accessContainerType": "securityGroup",
            },
            "accessDetails": {
                "unifiedRoles": roles.iter().map(|r| json!({ "roleDefinitionId": r })).collect::<Vec<_>>(),
            },
        });
        let call = Call::new(
            Method::POST,
            self.url(
                &[
                    "tenantRelationships",
                    "delegatedAdminRelationships",
                    &relationship,
                    "accessAssignments",
                ],
                &[],
            ),
        )
        .json(&body, "application/json");
        self.http.needed(1);
        self.send_ok(operation, &call).map(|_| ())
    }

    /// Deletes an access assignment, with the `If-Match` its etag gives (read from the
    /// assignment itself when the listing had none). Already gone is success.
    pub(super) fn delete_access(
        &mut self,
        operation: &str,
        id: &str,
        etag: Option<String>,
    ) -> Result<(), AdapterError> {
        let relationship = self.gdap_relationship();
        let url = self.url(
            &[
                "tenantRelationships",
                "delegatedAdminRelationships",
                &relationship,
                "accessAssignments",
                id,
            ],
            &[],
        );
        let etag = match etag {
            Some(etag) => etag,
            None => {
                self.http.needed(1);
                let response = self.send_ok(operation, &Call::get(url.clone()))?;
                let body: Value = self.http.json(operation, &response)?;
                body.get("@odata.etag")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .or_else(|| response.header("etag").map(str::to_string))
                    .ok_or_else(|| {
                        self.error(
                            operation,
                            FailureKind::Malformed,
                            format!("the access assignment `{id}` carries no etag, which its deletion needs"),
                        )
                    })?
            }
        };
        let call = Call::new(Method::DELETE, url).header(reqwest::header::IF_MATCH, etag);
        self.http.needed(1);
        let response = self.send(operation, &call)?;
        match response.status.as_u16() {
            200..=299 | 404 => Ok(()),
            _ => Err(self.http.status_error(operation, &response)),
        }
    }

    pub(super) fn gdap_relationship(&self) -> String {
        self.gdap
            .as_ref()
            .map(|g| g.relationship.clone())
            .unwrap_or_default()
    }
}
