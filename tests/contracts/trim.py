#!/usr/bin/env python3
"""Re-cut the trimmed vendor OpenAPI files in tests/contracts/ from the vendors' own files.

Usage (needs PyYAML; openapi-spec-validator only for --validate):
    python3 -m venv .venv && .venv/bin/pip install pyyaml openapi-spec-validator
    # 1. put the vendor files under SRC/ (repositories and commits: README.md), for example
    #    git --git-dir=<msgraph-sdk-powershell> show f43aa05b3585171922fc830fa74aabcaea897679:openApiDocs/v1.0/Groups.yml > SRC/graph/Groups.yml
    #    (likewise Users, Identity.Governance, Identity.Partner, Applications, Identity.DirectoryManagement)
    #    git --git-dir=<okta-management-openapi-spec> show fdda229e82940cf5af4611ad673ca6a27974e31b:dist/current/management-minimal.yaml > SRC/okta/management-minimal.yaml
    #    git --git-dir=<okta-management-openapi-spec> show fdda229e82940cf5af4611ad673ca6a27974e31b:dist/current/oauth-minimal.yaml > SRC/okta/oauth-minimal.yaml
    #    git --git-dir=<rest-api-description> show a6c95e025223022e1522b7e6e6ed32d08aa8dd9e:descriptions/api.github.com/api.github.com.yaml > SRC/github/api.github.com.yaml
    # 2. cut (targets: graph graph.prism okta okta-oauth github; default: all of them)
    .venv/bin/python trim.py --src SRC --out tests/contracts [--validate] graph.prism okta okta-oauth github
    # --first-cut-only cuts only the first cut's operations; it reproduces the first cut's files byte for byte
    # (graph.yaml differs only in its header's list of module files).

graph-batch.yaml is hand-written from Microsoft's documentation (no vendor file describes JSON batching); this script
does not produce it.

Method, for each target:
- Every listed path + method has its operation object copied unchanged, after the path item's non-operation fields
  (for example `parameters`), which are copied unchanged too. Operations are written in the listed order.
- Then every `#/components/<type>/<name>` that anything kept refers to is added, repeatedly, until nothing new is
  added. References are `$ref` values and `discriminator.mapping` values. The security schemes named in the top-level
  `security` and in the kept operations' `security` are added too.
- When several source files are merged (Graph), each kept object's references are resolved in the file it came from;
  an operation, path-level field or component kept from more than one file must be identical in each, otherwise the
  script stops. (Okta's two files define `Error`, `ErrorTooManyRequests429`, `oauth2` and others differently, so
  POST /oauth2/v1/token is cut into its own file, okta-oauth.yaml.)
- `openapi`/`info`/`servers`/`security`/`externalDocs`/`x-tagGroups` come unchanged from the first source file.
  `tags` keeps only the source's tag objects that the kept operations use, in order of first use (an empty list when
  the source has no top-level `tags`, as in Graph). Other top-level fields (for example Okta's `x-webhooks`) are
  dropped. Components are written in the OpenAPI field order, each sorted by name.
- `graph.prism` additionally removes OData navigation properties from every source schema before the closure is
  computed (strip_navigation_properties).
- `fixes` (okta-oauth only) lists the few changes made to vendor content; each one is described where it is applied.
"""
import argparse
import os
import re
import sys

import yaml

HTTP_METHODS = ('get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace')
COMPONENT_ORDER = ('schemas', 'responses', 'parameters', 'examples', 'requestBodies', 'headers', 'securitySchemes',
                   'links', 'callbacks')
TOP_ORDER = ('openapi', 'info', 'servers', 'security', 'externalDocs', 'x-tagGroups')

GRAPH_SHA = 'f43aa05b3585171922fc830fa74aabcaea897679'
GRAPH_SOURCES = ['graph/Groups.yml', 'graph/Users.yml', 'graph/Identity.Governance.yml', 'graph/Identity.Partner.yml',
                 'graph/Applications.yml', 'graph/Identity.DirectoryManagement.yml']
GRAPH_OPS = [
    ('/groups/{group-id}', ['patch']),
    ('/groups/{group-id}/members', ['get']),
    ('/groups/{group-id}/members/$ref', ['post']),
    ('/groups/{group-id}/members/{directoryObject-id}/$ref', ['delete']),
    ('/users', ['get']),
    ('/users/{user-id}', ['get']),
    ('/roleManagement/directory/roleAssignments', ['get', 'post']),
    ('/roleManagement/directory/roleAssignments/{unifiedRoleAssignment-id}', ['delete']),
    ('/roleManagement/directory/roleAssignmentScheduleRequests', ['get', 'post']),
    ('/roleManagement/directory/roleAssignmentScheduleInstances', ['get']),
    ('/tenantRelationships/delegatedAdminRelationships', ['get', 'post']),
    ('/tenantRelationships/delegatedAdminRelationships/{delegatedAdminRelationship-id}/accessAssignments',
     ['get', 'post']),
    ('/tenantRelationships/delegatedAdminRelationships/{delegatedAdminRelationship-id}/accessAssignments/'
     '{delegatedAdminAccessAssignment-id}', ['get', 'delete']),
]
GRAPH_OPS_ADDED = [
    ('/groups/{group-id}', ['get']),
    ('/groups', ['get']),
    ('/identityGovernance/privilegedAccess/group/assignmentScheduleRequests', ['get', 'post']),
    ('/identityGovernance/privilegedAccess/group/assignmentScheduleInstances', ['get']),
    ('/identityGovernance/privilegedAccess/group/assignmentSchedules', ['get']),
    ('/roleManagement/directory/roleDefinitions', ['get']),
    ('/organization', ['get']),
    ('/servicePrincipals', ['get']),
    ('/applications', ['get']),
    ('/applications/{application-id}/microsoft.graph.addPassword', ['post']),
    ('/applications/{application-id}/microsoft.graph.removePassword', ['post']),
]
GRAPH_MODULES = '{Groups,Users,Identity.Governance,Identity.Partner,Applications,Identity.DirectoryManagement}.yml'

OKTA_SHA = 'fdda229e82940cf5af4611ad673ca6a27974e31b'
OKTA_OPS = [
    ('/api/v1/groups', ['get']),
    ('/api/v1/groups/{groupId}/users', ['get']),
    ('/api/v1/groups/{groupId}/users/{userId}', ['put', 'delete']),
    ('/api/v1/users/{id}', ['get']),
    ('/api/v1/users/{userId}/roles', ['get', 'post']),
    ('/api/v1/users/{userId}/roles/{roleAssignmentId}', ['delete']),
]
OKTA_OPS_ADDED = [
    ('/api/v1/groups/{groupId}', ['get']),
    ('/api/v1/groups/{groupId}/roles', ['get', 'post']),
    ('/api/v1/groups/{groupId}/roles/{roleAssignmentId}', ['delete']),
    ('/api/v1/iam/assignees/users', ['get']),
    ('/api/v1/users', ['get']),
]
# POST /oauth2/v1/token is only in oauth-minimal.yaml, whose `Error` schema, `ErrorTooManyRequests429` response and
# `oauth2` scheme differ from management-minimal.yaml's under the same names, so it is cut into its own file.
OKTA_OAUTH_OPS_ADDED = [
    ('/oauth2/v1/token', ['post']),
]

GITHUB_SHA = 'a6c95e025223022e1522b7e6e6ed32d08aa8dd9e'
GITHUB_OPS = [
    ('/orgs/{org}/members', ['get']),
    ('/orgs/{org}/memberships/{username}', ['get', 'put', 'delete']),
    ('/orgs/{org}/teams/{team_slug}/members', ['get']),
    ('/orgs/{org}/teams/{team_slug}/memberships/{username}', ['get', 'put', 'delete']),
    ('/users/{username}', ['get']),
]
GITHUB_OPS_ADDED = [
    ('/orgs/{org}/invitations', ['get']),
    ('/orgs/{org}/teams/{team_slug}/invitations', ['get']),
    ('/orgs/{org}/teams/{team_slug}', ['get']),
    ('/orgs/{org}/installation', ['get']),
    ('/app/installations', ['get']),
    ('/app/installations/{installation_id}/access_tokens', ['post']),
]

TARGETS = {
    'graph': dict(
        out='graph.yaml', sources=GRAPH_SOURCES, ops=GRAPH_OPS, added=GRAPH_OPS_ADDED, strip_nav=False,
        header=[f'Microsoft Graph v1.0 - trimmed, content unchanged. Cut from microsoftgraph/msgraph-sdk-powershell@{GRAPH_SHA}',
                f'  openApiDocs/v1.0/{GRAPH_MODULES} (merged). See README.md.']),
    'graph.prism': dict(
        out='graph.prism.yaml', sources=GRAPH_SOURCES, ops=GRAPH_OPS, added=GRAPH_OPS_ADDED, strip_nav=True,
        header=['Microsoft Graph v1.0 - trimmed AND navigation properties removed (Prism-loadable variant of graph.yaml).',
                f'Cut from microsoftgraph/msgraph-sdk-powershell@{GRAPH_SHA} openApiDocs/v1.0/*.yml. See README.md.']),
    'okta': dict(
        out='okta.yaml', sources=['okta/management-minimal.yaml'], ops=OKTA_OPS, added=OKTA_OPS_ADDED,
        strip_nav=False,
        header=[f'Okta Management API - trimmed, content unchanged. Cut from okta/okta-management-openapi-spec@{OKTA_SHA}',
                '  dist/current/management-minimal.yaml (info.version 2026.06.3). See README.md.']),
    'okta-oauth': dict(
        out='okta-oauth.yaml', sources=['okta/oauth-minimal.yaml'], ops=[], added=OKTA_OAUTH_OPS_ADDED,
        strip_nav=False, fixes=[('GrantType', 'drop_duplicate_enum_values')],
        header=[f'Okta OpenID Connect & OAuth 2.0 API - trimmed. Cut from okta/okta-management-openapi-spec@{OKTA_SHA}',
                '  dist/current/oauth-minimal.yaml (info.version 2026.06.3). ONE change: the vendor lists',
                "  'urn:ietf:params:oauth:grant-type:jwt-bearer' twice in GrantType.enum; the second copy is removed. See README.md."]),
    'github': dict(
        out='github.yaml', sources=['github/api.github.com.yaml'], ops=GITHUB_OPS, added=GITHUB_OPS_ADDED, strip_nav=False,
        header=[f'GitHub REST API - trimmed, content unchanged. Cut from github/rest-api-description@{GITHUB_SHA}',
                '  descriptions/api.github.com/api.github.com.yaml (2020-07-30, info.version 0.0.4). See README.md.']),
}


# ---------------------------------------------------------------- YAML in/out
class Loader(yaml.CSafeLoader if hasattr(yaml, 'CSafeLoader') else yaml.SafeLoader):
    """Safe loader that keeps timestamps as strings (as JSON/OpenAPI tools read them)."""


Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != 'tag:yaml.org,2002:timestamp']
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}


class Dumper(yaml.SafeDumper):
    pass


def _str_representer(dumper, value):
    style = '|' if '\n' in value else None
    return dumper.represent_scalar('tag:yaml.org,2002:str', value, style=style)


Dumper.add_representer(str, _str_representer)


def load(path):
    with open(path, encoding='utf-8') as f:
        return yaml.load(f, Loader=Loader)


def dump(doc, header):
    text = yaml.dump(doc, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=4096, default_flow_style=False)
    return ''.join(f'# {line}\n' for line in header) + text


# ---------------------------------------------------------------- refs
def iter_refs(node):
    """Every reference below node: `$ref` values, and `discriminator.mapping` values (also references, by URI or by
    bare schema name)."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == '$ref' and isinstance(v, str):
                yield v
            else:
                if k == 'discriminator' and isinstance(v, dict) and isinstance(v.get('mapping'), dict):
                    for target in v['mapping'].values():
                        if isinstance(target, str):
                            yield target if '/' in target or '#' in target else f'#/components/schemas/{target}'
                yield from iter_refs(v)
    elif isinstance(node, list):
        for v in node:
            yield from iter_refs(v)


def parse_component_ref(ref):
    m = re.fullmatch(r'#/components/([^/]+)/([^/]+)', ref)
    if not m:
        if ref.startswith('#/components/'):
            raise SystemExit(f'unsupported $ref {ref!r}')
        return None
    return m.group(1), m.group(2).replace('~1', '/').replace('~0', '~')


def security_names(reqs):
    for req in reqs or []:
        yield from req.keys()


# ---------------------------------------------------------------- Graph navigation properties
def entity_types(schemas):
    """Names of schemas whose allOf chain reaches microsoft.graph.entity (entity itself included)."""
    ent = {'microsoft.graph.entity'}
    changed = True
    while changed:
        changed = False
        for name, s in schemas.items():
            if name in ent or not isinstance(s, dict):
                continue
            for part in s.get('allOf') or []:
                r = part.get('$ref') if isinstance(part, dict) else None
                if r and r.startswith('#/components/schemas/') and r[len('#/components/schemas/'):] in ent:
                    ent.add(name)
                    changed = True
                    break
    return ent


def strip_navigation_properties(schemas, ent):
    """Remove OData navigation properties in place from every schema: a property marked
    `x-ms-navigationProperty: true`, or a property that is only a `$ref` to an entity type (a name in `ent`).
    Returns the number of properties removed."""
    ent_refs = {f'#/components/schemas/{n}' for n in ent}
    removed = 0

    def is_nav(p):
        if not isinstance(p, dict):
            return False
        if p.get('x-ms-navigationProperty') is True:
            return True
        return set(p) == {'$ref'} and p['$ref'] in ent_refs

    def walk(node):
        nonlocal removed
        if isinstance(node, dict):
            props = node.get('properties')
            if isinstance(props, dict):
                for k in [k for k, v in props.items() if is_nav(v)]:
                    del props[k]
                    removed += 1
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    for s in schemas.values():
        walk(s)
    return removed


# ---------------------------------------------------------------- the cut
def op_list(cfg, first_cut_only=False):
    """[(path, [methods])]: the first cut's list, then the additions (methods on a listed path are merged in)."""
    ops = [(p, list(ms)) for p, ms in cfg['ops']]
    if not first_cut_only:
        for p, ms in cfg['added']:
            for q, qms in ops:
                if q == p:
                    qms.extend(m for m in ms if m not in qms)
                    break
            else:
                ops.append((p, list(ms)))
    return ops


def cut(target, src_dir, first_cut_only=False):
    cfg = TARGETS[target]
    docs = [(rel, load(os.path.join(src_dir, rel))) for rel in cfg['sources']]
    if cfg['strip_nav']:
        union = {}
        for _, d in docs:
            for n, s in d.get('components', {}).get('schemas', {}).items():
                union.setdefault(n, s)
        ent = entity_types(union)
        n_removed = sum(strip_navigation_properties(d.get('components', {}).get('schemas', {}), ent) for _, d in docs)
        print(f'{target}: {len(ent)} entity types; {n_removed} navigation properties removed from the sources\' '
              'schemas before the closure', file=sys.stderr)

    primary = docs[0][1]
    paths = {}
    used_tags = []
    # per source: the objects kept from it and the security schemes they name; refs resolve in their own source
    roots = {rel: [] for rel, _ in docs}
    sec_names = {rel: [] for rel, _ in docs}
    sec_names[docs[0][0]] = list(security_names(primary.get('security')))
    roots[docs[0][0]].append(primary.get('security') or [])
    for path, methods in op_list(cfg, first_cut_only):
        found = [(rel, d['paths'][path]) for rel, d in docs if path in d.get('paths', {})]
        if not found:
            raise SystemExit(f'{target}: {path} is in no source')
        rel0, item0 = found[0]
        fields0 = {k: v for k, v in item0.items() if k not in HTTP_METHODS}
        for rel, item in found[1:]:
            if {k: v for k, v in item.items() if k not in HTTP_METHODS} != fields0:
                raise SystemExit(f'{target}: path-level fields of {path} differ between {rel0} and {rel}')
        # the path item's non-operation fields (source order), then the listed operations (listed order)
        item_out = dict(fields0)
        roots[rel0].append(fields0)
        for m in methods:
            have = [(rel, item[m]) for rel, item in found if m in item]
            if not have:
                raise SystemExit(f'{target}: {m.upper()} {path} is in no source')
            for rel, op in have[1:]:
                if op != have[0][1]:
                    raise SystemExit(f'{target}: {m.upper()} {path} differs between {have[0][0]} and {rel}')
            rel_op, op = have[0]
            if rel_op != rel0 and fields0:
                roots[rel_op].append(fields0)
            item_out[m] = op
            roots[rel_op].append(op)
            for t in op.get('tags') or []:
                if t not in used_tags:
                    used_tags.append(t)
            for n in security_names(op.get('security')):
                if n not in sec_names[rel_op]:
                    sec_names[rel_op].append(n)
        paths[path] = item_out

    # the $ref closure, computed in each source; a name kept from two sources must be identical in both
    comps, origin = {}, {}

    def keep(rel, d, ctype, name):
        obj = (d.get('components') or {}).get(ctype, {}).get(name)
        if obj is None:
            raise SystemExit(f'{target}: #/components/{ctype}/{name} is not in {rel}')
        if name in comps.get(ctype, {}):
            if comps[ctype][name] != obj:
                raise SystemExit(f'{target}: components.{ctype}.{name} differs between {origin[ctype, name]} and {rel}')
            return None
        comps.setdefault(ctype, {})[name] = obj
        origin[ctype, name] = rel
        return obj

    for rel, d in docs:
        seen = set()
        todo = list(roots[rel])
        for n in sec_names[rel]:
            keep(rel, d, "securitySchemes", n)
            todo.append(d['components']['securitySchemes'][n])
        while todo:
            node = todo.pop()
            for ref in iter_refs(node):
                pr = parse_component_ref(ref)
                if pr is None or pr in seen:
                    continue
                seen.add(pr)
                keep(rel, d, *pr)
                todo.append(d['components'][pr[0]][pr[1]])
    # report (not an error) kept names that another source defines differently
    for (ctype, name), rel in sorted(origin.items()):
        for rel2, d2 in docs:
            other = (d2.get('components') or {}).get(ctype, {}).get(name)
            if rel2 != rel and other is not None and other != comps[ctype][name]:
                print(f'{target}: note: components.{ctype}.{name} kept from {rel}; {rel2} defines it differently '
                      '(nothing kept from there refers to it)', file=sys.stderr)

    out = {k: primary[k] for k in TOP_ORDER if k in primary}
    src_tags = {}
    for _, d in docs:
        for t in d.get('tags') or []:
            src_tags.setdefault(t['name'], t)
    out['tags'] = [src_tags[t] for t in used_tags if t in src_tags]
    out['paths'] = paths
    extra = set(comps) - set(COMPONENT_ORDER)
    if extra:
        raise SystemExit(f'{target}: unexpected component types {extra}')
    out['components'] = {c: {n: comps[c][n] for n in sorted(comps[c])} for c in COMPONENT_ORDER if c in comps}
    for name, fix in cfg.get('fixes', []):
        schema = out['components']['schemas'][name]
        if fix == 'drop_duplicate_enum_values':
            # A repeated enum value is invalid OpenAPI (enum must have unique items: openapi-spec-validator fails),
            # and Prism then silently skips validating that request body. Dropping the exact repeat changes no set
            # of accepted values.
            dropped = len(schema['enum']) - len(dict.fromkeys(schema['enum']))
            if not dropped:
                raise SystemExit(f'{target}: fix {fix} on {name} is no longer needed; remove it')
            out['components']['schemas'][name] = dict(schema, enum=list(dict.fromkeys(schema['enum'])))
            print(f'{target}: {name}.enum: {dropped} repeated value(s) removed', file=sys.stderr)
        else:
            raise SystemExit(f'unknown fix {fix}')
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--src', required=True, help='folder holding graph/, okta/, github/ vendor files')
    ap.add_argument('--out', required=True, help='output folder (tests/contracts)')
    ap.add_argument('--validate', action='store_true', help='run openapi-spec-validator on each output')
    ap.add_argument('--first-cut-only', action='store_true',
                    help="only the first cut's operations (to check that the first cut is reproduced)")
    ap.add_argument('targets', nargs='*', default=list(TARGETS))
    a = ap.parse_args()
    for t in a.targets:
        if a.first_cut_only and not TARGETS[t]['ops']:
            continue
        doc = cut(t, a.src, a.first_cut_only)
        text = dump(doc, TARGETS[t]['header'])
        path = os.path.join(a.out, TARGETS[t]['out'])
        with open(path, 'w', encoding='utf-8') as f:
            f.write(text)
        n_ops = sum(1 for p in doc['paths'].values() for k in p if k in HTTP_METHODS)
        print(f'{path}: {len(text.encode())} bytes, {n_ops} operations, '
              + ', '.join(f'{len(v)} {k}' for k, v in doc['components'].items()), file=sys.stderr)
        if a.validate:
            from openapi_spec_validator import validate
            validate(yaml.load(text, Loader=Loader))
            print(f'{path}: openapi-spec-validator OK', file=sys.stderr)


if __name__ == '__main__':
    main()
