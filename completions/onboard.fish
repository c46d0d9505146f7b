# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_onboard_global_optspecs
    string join \n w/workspace= o/output= q/quiet v/verbose color= no-progress parallelism= lock-timeout= h/help V/version
end

function __fish_onboard_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_onboard_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_onboard_using_subcommand
    set -l cmd (__fish_onboard_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c onboard -n "__fish_onboard_needs_command" -s w -l workspace -d 'Use the workspace in DIR' -r -F
complete -c onboard -n "__fish_onboard_needs_command" -s o -l output -d 'Write data on stdout in this format' -r -f -a "table\t'A human table'
json\t'JSON with a `format_version`'
markdown\t'Markdown, for a pull-request comment'"
complete -c onboard -n "__fish_onboard_needs_command" -l color -d 'When to use colour' -r -f -a "auto\t'When stdout or stderr is a terminal and `NO_COLOR` is not set'
always\t'Always'
never\t'Never'"
complete -c onboard -n "__fish_onboard_needs_command" -l parallelism -d 'Work on at most N tenants at once (1-64), reading and applying' -r
complete -c onboard -n "__fish_onboard_needs_command" -l lock-timeout -d 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)' -r
complete -c onboard -n "__fish_onboard_needs_command" -s q -l quiet -d 'Print only data and errors'
complete -c onboard -n "__fish_onboard_needs_command" -s v -l verbose -d 'Print more detail on stderr (and no progress bars)'
complete -c onboard -n "__fish_onboard_needs_command" -l no-progress -d 'Never draw progress bars'
complete -c onboard -n "__fish_onboard_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c onboard -n "__fish_onboard_needs_command" -s V -l version -d 'Print version'
complete -c onboard -n "__fish_onboard_needs_command" -f -a "init" -d 'Create a new workspace'
complete -c onboard -n "__fish_onboard_needs_command" -f -a "import" -d 'Propose a client file and ledger records from what its tenants already hold'
complete -c onboard -n "__fish_onboard_needs_command" -f -a "validate" -d 'Check every workspace file offline'
complete -c onboard -n "__fish_onboard_needs_command" -f -a "fmt" -d 'Rewrite the workspace\'s YAML files in canonical layout'
complete -c onboard -n "__fish_onboard_needs_command" -f -a "plan" -d 'Show what would change in the clients\' tenants'
complete -c onboard -n "__fish_onboard_needs_command" -f -a "apply" -d 'Apply a fresh plan, or a saved one'
complete -c onboard -n "__fish_onboard_needs_command" -f -a "expire" -d 'Revoke every grant whose time has passed, in every client'
complete -c onboard -n "__fish_onboard_needs_command" -f -a "revoke" -d 'Revoke everything an identity, a client or a ticket holds'
complete -c onboard -n "__fish_onboard_needs_command" -f -a "status" -d 'Show who holds what, where, until when, and why'
complete -c onboard -n "__fish_onboard_needs_command" -f -a "elevate" -d 'Request just-in-time access to a bundle for a ticket'
complete -c onboard -n "__fish_onboard_needs_command" -f -a "approve" -d 'Approve a pending request as a second person'
complete -c onboard -n "__fish_onboard_needs_command" -f -a "deny" -d 'Refuse a pending request'
complete -c onboard -n "__fish_onboard_needs_command" -f -a "requests" -d 'List access requests'
complete -c onboard -n "__fish_onboard_needs_command" -f -a "break-glass" -d 'Take emergency access to a bundle, without approval'
complete -c onboard -n "__fish_onboard_needs_command" -f -a "review" -d 'List open post-use reviews, or close one'
complete -c onboard -n "__fish_onboard_needs_command" -f -a "audit" -d 'Create the signing key, verify, show and export the audit log'
complete -c onboard -n "__fish_onboard_needs_command" -f -a "state" -d 'Work with the grant ledger'
complete -c onboard -n "__fish_onboard_needs_command" -f -a "login" -d 'Store a tenant\'s credential in the OS keyring'
complete -c onboard -n "__fish_onboard_needs_command" -f -a "completions" -d 'Print shell completions'
complete -c onboard -n "__fish_onboard_needs_command" -f -a "schema" -d 'Print the JSON Schema of a workspace file or of a JSON document'
complete -c onboard -n "__fish_onboard_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c onboard -n "__fish_onboard_using_subcommand init" -l library -d 'Also use the bundle library at PATH (relative to the new workspace), e.g. the repository\'s shipped `bundles/` (can be repeated)' -r
complete -c onboard -n "__fish_onboard_using_subcommand init" -s w -l workspace -d 'Use the workspace in DIR' -r -F
complete -c onboard -n "__fish_onboard_using_subcommand init" -s o -l output -d 'Write data on stdout in this format' -r -f -a "table\t'A human table'
json\t'JSON with a `format_version`'
markdown\t'Markdown, for a pull-request comment'"
complete -c onboard -n "__fish_onboard_using_subcommand init" -l color -d 'When to use colour' -r -f -a "auto\t'When stdout or stderr is a terminal and `NO_COLOR` is not set'
always\t'Always'
never\t'Never'"
complete -c onboard -n "__fish_onboard_using_subcommand init" -l parallelism -d 'Work on at most N tenants at once (1-64), reading and applying' -r
complete -c onboard -n "__fish_onboard_using_subcommand init" -l lock-timeout -d 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)' -r
complete -c onboard -n "__fish_onboard_using_subcommand init" -s q -l quiet -d 'Print only data and errors'
complete -c onboard -n "__fish_onboard_using_subcommand init" -s v -l verbose -d 'Print more detail on stderr (and no progress bars)'
complete -c onboard -n "__fish_onboard_using_subcommand init" -l no-progress -d 'Never draw progress bars'
complete -c onboard -n "__fish_onboard_using_subcommand init" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c onboard -n "__fish_onboard_using_subcommand import" -l tier -d 'The service tier whose bundles say what is read and what is wanted' -r
complete -c onboard -n "__fish_onboard_using_subcommand import" -l from -d 'Read the client\'s tenants from this client file (id, tier, tenants; its exceptions and other fields are kept)' -r -F
complete -c onboard -n "__fish_onboard_using_subcommand import" -l adapter -d 'The adapter that reaches the tenant' -r -f -a "file\t''
scim\t''
ldap\t''
ad\t''
graph\t''
okta\t''
github\t''"
complete -c onboard -n "__fish_onboard_using_subcommand import" -l tenant -d 'The tenant\'s name in the client file (default: its system)' -r
complete -c onboard -n "__fish_onboard_using_subcommand import" -l system -d 'What kind of system the tenant is (default: the adapter\'s: `graph` is `entra`, or `gdap` with `--relationship`)' -r
complete -c onboard -n "__fish_onboard_using_subcommand import" -l endpoint -d 'The tenant\'s API endpoint or directory URL' -r
complete -c onboard -n "__fish_onboard_using_subcommand import" -l credential -d 'Where the tenant\'s secret is kept: a reference, never the secret' -r
complete -c onboard -n "__fish_onboard_using_subcommand import" -l tenant-id -d 'The tenant\'s own id, checked before anything is read' -r
complete -c onboard -n "__fish_onboard_using_subcommand import" -l domain -d 'The domain account templates use' -r
complete -c onboard -n "__fish_onboard_using_subcommand import" -l base-dn -d 'LDAP and AD: the subtree that is the tenant' -r
complete -c onboard -n "__fish_onboard_using_subcommand import" -l bind-dn -d 'LDAP and AD: the DN (or AD UPN) to bind as' -r
complete -c onboard -n "__fish_onboard_using_subcommand import" -l user-filter -d 'LDAP and AD: the filter that finds an account, with `{account}`' -r
complete -c onboard -n "__fish_onboard_using_subcommand import" -l ca-file -d 'LDAP and AD: a PEM file of the CAs the directory\'s certificate chains to' -r
complete -c onboard -n "__fish_onboard_using_subcommand import" -l org -d 'GitHub: the organisation' -r
complete -c onboard -n "__fish_onboard_using_subcommand import" -l client-id -d 'Graph: the app registration\'s application id; Okta: the service app\'s client id' -r
complete -c onboard -n "__fish_onboard_using_subcommand import" -l app-id -d 'GitHub: the GitHub App\'s id (the credential is then its private key)' -r
complete -c onboard -n "__fish_onboard_using_subcommand import" -l auth-endpoint -d 'Graph: the token endpoint (default `https://login.microsoftonline.com`)' -r
complete -c onboard -n "__fish_onboard_using_subcommand import" -l relationship -d 'Graph, partner tenant: the client\'s GDAP relationship id (makes the system `gdap`)' -r
complete -c onboard -n "__fish_onboard_using_subcommand import" -l customer-tenant-id -d 'Graph, partner tenant: the client\'s own Entra tenant id' -r
complete -c onboard -n "__fish_onboard_using_subcommand import" -l path -d '`file`: the tenant\'s directory, inside the workspace' -r
complete -c onboard -n "__fish_onboard_using_subcommand import" -l until -d 'End the imported exceptions at WHEN: a day (`2026-12-31`), an RFC 3339 timestamp, or a duration from now (`30d`)' -r
complete -c onboard -n "__fish_onboard_using_subcommand import" -l ticket -d 'The ticket the imported exceptions name (a placeholder to replace in review)' -r
complete -c onboard -n "__fish_onboard_using_subcommand import" -l approver -d 'The person who approves the imported exceptions' -r
complete -c onboard -n "__fish_onboard_using_subcommand import" -s w -l workspace -d 'Use the workspace in DIR' -r -F
complete -c onboard -n "__fish_onboard_using_subcommand import" -s o -l output -d 'Write data on stdout in this format' -r -f -a "table\t'A human table'
json\t'JSON with a `format_version`'
markdown\t'Markdown, for a pull-request comment'"
complete -c onboard -n "__fish_onboard_using_subcommand import" -l color -d 'When to use colour' -r -f -a "auto\t'When stdout or stderr is a terminal and `NO_COLOR` is not set'
always\t'Always'
never\t'Never'"
complete -c onboard -n "__fish_onboard_using_subcommand import" -l parallelism -d 'Work on at most N tenants at once (1-64), reading and applying' -r
complete -c onboard -n "__fish_onboard_using_subcommand import" -l lock-timeout -d 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)' -r
complete -c onboard -n "__fish_onboard_using_subcommand import" -l starttls -d 'LDAP: upgrade an `ldap://` endpoint on loopback with StartTLS'
complete -c onboard -n "__fish_onboard_using_subcommand import" -l pim -d 'Graph: directory roles go through PIM'
complete -c onboard -n "__fish_onboard_using_subcommand import" -l pim-groups -d 'Graph: group grants with an end go through PIM for Groups'
complete -c onboard -n "__fish_onboard_using_subcommand import" -l dry-run -d 'Print the proposal and write nothing'
complete -c onboard -n "__fish_onboard_using_subcommand import" -l force -d 'Overwrite the client\'s existing file'
complete -c onboard -n "__fish_onboard_using_subcommand import" -s q -l quiet -d 'Print only data and errors'
complete -c onboard -n "__fish_onboard_using_subcommand import" -s v -l verbose -d 'Print more detail on stderr (and no progress bars)'
complete -c onboard -n "__fish_onboard_using_subcommand import" -l no-progress -d 'Never draw progress bars'
complete -c onboard -n "__fish_onboard_using_subcommand import" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c onboard -n "__fish_onboard_using_subcommand validate" -s w -l workspace -d 'Use the workspace in DIR' -r -F
complete -c onboard -n "__fish_onboard_using_subcommand validate" -s o -l output -d 'Write data on stdout in this format' -r -f -a "table\t'A human table'
json\t'JSON with a `format_version`'
markdown\t'Markdown, for a pull-request comment'"
complete -c onboard -n "__fish_onboard_using_subcommand validate" -l color -d 'When to use colour' -r -f -a "auto\t'When stdout or stderr is a terminal and `NO_COLOR` is not set'
always\t'Always'
never\t'Never'"
complete -c onboard -n "__fish_onboard_using_subcommand validate" -l parallelism -d 'Work on at most N tenants at once (1-64), reading and applying' -r
complete -c onboard -n "__fish_onboard_using_subcommand validate" -l lock-timeout -d 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)' -r
complete -c onboard -n "__fish_onboard_using_subcommand validate" -s q -l quiet -d 'Print only data and errors'
complete -c onboard -n "__fish_onboard_using_subcommand validate" -s v -l verbose -d 'Print more detail on stderr (and no progress bars)'
complete -c onboard -n "__fish_onboard_using_subcommand validate" -l no-progress -d 'Never draw progress bars'
complete -c onboard -n "__fish_onboard_using_subcommand validate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c onboard -n "__fish_onboard_using_subcommand fmt" -s w -l workspace -d 'Use the workspace in DIR' -r -F
complete -c onboard -n "__fish_onboard_using_subcommand fmt" -s o -l output -d 'Write data on stdout in this format' -r -f -a "table\t'A human table'
json\t'JSON with a `format_version`'
markdown\t'Markdown, for a pull-request comment'"
complete -c onboard -n "__fish_onboard_using_subcommand fmt" -l color -d 'When to use colour' -r -f -a "auto\t'When stdout or stderr is a terminal and `NO_COLOR` is not set'
always\t'Always'
never\t'Never'"
complete -c onboard -n "__fish_onboard_using_subcommand fmt" -l parallelism -d 'Work on at most N tenants at once (1-64), reading and applying' -r
complete -c onboard -n "__fish_onboard_using_subcommand fmt" -l lock-timeout -d 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)' -r
complete -c onboard -n "__fish_onboard_using_subcommand fmt" -l check -d 'Change nothing: list the files that are not in canonical layout, and exit 2 if there are any (for CI)'
complete -c onboard -n "__fish_onboard_using_subcommand fmt" -s q -l quiet -d 'Print only data and errors'
complete -c onboard -n "__fish_onboard_using_subcommand fmt" -s v -l verbose -d 'Print more detail on stderr (and no progress bars)'
complete -c onboard -n "__fish_onboard_using_subcommand fmt" -l no-progress -d 'Never draw progress bars'
complete -c onboard -n "__fish_onboard_using_subcommand fmt" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c onboard -n "__fish_onboard_using_subcommand plan" -l out -d 'Save the plan as JSON to FILE, for `onboard apply FILE`' -r -F
complete -c onboard -n "__fish_onboard_using_subcommand plan" -l at -d 'Show the plan as it will be at WHEN (`YYYY-MM-DD` or RFC 3339): expiries, contract ends, exceptions running out' -r
complete -c onboard -n "__fish_onboard_using_subcommand plan" -l tier -d 'Show what would change if the one client named moved to tier TIER' -r
complete -c onboard -n "__fish_onboard_using_subcommand plan" -s w -l workspace -d 'Use the workspace in DIR' -r -F
complete -c onboard -n "__fish_onboard_using_subcommand plan" -s o -l output -d 'Write data on stdout in this format' -r -f -a "table\t'A human table'
json\t'JSON with a `format_version`'
markdown\t'Markdown, for a pull-request comment'"
complete -c onboard -n "__fish_onboard_using_subcommand plan" -l color -d 'When to use colour' -r -f -a "auto\t'When stdout or stderr is a terminal and `NO_COLOR` is not set'
always\t'Always'
never\t'Never'"
complete -c onboard -n "__fish_onboard_using_subcommand plan" -l parallelism -d 'Work on at most N tenants at once (1-64), reading and applying' -r
complete -c onboard -n "__fish_onboard_using_subcommand plan" -l lock-timeout -d 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)' -r
complete -c onboard -n "__fish_onboard_using_subcommand plan" -l detailed-exitcode -d 'Exit 2 when there are changes and 0 when there are none'
complete -c onboard -n "__fish_onboard_using_subcommand plan" -s q -l quiet -d 'Print only data and errors'
complete -c onboard -n "__fish_onboard_using_subcommand plan" -s v -l verbose -d 'Print more detail on stderr (and no progress bars)'
complete -c onboard -n "__fish_onboard_using_subcommand plan" -l no-progress -d 'Never draw progress bars'
complete -c onboard -n "__fish_onboard_using_subcommand plan" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c onboard -n "__fish_onboard_using_subcommand apply" -s w -l workspace -d 'Use the workspace in DIR' -r -F
complete -c onboard -n "__fish_onboard_using_subcommand apply" -s o -l output -d 'Write data on stdout in this format' -r -f -a "table\t'A human table'
json\t'JSON with a `format_version`'
markdown\t'Markdown, for a pull-request comment'"
complete -c onboard -n "__fish_onboard_using_subcommand apply" -l color -d 'When to use colour' -r -f -a "auto\t'When stdout or stderr is a terminal and `NO_COLOR` is not set'
always\t'Always'
never\t'Never'"
complete -c onboard -n "__fish_onboard_using_subcommand apply" -l parallelism -d 'Work on at most N tenants at once (1-64), reading and applying' -r
complete -c onboard -n "__fish_onboard_using_subcommand apply" -l lock-timeout -d 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)' -r
complete -c onboard -n "__fish_onboard_using_subcommand apply" -s y -l yes -d 'Apply without asking for confirmation'
complete -c onboard -n "__fish_onboard_using_subcommand apply" -l prune -d 'Also revoke drift: access held in managed entitlements that onboard neither granted nor wants'
complete -c onboard -n "__fish_onboard_using_subcommand apply" -l allow-mass-revoke -d 'Revoke more of a tenant\'s grants than the policy\'s mass-revoke limit, once a second person approved exactly these removals (`onboard approve`)'
complete -c onboard -n "__fish_onboard_using_subcommand apply" -s q -l quiet -d 'Print only data and errors'
complete -c onboard -n "__fish_onboard_using_subcommand apply" -s v -l verbose -d 'Print more detail on stderr (and no progress bars)'
complete -c onboard -n "__fish_onboard_using_subcommand apply" -l no-progress -d 'Never draw progress bars'
complete -c onboard -n "__fish_onboard_using_subcommand apply" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c onboard -n "__fish_onboard_using_subcommand expire" -s w -l workspace -d 'Use the workspace in DIR' -r -F
complete -c onboard -n "__fish_onboard_using_subcommand expire" -s o -l output -d 'Write data on stdout in this format' -r -f -a "table\t'A human table'
json\t'JSON with a `format_version`'
markdown\t'Markdown, for a pull-request comment'"
complete -c onboard -n "__fish_onboard_using_subcommand expire" -l color -d 'When to use colour' -r -f -a "auto\t'When stdout or stderr is a terminal and `NO_COLOR` is not set'
always\t'Always'
never\t'Never'"
complete -c onboard -n "__fish_onboard_using_subcommand expire" -l parallelism -d 'Work on at most N tenants at once (1-64), reading and applying' -r
complete -c onboard -n "__fish_onboard_using_subcommand expire" -l lock-timeout -d 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)' -r
complete -c onboard -n "__fish_onboard_using_subcommand expire" -l dry-run -d 'Show what would expire without changing anything'
complete -c onboard -n "__fish_onboard_using_subcommand expire" -l notify -d 'After the run, send a digest of the access ending within `notify.expiring.within` (default 7d) to the `notify.expiring` hooks of policy.yaml'
complete -c onboard -n "__fish_onboard_using_subcommand expire" -s q -l quiet -d 'Print only data and errors'
complete -c onboard -n "__fish_onboard_using_subcommand expire" -s v -l verbose -d 'Print more detail on stderr (and no progress bars)'
complete -c onboard -n "__fish_onboard_using_subcommand expire" -l no-progress -d 'Never draw progress bars'
complete -c onboard -n "__fish_onboard_using_subcommand expire" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c onboard -n "__fish_onboard_using_subcommand revoke" -l identity -d 'Revoke everything this identity holds, in every client' -r
complete -c onboard -n "__fish_onboard_using_subcommand revoke" -l client -d 'Revoke everything granted in this client' -r
complete -c onboard -n "__fish_onboard_using_subcommand revoke" -l ticket -d 'Revoke every grant tied to this ticket' -r
complete -c onboard -n "__fish_onboard_using_subcommand revoke" -l signing-key -d 'Sign with this private key file (OpenSSH format, Ed25519 or ECDSA) instead of ssh-agent; a passphrase is asked on the terminal' -r -F
complete -c onboard -n "__fish_onboard_using_subcommand revoke" -s w -l workspace -d 'Use the workspace in DIR' -r -F
complete -c onboard -n "__fish_onboard_using_subcommand revoke" -s o -l output -d 'Write data on stdout in this format' -r -f -a "table\t'A human table'
json\t'JSON with a `format_version`'
markdown\t'Markdown, for a pull-request comment'"
complete -c onboard -n "__fish_onboard_using_subcommand revoke" -l color -d 'When to use colour' -r -f -a "auto\t'When stdout or stderr is a terminal and `NO_COLOR` is not set'
always\t'Always'
never\t'Never'"
complete -c onboard -n "__fish_onboard_using_subcommand revoke" -l parallelism -d 'Work on at most N tenants at once (1-64), reading and applying' -r
complete -c onboard -n "__fish_onboard_using_subcommand revoke" -l lock-timeout -d 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)' -r
complete -c onboard -n "__fish_onboard_using_subcommand revoke" -s y -l yes -d 'Apply without asking for confirmation'
complete -c onboard -n "__fish_onboard_using_subcommand revoke" -l lift -d 'Lift an earlier revocation of this scope instead (changes no tenant)'
complete -c onboard -n "__fish_onboard_using_subcommand revoke" -l allow-mass-revoke -d 'Revoke more of a tenant\'s grants than the policy\'s mass-revoke limit, once a second person approved exactly these removals (`onboard approve`)'
complete -c onboard -n "__fish_onboard_using_subcommand revoke" -s q -l quiet -d 'Print only data and errors'
complete -c onboard -n "__fish_onboard_using_subcommand revoke" -s v -l verbose -d 'Print more detail on stderr (and no progress bars)'
complete -c onboard -n "__fish_onboard_using_subcommand revoke" -l no-progress -d 'Never draw progress bars'
complete -c onboard -n "__fish_onboard_using_subcommand revoke" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c onboard -n "__fish_onboard_using_subcommand status" -l identity -d 'Show only these identities (can be repeated)' -r
complete -c onboard -n "__fish_onboard_using_subcommand status" -l expiring-within -d 'Show only grants that end within this duration (e.g. `7d`), for renewal reminders' -r
complete -c onboard -n "__fish_onboard_using_subcommand status" -s w -l workspace -d 'Use the workspace in DIR' -r -F
complete -c onboard -n "__fish_onboard_using_subcommand status" -s o -l output -d 'Write data on stdout in this format' -r -f -a "table\t'A human table'
json\t'JSON with a `format_version`'
markdown\t'Markdown, for a pull-request comment'"
complete -c onboard -n "__fish_onboard_using_subcommand status" -l color -d 'When to use colour' -r -f -a "auto\t'When stdout or stderr is a terminal and `NO_COLOR` is not set'
always\t'Always'
never\t'Never'"
complete -c onboard -n "__fish_onboard_using_subcommand status" -l parallelism -d 'Work on at most N tenants at once (1-64), reading and applying' -r
complete -c onboard -n "__fish_onboard_using_subcommand status" -l lock-timeout -d 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)' -r
complete -c onboard -n "__fish_onboard_using_subcommand status" -l credentials -d 'List the credentials issued to service accounts and agents instead: each one\'s age, next rotation (or retirement) and where it was delivered, never a value'
complete -c onboard -n "__fish_onboard_using_subcommand status" -l notify -d 'Send the grants listed that end within `--expiring-within` (default: `notify.expiring.within`, 7d) as one digest to the `notify.expiring` hooks of policy.yaml, and record it in the audit log'
complete -c onboard -n "__fish_onboard_using_subcommand status" -s q -l quiet -d 'Print only data and errors'
complete -c onboard -n "__fish_onboard_using_subcommand status" -s v -l verbose -d 'Print more detail on stderr (and no progress bars)'
complete -c onboard -n "__fish_onboard_using_subcommand status" -l no-progress -d 'Never draw progress bars'
complete -c onboard -n "__fish_onboard_using_subcommand status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c onboard -n "__fish_onboard_using_subcommand elevate" -l client -d 'The client' -r
complete -c onboard -n "__fish_onboard_using_subcommand elevate" -l bundle -d 'The bundle whose just-in-time grants are asked for' -r
complete -c onboard -n "__fish_onboard_using_subcommand elevate" -l ticket -d 'The ticket the access is for' -r
complete -c onboard -n "__fish_onboard_using_subcommand elevate" -l reason -d 'Why the access is needed' -r
complete -c onboard -n "__fish_onboard_using_subcommand elevate" -l ttl -d 'How long (default: each grant\'s own TTL; never longer)' -r
complete -c onboard -n "__fish_onboard_using_subcommand elevate" -l identity -d 'Who receives the access (default: you)' -r
complete -c onboard -n "__fish_onboard_using_subcommand elevate" -l signing-key -d 'Sign with this private key file (OpenSSH format, Ed25519 or ECDSA) instead of ssh-agent; a passphrase is asked on the terminal' -r -F
complete -c onboard -n "__fish_onboard_using_subcommand elevate" -s w -l workspace -d 'Use the workspace in DIR' -r -F
complete -c onboard -n "__fish_onboard_using_subcommand elevate" -s o -l output -d 'Write data on stdout in this format' -r -f -a "table\t'A human table'
json\t'JSON with a `format_version`'
markdown\t'Markdown, for a pull-request comment'"
complete -c onboard -n "__fish_onboard_using_subcommand elevate" -l color -d 'When to use colour' -r -f -a "auto\t'When stdout or stderr is a terminal and `NO_COLOR` is not set'
always\t'Always'
never\t'Never'"
complete -c onboard -n "__fish_onboard_using_subcommand elevate" -l parallelism -d 'Work on at most N tenants at once (1-64), reading and applying' -r
complete -c onboard -n "__fish_onboard_using_subcommand elevate" -l lock-timeout -d 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)' -r
complete -c onboard -n "__fish_onboard_using_subcommand elevate" -s q -l quiet -d 'Print only data and errors'
complete -c onboard -n "__fish_onboard_using_subcommand elevate" -s v -l verbose -d 'Print more detail on stderr (and no progress bars)'
complete -c onboard -n "__fish_onboard_using_subcommand elevate" -l no-progress -d 'Never draw progress bars'
complete -c onboard -n "__fish_onboard_using_subcommand elevate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c onboard -n "__fish_onboard_using_subcommand approve" -l signing-key -d 'Sign with this private key file (OpenSSH format, Ed25519 or ECDSA) instead of ssh-agent; a passphrase is asked on the terminal' -r -F
complete -c onboard -n "__fish_onboard_using_subcommand approve" -l signature -d 'A signature made elsewhere over the statement `--print-statement` printed (`ssh-keygen -Y sign -n onboard FILE` writes FILE.sig); no key of yours is used' -r -F
complete -c onboard -n "__fish_onboard_using_subcommand approve" -l statement -d 'The statement the signature signs (default: the signature\'s path without `.sig`)' -r -F
complete -c onboard -n "__fish_onboard_using_subcommand approve" -l print-statement -d 'Print the statement SIGNER (an identity id, or CLIENT/APPROVER for a client\'s approver) signs to approve the request, and change nothing' -r
complete -c onboard -n "__fish_onboard_using_subcommand approve" -s w -l workspace -d 'Use the workspace in DIR' -r -F
complete -c onboard -n "__fish_onboard_using_subcommand approve" -s o -l output -d 'Write data on stdout in this format' -r -f -a "table\t'A human table'
json\t'JSON with a `format_version`'
markdown\t'Markdown, for a pull-request comment'"
complete -c onboard -n "__fish_onboard_using_subcommand approve" -l color -d 'When to use colour' -r -f -a "auto\t'When stdout or stderr is a terminal and `NO_COLOR` is not set'
always\t'Always'
never\t'Never'"
complete -c onboard -n "__fish_onboard_using_subcommand approve" -l parallelism -d 'Work on at most N tenants at once (1-64), reading and applying' -r
complete -c onboard -n "__fish_onboard_using_subcommand approve" -l lock-timeout -d 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)' -r
complete -c onboard -n "__fish_onboard_using_subcommand approve" -s q -l quiet -d 'Print only data and errors'
complete -c onboard -n "__fish_onboard_using_subcommand approve" -s v -l verbose -d 'Print more detail on stderr (and no progress bars)'
complete -c onboard -n "__fish_onboard_using_subcommand approve" -l no-progress -d 'Never draw progress bars'
complete -c onboard -n "__fish_onboard_using_subcommand approve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c onboard -n "__fish_onboard_using_subcommand deny" -l reason -d 'Why' -r
complete -c onboard -n "__fish_onboard_using_subcommand deny" -l signing-key -d 'Sign with this private key file (OpenSSH format, Ed25519 or ECDSA) instead of ssh-agent; a passphrase is asked on the terminal' -r -F
complete -c onboard -n "__fish_onboard_using_subcommand deny" -s w -l workspace -d 'Use the workspace in DIR' -r -F
complete -c onboard -n "__fish_onboard_using_subcommand deny" -s o -l output -d 'Write data on stdout in this format' -r -f -a "table\t'A human table'
json\t'JSON with a `format_version`'
markdown\t'Markdown, for a pull-request comment'"
complete -c onboard -n "__fish_onboard_using_subcommand deny" -l color -d 'When to use colour' -r -f -a "auto\t'When stdout or stderr is a terminal and `NO_COLOR` is not set'
always\t'Always'
never\t'Never'"
complete -c onboard -n "__fish_onboard_using_subcommand deny" -l parallelism -d 'Work on at most N tenants at once (1-64), reading and applying' -r
complete -c onboard -n "__fish_onboard_using_subcommand deny" -l lock-timeout -d 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)' -r
complete -c onboard -n "__fish_onboard_using_subcommand deny" -s q -l quiet -d 'Print only data and errors'
complete -c onboard -n "__fish_onboard_using_subcommand deny" -s v -l verbose -d 'Print more detail on stderr (and no progress bars)'
complete -c onboard -n "__fish_onboard_using_subcommand deny" -l no-progress -d 'Never draw progress bars'
complete -c onboard -n "__fish_onboard_using_subcommand deny" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c onboard -n "__fish_onboard_using_subcommand requests" -l status -d 'Show only requests with this status' -r -f -a "pending\t''
approved\t''
denied\t''
expired\t''
used\t''"
complete -c onboard -n "__fish_onboard_using_subcommand requests" -s w -l workspace -d 'Use the workspace in DIR' -r -F
complete -c onboard -n "__fish_onboard_using_subcommand requests" -s o -l output -d 'Write data on stdout in this format' -r -f -a "table\t'A human table'
json\t'JSON with a `format_version`'
markdown\t'Markdown, for a pull-request comment'"
complete -c onboard -n "__fish_onboard_using_subcommand requests" -l color -d 'When to use colour' -r -f -a "auto\t'When stdout or stderr is a terminal and `NO_COLOR` is not set'
always\t'Always'
never\t'Never'"
complete -c onboard -n "__fish_onboard_using_subcommand requests" -l parallelism -d 'Work on at most N tenants at once (1-64), reading and applying' -r
complete -c onboard -n "__fish_onboard_using_subcommand requests" -l lock-timeout -d 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)' -r
complete -c onboard -n "__fish_onboard_using_subcommand requests" -s q -l quiet -d 'Print only data and errors'
complete -c onboard -n "__fish_onboard_using_subcommand requests" -s v -l verbose -d 'Print more detail on stderr (and no progress bars)'
complete -c onboard -n "__fish_onboard_using_subcommand requests" -l no-progress -d 'Never draw progress bars'
complete -c onboard -n "__fish_onboard_using_subcommand requests" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c onboard -n "__fish_onboard_using_subcommand break-glass" -l client -d 'The client' -r
complete -c onboard -n "__fish_onboard_using_subcommand break-glass" -l bundle -d 'The bundle' -r
complete -c onboard -n "__fish_onboard_using_subcommand break-glass" -l reason -d 'Why (mandatory)' -r
complete -c onboard -n "__fish_onboard_using_subcommand break-glass" -l ticket -d 'The ticket, when there is one' -r
complete -c onboard -n "__fish_onboard_using_subcommand break-glass" -l identity -d 'Who receives the access (default: you)' -r
complete -c onboard -n "__fish_onboard_using_subcommand break-glass" -l signing-key -d 'Sign with this private key file (OpenSSH format, Ed25519 or ECDSA) instead of ssh-agent; a passphrase is asked on the terminal' -r -F
complete -c onboard -n "__fish_onboard_using_subcommand break-glass" -s w -l workspace -d 'Use the workspace in DIR' -r -F
complete -c onboard -n "__fish_onboard_using_subcommand break-glass" -s o -l output -d 'Write data on stdout in this format' -r -f -a "table\t'A human table'
json\t'JSON with a `format_version`'
markdown\t'Markdown, for a pull-request comment'"
complete -c onboard -n "__fish_onboard_using_subcommand break-glass" -l color -d 'When to use colour' -r -f -a "auto\t'When stdout or stderr is a terminal and `NO_COLOR` is not set'
always\t'Always'
never\t'Never'"
complete -c onboard -n "__fish_onboard_using_subcommand break-glass" -l parallelism -d 'Work on at most N tenants at once (1-64), reading and applying' -r
complete -c onboard -n "__fish_onboard_using_subcommand break-glass" -l lock-timeout -d 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)' -r
complete -c onboard -n "__fish_onboard_using_subcommand break-glass" -s q -l quiet -d 'Print only data and errors'
complete -c onboard -n "__fish_onboard_using_subcommand break-glass" -s v -l verbose -d 'Print more detail on stderr (and no progress bars)'
complete -c onboard -n "__fish_onboard_using_subcommand break-glass" -l no-progress -d 'Never draw progress bars'
complete -c onboard -n "__fish_onboard_using_subcommand break-glass" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c onboard -n "__fish_onboard_using_subcommand review; and not __fish_seen_subcommand_from close help" -s w -l workspace -d 'Use the workspace in DIR' -r -F
complete -c onboard -n "__fish_onboard_using_subcommand review; and not __fish_seen_subcommand_from close help" -s o -l output -d 'Write data on stdout in this format' -r -f -a "table\t'A human table'
json\t'JSON with a `format_version`'
markdown\t'Markdown, for a pull-request comment'"
complete -c onboard -n "__fish_onboard_using_subcommand review; and not __fish_seen_subcommand_from close help" -l color -d 'When to use colour' -r -f -a "auto\t'When stdout or stderr is a terminal and `NO_COLOR` is not set'
always\t'Always'
never\t'Never'"
complete -c onboard -n "__fish_onboard_using_subcommand review; and not __fish_seen_subcommand_from close help" -l parallelism -d 'Work on at most N tenants at once (1-64), reading and applying' -r
complete -c onboard -n "__fish_onboard_using_subcommand review; and not __fish_seen_subcommand_from close help" -l lock-timeout -d 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)' -r
complete -c onboard -n "__fish_onboard_using_subcommand review; and not __fish_seen_subcommand_from close help" -l all -d 'Also list closed reviews'
complete -c onboard -n "__fish_onboard_using_subcommand review; and not __fish_seen_subcommand_from close help" -s q -l quiet -d 'Print only data and errors'
complete -c onboard -n "__fish_onboard_using_subcommand review; and not __fish_seen_subcommand_from close help" -s v -l verbose -d 'Print more detail on stderr (and no progress bars)'
complete -c onboard -n "__fish_onboard_using_subcommand review; and not __fish_seen_subcommand_from close help" -l no-progress -d 'Never draw progress bars'
complete -c onboard -n "__fish_onboard_using_subcommand review; and not __fish_seen_subcommand_from close help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c onboard -n "__fish_onboard_using_subcommand review; and not __fish_seen_subcommand_from close help" -f -a "close" -d 'Close a review with its outcome'
complete -c onboard -n "__fish_onboard_using_subcommand review; and not __fish_seen_subcommand_from close help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c onboard -n "__fish_onboard_using_subcommand review; and __fish_seen_subcommand_from close" -l outcome -d 'The verdict (e.g. `justified`, `misuse`, `needs-follow-up`)' -r
complete -c onboard -n "__fish_onboard_using_subcommand review; and __fish_seen_subcommand_from close" -l notes -d 'What the reviewer found' -r
complete -c onboard -n "__fish_onboard_using_subcommand review; and __fish_seen_subcommand_from close" -l ticket -d 'The ticket of the reviewed access: required for break-glass taken without one where a ticket provider is configured' -r
complete -c onboard -n "__fish_onboard_using_subcommand review; and __fish_seen_subcommand_from close" -l signing-key -d 'Sign with this private key file (OpenSSH format, Ed25519 or ECDSA) instead of ssh-agent; a passphrase is asked on the terminal' -r -F
complete -c onboard -n "__fish_onboard_using_subcommand review; and __fish_seen_subcommand_from close" -s w -l workspace -d 'Use the workspace in DIR' -r -F
complete -c onboard -n "__fish_onboard_using_subcommand review; and __fish_seen_subcommand_from close" -s o -l output -d 'Write data on stdout in this format' -r -f -a "table\t'A human table'
json\t'JSON with a `format_version`'
markdown\t'Markdown, for a pull-request comment'"
complete -c onboard -n "__fish_onboard_using_subcommand review; and __fish_seen_subcommand_from close" -l color -d 'When to use colour' -r -f -a "auto\t'When stdout or stderr is a terminal and `NO_COLOR` is not set'
always\t'Always'
never\t'Never'"
complete -c onboard -n "__fish_onboard_using_subcommand review; and __fish_seen_subcommand_from close" -l parallelism -d 'Work on at most N tenants at once (1-64), reading and applying' -r
complete -c onboard -n "__fish_onboard_using_subcommand review; and __fish_seen_subcommand_from close" -l lock-timeout -d 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)' -r
complete -c onboard -n "__fish_onboard_using_subcommand review; and __fish_seen_subcommand_from close" -s q -l quiet -d 'Print only data and errors'
complete -c onboard -n "__fish_onboard_using_subcommand review; and __fish_seen_subcommand_from close" -s v -l verbose -d 'Print more detail on stderr (and no progress bars)'
complete -c onboard -n "__fish_onboard_using_subcommand review; and __fish_seen_subcommand_from close" -l no-progress -d 'Never draw progress bars'
complete -c onboard -n "__fish_onboard_using_subcommand review; and __fish_seen_subcommand_from close" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c onboard -n "__fish_onboard_using_subcommand review; and __fish_seen_subcommand_from help" -f -a "close" -d 'Close a review with its outcome'
complete -c onboard -n "__fish_onboard_using_subcommand review; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c onboard -n "__fish_onboard_using_subcommand audit; and not __fish_seen_subcommand_from init verify show export rotate-key help" -s w -l workspace -d 'Use the workspace in DIR' -r -F
complete -c onboard -n "__fish_onboard_using_subcommand audit; and not __fish_seen_subcommand_from init verify show export rotate-key help" -s o -l output -d 'Write data on stdout in this format' -r -f -a "table\t'A human table'
json\t'JSON with a `format_version`'
markdown\t'Markdown, for a pull-request comment'"
complete -c onboard -n "__fish_onboard_using_subcommand audit; and not __fish_seen_subcommand_from init verify show export rotate-key help" -l color -d 'When to use colour' -r -f -a "auto\t'When stdout or stderr is a terminal and `NO_COLOR` is not set'
always\t'Always'
never\t'Never'"
complete -c onboard -n "__fish_onboard_using_subcommand audit; and not __fish_seen_subcommand_from init verify show export rotate-key help" -l parallelism -d 'Work on at most N tenants at once (1-64), reading and applying' -r
complete -c onboard -n "__fish_onboard_using_subcommand audit; and not __fish_seen_subcommand_from init verify show export rotate-key help" -l lock-timeout -d 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)' -r
complete -c onboard -n "__fish_onboard_using_subcommand audit; and not __fish_seen_subcommand_from init verify show export rotate-key help" -s q -l quiet -d 'Print only data and errors'
complete -c onboard -n "__fish_onboard_using_subcommand audit; and not __fish_seen_subcommand_from init verify show export rotate-key help" -s v -l verbose -d 'Print more detail on stderr (and no progress bars)'
complete -c onboard -n "__fish_onboard_using_subcommand audit; and not __fish_seen_subcommand_from init verify show export rotate-key help" -l no-progress -d 'Never draw progress bars'
complete -c onboard -n "__fish_onboard_using_subcommand audit; and not __fish_seen_subcommand_from init verify show export rotate-key help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c onboard -n "__fish_onboard_using_subcommand audit; and not __fish_seen_subcommand_from init verify show export rotate-key help" -f -a "init" -d 'Create the audit signing key and write its public key to the audit directory'
complete -c onboard -n "__fish_onboard_using_subcommand audit; and not __fish_seen_subcommand_from init verify show export rotate-key help" -f -a "verify" -d 'Check every chain\'s hash links, signatures, sequence, times and head'
complete -c onboard -n "__fish_onboard_using_subcommand audit; and not __fish_seen_subcommand_from init verify show export rotate-key help" -f -a "show" -d 'Show audit entries, filtered'
complete -c onboard -n "__fish_onboard_using_subcommand audit; and not __fish_seen_subcommand_from init verify show export rotate-key help" -f -a "export" -d 'Export audit entries for SIEMs and auditors'
complete -c onboard -n "__fish_onboard_using_subcommand audit; and not __fish_seen_subcommand_from init verify show export rotate-key help" -f -a "rotate-key" -d 'Replace the signing key, recording the change in every chain'
complete -c onboard -n "__fish_onboard_using_subcommand audit; and not __fish_seen_subcommand_from init verify show export rotate-key help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from init" -s w -l workspace -d 'Use the workspace in DIR' -r -F
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from init" -s o -l output -d 'Write data on stdout in this format' -r -f -a "table\t'A human table'
json\t'JSON with a `format_version`'
markdown\t'Markdown, for a pull-request comment'"
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from init" -l color -d 'When to use colour' -r -f -a "auto\t'When stdout or stderr is a terminal and `NO_COLOR` is not set'
always\t'Always'
never\t'Never'"
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from init" -l parallelism -d 'Work on at most N tenants at once (1-64), reading and applying' -r
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from init" -l lock-timeout -d 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)' -r
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from init" -s q -l quiet -d 'Print only data and errors'
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from init" -s v -l verbose -d 'Print more detail on stderr (and no progress bars)'
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from init" -l no-progress -d 'Never draw progress bars'
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from init" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from verify" -l client -d 'Verify only this client\'s chain' -r
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from verify" -l pubkey -d 'Trust only this public key file (can be repeated; default: the audit directory\'s `*.pub`)' -r -F
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from verify" -l dir -d 'Verify the audit directory DIR instead of the workspace\'s (no workspace needed)' -r -F
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from verify" -s w -l workspace -d 'Use the workspace in DIR' -r -F
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from verify" -s o -l output -d 'Write data on stdout in this format' -r -f -a "table\t'A human table'
json\t'JSON with a `format_version`'
markdown\t'Markdown, for a pull-request comment'"
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from verify" -l color -d 'When to use colour' -r -f -a "auto\t'When stdout or stderr is a terminal and `NO_COLOR` is not set'
always\t'Always'
never\t'Never'"
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from verify" -l parallelism -d 'Work on at most N tenants at once (1-64), reading and applying' -r
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from verify" -l lock-timeout -d 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)' -r
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from verify" -s q -l quiet -d 'Print only data and errors'
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from verify" -s v -l verbose -d 'Print more detail on stderr (and no progress bars)'
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from verify" -l no-progress -d 'Never draw progress bars'
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from show" -l client -d 'Only this client\'s chain' -r
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from show" -l identity -d 'Only entries about this identity' -r
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from show" -l ticket -d 'Only entries for this ticket' -r
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from show" -l since -d 'Only entries at or after this date or time' -r
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from show" -l until -d 'Only entries before the end of this date, or before this time' -r
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from show" -l kind -d 'Only entries of this kind (e.g. `grant`, `revoke`, `checkpoint`; can be repeated)' -r -f -a "chain-start\t''
run-start\t''
run-finish\t''
plan\t''
grant\t''
renew\t''
expire\t''
revoke\t''
drift\t''
configuration\t''
denial\t''
approval\t''
elevation\t''
break-glass\t''
review\t''
revocation\t''
reconcile\t''
key-rotation\t''
checkpoint\t''
import\t''
credential\t''
notify\t''"
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from show" -l dir -d 'Read the audit directory DIR instead of the workspace\'s' -r -F
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from show" -s w -l workspace -d 'Use the workspace in DIR' -r -F
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from show" -s o -l output -d 'Write data on stdout in this format' -r -f -a "table\t'A human table'
json\t'JSON with a `format_version`'
markdown\t'Markdown, for a pull-request comment'"
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from show" -l color -d 'When to use colour' -r -f -a "auto\t'When stdout or stderr is a terminal and `NO_COLOR` is not set'
always\t'Always'
never\t'Never'"
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from show" -l parallelism -d 'Work on at most N tenants at once (1-64), reading and applying' -r
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from show" -l lock-timeout -d 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)' -r
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print only data and errors'
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Print more detail on stderr (and no progress bars)'
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from show" -l no-progress -d 'Never draw progress bars'
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from export" -l format -d 'The format' -r -f -a "jsonl\t'The entries as JSON lines, exactly as logged'
csv\t'One row per entry'
ocsf\t'OCSF 1.3.0 events (JSON lines) for access changes'"
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from export" -l to -d 'Write the audit log as files to DIR instead: each chain\'s log and head, and the public keys, as an auditor verifies them offline with `onboard audit verify --dir DIR --pubkey KEY.pub`; from any state backend. Only `--client` (and `--dir`) apply; run it again and it adds what is new' -r -F
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from export" -l client -d 'Only this client\'s chain' -r
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from export" -l identity -d 'Only entries about this identity' -r
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from export" -l ticket -d 'Only entries for this ticket' -r
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from export" -l since -d 'Only entries at or after this date or time' -r
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from export" -l until -d 'Only entries before the end of this date, or before this time' -r
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from export" -l kind -d 'Only entries of this kind (e.g. `grant`, `revoke`, `checkpoint`; can be repeated)' -r -f -a "chain-start\t''
run-start\t''
run-finish\t''
plan\t''
grant\t''
renew\t''
expire\t''
revoke\t''
drift\t''
configuration\t''
denial\t''
approval\t''
elevation\t''
break-glass\t''
review\t''
revocation\t''
reconcile\t''
key-rotation\t''
checkpoint\t''
import\t''
credential\t''
notify\t''"
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from export" -l dir -d 'Read the audit directory DIR instead of the workspace\'s' -r -F
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from export" -s w -l workspace -d 'Use the workspace in DIR' -r -F
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from export" -s o -l output -d 'Write data on stdout in this format' -r -f -a "table\t'A human table'
json\t'JSON with a `format_version`'
markdown\t'Markdown, for a pull-request comment'"
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from export" -l color -d 'When to use colour' -r -f -a "auto\t'When stdout or stderr is a terminal and `NO_COLOR` is not set'
always\t'Always'
never\t'Never'"
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from export" -l parallelism -d 'Work on at most N tenants at once (1-64), reading and applying' -r
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from export" -l lock-timeout -d 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)' -r
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from export" -s q -l quiet -d 'Print only data and errors'
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from export" -s v -l verbose -d 'Print more detail on stderr (and no progress bars)'
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from export" -l no-progress -d 'Never draw progress bars'
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from export" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from rotate-key" -s w -l workspace -d 'Use the workspace in DIR' -r -F
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from rotate-key" -s o -l output -d 'Write data on stdout in this format' -r -f -a "table\t'A human table'
json\t'JSON with a `format_version`'
markdown\t'Markdown, for a pull-request comment'"
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from rotate-key" -l color -d 'When to use colour' -r -f -a "auto\t'When stdout or stderr is a terminal and `NO_COLOR` is not set'
always\t'Always'
never\t'Never'"
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from rotate-key" -l parallelism -d 'Work on at most N tenants at once (1-64), reading and applying' -r
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from rotate-key" -l lock-timeout -d 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)' -r
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from rotate-key" -s q -l quiet -d 'Print only data and errors'
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from rotate-key" -s v -l verbose -d 'Print more detail on stderr (and no progress bars)'
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from rotate-key" -l no-progress -d 'Never draw progress bars'
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from rotate-key" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "init" -d 'Create the audit signing key and write its public key to the audit directory'
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "verify" -d 'Check every chain\'s hash links, signatures, sequence, times and head'
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show audit entries, filtered'
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "export" -d 'Export audit entries for SIEMs and auditors'
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "rotate-key" -d 'Replace the signing key, recording the change in every chain'
complete -c onboard -n "__fish_onboard_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c onboard -n "__fish_onboard_using_subcommand state; and not __fish_seen_subcommand_from rebuild status migrate help" -s w -l workspace -d 'Use the workspace in DIR' -r -F
complete -c onboard -n "__fish_onboard_using_subcommand state; and not __fish_seen_subcommand_from rebuild status migrate help" -s o -l output -d 'Write data on stdout in this format' -r -f -a "table\t'A human table'
json\t'JSON with a `format_version`'
markdown\t'Markdown, for a pull-request comment'"
complete -c onboard -n "__fish_onboard_using_subcommand state; and not __fish_seen_subcommand_from rebuild status migrate help" -l color -d 'When to use colour' -r -f -a "auto\t'When stdout or stderr is a terminal and `NO_COLOR` is not set'
always\t'Always'
never\t'Never'"
complete -c onboard -n "__fish_onboard_using_subcommand state; and not __fish_seen_subcommand_from rebuild status migrate help" -l parallelism -d 'Work on at most N tenants at once (1-64), reading and applying' -r
complete -c onboard -n "__fish_onboard_using_subcommand state; and not __fish_seen_subcommand_from rebuild status migrate help" -l lock-timeout -d 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)' -r
complete -c onboard -n "__fish_onboard_using_subcommand state; and not __fish_seen_subcommand_from rebuild status migrate help" -s q -l quiet -d 'Print only data and errors'
complete -c onboard -n "__fish_onboard_using_subcommand state; and not __fish_seen_subcommand_from rebuild status migrate help" -s v -l verbose -d 'Print more detail on stderr (and no progress bars)'
complete -c onboard -n "__fish_onboard_using_subcommand state; and not __fish_seen_subcommand_from rebuild status migrate help" -l no-progress -d 'Never draw progress bars'
complete -c onboard -n "__fish_onboard_using_subcommand state; and not __fish_seen_subcommand_from rebuild status migrate help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c onboard -n "__fish_onboard_using_subcommand state; and not __fish_seen_subcommand_from rebuild status migrate help" -f -a "rebuild" -d 'Rebuild the grant ledger from the audit log alone'
complete -c onboard -n "__fish_onboard_using_subcommand state; and not __fish_seen_subcommand_from rebuild status migrate help" -f -a "status" -d 'Say which state backend is in use, where, what it holds and who holds its locks'
complete -c onboard -n "__fish_onboard_using_subcommand state; and not __fish_seen_subcommand_from rebuild status migrate help" -f -a "migrate" -d 'Copy everything onboard remembers to the other backend, verify, and switch'
complete -c onboard -n "__fish_onboard_using_subcommand state; and not __fish_seen_subcommand_from rebuild status migrate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c onboard -n "__fish_onboard_using_subcommand state; and __fish_seen_subcommand_from rebuild" -s w -l workspace -d 'Use the workspace in DIR' -r -F
complete -c onboard -n "__fish_onboard_using_subcommand state; and __fish_seen_subcommand_from rebuild" -s o -l output -d 'Write data on stdout in this format' -r -f -a "table\t'A human table'
json\t'JSON with a `format_version`'
markdown\t'Markdown, for a pull-request comment'"
complete -c onboard -n "__fish_onboard_using_subcommand state; and __fish_seen_subcommand_from rebuild" -l color -d 'When to use colour' -r -f -a "auto\t'When stdout or stderr is a terminal and `NO_COLOR` is not set'
always\t'Always'
never\t'Never'"
complete -c onboard -n "__fish_onboard_using_subcommand state; and __fish_seen_subcommand_from rebuild" -l parallelism -d 'Work on at most N tenants at once (1-64), reading and applying' -r
complete -c onboard -n "__fish_onboard_using_subcommand state; and __fish_seen_subcommand_from rebuild" -l lock-timeout -d 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)' -r
complete -c onboard -n "__fish_onboard_using_subcommand state; and __fish_seen_subcommand_from rebuild" -s q -l quiet -d 'Print only data and errors'
complete -c onboard -n "__fish_onboard_using_subcommand state; and __fish_seen_subcommand_from rebuild" -s v -l verbose -d 'Print more detail on stderr (and no progress bars)'
complete -c onboard -n "__fish_onboard_using_subcommand state; and __fish_seen_subcommand_from rebuild" -l no-progress -d 'Never draw progress bars'
complete -c onboard -n "__fish_onboard_using_subcommand state; and __fish_seen_subcommand_from rebuild" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c onboard -n "__fish_onboard_using_subcommand state; and __fish_seen_subcommand_from status" -s w -l workspace -d 'Use the workspace in DIR' -r -F
complete -c onboard -n "__fish_onboard_using_subcommand state; and __fish_seen_subcommand_from status" -s o -l output -d 'Write data on stdout in this format' -r -f -a "table\t'A human table'
json\t'JSON with a `format_version`'
markdown\t'Markdown, for a pull-request comment'"
complete -c onboard -n "__fish_onboard_using_subcommand state; and __fish_seen_subcommand_from status" -l color -d 'When to use colour' -r -f -a "auto\t'When stdout or stderr is a terminal and `NO_COLOR` is not set'
always\t'Always'
never\t'Never'"
complete -c onboard -n "__fish_onboard_using_subcommand state; and __fish_seen_subcommand_from status" -l parallelism -d 'Work on at most N tenants at once (1-64), reading and applying' -r
complete -c onboard -n "__fish_onboard_using_subcommand state; and __fish_seen_subcommand_from status" -l lock-timeout -d 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)' -r
complete -c onboard -n "__fish_onboard_using_subcommand state; and __fish_seen_subcommand_from status" -s q -l quiet -d 'Print only data and errors'
complete -c onboard -n "__fish_onboard_using_subcommand state; and __fish_seen_subcommand_from status" -s v -l verbose -d 'Print more detail on stderr (and no progress bars)'
complete -c onboard -n "__fish_onboard_using_subcommand state; and __fish_seen_subcommand_from status" -l no-progress -d 'Never draw progress bars'
complete -c onboard -n "__fish_onboard_using_subcommand state; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c onboard -n "__fish_onboard_using_subcommand state; and __fish_seen_subcommand_from migrate" -l to -d 'The backend to move to' -r -f -a "file\t'The workspace\'s files (`state/`, `audit/`)'
postgres\t'A PostgreSQL database'"
complete -c onboard -n "__fish_onboard_using_subcommand state; and __fish_seen_subcommand_from migrate" -l url -d 'Where the database URL comes from, for `--to postgres` (`env:VAR`, `file:PATH`, `keyring:NAME`); default: `[state] url` when set, else `env:ONBOARD_DATABASE_URL`' -r
complete -c onboard -n "__fish_onboard_using_subcommand state; and __fish_seen_subcommand_from migrate" -s w -l workspace -d 'Use the workspace in DIR' -r -F
complete -c onboard -n "__fish_onboard_using_subcommand state; and __fish_seen_subcommand_from migrate" -s o -l output -d 'Write data on stdout in this format' -r -f -a "table\t'A human table'
json\t'JSON with a `format_version`'
markdown\t'Markdown, for a pull-request comment'"
complete -c onboard -n "__fish_onboard_using_subcommand state; and __fish_seen_subcommand_from migrate" -l color -d 'When to use colour' -r -f -a "auto\t'When stdout or stderr is a terminal and `NO_COLOR` is not set'
always\t'Always'
never\t'Never'"
complete -c onboard -n "__fish_onboard_using_subcommand state; and __fish_seen_subcommand_from migrate" -l parallelism -d 'Work on at most N tenants at once (1-64), reading and applying' -r
complete -c onboard -n "__fish_onboard_using_subcommand state; and __fish_seen_subcommand_from migrate" -l lock-timeout -d 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)' -r
complete -c onboard -n "__fish_onboard_using_subcommand state; and __fish_seen_subcommand_from migrate" -s q -l quiet -d 'Print only data and errors'
complete -c onboard -n "__fish_onboard_using_subcommand state; and __fish_seen_subcommand_from migrate" -s v -l verbose -d 'Print more detail on stderr (and no progress bars)'
complete -c onboard -n "__fish_onboard_using_subcommand state; and __fish_seen_subcommand_from migrate" -l no-progress -d 'Never draw progress bars'
complete -c onboard -n "__fish_onboard_using_subcommand state; and __fish_seen_subcommand_from migrate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c onboard -n "__fish_onboard_using_subcommand state; and __fish_seen_subcommand_from help" -f -a "rebuild" -d 'Rebuild the grant ledger from the audit log alone'
complete -c onboard -n "__fish_onboard_using_subcommand state; and __fish_seen_subcommand_from help" -f -a "status" -d 'Say which state backend is in use, where, what it holds and who holds its locks'
complete -c onboard -n "__fish_onboard_using_subcommand state; and __fish_seen_subcommand_from help" -f -a "migrate" -d 'Copy everything onboard remembers to the other backend, verify, and switch'
complete -c onboard -n "__fish_onboard_using_subcommand state; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c onboard -n "__fish_onboard_using_subcommand login" -s w -l workspace -d 'Use the workspace in DIR' -r -F
complete -c onboard -n "__fish_onboard_using_subcommand login" -s o -l output -d 'Write data on stdout in this format' -r -f -a "table\t'A human table'
json\t'JSON with a `format_version`'
markdown\t'Markdown, for a pull-request comment'"
complete -c onboard -n "__fish_onboard_using_subcommand login" -l color -d 'When to use colour' -r -f -a "auto\t'When stdout or stderr is a terminal and `NO_COLOR` is not set'
always\t'Always'
never\t'Never'"
complete -c onboard -n "__fish_onboard_using_subcommand login" -l parallelism -d 'Work on at most N tenants at once (1-64), reading and applying' -r
complete -c onboard -n "__fish_onboard_using_subcommand login" -l lock-timeout -d 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)' -r
complete -c onboard -n "__fish_onboard_using_subcommand login" -l stdin -d 'Read the secret from standard input instead of prompting (for scripts)'
complete -c onboard -n "__fish_onboard_using_subcommand login" -s q -l quiet -d 'Print only data and errors'
complete -c onboard -n "__fish_onboard_using_subcommand login" -s v -l verbose -d 'Print more detail on stderr (and no progress bars)'
complete -c onboard -n "__fish_onboard_using_subcommand login" -l no-progress -d 'Never draw progress bars'
complete -c onboard -n "__fish_onboard_using_subcommand login" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c onboard -n "__fish_onboard_using_subcommand completions" -s w -l workspace -d 'Use the workspace in DIR' -r -F
complete -c onboard -n "__fish_onboard_using_subcommand completions" -s o -l output -d 'Write data on stdout in this format' -r -f -a "table\t'A human table'
json\t'JSON with a `format_version`'
markdown\t'Markdown, for a pull-request comment'"
complete -c onboard -n "__fish_onboard_using_subcommand completions" -l color -d 'When to use colour' -r -f -a "auto\t'When stdout or stderr is a terminal and `NO_COLOR` is not set'
always\t'Always'
never\t'Never'"
complete -c onboard -n "__fish_onboard_using_subcommand completions" -l parallelism -d 'Work on at most N tenants at once (1-64), reading and applying' -r
complete -c onboard -n "__fish_onboard_using_subcommand completions" -l lock-timeout -d 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)' -r
complete -c onboard -n "__fish_onboard_using_subcommand completions" -s q -l quiet -d 'Print only data and errors'
complete -c onboard -n "__fish_onboard_using_subcommand completions" -s v -l verbose -d 'Print more detail on stderr (and no progress bars)'
complete -c onboard -n "__fish_onboard_using_subcommand completions" -l no-progress -d 'Never draw progress bars'
complete -c onboard -n "__fish_onboard_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c onboard -n "__fish_onboard_using_subcommand schema" -s w -l workspace -d 'Use the workspace in DIR' -r -F
complete -c onboard -n "__fish_onboard_using_subcommand schema" -s o -l output -d 'Write data on stdout in this format' -r -f -a "table\t'A human table'
json\t'JSON with a `format_version`'
markdown\t'Markdown, for a pull-request comment'"
complete -c onboard -n "__fish_onboard_using_subcommand schema" -l color -d 'When to use colour' -r -f -a "auto\t'When stdout or stderr is a terminal and `NO_COLOR` is not set'
always\t'Always'
never\t'Never'"
complete -c onboard -n "__fish_onboard_using_subcommand schema" -l parallelism -d 'Work on at most N tenants at once (1-64), reading and applying' -r
complete -c onboard -n "__fish_onboard_using_subcommand schema" -l lock-timeout -d 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)' -r
complete -c onboard -n "__fish_onboard_using_subcommand schema" -s q -l quiet -d 'Print only data and errors'
complete -c onboard -n "__fish_onboard_using_subcommand schema" -s v -l verbose -d 'Print more detail on stderr (and no progress bars)'
complete -c onboard -n "__fish_onboard_using_subcommand schema" -l no-progress -d 'Never draw progress bars'
complete -c onboard -n "__fish_onboard_using_subcommand schema" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c onboard -n "__fish_onboard_using_subcommand help; and not __fish_seen_subcommand_from init import validate fmt plan apply expire revoke status elevate approve deny requests break-glass review audit state login completions schema help" -f -a "init" -d 'Create a new workspace'
complete -c onboard -n "__fish_onboard_using_subcommand help; and not __fish_seen_subcommand_from init import validate fmt plan apply expire revoke status elevate approve deny requests break-glass review audit state login completions schema help" -f -a "import" -d 'Propose a client file and ledger records from what its tenants already hold'
complete -c onboard -n "__fish_onboard_using_subcommand help; and not __fish_seen_subcommand_from init import validate fmt plan apply expire revoke status elevate approve deny requests break-glass review audit state login completions schema help" -f -a "validate" -d 'Check every workspace file offline'
complete -c onboard -n "__fish_onboard_using_subcommand help; and not __fish_seen_subcommand_from init import validate fmt plan apply expire revoke status elevate approve deny requests break-glass review audit state login completions schema help" -f -a "fmt" -d 'Rewrite the workspace\'s YAML files in canonical layout'
complete -c onboard -n "__fish_onboard_using_subcommand help; and not __fish_seen_subcommand_from init import validate fmt plan apply expire revoke status elevate approve deny requests break-glass review audit state login completions schema help" -f -a "plan" -d 'Show what would change in the clients\' tenants'
complete -c onboard -n "__fish_onboard_using_subcommand help; and not __fish_seen_subcommand_from init import validate fmt plan apply expire revoke status elevate approve deny requests break-glass review audit state login completions schema help" -f -a "apply" -d 'Apply a fresh plan, or a saved one'
complete -c onboard -n "__fish_onboard_using_subcommand help; and not __fish_seen_subcommand_from init import validate fmt plan apply expire revoke status elevate approve deny requests break-glass review audit state login completions schema help" -f -a "expire" -d 'Revoke every grant whose time has passed, in every client'
complete -c onboard -n "__fish_onboard_using_subcommand help; and not __fish_seen_subcommand_from init import validate fmt plan apply expire revoke status elevate approve deny requests break-glass review audit state login completions schema help" -f -a "revoke" -d 'Revoke everything an identity, a client or a ticket holds'
complete -c onboard -n "__fish_onboard_using_subcommand help; and not __fish_seen_subcommand_from init import validate fmt plan apply expire revoke status elevate approve deny requests break-glass review audit state login completions schema help" -f -a "status" -d 'Show who holds what, where, until when, and why'
complete -c onboard -n "__fish_onboard_using_subcommand help; and not __fish_seen_subcommand_from init import validate fmt plan apply expire revoke status elevate approve deny requests break-glass review audit state login completions schema help" -f -a "elevate" -d 'Request just-in-time access to a bundle for a ticket'
complete -c onboard -n "__fish_onboard_using_subcommand help; and not __fish_seen_subcommand_from init import validate fmt plan apply expire revoke status elevate approve deny requests break-glass review audit state login completions schema help" -f -a "approve" -d 'Approve a pending request as a second person'
complete -c onboard -n "__fish_onboard_using_subcommand help; and not __fish_seen_subcommand_from init import validate fmt plan apply expire revoke status elevate approve deny requests break-glass review audit state login completions schema help" -f -a "deny" -d 'Refuse a pending request'
complete -c onboard -n "__fish_onboard_using_subcommand help; and not __fish_seen_subcommand_from init import validate fmt plan apply expire revoke status elevate approve deny requests break-glass review audit state login completions schema help" -f -a "requests" -d 'List access requests'
complete -c onboard -n "__fish_onboard_using_subcommand help; and not __fish_seen_subcommand_from init import validate fmt plan apply expire revoke status elevate approve deny requests break-glass review audit state login completions schema help" -f -a "break-glass" -d 'Take emergency access to a bundle, without approval'
complete -c onboard -n "__fish_onboard_using_subcommand help; and not __fish_seen_subcommand_from init import validate fmt plan apply expire revoke status elevate approve deny requests break-glass review audit state login completions schema help" -f -a "review" -d 'List open post-use reviews, or close one'
complete -c onboard -n "__fish_onboard_using_subcommand help; and not __fish_seen_subcommand_from init import validate fmt plan apply expire revoke status elevate approve deny requests break-glass review audit state login completions schema help" -f -a "audit" -d 'Create the signing key, verify, show and export the audit log'
complete -c onboard -n "__fish_onboard_using_subcommand help; and not __fish_seen_subcommand_from init import validate fmt plan apply expire revoke status elevate approve deny requests break-glass review audit state login completions schema help" -f -a "state" -d 'Work with the grant ledger'
complete -c onboard -n "__fish_onboard_using_subcommand help; and not __fish_seen_subcommand_from init import validate fmt plan apply expire revoke status elevate approve deny requests break-glass review audit state login completions schema help" -f -a "login" -d 'Store a tenant\'s credential in the OS keyring'
complete -c onboard -n "__fish_onboard_using_subcommand help; and not __fish_seen_subcommand_from init import validate fmt plan apply expire revoke status elevate approve deny requests break-glass review audit state login completions schema help" -f -a "completions" -d 'Print shell completions'
complete -c onboard -n "__fish_onboard_using_subcommand help; and not __fish_seen_subcommand_from init import validate fmt plan apply expire revoke status elevate approve deny requests break-glass review audit state login completions schema help" -f -a "schema" -d 'Print the JSON Schema of a workspace file or of a JSON document'
complete -c onboard -n "__fish_onboard_using_subcommand help; and not __fish_seen_subcommand_from init import validate fmt plan apply expire revoke status elevate approve deny requests break-glass review audit state login completions schema help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c onboard -n "__fish_onboard_using_subcommand help; and __fish_seen_subcommand_from review" -f -a "close" -d 'Close a review with its outcome'
complete -c onboard -n "__fish_onboard_using_subcommand help; and __fish_seen_subcommand_from audit" -f -a "init" -d 'Create the audit signing key and write its public key to the audit directory'
complete -c onboard -n "__fish_onboard_using_subcommand help; and __fish_seen_subcommand_from audit" -f -a "verify" -d 'Check every chain\'s hash links, signatures, sequence, times and head'
complete -c onboard -n "__fish_onboard_using_subcommand help; and __fish_seen_subcommand_from audit" -f -a "show" -d 'Show audit entries, filtered'
complete -c onboard -n "__fish_onboard_using_subcommand help; and __fish_seen_subcommand_from audit" -f -a "export" -d 'Export audit entries for SIEMs and auditors'
complete -c onboard -n "__fish_onboard_using_subcommand help; and __fish_seen_subcommand_from audit" -f -a "rotate-key" -d 'Replace the signing key, recording the change in every chain'
complete -c onboard -n "__fish_onboard_using_subcommand help; and __fish_seen_subcommand_from state" -f -a "rebuild" -d 'Rebuild the grant ledger from the audit log alone'
complete -c onboard -n "__fish_onboard_using_subcommand help; and __fish_seen_subcommand_from state" -f -a "status" -d 'Say which state backend is in use, where, what it holds and who holds its locks'
complete -c onboard -n "__fish_onboard_using_subcommand help; and __fish_seen_subcommand_from state" -f -a "migrate" -d 'Copy everything onboard remembers to the other backend, verify, and switch'
