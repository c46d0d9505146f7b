//! Errors and values several adapters share: foreign changes, unsupported entitlements,
//! ambiguous group names, quoted filter values.

use super::{AdapterError, FailureKind};
use crate::model::{ConfigurationChange, EntitlementKind};

/// Returns the error for an entitlement kind a tenant does not have, naming the kinds it
/// has: ``Okta tenants have no `team:` entitlements (only `group:` and `role:`)``.
///
/// `tenant` is `client/tenant`; `tenants` names the kind of tenant as its users know it
/// (`Okta`, `Entra`).
/// Returns the error for a configuration change that the tenant's adapter does not make
/// (an Okta change planned for a Graph tenant): a plan edited by hand, or for another
/// tenant.
pub(crate) fn foreign_change(
    tenant: &str,
    operation: &str,
    change: &ConfigurationChange,
) -> AdapterError {
    AdapterError::new(
        tenant,
        operation,
        FailureKind::Malformed,
        format!("the plan's change is not one this tenant's adapter makes: {change}"),
    )
    .with_hint("make a fresh plan with `onboard plan --out FILE` and apply that")
}

pub(crate) fn unsupported_entitlement(
    tenant: &str,
    operation: &str,
    tenants: &str,
    kind: EntitlementKind,
    supported: &[EntitlementKind],
) -> AdapterError {
    let names: Vec<String> = supported
        .iter()
        .map(|k| format!("`{}:`", k.as_str()))
        .collect();
    let only = match names.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    };
    AdapterError::new(
        tenant,
        operation,
        FailureKind::Unsupported,
        format!(
            "{tenants} tenants have no `{}:` entitlements (only {only})",
            kind.as_str()
        ),
    )
}

/// Returns the one group found by a name, `None` when there is none, and an error
/// (`Malformed`, with `hint` when there is one) when several share the name: onboard never
/// guesses which is meant.
pub(crate) fn one_group<T: Clone>(
    tenant: &str,
    operation: &str,
    name: &str,
    found: &[T],
    hint: Option<String>,
) -> Result<Option<T>, AdapterError> {
    match found {
        [] => Ok(None),
        [one] => Ok(Some(one.clone())),
        _ => {
            let error = AdapterError::new(
                tenant,
                operation,
                FailureKind::Malformed,
                format!(
                    "{} groups are named `{name}`: onboard cannot tell which is meant",
                    found.len()
                ),
            );
            Err(match hint {
                Some(hint) => error.with_hint(hint),
                None => error,
            })
        }
    }
}

/// Quotes a value for a filter or search expression (a SCIM filter, an Okta `search`):
/// wrapped in double quotes, with backslashes and double quotes escaped by a backslash.
pub(crate) fn quote_filter_value(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

/// A SCIM-style filter (SCIM and Okta share the grammar) matching any of `values`:
/// `attribute eq "a" or attribute eq "b"`, each value quoted.
pub(crate) fn any_equal(attribute: &str, values: &[impl AsRef<str>]) -> String {
    values
        .iter()
        .map(|value| format!("{attribute} eq {}", quote_filter_value(value.as_ref())))
        .collect::<Vec<_>>()
        .join(" or ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_several_groups_share_is_an_error_never_a_guess() {
        let none: [String; 0] = [];
        assert_eq!(one_group("a/t", "list", "Ops", &none, None).unwrap(), None);
        assert_eq!(
            one_group("a/t", "list", "Ops", &["g1".to_string()], None).unwrap(),
            Some("g1".to_string())
        );
        let error =
            one_group("a/t", "list", "Ops", &["g1", "g2"], Some("rename".into())).unwrap_err();
        assert_eq!(error.kind, FailureKind::Malformed);
        assert_eq!(
            error.detail,
            "2 groups are named `Ops`: onboard cannot tell which is meant"
        );
        assert_eq!(error.hint.as_deref(), Some("rename"));
    }

    #[test]
    fn filter_values_are_quoted() {
        assert_eq!(quote_filter_value(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(quote_filter_value(r#"Ops "A""#), r#""Ops \"A\"""#);
        assert_eq!(
            any_equal("userName", &["a", r#"b"c"#]),
            r#"userName eq "a" or userName eq "b\"c""#
        );
    }

    #[test]
    fn unsupported_entitlements_name_the_supported_kinds() {
        use EntitlementKind::*;
        let error = unsupported_entitlement("acme/okta", "grant", "Okta", Team, &[Group, Role]);
        assert_eq!(error.kind, FailureKind::Unsupported);
        assert_eq!(
            error.detail,
            "Okta tenants have no `team:` entitlements (only `group:` and `role:`)"
        );
        let error =
            unsupported_entitlement("acme/x", "list", "X", Org, &[Group, Role, Entitlement]);
        assert!(
            error
                .detail
                .ends_with("(only `group:`, `role:` and `entitlement:`)"),
            "{}",
            error.detail
        );
    }
}
