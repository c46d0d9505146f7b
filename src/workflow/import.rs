//! `onboard import`: a proposal for adopting a client whose tenants already hold access.
//!
//! Reads each tenant of the client through its adapter (never writing to it), and works
//! out a client file and ledger records such that the first plan after the import
//! revokes nothing and finds no drift among known identities:
//! - the client file: its tenant blocks with the ids the tenants resolve (Entra group
//!   object ids, a GDAP relationship's access assignments) and credential references;
//! - for every entitlement the client's tier bundles (and its exceptions) manage, each
//!   holder matched to a known identity by account, as `plan` matches them; holders no
//!   identity has the account of are reported, never invented as identities;
//! - access a known identity holds that no bundle gives it becomes an explicit,
//!   time-bound exception (`reason: imported`, a ticket placeholder);
//! - every held grant the resulting file wants is recorded in the ledger as held before
//!   onboard, so it is neither granted again nor taken for drift.
//!
//! Returns the proposal; prints nothing, writes nothing (the command writes the file,
//! the ledger and the audit entries).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use time::OffsetDateTime;

use super::Context;
use crate::adapters::{self, AdapterError, Discovery};
use crate::model::{
    AdapterKind, Client, Entitlement, GrantRecord, Holder, IdentityKind, RecordOrigin, SourceKind,
    Tenant, Workspace,
};
use crate::plan::desired_access;

/// The reason every imported exception gives.
pub const IMPORTED_REASON: &str = "imported";

/// Where the client's tenants are described.
#[derive(Debug, Clone)]
pub enum Source {
    /// One tenant, described field by field (the command's flags).
    Tenant(TenantSpec),
    /// A client file's text (an existing client file of the workspace, or a file the
    /// user wrote with the client's tenants): its tenants, tier, contract and exceptions
    /// are the proposal's starting point.
    File {
        /// The path, as messages name it.
        path: String,
        /// The file's text.
        text: String,
    },
}

/// One tenant described field by field: its block is written in this order, and read
/// back with the client file parser, which checks it as it checks any client file.
#[derive(Debug, Clone, Default)]
pub struct TenantSpec {
    /// `name`.
    pub name: String,
    /// `system`.
    pub system: String,
    /// `adapter`.
    pub adapter: String,
    /// Other text fields (`endpoint`, `credential`, `base_dn`…), as `(field, value)`.
    pub fields: Vec<(&'static str, String)>,
    /// Fields set to `true` (`pim`, `pim_groups`, `starttls`).
    pub switches: Vec<&'static str>,
    /// `gdap:`: the relationship's id and the client's tenant id.
    pub gdap: Option<(String, String)>,
}

/// What an import is asked to do.
#[derive(Debug, Clone)]
pub struct ImportRequest {
    /// The client's id.
    pub client: String,
    /// Where its tenants are described.
    pub source: Source,
    /// The tier whose bundles say what is managed (default: the source file's).
    pub tier: Option<String>,
    /// The end of imported exceptions, as written in the file (`YYYY-MM-DD` or RFC 3339).
    pub until: String,
    /// The ticket imported exceptions name (a placeholder the user replaces).
    pub ticket: String,
    /// The person who approves the imported exceptions; needed only when there are any.
    pub approver: Option<String>,
    /// Who records the imported grants (the ledger's `actor`).
    pub actor: String,
}

/// Why an import cannot be proposed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ImportError {
    /// The tier names no bundle.
    #[error("unknown tier `{tier}`")]
    UnknownTier {
        /// The tier asked for.
        tier: String,
        /// A hint naming the closest tier or the known ones.
        hint: String,
    },
    /// No tier was given and the source has none.
    #[error("the client file `{path}` names client `{found}`, not `{client}`")]
    OtherClient {
        /// The file.
        path: String,
        /// The id in it.
        found: String,
        /// The id asked for.
        client: String,
    },
    /// Tenants could not be read: nothing is proposed from a partial read.
    #[error("{} tenant(s) could not be read: {}", .errors.len(), .errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Unreadable {
        /// Each tenant's failure.
        errors: Vec<AdapterError>,
    },
    /// Access needs exceptions but no approver was named.
    #[error("{count} held grant(s) need an imported exception, and an exception needs an approver")]
    NoApprover {
        /// How many grants.
        count: usize,
    },
    /// The approver is not a person of the workspace.
    #[error("the approver `{approver}` is not a person of the workspace")]
    BadApprover {
        /// Who was named.
        approver: String,
        /// The hint.
        hint: String,
    },
    /// `until` is not a date.
    #[error("`--until`: {0}")]
    BadUntil(String),
}

impl ImportError {
    /// Returns what would fix it.
    pub fn hint(&self) -> Option<String> {
        match self {
            ImportError::UnknownTier { hint, .. } | ImportError::BadApprover { hint, .. } => {
                Some(hint.clone())
            }
            ImportError::OtherClient { .. } => {
                Some("name the client the file describes, or fix its `id:`".into())
            }
            ImportError::Unreadable { errors } => Some(
                errors
                    .iter()
                    .find_map(|e| e.hint.clone())
                    .unwrap_or_else(|| {
                        "check the tenant's endpoint and credential; nothing was written".into()
                    }),
            ),
            ImportError::NoApprover { .. } => Some(
                "name the person who approves them with `--approver PERSON` (or act as a person identity: `ONBOARD_ACTOR`)".into(),
            ),
            ImportError::BadUntil(_) => Some(
                "write a day (`2026-12-31`), an RFC 3339 timestamp or a duration from now (`30d`)"
                    .into(),
            ),
        }
    }

    /// Returns whether tenants could not be read (a partial failure), rather than the
    /// request being wrong.
    pub fn is_unreadable(&self) -> bool {
        matches!(self, ImportError::Unreadable { .. })
    }
}

/// How one holder of a managed entitlement is taken in.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum HeldAs {
    /// A bundle of the tier (or an exception already in the file) gives it: recorded.
    Wanted,
    /// No bundle gives it: an imported exception does, until its end: recorded.
    Exception,
    /// The holder is no known identity's account: reported, left alone (the first
    /// plan shows it as drift).
    Unknown,
    /// Policy refuses it to the identity: the first plan reports the denial.
    Denied,
    /// Nothing wants it, even with the exceptions (the client's contract is not
    /// running): the first plan shows it as drift.
    Unwanted,
}

/// One holder of a managed entitlement, as the import found it.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct HeldGrant {
    /// The tenant's name.
    pub tenant: String,
    /// The entitlement.
    pub entitlement: String,
    /// The account in the tenant.
    pub account: String,
    /// The identity whose account it is (absent for unknown holders).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    /// How it is taken in.
    pub held_as: HeldAs,
    /// What gives it (`bundle:ID`, `exception:ID`), for recorded grants.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    /// The end of the access, for time-bound grants (RFC 3339).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    #[schemars(with = "Option<crate::model::schema::DateTime>")]
    pub until: Option<OffsetDateTime>,
}

/// A grant the tier's bundles want that the tenant does not hold: the first plan grants it.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct MissingGrant {
    /// The tenant's name.
    pub tenant: String,
    /// The entitlement.
    pub entitlement: String,
    /// The identity.
    pub identity: String,
    /// Its account in the tenant.
    pub account: String,
}

/// The proposal: the client file to write, the ledger records, and the report.
#[derive(Debug, Clone)]
pub struct Proposal {
    /// The client's id.
    pub client: String,
    /// The client file's text, as it is to be written (`clients/ID.yaml`).
    pub text: String,
    /// Every holder of a managed entitlement, by tenant, entitlement and account.
    pub held: Vec<HeldGrant>,
    /// Grants the bundles want that no tenant holds: the first plan grants them.
    pub missing: Vec<MissingGrant>,
    /// The ids of the imported exceptions.
    pub exceptions: Vec<String>,
    /// The ledger records of the held grants the file wants, held before onboard.
    pub records: Vec<GrantRecord>,
    /// What the user should know: tenants' notes, policy denials.
    pub warnings: Vec<String>,
}

/// What one tenant holds, as read for the import.
struct TenantRead {
    discovery: Discovery,
    held: BTreeMap<Entitlement, Vec<Holder>>,
}

/// Works out the proposal for `request`: reads the tenants, matches holders to
/// identities, adds exceptions for access no bundle gives, and the ledger records.
pub fn propose(
    cx: &Context<'_>,
    request: &ImportRequest,
    progress: &dyn crate::observe::ReadReporter,
) -> anyhow::Result<Proposal> {
    let file_path: Arc<str> = Arc::from(format!("clients/{}.yaml", request.client).as_str());
    let mut text = match &request.source {
        Source::Tenant(spec) => {
            let tier = request.tier.clone().unwrap_or_default();
            spec_client_text(&request.client, &tier, spec)
        }
        Source::File { text, .. } => text.clone(),
    };
    if let (Source::File { .. }, Some(tier)) = (&request.source, &request.tier) {
        text = replace_top_level(&text, "tier", &format!("tier: {}\n", scalar(tier)));
    }
    let shown: Arc<str> = match &request.source {
        Source::Tenant(_) => Arc::from(format!("{file_path} (from the flags)").as_str()),
        Source::File { path, .. } => Arc::from(path.as_str()),
    };
    let base =
        crate::model::client_from_yaml(&shown, &text).map_err(crate::load::LoadError::Invalid)?;
    if base.id != request.client {
        return Err(ImportError::OtherClient {
            path: shown.to_string(),
            found: base.id,
            client: request.client.clone(),
        }
        .into());
    }
    let tiers = cx.workspace.tiers();
    if !tiers.contains(base.tier.as_str()) {
        return Err(ImportError::UnknownTier {
            hint: crate::model::suggest("tiers", &base.tier, &tiers),
            tier: base.tier.clone(),
        }
        .into());
    }
    crate::model::time::parse_instant(&request.until, crate::model::time::DateBound::EndInclusive)
        .map_err(ImportError::BadUntil)?;

    // What the tier's bundles and the file's exceptions manage, and who is who.
    let workspace = with_client(cx.workspace, &base);
    let (access, _) = desired_access(&workspace, &base, &[], cx.now);

    // Read every tenant whole; a tenant that cannot be read stops the import.
    progress.start(base.tenants.len());
    let reads = crate::workers::map(&base.tenants, cx.workspace.settings.parallelism, |tenant| {
        let managed = access
            .managed
            .get(&tenant.name)
            .cloned()
            .unwrap_or_default();
        let read = read_tenant(cx, &base, tenant, &managed);
        progress.read(&format!("{}/{}", base.id, tenant.name));
        read
    });
    progress.finish();
    let mut errors = Vec::new();
    let mut tenants = Vec::new();
    for read in reads {
        match read {
            Ok(read) => tenants.push(read),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(ImportError::Unreadable { errors }.into());
    }

    let mut warnings: Vec<String> = Vec::new();
    // The tenant blocks, with what the tenants resolved.
    if tenants.iter().any(|t| !t.discovery.adds_nothing()) {
        let mut block = String::from("tenants:\n");
        for (tenant, read) in base.tenants.iter().zip(&tenants) {
            block.push_str(&tenant_yaml(tenant, &read.discovery));
        }
        text = replace_top_level(&text, "tenants", &block);
    }
    for (tenant, read) in base.tenants.iter().zip(&tenants) {
        warnings.extend(
            read.discovery
                .notes
                .iter()
                .map(|n| format!("`{}/{}`: {n}", base.id, tenant.name)),
        );
    }

    // Who holds what, and what no bundle gives.
    let wanted_now: BTreeSet<(&str, &Entitlement, &str)> = access
        .grants
        .iter()
        .filter(|g| g.is_active(cx.now))
        .map(|g| {
            (
                g.key.tenant.as_str(),
                &g.key.entitlement,
                g.key.identity.as_str(),
            )
        })
        .collect();
    let empty = BTreeMap::new();
    // identity → (tenant, system, entitlement) held beyond what is wanted.
    let mut beyond: BTreeMap<String, Vec<(String, String, Entitlement)>> = BTreeMap::new();
    for (tenant, read) in base.tenants.iter().zip(&tenants) {
        let accounts = access.accounts.get(&tenant.name).unwrap_or(&empty);
        for (entitlement, holders) in &read.held {
            for holder in holders {
                let Some(identity) = accounts.get(&holder.account.to_lowercase()) else {
                    continue;
                };
                if !wanted_now.contains(&(tenant.name.as_str(), entitlement, identity.as_str())) {
                    let list = beyond.entry(identity.clone()).or_default();
                    let item = (
                        tenant.name.clone(),
                        tenant.system.as_str().to_string(),
                        entitlement.clone(),
                    );
                    if !list.contains(&item) {
                        list.push(item);
                    }
                }
            }
        }
    }
    let mut exception_ids = Vec::new();
    if !beyond.is_empty() {
        let count = beyond.values().map(Vec::len).sum();
        let approver = request
            .approver
            .clone()
            .ok_or(ImportError::NoApprover { count })?;
        check_approver(cx.workspace, &approver)?;
        let taken: BTreeSet<String> = base.exceptions.iter().map(|e| e.id.clone()).collect();
        let mut items = String::new();
        for (identity, grants) in &beyond {
            let id = free_id(&format!("imported-{identity}"), &taken, &exception_ids);
            items.push_str(&exception_yaml(&id, identity, grants, request, &approver));
            exception_ids.push(id);
        }
        text = append_exceptions(&text, &items);
    }
    // The file as it is written: the schema line on top, fields in canonical order.
    text = with_schema_line(&text);
    if let Ok(formatted) = crate::model::format::format_yaml(
        &text,
        crate::model::format::field_order(SourceKind::Client),
    ) {
        text = formatted;
    }

    // The proposal read back as `plan` will read it: the records are what it wants.
    let proposed = crate::model::client_from_yaml(&file_path, &text)
        .map_err(crate::load::LoadError::Invalid)?;
    let workspace = with_client(cx.workspace, &proposed);
    let (access, _) = desired_access(&workspace, &proposed, &[], cx.now);
    let mut held = Vec::new();
    let mut records = Vec::new();
    let mut holding: BTreeSet<(&str, &Entitlement, String)> = BTreeSet::new();
    for (tenant, read) in proposed.tenants.iter().zip(&tenants) {
        let accounts = access.accounts.get(&tenant.name).unwrap_or(&empty);
        for (entitlement, holders) in &read.held {
            for holder in holders {
                holding.insert((
                    tenant.name.as_str(),
                    entitlement,
                    holder.account.to_lowercase(),
                ));
                let identity = accounts.get(&holder.account.to_lowercase()).cloned();
                let grant = identity.as_ref().and_then(|id| {
                    access.grants.iter().find(|g| {
                        g.key.tenant == tenant.name
                            && &g.key.entitlement == entitlement
                            && &g.key.identity == id
                            && g.is_active(cx.now)
                    })
                });
                let held_as = match (&identity, grant) {
                    (None, _) => HeldAs::Unknown,
                    (Some(_), Some(g)) if !g.denials.is_empty() => {
                        for denial in &g.denials {
                            warnings.push(format!(
                                "`{}/{}`: policy `{}` refuses {}: {} (the first plan reports it; fix the workspace or the access)",
                                proposed.id, tenant.name, denial.rule, entitlement, denial.message
                            ));
                        }
                        HeldAs::Denied
                    }
                    (Some(_), Some(g)) => {
                        records.push(GrantRecord {
                            client: proposed.id.clone(),
                            tenant: tenant.name.clone(),
                            entitlement: entitlement.clone(),
                            identity: g.key.identity.clone(),
                            account: holder.account.clone(),
                            granted_at: cx.now,
                            expires_at: g.expires_at,
                            sources: g.sources.clone(),
                            ticket: g.ticket.clone(),
                            actor: request.actor.clone(),
                            tenant_enforces_expiry: false,
                            origin: RecordOrigin::HeldBeforeOnboard,
                        });
                        if g.sources.iter().all(|s| {
                            s.strip_prefix("exception:")
                                .is_some_and(|id| exception_ids.iter().any(|e| e == id))
                        }) {
                            HeldAs::Exception
                        } else {
                            HeldAs::Wanted
                        }
                    }
                    // Wanted by nothing even with the exceptions: the contract is not
                    // running, so the first plan gives nothing.
                    (Some(_), None) => HeldAs::Unwanted,
                };
                let recorded = matches!(held_as, HeldAs::Wanted | HeldAs::Exception);
                held.push(HeldGrant {
                    tenant: tenant.name.clone(),
                    entitlement: entitlement.to_string(),
                    account: holder.account.clone(),
                    identity,
                    held_as,
                    sources: grant
                        .filter(|_| recorded)
                        .map(|g| g.sources.clone())
                        .unwrap_or_default(),
                    until: grant.filter(|_| recorded).and_then(|g| g.expires_at),
                });
            }
        }
    }
    if !proposed.is_active(cx.now) {
        warnings.push(format!(
            "the contract of `{}` is not running now: the first plan wants nothing in its tenants",
            proposed.id
        ));
    }
    let missing = access
        .grants
        .iter()
        .filter(|g| g.is_active(cx.now) && g.denials.is_empty())
        .filter(|g| {
            !holding.contains(&(
                g.key.tenant.as_str(),
                &g.key.entitlement,
                g.account.to_lowercase(),
            ))
        })
        .map(|g| MissingGrant {
            tenant: g.key.tenant.clone(),
            entitlement: g.key.entitlement.to_string(),
            identity: g.key.identity.clone(),
            account: g.account.clone(),
        })
        .collect();
    Ok(Proposal {
        client: proposed.id.clone(),
        text,
        held,
        missing,
        exceptions: exception_ids,
        records,
        warnings,
    })
}

/// Returns the workspace with `client` in it (replacing one of the same id).
fn with_client(workspace: &Workspace, client: &Client) -> Workspace {
    let mut workspace = workspace.clone();
    workspace.clients.insert(client.id.clone(), client.clone());
    workspace
}

/// Reads one tenant for the import: checks it is the tenant named, asks it for the ids
/// it resolves, and lists every managed entitlement whole.
fn read_tenant(
    cx: &Context<'_>,
    client: &Client,
    tenant: &Tenant,
    managed: &BTreeSet<Entitlement>,
) -> Result<TenantRead, AdapterError> {
    let mut adapter = adapters::open(client, tenant, cx.root, cx.adapters)?;
    adapter.verify_tenant()?;
    let entitlements: Vec<Entitlement> = managed.iter().cloned().collect();
    let discovery = adapter.discover(&entitlements)?;
    let mut held = BTreeMap::new();
    for entitlement in managed {
        held.insert(entitlement.clone(), adapter.list(entitlement)?);
    }
    Ok(TenantRead { discovery, held })
}

/// Checks that the approver of imported exceptions is a person of the workspace, as
/// `validate` requires of every exception's approver.
fn check_approver(workspace: &Workspace, approver: &str) -> Result<(), ImportError> {
    match workspace.identities.get(approver) {
        Some(identity) if identity.kind == IdentityKind::Person => Ok(()),
        Some(identity) => Err(ImportError::BadApprover {
            approver: approver.to_string(),
            hint: format!(
                "`{approver}` is {}: name a person with `--approver`",
                identity.kind.with_article()
            ),
        }),
        None => Err(ImportError::BadApprover {
            approver: approver.to_string(),
            hint: crate::model::suggest(
                "persons",
                approver,
                workspace
                    .identities
                    .values()
                    .filter(|i| i.kind == IdentityKind::Person)
                    .map(|i| i.id.as_str()),
            ),
        }),
    }
}

/// Returns `wanted`, or `wanted-2`, `wanted-3`… when that id is taken.
fn free_id(wanted: &str, taken: &BTreeSet<String>, new: &[String]) -> String {
    let free = |id: &str| !taken.contains(id) && !new.iter().any(|n| n == id);
    if free(wanted) {
        return wanted.to_string();
    }
    (2..)
        .map(|n| format!("{wanted}-{n}"))
        .find(|id| free(id))
        .unwrap_or_else(|| wanted.to_string())
}

/// Returns the reference a tenant's secret is expected under when the flags name none:
/// `env:ACME_SCIM_TOKEN` (the client, the tenant, and what the secret is).
pub fn default_credential(client: &str, tenant: &str, adapter: AdapterKind) -> Option<String> {
    let what = match adapter {
        AdapterKind::File => return None,
        AdapterKind::Scim | AdapterKind::Okta | AdapterKind::Github => "TOKEN",
        AdapterKind::Graph => "SECRET",
        AdapterKind::Ldap | AdapterKind::Ad => "PASSWORD",
    };
    let word = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect()
    };
    Some(format!("env:{}_{}_{what}", word(client), word(tenant)))
}

/// Returns the system a tenant reached through `adapter` usually is (`graph` → `entra`),
/// or `None` for the `file` adapter, which may stand in for any.
pub fn default_system(adapter: AdapterKind) -> Option<&'static str> {
    Some(match adapter {
        AdapterKind::File => return None,
        AdapterKind::Scim => "scim",
        AdapterKind::Ldap => "ldap",
        AdapterKind::Ad => "ad",
        AdapterKind::Graph => "entra",
        AdapterKind::Okta => "okta",
        AdapterKind::Github => "github",
    })
}

/// Writes a value as a YAML scalar: plain when it reads back as the same string,
/// else double-quoted (JSON's escapes are YAML's).
fn scalar(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || " -_./@:=,+".contains(c))
        && !text.starts_with([' ', '-', ':', '@', ',', '.'])
        && !text.ends_with([' ', ':'])
        && !text.contains(": ")
        && (!text.starts_with(|c: char| c.is_ascii_digit()) || is_day_or_id(text))
        && !matches!(
            text.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n"
        );
    if plain {
        text.to_string()
    } else {
        serde_json::to_string(text).unwrap_or_else(|_| format!("{text:?}"))
    }
}

/// Returns whether a text starting with a digit still reads back as a string when
/// plain: a day (`2026-12-31`, which workspace files write plain) or an id with dashes
/// (a GUID), which no YAML reader takes for a number.
fn is_day_or_id(text: &str) -> bool {
    text[1..].contains('-')
        && text.parse::<f64>().is_err()
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// Returns the client file text for one tenant given field by field.
fn spec_client_text(client: &str, tier: &str, spec: &TenantSpec) -> String {
    let mut text = format!(
        "id: {}\ntier: {}\ntenants:\n  - name: {}\n    system: {}\n    adapter: {}\n",
        scalar(client),
        scalar(tier),
        scalar(&spec.name),
        scalar(&spec.system),
        scalar(&spec.adapter)
    );
    for (field, value) in &spec.fields {
        text.push_str(&format!("    {field}: {}\n", scalar(value)));
    }
    for field in &spec.switches {
        text.push_str(&format!("    {field}: true\n"));
    }
    if let Some((relationship, customer)) = &spec.gdap {
        text.push_str(&format!(
            "    gdap:\n      relationship: {}\n      customer_tenant_id: {}\n",
            scalar(relationship),
            scalar(customer)
        ));
    }
    text
}

/// Writes one tenant's block (a `tenants:` list item) from the parsed tenant and what
/// the tenant resolved.
fn tenant_yaml(tenant: &Tenant, discovery: &Discovery) -> String {
    let mut out = format!("  - name: {}\n", scalar(&tenant.name));
    let mut field = |name: &str, value: Option<String>| {
        if let Some(value) = value {
            out.push_str(&format!("    {name}: {}\n", scalar(&value)));
        }
    };
    field("system", Some(tenant.system.as_str().to_string()));
    field("adapter", Some(tenant.adapter.as_str().to_string()));
    field("path", tenant.path.clone());
    field("endpoint", tenant.endpoint.clone());
    field("auth_endpoint", tenant.auth_endpoint.clone());
    field("tenant_id", tenant.tenant_id.clone());
    field("client_id", tenant.client_id.clone());
    field("org", tenant.org.clone());
    field("app_id", tenant.app_id.clone());
    field("installation_id", tenant.installation_id.clone());
    field("domain", tenant.domain.clone());
    field("base_dn", tenant.base_dn.clone());
    field("bind_dn", tenant.bind_dn.clone());
    field("user_filter", tenant.user_filter.clone());
    field("ca_file", tenant.ca_file.as_ref().map(|c| c.path.clone()));
    field(
        "credential",
        tenant.credential.as_ref().map(ToString::to_string),
    );
    let mut flags = Vec::new();
    if let Some(starttls) = tenant.starttls {
        flags.push(format!("    starttls: {starttls}\n"));
    }
    if tenant.pim {
        flags.push("    pim: true\n".into());
    }
    if tenant.pim_groups {
        flags.push("    pim_groups: true\n".into());
    }
    for line in flags {
        out.push_str(&line);
    }
    let mut groups = tenant.groups.clone();
    for (name, id) in &discovery.groups {
        groups.entry(name.clone()).or_insert_with(|| id.clone());
    }
    if !groups.is_empty() {
        out.push_str("    groups:\n");
        for (name, id) in &groups {
            out.push_str(&format!("      {}: {}\n", scalar(name), scalar(id)));
        }
    }
    if let Some(gdap) = &tenant.gdap {
        let mut access = gdap.access.clone();
        for (group, roles) in &discovery.gdap_access {
            access.entry(group.clone()).or_insert_with(|| roles.clone());
        }
        out.push_str(&format!(
            "    gdap:\n      relationship: {}\n      customer_tenant_id: {}\n",
            scalar(&gdap.relationship),
            scalar(&gdap.customer_tenant_id)
        ));
        if gdap.auto_extend {
            out.push_str("      auto_extend: true\n");
        }
        if !access.is_empty() {
            out.push_str("      access:\n");
            for (group, roles) in &access {
                let roles: Vec<String> = roles.iter().map(|r| scalar(r)).collect();
                out.push_str(&format!(
                    "        {}: [{}]\n",
                    scalar(group),
                    roles.join(", ")
                ));
            }
        }
    }
    if !tenant.group_roles.is_empty() {
        out.push_str("    group_roles:\n");
        for (group, roles) in &tenant.group_roles {
            out.push_str(&format!(
                "      {}: [{}]\n",
                scalar(group),
                roles.join(", ")
            ));
        }
    }
    out
}

/// Writes one imported exception (a list item at the first column's indentation).
fn exception_yaml(
    id: &str,
    identity: &str,
    grants: &[(String, String, Entitlement)],
    request: &ImportRequest,
    approver: &str,
) -> String {
    let mut out = format!(
        "  # Held before onboard: review it, replace the ticket, and extend or remove it.\n  - id: {}\n    identity: {}\n    grants:\n",
        scalar(id),
        scalar(identity)
    );
    for (tenant, system, entitlement) in grants {
        out.push_str(&format!(
            "      - system: {}\n        entitlement: {}\n        tenant: {}\n",
            scalar(system),
            scalar(&entitlement.to_string()),
            scalar(tenant)
        ));
    }
    out.push_str(&format!(
        "    reason: {IMPORTED_REASON}\n    ticket: {}\n    approver: {}\n    until: {}\n",
        scalar(&request.ticket),
        scalar(approver),
        scalar(&request.until)
    ));
    out
}

/// Returns the line range of a top-level field: its key line to the last line before
/// the next field (leaving the comments directly above that field to it).
fn field_lines(lines: &[&str], key: &str) -> Option<(usize, usize)> {
    let start = lines.iter().position(|l| {
        crate::model::format::is_top_level(l)
            && l.split(':').next().map(str::trim) == Some(key)
            && l.contains(':')
    })?;
    let mut end = lines[start + 1..]
        .iter()
        .position(|l| crate::model::format::is_top_level(l))
        .map_or(lines.len(), |i| start + 1 + i);
    while end > start + 1 && (lines[end - 1].starts_with('#') || lines[end - 1].trim().is_empty()) {
        end -= 1;
    }
    Some((start, end))
}

/// Replaces a top-level field (`replacement` ends in a newline), or appends it.
fn replace_top_level(text: &str, key: &str, replacement: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let Some((start, end)) = field_lines(&lines, key) else {
        let mut out = text.to_string();
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(replacement);
        return out;
    };
    let mut out = String::new();
    for line in &lines[..start] {
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(replacement);
    for line in &lines[end..] {
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Adds exception items (written at two spaces' indentation) to the file's
/// `exceptions:` list, creating it when there is none.
fn append_exceptions(text: &str, items: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let Some((start, end)) = field_lines(&lines, "exceptions") else {
        return replace_top_level(text, "exceptions", &format!("exceptions:\n{items}"));
    };
    let inline = lines[start]
        .split_once(':')
        .map(|(_, rest)| rest.split('#').next().unwrap_or_default().trim())
        .unwrap_or_default();
    if !inline.is_empty() {
        // `exceptions: []`: nothing to keep.
        return replace_top_level(text, "exceptions", &format!("exceptions:\n{items}"));
    }
    // Items at the indentation the file's own use.
    let indent = lines[start + 1..end]
        .iter()
        .find(|l| l.trim_start().starts_with('-'))
        .map_or(2, |l| l.len() - l.trim_start().len());
    let items: String = items
        .lines()
        .map(|l| {
            let l = l.strip_prefix("  ").unwrap_or(l);
            format!("{}{l}\n", " ".repeat(indent))
        })
        .collect();
    let mut out = String::new();
    for line in &lines[..end] {
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(&items);
    for line in &lines[end..] {
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// The line that points editors at the client file's schema, as `onboard init` writes it.
pub const SCHEMA_LINE: &str = "# yaml-language-server: $schema=../schemas/client.schema.json";

/// Returns the text starting with [`SCHEMA_LINE`] (replacing another schema line).
fn with_schema_line(text: &str) -> String {
    let rest: String = text
        .lines()
        .filter(|l| !l.starts_with("# yaml-language-server:"))
        .map(|l| format!("{l}\n"))
        .collect();
    format!("{SCHEMA_LINE}\n{rest}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_read_back_as_the_same_string() {
        for value in [
            "env:ACME_SCIM_TOKEN",
            "https://scim.example/v2",
            "cn=onboard,ou=services,dc=x",
            "role:Global Reader",
            "(uid={account})",
            "0f6a5c1e-1111-2222-3333-444455556666",
            "yes",
            "2026-12-31",
            "a: b",
            "# x",
            "",
            "12345",
        ] {
            let yaml = format!("v: {}\n", scalar(value));
            let read: BTreeMap<String, String> = serde_saphyr::from_str(&yaml).unwrap();
            assert_eq!(read["v"], value, "{yaml}");
        }
        assert_eq!(scalar("env:ACME_SCIM_TOKEN"), "env:ACME_SCIM_TOKEN");
        assert_eq!(scalar("2026-12-21"), "2026-12-21");
        assert_eq!(scalar("0f6a5c1e-1111-2222"), "0f6a5c1e-1111-2222");
        assert_eq!(scalar("12345"), "\"12345\"");
    }

    #[test]
    fn exceptions_join_the_files_own_list_or_start_one() {
        let item = "  - id: x\n    identity: y\n";
        let text = "id: a\ntier: t\nexceptions:\n- id: old\n  identity: z\n# tail\napprovers: []\n";
        assert_eq!(
            append_exceptions(text, item),
            "id: a\ntier: t\nexceptions:\n- id: old\n  identity: z\n- id: x\n  identity: y\n# tail\napprovers: []\n"
        );
        assert_eq!(
            append_exceptions("id: a\nexceptions: []\n", item),
            "id: a\nexceptions:\n  - id: x\n    identity: y\n"
        );
        assert_eq!(
            append_exceptions("id: a", item),
            "id: a\nexceptions:\n  - id: x\n    identity: y\n"
        );
        assert_eq!(
            replace_top_level("id: a\ntier: old # c\nname: n\n", "tier", "tier: new\n"),
            "id: a\ntier: new\nname: n\n"
        );
    }

    #[test]
    fn default_credentials_name_the_client_and_tenant() {
        assert_eq!(
            default_credential("acme-2", "scim", AdapterKind::Scim).as_deref(),
            Some("env:ACME_2_SCIM_TOKEN")
        );
        assert_eq!(default_credential("a", "f", AdapterKind::File), None);
    }
}
