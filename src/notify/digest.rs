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

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-30 09:00 UTC);

    fn grant(client: &str, identity: &str, expires_at: Option<&str>) -> GrantRecord {
        serde_json::from_value(json!({
            "client": client, "tenant": "entra", "entitlement": "role:Security Reader",
            "identity": identity, "account": format!("{identity}@{client}.example"),
            "granted_at": "2026-11-01T00:00:00Z", "expires_at": expires_at,
            "sources": ["bundle:essential-security-response"], "ticket": "INC-40",
            "actor": "dave",
        }))
        .expect("a grant record")
    }

    #[test]
    fn the_digest_lists_what_ends_within_the_window_per_client_by_end() {
        let grants = [
            grant("initech", "erik", Some("2026-12-02T00:00:00Z")),
            grant("acme", "carol", Some("2026-12-03T00:00:00Z")),
            grant("acme", "bob", Some("2026-12-01T00:00:00Z")),
            // Ended but still held: the most urgent.
            grant("acme", "dave", Some("2026-11-29T00:00:00Z")),
            // Beyond the window, and standing access: not listed.
            grant("acme", "frank", Some("2026-12-20T00:00:00Z")),
            grant("acme", "alice", None),
        ];
        let week = Duration::from_secs(7 * 24 * 3600);
        let chosen = expiring(&grants, NOW, week);
        let order: Vec<_> = chosen
            .iter()
            .map(|g| (g.client.as_str(), g.identity.as_str()))
            .collect();
        assert_eq!(
            order,
            [
                ("acme", "dave"),
                ("acme", "bob"),
                ("acme", "carol"),
                ("initech", "erik")
            ]
        );
        let event = event(&chosen, NOW, week);
        assert_eq!(event["count"], 4);
        assert_eq!(event["within"], "7d");
        assert_eq!(event["until"], "2026-12-07T09:00:00Z");
        assert_eq!(event["clients"][0]["grants"][1]["ticket"], "INC-40");
        assert_eq!(
            event["clients"][0]["grants"][1]["entitlement"],
            "role:Security Reader"
        );
        assert_eq!(counts(&event), json!({ "acme": 3, "initech": 1 }));
    }
}
