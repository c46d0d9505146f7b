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

mod client_file;
mod exceptions;
mod read;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use time::OffsetDateTime;

use super::Context;
use crate::adapters::AdapterError;
use crate::model::{
    Client, Entitlement, GrantRecord, RecordOrigin, SourceKind, TenantRef, Workspace,
};
use crate::plan::{DesiredAccess, desired_access};

pub use client_file::{SCHEMA_LINE, default_credential, default_system};
use client_file::{replace_top_level, scalar, spec_client_text, tenant_yaml, with_schema_line};
use exceptions::{append_exceptions, check_approver, exception_yaml, free_id};
use read::{TenantRead, read_tenant};

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
    pub sources: Vec<crate::model::Source>,
    /// The end of the access, for time-bound grants (RFC 3339).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    #[schemars(with = "Option<crate::model::schema_text::DateTime>")]
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

/// Works out the proposal for `request`: reads the tenants, matches holders to
/// identities, adds exceptions for access no bundle gives, and the ledger records.
pub fn propose(
    cx: &Context<'_>,
    request: &ImportRequest,
    progress: &dyn crate::observe::ReadReporter,
) -> anyhow::Result<Proposal> {
    let file_path: Arc<str> = Arc::from(format!("clients/{}.yaml", request.client).as_str());
    let (mut text, base) = starting_file(cx, request, &file_path)?;

    // What the tier's bundles and the file's exceptions manage, and who is who.
    let workspace = with_client(cx.workspace, &base);
    let (access, _) = desired_access(&workspace, &base, &[], cx.now);
    let tenants = read_tenants(cx, &base, &access, progress)?;

    let mut warnings: Vec<String> = Vec::new();
    text = with_discovered_tenants(text, &base, &tenants, &mut warnings);
    let beyond = held_beyond_wanted(cx, &base, &access, &tenants);
    let (text, exception_ids) = with_exceptions(cx, request, &base, &beyond, text)?;
    let text = canonical(text);

    // The proposal read back as `plan` will read it: the records are what it wants.
    let proposed = crate::model::client_from_yaml(&file_path, &text)
        .map_err(crate::load::LoadError::Invalid)?;
    let workspace = with_client(cx.workspace, &proposed);
    let (access, _) = desired_access(&workspace, &proposed, &[], cx.now);
    let found = Found {
        cx,
        request,
        proposed: &proposed,
        access: &access,
    };
    let holdings = found.holdings(&tenants, &exception_ids, &mut warnings);
    if !proposed.is_active(cx.now) {
        warnings.push(format!(
            "the contract of `{}` is not running now: the first plan wants nothing in its tenants",
            proposed.id
        ));
    }
    let missing = missing_grants(cx, &access, &holdings.holding);
    Ok(Proposal {
        client: proposed.id.clone(),
        text,
        held: holdings.held,
        missing,
        exceptions: exception_ids,
        records: holdings.records,
        warnings,
    })
}

/// Returns the client file the import starts from (built from the flags, or the file
/// given with its tier replaced) and the client it describes, checked against the
/// request: its id, a tier the workspace has, and `--until`.
fn starting_file(
    cx: &Context<'_>,
    request: &ImportRequest,
    file_path: &Arc<str>,
) -> anyhow::Result<(String, Client)> {
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
    Ok((text, base))
}

/// Reads every tenant whole; a tenant that cannot be read stops the import.
fn read_tenants(
    cx: &Context<'_>,
    base: &Client,
    access: &DesiredAccess,
    progress: &dyn crate::observe::ReadReporter,
) -> anyhow::Result<Vec<TenantRead>> {
    progress.start(base.tenants.len());
    let reads = crate::workers::map(&base.tenants, cx.workspace.settings.parallelism, |tenant| {
        let managed = access
            .managed
            .get(&tenant.name)
            .cloned()
            .unwrap_or_default();
        let read = read_tenant(cx, base, tenant, &managed);
        progress.read(&crate::model::TenantRef::new(&base.id, &tenant.name).to_string());
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
    Ok(tenants)
}

/// Returns the file with its tenant blocks as the tenants resolved them, and adds the
/// tenants' notes to `warnings`.
fn with_discovered_tenants(
    mut text: String,
    base: &Client,
    tenants: &[TenantRead],
    warnings: &mut Vec<String>,
) -> String {
    if tenants.iter().any(|t| !t.discovery.adds_nothing()) {
        let mut block = String::from("tenants:\n");
        for (tenant, read) in base.tenants.iter().zip(tenants) {
            block.push_str(&tenant_yaml(tenant, &read.discovery));
        }
        text = replace_top_level(&text, "tenants", &block);
    }
    for (tenant, read) in base.tenants.iter().zip(tenants) {
        warnings.extend(
            read.discovery
                .notes
                .iter()
                .map(|n| format!("`{}`: {n}", TenantRef::new(&base.id, &tenant.name))),
        );
    }
    text
}

/// Access held beyond what is wanted now: identity → (tenant, system, entitlement).
type Beyond = BTreeMap<String, Vec<(String, String, Entitlement)>>;

/// Returns what known identities hold that neither a bundle nor an exception gives.
fn held_beyond_wanted(
    cx: &Context<'_>,
    base: &Client,
    access: &DesiredAccess,
    tenants: &[TenantRead],
) -> Beyond {
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
    let mut beyond = Beyond::new();
    for (tenant, read) in base.tenants.iter().zip(tenants) {
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
    beyond
}

/// Returns the file with an exception per identity for what it holds beyond what is
/// wanted (which needs `--approver`), and the exceptions' ids.
fn with_exceptions(
    cx: &Context<'_>,
    request: &ImportRequest,
    base: &Client,
    beyond: &Beyond,
    text: String,
) -> anyhow::Result<(String, Vec<String>)> {
    let mut exception_ids = Vec::new();
    if beyond.is_empty() {
        return Ok((text, exception_ids));
    }
    let count = beyond.values().map(Vec::len).sum();
    let approver = request
        .approver
        .clone()
        .ok_or(ImportError::NoApprover { count })?;
    check_approver(cx.workspace, &approver)?;
    let taken: BTreeSet<String> = base.exceptions.iter().map(|e| e.id.clone()).collect();
    let mut items = String::new();
    for (identity, grants) in beyond {
        let id = free_id(&format!("imported-{identity}"), &taken, &exception_ids);
        items.push_str(&exception_yaml(&id, identity, grants, request, &approver));
        exception_ids.push(id);
    }
    Ok((append_exceptions(&text, &items), exception_ids))
}

/// The file as it is written: the schema line on top, fields in canonical order.
fn canonical(text: String) -> String {
    let text = with_schema_line(&text);
    crate::model::format::format_yaml(&text, crate::model::format::field_order(SourceKind::Client))
        .unwrap_or(text)
}

/// What the tenants hold, taken in: each holder, the records of those the file wants,
/// and every (tenant, entitlement, account) held.
struct Holdings<'a> {
    held: Vec<HeldGrant>,
    records: Vec<GrantRecord>,
    holding: BTreeSet<(&'a str, &'a Entitlement, String)>,
}

/// The proposed client file read back, and what it wants.
struct Found<'a> {
    cx: &'a Context<'a>,
    request: &'a ImportRequest,
    proposed: &'a Client,
    access: &'a DesiredAccess,
}

impl<'a> Found<'a> {
    /// Takes in every holder of a managed entitlement: how it is held, and a ledger
    /// record for each the file wants. Policy denials go to `warnings`.
    fn holdings(
        &self,
        tenants: &'a [TenantRead],
        exception_ids: &[String],
        warnings: &mut Vec<String>,
    ) -> Holdings<'a> {
        let empty = BTreeMap::new();
        let mut holdings = Holdings {
            held: Vec::new(),
            records: Vec::new(),
            holding: BTreeSet::new(),
        };
        for (tenant, read) in self.proposed.tenants.iter().zip(tenants) {
            let accounts = self.access.accounts.get(&tenant.name).unwrap_or(&empty);
            for (entitlement, holders) in &read.held {
                for holder in holders {
                    holdings.holding.insert((
                        tenant.name.as_str(),
                        entitlement,
                        holder.account.to_lowercase(),
                    ));
                    let identity = accounts.get(&holder.account.to_lowercase()).cloned();
                    let (held, record) = self.held(
                        tenant,
                        entitlement,
                        holder,
                        identity,
                        exception_ids,
                        warnings,
                    );
                    holdings.held.push(held);
                    holdings.records.extend(record);
                }
            }
        }
        holdings
    }

    /// Takes in one holder: how it is held, and its ledger record when the file wants it.
    fn held(
        &self,
        tenant: &crate::model::Tenant,
        entitlement: &Entitlement,
        holder: &crate::model::Holder,
        identity: Option<String>,
        exception_ids: &[String],
        warnings: &mut Vec<String>,
    ) -> (HeldGrant, Option<GrantRecord>) {
        let mut record = None;
        let (cx, proposed, request) = (self.cx, self.proposed, self.request);
        let grant = identity.as_ref().and_then(|id| {
            self.access.grants.iter().find(|g| {
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
                        "`{}`: policy `{}` refuses {}: {} (the first plan reports it; fix the workspace or the access)",
                        TenantRef::new(&proposed.id, &tenant.name), denial.rule, entitlement, denial.message
                    ));
                }
                HeldAs::Denied
            }
            (Some(_), Some(g)) => {
                record = Some(GrantRecord {
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
                    s.exception()
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
        let held = HeldGrant {
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
        };
        (held, record)
    }
}

/// Returns the grants the file wants now, allowed, that no tenant holds: the first plan
/// grants them.
fn missing_grants(
    cx: &Context<'_>,
    access: &DesiredAccess,
    holding: &BTreeSet<(&str, &Entitlement, String)>,
) -> Vec<MissingGrant> {
    access
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
        .collect()
}

/// Returns the workspace with `client` in it (replacing one of the same id).
fn with_client(workspace: &Workspace, client: &Client) -> Workspace {
    let mut workspace = workspace.clone();
    workspace.clients.insert(client.id.clone(), client.clone());
    workspace
}
