//! The Microsoft Graph adapter against the fake Graph, behind Prism validating every
//! request and answer against Microsoft's own description (`graph.prism.yaml`).

use std::sync::Arc;

use onboard::adapters::{self, Adapter, FailureKind, Outcome, Principal};
use onboard::model::{Entitlement, client_from_yaml};
use tempfile::TempDir;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::fake::{assert_checked, raw_request};
use crate::fake_graph::{self, Handle};
use crate::support::holder_accounts;

const SECRET: &str = "graph-client-secret-planted-3141";
const SECURITY_ADMINISTRATOR: &str = "194ae4cb-b126-40b2-bd5b-6091b380977d";
const GLOBAL_READER: &str = "f2ef992c-3afb-46b9-b7cf-a126ee74c451";

/// Returns a fresh tenant id for one test.
pub fn tenant_id(n: u32) -> String {
    format!("{n:08x}-1111-4111-8111-{:012x}", std::process::id())
}

/// An adapter opened on a client file, with its credential in a 0600 file.
pub struct Opened {
    _dir: TempDir,
    pub adapter: Box<dyn Adapter>,
}

/// Opens the adapter of a client file's first tenant, its credential being `secret`.
pub fn open(client_yaml: &str, secret: &str) -> Opened {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("secret");
    std::fs::write(&path, secret).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let client = client_from_yaml(&Arc::from("clients/test.yaml"), client_yaml)
        .unwrap_or_else(|e| panic!("{e:?}"));
    let adapter = adapters::open(
        &client,
        &client.tenants[0],
        dir.path(),
        &adapters::Options::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    Opened { _dir: dir, adapter }
}

fn client_yaml(tid: &str, pim: bool, groups: &[(&str, &str)]) -> Option<String> {
    let vendor = fake_graph::vendor()?;
    let mut text = format!(
        "id: acme\ntier: premium\ntenants:\n  - name: entra\n    system: entra\n    adapter: graph\n    endpoint: {}\n    auth_endpoint: {}\n    tenant_id: {tid}\n    client_id: 5b1f0c2a-0000-4000-8000-000000000001\n    credential: file:secret\n    pim: {pim}\n",
        vendor.url(),
        vendor.url()
    );
    if !groups.is_empty() {
        text.push_str("    groups:\n");
        for (name, id) in groups {
            text.push_str(&format!("      {name}: {id}\n"));
        }
    }
    Some(text)
}

fn entitlement(text: &str) -> Entitlement {
    text.parse().unwrap()
}

fn principal(adapter: &mut dyn Adapter, upn: &str) -> Principal {
    adapter.resolve(upn).unwrap().unwrap()
}

#[test]
fn graph_groups_page_and_change_idempotently_through_prism() {
    let tid = tenant_id(1);
    let tenant = Handle::create(&tid, SECRET);
    let Some(_) = fake_graph::vendor() else {
        return;
    };
    for user in ["alice", "bob", "carol", "dave", "erik", "frank"] {
        tenant.add_user(&format!("{user}@acme.example"));
    }
    let helpdesk = tenant.add_group(
        "MSP-Helpdesk",
        &[
            "alice@acme.example",
            "bob@acme.example",
            "carol@acme.example",
            "dave@acme.example",
            "erik@acme.example",
        ],
    );
    tenant.add_group("MSP-Backup", &[]);
    let yaml = client_yaml(&tid, false, &[("MSP-Helpdesk", &helpdesk)]).unwrap();
    let mut opened = open(&yaml, SECRET);
    let adapter = opened.adapter.as_mut();
    adapter.verify_tenant().unwrap();
    assert!(!adapter.enforces_expiry(&entitlement("role:Global Reader")));
    assert!(!adapter.enforces_expiry(&entitlement("group:MSP-Helpdesk")));

    // Five members at two per page: three pages, followed whole.
    let helpdesk_e = entitlement("group:MSP-Helpdesk");
    let listed = adapter.list(&helpdesk_e).unwrap();
    assert_eq!(
        holder_accounts(&listed),
        ["alice", "bob", "carol", "dave", "erik"].map(|u| format!("{u}@acme.example"))
    );
    assert!(adapter.resolve("nobody@acme.example").unwrap().is_none());

    let frank = principal(adapter, "frank@acme.example");
    assert_eq!(
        adapter.grant(&frank, &helpdesk_e, None).unwrap(),
        Outcome::Changed
    );
    // The repeat answers 400 "already exist": no change.
    assert_eq!(
        adapter.grant(&frank, &helpdesk_e, None).unwrap(),
        Outcome::NoChange
    );
    let bob = principal(adapter, "bob@acme.example");
    assert_eq!(adapter.revoke(&bob, &helpdesk_e).unwrap(), Outcome::Changed);
    // The repeat answers 404; the group exists, so: already gone.
    assert_eq!(
        adapter.revoke(&bob, &helpdesk_e).unwrap(),
        Outcome::NoChange
    );
    assert_eq!(
        tenant.members("MSP-Helpdesk"),
        ["alice", "carol", "dave", "erik", "frank"].map(|u| format!("{u}@acme.example"))
    );

    // A group found by display name (`GET /groups?$filter=displayName eq …`).
    let backup = entitlement("group:MSP-Backup");
    assert_eq!(
        adapter.grant(&bob, &backup, None).unwrap(),
        Outcome::Changed
    );
    assert_eq!(
        holder_accounts(&adapter.list(&backup).unwrap()),
        ["bob@acme.example"]
    );
    // A group that does not exist: no holders, nothing to revoke, a grant fails.
    let missing = entitlement("group:MSP-Nothing");
    assert!(adapter.list(&missing).unwrap().is_empty());
    assert_eq!(adapter.revoke(&bob, &missing).unwrap(), Outcome::NoChange);
    let error = adapter.grant(&bob, &missing, None).unwrap_err();
    assert_eq!(error.kind, FailureKind::NotFound, "{error}");

    let seen = fake_graph::vendor()
        .unwrap()
        .assert_conformant(&fake_graph::token(&tenant.tid, SECRET));
    assert_checked(&seen, "GET", "/groups?", "graph.prism.yaml");
    // Never the DELETE without `$ref`, which deletes the user.
    assert!(
        seen.iter()
            .filter(|s| s.method == "DELETE")
            .all(|s| s.target.ends_with("/$ref")),
        "{seen:?}"
    );
}

#[test]
fn graph_directory_roles_without_pim() {
    let tid = tenant_id(2);
    let tenant = Handle::create(&tid, SECRET);
    let Some(_) = fake_graph::vendor() else {
        return;
    };
    tenant.add_user("alice@acme.example");
    tenant.add_user("bob@acme.example");
    let mut opened = open(&client_yaml(&tid, false, &[]).unwrap(), SECRET);
    let adapter = opened.adapter.as_mut();
    let reader = entitlement("role:Global Reader");
    let alice = principal(adapter, "alice@acme.example");
    assert!(adapter.list(&reader).unwrap().is_empty());
    assert_eq!(
        adapter.grant(&alice, &reader, None).unwrap(),
        Outcome::Changed
    );
    assert_eq!(
        adapter.grant(&alice, &reader, None).unwrap(),
        Outcome::NoChange
    );
    assert_eq!(
        holder_accounts(&adapter.list(&reader).unwrap()),
        ["alice@acme.example"]
    );
    assert_eq!(adapter.revoke(&alice, &reader).unwrap(), Outcome::Changed);
    assert_eq!(adapter.revoke(&alice, &reader).unwrap(), Outcome::NoChange);
    assert!(tenant.role_holders(GLOBAL_READER).is_empty());
    let error = adapter
        .grant(&alice, &entitlement("role:Chief Wizard"), None)
        .unwrap_err();
    assert_eq!(error.kind, FailureKind::Unsupported);
    assert!(error.hint.unwrap().contains("role:GUID"));
    fake_graph::vendor()
        .unwrap()
        .assert_conformant(&fake_graph::token(&tenant.tid, SECRET));
}

fn at(text: &str) -> OffsetDateTime {
    OffsetDateTime::parse(text, &Rfc3339).unwrap()
}

#[test]
fn graph_pim_roles_expire_natively_and_renew() {
    let tid = tenant_id(3);
    let tenant = Handle::create(&tid, SECRET);
    let Some(_) = fake_graph::vendor() else {
        return;
    };
    tenant.add_user("carol@acme.example");
    let mut opened = open(&client_yaml(&tid, true, &[]).unwrap(), SECRET);
    let adapter = opened.adapter.as_mut();
    let admin = entitlement("role:Security Administrator");
    assert!(adapter.enforces_expiry(&admin));
    assert!(!adapter.enforces_expiry(&entitlement("group:MSP-Helpdesk")));
    let carol = principal(adapter, "carol@acme.example");
    let end = at("2026-11-21T20:00:00Z");
    assert_eq!(
        adapter.grant(&carol, &admin, Some(end)).unwrap(),
        Outcome::Changed
    );
    assert_eq!(
        tenant.role_holders(SECURITY_ADMINISTRATOR),
        [("carol@acme.example".to_string(), Some(end))]
    );
    // Held until then already: nothing to send.
    assert_eq!(
        adapter.grant(&carol, &admin, Some(end)).unwrap(),
        Outcome::NoChange
    );
    let listed = adapter.list(&admin).unwrap();
    assert_eq!(listed[0].expires_at, Some(end));
    // Renewal: a later end extends the assignment.
    let later = at("2026-11-22T04:00:00Z");
    assert_eq!(
        adapter.grant(&carol, &admin, Some(later)).unwrap(),
        Outcome::Changed
    );
    assert_eq!(
        tenant.role_holders(SECURITY_ADMINISTRATOR),
        [("carol@acme.example".to_string(), Some(later))]
    );
    // The tenant ends it by itself.
    tenant.set_now("2026-11-22T04:00:01Z");
    assert!(adapter.list(&admin).unwrap().is_empty());
    assert_eq!(adapter.revoke(&carol, &admin).unwrap(), Outcome::NoChange);
    // A new assignment, then an early removal.
    let end = at("2026-11-22T12:00:00Z");
    assert_eq!(
        adapter.grant(&carol, &admin, Some(end)).unwrap(),
        Outcome::Changed
    );
    assert_eq!(adapter.revoke(&carol, &admin).unwrap(), Outcome::Changed);
    assert!(tenant.role_holders(SECURITY_ADMINISTRATOR).is_empty());
    fake_graph::vendor()
        .unwrap()
        .assert_conformant(&fake_graph::token(&tenant.tid, SECRET));
}

#[test]
fn graph_refuses_a_token_for_another_tenant_and_a_bad_secret() {
    let tid = tenant_id(4);
    let tenant = Handle::create(&tid, SECRET);
    let Some(_) = fake_graph::vendor() else {
        return;
    };
    tenant.with(|t| t.issues_tid = Some(tenant_id(99)));
    let mut opened = open(&client_yaml(&tid, false, &[]).unwrap(), SECRET);
    let error = opened.adapter.verify_tenant().unwrap_err();
    assert_eq!(error.kind, FailureKind::WrongTenant, "{error}");
    assert!(error.detail.contains(&tenant_id(99)), "{error}");

    let tid = tenant_id(5);
    Handle::create(&tid, SECRET);
    let mut opened = open(&client_yaml(&tid, false, &[]).unwrap(), "a-wrong-secret");
    let error = opened.adapter.verify_tenant().unwrap_err();
    assert_eq!(error.kind, FailureKind::Denied, "{error}");
    assert!(error.detail.contains("AADSTS7000215"), "{error}");
    assert!(!format!("{error:?}").contains("a-wrong-secret"));
}

#[test]
fn prism_fails_a_request_that_does_not_conform_to_the_graph_description() {
    let Some(vendor) = fake_graph::vendor() else {
        return;
    };
    let auth = ("Authorization", "Bearer x.eyJ0ZW5hbnQiOiJub25lIn0.y");
    // A member reference whose body is not the description's.
    let (status, _, body) = raw_request(
        vendor.front.port,
        "POST",
        "/groups/g1/members/$ref",
        &[auth, ("Content-Type", "application/json")],
        r#"{"@odata.id": 42}"#,
    );
    assert_eq!(status, 422, "{body}");
    // The form without `$ref`, which would delete the user, is no route of the API.
    let (status, _, body) = raw_request(
        vendor.front.port,
        "DELETE",
        "/groups/g1/members/u1",
        &[auth],
        "",
    );
    assert_eq!(status, 404, "{body}");
    assert!(body.contains("NO_PATH_MATCHED_ERROR"), "{body}");
    // A PIM request with an action the description does not know.
    let (status, _, body) = raw_request(
        vendor.front.port,
        "POST",
        "/roleManagement/directory/roleAssignmentScheduleRequests",
        &[auth, ("Content-Type", "application/json")],
        r#"{"action":"makeMeAdmin","principalId":"p","roleDefinitionId":"r","directoryScopeId":"/"}"#,
    );
    assert_eq!(status, 422, "{body}");
}

#[test]
fn prism_fails_an_answer_that_does_not_conform_to_the_graph_description() {
    let tid = tenant_id(6);
    let tenant = Handle::create(&tid, SECRET);
    let Some(_) = fake_graph::vendor() else {
        return;
    };
    tenant.add_user("alice@acme.example");
    let group = tenant.add_group("MSP-Helpdesk", &["alice@acme.example"]);
    tenant.with(|t| t.nonconforming = true);
    let yaml = client_yaml(&tid, false, &[("MSP-Helpdesk", &group)]).unwrap();
    let mut opened = open(&yaml, SECRET);
    // The description declares no `userPrincipalName` on a directoryObject (and says
    // undeclared properties are objects): Prism turns the answer into a 500.
    let error = opened
        .adapter
        .list(&entitlement("group:MSP-Helpdesk"))
        .unwrap_err();
    assert!(error.detail.contains("HTTP 500"), "{error}");
    let seen = fake_graph::vendor()
        .unwrap()
        .front
        .seen(&fake_graph::token(&tenant.tid, SECRET));
    assert!(
        seen.iter().any(|s| s
            .violations
            .as_deref()
            .is_some_and(|v| v.contains("response"))),
        "{seen:?}"
    );
}

#[test]
fn graph_resolves_many_accounts_in_batches_not_one_request_each() {
    let tid = tenant_id(12);
    let tenant = Handle::create(&tid, SECRET);
    let Some(_vendor) = fake_graph::vendor() else {
        return;
    };
    let users: Vec<String> = (0..25).map(|i| format!("res{i:02}@acme.example")).collect();
    for user in &users {
        tenant.add_user(user);
    }
    let mut opened = open(&client_yaml(&tid, false, &[]).unwrap(), SECRET);
    let mut accounts: Vec<&str> = users.iter().map(String::as_str).collect();
    accounts.push("ghost@acme.example");
    let results = opened.adapter.resolve_many(&accounts);
    assert_eq!(results.len(), accounts.len());
    for (account, result) in accounts.iter().zip(&results).take(users.len()) {
        let principal = result.as_ref().unwrap().as_ref().unwrap();
        assert_eq!(&principal.account, account);
    }
    assert_eq!(results.last().unwrap().as_ref().unwrap(), &None);
    // Two `$batch`es of GETs (20 + 6), not 26 requests.
    let token = fake_graph::token(&tenant.tid, SECRET);
    let batches = fake_graph::batches(&token);
    assert_eq!(
        batches.iter().map(|b| b.items.len()).collect::<Vec<_>>(),
        [20, 6],
        "{batches:?}"
    );
    assert!(
        batches
            .iter()
            .flat_map(|b| &b.items)
            .all(|i| i.method == "GET"),
        "{batches:?}"
    );
}

#[test]
fn graph_bulk_membership_changes_go_through_batch_with_per_item_results() {
    let tid = tenant_id(7);
    let tenant = Handle::create(&tid, SECRET);
    let Some(vendor) = fake_graph::vendor() else {
        return;
    };
    let users: Vec<String> = (0..45)
        .map(|i| format!("tech{i:02}@acme.example"))
        .collect();
    for user in &users {
        tenant.add_user(user);
    }
    // tech01 is in MSP-Helpdesk already: its add answers 400 "already exist".
    let helpdesk = tenant.add_group("MSP-Helpdesk", &["tech01@acme.example"]);
    let backup = tenant.add_group("MSP-Backup", &[]);
    let yaml = client_yaml(
        &tid,
        false,
        &[("MSP-Helpdesk", &helpdesk), ("MSP-Backup", &backup)],
    )
    .unwrap();
    let mut opened = open(&yaml, SECRET);
    let adapter = opened.adapter.as_mut();
    // Every 7th request the tenant sees (the batch items included) answers 429 with
    // `Retry-After: 1`: items are throttled one by one, inside a batch answered 200.
    tenant.with(|t| t.throttle_every = Some(7));
    let mut items = Vec::new();
    for (i, user) in users.iter().enumerate() {
        let principal = principal(adapter, user);
        let group = if i % 3 == 0 {
            "group:MSP-Backup"
        } else {
            "group:MSP-Helpdesk"
        };
        items.push(adapters::BatchItem {
            principal,
            entitlement: entitlement(group),
            expires_at: None,
        });
    }
    // A principal the tenant does not have: its item answers 404 inside the batch.
    items.push(adapters::BatchItem {
        principal: Principal {
            id: "aaaaaaaa-0000-4000-8000-00000000dead".into(),
            account: "ghost@acme.example".into(),
        },
        entitlement: entitlement("group:MSP-Helpdesk"),
        expires_at: None,
    });
    let results = adapter.grant_many(&items);
    assert_eq!(results.len(), items.len());
    let ghost = results.last().unwrap().as_ref().unwrap_err();
    assert_eq!(ghost.kind, FailureKind::NotFound, "{ghost}");
    assert!(ghost.operation.contains("ghost@acme.example"), "{ghost}");
    for (item, result) in items.iter().zip(&results).take(users.len()) {
        let expected = if item.principal.account == "tech01@acme.example" {
            Outcome::NoChange
        } else {
            Outcome::Changed
        };
        assert_eq!(
            result.as_ref().unwrap(),
            &expected,
            "{}",
            item.principal.account
        );
    }
    let in_backup: Vec<String> = users.iter().step_by(3).cloned().collect();
    assert_eq!(tenant.members("MSP-Backup"), in_backup);
    assert_eq!(
        tenant.members("MSP-Helpdesk").len(),
        users.len() - in_backup.len()
    );

    // Removes, in bulk too: a non-member's remove answers 404 and, the group existing,
    // is "already gone".
    tenant.with(|t| t.throttle_every = None);
    let mut removes: Vec<adapters::BatchItem> = items[..30].to_vec();
    removes.push(adapters::BatchItem {
        entitlement: entitlement("group:MSP-Backup"),
        ..items[1].clone()
    });
    let results = adapter.revoke_many(&removes);
    assert_eq!(results.len(), removes.len());
    assert!(
        results[..30]
            .iter()
            .all(|r| matches!(r, Ok(Outcome::Changed))),
        "{results:?}"
    );
    assert!(matches!(results[30], Ok(Outcome::NoChange)), "{results:?}");
    assert_eq!(tenant.members("MSP-Backup"), in_backup[10..].to_vec());

    // What went over the wire: `$batch` requests of at most 20 items, throttled items
    // sent again, and every item one Prism accepts (each was replayed through it).
    let token = fake_graph::token(&tenant.tid, SECRET);
    let batches = fake_graph::batches(&token);
    assert!(batches.len() >= 5, "{batches:?}");
    assert!(batches.iter().all(|b| b.items.len() <= 20), "{batches:?}");
    let items_seen: Vec<_> = batches.iter().flat_map(|b| b.items.clone()).collect();
    assert!(
        items_seen.iter().any(|i| i.status == 429),
        "nothing was throttled"
    );
    for item in &items_seen {
        assert!(
            item.status != 422,
            "Prism refused {} {}",
            item.method,
            item.url
        );
        assert!(
            !item
                .violations
                .as_deref()
                .is_some_and(|v| v.contains("\"request\"")),
            "{} {}: {:?}",
            item.method,
            item.url,
            item.violations
        );
        assert!(
            item.method == "POST" || item.url.ends_with("/$ref"),
            "{item:?}"
        );
    }
    let seen = vendor.assert_conformant(&token);
    assert_checked(&seen, "POST", "/$batch", "graph-batch.yaml");
    // Memberships went only through `$batch`: no single add or remove was sent.
    assert!(
        !seen
            .iter()
            .any(|s| s.target.contains("/members/") && s.method != "GET"),
        "{seen:?}"
    );
}

const HELPDESK_ADMINISTRATOR: &str = "729827e3-9c14-49f7-bb1b-9608f156bbb8";
const USER_ADMINISTRATOR: &str = "fe930be7-5e62-47db-91af-98c3a49a38b1";
const SECURITY_READER: &str = "5d6b6bb7-de71-4623-b4af-96380a352509";
const GLOBAL_ADMINISTRATOR: &str = "62e90394-69f5-4237-9190-012177145e10";

/// A `gdap` partner tenant's client file: the partner tenant's own id and app, its
/// partner groups mapped, the relationship with the customer and its access.
fn gdap_yaml(partner: &str, customer: &str, groups: &[(&str, &str)], gdap: &str) -> String {
    let vendor = fake_graph::vendor().unwrap();
    let mut text = format!(
        "id: acme\ntier: premium\ntenants:\n  - name: partner\n    system: gdap\n    adapter: graph\n    endpoint: {}\n    auth_endpoint: {}\n    tenant_id: {partner}\n    client_id: 5b1f0c2a-0000-4000-8000-000000000001\n    credential: file:secret\n    groups:\n",
        vendor.url(),
        vendor.url()
    );
    for (name, id) in groups {
        text.push_str(&format!("      {name}: {id}\n"));
    }
    text.push_str(&format!(
        "    gdap:\n      relationship: rel-acme\n      customer_tenant_id: {customer}\n{gdap}"
    ));
    text
}

#[test]
fn graph_gdap_partner_side_manages_access_assignments_and_technicians() {
    let partner = tenant_id(8);
    let customer = tenant_id(9);
    let tenant = Handle::create(&partner, SECRET);
    let Some(vendor) = fake_graph::vendor() else {
        return;
    };
    tenant.add_user("tech1@msp.example");
    let helpdesk = tenant.add_group("GDAP-Acme-Helpdesk", &[]);
    let security = tenant.add_group("GDAP-Acme-Security", &[]);
    let now = at(crate::support::NOW);
    tenant.with(|t| {
        let mut relationship = fake_graph::Relationship {
            customer: customer.clone(),
            status: "active".into(),
            end: Some(now + time::Duration::days(20)),
            auto_extend: "PT0S".into(),
            roles: [HELPDESK_ADMINISTRATOR, USER_ADMINISTRATOR, SECURITY_READER]
                .map(String::from)
                .to_vec(),
            ..Default::default()
        };
        // The security group's assignment gives more than the client file says.
        relationship.assignments.insert(
            "old-1".into(),
            (
                security.clone(),
                vec![SECURITY_READER.into(), USER_ADMINISTRATOR.into()],
                "active".into(),
                "W/\"etag-old\"".into(),
            ),
        );
        t.relationships.insert("rel-acme".into(), relationship);
    });
    let groups = [
        ("GDAP-Acme-Helpdesk", helpdesk.as_str()),
        ("GDAP-Acme-Security", security.as_str()),
    ];
    let access = "      access:\n        GDAP-Acme-Helpdesk: [Helpdesk Administrator, User Administrator]\n        GDAP-Acme-Security: [Security Reader]\n";
    let mut opened = open(&gdap_yaml(&partner, &customer, &groups, access), SECRET);
    let adapter = opened.adapter.as_mut();
    adapter.verify_tenant().unwrap();

    // The plan's notes: the end within 30 days, and what apply would change.
    let review = adapter.inspect(now).unwrap();
    let (notes, planned) = (&review.notes, &review.configuration);
    assert_eq!(notes.len(), 1, "{review:?}");
    assert!(
        notes[0].contains("ends on") && notes[0].contains("in 20 day(s)"),
        "{review:?}"
    );
    assert_eq!(planned.len(), 2, "{review:?}");
    let said: Vec<String> = planned.iter().map(ToString::to_string).collect();
    assert!(said[0].contains("creates") && said[0].contains("GDAP-Acme-Helpdesk"));
    assert!(said[1].contains("replaces") && said[1].contains("GDAP-Acme-Security"));
    // Apply: the missing assignment created, the other replaced (deleted with its etag).
    let done = crate::support::reconcile(adapter, now);
    assert_eq!(done.len(), 2, "{done:?}");
    let assignments = tenant.with(|t| t.relationships["rel-acme"].assignments.clone());
    let mut by_group: Vec<(String, Vec<String>)> = assignments
        .values()
        .map(|(g, roles, _, _)| (g.clone(), roles.clone()))
        .collect();
    by_group.sort();
    let mut expected = vec![
        (
            helpdesk.clone(),
            vec![
                HELPDESK_ADMINISTRATOR.to_string(),
                USER_ADMINISTRATOR.to_string(),
            ],
        ),
        (security.clone(), vec![SECURITY_READER.to_string()]),
    ];
    expected.sort();
    assert_eq!(by_group, expected);
    assert!(!assignments.contains_key("old-1"));
    // Converged: only the end is left to say.
    let review = adapter.inspect(now).unwrap();
    assert_eq!((review.notes.len(), review.configuration.len()), (1, 0));
    assert!(crate::support::reconcile(adapter, now).is_empty());
    // Outside the 30 days, nothing.
    assert_eq!(
        adapter.inspect(now - time::Duration::days(30)).unwrap(),
        onboard::adapters::Inspection::default()
    );

    // Technicians get the client's access by membership of the partner groups.
    let entitlement = entitlement("group:GDAP-Acme-Helpdesk");
    let tech = principal(adapter, "tech1@msp.example");
    assert_eq!(
        adapter.grant(&tech, &entitlement, None).unwrap(),
        Outcome::Changed
    );
    assert_eq!(
        holder_accounts(&adapter.list(&entitlement).unwrap()),
        ["tech1@msp.example"]
    );
    assert_eq!(tenant.members("GDAP-Acme-Helpdesk"), ["tech1@msp.example"]);

    // A role the customer did not approve in the relationship is refused.
    let access = "      access:\n        GDAP-Acme-Helpdesk: [Exchange Administrator]\n";
    let mut refused = open(&gdap_yaml(&partner, &customer, &groups, access), SECRET);
    let error = refused.adapter.inspect(now).unwrap_err();
    assert_eq!(error.kind, FailureKind::Rejected, "{error}");
    assert!(error.detail.contains("Exchange Administrator"), "{error}");
    // A relationship with Global Administrator cannot auto-extend.
    tenant.with(|t| {
        t.relationships
            .get_mut("rel-acme")
            .unwrap()
            .roles
            .push(GLOBAL_ADMINISTRATOR.into())
    });
    let access = "      auto_extend: true\n      access:\n        GDAP-Acme-Helpdesk: [Helpdesk Administrator]\n";
    let mut refused = open(&gdap_yaml(&partner, &customer, &groups, access), SECRET);
    let error = refused.adapter.inspect(now).unwrap_err();
    assert_eq!(error.kind, FailureKind::Rejected, "{error}");
    assert!(error.detail.contains("cannot auto-extend"), "{error}");
    // A relationship with another customer is refused as the wrong tenant.
    let mut wrong = open(
        &gdap_yaml(&partner, &tenant_id(10), &groups, "      access: {}\n"),
        SECRET,
    );
    let error = wrong.adapter.inspect(now).unwrap_err();
    assert_eq!(error.kind, FailureKind::WrongTenant, "{error}");

    // Every GDAP call is in the trimmed description and went through Prism.
    let seen = vendor.assert_conformant(&fake_graph::token(&tenant.tid, SECRET));
    assert!(
        seen.iter()
            .any(|s| s.method == "DELETE" && s.target.contains("/accessAssignments/old-1"))
    );
}

#[test]
fn graph_pim_for_groups_makes_ttl_memberships_expire_natively() {
    let tid = tenant_id(11);
    let tenant = Handle::create(&tid, SECRET);
    let Some(vendor) = fake_graph::vendor() else {
        return;
    };
    tenant.add_user("dave@acme.example");
    tenant.add_user("erik@acme.example");
    let group = tenant.add_group("MSP-SecOps", &[]);
    let yaml = client_yaml(&tid, false, &[("MSP-SecOps", &group)])
        .unwrap()
        .replace("    pim: false\n", "    pim: false\n    pim_groups: true\n");
    let mut opened = open(&yaml, SECRET);
    let adapter = opened.adapter.as_mut();
    let secops = entitlement("group:MSP-SecOps");
    assert!(adapter.enforces_expiry(&secops));
    let dave = principal(adapter, "dave@acme.example");
    let end = at("2026-11-21T20:00:00Z");
    assert_eq!(
        adapter.grant(&dave, &secops, Some(end)).unwrap(),
        Outcome::Changed
    );
    // A PIM for Groups assignment, not a plain membership.
    assert!(tenant.with(|t| t.groups[&group].1.is_empty()));
    let listed = adapter.list(&secops).unwrap();
    assert_eq!(holder_accounts(&listed), ["dave@acme.example"]);
    assert_eq!(listed[0].expires_at, Some(end));
    assert_eq!(
        adapter.grant(&dave, &secops, Some(end)).unwrap(),
        Outcome::NoChange
    );
    // Renewal extends it.
    let later = at("2026-11-22T04:00:00Z");
    assert_eq!(
        adapter.grant(&dave, &secops, Some(later)).unwrap(),
        Outcome::Changed
    );
    assert_eq!(adapter.list(&secops).unwrap()[0].expires_at, Some(later));
    // A standing grant stays a plain membership, through `$ref`.
    let erik = principal(adapter, "erik@acme.example");
    assert_eq!(
        adapter.grant(&erik, &secops, None).unwrap(),
        Outcome::Changed
    );
    assert_eq!(tenant.with(|t| t.groups[&group].1.len()), 1);
    // The tenant ends dave's membership by itself.
    tenant.set_now("2026-11-22T04:00:01Z");
    assert_eq!(
        holder_accounts(&adapter.list(&secops).unwrap()),
        ["erik@acme.example"]
    );
    assert_eq!(adapter.revoke(&dave, &secops).unwrap(), Outcome::NoChange);
    // An early end: `adminRemove`; erik's standing membership: `DELETE …/$ref`.
    let end = at("2026-11-22T12:00:00Z");
    assert_eq!(
        adapter.grant(&dave, &secops, Some(end)).unwrap(),
        Outcome::Changed
    );
    assert_eq!(adapter.revoke(&dave, &secops).unwrap(), Outcome::Changed);
    assert_eq!(adapter.revoke(&erik, &secops).unwrap(), Outcome::Changed);
    assert!(adapter.list(&secops).unwrap().is_empty());
    // PIM for Groups is checked against Graph's description like everything else.
    let seen = vendor.assert_conformant(&fake_graph::token(&tenant.tid, SECRET));
    for (method, path) in [
        ("POST", "/privilegedAccess/group/assignmentScheduleRequests"),
        ("GET", "/privilegedAccess/group/assignmentScheduleInstances"),
    ] {
        assert_checked(&seen, method, path, "graph.prism.yaml");
    }
    assert!(
        seen.iter()
            .filter(|s| s.target.contains("assignmentScheduleRequests"))
            .all(|s| s.status == 201),
        "{seen:?}"
    );
}

/// Every Graph operation the adapter calls, as the adapter calls it.
static PROBES: &[crate::fake::Probe] = &[
    "GET /groups?$filter=displayName%20eq%20%27x%27&$select=id,displayName 200",
    "GET /groups/g/members?$select=id&$top=100 200",
    "GET /users/u?$select=id,userPrincipalName 200",
    "GET /users?$filter=id%20in%20(%27a%27)&$select=id,userPrincipalName 200",
    "GET /roleManagement/directory/roleAssignments?$filter=x 200",
    r#"POST /roleManagement/directory/roleAssignments 201 {"principalId":"p","roleDefinitionId":"r","directoryScopeId":"/"}"#,
    "GET /roleManagement/directory/roleAssignmentScheduleInstances?$filter=x 200",
    r#"POST /roleManagement/directory/roleAssignmentScheduleRequests 201 {"action":"adminAssign","principalId":"p","roleDefinitionId":"r","directoryScopeId":"/"}"#,
    "GET /identityGovernance/privilegedAccess/group/assignmentScheduleInstances?$filter=x 200",
    r#"POST /identityGovernance/privilegedAccess/group/assignmentScheduleRequests 201 {"action":"adminAssign","principalId":"p","groupId":"g","accessId":"member"}"#,
    "GET /tenantRelationships/delegatedAdminRelationships?$filter=x 200",
    "GET /tenantRelationships/delegatedAdminRelationships/r/accessAssignments 200",
    r#"POST /tenantRelationships/delegatedAdminRelationships/r/accessAssignments 201 {"accessContainer":{"accessContainerId":"g","accessContainerType":"securityGroup"}}"#,
    "GET /tenantRelationships/delegatedAdminRelationships/r/accessAssignments/a 200",
];

static BATCH_PROBE: &[crate::fake::Probe] =
    &[r#"POST /$batch 200 {"requests":[{"id":"1","method":"GET","url":"/users/u"}]}"#];

#[test]
fn prism_checks_the_answers_of_every_graph_call() {
    let auth = "Bearer probe";
    let Some(unchecked) = crate::fake::unchecked_answers("graph.prism.yaml", auth, PROBES) else {
        return;
    };
    assert!(unchecked.is_empty(), "{unchecked:?}");
    let unchecked = crate::fake::unchecked_answers("graph-batch.yaml", auth, BATCH_PROBE).unwrap();
    assert!(unchecked.is_empty(), "{unchecked:?}");
}

/// The appId of the app registration whose secrets the credential tests rotate.
const BACKUP_APP: &str = "3f1c0a2b-0000-4000-8000-00000000b4c0";

fn secret_request<'a>(
    application: &'a str,
    expires_at: Option<OffsetDateTime>,
) -> adapters::CredentialRequest<'a> {
    adapters::CredentialRequest {
        kind: adapters::CredentialKind::ClientSecret,
        account: "backup-svc",
        application: Some(application),
        label: "onboard acme/backup-svc",
        expires_at,
    }
}

#[test]
fn client_secrets_are_added_listed_and_removed_through_prism() {
    let tid = tenant_id(20);
    let tenant = Handle::create(&tid, SECRET);
    let Some(_) = fake_graph::vendor() else {
        return;
    };
    let object_id = tenant.add_application(BACKUP_APP);
    let yaml = client_yaml(&tid, false, &[]).unwrap();
    let mut opened = open(&yaml, SECRET);
    let adapter = opened.adapter.as_mut();
    let end = OffsetDateTime::parse("2027-01-20T12:00:00Z", &Rfc3339).unwrap();

    // By appId: the tenant makes the secret; its key id and end come back.
    let request = secret_request(BACKUP_APP, Some(end));
    assert_eq!(adapter.list_credentials(&request).unwrap(), Some(vec![]));
    let first = adapter.issue_credential(&request, None).unwrap();
    let held = tenant.secrets(BACKUP_APP);
    assert_eq!(held.len(), 1);
    assert_eq!(first.key_id, held[0].key_id);
    assert_eq!(first.secret.expose(), held[0].value);
    assert_eq!(first.expires_at, Some(end));
    assert_eq!(held[0].end, end);
    assert_eq!(
        held[0].display_name.as_deref(),
        Some("onboard acme/backup-svc")
    );
    assert_eq!(format!("{first:?}").matches(&held[0].value).count(), 0);

    // By object id too; a second secret lives beside the first (the overlap).
    let by_object = secret_request(&object_id, None);
    let second = adapter.issue_credential(&by_object, None).unwrap();
    assert_ne!(first.key_id, second.key_id);
    assert_eq!(
        adapter.list_credentials(&request).unwrap(),
        Some(vec![first.key_id.clone(), second.key_id.clone()])
    );

    // Retiring the first: removed once, then already gone.
    assert_eq!(
        adapter.remove_credential(&request, &first.key_id).unwrap(),
        Outcome::Changed
    );
    assert_eq!(
        adapter.remove_credential(&request, &first.key_id).unwrap(),
        Outcome::NoChange
    );
    let held = tenant.secrets(BACKUP_APP);
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].key_id, second.key_id);
    let seen = fake_graph::vendor()
        .unwrap()
        .assert_conformant(&fake_graph::token(&tid, SECRET));
    for action in ["addPassword", "removePassword"] {
        assert_checked(
            &seen,
            "POST",
            &format!("/microsoft.graph.{action}"),
            "graph.prism.yaml",
        );
    }
    assert_checked(&seen, "GET", "/applications?", "graph.prism.yaml");
}

#[test]
fn a_client_secret_refused_or_of_an_unknown_app_names_tenant_app_and_permission() {
    let tid = tenant_id(21);
    let tenant = Handle::create(&tid, SECRET);
    let Some(_) = fake_graph::vendor() else {
        return;
    };
    tenant.add_application(BACKUP_APP);
    let yaml = client_yaml(&tid, false, &[]).unwrap();
    let mut opened = open(&yaml, SECRET);
    let adapter = opened.adapter.as_mut();

    let unknown = "9e9e9e9e-0000-4000-8000-000000000000";
    let error = adapter
        .issue_credential(&secret_request(unknown, None), None)
        .unwrap_err();
    assert_eq!(error.kind, FailureKind::NotFound);
    assert_eq!(
        error.to_string(),
        format!(
            "tenant `acme/entra`: issue `client_secret` of `{unknown}` for `backup-svc` failed: no app registration with the appId or object id `{unknown}` is visible to onboard in the tenant"
        )
    );
    assert!(
        error
            .hint
            .as_deref()
            .unwrap()
            .contains("Application.ReadWrite.OwnedBy")
    );

    tenant.with(|t| t.deny_application_writes = true);
    let error = adapter
        .issue_credential(&secret_request(BACKUP_APP, None), None)
        .unwrap_err();
    assert_eq!(error.kind, FailureKind::Denied);
    let text = error.to_string();
    assert!(
        text.starts_with(&format!("tenant `acme/entra`: issue `client_secret` of `{BACKUP_APP}` for `backup-svc` failed: HTTP 403")),
        "{text}"
    );
    assert!(text.contains("Insufficient privileges"), "{text}");
    assert!(tenant.secrets(BACKUP_APP).is_empty());

    // A tenant that quotes a secret back in its refusal: the error never carries it.
    tenant.with(|t| t.deny_application_writes = false);
    let issued = adapter
        .issue_credential(&secret_request(BACKUP_APP, None), None)
        .unwrap();
    tenant.with(|t| {
        t.deny_application_writes = true;
        t.echo_secrets = true;
    });
    let error = adapter
        .remove_credential(&secret_request(BACKUP_APP, None), &issued.key_id)
        .unwrap_err();
    let text = format!("{error} {:?}", error.hint);
    assert!(text.contains("Secret: [redacted]"), "{text}");
    assert!(!text.contains(issued.secret.expose()), "{text}");
    assert_eq!(tenant.secrets(BACKUP_APP).len(), 1, "nothing removed");

    // A password asked of an Entra tenant: refused, naming the kinds it holds.
    let password = adapters::CredentialRequest {
        kind: adapters::CredentialKind::Password,
        application: None,
        ..secret_request(BACKUP_APP, None)
    };
    let error = adapter.list_credentials(&password).unwrap_err();
    assert_eq!(error.kind, FailureKind::Unsupported);
    assert!(error.detail.contains("only `client_secret`"), "{error}");
    fake_graph::vendor()
        .unwrap()
        .assert_conformant(&fake_graph::token(&tid, SECRET));
}

/// A workspace whose client `acme` has one `graph` tenant on the fake (tenant `tid`), a
/// person `alice` and her service account `backup-svc`, who holds `group:MSP-Backup` and
/// a client secret of [`BACKUP_APP`] (30 days, 2 days' overlap) delivered to the vault at
/// `vault`.
fn secret_workspace(tid: &str, vault: &str, group: &str) -> Option<crate::support::Env> {
    use std::os::unix::fs::PermissionsExt;
    let vendor = fake_graph::vendor()?;
    let bundle = "id: standard-backup\ntier: standard\nfunction: backup-administration\ngrants:\n  - system: entra\n    entitlement: \"group:MSP-Backup\"\n";
    let client = format!(
        "id: acme\ntier: standard\ncontract:\n  start: 2025-01-01\n  end: 2028-12-31\ntenants:\n  - name: entra\n    system: entra\n    adapter: graph\n    endpoint: {}\n    auth_endpoint: {}\n    tenant_id: {tid}\n    client_id: 5b1f0c2a-0000-4000-8000-000000000001\n    credential: file:graph.secret\n    domain: acme.example\n    groups:\n      MSP-Backup: {group}\n",
        vendor.url(),
        vendor.url()
    );
    let svc = format!(
        "id: backup-svc\nkind: service-account\nowner: alice\npurpose: Nightly restore tests\nclient: acme\nfunctions: [backup-administration]\naccounts:\n  default: \"svc-backup@{{domain}}\"\ncredentials:\n  - system: entra\n    kind: client_secret\n    application: {BACKUP_APP}\n    max_age: 30d\n    overlap: 2d\n    deliver: \"vault:secret/data/creds-graph/{{client}}/{{id}}#client_secret\"\n"
    );
    let env = crate::support::Env::with_files(&[
        (
            "onboard.toml",
            &format!(
                "[paths]\nbundles = [\"bundles\"]\n\n[vault]\naddress = \"{vault}\"\ntoken = \"env:ONBOARD_TEST_VAULT_TOKEN\"\n"
            ),
        ),
        ("bundles/backup.yaml", bundle),
        (
            "identities/alice.yaml",
            "id: alice\nkind: person\nmfa: enforced\nfunctions: []\n",
        ),
        ("identities/backup-svc.yaml", &svc),
        ("clients/acme.yaml", &client),
    ]);
    env.write("graph.secret", SECRET);
    std::fs::set_permissions(
        env.ws.join("graph.secret"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    Some(env)
}

#[test]
fn a_declared_client_secret_reaches_the_vault_only_and_the_old_one_is_removed_after_the_overlap() {
    let Some(bao) = crate::peers::BaoServer::shared() else {
        return;
    };
    let tid = tenant_id(22);
    let tenant = Handle::create(&tid, SECRET);
    let Some(_) = fake_graph::vendor() else {
        return;
    };
    tenant.add_user("svc-backup@acme.example");
    let group = tenant.add_group("MSP-Backup", &[]);
    tenant.add_application(BACKUP_APP);
    let token = bao.token_with("onboard-creds-graph", &["create", "read", "update"]);
    let Some(env) = secret_workspace(&tid, &bao.address, &group) else {
        return;
    };
    let mut printed = Vec::new();
    let mut run = |now: &str, args: &[&str], code: i32| {
        let output = env
            .onboard_at(now, args)
            .env("ONBOARD_TEST_VAULT_TOKEN", &token)
            .env("ONBOARD_TEST_RETRY_SCALE", "0.01")
            .output()
            .unwrap();
        let text = format!(
            "{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            crate::support::stderr(&env, &output)
        );
        assert_eq!(output.status.code(), Some(code), "{text}");
        printed.push(text.clone());
        text
    };
    let vault = || bao.get("creds-graph/acme/backup-svc", "client_secret");

    let t0 = "2026-11-21T12:00:00Z";
    let planned = run(t0, &["plan", "acme"], 0);
    assert!(planned.contains("rotate"), "{planned}");
    run(t0, &["apply", "acme", "--yes", "--verbose"], 0);
    let first = tenant.secrets(BACKUP_APP);
    assert_eq!(first.len(), 1, "{first:?}");
    assert_eq!(vault().as_deref(), Some(first[0].value.as_str()));
    assert_eq!(
        first[0].display_name.as_deref(),
        Some("onboard acme/backup-svc")
    );

    // At max_age: a second secret, delivered; the first lives on through the overlap.
    let t30 = "2026-12-21T12:00:00Z";
    run(t30, &["apply", "acme", "--yes"], 0);
    let both = tenant.secrets(BACKUP_APP);
    assert_eq!(both.len(), 2, "{both:?}");
    assert_eq!(vault().as_deref(), Some(both[1].value.as_str()));

    // After the overlap: retire removes the first from the tenant (removePassword).
    let t32 = "2026-12-23T12:00:00Z";
    let retire = run(t32, &["plan", "acme"], 0);
    assert!(retire.contains("retire"), "{retire}");
    run(t32, &["apply", "acme", "--yes"], 0);
    let left = tenant.secrets(BACKUP_APP);
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!(left[0].key_id, both[1].key_id);
    let seen = fake_graph::vendor()
        .unwrap()
        .assert_conformant(&fake_graph::token(&tid, SECRET));
    assert_checked(
        &seen,
        "POST",
        "/microsoft.graph.removePassword",
        "graph.prism.yaml",
    );

    // The values reached the vault and nothing else: no output, ledger, audit entry or
    // plan holds them; the key ids are what is recorded.
    for secret in [&first[0].value, &both[1].value] {
        for text in &printed {
            assert!(!text.contains(secret.as_str()), "leaked:\n{text}");
        }
        crate::support::assert_secret_absent(&env.root, secret, "client secret");
    }
    let audit = std::fs::read_to_string(env.ws.join("audit/acme.jsonl")).unwrap_or_default();
    assert!(audit.contains(&both[1].key_id), "{audit}");
}
