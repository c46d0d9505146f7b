//! `completions/` holds bash, zsh, fish, PowerShell and elvish completions generated
//! from the CLI definition; this fails when they are out of date. Regenerate with
//! `UPDATE_COMPLETIONS=1 cargo test --test cli completions`.

use std::path::Path;

use onboard::cli::completions::{COMMITTED, generate};

#[test]
fn committed_completions_are_up_to_date() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
    let update = std::env::var_os("UPDATE_COMPLETIONS").is_some();
    let mut stale = Vec::new();
    for (shell, file) in COMMITTED {
        let path = dir.join(file);
        let fresh = generate(shell);
        if update {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &fresh).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(fresh.as_str()) {
            stale.push(file);
        }
    }
    assert!(
        stale.is_empty(),
        "completions out of date: {stale:?}; run `UPDATE_COMPLETIONS=1 cargo test --test cli completions`"
    );
}

#[test]
fn the_completions_command_prints_a_script() {
    let output = assert_cmd::Command::new(env!("CARGO_BIN_EXE_onboard"))
        .args(["completions", "bash"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&output.stdout).contains("_onboard()"));
}
