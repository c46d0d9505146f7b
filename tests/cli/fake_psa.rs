//! A loopback fake of the ConnectWise PSA (Manage) REST API, version 3.0, answering as
//! ConnectWise documents it, and checking every request onboard makes.
//!
//! The documentation followed (public extracts of developer.connectwise.com):
//! - "ConnectWise PSA API — Integration Quick Reference", extracted from the ConnectWise
//!   PSA OpenAPI specification v2025.16:
//!   <https://gitea.resolutionflow.com/chihlasm/resolutionflow/raw/commit/8cf6a661548923ac7cf73262fdfaaf65a898e1f0/docs/connectwise/CONNECTWISE-API-REFERENCE.md>:
//!   headers on every request `Authorization: Basic base64(companyId+publicKey:privateKey)`
//!   and `clientId`; base URL `https://{site}/v4_6_release/apis/3.0`; dates ISO 8601
//!   `yyyy-MM-ddTHH:mm:ssZ`; `GET /service/tickets/{id}` (one ticket) and
//!   `POST /service/tickets/{parentId}/notes` (add a note);
//! - the ConnectWise developer guide on `clientId` ("a unique GUID … required for all
//!   API calls"): <https://gitea.resolutionflow.com/chihlasm/resolutionflow/src/branch/main/docs/connectwise/Developer-Guide.md>;
//! - the Ticket model (`id`, `summary`, `status {id, name}`, `company {id, identifier,
//!   name}`, `closedFlag`, `closedDate`, `closedBy`) and the ServiceNote model (`text`,
//!   `detailDescriptionFlag`, `internalAnalysisFlag`, `resolutionFlag`), as generated from
//!   ConnectWise's description in <https://github.com/sowderca/connectwise-ruby-sdk/blob/master/docs/ServiceNote.md>;
//! - an unknown id answers `404` with `{"code": "NotFound", "message": …}`; a throttled
//!   client `429` with `Retry-After`.
//!
//! Every request is checked: the path, the method, both authentication headers, and a
//! note's fields. A request that does not conform is answered `400` and recorded in
//! [`Psa::problems`], which every test asserts empty.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use crate::fake::{Reply, Request, Server};

/// The API's base path, as in the documented base URL.
pub const BASE: &str = "/v4_6_release/apis/3.0";

/// How the fake answers every request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// As documented.
    #[default]
    Normal,
    /// `429 Too Many Requests` with `Retry-After: 0`, every time.
    Throttled,
    /// `200` with a body that is not a ticket.
    Malformed,
    /// Lookups as documented; notes refused (`400`, as for an invalid note).
    NotesRefused,
}

/// The fake's state.
#[derive(Debug, Default)]
pub struct Psa {
    /// Tickets by id: the ticket as the API returns it.
    pub tickets: BTreeMap<u64, Value>,
    /// Notes added: (ticket id, note body).
    pub notes: Vec<(u64, Value)>,
    /// Lookups: ticket ids asked for, in order.
    pub lookups: Vec<u64>,
    /// Requests that did not conform to the documentation.
    pub problems: Vec<String>,
    /// How it answers.
    pub mode: Mode,
}

/// A running fake, with the credentials it accepts.
pub struct FakePsa {
    /// Its state.
    pub state: Arc<Mutex<Psa>>,
    /// The endpoint to configure (`http://127.0.0.1:PORT/v4_6_release/apis/3.0`).
    pub endpoint: String,
}

/// The credentials the fake accepts.
pub struct Credentials {
    pub company_id: &'static str,
    pub public_key: &'static str,
    pub private_key: String,
    pub client_id: String,
}

impl FakePsa {
    /// Starts a fake accepting `credentials`.
    pub fn start(credentials: Credentials) -> FakePsa {
        let state = Arc::new(Mutex::new(Psa::default()));
        let basic = format!(
            "Basic {}",
            onboard::secrets::scrub::base64(
                format!(
                    "{}+{}:{}",
                    credentials.company_id, credentials.public_key, credentials.private_key
                )
                .as_bytes(),
                false
            )
        );
        let client_id = credentials.client_id.clone();
        let shared = state.clone();
        let server = Server::start(Arc::new(move |request: &Request| {
            let mut psa = shared.lock().unwrap();
            answer(&mut psa, request, &basic, &client_id)
        }));
        FakePsa {
            state,
            endpoint: format!("http://127.0.0.1:{}{BASE}", server.port),
        }
    }

    /// Adds (or replaces) an open ticket of a company.
    pub fn open(&self, id: u64, company: &str) {
        self.state.lock().unwrap().tickets.insert(
            id,
            json!({
                "id": id,
                "summary": format!("Ticket {id}"),
                "status": { "id": 1, "name": "New" },
                "company": { "id": 250, "identifier": company, "name": format!("{company} Ltd") },
                "closedFlag": false,
                "_info": { "lastUpdated": "2026-11-20T09:00:00Z" },
            }),
        );
    }

    /// Closes a ticket at `at` (`yyyy-MM-ddTHH:mm:ssZ`).
    pub fn close(&self, id: u64, at: &str) {
        let mut psa = self.state.lock().unwrap();
        let ticket = psa.tickets.get_mut(&id).expect("a ticket to close");
        ticket["status"] = json!({ "id": 6, "name": "Closed (resolved)" });
        ticket["closedFlag"] = json!(true);
        ticket["closedDate"] = json!(at);
        ticket["closedBy"] = json!("alice");
    }

    /// Moves a ticket to another company.
    pub fn move_to(&self, id: u64, company: &str) {
        let mut psa = self.state.lock().unwrap();
        psa.tickets.get_mut(&id).expect("a ticket")["company"]["identifier"] = json!(company);
    }

    /// Sets how it answers.
    pub fn mode(&self, mode: Mode) {
        self.state.lock().unwrap().mode = mode;
    }

    /// Returns the requests that did not conform.
    pub fn problems(&self) -> Vec<String> {
        self.state.lock().unwrap().problems.clone()
    }

    /// Returns the ticket ids looked up.
    pub fn lookups(&self) -> Vec<u64> {
        self.state.lock().unwrap().lookups.clone()
    }

    /// Returns the notes added.
    pub fn notes(&self) -> Vec<(u64, Value)> {
        self.state.lock().unwrap().notes.clone()
    }
}

fn answer(psa: &mut Psa, request: &Request, basic: &str, client_id: &str) -> Reply {
    if request.header("authorization") != Some(basic) {
        return refuse(
            psa,
            request,
            "`Authorization` is not Basic base64(companyId+publicKey:privateKey)".into(),
        );
    }
    if request.header("clientid") != Some(client_id) {
        return refuse(
            psa,
            request,
            "the `clientId` header is missing or wrong".into(),
        );
    }
    let Some(rest) = request.path.strip_prefix(BASE) else {
        return refuse(psa, request, "not under the API's base path".into());
    };
    let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let id = match segments.as_slice() {
        ["service", "tickets", id] | ["service", "tickets", id, "notes"] => id.parse::<u64>(),
        _ => return refuse(psa, request, "no such operation".into()),
    };
    let Ok(id) = id else {
        return refuse(psa, request, "a ticket id is a number".into());
    };
    match psa.mode {
        Mode::Normal => {}
        Mode::NotesRefused if segments.len() == 4 => {
            return Reply::json(
                400,
                &json!({ "code": "InvalidObject", "message": "Notes are closed on this board" }),
            );
        }
        Mode::NotesRefused => {}
        Mode::Throttled => {
            return Reply::json(
                429,
                &json!({ "code": "TooManyRequests", "message": "Rate limit exceeded" }),
            )
            .with("Retry-After", "0");
        }
        Mode::Malformed => {
            return Reply {
                status: 200,
                headers: Vec::new(),
                body: b"{\"id\": \"not a ticket\"".to_vec(),
            };
        }
    }
    let not_found = || {
        Reply::json(
            404,
            &json!({ "code": "NotFound", "message": format!("Ticket ID {id} not found."), "errors": null }),
        )
    };
    match (request.method.as_str(), segments.len()) {
        ("GET", 3) => {
            psa.lookups.push(id);
            match psa.tickets.get(&id) {
                Some(ticket) => Reply::json(200, ticket),
                None => not_found(),
            }
        }
        ("POST", 4) => {
            let note = request.json();
            let fields_ok = note["text"].as_str().is_some_and(|t| !t.is_empty())
                && [
                    "detailDescriptionFlag",
                    "internalAnalysisFlag",
                    "resolutionFlag",
                ]
                .iter()
                .all(|f| note[f].is_boolean())
                && note.as_object().is_some_and(|o| {
                    o.keys().all(|k| {
                        [
                            "text",
                            "detailDescriptionFlag",
                            "internalAnalysisFlag",
                            "resolutionFlag",
                        ]
                        .contains(&k.as_str())
                    })
                });
            if !fields_ok {
                return refuse(
                    psa,
                    request,
                    format!("a ServiceNote has `text` and the three flags: {note}"),
                );
            }
            if !psa.tickets.contains_key(&id) {
                return not_found();
            }
            psa.notes.push((id, note.clone()));
            let mut created = note;
            created["id"] = json!(psa.notes.len());
            created["ticketId"] = json!(id);
            Reply::json(201, &created)
        }
        _ => refuse(psa, request, "no such operation".into()),
    }
}

/// Records a request that does not conform and answers it `400`.
fn refuse(psa: &mut Psa, request: &Request, text: String) -> Reply {
    psa.problems
        .push(format!("{} {}: {text}", request.method, request.path));
    Reply::json(400, &json!({ "code": "InvalidObject", "message": text }))
}
