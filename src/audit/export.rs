//! Exporting audit entries for SIEMs and auditors: JSON lines, CSV, and OCSF.
//!
//! OCSF: schema version 1.3.0. Changes of group entitlements map to Group Management
//! (class 3006: Add User = 3, Remove User = 4); other entitlements (roles, org and team
//! roles) to User Access Management (class 3005: Assign Privileges = 1, Revoke
//! Privileges = 2). Only change outcomes are exported; intents, runs and checkpoints
//! are the log's own bookkeeping.

use serde_json::{Value, json};

use super::entry::{Entry, EntryKind, EntryResult, Phase};

/// The OCSF schema version the export follows.
pub const OCSF_VERSION: &str = "1.3.0";

/// The CSV columns, in order.
pub const CSV_COLUMNS: [&str; 20] = [
    "ts",
    "chain",
    "seq",
    "kind",
    "phase",
    "run",
    "actor",
    "change",
    "client",
    "tenant",
    "identity",
    "account",
    "entitlement",
    "sources",
    "ticket",
    "reason",
    "expires_at",
    "result",
    "error",
    "as_of",
];

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// Returns the CSV header line.
pub fn csv_header() -> String {
    CSV_COLUMNS.join(",")
}

/// Returns an entry as a CSV line.
pub fn csv_line(entry: &Entry) -> String {
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    let fields = [
        entry.ts.clone(),
        entry.chain.clone(),
        entry.seq.to_string(),
        entry.kind.map_or("", EntryKind::as_str).to_string(),
        match entry.phase {
            Some(Phase::Intent) => "intent".into(),
            Some(Phase::Outcome) => "outcome".into(),
            None => String::new(),
        },
        entry.run.clone(),
        entry.actor.clone(),
        o(&entry.change),
        o(&entry.client),
        o(&entry.tenant),
        o(&entry.identity),
        o(&entry.account),
        o(&entry.entitlement),
        entry.sources.join(" "),
        o(&entry.ticket),
        o(&entry.reason),
        o(&entry.expires_at),
        entry
            .result
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        o(&entry.error),
        o(&entry.as_of),
    ];
    fields
        .iter()
        .map(|f| csv_field(f))
        .collect::<Vec<_>>()
        .join(",")
}

/// Maps a change outcome to an OCSF event; `None` for entries OCSF export leaves out.
pub fn ocsf(entry: &Entry) -> Option<Value> {
    let kind = entry.kind?;
    if !kind.is_change() || entry.phase != Some(Phase::Outcome) {
        return None;
    }
    let adds = matches!(kind, EntryKind::Grant | EntryKind::Renew);
    let configuration = kind == EntryKind::Configuration;
    let entitlement = entry.entitlement.clone().unwrap_or_default();
    let group = entitlement.strip_prefix("group:");
    let (class_uid, class_name, activity_id, activity_name) =
        match (configuration, group.is_some(), adds) {
            // A tenant's own configuration: the managed entity is updated.
            (true, _, _) => (3004, "Entity Management", 3, "Update"),
            (false, true, true) => (3006, "Group Management", 3, "Add User"),
            (false, true, false) => (3006, "Group Management", 4, "Remove User"),
            (false, false, true) => (3005, "User Access Management", 1, "Assign Privileges"),
            (false, false, false) => (3005, "User Access Management", 2, "Revoke Privileges"),
        };
    let failed = entry.result == Some(EntryResult::Failed);
    let time =
        time::OffsetDateTime::parse(&entry.ts, &time::format_description::well_known::Rfc3339)
            .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
            .unwrap_or_default();
    let mut event = json!({
        "category_uid": 3,
        "category_name": "Identity & Access Management",
        "class_uid": class_uid,
        "class_name": class_name,
        "activity_id": activity_id,
        "activity_name": activity_name,
        "type_uid": class_uid * 100 + activity_id,
        "severity_id": 1,
        "status_id": if failed { 2 } else { 1 },
        "status": if failed { "Failure" } else { "Success" },
        "time": time,
        "message": format!("{} `{}` {} `{}` in {}/{}", kind.as_str(), entitlement,
            if adds { "to" } else { "from" },
            entry.identity.as_deref().or(entry.account.as_deref()).unwrap_or("-"),
            entry.client.as_deref().unwrap_or("-"), entry.tenant.as_deref().unwrap_or("-")),
        "metadata": {
            "version": OCSF_VERSION,
            "product": { "name": "onboard", "vendor_name": "onboard" },
            "uid": format!("{}:{}", entry.chain, entry.seq),
            "correlation_uid": entry.change,
        },
        "actor": { "user": { "name": entry.actor } },
        "user": { "name": entry.account, "uid": entry.identity },
        "unmapped": {
            "client": entry.client, "tenant": entry.tenant, "ticket": entry.ticket,
            "reason": entry.reason, "sources": entry.sources, "expires_at": entry.expires_at,
            "onboard_kind": kind.as_str(), "as_of": entry.as_of,
        },
    });
    if configuration {
        let object = event.as_object_mut().expect("an object");
        object.remove("user");
        object.insert(
            "entity".into(),
            json!({ "name": entitlement, "type": "tenant configuration", "data": entry.detail }),
        );
        object.insert(
            "message".into(),
            json!(format!(
                "configuration `{entitlement}` of {}/{} brought in line",
                entry.client.as_deref().unwrap_or("-"),
                entry.tenant.as_deref().unwrap_or("-")
            )),
        );
    } else if let Some(name) = group {
        event["group"] = json!({ "name": name });
    } else {
        event["privileges"] = json!([entitlement]);
    }
    if failed {
        event["status_detail"] = json!(entry.error);
        event["status_code"] = json!(entry.error_code);
    }
    Some(event)
}
