//! Post-use reviews of break-glass and exception use: listing them, closing one.

use super::{Context, Desk, Refusal, Refused, decider, refuse, save_reviews_checked};
use crate::actor::Proof;
use crate::audit::{Entry, EntryKind, EntryResult};
use crate::exit::UserError;
use crate::model::ReviewItem;
use crate::policy::approval::{self, Decision};

/// A review to close, with its verdict.
#[derive(Debug, Clone)]
pub struct ReviewClose<'a> {
    /// The review id.
    pub id: &'a str,
    /// The verdict (`justified`, `misuse`, …).
    pub outcome: &'a str,
    /// What the reviewer found.
    pub notes: &'a str,
    /// The reviewed access's ticket: required for break-glass taken without one where
    /// a ticket provider is configured.
    pub ticket: Option<&'a str>,
    /// The reviewer's signature, when they signed.
    pub proof: Option<Proof>,
}

/// What came of closing a review.
#[derive(Debug)]
pub enum Closed {
    /// Policy refused the reviewer: the denials are recorded.
    Refused(Refusal),
    /// The review is closed and recorded.
    Closed(Box<ReviewItem>),
}

/// Returns the open reviews, or every review with `all`: the stored ones, then one
/// `owner-left` review for each service account or agent whose owner has left, open
/// until its file names a new owner (it is not stored, and closes itself).
pub fn reviews(cx: &Context<'_>, all: bool) -> anyhow::Result<Vec<ReviewItem>> {
    let mut reviews: Vec<ReviewItem> = cx
        .state
        .load_reviews()?
        .reviews
        .into_iter()
        .filter(|r| all || r.closed_at.is_none())
        .collect();
    let (ledger, _) = cx.state.load_ledger()?;
    reviews.extend(
        crate::workflow::credentials::owners_left(cx, None, &ledger.blocks)
            .into_iter()
            .map(|left| {
                ReviewItem::open(
                    left.review_id(),
                    "owner-left",
                    left.identity.clone(),
                    (left.client.as_deref().unwrap_or("-"), &left.identity),
                    left.summary(),
                    left.left_at,
                    cx.workspace.policy.review_within,
                )
            }),
    );
    Ok(reviews)
}

/// Returns the reviews past their due time (none when the reviews cannot be read:
/// the caller only warns about them).
pub fn overdue_reviews(cx: &Context<'_>) -> Vec<ReviewItem> {
    let Ok(reviews) = cx.state.load_reviews() else {
        return Vec::new();
    };
    reviews
        .reviews
        .into_iter()
        .filter(|r| r.overdue(cx.now))
        .collect()
}

/// Closes an open review as the actor, who must be a person other than the one who used
/// the access (with MFA when the access was privileged).
pub fn close_review(desk: &Desk<'_>, close: ReviewClose<'_>) -> anyhow::Result<Closed> {
    let mut reviews = desk.cx.state.load_reviews()?;
    let Some(item) = reviews.reviews.iter_mut().find(|r| r.id == close.id) else {
        if let Some(identity) = close.id.strip_prefix(crate::plan::owners::REVIEW_PREFIX) {
            return Err(UserError::new(format!(
                "review `{}` closes itself once `{identity}` names a new owner",
                close.id
            ))
            .hint(format!(
                "set `owner: PERSON-ID` in `{identity}`'s identity file to a person who has not left"
            ))
            .into());
        }
        return Err(UserError::new(format!("there is no review `{}`", close.id))
            .hint("`onboard review` lists the open ones")
            .into());
    };
    if item.closed_at.is_some() {
        return Err(UserError::new(format!("review `{}` is closed already", item.id)).into());
    }
    if close.outcome.trim().is_empty() || close.notes.trim().is_empty() {
        return Err(UserError::new("closing a review needs an outcome and notes").into());
    }
    let requests = desk.cx.state.load_requests()?;
    let subject = approval::review_subject(desk.cx.workspace, item, &requests.requests);
    let client = item.client.clone();
    let reviewer = match decider(
        desk,
        "review close",
        Decision::CloseReview,
        &subject,
        (&client, Some(&item.identity)),
    )? {
        Ok(reviewer) => reviewer,
        Err(refusal) => return Ok(Closed::Refused(refusal)),
    };
    let denials = crate::tickets::check_review(&desk.cx, item, &requests.requests, close.ticket)?;
    if !denials.is_empty() {
        let refused = Refused {
            command: "review close",
            client: &client,
            identity: Some(&item.identity),
            detail: serde_json::json!({ "review": item.id }),
        };
        return refuse(desk, &refused, denials).map(Closed::Refused);
    }
    item.closed_by = Some(reviewer.id.clone());
    item.closed_at = Some(desk.cx.now);
    item.outcome = Some(close.outcome.to_string());
    item.notes = Some(close.notes.to_string());
    let item = item.clone();
    save_reviews_checked(desk, &reviews)?;
    let mut audit = desk.audit.open("review close")?;
    audit.append(&item.client, Entry {
        kind: Some(EntryKind::Review),
        client: Some(item.client.clone()),
        identity: Some(item.identity.clone()),
        reason: Some(close.notes.to_string()),
        ticket: close.ticket.map(str::to_string),
        result: Some(EntryResult::from(close.outcome)),
        detail: Some(serde_json::json!({ "review": item.id, "subject": item.subject, "kind": item.kind, "reviewer": reviewer.id })),
        proof: close.proof,
        ..Entry::default()
    })?;
    audit.finish(serde_json::json!({ "review": item.id }))?;
    Ok(Closed::Closed(Box::new(item)))
}
