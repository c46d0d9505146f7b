//! What the benchmarks share: the generated workspace.

use std::fs;
use std::path::Path;
use std::process::Output;

fn write(path: &Path, text: &str) {
    fs::write(path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

/// Writes a workspace of `clients` clients, each with one `file` tenant, every one of
/// `identities` people holding `grants` grants of one bundle; `state` is appended to
/// `onboard.toml` (a `[state]` table, or nothing for the file backend).
pub fn generate(ws: &Path, clients: usize, identities: usize, grants: usize, state: &str) {
    for sub in ["bundles", "identities", "clients"] {
        fs::create_dir_all(ws.join(sub)).expect("create a workspace directory");
    }

    write(
        &ws.join("onboard.toml"),
        &format!("[paths]\nbundles = [\"bundles\"]\n\n[apply]\nparallelism = 2\n{state}"),
    );

    let mut bundle = String::from(
        "id: bench-ops\ntier: bench\nfunction: ops\ndescription: Benchmark bundle\ngrants:\n",
    );
    for g in 1..=grants {
        bundle.push_str(&format!(
            "  - system: entra\n    entitlement: \"group:Bench-{g}\"\n"
        ));
    }
    write(&ws.join("bundles/bench.yaml"), &bundle);

    for i in 1..=identities {
        let id = format!("p{i:02}");
        write(
            &ws.join(format!("identities/{id}.yaml")),
            &format!(
                "id: {id}\nkind: person\ndisplay_name: Person {i}\nfunctions: [ops]\nmfa: enforced\n"
            ),
        );
    }

    for c in 1..=clients {
        let id = format!("c{c:04}");
        write(
            &ws.join(format!("clients/{id}.yaml")),
            &format!(
                "id: {id}\nname: Client {c}\ntier: bench\ntenants:\n  - name: entra\n    system: entra\n    adapter: file\n    path: tenants/{id}/entra\n    domain: {id}.example\n"
            ),
        );
    }
}

/// Fails the benchmark, with its stderr, when a run of onboard failed.
pub fn check(what: &str, out: &Output) {
    assert!(
        out.status.success(),
        "{what} failed ({})\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}
