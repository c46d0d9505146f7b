
use builtin;
use str;

set edit:completion:arg-completer[onboard] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'onboard'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'onboard'= {
            cand -w 'Use the workspace in DIR'
            cand --workspace 'Use the workspace in DIR'
            cand -o 'Write data on stdout in this format'
            cand --output 'Write data on stdout in this format'
            cand --color 'When to use colour'
            cand --parallelism 'Work on at most N tenants at once (1-64), reading and applying'
            cand --lock-timeout 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail on stderr (and no progress bars)'
            cand --verbose 'Print more detail on stderr (and no progress bars)'
            cand --no-progress 'Never draw progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand init 'Create a new workspace'
            cand import 'Propose a client file and ledger records from what its tenants already hold'
            cand validate 'Check every workspace file offline'
            cand fmt 'Rewrite the workspace''s YAML files in canonical layout'
            cand plan 'Show what would change in the clients'' tenants'
            cand apply 'Apply a fresh plan, or a saved one'
            cand expire 'Revoke every grant whose time has passed, in every client'
            cand revoke 'Revoke everything an identity, a client or a ticket holds'
            cand status 'Show who holds what, where, until when, and why'
            cand elevate 'Request just-in-time access to a bundle for a ticket'
            cand approve 'Approve a pending request as a second person'
            cand deny 'Refuse a pending request'
            cand requests 'List access requests'
            cand break-glass 'Take emergency access to a bundle, without approval'
            cand review 'List open post-use reviews, or close one'
            cand audit 'Create the signing key, verify, show and export the audit log'
            cand state 'Work with the grant ledger'
            cand login 'Store a tenant''s credential in the OS keyring'
            cand completions 'Print shell completions'
            cand schema 'Print the JSON Schema of a workspace file or of a JSON document'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'onboard;init'= {
            cand --library 'Also use the bundle library at PATH (relative to the new workspace), e.g. the repository''s shipped `bundles/` (can be repeated)'
            cand -w 'Use the workspace in DIR'
            cand --workspace 'Use the workspace in DIR'
            cand -o 'Write data on stdout in this format'
            cand --output 'Write data on stdout in this format'
            cand --color 'When to use colour'
            cand --parallelism 'Work on at most N tenants at once (1-64), reading and applying'
            cand --lock-timeout 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail on stderr (and no progress bars)'
            cand --verbose 'Print more detail on stderr (and no progress bars)'
            cand --no-progress 'Never draw progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'onboard;import'= {
            cand --tier 'The service tier whose bundles say what is read and what is wanted'
            cand --from 'Read the client''s tenants from this client file (id, tier, tenants; its exceptions and other fields are kept)'
            cand --adapter 'The adapter that reaches the tenant'
            cand --tenant 'The tenant''s name in the client file (default: its system)'
            cand --system 'What kind of system the tenant is (default: the adapter''s: `graph` is `entra`, or `gdap` with `--relationship`)'
            cand --endpoint 'The tenant''s API endpoint or directory URL'
            cand --credential 'Where the tenant''s secret is kept: a reference, never the secret'
            cand --tenant-id 'The tenant''s own id, checked before anything is read'
            cand --domain 'The domain account templates use'
            cand --base-dn 'LDAP and AD: the subtree that is the tenant'
            cand --bind-dn 'LDAP and AD: the DN (or AD UPN) to bind as'
            cand --user-filter 'LDAP and AD: the filter that finds an account, with `{account}`'
            cand --ca-file 'LDAP and AD: a PEM file of the CAs the directory''s certificate chains to'
            cand --org 'GitHub: the organisation'
            cand --client-id 'Graph: the app registration''s application id; Okta: the service app''s client id'
            cand --app-id 'GitHub: the GitHub App''s id (the credential is then its private key)'
            cand --auth-endpoint 'Graph: the token endpoint (default `https://login.microsoftonline.com`)'
            cand --relationship 'Graph, partner tenant: the client''s GDAP relationship id (makes the system `gdap`)'
            cand --customer-tenant-id 'Graph, partner tenant: the client''s own Entra tenant id'
            cand --path '`file`: the tenant''s directory, inside the workspace'
            cand --until 'End the imported exceptions at WHEN: a day (`2026-12-31`), an RFC 3339 timestamp, or a duration from now (`30d`)'
            cand --ticket 'The ticket the imported exceptions name (a placeholder to replace in review)'
            cand --approver 'The person who approves the imported exceptions'
            cand -w 'Use the workspace in DIR'
            cand --workspace 'Use the workspace in DIR'
            cand -o 'Write data on stdout in this format'
            cand --output 'Write data on stdout in this format'
            cand --color 'When to use colour'
            cand --parallelism 'Work on at most N tenants at once (1-64), reading and applying'
            cand --lock-timeout 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)'
            cand --starttls 'LDAP: upgrade an `ldap://` endpoint on loopback with StartTLS'
            cand --pim 'Graph: directory roles go through PIM'
            cand --pim-groups 'Graph: group grants with an end go through PIM for Groups'
            cand --dry-run 'Print the proposal and write nothing'
            cand --force 'Overwrite the client''s existing file'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail on stderr (and no progress bars)'
            cand --verbose 'Print more detail on stderr (and no progress bars)'
            cand --no-progress 'Never draw progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'onboard;validate'= {
            cand -w 'Use the workspace in DIR'
            cand --workspace 'Use the workspace in DIR'
            cand -o 'Write data on stdout in this format'
            cand --output 'Write data on stdout in this format'
            cand --color 'When to use colour'
            cand --parallelism 'Work on at most N tenants at once (1-64), reading and applying'
            cand --lock-timeout 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail on stderr (and no progress bars)'
            cand --verbose 'Print more detail on stderr (and no progress bars)'
            cand --no-progress 'Never draw progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'onboard;fmt'= {
            cand -w 'Use the workspace in DIR'
            cand --workspace 'Use the workspace in DIR'
            cand -o 'Write data on stdout in this format'
            cand --output 'Write data on stdout in this format'
            cand --color 'When to use colour'
            cand --parallelism 'Work on at most N tenants at once (1-64), reading and applying'
            cand --lock-timeout 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)'
            cand --check 'Change nothing: list the files that are not in canonical layout, and exit 2 if there are any (for CI)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail on stderr (and no progress bars)'
            cand --verbose 'Print more detail on stderr (and no progress bars)'
            cand --no-progress 'Never draw progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'onboard;plan'= {
            cand --out 'Save the plan as JSON to FILE, for `onboard apply FILE`'
            cand --at 'Show the plan as it will be at WHEN (`YYYY-MM-DD` or RFC 3339): expiries, contract ends, exceptions running out'
            cand --tier 'Show what would change if the one client named moved to tier TIER'
            cand -w 'Use the workspace in DIR'
            cand --workspace 'Use the workspace in DIR'
            cand -o 'Write data on stdout in this format'
            cand --output 'Write data on stdout in this format'
            cand --color 'When to use colour'
            cand --parallelism 'Work on at most N tenants at once (1-64), reading and applying'
            cand --lock-timeout 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)'
            cand --detailed-exitcode 'Exit 2 when there are changes and 0 when there are none'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail on stderr (and no progress bars)'
            cand --verbose 'Print more detail on stderr (and no progress bars)'
            cand --no-progress 'Never draw progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'onboard;apply'= {
            cand -w 'Use the workspace in DIR'
            cand --workspace 'Use the workspace in DIR'
            cand -o 'Write data on stdout in this format'
            cand --output 'Write data on stdout in this format'
            cand --color 'When to use colour'
            cand --parallelism 'Work on at most N tenants at once (1-64), reading and applying'
            cand --lock-timeout 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)'
            cand -y 'Apply without asking for confirmation'
            cand --yes 'Apply without asking for confirmation'
            cand --prune 'Also revoke drift: access held in managed entitlements that onboard neither granted nor wants'
            cand --allow-mass-revoke 'Revoke more of a tenant''s grants than the policy''s mass-revoke limit, once a second person approved exactly these removals (`onboard approve`)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail on stderr (and no progress bars)'
            cand --verbose 'Print more detail on stderr (and no progress bars)'
            cand --no-progress 'Never draw progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'onboard;expire'= {
            cand -w 'Use the workspace in DIR'
            cand --workspace 'Use the workspace in DIR'
            cand -o 'Write data on stdout in this format'
            cand --output 'Write data on stdout in this format'
            cand --color 'When to use colour'
            cand --parallelism 'Work on at most N tenants at once (1-64), reading and applying'
            cand --lock-timeout 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)'
            cand --dry-run 'Show what would expire without changing anything'
            cand --notify 'After the run, send a digest of the access ending within `notify.expiring.within` (default 7d) to the `notify.expiring` hooks of policy.yaml'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail on stderr (and no progress bars)'
            cand --verbose 'Print more detail on stderr (and no progress bars)'
            cand --no-progress 'Never draw progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'onboard;revoke'= {
            cand --identity 'Revoke everything this identity holds, in every client'
            cand --client 'Revoke everything granted in this client'
            cand --ticket 'Revoke every grant tied to this ticket'
            cand --signing-key 'Sign with this private key file (OpenSSH format, Ed25519 or ECDSA) instead of ssh-agent; a passphrase is asked on the terminal'
            cand -w 'Use the workspace in DIR'
            cand --workspace 'Use the workspace in DIR'
            cand -o 'Write data on stdout in this format'
            cand --output 'Write data on stdout in this format'
            cand --color 'When to use colour'
            cand --parallelism 'Work on at most N tenants at once (1-64), reading and applying'
            cand --lock-timeout 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)'
            cand -y 'Apply without asking for confirmation'
            cand --yes 'Apply without asking for confirmation'
            cand --lift 'Lift an earlier revocation of this scope instead (changes no tenant)'
            cand --allow-mass-revoke 'Revoke more of a tenant''s grants than the policy''s mass-revoke limit, once a second person approved exactly these removals (`onboard approve`)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail on stderr (and no progress bars)'
            cand --verbose 'Print more detail on stderr (and no progress bars)'
            cand --no-progress 'Never draw progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'onboard;status'= {
            cand --identity 'Show only these identities (can be repeated)'
            cand --expiring-within 'Show only grants that end within this duration (e.g. `7d`), for renewal reminders'
            cand -w 'Use the workspace in DIR'
            cand --workspace 'Use the workspace in DIR'
            cand -o 'Write data on stdout in this format'
            cand --output 'Write data on stdout in this format'
            cand --color 'When to use colour'
            cand --parallelism 'Work on at most N tenants at once (1-64), reading and applying'
            cand --lock-timeout 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)'
            cand --credentials 'List the credentials issued to service accounts and agents instead: each one''s age, next rotation (or retirement) and where it was delivered, never a value'
            cand --notify 'Send the grants listed that end within `--expiring-within` (default: `notify.expiring.within`, 7d) as one digest to the `notify.expiring` hooks of policy.yaml, and record it in the audit log'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail on stderr (and no progress bars)'
            cand --verbose 'Print more detail on stderr (and no progress bars)'
            cand --no-progress 'Never draw progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'onboard;elevate'= {
            cand --client 'The client'
            cand --bundle 'The bundle whose just-in-time grants are asked for'
            cand --ticket 'The ticket the access is for'
            cand --reason 'Why the access is needed'
            cand --ttl 'How long (default: each grant''s own TTL; never longer)'
            cand --identity 'Who receives the access (default: you)'
            cand --signing-key 'Sign with this private key file (OpenSSH format, Ed25519 or ECDSA) instead of ssh-agent; a passphrase is asked on the terminal'
            cand -w 'Use the workspace in DIR'
            cand --workspace 'Use the workspace in DIR'
            cand -o 'Write data on stdout in this format'
            cand --output 'Write data on stdout in this format'
            cand --color 'When to use colour'
            cand --parallelism 'Work on at most N tenants at once (1-64), reading and applying'
            cand --lock-timeout 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail on stderr (and no progress bars)'
            cand --verbose 'Print more detail on stderr (and no progress bars)'
            cand --no-progress 'Never draw progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'onboard;approve'= {
            cand --signing-key 'Sign with this private key file (OpenSSH format, Ed25519 or ECDSA) instead of ssh-agent; a passphrase is asked on the terminal'
            cand --signature 'A signature made elsewhere over the statement `--print-statement` printed (`ssh-keygen -Y sign -n onboard FILE` writes FILE.sig); no key of yours is used'
            cand --statement 'The statement the signature signs (default: the signature''s path without `.sig`)'
            cand --print-statement 'Print the statement SIGNER (an identity id, or CLIENT/APPROVER for a client''s approver) signs to approve the request, and change nothing'
            cand -w 'Use the workspace in DIR'
            cand --workspace 'Use the workspace in DIR'
            cand -o 'Write data on stdout in this format'
            cand --output 'Write data on stdout in this format'
            cand --color 'When to use colour'
            cand --parallelism 'Work on at most N tenants at once (1-64), reading and applying'
            cand --lock-timeout 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail on stderr (and no progress bars)'
            cand --verbose 'Print more detail on stderr (and no progress bars)'
            cand --no-progress 'Never draw progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'onboard;deny'= {
            cand --reason 'Why'
            cand --signing-key 'Sign with this private key file (OpenSSH format, Ed25519 or ECDSA) instead of ssh-agent; a passphrase is asked on the terminal'
            cand -w 'Use the workspace in DIR'
            cand --workspace 'Use the workspace in DIR'
            cand -o 'Write data on stdout in this format'
            cand --output 'Write data on stdout in this format'
            cand --color 'When to use colour'
            cand --parallelism 'Work on at most N tenants at once (1-64), reading and applying'
            cand --lock-timeout 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail on stderr (and no progress bars)'
            cand --verbose 'Print more detail on stderr (and no progress bars)'
            cand --no-progress 'Never draw progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'onboard;requests'= {
            cand --status 'Show only requests with this status'
            cand -w 'Use the workspace in DIR'
            cand --workspace 'Use the workspace in DIR'
            cand -o 'Write data on stdout in this format'
            cand --output 'Write data on stdout in this format'
            cand --color 'When to use colour'
            cand --parallelism 'Work on at most N tenants at once (1-64), reading and applying'
            cand --lock-timeout 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail on stderr (and no progress bars)'
            cand --verbose 'Print more detail on stderr (and no progress bars)'
            cand --no-progress 'Never draw progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'onboard;break-glass'= {
            cand --client 'The client'
            cand --bundle 'The bundle'
            cand --reason 'Why (mandatory)'
            cand --ticket 'The ticket, when there is one'
            cand --identity 'Who receives the access (default: you)'
            cand --signing-key 'Sign with this private key file (OpenSSH format, Ed25519 or ECDSA) instead of ssh-agent; a passphrase is asked on the terminal'
            cand -w 'Use the workspace in DIR'
            cand --workspace 'Use the workspace in DIR'
            cand -o 'Write data on stdout in this format'
            cand --output 'Write data on stdout in this format'
            cand --color 'When to use colour'
            cand --parallelism 'Work on at most N tenants at once (1-64), reading and applying'
            cand --lock-timeout 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail on stderr (and no progress bars)'
            cand --verbose 'Print more detail on stderr (and no progress bars)'
            cand --no-progress 'Never draw progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'onboard;review'= {
            cand -w 'Use the workspace in DIR'
            cand --workspace 'Use the workspace in DIR'
            cand -o 'Write data on stdout in this format'
            cand --output 'Write data on stdout in this format'
            cand --color 'When to use colour'
            cand --parallelism 'Work on at most N tenants at once (1-64), reading and applying'
            cand --lock-timeout 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)'
            cand --all 'Also list closed reviews'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail on stderr (and no progress bars)'
            cand --verbose 'Print more detail on stderr (and no progress bars)'
            cand --no-progress 'Never draw progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand close 'Close a review with its outcome'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'onboard;review;close'= {
            cand --outcome 'The verdict (e.g. `justified`, `misuse`, `needs-follow-up`)'
            cand --notes 'What the reviewer found'
            cand --ticket 'The ticket of the reviewed access: required for break-glass taken without one where a ticket provider is configured'
            cand --signing-key 'Sign with this private key file (OpenSSH format, Ed25519 or ECDSA) instead of ssh-agent; a passphrase is asked on the terminal'
            cand -w 'Use the workspace in DIR'
            cand --workspace 'Use the workspace in DIR'
            cand -o 'Write data on stdout in this format'
            cand --output 'Write data on stdout in this format'
            cand --color 'When to use colour'
            cand --parallelism 'Work on at most N tenants at once (1-64), reading and applying'
            cand --lock-timeout 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail on stderr (and no progress bars)'
            cand --verbose 'Print more detail on stderr (and no progress bars)'
            cand --no-progress 'Never draw progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'onboard;review;help'= {
            cand close 'Close a review with its outcome'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'onboard;review;help;close'= {
        }
        &'onboard;review;help;help'= {
        }
        &'onboard;audit'= {
            cand -w 'Use the workspace in DIR'
            cand --workspace 'Use the workspace in DIR'
            cand -o 'Write data on stdout in this format'
            cand --output 'Write data on stdout in this format'
            cand --color 'When to use colour'
            cand --parallelism 'Work on at most N tenants at once (1-64), reading and applying'
            cand --lock-timeout 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail on stderr (and no progress bars)'
            cand --verbose 'Print more detail on stderr (and no progress bars)'
            cand --no-progress 'Never draw progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand init 'Create the audit signing key and write its public key to the audit directory'
            cand verify 'Check every chain''s hash links, signatures, sequence, times and head'
            cand show 'Show audit entries, filtered'
            cand export 'Export audit entries for SIEMs and auditors'
            cand rotate-key 'Replace the signing key, recording the change in every chain'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'onboard;audit;init'= {
            cand -w 'Use the workspace in DIR'
            cand --workspace 'Use the workspace in DIR'
            cand -o 'Write data on stdout in this format'
            cand --output 'Write data on stdout in this format'
            cand --color 'When to use colour'
            cand --parallelism 'Work on at most N tenants at once (1-64), reading and applying'
            cand --lock-timeout 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail on stderr (and no progress bars)'
            cand --verbose 'Print more detail on stderr (and no progress bars)'
            cand --no-progress 'Never draw progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'onboard;audit;verify'= {
            cand --client 'Verify only this client''s chain'
            cand --pubkey 'Trust only this public key file (can be repeated; default: the audit directory''s `*.pub`)'
            cand --dir 'Verify the audit directory DIR instead of the workspace''s (no workspace needed)'
            cand -w 'Use the workspace in DIR'
            cand --workspace 'Use the workspace in DIR'
            cand -o 'Write data on stdout in this format'
            cand --output 'Write data on stdout in this format'
            cand --color 'When to use colour'
            cand --parallelism 'Work on at most N tenants at once (1-64), reading and applying'
            cand --lock-timeout 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail on stderr (and no progress bars)'
            cand --verbose 'Print more detail on stderr (and no progress bars)'
            cand --no-progress 'Never draw progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'onboard;audit;show'= {
            cand --client 'Only this client''s chain'
            cand --identity 'Only entries about this identity'
            cand --ticket 'Only entries for this ticket'
            cand --since 'Only entries at or after this date or time'
            cand --until 'Only entries before the end of this date, or before this time'
            cand --kind 'Only entries of this kind (e.g. `grant`, `revoke`, `checkpoint`; can be repeated)'
            cand --dir 'Read the audit directory DIR instead of the workspace''s'
            cand -w 'Use the workspace in DIR'
            cand --workspace 'Use the workspace in DIR'
            cand -o 'Write data on stdout in this format'
            cand --output 'Write data on stdout in this format'
            cand --color 'When to use colour'
            cand --parallelism 'Work on at most N tenants at once (1-64), reading and applying'
            cand --lock-timeout 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail on stderr (and no progress bars)'
            cand --verbose 'Print more detail on stderr (and no progress bars)'
            cand --no-progress 'Never draw progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'onboard;audit;export'= {
            cand --format 'The format'
            cand --to 'Write the audit log as files to DIR instead: each chain''s log and head, and the public keys, as an auditor verifies them offline with `onboard audit verify --dir DIR --pubkey KEY.pub`; from any state backend. Only `--client` (and `--dir`) apply; run it again and it adds what is new'
            cand --client 'Only this client''s chain'
            cand --identity 'Only entries about this identity'
            cand --ticket 'Only entries for this ticket'
            cand --since 'Only entries at or after this date or time'
            cand --until 'Only entries before the end of this date, or before this time'
            cand --kind 'Only entries of this kind (e.g. `grant`, `revoke`, `checkpoint`; can be repeated)'
            cand --dir 'Read the audit directory DIR instead of the workspace''s'
            cand -w 'Use the workspace in DIR'
            cand --workspace 'Use the workspace in DIR'
            cand -o 'Write data on stdout in this format'
            cand --output 'Write data on stdout in this format'
            cand --color 'When to use colour'
            cand --parallelism 'Work on at most N tenants at once (1-64), reading and applying'
            cand --lock-timeout 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail on stderr (and no progress bars)'
            cand --verbose 'Print more detail on stderr (and no progress bars)'
            cand --no-progress 'Never draw progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'onboard;audit;rotate-key'= {
            cand -w 'Use the workspace in DIR'
            cand --workspace 'Use the workspace in DIR'
            cand -o 'Write data on stdout in this format'
            cand --output 'Write data on stdout in this format'
            cand --color 'When to use colour'
            cand --parallelism 'Work on at most N tenants at once (1-64), reading and applying'
            cand --lock-timeout 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail on stderr (and no progress bars)'
            cand --verbose 'Print more detail on stderr (and no progress bars)'
            cand --no-progress 'Never draw progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'onboard;audit;help'= {
            cand init 'Create the audit signing key and write its public key to the audit directory'
            cand verify 'Check every chain''s hash links, signatures, sequence, times and head'
            cand show 'Show audit entries, filtered'
            cand export 'Export audit entries for SIEMs and auditors'
            cand rotate-key 'Replace the signing key, recording the change in every chain'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'onboard;audit;help;init'= {
        }
        &'onboard;audit;help;verify'= {
        }
        &'onboard;audit;help;show'= {
        }
        &'onboard;audit;help;export'= {
        }
        &'onboard;audit;help;rotate-key'= {
        }
        &'onboard;audit;help;help'= {
        }
        &'onboard;state'= {
            cand -w 'Use the workspace in DIR'
            cand --workspace 'Use the workspace in DIR'
            cand -o 'Write data on stdout in this format'
            cand --output 'Write data on stdout in this format'
            cand --color 'When to use colour'
            cand --parallelism 'Work on at most N tenants at once (1-64), reading and applying'
            cand --lock-timeout 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail on stderr (and no progress bars)'
            cand --verbose 'Print more detail on stderr (and no progress bars)'
            cand --no-progress 'Never draw progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand rebuild 'Rebuild the grant ledger from the audit log alone'
            cand status 'Say which state backend is in use, where, what it holds and who holds its locks'
            cand migrate 'Copy everything onboard remembers to the other backend, verify, and switch'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'onboard;state;rebuild'= {
            cand -w 'Use the workspace in DIR'
            cand --workspace 'Use the workspace in DIR'
            cand -o 'Write data on stdout in this format'
            cand --output 'Write data on stdout in this format'
            cand --color 'When to use colour'
            cand --parallelism 'Work on at most N tenants at once (1-64), reading and applying'
            cand --lock-timeout 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail on stderr (and no progress bars)'
            cand --verbose 'Print more detail on stderr (and no progress bars)'
            cand --no-progress 'Never draw progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'onboard;state;status'= {
            cand -w 'Use the workspace in DIR'
            cand --workspace 'Use the workspace in DIR'
            cand -o 'Write data on stdout in this format'
            cand --output 'Write data on stdout in this format'
            cand --color 'When to use colour'
            cand --parallelism 'Work on at most N tenants at once (1-64), reading and applying'
            cand --lock-timeout 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail on stderr (and no progress bars)'
            cand --verbose 'Print more detail on stderr (and no progress bars)'
            cand --no-progress 'Never draw progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'onboard;state;migrate'= {
            cand --to 'The backend to move to'
            cand --url 'Where the database URL comes from, for `--to postgres` (`env:VAR`, `file:PATH`, `keyring:NAME`); default: `[state] url` when set, else `env:ONBOARD_DATABASE_URL`'
            cand -w 'Use the workspace in DIR'
            cand --workspace 'Use the workspace in DIR'
            cand -o 'Write data on stdout in this format'
            cand --output 'Write data on stdout in this format'
            cand --color 'When to use colour'
            cand --parallelism 'Work on at most N tenants at once (1-64), reading and applying'
            cand --lock-timeout 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail on stderr (and no progress bars)'
            cand --verbose 'Print more detail on stderr (and no progress bars)'
            cand --no-progress 'Never draw progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'onboard;state;help'= {
            cand rebuild 'Rebuild the grant ledger from the audit log alone'
            cand status 'Say which state backend is in use, where, what it holds and who holds its locks'
            cand migrate 'Copy everything onboard remembers to the other backend, verify, and switch'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'onboard;state;help;rebuild'= {
        }
        &'onboard;state;help;status'= {
        }
        &'onboard;state;help;migrate'= {
        }
        &'onboard;state;help;help'= {
        }
        &'onboard;login'= {
            cand -w 'Use the workspace in DIR'
            cand --workspace 'Use the workspace in DIR'
            cand -o 'Write data on stdout in this format'
            cand --output 'Write data on stdout in this format'
            cand --color 'When to use colour'
            cand --parallelism 'Work on at most N tenants at once (1-64), reading and applying'
            cand --lock-timeout 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)'
            cand --stdin 'Read the secret from standard input instead of prompting (for scripts)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail on stderr (and no progress bars)'
            cand --verbose 'Print more detail on stderr (and no progress bars)'
            cand --no-progress 'Never draw progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'onboard;completions'= {
            cand -w 'Use the workspace in DIR'
            cand --workspace 'Use the workspace in DIR'
            cand -o 'Write data on stdout in this format'
            cand --output 'Write data on stdout in this format'
            cand --color 'When to use colour'
            cand --parallelism 'Work on at most N tenants at once (1-64), reading and applying'
            cand --lock-timeout 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail on stderr (and no progress bars)'
            cand --verbose 'Print more detail on stderr (and no progress bars)'
            cand --no-progress 'Never draw progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'onboard;schema'= {
            cand -w 'Use the workspace in DIR'
            cand --workspace 'Use the workspace in DIR'
            cand -o 'Write data on stdout in this format'
            cand --output 'Write data on stdout in this format'
            cand --color 'When to use colour'
            cand --parallelism 'Work on at most N tenants at once (1-64), reading and applying'
            cand --lock-timeout 'Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail on stderr (and no progress bars)'
            cand --verbose 'Print more detail on stderr (and no progress bars)'
            cand --no-progress 'Never draw progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'onboard;help'= {
            cand init 'Create a new workspace'
            cand import 'Propose a client file and ledger records from what its tenants already hold'
            cand validate 'Check every workspace file offline'
            cand fmt 'Rewrite the workspace''s YAML files in canonical layout'
            cand plan 'Show what would change in the clients'' tenants'
            cand apply 'Apply a fresh plan, or a saved one'
            cand expire 'Revoke every grant whose time has passed, in every client'
            cand revoke 'Revoke everything an identity, a client or a ticket holds'
            cand status 'Show who holds what, where, until when, and why'
            cand elevate 'Request just-in-time access to a bundle for a ticket'
            cand approve 'Approve a pending request as a second person'
            cand deny 'Refuse a pending request'
            cand requests 'List access requests'
            cand break-glass 'Take emergency access to a bundle, without approval'
            cand review 'List open post-use reviews, or close one'
            cand audit 'Create the signing key, verify, show and export the audit log'
            cand state 'Work with the grant ledger'
            cand login 'Store a tenant''s credential in the OS keyring'
            cand completions 'Print shell completions'
            cand schema 'Print the JSON Schema of a workspace file or of a JSON document'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'onboard;help;init'= {
        }
        &'onboard;help;import'= {
        }
        &'onboard;help;validate'= {
        }
        &'onboard;help;fmt'= {
        }
        &'onboard;help;plan'= {
        }
        &'onboard;help;apply'= {
        }
        &'onboard;help;expire'= {
        }
        &'onboard;help;revoke'= {
        }
        &'onboard;help;status'= {
        }
        &'onboard;help;elevate'= {
        }
        &'onboard;help;approve'= {
        }
        &'onboard;help;deny'= {
        }
        &'onboard;help;requests'= {
        }
        &'onboard;help;break-glass'= {
        }
        &'onboard;help;review'= {
            cand close 'Close a review with its outcome'
        }
        &'onboard;help;review;close'= {
        }
        &'onboard;help;audit'= {
            cand init 'Create the audit signing key and write its public key to the audit directory'
            cand verify 'Check every chain''s hash links, signatures, sequence, times and head'
            cand show 'Show audit entries, filtered'
            cand export 'Export audit entries for SIEMs and auditors'
            cand rotate-key 'Replace the signing key, recording the change in every chain'
        }
        &'onboard;help;audit;init'= {
        }
        &'onboard;help;audit;verify'= {
        }
        &'onboard;help;audit;show'= {
        }
        &'onboard;help;audit;export'= {
        }
        &'onboard;help;audit;rotate-key'= {
        }
        &'onboard;help;state'= {
            cand rebuild 'Rebuild the grant ledger from the audit log alone'
            cand status 'Say which state backend is in use, where, what it holds and who holds its locks'
            cand migrate 'Copy everything onboard remembers to the other backend, verify, and switch'
        }
        &'onboard;help;state;rebuild'= {
        }
        &'onboard;help;state;status'= {
        }
        &'onboard;help;state;migrate'= {
        }
        &'onboard;help;login'= {
        }
        &'onboard;help;completions'= {
        }
        &'onboard;help;schema'= {
        }
        &'onboard;help;help'= {
        }
    ]
    $completions[$command]
}
