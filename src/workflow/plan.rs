//! The plan pipeline shared by plan, apply, expire, revoke and the access commands:
//! desired access → tenant reads → diff, with the warnings that go with a plan (tenant
//! notes, drift that an interrupted run may have sent, blocks, orphaned grants) and the
//! bundles policy refuses.
//!
//! Returns the plan with its warnings in it; prints nothing and asks nothing (the
//! commands render and confirm).

use std::collections::{BTreeMap, BTreeSet};

use super::Context;
use crate::model::{Block, BlockScope, Client, TenantRef, Workspace};
use crate::observe::{ReadReporter, ReadRequest, observe};
use crate::plan::{
    ByTenant, ChangeKind, DesiredAhead, DiffInput, Plan, desired_access, diff_tenant, with_requests,
};
use crate::state::Ledger;

/// Works out the plan for `clients`: desired access, tenant reads, diff. `extra_blocks`
/// are revocations being planned that are not in the ledger yet. The desired access of a
/// client is taken from `ahead` when it was worked out there at `cx.now`.
pub fn plan(
    cx: &Context<'_>,
    clients: &[&Client],
    ledger: &Ledger,
    extra_blocks: &[Block],
    ahead: &DesiredAhead,
    progress: &dyn ReadReporter,
) -> anyhow::Result<Plan> {
    let access_requests = cx.state.load_requests()?.requests;
    // Each tenant's records, grants and revocations are found once here, so the work for
    // one tenant never scans the others' (the plan is linear in the workspace).
    let records = ByTenant::new(&ledger.grants, |r| (r.client.as_str(), r.tenant.as_str()));
    let mut blocks = ledger.blocks.clone();
    blocks.extend_from_slice(extra_blocks);
    let mut blocks_of: BTreeMap<Option<&str>, Vec<Block>> = BTreeMap::new();
    for block in &blocks {
        let client = (block.scope == BlockScope::Client).then_some(block.value.as_str());
        blocks_of.entry(client).or_default().push(block.clone());
    }
    let client_blocks = |client: &str| -> Vec<Block> {
        let mut mine = blocks_of.get(&None).cloned().unwrap_or_default();
        mine.extend(blocks_of.get(&Some(client)).into_iter().flatten().cloned());
        mine
    };
    let mut accesses: Vec<_> = clients
        .iter()
        .map(|client| match ahead.take(&client.id, cx.now) {
            Some(access) => with_requests(access, cx.workspace, client, &access_requests, cx.now),
            None => desired_access(cx.workspace, client, &access_requests, cx.now).0,
        })
        .collect();
    // Exceptions rest on their tickets: a missing, closed or foreign one denies them.
    let (ticket_denials, ticket_warnings) = crate::tickets::exception_denials(
        crate::tickets::Desk::of(cx),
        cx.workspace,
        clients,
        cx.now,
    );
    for access in &mut accesses {
        crate::tickets::deny_exception_grants(access, &ticket_denials);
    }
    let desired: Vec<_> = accesses
        .iter()
        .map(|access| {
            ByTenant::new(&access.grants, |g| {
                (g.key.client.as_str(), g.key.tenant.as_str())
            })
        })
        .collect();
    let mut requests = Vec::new();
    for (client, access) in clients.iter().zip(&accesses) {
        for tenant in &client.tenants {
            let mut entitlements: BTreeSet<_> = access
                .managed
                .get(&tenant.name)
                .cloned()
                .unwrap_or_default();
            entitlements.extend(
                records
                    .get(&client.id, &tenant.name)
                    .iter()
                    .map(|r| r.entitlement.clone()),
            );
            requests.push(ReadRequest {
                client,
                tenant,
                entitlements,
            });
        }
    }
    progress.start(requests.len());
    let observations = observe(
        cx.root,
        &requests,
        cx.workspace.settings.parallelism,
        cx.adapters,
        cx.now,
        &|r| progress.read(&crate::model::TenantRef::new(&r.client.id, &r.tenant.name).to_string()),
    );
    progress.finish();
    let mut plan = Plan {
        warnings: ticket_warnings.into_iter().map(|d| d.message).collect(),
        ..Plan::default()
    };
    let empty = BTreeMap::new();
    let mut sent: BTreeMap<&str, Vec<crate::model::GrantRecord>> = BTreeMap::new();
    let by_client: BTreeMap<&str, _> = clients
        .iter()
        .map(|c| c.id.as_str())
        .zip(accesses.iter().zip(&desired))
        .map(|(id, (access, desired))| (id, (access, desired, client_blocks(id))))
        .collect();
    for (request, (observation, review)) in requests.iter().zip(&observations) {
        plan.warnings.extend(review.notes.iter().map(|n| {
            format!(
                "`{at}`: {n}",
                at = TenantRef::new(&request.client.id, &request.tenant.name)
            )
        }));
        if !review.configuration.is_empty() {
            plan.configuration.push(crate::plan::TenantConfiguration {
                client: request.client.id.clone(),
                tenant: request.tenant.name.clone(),
                changes: review.configuration.clone(),
            });
        }
        let (access, desired, blocks) = &by_client[request.client.id.as_str()];
        let input = DiffInput {
            now: cx.now,
            client: &request.client.id,
            tenant: &request.tenant.name,
            desired: desired.get(&request.client.id, &request.tenant.name),
            managed: &request.entitlements,
            accounts: access.accounts.get(&request.tenant.name).unwrap_or(&empty),
            ledger: records.get(&request.client.id, &request.tenant.name),
            blocks,
            sent: &[],
            observation,
        };
        let mut tenant_plan = diff_tenant(&input);
        if tenant_plan
            .changes
            .iter()
            .any(|c| c.kind == ChangeKind::Drift)
        {
            // Access held outside the ledger may be onboard's own, sent by a run that
            // was interrupted before it saved the ledger: the audit log says so. Read
            // only when there is drift, for it means reading the client's whole chain.
            let client = request.client.id.as_str();
            if !sent.contains_key(client) {
                let grants = crate::audit::replay::sent_grants(cx.state, client)?;
                sent.insert(client, grants);
            }
            tenant_plan = diff_tenant(&DiffInput {
                sent: &sent[client],
                ..input
            });
        }
        plan.append(tenant_plan);
    }
    plan.warnings.extend(crate::plan::block_warnings(
        accesses.iter().flat_map(|a| &a.grants),
        &blocks,
        cx.now,
        |o| crate::shown::shown_origin(o).to_string(),
    ));
    plan.warnings
        .extend(orphan_warnings(cx.workspace, clients, ledger));
    // What policy refuses in any request for a bundle: every command agrees with `validate`.
    plan.denials
        .extend(crate::plan::bundle_denials(cx.workspace, clients));
    plan.sort();
    Ok(plan)
}

/// Warns about recorded grants whose client or tenant left the workspace: they can no
/// longer be reached to revoke.
fn orphan_warnings(workspace: &Workspace, clients: &[&Client], ledger: &Ledger) -> Vec<String> {
    let selected: BTreeSet<&str> = clients.iter().map(|c| c.id.as_str()).collect();
    let all = clients.len() == workspace.clients.len();
    let mut counts: BTreeMap<(String, Option<String>), usize> = BTreeMap::new();
    for record in &ledger.grants {
        match workspace.clients.get(&record.client) {
            None if all => *counts.entry((record.client.clone(), None)).or_default() += 1,
            Some(client)
                if selected.contains(client.id.as_str())
                    && client.tenant(&record.tenant).is_none() =>
            {
                *counts
                    .entry((record.client.clone(), Some(record.tenant.clone())))
                    .or_default() += 1;
            }
            _ => {}
        }
    }
    counts
        .into_iter()
        .map(|((client, tenant), n)| match tenant {
            None => format!(
                "client `{client}` is no longer in the workspace but {n} grant(s) are recorded for it: restore `clients/{client}.yaml` and run `onboard revoke --client {client}` to remove them"
            ),
            Some(tenant) => format!(
                "tenant `{client}/{tenant}` is no longer in its client file but {n} grant(s) are recorded for it: restore the tenant to revoke them"
            ),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use time::OffsetDateTime;
    use time::macros::datetime;

    use super::*;
    use crate::model::{RequestStatus, Source};
    use crate::plan::{EntryRef, check_workspace_keeping};
    use crate::workflow::request::{Ask, break_glass};
    use crate::workflow::testing::Bench;

    const NOW: OffsetDateTime = datetime!(2026-11-21 12:00 UTC);

    /// Plans every client of the bench at `now` against an empty ledger.
    fn plan_all(bench: &Bench, now: OffsetDateTime, ahead: &DesiredAhead) -> Plan {
        let clients: Vec<_> = bench.workspace.clients.values().collect();
        plan(
            &bench.cx(now),
            &clients,
            &Ledger::default(),
            &[],
            ahead,
            &crate::observe::NoReadProgress,
        )
        .expect("plan")
    }

    #[test]
    fn a_plan_from_the_desired_access_of_the_check_is_the_plan_worked_out_anew() {
        let bench = Bench::new();
        // An approved request: its grants are added to what the check worked out.
        let ask = Ask {
            client: "initech",
            bundle: "essential-security-response",
            reason: "ransomware on the file server",
            ..Ask::default()
        };
        bench
            .act("dave", NOW, |desk| break_glass(desk, ask))
            .expect("break-glass");
        assert!(
            bench
                .requests()
                .iter()
                .any(|r| r.status == RequestStatus::Approved)
        );
        let anew = plan_all(&bench, NOW, &DesiredAhead::default());
        assert!(
            anew.entries().iter().any(|e| matches!(
                e,
                EntryRef::Change(c) if c.sources.iter().any(|s| matches!(s, Source::BreakGlass(_)))
            )),
            "the break-glass grants are planned: {anew:?}"
        );
        let (_, ahead) = check_workspace_keeping(&bench.workspace, NOW);
        assert_eq!(plan_all(&bench, NOW, &ahead), anew);
        // Taken by that plan: a second plan works it out anew.
        assert!(ahead.take("initech", NOW).is_none());
        assert_eq!(plan_all(&bench, NOW, &ahead), anew);
    }

    #[test]
    fn desired_access_worked_out_at_another_instant_or_forgotten_is_not_taken() {
        let bench = Bench::new();
        let (_, mut ahead) = check_workspace_keeping(&bench.workspace, NOW);
        assert!(
            ahead
                .take("acme", datetime!(2026-12-21 12:00 UTC))
                .is_none()
        );
        ahead.forget("acme");
        assert!(ahead.take("acme", NOW).is_none());
        assert!(ahead.take("initech", NOW).is_some());
    }
}
