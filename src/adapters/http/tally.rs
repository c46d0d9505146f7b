//! Requests sent to tenants in this process, per adapter kind, beside the fewest the
//! work needed: the lower bound each adapter states as it works (one request to verify
//! the tenant, one to find a group, one per page…), without retries, throttled
//! attempts or requests an adapter could have saved. `--verbose` prints both at the end
//! of a run; so does the `tenants` benchmark.

use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock};

use crate::model::AdapterKind;

/// Requests made and needed, per adapter kind.
#[derive(Default)]
pub struct RequestTally {
    counts: Mutex<BTreeMap<AdapterKind, Counts>>,
}

/// Requests made to one kind of tenant, and the lower bound of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Requests sent, every attempt counted.
    pub made: u64,
    /// The fewest the work needed, when the adapter states it.
    pub needed: Option<u64>,
}

/// The process's tally.
pub fn requests() -> &'static RequestTally {
    static TALLY: OnceLock<RequestTally> = OnceLock::new();
    TALLY.get_or_init(RequestTally::default)
}

impl RequestTally {
    fn update(&self, kind: AdapterKind, change: impl FnOnce(&mut Counts)) {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        change(counts.entry(kind).or_default());
    }

    /// Counts one request sent to a tenant of this kind.
    pub fn made(&self, kind: AdapterKind) {
        self.update(kind, |c| c.made += 1);
    }

    /// Adds `n` to the lower bound of requests to tenants of this kind.
    pub fn needed(&self, kind: AdapterKind, n: u64) {
        self.update(kind, |c| c.needed = Some(c.needed.unwrap_or(0) + n));
    }

    /// Returns the counts so far, per kind.
    pub fn counts(&self) -> BTreeMap<AdapterKind, Counts> {
        self.counts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Returns one line per kind of tenant requests went to:
    /// `requests to scim tenants: 1000 made, lower bound 800 (1.25x)`.
    pub fn summary(&self) -> Vec<String> {
        self.counts()
            .into_iter()
            .map(|(kind, counts)| summary_line(kind, counts))
            .collect()
    }
}

fn summary_line(kind: AdapterKind, counts: Counts) -> String {
    let bound = match counts.needed {
        Some(needed) if needed > 0 => format!(
            "lower bound {needed} ({:.2}x)",
            counts.made as f64 / needed as f64
        ),
        Some(_) => "lower bound 0".to_string(),
        None => "no lower bound computed for this kind".to_string(),
    };
    format!("requests to {kind} tenants: {} made, {bound}", counts.made)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_puts_requests_made_beside_the_lower_bound() {
        let tally = RequestTally::default();
        for _ in 0..5 {
            tally.made(AdapterKind::Scim);
        }
        tally.needed(AdapterKind::Scim, 2);
        tally.needed(AdapterKind::Scim, 2);
        tally.made(AdapterKind::Okta);
        assert_eq!(
            tally.summary(),
            [
                "requests to scim tenants: 5 made, lower bound 4 (1.25x)",
                "requests to okta tenants: 1 made, no lower bound computed for this kind",
            ]
        );
    }
}
