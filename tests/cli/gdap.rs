//! End to end: `acme`'s delegated admin relationship managed from the MSP's partner
//! tenant (a `system: gdap` tenant on the fake Graph, behind Prism): the plan warns about
//! the relationship's end and says which access assignments apply creates, apply creates
//! them (with an audit entry) and adds the technicians to the partner groups (through
//! PIM for Groups, with the exception's end, so the partner tenant ends the membership),
//! and a
//! second plan has nothing left but the warning.

use crate::fake::assert_checked;
use crate::fake_graph::{self, Handle};
use crate::support::{Env, stderr};

const SECRET: &str = "gdap-partner-secret-planted-1618";
const HELPDESK_ADMINISTRATOR: &str = "729827e3-9c14-49f7-bb1b-9608f156bbb8";
const USER_ADMINISTRATOR: &str = "fe930be7-5e62-47db-91af-98c3a49a38b1";

/// The fake partner tenant `partner` (with a relationship `rel-acme` ending in 12 days
/// and a group `GDAP-Acme-Helpdesk`), its vendor, the group's id, and the example
/// workspace with `acme`'s tenant `partner` on it, whose `gdap.access` gives the group
/// both approved roles. `None` when the vendor's description is not at hand.
fn partner_workspace(partner: &str) -> Option<(Handle, &'static crate::fake::Vendor, String, Env)> {
    let customer = crate::graph::tenant_id(0x6daa);
    let tenant = Handle::create(partner, SECRET);
    let vendor = fake_graph::vendor()?;
    let group = tenant.add_group("GDAP-Acme-Helpdesk", &[]);
    let now = time::OffsetDateTime::parse(
        crate::support::NOW,
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    tenant.with(|t| {
        t.relationships.insert(
            "rel-acme".into(),
            fake_graph::Relationship {
                customer: customer.clone(),
                status: "active".into(),
                end: Some(now + time::Duration::days(12)),
                auto_extend: "PT0S".into(),
                roles: vec![HELPDESK_ADMINISTRATOR.into(), USER_ADMINISTRATOR.into()],
                ..Default::default()
            },
        );
    });
    let env = Env::example();
    env.edit(
        "clients/acme.yaml",
        "tenants:\n",
        &format!(
            "tenants:\n  - name: partner\n    system: gdap\n    adapter: graph\n    endpoint: {}\n    auth_endpoint: {}\n    tenant_id: {partner}\n    client_id: 5b1f0c2a-0000-4000-8000-000000000001\n    credential: env:MSP_PARTNER_SECRET\n    domain: northwind-msp.example\n    pim_groups: true\n    groups:\n      GDAP-Acme-Helpdesk: {group}\n    gdap:\n      relationship: rel-acme\n      customer_tenant_id: {customer}\n      access:\n        GDAP-Acme-Helpdesk: [Helpdesk Administrator, User Administrator]\n",
            vendor.url(),
            vendor.url()
        ),
    );
    Some((tenant, vendor, group, env))
}

/// Runs onboard with the partner tenant's secret.
fn run(env: &Env, args: &[&str]) -> std::process::Output {
    env.onboard(args)
        .env("MSP_PARTNER_SECRET", SECRET)
        .env("ONBOARD_TEST_RETRY_SCALE", "0.01")
        .output()
        .unwrap()
}

/// The partner relationship's access assignments: (group id, role ids), sorted.
fn assignments(tenant: &Handle) -> Vec<(String, Vec<String>)> {
    let mut all: Vec<(String, Vec<String>)> = tenant.with(|t| {
        t.relationships["rel-acme"]
            .assignments
            .values()
            .map(|(group, roles, _, _)| (group.clone(), roles.clone()))
            .collect()
    });
    all.sort();
    all
}

/// The audit log's text, every chain.
fn audit_text(env: &Env) -> String {
    std::fs::read_dir(env.ws.join("audit"))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .collect()
}

#[test]
fn a_saved_plan_pins_its_gdap_access_changes_and_is_refused_once_the_tenant_moved() {
    let partner = crate::graph::tenant_id(0x6dab);
    let Some((tenant, _vendor, group, env)) = partner_workspace(&partner) else {
        return;
    };
    let output = run(&env, &["plan", "acme", "--out", "plan.json", "-q"]);
    // The saved plan carries the change as data, beside its words.
    assert_eq!(
        crate::support::saved_configuration(&env, &output),
        serde_json::json!([{
            "action": "gdap-create-access",
            "group": "GDAP-Acme-Helpdesk",
            "group_id": group.to_ascii_lowercase(),
            "roles": [HELPDESK_ADMINISTRATOR, USER_ADMINISTRATOR],
        }])
    );

    // Behind the plan, someone gives the group an assignment of one role by hand: the
    // plan's "create" no longer holds (worked out again, apply would delete theirs).
    let by_hand = (group.clone(), vec![HELPDESK_ADMINISTRATOR.to_string()]);
    tenant.with(|t| {
        t.relationships
            .get_mut("rel-acme")
            .unwrap()
            .assignments
            .insert(
                "by-hand".into(),
                (
                    by_hand.0.clone(),
                    by_hand.1.clone(),
                    "active".into(),
                    "W/\"etag-by-hand\"".into(),
                ),
            );
    });
    let output = run(&env, &["apply", "plan.json", "--yes"]);
    let err = stderr(&env, &output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(
        err.contains("refusing the plan: the own configuration of `acme/partner` changed since the plan was made")
            && err.contains("the plan carries `apply` creates the GDAP access assignment of partner group `GDAP-Acme-Helpdesk`")
            && err.contains("the tenant now needs `apply` replaces")
            && err.contains("nothing was sent")
            && err.contains("hint: make a fresh plan"),
        "{err}"
    );
    // Nothing sent, to this tenant or any other, and nothing recorded.
    assert_eq!(assignments(&tenant), [by_hand]);
    assert!(!env.exists("state/ledger.json"), "the ledger was written");
    assert!(!audit_text(&env).contains("gdap:access-assignments"));

    // The tenant back as the plan saw it: apply carries out exactly the saved change.
    tenant.with(|t| {
        t.relationships
            .get_mut("rel-acme")
            .unwrap()
            .assignments
            .clear();
    });
    let output = run(&env, &["apply", "plan.json", "--yes"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    assert_eq!(
        assignments(&tenant),
        [(
            group.clone(),
            vec![
                HELPDESK_ADMINISTRATOR.to_string(),
                USER_ADMINISTRATOR.to_string()
            ]
        )]
    );
    assert!(audit_text(&env).contains("created the access assignment of `GDAP-Acme-Helpdesk`"));
}

#[test]
fn a_gdap_partner_tenant_plans_warns_applies_and_converges() {
    let partner = crate::graph::tenant_id(0x6da9);
    let Some((tenant, vendor, group, env)) = partner_workspace(&partner) else {
        return;
    };
    // Membership of a partner group with an access assignment is admin access in the
    // client's tenant: a standing bundle grant of it is denied (privileged grants are
    // just in time), so the helpdesk gets it just in time, and alice through an approved
    // exception while she covers the client.
    env.edit(
        "../../bundles/premium/helpdesk.yaml",
        "  # standing\n",
        "  # standing\n  - { system: gdap,   entitlement: \"group:GDAP-Acme-Helpdesk\" }\n",
    );
    let output = env.onboard(&["validate"]).output().unwrap();
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&env, &output));
    assert!(
        stderr(&env, &output).contains("policy `max-ttl`: `group:GDAP-Acme-Helpdesk` for `alice` in `acme` (privileged: the client file gives the group admin roles in `partner`"),
        "{}",
        stderr(&env, &output)
    );
    env.edit(
        "../../bundles/premium/helpdesk.yaml",
        "  - { system: gdap,   entitlement: \"group:GDAP-Acme-Helpdesk\" }\n",
        "  - { system: gdap,   entitlement: \"group:GDAP-Acme-Helpdesk\", privileged: true, ttl: 8h, requires: { ticket: true } }\n",
    );
    env.edit(
        "clients/acme.yaml",
        "exceptions:\n",
        "exceptions:\n  - id: acme-gdap-cover\n    identity: alice\n    grants:\n      - system: gdap\n        entitlement: group:GDAP-Acme-Helpdesk\n    reason: Covers Acme's helpdesk through the partner relationship during the migration\n    ticket: CHG-311\n    approver: dave\n    until: 2027-02-28\n",
    );
    let run = |args: &[&str]| {
        env.onboard(args)
            .env("MSP_PARTNER_SECRET", SECRET)
            .env("ONBOARD_TEST_RETRY_SCALE", "0.01")
            .output()
            .unwrap()
    };
    let plan = |label: &str| -> crate::support::PlanJson {
        let output = run(&["plan", "acme", "--output", "json"]);
        serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|e| panic!("{label}: {e}: {}", stderr(&env, &output)))
    };

    let first = plan("first");
    let technicians: Vec<String> = first
        .changes
        .iter()
        .filter(|c| c.tenant == "partner" && c.kind == "grant")
        .filter_map(|c| c.account.clone())
        .collect();
    assert!(!technicians.is_empty(), "{:?}", first.changes);
    for account in &technicians {
        tenant.add_user(account);
    }
    let planned = plan("planned");
    let ending = planned
        .warnings
        .iter()
        .find(|w| w.contains("`acme/partner`") && w.contains("ends on"))
        .unwrap_or_else(|| panic!("{:?}", planned.warnings));
    assert!(ending.contains("in 12 day(s)"), "{ending}");
    let configuration = planned.configuration_of("acme", "partner");
    assert_eq!(
        configuration,
        [
            "`apply` creates the GDAP access assignment of partner group `GDAP-Acme-Helpdesk` (2 role(s))"
        ]
    );
    // The human plans show it in a section of its own and count it in the summary, so a
    // pull request's plan never reads "No changes" while apply would change something.
    let output = run(&["plan", "acme"]);
    let table = String::from_utf8_lossy(&output.stdout);
    assert!(
        table.contains("Tenant configuration (brought in line first):\n  acme/partner: `apply` creates the GDAP access assignment")
            && table.contains("1 to the tenants' own configuration, 1 credential change(s)."),
        "{table}"
    );
    let output = run(&["plan", "acme", "--output", "markdown"]);
    let markdown = String::from_utf8_lossy(&output.stdout);
    assert!(
        markdown.contains(
            "**Tenant configuration** (brought in line first)\n\n- acme/partner: `apply` creates"
        ) && markdown.contains("· **1** to tenant configuration"),
        "{markdown}"
    );

    let output = run(&["apply", "acme", "--yes"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    let assignments = tenant.with(|t| t.relationships["rel-acme"].assignments.clone());
    assert_eq!(assignments.len(), 1, "{assignments:?}");
    let (container, roles, _, _) = assignments.values().next().unwrap();
    assert_eq!(container, &group);
    assert_eq!(roles, &[HELPDESK_ADMINISTRATOR, USER_ADMINISTRATOR]);
    // With `pim_groups: true`, the membership is a PIM for Groups assignment that the
    // partner tenant ends by itself when the exception does.
    let exception_end = time::macros::datetime!(2027-03-01 00:00 UTC);
    let expected: Vec<(String, Option<time::OffsetDateTime>)> = technicians
        .iter()
        .map(|t| (t.clone(), Some(exception_end)))
        .collect();
    assert_eq!(tenant.pim_members("GDAP-Acme-Helpdesk"), expected);
    assert!(tenant.members("GDAP-Acme-Helpdesk").is_empty());
    assert!(
        env.ledger()
            .grants
            .iter()
            .filter(|g| g.tenant == "partner")
            .all(|g| g.tenant_enforces_expiry)
    );
    // The access assignments' reconciliation is in the client's audit chain.
    let output = env.onboard(&["audit", "verify"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    let audit: String = std::fs::read_dir(env.ws.join("audit"))
        .unwrap()
        .flatten()
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .collect();
    assert!(
        audit.contains("gdap:access-assignments"),
        "no reconcile entry"
    );
    assert!(audit.contains("created the access assignment of `GDAP-Acme-Helpdesk`"));
    // Exported for a SIEM as an update of a managed entity, not as a grant to nobody.
    let output = env
        .onboard(&["audit", "export", "--format", "ocsf", "--client", "acme"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    let events: Vec<serde_json::Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let configuration: Vec<&serde_json::Value> = events
        .iter()
        .filter(|e| e["unmapped"]["onboard_kind"] == "configuration")
        .collect();
    assert_eq!(configuration.len(), 1, "{configuration:?}");
    assert_eq!(configuration[0]["class_uid"], 3004);
    assert_eq!(configuration[0]["activity_name"], "Update");
    assert_eq!(
        configuration[0]["entity"]["name"],
        "gdap:access-assignments"
    );
    assert!(
        configuration[0]["entity"]["data"]["changes"][0]
            .as_str()
            .is_some_and(|c| c.contains("GDAP-Acme-Helpdesk")),
        "{configuration:?}"
    );

    // Converged: no changes, only the relationship's end to warn about.
    let again = plan("again");
    assert!(
        again.changes.iter().all(|c| c.tenant != "partner"),
        "{:?}",
        again.changes
    );
    let partner_warnings: Vec<&String> = again
        .warnings
        .iter()
        .filter(|w| w.contains("`acme/partner`"))
        .collect();
    assert_eq!(partner_warnings.len(), 1, "{partner_warnings:?}");

    // A change to `access:` alone is a change of the plan (exit 2 with
    // `--detailed-exitcode`), and `apply` makes it though no membership changes.
    env.edit(
        "clients/acme.yaml",
        "GDAP-Acme-Helpdesk: [Helpdesk Administrator, User Administrator]",
        "GDAP-Acme-Helpdesk: [Helpdesk Administrator]",
    );
    let output = run(&[
        "plan",
        "acme",
        "--output",
        "markdown",
        "--detailed-exitcode",
    ]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&env, &output));
    let markdown = String::from_utf8_lossy(&output.stdout);
    assert!(!markdown.contains("No changes"), "{markdown}");
    let output = run(&["plan", "acme", "--output", "json", "--detailed-exitcode"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&env, &output));
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(document["changes"].as_array().map(Vec::len), Some(0));
    assert_eq!(document["configuration"][0]["tenant"], "partner");
    assert!(
        document["configuration"][0]["changes"][0]
            .as_str()
            .unwrap()
            .contains("replaces the GDAP access assignment")
    );
    let output = run(&["apply", "acme", "--yes"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    let roles: Vec<Vec<String>> = tenant.with(|t| {
        t.relationships["rel-acme"]
            .assignments
            .values()
            .map(|a| a.1.clone())
            .collect()
    });
    assert_eq!(roles, [vec![HELPDESK_ADMINISTRATOR.to_string()]]);
    let output = run(&["plan", "acme", "--detailed-exitcode"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    // `$batch` and PIM for Groups are checked against their descriptions too.
    let seen = vendor.assert_conformant(&fake_graph::token(&partner, SECRET));
    assert_checked(
        &seen,
        "POST",
        "/privilegedAccess/group/assignmentScheduleRequests",
        "graph.prism.yaml",
    );
}
