//! Group membership: a group's object id by mapping, id or display name, its member ids,
//! and adding or removing one member.

use super::*;
use crate::adapters::Direction;

impl GraphTenant {
    /// Returns a group's object id: mapped, an id itself, or looked up by display name;
    /// `None` when no group has that name.
    pub(super) fn group_id(
        &mut self,
        name: &str,
        operation: &str,
    ) -> Result<Option<String>, AdapterError> {
        if let Some(id) = self.mapped_groups.get(name) {
            return Ok(Some(id.clone()));
        }
        if is_guid(name) {
            return Ok(Some(name.to_string()));
        }
        if let Some(id) = self.groups.get(name) {
            return Ok(id.clone());
        }
        let url = self.url(
            &["groups"],
            &[
                ("$filter", &format!("displayName eq {}", quote(name))),
                ("$select", "id,displayName"),
            ],
        );
        let found = self.collect(operation, url)?;
        self.http.needed_pages(found.len(), PAGE);
        let ids: Vec<String> = found
            .iter()
            .filter(|g| g.get("displayName").and_then(Value::as_str) == Some(name))
            .filter_map(|g| g.get("id").and_then(Value::as_str).map(str::to_string))
            .collect();
        let hint = format!(
            "map the name to the right object id in the tenant's `groups:` (`{name}: OBJECT-ID`)"
        );
        let id = crate::adapters::one_group(&self.name, operation, name, &ids, Some(hint))?;
        self.groups.insert(name.to_string(), id.clone());
        Ok(id)
    }

    /// Returns the member ids of a group, or `None` when the group does not exist.
    pub(super) fn member_ids(
        &mut self,
        group_id: &str,
        operation: &str,
    ) -> Result<Option<Vec<String>>, AdapterError> {
        let url = self.url(
            &["groups", group_id, "members"],
            &[("$select", "id"), ("$top", PAGE_SIZE)],
        );
        match self.collect(operation, url) {
            Ok(members) => Ok(Some(
                members
                    .iter()
                    .filter_map(|m| m.get("id").and_then(Value::as_str).map(str::to_string))
                    .collect(),
            )),
            Err(error) if error.kind == FailureKind::NotFound => Ok(None),
            Err(error) => Err(error),
        }
    }

    pub(super) fn change_group(
        &mut self,
        principal: &Principal,
        group: &str,
        direction: Direction,
    ) -> Result<Outcome, AdapterError> {
        let operation = direction.operation(format_args!("group:{group}"), principal);
        let Some(group_id) = self.group_id(group, &operation)? else {
            return direction.missing_group(&self.name, &operation, group, "the tenant", "create the group in the tenant first (onboard manages memberships, not groups), or map its name in the tenant's `groups:`");
        };
        let request = self.member_request(&group_id, principal, direction);
        let mut url = self.http.base().clone();
        // The relative URL starts with `/`; the base ends with one.
        url.set_path(&format!(
            "{}{}",
            url.path().trim_end_matches('/'),
            request.url
        ));
        let call = match request.body {
            Some(body) => Call::new(Method::POST, url).json(&body, "application/json"),
            None => Call::new(Method::DELETE, url),
        };
        self.http.needed(1);
        let response = self.send(&operation, &call)?;
        let id = group_id.clone();
        let mut check = |this: &mut Self| -> Result<bool, AdapterError> {
            Ok(this.member_ids(&id, &operation)?.is_some())
        };
        let outcome = self.member_outcome(
            &operation, group, &group_id, direction, &response, &mut check,
        );
        self.remember_pim_group(&group_id, principal, direction, &outcome, None);
        outcome
    }
}
