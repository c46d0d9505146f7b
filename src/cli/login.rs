//! `onboard login`: store a tenant's credential in the OS keyring.

use std::io::{self, IsTerminal, Read};

use clap::Args;

use super::GlobalArgs;
use super::session::Session;
use crate::exit::ExitStatus;
use crate::model::CredentialRef;
use crate::secrets::{Secret, store_in_keyring};
use crate::ui::diagnostics::UserError;

/// Store a tenant's credential in the OS keyring
///
/// The tenant's `credential` in its client file must be a `keyring:NAME` reference; the
/// secret (API token, password) is stored in the OS keyring under NAME, where `plan`,
/// `apply` and the other commands find it. Prompts for the secret without echoing it,
/// or reads it from standard input with `--stdin`. Never prints the secret.
///
/// On Linux the kernel keyring (keyutils) is used: it keeps the secret for the login
/// session. In CI, use `credential: env:VAR` instead.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The tenant, as CLIENT/TENANT (for example `acme/entra`)
    #[arg(value_name = "CLIENT/TENANT")]
    pub tenant: String,

    /// Read the secret from standard input instead of prompting (for scripts)
    ///
    /// The first line is read; a trailing newline is not part of the secret.
    #[arg(long)]
    pub stdin: bool,
}

pub(super) fn run(global: &GlobalArgs, args: LoginArgs) -> anyhow::Result<ExitStatus> {
    let session = Session::open(global)?;
    let Some(crate::model::TenantRef {
        client: client_id,
        tenant: tenant_name,
    }) = crate::model::TenantRef::parse(&args.tenant)
    else {
        return Err(UserError::new(format!(
            "`{}` does not name a tenant as CLIENT/TENANT",
            args.tenant
        ))
        .hint("for example `onboard login acme/entra`")
        .into());
    };
    let client = session.select(&[client_id.to_string()])?[0];
    let Some(tenant) = client.tenant(tenant_name) else {
        return Err(UserError::new(format!(
            "client `{}` has no tenant `{tenant_name}`",
            client.id
        ))
        .hint(crate::model::suggest(
            &format!("tenants of `{}`", client.id),
            tenant_name,
            client.tenants.iter().map(|t| &t.name),
        ))
        .into());
    };
    let name = match tenant.credential() {
        Some(CredentialRef::Keyring(name)) => name.clone(),
        other => {
            let has = match other {
                Some(reference) => format!("its credential is `{reference}`"),
                None => "it has no `credential`".to_string(),
            };
            return Err(UserError::new(format!(
                "tenant `{}` does not keep its credential in the OS keyring: {has}",
                args.tenant
            ))
            .hint(format!(
                "set `credential: keyring:NAME` on the tenant ({}) to keep its secret in the keyring",
                tenant.origin
            ))
            .into());
        }
    };
    let secret = if args.stdin {
        read_stdin()?
    } else {
        prompt(&args.tenant, &name)?
    };
    store_in_keyring(&name, &args.tenant, &secret)?;
    session.printer.status(&format!(
        "Stored the secret of `{}` in the OS keyring as `keyring:{name}`.",
        args.tenant
    ));
    Ok(ExitStatus::Success)
}

fn non_empty(text: &str) -> Result<Secret, UserError> {
    let value = text.trim_end_matches(['\r', '\n']);
    if value.trim().is_empty() {
        return Err(UserError::new("the secret is empty: nothing was stored"));
    }
    Ok(Secret::new(value))
}

fn read_stdin() -> Result<Secret, UserError> {
    let mut text = String::new();
    io::stdin()
        .lock()
        .read_to_string(&mut text)
        .map_err(|e| UserError::new(format!("cannot read the secret from standard input: {e}")))?;
    non_empty(text.lines().next().unwrap_or_default())
}

fn prompt(tenant: &str, name: &str) -> Result<Secret, UserError> {
    if !io::stdin().is_terminal() || !io::stderr().is_terminal() {
        return Err(
            UserError::new("there is no terminal to ask for the secret on")
                .hint("pipe the secret in with `--stdin`, or use `credential: env:VAR` in CI"),
        );
    }
    let text = rpassword::prompt_password(format!(
        "Secret for `{tenant}` (stored as `keyring:{name}`, not echoed): "
    ))
    .map_err(|e| UserError::new(format!("cannot read the secret: {e}")))?;
    non_empty(&text)
}
