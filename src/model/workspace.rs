//! The whole workspace as one checked value, built from source files' text.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::{
    Bundle, Client, Diagnostic, Identity, IdentityKind, IdentityScope, Origin, Policy, Settings,
    TenantRef,
};

/// What a source file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SourceKind {
    /// `identities/*.yaml`.
    Identity,
    /// A bundle file from a bundle library.
    Bundle,
    /// `clients/*.yaml`.
    Client,
    /// The policy file.
    Policy,
}

/// One workspace file's path (as shown to the user) and text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// What the file holds.
    pub kind: SourceKind,
    /// Path shown in messages.
    pub path: Arc<str>,
    /// The file's text.
    pub text: String,
}

/// A loaded, cross-checked workspace.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// Settings from `onboard.toml`.
    pub settings: Settings,
    /// Identities by id.
    pub identities: BTreeMap<String, Identity>,
    /// Bundles by id.
    pub bundles: BTreeMap<String, Bundle>,
    /// Clients by id.
    pub clients: BTreeMap<String, Client>,
    /// The policy in force (defaults when there is no policy file).
    pub policy: Policy,
    /// SHA-256 over every input file, hex: changes when any input changes.
    pub fingerprint: String,
}

impl Workspace {
    /// Parses and cross-checks the workspace; returns every problem found.
    /// `bundles_incomplete` says that a bundle library could not be read (already
    /// reported), so references to tiers, functions and bundles are not checked: they
    /// would all be reported as unknown.
    pub fn build(
        settings: Settings,
        settings_text: &str,
        files: &[SourceFile],
        bundles_incomplete: bool,
    ) -> Result<Workspace, Vec<Diagnostic>> {
        let mut problems = Vec::new();
        let mut identities: BTreeMap<String, Identity> = BTreeMap::new();
        let mut bundles: BTreeMap<String, Bundle> = BTreeMap::new();
        let mut clients: BTreeMap<String, Client> = BTreeMap::new();
        let mut policy = Policy::defaults(&Arc::from(settings.policy_file.as_str()));
        // Ids of files that did not parse, guessed from their names, so that references
        // to them do not pile up as "unknown" on top of the parse error.
        let mut unparsed: BTreeSet<(SourceKind, String)> = BTreeSet::new();
        let mut hasher = Sha256::new();
        hasher.update(settings_text.as_bytes());
        let mut sorted: Vec<&SourceFile> = files.iter().collect();
        sorted.sort_by(|a, b| (a.kind, &a.path).cmp(&(b.kind, &b.path)));
        for file in sorted {
            hasher.update((file.path.len() as u64).to_le_bytes());
            hasher.update(file.path.as_bytes());
            hasher.update((file.text.len() as u64).to_le_bytes());
            hasher.update(file.text.as_bytes());
            match file.kind {
                SourceKind::Identity => match super::identity::parse(&file.path, &file.text) {
                    Ok(i) => insert_unique(
                        &mut identities,
                        i.id.clone(),
                        i,
                        "identity",
                        |i| &i.origin,
                        &mut problems,
                    ),
                    Err(mut d) => {
                        problems.append(&mut d);
                        unparsed.insert((file.kind, stem(&file.path)));
                    }
                },
                SourceKind::Bundle => match super::bundle::parse(&file.path, &file.text) {
                    Ok(b) => insert_unique(
                        &mut bundles,
                        b.id.clone(),
                        b,
                        "bundle",
                        |b| &b.origin,
                        &mut problems,
                    ),
                    Err(mut d) => {
                        problems.append(&mut d);
                        unparsed.insert((file.kind, stem(&file.path)));
                    }
                },
                SourceKind::Policy => match super::policy::parse(&file.path, &file.text) {
                    Ok(p) => policy = p,
                    Err(mut d) => problems.append(&mut d),
                },
                SourceKind::Client => match super::client::parse(&file.path, &file.text) {
                    Ok(c) => insert_unique(
                        &mut clients,
                        c.id.clone(),
                        c,
                        "client",
                        |c| &c.origin,
                        &mut problems,
                    ),
                    Err(mut d) => {
                        problems.append(&mut d);
                        unparsed.insert((file.kind, stem(&file.path)));
                    }
                },
            }
        }
        let workspace = Workspace {
            settings,
            identities,
            bundles,
            clients,
            policy,
            fingerprint: hex::encode(hasher.finalize()),
        };
        workspace.check_references(&unparsed, bundles_incomplete, &mut problems);
        if problems.is_empty() {
            Ok(workspace)
        } else {
            problems.sort_by(|a, b| a.origin.cmp(&b.origin));
            Err(problems)
        }
    }

    /// Returns the identity an actor is: the identity whose `actors` list names it, or
    /// whose id it is (`ONBOARD_ACTOR=alice`).
    pub fn identity_of_actor(&self, actor: &str) -> Option<&Identity> {
        self.identities
            .values()
            .find(|i| i.actors.iter().any(|(a, _)| a == actor))
            .or_else(|| self.identities.get(actor))
    }

    /// Returns the service tiers the bundles define.
    pub fn tiers(&self) -> BTreeSet<&str> {
        self.bundles.values().map(|b| b.tier.as_str()).collect()
    }

    /// Returns the support functions the bundles define.
    pub fn functions(&self) -> BTreeSet<&str> {
        self.bundles.values().map(|b| b.function.as_str()).collect()
    }

    /// Reports a signing key listed for two signers (identities or client approvers):
    /// a signature must prove one actor.
    fn check_signing_keys(&self, problems: &mut Vec<Diagnostic>) {
        let identities = self.identities.values().flat_map(|i| {
            i.signing_keys
                .iter()
                .map(move |(k, o)| (i.id.clone(), k, o))
        });
        let approvers = self.clients.values().flat_map(|c| {
            c.approvers.iter().flat_map(move |a| {
                a.signing_keys
                    .iter()
                    .map(move |(k, o)| (format!("{}/{}", c.id, a.id), k, o))
            })
        });
        let mut signers: BTreeMap<&crate::actor::PublicKey, String> = BTreeMap::new();
        for (signer, key, origin) in identities.chain(approvers) {
            match signers.get(key) {
                Some(other) if *other != signer => problems.push(
                    Diagnostic::new(
                        origin.clone(),
                        format!(
                            "signing key {} is also listed for `{other}`",
                            key.describe()
                        ),
                    )
                    .field("signing_keys")
                    .hint("a key proves one signer: each person signs with a key of their own"),
                ),
                Some(_) => {}
                None => {
                    signers.insert(key, signer);
                }
            }
        }
    }

    /// Returns the signer a key proves, with the key: an identity id, or `CLIENT/ID` for
    /// a client's approver.
    pub fn signer_keys(&self, signer: &str) -> Vec<&crate::actor::PublicKey> {
        if let Some((client, _)) = signer.split_once('/') {
            return self
                .clients
                .get(client)
                .and_then(|c| c.approver(signer))
                .map(|a| a.signing_keys.iter().map(|(k, _)| k).collect())
                .unwrap_or_default();
        }
        self.identities
            .get(signer)
            .map(|i| i.signing_keys.iter().map(|(k, _)| k).collect())
            .unwrap_or_default()
    }

    fn check_references(
        &self,
        unparsed: &BTreeSet<(SourceKind, String)>,
        bundles_incomplete: bool,
        problems: &mut Vec<Diagnostic>,
    ) {
        let failed = |kind: SourceKind, id: &str| unparsed.contains(&(kind, id.to_string()));
        let bundles_failed =
            bundles_incomplete || unparsed.iter().any(|(kind, _)| *kind == SourceKind::Bundle);
        let tiers = self.tiers();
        let functions = self.functions();
        let list = |set: &BTreeSet<&str>| {
            if set.is_empty() {
                return "nothing: no bundle files were found (check `paths.bundles` in onboard.toml and the `bundles/` directory)".to_string();
            }
            set.iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut actors: BTreeMap<&str, &Identity> = BTreeMap::new();
        for identity in self.identities.values() {
            for (actor, origin) in &identity.actors {
                if let Some(other) = actors.insert(actor, identity) {
                    problems.push(
                        Diagnostic::new(origin.clone(), format!("actor `{actor}` is also listed by identity `{}`", other.id))
                            .field("actors")
                            .hint("an actor name belongs to one identity: four-eyes approval depends on it"),
                    );
                }
            }
        }
        self.check_signing_keys(problems);
        for identity in self.identities.values() {
            for (function, origin) in &identity.functions {
                if !functions.contains(function.as_str()) && !bundles_failed {
                    problems.push(
                        Diagnostic::new(
                            origin.clone(),
                            format!("unknown support function `{function}`"),
                        )
                        .field("functions")
                        .hint(format!("the bundles define: {}", list(&functions))),
                    );
                }
            }
            let client_refs: Vec<(&String, &Origin)> = match &identity.scope {
                IdentityScope::AllClients => Vec::new(),
                IdentityScope::Clients(list) => list.iter().map(|(c, o)| (c, o)).collect(),
                IdentityScope::Client(c, o) => vec![(c, o)],
            };
            for (client, origin) in client_refs {
                if !self.clients.contains_key(client) && !failed(SourceKind::Client, client) {
                    problems.push(self.unknown_client(origin, client));
                }
            }
            if let Some((owner, origin)) = &identity.owner {
                match self.identities.get(owner) {
                    None if failed(SourceKind::Identity, owner) => {}
                    None => problems.push(self.unknown_owner(origin, owner, &identity.id)),
                    Some(o) if o.kind != IdentityKind::Person => problems.push(
                        Diagnostic::new(
                            origin.clone(),
                            format!("owner `{owner}` is {}, not a person", o.kind.with_article()),
                        )
                        .field("owner")
                        .hint("the owner of a service account or agent must be a person"),
                    ),
                    Some(_) => {}
                }
            }
            if let IdentityScope::Client(client, _) = &identity.scope
                && let Some(client) = self.clients.get(client)
            {
                for (index, credential) in identity.credentials.iter().enumerate() {
                    if !client.tenants.iter().any(|t| t.system == credential.system) {
                        problems.push(
                            Diagnostic::new(
                                credential.origin.clone(),
                                format!(
                                    "client `{}` has no `{}` tenant to hold this `{}`",
                                    client.id,
                                    credential.system,
                                    credential.kind.as_str()
                                ),
                            )
                            .field(format!("credentials[{index}].system"))
                            .hint("name a system the client has a tenant of, or add the tenant to the client file"),
                        );
                    }
                }
            }
        }
        self.check_shared_accounts(problems);
        for client in self.clients.values() {
            if !tiers.contains(client.tier.as_str()) && !bundles_failed {
                problems.push(
                    Diagnostic::new(
                        client.tier_origin.clone(),
                        format!("unknown tier `{}`", client.tier),
                    )
                    .field("tier")
                    .hint(format!("the bundle libraries define: {}", list(&tiers))),
                );
            }
            for exception in &client.exceptions {
                let (identity, origin) = &exception.identity;
                if !self.identities.contains_key(identity)
                    && !failed(SourceKind::Identity, identity)
                {
                    problems.push(self.unknown_identity(origin, identity, "identity"));
                }
                let (approver, origin) = &exception.approver;
                match self.identities.get(approver) {
                    None if failed(SourceKind::Identity, approver) => {}
                    None => problems.push(self.unknown_identity(origin, approver, "approver")),
                    Some(a) if a.kind != IdentityKind::Person => problems.push(
                        Diagnostic::new(
                            origin.clone(),
                            format!(
                                "approver `{approver}` is {}, not a person",
                                a.kind.with_article()
                            ),
                        )
                        .field("approver")
                        .hint("exceptions are approved by a person"),
                    ),
                    Some(_) => {}
                }
                if let Some((bundle, origin)) = &exception.bundle
                    && !self.bundles.contains_key(bundle)
                    && !bundles_failed
                {
                    problems.push(
                        Diagnostic::new(origin.clone(), format!("unknown bundle `{bundle}`"))
                            .field("bundle")
                            .hint(suggest("bundles", bundle, self.bundles.keys())),
                    );
                }
                for grant in &exception.grants {
                    if let Some((name, origin)) = &grant.tenant {
                        match client.tenant(name) {
                            None => problems.push(
                                Diagnostic::new(
                                    origin.clone(),
                                    format!("client `{}` has no tenant `{name}`", client.id),
                                )
                                .field("tenant")
                                .hint(suggest(
                                    "tenants",
                                    name,
                                    client.tenants.iter().map(|t| &t.name),
                                )),
                            ),
                            Some(t) if t.system != grant.system => problems.push(
                                Diagnostic::new(
                                    origin.clone(),
                                    format!(
                                        "tenant `{name}` is a `{}` tenant, not `{}`",
                                        t.system, grant.system
                                    ),
                                )
                                .field("tenant")
                                .hint("make `system:` match the tenant, or name another tenant"),
                            ),
                            Some(_) => {}
                        }
                        continue;
                    }
                    if !client.tenants.iter().any(|t| t.system == grant.system) {
                        problems.push(
                            Diagnostic::new(
                                grant.origin.clone(),
                                format!("client `{}` has no `{}` tenant", client.id, grant.system),
                            )
                            .field("system")
                            .hint(
                                "add the tenant to the client, or grant in a system the client has",
                            ),
                        );
                    }
                }
            }
        }
    }

    /// Two identities whose accounts resolve to the same account in one tenant would hold
    /// each other's access: revoking one revokes the other. Refused, once per pair,
    /// naming both identities' files and lines.
    fn check_shared_accounts(&self, problems: &mut Vec<Diagnostic>) {
        // (first, second) → the tenants and the account they share there.
        let mut shared: BTreeMap<(&str, &str), Vec<(String, String)>> = BTreeMap::new();
        for client in self.clients.values() {
            let in_client: Vec<&Identity> = self
                .identities
                .values()
                .filter(|i| {
                    i.serves(&client.id) || client.exceptions.iter().any(|e| e.identity.0 == i.id)
                })
                .collect();
            for tenant in &client.tenants {
                let context = super::AccountContext {
                    client: &client.id,
                    tenant: &tenant.name,
                    domain: tenant.domain.as_deref(),
                };
                let mut holders: BTreeMap<String, &Identity> = BTreeMap::new();
                for identity in &in_client {
                    let Some(account) =
                        identity.account_for(&tenant.name, tenant.system.as_str(), &context)
                    else {
                        continue;
                    };
                    let account = account.to_lowercase();
                    if let Some(first) = holders.get(&account) {
                        shared
                            .entry((first.id.as_str(), identity.id.as_str()))
                            .or_default()
                            .push((
                                TenantRef::new(&client.id, &tenant.name).to_string(),
                                account,
                            ));
                    } else {
                        holders.insert(account, identity);
                    }
                }
            }
        }
        for ((first, second), places) in shared {
            let (Some(first), Some(second)) =
                (self.identities.get(first), self.identities.get(second))
            else {
                continue;
            };
            let (tenant, account) = &places[0];
            let more = match places.len() {
                1 => String::new(),
                2 => " and 1 other tenant".to_string(),
                n => format!(" and {} other tenants", n - 1),
            };
            problems.push(
                Diagnostic::new(
                    self.template_origin(second, tenant),
                    format!(
                        "identities `{}` and `{}` have the same account `{account}` in `{tenant}`{more}",
                        second.id, first.id
                    ),
                )
                .field("accounts")
                .hint(format!(
                    "`{}` is at {}: give each identity its own account (`accounts:`), or remove the duplicate identity; revoking one would revoke the other's access",
                    first.id,
                    self.template_origin(first, tenant)
                )),
            );
        }
    }

    /// Where the account template an identity uses in `client/tenant` is written, or the
    /// identity's own line when it has none.
    fn template_origin(&self, identity: &Identity, place: &str) -> Origin {
        let tenant =
            TenantRef::parse(place).and_then(|at| self.clients.get(at.client)?.tenant(at.tenant));
        tenant
            .and_then(|t| identity.account_template(&t.name, t.system.as_str()))
            .map_or_else(|| identity.origin.clone(), |t| t.origin.clone())
    }

    fn unknown_client(&self, origin: &Origin, client: &str) -> Diagnostic {
        Diagnostic::new(origin.clone(), format!("unknown client `{client}`"))
            .field("client")
            .hint(suggest("clients", client, self.clients.keys()))
    }

    /// An `owner` naming no identity: most often a person who left and whose file was
    /// removed before what they own was handed over.
    fn unknown_owner(&self, origin: &Origin, owner: &str, owned: &str) -> Diagnostic {
        let people = self
            .identities
            .values()
            .filter(|i| i.kind == IdentityKind::Person)
            .map(|i| i.id.as_str());
        Diagnostic::new(
            origin.clone(),
            format!("owner `{owner}` is not an identity of the workspace"),
        )
        .field("owner")
        .hint(format!(
            "{}; if `{owner}` has left, make the person who answers for `{owned}` now its owner (or keep `{owner}`'s file and run `onboard revoke --identity {owner}`: what they own is then up for review)",
            suggest("people", owner, people)
        ))
    }

    fn unknown_identity(&self, origin: &Origin, identity: &str, field: &str) -> Diagnostic {
        Diagnostic::new(origin.clone(), format!("unknown identity `{identity}`"))
            .field(field)
            .hint(suggest("identities", identity, self.identities.keys()))
    }
}

/// Returns a file's name without directory and extension.
fn stem(path: &str) -> String {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.rsplit_once('.')
        .map_or(name, |(stem, _)| stem)
        .to_string()
}

fn insert_unique<T>(
    map: &mut BTreeMap<String, T>,
    id: String,
    value: T,
    what: &str,
    origin: impl Fn(&T) -> &Origin,
    problems: &mut Vec<Diagnostic>,
) {
    if let Some(existing) = map.get(&id) {
        problems.push(
            Diagnostic::new(
                origin(&value).clone(),
                format!("{what} id `{id}` is used twice"),
            )
            .field("id")
            .hint(format!(
                "the other is at {}; ids must be unique",
                origin(existing)
            )),
        );
        return;
    }
    map.insert(id, value);
}

/// Returns a hint naming the closest known name (`did you mean `acme`?`), or listing what
/// exists (`known clients: `acme`, `globex``). Every "unknown X" error uses it.
pub fn suggest<S: AsRef<str>>(
    what: &str,
    wanted: &str,
    known: impl IntoIterator<Item = S>,
) -> String {
    let known: Vec<S> = known.into_iter().collect();
    let known: Vec<&str> = known.iter().map(AsRef::as_ref).collect();
    let closest = known
        .iter()
        .map(|k| (edit_distance(wanted, k), *k))
        .filter(|(d, _)| *d <= 2 && *d * 2 <= wanted.chars().count())
        .min();
    match closest {
        Some((_, k)) => format!("did you mean `{k}`?"),
        None if known.is_empty() => format!("there are no {what}"),
        None => format!(
            "known {what}: {}",
            known
                .iter()
                .take(12)
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = (previous + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(current + 1);
            previous = current;
        }
    }
    row[b.len()]
}
