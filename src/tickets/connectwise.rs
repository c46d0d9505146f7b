//! The ConnectWise PSA (Manage) ticket provider, over its REST API (version 3.0).
//!
//! As ConnectWise documents it (developer.connectwise.com, mirrored in the public
//! extracts cited here):
//! - every request authenticates with `Authorization: Basic base64(companyId+publicKey:
//!   privateKey)` and carries the integration's `clientId` header ("ConnectWise PSA API —
//!   Integration Quick Reference", extracted from the ConnectWise PSA OpenAPI
//!   specification: <https://gitea.resolutionflow.com/chihlasm/resolutionflow/raw/commit/8cf6a661548923ac7cf73262fdfaaf65a898e1f0/docs/connectwise/CONNECTWISE-API-REFERENCE.md>;
//!   on the clientId, which "should be treated as a sort of password", the ConnectWise
//!   developer documentation: <https://app.preshmarketingsolutions.com/help/connectwise-developer-documentation>);
//! - `GET /service/tickets/{id}` returns the ticket: `id`, `summary`, `status` (`{id,
//!   name}`), `company` (`{id, identifier, name}`), `closedFlag`, `closedDate` (ISO 8601,
//!   `yyyy-MM-ddTHH:mm:ssZ`); an unknown id is `404` (same reference);
//! - `POST /service/tickets/{parentId}/notes` adds a note: `text`,
//!   `detailDescriptionFlag`, `internalAnalysisFlag`, `resolutionFlag` (the ServiceNote
//!   model of ConnectWise's description, as generated in
//!   <https://github.com/sowderca/connectwise-ruby-sdk/blob/master/docs/ServiceNote.md>).
//!
//! Retries (429, 5xx, `Retry-After`), timeouts, the loopback-only plain-HTTP rule and
//! redaction are the HTTP layer's.

use reqwest::header::{AUTHORIZATION, HeaderName};
use serde::Deserialize;

use super::{Answer, Desk, Note, Ticket, TicketError};
use crate::adapters::FailureKind;
use crate::adapters::http::{Auth, Call, HttpClient, Method};
use crate::model::{TicketProvider, TicketProviderKind};
use crate::secrets::Secret;

/// The part of a ConnectWise ticket onboard reads.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CwTicket {
    id: u64,
    status: Option<CwReference>,
    company: Option<CwCompany>,
    #[serde(default)]
    closed_flag: bool,
    closed_date: Option<String>,
}

#[derive(Deserialize)]
struct CwReference {
    name: Option<String>,
}

#[derive(Deserialize)]
struct CwCompany {
    identifier: Option<String>,
}

/// Reads ConnectWise's error body (`{"code": "NotFound", "message": "…"}`).
fn error_body(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let message = value.get("message")?.as_str()?;
    Some(match value.get("code").and_then(|c| c.as_str()) {
        Some(code) => format!("{code}: {message}"),
        None => message.to_string(),
    })
}

/// Opens a client of the provider's API, authenticated, and returns it with the
/// `clientId` to send.
fn open(
    desk: Desk<'_>,
    provider: &TicketProvider,
    name: &str,
) -> Result<(HttpClient, Secret), TicketError> {
    let TicketProviderKind::ConnectWise {
        endpoint,
        company_id,
        public_key,
        private_key,
        client_id,
    } = &provider.kind
    else {
        unreachable!("called for connectwise providers only");
    };
    let fail = |kind: FailureKind, detail: String| TicketError {
        provider: name.to_string(),
        kind,
        detail,
    };
    let read = |reference| {
        crate::secrets::resolve(reference, name, desk.root, desk.options)
            .map_err(|e| fail(e.failure_kind(), e.to_string()))
    };
    let private_key = read(private_key)?;
    let client_id = read(client_id)?;
    let basic = Secret::new(crate::secrets::scrub::base64(
        format!("{company_id}+{public_key}:{}", private_key.expose()).as_bytes(),
        false,
    ));
    let auth = Auth::Header {
        name: AUTHORIZATION,
        scheme: "Basic",
        value: basic,
    };
    let settings = desk.options.client_settings(Some(auth), error_body);
    let client = HttpClient::new(name, endpoint, settings).map_err(|e| fail(e.kind, e.detail))?;
    Ok((client, client_id))
}

/// Looks ticket `id` up: `GET /service/tickets/{id}`.
pub(super) fn lookup(desk: Desk<'_>, provider: &TicketProvider, name: &str, id: &str) -> Answer {
    // ConnectWise ticket ids are numbers; `#1234` is how people write them.
    let number = id.trim().trim_start_matches('#');
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    let (client, client_id) = open(desk, provider, name)?;
    let call = Call::get(client.url(&["service", "tickets", number]))
        .header(HeaderName::from_static("clientid"), client_id.expose())
        .header(reqwest::header::ACCEPT, "application/json");
    let fail = |e: crate::adapters::AdapterError| TicketError {
        provider: name.to_string(),
        kind: e.kind,
        detail: e.detail,
    };
    let response = client.send("read ticket", &call).map_err(fail)?;
    if response.status.as_u16() == 404 {
        return Ok(None);
    }
    let response = client
        .require_success("read ticket", response)
        .map_err(fail)?;
    let ticket: CwTicket = client.json("read ticket", &response).map_err(fail)?;
    if ticket.id.to_string() != number {
        return Err(TicketError {
            provider: name.to_string(),
            kind: FailureKind::Malformed,
            detail: format!(
                "asked for ticket {number}, it answered ticket {}",
                ticket.id
            ),
        });
    }
    let closed_at = match ticket.closed_date.as_deref().filter(|d| !d.is_empty()) {
        None => None,
        Some(text) => Some(
            time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
                .map_err(|_| TicketError {
                    provider: name.to_string(),
                    kind: FailureKind::Malformed,
                    detail: format!("ticket {number} has a `closedDate` that is not a date"),
                })?,
        ),
    };
    Ok(Some(Ticket {
        id: id.to_string(),
        status: ticket.status.and_then(|s| s.name),
        closed: ticket.closed_flag,
        closed_at,
        company: ticket.company.and_then(|c| c.identifier),
        client: None,
    }))
}

/// Adds an internal note to the ticket: `POST /service/tickets/{id}/notes`.
pub(super) fn post_note(
    desk: Desk<'_>,
    provider: &TicketProvider,
    name: &str,
    note: &Note,
) -> Result<(), TicketError> {
    let number = note.ticket.trim().trim_start_matches('#');
    let (client, client_id) = open(desk, provider, name)?;
    let body = serde_json::json!({
        "text": crate::secrets::scrub(&note.text()),
        "detailDescriptionFlag": false,
        "internalAnalysisFlag": true,
        "resolutionFlag": false,
    });
    let call = Call::new(
        Method::POST,
        client.url(&["service", "tickets", number, "notes"]),
    )
    .header(HeaderName::from_static("clientid"), client_id.expose())
    .json(&body, "application/json");
    let fail = |e: crate::adapters::AdapterError| TicketError {
        provider: name.to_string(),
        kind: e.kind,
        detail: e.detail,
    };
    let response = client.send("add a ticket note", &call).map_err(fail)?;
    client
        .require_success("add a ticket note", response)
        .map_err(fail)?;
    Ok(())
}
