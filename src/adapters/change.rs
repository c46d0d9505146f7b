//! One grant or revoke, for the adapters that serve both with one method.

use std::fmt;

use time::OffsetDateTime;

use super::{AdapterError, FailureKind, Outcome, Principal};
use crate::model::Entitlement;

/// Which way a change goes: what the functions that serve both a grant and a revoke
/// are told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// The principal gets the entitlement.
    Grant,
    /// The principal loses the entitlement.
    Revoke,
}

impl Direction {
    /// Whether this is a grant.
    pub fn is_grant(self) -> bool {
        self == Direction::Grant
    }

    /// Names this change of `entitlement` for `principal`, for errors and logs:
    /// ``grant `group:X` to `bob` `` or ``revoke `group:X` from `bob` ``.
    pub fn operation(self, entitlement: impl fmt::Display, principal: &Principal) -> String {
        let account = &principal.account;
        match self {
            Direction::Grant => format!("grant `{entitlement}` to `{account}`"),
            Direction::Revoke => format!("revoke `{entitlement}` from `{account}`"),
        }
    }

    /// What a change of membership in a group the tenant does not have comes to: a grant
    /// fails (`NotFound`: the group does not exist in `place`, with `hint`); a revoke has
    /// nothing to do.
    pub fn missing_group(
        self,
        tenant: &str,
        operation: &str,
        group: &str,
        place: &str,
        hint: &str,
    ) -> Result<Outcome, AdapterError> {
        match self {
            Direction::Grant => Err(AdapterError::new(
                tenant,
                operation,
                FailureKind::NotFound,
                format!("the group `{group}` does not exist in {place}"),
            )
            .with_hint(hint)),
            Direction::Revoke => Ok(Outcome::NoChange),
        }
    }

    /// `grant` or `revoke`.
    pub fn verb(self) -> &'static str {
        match self {
            Direction::Grant => "grant",
            Direction::Revoke => "revoke",
        }
    }
}

/// One grant or revoke, as the adapters whose grant and revoke are one method in two
/// directions receive it (see the `grant_and_revoke_through!` macro).
#[derive(Debug, Clone, Copy)]
pub struct ChangeRequest<'a> {
    /// Who gets or loses the entitlement.
    pub principal: &'a Principal,
    /// The entitlement.
    pub entitlement: &'a Entitlement,
    /// Grant or revoke.
    pub direction: Direction,
    /// For a grant: the end the tenant enforces (native expiry); a revoke has none.
    pub expires_at: Option<OffsetDateTime>,
}

impl<'a> ChangeRequest<'a> {
    /// Returns who, what and which way.
    pub fn parts(self) -> (&'a Principal, &'a Entitlement, Direction) {
        (self.principal, self.entitlement, self.direction)
    }
}

/// Writes an adapter's [`Adapter::grant`] and [`Adapter::revoke`], inside its `impl
/// Adapter` block, as calls of one method of the adapter:
/// `fn METHOD(&mut self, ChangeRequest<'_>) -> Result<Outcome, AdapterError>`.
macro_rules! grant_and_revoke_through {
    ($method:ident) => {
        fn grant(
            &mut self,
            principal: &$crate::adapters::Principal,
            entitlement: &$crate::model::Entitlement,
            expires_at: Option<::time::OffsetDateTime>,
        ) -> Result<$crate::adapters::Outcome, $crate::adapters::AdapterError> {
            self.$method($crate::adapters::ChangeRequest {
                principal,
                entitlement,
                direction: $crate::adapters::Direction::Grant,
                expires_at,
            })
        }

        fn revoke(
            &mut self,
            principal: &$crate::adapters::Principal,
            entitlement: &$crate::model::Entitlement,
        ) -> Result<$crate::adapters::Outcome, $crate::adapters::AdapterError> {
            self.$method($crate::adapters::ChangeRequest {
                principal,
                entitlement,
                direction: $crate::adapters::Direction::Revoke,
                expires_at: None,
            })
        }
    };
}
pub(crate) use grant_and_revoke_through;
