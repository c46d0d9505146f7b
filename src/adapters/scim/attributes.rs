//! Changing a value of a User's `roles` or `entitlements`, one PATCH per value: sent
//! at once when this run's listing of the value showed whether the user holds it, else
//! read first and guarded by the User's ETag.

use serde_json::{Value, json};

use super::ScimTenant;
use super::errors::scim_type;
use crate::adapters::http::Call;
use crate::adapters::{
    AdapterError, Direction, FailureKind, Outcome, Principal, quote_filter_value,
};
use crate::model::{Entitlement, EntitlementKind};

impl ScimTenant {
    /// Adds or removes a value of the User's `roles` / `entitlements`, reading the user
    /// first unless this run listed the value's holders; retried once on 412.
    pub(super) fn change_attribute(
        &mut self,
        principal: &Principal,
        entitlement: &Entitlement,
        attribute: &str,
        direction: Direction,
    ) -> Result<Outcome, AdapterError> {
        let operation = direction.operation(entitlement, principal);
        self.require_patch(&operation)?;
        let value = entitlement.name.clone();
        let user = principal.id.clone();
        let key = (attribute.to_string(), value.clone());
        let known = self
            .known_values
            .get(&key)
            .map(|holders| holders.contains(&user));
        let result = self.patch_values(
            &operation,
            ("the user", &["Users", &user]),
            (attribute, &value),
            (direction, known),
            |this| {
                let mut url = this.http.url(&["Users", &user]);
                url.query_pairs_mut().append_pair("attributes", attribute);
                let response = this.send_ok(&operation, Call::get(url))?;
                let body: Value = this.http.json(&operation, &response)?;
                let held = body
                    .get(attribute)
                    .and_then(Value::as_array)
                    .is_some_and(|values| {
                        values
                            .iter()
                            .any(|v| v.get("value").and_then(Value::as_str) == Some(value.as_str()))
                    });
                Ok((held, response.header("etag").map(str::to_string)))
            },
        );
        match (&result, self.known_values.get_mut(&key)) {
            (Ok(_), Some(holders)) if direction.is_grant() => {
                holders.insert(user);
            }
            (Ok(_), Some(holders)) => {
                holders.remove(&user);
            }
            // A change that failed may or may not have reached the tenant.
            (Err(_), Some(_)) => {
                self.known_values.remove(&key);
            }
            (_, None) => {}
        }
        result
    }

    /// Adds `value` to, or removes it from, a multi-valued attribute of a resource with
    /// a PATCH: whether the value is held is `known` from this run's listing, else `read`
    /// says so and gives the etag that guards the PATCH. Already as wanted sends nothing;
    /// a removal always names the value (a bare `members` remove would empty a group);
    /// retried once on 412, reading again.
    pub(super) fn patch_values(
        &mut self,
        operation: &str,
        (what, resource): (&str, &[&str]),
        (attribute, value): (&str, &str),
        (direction, known): (Direction, Option<bool>),
        mut read: impl FnMut(&mut Self) -> Result<(bool, Option<String>), AdapterError>,
    ) -> Result<Outcome, AdapterError> {
        for attempt in 1..=2 {
            let (held, etag) = match (attempt, known) {
                (1, Some(held)) => (held, None),
                _ => {
                    if attempt == 1 {
                        self.http.needed(1);
                    }
                    read(self)?
                }
            };
            if held == direction.is_grant() {
                return Ok(Outcome::NoChange);
            }
            if attempt == 1 {
                self.http.needed(1);
            }
            let change = if direction.is_grant() {
                json!([{ "op": "add", "path": attribute, "value": [{ "value": value }] }])
            } else {
                json!([{ "op": "remove", "path": format!("{attribute}[value eq {}]", quote_filter_value(value)) }])
            };
            let response = self.patch(operation, resource, change, etag.as_deref())?;
            match response.status.as_u16() {
                200..=299 => return Ok(Outcome::Changed),
                412 if attempt == 1 => continue,
                400 if !direction.is_grant()
                    && scim_type(&response).as_deref() == Some("noTarget") =>
                {
                    return Ok(Outcome::NoChange);
                }
                _ => return Err(self.http.status_error(operation, &response)),
            }
        }
        Err(self.kept_changing(operation, what))
    }

    pub(super) fn attribute_of(
        &self,
        entitlement: &Entitlement,
        operation: &str,
    ) -> Result<&'static str, AdapterError> {
        match entitlement.kind {
            EntitlementKind::Role => Ok("roles"),
            EntitlementKind::Entitlement => Ok("entitlements"),
            other => Err(self.error(
                operation,
                FailureKind::Unsupported,
                format!("SCIM tenants have no `{}:` entitlements (only `group:`, `role:`, `entitlement:`)", other.as_str()),
            )),
        }
    }
}
