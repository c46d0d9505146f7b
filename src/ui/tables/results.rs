//! The apply results table, rendered in parts of [`RESULTS_PART`] rows.

use super::layout::{new_table, plain_lines, render_lines, text_width};
use super::*;
use crate::adapters::Outcome;
use crate::execute::{Applied, ChangeResult};

/// Returns `applied`, `unchanged` or `failed` for a result.
pub fn result_word(result: &ChangeResult<'_>) -> &'static str {
    match &result.result {
        Ok(Outcome::Changed) => "applied",
        Ok(Outcome::NoChange) => "unchanged",
        Err(_) => "failed",
    }
}

/// The columns of the apply results table.
const RESULTS_HEADERS: [&str; 6] = [
    "result",
    "change",
    "client/tenant",
    "identity",
    "entitlement",
    "detail",
];

/// Rows of the apply results table rendered at a time (see [`results_table`]).
const RESULTS_PART: usize = 2048;

/// Returns row `index` of the apply results table: each change, then each tenant whose
/// own configuration failed with no change of its own (as a `configuration` row).
fn results_row(applied: &Applied<'_>, index: usize, color: bool) -> Vec<String> {
    let Some(r) = applied.results.get(index) else {
        let failure = &applied.configuration_failures[index - applied.results.len()];
        return vec![
            paint(color, RED, "failed"),
            "configuration".to_string(),
            cell(&TenantRef::new(&failure.client, &failure.tenant).to_string()),
            "-".to_string(),
            "-".to_string(),
            cell(&format!(
                "{}: {}",
                failure.error.operation, failure.error.detail
            )),
        ];
    };
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
    vec![
        painted,
        r.change.kind.to_string(),
        cell(&TenantRef::new(&r.change.client, &r.change.tenant).to_string()),
        cell(&holder_of(
            r.change.identity.as_deref(),
            r.change.account.as_deref(),
        )),
        cell(&entitlement_of(r.change.entitlement.as_ref())),
        cell(&detail),
    ]
}

/// Renders apply results as a table, each change a row, then each tenant whose own
/// configuration failed with no change of its own (as a `configuration` row): the text
/// of the whole table, in parts of `RESULTS_PART` (2,048) rows, each part whole lines.
///
/// A run of 100,000 changes would hold every cell of one comfy-table table several times
/// over (its cells, their padded lines, the lines, the text): about 150 MB. Each part is
/// a table of its own rows instead, laid out with the column widths of the whole table,
/// so the parts joined are byte for byte the one table: the widths are measured row by
/// row first, and each part ends in a row of blanks as wide as the widest cell of each
/// column, which gives it the whole table's widths and is not shown. Every part has the
/// header, shown in the first only.
pub fn results_table<'a>(
    applied: &'a Applied<'_>,
    color: bool,
) -> impl Iterator<Item = String> + 'a {
    let rows = applied.results.len() + applied.configuration_failures.len();
    // At least one part, for the header of a table without rows.
    let starts: Vec<usize> = (0..rows.max(1)).step_by(RESULTS_PART).collect();
    let part = |rows: &[Vec<String>]| {
        let mut table = new_table(&RESULTS_HEADERS);
        for row in rows {
            table.add_row(row);
        }
        table
    };
    // Each column's width as comfy-table measures it: its widest cell, at least 1.
    // Colour adds no width (comfy-table measures text without its colour sequences).
    let mut widths: Vec<u16> = RESULTS_HEADERS.iter().map(|h| text_width(h)).collect();
    for index in 0..rows {
        for (width, text) in widths.iter_mut().zip(results_row(applied, index, false)) {
            *width = (*width).max(text_width(&text));
        }
    }
    starts.into_iter().map(move |start| {
        let rows: Vec<Vec<String>> = (start..(start + RESULTS_PART).min(rows))
            .map(|index| results_row(applied, index, color))
            .collect();
        if let Some(text) =
            plain_lines((start == 0).then_some(&RESULTS_HEADERS[..]), &rows, &widths)
        {
            return text;
        }
        let mut table = part(&rows);
        table.add_row(widths.iter().map(|&w| " ".repeat(w.into())));
        let lines: Vec<String> = render_lines(&table).collect();
        // Not the header again after the first part, nor the row of blanks.
        let shown = &lines[if start == 0 { 0 } else { 2 }..lines.len() - 1];
        let mut text = String::with_capacity(shown.iter().map(|l| l.len() + 1).sum());
        for line in shown {
            text.push_str(line);
            text.push('\n');
        }
        text
    })
}

#[cfg(test)]
mod tests {
    use super::super::layout::render;
    use super::*;
    use crate::plan::Change;

    fn results_whole(applied: &Applied<'_>, color: bool) -> String {
        let mut table = new_table(&RESULTS_HEADERS);
        let rows = applied.results.len() + applied.configuration_failures.len();
        for index in 0..rows {
            table.add_row(results_row(applied, index, color));
        }
        format!("{}\n", render(&table))
    }

    #[test]
    fn apply_results_rendered_in_parts_are_the_whole_table_byte_for_byte() {
        use crate::adapters::{AdapterError, FailureKind};
        use crate::execute::{ChangeResult, ConfigurationFailure};
        let template = super::super::tests::plan_with_configuration().changes[0].clone();
        let count = 2 * RESULTS_PART + 7;
        // The widest cell of each column in a different part, one of them a wide
        // character: the first part is laid out with the widths of the last.
        let changes: Vec<Change> = (0..count)
            .map(|i| Change {
                client: match i {
                    3 => "a-client-with-a-long-name".to_string(),
                    _ => format!("c{}", i % 7),
                },
                identity: Some(match i {
                    i if i == RESULTS_PART + 1 => "技術者-ワイド".to_string(),
                    i if i == count - 1 => "the-technician-with-the-longest-name".to_string(),
                    i => format!("t{i}"),
                }),
                ..template.clone()
            })
            .collect();
        let results: Vec<ChangeResult<'_>> = changes
            .iter()
            .enumerate()
            .map(|(i, change)| ChangeResult {
                change,
                result: match i % 3 {
                    0 => Ok(Outcome::Changed),
                    1 => Ok(Outcome::NoChange),
                    _ => Err(AdapterError::new(
                        "c/t",
                        "grant",
                        FailureKind::Unreachable,
                        "x".repeat(i % 50),
                    )),
                },
                tenant_enforces_expiry: false,
            })
            .collect();
        let configuration_failures = vec![ConfigurationFailure {
            client: "acme".into(),
            tenant: "okta".into(),
            error: AdapterError::new("acme/okta", "assign", FailureKind::Rejected, "no"),
        }];
        let applied = Applied {
            results,
            configuration_failures,
        };
        for color in [false, true] {
            let parts: Vec<String> = results_table(&applied, color).collect();
            assert_eq!(parts.len(), 3);
            assert!(parts.iter().all(|p| p.ends_with('\n')));
            assert_eq!(
                parts.concat(),
                results_whole(&applied, color),
                "color {color}"
            );
        }
        // The parts without the wide character are laid out without comfy-table.
        let plain: Vec<Vec<String>> = (0..applied.results.len())
            .filter(|i| !(RESULTS_PART..2 * RESULTS_PART).contains(i))
            .map(|i| results_row(&applied, i, true))
            .collect();
        assert!(plain_lines(None, &plain, &[9, 9, 29, 36, 20, 60]).is_some());
        // A table without rows is its header.
        let empty = Applied::default();
        let parts: Vec<String> = results_table(&empty, false).collect();
        assert_eq!(parts, [results_whole(&empty, false)]);
        assert_eq!(parts[0].lines().count(), 2);
    }
}
