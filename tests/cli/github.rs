//! The GitHub adapter against the fake GitHub, behind Prism validating every request and
//! answer against GitHub's own description (`github.yaml`).

use onboard::adapters::Outcome;

use crate::fake::raw_request;
use crate::fake_github::{self, Handle};
use crate::graph::open;

fn client_yaml(endpoint: &str, org: &str) -> String {
    format!(
        "id: acme\ntier: premium\ntenants:\n  - name: github\n    system: github\n    adapter: github\n    endpoint: {endpoint}\n    org: {org}\n    credential: file:secret\n"
    )
}

fn logins(holders: &[onboard::model::Holder]) -> Vec<String> {
    let mut names: Vec<String> = holders.iter().map(|h| h.account.clone()).collect();
    names.sort();
    names
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
        logins(&adapter.list(&member).unwrap()),
        ["alice-nw", "bob-nw", "carol-nw", "owner-1"]
    );
    assert_eq!(logins(&adapter.list(&admin).unwrap()), ["owner-1"]);

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
    // (read from the invitations, which the trimmed description lacks), not as a member.
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
    assert_eq!(logins(&adapter.list(&maintainer).unwrap()), ["bob-nw"]);
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

    let seen = vendor.assert_conformant(
        &token,
        &[
            "/orgs/acme-corp/invitations",
            "/orgs/acme-corp/teams/msp-helpdesk/invitations",
            "/orgs/acme-corp/teams/nothing/invitations",
        ],
    );
    assert!(
        seen.iter().any(|s| !s.validated),
        "the invitation listings went around Prism"
    );
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
    vendor.assert_conformant(&token, &[]);
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
