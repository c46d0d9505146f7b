//! The file backend's locks (the OS file locks of [`crate::state::lock`]) as the
//! [`crate::state::Store`] contract takes them and reports who holds them.

use std::time::Duration;

use super::FileStore;
use crate::state::lock::{self, LOCK_FILE};
use crate::state::store::{Holder, Lock, LockScope};
use crate::state::{LockInfo, StateError};

impl FileStore {
    /// Takes the lock of `scope` (see [`crate::state::Store::lock`]).
    pub(super) fn take_lock(
        &self,
        scope: &LockScope,
        info: &LockInfo,
        wait: Duration,
    ) -> Result<Lock, StateError> {
        Ok(match scope {
            LockScope::Workspace => Lock::new(
                scope.clone(),
                Box::new(lock::workspace(&self.state, info, wait)?),
            ),
            LockScope::Client(client) => Lock::new(
                scope.clone(),
                Box::new(lock::client(&self.state, client, info, wait)?),
            ),
        })
    }

    /// Returns the locks held now, workspace first.
    pub(super) fn lock_holders(&self) -> Result<Vec<Holder>, StateError> {
        let mut holders = Vec::new();
        if let Some(info) = lock::holder(&self.state.join(LOCK_FILE))? {
            // Held shared by client runs only names nobody: they are listed below.
            let shared_only = info.is_none()
                && lock::client_names(&self.state).iter().any(|c| {
                    matches!(
                        lock::holder(&lock::client_path(&self.state, c)),
                        Ok(Some(_))
                    )
                });
            if !shared_only {
                holders.push(Holder {
                    scope: LockScope::Workspace,
                    info,
                });
            }
        }
        for client in lock::client_names(&self.state) {
            if let Some(info) = lock::holder(&lock::client_path(&self.state, &client))? {
                holders.push(Holder {
                    scope: LockScope::Client(client),
                    info,
                });
            }
        }
        Ok(holders)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::super::test_support::{client, holder, store};
    use super::*;
    use crate::state::Store;

    fn held(store: &FileStore) -> Vec<LockScope> {
        store
            .holders()
            .unwrap()
            .into_iter()
            .map(|h| h.scope)
            .collect()
    }

    #[test]
    fn client_locks_are_independent_and_the_workspace_lock_excludes_them() {
        let (_dir, store) = store();
        let zero = Duration::ZERO;
        let acme = store
            .lock(&client("acme"), &holder("os:alice"), zero)
            .unwrap();
        let globex = store.lock(&client("globex"), &holder("os:bob"), zero);
        assert!(globex.is_ok(), "another client's lock is free: {globex:?}");
        match store.lock(&client("acme"), &holder("os:carol"), zero) {
            Err(StateError::Locked { holder }) => {
                assert!(holder.contains("os:alice on build-7"), "{holder}")
            }
            other => panic!("acme is held: {other:?}"),
        }
        match store.lock(&LockScope::Workspace, &holder("os:carol"), zero) {
            Err(StateError::Locked { holder }) => assert!(
                holder.contains("os:alice") || holder.contains("os:bob"),
                "{holder}"
            ),
            other => panic!("clients are held: {other:?}"),
        }
        assert_eq!(held(&store), [client("acme"), client("globex")]);
        drop((acme, globex));
        let workspace = store
            .lock(&LockScope::Workspace, &holder("os:carol"), zero)
            .expect("free once the clients are released");
        assert!(matches!(
            store.lock(&client("acme"), &holder("os:alice"), zero),
            Err(StateError::Locked { .. })
        ));
        assert_eq!(held(&store), [LockScope::Workspace]);
        drop(workspace);
        assert!(store.holders().unwrap().is_empty());
        assert!(
            lock::client_names(&store.state).is_empty(),
            "released client locks leave no file"
        );
    }

    #[test]
    fn a_lock_timeout_waits_for_the_holder_then_names_it() {
        let (_dir, store) = store();
        let held = store
            .lock(&client("acme"), &holder("os:alice"), Duration::ZERO)
            .unwrap();
        // Kept: the wait runs out, and the refusal names who holds it.
        let started = Instant::now();
        match store.lock(
            &client("acme"),
            &holder("os:bob"),
            Duration::from_millis(400),
        ) {
            Err(StateError::Locked { holder }) => assert_eq!(
                holder,
                "os:alice on build-7 (`onboard apply`, pid 1) since 2026-11-21T11:59:00Z"
            ),
            other => panic!("{other:?}"),
        }
        assert!(started.elapsed() >= Duration::from_millis(400));
        // Released meanwhile: the waiting run gets it.
        let started = Instant::now();
        std::thread::scope(|scope| {
            scope.spawn(move || {
                std::thread::sleep(Duration::from_millis(300));
                drop(held);
            });
            store
                .lock(&client("acme"), &holder("os:bob"), Duration::from_secs(20))
                .expect("taken once released");
        });
        assert!(started.elapsed() >= Duration::from_millis(300));
    }
}
