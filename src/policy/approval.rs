//! Who may decide: the rules every decision on a request or review goes through,
//! whatever the request's kind (elevation, break-glass, mass revocation).
//!
//! - `approver-person`: the decider's actor maps to an identity of the workspace
//!   (`actors:` in its file, or its id), and that identity is a person: automation may
//!   ask for access, never grant it;
//! - `approver-not-party`: the approver neither asked for what they approve nor would
//!   receive (or used) it;
//! - `approver-mfa`: the approver of something privileged has `mfa: enforced`.
//!
//! Denying a request goes through `approver-person` only (refusing grants nothing, so
//! neither party nor MFA matters), and its requester may always withdraw it. These rules
//! cannot be turned off in `policy.yaml`. Returns decisions; never prints.

use std::sync::Arc;

use crate::model::{
    AccessRequest, BundleGrant, Client, Identity, IdentityKind, MfaStatus, Origin, RequestKind,
    ReviewItem, Workspace,
};

use super::{Denial, Route, request_grants, role_carrier};

/// What the decider does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// `onboard approve`.
    Approve,
    /// `onboard deny`.
    Deny,
    /// `onboard review close`.
    CloseReview,
}

impl Decision {
    fn verb(self) -> &'static str {
        match self {
            Decision::Approve => "approve",
            Decision::Deny => "deny",
            Decision::CloseReview => "close",
        }
    }
}

/// What is decided on: its name, who is party to it, and why it is privileged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    /// How messages name it: ``request `req-1a2b` `` or ``review `rev-1a2b` ``.
    pub name: String,
    /// The identity that asked for it, if it is one.
    pub requester: Option<String>,
    /// Every identity party to it: who asked, who receives or used the access.
    pub parties: Vec<String>,
    /// Why it is privileged (`None`: it is not).
    pub privileged: Option<String>,
}

/// Returns what a request is, for deciding on it. A request whose client or bundle the
/// workspace no longer has counts as privileged, and so does a mass revocation (it
/// removes many people's access at once).
pub fn request_subject(workspace: &Workspace, request: &AccessRequest) -> Subject {
    let parties = std::iter::once(request.requested_by.clone())
        .chain(request.identity.clone())
        .collect();
    let privileged = match request.kind {
        RequestKind::MassRevoke => Some(format!(
            "it revokes {}",
            request.summary.as_deref().unwrap_or("many grants at once")
        )),
        RequestKind::Elevation | RequestKind::BreakGlass => {
            let client = workspace.clients.get(&request.client);
            let bundle = request
                .bundle
                .as_ref()
                .and_then(|b| workspace.bundles.get(b));
            match (client, bundle) {
                (Some(client), Some(bundle)) => {
                    let asked = std::time::Duration::from_secs(request.ttl_seconds.unwrap_or(0));
                    let route = match request.kind {
                        RequestKind::BreakGlass => Route::BreakGlass,
                        _ => Route::Elevation,
                    };
                    privileged_grant(client, request_grants(bundle, route, asked).map(|(g, _)| g))
                }
                _ => Some("the workspace no longer has its client or bundle".into()),
            }
        }
    };
    Subject {
        name: format!("request `{}`", request.id),
        requester: Some(request.requested_by.clone()),
        parties,
        privileged,
    }
}

/// Returns what a review is, for closing it: the access used is privileged when a grant
/// of the break-glass request or the exception reviewed is.
pub fn review_subject(
    workspace: &Workspace,
    review: &ReviewItem,
    requests: &[AccessRequest],
) -> Subject {
    let client = workspace.clients.get(&review.client);
    let privileged = match review.kind.as_str() {
        "break-glass" => match requests.iter().find(|r| r.id == review.subject) {
            Some(request) => request_subject(workspace, request).privileged,
            None => Some("its request is no longer recorded".into()),
        },
        _ => {
            let exception = client.and_then(|c| {
                let id = review.subject.rsplit('/').next().unwrap_or_default();
                c.exceptions.iter().find(|e| e.id == id)
            });
            match (client, exception) {
                (Some(client), Some(exception)) => {
                    let bundle = exception
                        .bundle
                        .as_ref()
                        .and_then(|(id, _)| workspace.bundles.get(id));
                    privileged_grant(
                        client,
                        exception
                            .grants
                            .iter()
                            .chain(bundle.into_iter().flat_map(|b| &b.grants)),
                    )
                }
                _ => Some("the workspace no longer has what it reviews".into()),
            }
        }
    };
    Subject {
        name: format!("review `{}`", review.id),
        requester: None,
        parties: vec![review.identity.clone()],
        privileged,
    }
}

/// Returns why one of the grants is privileged, if one is.
fn privileged_grant<'g>(
    client: &Client,
    mut grants: impl Iterator<Item = &'g BundleGrant>,
) -> Option<String> {
    grants.find_map(|grant| {
        if grant.privileged {
            Some(format!("it gives `{}`", grant.entitlement))
        } else {
            role_carrier(client, grant).map(|tenant| {
                format!(
                    "it gives `{}`, which the client file gives admin roles in `{}`",
                    grant.entitlement, tenant.name
                )
            })
        }
    })
}

/// Returns every rule's denial of `actor` (who maps to `decider`, if anyone) deciding on
/// `subject` (empty: allowed). Every request kind and review goes through here.
pub fn check_decider(
    actor: &str,
    decider: Option<&Identity>,
    decision: Decision,
    subject: &Subject,
) -> Vec<Denial> {
    let verb = decision.verb();
    let Some(decider) = decider else {
        return vec![Denial {
            rule: "approver-person",
            message: format!(
                "you act as `{actor}`, which is no identity of this workspace, so you cannot {verb} {}",
                subject.name
            ),
            cause: Origin::file(&Arc::from("identities/")),
            hint: format!(
                "add `actors: [\"{actor}\"]` to your identity file (or set `ONBOARD_ACTOR` to your identity id): only persons declared in the workspace decide"
            ),
        }];
    };
    let id = &decider.id;
    if decision == Decision::Deny && subject.requester.as_deref() == Some(id.as_str()) {
        // Withdrawing one's own request.
        return Vec::new();
    }
    let mut denials = Vec::new();
    if decider.kind != IdentityKind::Person {
        denials.push(Denial {
            rule: "approver-person",
            message: format!(
                "`{id}` is {}: only a person can {verb} {}",
                decider.kind.with_article(),
                subject.name
            ),
            cause: decider.origin.clone(),
            hint: format!(
                "a person runs `onboard {verb}`: automation may ask for access, never grant it"
            ),
        });
    }
    if decision == Decision::Deny {
        return denials;
    }
    if subject.parties.iter().any(|p| p == id) {
        let role = if decision == Decision::CloseReview {
            "used the access"
        } else {
            "asked for it or would receive it"
        };
        denials.push(Denial {
            rule: "approver-not-party",
            message: format!("`{id}` cannot {verb} {}: they {role}", subject.name),
            cause: decider.origin.clone(),
            hint: format!("another person runs `onboard {verb}`"),
        });
    }
    if let Some(why) = &subject.privileged
        && decider.kind == IdentityKind::Person
        && decider.mfa != Some(MfaStatus::Enforced)
    {
        denials.push(Denial {
            rule: "approver-mfa",
            message: format!(
                "`{id}` cannot {verb} {}: it is privileged ({why}) and `{id}` does not have MFA enforced",
                subject.name
            ),
            cause: decider.origin.clone(),
            hint: format!(
                "enforce MFA for `{id}` and set `mfa: enforced` in their identity file, or have a person with MFA enforced decide"
            ),
        });
    }
    denials
}
