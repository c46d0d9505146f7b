//! The generic ticket providers: `command` (a program, the question as JSON on its
//! standard input, the answer as JSON on its standard output) and `webhook` (the same
//! question as an HTTPS POST, the answer as its JSON body).
//!
//! The question: `{"format_version": 1, "action": "lookup", "ticket": "T", "client":
//! "acme", "psa_company": "ACME"}` (`psa_company` when the client file names one). The
//! answer: `{"found": true, "status": "In Progress", "closed": false, "closed_at": null,
//! "company": "ACME"}` (or `"client": "acme"` instead of `company`); `{"found": false}`
//! for no such ticket. A note: `{"format_version": 1, "action": "note", "ticket", "client",
//! "note": {"event", "text", "actor", "identity", "what", "until", "audit"}}`; any
//! answer with exit status 0 (HTTP 2xx) is taken.
//!
//! The program runs without a shell, in the workspace root, for at most the provider's
//! `timeout`; what it writes on standard error is shown scrubbed.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Instant;

use serde::Deserialize;

use super::{Answer, Desk, Note, Ticket, TicketError};
use crate::adapters::FailureKind;
use crate::adapters::http::{self, Auth, Call, HttpClient, Method};
use crate::model::{Client, TicketProvider, TicketProviderKind};

/// The answer to a lookup.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Reply {
    found: bool,
    status: Option<String>,
    #[serde(default)]
    closed: bool,
    closed_at: Option<String>,
    company: Option<String>,
    client: Option<String>,
}

/// Asks about ticket `id` for `client`.
pub(super) fn lookup(
    desk: Desk<'_>,
    provider: &TicketProvider,
    name: &str,
    client: &Client,
    id: &str,
) -> Answer {
    let question = serde_json::json!({
        "format_version": 1,
        "action": "lookup",
        "ticket": id,
        "client": client.id,
        "psa_company": client.psa_company,
    });
    let bytes = exchange(desk, provider, name, &question)?;
    let malformed = |detail: String| TicketError {
        provider: name.to_string(),
        kind: FailureKind::Malformed,
        detail,
    };
    let reply: Reply = serde_json::from_slice(&bytes).map_err(|e| {
        malformed(format!(
            "the answer is not the JSON onboard expects ({e}); it answers `{{\"found\": true, \"closed\": false, \"company\": \"…\"}}`"
        ))
    })?;
    if !reply.found {
        return Ok(None);
    }
    if reply.company.is_none() && reply.client.is_none() {
        return Err(malformed(
            "the answer names neither `company` nor `client`, so the ticket's client is unknown"
                .into(),
        ));
    }
    let closed_at = match reply.closed_at.as_deref() {
        None => None,
        Some(text) => Some(
            crate::model::time::parse_instant(text, crate::model::time::DateBound::Start)
                .map_err(|_| malformed("`closed_at` is not an RFC 3339 instant".into()))?,
        ),
    };
    Ok(Some(Ticket {
        id: id.to_string(),
        status: reply.status,
        closed: reply.closed || closed_at.is_some(),
        closed_at,
        company: reply.company,
        client: reply.client,
    }))
}

/// Sends a note about ticket `note.ticket`.
pub(super) fn post_note(
    desk: Desk<'_>,
    provider: &TicketProvider,
    name: &str,
    client: &Client,
    note: &Note,
) -> Result<(), TicketError> {
    let mut body = serde_json::to_value(note).unwrap_or_default();
    body["text"] = serde_json::json!(note.text());
    let question = serde_json::json!({
        "format_version": 1,
        "action": "note",
        "ticket": note.ticket,
        "client": client.id,
        "psa_company": client.psa_company,
        "note": body,
    });
    exchange(desk, provider, name, &question).map(|_| ())
}

/// Sends `question` to the program or webhook and returns its answer's bytes.
fn exchange(
    desk: Desk<'_>,
    provider: &TicketProvider,
    name: &str,
    question: &serde_json::Value,
) -> Result<Vec<u8>, TicketError> {
    // What people typed travels in it: scrubbed like any text that leaves onboard.
    let body = crate::secrets::scrub(&question.to_string()).into_owned();
    let fail = |kind: FailureKind, detail: String| TicketError {
        provider: name.to_string(),
        kind,
        detail: crate::secrets::scrub(&detail).into_owned(),
    };
    match &provider.kind {
        TicketProviderKind::Command { argv } => run(desk, provider, argv, &body)
            .map_err(|(kind, detail)| fail(kind, format!("`{}`: {detail}", argv[0]))),
        TicketProviderKind::Webhook { url, token } => {
            let auth = match token {
                None => None,
                Some(reference) => Some(Auth::Bearer(
                    crate::secrets::resolve(reference, name, desk.root, desk.options)
                        .map_err(|e| fail(e.failure_kind(), e.to_string()))?,
                )),
            };
            let settings = desk.options.client_settings(auth, |_| None);
            let client =
                HttpClient::new(name, url, settings).map_err(|e| fail(e.kind, e.detail))?;
            let target = http::parse_endpoint(url).map_err(|e| fail(FailureKind::Rejected, e))?;
            let value: serde_json::Value =
                serde_json::from_str(&body).unwrap_or_else(|_| question.clone());
            let call = Call::new(Method::POST, target).json(&value, "application/json");
            let response = client
                .send("ask about a ticket", &call)
                .map_err(|e| fail(e.kind, e.detail))?;
            let response = client
                .require_success("ask about a ticket", response)
                .map_err(|e| fail(e.kind, e.detail))?;
            Ok(response.body)
        }
        _ => unreachable!("called for command and webhook providers only"),
    }
}

/// Runs the program with `body` on its standard input; returns its standard output.
fn run(
    desk: Desk<'_>,
    provider: &TicketProvider,
    argv: &[String],
    body: &str,
) -> Result<Vec<u8>, (FailureKind, String)> {
    let program = &argv[0];
    // A relative path with a `/` names a file in the workspace; a bare name is looked
    // up in `PATH` (as `exec:` references do).
    let path = if program.contains('/') {
        desk.root.join(program)
    } else {
        program.into()
    };
    let mut child = Command::new(path)
        .args(&argv[1..])
        .current_dir(desk.root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| (FailureKind::Unreachable, format!("cannot start it: {e}")))?;
    let reader = crate::secrets::exec::read_pipe;
    let stdout = reader(child.stdout.take().map(|p| Box::new(p) as _));
    let stderr = reader(child.stderr.take().map(|p| Box::new(p) as _));
    if let Some(mut stdin) = child.stdin.take() {
        // A program that exits without reading its input is judged by its exit status.
        let _ = stdin.write_all(body.as_bytes());
    }
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() >= provider.timeout => {
                // Ends only the process this call started, by its handle.
                let _ = child.kill();
                let _ = child.wait();
                return Err((
                    FailureKind::Unreachable,
                    format!(
                        "it did not finish within {} and was stopped",
                        crate::model::time::format_duration(provider.timeout)
                    ),
                ));
            }
            Ok(None) => std::thread::sleep(std::time::Duration::from_millis(10)),
            Err(e) => return Err((FailureKind::Unreachable, e.to_string())),
        }
    };
    let wait = std::time::Duration::from_secs(2);
    let out = stdout.recv_timeout(wait).unwrap_or_default();
    if !status.success() {
        let err = stderr.recv_timeout(wait).unwrap_or_default();
        let err = String::from_utf8_lossy(&err);
        let shown: String = err.trim().chars().take(400).collect();
        return Err((
            FailureKind::Unreachable,
            format!("it exited with {status}: {shown}"),
        ));
    }
    Ok(out)
}
