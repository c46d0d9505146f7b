//! App registrations' client secrets: issuing one (`addPassword`), removing one
//! (`removePassword`) and listing their key ids (an application's `passwordCredentials`).
//!
//! An app registration is named by its appId (the application or client id) or its
//! object id, and found with `GET /applications?$filter=appId eq '…'` (then
//! `id eq '…'`), which also returns its `passwordCredentials` (key ids and ends, never
//! values). The actions are called by their namespace-qualified names
//! (`/applications/{id}/microsoft.graph.addPassword`), the form Microsoft's OpenAPI
//! description declares and OData defines for bound actions (the docs show the shorter
//! `/addPassword`). A POST that times out is sent again by the HTTP layer, so a lost answer
//! can leave a second secret: `list_credentials` shows it, so that a repair can remove it.
//!
//! `addPassword` returns the new secret's `secretText` once: it goes straight into a
//! [`Secret`] (registered with the scrubber) and is never logged (request logs show
//! bodies' sizes only). Removing a key that is already gone changes nothing: the key ids
//! are read first, and read again after a refusal. onboard's app needs
//! `Application.ReadWrite.OwnedBy` (and to be an owner of each app registration whose
//! secrets it rotates) or `Application.ReadWrite.All`.

use super::*;

/// What onboard asks of an app registration.
const APPLICATION_FIELDS: &str = "id,appId,passwordCredentials";

/// The hint of an app registration onboard cannot find or change.
const PERMISSION_HINT: &str = "check the credential's `application:` (appId or object id); onboard's app needs the Graph application permission `Application.ReadWrite.OwnedBy` and to be an owner of that app registration, or `Application.ReadWrite.All`";

/// An app registration as onboard reads it: its object id and its secrets' key ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Application {
    /// The object id, which the actions are addressed by.
    pub id: String,
    /// The key ids of its client secrets.
    pub key_ids: Vec<String>,
}

/// A client secret just issued.
pub(super) struct NewSecret {
    /// Its key id.
    pub key_id: String,
    /// Its value.
    pub secret: Secret,
    /// Its end, as the tenant set it.
    pub expires_at: Option<OffsetDateTime>,
}

impl GraphTenant {
    /// Reads an app registration named by appId or object id, with its secrets' key ids.
    pub(super) fn application(
        &mut self,
        application: &str,
        operation: &str,
    ) -> Result<Application, AdapterError> {
        let mut fields = vec!["appId"];
        if is_guid(application) {
            fields.push("id");
        }
        for field in fields {
            let url = self.url(
                &["applications"],
                &[
                    ("$filter", &format!("{field} eq {}", quote(application))),
                    ("$select", APPLICATION_FIELDS),
                ],
            );
            let found = self.collect(operation, url)?;
            self.http.needed_pages(found.len(), PAGE);
            match found.as_slice() {
                [] => continue,
                [one] => return self.read_application(one, operation),
                _ => {
                    return Err(self.error(
                        operation,
                        FailureKind::Malformed,
                        format!(
                            "{} app registrations answer to `{application}`: onboard cannot tell which is meant",
                            found.len()
                        ),
                    ));
                }
            }
        }
        Err(self
            .error(
                operation,
                FailureKind::NotFound,
                format!("no app registration with the appId or object id `{application}` is visible to onboard in the tenant"),
            )
            .with_hint(PERMISSION_HINT))
    }

    fn read_application(&self, item: &Value, operation: &str) -> Result<Application, AdapterError> {
        let Some(id) = item.get("id").and_then(Value::as_str) else {
            return Err(self.error(
                operation,
                FailureKind::Malformed,
                "the app registration has no `id`",
            ));
        };
        let key_ids = item
            .get("passwordCredentials")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|c| c.get("keyId").and_then(Value::as_str))
            .map(str::to_lowercase)
            .collect();
        Ok(Application {
            id: id.to_string(),
            key_ids,
        })
    }

    /// Adds a client secret to an app registration (`addPassword`), named `label`, ending
    /// at `expires_at` (Graph's default, two years, without one).
    pub(super) fn add_password(
        &mut self,
        application: &str,
        label: &str,
        expires_at: Option<OffsetDateTime>,
        operation: &str,
    ) -> Result<NewSecret, AdapterError> {
        let app = self.application(application, operation)?;
        let mut credential = json!({ "displayName": label });
        if let Some(end) = expires_at {
            let end = end
                .format(&Rfc3339)
                .map_err(|e| self.error(operation, FailureKind::Malformed, e.to_string()))?;
            credential["endDateTime"] = json!(end);
        }
        let url = self.url(
            &["applications", &app.id, "microsoft.graph.addPassword"],
            &[],
        );
        let call = Call::new(Method::POST, url).json(
            &json!({ "passwordCredential": credential }),
            "application/json",
        );
        self.http.needed(1);
        let response = self.send(operation, &call)?;
        if !response.is_success() {
            return Err(self.refused(operation, &response));
        }
        let mut body: Value = self.http.json(operation, &response)?;
        // The value leaves the answer only as a Secret.
        let secret = body
            .get_mut("secretText")
            .map(Value::take)
            .and_then(|v| match v {
                Value::String(text) if !text.is_empty() => Some(Secret::new(text)),
                _ => None,
            });
        let key_id = body
            .get("keyId")
            .and_then(Value::as_str)
            .map(str::to_lowercase);
        let (Some(secret), Some(key_id)) = (secret, key_id) else {
            return Err(self.error(
                operation,
                FailureKind::Malformed,
                "the tenant answered `addPassword` without a `keyId` and `secretText`",
            ));
        };
        let expires_at = self.end_date_time(&body, "the new secret", operation)?;
        Ok(NewSecret {
            key_id,
            secret,
            expires_at,
        })
    }

    /// Removes a client secret from an app registration (`removePassword`); a key the app
    /// no longer has is no change.
    pub(super) fn remove_password(
        &mut self,
        application: &str,
        key_id: &str,
        operation: &str,
    ) -> Result<Outcome, AdapterError> {
        let key_id = key_id.to_lowercase();
        let app = self.application(application, operation)?;
        if !app.key_ids.contains(&key_id) {
            return Ok(Outcome::NoChange);
        }
        let url = self.url(
            &["applications", &app.id, "microsoft.graph.removePassword"],
            &[],
        );
        let call =
            Call::new(Method::POST, url).json(&json!({ "keyId": key_id }), "application/json");
        self.http.needed(1);
        let response = self.send(operation, &call)?;
        if response.is_success() {
            return Ok(Outcome::Changed);
        }
        // Removed by someone else meanwhile: what was asked holds.
        if response.status.as_u16() < 500
            && !self
                .application(application, operation)?
                .key_ids
                .contains(&key_id)
        {
            return Ok(Outcome::NoChange);
        }
        Err(self.refused(operation, &response))
    }

    /// Returns the error of a refused action, with the permission hint on 403 and 404.
    fn refused(&self, operation: &str, response: &Response) -> AdapterError {
        let error = self.http.status_error(operation, response);
        match response.status.as_u16() {
            403 | 404 => error.with_hint(PERMISSION_HINT),
            _ => error,
        }
    }
}
