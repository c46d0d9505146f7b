//! The Okta adapter against the fake Okta, behind Prism validating every request and
//! answer against Okta's own description (`okta.yaml`).

use std::collections::BTreeSet;

use onboard::adapters::{FailureKind, Outcome};

use crate::fake::{assert_checked, raw_request};
use crate::fake_okta::{self, Handle};
use crate::graph::open;
use crate::support::{Env, holder_accounts, stderr};

fn client_yaml(endpoint: &str) -> String {
    format!(
        "id: acme\ntier: premium\ntenants:\n  - name: okta\n    system: okta\n    adapter: okta\n    endpoint: {endpoint}\n    credential: file:secret\n"
    )
}

#[test]
fn okta_groups_and_roles_through_prism() {
    let token = format!("okta-token-{}-groups", std::process::id());
    let org = Handle::create(&token);
    let Some(vendor) = fake_okta::vendor() else {
        return;
    };
    for user in ["alice", "bob", "carol", "dave", "erik"] {
        org.add_user(&format!("{user}@acme.example"));
    }
    org.add_group(
        "MSP-Helpdesk",
        "OKTA_GROUP",
        &[
            "alice@acme.example",
            "bob@acme.example",
            "carol@acme.example",
        ],
    );
    org.add_group("AD-Staff", "APP_GROUP", &["dave@acme.example"]);
    let mut opened = open(&client_yaml(&vendor.url()), &token);
    let adapter = opened.adapter.as_mut();
    adapter.verify_tenant().unwrap();

    // Three members at two per page: `Link: rel="next"` followed.
    let helpdesk = "group:MSP-Helpdesk".parse().unwrap();
    assert_eq!(
        holder_accounts(&adapter.list(&helpdesk).unwrap()),
        [
            "alice@acme.example",
            "bob@acme.example",
            "carol@acme.example"
        ]
    );
    let erik = adapter.resolve("erik@acme.example").unwrap().unwrap();
    assert!(adapter.resolve("nobody@acme.example").unwrap().is_none());
    assert_eq!(
        adapter.grant(&erik, &helpdesk, None).unwrap(),
        Outcome::Changed
    );
    assert_eq!(
        adapter.grant(&erik, &helpdesk, None).unwrap(),
        Outcome::NoChange
    );
    let bob = adapter.resolve("bob@acme.example").unwrap().unwrap();
    assert_eq!(adapter.revoke(&bob, &helpdesk).unwrap(), Outcome::Changed);
    assert_eq!(adapter.revoke(&bob, &helpdesk).unwrap(), Outcome::NoChange);
    assert_eq!(
        org.members("MSP-Helpdesk"),
        [
            "alice@acme.example",
            "carol@acme.example",
            "erik@acme.example"
        ]
    );

    // An imported group is listed, never changed.
    let staff = "group:AD-Staff".parse().unwrap();
    assert_eq!(
        holder_accounts(&adapter.list(&staff).unwrap()),
        ["dave@acme.example"]
    );
    let error = adapter.grant(&erik, &staff, None).unwrap_err();
    assert_eq!(error.kind, FailureKind::Rejected);
    assert!(error.detail.contains("APP_GROUP"), "{error}");

    // Admin roles.
    let admin = "role:USER_ADMIN".parse().unwrap();
    assert!(adapter.list(&admin).unwrap().is_empty());
    assert_eq!(
        adapter.grant(&erik, &admin, None).unwrap(),
        Outcome::Changed
    );
    assert_eq!(
        adapter.grant(&erik, &admin, None).unwrap(),
        Outcome::NoChange
    );
    assert_eq!(
        holder_accounts(&adapter.list(&admin).unwrap()),
        ["erik@acme.example"]
    );
    assert_eq!(org.roles("erik@acme.example"), ["USER_ADMIN"]);
    assert_eq!(adapter.revoke(&erik, &admin).unwrap(), Outcome::Changed);
    assert_eq!(adapter.revoke(&erik, &admin).unwrap(), Outcome::NoChange);
    assert!(org.roles("erik@acme.example").is_empty());

    let seen = vendor.assert_conformant(&token);
    assert_checked(&seen, "GET", "/api/v1/iam/assignees/users", "okta.yaml");
    // The PUT that adds a member went through with `Content-Length: 0` (else 411).
    assert!(
        seen.iter().any(|s| s.method == "PUT" && s.status == 204),
        "{seen:?}"
    );
}

#[test]
fn prism_fails_a_request_that_does_not_conform_to_the_okta_description() {
    let Some(vendor) = fake_okta::vendor() else {
        return;
    };
    let auth = ("Authorization", "SSWS not-a-tenant");
    let (status, violations, body) = raw_request(
        vendor.front.port,
        "POST",
        "/api/v1/users/00u1/roles",
        &[auth, ("Content-Type", "application/json")],
        r#"{"role": 17}"#,
    );
    assert_eq!(status, 422, "{body}");
    assert!(violations.is_some_and(|v| v.contains("body")), "{body}");
}

const SERVICE_APP_KEY: &str = include_str!("../data/okta-service-app-test-key.pem");

#[test]
fn okta_service_app_gets_tokens_with_a_private_key_jwt() {
    // The org's API token is never given to onboard: only the service app's key.
    let org_token = format!("okta-token-{}-oauth", std::process::id());
    let org = Handle::create(&org_token);
    let Some(vendor) = fake_okta::vendor() else {
        return;
    };
    let client_id = format!("0oa{}service", std::process::id());
    org.with(|o| o.service_app = Some((client_id.clone(), SERVICE_APP_KEY.to_string())));
    org.add_user("alice@acme.example");
    org.add_group("MSP-Helpdesk", "OKTA_GROUP", &[]);
    let yaml = client_yaml(&vendor.url()).replace(
        "    credential: file:secret\n",
        &format!("    credential: file:secret\n    client_id: {client_id}\n"),
    );
    let mut opened = open(&yaml, SERVICE_APP_KEY);
    let adapter = opened.adapter.as_mut();
    adapter.verify_tenant().unwrap();
    let helpdesk = "group:MSP-Helpdesk".parse().unwrap();
    let alice = adapter.resolve("alice@acme.example").unwrap().unwrap();
    assert_eq!(
        adapter.grant(&alice, &helpdesk, None).unwrap(),
        Outcome::Changed
    );
    assert_eq!(
        holder_accounts(&adapter.list(&helpdesk).unwrap()),
        ["alice@acme.example"]
    );
    // One token for the run, sent as `Bearer`; every API request conformed.
    let issued = org.with(|o| o.issued.clone());
    assert_eq!(issued.len(), 1, "{issued:?}");
    let seen = vendor.assert_conformant(&issued[0]);
    assert!(seen.len() >= 3, "{seen:?}");
    // The token request was checked against Okta's OAuth description: its one violation
    // is the `private_key_jwt` scheme Prism cannot check (asserted by
    // `assert_conformant`), and nothing else.
    let token_requests = vendor.assert_conformant(&client_id);
    assert_checked(
        &token_requests,
        "POST",
        "/oauth2/v1/token",
        "okta-oauth.yaml",
    );
    assert!(
        token_requests
            .iter()
            .all(|s| s.known == [fake_okta::PRIVATE_KEY_JWT] && s.status == 200),
        "{token_requests:#?}"
    );

    // A key the app does not have is refused by the authorization server.
    let other_key = include_str!("../data/github-app-test-key.pem");
    let mut opened = open(&yaml, other_key);
    let error = opened.adapter.verify_tenant().unwrap_err();
    assert_eq!(error.kind, FailureKind::Denied, "{error}");
    assert!(error.detail.contains("invalid_client"), "{error}");
    assert!(error.hint.unwrap().contains("private key"));
}

#[test]
fn okta_group_roles_are_brought_in_line_and_custom_roles_left_alone() {
    let token = format!("okta-token-{}-group-roles", std::process::id());
    let org = Handle::create(&token);
    let Some(vendor) = fake_okta::vendor() else {
        return;
    };
    org.add_user("alice@acme.example");
    org.add_group("MSP-Helpdesk", "OKTA_GROUP", &["alice@acme.example"]);
    org.add_group("Everyone", "BUILT_IN", &["alice@acme.example"]);
    org.assign_group_role("MSP-Helpdesk", "READ_ONLY_ADMIN");
    let custom = org.assign_group_role("MSP-Helpdesk", "CUSTOM");
    let yaml = format!(
        "{}    group_roles:\n      MSP-Helpdesk: [HELP_DESK_ADMIN, USER_ADMIN]\n",
        client_yaml(&vendor.url())
    );
    let mut opened = open(&yaml, &token);
    let adapter = opened.adapter.as_mut();
    adapter.verify_tenant().unwrap();
    let now = time::OffsetDateTime::now_utc();

    // The plan says what apply changes; the custom role is noted and left alone.
    let review = adapter.inspect(now).unwrap();
    assert_eq!(
        review
            .configuration
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        [
            "`apply` assigns the admin role `HELP_DESK_ADMIN` to the group `MSP-Helpdesk`",
            "`apply` assigns the admin role `USER_ADMIN` to the group `MSP-Helpdesk`",
            "`apply` removes the admin role `READ_ONLY_ADMIN` from the group `MSP-Helpdesk`: `group_roles` does not give it",
        ]
    );
    assert_eq!(review.notes.len(), 1, "{:?}", review.notes);
    assert!(
        review.notes[0].contains(&custom) && review.notes[0].contains("left alone"),
        "{:?}",
        review.notes
    );
    assert_eq!(
        org.group_roles("MSP-Helpdesk"),
        ["CUSTOM", "READ_ONLY_ADMIN"]
    );

    let done = crate::support::reconcile(adapter, now);
    assert_eq!(
        done,
        [
            "assigned `HELP_DESK_ADMIN` to `MSP-Helpdesk`",
            "assigned `USER_ADMIN` to `MSP-Helpdesk`",
            "removed `READ_ONLY_ADMIN` from `MSP-Helpdesk`",
        ]
    );
    assert_eq!(
        org.group_roles("MSP-Helpdesk"),
        ["CUSTOM", "HELP_DESK_ADMIN", "USER_ADMIN"]
    );
    // Alice holds the roles through the group: a `role:` entitlement is about roles
    // assigned to the user, so she is not its holder, and revoking it sends nothing.
    let admin = "role:USER_ADMIN".parse().unwrap();
    assert!(adapter.list(&admin).unwrap().is_empty());
    let alice = adapter.resolve("alice@acme.example").unwrap().unwrap();
    assert_eq!(adapter.revoke(&alice, &admin).unwrap(), Outcome::NoChange);
    assert_eq!(
        org.group_roles("MSP-Helpdesk"),
        ["CUSTOM", "HELP_DESK_ADMIN", "USER_ADMIN"]
    );

    // Converged: nothing to change, nothing sent.
    let review = adapter.inspect(now).unwrap();
    assert!(review.configuration.is_empty(), "{review:?}");
    assert!(crate::support::reconcile(adapter, now).is_empty());
    // Group roles are checked against Okta's description like everything else.
    let roles = format!("/api/v1/groups/{}/roles", org.group_id("MSP-Helpdesk"));
    let seen = vendor.assert_conformant(&token);
    for method in ["GET", "POST", "DELETE"] {
        assert_checked(&seen, method, &roles, "okta.yaml");
    }

    // A role the org refuses (one of Okta's role types, but an IAM-based one the org has
    // no product for) stops the reconcile where it is: what was done before is still
    // reported (the audit log records it), and the error is Okta's. (A role type Okta
    // does not have at all is refused by the description before it reaches the org.)
    let yaml = format!(
        "{}    group_roles:\n      MSP-Helpdesk: [HELP_DESK_ADMIN, USER_ADMIN, WORKFLOWS_ADMIN]\n",
        client_yaml(&vendor.url())
    );
    org.with(|o| o.group_roles.clear());
    let mut opened = open(&yaml, &token);
    let planned = opened.adapter.inspect(now).unwrap().configuration;
    let mut done = Vec::new();
    let error = opened
        .adapter
        .apply_configuration(&planned, &mut done)
        .unwrap_err();
    assert_eq!(
        done,
        [
            "assigned `HELP_DESK_ADMIN` to `MSP-Helpdesk`",
            "assigned `USER_ADMIN` to `MSP-Helpdesk`"
        ]
    );
    assert!(error.detail.contains("E0000001"), "{error}");
    assert_eq!(
        org.group_roles("MSP-Helpdesk"),
        ["HELP_DESK_ADMIN", "USER_ADMIN"]
    );

    // A group that does not exist, and Okta's built-in `Everyone`, are errors that say
    // what to fix.
    for (group, kind, says) in [
        ("MSP-Nobody", FailureKind::NotFound, "does not exist"),
        ("Everyone", FailureKind::Rejected, "built-in"),
    ] {
        let yaml = format!(
            "{}    group_roles:\n      {group}: [USER_ADMIN]\n",
            client_yaml(&vendor.url())
        );
        let mut opened = open(&yaml, &token);
        let error = opened.adapter.inspect(now).unwrap_err();
        assert_eq!(error.kind, kind, "{error}");
        assert!(error.detail.contains(says), "{error}");
        assert!(error.hint.is_some(), "{error}");
    }
    assert!(org.group_roles("Everyone").is_empty());
}

#[test]
fn okta_resolves_many_accounts_in_batches_not_one_request_each() {
    let token = format!("okta-token-{}-resolve", std::process::id());
    let org = Handle::create(&token);
    let Some(vendor) = fake_okta::vendor() else {
        return;
    };
    let users: Vec<String> = (0..25).map(|i| format!("res{i:02}@acme.example")).collect();
    for user in &users {
        org.add_user(user);
    }
    let mut opened = open(&client_yaml(&vendor.url()), &token);
    let mut accounts: Vec<&str> = users.iter().map(String::as_str).collect();
    // Okta compares logins without case; a login nobody has.
    accounts.extend(["RES03@acme.example", "ghost@acme.example"]);
    let results = opened.adapter.resolve_many(&accounts);
    assert_eq!(results.len(), accounts.len());
    for (account, result) in accounts.iter().zip(&results).take(users.len()) {
        let principal = result.as_ref().unwrap().as_ref().unwrap();
        assert_eq!(&principal.account, account);
    }
    let again = results[users.len()].as_ref().unwrap().as_ref().unwrap();
    assert_eq!(again.account, "res03@acme.example");
    assert_eq!(results.last().unwrap().as_ref().unwrap(), &None);
    // Two searches (20 logins, then 6), each asking for the largest page, and one
    // direct lookup of the login no search found: not 26 requests.
    let seen = vendor.assert_conformant(&token);
    let gets = |prefix: &str| -> Vec<&crate::fake::Seen> {
        seen.iter()
            .filter(|s| s.method == "GET" && s.target.starts_with(prefix))
            .collect()
    };
    let searches = gets("/api/v1/users?");
    assert_eq!(searches.len(), 2, "{seen:#?}");
    assert!(
        searches.iter().all(|s| s.target.contains("limit=200")),
        "{searches:#?}"
    );
    assert_eq!(gets("/api/v1/users/").len(), 1, "{seen:#?}");
    assert_checked(&seen, "GET", "/api/v1/users?search=", "okta.yaml");
    // Resolved once per run: asking again sends nothing.
    let before = vendor.assert_conformant(&token).len();
    assert!(
        opened
            .adapter
            .resolve("res10@acme.example")
            .unwrap()
            .is_some()
    );
    assert_eq!(vendor.assert_conformant(&token).len(), before);
}

/// Every management API operation the adapter calls, as the adapter calls it, with the
/// status Okta answers (a group's new role is `200`: the description's `201` has no body).
static PROBES: &[crate::fake::Probe] = &[
    "GET /api/v1/groups?search=x 200",
    "GET /api/v1/groups/g/users?limit=200 200",
    "GET /api/v1/users/u 200",
    "GET /api/v1/users?search=profile.login%20eq%20%22u%22&limit=200 200",
    "GET /api/v1/users/u/roles 200",
    r#"POST /api/v1/users/u/roles?disableNotifications=true 201 {"type":"USER_ADMIN"}"#,
    "GET /api/v1/groups/g/roles 200",
    r#"POST /api/v1/groups/g/roles?disableNotifications=true 200 {"type":"USER_ADMIN"}"#,
    "GET /api/v1/iam/assignees/users 200",
];

static TOKEN_PROBE: &[crate::fake::Probe] =
    &["POST /oauth2/v1/token 200 grant_type=client_credentials&scope=okta.groups.manage"];

#[test]
fn prism_checks_the_answers_of_every_okta_call() {
    let Some(unchecked) = crate::fake::unchecked_answers("okta.yaml", "SSWS probe", PROBES) else {
        return;
    };
    assert!(unchecked.is_empty(), "{unchecked:?}");
    // The token endpoint's answer, with client_secret_basic (the one scheme Prism checks).
    let unchecked =
        crate::fake::unchecked_answers("okta-oauth.yaml", "Basic eDp5", TOKEN_PROBE).unwrap();
    assert!(unchecked.is_empty(), "{unchecked:?}");
}

#[test]
fn a_saved_plan_pins_its_okta_group_role_changes_and_is_refused_once_the_org_moved() {
    let token = format!("okta-token-{}-pinned", std::process::id());
    let org = Handle::create(&token);
    let Some(vendor) = fake_okta::vendor() else {
        return;
    };
    org.add_group("MSP-Okta-Admins", "OKTA_GROUP", &[]);
    let env = Env::example();
    env.edit(
        "clients/acme.yaml",
        "adapter: file\n    path: tenants/acme/okta",
        &format!(
            "adapter: okta\n    endpoint: {}\n    credential: env:ACME_OKTA\n    group_roles:\n      MSP-Okta-Admins: [HELP_DESK_ADMIN]",
            vendor.url()
        ),
    );
    let run = |args: &[&str]| {
        env.onboard(args)
            .env("ACME_OKTA", &org.token)
            .env("ONBOARD_TEST_RETRY_SCALE", "0.01")
            .output()
            .unwrap()
    };
    // The technicians' accounts and the groups they get exist in the org, so the plan's
    // grants can be sent.
    let output = run(&["plan", "acme", "--output", "json"]);
    let plan: crate::support::PlanJson = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", stderr(&env, &output)));
    let grants: Vec<_> = plan
        .changes
        .iter()
        .filter(|c| c.tenant == "okta" && c.kind == "grant")
        .collect();
    let accounts: BTreeSet<&str> = grants.iter().filter_map(|c| c.account.as_deref()).collect();
    for account in accounts {
        org.add_user(account);
    }
    let groups: BTreeSet<&str> = grants
        .iter()
        .filter_map(|c| c.entitlement.as_deref()?.strip_prefix("group:"))
        .collect();
    for group in groups {
        org.add_group(group, "OKTA_GROUP", &[]);
    }
    let output = run(&["plan", "acme", "--out", "plan.json"]);
    assert_eq!(
        crate::support::saved_configuration(&env, &output),
        serde_json::json!([{
            "action": "okta-assign-group-role",
            "group": "MSP-Okta-Admins",
            "group_id": org.group_id("MSP-Okta-Admins"),
            "role": "HELP_DESK_ADMIN",
        }])
    );

    // Behind the plan, someone gives the group another admin role: worked out again,
    // apply would remove it, which the plan never said.
    org.assign_group_role("MSP-Okta-Admins", "READ_ONLY_ADMIN");
    let output = run(&["apply", "plan.json", "--yes"]);
    let err = stderr(&env, &output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(
        err.contains("refusing the plan: the own configuration of `acme/okta` changed since the plan was made")
            && err.contains("the tenant now needs `apply` assigns the admin role `HELP_DESK_ADMIN` to the group `MSP-Okta-Admins`; `apply` removes the admin role `READ_ONLY_ADMIN`")
            && err.contains("nothing was sent"),
        "{err}"
    );
    assert_eq!(org.group_roles("MSP-Okta-Admins"), ["READ_ONLY_ADMIN"]);
    assert!(
        org.members("MSP-Helpdesk").is_empty(),
        "a membership was sent"
    );
    assert!(!env.exists("state/ledger.json"), "the ledger was written");

    // The org back as the plan saw it: apply carries out exactly the saved change, then
    // the memberships.
    org.with(|o| o.group_roles.clear());
    let output = run(&["apply", "plan.json", "--yes"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    assert_eq!(org.group_roles("MSP-Okta-Admins"), ["HELP_DESK_ADMIN"]);
    assert!(!org.members("MSP-Helpdesk").is_empty());
    assert!(env.ledger().grants.iter().any(|g| g.tenant == "okta"));

    // A configuration change the org refuses, in a tenant with nothing else to change:
    // reported as the tenant's configuration failing, not as a change it never had.
    env.edit(
        "clients/acme.yaml",
        "MSP-Okta-Admins: [HELP_DESK_ADMIN]",
        "MSP-Okta-Admins: [HELP_DESK_ADMIN, WORKFLOWS_ADMIN]",
    );
    let output = run(&["apply", "acme", "--yes", "--output", "json"]);
    assert_eq!(output.status.code(), Some(4), "{}", stderr(&env, &output));
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(document["failed"], 1, "{document}");
    assert_eq!(document["configuration_failed"][0]["tenant"], "okta");
    assert!(
        document["configuration_failed"][0]["error"]
            .as_str()
            .is_some_and(
                |e| e.contains("reconcile the groups' admin roles") && e.contains("E0000001")
            ),
        "{document}"
    );
    assert!(
        document["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| !r["entitlement"].is_null()),
        "a change with no entitlement stands for the failure: {document}"
    );
    let output = run(&["apply", "acme", "--yes"]);
    assert_eq!(output.status.code(), Some(4), "{}", stderr(&env, &output));
    let table = crate::support::stdout(&output);
    assert!(
        table.lines().any(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            words.starts_with(&[
                "failed",
                "configuration",
                "acme/okta",
                "-",
                "-",
                "reconcile",
            ])
        }),
        "{table}"
    );
}

#[test]
fn an_okta_role_assigned_after_the_run_read_the_holders_is_no_change() {
    let token = format!("okta-token-{}-role-race", std::process::id());
    let org = Handle::create(&token);
    let Some(vendor) = fake_okta::vendor() else {
        return;
    };
    org.add_user("erik@acme.example");
    let mut run = open(&client_yaml(&vendor.url()), &token);
    let mut other = open(&client_yaml(&vendor.url()), &token);
    let admin = "role:USER_ADMIN".parse().unwrap();
    // The run lists the role's holders (none), then someone else assigns it.
    assert!(run.adapter.list(&admin).unwrap().is_empty());
    let erik = run.adapter.resolve("erik@acme.example").unwrap().unwrap();
    assert_eq!(
        other.adapter.grant(&erik, &admin, None).unwrap(),
        Outcome::Changed
    );
    // The run's grant, sent without reading erik's roles again, meets `409 E0000090`:
    // already held, no change; and the run reads the roles again for the revoke.
    assert_eq!(
        run.adapter.grant(&erik, &admin, None).unwrap(),
        Outcome::NoChange
    );
    assert_eq!(run.adapter.revoke(&erik, &admin).unwrap(), Outcome::Changed);
    assert!(org.roles("erik@acme.example").is_empty());
    vendor.assert_conformant(&token);
}
