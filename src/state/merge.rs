//! What a save under a lock writes, whatever the backend: the records of the clients the
//! lock covers from the run's copy, the others as stored (see [`super::Store`]'s
//! contract). Pure: the backends read the stored records and write the result.

use std::borrow::Cow;

use super::store::Lock;
use super::{Credentials, FORMAT_VERSION, Ledger, Requests, Reviews, StateError};

/// Keeps the records of the clients `lock` covers from `ours` and the others from
/// `stored`, in the order `key` gives (stable).
pub(super) fn merge_records<T: Clone, K: Ord>(
    lock: &Lock,
    stored: Vec<T>,
    ours: &[T],
    client: impl Fn(&T) -> &str,
    key: impl Fn(&T) -> K,
) -> Vec<T> {
    let mut merged: Vec<T> = stored
        .into_iter()
        .filter(|r| !lock.covers(client(r)))
        .collect();
    merged.extend(ours.iter().filter(|r| lock.covers(client(r))).cloned());
    merged.sort_by_key(|r| key(r));
    merged
}

/// Returns the ledger a save under `lock` writes: `ours` whole under a workspace lock
/// (borrowed when it is normalised already: a large ledger is not copied to be saved);
/// else our grants of the clients `lock` covers, the `stored` grants of the others and
/// the stored standing revocations. Normalised.
pub(super) fn merged_ledger<'a>(
    lock: &Lock,
    stored: impl FnOnce() -> Result<Ledger, StateError>,
    ours: &'a Ledger,
) -> Result<Cow<'a, Ledger>, StateError> {
    if lock.is_workspace() && ours.is_normal() {
        return Ok(Cow::Borrowed(ours));
    }
    let mut ledger = if lock.is_workspace() {
        ours.clone()
    } else {
        let stored = stored()?;
        Ledger {
            format_version: FORMAT_VERSION,
            grants: merge_records(lock, stored.grants, &ours.grants, |g| &g.client, |_| ()),
            blocks: stored.blocks,
        }
    };
    ledger.normalise();
    Ok(Cow::Owned(ledger))
}

/// Returns the list a save under `lock` writes: `ours` whole under a workspace lock,
/// else [`merge_records`] of the `stored` list (read only then) and ours.
fn merged_list<T: Clone, K: Ord>(
    lock: &Lock,
    stored: impl FnOnce() -> Result<Vec<T>, StateError>,
    ours: &[T],
    client: impl Fn(&T) -> &str,
    key: impl Fn(&T) -> K,
) -> Result<Vec<T>, StateError> {
    Ok(if lock.is_workspace() {
        ours.to_vec()
    } else {
        merge_records(lock, stored()?, ours, client, key)
    })
}

/// Returns the requests a save under `lock` writes (see [`merged_ledger`]).
pub(super) fn merged_requests(
    lock: &Lock,
    stored: impl FnOnce() -> Result<Requests, StateError>,
    ours: &Requests,
) -> Result<Requests, StateError> {
    Ok(Requests {
        format_version: FORMAT_VERSION,
        requests: merged_list(
            lock,
            || Ok(stored()?.requests),
            &ours.requests,
            |r| &r.client,
            |r| r.requested_at,
        )?,
    })
}

/// Returns the review items a save under `lock` writes (see [`merged_ledger`]).
pub(super) fn merged_reviews(
    lock: &Lock,
    stored: impl FnOnce() -> Result<Reviews, StateError>,
    ours: &Reviews,
) -> Result<Reviews, StateError> {
    Ok(Reviews {
        format_version: FORMAT_VERSION,
        reviews: merged_list(
            lock,
            || Ok(stored()?.reviews),
            &ours.reviews,
            |r| &r.client,
            |r| r.opened_at,
        )?,
    })
}

/// Returns the issued credentials a save under `lock` writes (see [`merged_ledger`]).
pub(super) fn merged_credentials(
    lock: &Lock,
    stored: impl FnOnce() -> Result<Credentials, StateError>,
    ours: &Credentials,
) -> Result<Credentials, StateError> {
    Ok(Credentials {
        format_version: FORMAT_VERSION,
        issued: merged_list(
            lock,
            || Ok(stored()?.issued),
            &ours.issued,
            |r| &r.slot.client,
            |r| r.issued_at,
        )?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::tests::grant;

    #[test]
    fn a_workspace_save_borrows_a_normalised_ledger_and_sorts_any_other() {
        let lock = Lock::new(super::super::LockScope::Workspace, Box::new(()));
        let unread = || -> Result<Ledger, StateError> { unreachable!("not read") };
        let sorted = Ledger {
            format_version: FORMAT_VERSION,
            grants: vec![
                grant("acme", "ada"),
                grant("acme", "bob"),
                grant("globex", "ada"),
            ],
            blocks: Vec::new(),
        };
        let saved = merged_ledger(&lock, unread, &sorted).unwrap();
        assert!(
            matches!(saved, Cow::Borrowed(_)),
            "no copy of a sorted ledger"
        );
        assert_eq!(*saved, sorted);

        let mut shuffled = sorted.clone();
        shuffled.grants.reverse();
        shuffled.format_version = 0;
        let saved = merged_ledger(&lock, unread, &shuffled).unwrap();
        assert!(matches!(saved, Cow::Owned(_)));
        assert_eq!(*saved, sorted, "sorted and stamped with the format version");
    }
}
