//! The `file` adapter: a tenant kept as a local directory holding `tenant.json`.
//!
//! It is a real implementation of the adapter trait, so the examples and most tests run
//! on it. The directory is seeded on first use. `tenant.json` may also carry:
//! - `accounts`: the accounts that exist; when absent every account name resolves;
//! - `faults`: per verb (`list`, `grant`, `revoke`, `verify`), a message with which that
//!   verb fails, for rehearsing outages.

use std::collections::BTreeMap;
use std::fs;
use std::io::ErrorKind;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{Adapter, AdapterError, FailureKind, Outcome, Principal};
use crate::adapters::Direction;
use crate::adapters::TenantContext;
use crate::atomic_file;
use crate::model::{Entitlement, Holder, SystemKind};

const FILE_NAME: &str = "tenant.json";

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
    pub fn open(context: &TenantContext<'_>) -> Result<Self, AdapterError> {
        let (tenant, root) = (context.tenant, context.root);
        let name = context.name.clone();
        let Some(dir) = &tenant.path else {
            return Err(AdapterError::new(
                &name,
                "open",
                FailureKind::Malformed,
                "a `file` tenant needs `path`",
            ));
        };
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
            expected_id: tenant.tenant_id.clone().unwrap_or_else(|| name.clone()),
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
                granted_at: OffsetDateTime::now_utc()
                    .replace_nanosecond(0)
                    .unwrap_or_else(|_| OffsetDateTime::now_utc()),
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
}
