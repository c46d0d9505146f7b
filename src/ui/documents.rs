//! JSON documents: one serde struct per document, each with a top-level
//! `format_version`. Fields may be added freely; removing or renaming one bumps the
//! major version.

use serde::{Deserialize, Serialize};

use crate::model::{Block, GrantRecord};
use crate::plan::{Plan, PlanEntry, Summary, TenantConfiguration};

/// The current major version of every JSON document.
pub const FORMAT_VERSION: u32 = 1;

/// `onboard plan --output json`, and a plan saved with `--out`.
///
/// ```json
/// { "format_version": 1, "generated_at": "2026-11-21T12:00:00Z",
///   "now": "2026-11-21T12:00:00Z", "valid_until": "2027-04-01T00:00:00Z",
///   "workspace_fingerprint": "…",
///   "ledger_fingerprint": "…", "clients": ["acme"],
///   "summary": {"grant": 1, "renew": 0, "expire": 0, "revoke": 0, "drift": 0, "unknown": 0},
///   "changes": [{"kind": "grant", "client": "acme", "tenant": "entra",
///                "entitlement": "group:MSP-Helpdesk", "identity": "alice",
///                "account": "alice@acme.example", "expires_at": null, "sources": ["bundle:…"],
///                "origin": "…/helpdesk.yaml:12:18", "ticket": null,
///                "tenant_already_done": false, "reason": "…"}],
///   "warnings": [] }
/// ```
// `changes` is a `Vec<PlanEntry>` as read back, and `crate::plan::Entries` when written
// from a plan (the entries borrowed, not copied). Not in the doc comment: that is the
// schema's description.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(rename = "PlanDocument")]
pub struct PlanDocument<C = Vec<PlanEntry>> {
    /// Major version of this document's shape.
    pub format_version: u32,
    /// When the plan was made.
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(with = "crate::model::schema_text::DateTime")]
    pub generated_at: time::OffsetDateTime,
    /// The instant the plan is for.
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(with = "crate::model::schema_text::DateTime")]
    pub now: time::OffsetDateTime,
    /// When the first grant in the plan ends: `apply` refuses the saved plan from then
    /// on. `null` when no grant in it ends.
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[schemars(with = "Option<crate::model::schema_text::DateTime>")]
    pub valid_until: Option<time::OffsetDateTime>,
    /// SHA-256 of the workspace files the plan came from.
    pub workspace_fingerprint: String,
    /// SHA-256 of the ledger the plan came from (`none` when there was none).
    pub ledger_fingerprint: String,
    /// The ledger as the plan saw it, for the parts the plan depends on: the digest of
    /// each client it changes and of the standing revocations. `apply PLAN` refuses the
    /// plan when one of them changed, and not when only other clients' grants did. Absent
    /// in plans saved by older versions, which pin `ledger_fingerprint` instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ledger_pins: Option<LedgerPins>,
    /// The clients planned.
    pub clients: Vec<String>,
    /// Counts by kind.
    pub summary: Summary,
    /// The changes, in order.
    pub changes: C,
    /// Warnings.
    pub warnings: Vec<String>,
    /// Tenants whose own configuration `apply` changes (GDAP access assignments, Okta group admin roles):
    /// `[{"client": "acme", "tenant": "partner", "changes": ["…"], "planned": [{"action":
    /// "gdap-create-access", …}]}]`, each change in words (`changes`) and as the data
    /// `apply` carries out (`planned`, see [`TenantConfiguration`]); absent when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub configuration: Vec<TenantConfiguration>,
    /// The credential changes due for the clients planned (rotations, retirements,
    /// revocations of service accounts' and agents' credentials; see
    /// [`PlannedCredential`]); absent when none, and always absent from a plan saved with
    /// `--out`: `apply PLAN` makes no credential change.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub credentials: Vec<PlannedCredential>,
}

/// One credential change in a plan: which credential, what is done and why, and where
/// the new value goes (or the old one went). Never a value, a fingerprint or a key id.
///
/// ```json
/// { "action": "rotate", "client": "globex", "tenant": "entra",
///   "identity": "globex-backup-svc", "kind": "client_secret",
///   "application": "3f1c0000-0000-0000-0000-000000000001", "reason": "due",
///   "why": "older than 30d",
///   "deliver": "vault:secret/data/clients/globex/globex-backup-svc#client_secret" }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PlannedCredential {
    /// What is done.
    pub action: CredentialAction,
    /// Client id.
    pub client: String,
    /// Tenant name.
    pub tenant: String,
    /// The service account or agent.
    pub identity: String,
    /// The kind of credential.
    pub kind: crate::model::CredentialKind,
    /// For a client secret: the app registration (appId or object id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application: Option<String>,
    /// Why, as a code.
    pub reason: CredentialReason,
    /// Why, in words.
    pub why: String,
    /// Where the new value is delivered (`rotate`), or where the old one was delivered
    /// (`retire`, `revoke`): `vault:PATH#FIELD` or `file:PATH`.
    pub deliver: String,
}

/// What a planned credential change does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum CredentialAction {
    /// Issue a new credential, deliver it, then start the current one's overlap.
    Rotate,
    /// Remove an old credential from its tenant.
    Retire,
    /// Remove a credential whose identity, contract or declaration is gone, and destroy
    /// (or mark) its delivered values.
    Revoke,
}

/// Why a credential change is planned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum CredentialReason {
    /// None was issued yet.
    NeverIssued,
    /// The current one reached `max_age`.
    Due,
    /// The declaration changed since the current one was issued.
    TermsChanged,
    /// Its successor was delivered and the overlap has passed.
    OverlapEnded,
    /// Its successor is delivered in the same run and the declaration has no overlap.
    NoOverlap,
    /// Its identity, client contract or declaration is gone.
    Revoked,
}

impl From<&crate::plan::credentials::CredentialChange> for PlannedCredential {
    fn from(change: &crate::plan::credentials::CredentialChange) -> Self {
        use crate::plan::credentials::{CredentialChange, RetireReason, RotateReason};
        let (action, reason) = match change {
            CredentialChange::Rotate { reason, .. } => (
                CredentialAction::Rotate,
                match reason {
                    RotateReason::NeverIssued => CredentialReason::NeverIssued,
                    RotateReason::Due => CredentialReason::Due,
                    RotateReason::TermsChanged => CredentialReason::TermsChanged,
                },
            ),
            CredentialChange::Retire { reason, .. } => match reason {
                RetireReason::OverlapEnded => {
                    (CredentialAction::Retire, CredentialReason::OverlapEnded)
                }
                RetireReason::NoOverlap => (CredentialAction::Retire, CredentialReason::NoOverlap),
                RetireReason::Revoked => (CredentialAction::Revoke, CredentialReason::Revoked),
            },
        };
        let slot = change.slot();
        PlannedCredential {
            action,
            client: slot.client,
            tenant: slot.tenant,
            identity: slot.identity,
            kind: slot.kind,
            application: slot.application,
            reason,
            why: change.why(),
            deliver: change.deliver().to_string(),
        }
    }
}

impl CredentialAction {
    /// Returns the action's name.
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialAction::Rotate => "rotate",
            CredentialAction::Retire => "retire",
            CredentialAction::Revoke => "revoke",
        }
    }
}

/// What a saved plan pins of the ledger (see [`PlanDocument::ledger_pins`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LedgerPins {
    /// Digest of each changed client's grants ([`crate::state::Ledger::client_digests`]).
    pub clients: std::collections::BTreeMap<String, String>,
    /// Digest of the standing revocations ([`crate::state::Ledger::blocks_digest`]).
    pub blocks: String,
}

impl LedgerPins {
    /// Returns the pins of `ledger` for the clients `plan` changes.
    pub fn of(ledger: &crate::state::Ledger, plan: &Plan) -> Self {
        LedgerPins {
            // Each client once, the ledger read once: a plan's changes and a ledger can
            // each number in the hundred thousands.
            clients: ledger.client_digests(
                (plan.changes.iter().map(|c| c.client.as_str()))
                    .chain(plan.denials.iter().map(|d| d.client.as_str()))
                    .chain(plan.unknown.iter().map(|u| u.client.as_str()))
                    .collect::<std::collections::BTreeSet<_>>(),
            ),
            blocks: ledger.blocks_digest(),
        }
    }
}

impl PlanDocument {
    /// Returns the plan the document holds, or what is wrong with the first of its
    /// entries that cannot be read.
    pub fn plan(&self) -> Result<Plan, String> {
        Ok(Plan {
            warnings: self.warnings.clone(),
            configuration: self.configuration.clone(),
            ..Plan::from_rows(self.changes.clone())?
        })
    }
}

/// `onboard apply --output json` (also `expire` and `revoke`).
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ApplyDocument {
    /// Major version of this document's shape.
    pub format_version: u32,
    /// Each change with its result.
    pub results: Vec<ChangeOutcome>,
    /// Counts of results.
    pub applied: usize,
    /// Changes the tenant already matched (ledger updated only).
    pub unchanged: usize,
    /// Changes that failed, and tenants opened only for their own configuration whose
    /// configuration failed (`configuration_failed`).
    pub failed: usize,
    /// Tenants with no change of their own whose configuration (GDAP access
    /// assignments, Okta group admin roles) could not be brought in line:
    /// `[{"client": "acme", "tenant": "okta", "error": "…"}]`; absent when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub configuration_failed: Vec<ConfigurationFailed>,
    /// Tenants that could not be read, so nothing was applied to them.
    #[serde(default)]
    pub unknown: usize,
    /// What was not sent: tenants that could not be read (`unknown`, with the reason) and
    /// grants a policy rule denied (`denied`, with the rule and hint).
    #[serde(default)]
    pub not_applied: Vec<PlanEntry>,
}

/// A tenant whose own configuration could not be brought in line ([`ApplyDocument`]).
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ConfigurationFailed {
    /// Client id.
    pub client: String,
    /// Tenant name.
    pub tenant: String,
    /// The error.
    pub error: String,
}

/// One change and what became of it.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ChangeOutcome {
    /// The change.
    #[serde(flatten)]
    pub change: PlanEntry,
    /// `applied`, `unchanged` or `failed`.
    pub result: String,
    /// The error, for failed changes.
    pub error: Option<String>,
}

/// `onboard import --output json`: the proposal for adopting a client's tenants.
///
/// ```json
/// { "format_version": 1, "client": "initech", "file": "clients/initech.yaml",
///   "dry_run": false, "written": true,
///   "content": "# yaml-language-server: $schema=../schemas/client.schema.json\nid: initech\n…",
///   "held": [{"tenant": "scim", "entitlement": "group:msp-helpdesk",
///             "account": "dave@initech.example", "identity": "dave",
///             "held_as": "wanted", "sources": ["bundle:essential-helpdesk"]},
///            {"tenant": "scim", "entitlement": "group:msp-helpdesk",
///             "account": "zed@initech.example", "held_as": "unknown"}],
///   "exceptions": ["imported-frank"],
///   "missing": [{"tenant": "scim", "entitlement": "group:msp-backup",
///                "identity": "bob", "account": "b.okafor@initech.example"}],
///   "recorded": 4, "warnings": [] }
/// ```
///
/// `held_as` is `wanted` (a bundle or an existing exception gives it), `exception` (an
/// imported exception gives it, until its end), `unknown` (no identity has the account:
/// the first plan shows it as drift), `denied` (policy refuses it) or `unwanted`
/// (nothing wants it: the contract is not running). `wanted` and `exception` grants are
/// recorded in the ledger as held before onboard (`recorded` counts them); `missing`
/// lists what the bundles want that no tenant holds, which the first plan grants.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ImportDocument {
    /// Major version of this document's shape.
    pub format_version: u32,
    /// The client's id.
    pub client: String,
    /// The client file, relative to the workspace.
    pub file: String,
    /// Whether this was a dry run (nothing written).
    pub dry_run: bool,
    /// Whether the file, the ledger records and the audit entries were written.
    pub written: bool,
    /// The client file's text.
    pub content: String,
    /// Every holder of an entitlement the client's bundles manage.
    pub held: Vec<crate::workflow::import::HeldGrant>,
    /// The ids of the imported exceptions.
    pub exceptions: Vec<String>,
    /// Grants the bundles want that the tenants do not hold: the first plan grants them.
    pub missing: Vec<crate::workflow::import::MissingGrant>,
    /// How many grants are recorded in the ledger as held before onboard.
    pub recorded: usize,
    /// What to look at before committing: tenants' notes, policy denials.
    pub warnings: Vec<String>,
}

/// `onboard status --output json`.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct StatusDocument {
    /// Major version of this document's shape.
    pub format_version: u32,
    /// The instant the status is for.
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(with = "crate::model::schema_text::DateTime")]
    pub now: time::OffsetDateTime,
    /// Grants onboard recorded, with their expiry (`tenant_enforces_expiry: true` when
    /// the tenant itself ends the grant at `expires_at`; absent otherwise).
    pub grants: Vec<GrantRecord>,
    /// Standing revocations.
    pub revocations: Vec<Block>,
}

/// `onboard validate --output json`.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ValidateDocument {
    /// Major version of this document's shape.
    pub format_version: u32,
    /// Whether the workspace is valid.
    pub valid: bool,
    /// Problems found.
    pub problems: Vec<Problem>,
    /// Things that are valid but want attention (exceptions that have ended).
    #[serde(default)]
    pub warnings: Vec<Problem>,
    /// Counts of what was read, when valid.
    pub counts: Option<Counts>,
}

/// `onboard audit show --output json`: the entries selected, oldest first per chain.
///
/// ```json
/// { "format_version": 1, "entries": [{"seq": 1, "ts": "…", "chain": "acme", "kind": "grant", …}] }
/// ```
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AuditShowDocument {
    /// Major version of this document's shape.
    pub format_version: u32,
    /// The entries, as written in the log.
    pub entries: Vec<crate::audit::Entry>,
}

/// What `--output json` prints when a command fails (on stdout, besides the message on
/// stderr), and when it succeeds without other data to print.
///
/// ```json
/// { "format_version": 1,
///   "error": { "message": "there is no request `req-1`", "hint": "`onboard requests` lists them",
///              "exit_code": 1, "causes": [], "problems": [], "denials": [] } }
/// ```
///
/// A policy refusal (exit 3) lists each rule's denial in `denials`; an invalid workspace
/// lists its `problems` (as `validate` does). On success the document is
/// `{"format_version": 1, "exit_code": 0}` and has no `error`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorDocument {
    /// Major version of this document's shape.
    pub format_version: u32,
    /// The process exit code.
    pub exit_code: u8,
    /// What went wrong; absent on success.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorBody>,
}

/// The error of an [`ErrorDocument`].
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ErrorBody {
    /// What went wrong, in one line.
    pub message: String,
    /// What would fix it (several hints joined by newlines).
    pub hint: Option<String>,
    /// The process exit code (as the document's).
    pub exit_code: u8,
    /// The causes below the message, outermost first.
    #[serde(default)]
    pub causes: Vec<String>,
    /// Problems in workspace files, with file, line and column.
    #[serde(default)]
    pub problems: Vec<Problem>,
    /// Policy rules that denied the request.
    #[serde(default)]
    pub denials: Vec<DenialItem>,
}

/// One policy rule's denial in an [`ErrorBody`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DenialItem {
    /// The rule id (`max-ttl`, `approver-person`…).
    pub rule: String,
    /// The entitlement it is about, when it is about one.
    pub entitlement: Option<String>,
    /// What is refused and why.
    pub message: String,
    /// The file and line that caused it.
    pub cause: String,
    /// What would satisfy the rule.
    pub hint: String,
}

impl ErrorDocument {
    /// Returns the document of a run that ended with `exit_code` and `error`.
    pub fn new(exit_code: u8, error: Option<ErrorBody>) -> Self {
        ErrorDocument {
            format_version: FORMAT_VERSION,
            exit_code,
            error: error.map(|e| ErrorBody { exit_code, ..e }),
        }
    }
}

/// `onboard deny --output json` (and `elevate` when the request waits): the request as
/// it now stands, as `onboard requests --output json` lists it.
#[derive(Debug, Clone, Serialize)]
pub struct RequestDocument {
    /// Major version of this document's shape.
    pub format_version: u32,
    /// The request.
    pub request: crate::model::AccessRequest,
}

/// `onboard review close --output json`: the review as closed.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewDocument {
    /// Major version of this document's shape.
    pub format_version: u32,
    /// The review.
    pub review: crate::model::ReviewItem,
}

/// One validation problem.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Problem {
    /// File path.
    pub file: String,
    /// Line, 1-based (0 when unknown).
    pub line: u32,
    /// Column, 1-based (0 when unknown).
    pub column: u32,
    /// Field, where known.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
    /// What would fix it.
    pub hint: Option<String>,
}

impl From<&crate::model::Diagnostic> for Problem {
    fn from(d: &crate::model::Diagnostic) -> Self {
        Problem {
            file: d.origin.path.to_string(),
            line: d.origin.line,
            column: d.origin.column,
            field: d.field.clone(),
            message: d.message.clone(),
            hint: d.hint.clone(),
        }
    }
}

impl From<&(String, crate::policy::Denial)> for DenialItem {
    fn from((entitlement, denial): &(String, crate::policy::Denial)) -> Self {
        DenialItem {
            rule: denial.rule.to_string(),
            entitlement: (!entitlement.is_empty()).then(|| entitlement.clone()),
            message: denial.message.clone(),
            cause: denial.cause.to_string(),
            hint: denial.hint.clone(),
        }
    }
}

/// What a valid workspace holds.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Counts {
    /// Identities.
    pub identities: usize,
    /// Bundles.
    pub bundles: usize,
    /// Clients.
    pub clients: usize,
    /// Tenants.
    pub tenants: usize,
}

/// Renders a document as pretty JSON.
pub fn to_json<T: Serialize + ?Sized>(document: &T) -> String {
    let mut text = serde_json::to_string_pretty(document).expect("documents always serialize");
    text.push('\n');
    text
}
