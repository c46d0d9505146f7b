//! Reading the client's tenants for the import: never writing to them.

use std::collections::{BTreeMap, BTreeSet};

use crate::adapters::{self, AdapterError, Discovery};
use crate::model::{Client, Entitlement, Holder, Tenant};
use crate::workflow::Context;

/// What one tenant holds, as read for the import.
pub(super) struct TenantRead {
    pub(super) discovery: Discovery,
    pub(super) held: BTreeMap<Entitlement, Vec<Holder>>,
}

/// Reads one tenant for the import: checks it is the tenant named, asks it for the ids
/// it resolves, and lists every managed entitlement whole.
pub(super) fn read_tenant(
    cx: &Context<'_>,
    client: &Client,
    tenant: &Tenant,
    managed: &BTreeSet<Entitlement>,
) -> Result<TenantRead, AdapterError> {
    let mut adapter = adapters::open(client, tenant, cx.root, cx.adapters)?;
    adapter.verify_tenant()?;
    let entitlements: Vec<Entitlement> = managed.iter().cloned().collect();
    let discovery = adapter.discover(&entitlements)?;
    let mut held = BTreeMap::new();
    for entitlement in managed {
        held.insert(entitlement.clone(), adapter.list(entitlement)?);
    }
    Ok(TenantRead { discovery, held })
}
