//! Plans and ledger records as markdown, for pull-request comments: capped under what
//! GitHub accepts, each client's changes in a collapsed block.

use std::fmt::Write;

use super::*;

/// The most a markdown plan may hold, in bytes: GitHub refuses comments over 65,536
/// characters, and a comment bot adds a few lines of its own around the plan.
pub const MARKDOWN_LIMIT: usize = 60_000;

/// Room kept for the lines that close a capped plan: the `</details>` of the client
/// being written and the note that says what was left out.
const MARKDOWN_TAIL: usize = 1_000;

/// Markdown that stops at [`MARKDOWN_LIMIT`], counting what it leaves out.
struct Capped {
    out: String,
    /// Changes left out.
    changes: usize,
    /// Configuration and warning lines left out.
    lines: usize,
}

impl Capped {
    /// Returns whether `bytes` more fit before the tail's reserve.
    fn fits(&self, bytes: usize) -> bool {
        self.out.len() + bytes <= MARKDOWN_LIMIT - MARKDOWN_TAIL
    }

    /// Writes a line, or counts it as left out once nothing more fits.
    fn line(&mut self, text: &str) -> bool {
        let fits = self.lines == 0 && self.fits(text.len() + 1);
        if fits {
            self.out.push_str(text);
            self.out.push('\n');
        } else {
            self.lines += 1;
        }
        fits
    }
}

/// Renders a plan as markdown for a pull-request comment: the counts, then each
/// client's changes in a collapsed `<details>` block (open when only one client has
/// changes). A plan that would pass [`MARKDOWN_LIMIT`] stops at a row and says how many
/// changes it left out and where the whole plan is.
pub fn plan_markdown(plan: &Plan, clients: &[String]) -> String {
    plan_markdown_with_credentials(plan, clients, &[])
}

/// Renders a plan as markdown (see [`plan_markdown`]), with its credential changes in a
/// section of their own after the access changes, counted in the summary line.
pub fn plan_markdown_with_credentials(
    plan: &Plan,
    clients: &[String],
    credentials: &[CredentialChange],
) -> String {
    let mut out = String::new();
    let title = if clients.len() > 10 {
        format!("{} clients", clients.len())
    } else {
        clients.join(", ")
    };
    let _ = writeln!(out, "### onboard plan: {}\n", md_cell(&title));
    let s = plan.summary();
    let _ = writeln!(
        out,
        "**{}** to grant · **{}** to renew · **{}** to expire · **{}** to revoke · **{}** drift · **{}** unknown{}{}{}\n",
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
        },
        match credentials.len() {
            0 => String::new(),
            n => format!(" · **{n}** credential change(s)"),
        }
    );
    let rows = plan.rows();
    if rows.is_empty() && plan.configuration.is_empty() && credentials.is_empty() {
        let _ = writeln!(out, "No changes: the tenants match the workspace.");
        return out;
    }
    let mut capped = Capped {
        out,
        changes: 0,
        lines: 0,
    };
    // Changes come ordered by client: one block per run of the same client.
    let groups: Vec<&[PlanEntry]> = rows.chunk_by(|a, b| a.client == b.client).collect();
    for group in &groups {
        write_client_changes(&mut capped, group, groups.len() == 1);
    }
    let hints = unreadable_hints(plan);
    if !hints.is_empty() {
        capped.line("");
    }
    for line in hints {
        capped.line(&format!("- {}", md_cell(&line)));
    }
    if !credentials.is_empty() {
        let gap = if rows.is_empty() { "" } else { "\n" };
        capped.line(&format!(
            "{gap}**Credentials** of service accounts and agents (never a value)\n"
        ));
        capped.line("| credential | client/tenant | identity | kind | why | deliver to |");
        capped.line("| --- | --- | --- | --- | --- | --- |");
        for change in credentials {
            let slot = change.slot();
            capped.line(&format!(
                "| {} | {} | {} | {} | {} | `{}` |",
                change.action(),
                md_cell(&crate::model::TenantRef::new(&slot.client, &slot.tenant).to_string()),
                md_cell(&slot.identity),
                md_cell(&credential_kind(&slot)),
                md_cell(&change.why()),
                md_cell(change.deliver()),
            ));
        }
    }
    if !plan.configuration.is_empty() {
        capped.line("\n**Tenant configuration** (brought in line first)\n");
        for line in configuration_lines(plan, "- ") {
            capped.line(&md_cell(&line));
        }
    }
    if !plan.warnings.is_empty() {
        capped.line("\n**Warnings**\n");
        for warning in &plan.warnings {
            capped.line(&format!("- {}", md_cell(warning)));
        }
    }
    let mut out = capped.out;
    if capped.changes > 0 || capped.lines > 0 {
        let mut left_out = Vec::new();
        if capped.changes > 0 {
            left_out.push(format!("{} of {} changes", capped.changes, rows.len()));
        }
        if capped.lines > 0 {
            left_out.push(format!("{} configuration or warning lines", capped.lines));
        }
        let _ = writeln!(
            out,
            "\n> [!NOTE]\n> **Not shown: {}**, to stay under the 65,536 characters a comment may hold. The counts above are the whole plan's; the full plan is the `plan.json` artifact of this run (`onboard plan --out plan.json`), or run `onboard plan` yourself.",
            left_out.join(" and ")
        );
    }
    out
}

/// Writes one client's changes as a `<details>` block with a table, row by row until
/// the limit, counting the rows left out.
fn write_client_changes(capped: &mut Capped, changes: &[PlanEntry], open: bool) {
    let Some(first) = changes.first() else { return };
    let summary = Summary::of(changes.iter().map(|c| c.kind));
    let counts: Vec<String> = [
        (summary.grant, "to grant"),
        (summary.renew, "to renew"),
        (summary.expire, "to expire"),
        (summary.revoke, "to revoke"),
        (summary.drift, "drift"),
        (summary.unknown, "unknown"),
        (summary.denied, "denied"),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect();
    let head = format!(
        "<details{}><summary><b>{}</b>: {}</summary>\n\n| change | tenant | identity | entitlement | until | why |\n| --- | --- | --- | --- | --- | --- |\n",
        if open { " open" } else { "" },
        html_text(&first.client),
        counts.join(" · ")
    );
    let rows: Vec<String> = changes
        .iter()
        .map(|change| {
            format!(
                "| {} | {} | {} | `{}` | {} | {} |\n",
                change.kind,
                md_cell(&change.tenant),
                md_cell(&holder(change)),
                md_cell(&entitlement(change)),
                until(change.expires_at),
                md_cell(&why(change))
            )
        })
        .collect();
    // A block is started only when its head and first row fit, and nothing is written
    // after the first row left out, so the table never skips rows in the middle.
    if capped.changes > 0 || !capped.fits(head.len() + rows[0].len()) {
        capped.changes += changes.len();
        return;
    }
    capped.out.push_str(&head);
    for row in &rows {
        if capped.changes == 0 && capped.fits(row.len()) {
            capped.out.push_str(row);
        } else {
            capped.changes += 1;
        }
    }
    capped.out.push_str("\n</details>\n");
}

/// Returns text for HTML (a `<summary>`): control characters escaped, `<`, `>` and `&`
/// as entities.
fn html_text(text: &str) -> String {
    cell(text)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
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
            md_cell(&format!(
                "{}{}",
                Source::join(&g.sources, ", "),
                if g.origin == crate::model::RecordOrigin::HeldBeforeOnboard {
                    " (held before onboard)"
                } else {
                    ""
                }
            ))
        );
    }
    out
}
