//! The SCIM adapter end to end: the binary against a real `scim2-server` (one dynamic
//! tenant per test), read back directly from the server; faults injected by a proxy.

use std::time::{Duration, Instant};

use assert_cmd::Command;

use crate::peers::{Fault, FaultProxy, Rule, ScimServer, ScimTenant};
use crate::support::{
    ApplyJson, Env, PlanJson, assert_secret_absent, at_lower_bound, requests_line, stderr, stdout,
};

pub const TOKEN_VAR: &str = "INITECH_SCIM_TOKEN";
pub const TOKEN: &str = "test-token-for-scim";

/// The initech accounts the example workspace wants in its SCIM tenant, and one more.
const USERS: [&str; 6] = ["b.okafor", "carol", "dave", "erik", "frank", "zed"];

fn account(user: &str) -> String {
    format!("{user}@initech.example")
}

pub struct Fixture {
    pub server: ScimServer,
    pub tenant: ScimTenant,
    pub env: Env,
    pub token: String,
}

/// Starts a server, seeds tenant `name` (the users, the four groups the bundles name
/// unless left out, and an unmanaged `all-staff` group holding `zed`), and points the
/// example's `initech/scim` tenant at it. `None` when the server is not installed
/// (outside CI).
pub fn fixture(name: &str, token: &str, leave_out: &[&str]) -> Option<Fixture> {
    let server = ScimServer::start(token)?;
    let tenant = server.tenant(name);
    for user in USERS {
        tenant.create_user(&account(user));
    }
    for group in [
        "msp-backup",
        "msp-cloud-ops",
        "msp-helpdesk",
        "msp-security",
    ] {
        if !leave_out.contains(&group) {
            tenant.create_group(group, &[]);
        }
    }
    let zed = tenant.user_id(&account("zed"));
    tenant.create_group("all-staff", &[&zed]);
    let env = Env::example();
    point(&env, &tenant.endpoint(server.port), name);
    Some(Fixture {
        server,
        tenant,
        env,
        token: token.to_string(),
    })
}

fn point(env: &Env, endpoint: &str, tenant_id: &str) {
    env.edit(
        "clients/initech.yaml",
        "    adapter: file\n    path: tenants/initech/scim",
        &format!(
            "    adapter: scim\n    endpoint: {endpoint}\n    tenant_id: {tenant_id}\n    credential: env:{TOKEN_VAR}"
        ),
    );
}

/// Puts a fault proxy between onboard and the fixture's tenant.
pub fn behind_proxy(f: &Fixture) -> FaultProxy {
    let proxy = FaultProxy::start(f.server.port);
    let direct = f.tenant.endpoint(f.server.port);
    f.env.edit(
        "clients/initech.yaml",
        &direct,
        &f.tenant.endpoint(proxy.port),
    );
    proxy
}

/// Returns `onboard ARGS` with the fixture's token and short retry waits.
pub fn onboard(f: &Fixture, args: &[&str]) -> Command {
    let mut command = f.env.onboard(args);
    command
        .env(TOKEN_VAR, &f.token)
        .env("ONBOARD_TEST_RETRY_SCALE", "0.01")
        .env_remove("ONBOARD_HTTP_TIMEOUT");
    command
}

fn plan(f: &Fixture, extra: &[&str]) -> (i32, PlanJson) {
    let mut args = vec!["plan", "initech", "--output", "json"];
    args.extend_from_slice(extra);
    let output = onboard(f, &args).output().unwrap();
    let plan = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", stderr(&f.env, &output)));
    (output.status.code().unwrap(), plan)
}

fn apply_json(f: &Fixture, args: &[&str], code: i32) -> ApplyJson {
    crate::support::apply_json(onboard(f, args), &f.env, code)
}

fn members(f: &Fixture, group: &str) -> Vec<String> {
    f.tenant.members(group)
}

fn accounts(users: &[&str]) -> Vec<String> {
    users.iter().map(|u| account(u)).collect()
}

#[test]
fn plan_apply_converge_and_revoke_against_a_real_scim_server() {
    let Some(f) = fixture("converge", TOKEN, &[]) else {
        return;
    };
    let (code, planned) = plan(&f, &[]);
    assert_eq!(code, 0);
    let scim: Vec<_> = planned
        .changes
        .iter()
        .filter(|c| c.tenant == "scim")
        .collect();
    assert_eq!(scim.len(), 7, "{scim:?}");
    assert!(scim.iter().all(|c| c.kind == "grant"));

    let output = onboard(&f, &["apply", "initech", "--yes"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&f.env, &output));
    assert_eq!(members(&f, "msp-backup"), accounts(&["b.okafor"]));
    assert_eq!(
        members(&f, "msp-cloud-ops"),
        accounts(&["b.okafor", "erik"])
    );
    assert_eq!(members(&f, "msp-helpdesk"), accounts(&["dave", "frank"]));
    assert_eq!(members(&f, "msp-security"), accounts(&["carol", "dave"]));
    assert_eq!(
        members(&f, "all-staff"),
        accounts(&["zed"]),
        "unmanaged groups are left alone"
    );

    let (code, again) = plan(&f, &["--detailed-exitcode"]);
    assert_eq!(code, 0, "converged: {:?}", again.changes);
    assert!(again.changes.is_empty());

    // A leaver: only that member goes, the others stay.
    let output = onboard(&f, &["revoke", "--identity", "dave", "--yes"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&f.env, &output));
    assert_eq!(members(&f, "msp-helpdesk"), accounts(&["frank"]));
    assert_eq!(members(&f, "msp-security"), accounts(&["carol"]));
    assert_eq!(
        members(&f, "msp-cloud-ops"),
        accounts(&["b.okafor", "erik"])
    );
    let (code, after) = plan(&f, &["--detailed-exitcode"]);
    assert_eq!(code, 0, "{:?}", after.changes);
}

#[test]
fn an_apply_sends_a_bounded_number_of_requests_whatever_the_number_of_identities() {
    let Some(f) = fixture("round-trips", TOKEN, &[]) else {
        return;
    };
    // Twelve more helpdesk technicians: 19 grants in four groups in all.
    const MORE: usize = 12;
    for i in 1..=MORE {
        let id = format!("tech{i:02}");
        f.env.write(
            &format!("identities/{id}.yaml"),
            &format!(
                "id: {id}\nkind: person\ndisplay_name: Tech {i}\nfunctions: [helpdesk]\nmfa: enforced\naccounts:\n  default: \"{{id}}@{{domain}}\"\n"
            ),
        );
        f.tenant.create_user(&account(&id));
    }
    let proxy = behind_proxy(&f);
    let applied = apply_json(&f, &["apply", "initech"], 0);
    let granted = applied
        .in_tenant("scim")
        .iter()
        .filter(|r| r.result == "applied")
        .count();
    assert_eq!(granted, 7 + MORE);
    assert_eq!(members(&f, "msp-helpdesk").len(), 2 + MORE);
    let seen = proxy.seen();
    let count = |method: &str, path: &str| {
        seen.iter()
            .filter(|s| s.method == method && s.path.contains(path))
            .count()
    };
    // One PATCH per group, one filter resolving every account: never one request per
    // identity (the plan's read and the apply's together).
    assert_eq!(count("PATCH", "/Groups/"), 4, "{seen:#?}");
    assert_eq!(count("GET", "/Users?"), 1, "{seen:#?}");
    assert!(seen.len() <= 2 * 13, "{} requests: {seen:#?}", seen.len());

    // `--verbose` puts the requests made beside the lower bound: a converged plan makes
    // no more than it needs, and says so.
    let before = proxy.seen().len();
    let output = onboard(&f, &["plan", "initech", "--verbose", "--detailed-exitcode"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&f.env, &output));
    let made = proxy.seen().len() - before;
    let text = stderr(&f.env, &output);
    assert!(
        text.contains(&format!(
            "requests to scim tenants: {made} made, lower bound {made} (1.00x)"
        )),
        "{made} requests seen: {text}"
    );
}

#[test]
fn an_apply_sends_its_changes_through_the_tenants_its_plan_read() {
    let Some(f) = fixture("opened-once", TOKEN, &[]) else {
        return;
    };
    let proxy = behind_proxy(&f);
    let output = onboard(&f, &["apply", "initech", "--yes", "--verbose"])
        .output()
        .unwrap();
    let text = stderr(&f.env, &output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert_eq!(members(&f, "msp-helpdesk"), accounts(&["dave", "frank"]));
    let seen = proxy.seen();
    let count = |method: &str, path: &str| {
        seen.iter()
            .filter(|s| s.method == method && s.path.contains(path))
            .count()
    };
    // The tenant is verified once and each group found once per run: the apply reuses
    // the adapter its plan read with, rather than opening the tenant again.
    assert_eq!(count("GET", "/ServiceProviderConfig"), 1, "{seen:#?}");
    assert_eq!(count("GET", "/Groups?"), 4, "{seen:#?}");
    assert!(
        text.contains(&format!(
            "requests to scim tenants: {} made, lower bound {} (1.00x)",
            seen.len(),
            seen.len()
        )),
        "{} requests seen: {text}",
        seen.len()
    );

    // A leaver: the plan read the groups' members, so the revoke resolves no account.
    let before = proxy.seen().len();
    let output = onboard(&f, &["revoke", "--identity", "dave", "--yes"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&f.env, &output));
    assert_eq!(members(&f, "msp-helpdesk"), accounts(&["frank"]));
    let seen = proxy.seen()[before..].to_vec();
    assert!(
        !seen.iter().any(|s| s.path.contains("filter=userName")),
        "{seen:#?}"
    );
    assert_eq!(
        seen.iter()
            .filter(|s| s.path.contains("/ServiceProviderConfig"))
            .count(),
        1,
        "{seen:#?}"
    );
}

#[test]
fn already_a_member_and_already_gone_change_nothing() {
    let Some(f) = fixture("idempotent", TOKEN, &[]) else {
        return;
    };
    // bob is a member already, but onboard has no record of it: the grant only records.
    let bob = f.tenant.user_id(&account("b.okafor"));
    let output = onboard(&f, &["plan", "initech", "-q"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let gid = {
        // Add bob directly, as an administrator would have.
        let (status, body) = crate::peers::http(
            f.server.port,
            "GET",
            "/idempotent/v2/Groups?filter=displayName%20eq%20%22msp-backup%22",
            TOKEN,
            None,
        );
        assert_eq!(status, 200);
        body["Resources"][0]["id"].as_str().unwrap().to_string()
    };
    let (status, _) = crate::peers::http(
        f.server.port,
        "PATCH",
        &format!("/idempotent/v2/Groups/{gid}"),
        TOKEN,
        Some(
            &serde_json::json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "add", "path": "members", "value": [{"value": bob}]}]}),
        ),
    );
    assert!(status < 300);
    let applied = apply_json(&f, &["apply", "initech"], 0);
    assert_eq!(
        applied
            .result("scim", "group:msp-backup", &account("b.okafor"))
            .result,
        "unchanged"
    );
    assert_eq!(
        applied
            .result("scim", "group:msp-helpdesk", &account("dave"))
            .result,
        "applied"
    );
    assert_eq!(members(&f, "msp-backup"), accounts(&["b.okafor"]));

    // dave left msp-helpdesk outside onboard: revoking it changes nothing there.
    f.tenant.remove_member("msp-helpdesk", &account("dave"));
    let revoked = apply_json(&f, &["revoke", "--identity", "dave"], 0);
    assert_eq!(
        revoked
            .result("scim", "group:msp-helpdesk", &account("dave"))
            .result,
        "unchanged"
    );
    assert_eq!(
        revoked
            .result("scim", "group:msp-security", &account("dave"))
            .result,
        "applied"
    );
    assert_eq!(members(&f, "msp-helpdesk"), accounts(&["frank"]));
    assert_eq!(members(&f, "msp-security"), accounts(&["carol"]));
}

/// Adds an exception granting carol `role:auditor` and `entitlement:export-logs` in the
/// SCIM tenant; returns the client file as it was.
fn grant_carol_a_role_and_an_entitlement(f: &Fixture) -> String {
    let text = f.env.read("clients/initech.yaml");
    f.env.write(
        "clients/initech.yaml",
        &format!(
            "{text}exceptions:\n  - id: initech-audit\n    identity: carol\n    grants:\n      - {{ system: scim, entitlement: \"role:auditor\" }}\n      - {{ system: scim, entitlement: \"entitlement:export-logs\" }}\n    reason: Quarterly access review\n    approver: dave\n    until: 2027-03-31\n"
        ),
    );
    text
}

#[test]
fn plan_and_apply_make_the_lower_bound_of_requests_and_say_so() {
    let Some(f) = fixture("lower-bound", TOKEN, &[]) else {
        return;
    };
    // Five identities, nine grants: seven memberships of four groups, a role, an
    // entitlement.
    grant_carol_a_role_and_an_entitlement(&f);
    let proxy = behind_proxy(&f);
    // Runs onboard and checks the requests it made, as the proxy saw them and as
    // `--verbose` says beside the lower bound.
    let run = |args: &[&str], expected: usize| {
        let before = proxy.seen().len();
        let line = requests_line(onboard(&f, args), &f.env, "scim", 0);
        let seen = proxy.seen()[before..].to_vec();
        assert_eq!(seen.len(), expected, "{seen:#?}");
        assert_eq!(line, at_lower_bound("scim", expected));
    };
    // A plan: the server's configuration; each group found and its (empty) members
    // read; each value's holders read.
    const PLAN: usize = 1 + 4 * 2 + 2;
    run(&["plan", "initech", "--verbose"], PLAN);
    // An apply reads as its plan does, then one filter resolves the five accounts and
    // one PATCH changes each group and each value: nothing is read again before a PATCH.
    run(
        &["apply", "initech", "--yes", "--verbose"],
        PLAN + 1 + 4 + 2,
    );
    assert_eq!(members(&f, "msp-security"), accounts(&["carol", "dave"]));
    assert_eq!(f.tenant.values(&account("carol"), "roles"), ["auditor"]);
    // Converged: the plan also names each group's members, one filter per group.
    run(
        &["plan", "initech", "--verbose", "--detailed-exitcode"],
        PLAN + 4,
    );
}

#[test]
fn roles_and_entitlements_are_user_attribute_values() {
    let Some(f) = fixture("roles", TOKEN, &[]) else {
        return;
    };
    let text = grant_carol_a_role_and_an_entitlement(&f);
    let applied = apply_json(&f, &["apply", "initech"], 0);
    assert_eq!(
        applied
            .result("scim", "role:auditor", &account("carol"))
            .result,
        "applied"
    );
    assert_eq!(
        applied
            .result("scim", "entitlement:export-logs", &account("carol"))
            .result,
        "applied"
    );
    assert_eq!(f.tenant.values(&account("carol"), "roles"), ["auditor"]);
    assert_eq!(
        f.tenant.values(&account("carol"), "entitlements"),
        ["export-logs"]
    );
    let (code, again) = plan(&f, &["--detailed-exitcode"]);
    assert_eq!(code, 0, "converged: {:?}", again.changes);
    // The exception is withdrawn: both values are removed, nothing else.
    f.env.write("clients/initech.yaml", &text);
    let revoked = apply_json(&f, &["apply", "initech"], 0);
    assert_eq!(
        revoked
            .result("scim", "role:auditor", &account("carol"))
            .kind,
        "revoke"
    );
    assert!(f.tenant.values(&account("carol"), "roles").is_empty());
    assert!(
        f.tenant
            .values(&account("carol"), "entitlements")
            .is_empty()
    );
    assert_eq!(members(&f, "msp-security"), accounts(&["carol", "dave"]));
}

#[test]
fn a_missing_group_fails_its_grants_and_lists_no_holders() {
    let Some(f) = fixture("missing-group", TOKEN, &["msp-security"]) else {
        return;
    };
    let (code, planned) = plan(&f, &[]);
    assert_eq!(code, 0, "a missing group is read as holding no one");
    assert_eq!(
        planned
            .changes
            .iter()
            .filter(|c| c.tenant == "scim")
            .count(),
        7
    );
    let applied = apply_json(&f, &["apply", "initech"], 4);
    let failed = applied.result("scim", "group:msp-security", &account("carol"));
    assert_eq!(failed.result, "failed");
    let error = failed.error.as_deref().unwrap();
    assert!(
        error.contains("the group `msp-security` does not exist"),
        "{error}"
    );
    assert_eq!(
        applied
            .in_tenant("scim")
            .iter()
            .filter(|r| r.result == "applied")
            .count(),
        5
    );
    assert!(
        applied
            .results
            .iter()
            .all(|r| r.tenant == "scim" || r.result == "applied")
    );
}

#[test]
fn the_wrong_tenant_a_refused_token_or_plain_http_make_the_tenant_unknown() {
    let Some(f) = fixture("right-tenant", TOKEN, &[]) else {
        return;
    };
    let unknown_reason = |f: &Fixture| {
        let (code, planned) = plan(f, &[]);
        assert_eq!(code, 4);
        assert_eq!(planned.summary.unknown, 1);
        let change = planned
            .changes
            .iter()
            .find(|c| c.kind == "unknown")
            .unwrap();
        assert_eq!(change.tenant, "scim");
        // The reason, then what to do.
        format!(
            "{}; hint: {}",
            change.reason,
            change.hint.as_deref().unwrap_or("-")
        )
    };
    f.env.edit(
        "clients/initech.yaml",
        "tenant_id: right-tenant",
        "tenant_id: globex",
    );
    let reason = unknown_reason(&f);
    assert!(reason.contains("does not name tenant `globex`"), "{reason}");
    f.env.edit(
        "clients/initech.yaml",
        "tenant_id: globex",
        "tenant_id: right-tenant",
    );

    let wrong = Fixture {
        token: "not-the-token".into(),
        ..f
    };
    let reason = unknown_reason(&wrong);
    assert!(
        reason.contains("HTTP 401") && reason.contains("check that the token"),
        "{reason}"
    );

    let endpoint = wrong.tenant.endpoint(wrong.server.port);
    wrong.env.edit(
        "clients/initech.yaml",
        &endpoint,
        "http://scim.initech.example/v2",
    );
    let reason = unknown_reason(&wrong);
    assert!(reason.contains("refusing plain `http://`"), "{reason}");

    let output = wrong
        .env
        .onboard(&["plan", "initech"])
        .env_remove(TOKEN_VAR)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(4));
    let out = stdout(&output);
    assert!(out.contains("`INITECH_SCIM_TOKEN` is not set"), "{out}");
}

#[test]
fn the_groups_are_found_while_the_tenant_is_confirmed_and_a_wrong_tenant_reads_no_members() {
    let Some(f) = fixture("confirming", TOKEN, &[]) else {
        return;
    };
    let proxy = behind_proxy(&f);
    // The confirmation's answer is held: a group found before it came was asked for
    // while it was under way.
    let held = Duration::from_millis(1500);
    proxy.add(Rule {
        method: Some("GET"),
        path_contains: "ServiceProviderConfig",
        skip: 0,
        times: usize::MAX,
        fault: Fault::Latency(held),
    });
    let run = |expected_code: i32| {
        let before = proxy.seen().len();
        let line = requests_line(
            onboard(&f, &["plan", "initech", "--verbose"]),
            &f.env,
            "scim",
            expected_code,
        );
        (line, proxy.seen()[before..].to_vec())
    };
    let is_find = |path: &str| path.contains("/Groups?");
    let is_member_read = |path: &str| path.contains("/Groups/");

    // Four groups, each found and its members read, and the configuration: nine
    // requests, the lower bound, as before.
    let (line, seen) = run(0);
    assert_eq!(line, at_lower_bound("scim", 9), "{seen:#?}");
    let confirming = seen
        .iter()
        .find(|s| s.path.contains("ServiceProviderConfig"))
        .unwrap()
        .at;
    let first_find = seen.iter().find(|s| is_find(&s.path)).unwrap().at;
    assert!(
        first_find < confirming + held,
        "a group was found only after the confirmation: {seen:#?}"
    );
    // Nothing more is read before the tenant is confirmed.
    assert!(
        seen.iter()
            .filter(|s| is_member_read(&s.path) || s.path.contains("/Users"))
            .all(|s| s.at >= confirming + held),
        "{seen:#?}"
    );

    // A tenant that is not the one the client file names: unknown, with the
    // confirmation's reason, and no group's members read.
    f.env.edit(
        "clients/initech.yaml",
        "tenant_id: confirming",
        "tenant_id: globex",
    );
    let before = proxy.seen().len();
    let (code, planned) = plan(&f, &[]);
    let seen = proxy.seen()[before..].to_vec();
    assert_eq!(code, 4);
    let unknown: Vec<_> = planned
        .changes
        .iter()
        .filter(|c| c.kind == "unknown")
        .collect();
    assert_eq!(unknown.len(), 1, "{:#?}", planned.changes);
    assert!(
        unknown[0].reason.contains("does not name tenant `globex`"),
        "{}",
        unknown[0].reason
    );
    assert!(seen.iter().any(|s| is_find(&s.path)), "{seen:#?}");
    assert!(
        !seen
            .iter()
            .any(|s| is_member_read(&s.path) || s.path.contains("/Users")),
        "{seen:#?}"
    );
}

#[test]
fn retries_get_through_503_resets_and_429_honouring_retry_after() {
    let Some(f) = fixture("retries", TOKEN, &[]) else {
        return;
    };
    let proxy = behind_proxy(&f);
    let rule = |method, path_contains, times, fault| Rule {
        method: Some(method),
        path_contains,
        skip: 0,
        times,
        fault,
    };
    proxy.add(rule("GET", "ServiceProviderConfig", 2, Fault::Status(503)));
    proxy.add(rule(
        "GET",
        "ServiceProviderConfig",
        1,
        Fault::Latency(Duration::from_millis(200)),
    ));
    proxy.add(rule("GET", "/Groups?", 1, Fault::Reset));
    proxy.add(rule("GET", "/Groups/", 1, Fault::TooMany("3")));
    let output = onboard(&f, &["plan", "initech", "-o", "json"])
        .env("ONBOARD_TEST_RETRY_SCALE", "0.1")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&f.env, &output));
    let planned: PlanJson = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(planned.summary.unknown, 0);
    assert_eq!(
        planned
            .changes
            .iter()
            .filter(|c| c.tenant == "scim")
            .count(),
        7
    );
    let seen = proxy.seen();
    let faults = seen.iter().filter(|s| s.fault.is_some()).count();
    assert_eq!(faults, 5, "{seen:#?}");
    // Retry-After: 3, scaled by 0.1, is a 300 ms pause; exponential backoff at this
    // scale would be 25-50 ms.
    let limited = seen
        .iter()
        .position(|s| s.fault.as_deref().is_some_and(|f| f.contains("TooMany")))
        .unwrap();
    let retried = &seen[limited + 1];
    assert_eq!(
        (&retried.method, &retried.path),
        (&seen[limited].method, &seen[limited].path),
        "the next request is the retry"
    );
    let waited = retried.at - seen[limited].at;
    assert!(waited >= Duration::from_millis(290), "waited {waited:?}");
}

#[test]
fn a_read_failing_after_retries_or_hanging_is_unknown_and_never_revokes() {
    let Some(f) = fixture("unknown", TOKEN, &[]) else {
        return;
    };
    let proxy = behind_proxy(&f);
    apply_json(&f, &["apply", "initech"], 0);
    let ledger_before = f.env.read("state/ledger.json");
    // The contract ended: every grant expires…
    f.env
        .edit("clients/initech.yaml", "end: 2027-12-31", "end: 2026-06-30");
    proxy.add(Rule {
        method: Some("GET"),
        path_contains: "/Groups/",
        skip: 0,
        times: usize::MAX,
        fault: Fault::Status(503),
    });
    // …but the tenant cannot be read: nothing is planned for it, in particular no revoke.
    let (code, planned) = plan(&f, &[]);
    assert_eq!(code, 4);
    assert!(
        planned
            .changes
            .iter()
            .any(|c| c.tenant == "entra" && c.kind == "expire"),
        "the readable tenant expires"
    );
    let scim: Vec<_> = planned
        .changes
        .iter()
        .filter(|c| c.tenant == "scim")
        .collect();
    assert_eq!(scim.len(), 1, "{scim:?}");
    assert_eq!(scim[0].kind, "unknown");
    assert!(
        scim[0].reason.contains("503") && scim[0].reason.contains("after 5 attempts"),
        "{}",
        scim[0].reason
    );
    let output = onboard(&f, &["apply", "initech", "--yes"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(4), "{}", stderr(&f.env, &output));
    assert!(stderr(&f.env, &output).contains("could not be read"));
    let ledger: crate::support::Ledger =
        serde_json::from_str(&f.env.read("state/ledger.json")).unwrap();
    let before: crate::support::Ledger = serde_json::from_str(&ledger_before).unwrap();
    assert_eq!(
        ledger.grants.iter().filter(|g| g.tenant == "scim").count(),
        before.grants.iter().filter(|g| g.tenant == "scim").count(),
        "no scim grant was revoked"
    );
    assert_eq!(members(&f, "msp-helpdesk"), accounts(&["dave", "frank"]));

    // A tenant that never answers times out, and is unknown too.
    proxy.clear();
    proxy.add(Rule {
        method: None,
        path_contains: "ServiceProviderConfig",
        skip: 0,
        times: usize::MAX,
        fault: Fault::Hang,
    });
    let started = Instant::now();
    let output = onboard(&f, &["plan", "initech", "-o", "json"])
        .env("ONBOARD_HTTP_TIMEOUT", "300ms")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(4));
    assert!(started.elapsed() < Duration::from_secs(15));
    let planned: PlanJson = serde_json::from_slice(&output.stdout).unwrap();
    let reason = &planned
        .changes
        .iter()
        .find(|c| c.kind == "unknown")
        .unwrap()
        .reason;
    assert!(reason.contains("timed out"), "{reason}");
    assert_eq!(planned.summary.revoke, 0);
}

#[test]
fn a_failed_group_patch_fails_only_the_members_it_was_sending() {
    let Some(f) = fixture("patch-fails", TOKEN, &["msp-helpdesk"]) else {
        return;
    };
    // frank is in msp-helpdesk already; dave is to be added in the same PATCH, which fails.
    let frank = f.tenant.user_id(&account("frank"));
    let group_id = f.tenant.create_group("msp-helpdesk", &[&frank]);
    let proxy = behind_proxy(&f);
    let path: &'static str = Box::leak(format!("/Groups/{group_id}").into_boxed_str());
    proxy.add(Rule {
        method: Some("PATCH"),
        path_contains: path,
        skip: 0,
        times: usize::MAX,
        fault: Fault::Status(500),
    });
    let applied = apply_json(&f, &["apply", "initech"], 4);
    let result = |user: &str| {
        applied
            .result("scim", "group:msp-helpdesk", &account(user))
            .result
            .clone()
    };
    assert_eq!(result("frank"), "unchanged");
    assert_eq!(result("dave"), "failed");
    assert_eq!(members(&f, "msp-helpdesk"), accounts(&["frank"]));
}

#[test]
fn a_tenant_failing_midway_through_apply_is_a_partial_failure() {
    let Some(f) = fixture("midway", TOKEN, &[]) else {
        return;
    };
    let proxy = behind_proxy(&f);
    proxy.add(Rule {
        method: Some("PATCH"),
        path_contains: "/Groups/",
        skip: 1,
        times: usize::MAX,
        fault: Fault::Status(503),
    });
    let applied = apply_json(&f, &["apply", "initech"], 4);
    let scim = applied.in_tenant("scim");
    assert_eq!(scim.iter().filter(|r| r.result == "applied").count(), 1);
    assert_eq!(scim.iter().filter(|r| r.result == "failed").count(), 6);
    assert!(
        scim.iter()
            .filter_map(|r| r.error.as_deref())
            .all(|e| e.contains("HTTP 503")),
        "{scim:?}"
    );
    assert!(
        applied
            .results
            .iter()
            .filter(|r| r.tenant == "entra")
            .all(|r| r.result == "applied" && r.kind == "grant"),
        "the other tenant went ahead"
    );
    let ledger = f.env.ledger();
    assert_eq!(
        ledger.grants.iter().filter(|g| g.tenant == "scim").count(),
        1
    );
    assert!(ledger.grants.iter().any(|g| g.tenant == "entra"));
    proxy.clear();
    let (_, left) = plan(&f, &[]);
    assert_eq!(left.changes.len(), 6, "exactly the failed grants are left");
}

#[test]
fn a_planted_token_appears_in_no_output_log_plan_ledger_or_file() {
    const PLANTED: &str = "sk-onboard-PLANTED-7f3c9a1e5b2d";
    let Some(f) = fixture("leak", PLANTED, &[]) else {
        return;
    };
    let proxy = behind_proxy(&f);
    proxy.add(Rule {
        method: Some("PATCH"),
        path_contains: "/Groups/",
        skip: 0,
        times: 1,
        fault: Fault::Status(503),
    });
    proxy.add(Rule {
        method: Some("GET"),
        path_contains: "/Users",
        skip: 0,
        times: 1,
        fault: Fault::TooMany("1"),
    });
    let mut everything = String::new();
    let mut run = |args: &[&str]| {
        let output = onboard(&f, args).output().unwrap();
        everything.push_str(&String::from_utf8_lossy(&output.stdout));
        everything.push_str(&String::from_utf8_lossy(&output.stderr));
        output.status.code()
    };
    assert_eq!(
        run(&["plan", "initech", "--verbose", "--out", "plan.json"]),
        Some(0)
    );
    assert_eq!(run(&["apply", "plan.json", "--yes", "--verbose"]), Some(0));
    assert_eq!(
        run(&["plan", "initech", "--verbose", "-o", "json"]),
        Some(0)
    );
    assert_eq!(
        run(&["plan", "initech", "--verbose", "-o", "markdown"]),
        Some(0)
    );
    assert_eq!(
        run(&[
            "revoke",
            "--identity",
            "dave",
            "--yes",
            "--verbose",
            "-o",
            "json"
        ]),
        Some(0)
    );
    assert_eq!(run(&["status", "--verbose", "-o", "json"]), Some(0));
    // Error paths: a refused tenant and a wrong tenant id, verbose.
    proxy.add(Rule {
        method: None,
        path_contains: "ServiceProviderConfig",
        skip: 0,
        times: 1,
        fault: Fault::Status(401),
    });
    assert_eq!(run(&["plan", "initech", "--verbose"]), Some(4));
    f.env.edit(
        "clients/initech.yaml",
        "tenant_id: leak",
        "tenant_id: other",
    );
    assert_eq!(run(&["apply", "initech", "--yes", "--verbose"]), Some(4));
    assert!(
        everything.contains("authorization: [redacted]"),
        "requests were logged: {everything}"
    );
    assert!(everything.contains("retrying"), "retries were logged");
    assert!(
        !everything.contains(PLANTED),
        "the token leaked into output"
    );
    let files = assert_secret_absent(&f.env.root, PLANTED, "token");
    assert!(files.iter().any(|p| p.ends_with("state/ledger.json")));
    assert!(files.iter().any(|p| p.ends_with("plan.json")));
}
