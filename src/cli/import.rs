//! `onboard import`: adopt a client whose tenants already hold access (the work is
//! [`crate::workflow::import`]; this file parses the flags, writes and renders).

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use clap::builder::PossibleValuesParser;

use super::GlobalArgs;
use super::schema::{self, SchemaKind};
use super::session::Session;
use crate::audit::{Entry, EntryKind};
use crate::exit::ExitStatus;
use crate::model::{AdapterKind, LedgerUpdate};
use crate::ui::OutputFormat;
use crate::ui::diagnostics::UserError;
use crate::ui::documents::{FORMAT_VERSION, ImportDocument};
use crate::workflow::import::{
    ImportError, ImportRequest, Source, TenantSpec, default_credential, default_system, propose,
};

/// Propose a client file and ledger records from what its tenants already hold
///
/// Reads the client's tenants through their adapters (nothing is ever written to a
/// tenant) and writes `clients/CLIENT.yaml` for review in git: the tenant blocks with the
/// ids the tenants resolve and a credential reference, and an exception (`reason:
/// imported`, a ticket placeholder, ending at `--until`) for each grant a known identity
/// holds that no bundle of the tier gives it. Holders of the bundles' entitlements are
/// matched to identities by account, as `plan` matches them; holders no identity has the
/// account of are reported and left alone. The held grants the file wants are recorded
/// in the ledger as held before onboard, so the first plan revokes nothing.
///
/// Say where the tenant is with `--adapter` and the tenant flags, with `--from FILE` (a
/// client file listing the tenants), or by naming a client the workspace already has.
/// An existing client file is never overwritten without `--force`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The client's id: its file is `clients/CLIENT.yaml`
    pub client: String,

    /// The service tier whose bundles say what is read and what is wanted
    ///
    /// Default: the tier of `--from` or of the client's existing file.
    #[arg(long, value_name = "TIER")]
    pub tier: Option<String>,

    /// Read the client's tenants from this client file (id, tier, tenants; its
    /// exceptions and other fields are kept)
    #[arg(long, value_name = "FILE", conflicts_with = "adapter")]
    pub from: Option<PathBuf>,

    /// The tenant, when it is given by flags.
    #[command(flatten)]
    pub tenant: TenantArgs,

    /// End the imported exceptions at WHEN: a day (`2026-12-31`), an RFC 3339 timestamp,
    /// or a duration from now (`30d`)
    #[arg(long, value_name = "WHEN", default_value = "30d")]
    pub until: String,

    /// The ticket the imported exceptions name (a placeholder to replace in review)
    #[arg(long, value_name = "TICKET", default_value = "IMPORT-TODO")]
    pub ticket: String,

    /// The person who approves the imported exceptions
    ///
    /// Default: the identity you act as (`ONBOARD_ACTOR`), when it is a person.
    #[arg(long, value_name = "PERSON")]
    pub approver: Option<String>,

    /// Print the proposal and write nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Overwrite the client's existing file
    #[arg(long)]
    pub force: bool,
}

/// A tenant given by flags: the fields of its block in the client file.
#[derive(Debug, Args)]
pub struct TenantArgs {
    /// The adapter that reaches the tenant
    #[arg(long, value_name = "ADAPTER", value_parser = PossibleValuesParser::new(["file", "scim", "ldap", "ad", "graph", "okta", "github"]))]
    pub adapter: Option<String>,

    /// The tenant's name in the client file (default: its system)
    #[arg(long = "tenant", value_name = "NAME", requires = "adapter")]
    pub name: Option<String>,

    /// What kind of system the tenant is (default: the adapter's: `graph` is `entra`,
    /// or `gdap` with `--relationship`)
    #[arg(long, value_name = "SYSTEM", requires = "adapter")]
    pub system: Option<String>,

    /// The tenant's API endpoint or directory URL
    #[arg(long, value_name = "URL", requires = "adapter")]
    pub endpoint: Option<String>,

    /// Where the tenant's secret is kept: a reference, never the secret
    ///
    /// Default: `env:CLIENT_TENANT_TOKEN` (`_SECRET` for Graph, `_PASSWORD` for LDAP and
    /// AD), which the import itself reads.
    #[arg(long, value_name = "REF", requires = "adapter")]
    pub credential: Option<String>,

    /// The tenant's own id, checked before anything is read
    #[arg(long, value_name = "ID", requires = "adapter")]
    pub tenant_id: Option<String>,

    /// The domain account templates use
    #[arg(long, value_name = "DOMAIN", requires = "adapter")]
    pub domain: Option<String>,

    /// LDAP and AD: the subtree that is the tenant
    #[arg(long, value_name = "DN", requires = "adapter")]
    pub base_dn: Option<String>,

    /// LDAP and AD: the DN (or AD UPN) to bind as
    #[arg(long, value_name = "DN", requires = "adapter")]
    pub bind_dn: Option<String>,

    /// LDAP and AD: the filter that finds an account, with `{account}`
    #[arg(long, value_name = "FILTER", requires = "adapter")]
    pub user_filter: Option<String>,

    /// LDAP and AD: a PEM file of the CAs the directory's certificate chains to
    #[arg(long, value_name = "FILE", requires = "adapter")]
    pub ca_file: Option<String>,

    /// LDAP: upgrade an `ldap://` endpoint on loopback with StartTLS
    #[arg(long, requires = "adapter")]
    pub starttls: bool,

    /// GitHub: the organisation
    #[arg(long, value_name = "ORG", requires = "adapter")]
    pub org: Option<String>,

    /// Graph: the app registration's application id; Okta: the service app's client id
    #[arg(long, value_name = "ID", requires = "adapter")]
    pub client_id: Option<String>,

    /// GitHub: the GitHub App's id (the credential is then its private key)
    #[arg(long, value_name = "ID", requires = "adapter")]
    pub app_id: Option<String>,

    /// Graph: the token endpoint (default `https://login.microsoftonline.com`)
    #[arg(long, value_name = "URL", requires = "adapter")]
    pub auth_endpoint: Option<String>,

    /// Graph: directory roles go through PIM
    #[arg(long, requires = "adapter")]
    pub pim: bool,

    /// Graph: group grants with an end go through PIM for Groups
    #[arg(long, requires = "adapter")]
    pub pim_groups: bool,

    /// Graph, partner tenant: the client's GDAP relationship id (makes the system `gdap`)
    #[arg(long, value_name = "ID", requires_all = ["adapter", "customer_tenant_id"])]
    pub relationship: Option<String>,

    /// Graph, partner tenant: the client's own Entra tenant id
    #[arg(long, value_name = "GUID", requires = "relationship")]
    pub customer_tenant_id: Option<String>,

    /// `file`: the tenant's directory, inside the workspace
    #[arg(long, value_name = "DIR", requires = "adapter")]
    pub path: Option<String>,
}

impl TenantArgs {
    /// Returns the tenant the flags describe, for client `client`.
    fn spec(&self, client: &str) -> Result<Option<TenantSpec>, UserError> {
        let Some(adapter) = &self.adapter else {
            return Ok(None);
        };
        let kind: AdapterKind = serde_json::from_value(serde_json::json!(adapter))
            .map_err(|_| UserError::new(format!("unknown adapter `{adapter}`")))?;
        let system = match (&self.system, &self.relationship) {
            (Some(system), _) => system.clone(),
            (None, Some(_)) => "gdap".into(),
            (None, None) => default_system(kind).map(str::to_string).ok_or_else(|| {
                UserError::new("a `file` tenant needs `--system`")
                    .hint("say what the tenant stands in for, e.g. `--system entra`")
            })?,
        };
        let name = self.name.clone().unwrap_or_else(|| system.clone());
        let credential = self
            .credential
            .clone()
            .or_else(|| default_credential(client, &name, kind));
        let mut fields: Vec<(&'static str, String)> = Vec::new();
        let mut field = |key: &'static str, value: &Option<String>| {
            if let Some(value) = value {
                fields.push((key, value.clone()));
            }
        };
        field("path", &self.path);
        field("endpoint", &self.endpoint);
        field("auth_endpoint", &self.auth_endpoint);
        field("tenant_id", &self.tenant_id);
        field("client_id", &self.client_id);
        field("org", &self.org);
        field("app_id", &self.app_id);
        field("domain", &self.domain);
        field("base_dn", &self.base_dn);
        field("bind_dn", &self.bind_dn);
        field("user_filter", &self.user_filter);
        field("ca_file", &self.ca_file);
        field("credential", &credential);
        let switches = [
            ("starttls", self.starttls),
            ("pim", self.pim),
            ("pim_groups", self.pim_groups),
        ]
        .into_iter()
        .filter(|(_, on)| *on)
        .map(|(key, _)| key)
        .collect();
        Ok(Some(TenantSpec {
            name,
            system,
            adapter: adapter.clone(),
            fields,
            switches,
            gdap: self
                .relationship
                .clone()
                .zip(self.customer_tenant_id.clone()),
        }))
    }
}

/// Returns `--until` as the file writes it: a day or timestamp as given, or a duration
/// from now as the day it ends on.
fn until_text(session: &Session, until: &str) -> Result<String, UserError> {
    if let Ok(duration) = crate::model::time::parse_duration(until) {
        let end = crate::model::time::to_utc(crate::model::time::after(session.now, duration));
        return Ok(format!(
            "{:04}-{:02}-{:02}",
            end.year(),
            u8::from(end.month()),
            end.day()
        ));
    }
    super::instant_arg(
        "--until",
        until,
        crate::model::time::DateBound::EndInclusive,
    )?;
    Ok(until.trim().to_string())
}

pub(super) fn run(global: &GlobalArgs, args: ImportArgs) -> anyhow::Result<ExitStatus> {
    let session = Session::open(global)?;
    if !crate::model::is_valid_id(&args.client) {
        return Err(
            UserError::new(format!("invalid client id `{}`", args.client))
                .hint("use lowercase letters, digits, `-` and `_`, starting with a letter or digit")
                .into(),
        );
    }
    let existing = session
        .workspace
        .clients
        .get(&args.client)
        .map(|c| session.root.join(&*c.origin.path));
    let target = existing.clone().unwrap_or_else(|| {
        session
            .root
            .join("clients")
            .join(format!("{}.yaml", args.client))
    });
    let shown_target = target
        .strip_prefix(&session.root)
        .unwrap_or(&target)
        .display()
        .to_string();
    let source = match (args.tenant.spec(&args.client)?, &args.from, &existing) {
        (Some(spec), _, _) => {
            if args.tier.is_none() {
                return Err(UserError::new("a tenant given by flags needs `--tier`")
                    .hint("name the client's service tier, e.g. `--tier standard`")
                    .into());
            }
            Source::Tenant(spec)
        }
        (None, Some(from), _) => Source::File {
            path: from.display().to_string(),
            text: std::fs::read_to_string(from)
                .with_context(|| format!("reading {}", from.display()))?,
        },
        (None, None, Some(path)) => Source::File {
            path: shown_target.clone(),
            text: std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?,
        },
        (None, None, None) => {
            return Err(UserError::new(format!(
                "where are the tenants of `{}`?",
                args.client
            ))
            .hint(format!(
                "give one with `--adapter` and its flags (`--endpoint`, `--credential`…), a client file listing them with `--from FILE`, or write `{shown_target}` with its `tenants:` and run again with `--force`"
            ))
            .into());
        }
    };
    if target.exists() && !args.force && !args.dry_run {
        return Err(UserError::new(format!("{shown_target} already exists"))
            .hint("pass `--force` to replace it with the proposal (git keeps the old one), or `--dry-run` to see the proposal")
            .into());
    }
    let approver = args.approver.clone().or_else(|| {
        session
            .workspace
            .identity_of_actor(&session.actor)
            .filter(|i| i.kind == crate::model::IdentityKind::Person)
            .map(|i| i.id.clone())
    });
    let request = ImportRequest {
        client: args.client.clone(),
        source,
        tier: args.tier.clone(),
        until: until_text(&session, &args.until)?,
        ticket: args.ticket.clone(),
        approver,
        actor: session.actor.clone(),
    };
    let lock = if args.dry_run {
        None
    } else {
        // Refuse before reading any tenant when the run could not be audited.
        let lock = session.lock_client("import", &args.client)?;
        session.check_audit()?;
        Some(lock)
    };
    let progress = crate::ui::progress::ReadProgress::new(session.printer.progress);
    let proposal = propose(&session.context(), &request, &progress).map_err(|e| match e
        .downcast::<ImportError>()
    {
        Ok(import) => {
            let status = if import.is_unreadable() {
                ExitStatus::PartialFailure
            } else {
                ExitStatus::Failure
            };
            let mut error = UserError::new(import.to_string()).status(status);
            if let Some(hint) = import.hint() {
                error = error.hint(hint);
            }
            anyhow::Error::new(error)
        }
        Err(e) => e,
    })?;
    if let Some(lock) = &lock {
        write(&session, &proposal, &target, &shown_target, lock)?;
    }
    let document = ImportDocument {
        format_version: FORMAT_VERSION,
        client: proposal.client.clone(),
        file: shown_target.clone(),
        dry_run: args.dry_run,
        written: !args.dry_run,
        content: proposal.text.clone(),
        held: proposal.held.clone(),
        exceptions: proposal.exceptions.clone(),
        missing: proposal.missing.clone(),
        recorded: proposal.records.len(),
        warnings: proposal.warnings.clone(),
    };
    let printer = &session.printer;
    match printer.format {
        OutputFormat::Json => printer.json(&document)?,
        OutputFormat::Table | OutputFormat::Markdown => {
            if args.dry_run {
                printer.data(&proposal.text)?;
                printer.data("\n")?;
            }
            printer.data(&crate::ui::tables::import_table(
                &proposal.held,
                &proposal.missing,
            ))?;
        }
    }
    for warning in &proposal.warnings {
        printer.warn(warning);
    }
    let unknown = proposal
        .held
        .iter()
        .filter(|h| h.held_as == crate::workflow::import::HeldAs::Unknown)
        .count();
    if unknown > 0 {
        printer.warn(&format!(
            "{unknown} holder(s) are no identity's account: they are left alone, and the plan shows them as drift until an identity lists the account (`accounts:`) or they are removed (`apply --prune`)"
        ));
    }
    let workspace = global
        .workspace
        .as_ref()
        .map(|dir| format!("-w {} ", super::shell_word(&dir.display().to_string())))
        .unwrap_or_default();
    let summary = format!(
        "{} grant(s) held before onboard, {} imported exception(s), {} unknown holder(s), {} grant(s) the first plan adds",
        proposal.records.len(),
        proposal.exceptions.len(),
        unknown,
        proposal.missing.len()
    );
    if args.dry_run {
        printer.status(&format!(
            "Dry run: {summary}. Nothing was written; run again without `--dry-run` to write {shown_target}."
        ));
    } else {
        printer.status(&format!(
            "Wrote {shown_target} and recorded {summary}. Review it (`git diff`), set its credential reference and replace the ticket placeholders, then run `onboard {workspace}plan {}`.",
            proposal.client
        ));
    }
    Ok(ExitStatus::Success)
}

/// Writes the proposal: the audit entries first, then the ledger records, then the
/// client file (and its schema, when the workspace has none).
fn write(
    session: &Session,
    proposal: &crate::workflow::import::Proposal,
    target: &Path,
    shown_target: &str,
    lock: &crate::state::Lock,
) -> anyhow::Result<()> {
    let mut audit = session.audit_log("import")?;
    for record in &proposal.records {
        audit.append(
            &record.client,
            Entry {
                kind: Some(EntryKind::Import),
                client: Some(record.client.clone()),
                tenant: Some(record.tenant.clone()),
                identity: Some(record.identity.clone()),
                account: Some(record.account.clone()),
                entitlement: Some(record.entitlement.to_string()),
                sources: record.sources.iter().map(ToString::to_string).collect(),
                ticket: record.ticket.clone(),
                reason: Some("held before onboard".into()),
                expires_at: record.expires_at.map(crate::model::time::format_instant),
                detail: Some(serde_json::json!({ "origin": record.origin.as_str() })),
                ..Entry::default()
            },
        )?;
    }
    let unknown: Vec<_> = proposal
        .held
        .iter()
        .filter(|h| h.held_as == crate::workflow::import::HeldAs::Unknown)
        .map(|h| serde_json::json!({ "tenant": h.tenant, "entitlement": h.entitlement, "account": h.account }))
        .collect();
    audit.append(
        &proposal.client,
        Entry {
            kind: Some(EntryKind::Import),
            client: Some(proposal.client.clone()),
            reason: Some(format!(
                "client file {shown_target} proposed by `onboard import`"
            )),
            detail: Some(serde_json::json!({
                "file": shown_target,
                "recorded": proposal.records.len(),
                "exceptions": proposal.exceptions,
                "unknown_holders": unknown,
            })),
            ..Entry::default()
        },
    )?;
    audit.finish(serde_json::json!({ "imported": proposal.records.len() }))?;
    let (mut ledger, _) = session.ledger()?;
    let holds = proposal.records.iter().map(|record| LedgerUpdate::Hold {
        record: record.clone(),
        unchanged: true,
    });
    LedgerUpdate::apply_all(holds, &mut ledger.grants);
    ledger.normalise();
    session.state.save_ledger(&ledger, lock)?;
    let schema_file = session
        .root
        .join("schemas")
        .join(SchemaKind::Client.file_name());
    if !schema_file.exists() {
        create_parent(&schema_file)?;
        crate::atomic_file::write(
            &schema_file,
            schema::generate(SchemaKind::Client).as_bytes(),
        )
        .with_context(|| format!("writing {}", schema_file.display()))?;
    }
    create_parent(target)?;
    crate::atomic_file::write(target, proposal.text.as_bytes())
        .with_context(|| format!("writing {}", target.display()))?;
    Ok(())
}

fn create_parent(path: &Path) -> anyhow::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    Ok(())
}
