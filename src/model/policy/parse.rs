//! Checking `policy.yaml` as written and turning it into the [`Policy`] in force.

use std::sync::Arc;
use std::time::Duration;

use serde_saphyr::Spanned;

use super::raw::{RawExpiringNotify, RawMassRevoke, RawNotify, RawPolicy};
use super::{FIXED_RULES, Notify, Policy, RULES, Setting, WebhookUrl};
use crate::model::time::parse_duration;
use crate::model::yaml::{self, origin};
use crate::model::{Diagnostic, Origin};

/// Parses `policy.yaml`; every problem found is returned.
pub fn parse(path: &Arc<str>, text: &str) -> Result<Policy, Vec<Diagnostic>> {
    let raw: RawPolicy = if text.trim().is_empty() {
        RawPolicy::default()
    } else {
        yaml::parse(path, text).map_err(|d| vec![d])?
    };
    let mut policy = Policy::defaults(path);
    let mut problems = Vec::new();
    durations(path, &raw, &mut policy, &mut problems);
    signed_actions(
        path,
        &raw.actors.require_signature,
        &mut policy,
        &mut problems,
    );
    disabled_rules(path, &raw.disabled_rules, &mut policy, &mut problems);
    mass_revoke(path, &raw.mass_revoke, &mut policy, &mut problems);
    notifications(path, raw, &mut policy, &mut problems);
    if problems.is_empty() {
        Ok(policy)
    } else {
        Err(problems)
    }
}

/// Reads one duration setting into `target`, which keeps its default when the setting
/// is absent.
fn read_duration(
    path: &Arc<str>,
    value: Option<&Spanned<String>>,
    field: &str,
    target: &mut Setting<Duration>,
    problems: &mut Vec<Diagnostic>,
) {
    if let Some(text) = value {
        match parse_duration(&text.value) {
            Ok(d) => {
                *target = Setting {
                    value: d,
                    origin: origin(path, text),
                }
            }
            Err(message) => problems.push(
                Diagnostic::new(origin(path, text), message)
                    .field(field)
                    .hint("write a duration such as `30m`, `8h`, `1d` or `2w`"),
            ),
        }
    }
}

/// Reads every duration the file sets: limits, lifetimes and windows.
fn durations(
    path: &Arc<str>,
    raw: &RawPolicy,
    policy: &mut Policy,
    problems: &mut Vec<Diagnostic>,
) {
    let mut duration =
        |value: &Option<Spanned<String>>, field: &str, target: &mut Setting<Duration>| {
            read_duration(path, value.as_ref(), field, target, problems);
        };
    duration(
        &raw.max_ttl.privileged,
        "max_ttl.privileged",
        &mut policy.max_ttl_privileged,
    );
    duration(
        &raw.max_ttl.standard,
        "max_ttl.standard",
        &mut policy.max_ttl_standard,
    );
    duration(
        &raw.exceptions.max_duration,
        "exceptions.max_duration",
        &mut policy.max_exception,
    );
    duration(
        &raw.break_glass.ttl,
        "break_glass.ttl",
        &mut policy.break_glass_ttl,
    );
    duration(
        &raw.credentials.max_age.service_account,
        "credentials.max_age.service-account",
        &mut policy.credential_max_age_service_account,
    );
    duration(
        &raw.credentials.max_age.agent,
        "credentials.max_age.agent",
        &mut policy.credential_max_age_agent,
    );
    let mut review = Setting {
        value: policy.review_within,
        origin: policy.file.clone(),
    };
    duration(&raw.reviews.due_within, "reviews.due_within", &mut review);
    policy.review_within = review.value;
    let mut expiry = Setting {
        value: policy.request_expiry,
        origin: policy.file.clone(),
    };
    duration(
        &raw.requests.expire_after,
        "requests.expire_after",
        &mut expiry,
    );
    policy.request_expiry = expiry.value;
    let within = raw.notify.expiring.as_ref().and_then(|e| e.within.as_ref());
    duration(
        &within.cloned(),
        "notify.expiring.within",
        &mut policy.notify_expiring_within,
    );
    duration(
        &raw.actors.statement_valid_for,
        "actors.statement_valid_for",
        &mut policy.statement_valid_for,
    );
}

/// Reads the actions whose actor must sign (`actors.require_signature`).
fn signed_actions(
    path: &Arc<str>,
    actions: &[Spanned<String>],
    policy: &mut Policy,
    problems: &mut Vec<Diagnostic>,
) {
    for action in actions {
        if crate::actor::statement::ACTIONS.contains(&action.value.as_str()) {
            policy.require_signature.push(action.value.clone());
        } else {
            problems.push(
                Diagnostic::new(
                    origin(path, action),
                    format!("unknown action `{}`", action.value),
                )
                .field("actors.require_signature")
                .hint(format!(
                    "the actions are: {}",
                    crate::actor::statement::ACTIONS
                        .map(|a| format!("`{a}`"))
                        .join(", ")
                )),
            );
        }
    }
}

/// Reads the rules turned off; the rules on who decides cannot be.
fn disabled_rules(
    path: &Arc<str>,
    rules: &[Spanned<String>],
    policy: &mut Policy,
    problems: &mut Vec<Diagnostic>,
) {
    for rule in rules {
        if RULES.contains(&rule.value.as_str()) {
            policy.disabled.push(rule.value.clone());
        } else if FIXED_RULES.contains(&rule.value.as_str()) {
            problems.push(
                Diagnostic::new(
                    origin(path, rule),
                    format!("rule `{}` cannot be turned off", rule.value),
                )
                .field("disabled_rules")
                .hint("who may approve (a person, not a party, with MFA for privileged access) is always checked"),
            );
        } else {
            problems.push(
                Diagnostic::new(origin(path, rule), format!("unknown rule `{}`", rule.value))
                    .field("disabled_rules")
                    .hint(format!(
                        "the rules are: {}",
                        RULES.map(|r| format!("`{r}`")).join(", ")
                    )),
            );
        }
    }
}

/// Reads the mass-revoke guard's limits.
fn mass_revoke(
    path: &Arc<str>,
    raw: &RawMassRevoke,
    policy: &mut Policy,
    problems: &mut Vec<Diagnostic>,
) {
    if let Some(count) = &raw.max_count {
        policy.mass_revoke_count = Setting {
            value: count.value as usize,
            origin: origin(path, count),
        };
    }
    if let Some(share) = &raw.max_share {
        if (0.0..=1.0).contains(&share.value) {
            policy.mass_revoke_share = Setting {
                value: share.value,
                origin: origin(path, share),
            };
        } else {
            problems.push(
                Diagnostic::new(
                    origin(path, share),
                    format!("share {} is not between 0 and 1", share.value),
                )
                .field("mass_revoke.max_share")
                .hint("write a fraction such as `0.25`"),
            );
        }
    }
}

/// Reads who is told of what: break-glass use, approvals, decisions, expiring access.
fn notifications(
    path: &Arc<str>,
    raw: RawPolicy,
    policy: &mut Policy,
    problems: &mut Vec<Diagnostic>,
) {
    policy.notify = hooks(path, raw.break_glass.notify, "break_glass.notify", problems);
    if let Some(approvals) = raw.notify.approvals {
        policy.notify_approvals = hooks(path, approvals, "notify.approvals", problems);
    }
    if let Some(decisions) = raw.notify.decisions {
        policy.notify_decisions = hooks(path, decisions, "notify.decisions", problems);
    }
    if let Some(expiring) = raw.notify.expiring {
        let RawExpiringNotify {
            command,
            webhook,
            format,
            within: _,
        } = expiring;
        let raw = RawNotify {
            command,
            webhook,
            format,
        };
        policy.notify_expiring = hooks(path, raw, "notify.expiring", problems);
    }
}

/// Checks one set of notification hooks; `field` is where it sits (`break_glass.notify`).
fn hooks(path: &Arc<str>, raw: RawNotify, field: &str, problems: &mut Vec<Diagnostic>) -> Notify {
    if raw.command.as_ref().is_some_and(|c| c.is_empty()) {
        problems.push(
            Diagnostic::new(Origin::file(path), "the notify command is empty")
                .field(format!("{field}.command"))
                .hint(
                    "write the program and its arguments, e.g. `[notify-oncall, --channel, msp]`",
                ),
        );
    }
    let webhook = raw
        .webhook
        .as_ref()
        .and_then(|text| match webhook_url(path, text, field) {
            Ok(url) => Some(url),
            Err(problem) => {
                problems.push(problem);
                None
            }
        });
    Notify {
        command: raw.command.filter(|c| !c.is_empty()),
        webhook,
        format: raw.format,
        setting: field.to_string(),
    }
}

/// Reads a webhook setting: an `https://` URL (plain `http://` only to loopback), or a
/// credential reference. A refusal never repeats the text, which may be a secret.
fn webhook_url(
    path: &Arc<str>,
    text: &Spanned<String>,
    field: &str,
) -> Result<WebhookUrl, Diagnostic> {
    let at = origin(path, text);
    let value = text.value.trim();
    let problem = |message: String, hint: &str| {
        Diagnostic::new(at.clone(), message)
            .field(format!("{field}.webhook"))
            .hint(hint.to_string())
    };
    if value.starts_with("https://") {
        return Ok(WebhookUrl::Plain(value.to_string(), at));
    }
    if value.starts_with("http://") {
        // Plain http only to loopback (a test receiver), as `adapters::http` allows.
        let loopback = url::Url::parse(value)
            .ok()
            .is_some_and(|url| match url.host() {
                Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                None => false,
            });
        if loopback {
            return Ok(WebhookUrl::Plain(value.to_string(), at));
        }
        return Err(problem(
            "the webhook is not an https URL".into(),
            "use https (plain http only to loopback), or a credential reference such as `env:ONBOARD_ONCALL_WEBHOOK`",
        ));
    }
    crate::model::CredentialRef::parse(value)
        .map(WebhookUrl::Reference)
        .map_err(|message| {
            problem(
                format!("the webhook is neither an https URL nor a credential reference: {message}"),
                "write `webhook: env:VAR` (or `keyring:NAME`, `file:PATH`, `vault:MOUNT/data/PATH#FIELD`, `exec:COMMAND`) holding the URL",
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::policy::WebhookFormat;

    #[test]
    fn a_webhook_is_a_reference_or_an_https_url_that_validate_warns_about() {
        let path: Arc<str> = Arc::from("policy.yaml");
        let p = parse(
            &path,
            "break_glass:\n  notify:\n    webhook: env:ONCALL_HOOK\n",
        )
        .unwrap();
        assert_eq!(
            p.notify.webhook,
            Some(WebhookUrl::Reference(crate::model::CredentialRef::Env(
                "ONCALL_HOOK".into()
            )))
        );
        assert!(p.warnings().is_empty());
        let p = parse(
            &path,
            "break_glass:\n  notify:\n    webhook: https://hooks.slack.com/services/T0/B0/sekrit123\n",
        )
        .unwrap();
        let warnings = p.warnings();
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].origin.line, 3);
        assert!(warnings[0].message.contains("is a secret"), "{warnings:?}");
        assert!(!format!("{warnings:?}").contains("sekrit123"));
        for bad in ["http://hooks.example.com/x", "hooks.example.com/sekrit123"] {
            let errors = parse(
                &path,
                &format!("break_glass:\n  notify:\n    webhook: {bad}\n"),
            )
            .unwrap_err();
            assert_eq!(
                errors[0].field.as_deref(),
                Some("break_glass.notify.webhook")
            );
            assert!(!format!("{errors:?}").contains("sekrit123"), "{errors:?}");
        }
        assert!(
            parse(
                &path,
                "break_glass:\n  notify:\n    webhook: http://127.0.0.1:9/x\n"
            )
            .is_ok()
        );
    }

    #[test]
    fn decisions_and_the_expiring_digest_have_hooks_and_a_window() {
        let path: Arc<str> = Arc::from("policy.yaml");
        let p = parse(&path, "").unwrap();
        assert!(!p.notify_decisions.is_configured());
        assert!(!p.notify_expiring.is_configured());
        assert_eq!(
            p.notify_expiring_within.value,
            Duration::from_secs(7 * 24 * 3600)
        );
        let p = parse(
            &path,
            "notify:\n  decisions:\n    webhook: env:DECIDED\n    format: teams\n  expiring:\n    command: [page-ops]\n    within: 3d\n",
        )
        .unwrap();
        assert!(p.notify_decisions.is_configured());
        assert_eq!(p.notify_decisions.format, WebhookFormat::Teams);
        assert_eq!(p.notify_decisions.setting, "notify.decisions");
        assert_eq!(p.notify_expiring.command, Some(vec!["page-ops".into()]));
        assert_eq!(
            p.notify_expiring_within.value,
            Duration::from_secs(3 * 24 * 3600)
        );
        assert_eq!(p.notify_expiring_within.origin.line, 7);
        let errors = parse(
            &path,
            "notify:\n  expiring:\n    webhook: hooks.example.com/sekrit123\n    within: soon\n",
        )
        .unwrap_err();
        let fields: Vec<_> = errors.iter().filter_map(|e| e.field.as_deref()).collect();
        assert_eq!(
            fields,
            ["notify.expiring.within", "notify.expiring.webhook"],
            "{errors:?}"
        );
        assert!(!format!("{errors:?}").contains("sekrit123"));
        // A written URL is warned about wherever it is.
        let p = parse(
            &path,
            "notify:\n  decisions:\n    webhook: https://hooks.slack.com/services/T0/B0/x\n",
        )
        .unwrap();
        assert_eq!(
            p.warnings()[0].field.as_deref(),
            Some("notify.decisions.webhook")
        );
    }

    #[test]
    fn defaults_and_overrides() {
        let path: Arc<str> = Arc::from("policy.yaml");
        let p = parse(&path, "").unwrap();
        assert_eq!(p.max_ttl_privileged.value, Duration::from_secs(8 * 3600));
        let p = parse(
            &path,
            "max_ttl:\n  privileged: 4h\ndisabled_rules: [tier-baseline]\n",
        )
        .unwrap();
        assert_eq!(p.max_ttl_privileged.value, Duration::from_secs(4 * 3600));
        assert_eq!(p.max_ttl_privileged.origin.line, 2);
        assert!(!p.enabled("tier-baseline") && p.enabled("mfa-required"));
        let errors = parse(
            &path,
            "disabled_rules: [no-such-rule]\nmass_revoke:\n  max_share: 2\n",
        )
        .unwrap_err();
        assert_eq!(errors.len(), 2);
        let errors = parse(&path, "disabled_rules: [approver-mfa]\n").unwrap_err();
        assert!(
            errors[0].message.contains("cannot be turned off"),
            "{errors:?}"
        );
    }

    #[test]
    fn actors_name_the_actions_that_need_a_signature() {
        let path: Arc<str> = Arc::from("policy.yaml");
        assert!(!parse(&path, "").unwrap().requires_signature("approve"));
        let p = parse(
            &path,
            "actors:\n  require_signature: [approve, revoke]\n  statement_valid_for: 5m\n",
        )
        .unwrap();
        assert!(p.requires_signature("approve") && p.requires_signature("revoke"));
        assert!(!p.requires_signature("deny"));
        assert_eq!(p.statement_valid_for.value, Duration::from_secs(300));
        let errors = parse(&path, "actors:\n  require_signature: [approve, aprove]\n").unwrap_err();
        assert_eq!(errors[0].origin.line, 2);
        assert!(
            errors[0].message.contains("unknown action `aprove`"),
            "{errors:?}"
        );
    }
}
