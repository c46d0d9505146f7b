//! The audit log as an apply writes it: the intents of changes announced ahead of them in
//! windows that span tenants, outcomes stored with the next durable write, and which sent
//! changes' outcomes are not stored yet.
//!
//! No change is sent before its intent is stored. A window holds the intents of up to
//! [`WINDOW`] changes, of the tenant that asks for it and of the tenants after it, so that
//! a run over many small tenants stores its intents in few durable writes (one fsync per
//! chain, or one transaction) rather than one per tenant. Outcomes are signed into the
//! chain as they come and stored with the next durable write: the next window, a ledger
//! save, or the run's end.
//!
//! The next window is stored ahead of the workers ([`Journal::herald`]): once fewer than
//! half a window of changes are announced and not yet started, a thread of its own
//! stores the next window while the workers' requests are under way, so that a worker
//! reaching a new window seldom waits for its intents to be stored. A durable write holds
//! neither the log nor the journal's marks while it is stored ([`AuditLog::seal`]): the
//! other workers sign their outcomes and start their stored windows meanwhile. Writes
//! are made one at a time, in order. A crash leaves at most a window and a half of changes
//! (plus the windows of tenants being worked on) whose intents have no outcome; the next
//! run re-reads their tenants and records them as reconciled.

use std::ops::Range;
use std::sync::{Condvar, Mutex, MutexGuard};

use crate::audit::{AuditError, AuditLog, Entry, Phase};
use crate::plan::Change;

use super::entries::entry_of;

/// Changes whose intents are stored in one durable write, at most (a tenant's changes
/// beyond it are announced in windows of their own).
pub(super) const WINDOW: usize = 1024;

/// One tenant's changes, `(client, tenant)` and the changes in plan order.
pub(super) type Group<'c> = ((&'c str, &'c str), Vec<&'c Change>);

/// How far a window of changes is announced, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Announced {
    /// Its intents are not written.
    No,
    /// Its intents are signed into their chains, not yet stored.
    Written,
    /// Its intents are stored: its changes may be sent.
    Stored,
    /// Its intents are stored and a worker has started its changes.
    Started,
}

/// What the journal knows of the run so far.
struct Marks<'p> {
    /// Each window's state, by window.
    windows: Vec<Announced>,
    /// The workers are done, or a window could not be stored ahead: the herald stops.
    closed: bool,
    /// Changes that took effect whose outcomes are written but not yet stored.
    unconfirmed: Vec<&'p Change>,
    /// Changes that took effect whose outcomes could not be written.
    lost: Vec<&'p Change>,
}

/// The audit log of one apply, shared by the tenants worked on in parallel.
pub(super) struct Journal<'a, 'p> {
    audit: &'a Mutex<AuditLog>,
    run: &'a str,
    groups: &'a [Group<'p>],
    ids: &'a [Vec<String>],
    /// The windows, in the order tenants are worked on: a group and a range of its changes.
    windows: Vec<(usize, Range<usize>)>,
    /// Each group's first window; one more entry, the number of windows.
    first: Vec<usize>,
    marks: Mutex<Marks<'p>>,
    /// Wakes the herald when it has a window to store ahead, or when it is to stop.
    ahead: Condvar,
    /// Held while a durable write is under way: one at a time, in order.
    storing: Mutex<()>,
}

impl<'a, 'p> Journal<'a, 'p> {
    /// A journal of the run `run` for the `groups`' changes, whose change ids are `ids`
    /// (group by group).
    pub(super) fn new(
        audit: &'a Mutex<AuditLog>,
        run: &'a str,
        groups: &'a [Group<'p>],
        ids: &'a [Vec<String>],
    ) -> Self {
        let mut windows = Vec::new();
        let mut first = Vec::with_capacity(groups.len() + 1);
        for (index, (_, changes)) in groups.iter().enumerate() {
            first.push(windows.len());
            windows.extend(
                (0..changes.len())
                    .step_by(WINDOW)
                    .map(|start| (index, start..(start + WINDOW).min(changes.len()))),
            );
        }
        first.push(windows.len());
        let marks = Marks {
            windows: vec![Announced::No; windows.len()],
            closed: false,
            unconfirmed: Vec::new(),
            lost: Vec::new(),
        };
        Journal {
            audit,
            run,
            groups,
            ids,
            windows,
            first,
            marks: Mutex::new(marks),
            ahead: Condvar::new(),
            storing: Mutex::new(()),
        }
    }

    fn marks(&self) -> MutexGuard<'_, Marks<'p>> {
        self.marks.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The group's windows: a window's index and the range of the group's changes in it.
    pub(super) fn windows(&self, group: usize) -> impl Iterator<Item = (usize, Range<usize>)> {
        (self.first[group]..self.first[group + 1]).map(|w| (w, self.windows[w].1.clone()))
    }

    /// The run's id.
    pub(super) fn run(&self) -> &'a str {
        self.run
    }

    /// A group: its `(client, tenant)` and its changes.
    pub(super) fn group(&self, group: usize) -> &'a Group<'p> {
        &self.groups[group]
    }

    /// The group's change ids.
    pub(super) fn ids(&self, group: usize) -> &'a [String] {
        &self.ids[group]
    }

    /// Returns once the intents of `window` are stored, writing them (with those of the
    /// other windows not yet written, in order, up to [`WINDOW`] changes) if they are not,
    /// and counts its changes as started (see [`Journal::herald`]).
    pub(super) fn announce(&self, window: usize) -> Result<(), AuditError> {
        if self.marks().windows[window] < Announced::Stored {
            self.store_window(window)?;
        }
        let mut marks = self.marks();
        if marks.windows[window] == Announced::Stored {
            marks.windows[window] = Announced::Started;
            if self.wants_ahead(&marks) {
                self.ahead.notify_one();
            }
        }
        Ok(())
    }

    /// Runs `work` (the workers) with [`Journal::herald`] beside it on a thread of its
    /// own, stopped when `work` returns or panics.
    pub(super) fn with_herald<T>(&self, work: impl FnOnce() -> T) -> T {
        /// Stops the herald when dropped.
        struct Closing<'j, 'a, 'p>(&'j Journal<'a, 'p>);
        impl Drop for Closing<'_, '_, '_> {
            fn drop(&mut self) {
                self.0.close();
            }
        }
        std::thread::scope(|scope| {
            scope.spawn(|| self.herald());
            let _closing = Closing(self);
            work()
        })
    }

    /// Stores the windows ahead of the workers until they are done ([`Journal::close`]):
    /// whenever fewer than half a [`WINDOW`] of changes are written and not yet started,
    /// the next windows not yet written, as [`Journal::announce`] would write them. Run on
    /// a thread of its own beside the workers. A window it cannot store is left to the
    /// worker that reaches it, which tries again and fails as it would have (and no
    /// change of it is sent); the herald then stops.
    fn herald(&self) {
        loop {
            let next = {
                let mut marks = self.marks();
                while !marks.closed && !self.wants_ahead(&marks) {
                    marks = self.ahead.wait(marks).unwrap_or_else(|e| e.into_inner());
                }
                if marks.closed {
                    return;
                }
                match marks.windows.iter().position(|w| *w == Announced::No) {
                    Some(next) => next,
                    None => return,
                }
            };
            if self.store_window(next).is_err() {
                self.marks().closed = true;
                return;
            }
        }
    }

    /// Stops the herald: the workers are done.
    fn close(&self) {
        self.marks().closed = true;
        self.ahead.notify_all();
    }

    /// Whether the herald has a window to store ahead of the workers.
    fn wants_ahead(&self, marks: &Marks<'_>) -> bool {
        // Changes whose intents are written (stored, or in the write under way) and
        // which no worker has started.
        let ready: usize = marks
            .windows
            .iter()
            .zip(&self.windows)
            .filter(|(state, _)| matches!(state, Announced::Written | Announced::Stored))
            .map(|(_, (_, range))| range.len())
            .sum();
        !marks.closed && ready < WINDOW / 2 && marks.windows.contains(&Announced::No)
    }

    /// Stores the intents of `window`, writing them (with those of the other windows not
    /// yet written, in order, up to [`WINDOW`] changes) if they are not.
    fn store_window(&self, window: usize) -> Result<(), AuditError> {
        let written = {
            let mut marks = self.marks();
            let mut audit = self.audit.lock().unwrap_or_else(|e| e.into_inner());
            if marks.windows[window] == Announced::No {
                // With it, the windows not yet written of the tenants being started (a
                // worker may ask before the one for an earlier tenant does) and of those
                // after it.
                let mut ahead = vec![window];
                let mut count = self.windows[window].1.len();
                for next in (0..self.windows.len()).filter(|&w| w != window) {
                    let size = self.windows[next].1.len();
                    if marks.windows[next] != Announced::No {
                        continue;
                    }
                    if count + size > WINDOW {
                        break;
                    }
                    ahead.push(next);
                    count += size;
                }
                // A chain that cannot be opened (a forged tail) fails only the tenants of
                // its client: the window is then written for this tenant alone.
                let opened = self.open_chains(&mut audit, &ahead);
                if opened.is_err() {
                    ahead.truncate(1);
                    self.open_chains(&mut audit, &ahead)?;
                }
                let written: usize = ahead.iter().map(|&w| self.windows[w].1.len()).sum();
                #[cfg(feature = "test-hooks")]
                fault_switch(self.groups[self.windows[window].0].0.0, written)?;
                // With its chain open, appending to it cannot fail: a window is written
                // whole.
                for &w in &ahead {
                    for (chain, entry) in self.intents(w) {
                        audit.append(chain, entry)?;
                    }
                    marks.windows[w] = Announced::Written;
                }
                written
            } else {
                0
            }
        };
        // Stored by this write, or by the one under way that took its intents (then
        // nothing more is written for it).
        self.store_unless_stored(Some(window))?;
        #[cfg(feature = "test-hooks")]
        crash_switch(written);
        #[cfg(not(feature = "test-hooks"))]
        let _ = written;
        Ok(())
    }

    /// Opens the chains of the windows' clients, so that appending to them cannot fail.
    fn open_chains(&self, audit: &mut AuditLog, windows: &[usize]) -> Result<(), AuditError> {
        for &w in windows {
            audit.chain(self.groups[self.windows[w].0].0.0)?;
        }
        Ok(())
    }

    /// The intents of a window's changes, with their chains.
    fn intents(&self, window: usize) -> Vec<(&'a str, Entry)> {
        let (group, range) = &self.windows[window];
        let ((client, _), changes) = &self.groups[*group];
        changes[range.clone()]
            .iter()
            .zip(&self.ids[*group][range.clone()])
            .map(|(change, id)| {
                let mut entry = entry_of(change, id.clone());
                entry.phase = Some(Phase::Intent);
                (*client, entry)
            })
            .collect()
    }

    /// Signs the outcomes of changes into `chain`, stored with the next durable write;
    /// `took_effect` are the changes among them that took effect, which are unknown
    /// until their outcomes are stored.
    pub(super) fn outcomes(
        &self,
        chain: &str,
        outcomes: Vec<Entry>,
        took_effect: impl Iterator<Item = &'p Change>,
    ) -> Result<(), AuditError> {
        let mut marks = self.marks();
        let written = self.write(chain, outcomes);
        match written {
            Ok(()) => marks.unconfirmed.extend(took_effect),
            Err(_) => marks.lost.extend(took_effect),
        }
        written
    }

    /// Signs entries into `chain`, stored with the next durable write.
    pub(super) fn write(&self, chain: &str, entries: Vec<Entry>) -> Result<(), AuditError> {
        #[cfg(feature = "test-hooks")]
        fault_switch(chain, entries.len())?;
        let mut audit = self.audit.lock().unwrap_or_else(|e| e.into_inner());
        for entry in entries {
            audit.append(chain, entry)?;
        }
        Ok(())
    }

    /// Signs entries into `chain` and stores them, with every entry written before them.
    pub(super) fn write_now(&self, chain: &str, entries: Vec<Entry>) -> Result<(), AuditError> {
        self.write(chain, entries)?;
        self.store_unless_stored(None)
    }

    /// Stores every entry written so far.
    pub(super) fn store(&self) -> Result<(), AuditError> {
        self.store_unless_stored(None)
    }

    /// Stores every entry written so far, unless `window`'s intents are stored by the time
    /// the writes before are done; the windows written are then stored, and the outcomes
    /// written confirmed. The log and the marks are held only to seal the write and to
    /// take its outcome back, not while it is stored: a worker signs its outcomes and
    /// starts a stored window meanwhile. Writes are made one at a time, in order.
    fn store_unless_stored(&self, window: Option<usize>) -> Result<(), AuditError> {
        let _one_at_a_time = self.storing.lock().unwrap_or_else(|e| e.into_inner());
        let (sealed, windows, confirmed) = {
            let marks = self.marks();
            if window.is_some_and(|w| marks.windows[w] >= Announced::Stored) {
                return Ok(());
            }
            let mut audit = self.audit.lock().unwrap_or_else(|e| e.into_inner());
            #[cfg(feature = "test-hooks")]
            fault_switch("", 0)?;
            let windows: Vec<usize> = (0..marks.windows.len())
                .filter(|&w| marks.windows[w] == Announced::Written)
                .collect();
            (audit.seal(), windows, marks.unconfirmed.len())
        };
        let stored = sealed.store();
        let mut marks = self.marks();
        self.audit
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .settle(sealed, stored)?;
        for w in windows {
            marks.windows[w] = Announced::Stored;
        }
        marks.unconfirmed.drain(..confirmed);
        Ok(())
    }

    /// The changes that took effect whose outcomes are not stored: those that could not be
    /// written, and those written since the last durable write.
    pub(super) fn unknown(self) -> Vec<&'p Change> {
        let marks = self.marks.into_inner().unwrap_or_else(|e| e.into_inner());
        let mut unknown = marks.lost;
        unknown.extend(marks.unconfirmed);
        unknown
    }
}

/// Names a change sent whose outcome is unknown.
pub(super) fn unknown_change(change: &Change) -> String {
    let mut words = vec![
        crate::model::TenantRef::new(&change.client, &change.tenant).to_string(),
        change.kind.to_string(),
    ];
    words.extend(change.identity.clone());
    words.extend(change.entitlement.as_ref().map(ToString::to_string));
    words.join(" ")
}

/// Test-only fault switch (only in a build with the `test-hooks` feature): with
/// `ONBOARD_TEST_AUDIT_FAIL_AFTER=N`, a write that would take the run past N change
/// entries fails as a full disk would (and so does every durable write after it), so
/// tests can show that no change is sent without its intent stored.
#[cfg(feature = "test-hooks")]
fn fault_switch(chain: &str, entries: usize) -> Result<(), AuditError> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static WRITTEN: AtomicU64 = AtomicU64::new(0);
    let Some(limit) = crate::env::hooks::audit_fail_after() else {
        return Ok(());
    };
    let total = WRITTEN.fetch_add(entries as u64, Ordering::SeqCst) + entries as u64;
    if total > limit {
        let file = if chain.is_empty() { "audit" } else { chain };
        return Err(AuditError::Io {
            action: "write",
            path: std::path::PathBuf::from(format!("audit/{file}.jsonl")),
            source: std::io::Error::other("no space left on device (test fault switch)"),
        });
    }
    Ok(())
}

/// Test-only fault switch (only in a build with the `test-hooks` feature): with
/// `ONBOARD_TEST_CRASH_AFTER_INTENTS=N`, the process aborts once N intents are stored and
/// before their changes are sent, as a crash would.
#[cfg(feature = "test-hooks")]
fn crash_switch(announced: usize) {
    use std::sync::atomic::{AtomicU64, Ordering};
    static ANNOUNCED: AtomicU64 = AtomicU64::new(0);
    let Some(limit) = crate::env::hooks::crash_after_intents() else {
        return;
    };
    let total = ANNOUNCED.fetch_add(announced as u64, Ordering::SeqCst) + announced as u64;
    if total >= limit {
        std::process::abort();
    }
}

#[cfg(test)]
pub(super) mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::audit::AuditKey;
    use crate::plan::ChangeKind;
    use crate::state::{FileStore, Store};

    pub(in crate::execute) fn changes(client: &str, tenant: &str, count: usize) -> Vec<Change> {
        (0..count)
            .map(|i| Change {
                entitlement: Some("group:g".parse().unwrap()),
                identity: Some(format!("u{i}")),
                account: Some(format!("u{i}")),
                ..Change::new(ChangeKind::Grant, client, tenant, String::new())
            })
            .collect()
    }

    /// An audit log for an apply, kept in files in a new directory.
    pub(in crate::execute) fn audit_log() -> (tempfile::TempDir, Mutex<AuditLog>) {
        let dir = tempfile::TempDir::new().unwrap();
        let store: Arc<dyn Store> = Arc::new(FileStore::new(
            dir.path().to_path_buf(),
            dir.path().to_path_buf(),
        ));
        let log = AuditLog::open(store, AuditKey::from_seed([3; 32]), "a", "apply").unwrap();
        (dir, Mutex::new(log))
    }

    /// Each tenant's changes as a group, and their change ids (`r-GROUP-INDEX`).
    fn groups_of<'c>(tenants: &[&'c Vec<Change>]) -> (Vec<Group<'c>>, Vec<Vec<String>>) {
        let groups: Vec<Group<'c>> = tenants
            .iter()
            .map(|c| {
                (
                    (c[0].client.as_str(), c[0].tenant.as_str()),
                    c.iter().collect(),
                )
            })
            .collect();
        let ids = groups
            .iter()
            .enumerate()
            .map(|(g, (_, c))| (0..c.len()).map(|i| format!("r-{g}-{i}")).collect())
            .collect();
        (groups, ids)
    }

    /// The intents stored in a client's chain.
    fn intents(dir: &std::path::Path, client: &str) -> usize {
        std::fs::read_to_string(dir.join(format!("{client}.jsonl")))
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("\"phase\":\"intent\""))
            .count()
    }

    #[test]
    fn a_window_holds_the_intents_of_the_tenants_after_it_up_to_its_size() {
        let (dir, audit) = audit_log();
        let (one, two, big) = (
            changes("acme", "one", 3),
            changes("acme", "two", 5),
            changes("zeta", "big", WINDOW + 10),
        );
        let (groups, ids) = groups_of(&[&one, &two, &big]);
        let journal = Journal::new(&audit, "r", &groups, &ids);
        // The big tenant's changes are in two windows.
        let windows: Vec<Vec<usize>> = (0..3)
            .map(|g| journal.windows(g).map(|(_, r)| r.len()).collect())
            .collect();
        assert_eq!(windows, [vec![3], vec![5], vec![WINDOW, 10]]);
        // The first tenant's window takes the second's along; the big one does not fit.
        journal.announce(0).unwrap();
        assert_eq!(
            (intents(dir.path(), "acme"), intents(dir.path(), "zeta")),
            (8, 0)
        );
        // The second tenant's intents are stored already: nothing more is written.
        journal.announce(1).unwrap();
        assert_eq!(
            (intents(dir.path(), "acme"), intents(dir.path(), "zeta")),
            (8, 0)
        );
        // A full window goes alone, and its last part waits for its own turn.
        journal.announce(2).unwrap();
        assert_eq!(intents(dir.path(), "zeta"), WINDOW);
        journal.announce(3).unwrap();
        assert_eq!(intents(dir.path(), "zeta"), WINDOW + 10);
    }

    #[test]
    fn the_herald_stores_the_next_window_once_less_than_half_a_window_is_ready() {
        let (dir, audit) = audit_log();
        // Four clients' tenants of 300 changes: the first three fill a window, the
        // fourth is the next one.
        let all: Vec<Vec<Change>> = ["a", "b", "c", "d"]
            .iter()
            .map(|client| changes(client, "t", 300))
            .collect();
        let (groups, ids) = groups_of(&all.iter().collect::<Vec<_>>());
        let journal = Journal::new(&audit, "r", &groups, &ids);
        let stored = |client: &str| intents(dir.path(), client);
        // Waits (up to ten seconds) for the herald to have stored `window`, then counts
        // `client`'s intents on disk (counting while the write is under way would see
        // part of it).
        let stored_ahead = |window: usize, client: &str| {
            let until = std::time::Instant::now() + std::time::Duration::from_secs(10);
            while journal.marks().windows[window] < Announced::Stored
                && std::time::Instant::now() < until
            {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            stored(client)
        };
        journal.with_herald(|| {
            // 900 changes stored, 300 of them started: 600 ready, more than half a window.
            journal.announce(0).unwrap();
            assert_eq!(["a", "b", "c", "d"].map(&stored), [300, 300, 300, 0]);
            std::thread::sleep(std::time::Duration::from_millis(100));
            assert_eq!(stored("d"), 0, "stored ahead with 600 changes ready");
            assert_eq!(journal.marks().windows[3], Announced::No);
            // 300 ready: the next window is stored ahead, before anyone asks for it.
            journal.announce(1).unwrap();
            assert_eq!(stored_ahead(3, "d"), 300);
            journal.announce(2).unwrap();
            journal.announce(3).unwrap();
        });
        assert_eq!(["a", "b", "c", "d"].map(stored), [300; 4]);
    }

    #[test]
    fn a_change_that_took_effect_is_unknown_until_its_outcome_is_stored() {
        let (_dir, audit) = audit_log();
        let sent = changes("acme", "one", 2);
        let groups: Vec<Group<'_>> = vec![(("acme", "one"), sent.iter().collect())];
        let ids = vec![vec!["r-1".to_string(), "r-2".to_string()]];
        let outcome = |i: usize| {
            let mut entry = entry_of(&sent[i], ids[0][i].clone());
            entry.phase = Some(Phase::Outcome);
            entry
        };
        let journal = Journal::new(&audit, "r", &groups, &ids);
        journal.announce(0).unwrap();
        journal
            .outcomes("acme", vec![outcome(0)], [&sent[0]].into_iter())
            .unwrap();
        journal.store().unwrap();
        // Only the change whose outcome was written after the last store is unknown.
        journal
            .outcomes("acme", vec![outcome(1)], [&sent[1]].into_iter())
            .unwrap();
        let unknown: Vec<String> = journal.unknown().into_iter().map(unknown_change).collect();
        assert_eq!(unknown, ["acme/one grant u1 group:g"]);
    }
}
