//! Distinguished names compared as directories compare them: without case or spaces
//! around RDNs, and whether one lies under another (a tenant's base DN).

/// Returns a DN in a form fit for comparison: RDNs trimmed, attribute types and values
/// lower-cased (directories compare DNs case-insensitively for the usual attributes).
pub fn normalize_dn(dn: &str) -> String {
    let mut rdns = Vec::new();
    let mut current = String::new();
    let mut escaped = false;
    for c in dn.chars() {
        if escaped {
            current.push(c);
            escaped = false;
        } else if c == '\\' {
            current.push(c);
            escaped = true;
        } else if c == ',' {
            rdns.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    rdns.push(current);
    rdns.iter()
        .map(|rdn| match rdn.split_once('=') {
            Some((kind, value)) => format!("{}={}", kind.trim(), value.trim()),
            None => rdn.trim().to_string(),
        })
        .collect::<Vec<_>>()
        .join(",")
        .to_lowercase()
}

/// Returns whether `dn` is `base` or lies below it.
pub fn is_within(dn: &str, base: &str) -> bool {
    let (dn, base) = (normalize_dn(dn), normalize_dn(base));
    dn == base || dn.ends_with(&format!(",{base}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_compare_without_case_or_spaces() {
        assert_eq!(
            normalize_dn("CN=Alice Smith, OU=People,DC=Example ,DC=com"),
            "cn=alice smith,ou=people,dc=example,dc=com"
        );
        assert_eq!(
            normalize_dn(r"cn=Smith\, Alice,dc=x"),
            r"cn=smith\, alice,dc=x"
        );
        assert!(is_within(
            "uid=bob,ou=people,dc=acme,dc=example",
            "DC=acme, DC=example"
        ));
        assert!(is_within("dc=acme,dc=example", "dc=acme,dc=example"));
        assert!(!is_within(
            "uid=bob,dc=notacme,dc=example",
            "dc=acme,dc=example"
        ));
        assert!(!is_within(
            "uid=bob,dc=globex,dc=example",
            "dc=acme,dc=example"
        ));
    }
}
