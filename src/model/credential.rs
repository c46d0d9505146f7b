//! Credential references: where a secret is kept (`keyring:NAME`, `env:VAR`,
//! `file:PATH`, `vault:MOUNT/data/PATH#FIELD`, `exec:COMMAND`), never the secret itself.
//! Parsing only: `crate::secrets` resolves a reference to its secret.

use std::fmt;

/// Where a credential is kept: never the secret itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialRef {
    /// An entry in the OS keyring.
    Keyring(String),
    /// An environment variable.
    Env(String),
    /// A file readable by its owner only.
    File(String),
    /// A field of a secret in the workspace's vault (`[vault]` in `onboard.toml`).
    Vault(VaultRef),
    /// A command whose standard output is the secret, run without a shell.
    Exec(ExecRef),
}

/// What every refusal of a reference says: the forms, and what to do if the text was
/// the secret itself. Never repeats the input.
const FORMS: &str =
    "`keyring:NAME`, `env:VAR`, `file:PATH`, `vault:MOUNT/data/PATH#FIELD` or `exec:COMMAND`";

impl CredentialRef {
    /// Parses a reference. The error never repeats the input, which may be a secret
    /// pasted in by mistake.
    pub fn parse(text: &str) -> Result<Self, String> {
        let refuse = || {
            format!(
                "the credential is not a reference ({FORMS}); if this is the secret itself, remove it from the file and rotate it"
            )
        };
        let (scheme, rest) = text.split_once(':').ok_or_else(refuse)?;
        let rest = rest.trim();
        match scheme {
            "keyring" if !rest.is_empty() && !rest.contains(char::is_whitespace) => {
                Ok(CredentialRef::Keyring(rest.to_string()))
            }
            "env"
                if !rest.is_empty()
                    && rest
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
                    && !rest.starts_with(|c: char| c.is_ascii_digit()) =>
            {
                Ok(CredentialRef::Env(rest.to_string()))
            }
            "file" if !rest.is_empty() => Ok(CredentialRef::File(rest.to_string())),
            "vault" => VaultRef::parse(rest).map(CredentialRef::Vault),
            "exec" => ExecRef::parse(rest).map(CredentialRef::Exec),
            _ => Err(refuse()),
        }
    }

    /// Returns the kinds of reference, as written in messages.
    pub fn forms() -> &'static str {
        FORMS
    }
}

impl fmt::Display for CredentialRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredentialRef::Keyring(name) => write!(f, "keyring:{name}"),
            CredentialRef::Env(var) => write!(f, "env:{var}"),
            CredentialRef::File(path) => write!(f, "file:{path}"),
            CredentialRef::Vault(reference) => write!(f, "vault:{reference}"),
            CredentialRef::Exec(command) => write!(f, "exec:{}", command.line),
        }
    }
}

/// A secret's place in a KV version 2 engine: the engine's mount and the secret's path
/// in it, as in the API path `MOUNT/data/PATH`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KvPath {
    /// Where the engine is mounted (`secret`, `kv/team`).
    pub mount: String,
    /// The secret's path inside the engine (`clients/acme/scim`).
    pub path: String,
}

impl KvPath {
    /// Parses the API path `MOUNT/data/PATH` (as `vault:` references write it): the
    /// mount is everything before the first `data` segment.
    pub fn parse(text: &str) -> Result<KvPath, String> {
        let shape = "a KV version 2 path is `MOUNT/data/PATH`, e.g. `secret/data/clients/acme/scim` (the API path: the `bao kv get` path with `data/` after the mount)";
        let segments: Vec<&str> = text.split('/').collect();
        if text.is_empty()
            || text.contains(|c: char| c.is_whitespace() || c.is_control() || "?#%".contains(c))
            || segments
                .iter()
                .any(|s| s.is_empty() || *s == "." || *s == "..")
        {
            return Err(format!(
                "{shape}; segments are not empty, `.` or `..`, and hold no spaces, `?`, `#` or `%`"
            ));
        }
        match segments.iter().position(|s| *s == "data") {
            Some(at) if at > 0 && at + 1 < segments.len() => Ok(KvPath {
                mount: segments[..at].join("/"),
                path: segments[at + 1..].join("/"),
            }),
            _ => Err(format!(
                "{shape}; this one has no `data` segment between a mount and a path"
            )),
        }
    }
}

impl fmt::Display for KvPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/data/{}", self.mount, self.path)
    }
}

/// `vault:MOUNT/data/PATH#FIELD`: one field of a secret in a KV version 2 engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultRef {
    /// The secret.
    pub path: KvPath,
    /// The field of the secret's data that holds the value.
    pub field: String,
}

impl VaultRef {
    /// Parses what follows `vault:`.
    pub fn parse(text: &str) -> Result<VaultRef, String> {
        let Some((path, field)) = text.rsplit_once('#') else {
            return Err("a `vault:` reference names a field after `#`: `vault:MOUNT/data/PATH#FIELD`, e.g. `vault:secret/data/clients/acme/scim#token`".into());
        };
        let field = field.trim();
        if field.is_empty() || field.contains(char::is_control) {
            return Err("the field after `#` in a `vault:` reference is empty".into());
        }
        Ok(VaultRef {
            path: KvPath::parse(path.trim())
                .map_err(|e| format!("in a `vault:` reference, {e}"))?,
            field: field.to_string(),
        })
    }
}

impl fmt::Display for VaultRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}#{}", self.path, self.field)
    }
}

/// `exec:COMMAND`: a program and its arguments, split as a shell would split words
/// (quotes and backslashes) but run without one: no variables, globs, pipes or
/// redirections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecRef {
    /// The command line as written.
    pub line: String,
    /// The program, then its arguments.
    pub argv: Vec<String>,
}

impl ExecRef {
    /// Parses what follows `exec:`.
    pub fn parse(text: &str) -> Result<ExecRef, String> {
        let argv = split_words(text)?;
        if argv.is_empty() {
            return Err("an `exec:` reference names a command, e.g. `exec:op read op://msp/acme-scim/token`".into());
        }
        Ok(ExecRef {
            line: text.trim().to_string(),
            argv,
        })
    }
}

/// Splits a command line into words: blanks separate words; `'…'` keeps everything
/// inside as is; `"…"` keeps everything but `\"` and `\\`, which stand for `"` and `\`;
/// elsewhere `\` keeps the next character. Errors never quote the line.
pub fn split_words(text: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if let Some(done) = word.take() {
                    words.push(done);
                }
            }
            '\'' => {
                let current = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => current.push(c),
                        None => return Err("the command has a `'` that is not closed".into()),
                    }
                }
            }
            '"' => {
                let current = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\')) => current.push(c),
                            Some(c) => {
                                current.push('\\');
                                current.push(c);
                            }
                            None => {
                                return Err("the command has a `\"` that is not closed".into());
                            }
                        },
                        Some(c) => current.push(c),
                        None => return Err("the command has a `\"` that is not closed".into()),
                    }
                }
            }
            '\\' => match chars.next() {
                Some(c) => word.get_or_insert_with(String::new).push(c),
                None => return Err("the command ends in a lone `\\`".into()),
            },
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vault_references_name_mount_path_and_field() {
        let CredentialRef::Vault(reference) =
            CredentialRef::parse("vault:kv/team/data/clients/acme/scim#token").unwrap()
        else {
            panic!("not a vault reference");
        };
        assert_eq!(reference.path.mount, "kv/team");
        assert_eq!(reference.path.path, "clients/acme/scim");
        assert_eq!(reference.field, "token");
        assert_eq!(
            CredentialRef::Vault(reference).to_string(),
            "vault:kv/team/data/clients/acme/scim#token"
        );
        for bad in [
            "vault:secret/data/x",
            "vault:secret/data/x#",
            "vault:secret/x#token",
            "vault:data/x#token",
            "vault:secret/data#token",
            "vault:secret//data/x#token",
            "vault:secret/data/../x#token",
            "vault:secret/data/a b#token",
            "vault:secret/data/x?version=1#token",
        ] {
            let error = CredentialRef::parse(bad).unwrap_err();
            assert!(
                error.contains("vault:") || error.contains("KV"),
                "{bad}: {error}"
            );
        }
        let error = CredentialRef::parse("vault:secret/acme#token").unwrap_err();
        assert!(error.contains("`MOUNT/data/PATH`"), "{error}");
    }

    #[test]
    fn exec_references_split_words_without_a_shell() {
        let CredentialRef::Exec(command) = CredentialRef::parse(
            r#"exec:op read "op://msp/acme scim/token" --no-newline 'a $b' c\ d"#,
        )
        .unwrap() else {
            panic!("not an exec reference");
        };
        assert_eq!(
            command.argv,
            [
                "op",
                "read",
                "op://msp/acme scim/token",
                "--no-newline",
                "a $b",
                "c d"
            ]
        );
        assert_eq!(
            split_words(r#"a "x\"y\\z\n" '' b"#).unwrap(),
            ["a", "x\"y\\z\\n", "", "b"]
        );
        for bad in ["exec:", "exec:   ", "exec:a 'b", "exec:a \"b", "exec:a \\"] {
            assert!(CredentialRef::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_pasted_secret_is_never_repeated() {
        for text in [
            "hunter2-secret",
            "bearer:hunter2-secret",
            "vault:hunter2-secret",
            "exec:'hunter2-secret",
        ] {
            let error = CredentialRef::parse(text).unwrap_err();
            assert!(!error.contains("hunter2"), "{error}");
        }
    }
}
