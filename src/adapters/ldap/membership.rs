//! Membership checks and changes: a member is looked for before it is added or
//! removed, "already done" result codes are no change, and the last member of a
//! `groupOfNames` cannot be removed (the schema requires one).

use std::collections::HashSet;

use ldap3::controls::RawControl;
use ldap3::{LdapResult, Mod};

use super::Directory;
use super::result_code::describe;
use crate::adapters::Direction;
use crate::adapters::{AdapterError, FailureKind, Outcome};

/// The control that makes Active Directory treat adding a present value or deleting an
/// absent one as success (LDAP_SERVER_PERMISSIVE_MODIFY_OID).
pub const PERMISSIVE_MODIFY_OID: &str = "1.2.840.113556.1.4.1413";

impl Directory {
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
        direction: Direction,
        force: bool,
        controls: Vec<RawControl>,
    ) -> Result<Outcome, AdapterError> {
        if !force
            && self.has_member(operation, group_dn, attribute, member)? == direction.is_grant()
        {
            return Ok(Outcome::NoChange);
        }
        let values = HashSet::from([value.to_string()]);
        let change = if direction.is_grant() {
            Mod::Add(attribute.to_string(), values)
        } else {
            Mod::Delete(attribute.to_string(), values)
        };
        let result = self.modify(operation, group_dn, change, controls)?;
        match (result.rc, direction) {
            (0, _) => Ok(Outcome::Changed),
            (20, Direction::Grant) | (16, Direction::Revoke) => Ok(Outcome::NoChange),
            (65, Direction::Revoke) => Err(self
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
                if rc != 65 && !force && self.has_member(operation, group_dn, attribute, member)? == direction.is_grant() {
                    return Ok(Outcome::NoChange);
                }
                Err(self.result_error(operation, &result))
            }
        }
    }
}
