//! Getting started: `onboard init`'s next steps work from where the user is, and the
//! README says how to put `onboard` on the PATH.

use std::path::Path;

use crate::support::{Env, stderr};

/// Runs `onboard ARGS…` in `dir` with no workspace flag or variable.
fn onboard_in(env: &Env, dir: &Path, args: &[&str]) -> std::process::Output {
    assert_cmd::Command::new(env!("CARGO_BIN_EXE_onboard"))
        .current_dir(dir)
        .env_remove("ONBOARD_WORKSPACE")
        .env("ONBOARD_NOW", crate::support::NOW)
        .env("ONBOARD_ACTOR", "test:runner")
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{args:?} in {}: {e}", env.root.display()))
}

/// Returns the commands between backquotes after "Next:" in init's message.
fn next_commands(message: &str) -> Vec<String> {
    let next = message
        .split("Next: ")
        .nth(1)
        .unwrap_or_else(|| panic!("{message}"));
    next.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// The commands `init` suggests run as printed, from the directory it ran in.
#[test]
fn the_next_steps_that_init_prints_work_from_where_it_ran() {
    let env = Env::with_files(&[]);
    for (cwd, args, expected) in [
        (
            env.root.clone(),
            vec!["init", "new ws"],
            vec!["onboard -w 'new ws' validate", "onboard -w 'new ws' plan"],
        ),
        (
            env.root.clone(),
            vec!["--workspace", "other", "init"],
            vec!["onboard -w other validate", "onboard -w other plan"],
        ),
        (
            env.ws.clone(),
            vec!["init"],
            vec!["onboard validate", "onboard plan"],
        ),
    ] {
        let output = onboard_in(&env, &cwd, &args);
        let err = stderr(&env, &output);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {err}");
        let commands = next_commands(&err);
        assert_eq!(commands, expected, "{err}");
        for command in commands {
            // The words as a shell would split them (the quoted ones stay whole).
            let words: Vec<String> = match command.split_once('\'') {
                Some((before, rest)) => {
                    let (quoted, after) = rest.split_once('\'').unwrap();
                    let mut words: Vec<String> =
                        before.split_whitespace().map(str::to_string).collect();
                    words.push(quoted.to_string());
                    words.extend(after.split_whitespace().map(str::to_string));
                    words
                }
                None => command.split_whitespace().map(str::to_string).collect(),
            };
            let args: Vec<&str> = words[1..].iter().map(String::as_str).collect();
            let output = onboard_in(&env, &cwd, &args);
            assert!(
                matches!(output.status.code(), Some(0 | 2)),
                "`{command}` in {}: {}",
                cwd.display(),
                stderr(&env, &output)
            );
        }
    }
}

/// The README tells how to get `onboard` onto the PATH before it uses bare `onboard`.
#[test]
fn the_readme_says_how_to_put_onboard_on_the_path() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let install = readme
        .find("cargo install --locked --path .")
        .expect("the README gives the install command");
    let first_use = readme.find("onboard -w ").expect("the README uses onboard");
    assert!(install < first_use, "the install step comes first");
    assert!(readme.contains("target/release/onboard"));
    // What it installs is the binary the README calls.
    assert!(Path::new(env!("CARGO_BIN_EXE_onboard")).ends_with("onboard"));
}

#[test]
fn the_readme_says_what_onboard_version_prints() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let output = assert_cmd::Command::new(env!("CARGO_BIN_EXE_onboard"))
        .arg("--version")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let printed = String::from_utf8_lossy(&output.stdout);
    assert_eq!(printed, format!("onboard {}\n", env!("CARGO_PKG_VERSION")));
    assert!(
        readme.contains(&format!("prints `{}`", printed.trim_end())),
        "the README says `onboard --version` prints {printed:?}"
    );
    // The licences Cargo.toml declares ship beside it.
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap();
    assert!(manifest.contains("license = \"MIT OR Apache-2.0\""));
    for file in ["LICENSE-MIT", "LICENSE-APACHE"] {
        let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(file))
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(text.len() > 1000, "{file}");
        assert!(
            readme.contains(&format!("]({file})")),
            "the README links {file}"
        );
    }
}
