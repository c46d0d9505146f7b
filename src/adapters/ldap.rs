//! The LDAP adapter (OpenLDAP and other RFC 4511 directories), and [`Directory`], the
//! connection, paging, membership and error handling that the Active Directory adapter
//! ([`super::ad`]) shares.
//!
//! Entitlements are `group:NAME`: membership of a `groupOfNames` (`member`) or
//! `groupOfUniqueNames` (`uniqueMember`). NAME is the group's CN, searched under the
//! tenant's `base_dn`, or its full DN (anything holding `=`), which must lie under
//! `base_dn`. A missing group has no holders; granting into it fails (onboard manages
//! memberships, not groups).
//!
//! Accounts are found with the tenant's `user_filter` (default `(uid={account})`), the
//! account escaped as RFC 4515 says; a principal's id is its DN. Holders are reported by
//! the first attribute the filter compares with `{account}` that the member's entry has.
//!
//! Connection: `ldaps://` is LDAPS; `ldap://` upgrades with StartTLS, always to a host off
//! loopback, and on loopback when the tenant says `starttls: true`; plain `ldap://` is
//! allowed to loopback only (like plain HTTP). Certificates are verified against the
//! platform's roots (`ONBOARD_TEST_LDAP_CA_FILE` replaces them in tests). Binds are simple
//! binds as `bind_dn` with the password behind `credential`, which is exposed only to the
//! bind call and never logged. Every search pages (RFC 2696) and must end with result 0:
//! a size or time limit hit midway is an error, never a short list.
//!
//! Changes: membership is checked first (a base-scope read of the group filtered on the
//! member value), so "already a member" and "already gone" change nothing; a modify that
//! still answers 20 (attributeOrValueExists) on add or 16 (noSuchAttribute) on delete
//! lost a race to the same end and is "already done" too. OpenLDAP refuses to remove the
//! last member of a `groupOfNames` (65, objectClassViolation): that is said plainly.
//!
//! Tenant identity: the bind succeeds and `base_dn` exists; with `tenant_id`, it must be
//! one of the server's naming contexts holding `base_dn` (or `base_dn` itself). Nothing
//! outside `base_dn` is read or changed, so one client's credential and tenant entry
//! cannot reach another client's subtree of a shared directory.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use ldap3::adapters::{Adapter as SearchAdapter, EntriesOnly, PagedResults};
use ldap3::controls::RawControl;
use ldap3::{LdapConn, LdapConnSettings, LdapError, LdapResult, Mod, Scope, SearchEntry};
use rustls::ClientConfig;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use time::OffsetDateTime;

use super::http::{HttpLog, Policy, Url};
use super::{Adapter, AdapterError, Capabilities, FailureKind, Options, Outcome, Principal};
use crate::model::{Client, Entitlement, EntitlementKind, Holder, Tenant, user_filter_attributes};
use crate::secrets::Secret;

/// Entries per page of a paged search (OpenLDAP's default size limit is 500, AD's
/// `MaxPageSize` 1000).
const PAGE_SIZE: i32 = 400;
/// Members resolved one base read at a time up to this many; beyond it, one paged scan
/// of every account under the base DN is cheaper.
const SCAN_THRESHOLD: usize = 100;
/// The default `user_filter` of `ldap` tenants.
pub const DEFAULT_USER_FILTER: &str = "(uid={account})";

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

/// Builds the rustls configuration for LDAPS and StartTLS: the ring provider (as the
/// HTTP layer uses), and the platform's roots, or only the test CA file when
/// `ONBOARD_TEST_LDAP_CA_FILE` names one.
fn tls_config() -> Result<Arc<ClientConfig>, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("cannot set up TLS: {e}"))?;
    let config = match crate::env::test_ldap_ca_file() {
        Some(path) => {
            let mut roots = rustls::RootCertStore::empty();
            let certs = CertificateDer::pem_file_iter(&path).map_err(|e| {
                format!(
                    "{}: cannot read {}: {e}",
                    crate::env::ONBOARD_TEST_LDAP_CA_FILE,
                    path.display()
                )
            })?;
            for cert in certs {
                let cert = cert.map_err(|e| {
                    format!(
                        "{}: {} holds a certificate that cannot be read: {e}",
                        crate::env::ONBOARD_TEST_LDAP_CA_FILE,
                        path.display()
                    )
                })?;
                roots
                    .add(cert)
                    .map_err(|e| format!("cannot trust the test CA: {e}"))?;
            }
            builder.with_root_certificates(roots).with_no_client_auth()
        }
        None => {
            use rustls_platform_verifier::BuilderVerifierExt;
            builder
                .with_platform_verifier()
                .map_err(|e| format!("cannot load the platform's certificate roots: {e}"))?
                .with_no_client_auth()
        }
    };
    Ok(Arc::new(config))
}

/// How the connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Transport {
    /// `ldaps://`.
    Ldaps,
    /// `ldap://` upgraded with StartTLS.
    StartTls,
    /// Plain `ldap://`, loopback only.
    Plain,
}

/// A search filter template with `{account}` where the escaped account name goes.
#[derive(Debug, Clone)]
pub struct UserFilter {
    template: String,
    attributes: Vec<String>,
}

impl UserFilter {
    /// Parses a template (see [`user_filter_attributes`]).
    pub fn new(template: &str) -> Result<Self, String> {
        Ok(UserFilter {
            attributes: user_filter_attributes(template)?,
            template: template.trim().to_string(),
        })
    }

    /// Returns the filter for one account, escaped.
    pub fn for_account(&self, account: &str) -> String {
        self.template
            .replace("{account}", &ldap3::ldap_escape(account))
    }

    /// Returns the filter matching every account (`{account}` → `*`).
    pub fn any_account(&self) -> String {
        self.template.replace("{account}", "*")
    }

    /// Returns the attributes that hold account names, in order of preference.
    pub fn attributes(&self) -> &[String] {
        &self.attributes
    }

    /// Returns the account an entry is listed by: the first account attribute it has.
    pub fn account_of(&self, entry: &SearchEntry) -> Option<String> {
        self.attributes.iter().find_map(|wanted| {
            entry
                .attrs
                .iter()
                .find(|(name, values)| name.eq_ignore_ascii_case(wanted) && !values.is_empty())
                .map(|(_, values)| values[0].clone())
        })
    }
}

/// The control that makes Active Directory treat adding a present value or deleting an
/// absent one as success (LDAP_SERVER_PERMISSIVE_MODIFY_OID).
pub const PERMISSIVE_MODIFY_OID: &str = "1.2.840.113556.1.4.1413";

/// One LDAP directory: where it is, how to bind, and the open connection. Shared by the
/// `ldap` and `ad` adapters; knows no schema beyond RFC 4511/4512 and RFC 2696 paging.
pub struct Directory {
    name: String,
    url: String,
    host: String,
    transport: Transport,
    bind_dn: String,
    password: Secret,
    policy: Policy,
    log: Option<HttpLog>,
    conn: Option<LdapConn>,
}

impl Directory {
    /// Reads a tenant's `endpoint`, `bind_dn` and `credential`. Nothing is sent until a
    /// request is made. `kind` names the adapter in messages.
    pub fn open(
        name: &str,
        tenant: &Tenant,
        root: &Path,
        options: &Options,
    ) -> Result<Self, AdapterError> {
        let kind = tenant.adapter;
        let refuse = |detail: String, hint: &str| {
            AdapterError::new(name, "connect", FailureKind::Rejected, detail).with_hint(hint)
        };
        let endpoint = super::endpoint(name, tenant, "the directory's URL", "ldaps://HOST")?;
        let url = Url::parse(endpoint.trim()).map_err(|e| {
            refuse(
                format!("the endpoint `{endpoint}` is not a URL: {e}"),
                "write e.g. `ldaps://dc1.acme.example`",
            )
        })?;
        let Some(host) = url.host_str().map(str::to_string) else {
            return Err(refuse(
                "the endpoint has no host".into(),
                "write e.g. `ldaps://dc1.acme.example`",
            ));
        };
        // `ldap:` is not a special scheme to the URL parser, so its host is never parsed
        // as an IP address: do it here.
        let loopback = host.eq_ignore_ascii_case("localhost")
            || host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        let transport = match (url.scheme(), tenant.starttls) {
            ("ldaps", _) => Transport::Ldaps,
            ("ldap", Some(true)) => Transport::StartTls,
            ("ldap", _) if !loopback && tenant.starttls == Some(false) => {
                return Err(refuse(
                    format!(
                        "refusing plain `ldap://` to `{host}`: the bind password would cross the network unencrypted (plain LDAP is allowed to loopback only)"
                    ),
                    "remove `starttls: false`, or use `ldaps://`",
                ));
            }
            ("ldap", _) if !loopback => Transport::StartTls,
            ("ldap", _) => Transport::Plain,
            (other, _) => {
                return Err(refuse(
                    format!("the endpoint's scheme `{other}` is not `ldaps` or `ldap`"),
                    "write e.g. `ldaps://dc1.acme.example`",
                ));
            }
        };
        let port = url.port().unwrap_or(if transport == Transport::Ldaps {
            636
        } else {
            389
        });
        let Some(bind_dn) = tenant.bind_dn.clone() else {
            return Err(refuse(
                format!("a `{kind}` tenant needs `bind_dn`, the account onboard binds as"),
                "add `bind_dn: cn=onboard,ou=services,dc=acme,dc=example`; `credential` names its password",
            ));
        };
        let password = super::credential(name, tenant, root)?;
        let policy = Policy::from_env()
            .map_err(|e| AdapterError::new(name, "connect", FailureKind::Rejected, e))?;
        let host_in_url = host.clone();
        Ok(Directory {
            name: name.to_string(),
            url: format!("{}://{host_in_url}:{port}", url.scheme()),
            host,
            transport,
            bind_dn,
            password,
            policy,
            log: options.http_log.clone(),
            conn: None,
        })
    }

    /// Returns `client/tenant`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Returns an error about this tenant.
    pub fn error(
        &self,
        operation: &str,
        kind: FailureKind,
        detail: impl Into<String>,
    ) -> AdapterError {
        AdapterError::new(&self.name, operation, kind, detail)
    }

    fn log(&self, line: impl FnOnce() -> String) {
        if let Some(log) = &self.log {
            log(&line());
        }
    }

    /// Turns a client-side failure (network, TLS, timeout) into an error. The
    /// connection is dropped: the next request opens a new one.
    fn transport_error(&mut self, operation: &str, error: LdapError) -> AdapterError {
        self.conn = None;
        let (kind, detail, hint) = match &error {
            LdapError::Timeout { .. } => (
                FailureKind::Unreachable,
                format!(
                    "the directory at `{}` did not answer within {}",
                    self.url,
                    humantime::format_duration(self.policy.timeout)
                ),
                None,
            ),
            LdapError::Rustls { .. } | LdapError::DNSName { .. } => (
                FailureKind::Unreachable,
                format!("TLS with `{}` failed: {error}", self.url),
                Some(
                    "the directory's certificate must be valid for the endpoint's host and issued by a CA the system trusts",
                ),
            ),
            LdapError::Io { source }
                if source.to_string().to_lowercase().contains("certificate") =>
            {
                (
                    FailureKind::Unreachable,
                    format!("TLS with `{}` failed: {source}", self.url),
                    Some(
                        "the directory's certificate must be valid for the endpoint's host and issued by a CA the system trusts",
                    ),
                )
            }
            LdapError::LdapResult { result } => (FailureKind::Rejected, describe(result), None),
            _ => (
                FailureKind::Unreachable,
                format!("cannot talk to the directory at `{}`: {error}", self.url),
                None,
            ),
        };
        let error = self.error(operation, kind, detail);
        match hint {
            Some(hint) => error.with_hint(hint),
            None => error,
        }
    }

    /// Turns an LDAP result that is not success into an error.
    pub fn result_error(&self, operation: &str, result: &LdapResult) -> AdapterError {
        let kind = match result.rc {
            32 => FailureKind::NotFound,
            8 | 13 | 48 | 49 | 50 => FailureKind::Denied,
            51 | 52 => FailureKind::Unreachable,
            _ => FailureKind::Rejected,
        };
        let error = self.error(operation, kind, describe(result));
        match result.rc {
            49 => error.with_hint(format!(
                "check `bind_dn` (`{}`) and the password behind `credential`",
                self.bind_dn
            )),
            50 => error.with_hint(format!(
                "the bind account `{}` needs the right to read the tenant's entries and write group members",
                self.bind_dn
            )),
            8 | 13 => error.with_hint(
                "the directory wants an encrypted connection: use `ldaps://`, or `starttls: true`",
            ),
            _ => error,
        }
    }

    /// Opens and binds the connection if it is not open yet.
    fn connect(&mut self, operation: &str) -> Result<(), AdapterError> {
        if self.conn.is_some() {
            return Ok(());
        }
        let mut settings = LdapConnSettings::new().set_conn_timeout(self.policy.connect_timeout);
        if self.transport != Transport::Plain {
            let config =
                tls_config().map_err(|e| self.error(operation, FailureKind::Rejected, e))?;
            settings = settings.set_config(config);
        }
        if self.transport == Transport::StartTls {
            settings = settings.set_starttls(true);
        }
        let mut conn = match LdapConn::with_settings(settings, &self.url) {
            Ok(conn) => conn,
            Err(e) => return Err(self.transport_error(operation, e)),
        };
        conn.with_timeout(self.policy.timeout);
        // The one place the password is exposed: the bind request.
        let bound = conn.simple_bind(&self.bind_dn, self.password.expose());
        let result = match bound {
            Ok(result) => result,
            Err(e) => return Err(self.transport_error(operation, e)),
        };
        self.log(|| {
            format!(
                "ldap: bind to {} ({:?}) as `{}`: {}",
                self.url,
                self.transport,
                self.bind_dn,
                describe(&result)
            )
        });
        if result.rc != 0 {
            return Err(self.result_error(operation, &result));
        }
        self.conn = Some(conn);
        Ok(())
    }

    /// Runs one request on the bound connection.
    fn with_conn<T>(
        &mut self,
        operation: &str,
        request: impl FnOnce(&mut LdapConn) -> Result<T, LdapError>,
    ) -> Result<T, AdapterError> {
        self.connect(operation)?;
        let timeout = self.policy.timeout;
        let outcome = match self.conn.as_mut() {
            Some(conn) => {
                conn.with_timeout(timeout);
                request(conn)
            }
            // `connect` just stored a connection or returned an error.
            None => return Err(self.error(operation, FailureKind::Unreachable, "not connected")),
        };
        outcome.map_err(|e| self.transport_error(operation, e))
    }

    /// Searches with the paged-results control, following every page; referrals are
    /// skipped. A search that ends with any result but success is an error.
    pub fn search(
        &mut self,
        operation: &str,
        base: &str,
        scope: Scope,
        filter: &str,
        attributes: &[&str],
    ) -> Result<Vec<SearchEntry>, AdapterError> {
        let attributes: Vec<String> = attributes.iter().map(|a| a.to_string()).collect();
        let (entries, result) = self.with_conn(operation, |conn| {
            let adapters: Vec<Box<dyn SearchAdapter<'_, String, Vec<String>>>> = vec![
                Box::new(EntriesOnly::new()),
                Box::new(PagedResults::new(PAGE_SIZE)),
            ];
            let mut stream =
                conn.streaming_search_with(adapters, base, scope, filter, attributes)?;
            let mut entries = Vec::new();
            while let Some(entry) = stream.next()? {
                entries.push(SearchEntry::construct(entry));
            }
            Ok((entries, stream.result()))
        })?;
        self.log(|| {
            format!(
                "ldap: search `{base}` ({scope:?}) `{filter}`: {} entries, {}",
                entries.len(),
                describe(&result)
            )
        });
        if result.rc != 0 {
            let error = self.result_error(operation, &result);
            return Err(match result.rc {
                3 | 4 | 11 => AdapterError {
                    detail: format!(
                        "the directory stopped the search after {} entries ({}): onboard never works from a partial read",
                        entries.len(),
                        error.detail
                    ),
                    ..error
                }
                .with_hint("let the bind account page past the server's limits (OpenLDAP: `limits dn.exact=\"BIND_DN\" size.prtotal=unlimited`)"),
                _ => error,
            });
        }
        Ok(entries)
    }

    /// Reads one entry (a base-scope search), with controls; `Ok(None)` when it does
    /// not exist or does not match `filter`.
    pub fn read(
        &mut self,
        operation: &str,
        dn: &str,
        filter: &str,
        attributes: &[&str],
        controls: Vec<RawControl>,
    ) -> Result<Option<SearchEntry>, AdapterError> {
        let attributes: Vec<String> = attributes.iter().map(|a| a.to_string()).collect();
        let requested = attributes.clone();
        let found = self.with_conn(operation, |conn| {
            if !controls.is_empty() {
                conn.with_controls(controls);
            }
            conn.search(dn, Scope::Base, filter, requested)
        })?;
        let (entries, result) = (found.0, found.1);
        self.log(|| {
            format!(
                "ldap: read `{dn}` `{filter}` {}: {} entries, {}",
                attributes.join(","),
                entries.len(),
                describe(&result)
            )
        });
        match result.rc {
            0 => Ok(entries.into_iter().next().map(SearchEntry::construct)),
            32 => Ok(None),
            _ => Err(self.result_error(operation, &result)),
        }
    }

    /// Sends a modify and returns its result, whatever the code.
    pub fn modify(
        &mut self,
        operation: &str,
        dn: &str,
        change: Mod<String>,
        controls: Vec<RawControl>,
    ) -> Result<LdapResult, AdapterError> {
        let summary = match &change {
            Mod::Add(attribute, _) => format!("add `{attribute}`"),
            Mod::Delete(attribute, _) => format!("delete `{attribute}`"),
            Mod::Replace(attribute, _) => format!("replace `{attribute}`"),
            Mod::Increment(attribute, _) => format!("increment `{attribute}`"),
        };
        let result = self.with_conn(operation, |conn| {
            if !controls.is_empty() {
                conn.with_controls(controls);
            }
            conn.modify(dn, vec![change])
        })?;
        self.log(|| format!("ldap: modify `{dn}` {summary}: {}", describe(&result)));
        Ok(result)
    }

    /// Reads attributes of the root DSE.
    pub fn root_dse(
        &mut self,
        operation: &str,
        attributes: &[&str],
    ) -> Result<SearchEntry, AdapterError> {
        self.read(operation, "", "(objectClass=*)", attributes, Vec::new())?
            .ok_or_else(|| {
                self.error(
                    operation,
                    FailureKind::Malformed,
                    "the directory did not return its root DSE",
                )
            })
    }

    /// Returns whether `member` is among the `attribute` values of the group `group_dn`,
    /// asking the directory (a base read filtered on the value), not reading every member.
    pub fn has_member(
        &mut self,
        operation: &str,
        group_dn: &str,
        attribute: &str,
        member: &str,
    ) -> Result<bool, AdapterError> {
        let filter = format!("({attribute}={})", ldap3::ldap_escape(member));
        Ok(self
            .read(operation, group_dn, &filter, &["1.1"], Vec::new())?
            .is_some())
    }

    /// Adds (`add`) or removes a member value after checking membership, and maps the
    /// "already done" result codes (20 on add, 16 on delete) to `NoChange`. `value` is
    /// what is written (AD TTL links carry a prefix); `member` is the DN it names.
    #[allow(clippy::too_many_arguments)]
    pub fn change_member(
        &mut self,
        operation: &str,
        group_dn: &str,
        attribute: &str,
        member: &str,
        value: &str,
        add: bool,
        force: bool,
        controls: Vec<RawControl>,
    ) -> Result<Outcome, AdapterError> {
        if !force && self.has_member(operation, group_dn, attribute, member)? == add {
            return Ok(Outcome::NoChange);
        }
        let values = HashSet::from([value.to_string()]);
        let change = if add {
            Mod::Add(attribute.to_string(), values)
        } else {
            Mod::Delete(attribute.to_string(), values)
        };
        let result = self.modify(operation, group_dn, change, controls)?;
        match (result.rc, add) {
            (0, _) => Ok(Outcome::Changed),
            (20, true) | (16, false) => Ok(Outcome::NoChange),
            (65, false) => Err(self
                .error(
                    operation,
                    FailureKind::Rejected,
                    format!(
                        "cannot remove the last member of groupOfNames `{group_dn}`: the schema requires at least one `{attribute}` ({})",
                        describe(&result)
                    ),
                )
                .with_hint("add another member to the group first (a placeholder such as the group's owner), or remove the group in the directory")),
            (rc, _) => {
                // Some servers answer "already done" with other codes (Samba: 68 on a
                // present value, 53 on an absent one): if the group is now as asked, the
                // change was already made.
                if rc != 65 && !force && self.has_member(operation, group_dn, attribute, member)? == add {
                    return Ok(Outcome::NoChange);
                }
                Err(self.result_error(operation, &result))
            }
        }
    }

    /// Returns the host the endpoint names.
    pub fn host(&self) -> &str {
        &self.host
    }
}

/// Resolves member DNs to account names, remembering what it has seen.
#[derive(Default)]
pub struct AccountCache {
    accounts: HashMap<String, Option<String>>,
    scanned: bool,
}

impl AccountCache {
    /// Remembers an entry's account.
    pub fn remember(&mut self, dn: &str, account: Option<String>) {
        self.accounts.insert(normalize_dn(dn), account);
    }

    /// Returns the account of each of these member DNs (`None` for members that are not
    /// accounts), in order: base reads for a few unknown DNs, one paged scan of `base`
    /// for many.
    pub fn accounts(
        &mut self,
        directory: &mut Directory,
        operation: &str,
        base: &str,
        filter: &UserFilter,
        members: &[String],
    ) -> Result<Vec<Option<String>>, AdapterError> {
        let unknown: Vec<&String> = members
            .iter()
            .filter(|dn| !self.accounts.contains_key(&normalize_dn(dn)))
            .collect();
        let attributes: Vec<&str> = filter.attributes().iter().map(String::as_str).collect();
        if unknown.len() > SCAN_THRESHOLD && !self.scanned {
            for entry in directory.search(
                operation,
                base,
                Scope::Subtree,
                &filter.any_account(),
                &attributes,
            )? {
                let account = filter.account_of(&entry);
                self.remember(&entry.dn, account);
            }
            self.scanned = true;
        }
        for dn in unknown {
            let key = normalize_dn(dn);
            if self.accounts.contains_key(&key) {
                continue;
            }
            if self.scanned || !is_within(dn, base) {
                // Not found by the scan, or outside the tenant: not one of its accounts.
                self.accounts.insert(key, None);
                continue;
            }
            let account = directory
                .read(
                    operation,
                    dn,
                    &filter.any_account(),
                    &attributes,
                    Vec::new(),
                )?
                .and_then(|entry| filter.account_of(&entry));
            self.accounts.insert(key, account);
        }
        Ok(members
            .iter()
            .map(|dn| self.accounts.get(&normalize_dn(dn)).cloned().flatten())
            .collect())
    }
}

/// Finds the one entry an account filter matches under `base`.
pub fn find_account(
    directory: &mut Directory,
    cache: &mut AccountCache,
    base: &str,
    filter: &UserFilter,
    account: &str,
) -> Result<Option<Principal>, AdapterError> {
    let operation = format!("resolve `{account}`");
    let attributes: Vec<&str> = filter.attributes().iter().map(String::as_str).collect();
    let found = directory.search(
        &operation,
        base,
        Scope::Subtree,
        &filter.for_account(account),
        &attributes,
    )?;
    match found.as_slice() {
        [] => Ok(None),
        [entry] => {
            cache.remember(&entry.dn, filter.account_of(entry));
            Ok(Some(Principal {
                id: entry.dn.clone(),
                account: account.to_string(),
            }))
        }
        _ => Err(directory
            .error(
                &operation,
                FailureKind::Malformed,
                format!(
                    "{} entries match the user filter for `{account}`: onboard cannot tell which is meant",
                    found.len()
                ),
            )
            .with_hint("make `user_filter` match one entry per account")),
    }
}

/// Returns an error for an entitlement kind a directory does not have.
pub fn only_groups(
    directory: &Directory,
    entitlement: &Entitlement,
    operation: &str,
) -> AdapterError {
    directory.error(
        operation,
        FailureKind::Unsupported,
        format!(
            "directory tenants have no `{}:` entitlements (only `group:`)",
            entitlement.kind.as_str()
        ),
    )
}

/// A group as found: its DN and the attribute that holds its members.
#[derive(Debug, Clone)]
struct Group {
    dn: String,
    attribute: &'static str,
}

/// An LDAP directory tenant (OpenLDAP and the like).
pub struct LdapTenant {
    directory: Directory,
    base_dn: String,
    expected_tenant: Option<String>,
    filter: UserFilter,
    groups: HashMap<String, Option<Group>>,
    cache: AccountCache,
}

impl LdapTenant {
    /// Opens an LDAP tenant: `endpoint`, `base_dn`, `bind_dn`, `credential` (the bind
    /// password) and `user_filter`. Nothing is sent until a verb is called.
    pub fn open(
        client: &Client,
        tenant: &Tenant,
        root: &Path,
        options: &Options,
    ) -> Result<Self, AdapterError> {
        let name = format!("{}/{}", client.id, tenant.name);
        let Some(base_dn) = tenant.base_dn.clone() else {
            return Err(AdapterError::new(
                &name,
                "connect",
                FailureKind::Rejected,
                "an `ldap` tenant needs `base_dn`",
            )
            .with_hint(
                "add `base_dn: dc=acme,dc=example`, the subtree that is this client's directory",
            ));
        };
        let filter = UserFilter::new(tenant.user_filter.as_deref().unwrap_or(DEFAULT_USER_FILTER))
            .map_err(|e| AdapterError::new(&name, "connect", FailureKind::Rejected, e))?;
        Ok(LdapTenant {
            directory: Directory::open(&name, tenant, root, options)?,
            base_dn,
            expected_tenant: tenant.tenant_id.clone(),
            filter,
            groups: HashMap::new(),
            cache: AccountCache::default(),
        })
    }

    /// Finds a group by CN or DN; `None` when it does not exist.
    fn group(&mut self, name: &str, operation: &str) -> Result<Option<Group>, AdapterError> {
        if let Some(group) = self.groups.get(name) {
            return Ok(group.clone());
        }
        const GROUPS: &str = "(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames))";
        let found = if name.contains('=') {
            if !is_within(name, &self.base_dn) {
                return Err(self
                    .directory
                    .error(
                        operation,
                        FailureKind::WrongTenant,
                        format!(
                            "the group `{name}` is outside the tenant's base DN `{}`",
                            self.base_dn
                        ),
                    )
                    .with_hint("name groups by CN, or by a DN under the tenant's `base_dn`"));
            }
            self.directory
                .read(operation, name, GROUPS, &["objectClass"], Vec::new())?
                .into_iter()
                .collect::<Vec<_>>()
        } else {
            let filter = format!("(&{GROUPS}(cn={}))", ldap3::ldap_escape(name));
            let base = self.base_dn.clone();
            self.directory
                .search(operation, &base, Scope::Subtree, &filter, &["objectClass"])?
        };
        let group = match found.as_slice() {
            [] => None,
            [entry] => {
                let unique = entry
                    .attrs
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case("objectClass"))
                    .is_some_and(|(_, classes)| {
                        classes
                            .iter()
                            .any(|c| c.eq_ignore_ascii_case("groupOfUniqueNames"))
                    });
                Some(Group {
                    dn: entry.dn.clone(),
                    attribute: if unique { "uniqueMember" } else { "member" },
                })
            }
            _ => {
                return Err(self
                    .directory
                    .error(
                        operation,
                        FailureKind::Malformed,
                        format!(
                            "{} groups under `{}` have the CN `{name}`: onboard cannot tell which is meant",
                            found.len(),
                            self.base_dn
                        ),
                    )
                    .with_hint("name the group by its full DN: `group:cn=NAME,ou=…`"));
            }
        };
        self.groups.insert(name.to_string(), group.clone());
        Ok(group)
    }

    fn change(
        &mut self,
        principal: &Principal,
        entitlement: &Entitlement,
        add: bool,
    ) -> Result<Outcome, AdapterError> {
        let operation = if add {
            format!("grant `{entitlement}` to `{}`", principal.account)
        } else {
            format!("revoke `{entitlement}` from `{}`", principal.account)
        };
        if entitlement.kind != EntitlementKind::Group {
            return Err(only_groups(&self.directory, entitlement, &operation));
        }
        let Some(group) = self.group(&entitlement.name, &operation)? else {
            if add {
                return Err(self
                    .directory
                    .error(
                        &operation,
                        FailureKind::NotFound,
                        format!("the group `{}` does not exist under `{}`", entitlement.name, self.base_dn),
                    )
                    .with_hint("create the group in the directory first: onboard manages memberships, not groups"));
            }
            return Ok(Outcome::NoChange);
        };
        self.directory.change_member(
            &operation,
            &group.dn,
            group.attribute,
            &principal.id,
            &principal.id,
            add,
            false,
            Vec::new(),
        )
    }
}

/// Strips the optional `#'…'B` unique identifier of a `uniqueMember` value.
fn member_dn(value: &str) -> &str {
    match value.rfind("#'") {
        Some(at) if value.ends_with("'B") => &value[..at],
        _ => value,
    }
}

impl Adapter for LdapTenant {
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            native_expiry: false,
        }
    }

    fn verify_tenant(&mut self) -> Result<(), AdapterError> {
        let operation = "verify tenant";
        let base = self.base_dn.clone();
        if self
            .directory
            .read(operation, &base, "(objectClass=*)", &["1.1"], Vec::new())?
            .is_none()
        {
            return Err(self
                .directory
                .error(
                    operation,
                    FailureKind::WrongTenant,
                    format!("the base DN `{base}` does not exist in the directory at `{}`", self.directory.host()),
                )
                .with_hint("check the tenant's `endpoint` and `base_dn`: the credential may belong to another client"));
        }
        let Some(expected) = self.expected_tenant.clone() else {
            return Ok(());
        };
        let dse = self.directory.root_dse(operation, &["namingContexts"])?;
        let contexts: Vec<String> = dse
            .attrs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("namingContexts"))
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        let names_base = normalize_dn(&expected) == normalize_dn(&base);
        let is_context = contexts
            .iter()
            .any(|c| normalize_dn(c) == normalize_dn(&expected) && is_within(&base, c));
        if names_base || is_context {
            Ok(())
        } else {
            Err(self
                .directory
                .error(
                    operation,
                    FailureKind::WrongTenant,
                    format!(
                        "`tenant_id: {expected}` is neither the base DN nor a naming context holding it (the directory serves {})",
                        if contexts.is_empty() { "no naming contexts it will name".to_string() } else { contexts.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ") }
                    ),
                )
                .with_hint("check the tenant's `endpoint`, `base_dn` and `tenant_id`: the credential may belong to another client"))
        }
    }

    fn resolve(&mut self, account: &str) -> Result<Option<Principal>, AdapterError> {
        let base = self.base_dn.clone();
        find_account(
            &mut self.directory,
            &mut self.cache,
            &base,
            &self.filter,
            account,
        )
    }

    fn list(&mut self, entitlement: &Entitlement) -> Result<Vec<Holder>, AdapterError> {
        let operation = format!("list `{entitlement}`");
        if entitlement.kind != EntitlementKind::Group {
            return Err(only_groups(&self.directory, entitlement, &operation));
        }
        let Some(group) = self.group(&entitlement.name, &operation)? else {
            return Ok(Vec::new());
        };
        let entry = self
            .directory
            .read(
                &operation,
                &group.dn,
                "(objectClass=*)",
                &[group.attribute],
                Vec::new(),
            )?
            .ok_or_else(|| {
                self.directory.error(
                    &operation,
                    FailureKind::NotFound,
                    format!("the group `{}` disappeared while it was read", group.dn),
                )
            })?;
        let members: Vec<String> = entry
            .attrs
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(group.attribute))
            .flat_map(|(_, values)| values.iter().map(|v| member_dn(v).to_string()))
            .collect();
        let base = self.base_dn.clone();
        let accounts = self.cache.accounts(
            &mut self.directory,
            &operation,
            &base,
            &self.filter,
            &members,
        )?;
        Ok(accounts
            .into_iter()
            .flatten()
            .map(|account| Holder::active(account, None))
            .collect())
    }

    fn grant(
        &mut self,
        principal: &Principal,
        entitlement: &Entitlement,
        _expires_at: Option<OffsetDateTime>,
    ) -> Result<Outcome, AdapterError> {
        self.change(principal, entitlement, true)
    }

    fn revoke(
        &mut self,
        principal: &Principal,
        entitlement: &Entitlement,
    ) -> Result<Outcome, AdapterError> {
        self.change(principal, entitlement, false)
    }
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

    #[test]
    fn account_filters_are_escaped() {
        let filter = UserFilter::new("(&(objectClass=person)(uid={account}))").unwrap();
        assert_eq!(
            filter.for_account("bob*)(uid=*"),
            r"(&(objectClass=person)(uid=bob\2a\29\28uid=\2a))"
        );
        assert_eq!(filter.any_account(), "(&(objectClass=person)(uid=*))");
        assert_eq!(filter.attributes(), ["uid"]);
    }

    #[test]
    fn unique_members_lose_their_uid_suffix() {
        assert_eq!(member_dn("uid=bob,dc=x#'0101'B"), "uid=bob,dc=x");
        assert_eq!(member_dn("uid=bob,dc=x"), "uid=bob,dc=x");
    }

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
