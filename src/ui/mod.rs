//! Everything the user reads: the printer, tables, JSON and markdown documents,
//! progress bars, prompts and error rendering. Reads `model` and `plan`; never acts.

pub mod diagnostics;
pub mod documents;
pub mod escape;
pub mod json;
pub mod progress;
pub mod prompt;
pub mod tables;

use std::io::{self, IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use clap::ValueEnum;

use crate::secrets::scrub;

use self::escape::escape_output;

/// Where `--output` sends data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// A human table.
    Table,
    /// JSON with a `format_version`.
    Json,
    /// Markdown, for a pull-request comment.
    Markdown,
}

/// When to use colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// When stdout or stderr is a terminal and `NO_COLOR` is not set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// Decides what is written where: data to stdout, everything else to stderr.
///
/// Every text is scrubbed of registered secrets ([`crate::secrets::scrub()`]) and has its
/// control characters escaped ([`escape::escape_output`]) on its way out, whatever its
/// origin.
#[derive(Debug, Clone)]
pub struct Printer {
    /// Hide status messages.
    pub quiet: bool,
    /// Show detail (and no progress bars).
    pub verbose: bool,
    /// Colour on stdout.
    pub color_stdout: bool,
    /// Colour on stderr.
    pub color_stderr: bool,
    /// Progress bars allowed.
    pub progress: bool,
    /// Output format for data.
    pub format: OutputFormat,
    /// Fields added to the JSON document this run prints (`request` for `elevate`).
    attached: Arc<Mutex<serde_json::Map<String, serde_json::Value>>>,
}

/// Whether this process wrote data to stdout: `--output json` prints one document, so an
/// error after it adds none.
static DATA_WRITTEN: AtomicBool = AtomicBool::new(false);

/// Returns whether this process has written data to stdout.
pub fn data_written() -> bool {
    DATA_WRITTEN.load(Ordering::SeqCst)
}

impl Printer {
    /// Builds the printer from the global flags.
    pub fn new(
        quiet: bool,
        verbose: bool,
        color: ColorChoice,
        no_progress: bool,
        format: OutputFormat,
    ) -> Self {
        let allowed = |terminal: bool| match color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => terminal && !crate::env::no_color(),
        };
        let stderr_tty = io::stderr().is_terminal();
        Printer {
            quiet,
            verbose,
            color_stdout: allowed(io::stdout().is_terminal()),
            color_stderr: allowed(stderr_tty),
            progress: stderr_tty && !quiet && !verbose && !no_progress,
            format,
            attached: Arc::default(),
        }
    }

    /// Adds a field to the JSON document this run prints with [`Printer::document`].
    pub fn attach(&self, key: &str, value: serde_json::Value) {
        let mut attached = self.attached.lock().unwrap_or_else(|e| e.into_inner());
        attached.insert(key.to_string(), value);
    }

    /// Writes a JSON document to stdout, with the fields attached to this run.
    pub fn document<T: serde::Serialize>(&self, document: &T) -> io::Result<()> {
        let mut value = serde_json::to_value(document).map_err(io::Error::other)?;
        if let Some(fields) = value.as_object_mut() {
            let attached = self.attached.lock().unwrap_or_else(|e| e.into_inner());
            fields.extend(attached.clone());
        }
        self.json(&value)
    }

    /// Writes a JSON document to stdout: the bytes [`Printer::data`] writes of its
    /// [`documents::to_json`] text, serialized straight to stdout rather than built and
    /// then copied to be cleaned (a plan of 100,000 changes is 45 MB of JSON).
    ///
    /// Without a registered secret, each string's control characters are escaped as it
    /// is written ([`json::write_shown`]). With one, the text is scrubbed and escaped a
    /// run of whole lines at a time, which cleans it as the whole text would be while
    /// no secret value spans lines; when one does, the whole text is cleaned at once.
    pub fn json<T: serde::Serialize + ?Sized>(&self, document: &T) -> io::Result<()> {
        if crate::secrets::scrub::spans_lines() {
            return self.data(&documents::to_json(document));
        }
        DATA_WRITTEN.store(true, Ordering::SeqCst);
        let mut out = io::BufWriter::with_capacity(LINES_CLEANED, io::stdout().lock());
        if crate::secrets::scrub::registered() {
            let mut lines = CleanLines {
                printer: self,
                out: &mut out,
                pending: Vec::new(),
            };
            serde_json::to_writer_pretty(&mut lines, document).map_err(io::Error::from)?;
            lines.write_all(b"\n")?;
            lines.clean(lines.pending.len())?;
        } else {
            json::write_shown(&mut out, document)?;
        }
        out.flush()
    }

    /// Writes data to stdout.
    pub fn data(&self, text: &str) -> io::Result<()> {
        DATA_WRITTEN.store(true, Ordering::SeqCst);
        let text = self.clean(text, self.color_stdout);
        let mut out = io::stdout().lock();
        out.write_all(text.as_bytes())?;
        if !text.ends_with('\n') {
            out.write_all(b"\n")?;
        }
        out.flush()
    }

    /// Writes data to stdout given in parts, each whole lines (a long table, part by
    /// part): the same bytes as [`Printer::data`] of the parts joined, without holding
    /// them all. Each part is cleaned on its own, which cleans it as the whole text would
    /// be: escaping is line by line, and so is scrubbing while no secret value spans
    /// lines; when one does, the parts are joined and cleaned as one.
    pub fn data_parts(&self, parts: impl IntoIterator<Item = String>) -> io::Result<()> {
        if crate::secrets::scrub::spans_lines() {
            return self.data(&parts.into_iter().collect::<String>());
        }
        DATA_WRITTEN.store(true, Ordering::SeqCst);
        let mut out = io::stdout().lock();
        let mut ends_line = false;
        for part in parts {
            let text = self.clean(&part, self.color_stdout);
            out.write_all(text.as_bytes())?;
            if !text.is_empty() {
                ends_line = text.ends_with('\n');
            }
        }
        if !ends_line {
            out.write_all(b"\n")?;
        }
        out.flush()
    }

    /// Writes a status line to stderr unless `--quiet`.
    pub fn status(&self, text: &str) {
        if !self.quiet {
            let _ = writeln!(io::stderr(), "{}", self.clean(text, false));
        }
    }

    /// Writes a detail line to stderr with `--verbose`.
    pub fn detail(&self, text: &str) {
        if self.verbose {
            let _ = writeln!(io::stderr(), "{}", self.clean(text, false));
        }
    }

    /// Writes an error line (`error: …`) to stderr, even with `--quiet`.
    pub fn error(&self, text: &str) {
        let label = paint(self.color_stderr, RED, "error:");
        let _ = writeln!(io::stderr(), "{label} {}", self.clean(text, false));
    }

    /// Writes text already rendered for stderr (diagnostics, the plan shown before a
    /// confirmation), even with `--quiet`: callers decide whether it is shown.
    pub fn report(&self, text: &str) {
        let _ = io::stderr().write_all(self.clean(text, self.color_stderr).as_bytes());
    }

    /// Writes a warning to stderr unless `--quiet`.
    pub fn warn(&self, text: &str) {
        if !self.quiet {
            let label = paint(self.color_stderr, YELLOW, "warning:");
            let _ = writeln!(io::stderr(), "{label} {}", self.clean(text, false));
        }
    }

    /// Returns text as it may be written: secrets scrubbed, control characters escaped
    /// except colour sequences when `color` is on. Only data and reports carry colours
    /// of onboard's own (painted table cells, diagnostic labels), whose untrusted fields
    /// were escaped when they were rendered; messages never do: their labels are painted
    /// here.
    fn clean(&self, text: &str, color: bool) -> String {
        escape_output(&scrub(text), color).into_owned()
    }
}

/// Bytes of data [`Printer::json`] holds before writing them (or cleaning the whole
/// lines among them).
const LINES_CLEANED: usize = 64 * 1024;

/// A writer of data that cleans whole lines ([`Printer::clean`]) on their way to `out`.
struct CleanLines<'a, W: Write> {
    printer: &'a Printer,
    out: &'a mut W,
    /// Bytes written and not yet cleaned: the end of a line at most, once cleaned.
    pending: Vec<u8>,
}

impl<W: Write> CleanLines<'_, W> {
    /// Cleans and writes the first `len` bytes pending (whole lines, or all of them).
    fn clean(&mut self, len: usize) -> io::Result<()> {
        let text = std::str::from_utf8(&self.pending[..len]).map_err(io::Error::other)?;
        let text = self.printer.clean(text, self.printer.color_stdout);
        self.out.write_all(text.as_bytes())?;
        self.pending.drain(..len);
        Ok(())
    }
}

impl<W: Write> Write for CleanLines<'_, W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(bytes);
        if self.pending.len() >= LINES_CLEANED
            && let Some(end) = self.pending.iter().rposition(|&b| b == b'\n')
        {
            self.clean(end + 1)?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// ANSI bold red.
pub const RED: &str = "1;31";
/// ANSI green.
pub const GREEN: &str = "32";
/// ANSI yellow.
pub const YELLOW: &str = "33";
/// ANSI cyan.
pub const CYAN: &str = "36";
/// ANSI dim.
pub const DIM: &str = "2";

/// Wraps text in an ANSI colour when `on`.
pub fn paint(on: bool, code: &str, text: &str) -> String {
    if on {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}
