//! Human views: plan, apply results and status as tables (comfy-table) or markdown.

use std::fmt::Write;

use time::OffsetDateTime;

use crate::model::time::format_short;
use crate::model::{GrantRecord, Source, TenantRef};
use crate::plan::credentials::{CredentialChange, short};
use crate::plan::{EntryKind, Plan, PlanEntry, Summary};

use super::escape::escape;
use super::{CYAN, DIM, GREEN, RED, YELLOW, paint};

mod layout;
mod markdown;
mod results;

pub use layout::table_text;
pub use markdown::{
    MARKDOWN_LIMIT, plan_markdown, plan_markdown_with_credentials, status_markdown,
};
pub use results::{result_word, results_table};

fn kind_color(kind: EntryKind) -> &'static str {
    match kind {
        EntryKind::Grant | EntryKind::Renew => GREEN,
        EntryKind::Expire | EntryKind::Revoke => RED,
        EntryKind::Drift => YELLOW,
        EntryKind::Unknown => CYAN,
        EntryKind::Denied => RED,
    }
}

fn holder(change: &PlanEntry) -> String {
    holder_of(change.identity.as_deref(), change.account.as_deref())
}

/// The holder column: the identity, else the account in brackets, else `-`.
fn holder_of(identity: Option<&str>, account: Option<&str>) -> String {
    match (identity, account) {
        (Some(identity), _) => identity.to_string(),
        (None, Some(account)) => format!("({account})"),
        (None, None) => "-".into(),
    }
}

fn until(at: Option<OffsetDateTime>) -> String {
    at.map_or_else(|| "-".into(), format_short)
}

/// Returns the one-line summary of a plan.
pub fn summary_line(plan: &Plan) -> String {
    summary_line_with(plan, 0)
}

/// Returns the one-line summary of a plan with `credentials` credential changes.
fn summary_line_with(plan: &Plan, credentials: usize) -> String {
    let s = plan.summary();
    let access = plan.has_changes() || plan.has_unknown() || plan.has_denials();
    let credentials_part = match credentials {
        0 => String::new(),
        n => format!(", {n} credential change(s)"),
    };
    if !access {
        return match credentials {
            0 => "No changes: the tenants match the workspace.".into(),
            n => format!("Plan: no access changes, {n} credential change(s)."),
        };
    }
    let denied = if s.denied > 0 {
        format!(", {} denied", s.denied)
    } else {
        String::new()
    };
    let configuration = match configuration_count(plan) {
        0 => String::new(),
        n => format!(", {n} to the tenants' own configuration"),
    };
    format!(
        "Plan: {} to grant, {} to renew, {} to expire, {} to revoke, {} drift, {} unknown{denied}{configuration}{credentials_part}.",
        s.grant, s.renew, s.expire, s.revoke, s.drift, s.unknown
    )
}

/// Counts the changes to tenants' own configuration a plan carries.
fn configuration_count(plan: &Plan) -> usize {
    plan.configuration.iter().map(|t| t.changes.len()).sum()
}

/// Lists the changes to tenants' own configuration (GDAP access assignments, Okta group
/// admin roles), one line each under its `client/tenant`, with `prefix` before each.
fn configuration_lines(plan: &Plan, prefix: &str) -> Vec<String> {
    plan.configuration
        .iter()
        .flat_map(|t| {
            t.changes
                .iter()
                .map(move |c| format!("{prefix}{}/{}: {}", t.client, t.tenant, c))
        })
        .collect()
}

/// Returns a change's "why" column: its reason, after the kind of failure for a tenant
/// that could not be read.
fn why(change: &PlanEntry) -> String {
    match (&change.kind, &change.error_code) {
        (EntryKind::Unknown, Some(code)) => format!("{code}: {}", change.reason),
        _ if change.held_before_onboard => format!("{} (held before onboard)", change.reason),
        _ => change.reason.clone(),
    }
}

/// Returns what to do about each tenant that could not be read, one line each:
/// `hint for `client/tenant`: …`.
pub fn unreadable_hints(plan: &Plan) -> Vec<String> {
    plan.unknown
        .iter()
        .filter_map(|u| {
            let hint = u.hint.as_ref()?;
            Some(format!("hint for `{}/{}`: {hint}", u.client, u.tenant))
        })
        .collect()
}

/// Renders a plan as a table followed by its summary line.
pub fn plan_table(plan: &Plan, color: bool) -> String {
    plan_table_with_credentials(plan, &[], color)
}

/// Renders a plan as a table, then its credential changes (when there are any), then
/// the summary line, which counts both.
pub fn plan_table_with_credentials(
    plan: &Plan,
    credentials: &[CredentialChange],
    color: bool,
) -> String {
    let mut out = String::new();
    let rows = plan.rows();
    if !rows.is_empty() {
        let cells = rows
            .iter()
            .map(|change| {
                vec![
                    paint(color, kind_color(change.kind), change.kind.as_str()),
                    cell(&TenantRef::new(&change.client, &change.tenant).to_string()),
                    cell(&holder(change)),
                    cell(&entitlement(change)),
                    until(change.expires_at),
                    cell(&why(change)),
                ]
            })
            .collect();
        let headers = [
            "change",
            "client/tenant",
            "identity",
            "entitlement",
            "until",
            "why",
        ];
        let _ = writeln!(out, "{}", table_text(&headers, cells));
        for line in unreadable_hints(plan) {
            let _ = writeln!(out, "{}", cell(&line));
        }
    }
    if !plan.configuration.is_empty() {
        if !rows.is_empty() {
            let _ = writeln!(out);
        }
        let _ = writeln!(out, "Tenant configuration (brought in line first):");
        for line in configuration_lines(plan, "  ") {
            let _ = writeln!(out, "{}", cell(&line));
        }
        let _ = writeln!(out);
    }
    if !credentials.is_empty() {
        if !out.is_empty() && !out.ends_with("\n\n") {
            let _ = writeln!(out);
        }
        let _ = writeln!(out, "{}", credentials_table(credentials));
    }
    let _ = writeln!(out, "{}", summary_line_with(plan, credentials.len()));
    out
}

/// Returns the table of credential changes: which credential, what is done, why (with
/// the key id replaced or removed, shortened) and where the value goes. Never a value.
pub fn credentials_table(changes: &[CredentialChange]) -> String {
    let headers: &[&str] = &[
        "credential",
        "client/tenant",
        "identity",
        "kind",
        "why",
        "deliver to",
    ];
    let mut rows: Vec<Vec<String>> = Vec::new();
    for change in changes {
        let slot = change.slot();
        let why = match change {
            CredentialChange::Rotate {
                replaces: Some(key),
                ..
            } => format!("{} (replaces {})", change.why(), short(key)),
            CredentialChange::Rotate { .. } => change.why(),
            CredentialChange::Retire { record, .. } => {
                format!("{}: {}", short(&record.key_id), change.why())
            }
        };
        rows.push(vec![
            change.action().to_string(),
            cell(&TenantRef::new(&slot.client, &slot.tenant).to_string()),
            cell(&slot.identity),
            cell(&credential_kind(&slot)),
            cell(&why),
            cell(change.deliver()),
        ]);
    }
    table_text(headers, rows)
}

/// Names a credential's kind for tables: `password`, or `client_secret` with the start
/// of its application (an appId is a GUID: its first group names it well enough).
fn credential_kind(slot: &crate::model::CredentialSlot) -> String {
    match &slot.application {
        Some(application) if application.chars().count() > 9 => format!(
            "{} {}…",
            slot.kind.as_str(),
            application.chars().take(8).collect::<String>()
        ),
        Some(application) => format!("{} {application}", slot.kind.as_str()),
        None => slot.kind.as_str().to_string(),
    }
}

/// Returns an untrusted value (an id, a name, a tenant's words) as one table cell:
/// control characters escaped, line breaks included.
fn cell(text: &str) -> String {
    escape(text).into_owned()
}

fn md_cell(text: &str) -> String {
    cell(&text.replace('|', "\\|").replace('\n', " "))
}

fn entitlement(change: &PlanEntry) -> String {
    entitlement_of(change.entitlement.as_ref())
}

/// The entitlement column: the entitlement, or `-`.
fn entitlement_of(entitlement: Option<&crate::model::Entitlement>) -> String {
    entitlement.map_or_else(|| "-".into(), ToString::to_string)
}

/// Returns a record's end, marked when the tenant itself enforces it.
fn record_until(record: &GrantRecord, at: Option<OffsetDateTime>) -> String {
    match at {
        Some(at) if record.tenant_enforces_expiry => {
            format!("{} (enforced by the tenant)", format_short(at))
        }
        other => until(other),
    }
}

/// Renders ledger records as a status table.
pub fn status_table(grants: &[&GrantRecord], now: OffsetDateTime, color: bool) -> String {
    if grants.is_empty() {
        return "No grants recorded.\n".into();
    }
    let mut rows = Vec::with_capacity(grants.len());
    for g in grants {
        let until = match g.expires_at {
            Some(at) if at <= now => paint(color, RED, &format!("{} (expired)", format_short(at))),
            other => record_until(g, other),
        };
        let mut why = Source::join(&g.sources, ", ");
        if let Some(ticket) = &g.ticket {
            let _ = write!(why, " [{ticket}]");
        }
        if g.origin == crate::model::RecordOrigin::HeldBeforeOnboard {
            why.push_str(" (held before onboard)");
        }
        rows.push(vec![
            cell(&TenantRef::new(&g.client, &g.tenant).to_string()),
            cell(&g.identity),
            cell(&g.entitlement.to_string()),
            format_short(g.granted_at),
            until,
            cell(&why),
        ]);
    }
    let headers = [
        "client/tenant",
        "identity",
        "entitlement",
        "since",
        "until",
        "why",
    ];
    format!(
        "{}\n{} grant{} recorded.\n",
        table_text(&headers, rows),
        grants.len(),
        if grants.len() == 1 { "" } else { "s" }
    )
}

/// Renders what an import found: every holder of a managed entitlement and how it is
/// taken in, then what the bundles want that no tenant holds.
pub fn import_table(
    held: &[crate::workflow::import::HeldGrant],
    missing: &[crate::workflow::import::MissingGrant],
) -> String {
    use crate::workflow::import::HeldAs;
    if held.is_empty() && missing.is_empty() {
        return "No tenant holds any entitlement the client's bundles manage.\n".into();
    }
    let headers: &[&str] = &[
        "tenant",
        "entitlement",
        "account",
        "identity",
        "taken in as",
    ];
    let mut rows: Vec<Vec<String>> = Vec::new();
    for h in held {
        let what = match h.held_as {
            HeldAs::Wanted => format!("recorded: {}", Source::join(&h.sources, ", ")),
            HeldAs::Exception => format!(
                "recorded: {} until {}",
                Source::join(&h.sources, ", "),
                until(h.until)
            ),
            HeldAs::Unknown => "unknown holder: left alone (drift in the plan)".into(),
            HeldAs::Denied => "refused by policy: see the warnings".into(),
            HeldAs::Unwanted => "wanted by nothing: the contract is not running".into(),
        };
        rows.push(vec![
            cell(&h.tenant),
            cell(&h.entitlement),
            cell(&h.account),
            cell(h.identity.as_deref().unwrap_or("-")),
            cell(&what),
        ]);
    }
    for m in missing {
        rows.push(vec![
            cell(&m.tenant),
            cell(&m.entitlement),
            cell(&m.account),
            cell(&m.identity),
            "not held: the first plan grants it".to_string(),
        ]);
    }
    format!("{}\n", table_text(headers, rows))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ConfigurationChange;
    use crate::plan::{Change, ChangeKind, TenantConfiguration};

    /// A plan with one grant and configuration changes in two tenants.
    pub(super) fn plan_with_configuration() -> Plan {
        Plan {
            changes: vec![Change {
                entitlement: Some("group:GDAP-Acme-Helpdesk".parse().unwrap()),
                identity: Some("alice".into()),
                account: Some("alice@northwind-msp.example".into()),
                expires_at: Some(time::macros::datetime!(2027-03-01 00:00 UTC)),
                sources: vec!["exception:acme-gdap-cover".into()],
                origin: Some("clients/acme.yaml:30:9".into()),
                ticket: Some("CHG-311".into()),
                ..Change::new(
                    ChangeKind::Grant,
                    "acme",
                    "partner",
                    "wanted by exception:acme-gdap-cover".into(),
                )
            }],
            warnings: vec!["`acme/partner`: the GDAP relationship `rel-acme` ends on 2026-12-03 00:00Z (in 12 day(s)) and does not auto-extend: renew it, or technicians lose access to the client".into()],
            configuration: vec![
                TenantConfiguration {
                    client: "acme".into(),
                    tenant: "okta".into(),
                    changes: vec![
                        ConfigurationChange::OktaAssignGroupRole {
                            group: "MSP-Okta-Readers".into(),
                            group_id: "00g1".into(),
                            role: "READ_ONLY_ADMIN".into(),
                        },
                        ConfigurationChange::OktaUnassignGroupRole {
                            group: "MSP-Okta-Readers".into(),
                            group_id: "00g1".into(),
                            role: "USER_ADMIN".into(),
                            assignment: "ra1".into(),
                        },
                    ],
                },
                TenantConfiguration {
                    client: "acme".into(),
                    tenant: "partner".into(),
                    changes: vec![ConfigurationChange::GdapCreateAccess {
                        group: "GDAP-Acme-Helpdesk".into(),
                        group_id: "g1".into(),
                        roles: vec!["r1".into(), "r2".into()],
                    }],
                },
            ],
            ..Plan::default()
        }
    }

    #[test]
    fn plans_show_configuration_changes_in_their_own_section() {
        let plan = plan_with_configuration();
        insta::assert_snapshot!("plan_table_configuration", plan_table(&plan, false));
        insta::assert_snapshot!(
            "plan_markdown_configuration",
            plan_markdown(&plan, &["acme".to_string()])
        );
    }

    /// A plan of `n` grants spread over 40 clients, with long reasons and many warnings.
    fn big_plan(n: usize) -> Plan {
        let template = plan_with_configuration();
        let changes = (0..n)
            .map(|i| Change {
                client: format!("client-{:02}", i % 40),
                identity: Some(format!("technician-{i}")),
                reason: format!("wanted by bundle:premium-security-response ({i}) for the client's security operations rota"),
                ..template.changes[0].clone()
            })
            .collect::<Vec<_>>();
        let mut changes = changes;
        changes.sort_by(|a, b| a.client.cmp(&b.client));
        Plan {
            changes,
            warnings: vec![template.warnings[0].clone(); 2_000],
            configuration: template.configuration,
            ..Plan::default()
        }
    }

    /// Returns the number of table rows (changes) a markdown plan shows.
    fn rows_shown(markdown: &str) -> usize {
        markdown
            .lines()
            .filter(|l| l.starts_with("| grant |"))
            .count()
    }

    #[test]
    fn a_ten_thousand_change_plan_fits_a_github_comment_and_counts_what_it_leaves_out() {
        let plan = big_plan(10_000);
        let clients: Vec<String> = (0..40).map(|i| format!("client-{i:02}")).collect();
        let markdown = plan_markdown(&plan, &clients);
        assert!(markdown.len() <= MARKDOWN_LIMIT, "{} bytes", markdown.len());
        assert!(markdown.chars().count() < 65_536);
        let shown = rows_shown(&markdown);
        assert!(shown > 100, "only {shown} rows shown");
        assert!(
            markdown.contains(&format!(
                "**Not shown: {} of 10000 changes and ",
                10_000 - shown
            )),
            "{}",
            &markdown[markdown.len() - 600..]
        );
        assert!(markdown.contains("`plan.json` artifact"));
        // The counts are the whole plan's, and every block that was opened is closed.
        assert!(markdown.contains("**10000** to grant"));
        assert_eq!(
            markdown.matches("<details").count(),
            markdown.matches("</details>").count()
        );
        assert!(markdown.contains("<details><summary><b>client-00</b>: 250 to grant</summary>"));
    }

    #[test]
    fn a_plan_under_the_limit_shows_every_change_and_no_note() {
        let mut plan = big_plan(200);
        plan.warnings.truncate(1);
        let markdown = plan_markdown(&plan, &["client-00".to_string()]);
        assert_eq!(rows_shown(&markdown), 200);
        assert!(!markdown.contains("Not shown"), "{markdown}");
        assert!(
            !markdown.contains("<details open>"),
            "40 clients are collapsed"
        );
        let one = plan.only(|c| c.client() == "client-07");
        let markdown = plan_markdown(&one, &["client-07".to_string()]);
        assert!(
            markdown.contains("<details open><summary><b>client-07</b>: 5 to grant</summary>"),
            "{markdown}"
        );
    }

    #[test]
    fn a_plan_with_only_configuration_changes_is_not_empty() {
        let mut plan = plan_with_configuration();
        plan.changes.clear();
        let table = plan_table(&plan, false);
        assert!(!table.contains("No changes"), "{table}");
        assert!(table.ends_with(
            "Plan: 0 to grant, 0 to renew, 0 to expire, 0 to revoke, 0 drift, 0 unknown, 3 to the tenants' own configuration.\n"
        ));
        let markdown = plan_markdown(&plan, &["acme".to_string()]);
        assert!(!markdown.contains("No changes"), "{markdown}");
        plan.configuration.clear();
        assert!(plan_table(&plan, false).contains("No changes"));
    }
}
