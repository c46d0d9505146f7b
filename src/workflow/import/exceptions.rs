//! The exceptions an import adds for access a known identity holds that no bundle gives.

use std::collections::BTreeSet;

use super::client_file::{field_lines, replace_top_level, scalar};
use super::{IMPORTED_REASON, ImportError, ImportRequest};
use crate::model::{Entitlement, IdentityKind, Workspace};

/// Checks that the approver of imported exceptions is a person of the workspace, as
/// `validate` requires of every exception's approver.
pub(super) fn check_approver(workspace: &Workspace, approver: &str) -> Result<(), ImportError> {
    match workspace.identities.get(approver) {
        Some(identity) if identity.kind == IdentityKind::Person => Ok(()),
        Some(identity) => Err(ImportError::BadApprover {
            approver: approver.to_string(),
            hint: format!(
                "`{approver}` is {}: name a person with `--approver`",
                identity.kind.with_article()
            ),
        }),
        None => Err(ImportError::BadApprover {
            approver: approver.to_string(),
            hint: crate::model::suggest(
                "persons",
                approver,
                workspace
                    .identities
                    .values()
                    .filter(|i| i.kind == IdentityKind::Person)
                    .map(|i| i.id.as_str()),
            ),
        }),
    }
}

/// Returns `wanted`, or `wanted-2`, `wanted-3`… when that id is taken.
pub(super) fn free_id(wanted: &str, taken: &BTreeSet<String>, new: &[String]) -> String {
    let free = |id: &str| !taken.contains(id) && !new.iter().any(|n| n == id);
    if free(wanted) {
        return wanted.to_string();
    }
    (2..)
        .map(|n| format!("{wanted}-{n}"))
        .find(|id| free(id))
        .unwrap_or_else(|| wanted.to_string())
}

/// Writes one imported exception (a list item at the first column's indentation).
pub(super) fn exception_yaml(
    id: &str,
    identity: &str,
    grants: &[(String, String, Entitlement)],
    request: &ImportRequest,
    approver: &str,
) -> String {
    let mut out = format!(
        "  # Held before onboard: review it, replace the ticket, and extend or remove it.\n  - id: {}\n    identity: {}\n    grants:\n",
        scalar(id),
        scalar(identity)
    );
    for (tenant, system, entitlement) in grants {
        out.push_str(&format!(
            "      - system: {}\n        entitlement: {}\n        tenant: {}\n",
            scalar(system),
            scalar(&entitlement.to_string()),
            scalar(tenant)
        ));
    }
    out.push_str(&format!(
        "    reason: {IMPORTED_REASON}\n    ticket: {}\n    approver: {}\n    until: {}\n",
        scalar(&request.ticket),
        scalar(approver),
        scalar(&request.until)
    ));
    out
}

/// Returns the line range of a top-level field: its key line to the last line before
/// `exceptions:` list, creating it when there is none.
pub(super) fn append_exceptions(text: &str, items: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let Some((start, end)) = field_lines(&lines, "exceptions") else {
        return replace_top_level(text, "exceptions", &format!("exceptions:\n{items}"));
    };
    let inline = lines[start]
        .split_once(':')
        .map(|(_, rest)| rest.split('#').next().unwrap_or_default().trim())
        .unwrap_or_default();
    if !inline.is_empty() {
        // `exceptions: []`: nothing to keep.
        return replace_top_level(text, "exceptions", &format!("exceptions:\n{items}"));
    }
    // Items at the indentation the file's own use.
    let indent = lines[start + 1..end]
        .iter()
        .find(|l| l.trim_start().starts_with('-'))
        .map_or(2, |l| l.len() - l.trim_start().len());
    let items: String = items
        .lines()
        .map(|l| {
            let l = l.strip_prefix("  ").unwrap_or(l);
            format!("{}{l}\n", " ".repeat(indent))
        })
        .collect();
    let mut out = String::new();
    for line in &lines[..end] {
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(&items);
    for line in &lines[end..] {
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exceptions_join_the_files_own_list_or_start_one() {
        let item = "  - id: x\n    identity: y\n";
        let text = "id: a\ntier: t\nexceptions:\n- id: old\n  identity: z\n# tail\napprovers: []\n";
        assert_eq!(
            append_exceptions(text, item),
            "id: a\ntier: t\nexceptions:\n- id: old\n  identity: z\n- id: x\n  identity: y\n# tail\napprovers: []\n"
        );
        assert_eq!(
            append_exceptions("id: a\nexceptions: []\n", item),
            "id: a\nexceptions:\n  - id: x\n    identity: y\n"
        );
        assert_eq!(
            append_exceptions("id: a", item),
            "id: a\nexceptions:\n  - id: x\n    identity: y\n"
        );
        assert_eq!(
            replace_top_level("id: a\ntier: old # c\nname: n\n", "tier", "tier: new\n"),
            "id: a\ntier: new\nname: n\n"
        );
    }
}
