//! End to end: the example workspace's `acme` on the three cloud adapters at once (its
//! Entra tenant on Graph with PIM, its Okta org, its GitHub organisation), each behind
//! Prism: plan, apply, a second apply that sends nothing, revoke by identity, and a PIM
//! grant that the tenant ends by itself and `onboard expire` then records.

use std::collections::BTreeSet;

use assert_cmd::Command;

use crate::fake::{Vendor, assert_checked};
use crate::support::{ApplyJson, Env, PlanJson, assert_secret_absent, requests_line, stderr};
use crate::{fake_github, fake_graph, fake_okta};

const GRAPH_SECRET: &str = "e2e-graph-secret-planted-2718";
const SECURITY_ADMINISTRATOR: &str = "194ae4cb-b126-40b2-bd5b-6091b380977d";
const ENTRA_GROUPS: [&str; 7] = [
    "MSP-Backup",
    "MSP-Backup-Restore",
    "MSP-CloudOps",
    "MSP-Helpdesk",
    "MSP-Helpdesk-Tier2",
    "MSP-Helpdesk-VIP",
    "MSP-SecOps",
];
const OKTA_GROUPS: [&str; 6] = [
    "MSP-Backup",
    "MSP-CloudOps",
    "MSP-Helpdesk",
    "MSP-Helpdesk-Tier2",
    "MSP-Helpdesk-VIP",
    "MSP-SecOps",
];
const TEAMS: [&str; 5] = [
    "msp-backup",
    "msp-cloud-ops",
    "infrastructure",
    "msp-helpdesk",
    "msp-security",
];

struct Fixture {
    env: Env,
    graph: fake_graph::Handle,
    okta: fake_okta::Handle,
    github: fake_github::Handle,
    okta_token: String,
    github_token: String,
    graph_token: String,
}

fn vendors() -> Option<(&'static Vendor, &'static Vendor, &'static Vendor)> {
    Some((
        fake_graph::vendor()?,
        fake_okta::vendor()?,
        fake_github::vendor()?,
    ))
}

/// The example's `acme` on the three fakes: tenant `n` of each (tests running at once
/// each take their own).
fn fixture(n: u32) -> Option<Fixture> {
    let (graph_vendor, okta_vendor, github_vendor) = vendors()?;
    let tid = crate::graph::tenant_id(n);
    let graph = fake_graph::Handle::create(&tid, GRAPH_SECRET);
    let okta_token = format!("okta-token-{}-e2e-{n:x}", std::process::id());
    let okta = fake_okta::Handle::create(&okta_token);
    let github_token = format!("gh-token-{}-e2e-{n:x}", std::process::id());
    let github = fake_github::Handle::create(&github_token, "acme-corp");
    let mut groups = String::from("    groups:\n");
    for name in ENTRA_GROUPS {
        let id = graph.add_group(name, &[]);
        groups.push_str(&format!("      {name}: {id}\n"));
    }
    for name in OKTA_GROUPS {
        okta.add_group(name, "OKTA_GROUP", &[]);
    }
    // A group no bundle grants standing membership of: one that carries admin roles
    // makes its membership privileged, which may only be granted just in time.
    okta.add_group("MSP-Okta-Readers", "OKTA_GROUP", &[]);
    for team in TEAMS {
        github.add_team(team);
    }
    let env = Env::example();
    // The agent's client secret is an app of the example's `file` tenant, not of this
    // Graph fake (tests/cli/graph.rs rotates client secrets against it).
    env.drop_example_credentials();
    env.edit(
        "clients/acme.yaml",
        "    adapter: file\n    path: tenants/acme/entra\n",
        &format!(
            "    adapter: graph\n    endpoint: {}\n    auth_endpoint: {}\n    tenant_id: {tid}\n    client_id: 5b1f0c2a-0000-4000-8000-000000000001\n    credential: env:ACME_GRAPH_SECRET\n    pim: true\n{groups}",
            graph_vendor.url(),
            graph_vendor.url()
        ),
    );
    env.edit(
        "clients/acme.yaml",
        "    adapter: file\n    path: tenants/acme/okta\n",
        &format!(
            "    adapter: okta\n    endpoint: {}\n    credential: env:ACME_OKTA_TOKEN\n    group_roles:\n      MSP-Okta-Readers: [READ_ONLY_ADMIN]\n",
            okta_vendor.url()
        ),
    );
    env.edit(
        "clients/acme.yaml",
        "    adapter: file\n    path: tenants/acme/github\n",
        &format!(
            "    adapter: github\n    endpoint: {}\n    org: acme-corp\n    credential: env:ACME_GITHUB_TOKEN\n",
            github_vendor.url()
        ),
    );
    let graph_token = fake_graph::token(&tid, GRAPH_SECRET);
    Some(Fixture {
        env,
        graph,
        okta,
        github,
        okta_token,
        github_token,
        graph_token,
    })
}

impl Fixture {
    fn onboard_at(&self, now: &str, args: &[&str]) -> Command {
        let mut command = self.env.onboard_at(now, args);
        command
            .env("ACME_GRAPH_SECRET", GRAPH_SECRET)
            .env("ACME_OKTA_TOKEN", &self.okta_token)
            .env("ACME_GITHUB_TOKEN", &self.github_token)
            .env("ONBOARD_TEST_RETRY_SCALE", "0.01");
        command
    }

    fn plan(&self, now: &str) -> PlanJson {
        let output = self
            .onboard_at(now, &["plan", "acme", "--output", "json"])
            .output()
            .unwrap();
        serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", stderr(&self.env, &output)))
    }

    /// Write requests each vendor has seen for this fixture.
    fn writes(&self) -> [usize; 3] {
        let (graph, okta, github) = vendors().unwrap();
        let count = |vendor: &Vendor, credential: &str| {
            vendor
                .front
                .seen(credential)
                .iter()
                .filter(|s| s.method != "GET")
                .count()
        };
        [
            count(graph, &self.graph_token),
            count(okta, &self.okta_token),
            count(github, &self.github_token),
        ]
    }

    /// Creates in the tenants every account the first plan names (GitHub users as
    /// organisation members already, so nothing waits on an invitation) but one GitHub
    /// user, left outside the organisation: the grants invite them, and the invitations
    /// stay pending (shown as such, never sent again). Returns that user's login.
    fn create_accounts(&self) -> String {
        let first = self.plan(NOW);
        assert_eq!(first.summary.unknown, 0, "{:?}", first.changes);
        let mut accounts: BTreeSet<(String, String)> = BTreeSet::new();
        for change in &first.changes {
            if let Some(account) = &change.account {
                accounts.insert((change.tenant.clone(), account.clone()));
            }
        }
        let invitee = accounts
            .iter()
            .find(|(t, a)| t == "github" && !a.starts_with("alice"))
            .map(|(_, a)| a.clone())
            .expect("a second GitHub account");
        for (tenant, account) in &accounts {
            match tenant.as_str() {
                "github" if *account == invitee => self.github.add_users(&[account]),
                "entra" => {
                    self.graph.add_user(account);
                }
                "okta" => {
                    self.okta.add_user(account);
                }
                "github" => self.github.add_members(&[account], "member"),
                _ => {}
            }
        }
        invitee
    }

    fn assert_conformant(&self) {
        let (graph, okta, github) = vendors().unwrap();
        // Bulk membership changes go through `$batch`, checked against the batching
        // description; the fake replays each of its items through the Graph one (see
        // `fake_graph`), and none may be refused or carry a request violation.
        let seen = graph.assert_conformant(&self.graph_token);
        assert_checked(&seen, "POST", "/$batch", "graph-batch.yaml");
        let batches = fake_graph::batches(&self.graph_token);
        assert!(!batches.is_empty(), "the apply sent no `$batch`");
        for item in batches.iter().flat_map(|b| b.items.iter()) {
            assert!(item.status != 422, "{item:?}");
            assert!(
                !item
                    .violations
                    .as_deref()
                    .is_some_and(|v| v.contains("\"request\"")),
                "{item:?}"
            );
        }
        // Group admin roles and the admin-role holders, through Okta's description.
        let seen = okta.assert_conformant(&self.okta_token);
        let roles = format!(
            "/api/v1/groups/{}/roles",
            self.okta.group_id("MSP-Okta-Readers")
        );
        assert_checked(&seen, "POST", &roles, "okta.yaml");
        assert_checked(&seen, "GET", "/api/v1/iam/assignees/users", "okta.yaml");
        // The invitation listings, through GitHub's.
        let seen = github.assert_conformant(&self.github_token);
        fake_github::assert_invitations_checked(&seen, "acme-corp", "msp-helpdesk");
    }
}

const NOW: &str = crate::support::NOW;

#[test]
fn acme_on_graph_okta_and_github_plans_applies_converges_revokes_and_expires() {
    let Some(f) = fixture(0xe2e) else { return };
    let invitee = f.create_accounts();
    let planned = f.plan(NOW);
    for tenant in ["entra", "okta", "github"] {
        assert!(
            planned
                .changes
                .iter()
                .any(|c| c.tenant == tenant && c.kind == "grant"),
            "no grants planned in {tenant}: {:?}",
            planned.changes
        );
    }

    // The Okta helpdesk group's admin role is configuration apply brings in line first.
    let okta_configuration = planned.configuration_of("acme", "okta");
    assert_eq!(
        okta_configuration,
        ["`apply` assigns the admin role `READ_ONLY_ADMIN` to the group `MSP-Okta-Readers`"]
    );

    // Apply.
    let output = f
        .onboard_at(NOW, &["apply", "acme", "--yes", "--output", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&f.env, &output));
    let applied: ApplyJson = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(applied.failed, 0, "{:?}", applied.results);
    assert!(
        f.graph
            .members("MSP-Helpdesk")
            .contains(&"alice@acme.example".to_string())
    );
    assert!(
        f.okta
            .members("MSP-Helpdesk")
            .contains(&"alice@acme.example".to_string())
    );
    assert!(
        f.github
            .team("msp-helpdesk")
            .contains(&"alice-northwind member active".to_string())
    );
    assert_eq!(f.okta.group_roles("MSP-Okta-Readers"), ["READ_ONLY_ADMIN"]);
    let audit = std::fs::read_to_string(f.env.ws.join("audit/acme.jsonl")).unwrap();
    assert!(
        audit.contains("\"kind\":\"configuration\"")
            && audit.contains("okta:group-roles")
            && audit.contains("assigned `READ_ONLY_ADMIN` to `MSP-Okta-Readers`"),
        "no audit entry for the group's admin role"
    );
    // The exception's role went through PIM with its end: the tenant will end it.
    let holders = f.graph.role_holders(SECURITY_ADMINISTRATOR);
    assert_eq!(holders.len(), 1, "{holders:?}");
    assert!(holders[0].0.starts_with("carol@"), "{holders:?}");
    let pim_end = holders[0].1.expect("a PIM assignment with an end");
    assert_eq!(pim_end.year(), 2027);
    // The ledger and `status` say which ends the tenant enforces: PIM roles, not plain
    // group memberships (this tenant has no PIM for Groups) nor Okta or GitHub access.
    let enforced = |ledger: &crate::support::Ledger| -> BTreeSet<(String, String, String)> {
        ledger
            .grants
            .iter()
            .filter(|g| g.tenant_enforces_expiry)
            .map(|g| (g.tenant.clone(), g.identity.clone(), g.entitlement.clone()))
            .collect()
    };
    let ledger = f.env.ledger();
    let before_rebuild = enforced(&ledger);
    assert!(
        before_rebuild.contains(&(
            "entra".into(),
            "carol".into(),
            "role:Security Administrator".into()
        )),
        "{before_rebuild:?}"
    );
    assert!(
        before_rebuild
            .iter()
            .all(|(tenant, _, entitlement)| tenant == "entra" && entitlement.starts_with("role:")),
        "{before_rebuild:?}"
    );
    let output = f
        .onboard_at(NOW, &["status", "acme", "--identity", "carol"])
        .output()
        .unwrap();
    let status = String::from_utf8_lossy(&output.stdout);
    let line = status
        .lines()
        .find(|l| l.contains("role:Security Administrator"))
        .unwrap_or_else(|| panic!("{status}"));
    assert!(line.contains("(enforced by the tenant)"), "{status}");
    assert!(
        status
            .lines()
            .filter(|l| l.contains("group:"))
            .all(|l| !l.contains("enforced by the tenant")),
        "{status}"
    );
    // The audit log is evidence of it: the ledger rebuilt from the log alone agrees.
    let output = f.onboard_at(NOW, &["state", "rebuild"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&f.env, &output));
    assert_eq!(enforced(&f.env.ledger()), before_rebuild);

    // Converged: the plan is empty and a second apply sends nothing; the invitations
    // are shown as pending.
    let again = f.plan(NOW);
    assert!(again.changes.is_empty(), "{:?}", again.changes);
    assert!(again.configuration.is_empty(), "{:?}", again.configuration);
    assert!(
        again
            .warnings
            .iter()
            .any(|w| w.contains(&format!("`{invitee}`")) && w.contains("invitation pending")),
        "{:?}",
        again.warnings
    );
    let before = f.writes();
    let output = f
        .onboard_at(NOW, &["apply", "acme", "--yes"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&f.env, &output));
    assert_eq!(f.writes(), before, "the second apply sent a change");

    // A leaver: alice's access goes from all three tenants, nobody else's.
    let output = f
        .onboard_at(NOW, &["revoke", "--identity", "alice", "--yes"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&f.env, &output));
    for group in ENTRA_GROUPS {
        assert!(
            !f.graph
                .members(group)
                .iter()
                .any(|m| m.starts_with("alice@")),
            "{group}"
        );
    }
    for group in OKTA_GROUPS {
        assert!(
            !f.okta
                .members(group)
                .iter()
                .any(|m| m.starts_with("alice@")),
            "{group}"
        );
    }
    for team in TEAMS {
        assert!(
            !f.github
                .team(team)
                .iter()
                .any(|m| m.starts_with("alice-northwind ")),
            "{team}"
        );
    }
    assert!(
        !f.github
            .memberships()
            .iter()
            .any(|m| m.starts_with("alice-northwind "))
    );
    assert!(
        f.graph
            .members("MSP-Backup")
            .iter()
            .any(|m| m.starts_with("b.okafor@"))
    );

    // PIM ends the exception's role by itself; `onboard expire` then only records it.
    let after_end = "2027-04-02T00:00:00Z";
    f.graph.set_now(after_end);
    assert!(f.graph.role_holders(SECURITY_ADMINISTRATOR).is_empty());
    let expiring = f.plan(after_end);
    let expire: Vec<_> = expiring
        .changes
        .iter()
        .filter(|c| c.kind == "expire")
        .collect();
    assert_eq!(expire.len(), 1, "{:?}", expiring.changes);
    assert_eq!(
        expire[0].entitlement.as_deref(),
        Some("role:Security Administrator")
    );
    assert!(expire[0].reason.contains("already gone"), "{:?}", expire[0]);
    let before = f.writes();
    let output = f.onboard_at(after_end, &["expire"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&f.env, &output));
    assert_eq!(
        f.writes(),
        before,
        "nothing is sent for a grant the tenant ended"
    );
    assert!(
        !f.env
            .ledger()
            .grants
            .iter()
            .any(|g| g.entitlement == "role:Security Administrator")
    );

    f.assert_conformant();
    // The planted secret never reaches the workspace's files.
    for dir in ["state", "audit"] {
        let dir = f.env.ws.join(dir);
        assert_secret_absent(&dir, GRAPH_SECRET, "Graph client secret");
        assert_secret_absent(&dir, &f.okta_token, "Okta token");
    }
}

/// Requests made and their lower bound, as `--verbose` states them for one kind.
fn made_and_bound(line: &str) -> (u64, u64) {
    let number = |after: &str| -> u64 {
        let rest = &line[line.find(after).unwrap_or_else(|| panic!("{line}")) + after.len()..];
        rest.split(|c: char| !c.is_ascii_digit())
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{line}"))
    };
    (number("tenants: "), number("lower bound "))
}

/// Plans and applies the example's `acme` (several identities, groups, roles, teams)
/// on fixture `n` with `--verbose`, and checks that the line for tenants of `kind`
/// states a lower bound and that each run made at most `above` requests more than it:
/// a plan of empty tenants, the apply of every grant (its plan's reads, the accounts
/// resolved many per request, the changes), and a converged plan.
fn requests_stay_at_the_lower_bound(n: u32, kind: &str, above: u64) {
    let Some(f) = fixture(n) else { return };
    // Pages as large as each vendor documents (the fakes page small by default, to
    // test paging).
    f.graph.with(|t| t.page_size = 999);
    f.okta.with(|o| o.page_size = 1000);
    f.github.with(|o| o.page_size = 100);
    f.create_accounts();
    let runs: [(&str, &[&str]); 3] = [
        ("plan", &["plan", "acme", "--verbose"]),
        ("apply", &["apply", "acme", "--yes", "--verbose"]),
        ("converged plan", &["plan", "acme", "--verbose"]),
    ];
    for (what, args) in runs {
        let line = requests_line(f.onboard_at(NOW, args), &f.env, kind, 0);
        let (made, bound) = made_and_bound(&line);
        assert!(bound > 0, "{what}: {line}");
        assert!(made >= bound && made <= bound + above, "{what}: {line}");
    }
}

#[test]
fn graph_plan_and_apply_make_the_lower_bound_of_requests() {
    requests_stay_at_the_lower_bound(0xb01, "graph", 0);
}

#[test]
fn okta_plan_and_apply_make_the_lower_bound_of_requests() {
    requests_stay_at_the_lower_bound(0xb02, "okta", 0);
}

#[test]
fn github_plan_and_apply_make_the_lower_bound_of_requests() {
    requests_stay_at_the_lower_bound(0xb03, "github", 0);
}
