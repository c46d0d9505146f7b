//! Service accounts and agents whose owner has left: a person with a standing revocation
//! (`onboard revoke --identity bob`) owns nothing any more, so each identity naming them
//! as `owner` is up for review until its file names a new owner.
//!
//! The identity keeps its access and its credentials keep rotating meanwhile: the system
//! that uses them must not lose access because a person left. (A person whose file is
//! removed altogether is an unknown `owner`, which `validate` reports as an error.)
//!
//! Pure: the workspace and the standing revocations in, the identities up for review out.

use time::OffsetDateTime;

use crate::model::{Block, BlockScope, IdentityKind, IdentityScope, Origin, Workspace};

/// A service account or agent whose owner has left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerLeft {
    /// The service account or agent.
    pub identity: String,
    /// Service account or agent.
    pub kind: IdentityKind,
    /// The client it serves, when it serves one.
    pub client: Option<String>,
    /// The person who left.
    pub owner: String,
    /// When the owner's revocation was made.
    pub left_at: OffsetDateTime,
    /// Where the identity names its owner.
    pub origin: Origin,
}

impl OwnerLeft {
    /// Says what is up for review: ``owner `bob` has left: name a new owner``.
    pub fn summary(&self) -> String {
        format!("owner `{}` has left: name a new owner", self.owner)
    }

    /// Says it in full, for warnings: who, whose, since when, and what to do.
    pub fn message(&self) -> String {
        let whose = match &self.client {
            Some(client) => format!(" of `{client}`"),
            None => String::new(),
        };
        format!(
            "`{}` ({}{whose}) is up for review: owner `{}` has left (revoked on {}): name a new owner in `owner:` of {}; its access stays and its credentials keep rotating until then",
            self.identity,
            self.kind.with_article(),
            self.owner,
            crate::model::time::format_short(self.left_at),
            self.origin.path,
        )
    }

    /// Returns the id under which the review lists it: `owner-left-IDENTITY`.
    pub fn review_id(&self) -> String {
        format!("{REVIEW_PREFIX}{}", self.identity)
    }
}

/// How the ids of owner reviews begin.
pub const REVIEW_PREFIX: &str = "owner-left-";

/// Returns the service accounts and agents whose owner has a standing revocation, in id
/// order. One revoked itself is left out: nothing of it is in use to review.
pub fn owners_left(workspace: &Workspace, blocks: &[Block]) -> Vec<OwnerLeft> {
    let revoked = |id: &str| {
        blocks
            .iter()
            .find(|b| b.scope == BlockScope::Identity && b.value == id)
    };
    workspace
        .identities
        .values()
        .filter(|i| i.kind != IdentityKind::Person && revoked(&i.id).is_none())
        .filter_map(|identity| {
            let (owner, origin) = identity.owner.as_ref()?;
            let block = revoked(owner)?;
            Some(OwnerLeft {
                identity: identity.id.clone(),
                kind: identity.kind,
                client: match &identity.scope {
                    IdentityScope::Client(client, _) => Some(client.clone()),
                    IdentityScope::Clients(list) if list.len() == 1 => {
                        list.first().map(|(c, _)| c.clone())
                    }
                    _ => None,
                },
                owner: owner.clone(),
                left_at: block.at,
                origin: origin.clone(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(scope: BlockScope, value: &str) -> Block {
        Block {
            scope,
            value: value.into(),
            at: time::macros::datetime!(2026-11-21 12:00 UTC),
            actor: "os:alice".into(),
        }
    }

    #[test]
    fn a_service_account_whose_owner_is_revoked_is_up_for_review_and_others_are_not() {
        let (_dir, _, workspace) = crate::workflow::testing::example();
        // The example's globex-backup-svc is bob's; acme-triage-agent is dave's.
        let left = owners_left(&workspace, &[block(BlockScope::Identity, "bob")]);
        let ids: Vec<&str> = left.iter().map(|l| l.identity.as_str()).collect();
        assert_eq!(ids, ["globex-backup-svc"]);
        assert_eq!(left[0].client.as_deref(), Some("globex"));
        assert!(left[0].message().contains("owner `bob` has left"));
        assert_eq!(left[0].summary(), "owner `bob` has left: name a new owner");
        // A client revocation, or a revocation of the service account itself, is no
        // leaver.
        assert!(owners_left(&workspace, &[block(BlockScope::Client, "bob")]).is_empty());
        assert!(
            owners_left(
                &workspace,
                &[
                    block(BlockScope::Identity, "bob"),
                    block(BlockScope::Identity, "globex-backup-svc")
                ]
            )
            .is_empty()
        );
    }
}
