//! Chat payloads: the same message as a Slack incoming-webhook body and as a Microsoft
//! Teams incoming-webhook (or Workflows) body. Pure: builds JSON values, sends nothing.
//!
//! - Slack: a message with Block Kit `blocks` and a `text` fallback, which Slack shows in
//!   notifications when blocks are present; user text is escaped (`&`, `<`, `>`) and a
//!   person is mentioned as `<@MEMBER_ID>`. See
//!   <https://api.slack.com/messaging/webhooks> and
//!   <https://api.slack.com/reference/surfaces/formatting#escaping>.
//! - Teams: `{"type": "message", "attachments": [...]}` whose one attachment has
//!   `contentType` `application/vnd.microsoft.card.adaptive` and the Adaptive Card as
//!   `content`; a person is mentioned with `<at>NAME</at>` in the text and an entry in
//!   the card's `msteams.entities`. See "Send Adaptive Cards using an Incoming Webhook"
//!   in <https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using>
//!   and "Mention support within Adaptive Cards" in
//!   <https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/cards-format>.
//!
//! A long list (the expiring-access digest) is cut to what the receivers take: Slack
//! shows at most 50 blocks and 3000 characters of a section's text ("Block Kit" limits,
//! <https://api.slack.com/reference/block-kit/blocks>), a Teams incoming webhook takes
//! a message of at most 28 KB ("Send messages using Incoming Webhooks", limits). What is
//! left out is counted in the message, with where to read the whole list.

use serde_json::{Value, json};

/// A person a message mentions, with the chat handles their identity file gives.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mention {
    /// The identity id, shown where the person has no handle.
    pub name: String,
    /// Their Slack member id (`U…`).
    pub slack: Option<String>,
    /// Their Teams user principal name (an email address) or Entra object id.
    pub teams: Option<String>,
}

/// A notification: a title, a one-line summary, labelled facts and who is mentioned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Message {
    /// The headline (`Break-glass access granted`).
    pub title: String,
    /// One line saying what happened: the fallback where the rich layout is not shown.
    pub summary: String,
    /// Labelled details, in order (`Client`, `acme`).
    pub facts: Vec<(String, String)>,
    /// People told of it by name.
    pub mentions: Vec<Mention>,
    /// Lists under headings (the digest's grants per client), cut to what the receiver
    /// takes.
    pub groups: Vec<Group>,
    /// Where the whole list is read when part of it is left out (`run onboard status
    /// …`).
    pub full_list: String,
}

/// A heading and its items, each a label and a text (`dave`, `` `role:…` in `acme` ``).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Group {
    /// The heading (`acme (3)`).
    pub heading: String,
    /// The items, in order.
    pub items: Vec<(String, String)>,
}

/// Most blocks a Slack message may carry.
const SLACK_MAX_BLOCKS: usize = 50;

/// Most characters of a Slack section's text.
const SLACK_MAX_SECTION_TEXT: usize = 3000;

/// Most characters of a Slack header's text.
const SLACK_MAX_HEADER: usize = 150;

/// Most characters one listed item's label or text keeps, so that any item fits a
/// section.
const MAX_ITEM_TEXT: usize = 500;

/// Bytes the lists of a Teams card may take: the message limit is 28 KB, and the rest of
/// the card and the envelope need room.
const TEAMS_MAX_LIST_BYTES: usize = 20_000;

/// Returns `text` cut to at most `max` characters, ending with `…` when cut.
fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// Returns the line saying how many items a message leaves out, and where to read them.
fn left_out_line(message: &Message, left_out: usize) -> String {
    format!(
        "…and {left_out} more not shown here: {}",
        if message.full_list.is_empty() {
            "see onboard"
        } else {
            &message.full_list
        }
    )
}

/// Returns the Slack sections of a message's lists, at most `budget` of them, and how
/// many items did not fit.
fn slack_groups(groups: &[Group], budget: usize) -> (Vec<Value>, usize) {
    let total: usize = groups.iter().map(|g| g.items.len()).sum();
    let mut texts: Vec<String> = Vec::new();
    let mut shown = 0;
    for group in groups {
        if texts.len() >= budget {
            break;
        }
        let heading = format!("*{}*", slack_escape(&clip(&group.heading, MAX_ITEM_TEXT)));
        let mut text = heading.clone();
        for (label, value) in &group.items {
            let line = format!(
                "\n• *{}* {}",
                slack_escape(&clip(label, MAX_ITEM_TEXT)),
                slack_escape(&clip(value, MAX_ITEM_TEXT))
            );
            if text.chars().count() + line.chars().count() > SLACK_MAX_SECTION_TEXT {
                texts.push(std::mem::replace(
                    &mut text,
                    format!("{heading} (continued)"),
                ));
                if texts.len() >= budget {
                    text.clear();
                    break;
                }
            }
            text.push_str(&line);
            shown += 1;
        }
        if !text.is_empty() {
            texts.push(text);
        }
    }
    let blocks = texts
        .into_iter()
        .map(|text| json!({ "type": "section", "text": { "type": "mrkdwn", "text": text } }))
        .collect();
    (blocks, total - shown)
}

/// Escapes the three characters Slack reads as markup in message text.
fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Returns the Slack incoming-webhook body of a message.
pub fn slack(message: &Message) -> Value {
    let mentions: Vec<String> = message
        .mentions
        .iter()
        .map(|m| match &m.slack {
            Some(id) => format!("<@{}>", slack_escape(id)),
            None => slack_escape(&m.name),
        })
        .collect();
    let mut blocks = vec![
        json!({
            "type": "header",
            "text": { "type": "plain_text", "text": clip(&message.title, SLACK_MAX_HEADER) },
        }),
        json!({
            "type": "section",
            "text": { "type": "mrkdwn", "text": slack_escape(&clip(&message.summary, SLACK_MAX_SECTION_TEXT / 2)) },
        }),
    ];
    if !message.facts.is_empty() {
        // A section holds at most 10 fields.
        for chunk in message.facts.chunks(10) {
            let fields: Vec<Value> = chunk
                .iter()
                .map(|(label, value)| {
                    json!({
                        "type": "mrkdwn",
                        "text": format!("*{}*\n{}", slack_escape(label), slack_escape(value)),
                    })
                })
                .collect();
            blocks.push(json!({ "type": "section", "fields": fields }));
        }
    }
    if !message.groups.is_empty() {
        // Room for the mentions and for the line counting what is left out.
        let budget = SLACK_MAX_BLOCKS.saturating_sub(blocks.len() + 2);
        let (sections, left_out) = slack_groups(&message.groups, budget);
        blocks.extend(sections);
        if left_out > 0 {
            let line = slack_escape(&left_out_line(message, left_out));
            blocks.push(json!({
                "type": "context",
                "elements": [{ "type": "mrkdwn", "text": line }],
            }));
        }
    }
    if !mentions.is_empty() {
        blocks.push(json!({
            "type": "context",
            "elements": [{ "type": "mrkdwn", "text": mentions.join(" ") }],
        }));
    }
    let mut text = slack_escape(&message.summary);
    if !mentions.is_empty() {
        text = format!("{} {text}", mentions.join(" "));
    }
    json!({ "text": text, "blocks": blocks })
}

/// Returns the Teams incoming-webhook body of a message: one Adaptive Card.
pub fn teams(message: &Message) -> Value {
    let mut body = vec![
        json!({ "type": "TextBlock", "text": message.title, "weight": "Bolder", "size": "Medium", "wrap": true }),
        json!({ "type": "TextBlock", "text": message.summary, "wrap": true }),
    ];
    if !message.facts.is_empty() {
        let facts: Vec<Value> = message
            .facts
            .iter()
            .map(|(title, value)| json!({ "title": title, "value": value }))
            .collect();
        body.push(json!({ "type": "FactSet", "facts": facts }));
    }
    body.extend(teams_groups(message));
    let mut entities = Vec::new();
    let mut named = Vec::new();
    for mention in &message.mentions {
        match &mention.teams {
            Some(id) => {
                let tag = format!("<at>{}</at>", mention.name);
                entities.push(json!({
                    "type": "mention",
                    "text": tag,
                    "mentioned": { "id": id, "name": mention.name },
                }));
                named.push(tag);
            }
            None => named.push(mention.name.clone()),
        }
    }
    if !named.is_empty() {
        body.push(json!({ "type": "TextBlock", "text": named.join(" "), "wrap": true }));
    }
    let mut card = json!({
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    });
    if !entities.is_empty() {
        card["msteams"] = json!({ "entities": entities });
    }
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": card,
        }],
    })
}

/// Returns the Teams card elements of a message's lists: a heading and a fact set per
/// group, within the card's size budget, then a line counting what did not fit.
fn teams_groups(message: &Message) -> Vec<Value> {
    let total: usize = message.groups.iter().map(|g| g.items.len()).sum();
    let (mut elements, mut used, mut shown) = (Vec::new(), 0usize, 0usize);
    'groups: for group in &message.groups {
        let heading = json!({ "type": "TextBlock", "text": clip(&group.heading, MAX_ITEM_TEXT), "weight": "Bolder", "wrap": true, "spacing": "Medium" });
        used += heading.to_string().len();
        if used > TEAMS_MAX_LIST_BYTES {
            break;
        }
        elements.push(heading);
        let mut facts = Vec::new();
        for (title, value) in &group.items {
            let fact =
                json!({ "title": clip(title, MAX_ITEM_TEXT), "value": clip(value, MAX_ITEM_TEXT) });
            used += fact.to_string().len() + 1;
            if used > TEAMS_MAX_LIST_BYTES {
                if !facts.is_empty() {
                    elements.push(json!({ "type": "FactSet", "facts": facts }));
                }
                break 'groups;
            }
            facts.push(fact);
            shown += 1;
        }
        if !facts.is_empty() {
            elements.push(json!({ "type": "FactSet", "facts": facts }));
        }
    }
    if total > shown {
        elements.push(json!({ "type": "TextBlock", "text": left_out_line(message, total - shown), "wrap": true, "isSubtle": true }));
    }
    elements
}

/// Returns the message announcing a break-glass event (the JSON the generic hooks get).
pub fn break_glass(event: &Value) -> Message {
    let field = |name: &str| event[name].as_str().unwrap_or("-").to_string();
    Message {
        title: "Break-glass access granted".into(),
        summary: format!(
            "BREAK-GLASS: `{}` took `{}` in `{}` until {}: {}",
            field("identity"),
            field("bundle"),
            field("client"),
            field("expires_at"),
            field("reason")
        ),
        facts: [
            ("Client", "client"),
            ("Identity", "identity"),
            ("Bundle", "bundle"),
            ("Reason", "reason"),
            ("Ticket", "ticket"),
            ("Until", "expires_at"),
            ("Request", "request"),
            ("Review", "review"),
            ("Actor", "actor"),
        ]
        .into_iter()
        .map(|(label, name)| (label.to_string(), field(name)))
        .collect(),
        ..Message::default()
    }
}

/// Returns the people an event names (`[{"id", "slack", "teams"}]`) as mentions.
fn people(value: &Value) -> Vec<Mention> {
    value
        .as_array()
        .map(|people| {
            people
                .iter()
                .map(|p| Mention {
                    name: p["id"].as_str().unwrap_or("-").to_string(),
                    slack: p["slack"].as_str().map(str::to_string),
                    teams: p["teams"].as_str().map(str::to_string),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Returns the labelled facts an event's fields give, in order; a missing field reads
/// `-`.
fn facts(event: &Value, fields: &[(&str, &str)]) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|(label, name)| {
            let value = match &event[*name] {
                Value::String(text) => text.clone(),
                Value::Null => "-".to_string(),
                other => other.to_string(),
            };
            (label.to_string(), value)
        })
        .collect()
}

/// Returns the message telling a request's requester (and its receiver, when another
/// person) that it was approved or denied: the event's `notify` people are mentioned.
pub fn decision(event: &Value) -> Message {
    let field = |name: &str| event[name].as_str().unwrap_or("-").to_string();
    let approved = event["decision"] == "approved";
    let what = match event["bundle"].as_str() {
        Some(bundle) => format!(
            "`{bundle}` for `{}` in `{}`",
            field("identity"),
            field("client")
        ),
        None => format!("{} in `{}`", field("request_kind"), field("client")),
    };
    let summary = if approved {
        let until = event["expires_at"]
            .as_str()
            .map(|until| format!(" until {until}"))
            .unwrap_or_default();
        format!(
            "`{}` approved request `{}`: {what}{until}.",
            field("decided_by"),
            field("request")
        )
    } else {
        format!(
            "`{}` denied request `{}` ({what}): {}",
            field("decided_by"),
            field("request"),
            field("decision_reason")
        )
    };
    let mut fields = vec![
        ("Request", "request"),
        ("Decision", "decision"),
        ("Decided by", "decided_by"),
        ("Client", "client"),
        ("Identity", "identity"),
        ("Bundle", "bundle"),
        ("Ticket", "ticket"),
        ("Reason", "reason"),
    ];
    fields.push(if approved {
        ("Until", "expires_at")
    } else {
        ("Why denied", "decision_reason")
    });
    Message {
        title: if approved {
            "Access request approved".into()
        } else {
            "Access request denied".into()
        },
        summary,
        facts: facts(event, &fields),
        mentions: people(&event["notify"]),
        ..Message::default()
    }
}

/// Returns the digest of access about to expire: a list per client of who holds what,
/// where, until when and for which ticket.
pub fn expiring(event: &Value) -> Message {
    let field = |name: &str| event[name].as_str().unwrap_or("-").to_string();
    let clients = event["clients"].as_array().cloned().unwrap_or_default();
    let groups: Vec<Group> = clients
        .iter()
        .map(|client| {
            let grants = client["grants"].as_array().cloned().unwrap_or_default();
            Group {
                heading: format!(
                    "{} ({})",
                    client["client"].as_str().unwrap_or("-"),
                    grants.len()
                ),
                items: grants
                    .iter()
                    .map(|g| {
                        let text = |name: &str| g[name].as_str().unwrap_or("-").to_string();
                        let ticket = g["ticket"]
                            .as_str()
                            .map(|t| format!(", ticket {t}"))
                            .unwrap_or_default();
                        (
                            text("identity"),
                            format!(
                                "`{}` in `{}` until {}{ticket}",
                                text("entitlement"),
                                text("tenant"),
                                text("expires_at")
                            ),
                        )
                    })
                    .collect(),
            }
        })
        .collect();
    Message {
        title: format!("Access expiring within {}", field("within")),
        summary: format!(
            "{} grant(s) in {} client(s) end by {}.",
            event["count"].as_u64().unwrap_or(0),
            clients.len(),
            field("until")
        ),
        full_list: format!("`onboard status --expiring-within {}`", field("within")),
        groups,
        ..Message::default()
    }
}

/// Returns the message asking the people who may approve a request to decide it: the
/// event's `approvers` (each `{"id", "slack", "teams"}`) are mentioned.
pub fn approval_pending(event: &Value) -> Message {
    let field = |name: &str| event[name].as_str().unwrap_or("-").to_string();
    let mentions = people(&event["approvers"]);
    Message {
        title: "Access request waiting for approval".into(),
        summary: format!(
            "`{}` asks for `{}` in `{}` for `{}`: {}. Approve with `onboard approve {}` or refuse with `onboard deny {} --reason …`.",
            field("requested_by"),
            field("bundle"),
            field("client"),
            field("identity"),
            field("reason"),
            field("request"),
            field("request"),
        ),
        facts: [
            ("Request", "request"),
            ("Client", "client"),
            ("Identity", "identity"),
            ("Bundle", "bundle"),
            ("Ticket", "ticket"),
            ("Reason", "reason"),
            ("Asked by", "requested_by"),
            ("Asked at", "requested_at"),
        ]
        .into_iter()
        .map(|(label, name)| (label.to_string(), field(name)))
        .collect(),
        mentions,
        ..Message::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message() -> Message {
        Message {
            title: "Access pending approval".into(),
            summary: "carol asks for <premium> & more".into(),
            facts: vec![("Client".into(), "acme".into())],
            mentions: vec![
                Mention {
                    name: "dave".into(),
                    slack: Some("U024BE7LH".into()),
                    teams: Some("dave@example.com".into()),
                },
                Mention {
                    name: "erik".into(),
                    ..Mention::default()
                },
            ],
            ..Message::default()
        }
    }

    /// A digest of `clients` clients with `each` grants apiece.
    fn digest(clients: usize, each: usize) -> Message {
        let grants: Vec<Value> = (0..each)
            .map(|n| {
                json!({
                    "identity": format!("tech-{n:04}"), "entitlement": "role:Security Reader",
                    "tenant": "entra", "expires_at": "2026-12-01T17:00:00Z", "ticket": "INC-40",
                })
            })
            .collect();
        let clients: Vec<Value> = (0..clients)
            .map(|c| json!({ "client": format!("client-{c}"), "grants": grants }))
            .collect();
        expiring(&json!({
            "event": "access-expiring", "within": "7d", "until": "2026-12-07T09:00:00Z",
            "count": clients.len() * each, "clients": clients,
        }))
    }

    /// Returns the number in a `…and N more not shown` line of a body, if any.
    fn left_out(body: &Value) -> usize {
        let text = body.to_string();
        text.split("…and ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .map_or(0, |n| n.parse().expect("a count"))
    }

    /// Asserts that each of a digest's grants is shown in `body` or counted as left out.
    fn assert_each_grant_shown_or_counted(body: &Value, grants: usize) {
        let shown = body.to_string().matches("tech-").count();
        assert!(shown > 0, "{body}");
        assert_eq!(
            shown + left_out(body),
            grants,
            "each grant shown or counted"
        );
        assert!(
            body.to_string()
                .contains("onboard status --expiring-within 7d")
        );
    }

    /// Asserts that every Slack section's text is within Slack's limit.
    fn assert_sections_fit(body: &Value) {
        for block in body["blocks"].as_array().expect("blocks") {
            if let Some(text) = block["text"]["text"].as_str() {
                assert!(text.chars().count() <= SLACK_MAX_SECTION_TEXT);
            }
        }
    }

    #[test]
    fn a_large_digest_fits_slacks_limits_and_counts_what_it_leaves_out() {
        let body = slack(&digest(30, 200));
        let blocks = body["blocks"].as_array().expect("blocks");
        assert!(blocks.len() <= SLACK_MAX_BLOCKS, "{} blocks", blocks.len());
        assert_sections_fit(&body);
        assert_each_grant_shown_or_counted(&body, 30 * 200);
    }

    #[test]
    fn a_large_digest_fits_a_teams_message_and_counts_what_it_leaves_out() {
        let body = teams(&digest(30, 200));
        let size = body.to_string().len();
        assert!(size < 28 * 1024, "{size} bytes");
        assert_each_grant_shown_or_counted(&body, 30 * 200);
    }

    #[test]
    fn a_small_digest_is_shown_whole() {
        for body in [slack(&digest(2, 3)), teams(&digest(2, 3))] {
            assert_eq!(body.to_string().matches("tech-").count(), 6, "{body}");
            assert_eq!(left_out(&body), 0);
            assert!(body.to_string().contains("client-1 (3)"), "{body}");
        }
    }

    #[test]
    fn a_long_item_is_clipped_rather_than_breaking_a_section() {
        let mut message = digest(1, 1);
        message.groups[0].items[0].1 = "x".repeat(10_000);
        let body = slack(&message);
        assert_sections_fit(&body);
        assert_eq!(left_out(&body), 0);
    }

    #[test]
    fn slack_has_blocks_a_text_fallback_escaped_text_and_member_mentions() {
        let body = slack(&message());
        // A message with blocks carries `text` too: Slack's notification fallback.
        let text = body["text"].as_str().expect("text");
        assert!(text.contains("<@U024BE7LH>"), "{text}");
        assert!(text.contains("&lt;premium&gt; &amp; more"), "{text}");
        let blocks = body["blocks"].as_array().expect("blocks");
        assert!(blocks.iter().all(|b| b["type"].is_string()));
        assert_eq!(blocks[0]["type"], "header");
        assert_eq!(blocks[0]["text"]["type"], "plain_text");
        assert_eq!(blocks[1]["text"]["type"], "mrkdwn");
        assert!(body.to_string().contains("*Client*\\nacme"));
        // Without a Slack handle, the identity is named, never a broken mention.
        assert!(blocks.last().expect("a block").to_string().contains("erik"));
    }

    #[test]
    fn teams_mentions_people_with_a_handle_as_card_entities() {
        // The message's shape is checked end to end (tests/cli/notifications.rs).
        let body = teams(&message());
        let card = &body["attachments"][0]["content"];
        let entities = card["msteams"]["entities"].as_array().expect("entities");
        assert_eq!(entities.len(), 1, "only people with a Teams handle");
        assert_eq!(entities[0]["type"], "mention");
        assert_eq!(entities[0]["mentioned"]["id"], "dave@example.com");
        // Each mention's `<at>` text appears in the card's text, as Teams requires.
        let tag = entities[0]["text"].as_str().expect("tag");
        assert!(card["body"].to_string().contains(tag));
    }

    #[test]
    fn a_break_glass_event_reads_as_a_message() {
        let event = json!({
            "event": "break-glass", "client": "initech", "identity": "dave",
            "bundle": "essential-security-response", "reason": "ransomware",
            "expires_at": "2026-11-21T12:30:00Z", "ticket": null,
        });
        let message = break_glass(&event);
        assert!(
            message
                .summary
                .contains("`dave` took `essential-security-response` in `initech`")
        );
        assert!(message.facts.contains(&("Ticket".into(), "-".into())));
    }
}
