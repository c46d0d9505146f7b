//! The `file` adapter: a tenant kept as a local directory holding `tenant.json`.
//!
//! It is a real implementation of the adapter trait, so the examples and most tests run
//! on it. The directory is seeded on first use. `tenant.json` may also carry:
//! - `accounts`: the accounts that exist; when absent every account name resolves;
//! - `faults`: per verb (`list`, `grant`, `revoke`, `verify`, and for credentials
//!   `issue-credential`, `remove-credential`, `list-credentials`), a message with which
//!   that verb fails, for rehearsing outages.
//!
//! Credentials issued to service accounts and agents are kept beside it, in
//! `credentials.json`: each client secret's key id, label and end, and each account's
//! password, as a fingerprint only ([`crate::secrets::fingerprint`]). Never a value: the
//! value is delivered to the vault, and the file tells whether a value is the one the
//! tenant holds ([`FileTenant::holds_credential`]).

use std::collections::BTreeMap;
use std::fs;
use std::io::ErrorKind;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{
    Adapter, AdapterError, CredentialKind, CredentialRequest, FailureKind, IssuedCredential,
    Outcome, Principal,
};
use crate::adapters::Direction;
use crate::adapters::TenantContext;
use crate::atomic_file;
use crate::model::{Entitlement, FileSettings, Holder, SystemKind};

const FILE_NAME: &str = "tenant.json";
const CREDENTIALS_FILE: &str = "credentials.json";

/// A client secret issued in a `file` tenant: what a real tenant keeps of it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClientSecretRecord {
    application: String,
    key_id: String,
    account: String,
    label: String,
    /// The value's fingerprint, so that a test (or a person) can tell whether a vault
    /// holds the value this tenant accepts.
    fingerprint: String,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    #[serde(default, with = "time::serde::rfc3339::option")]
    expires_at: Option<OffsetDateTime>,
}

/// An account's password in a `file` tenant, as a fingerprint.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PasswordRecord {
    fingerprint: String,
    #[serde(with = "time::serde::rfc3339")]
    set_at: OffsetDateTime,
}

/// `credentials.json`: the credentials a `file` tenant holds.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CredentialsFile {
    format_version: u32,
    #[serde(default)]
    client_secrets: Vec<ClientSecretRecord>,
    /// By account (lower case).
    #[serde(default)]
    passwords: BTreeMap<String, PasswordRecord>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Membership {
    account: String,
    #[serde(with = "time::serde::rfc3339")]
    granted_at: OffsetDateTime,
    #[serde(default, with = "time::serde::rfc3339::option")]
    expires_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TenantFile {
    format_version: u32,
    tenant_id: String,
    system: SystemKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    accounts: Option<Vec<String>>,
    #[serde(default)]
    entitlements: BTreeMap<String, Vec<Membership>>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    faults: BTreeMap<String, String>,
}

/// A tenant kept in a local directory.
pub struct FileTenant {
    name: String,
    path: PathBuf,
    expected_id: String,
    system: SystemKind,
    data: Option<TenantFile>,
    dirty: bool,
}

impl FileTenant {
    /// Opens (but does not yet read) the tenant directory of a `file` tenant.
    pub fn open(
        context: &TenantContext<'_>,
        settings: &FileSettings,
    ) -> Result<Self, AdapterError> {
        let (tenant, root) = (context.tenant, context.root);
        let name = context.name.clone();
        let dir = &settings.path;
        // Checked when the workspace is read, and again here: a link made since must not
        // lead the writes out of the workspace either.
        let inside = crate::load::canonical_root(root)
            .is_ok_and(|within| crate::load::resolves_inside(&within, &root.join(dir)));
        if crate::model::path_leaves_workspace(dir).is_some() || !inside {
            return Err(AdapterError::new(
                &name,
                "open",
                FailureKind::Malformed,
                format!("the tenant directory `{dir}` leads outside the workspace"),
            )
            .with_hint("use a path inside the workspace, and no link that leads out of it"));
        }
        Ok(FileTenant {
            path: root.join(dir).join(FILE_NAME),
            expected_id: settings.tenant_id.clone().unwrap_or_else(|| name.clone()),
            system: tenant.system,
            name,
            data: None,
            dirty: false,
        })
    }

    fn error(
        &self,
        operation: impl std::fmt::Display,
        kind: FailureKind,
        detail: impl Into<String>,
    ) -> AdapterError {
        AdapterError::new(&self.name, operation, kind, detail)
    }

    /// Reads the tenant file, seeding it when the directory is new.
    fn data(&mut self) -> Result<&mut TenantFile, AdapterError> {
        if self.data.is_none() {
            let data = match fs::read_to_string(&self.path) {
                Ok(text) => serde_json::from_str::<TenantFile>(&text).map_err(|e| {
                    self.error(
                        "read",
                        FailureKind::Malformed,
                        format!("{} is not a valid tenant file: {e}", self.path.display()),
                    )
                    .with_hint("restore the file, or delete the directory to seed an empty tenant")
                })?,
                Err(e) if e.kind() == ErrorKind::NotFound => {
                    let seeded = TenantFile {
                        format_version: 1,
                        tenant_id: self.expected_id.clone(),
                        system: self.system,
                        accounts: None,
                        entitlements: BTreeMap::new(),
                        faults: BTreeMap::new(),
                    };
                    self.save_file(&seeded)?;
                    seeded
                }
                Err(e) => {
                    return Err(self.error(
                        "read",
                        FailureKind::Unreachable,
                        format!("cannot read {}: {e}", self.path.display()),
                    ));
                }
            };
            self.data = Some(data);
        }
        Ok(self.data.as_mut().expect("set just above"))
    }

    fn save_file(&self, data: &TenantFile) -> Result<(), AdapterError> {
        let mut text = serde_json::to_string_pretty(data)
            .map_err(|e| self.error("write", FailureKind::Malformed, e.to_string()))?;
        text.push('\n');
        atomic_file::write(&self.path, text.as_bytes()).map_err(|e| {
            self.error(
                "write",
                FailureKind::Unreachable,
                format!("cannot write {}: {e}", self.path.display()),
            )
        })
    }

    fn save(&mut self) -> Result<(), AdapterError> {
        // Written on flush: one write per batch of changes, not one per change.
        self.dirty = true;
        Ok(())
    }

    fn credentials_path(&self) -> PathBuf {
        self.path.with_file_name(CREDENTIALS_FILE)
    }

    /// Reads `credentials.json` (empty when there is none yet).
    fn credentials(&self) -> Result<CredentialsFile, AdapterError> {
        let path = self.credentials_path();
        match fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| {
                self.error(
                    "read credentials",
                    FailureKind::Malformed,
                    format!("{} is not a valid credentials file: {e}", path.display()),
                )
                .with_hint("restore the file from a backup")
            }),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(CredentialsFile {
                format_version: 1,
                ..CredentialsFile::default()
            }),
            Err(e) => Err(self.error(
                "read credentials",
                FailureKind::Unreachable,
                format!("cannot read {}: {e}", path.display()),
            )),
        }
    }

    /// Writes `credentials.json` at once: a credential issued must exist in the tenant
    /// when the call returns, not at the batch's flush.
    fn save_credentials(&self, data: &CredentialsFile) -> Result<(), AdapterError> {
        let path = self.credentials_path();
        let mut text = serde_json::to_string_pretty(data)
            .map_err(|e| self.error("write credentials", FailureKind::Malformed, e.to_string()))?;
        text.push('\n');
        atomic_file::write(&path, text.as_bytes()).map_err(|e| {
            self.error(
                "write credentials",
                FailureKind::Unreachable,
                format!("cannot write {}: {e}", path.display()),
            )
        })
    }

    /// Returns whether the tenant holds `secret` as the credential `key_id` of the
    /// request's account (a client secret of its application, or its password), as a
    /// real tenant would answer a sign-in with it.
    pub fn holds_credential(
        &self,
        request: &CredentialRequest,
        secret: &crate::secrets::Secret,
    ) -> Result<bool, AdapterError> {
        let data = self.credentials()?;
        let fingerprint = match request.kind {
            CredentialKind::Password => data
                .passwords
                .get(&request.account.to_lowercase())
                .map(|p| p.fingerprint.clone()),
            CredentialKind::ClientSecret => data
                .client_secrets
                .iter()
                .filter(|c| Some(c.application.as_str()) == request.application)
                .find(|c| crate::secrets::fingerprint_matches(&c.fingerprint, secret))
                .map(|c| c.fingerprint.clone()),
        };
        Ok(fingerprint.is_some_and(|f| crate::secrets::fingerprint_matches(&f, secret)))
    }

    /// Refuses a credential for an account the tenant does not have.
    fn known_account(
        &mut self,
        request: &CredentialRequest,
        verb: &str,
    ) -> Result<(), AdapterError> {
        match self.resolve(request.account)? {
            Some(_) => Ok(()),
            None => Err(self
                .error(
                    request.operation(verb),
                    FailureKind::NotFound,
                    format!("the tenant has no account `{}`", request.account),
                )
                .with_hint("check the identity's `accounts:` entry for this tenant")),
        }
    }

    fn fault(&mut self, verb: &str, operation: &str) -> Result<(), AdapterError> {
        let message = self.data()?.faults.get(verb).cloned();
        match message {
            Some(message) => Err(self.error(operation, FailureKind::Unreachable, message)),
            None => Ok(()),
        }
    }
}

impl Drop for FileTenant {
    fn drop(&mut self) {
        // The executor flushes explicitly; this only keeps other callers from losing
        // changes they forgot to flush.
        let _ = self.flush();
    }
}

impl Adapter for FileTenant {
    fn flush(&mut self) -> Result<(), AdapterError> {
        if !self.dirty {
            return Ok(());
        }
        let data = self.data.as_ref().expect("read before any change");
        self.save_file(data)?;
        self.dirty = false;
        Ok(())
    }

    /// Every change of a window between two flushes: a flush rewrites and syncs the
    /// whole file, so flushing every 32 changes cost a tenant of 100 changes four
    /// writes of its file and eight fsyncs, and a large tenant a quadratic number of
    /// bytes written.
    fn changes_per_flush(&self) -> Option<usize> {
        Some(usize::MAX)
    }

    fn verify_tenant(&mut self) -> Result<(), AdapterError> {
        self.fault("verify", "verify tenant")?;
        let expected = self.expected_id.clone();
        let system = self.system;
        let data = self.data()?;
        let (found, found_system) = (data.tenant_id.clone(), data.system);
        if found != expected {
            return Err(self
                .error("verify tenant", FailureKind::WrongTenant, format!("the directory holds tenant `{found}`, but the client file names `{expected}`"))
                .with_hint("check the tenant's `path` and `tenant_id` in the client file"));
        }
        if found_system != system {
            return Err(self.error(
                "verify tenant",
                FailureKind::WrongTenant,
                format!("the directory holds a `{found_system}` tenant, but the client file says `{system}`"),
            ));
        }
        Ok(())
    }

    fn resolve(&mut self, account: &str) -> Result<Option<Principal>, AdapterError> {
        let data = self.data()?;
        let known = match &data.accounts {
            None => Some(account.to_string()),
            Some(list) => list
                .iter()
                .find(|a| a.eq_ignore_ascii_case(account))
                .cloned(),
        };
        Ok(known.map(|account| Principal {
            id: account.to_lowercase(),
            account,
        }))
    }

    fn list(&mut self, entitlement: &Entitlement) -> Result<Vec<Holder>, AdapterError> {
        self.fault("list", &format!("list `{entitlement}`"))?;
        let data = self.data()?;
        Ok(data
            .entitlements
            .get(&entitlement.to_string())
            .map(|members| {
                members
                    .iter()
                    .map(|m| Holder::active(m.account.clone(), m.expires_at))
                    .collect()
            })
            .unwrap_or_default())
    }

    fn grant(
        &mut self,
        principal: &Principal,
        entitlement: &Entitlement,
        expires_at: Option<OffsetDateTime>,
    ) -> Result<Outcome, AdapterError> {
        self.fault("grant", &Direction::Grant.operation(entitlement, principal))?;
        let data = self.data()?;
        let members = data
            .entitlements
            .entry(entitlement.to_string())
            .or_default();
        match members
            .iter_mut()
            .find(|m| m.account.eq_ignore_ascii_case(&principal.account))
        {
            Some(existing) if existing.expires_at == expires_at => return Ok(Outcome::NoChange),
            Some(existing) => existing.expires_at = expires_at,
            None => members.push(Membership {
                account: principal.account.clone(),
                granted_at: now_seconds(),
                expires_at,
            }),
        }
        self.save()?;
        Ok(Outcome::Changed)
    }

    fn revoke(
        &mut self,
        principal: &Principal,
        entitlement: &Entitlement,
    ) -> Result<Outcome, AdapterError> {
        self.fault(
            "revoke",
            &Direction::Revoke.operation(entitlement, principal),
        )?;
        let data = self.data()?;
        let Some(members) = data.entitlements.get_mut(&entitlement.to_string()) else {
            return Ok(Outcome::NoChange);
        };
        let before = members.len();
        members.retain(|m| !m.account.eq_ignore_ascii_case(&principal.account));
        if members.len() == before {
            return Ok(Outcome::NoChange);
        }
        if members.is_empty() {
            data.entitlements.remove(&entitlement.to_string());
        }
        self.save()?;
        Ok(Outcome::Changed)
    }

    fn issue_credential(
        &mut self,
        request: &CredentialRequest,
        password: Option<&crate::secrets::Secret>,
    ) -> Result<IssuedCredential, AdapterError> {
        let operation = request.operation("issue");
        self.fault("issue-credential", &operation)?;
        self.known_account(request, "issue")?;
        let random = |e: crate::secrets::RandomError| {
            self.error(&operation, FailureKind::Rejected, e.to_string())
        };
        let now = now_seconds();
        let mut data = self.credentials()?;
        let issued = match (request.kind, password) {
            (CredentialKind::Password, Some(password)) => {
                let fingerprint = crate::secrets::fingerprint(password).map_err(random)?;
                data.passwords.insert(
                    request.account.to_lowercase(),
                    PasswordRecord {
                        fingerprint: fingerprint.clone(),
                        set_at: now,
                    },
                );
                IssuedCredential {
                    key_id: fingerprint,
                    secret: password.clone(),
                    expires_at: None,
                }
            }
            (CredentialKind::ClientSecret, None) => {
                let Some(application) = request.application else {
                    return Err(self.error(
                        &operation,
                        FailureKind::Rejected,
                        "a client secret names its application",
                    ));
                };
                let secret = crate::secrets::generate_password().map_err(random)?;
                let mut id = [0u8; 16];
                getrandom::fill(&mut id)
                    .map_err(|e| self.error(&operation, FailureKind::Rejected, e.to_string()))?;
                let key_id = hex::encode(id);
                data.client_secrets.push(ClientSecretRecord {
                    application: application.to_string(),
                    key_id: key_id.clone(),
                    account: request.account.to_string(),
                    label: request.label.to_string(),
                    fingerprint: crate::secrets::fingerprint(&secret).map_err(random)?,
                    created_at: now,
                    expires_at: request.expires_at,
                });
                IssuedCredential {
                    key_id,
                    secret,
                    expires_at: request.expires_at,
                }
            }
            (CredentialKind::Password, None) => {
                return Err(self.error(
                    &operation,
                    FailureKind::Rejected,
                    "a password is made by onboard and passed in",
                ));
            }
            (CredentialKind::ClientSecret, Some(_)) => {
                return Err(self.error(
                    &operation,
                    FailureKind::Rejected,
                    "a client secret is made by the tenant: none is passed in",
                ));
            }
        };
        self.save_credentials(&data)?;
        Ok(issued)
    }

    fn remove_credential(
        &mut self,
        request: &CredentialRequest,
        key_id: &str,
    ) -> Result<Outcome, AdapterError> {
        self.fault("remove-credential", &request.operation("remove"))?;
        if request.kind == CredentialKind::Password {
            // A password is replaced, never removed.
            return Ok(Outcome::NoChange);
        }
        let mut data = self.credentials()?;
        let before = data.client_secrets.len();
        data.client_secrets.retain(|c| {
            !(c.key_id == key_id && Some(c.application.as_str()) == request.application)
        });
        if data.client_secrets.len() == before {
            return Ok(Outcome::NoChange);
        }
        self.save_credentials(&data)?;
        Ok(Outcome::Changed)
    }

    fn list_credentials(
        &mut self,
        request: &CredentialRequest,
    ) -> Result<Option<Vec<String>>, AdapterError> {
        self.fault("list-credentials", &request.operation("list"))?;
        if request.kind == CredentialKind::Password {
            return Ok(None);
        }
        let data = self.credentials()?;
        Ok(Some(
            data.client_secrets
                .iter()
                .filter(|c| Some(c.application.as_str()) == request.application)
                .map(|c| c.key_id.clone())
                .collect(),
        ))
    }
}

/// Returns the time now, to the second (as the tenant file records times).
fn now_seconds() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(0).unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::Options;
    use crate::secrets::Secret;

    fn tenant(dir: &std::path::Path) -> FileTenant {
        let path = std::sync::Arc::from("clients/globex.yaml");
        let client = crate::model::client_from_yaml(
            &path,
            "id: globex\nname: Globex\ntier: standard\ntenants:\n  - name: entra\n    system: entra\n    adapter: file\n    path: tenants/entra\n",
        )
        .unwrap();
        let options = Options::default();
        let tenant = &client.tenants[0];
        let crate::model::TenantSettings::File(settings) = &tenant.settings else {
            panic!("{:?}", tenant.settings);
        };
        let context = TenantContext::new(&client, tenant, dir, &options);
        FileTenant::open(&context, settings).unwrap()
    }

    fn secret_request(application: &str) -> CredentialRequest<'_> {
        CredentialRequest {
            kind: CredentialKind::ClientSecret,
            account: "svc@globex.example",
            application: Some(application),
            label: "onboard globex/backup-svc",
            expires_at: None,
        }
    }

    #[test]
    fn client_secrets_are_issued_listed_and_removed_and_only_fingerprints_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let mut tenant = tenant(dir.path());
        let request = secret_request("app-1");
        assert_eq!(tenant.list_credentials(&request).unwrap(), Some(vec![]));
        let issued = tenant.issue_credential(&request, None).unwrap();
        assert!(tenant.holds_credential(&request, &issued.secret).unwrap());
        assert!(
            !tenant
                .holds_credential(&request, &Secret::new("guess"))
                .unwrap()
        );
        assert_eq!(
            tenant.list_credentials(&request).unwrap(),
            Some(vec![issued.key_id.clone()])
        );
        // Another application's secrets are its own.
        assert_eq!(
            tenant.list_credentials(&secret_request("app-2")).unwrap(),
            Some(vec![])
        );
        let text = fs::read_to_string(dir.path().join("tenants/entra/credentials.json")).unwrap();
        assert!(!text.contains(issued.secret.expose()), "{text}");
        assert_eq!(
            tenant.remove_credential(&request, &issued.key_id).unwrap(),
            Outcome::Changed
        );
        assert_eq!(
            tenant.remove_credential(&request, &issued.key_id).unwrap(),
            Outcome::NoChange
        );
        assert_eq!(tenant.list_credentials(&request).unwrap(), Some(vec![]));
    }

    #[test]
    fn a_file_tenant_takes_a_whole_window_of_changes_between_flushes() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(tenant(dir.path()).changes_per_flush(), Some(usize::MAX));
    }

    #[test]
    fn a_password_is_set_as_given_and_replaced_never_listed() {
        let dir = tempfile::tempdir().unwrap();
        let mut tenant = tenant(dir.path());
        let request = CredentialRequest {
            kind: CredentialKind::Password,
            account: "svc@globex.example",
            application: None,
            label: "onboard globex/backup-svc",
            expires_at: None,
        };
        let (first, second) = (
            Secret::new("first-Password-1"),
            Secret::new("second-Password-2"),
        );
        let issued = tenant.issue_credential(&request, Some(&first)).unwrap();
        assert!(crate::secrets::fingerprint_matches(&issued.key_id, &first));
        assert!(tenant.holds_credential(&request, &first).unwrap());
        tenant.issue_credential(&request, Some(&second)).unwrap();
        assert!(!tenant.holds_credential(&request, &first).unwrap());
        assert!(tenant.holds_credential(&request, &second).unwrap());
        assert_eq!(tenant.list_credentials(&request).unwrap(), None);
        // onboard makes passwords; a tenant-made one is refused.
        let error = tenant.issue_credential(&request, None).unwrap_err();
        assert_eq!(error.kind, FailureKind::Rejected);
    }

    #[test]
    fn adapters_without_credentials_refuse_each_kind_by_name() {
        struct Bare;
        impl Adapter for Bare {
            fn verify_tenant(&mut self) -> Result<(), AdapterError> {
                Ok(())
            }
            fn resolve(&mut self, _: &str) -> Result<Option<Principal>, AdapterError> {
                Ok(None)
            }
            fn list(&mut self, _: &Entitlement) -> Result<Vec<Holder>, AdapterError> {
                Ok(vec![])
            }
            fn grant(
                &mut self,
                _: &Principal,
                _: &Entitlement,
                _: Option<OffsetDateTime>,
            ) -> Result<Outcome, AdapterError> {
                Ok(Outcome::NoChange)
            }
            fn revoke(&mut self, _: &Principal, _: &Entitlement) -> Result<Outcome, AdapterError> {
                Ok(Outcome::NoChange)
            }
        }
        let request = secret_request("app-1");
        let error = Bare.issue_credential(&request, None).unwrap_err();
        assert_eq!(error.kind, FailureKind::Unsupported);
        assert!(
            error
                .to_string()
                .contains("this adapter cannot issue credentials of kind `client_secret`"),
            "{error}"
        );
        assert!(Bare.list_credentials(&request).is_err());
        assert!(Bare.remove_credential(&request, "k").is_err());
    }
}
