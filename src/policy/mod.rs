//! Request-time policy: built-in rules evaluated on every desired grant and every
//! request, before anything is sent to a tenant. Returns decisions; never prints.
//!
//! Rules (ids as in `policy.yaml`'s `disabled_rules`):
//! - `mfa-required`: a person holding a privileged grant, or one that requires MFA, has
//!   MFA enforced;
//! - `tier-baseline`: a request gives nothing above the client's tier baseline (the
//!   entitlements of the tier's bundles) unless an exception covers it;
//! - `data-tags`: the client carries every data tag the grant requires;
//! - `max-ttl`: privileged grants are just-in-time grants, no just-in-time grant outlives
//!   the maximum for its privilege level, and no exception outlives the exception maximum;
//! - `non-person-scope`: service accounts and agents act in their one client and never
//!   hold privileged (interactive admin) entitlements;
//! - `contract-window`: no request into a client whose contract has ended or not started;
//! - `exception-approval`: nobody approves their own exception.
//!
//!
//! Who may approve, deny or close a review is decided in [`approval`]
//! (`approver-person`, `approver-not-party`, `approver-mfa`).
//!
//! A grant is privileged when its bundle says so, or when it is membership of a group the
//! client file gives admin roles (Okta `group_roles`, a GDAP relationship's access).

pub mod approval;

use std::time::Duration;

use time::OffsetDateTime;

use crate::model::RequestKind;
use crate::model::time::format_duration;
use crate::model::{
    Bundle, BundleGrant, Client, Diagnostic, EntitlementKind, Exception, Identity, IdentityKind,
    MfaStatus, Origin, Policy, Tenant, Workspace,
};

/// A rule's refusal: which rule, why, what caused it and what would satisfy it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denial {
    /// The rule's id.
    pub rule: &'static str,
    /// What is refused and why.
    pub message: String,
    /// The file and line that caused it.
    pub cause: Origin,
    /// What would satisfy the rule.
    pub hint: String,
}

impl Denial {
    /// Returns the denial as a diagnostic at its cause: ``policy `RULE`: MESSAGE`` with
    /// its hint.
    pub fn to_diagnostic(&self) -> Diagnostic {
        Diagnostic::new(
            self.cause.clone(),
            format!("policy `{}`: {}", self.rule, self.message),
        )
        .hint(self.hint.clone())
    }
}

/// How the access is asked for.
#[derive(Debug, Clone, Copy)]
pub enum Via<'a> {
    /// A standing grant of a bundle of the client's tier.
    Standing(&'a Bundle),
    /// An exception in the client file.
    Exception(&'a Exception),
    /// A just-in-time request (`elevate`) of a bundle, for this long.
    Elevation(&'a Bundle, Duration),
    /// Emergency access (`break-glass`) to a bundle, for this long.
    BreakGlass(&'a Bundle, Duration),
}

/// One grant to decide on.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The client.
    pub client: &'a Client,
    /// Who would hold it.
    pub identity: &'a Identity,
    /// What would be granted.
    pub grant: &'a BundleGrant,
    /// How it is asked for.
    pub via: Via<'a>,
    /// When.
    pub now: OffsetDateTime,
}

/// Returns every rule's denial of a request (empty: allowed).
pub fn evaluate(workspace: &Workspace, request: &Request<'_>) -> Vec<Denial> {
    let case = Case::of(workspace, request);
    let mut denials = Denials {
        policy: &workspace.policy,
        found: Vec::new(),
    };
    mfa_required(&case, &mut denials);
    data_tags(&case, &mut denials);
    non_person_scope(&case, &mut denials);
    match request.via {
        Via::Standing(_) => standing_is_not_privileged(&case, &mut denials),
        Via::Exception(exception) => exception_rules(&case, exception, &mut denials),
        Via::Elevation(_, ttl) | Via::BreakGlass(_, ttl) => request_ttl(&case, ttl, &mut denials),
    }
    contract_window(&case, &mut denials);
    tier_baseline(&case, &mut denials);
    denials.found
}

/// A request as the rules see it: the request, whether the grant is privileged, and
/// why when the client file makes it so.
struct Case<'a> {
    workspace: &'a Workspace,
    request: Request<'a>,
    /// Whether the grant gives admin access (its bundle says so, or the client file
    /// gives its group admin roles).
    privileged: bool,
    /// The tenant whose client file gives the grant's group admin roles, if any.
    carrier: Option<&'a Tenant>,
}

impl<'a> Case<'a> {
    fn of(workspace: &'a Workspace, request: &Request<'a>) -> Case<'a> {
        let Request { client, grant, .. } = *request;
        // Membership of a group that the client file gives admin roles (Okta
        // `group_roles`, a GDAP relationship's access) is admin access, whatever the
        // bundle says.
        let carrier = (!grant.privileged)
            .then(|| role_carrier(client, grant))
            .flatten();
        Case {
            workspace,
            request: *request,
            privileged: grant.privileged || carrier.is_some(),
            carrier,
        }
    }

    /// Returns how messages name the grant: `` `ENTITLEMENT` for `IDENTITY` in `CLIENT` ``,
    /// and why it is privileged when the client file makes it so. Made only for a denial:
    /// most requests are allowed.
    fn what(&self) -> String {
        let Request {
            client,
            identity,
            grant,
            ..
        } = self.request;
        match self.carrier {
            None => format!(
                "`{}` for `{}` in `{}`",
                grant.entitlement, identity.id, client.id
            ),
            Some(tenant) => format!(
                "`{}` for `{}` in `{}` (privileged: the client file gives the group admin roles in `{}`, {})",
                grant.entitlement, identity.id, client.id, tenant.name, tenant.origin
            ),
        }
    }
}

/// The denials found so far; a rule `policy.yaml` disables denies nothing.
struct Denials<'p> {
    policy: &'p Policy,
    found: Vec<Denial>,
}

impl Denials<'_> {
    fn deny(&mut self, rule: &'static str, message: String, cause: &Origin, hint: String) {
        if self.policy.enabled(rule) {
            self.found.push(Denial {
                rule,
                message,
                cause: cause.clone(),
                hint,
            });
        }
    }
}

/// `mfa-required`: a person holding a privileged grant, or one that requires MFA.
fn mfa_required(case: &Case<'_>, denials: &mut Denials<'_>) {
    let Request {
        identity, grant, ..
    } = case.request;
    if identity.kind == IdentityKind::Person
        && (case.privileged || grant.requires.mfa)
        && identity.mfa != Some(MfaStatus::Enforced)
    {
        denials.deny(
            "mfa-required",
            format!(
                "{}: `{}` holds a privileged grant but does not have MFA enforced",
                case.what(), identity.id
            ),
            &identity.origin,
            format!(
                "enforce MFA for `{}` and set `mfa: enforced`, or take the function that needs it off them",
                identity.id
            ),
        );
    }
}

/// `data-tags`: the client carries every data tag the grant requires.
fn data_tags(case: &Case<'_>, denials: &mut Denials<'_>) {
    let Request { client, grant, .. } = case.request;
    for tag in &grant.requires.data_tags {
        if !client.data_tags.contains(tag) {
            denials.deny(
                "data-tags",
                format!(
                    "{}: the grant requires data tag `{tag}`, which client `{}` does not carry",
                    case.what(), client.id
                ),
                &grant.origin,
                format!(
                    "add `{tag}` to the client's `data_tags` once it is cleared for such data, or use a bundle that does not require it"
                ),
            );
        }
    }
}

/// `non-person-scope`: service accounts and agents act in their one client and never
/// hold privileged entitlements.
fn non_person_scope(case: &Case<'_>, denials: &mut Denials<'_>) {
    let Request {
        client,
        identity,
        grant,
        ..
    } = case.request;
    if identity.kind == IdentityKind::Person {
        return;
    }
    if case.privileged {
        denials.deny(
            "non-person-scope",
            format!(
                "{}: {} never holds privileged (interactive admin) entitlements",
                case.what(),
                identity.kind.with_article()
            ),
            &grant.origin,
            "give the account a narrower, non-privileged entitlement, or have a person request it"
                .into(),
        );
    }
    if !identity.serves(&client.id) {
        denials.deny(
            "non-person-scope",
            format!(
                "{}: {} serves only its own client",
                case.what(),
                identity.kind.with_article()
            ),
            &identity.origin,
            "create a separate account for this client".into(),
        );
    }
}

/// `max-ttl` for standing grants: a privileged entitlement is granted just in time only.
fn standing_is_not_privileged(case: &Case<'_>, denials: &mut Denials<'_>) {
    if case.privileged {
        denials.deny(
            "max-ttl",
            format!(
                "{}: a privileged entitlement may only be granted just in time",
                case.what()
            ),
            &case.request.grant.origin,
            format!(
                "give the grant a `ttl:` of at most {}",
                format_duration(denials.policy.max_ttl_privileged.value)
            ),
        );
    }
}

/// The rules of an exception: `max-ttl` (it ends within the exception maximum), who may
/// approve it (`approver-person`, `approver-mfa`), and `exception-approval` (nobody
/// approves their own).
fn exception_rules(case: &Case<'_>, exception: &Exception, denials: &mut Denials<'_>) {
    let policy = denials.policy;
    let runs = exception.until - case.request.now;
    if runs > time::Duration::try_from(policy.max_exception.value).unwrap_or(time::Duration::MAX) {
        denials.deny(
            "max-ttl",
            format!(
                "{}: exception `{}` runs longer than the policy's maximum of {}",
                case.what(),
                exception.id,
                format_duration(policy.max_exception.value)
            ),
            &exception.origin,
            format!(
                "end the exception sooner (`until:`), or raise `exceptions.max_duration` at {}",
                policy.max_exception.origin
            ),
        );
    }
    // Whoever approves an exception is held to the rules of who may decide.
    if let Some(approver) = case.workspace.identities.get(&exception.approver.0) {
        let subject = approval::Subject {
            name: format!("exception `{}`", exception.id),
            requester: None,
            parties: Vec::new(),
            privileged: case.privileged.then(|| format!("it gives {}", case.what())),
        };
        for denial in approval::check_decider(
            &approver.id,
            Some(approver),
            approval::Decision::Approve,
            &subject,
        ) {
            denials.deny(
                denial.rule,
                denial.message,
                &exception.approver.1,
                denial.hint,
            );
        }
    }
    if exception.approver.0 == exception.identity.0 {
        denials.deny(
            "exception-approval",
            format!(
                "{}: exception `{}` is approved by the person it is for",
                case.what(),
                exception.id
            ),
            &exception.approver.1,
            "have a second person approve it and name them in `approver:`".into(),
        );
    }
}

/// `max-ttl` for requests: no just-in-time grant outlives the maximum for its level.
fn request_ttl(case: &Case<'_>, ttl: Duration, denials: &mut Denials<'_>) {
    let policy = denials.policy;
    let (max, level) = if case.privileged {
        (&policy.max_ttl_privileged, "privileged")
    } else {
        (&policy.max_ttl_standard, "standard")
    };
    if ttl > max.value {
        denials.deny(
            "max-ttl",
            format!(
                "{}: {} is longer than the {level} maximum of {}",
                case.what(),
                format_duration(ttl),
                format_duration(max.value)
            ),
            &max.origin,
            format!("ask for at most {}", format_duration(max.value)),
        );
    }
}

/// `contract-window`: no request into a client whose contract has ended or not started.
fn contract_window(case: &Case<'_>, denials: &mut Denials<'_>) {
    let Request {
        client, via, now, ..
    } = case.request;
    let is_request = matches!(via, Via::Elevation(..) | Via::BreakGlass(..));
    if is_request && !client.is_active(now) {
        denials.deny(
            "contract-window",
            format!(
                "{}: client `{}` has no running contract",
                case.what(),
                client.id
            ),
            &client.origin,
            "check `contract.start` and `contract.end` in the client file".into(),
        );
    }
}

/// `tier-baseline`: an elevation gives nothing above the client's tier baseline unless
/// an exception covers it.
fn tier_baseline(case: &Case<'_>, denials: &mut Denials<'_>) {
    let Request {
        client,
        identity,
        grant,
        via,
        now,
    } = case.request;
    if let Via::Elevation(bundle, _) = via
        && bundle.tier != client.tier
        && !within_baseline(case.workspace, client, identity, grant, now)
    {
        denials.deny(
            "tier-baseline",
            format!(
                "{}: bundle `{}` is for tier `{}`, above client `{}`'s tier `{}`",
                case.what(), bundle.id, bundle.tier, client.id, client.tier
            ),
            &bundle.tier_origin,
            format!(
                "add an approved exception for `{}` to the client file, or use break-glass in an emergency",
                identity.id
            ),
        );
    }
}

/// Returns the client's tenant that gives the group a grant makes its holder a member of
/// admin roles through the tenant's configuration, if any.
fn role_carrier<'c>(client: &'c Client, grant: &BundleGrant) -> Option<&'c Tenant> {
    if grant.entitlement.kind != EntitlementKind::Group {
        return None;
    }
    client
        .tenants
        .iter()
        .filter(|t| grant.lands_in(t))
        .find(|t| t.admin_roles_of_group(&grant.entitlement.name).is_some())
}

/// How access to a bundle is asked for, outside the standing grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// A just-in-time request (`elevate`): the bundle's `ttl:` grants.
    Elevation,
    /// Emergency access (`break-glass`): the whole bundle.
    BreakGlass,
}

impl Route {
    /// Returns how a request of `kind` asks for access; `None` for a request that asks
    /// for none (a mass revocation).
    pub fn of(kind: RequestKind) -> Option<Route> {
        match kind {
            RequestKind::Elevation => Some(Route::Elevation),
            RequestKind::BreakGlass => Some(Route::BreakGlass),
            RequestKind::MassRevoke => None,
        }
    }

    /// Returns the way a grant of `bundle` that lasts `lasts` comes, asked for this way.
    pub fn via(self, bundle: &Bundle, lasts: Duration) -> Via<'_> {
        match self {
            Route::Elevation => Via::Elevation(bundle, lasts),
            Route::BreakGlass => Via::BreakGlass(bundle, lasts),
        }
    }
}

/// Returns the grants a request for a bundle gives, each with how long it lasts: an
/// elevation gives the bundle's just-in-time grants, each for the shorter of its own
/// `ttl` and `asked`; break-glass gives the whole bundle for `asked`. One rule for the
/// checks when access is asked for or approved and for the access the plan then gives.
pub fn request_grants(
    bundle: &Bundle,
    route: Route,
    asked: Duration,
) -> impl Iterator<Item = (&BundleGrant, Duration)> {
    bundle
        .grants
        .iter()
        .filter(move |g| route == Route::BreakGlass || g.ttl.is_some())
        .map(move |g| {
            let lasts = match route {
                Route::BreakGlass => asked,
                Route::Elevation => g.ttl.map_or(asked, |t| t.min(asked)),
            };
            (g, lasts)
        })
}

/// Returns when access granted at `start` for `lasts` in `client` ends, and whether the
/// client's contract ends it sooner: the plan never grants past the contract's end.
pub fn request_end(
    client: &Client,
    start: OffsetDateTime,
    lasts: Duration,
) -> (OffsetDateTime, bool) {
    let ends = crate::model::time::after(start, lasts);
    match client.contract.and_then(|c| c.end) {
        Some(end) if end < ends => (end, true),
        _ => (ends, false),
    }
}

/// Returns the just-in-time grants of a bundle that an elevation asking for `asked`
/// gives for less, each with its own TTL: what to tell the one who asked.
pub fn shortened_grants(bundle: &Bundle, asked: Duration) -> Vec<(&BundleGrant, Duration)> {
    bundle
        .grants
        .iter()
        .filter_map(|g| g.ttl.filter(|ttl| *ttl < asked).map(|ttl| (g, ttl)))
        .collect()
}

/// Returns every rule's denial of a request for a bundle (empty: allowed), each with the
/// entitlement it is about.
pub fn evaluate_request(
    workspace: &Workspace,
    client: &Client,
    identity: &Identity,
    bundle: &Bundle,
    route: Route,
    asked: Duration,
    now: OffsetDateTime,
) -> Vec<(String, Denial)> {
    request_grants(bundle, route, asked)
        .flat_map(|(grant, lasts)| {
            let request = Request {
                client,
                identity,
                grant,
                via: route.via(bundle, lasts),
                now,
            };
            evaluate(workspace, &request)
                .into_iter()
                .map(|d| (grant.entitlement.to_string(), d))
        })
        .collect()
}

/// Returns whether a grant is within the client's tier baseline or covered by an active
/// exception for the identity.
fn within_baseline(
    workspace: &Workspace,
    client: &Client,
    identity: &Identity,
    grant: &BundleGrant,
    now: OffsetDateTime,
) -> bool {
    let same = |g: &BundleGrant| g.system == grant.system && g.entitlement == grant.entitlement;
    let in_tier = workspace
        .bundles
        .values()
        .filter(|b| b.tier == client.tier)
        .flat_map(|b| &b.grants)
        .any(same);
    let excepted = client
        .exceptions
        .iter()
        .filter(|e| e.identity.0 == identity.id && now < e.until)
        .any(|e| {
            e.grants.iter().any(same)
                || e.bundle
                    .as_ref()
                    .and_then(|(id, _)| workspace.bundles.get(id))
                    .is_some_and(|b| b.grants.iter().any(same))
        });
    in_tier || excepted
}

/// Returns a denial for each credential a service account or agent declares with a
/// `max_age` longer than the policy allows its kind (`credential-max-age`).
pub fn check_credentials(workspace: &Workspace) -> Vec<Denial> {
    let policy: &Policy = &workspace.policy;
    if !policy.enabled("credential-max-age") {
        return Vec::new();
    }
    let mut denials = Vec::new();
    for identity in workspace.identities.values() {
        let (cap, key) = match identity.kind {
            crate::model::IdentityKind::Person => continue,
            crate::model::IdentityKind::ServiceAccount => (
                &policy.credential_max_age_service_account,
                "service-account",
            ),
            crate::model::IdentityKind::Agent => (&policy.credential_max_age_agent, "agent"),
        };
        for credential in identity
            .credentials
            .iter()
            .filter(|c| c.max_age > cap.value)
        {
            denials.push(Denial {
                rule: "credential-max-age",
                message: format!(
                    "`{}`'s `{}` in `{}` may grow {} old, but {} may keep a credential at most {}",
                    identity.id,
                    credential.kind.as_str(),
                    credential.system,
                    format_duration(credential.max_age),
                    identity.kind.with_article(),
                    format_duration(cap.value)
                ),
                cause: credential.max_age_origin.clone(),
                hint: format!(
                    "shorten `max_age`, or raise `credentials.max_age.{key}` at {}",
                    cap.origin
                ),
            });
        }
    }
    denials
}

/// Returns denials of bundles' just-in-time grants that are longer than the policy
/// allows, each with its bundle and grant: an elevation to the bundle is refused unless it
/// asks for a shorter `--ttl` (for `validate`, and for `plan` and `apply`, which report
/// them as denied).
pub fn check_bundles(workspace: &Workspace) -> Vec<(&Bundle, &BundleGrant, Denial)> {
    let policy: &Policy = &workspace.policy;
    let mut denials = Vec::new();
    if !policy.enabled("max-ttl") {
        return denials;
    }
    for bundle in workspace.bundles.values() {
        for grant in &bundle.grants {
            let Some(ttl) = grant.ttl else { continue };
            let (max, level) = if grant.privileged {
                (&policy.max_ttl_privileged, "privileged")
            } else {
                (&policy.max_ttl_standard, "standard")
            };
            if ttl > max.value {
                let denial = Denial {
                    rule: "max-ttl",
                    message: format!(
                        "bundle `{}` grants `{}` for {}, longer than the {level} maximum of {}",
                        bundle.id,
                        grant.entitlement,
                        format_duration(ttl),
                        format_duration(max.value)
                    ),
                    cause: grant.origin.clone(),
                    hint: format!(
                        "shorten the `ttl:`, or raise `max_ttl.{level}` at {}",
                        max.origin
                    ),
                };
                denials.push((bundle, grant, denial));
            }
        }
    }
    denials
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn break_glass_gives_the_whole_bundle_for_the_time_asked_and_elevation_its_ttl_grants() {
        let (_dir, _root, workspace) = crate::workflow::testing::example();
        let bundle = workspace
            .bundles
            .values()
            .find(|b| {
                b.grants.iter().any(|g| g.ttl.is_none()) && b.grants.iter().any(|g| g.ttl.is_some())
            })
            .expect("a bundle with standing and just-in-time grants");
        let asked = Duration::from_secs(1);
        let whole: Vec<_> = request_grants(bundle, Route::BreakGlass, asked).collect();
        assert_eq!(whole.len(), bundle.grants.len());
        assert!(whole.iter().all(|(_, lasts)| *lasts == asked));
        let timed: Vec<_> = request_grants(bundle, Route::Elevation, Duration::MAX).collect();
        assert_eq!(
            timed.len(),
            bundle.grants.iter().filter(|g| g.ttl.is_some()).count()
        );
        assert!(timed.iter().all(|(g, lasts)| g.ttl == Some(*lasts)));
        assert_eq!(Route::of(RequestKind::BreakGlass), Some(Route::BreakGlass));
        assert_eq!(Route::of(RequestKind::Elevation), Some(Route::Elevation));
        assert_eq!(Route::of(RequestKind::MassRevoke), None);
    }
}
