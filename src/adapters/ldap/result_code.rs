//! LDAP result codes: their RFC 4511 names, and how a result reads in a message.

use ldap3::LdapResult;

/// Returns the name of an LDAP result code (RFC 4511 appendix A).
fn result_name(rc: u32) -> &'static str {
    match rc {
        0 => "success",
        1 => "operationsError",
        2 => "protocolError",
        3 => "timeLimitExceeded",
        4 => "sizeLimitExceeded",
        7 => "authMethodNotSupported",
        8 => "strongerAuthRequired",
        10 => "referral",
        11 => "adminLimitExceeded",
        12 => "unavailableCriticalExtension",
        13 => "confidentialityRequired",
        16 => "noSuchAttribute",
        17 => "undefinedAttributeType",
        18 => "inappropriateMatching",
        19 => "constraintViolation",
        20 => "attributeOrValueExists",
        21 => "invalidAttributeSyntax",
        32 => "noSuchObject",
        34 => "invalidDNSyntax",
        48 => "inappropriateAuthentication",
        49 => "invalidCredentials",
        50 => "insufficientAccessRights",
        51 => "busy",
        52 => "unavailable",
        53 => "unwillingToPerform",
        54 => "loopDetect",
        64 => "namingViolation",
        65 => "objectClassViolation",
        80 => "other",
        _ => "unknown result",
    }
}

/// Describes an LDAP result for a message: `result 49 (invalidCredentials): TEXT`.
pub(crate) fn describe(result: &LdapResult) -> String {
    let text = result.text.trim().trim_end_matches('\0');
    if text.is_empty() {
        format!("LDAP result {} ({})", result.rc, result_name(result.rc))
    } else {
        format!(
            "LDAP result {} ({}): {text}",
            result.rc,
            result_name(result.rc)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_codes_are_named() {
        let result = LdapResult {
            rc: 65,
            matched: String::new(),
            text: "object class 'groupOfNames' requires attribute 'member'".into(),
            refs: Vec::new(),
            ctrls: Vec::new(),
        };
        assert_eq!(
            describe(&result),
            "LDAP result 65 (objectClassViolation): object class 'groupOfNames' requires attribute 'member'"
        );
    }
}
