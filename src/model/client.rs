//! Clients: tier, contract, data tags, tenants (see `tenant`) and exceptions.

use std::sync::Arc;

use serde::Deserialize;
use serde_saphyr::Spanned;
use time::OffsetDateTime;

use super::bundle::{BundleGrant, RawGrant, Requirements};
use super::tenant::{RawTenant, Tenant, convert_tenant};
use super::time::{DateBound, parse_instant};
use super::yaml::{self, origin};
use super::{Diagnostic, Origin, check_id};

/// A contract's running time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Contract {
    /// First instant access may be granted.
    pub start: OffsetDateTime,
    /// First instant access must be gone; `None` for open-ended.
    pub end: Option<OffsetDateTime>,
}

/// An explicit, time-bound grant beyond the client's bundles.
#[derive(Debug, Clone)]
pub struct Exception {
    /// Unique id within the client.
    pub id: String,
    /// Who receives it.
    pub identity: (String, Origin),
    /// A bundle whose grants (standing and just-in-time) it gives, with where it is named.
    pub bundle: Option<(String, Origin)>,
    /// What is granted beside the bundle.
    pub grants: Vec<BundleGrant>,
    /// Why.
    pub reason: String,
    /// The ticket it belongs to.
    pub ticket: Option<String>,
    /// Who approved it.
    pub approver: (String, Origin),
    /// When it ends.
    pub until: OffsetDateTime,
    /// Where it is declared.
    pub origin: Origin,
}

/// A client from `clients/*.yaml`.
#[derive(Debug, Clone)]
pub struct Client {
    /// Unique id.
    pub id: String,
    /// Display name.
    pub name: Option<String>,
    /// Service tier.
    pub tier: String,
    /// Where the tier is written.
    pub tier_origin: Origin,
    /// Contract dates; `None` means no dates were given.
    pub contract: Option<Contract>,
    /// Data-handling tags.
    pub data_tags: Vec<String>,
    /// Tenants.
    pub tenants: Vec<Tenant>,
    /// Exceptions.
    pub exceptions: Vec<Exception>,
    /// The client's own approvers, who co-approve what `co_approval` names.
    pub approvers: Vec<ClientApprover>,
    /// Which requests need a client approver's signed approval besides an MSP person's.
    pub co_approval: CoApproval,
    /// The client's company identifier in the ticket provider (`psa_company:`).
    pub psa_company: Option<String>,
    /// The client's own ticket provider, replacing the workspace's (`tickets:`).
    pub tickets: Option<super::TicketProvider>,
    /// Where the record starts.
    pub origin: Origin,
}

/// A person on the client's side who co-approves requests with an SSH signature.
#[derive(Debug, Clone)]
pub struct ClientApprover {
    /// Id, unique within the client; the signer is written `CLIENT/ID`.
    pub id: String,
    /// Their name.
    pub name: Option<String>,
    /// Their SSH public keys.
    pub signing_keys: Vec<(crate::actor::PublicKey, Origin)>,
    /// Where it is declared.
    pub origin: Origin,
}

/// Which requests need a client approver's co-approval.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CoApproval {
    /// Requests that grant privileged access (admin-level entitlements).
    #[serde(default)]
    pub privileged: bool,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawApprover {
    /// The approver's id, unique within the client; they sign as `CLIENT/ID`.
    #[schemars(with = "crate::model::schema_text::Id")]
    id: Spanned<String>,
    /// Their name.
    name: Option<String>,
    /// Their SSH public keys (one line of a `.pub` file each): they approve by signing.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    signing_keys: Vec<Spanned<String>>,
}

impl Client {
    /// Returns the approver `CLIENT/ID` names, when it is one of this client's.
    pub fn approver(&self, signer: &str) -> Option<&ClientApprover> {
        let (client, id) = signer.split_once('/')?;
        (client == self.id)
            .then(|| self.approvers.iter().find(|a| a.id == id))
            .flatten()
    }

    /// Returns whether the contract is running at `now`.
    pub fn is_active(&self, now: OffsetDateTime) -> bool {
        self.contract
            .is_none_or(|c| c.start <= now && c.end.is_none_or(|end| now < end))
    }

    /// Returns notices for the client's exceptions that have ended by `now`: valid, but
    /// they grant nothing any more. Each names where the exception is written.
    pub fn ended_exceptions(&self, now: OffsetDateTime) -> Vec<Diagnostic> {
        self.exceptions
            .iter()
            .filter(|e| e.until <= now)
            .map(|e| {
                Diagnostic::new(
                    e.origin.clone(),
                    format!(
                        "exception `{}` of `{}` ended at {} and grants nothing any more",
                        e.id,
                        self.id,
                        super::time::format_short(e.until)
                    ),
                )
                .hint("once `onboard expire` has ended its access and its review is closed, remove it from the client file (git keeps the record), or extend `until` with a new approval")
            })
            .collect()
    }

    /// Returns the tenant with this name.
    pub fn tenant(&self, name: &str) -> Option<&Tenant> {
        self.tenants.iter().find(|t| t.name == name)
    }
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawContract {
    /// The first day access may be granted (`YYYY-MM-DD`, or an RFC 3339 time).
    #[schemars(with = "crate::model::schema_text::DateText")]
    start: Spanned<String>,
    /// The last day of the contract, inclusive: access ends when this day ends (UTC).
    /// Omit for an open-ended contract.
    #[schemars(with = "Option<crate::model::schema_text::DateText>")]
    end: Option<Spanned<String>>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawException {
    /// Unique within the client.
    #[schemars(with = "String")]
    id: Spanned<String>,
    /// The identity that receives the access.
    #[schemars(with = "String")]
    identity: Spanned<String>,
    /// A bundle whose every grant (standing and just in time) the exception gives.
    #[schemars(with = "Option<String>")]
    bundle: Option<Spanned<String>>,
    /// Grants beyond the bundle; each may name one `tenant` of the client.
    #[serde(default)]
    grants: Vec<RawGrant>,
    /// Why the access is needed (`imported` for access `onboard import` found).
    reason: Option<String>,
    /// The ticket the exception belongs to.
    ticket: Option<String>,
    /// The person who approved it (not the identity it is for).
    #[schemars(with = "Option<String>")]
    approver: Option<Spanned<String>>,
    /// The last day of the exception, inclusive (`YYYY-MM-DD` or RFC 3339): exceptions
    /// are always time-bound.
    #[schemars(with = "Option<crate::model::schema_text::DateText>")]
    until: Option<Spanned<String>>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawClient {
    /// The client's id: lowercase letters, digits, `-` and `_`.
    #[schemars(with = "crate::model::schema_text::Id")]
    id: Spanned<String>,
    /// The client's display name.
    name: Option<String>,
    /// The service tier: the bundles of this tier say what access the client gets.
    #[schemars(with = "crate::model::schema_text::Id")]
    tier: Spanned<String>,
    /// When access may be granted; without it, always.
    contract: Option<RawContract>,
    /// Data-handling tags the client is cleared for; bundles may require them.
    #[serde(default)]
    data_tags: Vec<String>,
    /// The client's tenants: each a system reached through an adapter.
    #[schemars(length(min = 1))]
    tenants: Vec<RawTenant>,
    /// Explicit, time-bound access beyond the bundles.
    #[serde(default)]
    exceptions: Vec<RawException>,
    /// The client's own approvers, who co-approve what `co_approval` names.
    #[serde(default)]
    approvers: Vec<RawApprover>,
    /// Which requests also need one of the client's approvers.
    #[serde(default)]
    co_approval: CoApproval,
    /// The client's company identifier in the ticket provider (a PSA's company id), used
    /// to check that a ticket belongs to this client.
    psa_company: Option<String>,
    /// A ticket provider for this client only, replacing the workspace's `[tickets]`
    /// (`kind: none` turns ticket checks off for it).
    #[schemars(with = "Option<super::tickets::RawTicketProvider>")]
    tickets: Option<Spanned<super::tickets::RawTicketProvider>>,
}

pub(super) fn parse_date(
    path: &Arc<str>,
    value: &Spanned<String>,
    field: &str,
    bound: DateBound,
    problems: &mut Vec<Diagnostic>,
) -> Option<OffsetDateTime> {
    match parse_instant(&value.value, bound) {
        Ok(instant) => Some(instant),
        Err(message) => {
            problems.push(
                Diagnostic::new(origin(path, value), message)
                    .field(field)
                    .hint("e.g. `2027-12-31`"),
            );
            None
        }
    }
}

/// Parses one client file; every problem found is returned.
pub fn parse(path: &Arc<str>, text: &str) -> Result<Client, Vec<Diagnostic>> {
    let raw: RawClient = yaml::parse(path, text).map_err(|d| vec![d])?;
    let mut problems = Vec::new();
    let id_origin = origin(path, &raw.id);
    problems.extend(check_id(&id_origin, "id", &raw.id.value));
    let contract = raw.contract.and_then(|c| contract(path, &c, &mut problems));
    if raw.tenants.is_empty() {
        problems.push(
            Diagnostic::new(id_origin.clone(), "the client has no tenants")
                .field("tenants")
                .hint("list the client's tenants (each with `name`, `system`, `adapter`)"),
        );
    }
    let tenants = tenants(path, raw.tenants, &mut problems);
    let exceptions = exceptions(path, raw.exceptions, &mut problems);
    let approvers = approvers(path, &raw.approvers, &mut problems);
    if raw.co_approval.privileged && approvers.is_empty() {
        problems.push(
            Diagnostic::new(id_origin.clone(), "`co_approval` asks for the client's approval, but the client file lists no approvers")
                .field("co_approval")
                .hint("add `approvers:` with each client approver's id, name and signing_keys"),
        );
    }
    let tickets = raw.tickets.and_then(|t| {
        let at = origin(path, &t);
        t.value
            .convert("tickets", at)
            .map_err(|d| problems.push(d))
            .ok()
    });
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Client {
        id: raw.id.value,
        name: raw.name,
        tier_origin: origin(path, &raw.tier),
        tier: raw.tier.value,
        contract,
        data_tags: raw.data_tags,
        tenants,
        exceptions,
        approvers,
        co_approval: raw.co_approval,
        psa_company: raw
            .psa_company
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty()),
        tickets,
        origin: id_origin,
    })
}

/// Reads the contract's dates; `None` when one cannot be read.
fn contract(path: &Arc<str>, c: &RawContract, problems: &mut Vec<Diagnostic>) -> Option<Contract> {
    let start = parse_date(path, &c.start, "contract.start", DateBound::Start, problems);
    let end = match &c.end {
        Some(end) => Some(parse_date(
            path,
            end,
            "contract.end",
            DateBound::EndInclusive,
            problems,
        )?),
        None => None,
    };
    let start = start?;
    if let (Some(end), Some(raw_end)) = (end, &c.end)
        && end <= start
    {
        problems.push(
            Diagnostic::new(origin(path, raw_end), "the contract ends before it starts")
                .field("contract.end")
                .hint("`contract.end` must be on or after `contract.start`"),
        );
    }
    Some(Contract { start, end })
}

/// Reads the tenants, each name once.
fn tenants(
    path: &Arc<str>,
    raw_tenants: Vec<RawTenant>,
    problems: &mut Vec<Diagnostic>,
) -> Vec<Tenant> {
    let mut tenants: Vec<Tenant> = Vec::new();
    let mut names: Vec<(String, Origin)> = Vec::new();
    for (index, raw_tenant) in raw_tenants.into_iter().enumerate() {
        let (name, at, tenant) = convert_tenant(path, index, raw_tenant, problems);
        if let Some((_, first)) = names.iter().find(|(n, _)| *n == name) {
            problems.push(
                Diagnostic::new(at.clone(), format!("tenant name `{name}` is used twice"))
                    .field(format!("tenants[{index}].name"))
                    .hint(format!(
                        "the first is at {first}; give each tenant its own name"
                    )),
            );
        }
        names.push((name, at));
        tenants.extend(tenant);
    }
    tenants
}

/// Reads the exceptions, each id once; one with a problem is left out.
fn exceptions(
    path: &Arc<str>,
    raw_exceptions: Vec<RawException>,
    problems: &mut Vec<Diagnostic>,
) -> Vec<Exception> {
    let mut exceptions: Vec<Exception> = Vec::new();
    for (index, raw_exception) in raw_exceptions.into_iter().enumerate() {
        if let Some(exception) = exception(path, index, raw_exception, &exceptions, problems) {
            exceptions.push(exception);
        }
    }
    exceptions
}

/// Reads exception `index`: it needs a reason, an approver, an end date and something
/// to grant, and an id none of `before` has.
fn exception(
    path: &Arc<str>,
    index: usize,
    raw_exception: RawException,
    before: &[Exception],
    problems: &mut Vec<Diagnostic>,
) -> Option<Exception> {
    let field = format!("exceptions[{index}]");
    let at = origin(path, &raw_exception.id);
    let reason = raw_exception.reason.filter(|r| !r.trim().is_empty());
    if reason.is_none() {
        problems.push(
            Diagnostic::new(at.clone(), "an exception needs a reason")
                .field(format!("{field}.reason"))
                .hint("add `reason: …` saying why the access is needed"),
        );
    }
    if raw_exception.approver.is_none() {
        problems.push(
            Diagnostic::new(at.clone(), "an exception needs an approver")
                .field(format!("{field}.approver"))
                .hint("add `approver: PERSON-ID`, the person who approved it"),
        );
    }
    let until = match &raw_exception.until {
        Some(u) => parse_date(
            path,
            u,
            &format!("{field}.until"),
            DateBound::EndInclusive,
            problems,
        ),
        None => {
            problems.push(
                Diagnostic::new(at.clone(), "an exception needs an end date")
                    .field(format!("{field}.until"))
                    .hint("add `until: YYYY-MM-DD`: exceptions are always time-bound"),
            );
            None
        }
    };
    let grants: Vec<_> = raw_exception
        .grants
        .into_iter()
        .enumerate()
        .filter_map(|(i, g)| {
            g.convert(
                path,
                &format!("{field}.grants[{i}]"),
                &Requirements::default(),
                true,
                problems,
            )
        })
        .collect();
    let bundle = raw_exception
        .bundle
        .as_ref()
        .map(|b| (b.value.clone(), origin(path, b)));
    if bundle.is_none() && grants.is_empty() {
        problems.push(
            Diagnostic::new(at.clone(), "the exception grants nothing")
                .field(format!("{field}.grants"))
                .hint("list `grants:`, or name a `bundle:` whose grants it gives"),
        );
    }
    if let Some(first) = before.iter().find(|e| e.id == raw_exception.id.value) {
        problems.push(
            Diagnostic::new(
                at.clone(),
                format!("exception id `{}` is used twice", first.id),
            )
            .field(format!("{field}.id"))
            .hint(format!("the first is at {}", first.origin)),
        );
    }
    let (Some(reason), Some(approver), Some(until)) = (reason, raw_exception.approver, until)
    else {
        return None;
    };
    Some(Exception {
        id: raw_exception.id.value,
        identity: (
            raw_exception.identity.value.clone(),
            origin(path, &raw_exception.identity),
        ),
        bundle,
        grants,
        reason,
        ticket: raw_exception.ticket,
        approver: (approver.value.clone(), origin(path, &approver)),
        until,
        origin: at,
    })
}

/// Reads the client's own approvers, each once and each with a signing key.
fn approvers(
    path: &Arc<str>,
    raw_approvers: &[RawApprover],
    problems: &mut Vec<Diagnostic>,
) -> Vec<ClientApprover> {
    let mut approvers: Vec<ClientApprover> = Vec::new();
    for (index, raw) in raw_approvers.iter().enumerate() {
        let at = origin(path, &raw.id);
        let field = format!("approvers[{index}]");
        problems.extend(check_id(&at, &format!("{field}.id"), &raw.id.value));
        if approvers.iter().any(|a| a.id == raw.id.value) {
            problems.push(
                Diagnostic::new(
                    at.clone(),
                    format!("approver `{}` is listed twice", raw.id.value),
                )
                .field(format!("{field}.id"))
                .hint("give each approver one entry"),
            );
        }
        let signing_keys = super::identity::parse_signing_keys(
            path,
            &raw.signing_keys,
            &format!("{field}.signing_keys"),
            problems,
        );
        if raw.signing_keys.is_empty() {
            problems.push(
                Diagnostic::new(at.clone(), format!("approver `{}` lists no signing key", raw.id.value))
                    .field(format!("{field}.signing_keys"))
                    .hint("a client approver approves by signing: add `signing_keys: [\"ssh-ed25519 AAAA…\"]`"),
            );
        }
        approvers.push(ClientApprover {
            id: raw.id.value.clone(),
            name: raw.name.clone(),
            signing_keys,
            origin: at,
        });
    }
    approvers
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        AdapterKind, CredentialRef, SystemKind, TenantSettings, user_filter_attributes,
    };

    const GOOD: &str = "id: acme\ntier: premium\ncontract:\n  start: 2025-01-01\n  end: 2027-12-31\ntenants:\n  - name: entra\n    system: entra\n    adapter: file\n    path: tenants/acme/entra\n";

    #[test]
    fn parses_a_client() {
        let c = parse(&Arc::from("clients/acme.yaml"), GOOD).unwrap();
        assert_eq!(c.tenants[0].adapter(), AdapterKind::File);
        assert!(c.is_active(time::macros::datetime!(2027-12-31 23:59 UTC)));
        assert!(!c.is_active(time::macros::datetime!(2028-01-01 00:00 UTC)));
    }

    #[test]
    fn inline_secrets_are_refused_without_being_repeated() {
        let text = "id: acme\ntier: premium\ntenants:\n  - name: okta\n    system: okta\n    adapter: okta\n    endpoint: https://acme.okta.com\n    credential: 00aBcD-SuperSecretToken\n";
        let errors = parse(&Arc::from("c.yaml"), text).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field.as_deref(), Some("tenants[0].credential"));
        assert_eq!((errors[0].origin.line, errors[0].origin.column), (8, 17));
        let rendered = format!("{} {:?}", errors[0], errors[0].hint);
        assert!(!rendered.contains("SuperSecret"));
    }

    const PARTNER: &str = "id: acme\ntier: premium\ntenants:\n  - name: partner\n    system: gdap\n    adapter: graph\n    tenant_id: 11111111-1111-4111-8111-111111111111\n    client_id: 22222222-2222-4222-8222-222222222222\n    credential: env:MSP_PARTNER_SECRET\n    groups:\n      GDAP-Acme-Helpdesk: 33333333-3333-4333-8333-333333333333\n    gdap:\n      relationship: rel-acme\n      customer_tenant_id: 44444444-4444-4444-8444-444444444444\n";

    #[test]
    fn a_gdap_partner_tenant_is_parsed() {
        let text = format!(
            "{PARTNER}      access:\n        GDAP-Acme-Helpdesk: [Helpdesk Administrator, Global Reader]\n"
        );
        let c = parse(&Arc::from("clients/acme.yaml"), &text).unwrap_or_else(|e| panic!("{e:?}"));
        let TenantSettings::Graph(graph) = &c.tenants[0].settings else {
            panic!("{:?}", c.tenants[0].settings);
        };
        let gdap = graph.gdap.as_ref().unwrap();
        assert_eq!(c.tenants[0].system, SystemKind::Gdap);
        assert_eq!(gdap.relationship, "rel-acme");
        assert!(!gdap.auto_extend);
        assert_eq!(
            gdap.access["GDAP-Acme-Helpdesk"],
            ["Helpdesk Administrator", "Global Reader"]
        );
    }

    #[test]
    fn global_administrator_in_an_auto_extending_relationship_is_refused_at_its_line() {
        let text = format!(
            "{PARTNER}      auto_extend: true\n      access:\n        GDAP-Acme-Helpdesk:\n          - Helpdesk Administrator\n          - Global Administrator\n"
        );
        let errors = parse(&Arc::from("c.yaml"), &text).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].message.contains("cannot auto-extend"),
            "{errors:?}"
        );
        assert_eq!(errors[0].origin.line, 19);
        assert!(
            errors[0]
                .hint
                .as_deref()
                .unwrap()
                .contains("auto_extend: false")
        );
    }

    #[test]
    fn gdap_sections_are_checked() {
        // An unmapped partner group, and a customer that is not a tenant id.
        let text = PARTNER.replace("44444444-4444-4444-8444-444444444444", "acme.example")
            + "      access:\n        GDAP-Other: [Global Reader]\n";
        let errors = parse(&Arc::from("c.yaml"), &text).unwrap_err();
        let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(errors.len(), 2, "{messages:?}");
        assert!(messages[0].contains("not an Entra tenant id"));
        assert!(messages[1].contains("`GDAP-Other` has no object id"));
        // `gdap:` on another system, and a `gdap` tenant without it.
        let text = PARTNER.replace("system: gdap", "system: entra");
        let errors = parse(&Arc::from("c.yaml"), &text).unwrap_err();
        assert!(
            errors[0]
                .message
                .contains("for `system: gdap` tenants only")
        );
        let text = PARTNER.split("    gdap:").next().unwrap().to_string();
        let errors = parse(&Arc::from("c.yaml"), &text).unwrap_err();
        assert!(errors[0].message.contains("needs a `gdap:` section"));
        // Partner groups may be PIM for Groups groups; directory roles are not managed
        // from the partner tenant.
        let text = PARTNER.replace("    groups:\n", "    pim_groups: true\n    groups:\n");
        assert!(parse(&Arc::from("c.yaml"), &text).is_ok());
        let text = PARTNER.replace("    groups:\n", "    pim: true\n    groups:\n");
        let errors = parse(&Arc::from("c.yaml"), &text).unwrap_err();
        assert_eq!(errors[0].field.as_deref(), Some("tenants[0].pim"));
    }

    const OKTA: &str = "id: acme\ntier: premium\ntenants:\n  - name: okta\n    system: okta\n    adapter: okta\n    endpoint: https://acme.okta.com\n    credential: env:ACME_OKTA_TOKEN\n";

    #[test]
    fn okta_group_roles_are_parsed_and_checked_at_their_line() {
        let text = format!(
            "{OKTA}    group_roles:\n      MSP-Helpdesk: [USER_ADMIN, HELP_DESK_ADMIN]\n      MSP-Readers: []\n"
        );
        let c = parse(&Arc::from("c.yaml"), &text).unwrap_or_else(|e| panic!("{e:?}"));
        let TenantSettings::Okta(okta) = &c.tenants[0].settings else {
            panic!("{:?}", c.tenants[0].settings);
        };
        let roles = &okta.group_roles;
        assert_eq!(roles["MSP-Helpdesk"], ["HELP_DESK_ADMIN", "USER_ADMIN"]);
        assert!(roles["MSP-Readers"].is_empty());
        // Membership of a group with roles is admin access; of one with none, it is not.
        let okta = &c.tenants[0];
        assert_eq!(
            okta.admin_roles_of_group("MSP-Helpdesk"),
            Some(&["HELP_DESK_ADMIN".to_string(), "USER_ADMIN".to_string()][..])
        );
        assert_eq!(okta.admin_roles_of_group("MSP-Readers"), None);
        assert_eq!(okta.admin_roles_of_group("MSP-Other"), None);

        let text = format!(
            "{OKTA}    group_roles:\n      MSP-Helpdesk:\n        - help_desk_admin\n        - CUSTOM\n        - USER_ADMIN\n        - USER_ADMIN\n"
        );
        let errors = parse(&Arc::from("c.yaml"), &text).unwrap_err();
        let found: Vec<(&str, u32, &str)> = errors
            .iter()
            .map(|e| {
                (
                    e.message.as_str(),
                    e.origin.line,
                    e.field.as_deref().unwrap_or_default(),
                )
            })
            .collect();
        assert_eq!(
            found,
            [
                (
                    "`help_desk_admin` is not an Okta admin role type",
                    11,
                    "tenants[0].group_roles.MSP-Helpdesk"
                ),
                (
                    "a custom role needs a resource set, which `group_roles` cannot name",
                    12,
                    "tenants[0].group_roles.MSP-Helpdesk"
                ),
                (
                    "`USER_ADMIN` is listed twice for the group `MSP-Helpdesk`",
                    14,
                    "tenants[0].group_roles.MSP-Helpdesk"
                ),
            ]
        );
        assert!(
            errors[0]
                .hint
                .as_deref()
                .unwrap()
                .contains("HELP_DESK_ADMIN")
        );

        // Only Okta tenants have `group_roles`.
        let text = format!("{OKTA}    group_roles:\n      MSP-Helpdesk: [USER_ADMIN]\n")
            .replace("adapter: okta", "adapter: scim");
        let errors = parse(&Arc::from("c.yaml"), &text).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(
            errors[0].message,
            "`group_roles` is for `okta` tenants only"
        );
    }

    #[test]
    fn user_filters_name_their_account_attributes() {
        assert_eq!(user_filter_attributes("(uid={account})").unwrap(), ["uid"]);
        assert_eq!(
            user_filter_attributes(
                "(&(objectClass=user)(|(userPrincipalName={account})(sAMAccountName={account})))"
            )
            .unwrap(),
            ["userPrincipalName", "sAMAccountName"]
        );
        assert!(user_filter_attributes("uid={account}").is_err());
        assert!(user_filter_attributes("(uid=bob)").is_err());
        assert!(user_filter_attributes("(&(uid={account})").is_err());
    }

    #[test]
    fn directory_tenants_need_a_bind_dn_and_an_ldap_url() {
        let text = "id: acme\ntier: premium\ntenants:\n  - name: ldap\n    system: ldap\n    adapter: ldap\n    endpoint: https://ldap.acme.example\n    credential: env:ACME_LDAP_PASSWORD\n    user_filter: \"(mail=bob)\"\n";
        let errors = parse(&Arc::from("c.yaml"), text).unwrap_err();
        let fields: Vec<_> = errors.iter().filter_map(|e| e.field.as_deref()).collect();
        assert_eq!(
            fields,
            [
                "tenants[0].user_filter",
                "tenants[0].endpoint",
                "tenants[0].bind_dn",
                "tenants[0].base_dn"
            ],
            "{errors:?}"
        );
    }

    #[test]
    fn credential_references() {
        assert_eq!(
            CredentialRef::parse("env:ACME_TOKEN").unwrap(),
            CredentialRef::Env("ACME_TOKEN".into())
        );
        assert!(CredentialRef::parse("env:lower").is_err());
        assert!(CredentialRef::parse("https://x").is_err());
        assert_eq!(
            CredentialRef::parse("keyring:acme-entra")
                .unwrap()
                .to_string(),
            "keyring:acme-entra"
        );
    }
}
