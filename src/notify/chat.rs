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
            "text": { "type": "plain_text", "text": message.title },
        }),
        json!({
            "type": "section",
            "text": { "type": "mrkdwn", "text": slack_escape(&message.summary) },
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
        mentions: Vec::new(),
    }
}

/// Returns the message asking the people who may approve a request to decide it: the
/// event's `approvers` (each `{"id", "slack", "teams"}`) are mentioned.
pub fn approval_pending(event: &Value) -> Message {
    let field = |name: &str| event[name].as_str().unwrap_or("-").to_string();
    let mentions = event["approvers"]
        .as_array()
        .map(|approvers| {
            approvers
                .iter()
                .map(|a| Mention {
                    name: a["id"].as_str().unwrap_or("-").to_string(),
                    slack: a["slack"].as_str().map(str::to_string),
                    teams: a["teams"].as_str().map(str::to_string),
                })
                .collect()
        })
        .unwrap_or_default();
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
        }
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
