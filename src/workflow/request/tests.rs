//! Unit tests of the request workflows on a copy of the example workspace (the `file`
//! adapter, the file state backend): what each stores, records and returns.

use time::macros::datetime;

use super::*;
use crate::model::RequestKind;
use crate::workflow::testing::Bench;

const NOW: OffsetDateTime = datetime!(2026-11-21 12:00 UTC);

/// Carol's elevation to acme's security-response bundle, which needs approval.
fn carols_elevation<'a>() -> Ask<'a> {
    Ask {
        client: "acme",
        bundle: "premium-security-response",
        ticket: Some("INC-9"),
        reason: "phishing triage",
        ..Ask::default()
    }
}

/// Dave's break-glass into initech's security-response bundle.
fn daves_break_glass<'a>() -> Ask<'a> {
    Ask {
        client: "initech",
        bundle: "essential-security-response",
        reason: "ransomware on the file server",
        ..Ask::default()
    }
}

fn pending_id(asked: Asked) -> String {
    match asked {
        Asked::Pending { request, .. } => request.id,
        other => panic!("expected a pending request, got {other:?}"),
    }
}

#[test]
fn an_elevation_waits_for_a_second_person_and_its_requester_cannot_approve_it() {
    let bench = Bench::new();
    let asked = bench.act("carol", NOW, |desk| elevate(desk, carols_elevation()));
    let id = pending_id(asked.expect("elevate"));
    assert!(id.starts_with("req-"), "{id}");
    let stored = bench.requests();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].status, RequestStatus::Pending);
    assert_eq!(stored[0].ticket.as_deref(), Some("INC-9"));
    assert_eq!(
        bench.recorded("acme"),
        vec![("elevation".to_string(), "pending".to_string())]
    );

    let refused = bench.act("carol", NOW, |desk| approve(desk, &id, None));
    let Approval::Refused(refusal) = refused.expect("approve") else {
        panic!("the requester approved her own request");
    };
    assert_eq!(refusal.command, "approve");
    assert!(
        refusal
            .denials
            .iter()
            .any(|(_, d)| d.rule == "approver-not-party"),
        "{refusal:?}"
    );
    assert_eq!(bench.requests()[0].status, RequestStatus::Pending);
    assert!(bench.has_recorded("acme", "denial", "denied"));

    let later = datetime!(2026-11-21 13:00 UTC);
    let approved = bench.act("dave", later, |desk| approve(desk, &id, None));
    let Approval::Granted {
        request,
        term,
        preface,
        ..
    } = approved.expect("approve")
    else {
        panic!("a second person's approval did not grant it");
    };
    assert_eq!(request.status, RequestStatus::Approved);
    assert_eq!(request.decided_by.as_deref(), Some("dave"));
    let term = term.expect("a term");
    assert_eq!(term.starts, later, "the TTL runs from the approval");
    assert_eq!(request.expires_at, Some(term.ends));
    assert_eq!(preface.result, Some(crate::audit::EntryResult::Approved));
    assert_eq!(bench.requests()[0].status, RequestStatus::Approved);
    // The approval is recorded with the grants it gives (the apply workflow writes the
    // preface first), never before them.
    assert!(!bench.has_recorded("acme", "approval", "approved"));
}

#[test]
fn a_decided_or_lapsed_request_cannot_be_decided_again() {
    let bench = Bench::new();
    let id = pending_id(
        bench
            .act("carol", NOW, |desk| elevate(desk, carols_elevation()))
            .expect("elevate"),
    );
    let a_day_later = datetime!(2026-11-23 12:00 UTC);
    let lapsed = bench
        .act("dave", a_day_later, |desk| approve(desk, &id, None))
        .expect_err("a lapsed request is approved");
    assert!(
        lapsed
            .to_string()
            .contains("expired before it was approved"),
        "{lapsed}"
    );
    assert_eq!(bench.requests()[0].status, RequestStatus::Expired);
    let again = bench
        .act("dave", a_day_later, |desk| {
            deny(desk, &id, "too late", None)
        })
        .expect_err("an expired request is denied");
    assert!(
        again.to_string().contains("is expired, not pending"),
        "{again}"
    );
}

#[test]
fn a_denial_needs_a_reason_and_is_recorded_with_it() {
    let bench = Bench::new();
    let id = pending_id(
        bench
            .act("carol", NOW, |desk| elevate(desk, carols_elevation()))
            .expect("elevate"),
    );
    let no_reason = bench
        .act("dave", NOW, |desk| deny(desk, &id, "  ", None))
        .expect_err("a denial without a reason");
    assert!(no_reason.to_string().contains("needs a reason"));
    assert_eq!(bench.requests()[0].status, RequestStatus::Pending);
    let Denied::Denied { request, .. } = bench
        .act("dave", NOW, |desk| deny(desk, &id, "not this week", None))
        .expect("deny")
    else {
        panic!("dave may deny");
    };
    assert_eq!(request.decision_reason.as_deref(), Some("not this week"));
    assert_eq!(bench.requests()[0].status, RequestStatus::Denied);
    assert!(bench.has_recorded("acme", "approval", "denied"));
}

#[test]
fn a_request_policy_refuses_is_recorded_and_never_stored() {
    let bench = Bench::new();
    // A service account may not hold the admin roles of a backup bundle.
    let ask = Ask {
        client: "globex",
        bundle: "standard-backup-administration",
        identity: Some("globex-backup-svc"),
        ticket: Some("T-3"),
        reason: "restore",
        ..Ask::default()
    };
    let Asked::Refused(refusal) = bench
        .act("bob", NOW, |desk| elevate(desk, ask))
        .expect("elevate")
    else {
        panic!("policy allowed it");
    };
    assert_eq!(refusal.command, "elevate");
    assert!(!refusal.denials.is_empty());
    assert!(
        bench.requests().is_empty(),
        "a refused request is not stored"
    );
    let recorded = bench.recorded("globex");
    assert!(!recorded.is_empty());
    assert!(
        recorded
            .iter()
            .all(|(kind, result)| kind == "denial" && result == "denied")
    );
}

#[test]
fn unknown_names_and_missing_reasons_are_errors_that_change_nothing() {
    let bench = Bench::new();
    let unknown = Ask {
        bundle: "premium-nothing",
        ..carols_elevation()
    };
    let error = bench
        .act("carol", NOW, |desk| elevate(desk, unknown))
        .expect_err("an unknown bundle");
    assert!(
        error
            .to_string()
            .contains("unknown bundle `premium-nothing`")
    );
    let no_ticket = Ask {
        ticket: None,
        ..carols_elevation()
    };
    let error = bench
        .act("carol", NOW, |desk| elevate(desk, no_ticket))
        .expect_err("no ticket");
    assert!(error.to_string().contains("needs a ticket and a reason"));
    let error = bench
        .act("nobody", NOW, |desk| elevate(desk, carols_elevation()))
        .expect_err("an actor who is no identity");
    assert!(error.to_string().contains("no identity of this workspace"));
    assert!(bench.requests().is_empty());
    assert!(bench.recorded("acme").is_empty());
}

#[test]
fn break_glass_is_granted_at_once_and_opens_a_review_its_user_cannot_close() {
    let bench = Bench::new();
    let ask = daves_break_glass();
    let Asked::Granted {
        request,
        term,
        preface,
        review,
        warnings,
    } = bench
        .act("dave", NOW, |desk| break_glass(desk, ask))
        .expect("break-glass")
    else {
        panic!("break-glass was not granted");
    };
    assert!(request.id.starts_with("bg-"), "{}", request.id);
    assert_eq!(request.kind, RequestKind::BreakGlass);
    assert_eq!(request.status, RequestStatus::Approved);
    assert_eq!(
        term.ends,
        NOW + bench.workspace.policy.break_glass_ttl.value
    );
    assert!(warnings.is_empty(), "{warnings:?}");
    let detail = preface.detail.expect("detail");
    assert_eq!(detail["flagged"], true);
    assert_eq!(detail["notified"], false);
    let review = review.expect("a review opened");
    assert_eq!(detail["review"], review.as_str());
    assert_eq!(reviews(&bench.cx(NOW), false).expect("reviews").len(), 1);

    let close = |notes| ReviewClose {
        id: &review,
        outcome: "justified",
        notes,
        ticket: None,
        proof: None,
    };
    let Closed::Refused(refusal) = bench
        .act("dave", NOW, |desk| close_review(desk, close("mine")))
        .expect("close")
    else {
        panic!("dave closed the review of his own break-glass");
    };
    assert_eq!(refusal.command, "review close");
    let Closed::Closed(item) = bench
        .act("carol", NOW, |desk| {
            close_review(desk, close("confirmed with the client"))
        })
        .expect("close")
    else {
        panic!("carol may close it");
    };
    assert_eq!(item.closed_by.as_deref(), Some("carol"));
    assert!(reviews(&bench.cx(NOW), false).expect("reviews").is_empty());
    assert_eq!(reviews(&bench.cx(NOW), true).expect("reviews").len(), 1);
    assert!(bench.has_recorded("initech", "review", "justified"));
}

#[test]
fn overdue_reviews_are_found_once_due() {
    let bench = Bench::new();
    let ask = daves_break_glass();
    bench
        .act("dave", NOW, |desk| break_glass(desk, ask))
        .expect("break-glass");
    assert!(overdue_reviews(&bench.cx(NOW)).is_empty());
    let later = Context {
        now: datetime!(2026-11-25 12:00 UTC),
        ..bench.cx(NOW)
    };
    assert_eq!(overdue_reviews(&later).len(), 1);
}
