//! Desired access: what each identity should hold in each tenant, worked out from the
//! workspace alone.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use time::OffsetDateTime;

use super::DeniedGrant;
use crate::model::{
    AccessRequest, AccountContext, BundleGrant, Client, Diagnostic, Entitlement, Identity, Origin,
    RequestStatus, Source, Tenant, Workspace,
};
use crate::policy::{self, Denial, Request, Via};

/// Identifies one grant: an identity holding an entitlement in a client's tenant.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GrantKey {
    /// Client id.
    pub client: String,
    /// Tenant name.
    pub tenant: String,
    /// The entitlement.
    pub entitlement: Entitlement,
    /// Identity id.
    pub identity: String,
}

impl GrantKey {
    /// A key of nothing, which allocates nothing: a gathered grant's own key while the
    /// map of grants being gathered holds the key ([`Collector`], [`gathered`]).
    fn none() -> GrantKey {
        GrantKey {
            client: String::new(),
            tenant: String::new(),
            entitlement: Entitlement {
                kind: crate::model::EntitlementKind::Group,
                name: String::new(),
            },
            identity: String::new(),
        }
    }
}

/// Returns the grants gathered by key, in key order, each given its key back.
fn gathered(by_key: BTreeMap<GrantKey, DesiredGrant>) -> Vec<DesiredGrant> {
    by_key
        .into_iter()
        .map(|(key, grant)| DesiredGrant { key, ..grant })
        .collect()
}

/// A grant the workspace asks for, with the window in which it is wanted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredGrant {
    /// Which grant.
    pub key: GrantKey,
    /// The account name in the tenant.
    pub account: String,
    /// Wanted from this instant (contract start), if bounded.
    pub starts_at: Option<OffsetDateTime>,
    /// Wanted until this instant (contract end, exception end), if bounded.
    pub expires_at: Option<OffsetDateTime>,
    /// What asks for it: `bundle:ID`, `exception:ID`.
    pub sources: Vec<Source>,
    /// Where it was asked for.
    pub origin: Origin,
    /// The ticket it belongs to.
    pub ticket: Option<String>,
    /// Whether the entitlement is privileged.
    pub privileged: bool,
    /// Policy rules that refuse it (empty: allowed).
    pub denials: Vec<Denial>,
}

impl DesiredGrant {
    /// Returns whether the grant is wanted at `now`.
    pub fn is_active(&self, now: OffsetDateTime) -> bool {
        self.starts_at.is_none_or(|s| s <= now) && self.expires_at.is_none_or(|e| now < e)
    }
}

/// Desired access of one client: its grants and the entitlements it manages per tenant.
#[derive(Debug, Clone, Default)]
pub struct DesiredAccess {
    /// Grants, sorted by key.
    pub grants: Vec<DesiredGrant>,
    /// Entitlements onboard manages, per tenant name: those of the client's tier bundles
    /// (standing and just-in-time) and exceptions. Holders of these that onboard did not
    /// grant are drift.
    pub managed: BTreeMap<String, BTreeSet<Entitlement>>,
    /// Account names of every identity per tenant name, lowercase, for naming holders.
    pub accounts: BTreeMap<String, BTreeMap<String, String>>,
}

/// Returns the account an identity has in a tenant, or a diagnostic when its template
/// cannot be filled in.
pub fn account_of(
    identity: &Identity,
    client: &Client,
    tenant: &Tenant,
) -> Result<String, Diagnostic> {
    let context = AccountContext {
        client: &client.id,
        tenant: &tenant.name,
        domain: tenant.domain.as_deref(),
    };
    identity
        .account_for(&tenant.name, tenant.system.as_str(), &context)
        .ok_or_else(|| {
            let origin = identity
                .accounts
                .values()
                .next()
                .map_or_else(|| identity.origin.clone(), |t| t.origin.clone());
            Diagnostic::new(
                origin,
                format!(
                    "the account template of `{}` uses `{{domain}}`, but tenant `{}/{}` has no `domain`",
                    identity.id, client.id, tenant.name
                ),
            )
            .field("accounts")
            .hint(format!(
                "add `domain:` to the tenant at {}, or an `accounts.{}` entry for this identity",
                tenant.origin, tenant.name
            ))
        })
}

/// What asks for a grant: shared by every tenant the grant lands in.
struct Want<'a> {
    expires_at: Option<OffsetDateTime>,
    source: Source,
    origin: &'a Origin,
    ticket: Option<String>,
    via: Via<'a>,
}

/// Gathers desired grants, merging those with the same key. The map holds each grant's
/// key; the grant's own is [`GrantKey::none`] until [`gathered`] gives it back.
struct Collector<'w> {
    workspace: &'w Workspace,
    now: OffsetDateTime,
    by_key: BTreeMap<GrantKey, DesiredGrant>,
    problems: Vec<Diagnostic>,
    /// The last account worked out: identity id, tenant name and account (an identity's
    /// grants in a tenant come one after another).
    account: Option<(String, String, String)>,
}

impl Collector<'_> {
    /// Adds `grant` for `identity` in every tenant of the client with the grant's system.
    fn want(
        &mut self,
        client: &Client,
        identity: &Identity,
        grant: &BundleGrant,
        starts_at: Option<OffsetDateTime>,
        want: &Want<'_>,
    ) {
        let denials = policy::evaluate(
            self.workspace,
            &Request {
                client,
                identity,
                grant,
                via: want.via,
                now: self.now,
            },
        );
        for tenant in client.tenants.iter().filter(|t| grant.lands_in(t)) {
            let account = match self.account_of(identity, client, tenant) {
                Ok(account) => account,
                Err(problem) => {
                    if !self.problems.contains(&problem) {
                        self.problems.push(problem);
                    }
                    continue;
                }
            };
            let key = GrantKey {
                client: client.id.clone(),
                tenant: tenant.name.clone(),
                entitlement: grant.entitlement.clone(),
                identity: identity.id.clone(),
            };
            // One search of the map per grant: the entry found or made.
            match self.by_key.entry(key) {
                std::collections::btree_map::Entry::Occupied(mut occupied) => {
                    let existing = occupied.get_mut();
                    if !existing.sources.contains(&want.source) {
                        existing.sources.push(want.source.clone());
                    }
                    // The longest window wins: a standing grant outlasts any exception.
                    existing.expires_at = match (existing.expires_at, want.expires_at) {
                        (Some(a), Some(b)) => Some(a.max(b)),
                        _ => None,
                    };
                    existing.privileged |= grant.privileged;
                    // Allowed when any source is allowed.
                    if denials.is_empty() {
                        existing.denials.clear();
                    } else if !existing.denials.is_empty() {
                        for denial in &denials {
                            if !existing.denials.contains(denial) {
                                existing.denials.push(denial.clone());
                            }
                        }
                    }
                    if existing.ticket.is_none() {
                        existing.ticket = want.ticket.clone();
                    }
                }
                std::collections::btree_map::Entry::Vacant(vacant) => {
                    vacant.insert(DesiredGrant {
                        key: GrantKey::none(),
                        account,
                        starts_at,
                        expires_at: want.expires_at,
                        sources: vec![want.source.clone()],
                        origin: want.origin.clone(),
                        ticket: want.ticket.clone(),
                        privileged: grant.privileged,
                        denials: denials.clone(),
                    });
                }
            }
        }
    }

    /// Returns [`account_of`] the identity in the tenant, worked out once for a run of
    /// grants of the identity in the tenant.
    fn account_of(
        &mut self,
        identity: &Identity,
        client: &Client,
        tenant: &Tenant,
    ) -> Result<String, Diagnostic> {
        if let Some((id, name, account)) = &self.account
            && *id == identity.id
            && *name == tenant.name
        {
            return Ok(account.clone());
        }
        let account = account_of(identity, client, tenant)?;
        self.account = Some((identity.id.clone(), tenant.name.clone(), account.clone()));
        Ok(account)
    }

    /// Adds what the approved access requests of `client` ask for (elevations,
    /// break-glass), from their grant on, to the grants and to the entitlements `managed`
    /// per tenant.
    fn add_requests(
        &mut self,
        client: &Client,
        requests: &[AccessRequest],
        managed: &mut BTreeMap<String, BTreeSet<Entitlement>>,
    ) {
        let workspace = self.workspace;
        let contract_end = client.contract.and_then(|c| c.end);
        for request in requests.iter().filter(|r| approved_for(r, client)) {
            let (Some(identity), Some(bundle), Some(granted_at), Some(ttl)) = (
                request
                    .identity
                    .as_ref()
                    .and_then(|i| workspace.identities.get(i)),
                request
                    .bundle
                    .as_ref()
                    .and_then(|b| workspace.bundles.get(b)),
                request.granted_at,
                request.ttl_seconds,
            ) else {
                continue;
            };
            let asked = std::time::Duration::from_secs(ttl);
            // Elevations and break-glass requests ask for grants; mass revocations do not.
            let (Some(route), Some(source)) = (
                policy::Route::of(request.kind),
                Source::of_request(request.kind, &request.id),
            ) else {
                continue;
            };
            for (grant, lasts) in policy::request_grants(bundle, route, asked) {
                let ends = crate::model::time::after(granted_at, lasts);
                for tenant in client.tenants.iter().filter(|t| grant.lands_in(t)) {
                    managed
                        .entry(tenant.name.clone())
                        .or_default()
                        .insert(grant.entitlement.clone());
                }
                let want = Want {
                    expires_at: Some(contract_end.map_or(ends, |end| end.min(ends))),
                    source: source.clone(),
                    origin: &bundle.origin,
                    ticket: request.ticket.clone(),
                    via: route.via(bundle, lasts),
                };
                self.want(client, identity, grant, Some(granted_at), &want);
            }
        }
    }
}

/// Returns whether `request` is an approved request of `client`.
fn approved_for(request: &AccessRequest, client: &Client) -> bool {
    request.client == client.id && request.status == RequestStatus::Approved
}

/// Works out the desired access of a client. Problems (account templates that cannot be
/// filled in) are returned beside the grants that could be worked out.
pub fn desired_access(
    workspace: &Workspace,
    client: &Client,
    requests: &[AccessRequest],
    now: OffsetDateTime,
) -> (DesiredAccess, Vec<Diagnostic>) {
    let mut problems = Vec::new();
    let mut managed: BTreeMap<String, BTreeSet<Entitlement>> = BTreeMap::new();
    let mut accounts: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let (contract_start, contract_end) = match client.contract {
        Some(c) => (Some(c.start), c.end),
        None => (None, None),
    };
    for tenant in &client.tenants {
        managed.entry(tenant.name.clone()).or_default();
        let names = accounts.entry(tenant.name.clone()).or_default();
        for identity in workspace.identities.values() {
            if let Ok(account) = account_of(identity, client, tenant) {
                names
                    .entry(account.to_lowercase())
                    .or_insert_with(|| identity.id.clone());
            }
        }
    }
    let tier_bundles: Vec<_> = workspace
        .bundles
        .values()
        .filter(|b| b.tier == client.tier)
        .collect();
    for bundle in &tier_bundles {
        for grant in &bundle.grants {
            for tenant in client.tenants.iter().filter(|t| t.system == grant.system) {
                managed
                    .entry(tenant.name.clone())
                    .or_default()
                    .insert(grant.entitlement.clone());
            }
        }
    }
    let mut collector = Collector {
        workspace,
        now,
        by_key: BTreeMap::new(),
        problems: Vec::new(),
        account: None,
    };
    for identity in workspace
        .identities
        .values()
        .filter(|i| i.serves(&client.id))
    {
        for bundle in tier_bundles
            .iter()
            .filter(|b| identity.functions.iter().any(|(f, _)| *f == b.function))
        {
            for grant in bundle.grants.iter().filter(|g| g.ttl.is_none()) {
                let want = Want {
                    expires_at: contract_end,
                    source: Source::Bundle(bundle.id.clone()),
                    origin: &grant.origin,
                    ticket: None,
                    via: Via::Standing(bundle),
                };
                collector.want(client, identity, grant, contract_start, &want);
            }
        }
    }
    for exception in &client.exceptions {
        let Some(identity) = workspace.identities.get(&exception.identity.0) else {
            continue;
        };
        let want = Want {
            expires_at: Some(contract_end.map_or(exception.until, |end| end.min(exception.until))),
            source: Source::Exception(exception.id.clone()),
            origin: &exception.origin,
            ticket: exception.ticket.clone(),
            via: Via::Exception(exception),
        };
        let from_bundle = exception
            .bundle
            .as_ref()
            .and_then(|(id, _)| workspace.bundles.get(id))
            .map(|b| b.grants.as_slice())
            .unwrap_or_default();
        for grant in exception.grants.iter().chain(from_bundle) {
            for tenant in client.tenants.iter().filter(|t| grant.lands_in(t)) {
                managed
                    .entry(tenant.name.clone())
                    .or_default()
                    .insert(grant.entitlement.clone());
            }
            collector.want(client, identity, grant, contract_start, &want);
        }
    }
    collector.add_requests(client, requests, &mut managed);
    problems.append(&mut collector.problems);
    (
        DesiredAccess {
            grants: gathered(collector.by_key),
            managed,
            accounts,
        },
        problems,
    )
}

/// Returns `access` (a client's desired access without access requests, as
/// [`desired_access`] works it out with none) with what the client's approved access
/// requests ask for added: the same as [`desired_access`] with `requests`. A client
/// without approved requests gets `access` back as it is.
pub fn with_requests(
    access: DesiredAccess,
    workspace: &Workspace,
    client: &Client,
    requests: &[AccessRequest],
    now: OffsetDateTime,
) -> DesiredAccess {
    if !requests.iter().any(|r| approved_for(r, client)) {
        return access;
    }
    let DesiredAccess {
        grants,
        mut managed,
        accounts,
    } = access;
    let mut collector = Collector {
        workspace,
        now,
        by_key: grants
            .into_iter()
            .map(|mut g| (std::mem::replace(&mut g.key, GrantKey::none()), g))
            .collect(),
        problems: Vec::new(),
        account: None,
    };
    collector.add_requests(client, requests, &mut managed);
    DesiredAccess {
        grants: gathered(collector.by_key),
        managed,
        accounts,
    }
}

/// Desired access worked out ahead of a plan, at one instant, without access requests:
/// the workspace check every command starts with works it out for each client
/// ([`check_workspace_keeping`]), and the plan takes it ([`Self::take`]) rather than
/// working it out again.
#[derive(Debug, Default)]
pub struct DesiredAhead {
    /// The instant it was worked out at (`None`: nothing was).
    now: Option<OffsetDateTime>,
    /// Each client's, by client id; a plan takes those it plans.
    by_client: Mutex<BTreeMap<String, DesiredAccess>>,
}

impl DesiredAhead {
    /// Takes the desired access of `client` when it was worked out at `now`: a plan at
    /// another instant (`plan --at`), or a second plan of the client, works it out anew.
    pub fn take(&self, client: &str, now: OffsetDateTime) -> Option<DesiredAccess> {
        if self.now != Some(now) {
            return None;
        }
        // A poisoned lock only means another plan panicked: working it out anew is right.
        self.by_client.lock().ok()?.remove(client)
    }

    /// Forgets what was worked out for `client`: it changed after (`plan --tier`).
    pub fn forget(&mut self, client: &str) {
        if let Ok(by_client) = self.by_client.get_mut() {
            by_client.remove(client);
        }
    }
}

/// What working out every client's desired access at `now` finds wrong with the
/// workspace, in one pass.
#[derive(Debug, Default)]
pub struct WorkspaceCheck {
    /// Account templates that cannot be filled in.
    pub problems: Vec<Diagnostic>,
    /// Policy denials of desired grants, and of bundles' just-in-time grants that could
    /// never be given.
    pub denials: Vec<Denial>,
}

/// Works out every client's desired access once and returns its problems and denials
/// (each once).
pub fn check_workspace(workspace: &Workspace, now: OffsetDateTime) -> WorkspaceCheck {
    checked(workspace, now, |_, _| {})
}

/// Like [`check_workspace`], and keeps the desired access worked out on the way, for the
/// plan that follows.
pub fn check_workspace_keeping(
    workspace: &Workspace,
    now: OffsetDateTime,
) -> (WorkspaceCheck, DesiredAhead) {
    let mut by_client = BTreeMap::new();
    let check = checked(workspace, now, |client, access| {
        by_client.insert(client.to_string(), access);
    });
    let ahead = DesiredAhead {
        now: Some(now),
        by_client: Mutex::new(by_client),
    };
    (check, ahead)
}

/// Checks the workspace at `now`, handing each client's desired access to `keep`.
fn checked(
    workspace: &Workspace,
    now: OffsetDateTime,
    mut keep: impl FnMut(&str, DesiredAccess),
) -> WorkspaceCheck {
    let mut check = WorkspaceCheck {
        denials: policy::check_bundles(workspace)
            .into_iter()
            .map(|(_, _, denial)| denial)
            .chain(policy::check_credentials(workspace))
            .collect(),
        ..WorkspaceCheck::default()
    };
    for client in workspace.clients.values() {
        let (access, problems) = desired_access(workspace, client, &[], now);
        for problem in problems {
            if !check.problems.contains(&problem) {
                check.problems.push(problem);
            }
        }
        for denial in access.grants.iter().flat_map(|g| &g.denials) {
            if !check.denials.contains(denial) {
                check.denials.push(denial.clone());
            }
        }
        keep(&client.id, access);
    }
    check
}

/// Returns a denial for each bundle grant policy refuses whatever is asked
/// ([`policy::check_bundles`]), in each of `clients` that could ask for it (the bundle
/// is of its tier, or one of its exceptions names the bundle), in each tenant the grant
/// lands in: so `plan` and `apply` report what `validate` does.
pub fn bundle_denials(workspace: &Workspace, clients: &[&Client]) -> Vec<DeniedGrant> {
    let mut denials = Vec::new();
    for (bundle, grant, denial) in policy::check_bundles(workspace) {
        for client in clients.iter().filter(|c| {
            c.tier == bundle.tier
                || c.exceptions
                    .iter()
                    .any(|e| e.bundle.as_ref().is_some_and(|(id, _)| *id == bundle.id))
        }) {
            for tenant in client.tenants.iter().filter(|t| grant.lands_in(t)) {
                denials.push(DeniedGrant {
                    sources: vec![Source::Bundle(bundle.id.clone())],
                    ..DeniedGrant::new(&client.id, &tenant.name, &grant.entitlement, &denial)
                });
            }
        }
    }
    denials
}
