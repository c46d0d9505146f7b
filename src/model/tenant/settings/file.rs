//! `file` tenants: a directory of the workspace standing in for a system.

use crate::model::yaml::origin;
use crate::model::{CredentialRef, Diagnostic};

use super::super::RawTenant;
use super::super::checks::Scope;
use super::Draft;

/// What a `file` tenant is: its directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSettings {
    /// The tenant's directory, as written (relative to the workspace).
    pub path: String,
    /// The id the tenant's file must carry, checked before any change (default:
    /// `client/tenant`).
    pub tenant_id: Option<String>,
    /// A credential reference, which the `file` adapter does not use (`onboard login`
    /// still stores its secret).
    pub credential: Option<CredentialRef>,
}

/// Reports a `path:` that leaves the workspace, on a tenant of any adapter.
pub(super) fn check_path(scope: &Scope<'_>, raw: &RawTenant, problems: &mut Vec<Diagnostic>) {
    if let Some(dir) = &raw.path
        && let Some(why) = crate::model::path_leaves_workspace(&dir.value)
    {
        problems.push(
            Diagnostic::new(
                origin(scope.path, dir),
                format!("tenant path `{}` leaves the workspace: {why}", dir.value),
            )
            .field(format!("{}.path", scope.field))
            .hint("onboard writes a `file` tenant there: use a path inside the workspace, such as `tenants/CLIENT/TENANT`"),
        );
    }
}

/// Returns a `file` tenant's settings, or reports its missing `path`.
pub(super) fn convert(draft: Draft<'_>, problems: &mut Vec<Diagnostic>) -> Option<FileSettings> {
    let path = draft.require(
        "path",
        draft.raw.path.as_ref().map(|p| p.value.clone()),
        "add `path: tenants/CLIENT/TENANT`, the directory that holds the tenant",
        problems,
    )?;
    Some(FileSettings {
        path,
        tenant_id: draft.raw.tenant_id.clone(),
        credential: draft.credential,
    })
}

#[cfg(test)]
mod tests {
    use super::super::TenantSettings;
    use super::super::testing::{expected, problems, settings};
    use super::FileSettings;

    #[test]
    fn a_file_tenant_is_its_directory() {
        let found = settings(
            "system: entra\nadapter: file\npath: tenants/acme/entra\ntenant_id: acme-entra",
        );
        let TenantSettings::File(file) = found else {
            panic!("{found:?}");
        };
        assert_eq!(
            file,
            FileSettings {
                path: "tenants/acme/entra".into(),
                tenant_id: Some("acme-entra".into()),
                credential: None
            }
        );
    }

    #[test]
    fn a_file_tenant_needs_a_path_inside_the_workspace() {
        assert_eq!(
            problems("system: entra\nadapter: file"),
            expected(&[("tenants[0].path", 4, "a `file` tenant needs `path`")])
        );
        assert_eq!(
            problems("system: entra\nadapter: file\npath: ../elsewhere"),
            expected(&[(
                "tenants[0].path",
                7,
                "tenant path `../elsewhere` leaves the workspace: its `..` lead out of the workspace"
            )])
        );
    }

    #[test]
    fn settings_of_other_adapters_are_refused() {
        assert_eq!(
            problems(
                "system: entra\nadapter: file\npath: tenants/acme/entra\npim: true\napp_id: \"12\""
            ),
            expected(&[
                (
                    "tenants[0]",
                    4,
                    "`auth_endpoint`, `pim`, `pim_groups`, `gdap` and `groups` are for `graph` tenants only (`client_id` for `graph` and `okta`)"
                ),
                (
                    "tenants[0]",
                    4,
                    "`app_id` and `installation_id` are for `github` tenants only"
                ),
            ])
        );
    }
}
