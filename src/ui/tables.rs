//! Human views: plan, apply results and status as tables (comfy-table) or markdown.

use std::fmt::Write;

use comfy_table::{Cell, ContentArrangement, LineStyle, Table, TableStyle};
use time::OffsetDateTime;

use crate::adapters::Outcome;
use crate::execute::{Applied, ChangeResult};
use crate::model::GrantRecord;
use crate::model::time::format_short;
use crate::plan::{Change, ChangeKind, Plan};

use super::escape::escape;
use super::{CYAN, DIM, GREEN, RED, YELLOW, paint};

fn kind_color(kind: ChangeKind) -> &'static str {
    match kind {
        ChangeKind::Grant | ChangeKind::Renew => GREEN,
        ChangeKind::Expire | ChangeKind::Revoke => RED,
        ChangeKind::Drift => YELLOW,
        ChangeKind::Unknown => CYAN,
        ChangeKind::Denied => RED,
    }
}

fn holder(change: &Change) -> String {
    match (&change.identity, &change.account) {
        (Some(identity), _) => identity.clone(),
        (None, Some(account)) => format!("({account})"),
        (None, None) => "-".into(),
    }
}

fn until(at: Option<OffsetDateTime>) -> String {
    at.map_or_else(|| "-".into(), format_short)
}

/// Returns a table in onboard's style: a header underline, no borders.
pub fn new_table(headers: &[&str]) -> Table {
    let mut table = Table::new();
    table
        .load_style(TableStyle::new().header_separator(LineStyle::none().fill('─').junction('─')))
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(headers.iter().map(Cell::new));
    table
}

/// Renders a table without the padding comfy-table leaves at line ends.
pub fn render(table: &Table) -> String {
    table
        .lines()
        .map(|l| l.trim_end().to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Returns the one-line summary of a plan.
pub fn summary_line(plan: &Plan) -> String {
    let s = plan.summary();
    if !plan.has_changes() && !plan.has_unknown() && !plan.has_denials() {
        return "No changes: the tenants match the workspace.".into();
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
        "Plan: {} to grant, {} to renew, {} to expire, {} to revoke, {} drift, {} unknown{denied}{configuration}.",
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
fn why(change: &Change) -> String {
    match (&change.kind, &change.error_code) {
        (ChangeKind::Unknown, Some(code)) => format!("{code}: {}", change.reason),
        _ => change.reason.clone(),
    }
}

/// Returns what to do about each tenant that could not be read, one line each:
/// `hint for `client/tenant`: …`.
pub fn unreadable_hints(plan: &Plan) -> Vec<String> {
    plan.changes
        .iter()
        .filter(|c| c.kind == ChangeKind::Unknown)
        .filter_map(|c| {
            let hint = c.hint.as_ref()?;
            Some(format!("hint for `{}/{}`: {hint}", c.client, c.tenant))
        })
        .collect()
}

/// Renders a plan as a table followed by its summary line.
pub fn plan_table(plan: &Plan, color: bool) -> String {
    let mut out = String::new();
    if !plan.changes.is_empty() {
        let mut table = new_table(&[
            "change",
            "client/tenant",
            "identity",
            "entitlement",
            "until",
            "why",
        ]);
        for change in &plan.changes {
            table.add_row(vec![
                paint(color, kind_color(change.kind), change.kind.as_str()),
                cell(&format!("{}/{}", change.client, change.tenant)),
                cell(&holder(change)),
                cell(&entitlement(change)),
                until(change.expires_at),
                cell(&why(change)),
            ]);
        }
        let _ = writeln!(out, "{}", render(&table));
        for line in unreadable_hints(plan) {
            let _ = writeln!(out, "{}", cell(&line));
        }
    }
    if !plan.configuration.is_empty() {
        if !plan.changes.is_empty() {
            let _ = writeln!(out);
        }
        let _ = writeln!(out, "Tenant configuration (brought in line first):");
        for line in configuration_lines(plan, "  ") {
            let _ = writeln!(out, "{}", cell(&line));
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(out, "{}", summary_line(plan));
    out
}

/// Returns an untrusted value (an id, a name, a tenant's words) as one table cell:
/// control characters escaped, line breaks included.
fn cell(text: &str) -> String {
    escape(text).into_owned()
}

fn md_cell(text: &str) -> String {
    cell(&text.replace('|', "\\|").replace('\n', " "))
}

fn entitlement(change: &Change) -> String {
    change
        .entitlement
        .as_ref()
        .map_or_else(|| "-".into(), ToString::to_string)
}

/// Renders a plan as markdown for a pull-request comment.
pub fn plan_markdown(plan: &Plan, clients: &[String]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### onboard plan: {}\n", clients.join(", "));
    let s = plan.summary();
    let _ = writeln!(
        out,
        "**{}** to grant · **{}** to renew · **{}** to expire · **{}** to revoke · **{}** drift · **{}** unknown{}{}\n",
        s.grant,
        s.renew,
        s.expire,
        s.revoke,
        s.drift,
        s.unknown,
        if s.denied > 0 {
            format!(" · **{}** denied", s.denied)
        } else {
            String::new()
        },
        match configuration_count(plan) {
            0 => String::new(),
            n => format!(" · **{n}** to tenant configuration"),
        }
    );
    if plan.changes.is_empty() && plan.configuration.is_empty() {
        let _ = writeln!(out, "No changes: the tenants match the workspace.");
    } else {
        let _ = writeln!(
            out,
            "| change | client/tenant | identity | entitlement | until | why |"
        );
        let _ = writeln!(out, "| --- | --- | --- | --- | --- | --- |");
        for change in &plan.changes {
            let _ = writeln!(
                out,
                "| {} | {}/{} | {} | `{}` | {} | {} |",
                change.kind,
                md_cell(&change.client),
                md_cell(&change.tenant),
                md_cell(&holder(change)),
                md_cell(&entitlement(change)),
                until(change.expires_at),
                md_cell(&why(change))
            );
        }
        let hints = unreadable_hints(plan);
        if !hints.is_empty() {
            let _ = writeln!(out);
        }
        for line in hints {
            let _ = writeln!(out, "- {}", md_cell(&line));
        }
    }
    if !plan.configuration.is_empty() {
        let _ = writeln!(out, "\n**Tenant configuration** (brought in line first)\n");
        for line in configuration_lines(plan, "- ") {
            let _ = writeln!(out, "{}", md_cell(&line));
        }
    }
    if !plan.warnings.is_empty() {
        let _ = writeln!(out, "\n**Warnings**\n");
        for warning in &plan.warnings {
            let _ = writeln!(out, "- {}", md_cell(warning));
        }
    }
    out
}

/// Returns `applied`, `unchanged` or `failed` for a result.
pub fn result_word(result: &ChangeResult) -> &'static str {
    match &result.result {
        Ok(Outcome::Changed) => "applied",
        Ok(Outcome::NoChange) => "unchanged",
        Err(_) => "failed",
    }
}

/// Renders apply results as a table: each change, then each tenant whose own
/// configuration failed with no change of its own (as a `configuration` row).
pub fn results_table(applied: &Applied, color: bool) -> String {
    let mut table = new_table(&[
        "result",
        "change",
        "client/tenant",
        "identity",
        "entitlement",
        "detail",
    ]);
    for r in &applied.results {
        let word = result_word(r);
        let painted = match word {
            "applied" => paint(color, GREEN, word),
            "unchanged" => paint(color, DIM, word),
            _ => paint(color, RED, word),
        };
        let detail = match &r.result {
            Err(e) => format!("{}: {}", e.operation, e.detail),
            Ok(Outcome::NoChange) => "tenant already matched; ledger updated".into(),
            Ok(Outcome::Changed) => String::new(),
        };
        table.add_row(vec![
            painted,
            r.change.kind.to_string(),
            cell(&format!("{}/{}", r.change.client, r.change.tenant)),
            cell(&holder(&r.change)),
            cell(&entitlement(&r.change)),
            cell(&detail),
        ]);
    }
    for failure in &applied.configuration_failures {
        table.add_row(vec![
            paint(color, RED, "failed"),
            "configuration".to_string(),
            cell(&format!("{}/{}", failure.client, failure.tenant)),
            "-".to_string(),
            "-".to_string(),
            cell(&format!(
                "{}: {}",
                failure.error.operation, failure.error.detail
            )),
        ]);
    }
    format!("{}\n", render(&table))
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
    let mut table = new_table(&[
        "client/tenant",
        "identity",
        "entitlement",
        "since",
        "until",
        "why",
    ]);
    for g in grants {
        let until = match g.expires_at {
            Some(at) if at <= now => paint(color, RED, &format!("{} (expired)", format_short(at))),
            other => record_until(g, other),
        };
        let mut why = g.sources.join(", ");
        if let Some(ticket) = &g.ticket {
            let _ = write!(why, " [{ticket}]");
        }
        table.add_row(vec![
            cell(&format!("{}/{}", g.client, g.tenant)),
            cell(&g.identity),
            cell(&g.entitlement.to_string()),
            format_short(g.granted_at),
            until,
            cell(&why),
        ]);
    }
    format!(
        "{}\n{} grant{} recorded.\n",
        render(&table),
        grants.len(),
        if grants.len() == 1 { "" } else { "s" }
    )
}

/// Renders ledger records as markdown.
pub fn status_markdown(grants: &[&GrantRecord]) -> String {
    let mut out = String::from(
        "| client/tenant | identity | entitlement | since | until | why |\n| --- | --- | --- | --- | --- | --- |\n",
    );
    for g in grants {
        let _ = writeln!(
            out,
            "| {}/{} | {} | `{}` | {} | {} | {} |",
            md_cell(&g.client),
            md_cell(&g.tenant),
            md_cell(&g.identity),
            md_cell(&g.entitlement.to_string()),
            format_short(g.granted_at),
            record_until(g, g.expires_at),
            md_cell(&g.sources.join(", "))
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ConfigurationChange;
    use crate::plan::TenantConfiguration;

    /// A plan with one grant and configuration changes in two tenants.
    fn plan_with_configuration() -> Plan {
        Plan {
            changes: vec![Change {
                kind: ChangeKind::Grant,
                client: "acme".into(),
                tenant: "partner".into(),
                entitlement: Some("group:GDAP-Acme-Helpdesk".parse().unwrap()),
                identity: Some("alice".into()),
                account: Some("alice@northwind-msp.example".into()),
                expires_at: Some(time::macros::datetime!(2027-03-01 00:00 UTC)),
                previous_expires_at: None,
                sources: vec!["exception:acme-gdap-cover".into()],
                origin: Some("clients/acme.yaml:30:9".into()),
                ticket: Some("CHG-311".into()),
                tenant_already_done: false,
                reason: "wanted by exception:acme-gdap-cover".into(),
                rule: None,
                hint: None,
                error_code: None,
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
