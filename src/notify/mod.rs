//! Notification hooks: tell other approvers at once when break-glass access is used,
//! the people who may approve a request that waits for them, a request's requester
//! when it is decided, and a channel which access is about to expire ([`digest`]).
//!
//! The event goes as JSON to a configured command's stdin and/or as the body of a POST
//! to a webhook: the event itself, or a Slack or Teams message ([`chat`]) as the hooks'
//! `format` says. A webhook's URL is a secret: read through a credential reference
//! where one is given, and registered with the scrubber either way. A hook that fails is reported, never fatal: emergency access must not
//! wait on a pager.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::adapters::http::{self, Call, HttpClient};
use crate::model::policy::{Notify, WebhookFormat, WebhookUrl};
use crate::secrets::Secret;

pub mod chat;
pub mod digest;

/// Most requests one webhook notification makes.
const MAX_ATTEMPTS: u32 = 4;

/// Longest a webhook notification may take across its attempts and waits: a 429 asking
/// for longer is given up at once.
const RETRY_BUDGET: Duration = Duration::from_secs(30);

/// How long a hook command may run.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(20);

/// What came of telling one hook.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Delivery {
    /// The hook, as messages and audit entries name it (`webhook (slack)`, ``command
    /// `notify-oncall` ``): never a URL.
    pub channel: String,
    /// `delivered` or `failed`.
    pub outcome: &'static str,
    /// Requests made, when known (a webhook is retried on connection errors, 429 and
    /// 5xx; a failure to connect says how often it tried in its `error`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempts: Option<u32>,
    /// Why it failed, scrubbed of secrets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Delivery {
    /// Returns whether the hook was told.
    pub fn delivered(&self) -> bool {
        self.error.is_none()
    }

    fn new(channel: String, result: Result<u32, (Option<u32>, String)>) -> Delivery {
        match result {
            Ok(attempts) => Delivery {
                channel,
                outcome: "delivered",
                attempts: Some(attempts),
                error: None,
            },
            Err((attempts, error)) => Delivery {
                channel,
                outcome: "failed",
                attempts,
                error: Some(crate::secrets::scrub(&error).into_owned()),
            },
        }
    }
}

/// Returns a warning for each hook that could not be told, saying what stands anyway
/// (`the access is granted anyway`).
pub fn failures(deliveries: &[Delivery], anyway: &str) -> Vec<String> {
    deliveries
        .iter()
        .filter_map(|d| {
            Some(format!(
                "notify {}: {}: {anyway}",
                d.channel,
                d.error.as_ref()?
            ))
        })
        .collect()
}

/// Records in an audit entry's detail which hooks were told: `notified` (any was),
/// `notifications` (each hook by name and outcome, never its URL) and `notify_failures`.
pub fn record_deliveries(entry: &mut crate::audit::Entry, deliveries: &[Delivery]) {
    let detail = entry.detail.get_or_insert_with(|| serde_json::json!({}));
    detail["notified"] = serde_json::json!(deliveries.iter().any(|d| d.delivered()));
    if deliveries.is_empty() {
        return;
    }
    detail["notifications"] = serde_json::json!(deliveries);
    detail["notify_failures"] = serde_json::json!(
        deliveries
            .iter()
            .filter_map(|d| Some(format!("notify {}: {}", d.channel, d.error.as_ref()?)))
            .collect::<Vec<_>>()
    );
}

/// Returns the chat handles of an identity as an event names a person:
/// `{"id", "slack", "teams"}`.
pub fn person(identity: &crate::model::Identity) -> serde_json::Value {
    serde_json::json!({ "id": identity.id, "slack": identity.chat.slack, "teams": identity.chat.teams })
}

/// Where a webhook's URL is read from: the workspace root (`file:`, `exec:`) and the
/// run's settings (the vault, the retry scale).
#[derive(Clone, Copy)]
pub struct Sources<'a> {
    /// The workspace root.
    pub root: &'a std::path::Path,
    /// The run's settings.
    pub options: &'a crate::adapters::Options,
}

/// Sends a break-glass event to every configured hook; returns what came of each.
pub fn notify(hooks: &Notify, event: &serde_json::Value, sources: Sources<'_>) -> Vec<Delivery> {
    send(hooks, event, chat::break_glass, sources)
}

/// Sends an event to every configured hook: as JSON to a command and a `json` webhook,
/// as the chat message `message` makes of it to a `slack` or `teams` webhook. Returns
/// what came of each. A hook that fails is retried (webhooks) and reported, never an
/// error: the caller's access change stands whatever the hooks say.
pub fn send(
    hooks: &Notify,
    event: &serde_json::Value,
    message: impl Fn(&serde_json::Value) -> chat::Message,
    sources: Sources<'_>,
) -> Vec<Delivery> {
    let mut deliveries = Vec::new();
    // An event carries what people typed (reasons, tickets): scrubbed like any text
    // that leaves onboard.
    let body =
        crate::secrets::scrub(&serde_json::to_string(event).expect("events always serialize"))
            .into_owned();
    let event = &serde_json::from_str(&body).unwrap_or_else(|_| event.clone());
    if let Some(command) = &hooks.command {
        let result = run_command(command, &body)
            .map(|()| 1)
            .map_err(|e| (Some(1), e));
        deliveries.push(Delivery::new(format!("command `{}`", command[0]), result));
    }
    if let Some(url) = &hooks.webhook {
        let body = match hooks.format {
            WebhookFormat::Json => event.clone(),
            WebhookFormat::Slack => chat::slack(&message(event)),
            WebhookFormat::Teams => chat::teams(&message(event)),
        };
        let channel = format!("webhook ({})", format_name(hooks.format));
        let setting = format!("policy.yaml:{}.webhook", hooks.setting);
        let result = webhook_url(url, &setting, sources).and_then(|url| post(&url, &body, sources));
        deliveries.push(Delivery::new(channel, result));
    }
    deliveries
}

/// Returns the name `format:` gives a webhook body.
fn format_name(format: WebhookFormat) -> &'static str {
    match format {
        WebhookFormat::Json => "json",
        WebhookFormat::Slack => "slack",
        WebhookFormat::Teams => "teams",
    }
}

/// Returns a webhook's URL as a secret, registered with the scrubber whether it was
/// written in the file or read through a credential reference.
fn webhook_url(
    url: &WebhookUrl,
    setting: &str,
    sources: Sources<'_>,
) -> Result<Secret, (Option<u32>, String)> {
    match url {
        WebhookUrl::Plain(text, _) => Ok(Secret::new(text.as_str())),
        WebhookUrl::Reference(reference) => {
            crate::secrets::resolve(reference, setting, sources.root, sources.options).map_err(
                |e| {
                    let hint = e.hint().map(|h| format!(" ({h})")).unwrap_or_default();
                    (None, format!("{e}{hint}"))
                },
            )
        }
    }
}

fn run_command(command: &[String], body: &str) -> Result<(), String> {
    let mut child = Command::new(&command[0])
        .args(&command[1..])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start it: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(body.as_bytes())
            .map_err(|e| format!("cannot write the event: {e}"))?;
    }
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return Ok(()),
            Ok(Some(status)) => return Err(format!("it exited with {status}")),
            Ok(None) if started.elapsed() > COMMAND_TIMEOUT => {
                let _ = child.kill();
                return Err(format!(
                    "it ran longer than {} and was stopped",
                    crate::model::time::format_duration(COMMAND_TIMEOUT)
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(e.to_string()),
        }
    }
}

/// POSTs a body to the webhook, retrying connection errors, 429 (after what
/// `Retry-After` asks) and 5xx within a short budget; returns the requests made.
fn post(
    url: &Secret,
    body: &serde_json::Value,
    sources: Sources<'_>,
) -> Result<u32, (Option<u32>, String)> {
    let mut settings = sources.options.client_settings(None, |_| None);
    // A pager must not hold access up for long: fewer attempts than a tenant gets.
    settings.retry.max_attempts = settings.retry.max_attempts.min(MAX_ATTEMPTS);
    settings.retry.retry_budget = settings.retry.retry_budget.min(RETRY_BUDGET);
    let client =
        HttpClient::new("notify webhook", url.expose(), settings).map_err(|e| (None, e.detail))?;
    // The webhook's exact URL (the client's base gains a trailing slash).
    let target = http::parse_endpoint(url.expose()).map_err(|e| (None, e))?;
    let call = Call::new(reqwest::Method::POST, target).json(body, "application/json");
    let response = client.send("notify", &call).map_err(|e| (None, e.detail))?;
    if response.is_success() {
        Ok(response.attempts)
    } else {
        Err((
            Some(response.attempts),
            format!(
                "HTTP {} (after {} attempt(s))",
                response.status, response.attempts
            ),
        ))
    }
}
