//! A client for a HashiCorp Vault or OpenBao server's KV version 2 engine, over its
//! HTTP API, through the HTTP layer every tenant adapter uses
//! ([`crate::adapters::http`]: timeouts, retries, `--verbose` logging with the token
//! redacted, plain `http://` to loopback only).
//!
//! It reads secrets and their fields, writes with check-and-set and reads the write
//! back, lists a secret's versions, adds custom metadata, and deletes or destroys versions. It logs in with a
//! token kept behind a credential reference, or with AppRole (a role id and a secret id
//! behind a reference). A vault whose certificate chains to a private CA names the CA's
//! PEM file (`[vault] ca_file`), and then only that CA is trusted.
//!
//! Errors name the vault's address, the operation and the path, with the vault's own
//! message; never a secret value: bodies holding secrets are parsed without quoting
//! them, and every message goes through [`crate::secrets::scrub::scrub()`].

mod error;

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Value, json};

use crate::adapters::Options;
use crate::adapters::http::{Auth, Call, ClientSettings, HttpClient, Method, Response};
use crate::model::{CredentialRef, KvPath, VaultAuth, VaultRef, VaultSettings};
use crate::secrets::secret::Secret;

pub use error::{VaultError, VaultFailure};

/// The header a Vault token travels in.
const TOKEN_HEADER: &str = "x-vault-token";

/// One version of a secret: its number and its data, each value a [`Secret`].
#[derive(Debug, Clone)]
pub struct KvSecret {
    /// The version read.
    pub version: u64,
    /// The fields.
    pub data: BTreeMap<String, Secret>,
}

/// What the vault keeps about a secret's versions (its metadata).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KvMetadata {
    /// The newest version.
    pub current_version: u64,
    /// The versions the vault still knows, by number.
    pub versions: BTreeMap<u64, KvVersion>,
    /// The secret's custom metadata (never a secret: onboard marks revoked ones here).
    pub custom_metadata: BTreeMap<String, String>,
}

/// One version of a secret, as the metadata describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KvVersion {
    /// When it was written (RFC 3339, as the vault says).
    pub created_time: String,
    /// When it was deleted (soft: it can be undeleted), if it was.
    pub deletion_time: Option<String>,
    /// Whether its data is destroyed for good.
    pub destroyed: bool,
}

/// A logged-in client for one vault.
#[derive(Debug)]
pub struct Vault {
    http: HttpClient,
    address: String,
}

impl Vault {
    /// Logs in to the vault `settings` describe, with the login secrets `login` reads
    /// from the references `[vault]` names (a reference and its field's name; the
    /// caller's error names the field and says what would fix it); `root` is the
    /// workspace root (`ca_file`). [`crate::secrets::connect_vault`] reads them as
    /// credential references.
    pub fn connect(
        settings: &VaultSettings,
        root: &Path,
        options: &Options,
        login: &dyn Fn(&CredentialRef, &str) -> Result<Secret, VaultError>,
    ) -> Result<Vault, VaultError> {
        let address = settings.address.clone();
        let login_secret = login;
        let client_settings = ClientSettings {
            ca_file: settings.ca_file.as_ref().map(|c| root.join(c)),
            ..options.client_settings(None, error::messages)
        };
        let endpoint = format!("{}/v1/", settings.address.trim_end_matches('/'));
        let http = HttpClient::new(&format!("vault {address}"), &endpoint, client_settings)
            .map_err(|e| {
                VaultError::new(&address, "connect to", "", VaultFailure::Config, e.detail)
                    .with_hint("fix `[vault] address` (https, or http to loopback) and `ca_file` in onboard.toml")
            })?;
        let mut vault = Vault { http, address };
        let token = match &settings.auth {
            VaultAuth::Token(reference) => login_secret(reference, "token")?,
            VaultAuth::AppRole {
                mount,
                role_id,
                secret_id,
            } => {
                let secret_id = login_secret(secret_id, "approle.secret_id")?;
                vault.approle_login(mount, role_id, &secret_id)?
            }
        };
        vault.http.set_auth(Some(Auth::Header {
            name: reqwest::header::HeaderName::from_static(TOKEN_HEADER),
            scheme: "",
            value: token,
        }));
        Ok(vault)
    }

    /// Returns the vault's address, as configured.
    pub fn address(&self) -> &str {
        &self.address
    }

    fn approle_login(
        &self,
        mount: &str,
        role_id: &str,
        secret_id: &Secret,
    ) -> Result<Secret, VaultError> {
        let path = format!("auth/{mount}/login");
        let call = Call::new(Method::POST, self.url(&path)).json(
            &json!({"role_id": role_id, "secret_id": secret_id.expose()}),
            "application/json",
        );
        let body = self.success("log in", &path, call)?;
        match body.pointer("/auth/client_token").and_then(Value::as_str) {
            Some(token) if !token.is_empty() => Ok(Secret::new(token)),
            _ => Err(self.error(
                "log in",
                &path,
                VaultFailure::Malformed,
                "the answer holds no `auth.client_token`",
            )),
        }
    }

    /// Reads a secret's current version, or `version`.
    pub fn read(&self, path: &KvPath, version: Option<u64>) -> Result<KvSecret, VaultError> {
        let api = path.to_string();
        let mut url = self.url(&api);
        if let Some(version) = version {
            url.query_pairs_mut()
                .append_pair("version", &version.to_string());
        }
        let response = self.send("read", &api, Call::get(url))?;
        if response.status.as_u16() == 404 {
            // A deleted or destroyed version answers 404 with its metadata.
            let body: Value = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
            let metadata = body.pointer("/data/metadata");
            let detail = match metadata {
                Some(m) if m["destroyed"].as_bool() == Some(true) => {
                    format!("version {} is destroyed", m["version"])
                }
                Some(m) if m["deletion_time"].as_str().is_some_and(|t| !t.is_empty()) => {
                    format!("version {} is deleted", m["version"])
                }
                _ => "no secret at this path".to_string(),
            };
            return Err(self
                .error("read", &api, VaultFailure::NotFound, detail)
                .with_hint("check the path (`MOUNT/data/PATH`, as the API writes it) and that the secret was written, e.g. with `bao kv put -mount=MOUNT PATH FIELD=…`"));
        }
        let body = self.body("read", &api, response)?;
        let malformed = |what: &str| {
            self.error(
                "read",
                &api,
                VaultFailure::Malformed,
                format!("the answer is not a KV version 2 secret: {what}"),
            )
            .with_hint(
                "check that the mount is a KV engine of version 2 (`bao secrets list -detailed`)",
            )
        };
        let Some(Value::Object(fields)) = body.pointer("/data/data") else {
            return Err(malformed("it has no `data.data` object"));
        };
        let version = body
            .pointer("/data/metadata/version")
            .and_then(Value::as_u64)
            .ok_or_else(|| malformed("it has no `data.metadata.version`"))?;
        let data = fields
            .iter()
            .map(|(name, value)| {
                let text = match value {
                    Value::String(text) => text.clone(),
                    other => other.to_string(),
                };
                (name.clone(), Secret::new(text))
            })
            .collect();
        Ok(KvSecret { version, data })
    }

    /// Reads the field a `vault:` reference names, from the secret's current version.
    pub fn read_field(&self, reference: &VaultRef) -> Result<Secret, VaultError> {
        let secret = self.read(&reference.path, None)?;
        match secret.data.get(&reference.field) {
            Some(value) if !value.expose().trim().is_empty() => {
                Ok(Secret::new(value.expose().trim()))
            }
            Some(_) => Err(self
                .error(
                    "read",
                    &reference.path.to_string(),
                    VaultFailure::NotFound,
                    format!(
                        "the field `{}` of version {} is empty",
                        reference.field, secret.version
                    ),
                )
                .with_hint("write the secret into that field")),
            None => {
                let names: Vec<String> = secret.data.keys().map(|k| format!("`{k}`")).collect();
                Err(self
                    .error(
                        "read",
                        &reference.path.to_string(),
                        VaultFailure::NotFound,
                        format!(
                            "version {} has no field `{}`",
                            secret.version, reference.field
                        ),
                    )
                    .with_hint(if names.is_empty() {
                        "the secret has no fields: write one".to_string()
                    } else {
                        format!(
                            "its fields are {}: fix the name after `#`",
                            names.join(", ")
                        )
                    }))
            }
        }
    }

    /// Writes a new version of a secret and returns its number. With `cas`, the write
    /// succeeds only if the current version is `cas` (0: only if the secret does not
    /// exist yet); otherwise it fails with [`VaultFailure::Conflict`].
    pub fn write(
        &self,
        path: &KvPath,
        data: &BTreeMap<String, Secret>,
        cas: Option<u64>,
    ) -> Result<u64, VaultError> {
        let api = path.to_string();
        let fields: serde_json::Map<String, Value> = data
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.expose().to_string())))
            .collect();
        let mut body = json!({ "data": fields });
        if let Some(cas) = cas {
            body["options"] = json!({ "cas": cas });
        }
        let call = Call::new(Method::POST, self.url(&api)).json(&body, "application/json");
        let answer = self.success("write", &api, call)?;
        answer
            .pointer("/data/version")
            .and_then(Value::as_u64)
            .ok_or_else(|| {
                self.error(
                    "write",
                    &api,
                    VaultFailure::Malformed,
                    "the answer holds no `data.version`",
                )
            })
    }

    /// Writes a new version (as [`Vault::write`]), then reads that version back and
    /// checks that it holds exactly what was written. Returns the version.
    pub fn write_confirmed(
        &self,
        path: &KvPath,
        data: &BTreeMap<String, Secret>,
        cas: Option<u64>,
    ) -> Result<u64, VaultError> {
        let version = self.write(path, data, cas)?;
        let read = self.read(path, Some(version))?;
        if read.version != version || read.data != *data {
            return Err(self
                .error(
                    "confirm",
                    &path.to_string(),
                    VaultFailure::Conflict,
                    format!("version {version} read back does not hold what was written"),
                )
                .with_hint("another writer changed the secret at once: run again"));
        }
        Ok(version)
    }

    /// Returns a secret's metadata: its current version and every version kept.
    pub fn metadata(&self, path: &KvPath) -> Result<KvMetadata, VaultError> {
        let api = format!("{}/metadata/{}", path.mount, path.path);
        let body = self.success("read the metadata of", &api, Call::get(self.url(&api)))?;
        let malformed = |what: &str| {
            self.error(
                "read the metadata of",
                &api,
                VaultFailure::Malformed,
                format!("the answer is not KV version 2 metadata: {what}"),
            )
        };
        let current_version = body
            .pointer("/data/current_version")
            .and_then(Value::as_u64)
            .ok_or_else(|| malformed("no `data.current_version`"))?;
        let Some(Value::Object(versions)) = body.pointer("/data/versions") else {
            return Err(malformed("no `data.versions` object"));
        };
        let mut out = BTreeMap::new();
        for (number, version) in versions {
            let number: u64 = number
                .parse()
                .map_err(|_| malformed("a version that is not a number"))?;
            let text = |name: &str| {
                version[name]
                    .as_str()
                    .filter(|t| !t.is_empty())
                    .map(str::to_string)
            };
            out.insert(
                number,
                KvVersion {
                    created_time: text("created_time").unwrap_or_default(),
                    deletion_time: text("deletion_time"),
                    destroyed: version["destroyed"].as_bool().unwrap_or(false),
                },
            );
        }
        let custom_metadata = body
            .pointer("/data/custom_metadata")
            .and_then(Value::as_object)
            .map(|fields| {
                fields
                    .iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        Ok(KvMetadata {
            current_version,
            versions: out,
            custom_metadata,
        })
    }

    /// Adds `fields` to a secret's custom metadata, keeping the fields it has (KV version
    /// 2 replaces the whole map on a write, so it is read first). The metadata is no
    /// secret: it holds no value.
    pub fn add_custom_metadata(
        &self,
        path: &KvPath,
        fields: &BTreeMap<String, String>,
    ) -> Result<(), VaultError> {
        let mut custom = match self.metadata(path) {
            Ok(metadata) => metadata.custom_metadata,
            Err(e) if e.kind == VaultFailure::NotFound => BTreeMap::new(),
            Err(e) => return Err(e),
        };
        custom.extend(fields.iter().map(|(k, v)| (k.clone(), v.clone())));
        let api = format!("{}/metadata/{}", path.mount, path.path);
        let call = Call::new(Method::POST, self.url(&api))
            .json(&json!({ "custom_metadata": custom }), "application/json");
        self.success("write the metadata of", &api, call).map(drop)
    }

    /// Returns the names under a folder of the engine (`clients/acme`): secrets, and
    /// folders ending in `/`. An empty or missing folder gives an empty list.
    pub fn list(&self, mount: &str, folder: &str) -> Result<Vec<String>, VaultError> {
        let api = format!("{mount}/metadata/{}", folder.trim_matches('/'));
        let mut url = self.url(&api);
        // The trailing `/` names the folder.
        url.set_path(&format!("{}/", url.path().trim_end_matches('/')));
        url.query_pairs_mut().append_pair("list", "true");
        let response = self.send("list", &api, Call::get(url))?;
        if response.status.as_u16() == 404 {
            return Ok(Vec::new());
        }
        let body = self.body("list", &api, response)?;
        Ok(body
            .pointer("/data/keys")
            .and_then(Value::as_array)
            .map(|keys| {
                keys.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Marks versions of a secret deleted: their data is kept and can be undeleted.
    pub fn delete_versions(&self, path: &KvPath, versions: &[u64]) -> Result<(), VaultError> {
        self.versions_call("delete versions of", "delete", path, versions)
    }

    /// Destroys versions of a secret: their data is gone for good.
    pub fn destroy_versions(&self, path: &KvPath, versions: &[u64]) -> Result<(), VaultError> {
        self.versions_call("destroy versions of", "destroy", path, versions)
    }

    fn versions_call(
        &self,
        operation: &'static str,
        verb: &str,
        path: &KvPath,
        versions: &[u64],
    ) -> Result<(), VaultError> {
        let api = format!("{}/{verb}/{}", path.mount, path.path);
        let call = Call::new(Method::POST, self.url(&api))
            .json(&json!({ "versions": versions }), "application/json");
        self.success(operation, &api, call).map(drop)
    }

    /// Returns the URL of an API path (`secret/data/x`), each segment percent-encoded.
    fn url(&self, api_path: &str) -> reqwest::Url {
        let segments: Vec<&str> = api_path.split('/').filter(|s| !s.is_empty()).collect();
        self.http.url(&segments)
    }

    fn error(
        &self,
        operation: &'static str,
        path: &str,
        kind: VaultFailure,
        detail: impl Into<String>,
    ) -> VaultError {
        VaultError::new(&self.address, operation, path, kind, detail)
    }

    /// Sends a call; Err only when no answer came.
    fn send(
        &self,
        operation: &'static str,
        path: &str,
        call: Call,
    ) -> Result<Response, VaultError> {
        self.http.send(operation, &call).map_err(|e| {
            self.error(operation, path, VaultFailure::Unreachable, e.detail)
                .with_hint(format!(
                    "check that the vault at {} is running and reachable from here (`[vault] address` in onboard.toml), then run again",
                    self.address
                ))
        })
    }

    /// Sends a call and returns its JSON body (`null` when empty) if it succeeded.
    fn success(
        &self,
        operation: &'static str,
        path: &str,
        call: Call,
    ) -> Result<Value, VaultError> {
        let response = self.send(operation, path, call)?;
        self.body(operation, path, response)
    }

    /// Returns a success's JSON body (`null` when empty), or the error the status means.
    fn body(
        &self,
        operation: &'static str,
        path: &str,
        response: Response,
    ) -> Result<Value, VaultError> {
        if !response.is_success() {
            return Err(error::from_status(
                &self.address,
                operation,
                path,
                &response,
            ));
        }
        if response.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Null);
        }
        // A syntax error's message names a line and column, never the text there.
        serde_json::from_slice(&response.body).map_err(|e| {
            self.error(
                operation,
                path,
                VaultFailure::Malformed,
                format!(
                    "the vault answered HTTP {} with a body that is not JSON (line {}, column {})",
                    response.status,
                    e.line(),
                    e.column()
                ),
            )
        })
    }
}
