//! Laying out tables in onboard's style: comfy-table's layout, written directly when
//! every cell is plain text ([`plain_lines`]), which is every cell of onboard's own text
//! and of escaped fields but for other letters. A plan or a status of 100,000 rows
//! through comfy-table took a second and over 300 MB; written directly, a tenth of that.

use comfy_table::{Cell, ContentArrangement, LineStyle, Table, TableStyle};

/// Returns a table in onboard's style: a header underline, no borders.
pub(super) fn new_table(headers: &[&str]) -> Table {
    let mut table = Table::new();
    table
        .load_style(TableStyle::new().header_separator(LineStyle::none().fill('─').junction('─')))
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(headers.iter().map(Cell::new));
    table
}

/// Renders a table without the padding comfy-table leaves at line ends.
pub(super) fn render(table: &Table) -> String {
    render_lines(table).collect::<Vec<_>>().join("\n")
}

/// A table's lines, without the padding comfy-table leaves at their ends.
pub(super) fn render_lines(table: &Table) -> impl Iterator<Item = String> {
    table.lines().map(|mut line| {
        line.truncate(line.trim_end().len());
        line
    })
}

/// Renders the rows under the headers as a table in onboard's style (a header
/// underline, no borders, no padding at line ends): the text comfy-table renders of
/// that table, byte for byte, laid out directly when every cell is plain text, else by
/// comfy-table.
pub fn table_text(headers: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut widths: Vec<u16> = headers.iter().map(|h| text_width(h)).collect();
    for row in &rows {
        for (width, text) in widths.iter_mut().zip(row) {
            *width = (*width).max(text_width(text));
        }
    }
    if let Some(mut text) = plain_lines(Some(headers), &rows, &widths) {
        text.pop();
        return text;
    }
    let mut table = new_table(headers);
    for row in rows {
        table.add_row(row);
    }
    render(&table)
}

/// Returns the width of a cell of printable ASCII and onboard's own colour sequences
/// (which take no width); `None` for anything else, whose width is comfy-table's to
/// measure.
fn plain_width(text: &str) -> Option<usize> {
    let mut width = 0;
    let mut rest = text.as_bytes();
    while let Some((&b, after)) = rest.split_first() {
        if b == 0x1b {
            let code = after.strip_prefix(b"[")?;
            let end = code
                .iter()
                .position(|c| !(c.is_ascii_digit() || *c == b';'))?;
            rest = code[end..].strip_prefix(b"m")?;
        } else if (b' '..b'\x7f').contains(&b) {
            width += 1;
            rest = after;
        } else {
            return None;
        }
    }
    Some(width)
}

/// Returns the width comfy-table gives a cell of `text` (at least 1): its
/// [`plain_width`] when it is plain, as every cell of onboard's own text and every
/// escaped field is but for other letters; else the width comfy-table measures.
pub(super) fn text_width(text: &str) -> u16 {
    if let Some(width) = plain_width(text) {
        return u16::try_from(width).unwrap_or(u16::MAX).max(1);
    }
    let mut table = Table::new();
    table.add_row(vec![text]);
    table.column_max_content_widths()[0]
}

/// Returns the lines of a part of a table in onboard's style ([`new_table`]) whose
/// columns are `widths` wide, as [`render_lines`] writes them, each ending in a line
/// break: the header and its underline when `header` is given, then the rows. `None`
/// when a cell holds anything but printable ASCII and onboard's own colour sequences,
/// whose width the caller leaves to comfy-table to measure.
///
/// Laid out as comfy-table lays out that style: each cell padded with a space on
/// either side to its column's width (colour sequences take no width), the cells
/// separated by a space, the header underlined with `─` across every column and
/// separator; trailing spaces dropped. (`plain_lines_are_the_lines_comfy_table_renders`
/// compares the two.)
pub(super) fn plain_lines(
    header: Option<&[&str]>,
    rows: &[Vec<String>],
    widths: &[u16],
) -> Option<String> {
    let line = |text: &mut String, cells: &mut dyn Iterator<Item = &str>| -> Option<()> {
        let start = text.len();
        for (index, (cell, &width)) in cells.zip(widths).enumerate() {
            let used = plain_width(cell)?;
            if index > 0 {
                text.push(' ');
            }
            text.push(' ');
            text.push_str(cell);
            for _ in used..usize::from(width) + 1 {
                text.push(' ');
            }
        }
        text.truncate(start + text[start..].trim_end().len());
        text.push('\n');
        Some(())
    };
    let mut text = String::new();
    if let Some(header) = header {
        line(&mut text, &mut header.iter().copied())?;
        let underline =
            widths.iter().map(|w| usize::from(*w) + 2).sum::<usize>() + widths.len() - 1;
        text.extend(std::iter::repeat_n('─', underline));
        text.push('\n');
    }
    for row in rows {
        line(&mut text, &mut row.iter().map(String::as_str))?;
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::{GREEN, RED, paint};

    /// The apply results table as one comfy-table table, as it was rendered whole.
    #[test]
    fn plain_lines_are_the_lines_comfy_table_renders() {
        let rows: Vec<Vec<String>> = vec![
            vec![
                paint(true, GREEN, "applied"),
                "grant".into(),
                String::new(),
                "x  ".into(),
            ],
            vec![
                paint(true, RED, "failed"),
                String::new(),
                " lead".into(),
                "-".into(),
            ],
            vec!["a".into(), "b".into(), "c".into(), String::new()],
        ];
        let headers = ["result", "change", "from", "detail"];
        let widths = [7, 6, 5, 6];
        let mut table = new_table(&headers);
        for row in &rows {
            table.add_row(row);
        }
        // Laid out at the widths given, as a row of blanks that wide makes comfy-table do.
        table.add_row(widths.iter().map(|&w| " ".repeat(w)));
        let lines: Vec<String> = render_lines(&table).collect();
        let whole = format!("{}\n", lines[..lines.len() - 1].join("\n"));
        let widths = widths.map(|w| w as u16);
        assert_eq!(plain_lines(Some(&headers), &rows, &widths).unwrap(), whole);
        let body = lines[2..lines.len() - 1].join("\n") + "\n";
        assert_eq!(plain_lines(None, &rows, &widths).unwrap(), body);
        // Other letters, and escapes other than colours, are comfy-table's to measure.
        for cell in ["é", "技", "\x1b]0;x", "\x1b[31", "tab\t"] {
            assert_eq!(
                plain_lines(None, &[vec![cell.to_string()]], &[9]),
                None,
                "{cell}"
            );
        }
    }

    /// What `render` makes of a comfy-table table of the rows.
    fn comfy(headers: &[&str], rows: &[Vec<String>]) -> String {
        let mut table = new_table(headers);
        for row in rows {
            table.add_row(row);
        }
        render(&table)
    }

    #[test]
    fn a_table_laid_out_directly_is_the_table_comfy_table_renders() {
        let headers = ["change", "client/tenant", "why"];
        let plain = vec![
            vec![
                paint(true, GREEN, "grant"),
                "acme/entra".into(),
                "bundle".into(),
            ],
            vec![paint(true, RED, "revoke"), String::new(), "x  ".into()],
            vec![
                "-".into(),
                "a-much-longer-client/tenant".into(),
                String::new(),
            ],
        ];
        assert_eq!(table_text(&headers, plain.clone()), comfy(&headers, &plain));
        // No rows: the header and its underline.
        assert_eq!(table_text(&headers, Vec::new()), comfy(&headers, &[]));
        // A cell of other letters, or of two lines, is laid out by comfy-table, and the
        // text is still the same.
        for odd in ["技術者-ワイド", "é", "two\nlines"] {
            let mut rows = plain.clone();
            rows[1][2] = odd.to_string();
            assert_eq!(
                table_text(&headers, rows.clone()),
                comfy(&headers, &rows),
                "{odd}"
            );
            assert!(plain_lines(None, &rows, &[9, 9, 9]).is_none());
        }
    }
}
