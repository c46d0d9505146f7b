//! Progress bars on stderr (indicatif), hidden without a terminal and under `--quiet`
//! or `--verbose`.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::adapters::{AdapterError, Outcome};
use crate::execute::Progress;
use crate::observe::ReadReporter;
use crate::plan::Change;

/// A progress bar for reading tenants (plan, and the read phase of apply, expire and
/// revoke): tenants read of the total, with a rate.
pub struct ReadProgress {
    bar: ProgressBar,
}

impl ReadProgress {
    /// Returns a bar that draws only when `visible` (and there is more than one tenant).
    pub fn new(visible: bool) -> Self {
        let bar = ProgressBar::hidden();
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} reading tenants [{bar:30}] {pos}/{len} ({per_sec}) {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        if visible {
            bar.set_draw_target(ProgressDrawTarget::stderr());
        }
        ReadProgress { bar }
    }
}

impl ReadReporter for ReadProgress {
    fn start(&self, total: usize) {
        self.bar.set_length(total as u64);
        if total < 2 {
            self.bar.set_draw_target(ProgressDrawTarget::hidden());
        }
    }

    fn read(&self, tenant: &str) {
        self.bar
            .set_message(crate::ui::escape::escape(tenant).into_owned());
        self.bar.inc(1);
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// A progress bar for applying changes.
pub struct ApplyProgress {
    bar: ProgressBar,
}

impl ApplyProgress {
    /// Returns a bar that draws only when `visible`.
    pub fn new(visible: bool) -> Self {
        let bar = ProgressBar::hidden();
        if visible {
            bar.set_draw_target(ProgressDrawTarget::stderr());
        }
        bar.set_style(
            ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        ApplyProgress { bar }
    }
}

impl Progress for ApplyProgress {
    fn start(&self, total: usize) {
        self.bar.set_length(total as u64);
        if total < 2 {
            self.bar.set_draw_target(ProgressDrawTarget::hidden());
        }
    }

    fn advance(&self, change: &Change, _result: &Result<Outcome, AdapterError>) {
        let tenant = crate::model::TenantRef::new(&change.client, &change.tenant).to_string();
        self.bar
            .set_message(super::escape::escape(&tenant).into_owned());
        self.bar.inc(1);
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
