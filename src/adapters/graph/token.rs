//! The client-credentials token: getting one for the client's tenant, keeping it until
//! shortly before it expires, and refusing one whose `tid` claim names another tenant.

use super::*;
use crate::adapters::jwt;

/// The scope of an app-only Graph token.
const SCOPE: &str = "https://graph.microsoft.com/.default";

/// Returns the `tid` claim of a JWT access token. The signature is not checked: the
/// token came over TLS from the tenant's token endpoint, and the claim is compared only
/// to refuse a credential that belongs to another tenant.
fn token_tenant(token: &str) -> Option<String> {
    jwt::claims(token)?.get("tid")?.as_str().map(str::to_string)
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

impl GraphTenant {
    /// Gets a token for the client's tenant unless the one held is still good, and
    /// checks that it was issued for the tenant the client file names.
    pub(super) fn ensure_token(&mut self, operation: &str) -> Result<(), AdapterError> {
        if self.token.is_fresh() {
            return Ok(());
        }
        let url = self
            .login
            .url(&[self.tenant_id.as_str(), "oauth2", "v2.0", "token"]);
        let call = Call::new(Method::POST, url).form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &self.client_id),
            ("client_secret", self.secret.expose()),
            ("scope", SCOPE),
        ]);
        self.login.needed(1);
        let response = self.login.send(operation, &call)?;
        if !response.is_success() {
            let error = self.login.status_error(operation, &response);
            let error = AdapterError {
                detail: format!("getting a token: {}", error.detail),
                kind: FailureKind::Denied,
                ..error
            };
            return Err(error.with_hint(
                "check the tenant's `client_id`, `tenant_id` and the client secret its `credential` names, and that the app is consented in the client's tenant",
            ));
        }
        let token: TokenResponse = self.login.json(operation, &response)?;
        let issued_for = token_tenant(&token.access_token);
        if !issued_for
            .as_deref()
            .is_some_and(|tid| tid.eq_ignore_ascii_case(&self.tenant_id))
        {
            return Err(self
                .error(
                    operation,
                    FailureKind::WrongTenant,
                    format!(
                        "the token was issued for tenant `{}`, not `{}` from the client file",
                        issued_for.as_deref().unwrap_or("(no `tid` claim)"),
                        self.tenant_id
                    ),
                )
                .with_hint(
                    "check the tenant's `tenant_id` and `credential`: the credential may belong to another client",
                ));
        }
        self.token.store(
            &mut self.http,
            token.access_token,
            token.expires_in.map(Duration::from_secs),
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tenant_id_is_read_from_the_token() {
        // {"alg":"none"}.{"tid":"72f988bf-86f1-41af-91ab-2d7cd011db47","aud":"x"}.
        let token = "eyJhbGciOiJub25lIn0.eyJ0aWQiOiI3MmY5ODhiZi04NmYxLTQxYWYtOTFhYi0yZDdjZDAxMWRiNDciLCJhdWQiOiJ4In0.";
        assert_eq!(
            token_tenant(token).as_deref(),
            Some("72f988bf-86f1-41af-91ab-2d7cd011db47")
        );
        assert_eq!(token_tenant("not-a-jwt"), None);
        assert_eq!(jwt::base64_decode("TWFu").unwrap(), b"Man");
        assert_eq!(jwt::base64_decode("TWE").unwrap(), b"Ma");
    }
}
