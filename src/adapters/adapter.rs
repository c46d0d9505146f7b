//! The trait every tenant adapter implements, and the types its verbs take and return.

use time::OffsetDateTime;

use super::{AdapterError, CredentialRequest, IssuedCredential, foreign_change};
use crate::model::{ConfigurationChange, Entitlement, Holder};

/// A principal (user, service principal…) as the tenant knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The tenant's id for it (object id, DN, user id…).
    pub id: String,
    /// Its account name (UPN, login, userName…).
    pub account: String,
}

/// What a grant or revoke did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The tenant changed.
    Changed,
    /// The tenant already was as asked ("already a member", "already gone").
    NoChange,
}

/// The verbs every tenant adapter implements.
///
/// Calls are made from one thread per tenant; an adapter keeps its own connection and
/// token state.
pub trait Adapter: Send {
    /// Returns whether the tenant itself ends a grant of this entitlement sent with an
    /// end (PIM roles, PIM for Groups, AD TTL links), so the end holds even if `onboard
    /// expire` never runs. By default the tenant does not: onboard ends grants itself.
    fn enforces_expiry(&self, entitlement: &Entitlement) -> bool {
        let _ = entitlement;
        false
    }

    /// Confirms that the adapter is talking to the tenant the client file names (tenant
    /// id, base URL, base DN…), so that a credential for one client can never change
    /// another. Called before any other verb, unless [`Adapter::verify_and_read`] does
    /// it.
    fn verify_tenant(&mut self) -> Result<(), AdapterError>;

    /// Confirms the tenant ([`Adapter::verify_tenant`]), inspects it ([`Adapter::inspect`])
    /// and lists the holders of each of `entitlements` ([`Adapter::list`]), returned in
    /// their order: what a plan reads of a tenant it opens. The default does one after
    /// the other ([`read_verified`]).
    ///
    /// An adapter whose first reads do not depend on what the confirmation learns may
    /// send them while it is under way (SCIM finds its groups while its
    /// `ServiceProviderConfig` is read), saving a round trip per tenant. Reads change
    /// nothing, and nothing read is returned unless the tenant is confirmed: when it is
    /// not, the result is the confirmation's error, as with the default, and what was
    /// read is dropped. No change is ever sent before the confirmation.
    fn verify_and_read(
        &mut self,
        entitlements: &[&Entitlement],
        now: OffsetDateTime,
    ) -> Result<Reading, AdapterError> {
        self.verify_tenant()?;
        read_verified(self, entitlements, now)
    }

    /// Finds a principal by account name; `Ok(None)` when the tenant has no such account.
    fn resolve(&mut self, account: &str) -> Result<Option<Principal>, AdapterError>;

    /// Finds several principals by account name, returning one result per account, in
    /// order, each as [`Adapter::resolve`] would. Adapters whose API can look up many
    /// accounts in one request (a SCIM `or` filter) do so; the default resolves them one
    /// by one. One account failing never fails the others.
    fn resolve_many(&mut self, accounts: &[&str]) -> Vec<Result<Option<Principal>, AdapterError>> {
        accounts
            .iter()
            .map(|account| self.resolve(account))
            .collect()
    }

    /// Lists every holder of an entitlement, following every page. An entitlement that
    /// does not exist yet has no holders.
    fn list(&mut self, entitlement: &Entitlement) -> Result<Vec<Holder>, AdapterError>;

    /// Grants an entitlement. With native expiry, `expires_at` is sent to the tenant and
    /// a grant to a current holder with a new end renews it. Already held: `NoChange`.
    fn grant(
        &mut self,
        principal: &Principal,
        entitlement: &Entitlement,
        expires_at: Option<OffsetDateTime>,
    ) -> Result<Outcome, AdapterError>;

    /// Revokes an entitlement. Already gone: `NoChange`.
    fn revoke(
        &mut self,
        principal: &Principal,
        entitlement: &Entitlement,
    ) -> Result<Outcome, AdapterError>;

    /// Grants several entitlements, returning one result per item, in order, each as
    /// [`Adapter::grant`] would. Adapters whose API has a bulk form (Graph's `$batch`)
    /// send them together; the default sends them one by one. One item failing never
    /// fails the others.
    fn grant_many(&mut self, items: &[BatchItem]) -> Vec<Result<Outcome, AdapterError>> {
        items
            .iter()
            .map(|item| self.grant(&item.principal, &item.entitlement, item.expires_at))
            .collect()
    }

    /// Revokes several entitlements, returning one result per item, in order, each as
    /// [`Adapter::revoke`] would. The default sends them one by one.
    fn revoke_many(&mut self, items: &[BatchItem]) -> Vec<Result<Outcome, AdapterError>> {
        items
            .iter()
            .map(|item| self.revoke(&item.principal, &item.entitlement))
            .collect()
    }

    /// Returns what a plan should say about the tenant as a whole rather than about one
    /// entitlement: warnings (a GDAP relationship ending soon) and the changes to the
    /// tenant's own configuration that the client file asks for (access assignments to
    /// create), as data that [`Adapter::apply_configuration`] carries out. Read-only; an error
    /// makes the tenant unknown in the plan. Two inspections of a tenant that did not change
    /// return equal changes: `apply` inspects again to check that a plan's configuration
    /// changes still hold. The default has nothing to say.
    fn inspect(&mut self, now: OffsetDateTime) -> Result<Inspection, AdapterError> {
        let _ = now;
        Ok(Inspection::default())
    }

    /// Carries out exactly the `planned` changes to the tenant's own configuration (as a
    /// inspection returned them), in order, before any entitlement change is sent, pushing
    /// one line to `done` per change as it is made, so that the changes made before a
    /// failure are still recorded. Works nothing out again: the plan decides. The
    /// default makes no configuration change, and refuses any.
    fn apply_configuration(
        &mut self,
        planned: &[ConfigurationChange],
        done: &mut Vec<String>,
    ) -> Result<(), AdapterError> {
        let _ = done;
        match planned.first() {
            None => Ok(()),
            Some(change) => Err(foreign_change("this tenant", "reconcile", change)),
        }
    }

    /// Names the tenant's own configuration that [`Adapter::apply_configuration`] brings in line,
    /// for the audit log: a subject (`gdap:access-assignments`) and what it is.
    fn configuration_subject(&self) -> ConfigurationSubject {
        ConfigurationSubject {
            subject: "configuration",
            description: "the tenant's own configuration, as the client file declares it",
        }
    }

    /// Returns what `onboard import` writes into the tenant's block of the client file
    /// beside what it was given: the ids the tenant resolves the names of `entitlements`
    /// to (Entra group object ids), the access assignments of a GDAP relationship.
    /// Read-only. The default adds nothing: the tenant's names are its ids.
    fn discover(&mut self, entitlements: &[Entitlement]) -> Result<Discovery, AdapterError> {
        let _ = entitlements;
        Ok(Discovery::default())
    }

    /// Makes every change sent so far durable in the tenant. Adapters that send each
    /// change at once (every API adapter) have nothing to do; the `file` adapter writes
    /// its file here, once per batch rather than once per change.
    fn flush(&mut self) -> Result<(), AdapterError> {
        Ok(())
    }

    /// The most changes to hand the adapter between two flushes, or `None` for the
    /// executor's batches (32 changes, whose outcomes are written as each is done). An
    /// adapter whose flush costs the same however many changes it holds (the `file`
    /// adapter rewrites and syncs its whole file) takes more at once.
    fn changes_per_flush(&self) -> Option<usize> {
        None
    }

    /// Issues a new credential of `request.kind` for an identity and returns it with the
    /// id it is known by. A `client_secret` is made by the tenant (`password` is `None`);
    /// a `password` is made by onboard and passed in, so that it is delivered to the
    /// vault before the tenant gets it, and the adapter sets it as the account's
    /// password. The returned `secret` is the value set (for a password, the one passed
    /// in). Never logs, returns in an error or stores the value. The default refuses:
    /// this adapter issues no credential.
    fn issue_credential(
        &mut self,
        request: &CredentialRequest,
        password: Option<&crate::secrets::Secret>,
    ) -> Result<IssuedCredential, AdapterError> {
        let _ = password;
        Err(request.unsupported("this tenant", "issue"))
    }

    /// Removes one issued credential (`key_id` as [`Adapter::issue_credential`] returned
    /// it) from the identity in the tenant: a client secret's key is deleted. A password
    /// has no separate credential to remove: adapters return `NoChange` for it (the
    /// next rotation replaces it; a revoked identity is disabled or removed through its
    /// entitlements). Already gone: `NoChange`. The default refuses.
    fn remove_credential(
        &mut self,
        request: &CredentialRequest,
        key_id: &str,
    ) -> Result<Outcome, AdapterError> {
        let _ = key_id;
        Err(request.unsupported("this tenant", "remove"))
    }

    /// Lists the key ids of the credentials of `request.kind` the tenant holds for the
    /// identity (for a client secret: every secret of `request.application`), so that a
    /// run can find a credential issued but never recorded (a crash between issue and
    /// delivery) and remove it. `Ok(None)`: the kind keeps no separate credentials (a
    /// password). The default refuses.
    fn list_credentials(
        &mut self,
        request: &CredentialRequest,
    ) -> Result<Option<Vec<String>>, AdapterError> {
        Err(request.unsupported("this tenant", "list"))
    }
}

/// Inspects a confirmed tenant and lists the holders of each of `entitlements`, in their
/// order (see [`Adapter::verify_and_read`]).
pub fn read_verified<A: Adapter + ?Sized>(
    adapter: &mut A,
    entitlements: &[&Entitlement],
    now: OffsetDateTime,
) -> Result<Reading, AdapterError> {
    let inspection = adapter.inspect(now)?;
    let held = entitlements
        .iter()
        .map(|entitlement| adapter.list(entitlement))
        .collect::<Result<_, _>>()?;
    Ok(Reading { inspection, held })
}

/// What a plan reads of a tenant ([`Adapter::verify_and_read`]).
pub struct Reading {
    /// The tenant as a whole ([`Adapter::inspect`]).
    pub inspection: Inspection,
    /// Each entitlement's holders, in the order they were asked for.
    pub held: Vec<Vec<Holder>>,
}

/// What [`Adapter::discover`] found for `onboard import` to write into a tenant's block.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Discovery {
    /// Group name → the tenant's object id, for the names it resolves (Graph `groups:`).
    pub groups: std::collections::BTreeMap<String, String>,
    /// A GDAP relationship's access assignments: partner group name → the directory
    /// roles (display names, or role definition ids where no name is known) its members
    /// get in the client's tenant (`gdap.access:`).
    pub gdap_access: std::collections::BTreeMap<String, Vec<String>>,
    /// What the import report should say about the tenant.
    pub notes: Vec<String>,
}

impl Discovery {
    /// Returns whether it adds nothing to the tenant's block.
    pub fn adds_nothing(&self) -> bool {
        self.groups.is_empty() && self.gdap_access.is_empty()
    }
}

/// What [`Adapter::inspect`] found about a tenant as a whole.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inspection {
    /// Warnings for the plan.
    pub notes: Vec<String>,
    /// The configuration changes `apply` makes through [`Adapter::apply_configuration`].
    pub configuration: Vec<ConfigurationChange>,
}

/// What a tenant's own configuration is ([`Adapter::configuration_subject`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfigurationSubject {
    /// Written as the audit entries' entitlement, e.g. `okta:group-roles`.
    pub subject: &'static str,
    /// Written as the audit entries' reason.
    pub description: &'static str,
}

/// One change of a bulk grant or revoke ([`Adapter::grant_many`], [`Adapter::revoke_many`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchItem {
    /// Who gets or loses the entitlement.
    pub principal: Principal,
    /// The entitlement.
    pub entitlement: Entitlement,
    /// For grants: the end the tenant enforces (native expiry); ignored by revokes.
    pub expires_at: Option<OffsetDateTime>,
}
