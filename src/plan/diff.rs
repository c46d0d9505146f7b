//! The diff: desired access against the ledger and what one tenant reports.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use time::OffsetDateTime;

use super::{Change, ChangeKind, DesiredGrant};
use crate::model::time::format_short;
use crate::model::{Block, Entitlement, GrantRecord, Holder};

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

/// Returns the changes for one tenant and any warnings.
pub fn diff_tenant(input: &DiffInput<'_>) -> (Vec<Change>, Vec<String>) {
    let base =
        |kind: ChangeKind, reason: String| Change::new(kind, input.client, input.tenant, reason);
    let held = match input.observation {
        Observation::Unreadable(failure) => {
            let mut change = base(ChangeKind::Unknown, failure.reason.clone());
            change.error_code = Some(failure.code.clone());
            change.hint = failure.hint.clone();
            return (vec![change], Vec::new());
        }
        Observation::Read(held) => held,
    };
    let now = input.now;
    let mine = |client: &str, tenant: &str| client == input.client && tenant == input.tenant;
    // Holders by lowercase account, first one kept: a lookup, not a scan per grant.
    let mut held_by_account: HashMap<(&Entitlement, String), &Holder> = HashMap::new();
    for (entitlement, holders) in held {
        for holder in holders {
            held_by_account
                .entry((entitlement, holder.account.to_ascii_lowercase()))
                .or_insert(holder);
        }
    }
    let holds = |entitlement: &Entitlement, account: &str| -> Option<&Holder> {
        held_by_account
            .get(&(entitlement, account.to_ascii_lowercase()))
            .copied()
    };
    let ledger: BTreeMap<(&Entitlement, &str), &GrantRecord> = input
        .ledger
        .iter()
        .filter(|r| mine(&r.client, &r.tenant))
        .map(|r| ((&r.entitlement, r.identity.as_str()), r))
        .collect();
    let mut changes = Vec::new();
    let mut warnings = Vec::new();
    // Grants wanted now, after standing revocations.
    let mut wanted: BTreeMap<(&Entitlement, &str), &DesiredGrant> = BTreeMap::new();
    let mut ended: BTreeMap<(&Entitlement, &str), &DesiredGrant> = BTreeMap::new();
    let mut denied_recorded: BTreeMap<(&Entitlement, &str), String> = BTreeMap::new();
    for grant in input
        .desired
        .iter()
        .filter(|g| mine(&g.key.client, &g.key.tenant))
    {
        let key = (&grant.key.entitlement, grant.key.identity.as_str());
        if !grant.is_active(now) {
            if grant.expires_at.is_some_and(|e| e <= now) {
                ended.insert(key, grant);
            }
            continue;
        }
        if !grant.denials.is_empty() {
            for denial in &grant.denials {
                let recorded = ledger.contains_key(&key);
                let mut change = Change::of_grant(
                    if recorded {
                        ChangeKind::Revoke
                    } else {
                        ChangeKind::Denied
                    },
                    grant,
                    if recorded {
                        format!("denied by policy `{}`: {}", denial.rule, denial.message)
                    } else {
                        denial.message.clone()
                    },
                );
                change.origin = Some(denial.cause.to_string());
                change.rule = Some(denial.rule.to_string());
                change.hint = Some(denial.hint.clone());
                if recorded {
                    // The ledger loop below revokes it; say why there.
                    denied_recorded.insert(key, change.reason.clone());
                    break;
                }
                changes.push(change);
            }
            continue;
        }
        // Held back by a standing revocation: `block_warnings` says so once per revocation.
        if input
            .blocks
            .iter()
            .any(|b| b.covers(input.client, &grant.key.identity, grant.ticket.as_deref()))
        {
            continue;
        }
        wanted.insert(key, grant);
    }
    for (key, grant) in &wanted {
        let recorded = ledger.get(key);
        let holder = holds(&grant.key.entitlement, &grant.account);
        let mut change = Change::of_grant(ChangeKind::Grant, grant, String::new());
        change.expires_at = grant.expires_at;
        change.origin = Some(grant.origin.to_string());
        match (recorded, holder) {
            (Some(record), Some(holder)) if record.account.eq_ignore_ascii_case(&grant.account) => {
                if holder.pending {
                    warnings.push(pending_warning(
                        input,
                        &grant.key.entitlement,
                        &holder.account,
                    ));
                }
                let later = match (record.expires_at, grant.expires_at) {
                    (Some(old), Some(new)) => new > old,
                    (Some(_), None) => true,
                    (None, _) => false,
                };
                if later {
                    change.kind = ChangeKind::Renew;
                    change.previous_expires_at = record.expires_at;
                    change.reason = match grant.expires_at {
                        Some(new) => format!("now wanted until {}", format_short(new)),
                        None => "now standing access".into(),
                    };
                    changes.push(change);
                }
            }
            (Some(record), None) if record.account.eq_ignore_ascii_case(&grant.account) => {
                change.reason =
                    "recorded as granted but missing from the tenant: granting again".into();
                changes.push(change);
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
                    old.tenant_already_done = holds(&record.entitlement, &record.account).is_none();
                    changes.push(old);
                }
                change.tenant_already_done = holder.is_some();
                change.reason = if holder.is_some_and(|h| h.pending) {
                    "invitation pending (sent, not yet accepted): recording it".into()
                } else if holder.is_some() {
                    "already held in the tenant: recording it".into()
                } else {
                    format!("wanted by {}", grant.sources.join(", "))
                };
                changes.push(change);
            }
        }
    }
    for (key, record) in &ledger {
        if wanted.contains_key(key) {
            continue; // kept, renewed, or (renamed account) revoked above
        }
        let expired_record = record.expires_at.filter(|e| *e <= now);
        let ended_grant = ended.get(key).and_then(|g| g.expires_at);
        let (kind, reason) = match (expired_record, ended_grant) {
            (Some(at), _) | (None, Some(at)) => {
                (ChangeKind::Expire, format!("ended {}", format_short(at)))
            }
            (None, None) => {
                let blocked = input
                    .blocks
                    .iter()
                    .find(|b| b.covers(input.client, &record.identity, record.ticket.as_deref()));
                match (blocked, denied_recorded.get(key)) {
                    (Some(b), _) => (
                        ChangeKind::Revoke,
                        format!("{} `{}` revoked", b.scope.as_str(), b.value),
                    ),
                    (None, Some(reason)) => (ChangeKind::Revoke, reason.clone()),
                    (None, None) => (
                        ChangeKind::Revoke,
                        "no longer wanted by the workspace".to_string(),
                    ),
                }
            }
        };
        let mut change = Change::of_record(kind, record, reason);
        change.expires_at = record.expires_at.or(ended_grant);
        let holder = holds(&record.entitlement, &record.account);
        change.tenant_already_done = holder.is_none();
        if change.tenant_already_done {
            change.reason.push_str(" (already gone from the tenant)");
        } else if holder.is_some_and(|h| h.pending) {
            change
                .reason
                .push_str(" (invitation pending: cancelling it)");
        }
        changes.push(change);
    }
    let recorded_accounts: HashSet<(&Entitlement, String)> = ledger
        .values()
        .map(|r| (&r.entitlement, r.account.to_ascii_lowercase()))
        .collect();
    let wanted_accounts: HashSet<(&Entitlement, String)> = wanted
        .values()
        .map(|g| (&g.key.entitlement, g.account.to_ascii_lowercase()))
        .collect();
    for (entitlement, holders) in held {
        if !input.managed.contains(entitlement) {
            continue;
        }
        for holder in holders {
            let identity = input.accounts.get(&holder.account.to_lowercase()).cloned();
            let known = identity.as_deref().is_some_and(|id| {
                ledger.contains_key(&(entitlement, id)) || wanted.contains_key(&(entitlement, id))
            });
            let account = (entitlement, holder.account.to_ascii_lowercase());
            let recorded_under_account = recorded_accounts.contains(&account);
            let wanted_under_account = wanted_accounts.contains(&account);
            if known || recorded_under_account || wanted_under_account {
                continue;
            }
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
                changes.push(change);
                continue;
            }
            if holder.pending {
                // Not access yet: nothing to prune, but worth knowing about.
                warnings.push(format!(
                    "`{}` in `{}/{}`: `{}` has an invitation pending that onboard did not send and the workspace does not want; cancel it in the tenant if it is not expected",
                    entitlement, input.client, input.tenant, holder.account
                ));
                continue;
            }
            let mut change = base(
                ChangeKind::Drift,
                format!("{DRIFT_HELD} (removed only with `--prune`)"),
            );
            change.entitlement = Some(entitlement.clone());
            change.identity = identity;
            change.account = Some(holder.account.clone());
            change.expires_at = holder.expires_at;
            changes.push(change);
        }
    }
    (changes, warnings)
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
