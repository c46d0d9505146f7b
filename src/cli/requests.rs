//! `onboard requests`: pending, approved, denied and expired access requests.

use clap::Args;
use serde::Serialize;

use super::GlobalArgs;
use super::session::Session;
use crate::exit::ExitStatus;
use crate::model::time::format_short;
use crate::model::{AccessRequest, RequestStatus};
use crate::ui::OutputFormat;
use crate::ui::documents::FORMAT_VERSION;
use crate::ui::tables::table_text;

/// List access requests
///
/// Shows every elevation, break-glass and mass-revoke request with its status. A
/// pending request older than `requests.expire_after` (policy) shows as expired.
#[derive(Debug, Args)]
pub struct RequestsArgs {
    /// Show only requests with this status
    #[arg(
        long,
        value_name = "STATUS",
        value_parser = clap::builder::PossibleValuesParser::new(RequestStatus::ALL.map(RequestStatus::as_str))
    )]
    pub status: Option<String>,
}

/// `onboard requests --output json`.
#[derive(Debug, Serialize)]
struct RequestsDocument {
    format_version: u32,
    requests: Vec<AccessRequest>,
}

pub(super) fn run(global: &GlobalArgs, args: RequestsArgs) -> anyhow::Result<ExitStatus> {
    let session = Session::open(global)?;
    let shown = crate::workflow::request::requests(&session.context(), args.status.as_deref())?;
    let printer = &session.printer;
    if printer.format == OutputFormat::Json {
        printer.json(&RequestsDocument {
            format_version: FORMAT_VERSION,
            requests: shown,
        })?;
        return Ok(ExitStatus::Success);
    }
    if shown.is_empty() {
        printer.data("No requests.")?;
        return Ok(ExitStatus::Success);
    }
    let headers: &[&str] = &[
        "id", "kind", "status", "client", "identity", "bundle", "ticket", "asked by", "asked",
        "until",
    ];
    let mut rows: Vec<Vec<String>> = Vec::new();
    for r in &shown {
        let until = match (r.status, r.expires_at) {
            (RequestStatus::Approved, Some(at)) if at <= session.now => {
                format!("{} (ended)", format_short(at))
            }
            (_, Some(at)) => format_short(at),
            _ => "-".into(),
        };
        rows.push(vec![
            r.id.clone(),
            r.kind.as_str().into(),
            r.status.as_str().into(),
            r.client.clone(),
            r.identity.clone().unwrap_or_else(|| "-".into()),
            r.bundle.clone().unwrap_or_else(|| "-".into()),
            r.ticket.clone().unwrap_or_else(|| "-".into()),
            r.requested_by.clone(),
            format_short(r.requested_at),
            until,
        ]);
    }
    let text = table_text(headers, rows);
    printer.data(&text)?;
    Ok(ExitStatus::Success)
}
