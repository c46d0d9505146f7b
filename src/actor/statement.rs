//! The canonical statement a governance action signs: what is done, to what, in which
//! workspace, by whom, when, and a nonce, one `name: value` line each. Signing the
//! statement (not the command line) lets anyone re-check it later, offline, with
//! `ssh-keygen -Y verify` as well as with onboard.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The first line of every statement.
pub const HEADER: &str = "onboard signed statement v1";

/// The actions a statement can name (and `actors.require_signature` can list).
pub const ACTIONS: [&str; 6] = [
    "approve",
    "deny",
    "break-glass",
    "review-close",
    "elevate",
    "revoke",
];

/// A statement of one governance action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// One of [`ACTIONS`].
    pub action: String,
    /// What it acts on: a request or review id, or a revocation scope.
    pub subject: String,
    /// The workspace's id (see `state/statements.json`).
    pub workspace: String,
    /// Who acts: an identity id, or `CLIENT/APPROVER` for a client's approver.
    pub actor: String,
    /// When it was made (UTC, seconds).
    pub time: OffsetDateTime,
    /// A random value: each statement is accepted once.
    pub nonce: String,
}

const FIELDS: [&str; 6] = ["action", "subject", "workspace", "actor", "time", "nonce"];

impl Statement {
    /// Returns the statement's text, ending with a newline.
    pub fn render(&self) -> String {
        let time = self
            .time
            .replace_nanosecond(0)
            .unwrap_or(self.time)
            .to_offset(time::UtcOffset::UTC)
            .format(&Rfc3339)
            .unwrap_or_default();
        let values = [
            self.action.as_str(),
            self.subject.as_str(),
            self.workspace.as_str(),
            self.actor.as_str(),
            time.as_str(),
            self.nonce.as_str(),
        ];
        let mut out = format!("{HEADER}\n");
        for (name, value) in FIELDS.iter().zip(values) {
            out.push_str(&format!("{name}: {value}\n"));
        }
        out
    }

    /// Parses a statement's text: exactly the lines [`Statement::render`] writes.
    pub fn parse(text: &str) -> Result<Statement, String> {
        let mut lines = text.lines();
        if lines.next() != Some(HEADER) {
            return Err(format!(
                "not an onboard statement: the first line is not `{HEADER}`"
            ));
        }
        let mut values = Vec::new();
        for name in FIELDS {
            let line = lines.next().unwrap_or_default();
            let value = line
                .strip_prefix(name)
                .and_then(|l| l.strip_prefix(": "))
                .filter(|v| !v.is_empty() && v.trim() == *v)
                .ok_or_else(|| format!("the statement's `{name}:` line is missing or malformed"))?;
            values.push(value.to_string());
        }
        if lines.next().is_some() {
            return Err("the statement has lines after `nonce:`".into());
        }
        let time = OffsetDateTime::parse(&values[4], &Rfc3339)
            .map_err(|_| format!("the statement's time `{}` is not RFC 3339", values[4]))?;
        let [action, subject, workspace, actor, _, nonce]: [String; 6] = values
            .try_into()
            .map_err(|_| "the statement is incomplete".to_string())?;
        Ok(Statement {
            action,
            subject,
            workspace,
            actor,
            time,
            nonce,
        })
    }
}

/// Returns a new random nonce (32 hex digits).
pub fn new_nonce() -> String {
    let mut bytes = [0u8; 16];
    let _ = getrandom::fill(&mut bytes);
    hex::encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_and_parses_back() {
        let s = Statement {
            action: "approve".into(),
            subject: "req-1".into(),
            workspace: "ws-1".into(),
            actor: "carol".into(),
            time: time::macros::datetime!(2026-11-29 21:00:05 UTC),
            nonce: "ab".into(),
        };
        let text = s.render();
        assert_eq!(
            text,
            "onboard signed statement v1\naction: approve\nsubject: req-1\nworkspace: ws-1\nactor: carol\ntime: 2026-11-29T21:00:05Z\nnonce: ab\n"
        );
        assert_eq!(Statement::parse(&text).unwrap(), s);
        assert!(Statement::parse(&text.replace("actor: carol", "actor:carol")).is_err());
        assert!(Statement::parse(&format!("{text}extra\n")).is_err());
    }
}
