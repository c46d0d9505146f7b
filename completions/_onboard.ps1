
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'onboard' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'onboard'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'onboard' {
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('--workspace', '--workspace', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--parallelism', '--parallelism', [CompletionResultType]::ParameterName, 'Work on at most N tenants at once (1-64), reading and applying')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Create a new workspace')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Propose a client file and ledger records from what its tenants already hold')
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Check every workspace file offline')
            [CompletionResult]::new('fmt', 'fmt', [CompletionResultType]::ParameterValue, 'Rewrite the workspace''s YAML files in canonical layout')
            [CompletionResult]::new('plan', 'plan', [CompletionResultType]::ParameterValue, 'Show what would change in the clients'' tenants')
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Apply a fresh plan, or a saved one')
            [CompletionResult]::new('expire', 'expire', [CompletionResultType]::ParameterValue, 'Revoke every grant whose time has passed, in every client')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke everything an identity, a client or a ticket holds')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show who holds what, where, until when, and why')
            [CompletionResult]::new('elevate', 'elevate', [CompletionResultType]::ParameterValue, 'Request just-in-time access to a bundle for a ticket')
            [CompletionResult]::new('approve', 'approve', [CompletionResultType]::ParameterValue, 'Approve a pending request as a second person')
            [CompletionResult]::new('deny', 'deny', [CompletionResultType]::ParameterValue, 'Refuse a pending request')
            [CompletionResult]::new('requests', 'requests', [CompletionResultType]::ParameterValue, 'List access requests')
            [CompletionResult]::new('break-glass', 'break-glass', [CompletionResultType]::ParameterValue, 'Take emergency access to a bundle, without approval')
            [CompletionResult]::new('review', 'review', [CompletionResultType]::ParameterValue, 'List open post-use reviews, or close one')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Create the signing key, verify, show and export the audit log')
            [CompletionResult]::new('state', 'state', [CompletionResultType]::ParameterValue, 'Work with the grant ledger')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Store a tenant''s credential in the OS keyring')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions')
            [CompletionResult]::new('schema', 'schema', [CompletionResultType]::ParameterValue, 'Print the JSON Schema of a workspace file or of a JSON document')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'onboard;init' {
            [CompletionResult]::new('--library', '--library', [CompletionResultType]::ParameterName, 'Also use the bundle library at PATH (relative to the new workspace), e.g. the repository''s shipped `bundles/` (can be repeated)')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('--workspace', '--workspace', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--parallelism', '--parallelism', [CompletionResultType]::ParameterName, 'Work on at most N tenants at once (1-64), reading and applying')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'onboard;import' {
            [CompletionResult]::new('--tier', '--tier', [CompletionResultType]::ParameterName, 'The service tier whose bundles say what is read and what is wanted')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Read the client''s tenants from this client file (id, tier, tenants; its exceptions and other fields are kept)')
            [CompletionResult]::new('--adapter', '--adapter', [CompletionResultType]::ParameterName, 'The adapter that reaches the tenant')
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'The tenant''s name in the client file (default: its system)')
            [CompletionResult]::new('--system', '--system', [CompletionResultType]::ParameterName, 'What kind of system the tenant is (default: the adapter''s: `graph` is `entra`, or `gdap` with `--relationship`)')
            [CompletionResult]::new('--endpoint', '--endpoint', [CompletionResultType]::ParameterName, 'The tenant''s API endpoint or directory URL')
            [CompletionResult]::new('--credential', '--credential', [CompletionResultType]::ParameterName, 'Where the tenant''s secret is kept: a reference, never the secret')
            [CompletionResult]::new('--tenant-id', '--tenant-id', [CompletionResultType]::ParameterName, 'The tenant''s own id, checked before anything is read')
            [CompletionResult]::new('--domain', '--domain', [CompletionResultType]::ParameterName, 'The domain account templates use')
            [CompletionResult]::new('--base-dn', '--base-dn', [CompletionResultType]::ParameterName, 'LDAP and AD: the subtree that is the tenant')
            [CompletionResult]::new('--bind-dn', '--bind-dn', [CompletionResultType]::ParameterName, 'LDAP and AD: the DN (or AD UPN) to bind as')
            [CompletionResult]::new('--user-filter', '--user-filter', [CompletionResultType]::ParameterName, 'LDAP and AD: the filter that finds an account, with `{account}`')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'LDAP and AD: a PEM file of the CAs the directory''s certificate chains to')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'GitHub: the organisation')
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'Graph: the app registration''s application id; Okta: the service app''s client id')
            [CompletionResult]::new('--app-id', '--app-id', [CompletionResultType]::ParameterName, 'GitHub: the GitHub App''s id (the credential is then its private key)')
            [CompletionResult]::new('--auth-endpoint', '--auth-endpoint', [CompletionResultType]::ParameterName, 'Graph: the token endpoint (default `https://login.microsoftonline.com`)')
            [CompletionResult]::new('--relationship', '--relationship', [CompletionResultType]::ParameterName, 'Graph, partner tenant: the client''s GDAP relationship id (makes the system `gdap`)')
            [CompletionResult]::new('--customer-tenant-id', '--customer-tenant-id', [CompletionResultType]::ParameterName, 'Graph, partner tenant: the client''s own Entra tenant id')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, '`file`: the tenant''s directory, inside the workspace')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'End the imported exceptions at WHEN: a day (`2026-12-31`), an RFC 3339 timestamp, or a duration from now (`30d`)')
            [CompletionResult]::new('--ticket', '--ticket', [CompletionResultType]::ParameterName, 'The ticket the imported exceptions name (a placeholder to replace in review)')
            [CompletionResult]::new('--approver', '--approver', [CompletionResultType]::ParameterName, 'The person who approves the imported exceptions')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('--workspace', '--workspace', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--parallelism', '--parallelism', [CompletionResultType]::ParameterName, 'Work on at most N tenants at once (1-64), reading and applying')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)')
            [CompletionResult]::new('--starttls', '--starttls', [CompletionResultType]::ParameterName, 'LDAP: upgrade an `ldap://` endpoint on loopback with StartTLS')
            [CompletionResult]::new('--pim', '--pim', [CompletionResultType]::ParameterName, 'Graph: directory roles go through PIM')
            [CompletionResult]::new('--pim-groups', '--pim-groups', [CompletionResultType]::ParameterName, 'Graph: group grants with an end go through PIM for Groups')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the proposal and write nothing')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Overwrite the client''s existing file')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'onboard;validate' {
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('--workspace', '--workspace', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--parallelism', '--parallelism', [CompletionResultType]::ParameterName, 'Work on at most N tenants at once (1-64), reading and applying')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'onboard;fmt' {
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('--workspace', '--workspace', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--parallelism', '--parallelism', [CompletionResultType]::ParameterName, 'Work on at most N tenants at once (1-64), reading and applying')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)')
            [CompletionResult]::new('--check', '--check', [CompletionResultType]::ParameterName, 'Change nothing: list the files that are not in canonical layout, and exit 2 if there are any (for CI)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'onboard;plan' {
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Save the plan as JSON to FILE, for `onboard apply FILE`')
            [CompletionResult]::new('--at', '--at', [CompletionResultType]::ParameterName, 'Show the plan as it will be at WHEN (`YYYY-MM-DD` or RFC 3339): expiries, contract ends, exceptions running out')
            [CompletionResult]::new('--tier', '--tier', [CompletionResultType]::ParameterName, 'Show what would change if the one client named moved to tier TIER')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('--workspace', '--workspace', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--parallelism', '--parallelism', [CompletionResultType]::ParameterName, 'Work on at most N tenants at once (1-64), reading and applying')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)')
            [CompletionResult]::new('--detailed-exitcode', '--detailed-exitcode', [CompletionResultType]::ParameterName, 'Exit 2 when there are changes and 0 when there are none')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'onboard;apply' {
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('--workspace', '--workspace', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--parallelism', '--parallelism', [CompletionResultType]::ParameterName, 'Work on at most N tenants at once (1-64), reading and applying')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Apply without asking for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Apply without asking for confirmation')
            [CompletionResult]::new('--prune', '--prune', [CompletionResultType]::ParameterName, 'Also revoke drift: access held in managed entitlements that onboard neither granted nor wants')
            [CompletionResult]::new('--allow-mass-revoke', '--allow-mass-revoke', [CompletionResultType]::ParameterName, 'Revoke more of a tenant''s grants than the policy''s mass-revoke limit, once a second person approved exactly these removals (`onboard approve`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'onboard;expire' {
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('--workspace', '--workspace', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--parallelism', '--parallelism', [CompletionResultType]::ParameterName, 'Work on at most N tenants at once (1-64), reading and applying')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would expire without changing anything')
            [CompletionResult]::new('--notify', '--notify', [CompletionResultType]::ParameterName, 'After the run, send a digest of the access ending within `notify.expiring.within` (default 7d) to the `notify.expiring` hooks of policy.yaml')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'onboard;revoke' {
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Revoke everything this identity holds, in every client')
            [CompletionResult]::new('--client', '--client', [CompletionResultType]::ParameterName, 'Revoke everything granted in this client')
            [CompletionResult]::new('--ticket', '--ticket', [CompletionResultType]::ParameterName, 'Revoke every grant tied to this ticket')
            [CompletionResult]::new('--signing-key', '--signing-key', [CompletionResultType]::ParameterName, 'Sign with this private key file (OpenSSH format, Ed25519 or ECDSA) instead of ssh-agent; a passphrase is asked on the terminal')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('--workspace', '--workspace', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--parallelism', '--parallelism', [CompletionResultType]::ParameterName, 'Work on at most N tenants at once (1-64), reading and applying')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Apply without asking for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Apply without asking for confirmation')
            [CompletionResult]::new('--lift', '--lift', [CompletionResultType]::ParameterName, 'Lift an earlier revocation of this scope instead (changes no tenant)')
            [CompletionResult]::new('--allow-mass-revoke', '--allow-mass-revoke', [CompletionResultType]::ParameterName, 'Revoke more of a tenant''s grants than the policy''s mass-revoke limit, once a second person approved exactly these removals (`onboard approve`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'onboard;status' {
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Show only these identities (can be repeated)')
            [CompletionResult]::new('--expiring-within', '--expiring-within', [CompletionResultType]::ParameterName, 'Show only grants that end within this duration (e.g. `7d`), for renewal reminders')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('--workspace', '--workspace', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--parallelism', '--parallelism', [CompletionResultType]::ParameterName, 'Work on at most N tenants at once (1-64), reading and applying')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)')
            [CompletionResult]::new('--credentials', '--credentials', [CompletionResultType]::ParameterName, 'List the credentials issued to service accounts and agents instead: each one''s age, next rotation (or retirement) and where it was delivered, never a value')
            [CompletionResult]::new('--notify', '--notify', [CompletionResultType]::ParameterName, 'Send the grants listed that end within `--expiring-within` (default: `notify.expiring.within`, 7d) as one digest to the `notify.expiring` hooks of policy.yaml, and record it in the audit log')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'onboard;elevate' {
            [CompletionResult]::new('--client', '--client', [CompletionResultType]::ParameterName, 'The client')
            [CompletionResult]::new('--bundle', '--bundle', [CompletionResultType]::ParameterName, 'The bundle whose just-in-time grants are asked for')
            [CompletionResult]::new('--ticket', '--ticket', [CompletionResultType]::ParameterName, 'The ticket the access is for')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why the access is needed')
            [CompletionResult]::new('--ttl', '--ttl', [CompletionResultType]::ParameterName, 'How long (default: each grant''s own TTL; never longer)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Who receives the access (default: you)')
            [CompletionResult]::new('--signing-key', '--signing-key', [CompletionResultType]::ParameterName, 'Sign with this private key file (OpenSSH format, Ed25519 or ECDSA) instead of ssh-agent; a passphrase is asked on the terminal')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('--workspace', '--workspace', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--parallelism', '--parallelism', [CompletionResultType]::ParameterName, 'Work on at most N tenants at once (1-64), reading and applying')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'onboard;approve' {
            [CompletionResult]::new('--signing-key', '--signing-key', [CompletionResultType]::ParameterName, 'Sign with this private key file (OpenSSH format, Ed25519 or ECDSA) instead of ssh-agent; a passphrase is asked on the terminal')
            [CompletionResult]::new('--signature', '--signature', [CompletionResultType]::ParameterName, 'A signature made elsewhere over the statement `--print-statement` printed (`ssh-keygen -Y sign -n onboard FILE` writes FILE.sig); no key of yours is used')
            [CompletionResult]::new('--statement', '--statement', [CompletionResultType]::ParameterName, 'The statement the signature signs (default: the signature''s path without `.sig`)')
            [CompletionResult]::new('--print-statement', '--print-statement', [CompletionResultType]::ParameterName, 'Print the statement SIGNER (an identity id, or CLIENT/APPROVER for a client''s approver) signs to approve the request, and change nothing')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('--workspace', '--workspace', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--parallelism', '--parallelism', [CompletionResultType]::ParameterName, 'Work on at most N tenants at once (1-64), reading and applying')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'onboard;deny' {
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why')
            [CompletionResult]::new('--signing-key', '--signing-key', [CompletionResultType]::ParameterName, 'Sign with this private key file (OpenSSH format, Ed25519 or ECDSA) instead of ssh-agent; a passphrase is asked on the terminal')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('--workspace', '--workspace', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--parallelism', '--parallelism', [CompletionResultType]::ParameterName, 'Work on at most N tenants at once (1-64), reading and applying')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'onboard;requests' {
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'Show only requests with this status')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('--workspace', '--workspace', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--parallelism', '--parallelism', [CompletionResultType]::ParameterName, 'Work on at most N tenants at once (1-64), reading and applying')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'onboard;break-glass' {
            [CompletionResult]::new('--client', '--client', [CompletionResultType]::ParameterName, 'The client')
            [CompletionResult]::new('--bundle', '--bundle', [CompletionResultType]::ParameterName, 'The bundle')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (mandatory)')
            [CompletionResult]::new('--ticket', '--ticket', [CompletionResultType]::ParameterName, 'The ticket, when there is one')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Who receives the access (default: you)')
            [CompletionResult]::new('--signing-key', '--signing-key', [CompletionResultType]::ParameterName, 'Sign with this private key file (OpenSSH format, Ed25519 or ECDSA) instead of ssh-agent; a passphrase is asked on the terminal')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('--workspace', '--workspace', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--parallelism', '--parallelism', [CompletionResultType]::ParameterName, 'Work on at most N tenants at once (1-64), reading and applying')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'onboard;review' {
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('--workspace', '--workspace', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--parallelism', '--parallelism', [CompletionResultType]::ParameterName, 'Work on at most N tenants at once (1-64), reading and applying')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Also list closed reviews')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('close', 'close', [CompletionResultType]::ParameterValue, 'Close a review with its outcome')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'onboard;review;close' {
            [CompletionResult]::new('--outcome', '--outcome', [CompletionResultType]::ParameterName, 'The verdict (e.g. `justified`, `misuse`, `needs-follow-up`)')
            [CompletionResult]::new('--notes', '--notes', [CompletionResultType]::ParameterName, 'What the reviewer found')
            [CompletionResult]::new('--ticket', '--ticket', [CompletionResultType]::ParameterName, 'The ticket of the reviewed access: required for break-glass taken without one where a ticket provider is configured')
            [CompletionResult]::new('--signing-key', '--signing-key', [CompletionResultType]::ParameterName, 'Sign with this private key file (OpenSSH format, Ed25519 or ECDSA) instead of ssh-agent; a passphrase is asked on the terminal')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('--workspace', '--workspace', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--parallelism', '--parallelism', [CompletionResultType]::ParameterName, 'Work on at most N tenants at once (1-64), reading and applying')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'onboard;review;help' {
            [CompletionResult]::new('close', 'close', [CompletionResultType]::ParameterValue, 'Close a review with its outcome')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'onboard;review;help;close' {
            break
        }
        'onboard;review;help;help' {
            break
        }
        'onboard;audit' {
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('--workspace', '--workspace', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--parallelism', '--parallelism', [CompletionResultType]::ParameterName, 'Work on at most N tenants at once (1-64), reading and applying')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Create the audit signing key and write its public key to the audit directory')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check every chain''s hash links, signatures, sequence, times and head')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show audit entries, filtered')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Export audit entries for SIEMs and auditors')
            [CompletionResult]::new('rotate-key', 'rotate-key', [CompletionResultType]::ParameterValue, 'Replace the signing key, recording the change in every chain')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'onboard;audit;init' {
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('--workspace', '--workspace', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--parallelism', '--parallelism', [CompletionResultType]::ParameterName, 'Work on at most N tenants at once (1-64), reading and applying')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'onboard;audit;verify' {
            [CompletionResult]::new('--client', '--client', [CompletionResultType]::ParameterName, 'Verify only this client''s chain')
            [CompletionResult]::new('--pubkey', '--pubkey', [CompletionResultType]::ParameterName, 'Trust only this public key file (can be repeated; default: the audit directory''s `*.pub`)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Verify the audit directory DIR instead of the workspace''s (no workspace needed)')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('--workspace', '--workspace', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--parallelism', '--parallelism', [CompletionResultType]::ParameterName, 'Work on at most N tenants at once (1-64), reading and applying')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'onboard;audit;show' {
            [CompletionResult]::new('--client', '--client', [CompletionResultType]::ParameterName, 'Only this client''s chain')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Only entries about this identity')
            [CompletionResult]::new('--ticket', '--ticket', [CompletionResultType]::ParameterName, 'Only entries for this ticket')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only entries at or after this date or time')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Only entries before the end of this date, or before this time')
            [CompletionResult]::new('--kind', '--kind', [CompletionResultType]::ParameterName, 'Only entries of this kind (e.g. `grant`, `revoke`, `checkpoint`; can be repeated)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Read the audit directory DIR instead of the workspace''s')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('--workspace', '--workspace', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--parallelism', '--parallelism', [CompletionResultType]::ParameterName, 'Work on at most N tenants at once (1-64), reading and applying')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'onboard;audit;export' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'The format')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Write the audit log as files to DIR instead: each chain''s log and head, and the public keys, as an auditor verifies them offline with `onboard audit verify --dir DIR --pubkey KEY.pub`; from any state backend. Only `--client` (and `--dir`) apply; run it again and it adds what is new')
            [CompletionResult]::new('--client', '--client', [CompletionResultType]::ParameterName, 'Only this client''s chain')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Only entries about this identity')
            [CompletionResult]::new('--ticket', '--ticket', [CompletionResultType]::ParameterName, 'Only entries for this ticket')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only entries at or after this date or time')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Only entries before the end of this date, or before this time')
            [CompletionResult]::new('--kind', '--kind', [CompletionResultType]::ParameterName, 'Only entries of this kind (e.g. `grant`, `revoke`, `checkpoint`; can be repeated)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Read the audit directory DIR instead of the workspace''s')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('--workspace', '--workspace', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--parallelism', '--parallelism', [CompletionResultType]::ParameterName, 'Work on at most N tenants at once (1-64), reading and applying')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'onboard;audit;rotate-key' {
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('--workspace', '--workspace', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--parallelism', '--parallelism', [CompletionResultType]::ParameterName, 'Work on at most N tenants at once (1-64), reading and applying')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'onboard;audit;help' {
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Create the audit signing key and write its public key to the audit directory')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check every chain''s hash links, signatures, sequence, times and head')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show audit entries, filtered')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Export audit entries for SIEMs and auditors')
            [CompletionResult]::new('rotate-key', 'rotate-key', [CompletionResultType]::ParameterValue, 'Replace the signing key, recording the change in every chain')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'onboard;audit;help;init' {
            break
        }
        'onboard;audit;help;verify' {
            break
        }
        'onboard;audit;help;show' {
            break
        }
        'onboard;audit;help;export' {
            break
        }
        'onboard;audit;help;rotate-key' {
            break
        }
        'onboard;audit;help;help' {
            break
        }
        'onboard;state' {
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('--workspace', '--workspace', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--parallelism', '--parallelism', [CompletionResultType]::ParameterName, 'Work on at most N tenants at once (1-64), reading and applying')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('rebuild', 'rebuild', [CompletionResultType]::ParameterValue, 'Rebuild the grant ledger from the audit log alone')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Say which state backend is in use, where, what it holds and who holds its locks')
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Copy everything onboard remembers to the other backend, verify, and switch')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'onboard;state;rebuild' {
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('--workspace', '--workspace', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--parallelism', '--parallelism', [CompletionResultType]::ParameterName, 'Work on at most N tenants at once (1-64), reading and applying')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'onboard;state;status' {
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('--workspace', '--workspace', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--parallelism', '--parallelism', [CompletionResultType]::ParameterName, 'Work on at most N tenants at once (1-64), reading and applying')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'onboard;state;migrate' {
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'The backend to move to')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Where the database URL comes from, for `--to postgres` (`env:VAR`, `file:PATH`, `keyring:NAME`); default: `[state] url` when set, else `env:ONBOARD_DATABASE_URL`')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('--workspace', '--workspace', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--parallelism', '--parallelism', [CompletionResultType]::ParameterName, 'Work on at most N tenants at once (1-64), reading and applying')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'onboard;state;help' {
            [CompletionResult]::new('rebuild', 'rebuild', [CompletionResultType]::ParameterValue, 'Rebuild the grant ledger from the audit log alone')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Say which state backend is in use, where, what it holds and who holds its locks')
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Copy everything onboard remembers to the other backend, verify, and switch')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'onboard;state;help;rebuild' {
            break
        }
        'onboard;state;help;status' {
            break
        }
        'onboard;state;help;migrate' {
            break
        }
        'onboard;state;help;help' {
            break
        }
        'onboard;login' {
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('--workspace', '--workspace', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--parallelism', '--parallelism', [CompletionResultType]::ParameterName, 'Work on at most N tenants at once (1-64), reading and applying')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)')
            [CompletionResult]::new('--stdin', '--stdin', [CompletionResultType]::ParameterName, 'Read the secret from standard input instead of prompting (for scripts)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'onboard;completions' {
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('--workspace', '--workspace', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--parallelism', '--parallelism', [CompletionResultType]::ParameterName, 'Work on at most N tenants at once (1-64), reading and applying')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'onboard;schema' {
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('--workspace', '--workspace', [CompletionResultType]::ParameterName, 'Use the workspace in DIR')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write data on stdout in this format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--parallelism', '--parallelism', [CompletionResultType]::ParameterName, 'Work on at most N tenants at once (1-64), reading and applying')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (and no progress bars)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'onboard;help' {
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Create a new workspace')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Propose a client file and ledger records from what its tenants already hold')
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Check every workspace file offline')
            [CompletionResult]::new('fmt', 'fmt', [CompletionResultType]::ParameterValue, 'Rewrite the workspace''s YAML files in canonical layout')
            [CompletionResult]::new('plan', 'plan', [CompletionResultType]::ParameterValue, 'Show what would change in the clients'' tenants')
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Apply a fresh plan, or a saved one')
            [CompletionResult]::new('expire', 'expire', [CompletionResultType]::ParameterValue, 'Revoke every grant whose time has passed, in every client')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke everything an identity, a client or a ticket holds')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show who holds what, where, until when, and why')
            [CompletionResult]::new('elevate', 'elevate', [CompletionResultType]::ParameterValue, 'Request just-in-time access to a bundle for a ticket')
            [CompletionResult]::new('approve', 'approve', [CompletionResultType]::ParameterValue, 'Approve a pending request as a second person')
            [CompletionResult]::new('deny', 'deny', [CompletionResultType]::ParameterValue, 'Refuse a pending request')
            [CompletionResult]::new('requests', 'requests', [CompletionResultType]::ParameterValue, 'List access requests')
            [CompletionResult]::new('break-glass', 'break-glass', [CompletionResultType]::ParameterValue, 'Take emergency access to a bundle, without approval')
            [CompletionResult]::new('review', 'review', [CompletionResultType]::ParameterValue, 'List open post-use reviews, or close one')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Create the signing key, verify, show and export the audit log')
            [CompletionResult]::new('state', 'state', [CompletionResultType]::ParameterValue, 'Work with the grant ledger')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Store a tenant''s credential in the OS keyring')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions')
            [CompletionResult]::new('schema', 'schema', [CompletionResultType]::ParameterValue, 'Print the JSON Schema of a workspace file or of a JSON document')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'onboard;help;init' {
            break
        }
        'onboard;help;import' {
            break
        }
        'onboard;help;validate' {
            break
        }
        'onboard;help;fmt' {
            break
        }
        'onboard;help;plan' {
            break
        }
        'onboard;help;apply' {
            break
        }
        'onboard;help;expire' {
            break
        }
        'onboard;help;revoke' {
            break
        }
        'onboard;help;status' {
            break
        }
        'onboard;help;elevate' {
            break
        }
        'onboard;help;approve' {
            break
        }
        'onboard;help;deny' {
            break
        }
        'onboard;help;requests' {
            break
        }
        'onboard;help;break-glass' {
            break
        }
        'onboard;help;review' {
            [CompletionResult]::new('close', 'close', [CompletionResultType]::ParameterValue, 'Close a review with its outcome')
            break
        }
        'onboard;help;review;close' {
            break
        }
        'onboard;help;audit' {
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Create the audit signing key and write its public key to the audit directory')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check every chain''s hash links, signatures, sequence, times and head')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show audit entries, filtered')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Export audit entries for SIEMs and auditors')
            [CompletionResult]::new('rotate-key', 'rotate-key', [CompletionResultType]::ParameterValue, 'Replace the signing key, recording the change in every chain')
            break
        }
        'onboard;help;audit;init' {
            break
        }
        'onboard;help;audit;verify' {
            break
        }
        'onboard;help;audit;show' {
            break
        }
        'onboard;help;audit;export' {
            break
        }
        'onboard;help;audit;rotate-key' {
            break
        }
        'onboard;help;state' {
            [CompletionResult]::new('rebuild', 'rebuild', [CompletionResultType]::ParameterValue, 'Rebuild the grant ledger from the audit log alone')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Say which state backend is in use, where, what it holds and who holds its locks')
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Copy everything onboard remembers to the other backend, verify, and switch')
            break
        }
        'onboard;help;state;rebuild' {
            break
        }
        'onboard;help;state;status' {
            break
        }
        'onboard;help;state;migrate' {
            break
        }
        'onboard;help;login' {
            break
        }
        'onboard;help;completions' {
            break
        }
        'onboard;help;schema' {
            break
        }
        'onboard;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
