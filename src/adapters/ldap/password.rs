//! Account passwords: setting a new password on an account the directory holds, the way
//! each kind of directory takes one.
//!
//! - **LDAP directories** (OpenLDAP, 389 Directory Server…) take it through the Password
//!   Modify extended operation (RFC 3062), naming the account by DN and sending only the
//!   new password: the directory hashes it by its own policy (`password-hash`), which
//!   a plain modify of `userPassword` would bypass. The bind account needs write access
//!   to the account's `userPassword`.
//! - **Active Directory** (and Samba) takes it as a replace of `unicodePwd` whose one
//!   value is the password in double quotes, encoded UTF-16LE: an administrator's reset,
//!   which needs the Reset Password right on the account and an encrypted connection.
//!   Onboard never sends it over plain LDAP, even to loopback: AD would refuse it anyway.
//!
//! The password is exposed only to the request that carries it; what is logged names the
//! account and the result, never the value, and the buffers onboard encodes it into are
//! overwritten when dropped. Errors name the tenant, the account and the directory's
//! message, scrubbed of the password should the directory echo it.

use std::collections::HashSet;
use std::hash::{Hash, Hasher};

use ldap3::Mod;
use ldap3::exop::PasswordModify;

use super::Directory;
use super::result_code::describe;
use crate::adapters::{
    AdapterError, CredentialKind, CredentialRequest, FailureKind, IssuedCredential, Principal,
};
use crate::secrets::Secret;

/// How a directory takes a new password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordWrite {
    /// The Password Modify extended operation (RFC 3062): LDAP directories.
    PasswordModify,
    /// A replace of `unicodePwd` (quoted, UTF-16LE), over LDAPS or StartTLS only:
    /// Active Directory.
    UnicodePwd,
}

/// Bytes that hold a secret (a password encoded for the wire), overwritten when dropped.
///
/// Usable as the value type of an `ldap3` modify, which wants `AsRef<[u8]> + Eq + Hash`.
#[derive(PartialEq, Eq)]
pub struct SecretBytes(Vec<u8>);

impl SecretBytes {
    /// Returns the bytes, for the request that sends them.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl AsRef<[u8]> for SecretBytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl Hash for SecretBytes {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl std::fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

impl Drop for SecretBytes {
    fn drop(&mut self) {
        for byte in self.0.iter_mut() {
            // A volatile write, so that the compiler cannot drop the overwrite of memory
            // it is about to free.
            // SAFETY: `byte` is a valid, aligned, exclusive reference into the vector.
            unsafe { std::ptr::write_volatile(byte, 0) };
        }
        std::sync::atomic::compiler_fence(std::sync::atomic::Ordering::SeqCst);
    }
}

/// Returns the `unicodePwd` value of a password: the password in double quotes, encoded
/// UTF-16LE, as Active Directory requires.
pub fn unicode_pwd(password: &Secret) -> SecretBytes {
    let quoted = ['"']
        .into_iter()
        .chain(password.expose().chars())
        .chain(['"']);
    let mut bytes = Vec::with_capacity(2 * (password.expose().len() + 2));
    let mut units = [0u16; 2];
    for c in quoted {
        for unit in c.encode_utf16(&mut units).iter() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
    }
    units.fill(0);
    SecretBytes(bytes)
}

impl Directory {
    /// Sets the password of the account `dn` as the directory takes it (`write`).
    /// `operation` names the request in errors (``issue `password` for `svc-backup` ``).
    /// Never logs or returns the password.
    pub fn set_password(
        &mut self,
        operation: &str,
        dn: &str,
        write: PasswordWrite,
        password: &Secret,
    ) -> Result<(), AdapterError> {
        if write == PasswordWrite::UnicodePwd && !self.is_encrypted() {
            return Err(self
                .error(
                    operation,
                    FailureKind::Rejected,
                    format!(
                        "refusing to send a new password for `{dn}` over plain LDAP: Active Directory takes passwords only over an encrypted connection"
                    ),
                )
                .with_hint(
                    "use `endpoint: ldaps://HOST` or `starttls: true` (with `ca_file:` when the domain controller's certificate comes from a private CA)",
                ));
        }
        let result = match write {
            PasswordWrite::PasswordModify => self.with_conn(operation, |conn| {
                let request = PasswordModify {
                    user_id: Some(dn),
                    old_pass: None,
                    // The one place the new password is exposed.
                    new_pass: Some(password.expose()),
                };
                // The answer carries a generated password only when none was sent: it
                // is not parsed (ldap3's parser panics on a malformed one).
                conn.extended(request).map(|answer| answer.1)
            })?,
            PasswordWrite::UnicodePwd => {
                let value = unicode_pwd(password);
                let attribute = SecretBytes(b"unicodePwd".to_vec());
                self.with_conn(operation, |conn| {
                    conn.modify(dn, vec![Mod::Replace(attribute, HashSet::from([value]))])
                })?
            }
        };
        self.log(|| {
            format!(
                "ldap: set the password of `{dn}` ({}): {}",
                match write {
                    PasswordWrite::PasswordModify => "Password Modify",
                    PasswordWrite::UnicodePwd => "replace `unicodePwd`",
                },
                describe(&result)
            )
        });
        if result.rc == 0 {
            return Ok(());
        }
        let error = self.result_error(operation, &result);
        Err(match password_hint(write, result.rc, self.bind_dn(), dn) {
            Some(hint) => error.with_hint(hint),
            None => error,
        })
    }
}

/// Refuses a credential request of a kind directories do not issue (only `password`).
pub fn passwords_only(
    directory: &Directory,
    request: &CredentialRequest<'_>,
    verb: &str,
) -> Result<(), AdapterError> {
    if request.kind == CredentialKind::Password {
        return Ok(());
    }
    Err(directory
        .error(
            &request.operation(verb),
            FailureKind::Unsupported,
            format!(
                "directory tenants hold only `password` credentials, not `{}`",
                request.kind.as_str()
            ),
        )
        .with_hint(
            "declare `kind: password` for `ldap` and `ad` systems, `client_secret` for `entra`",
        ))
}

/// Sets the password onboard made (`password`) on the account `principal` (as the
/// tenant resolved `request.account`) and returns it with its fingerprint as key id:
/// [`crate::adapters::Adapter::issue_credential`] of the directory adapters, once
/// [`passwords_only`] has passed the request.
pub fn issue_password(
    directory: &mut Directory,
    request: &CredentialRequest<'_>,
    principal: Option<Principal>,
    password: Option<&Secret>,
    write: PasswordWrite,
) -> Result<IssuedCredential, AdapterError> {
    let operation = request.operation("issue");
    let Some(password) = password else {
        return Err(directory.error(
            &operation,
            FailureKind::Malformed,
            "no password was given to set: onboard makes directory passwords itself",
        ));
    };
    let Some(principal) = principal else {
        return Err(directory
            .error(
                &operation,
                FailureKind::NotFound,
                format!("the directory has no account `{}`", request.account),
            )
            .with_hint("check the identity's account for this tenant (`accounts:`) and the tenant's `user_filter`"));
    };
    // Taken before the password is set, so that a failure here changes nothing.
    let key_id = crate::secrets::fingerprint(password)
        .map_err(|e| directory.error(&operation, FailureKind::Rejected, e.to_string()))?;
    directory.set_password(&operation, &principal.id, write, password)?;
    Ok(IssuedCredential {
        key_id,
        secret: password.clone(),
        expires_at: None,
    })
}

/// Writes the credential verbs of a directory adapter (`ldap`, `ad`) inside its `impl
/// Adapter` block: passwords only, set the way `$write` ([`PasswordWrite`]) says on the
/// account [`crate::adapters::Adapter::resolve`] finds; a password has no separate
/// credential to remove (`NoChange`: the next one replaces it) or list (`None`). The
/// adapter has a `directory: Directory` field.
macro_rules! directory_credentials {
    ($write:expr) => {
        fn issue_credential(
            &mut self,
            request: &$crate::adapters::CredentialRequest,
            password: Option<&$crate::secrets::Secret>,
        ) -> Result<$crate::adapters::IssuedCredential, $crate::adapters::AdapterError> {
            $crate::adapters::ldap::passwords_only(&self.directory, request, "issue")?;
            let principal = self.resolve(request.account)?;
            $crate::adapters::ldap::issue_password(
                &mut self.directory,
                request,
                principal,
                password,
                $write,
            )
        }

        fn remove_credential(
            &mut self,
            request: &$crate::adapters::CredentialRequest,
            key_id: &str,
        ) -> Result<$crate::adapters::Outcome, $crate::adapters::AdapterError> {
            let _ = key_id;
            $crate::adapters::ldap::passwords_only(&self.directory, request, "remove")?;
            Ok($crate::adapters::Outcome::NoChange)
        }

        fn list_credentials(
            &mut self,
            request: &$crate::adapters::CredentialRequest,
        ) -> Result<Option<Vec<String>>, $crate::adapters::AdapterError> {
            $crate::adapters::ldap::passwords_only(&self.directory, request, "list")?;
            Ok(None)
        }
    };
}
pub(crate) use directory_credentials;

/// Returns what would fix a directory's refusal (result `rc`) to set the password of
/// `dn`, where that differs from the hints of any other request.
fn password_hint(write: PasswordWrite, rc: u32, bind_dn: &str, dn: &str) -> Option<String> {
    use PasswordWrite::{PasswordModify, UnicodePwd};
    match (write, rc) {
        (PasswordModify, 50) => Some(format!(
            "the bind account `{bind_dn}` needs write access to `userPassword` of `{dn}` (OpenLDAP: `access to attrs=userPassword by dn.exact=\"{bind_dn}\" =w …`, before any `by * none`)"
        )),
        (UnicodePwd, 50) => Some(format!(
            "the bind account `{bind_dn}` needs the Reset Password right on `{dn}` (delegate it on the account's OU)"
        )),
        (_, 19) => Some(
            "the directory's password policy refused the new password (length, complexity, history or minimum age): relax the policy for this account, or wait out its minimum age".into(),
        ),
        (PasswordModify, 2 | 12 | 53) => Some(
            "the directory does not take the Password Modify extended operation (RFC 3062) here: check that it offers OID 1.3.6.1.4.1.4203.1.11.1 in its root DSE's `supportedExtension`".into(),
        ),
        (UnicodePwd, 53) => Some(
            "Active Directory sets a password only over an encrypted connection, and only on a user account: check the endpoint's TLS and that the account is a user".into(),
        ),
        (_, 32) => Some(format!(
            "the account `{dn}` is gone from the directory: check the identity's account for this tenant"
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unicode_pwd_is_the_quoted_password_in_utf16le() {
        let value = unicode_pwd(&Secret::new("Pässw0rd-€𝄞"));
        let expected: Vec<u8> = "\"Pässw0rd-€𝄞\""
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(value.expose(), expected.as_slice());
        assert_eq!(&value.expose()[..4], &[b'"', 0, b'P', 0]);
        assert_eq!(format!("{value:?}"), "[redacted]");
    }

    #[test]
    fn refusals_get_hints_that_say_what_the_directory_needs() {
        let bind = "cn=onboard,dc=x";
        let dn = "uid=svc,dc=x";
        let hint = |write, rc| password_hint(write, rc, bind, dn).unwrap_or_default();
        assert!(
            hint(PasswordWrite::PasswordModify, 50).contains("write access to `userPassword`"),
            "{}",
            hint(PasswordWrite::PasswordModify, 50)
        );
        assert!(
            hint(PasswordWrite::UnicodePwd, 50).contains("Reset Password right on `uid=svc,dc=x`")
        );
        assert!(hint(PasswordWrite::UnicodePwd, 19).contains("password policy"));
        assert!(hint(PasswordWrite::PasswordModify, 2).contains("1.3.6.1.4.1.4203.1.11.1"));
        assert!(hint(PasswordWrite::UnicodePwd, 53).contains("encrypted connection"));
        assert_eq!(password_hint(PasswordWrite::UnicodePwd, 1, bind, dn), None);
    }
}
