//! Tenants opened and verified in a run, kept for its next phase: `apply` sends its
//! changes through the adapters its plan read with, so a tenant is verified once per run
//! and what an adapter learnt while reading (server settings, group ids, account ids)
//! is not asked again.
//!
//! A run that waits for a person (apply's confirmation prompt) lets go of them
//! ([`Opened::clear`]): the answer may come minutes later, after a directory closed an
//! idle connection or a tenant changed. Directory adapters (`ldap`, `ad`) each hold a
//! connection open, so at most `MAX_DIRECTORIES` of them are kept: beyond, a tenant is
//! opened again when the run comes back to it.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use time::OffsetDateTime;

use super::{Adapter, AdapterError, Options, Reading};
use crate::model::Entitlement;
use crate::model::{AdapterKind, Client, Tenant};

/// Directory adapters kept at most, each with its connection (a file descriptor) open.
const MAX_DIRECTORIES: usize = 256;

/// An adapter kept, with its kind.
type Kept = HashMap<String, (AdapterKind, Box<dyn Adapter>)>;

/// Adapters kept for the run, by `client/tenant`; shared by every clone of the run's
/// [`Options`].
#[derive(Clone, Default)]
pub struct Opened(Arc<Mutex<Kept>>);

fn holds_connection(kind: AdapterKind) -> bool {
    matches!(kind, AdapterKind::Ldap | AdapterKind::Ad)
}

impl Opened {
    fn tenants(&self) -> std::sync::MutexGuard<'_, Kept> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Keeps a verified adapter of a tenant for the run's next phase (a directory
    /// adapter only while fewer than `MAX_DIRECTORIES` are kept).
    pub fn keep(&self, client: &Client, tenant: &Tenant, adapter: Box<dyn Adapter>) {
        let mut tenants = self.tenants();
        if holds_connection(tenant.adapter())
            && tenants
                .values()
                .filter(|(kind, _)| holds_connection(*kind))
                .count()
                >= MAX_DIRECTORIES
        {
            return;
        }
        tenants.insert(key(client, tenant), (tenant.adapter(), adapter));
    }

    /// Lets go of every adapter kept.
    pub fn clear(&self) {
        self.tenants().clear();
    }

    /// Returns how many adapters are kept.
    pub fn len(&self) -> usize {
        self.tenants().len()
    }

    /// Returns whether no adapter is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn take(&self, client: &Client, tenant: &Tenant) -> Option<Box<dyn Adapter>> {
        self.tenants()
            .remove(&key(client, tenant))
            .map(|(_, adapter)| adapter)
    }
}

fn key(client: &Client, tenant: &Tenant) -> String {
    crate::model::TenantRef::new(&client.id, &tenant.name).to_string()
}

/// Returns a verified adapter for a client's tenant: the one kept by an earlier phase of
/// the run (taken: [`Opened::keep`] it again to pass it on), else one opened now and
/// verified ([`Adapter::verify_tenant`]).
pub fn open_verified(
    client: &Client,
    tenant: &Tenant,
    root: &Path,
    options: &Options,
) -> Result<Box<dyn Adapter>, AdapterError> {
    if let Some(adapter) = options.opened.take(client, tenant) {
        return Ok(adapter);
    }
    let mut adapter = super::open(client, tenant, root, options)?;
    adapter.verify_tenant()?;
    Ok(adapter)
}

/// Reads a client's tenant as a plan does: its inspection and the holders of each of
/// `entitlements`, in their order, through the adapter kept by an earlier phase of the
/// run (taken: [`Opened::keep`] it again to pass it on), else one opened now, which
/// confirms the tenant as it reads ([`Adapter::verify_and_read`]).
pub fn open_and_read(
    client: &Client,
    tenant: &Tenant,
    root: &Path,
    options: &Options,
    entitlements: &[&Entitlement],
    now: OffsetDateTime,
) -> Result<(Box<dyn Adapter>, Reading), AdapterError> {
    if let Some(mut adapter) = options.opened.take(client, tenant) {
        let read = super::read_verified(adapter.as_mut(), entitlements, now)?;
        return Ok((adapter, read));
    }
    let mut adapter = super::open(client, tenant, root, options)?;
    let read = adapter.verify_and_read(entitlements, now)?;
    Ok((adapter, read))
}
