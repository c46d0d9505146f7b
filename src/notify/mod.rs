//! Notification hooks: tell other approvers at once when break-glass access is used.
//!
//! The event goes as JSON to a configured command's stdin and/or as the body of a POST
//! to a webhook: the event itself, or a Slack or Teams message ([`chat`]) as
//! `break_glass.notify.format` says. A hook that fails is reported, never fatal: emergency access must not
//! wait on a pager.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::adapters::http::{self, Call, HttpClient};
use crate::model::policy::{Notify, WebhookFormat};

pub mod chat;

/// How long a hook command may run.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(20);

/// Sends an event to every configured hook; returns what went wrong, per hook.
pub fn notify(hooks: &Notify, event: &serde_json::Value) -> Vec<String> {
    let mut failures = Vec::new();
    // An event carries what people typed (reasons, tickets): scrubbed like any text
    // that leaves onboard.
    let body =
        crate::secrets::scrub(&serde_json::to_string(event).expect("events always serialize"))
            .into_owned();
    let event = &serde_json::from_str(&body).unwrap_or_else(|_| event.clone());
    if let Some(command) = &hooks.command
        && let Err(e) = run_command(command, &body)
    {
        failures.push(format!("notify command `{}`: {e}", command[0]));
    }
    let body = match hooks.format {
        WebhookFormat::Json => event.clone(),
        WebhookFormat::Slack => chat::slack(&chat::break_glass(event)),
        WebhookFormat::Teams => chat::teams(&chat::break_glass(event)),
    };
    if let Some(url) = &hooks.webhook
        && let Err(e) = post(url, &body)
    {
        failures.push(format!("notify webhook: {e}"));
    }
    failures
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

fn post(url: &str, event: &serde_json::Value) -> Result<(), String> {
    let settings = crate::adapters::Options::from_env()?.client_settings(None, |_| None);
    let client = HttpClient::new("break-glass webhook", url, settings).map_err(|e| e.detail)?;
    // The webhook's exact URL (the client's base gains a trailing slash).
    let target = http::parse_endpoint(url)?;
    let call = Call::new(reqwest::Method::POST, target).json(event, "application/json");
    let response = client.send("notify", &call).map_err(|e| e.detail)?;
    if response.is_success() {
        Ok(())
    } else {
        Err(format!("HTTP {}", response.status))
    }
}
