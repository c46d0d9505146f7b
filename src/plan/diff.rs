//! The diff: desired access against the ledger and what one tenant reports.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use time::OffsetDateTime;

use super::{Change, ChangeKind, DeniedGrant, DesiredGrant, Plan, UnreadableTenant};
use crate::model::time::format_short;
use crate::model::{Block, Entitlement, GrantRecord, Holder, Origin, Source};

/// What reading a tenant produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Observation {
    /// The holders of each managed entitlement, read in full.
    Read(BTreeMap<Entitlement, Vec<Holder>>),
    /// The tenant could not be read, or only in part: nothing may be planned from it.
    Unreadable(ReadFailure),
}

/// Why a tenant could not be read, as its adapter said: what failed, the kind of
/// failure, and what would fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadFailure {
    /// What was being done and what went wrong (`list group:X: connection refused`).
    pub reason: String,
    /// The kind of failure, as a code (`unreachable`, `denied`, `wrong-tenant`,
    /// `malformed`, `not-found`, `unsupported`, `rejected`).
    pub code: String,
    /// What would fix it.
    pub hint: Option<String>,
}

/// Everything the diff of one tenant needs.
#[derive(Debug, Clone, Copy)]
pub struct DiffInput<'a> {
    /// The instant the plan is for.
    pub now: OffsetDateTime,
    /// Client id.
    pub client: &'a str,
    /// Tenant name.
    pub tenant: &'a str,
    /// Desired grants (grants of other tenants are ignored).
    pub desired: &'a [DesiredGrant],
    /// Entitlements onboard manages in this tenant.
    pub managed: &'a BTreeSet<Entitlement>,
    /// Known identities' accounts in this tenant: lowercase account → identity id.
    pub accounts: &'a BTreeMap<String, String>,
    /// Ledger records (records of other tenants are ignored).
    pub ledger: &'a [GrantRecord],
    /// Standing revocations.
    pub blocks: &'a [Block],
    /// Grants the audit log shows onboard sent that the ledger may lack (an interrupted
    /// run): a holder they cover is onboard's grant, revoked when not wanted, never drift.
    pub sent: &'a [GrantRecord],
    /// What the tenant reported.
    pub observation: &'a Observation,
}

/// Returns one warning per standing revocation that holds back grants the workspace still
/// declares (a leaver's every entitlement in every tenant is one warning, not one each):
/// how many, and where the first is declared (as `show` writes a place).
pub fn block_warnings<'a>(
    desired: impl IntoIterator<Item = &'a DesiredGrant>,
    blocks: &[Block],
    now: OffsetDateTime,
    show: impl Fn(&crate::model::Origin) -> String,
) -> Vec<String> {
    let active: Vec<&DesiredGrant> = desired
        .into_iter()
        .filter(|g| g.is_active(now) && g.denials.is_empty())
        .collect();
    let mut warnings = Vec::new();
    for block in blocks {
        let held: Vec<&&DesiredGrant> = active
            .iter()
            .filter(|g| block.covers(&g.key.client, &g.key.identity, g.ticket.as_deref()))
            .collect();
        let Some(first) = held.first() else { continue };
        let more = match held.len() {
            1 => String::new(),
            2 => " and 1 more".to_string(),
            n => format!(" and {} more", n - 1),
        };
        warnings.push(format!(
            "{} `{}` was revoked on {}: the workspace still declares {} ({} in `{}/{}` at {}{more}), not granted again until the revocation is lifted",
            block.scope.as_str(),
            block.value,
            format_short(block.at),
            if held.len() == 1 {
                "1 grant".to_string()
            } else {
                format!("{} grants", held.len())
            },
            first.key.entitlement,
            first.key.client,
            first.key.tenant,
            show(&first.origin),
        ));
    }
    warnings
}

/// What drift is: the start of every drift change's reason.
pub const DRIFT_HELD: &str = "held outside onboard and not wanted";

/// Returns the plan of one tenant: its changes, the grants policy refuses in it and
/// warnings; or, when the tenant could not be read, only that.
pub fn diff_tenant(input: &DiffInput<'_>) -> Plan {
    let held = match input.observation {
        Observation::Unreadable(failure) => {
            return Plan {
                unknown: vec![UnreadableTenant {
                    client: input.client.to_string(),
                    tenant: input.tenant.to_string(),
                    reason: failure.reason.clone(),
                    error_code: failure.code.clone(),
                    hint: failure.hint.clone(),
                }],
                ..Plan::default()
            };
        }
        Observation::Read(held) => held,
    };
    let mut diff = TenantDiff::new(*input, held);
    diff.sort_desired();
    diff.compare_wanted();
    diff.end_unwanted_records();
    diff.find_unrecorded_holders();
    Plan {
        changes: diff.changes,
        denials: diff.denials,
        warnings: diff.warnings,
        ..Plan::default()
    }
}

/// A grant's place in a tenant: its entitlement and identity.
type Key<'a> = (&'a Entitlement, &'a str);

/// The diff of one tenant as it is worked out: lookups built once, then the changes.
struct TenantDiff<'a> {
    input: DiffInput<'a>,
    /// What the tenant holds, per entitlement.
    held: &'a BTreeMap<Entitlement, Vec<Holder>>,
    /// Holders by lowercase account, first one kept: a lookup, not a scan per grant.
    held_by_account: HashMap<(&'a Entitlement, String), &'a Holder>,
    /// This tenant's ledger records.
    ledger: BTreeMap<Key<'a>, &'a GrantRecord>,
    /// Grants wanted now, after denials and standing revocations.
    wanted: BTreeMap<Key<'a>, &'a DesiredGrant>,
    /// Grants whose time has ended.
    ended: BTreeMap<Key<'a>, &'a DesiredGrant>,
    /// Recorded grants policy now denies, with the reason their revocation gives.
    denied_recorded: BTreeMap<Key<'a>, String>,
    changes: Vec<Change>,
    denials: Vec<DeniedGrant>,
    warnings: Vec<String>,
    said: Said<'a>,
}

/// Texts that many changes of a tenant share, each written once per run of equal values:
/// the grants of one bundle line (an entitlement's every holder) come one after another,
/// with the same origin and sources.
#[derive(Default)]
struct Said<'a> {
    origin: Option<(&'a Origin, String)>,
    wanted_by: Option<(&'a [Source], String)>,
}

impl<'a> Said<'a> {
    /// `file:line:column` of an origin.
    fn origin(&mut self, origin: &'a Origin) -> String {
        again(&mut self.origin, origin, ToString::to_string)
    }

    /// The reason of a grant wanted by `sources`.
    fn wanted_by(&mut self, sources: &'a [Source]) -> String {
        again(&mut self.wanted_by, sources, |sources| {
            format!("wanted by {}", Source::join(sources, ", "))
        })
    }
}

/// Returns the text `make` makes of `value`: a copy of the last one when `value` equals
/// the value it was made of.
fn again<'a, T: PartialEq + ?Sized>(
    last: &mut Option<(&'a T, String)>,
    value: &'a T,
    make: impl FnOnce(&T) -> String,
) -> String {
    match last {
        Some((made_of, text)) if *made_of == value => text.clone(),
        _ => {
            let text = make(value);
            *last = Some((value, text.clone()));
            text
        }
    }
}

impl<'a> TenantDiff<'a> {
    fn new(input: DiffInput<'a>, held: &'a BTreeMap<Entitlement, Vec<Holder>>) -> Self {
        let mut held_by_account = HashMap::new();
        for (entitlement, holders) in held {
            for holder in holders {
                held_by_account
                    .entry((entitlement, holder.account.to_ascii_lowercase()))
                    .or_insert(holder);
            }
        }
        let ledger = input
            .ledger
            .iter()
            .filter(|r| r.client == input.client && r.tenant == input.tenant)
            .map(|r| ((&r.entitlement, r.identity.as_str()), r))
            .collect();
        TenantDiff {
            input,
            held,
            held_by_account,
            ledger,
            wanted: BTreeMap::new(),
            ended: BTreeMap::new(),
            denied_recorded: BTreeMap::new(),
            changes: Vec::new(),
            denials: Vec::new(),
            warnings: Vec::new(),
            said: Said::default(),
        }
    }

    /// Returns the holder of `entitlement` under `account` (case-insensitive).
    fn holds(&self, entitlement: &Entitlement, account: &str) -> Option<&'a Holder> {
        self.held_by_account
            .get(&(entitlement, account.to_ascii_lowercase()))
            .copied()
    }

    /// Sorts this tenant's desired grants: ended, denied (a denial of a grant never
    /// recorded is a change of its own; of a recorded one, the reason it is revoked),
    /// held back by a standing revocation (`block_warnings` says so once per
    /// revocation), or wanted.
    fn sort_desired(&mut self) {
        let input = self.input;
        let now = input.now;
        for grant in input
            .desired
            .iter()
            .filter(|g| g.key.client == input.client && g.key.tenant == input.tenant)
        {
            let key = (&grant.key.entitlement, grant.key.identity.as_str());
            if !grant.is_active(now) {
                if grant.expires_at.is_some_and(|e| e <= now) {
                    self.ended.insert(key, grant);
                }
                continue;
            }
            if !grant.denials.is_empty() {
                self.deny(key, grant);
                continue;
            }
            if input
                .blocks
                .iter()
                .any(|b| b.covers(input.client, &grant.key.identity, grant.ticket.as_deref()))
            {
                continue;
            }
            self.wanted.insert(key, grant);
        }
    }

    /// A desired grant policy denies: each denial of a grant never recorded is a change;
    /// a recorded one is revoked by [`Self::end_unwanted_records`], for the first
    /// denial's reason.
    fn deny(&mut self, key: Key<'a>, grant: &'a DesiredGrant) {
        let recorded = self.ledger.contains_key(&key);
        for denial in &grant.denials {
            if recorded {
                self.denied_recorded.insert(
                    key,
                    format!("denied by policy `{}`: {}", denial.rule, denial.message),
                );
                return;
            }
            self.denials.push(DeniedGrant::of_grant(grant, denial));
        }
    }

    /// Compares each wanted grant with its record and the tenant: kept, renewed, granted
    /// (again), recorded as already held, or moved to a renamed account.
    fn compare_wanted(&mut self) {
        let wanted: Vec<(Key<'a>, &'a DesiredGrant)> =
            self.wanted.iter().map(|(k, g)| (*k, *g)).collect();
        if self.ledger.is_empty() {
            // Every wanted grant is a change (a tenant planned for the first time).
            self.changes.reserve(wanted.len());
        }
        for (key, grant) in wanted {
            let recorded = self.ledger.get(&key).copied();
            let holder = self.holds(&grant.key.entitlement, &grant.account);
            // Made only when there is a change: a converged tenant has none.
            let change = |said: &mut Said<'a>| {
                let mut change = Change::of_grant(ChangeKind::Grant, grant, String::new());
                change.expires_at = grant.expires_at;
                change.origin = Some(said.origin(&grant.origin));
                change
            };
            let same_account =
                recorded.is_some_and(|r| r.account.eq_ignore_ascii_case(&grant.account));
            match (recorded, holder) {
                (Some(record), Some(holder)) if same_account => {
                    if holder.pending {
                        self.warnings.push(pending_warning(
                            &self.input,
                            &grant.key.entitlement,
                            &holder.account,
                        ));
                    }
                    if let Some(renewal) = renewal(record, grant, || change(&mut self.said)) {
                        self.changes.push(renewal);
                    }
                }
                (Some(_), None) if same_account => {
                    let mut change = change(&mut self.said);
                    change.reason =
                        "recorded as granted but missing from the tenant: granting again".into();
                    self.changes.push(change);
                }
                (recorded, holder) => {
                    if let Some(record) = recorded {
                        // The account name changed: the old account's access goes.
                        let mut old = Change::of_record(
                            ChangeKind::Revoke,
                            record,
                            format!("account renamed to `{}`", grant.account),
                        );
                        old.expires_at = None;
                        old.tenant_already_done =
                            self.holds(&record.entitlement, &record.account).is_none();
                        self.changes.push(old);
                    }
                    let mut change = change(&mut self.said);
                    change.tenant_already_done = holder.is_some();
                    change.reason = if holder.is_some_and(|h| h.pending) {
                        "invitation pending (sent, not yet accepted): recording it".into()
                    } else if holder.is_some() {
                        "already held in the tenant: recording it".into()
                    } else {
                        self.said.wanted_by(&grant.sources)
                    };
                    self.changes.push(change);
                }
            }
        }
    }

    /// Ends every recorded grant no longer wanted: expired (its time, or its desired
    /// grant's, has passed) or revoked (a standing revocation, a denial, or the
    /// workspace no longer wanting it).
    fn end_unwanted_records(&mut self) {
        let now = self.input.now;
        for (key, record) in &self.ledger {
            if self.wanted.contains_key(key) {
                continue; // kept, renewed, or (renamed account) revoked above
            }
            let expired_record = record.expires_at.filter(|e| *e <= now);
            let ended_grant = self.ended.get(key).and_then(|g| g.expires_at);
            let (kind, reason) = match (expired_record, ended_grant) {
                (Some(at), _) | (None, Some(at)) => {
                    (ChangeKind::Expire, format!("ended {}", format_short(at)))
                }
                (None, None) => (ChangeKind::Revoke, self.revocation_reason(key, record)),
            };
            let mut change = Change::of_record(kind, record, reason);
            change.expires_at = record.expires_at.or(ended_grant);
            let holder = self.holds(&record.entitlement, &record.account);
            change.tenant_already_done = holder.is_none();
            if change.tenant_already_done {
                change.reason.push_str(" (already gone from the tenant)");
            } else if holder.is_some_and(|h| h.pending) {
                change
                    .reason
                    .push_str(" (invitation pending: cancelling it)");
            }
            self.changes.push(change);
        }
    }

    /// Why a recorded grant that has not ended is revoked.
    fn revocation_reason(&self, key: &Key<'a>, record: &GrantRecord) -> String {
        let input = &self.input;
        let blocked = input
            .blocks
            .iter()
            .find(|b| b.covers(input.client, &record.identity, record.ticket.as_deref()));
        match (blocked, self.denied_recorded.get(key)) {
            (Some(b), _) => format!("{} `{}` revoked", b.scope.as_str(), b.value),
            (None, Some(reason)) => reason.clone(),
            (None, None) => "no longer wanted by the workspace".to_string(),
        }
    }

    /// Finds holders of managed entitlements that no record or wanted grant covers:
    /// onboard's own grants an interrupted run did not record (revoked when not
    /// wanted), pending invitations onboard did not send (a warning), and drift.
    fn find_unrecorded_holders(&mut self) {
        let input = self.input;
        let recorded_accounts: HashSet<(&Entitlement, String)> = self
            .ledger
            .values()
            .map(|r| (&r.entitlement, r.account.to_ascii_lowercase()))
            .collect();
        let wanted_accounts: HashSet<(&Entitlement, String)> = self
            .wanted
            .values()
            .map(|g| (&g.key.entitlement, g.account.to_ascii_lowercase()))
            .collect();
        for (entitlement, holders) in self.held {
            if !input.managed.contains(entitlement) {
                continue;
            }
            for holder in holders {
                // A holder recorded or wanted under its account is covered: most are, so
                // its identity is looked up only for the others.
                let account = (entitlement, holder.account.to_ascii_lowercase());
                if recorded_accounts.contains(&account) || wanted_accounts.contains(&account) {
                    continue;
                }
                let identity = input.accounts.get(&holder.account.to_lowercase()).cloned();
                let known = identity.as_deref().is_some_and(|id| {
                    self.ledger.contains_key(&(entitlement, id))
                        || self.wanted.contains_key(&(entitlement, id))
                });
                if known {
                    continue;
                }
                self.unrecorded(entitlement, holder, identity);
            }
        }
    }

    /// One holder no record or wanted grant covers.
    fn unrecorded(&mut self, entitlement: &Entitlement, holder: &Holder, identity: Option<String>) {
        let input = self.input;
        let sent = input.sent.iter().find(|r| {
            r.client == input.client
                && r.tenant == input.tenant
                && &r.entitlement == entitlement
                && r.account.eq_ignore_ascii_case(&holder.account)
        });
        if let Some(record) = sent {
            let mut change = Change::of_record(
                ChangeKind::Revoke,
                record,
                "granted by onboard (its audit log records sending it; an interrupted run did not record it in the ledger) and no longer wanted".into(),
            );
            // The account as the tenant holds it.
            change.account = Some(holder.account.clone());
            self.changes.push(change);
            return;
        }
        if holder.pending {
            // Not access yet: nothing to prune, but worth knowing about.
            self.warnings.push(format!(
                "`{}` in `{}/{}`: `{}` has an invitation pending that onboard did not send and the workspace does not want; cancel it in the tenant if it is not expected",
                entitlement, input.client, input.tenant, holder.account
            ));
            return;
        }
        let mut change = Change::new(
            ChangeKind::Drift,
            input.client,
            input.tenant,
            format!("{DRIFT_HELD} (removed only with `--prune`)"),
        );
        change.entitlement = Some(entitlement.clone());
        change.identity = identity;
        change.account = Some(holder.account.clone());
        change.expires_at = holder.expires_at;
        self.changes.push(change);
    }
}

/// The renewal of a kept grant the workspace now wants for longer (or for good), or
/// `None` when it wants it no longer than recorded. `change` makes the grant's change.
fn renewal(
    record: &GrantRecord,
    grant: &DesiredGrant,
    change: impl FnOnce() -> Change,
) -> Option<Change> {
    let later = match (record.expires_at, grant.expires_at) {
        (Some(old), Some(new)) => new > old,
        (Some(_), None) => true,
        (None, _) => false,
    };
    if !later {
        return None;
    }
    let mut change = change();
    change.kind = ChangeKind::Renew;
    change.previous_expires_at = record.expires_at;
    change.reason = match grant.expires_at {
        Some(new) => format!("now wanted until {}", format_short(new)),
        None => "now standing access".into(),
    };
    Some(change)
}

/// Returns the warning for a recorded grant whose invitation is not yet accepted.
fn pending_warning(input: &DiffInput<'_>, entitlement: &Entitlement, account: &str) -> String {
    format!(
        "`{entitlement}` for `{account}` in `{}/{}`: invitation pending (sent, not yet accepted); it is not sent again",
        input.client, input.tenant
    )
}

#[cfg(test)]
mod tests;
