//! Writing the client file: its values as YAML scalars, its tenant blocks, the default
//! credential references, and the edits to top-level fields.

use crate::adapters::Discovery;
use std::collections::BTreeMap;

use crate::model::{AdapterKind, DirectorySettings, Tenant, TenantSettings};

use super::TenantSpec;

/// Returns the reference a tenant's secret is expected under when the flags name none:
/// `env:ACME_SCIM_TOKEN` (the client, the tenant, and what the secret is).
pub fn default_credential(client: &str, tenant: &str, adapter: AdapterKind) -> Option<String> {
    let what = match adapter {
        AdapterKind::File => return None,
        AdapterKind::Scim | AdapterKind::Okta | AdapterKind::Github => "TOKEN",
        AdapterKind::Graph => "SECRET",
        AdapterKind::Ldap | AdapterKind::Ad => "PASSWORD",
    };
    let word = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect()
    };
    Some(format!("env:{}_{}_{what}", word(client), word(tenant)))
}

/// Returns the system a tenant reached through `adapter` usually is (`graph` → `entra`),
/// or `None` for the `file` adapter, which may stand in for any.
pub fn default_system(adapter: AdapterKind) -> Option<&'static str> {
    Some(match adapter {
        AdapterKind::File => return None,
        AdapterKind::Scim => "scim",
        AdapterKind::Ldap => "ldap",
        AdapterKind::Ad => "ad",
        AdapterKind::Graph => "entra",
        AdapterKind::Okta => "okta",
        AdapterKind::Github => "github",
    })
}

/// Writes a value as a YAML scalar: plain when it reads back as the same string,
/// else double-quoted (JSON's escapes are YAML's).
pub(super) fn scalar(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || " -_./@:=,+".contains(c))
        && !text.starts_with([' ', '-', ':', '@', ',', '.'])
        && !text.ends_with([' ', ':'])
        && !text.contains(": ")
        && (!text.starts_with(|c: char| c.is_ascii_digit()) || is_day_or_id(text))
        && !matches!(
            text.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n"
        );
    if plain {
        text.to_string()
    } else {
        serde_json::to_string(text).unwrap_or_else(|_| format!("{text:?}"))
    }
}

/// Returns whether a text starting with a digit still reads back as a string when
/// plain: a day (`2026-12-31`, which workspace files write plain) or an id with dashes
/// (a GUID), which no YAML reader takes for a number.
fn is_day_or_id(text: &str) -> bool {
    text[1..].contains('-')
        && text.parse::<f64>().is_err()
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// Returns the client file text for one tenant given field by field.
pub(super) fn spec_client_text(client: &str, tier: &str, spec: &TenantSpec) -> String {
    let mut text = format!(
        "id: {}\ntier: {}\ntenants:\n  - name: {}\n    system: {}\n    adapter: {}\n",
        scalar(client),
        scalar(tier),
        scalar(&spec.name),
        scalar(&spec.system),
        scalar(&spec.adapter)
    );
    for (field, value) in &spec.fields {
        text.push_str(&format!("    {field}: {}\n", scalar(value)));
    }
    for field in &spec.switches {
        text.push_str(&format!("    {field}: true\n"));
    }
    if let Some((relationship, customer)) = &spec.gdap {
        text.push_str(&format!(
            "    gdap:\n      relationship: {}\n      customer_tenant_id: {}\n",
            scalar(relationship),
            scalar(customer)
        ));
    }
    text
}

/// The settings a tenant block writes as one `key: value` line each, in the order it
/// writes them.
const SCALAR_FIELDS: [&str; 14] = [
    "path",
    "endpoint",
    "auth_endpoint",
    "tenant_id",
    "client_id",
    "org",
    "app_id",
    "installation_id",
    "domain",
    "base_dn",
    "bind_dn",
    "user_filter",
    "ca_file",
    "credential",
];

/// Returns a tenant's settings written as one scalar each (see [`SCALAR_FIELDS`]), in
/// order, and its switches (`starttls`, `pim`, `pim_groups`) as lines.
fn scalar_fields(tenant: &Tenant) -> (Vec<(&'static str, String)>, Vec<String>) {
    let mut fields: Vec<(&'static str, Option<String>)> = vec![
        ("domain", tenant.domain.clone()),
        ("credential", tenant.credential().map(ToString::to_string)),
    ];
    let mut switches = Vec::new();
    match &tenant.settings {
        TenantSettings::File(file) => fields.extend([
            ("path", Some(file.path.clone())),
            ("tenant_id", file.tenant_id.clone()),
        ]),
        TenantSettings::Scim(scim) => fields.extend([
            ("endpoint", Some(scim.endpoint.clone())),
            ("tenant_id", scim.tenant_id.clone()),
        ]),
        TenantSettings::Ldap(ldap) => {
            let base_dn = Some(ldap.base_dn.clone());
            switches.extend(directory_fields(
                &ldap.directory,
                base_dn,
                &ldap.tenant_id,
                &mut fields,
            ));
        }
        TenantSettings::Ad(ad) => {
            let base_dn = ad.base_dn.clone();
            switches.extend(directory_fields(
                &ad.directory,
                base_dn,
                &ad.tenant_id,
                &mut fields,
            ));
        }
        TenantSettings::Graph(graph) => {
            fields.extend([
                ("endpoint", graph.endpoint.clone()),
                ("auth_endpoint", graph.auth_endpoint.clone()),
                ("tenant_id", Some(graph.tenant_id.clone())),
                ("client_id", Some(graph.client_id.clone())),
            ]);
            for (name, on) in [("pim", graph.pim), ("pim_groups", graph.pim_groups)] {
                if on {
                    switches.push(format!("    {name}: true\n"));
                }
            }
        }
        TenantSettings::Okta(okta) => fields.extend([
            ("endpoint", Some(okta.endpoint.clone())),
            ("client_id", okta.client_id.clone()),
        ]),
        TenantSettings::Github(github) => {
            let app = github.app.as_ref();
            fields.extend([
                ("org", Some(github.org.clone())),
                ("endpoint", github.endpoint.clone()),
                ("app_id", app.map(|a| a.app_id.clone())),
                (
                    "installation_id",
                    app.and_then(|a| a.installation_id.clone()),
                ),
            ]);
        }
    }
    fields.sort_by_key(|(name, _)| SCALAR_FIELDS.iter().position(|n| n == name));
    let fields = fields
        .into_iter()
        .filter_map(|(name, value)| Some((name, value?)))
        .collect();
    (fields, switches)
}

/// Adds a directory tenant's settings to `fields`; returns its `starttls` line, if any.
fn directory_fields(
    directory: &DirectorySettings,
    base_dn: Option<String>,
    tenant_id: &Option<String>,
    fields: &mut Vec<(&'static str, Option<String>)>,
) -> Option<String> {
    fields.extend([
        ("endpoint", Some(directory.endpoint.clone())),
        ("tenant_id", tenant_id.clone()),
        ("base_dn", base_dn),
        ("bind_dn", Some(directory.bind_dn.clone())),
        ("user_filter", directory.user_filter.clone()),
        (
            "ca_file",
            directory.ca_file.as_ref().map(|c| c.path.clone()),
        ),
    ]);
    directory
        .starttls
        .map(|starttls| format!("    starttls: {starttls}\n"))
}

/// Writes one tenant's block (a `tenants:` list item) from the parsed tenant and what
/// the tenant resolved.
pub(super) fn tenant_yaml(tenant: &Tenant, discovery: &Discovery) -> String {
    let mut out = format!("  - name: {}\n", scalar(&tenant.name));
    out.push_str(&format!("    system: {}\n", scalar(tenant.system.as_str())));
    out.push_str(&format!(
        "    adapter: {}\n",
        scalar(tenant.adapter().as_str())
    ));
    let (fields, switches) = scalar_fields(tenant);
    for (name, value) in fields {
        out.push_str(&format!("    {name}: {}\n", scalar(&value)));
    }
    for line in switches {
        out.push_str(&line);
    }
    let (mut groups, gdap, group_roles) = match &tenant.settings {
        TenantSettings::Graph(graph) => (graph.groups.clone(), graph.gdap.as_ref(), None),
        TenantSettings::Okta(okta) => (BTreeMap::new(), None, Some(&okta.group_roles)),
        _ => (BTreeMap::new(), None, None),
    };
    for (name, id) in &discovery.groups {
        groups.entry(name.clone()).or_insert_with(|| id.clone());
    }
    if !groups.is_empty() {
        out.push_str("    groups:\n");
        for (name, id) in &groups {
            out.push_str(&format!("      {}: {}\n", scalar(name), scalar(id)));
        }
    }
    if let Some(gdap) = gdap {
        let mut access = gdap.access.clone();
        for (group, roles) in &discovery.gdap_access {
            access.entry(group.clone()).or_insert_with(|| roles.clone());
        }
        out.push_str(&format!(
            "    gdap:\n      relationship: {}\n      customer_tenant_id: {}\n",
            scalar(&gdap.relationship),
            scalar(&gdap.customer_tenant_id)
        ));
        if gdap.auto_extend {
            out.push_str("      auto_extend: true\n");
        }
        if !access.is_empty() {
            out.push_str("      access:\n");
            for (group, roles) in &access {
                let roles: Vec<String> = roles.iter().map(|r| scalar(r)).collect();
                out.push_str(&format!(
                    "        {}: [{}]\n",
                    scalar(group),
                    roles.join(", ")
                ));
            }
        }
    }
    if let Some(group_roles) = group_roles.filter(|roles| !roles.is_empty()) {
        out.push_str("    group_roles:\n");
        for (group, roles) in group_roles {
            out.push_str(&format!(
                "      {}: [{}]\n",
                scalar(group),
                roles.join(", ")
            ));
        }
    }
    out
}

/// the next field (leaving the comments directly above that field to it).
pub(super) fn field_lines(lines: &[&str], key: &str) -> Option<(usize, usize)> {
    let start = lines.iter().position(|l| {
        crate::model::format::is_top_level(l)
            && l.split(':').next().map(str::trim) == Some(key)
            && l.contains(':')
    })?;
    let mut end = lines[start + 1..]
        .iter()
        .position(|l| crate::model::format::is_top_level(l))
        .map_or(lines.len(), |i| start + 1 + i);
    while end > start + 1 && (lines[end - 1].starts_with('#') || lines[end - 1].trim().is_empty()) {
        end -= 1;
    }
    Some((start, end))
}

/// Replaces a top-level field (`replacement` ends in a newline), or appends it.
pub(super) fn replace_top_level(text: &str, key: &str, replacement: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let Some((start, end)) = field_lines(&lines, key) else {
        let mut out = text.to_string();
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(replacement);
        return out;
    };
    let mut out = String::new();
    for line in &lines[..start] {
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(replacement);
    for line in &lines[end..] {
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Adds exception items (written at two spaces' indentation) to the file's
/// The line that points editors at the client file's schema, as `onboard init` writes it.
pub const SCHEMA_LINE: &str = "# yaml-language-server: $schema=../schemas/client.schema.json";

/// Returns the text starting with [`SCHEMA_LINE`] (replacing another schema line).
pub(super) fn with_schema_line(text: &str) -> String {
    let rest: String = text
        .lines()
        .filter(|l| !l.starts_with("# yaml-language-server:"))
        .map(|l| format!("{l}\n"))
        .collect();
    format!("{SCHEMA_LINE}\n{rest}")
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn scalars_read_back_as_the_same_string() {
        for value in [
            "env:ACME_SCIM_TOKEN",
            "https://scim.example/v2",
            "cn=onboard,ou=services,dc=x",
            "role:Global Reader",
            "(uid={account})",
            "0f6a5c1e-1111-2222-3333-444455556666",
            "yes",
            "2026-12-31",
            "a: b",
            "# x",
            "",
            "12345",
        ] {
            let yaml = format!("v: {}\n", scalar(value));
            let read: BTreeMap<String, String> = serde_saphyr::from_str(&yaml).unwrap();
            assert_eq!(read["v"], value, "{yaml}");
        }
        assert_eq!(scalar("env:ACME_SCIM_TOKEN"), "env:ACME_SCIM_TOKEN");
        assert_eq!(scalar("2026-12-21"), "2026-12-21");
        assert_eq!(scalar("0f6a5c1e-1111-2222"), "0f6a5c1e-1111-2222");
        assert_eq!(scalar("12345"), "\"12345\"");
    }

    #[test]
    fn a_tenant_block_is_written_back_as_its_kind_reads_it() {
        // One block per kind, each field where the client file writes it.
        let blocks = [
            "  - name: entra\n    system: entra\n    adapter: file\n    path: tenants/acme/entra\n    tenant_id: acme-entra\n    domain: acme.example\n",
            "  - name: scim\n    system: scim\n    adapter: scim\n    endpoint: https://scim.example/v2\n    tenant_id: acme\n    credential: env:ACME_SCIM_TOKEN\n",
            "  - name: ldap\n    system: ldap\n    adapter: ldap\n    endpoint: ldap://127.0.0.1:3890\n    base_dn: dc=acme\n    bind_dn: cn=onboard,dc=acme\n    user_filter: \"(uid={account})\"\n    ca_file: ca.pem\n    credential: env:ACME_LDAP_PASSWORD\n    starttls: false\n",
            "  - name: ad\n    system: ad\n    adapter: ad\n    endpoint: ldaps://dc1.corp.example\n    tenant_id: corp.example\n    domain: corp.example\n    bind_dn: onboard@corp.example\n    credential: env:ACME_AD_PASSWORD\n",
            "  - name: partner\n    system: gdap\n    adapter: graph\n    auth_endpoint: http://127.0.0.1:9/login\n    tenant_id: 11111111-1111-4111-8111-111111111111\n    client_id: 22222222-2222-4222-8222-222222222222\n    credential: env:MSP_SECRET\n    pim_groups: true\n    groups:\n      GDAP-Helpdesk: 33333333-3333-4333-8333-333333333333\n    gdap:\n      relationship: rel-acme\n      customer_tenant_id: 44444444-4444-4444-8444-444444444444\n      access:\n        GDAP-Helpdesk: [Global Reader]\n",
            "  - name: okta\n    system: okta\n    adapter: okta\n    endpoint: https://acme.okta.com\n    client_id: app0oa1b2c3\n    credential: env:ACME_OKTA_KEY\n    group_roles:\n      MSP-Helpdesk: [HELP_DESK_ADMIN, USER_ADMIN]\n",
            "  - name: github\n    system: github\n    adapter: github\n    endpoint: https://github.acme.example/api/v3\n    org: acme\n    app_id: \"12\"\n    installation_id: \"34\"\n    credential: env:ACME_GITHUB_KEY\n",
        ];
        for block in blocks {
            let text = format!("id: acme\ntier: premium\ntenants:\n{block}");
            let client = crate::model::client_from_yaml(&std::sync::Arc::from("c.yaml"), &text)
                .unwrap_or_else(|e| panic!("{e:?}\n{text}"));
            assert_eq!(
                tenant_yaml(&client.tenants[0], &Discovery::default()),
                block
            );
        }
    }

    #[test]
    fn default_credentials_name_the_client_and_tenant() {
        assert_eq!(
            default_credential("acme-2", "scim", AdapterKind::Scim).as_deref(),
            Some("env:ACME_2_SCIM_TOKEN")
        );
        assert_eq!(default_credential("a", "f", AdapterKind::File), None);
    }
}
