//! `onboard audit`: create the signing key, verify, show and export the audit log, and
//! rotate the key.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use ed25519_dalek::VerifyingKey;
use serde::Serialize;

use super::GlobalArgs;
use super::session::Session;
use crate::audit::export::{csv_header, csv_line, ocsf};
use crate::audit::key::{parse_public, public_location, read_publics};
use crate::audit::replay::read_entries;
use crate::audit::verify::{ChainReport, Tamper, Verdict, verify_chain};
use crate::audit::{AuditKey, Entry, EntryKind, KeySource, WORKSPACE_CHAIN};
use crate::exit::ExitStatus;
use crate::model::time::DateBound;
use crate::state::{FileStore, Store};
use crate::ui::OutputFormat;
use crate::ui::diagnostics::UserError;
use crate::ui::documents::FORMAT_VERSION;
use crate::ui::tables::table_text;

/// Create the signing key, verify, show and export the audit log
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// What to do
    #[command(subcommand)]
    pub command: AuditCommand,
}

/// The audit subcommands.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Create the audit signing key and write its public key to the audit directory
    ///
    /// Says where the key is kept and which public key file auditors get. Stores the
    /// key and reads it back before anything is written to the log: a key that later
    /// runs could not read (a kernel keyring in a process without a session keyring of
    /// its own, as under cron) is refused with exit 1.
    Init,
    /// Check every chain's hash links, signatures, sequence, times and head
    Verify(VerifyArgs),
    /// Show audit entries, filtered
    Show(ShowArgs),
    /// Export audit entries for SIEMs and auditors
    Export(ExportArgs),
    /// Replace the signing key, recording the change in every chain
    RotateKey,
}

/// Check every chain's hash links, signatures, sequence, times and head
///
/// Needs only the public keys: give `--dir` and `--pubkey` to verify evidence outside a
/// workspace. Exits 0 when intact and 6 when a chain was tampered with, naming the first
/// bad entry by line and sequence number.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Verify only this client's chain
    #[arg(long, value_name = "ID")]
    pub client: Option<String>,
    /// Trust only this public key file (can be repeated; default: the audit
    /// directory's `*.pub`)
    #[arg(long, value_name = "FILE")]
    pub pubkey: Vec<PathBuf>,
    /// Verify the audit directory DIR instead of the workspace's (no workspace needed)
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// Filters shared by show and export.
#[derive(Debug, Args)]
pub struct Filters {
    /// Only this client's chain
    #[arg(long, value_name = "ID")]
    pub client: Option<String>,
    /// Only entries about this identity
    #[arg(long, value_name = "ID")]
    pub identity: Option<String>,
    /// Only entries for this ticket
    #[arg(long, value_name = "TICKET")]
    pub ticket: Option<String>,
    /// Only entries at or after this date or time
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
    /// Only entries before the end of this date, or before this time
    #[arg(long, value_name = "WHEN")]
    pub until: Option<String>,
    /// Only entries of this kind (e.g. `grant`, `revoke`, `checkpoint`; can be repeated)
    #[arg(
        long,
        value_name = "KIND",
        value_parser = clap::builder::PossibleValuesParser::new(EntryKind::ALL.map(EntryKind::as_str))
    )]
    pub kind: Vec<String>,
    /// Read the audit directory DIR instead of the workspace's
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// Show audit entries, filtered
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Which entries
    #[command(flatten)]
    pub filters: Filters,
}

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// The entries as JSON lines, exactly as logged.
    Jsonl,
    /// One row per entry.
    Csv,
    /// OCSF 1.3.0 events (JSON lines) for access changes.
    Ocsf,
}

/// Export audit entries for SIEMs and auditors
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The format
    #[arg(long, value_enum, default_value_t = ExportFormat::Jsonl)]
    pub format: ExportFormat,
    /// Write the audit log as files to DIR instead: each chain's log and head, and the
    /// public keys, as an auditor verifies them offline with `onboard audit verify --dir
    /// DIR --pubkey KEY.pub`; from any state backend. Only `--client` (and `--dir`)
    /// apply; run it again and it adds what is new
    #[arg(long, value_name = "DIR")]
    pub to: Option<PathBuf>,
    /// Which entries
    #[command(flatten)]
    pub filters: Filters,
}

pub(super) fn run(global: &GlobalArgs, args: AuditArgs) -> anyhow::Result<ExitStatus> {
    match args.command {
        AuditCommand::Init => init(global),
        AuditCommand::Verify(args) => verify(global, args),
        AuditCommand::Show(args) => show(global, &args.filters),
        AuditCommand::Export(args) => export(global, &args),
        AuditCommand::RotateKey => rotate(global),
    }
}

fn init(global: &GlobalArgs) -> anyhow::Result<ExitStatus> {
    let session = Session::open(global)?;
    let _lock = session.lock("audit init")?;
    let source = session.key_source();
    let store = session.state.as_ref();
    // A new key only for a log without keys; a log signed with other keys gets none
    // (`audit_log` below says which key it needs).
    let create = AuditKey::load(&source)?.is_none() && read_publics(store)?.0.is_empty();
    if create {
        // Stored and read back before the log names it.
        let key = AuditKey::generate()?;
        key.store(&source)?;
        check_readable(&source, &key.id)?;
    }
    let mut audit = session.audit_log("audit init")?;
    let id = audit.key_id().to_string();
    if !create {
        session.printer.status(&format!(
            "The audit signing key `{id}` already exists in `{}`; its public key is {}. Nothing was changed.",
            source.describe(),
            public_location(store, &id)?.display()
        ));
        return Ok(ExitStatus::Success);
    }
    audit.chain(WORKSPACE_CHAIN)?;
    audit.finish(serde_json::json!({ "key": id }))?;
    session.printer.status(&format!(
        "Created the audit signing key `{id}` in `{}`; its public key is {}.",
        source.describe(),
        public_location(store, &id)?.display()
    ));
    Ok(ExitStatus::Success)
}

/// Checks that the key just stored can be read back, and, for a keyring, that it
/// outlasts this process (a kernel keyring without a session keyring of its own lasts
/// only as long as the process that stored the key).
fn check_readable(source: &KeySource, id: &str) -> anyhow::Result<()> {
    let unusable = |why: String| {
        let hint = match source {
            KeySource::Keyring(_) => {
                "the kernel keyring keeps a key only for a login session (not under cron, in containers or on some CI runners): set `key = \"file:.onboard/audit.key\"` under `[audit]` in onboard.toml (the default; keep `.onboard/` out of git), or run onboard inside `keyctl session -`"
            }
            _ => {
                "check that the key's location is writable and readable by this user, or choose another `[audit] key` in onboard.toml"
            }
        };
        anyhow::Error::from(
            UserError::new(format!(
                "the audit signing key `{id}` was stored in `{}`, but {why}; nothing was written to the audit log",
                source.describe()
            ))
            .hint(hint),
        )
    };
    match AuditKey::load(source) {
        Ok(Some(key)) if key.id == id => {}
        Ok(_) => return Err(unusable("it could not be read back".into())),
        Err(e) => return Err(unusable(format!("reading it back failed: {e}"))),
    }
    if let KeySource::Keyring(_) = source
        && let Some(why) = crate::secrets::keyring::lasting_store_problem()
    {
        return Err(unusable(format!("later runs could not read it: {why}")));
    }
    Ok(())
}

fn rotate(global: &GlobalArgs) -> anyhow::Result<ExitStatus> {
    let session = Session::open(global)?;
    let _lock = session.lock("audit rotate-key")?;
    let source = session.key_source();
    if source.is_read_only() {
        return Err(UserError::new(format!("cannot rotate a key that comes from `{}`", source.describe()))
            .hint("rotate where the key is kept in a file (`[audit] key = \"file:…\"`), then update the CI secret")
            .into());
    }
    let mut audit = session.audit_log("audit rotate-key")?;
    let old = audit.key_id().to_string();
    let new_key = AuditKey::generate()?;
    let new_id = new_key.id.clone();
    let hex_seed = new_key.to_hex();
    audit.chain(WORKSPACE_CHAIN)?;
    let chains = audit.rotate(new_key)?;
    audit.finish(serde_json::json!({ "old_key": old, "new_key": new_id }))?;
    AuditKey::load_hex(&hex_seed)?.store(&source)?;
    session.printer.status(&format!(
        "Rotated the audit key from `{old}` to `{new_id}` in {} chain(s); both public keys stay in {}.",
        chains.len(),
        session.state.audit_location().display()
    ));
    Ok(ExitStatus::Success)
}

/// The result of verifying one chain, for JSON output.
#[derive(Debug, Serialize)]
struct ChainResult {
    chain: String,
    intact: bool,
    entries: u64,
    last_checkpoint: Option<u64>,
    unsealed: u64,
    dangling_intents: Vec<Entry>,
    keys: Vec<String>,
    /// The signed governance actions, each re-verified.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    signed: Vec<SignedAction>,
    /// The file at fault: the chain's log or its head file.
    first_bad_file: Option<PathBuf>,
    /// The first bad line of that file (0: the file as a whole).
    first_bad_line: Option<u64>,
    first_bad_seq: Option<u64>,
    problem: Option<String>,
    /// The whole report, for the message.
    #[serde(skip)]
    tamper: Option<Tamper>,
}

/// A signed action `audit verify` re-verified.
#[derive(Debug, Serialize)]
struct SignedAction {
    seq: u64,
    signer: String,
    key: String,
    action: String,
    subject: String,
}

impl SignedAction {
    fn new(seq: u64, proof: &crate::actor::Proof) -> Self {
        let statement = crate::actor::Statement::parse(&proof.statement).ok();
        let field = |f: fn(&crate::actor::Statement) -> &String| {
            statement.as_ref().map(f).cloned().unwrap_or_default()
        };
        SignedAction {
            seq,
            signer: proof.signer.clone(),
            key: proof.key.clone(),
            action: field(|s| &s.action),
            subject: field(|s| &s.subject),
        }
    }
}

/// `onboard audit verify --output json`.
#[derive(Debug, Serialize)]
struct VerifyDocument {
    format_version: u32,
    intact: bool,
    chains: Vec<ChainResult>,
}

/// Returns the audit log to read: the files in `--dir` (an evidence copy), else the
/// workspace's, wherever its state backend keeps it.
fn audit_store(global: &GlobalArgs, dir: &Option<PathBuf>) -> anyhow::Result<Arc<dyn Store>> {
    match dir {
        Some(dir) => Ok(Arc::new(FileStore::new(dir.clone(), dir.clone()))),
        None => Ok(Session::open(global)?.state),
    }
}

fn verify(global: &GlobalArgs, args: VerifyArgs) -> anyhow::Result<ExitStatus> {
    let printer = global.printer();
    let store = audit_store(global, &args.dir)?;
    let store = store.as_ref();
    let trusted: Vec<VerifyingKey> = if args.pubkey.is_empty() {
        let (keys, bad) = read_publics(store)?;
        for path in bad {
            printer.warn(&format!(
                "{} is not a public key file; ignored",
                path.display()
            ));
        }
        keys.into_iter().map(|(_, k)| k).collect()
    } else {
        let mut keys = Vec::new();
        for path in &args.pubkey {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            keys.push(parse_public(&text).ok_or_else(|| {
                UserError::new(format!("{} is not a public key file", path.display()))
                    .hint("a public key file reads `ed25519 <64 hex characters>`")
            })?);
        }
        keys
    };
    if trusted.is_empty() {
        return Err(UserError::new(format!(
            "no public key to verify with in {}",
            store.audit_location().display()
        ))
        .hint("pass `--pubkey FILE`, the public key you were given")
        .into());
    }
    let names = chain_names(store, args.client.as_deref())?;
    let mut results = Vec::new();
    for name in &names {
        results.push(match verify_chain(store, name, &trusted)? {
            Verdict::Intact(r) => intact(r),
            Verdict::Tampered(t) => tampered(t),
        });
    }
    let all_intact = results.iter().all(|r| r.intact);
    // Intents without outcome: a crash, or a run still going (it holds the lock).
    let unfinished = results.iter().find(|r| !r.dangling_intents.is_empty());
    let cause = match (&args.dir, unfinished) {
        (_, None) => String::new(),
        (None, Some(chain)) => Session::open(global)?.unfinished_cause(&chain.chain)?,
        (Some(_), Some(_)) => "a run was interrupted, or is still running".into(),
    };
    match printer.format {
        OutputFormat::Json => printer.json(&VerifyDocument {
            format_version: FORMAT_VERSION,
            intact: all_intact,
            chains: results,
        })?,
        OutputFormat::Table | OutputFormat::Markdown => {
            let headers: &[&str] = &["chain", "entries", "last checkpoint", "keys", "verdict"];
            let mut rows: Vec<Vec<String>> = Vec::new();
            for r in &results {
                rows.push(vec![
                    r.chain.clone(),
                    r.entries.to_string(),
                    r.last_checkpoint.map_or("-".into(), |c| c.to_string()),
                    r.keys.join(", "),
                    match (&r.tamper, r.dangling_intents.len()) {
                        (Some(t), _) if t.line > 0 => format!("TAMPERED at line {}", t.line),
                        (Some(t), _) => format!(
                            "TAMPERED: {}",
                            t.file.file_name().unwrap_or_default().to_string_lossy()
                        ),
                        (None, 0) if r.unsealed == 0 => "intact".into(),
                        (None, 0) => {
                            format!("intact; {} entries after the last checkpoint", r.unsealed)
                        }
                        (None, n) => format!("intact; {n} interrupted change(s)"),
                    },
                ]);
            }
            let text = table_text(headers, rows);
            printer.data(&text)?;
            for r in &results {
                if let Some(tamper) = &r.tamper {
                    printer.error(&tamper.to_string());
                }
                for s in &r.signed {
                    printer.data(&format!(
                        "chain `{}` seq {}: {} `{}` signed by {} ({}); the signature verifies",
                        r.chain, s.seq, s.action, s.subject, s.signer, s.key
                    ))?;
                }
                for intent in &r.dangling_intents {
                    printer.warn(&format!(
                        "chain `{}` line {}: intent without outcome ({cause}): {} `{}` for `{}` in {}; the next plan re-reads the tenant and the next apply records it",
                        r.chain,
                        intent.seq,
                        intent.kind.map_or("change", EntryKind::as_str),
                        intent.entitlement.as_deref().unwrap_or("-"),
                        intent.identity.as_deref().unwrap_or("-"),
                        intent.tenant.as_deref().unwrap_or("-"),
                    ));
                }
            }
        }
    }
    Ok(if all_intact {
        ExitStatus::Success
    } else {
        ExitStatus::AuditTampered
    })
}

fn intact(r: ChainReport) -> ChainResult {
    ChainResult {
        chain: r.chain,
        intact: true,
        entries: r.entries,
        last_checkpoint: r.last_checkpoint,
        unsealed: r.unsealed,
        dangling_intents: r.dangling,
        keys: r.keys,
        signed: r
            .signed
            .iter()
            .map(|(seq, proof)| SignedAction::new(*seq, proof))
            .collect(),
        first_bad_file: None,
        first_bad_line: None,
        first_bad_seq: None,
        problem: None,
        tamper: None,
    }
}

fn tampered(t: Tamper) -> ChainResult {
    ChainResult {
        chain: t.chain.clone(),
        intact: false,
        entries: 0,
        last_checkpoint: None,
        unsealed: 0,
        dangling_intents: Vec::new(),
        keys: Vec::new(),
        signed: Vec::new(),
        first_bad_file: Some(t.file.clone()),
        first_bad_line: Some(t.line),
        first_bad_seq: t.seq,
        problem: Some(t.detail.clone()),
        tamper: Some(t),
    }
}

/// Returns the raw lines and entries that pass the filters, chain by chain.
fn select(global: &GlobalArgs, filters: &Filters) -> anyhow::Result<Vec<(String, Entry)>> {
    let store = audit_store(global, &filters.dir)?;
    let store = store.as_ref();
    let when = |text: &Option<String>,
                bound: DateBound,
                flag: &str|
     -> anyhow::Result<Option<time::OffsetDateTime>> {
        text.as_deref()
            .map(|t| super::instant_arg(flag, t, bound).map_err(Into::into))
            .transpose()
    };
    let since = when(&filters.since, DateBound::Start, "--since")?;
    let until = when(&filters.until, DateBound::EndInclusive, "--until")?;
    let names = chain_names(store, filters.client.as_deref())?;
    let mut out = Vec::new();
    for name in names {
        let bytes = store.read_chain(&name)?.unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        let entries = read_entries(store, &name)?;
        for (line, entry) in text.lines().zip(entries) {
            let ts = time::OffsetDateTime::parse(
                &entry.ts,
                &time::format_description::well_known::Rfc3339,
            )
            .ok();
            let keep = filters
                .identity
                .as_ref()
                .is_none_or(|i| entry.identity.as_ref() == Some(i))
                && filters
                    .ticket
                    .as_ref()
                    .is_none_or(|t| entry.ticket.as_ref() == Some(t))
                && (filters.kind.is_empty()
                    || entry
                        .kind
                        .is_some_and(|k| filters.kind.iter().any(|f| f == k.as_str())))
                && since.is_none_or(|s| ts.is_some_and(|t| t >= s))
                && until.is_none_or(|u| ts.is_some_and(|t| t < u));
            if keep {
                out.push((line.to_string(), entry));
            }
        }
    }
    Ok(out)
}

fn show(global: &GlobalArgs, filters: &Filters) -> anyhow::Result<ExitStatus> {
    let printer = global.printer();
    let selected = select(global, filters)?;
    match printer.format {
        OutputFormat::Json => {
            printer.json(&crate::ui::documents::AuditShowDocument {
                format_version: FORMAT_VERSION,
                entries: selected.into_iter().map(|(_, e)| e).collect(),
            })?;
        }
        OutputFormat::Table | OutputFormat::Markdown => {
            let headers: &[&str] = &[
                "time",
                "chain#seq",
                "kind",
                "actor",
                "client/tenant",
                "identity",
                "entitlement",
                "ticket",
                "result",
            ];
            let mut rows: Vec<Vec<String>> = Vec::new();
            for (_, e) in &selected {
                let kind = match e.phase {
                    Some(crate::audit::Phase::Intent) => {
                        format!("{} (intent)", e.kind.map_or("-", EntryKind::as_str))
                    }
                    _ => e.kind.map_or("-", EntryKind::as_str).to_string(),
                };
                rows.push(vec![
                    e.ts.clone(),
                    format!("{}#{}", e.chain, e.seq),
                    kind,
                    e.actor.clone(),
                    match (&e.client, &e.tenant) {
                        (Some(c), Some(t)) => crate::model::TenantRef::new(c, t).to_string(),
                        (Some(c), None) => c.clone(),
                        _ => "-".into(),
                    },
                    e.identity.clone().unwrap_or_else(|| "-".into()),
                    e.entitlement.clone().unwrap_or_else(|| "-".into()),
                    e.ticket.clone().unwrap_or_else(|| "-".into()),
                    match (&e.result, &e.error) {
                        (Some(r), Some(err)) => format!("{r}: {err}"),
                        (Some(r), None) => r.to_string(),
                        _ => "-".into(),
                    },
                ]);
            }
            let mut text = table_text(headers, rows);
            for (_, e) in &selected {
                if let Some(proof) = &e.proof {
                    text.push_str(&format!("\n{}#{}: {}", e.chain, e.seq, proof.describe()));
                }
            }
            printer.data(&format!("{}\n{} entries.", text, selected.len()))?;
        }
    }
    Ok(ExitStatus::Success)
}

fn export(global: &GlobalArgs, args: &ExportArgs) -> anyhow::Result<ExitStatus> {
    let printer = global.printer();
    if let Some(to) = &args.to {
        return export_files(global, &args.filters, to);
    }
    let selected = select(global, &args.filters)?;
    let mut out = String::new();
    match args.format {
        ExportFormat::Jsonl => {
            for (line, _) in &selected {
                out.push_str(line);
                out.push('\n');
            }
        }
        ExportFormat::Csv => {
            out.push_str(&csv_header());
            out.push('\n');
            for (_, entry) in &selected {
                out.push_str(&csv_line(entry));
                out.push('\n');
            }
        }
        ExportFormat::Ocsf => {
            for event in selected.iter().filter_map(|(_, e)| ocsf(e)) {
                out.push_str(&serde_json::to_string(&event)?);
                out.push('\n');
            }
        }
    }
    if !out.is_empty() {
        use std::io::Write;
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(out.as_bytes())?;
        stdout.flush()?;
    }
    printer.detail(&format!("exported {} entries", selected.len()));
    Ok(ExitStatus::Success)
}

/// Returns the chains to read: the client's, or every chain in the directory. A client
/// without a chain, or a directory without any, is an error that lists what is there.
fn chain_names(store: &dyn Store, client: Option<&str>) -> anyhow::Result<Vec<String>> {
    let dir = store.audit_location();
    let all = store.chains()?;
    if all.is_empty() {
        return Err(UserError::new(format!("there is no audit log in {}", dir.display()))
            .hint("a workspace's log starts with its first `onboard apply` (or `onboard audit init`); pass `--dir` to read an evidence copy")
            .into());
    }
    match client {
        None => Ok(all),
        Some(client) if all.iter().any(|c| c == client) => Ok(vec![client.to_string()]),
        Some(client) => Err(UserError::new(format!(
            "there is no audit chain for `{client}` in {}",
            dir.display()
        ))
        .hint(crate::model::suggest("chains", client, &all))
        .into()),
    }
}

/// Writes the audit log (one client's chain, or every chain) as files to `to`.
fn export_files(global: &GlobalArgs, filters: &Filters, to: &Path) -> anyhow::Result<ExitStatus> {
    let source: Box<dyn Store> = match &filters.dir {
        Some(dir) => Box::new(FileStore::new(dir.clone(), dir.clone())),
        None => {
            let session = Session::open(global)?;
            crate::state::open(&session.workspace.settings, &session.root)?
        }
    };
    let all = source.chains()?;
    let names = match &filters.client {
        None => all,
        Some(client) if all.contains(client) => vec![client.clone()],
        Some(client) => {
            return Err(UserError::new(format!(
                "there is no audit chain for `{client}` in {}",
                source.audit_location().display()
            ))
            .hint(crate::model::suggest("chains", client, &all))
            .into());
        }
    };
    std::fs::create_dir_all(to).with_context(|| format!("creating {}", to.display()))?;
    let copied = crate::state::copy::copy_audit(
        source.as_ref(),
        &FileStore::new(to.to_path_buf(), to.to_path_buf()),
        Some(&names),
    )?;
    global.printer().status(&format!(
        "Exported {} audit chain(s) ({} new line(s)) and {} public key(s) to {}; verify with `onboard audit verify --dir {} --pubkey KEY.pub`",
        copied.chains,
        copied.lines,
        copied.keys,
        to.display(),
        to.display()
    ));
    Ok(ExitStatus::Success)
}
