//! Reading what tenants actually hold, in parallel, as observations for the diff.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use time::OffsetDateTime;

use crate::adapters;
use crate::model::{Client, ConfigurationChange, Entitlement, Tenant};
use crate::plan::{Observation, ReadFailure};

/// One tenant to read and the entitlements to list in it.
pub struct ReadRequest<'a> {
    /// The client.
    pub client: &'a Client,
    /// The tenant.
    pub tenant: &'a Tenant,
    /// Entitlements to list.
    pub entitlements: BTreeSet<Entitlement>,
}

/// Receives progress as tenants are read. Implemented by the UI; tests pass a no-op.
pub trait ReadReporter: Sync {
    /// Called once before any tenant is read, with the number of tenants.
    fn start(&self, total: usize);
    /// Called after each tenant, with its `client/tenant` name.
    fn read(&self, tenant: &str);
    /// Called once after the last tenant.
    fn finish(&self);
}

/// A read reporter that reports nothing.
pub struct NoReadProgress;

impl ReadReporter for NoReadProgress {
    fn start(&self, _total: usize) {}
    fn read(&self, _tenant: &str) {}
    fn finish(&self) {}
}

/// Reads every requested tenant with at most `parallelism` at once, calling `read` after
/// each tenant (progress). A tenant that cannot be read in full is
/// `Observation::Unreadable`, never empty. Each observation comes with the adapter's
/// inspection of the tenant as a whole ([`adapters::Adapter::inspect`]): warnings and
/// configuration changes for the plan. Each tenant read in full stays open for the run
/// ([`adapters::opened`]).
pub fn observe(
    root: &Path,
    requests: &[ReadRequest<'_>],
    parallelism: usize,
    options: &adapters::Options,
    now: OffsetDateTime,
    read: &(dyn Fn(&ReadRequest<'_>) + Sync),
) -> Vec<(Observation, adapters::Inspection)> {
    crate::workers::map(requests, parallelism, |request| {
        let observation = read_tenant(root, request, options, now);
        read(request);
        observation
    })
}

fn read_tenant(
    root: &Path,
    request: &ReadRequest<'_>,
    options: &adapters::Options,
    now: OffsetDateTime,
) -> (Observation, adapters::Inspection) {
    let result = (|| {
        let entitlements: Vec<&Entitlement> = request.entitlements.iter().collect();
        let (adapter, read) = adapters::opened::open_and_read(
            request.client,
            request.tenant,
            root,
            options,
            &entitlements,
            now,
        )?;
        let held: BTreeMap<Entitlement, _> =
            entitlements.into_iter().cloned().zip(read.held).collect();
        let notes = read.inspection;
        // Kept for the run: an apply sends its changes through it.
        options.opened.keep(request.client, request.tenant, adapter);
        Ok::<_, adapters::AdapterError>((held, notes))
    })();
    match result {
        Ok((held, notes)) => (Observation::Read(held), notes),
        Err(error) => (
            Observation::Unreadable(ReadFailure {
                reason: format!("{}: {}", error.operation, error.detail),
                code: error.kind.code().to_string(),
                hint: error.hint,
            }),
            adapters::Inspection::default(),
        ),
    }
}

/// Reviews the own configuration of each tenant (GDAP access assignments, Okta group
/// admin roles) again, with at most `parallelism` at once, and returns the changes each
/// needs now, or why it could not be read. Read-only: `apply` compares them with a
/// plan's before sending anything.
pub fn review_configuration(
    root: &Path,
    tenants: &[(&Client, &Tenant)],
    parallelism: usize,
    options: &adapters::Options,
    now: OffsetDateTime,
) -> Vec<Result<Vec<ConfigurationChange>, adapters::AdapterError>> {
    crate::workers::map(tenants, parallelism, |(client, tenant)| {
        let mut adapter = adapters::opened::open_verified(client, tenant, root, options)?;
        let configuration = adapter.inspect(now)?.configuration;
        options.opened.keep(client, tenant, adapter);
        Ok(configuration)
    })
}
