//! The GitHub adapter against the fake GitHub, behind Prism validating every request and
//! answer against GitHub's own description (`github.yaml`).

use onboard::adapters::Outcome;

use crate::fake::{assert_checked, raw_request};
use crate::fake_github::{self, Handle};
use crate::graph::open;
use crate::support::holder_accounts;

fn client_yaml(endpoint: &str, org: &str) -> String {
    format!(
        "id: acme\ntier: premium\ntenants:\n  - name: github\n    system: github\n    adapter: github\n    endpoint: {endpoint}\n    org: {org}\n    credential: file:secret\n"
    )
}

#[test]
fn github_org_and_team_memberships_through_prism() {
    let token = format!("gh-token-{}-members", std::process::id());
    let org = Handle::create(&token, "acme-corp");
    let Some(vendor) = fake_github::vendor() else {
        return;
    };
    org.add_members(&["alice-nw", "bob-nw", "carol-nw"], "member");
    org.add_members(&["owner-1"], "admin");
    org.add_users(&["newcomer"]);
    org.add_team("msp-helpdesk");
    let mut opened = open(&client_yaml(&vendor.url(), "acme-corp"), &token);
    let adapter = opened.adapter.as_mut();
    adapter.verify_tenant().unwrap();

    let member = "org:member".parse().unwrap();
    let admin = "org:admin".parse().unwrap();
    // Four members at two per page.
    assert_eq!(
        holder_accounts(&adapter.list(&member).unwrap()),
        ["alice-nw", "bob-nw", "carol-nw", "owner-1"]
    );
    assert_eq!(holder_accounts(&adapter.list(&admin).unwrap()), ["owner-1"]);

    let alice = adapter.resolve("alice-nw").unwrap().unwrap();
    assert!(adapter.resolve("no-such-user").unwrap().is_none());
    assert_eq!(
        adapter.grant(&alice, &member, None).unwrap(),
        Outcome::NoChange
    );
    assert_eq!(
        adapter.grant(&alice, &admin, None).unwrap(),
        Outcome::Changed
    );
    assert_eq!(
        adapter.grant(&alice, &admin, None).unwrap(),
        Outcome::NoChange
    );
    // Revoking the admin role keeps the membership.
    assert_eq!(adapter.revoke(&alice, &admin).unwrap(), Outcome::Changed);
    assert_eq!(adapter.revoke(&alice, &admin).unwrap(), Outcome::NoChange);
    assert!(
        org.memberships()
            .contains(&"alice-nw member active".to_string())
    );

    // A user outside the organisation gets an invitation: listed as a pending holder
    // (read from the invitations), not as a member.
    let newcomer = adapter.resolve("newcomer").unwrap().unwrap();
    assert_eq!(
        adapter.grant(&newcomer, &member, None).unwrap(),
        Outcome::Changed
    );
    assert!(
        org.memberships()
            .contains(&"newcomer member pending".to_string())
    );
    let listed = adapter.list(&member).unwrap();
    let pending: Vec<&str> = listed
        .iter()
        .filter(|h| h.pending)
        .map(|h| h.account.as_str())
        .collect();
    assert_eq!(pending, ["newcomer"]);
    assert_eq!(listed.len(), 5);
    // A member invitation is not an admin one.
    assert!(adapter.list(&admin).unwrap().iter().all(|h| !h.pending));
    // Granting again sends nothing: the invitation stands.
    assert_eq!(
        adapter.grant(&newcomer, &member, None).unwrap(),
        Outcome::NoChange
    );
    // Revoking cancels the invitation.
    assert_eq!(
        adapter.revoke(&newcomer, &member).unwrap(),
        Outcome::Changed
    );
    assert_eq!(
        adapter.revoke(&newcomer, &member).unwrap(),
        Outcome::NoChange
    );

    // Teams: member and maintainer.
    let team = "team:msp-helpdesk".parse().unwrap();
    let maintainer = "team-maintainer:msp-helpdesk".parse().unwrap();
    let bob = adapter.resolve("bob-nw").unwrap().unwrap();
    assert_eq!(adapter.grant(&bob, &team, None).unwrap(), Outcome::Changed);
    assert_eq!(adapter.grant(&bob, &team, None).unwrap(), Outcome::NoChange);
    assert_eq!(
        adapter.grant(&bob, &maintainer, None).unwrap(),
        Outcome::Changed
    );
    assert_eq!(adapter.grant(&bob, &team, None).unwrap(), Outcome::NoChange);
    assert_eq!(
        holder_accounts(&adapter.list(&maintainer).unwrap()),
        ["bob-nw"]
    );
    assert_eq!(adapter.revoke(&bob, &maintainer).unwrap(), Outcome::Changed);
    assert_eq!(org.team("msp-helpdesk"), ["bob-nw member active"]);
    assert_eq!(adapter.revoke(&bob, &team).unwrap(), Outcome::Changed);
    assert_eq!(adapter.revoke(&bob, &team).unwrap(), Outcome::NoChange);
    // A team invitation for a user outside the organisation is pending, and its role is
    // read from the pending team membership.
    let outsider = adapter.resolve("newcomer").unwrap().unwrap();
    assert_eq!(
        adapter.grant(&outsider, &maintainer, None).unwrap(),
        Outcome::Changed
    );
    assert_eq!(org.team("msp-helpdesk"), ["newcomer maintainer pending"]);
    for entitlement in [&team, &maintainer] {
        let listed = adapter.list(entitlement).unwrap();
        assert_eq!(listed.len(), 1);
        assert!(listed[0].pending && listed[0].account == "newcomer");
    }
    assert_eq!(adapter.revoke(&outsider, &team).unwrap(), Outcome::Changed);
    assert!(adapter.list(&team).unwrap().is_empty());
    // A team that does not exist has no holders.
    assert!(
        adapter
            .list(&"team:nothing".parse().unwrap())
            .unwrap()
            .is_empty()
    );

    // The invitation listings are checked against GitHub's description too.
    let seen = vendor.assert_conformant(&token);
    fake_github::assert_invitations_checked(&seen, "acme-corp", "msp-helpdesk");
}

#[test]
fn github_resolves_many_accounts_in_batches_not_one_request_each() {
    let token = format!("gh-token-{}-resolve", std::process::id());
    let org = Handle::create(&token, "acme-corp");
    let Some(vendor) = fake_github::vendor() else {
        return;
    };
    org.with(|o| o.page_size = 100);
    let members: Vec<String> = (0..25).map(|i| format!("member-{i:02}")).collect();
    org.add_members(
        &members.iter().map(String::as_str).collect::<Vec<_>>(),
        "member",
    );
    org.add_users(&["outsider-1", "outsider-2"]);
    let mut opened = open(&client_yaml(&vendor.url(), "acme-corp"), &token);
    let mut accounts: Vec<&str> = members.iter().map(String::as_str).collect();
    accounts.extend(["outsider-1", "outsider-2", "ghost"]);
    let results = opened.adapter.resolve_many(&accounts);
    assert_eq!(results.len(), accounts.len());
    for (account, result) in accounts.iter().zip(&results).take(accounts.len() - 1) {
        let principal = result.as_ref().unwrap().as_ref().unwrap();
        assert_eq!(&principal.account, account);
    }
    assert_eq!(results.last().unwrap().as_ref().unwrap(), &None);
    // One page of the organisation's members (100 a page), then the two users outside
    // it and the login nobody has one by one: 4 requests, not 28.
    let seen = vendor.assert_conformant(&token);
    let gets = |prefix: &str| {
        seen.iter()
            .filter(|s| s.method == "GET" && s.target.starts_with(prefix))
            .count()
    };
    assert_eq!(gets("/orgs/acme-corp/members?per_page=100"), 1, "{seen:#?}");
    assert_eq!(gets("/users/"), 3, "{seen:#?}");
    assert_eq!(seen.len(), 4, "{seen:#?}");
    // Resolved once per run: asking again sends nothing.
    assert!(opened.adapter.resolve("member-07").unwrap().is_some());
    assert_eq!(vendor.assert_conformant(&token).len(), 4);
}

#[test]
fn github_secondary_rate_limits_are_waited_out_not_taken_for_refusals() {
    let token = format!("gh-token-{}-secondary", std::process::id());
    let org = Handle::create(&token, "acme-corp");
    let Some(vendor) = fake_github::vendor() else {
        return;
    };
    org.add_members(&["alice-nw", "bob-nw"], "member");
    org.with(|o| o.secondary_every = Some(2));
    let mut opened = open(&client_yaml(&vendor.url(), "acme-corp"), &token);
    let adapter = opened.adapter.as_mut();
    let admin = "org:admin".parse().unwrap();
    for login in ["alice-nw", "bob-nw"] {
        let user = adapter.resolve(login).unwrap().unwrap();
        assert_eq!(
            adapter.grant(&user, &admin, None).unwrap(),
            Outcome::Changed
        );
    }
    assert_eq!(
        org.memberships(),
        ["alice-nw admin active", "bob-nw admin active"]
    );
    assert!(org.with(|o| o.secondary_hits) >= 1);
    vendor.assert_conformant(&token);
}

#[test]
fn prism_fails_a_request_that_does_not_conform_to_the_github_description() {
    let Some(vendor) = fake_github::vendor() else {
        return;
    };
    let (status, _, body) = raw_request(
        vendor.front.port,
        "PUT",
        "/orgs/acme-corp/memberships/alice-nw",
        &[
            ("Authorization", "Bearer none"),
            ("Content-Type", "application/json"),
        ],
        r#"{"role":"owner"}"#,
    );
    assert_eq!(status, 422, "{body}");
}

#[test]
fn a_call_no_description_covers_fails_the_conformance_check() {
    let Some(vendor) = fake_github::vendor() else {
        return;
    };
    // Cancelling an invitation by id is newer than the 2020 description: Prism finds no
    // operation for it, and the check that every test ends with fails on it.
    let token = format!("gh-token-{}-uncovered", std::process::id());
    let (status, _, body) = raw_request(
        vendor.front.port,
        "DELETE",
        "/orgs/acme-corp/invitations/1",
        &[("Authorization", &format!("Bearer {token}"))],
        "",
    );
    assert_eq!(status, 404, "{body}");
    let failure = std::panic::catch_unwind(|| vendor.assert_conformant(&token))
        .expect_err("a call outside the description passed the check");
    let message = failure
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(
        message.contains("DELETE /orgs/acme-corp/invitations/1 is not an operation of github.yaml"),
        "{message}"
    );
}

const APP_KEY: &str = include_str!("../data/github-app-test-key.pem");

#[test]
fn github_app_mints_installation_tokens_and_keeps_them_until_near_expiry() {
    // The organisation's own token is never given to onboard: only the app's key.
    let org_token = format!("gh-token-{}-app", std::process::id());
    let org = Handle::create(&org_token, "acme-app");
    let Some(vendor) = fake_github::vendor() else {
        return;
    };
    org.add_members(&["alice-nw"], "member");
    org.with(|o| {
        o.app = Some(fake_github::App {
            app_id: format!("{}", 40_000 + std::process::id() % 1000),
            installation_id: 777,
            key_pem: APP_KEY.to_string(),
            token_lifetime: 3600,
            minted: Vec::new(),
        })
    });
    let app_id = org.with(|o| o.app.as_ref().unwrap().app_id.clone());
    let yaml = client_yaml(&vendor.url(), "acme-app").replace(
        "    credential: file:secret\n",
        &format!("    credential: file:secret\n    app_id: \"{app_id}\"\n"),
    );
    let mut opened = open(&yaml, APP_KEY);
    let adapter = opened.adapter.as_mut();
    adapter.verify_tenant().unwrap();
    let member = "org:member".parse().unwrap();
    assert_eq!(
        holder_accounts(&adapter.list(&member).unwrap()),
        ["alice-nw"]
    );
    let alice = adapter.resolve("alice-nw").unwrap().unwrap();
    let admin = "org:admin".parse().unwrap();
    assert_eq!(
        adapter.grant(&alice, &admin, None).unwrap(),
        Outcome::Changed
    );
    // One token for the whole run: it lasts an hour.
    let minted = org.with(|o| o.app.as_ref().unwrap().minted.clone());
    assert_eq!(minted.len(), 1, "{minted:?}");
    let seen = vendor.assert_conformant(&minted[0]);
    assert!(seen.len() >= 4, "{seen:?}");
    // The installation was looked up with the app's JWT (no `installation_id` given).
    let jwt_calls: Vec<_> = vendor
        .front
        .seen_all()
        .into_iter()
        .filter(|s| s.credential.matches('.').count() == 2)
        .filter(|s| s.target.contains("/installation"))
        .collect();
    assert!(
        jwt_calls
            .iter()
            .any(|s| s.target == "/orgs/acme-app/installation" && s.status == 200),
        "{jwt_calls:?}"
    );
    // The app's own calls, made with its JWT, are checked against the description too.
    for call in &jwt_calls {
        vendor.assert_conformant(&call.credential);
    }
    assert_checked(
        &jwt_calls,
        "GET",
        "/orgs/acme-app/installation",
        "github.yaml",
    );
    assert_checked(
        &jwt_calls,
        "POST",
        "/app/installations/777/access_tokens",
        "github.yaml",
    );

    // A token about to expire is minted again before it is used.
    org.with(|o| o.app.as_mut().unwrap().token_lifetime = 120);
    let mut opened = open(
        &yaml.replace("    app_id:", "    installation_id: \"777\"\n    app_id:"),
        APP_KEY,
    );
    let adapter = opened.adapter.as_mut();
    adapter.verify_tenant().unwrap();
    adapter.list(&member).unwrap();
    adapter.list(&member).unwrap();
    let minted = org.with(|o| o.app.as_ref().unwrap().minted.len());
    // verify, then two listings (members and invitations, which the second listing
    // takes as the first read them): every call found the token within five minutes of
    // its end, and minted a new one.
    assert_eq!(minted, 1 + 4);

    // A credential that is not a private key is refused before anything is sent.
    let dir = tempfile::TempDir::new().unwrap();
    std::fs::write(dir.path().join("secret"), "ghp_a-plain-token").unwrap();
    std::fs::set_permissions(
        dir.path().join("secret"),
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();
    let client = onboard::model::client_from_yaml(&std::sync::Arc::from("c.yaml"), &yaml).unwrap();
    let error = match onboard::adapters::open(
        &client,
        &client.tenants[0],
        dir.path(),
        &onboard::adapters::Options::default(),
    ) {
        Ok(_) => panic!("opened without a key"),
        Err(error) => error,
    };
    assert_eq!(
        error.kind,
        onboard::adapters::FailureKind::Denied,
        "{error}"
    );
    assert!(error.hint.unwrap().contains("private key"));
    assert!(!error.detail.contains("ghp_"));
}

/// Every operation the adapter calls, as the adapter calls it.
static PROBES: &[crate::fake::Probe] = &[
    "GET /orgs/o/members?role=all&per_page=100 200",
    "GET /orgs/o/memberships/u 200",
    r#"PUT /orgs/o/memberships/u 200 {"role":"member"}"#,
    "GET /orgs/o/teams/t/members?role=all&per_page=100 200",
    "GET /orgs/o/teams/t/memberships/u 200",
    r#"PUT /orgs/o/teams/t/memberships/u 200 {"role":"member"}"#,
    "GET /users/u 200",
    "GET /orgs/o/invitations?per_page=100 200",
    "GET /orgs/o/teams/t/invitations?per_page=100 200",
    "GET /orgs/o/installation 200",
    "POST /app/installations/7/access_tokens 201 {}",
];

#[test]
fn prism_checks_the_answers_of_every_github_call_but_the_installation_lookup() {
    let Some(unchecked) = crate::fake::unchecked_answers("github.yaml", "Bearer probe", PROBES)
    else {
        return;
    };
    // The `installation` schema puts `nullable` beside an `anyOf` without `type`: Prism
    // cannot compile it and checks nothing (tests/contracts/README.md).
    assert_eq!(unchecked, ["GET /orgs/o/installation"]);
}
