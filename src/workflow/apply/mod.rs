//! Preparing a plan for an apply-like run (`apply`, `expire`, `revoke`, and the access
//! commands that grant at once): which changes are sent, which are not (unread
//! tenants, policy denials, drift left alone) and which clients an earlier run left
//! unfinished; and carrying it out ([`run`]).
//!
//! [`prepare`] reads the audit log's tails and nothing else; writes nothing, prints
//! nothing and asks nothing. The command shows what it returns, [`admit`]s the run,
//! shows the plan, checks the mass-revoke [`guard`], confirms, and [`execute`]s.

use std::borrow::Cow;
use std::collections::BTreeSet;

pub mod guard;
pub mod run;

pub use run::{Admission, Counts, Run, admit, denial_entry, execute};

use super::Context;
use crate::plan::{Change, ChangeKind, DeniedGrant, EntryRef, Plan, UnreadableTenant};

/// A plan sorted for a run: what is sent and what is not. Borrows the plan it was
/// prepared from where it can (a plan of many changes is not copied to be shown, nor to
/// be sent when all of it is sent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared<'a> {
    /// The plan as the run shows it (with `prune`, its drift is labelled as removed).
    pub plan: Cow<'a, Plan>,
    /// What the run sends: the changes that reach a tenant (drift only with `prune`)
    /// and the tenants' own configuration.
    pub actionable: Cow<'a, Plan>,
    /// Tenants that could not be read: nothing is applied to them.
    pub unknown: Vec<UnreadableTenant>,
    /// Grants policy refuses: never sent, each refusal audited.
    pub denied: Vec<DeniedGrant>,
    /// Drift changes left alone because the run does not prune.
    pub drift_left: usize,
    /// Clients whose audit chain holds intents without outcome: an earlier run was
    /// interrupted (or is in progress), and the audit log says this run saw it.
    pub interrupted: Vec<String>,
}

impl Prepared<'_> {
    /// Returns whether the run sends nothing to any tenant.
    pub fn nothing(&self) -> bool {
        self.actionable.changes.is_empty() && self.actionable.configuration.is_empty()
    }
}

/// Returns whether a run sends a change: the kinds sent to tenants, drift only with
/// `prune`.
pub fn sends(change: &Change, prune: bool) -> bool {
    change.kind != ChangeKind::Drift || prune
}

/// Sorts `plan` for a run that prunes drift or not, and finds the clients an earlier run
/// left unfinished (among the plan's clients; every client for an empty plan).
pub fn prepare<'a>(cx: &Context<'_>, plan: &'a Plan, prune: bool) -> anyhow::Result<Prepared<'a>> {
    let plan = if prune {
        Cow::Owned(plan.pruning())
    } else {
        Cow::Borrowed(plan)
    };
    // A plan of changes only, every one sent, is what the run sends as it is.
    let all_sent = plan.denials.is_empty()
        && plan.unknown.is_empty()
        && plan.warnings.is_empty()
        && plan.changes.iter().all(|c| sends(c, prune));
    let actionable = match &plan {
        Cow::Borrowed(plan) if all_sent => Cow::Borrowed(*plan),
        _ => Cow::Owned(Plan {
            configuration: plan.configuration.clone(),
            ..plan.only(|e| matches!(e, EntryRef::Change(c) if sends(c, prune)))
        }),
    };
    let drift_left = if prune { 0 } else { plan.summary().drift };
    // Changes an earlier run announced but never finished (a crash): this run's plan has
    // re-read the tenants, so it shows what is left; the audit log records that.
    let mut interrupted: Vec<String> = Vec::new();
    let clients: BTreeSet<&str> = plan.entries().into_iter().map(EntryRef::client).collect();
    let asked: Vec<&str> = cx
        .workspace
        .clients
        .keys()
        .map(String::as_str)
        .filter(|c| clients.is_empty() || clients.contains(c))
        .collect();
    for (client, dangling) in asked
        .iter()
        .zip(crate::audit::writer::peek_dangling_all(cx.state, &asked))
    {
        if !dangling?.is_empty() {
            interrupted.push(client.to_string());
        }
    }
    Ok(Prepared {
        unknown: plan.unknown.clone(),
        denied: plan.denials.clone(),
        actionable,
        drift_left,
        interrupted,
        plan,
    })
}

/// A tenant whose own configuration is no longer as the plan saw it: `apply` refuses
/// the plan rather than carry out changes worked out from another state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MovedConfiguration {
    /// Client id.
    pub client: String,
    /// Tenant name.
    pub tenant: String,
    /// What differs, or why the tenant could not be read to tell.
    pub why: String,
}

/// Reads again the own configuration (GDAP access assignments, Okta group admin roles)
/// of every tenant `actionable` sends something to whose client file declares some, or
/// for which the plan carries configuration changes, and returns those that no longer
/// need exactly the changes the plan carries for them (none, when the plan carries none),
/// or that could not be read to tell. Sends nothing.
pub fn moved_configuration(cx: &Context<'_>, actionable: &Plan) -> Vec<MovedConfiguration> {
    let mut touched: BTreeSet<(&str, &str)> = actionable
        .changes
        .iter()
        .map(|c| (c.client.as_str(), c.tenant.as_str()))
        .collect();
    touched.extend(
        actionable
            .configuration
            .iter()
            .map(|t| (t.client.as_str(), t.tenant.as_str())),
    );
    let tenants: Vec<_> = touched
        .into_iter()
        .filter_map(|(client, tenant)| {
            let client = cx.workspace.clients.get(client)?;
            let tenant = client.tenant(tenant)?;
            let planned = !actionable
                .configuration_of(&client.id, &tenant.name)
                .is_empty();
            (planned || tenant.has_configuration()).then_some((client, tenant))
        })
        .collect();
    let now = crate::observe::review_configuration(
        cx.root,
        &tenants,
        cx.workspace.settings.parallelism,
        cx.adapters,
        cx.now,
    );
    let words = |changes: &[crate::model::ConfigurationChange]| -> String {
        if changes.is_empty() {
            return "no change".into();
        }
        changes
            .iter()
            .map(|c| c.planned())
            .collect::<Vec<_>>()
            .join("; ")
    };
    tenants
        .iter()
        .zip(now)
        .filter_map(|((client, tenant), now)| {
            let planned = actionable.configuration_of(&client.id, &tenant.name);
            let why = match now {
                Ok(now) if now == planned => return None,
                Ok(now) => format!(
                    "the plan carries {}, but the tenant now needs {}",
                    words(planned),
                    words(&now)
                ),
                Err(error) => {
                    format!("it could not be read to confirm it is as the plan saw it: {error}")
                }
            };
            Some(MovedConfiguration {
                client: client.id.clone(),
                tenant: tenant.name.clone(),
                why,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests;

/// Writes the run's preface entries and closes interrupted changes of earlier runs.
fn record_preface(
    audit: &mut crate::audit::AuditLog,
    preface: &[&[(String, crate::audit::Entry)]],
    interrupted: &[String],
) -> anyhow::Result<()> {
    for (chain, entry) in preface.iter().flat_map(|p| p.iter()) {
        audit.append(chain, entry.clone())?;
    }
    for client in interrupted {
        audit.reconcile(
            client,
            "this run re-read the tenant; its plan shows what was left",
        )?;
    }
    audit.sync()?;
    Ok(())
}
