//! The digest of access about to expire (`expire --notify`, `status --notify`): the
//! event the hooks of `notify.expiring` get. Pure: reads grant records, sends nothing.
//!
//! The event, as a command and a `json` webhook receive it:
//!
//! ```json
//! {"event": "access-expiring", "generated_at": "2026-11-30T09:00:00Z",
//!  "within": "7d", "until": "2026-12-07T09:00:00Z", "count": 2,
//!  "clients": [{"client": "acme", "grants": [{"identity": "carol",
//!    "entitlement": "role:Security Reader", "tenant": "entra", "account": "carol@acme.example",
//!    "expires_at": "2026-12-01T17:00:00Z", "ticket": "INC-40", "sources": ["bundle:…"]}]}]}
//! ```
//!
//! Clients are in id order, each one's grants by end, then identity. Access already past
//! its end that is still held (an `expire` that could not reach a tenant) is listed too:
//! it is the most urgent.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::model::GrantRecord;
use crate::model::time::{after, format_duration, format_instant};

/// Returns the grants that end by `now` + `within`, in the digest's order.
pub fn expiring<'a>(
    grants: impl IntoIterator<Item = &'a GrantRecord>,
    now: OffsetDateTime,
    within: Duration,
) -> Vec<&'a GrantRecord> {
    let until = after(now, within);
    let mut chosen: Vec<&GrantRecord> = grants
        .into_iter()
        .filter(|g| g.expires_at.is_some_and(|e| e <= until))
        .collect();
    chosen.sort_by(|a, b| {
        (&a.client, a.expires_at, &a.identity).cmp(&(&b.client, b.expires_at, &b.identity))
    });
    chosen
}

/// Returns the digest event of `grants` (as [`expiring`] chose them).
pub fn event(grants: &[&GrantRecord], now: OffsetDateTime, within: Duration) -> Value {
    let mut clients: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
    for grant in grants {
        clients.entry(&grant.client).or_default().push(json!({
            "identity": grant.identity,
            "entitlement": grant.entitlement.to_string(),
            "tenant": grant.tenant,
            "account": grant.account,
            "expires_at": grant.expires_at.map(format_instant),
            "ticket": grant.ticket,
            "sources": grant.sources,
        }));
    }
    json!({
        "event": "access-expiring",
        "generated_at": format_instant(now),
        "within": format_duration(within),
        "until": format_instant(after(now, within)),
        "count": grants.len(),
        "clients": clients
            .into_iter()
            .map(|(client, grants)| json!({ "client": client, "grants": grants }))
            .collect::<Vec<_>>(),
    })
}

/// Returns how many grants each client has in a digest event, for its audit entry.
pub fn counts(event: &Value) -> Value {
    let counts: serde_json::Map<String, Value> = event["clients"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            let count = c["grants"].as_array().map_or(0, Vec::len);
            (
                c["client"].as_str().unwrap_or("-").to_string(),
                json!(count),
            )
        })
        .collect();
    Value::Object(counts)
}
