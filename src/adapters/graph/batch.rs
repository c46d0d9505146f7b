//! Bulk membership changes through `POST /$batch`: at most 20 requests a batch, each
//! item decided by its own status.

use super::*;
use crate::adapters::Direction;

/// Requests per `$batch` (Graph's limit).
const BATCH_SIZE: usize = 20;
/// Rounds of a `$batch` for items answered 429 (the first round included).
const BATCH_ATTEMPTS: u32 = 5;
/// The wait before resending an item answered 429 without `Retry-After`.
const BATCH_DEFAULT_WAIT: Duration = Duration::from_secs(2);

/// One request inside a `$batch`: a URL relative to the version root.
pub(super) struct BatchRequest {
    pub(super) method: &'static str,
    pub(super) url: String,
    pub(super) body: Option<Value>,
}

/// Turns a `$batch` item's `headers` object into a header map.
fn item_headers(value: Option<&Value>) -> reqwest::header::HeaderMap {
    let mut headers = reqwest::header::HeaderMap::new();
    for (name, value) in value.and_then(Value::as_object).into_iter().flatten() {
        let text = match value {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        if let (Ok(name), Ok(value)) = (
            reqwest::header::HeaderName::from_bytes(name.as_bytes()),
            reqwest::header::HeaderValue::from_str(&text),
        ) {
            headers.insert(name, value);
        }
    }
    headers
}

impl GraphTenant {
    /// Returns the request that adds a member to a group (`POST …/members/$ref`) or
    /// removes it (`DELETE …/members/{id}/$ref`: never without `/$ref`, which deletes
    /// the member object from the directory). The URL is relative to the version root.
    pub(super) fn member_request(
        &self,
        group_id: &str,
        principal: &Principal,
        direction: Direction,
    ) -> BatchRequest {
        if direction.is_grant() {
            let reference = format!("{}directoryObjects/{}", self.http.base(), principal.id);
            BatchRequest {
                method: "POST",
                url: format!("/groups/{group_id}/members/$ref"),
                body: Some(json!({ "@odata.id": reference })),
            }
        } else {
            BatchRequest {
                method: "DELETE",
                url: format!("/groups/{group_id}/members/{}/$ref", principal.id),
                body: None,
            }
        }
    }

    /// Maps the answer to a membership add or remove. `group_exists` is asked only for
    /// a 404 to a remove, which means "not a member" only if the group exists.
    pub(super) fn member_outcome(
        &mut self,
        operation: &str,
        group: &str,
        group_id: &str,
        direction: Direction,
        response: &Response,
        group_exists: &mut dyn FnMut(&mut Self) -> Result<bool, AdapterError>,
    ) -> Result<Outcome, AdapterError> {
        if response.is_success() {
            return Ok(Outcome::Changed);
        }
        let status = response.status.as_u16();
        // Documented answer to adding a member twice: 400 "One or more added object
        // references already exist". The code alone is a generic `Request_BadRequest`.
        if direction.is_grant()
            && status == 400
            && error_code(&response.body)
                .is_some_and(|(_, message)| message.is_some_and(|m| m.contains("already exist")))
        {
            return Ok(Outcome::NoChange);
        }
        if !direction.is_grant() && status == 404 {
            return if group_exists(self)? {
                Ok(Outcome::NoChange)
            } else {
                Err(self
                    .error(
                        operation,
                        FailureKind::NotFound,
                        format!("the group `{group}` (`{group_id}`) does not exist in the tenant"),
                    )
                    .with_hint("check the group's object id in the tenant's `groups:`"))
            };
        }
        Err(self.http.status_error(operation, response))
    }

    /// Sends requests through `POST /$batch`, at most [`BATCH_SIZE`] per batch, and
    /// returns each request's own answer, in order. The outer status only says the batch
    /// was read: each item carries its own status. Items answered 429 are sent again in
    /// a later batch after the longest `Retry-After` they carry, up to
    /// [`BATCH_ATTEMPTS`] rounds; the last answer is returned as it is.
    pub(super) fn batch(
        &mut self,
        operation: &str,
        requests: &[BatchRequest],
    ) -> Vec<Result<Response, AdapterError>> {
        let mut answers: Vec<Option<Result<Response, AdapterError>>> =
            requests.iter().map(|_| None).collect();
        let mut pending: Vec<usize> = (0..requests.len()).collect();
        let mut round = 1;
        while !pending.is_empty() {
            let mut again = Vec::new();
            let mut wait = Duration::ZERO;
            for chunk in pending.chunks(BATCH_SIZE) {
                let items: Vec<Value> = chunk
                    .iter()
                    .map(|&index| {
                        let request = &requests[index];
                        let mut item = json!({
                            "id": index.to_string(),
                            "method": request.method,
                            "url": request.url,
                        });
                        if let Some(body) = &request.body {
                            // `headers` with `Content-Type` are required with a body.
                            item["body"] = body.clone();
                            item["headers"] = json!({ "Content-Type": "application/json" });
                        }
                        item
                    })
                    .collect();
                let call = Call::new(Method::POST, self.url(&["$batch"], &[]))
                    .json(&json!({ "requests": items }), "application/json");
                // Items sent again after a 429 are beyond what the work needs.
                if round == 1 {
                    self.http.needed(1);
                }
                let outer = self.send(operation, &call).and_then(|response| {
                    if !response.is_success() {
                        return Err(self.http.status_error(operation, &response));
                    }
                    self.http.json::<Value>(operation, &response)
                });
                let outer = match outer {
                    Ok(outer) => outer,
                    Err(error) => {
                        for &index in chunk {
                            answers[index] = Some(Err(error.clone()));
                        }
                        continue;
                    }
                };
                let responses = outer
                    .get("responses")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                for &index in chunk {
                    let id = index.to_string();
                    let Some(item) = responses
                        .iter()
                        .find(|r| r.get("id").and_then(Value::as_str) == Some(id.as_str()))
                    else {
                        answers[index] = Some(Err(self.error(
                            operation,
                            FailureKind::Malformed,
                            "the `$batch` answer has no response for this change",
                        )));
                        continue;
                    };
                    let status = item
                        .get("status")
                        .and_then(Value::as_u64)
                        .and_then(|s| u16::try_from(s).ok())
                        .and_then(|s| reqwest::StatusCode::from_u16(s).ok());
                    let Some(status) = status else {
                        answers[index] = Some(Err(self.error(
                            operation,
                            FailureKind::Malformed,
                            "a `$batch` response has no valid `status`",
                        )));
                        continue;
                    };
                    let headers = item_headers(item.get("headers"));
                    let body = match item.get("body") {
                        None | Some(Value::Null) => Vec::new(),
                        Some(body) => serde_json::to_vec(body).unwrap_or_default(),
                    };
                    let throttled = status.as_u16() == 429
                        || (status.as_u16() == 503 && headers.contains_key("retry-after"));
                    if throttled && round < BATCH_ATTEMPTS {
                        let asked = http::requested_delay(&headers, std::time::SystemTime::now())
                            .unwrap_or(BATCH_DEFAULT_WAIT);
                        wait = wait.max(asked);
                        again.push(index);
                        continue;
                    }
                    answers[index] = Some(Ok(Response {
                        status,
                        headers,
                        body,
                        attempts: round,
                    }));
                }
            }
            if !again.is_empty() {
                std::thread::sleep(self.http.scaled(wait));
            }
            pending = again;
            round += 1;
        }
        answers
            .into_iter()
            .map(|a| {
                a.unwrap_or_else(|| {
                    Err(self.error(operation, FailureKind::Malformed, "no `$batch` answer"))
                })
            })
            .collect()
    }

    /// Adds or removes group members in bulk through `$batch`; other entitlements, and
    /// a lone membership change, go one by one.
    pub(super) fn change_many(
        &mut self,
        items: &[BatchItem],
        direction: Direction,
    ) -> Vec<Result<Outcome, AdapterError>> {
        let mut results: Vec<Option<Result<Outcome, AdapterError>>> =
            items.iter().map(|_| None).collect();
        // (index, group name, group id, operation)
        let mut members: Vec<(usize, String, String, String)> = Vec::new();
        for (index, item) in items.iter().enumerate() {
            // PIM for Groups changes are schedule requests, sent one by one.
            let pim = self.pim_groups && (!direction.is_grant() || item.expires_at.is_some());
            if item.entitlement.kind != EntitlementKind::Group || pim {
                results[index] = Some(if direction.is_grant() {
                    self.grant(&item.principal, &item.entitlement, item.expires_at)
                } else {
                    self.revoke(&item.principal, &item.entitlement)
                });
                continue;
            }
            let group = item.entitlement.name.clone();
            let operation = direction.operation(format_args!("group:{group}"), &item.principal);
            match self.group_id(&group, &operation) {
                Ok(Some(group_id)) => members.push((index, group, group_id, operation)),
                Ok(None) | Err(_) => {
                    // The one-by-one path says what is wrong (or that there is nothing
                    // to remove).
                    results[index] = Some(self.change_group(&item.principal, &group, direction));
                }
            }
        }
        if members.len() == 1 {
            let (index, group, _, _) = &members[0];
            results[*index] = Some(self.change_group(&items[*index].principal, group, direction));
            members.clear();
        }
        if !members.is_empty() {
            let requests: Vec<BatchRequest> = members
                .iter()
                .map(|(index, _, group_id, _)| {
                    self.member_request(group_id, &items[*index].principal, direction)
                })
                .collect();
            let operation = if direction.is_grant() {
                "add group members (`$batch`)"
            } else {
                "remove group members (`$batch`)"
            };
            let answers = self.batch(operation, &requests);
            let mut exists: HashMap<String, bool> = HashMap::new();
            for ((index, group, group_id, operation), answer) in members.iter().zip(answers) {
                let result = answer.and_then(|response| {
                    let mut check = |this: &mut Self| -> Result<bool, AdapterError> {
                        if let Some(known) = exists.get(group_id) {
                            return Ok(*known);
                        }
                        let found = this.member_ids(group_id, operation)?.is_some();
                        exists.insert(group_id.clone(), found);
                        Ok(found)
                    };
                    self.member_outcome(
                        operation, group, group_id, direction, &response, &mut check,
                    )
                });
                let result = result.map_err(|error| AdapterError {
                    operation: operation.clone(),
                    ..error
                });
                self.remember_pim_group(
                    group_id,
                    &items[*index].principal,
                    direction,
                    &result,
                    None,
                );
                results[*index] = Some(result);
            }
        }
        results
            .into_iter()
            .map(|r| {
                r.unwrap_or_else(|| {
                    Err(self.error("apply", FailureKind::Malformed, "the change was not sent"))
                })
            })
            .collect()
    }
}
