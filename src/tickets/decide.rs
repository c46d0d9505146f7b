//! The pure decision on a ticket: given what the provider answered, is the ticket open
//! and the client's? No I/O: the answer comes in as a value.

use super::{Answer, Ticket};
use crate::model::{Client, TicketProvider};
use crate::policy::Denial;

/// The rule every ticket refusal names.
pub const RULE: &str = "ticket-open";

/// What a provider's answer means for one client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The ticket exists, is open and belongs to the client.
    Open(Ticket),
    /// The ticket exists and belongs to the client, but is closed.
    Closed(Ticket),
    /// The provider has no such ticket.
    Missing,
    /// The ticket belongs to another company (the one named, if the provider said).
    Foreign(Ticket),
    /// The provider could not say (down, rate limited, a malformed answer…).
    Unknown(String),
}

/// Returns whether `ticket` belongs to `client`: the provider named the client itself,
/// or its company is the client's `psa_company`, or the provider's `companies` map it
/// to the client, or (with neither) the company is the client's id. Case-insensitive.
pub fn belongs(client: &Client, provider: &TicketProvider, ticket: &Ticket) -> bool {
    if let Some(named) = &ticket.client {
        return named.eq_ignore_ascii_case(&client.id);
    }
    let Some(company) = &ticket.company else {
        return false;
    };
    if let Some(own) = &client.psa_company {
        return own.eq_ignore_ascii_case(company);
    }
    let mapped = provider
        .companies
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(company));
    match mapped {
        Some((_, id)) => id == &client.id,
        None => {
            // A company mapped to this client under another name is not this one.
            !provider.companies.values().any(|id| id == &client.id)
                && company.eq_ignore_ascii_case(&client.id)
        }
    }
}

/// Returns what `answer` means for `client`.
pub fn decide(client: &Client, provider: &TicketProvider, answer: &Answer) -> Verdict {
    match answer {
        Err(error) => Verdict::Unknown(error.to_string()),
        Ok(None) => Verdict::Missing,
        Ok(Some(ticket)) if !belongs(client, provider, ticket) => Verdict::Foreign(ticket.clone()),
        Ok(Some(ticket)) if ticket.closed => Verdict::Closed(ticket.clone()),
        Ok(Some(ticket)) => Verdict::Open(ticket.clone()),
    }
}

/// Returns the `ticket-open` denial of access tied to ticket `id` in `client`, or
/// `None` when the ticket is open and the client's (or the provider could not say,
/// which the caller handles).
pub fn denial(
    id: &str,
    client: &Client,
    provider: &TicketProvider,
    verdict: &Verdict,
) -> Option<Denial> {
    let who = format!("the {} ticket provider", provider.kind_name());
    let (message, hint) = match verdict {
        Verdict::Open(_) | Verdict::Unknown(_) => return None,
        Verdict::Missing => (
            format!("ticket `{id}` does not exist in {who}"),
            "check the ticket number, or open a ticket for this work first".to_string(),
        ),
        Verdict::Closed(ticket) => (
            format!(
                "ticket `{id}` is closed{}",
                ticket
                    .status
                    .as_ref()
                    .map(|s| format!(" (status `{s}`)"))
                    .unwrap_or_default()
            ),
            "access is granted for open tickets only: reopen the ticket, or open a new one and pass it".to_string(),
        ),
        Verdict::Foreign(ticket) => (
            format!(
                "ticket `{id}` belongs to {}, not to client `{}`",
                ticket
                    .company
                    .as_ref()
                    .or(ticket.client.as_ref())
                    .map_or_else(|| "no company".to_string(), |c| format!("company `{c}`")),
                client.id
            ),
            match &client.psa_company {
                Some(company) => format!(
                    "pass a ticket of company `{company}` (the client's `psa_company`)"
                ),
                None => format!(
                    "pass a ticket of this client's company; if the company is this client, add `psa_company: …` to its client file (or map it in `companies` of the ticket provider at {})",
                    provider.origin
                ),
            },
        ),
    };
    Some(Denial {
        rule: RULE,
        message,
        cause: provider.origin.clone(),
        hint,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::model::{Origin, TicketProviderKind};

    fn client(psa_company: Option<&str>) -> Client {
        let mut client = crate::model::client_from_yaml(
            &"clients/acme.yaml".into(),
            "id: acme\ntier: premium\ntenants:\n  - name: entra\n    system: entra\n    adapter: file\n    path: t\n",
        )
        .unwrap();
        client.psa_company = psa_company.map(str::to_string);
        client
    }

    fn provider(companies: &[(&str, &str)]) -> TicketProvider {
        TicketProvider {
            kind: TicketProviderKind::Command {
                argv: vec!["t".into()],
            },
            companies: companies
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect::<BTreeMap<_, _>>(),
            write_back: false,
            timeout: crate::model::DEFAULT_TICKET_TIMEOUT,
            origin: Origin::file(&"onboard.toml".into()),
        }
    }

    fn ticket(company: &str, closed: bool) -> Ticket {
        Ticket {
            id: "1".into(),
            status: Some(if closed { "Closed" } else { "New" }.into()),
            closed,
            closed_at: None,
            company: Some(company.into()),
            client: None,
        }
    }

    #[test]
    fn company_mapping() {
        let open = ticket("ACME", false);
        assert!(belongs(&client(Some("acme")), &provider(&[]), &open));
        assert!(!belongs(&client(Some("ACMECORP")), &provider(&[]), &open));
        assert!(belongs(
            &client(None),
            &provider(&[("ACME", "acme")]),
            &open
        ));
        assert!(!belongs(
            &client(None),
            &provider(&[("ACME", "globex")]),
            &open
        ));
        // the client id itself, unless the client is mapped under another name
        assert!(belongs(&client(None), &provider(&[]), &open));
        assert!(!belongs(
            &client(None),
            &provider(&[("ACME-LTD", "acme")]),
            &open
        ));
    }

    #[test]
    fn verdicts_and_denials() {
        let (c, p) = (client(Some("ACME")), provider(&[]));
        let open = decide(&c, &p, &Ok(Some(ticket("ACME", false))));
        assert!(matches!(open, Verdict::Open(_)));
        assert_eq!(denial("1", &c, &p, &open), None);
        for (answer, words) in [
            (
                Ok(Some(ticket("ACME", true))),
                "is closed (status `Closed`)",
            ),
            (
                Ok(Some(ticket("GLOBEX", false))),
                "company `GLOBEX`, not to client `acme`",
            ),
            (Ok(None), "does not exist"),
        ] {
            let verdict = decide(&c, &p, &answer);
            let d = denial("1", &c, &p, &verdict).unwrap();
            assert_eq!(d.rule, RULE);
            assert!(d.message.contains(words), "{}", d.message);
        }
        // a foreign ticket is foreign even when closed
        assert!(matches!(
            decide(&c, &p, &Ok(Some(ticket("GLOBEX", true)))),
            Verdict::Foreign(_)
        ));
    }
}
