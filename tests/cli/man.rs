//! `man/` holds a man page for `onboard` and one for each subcommand (`onboard-plan.1`,
//! `onboard-audit-show.1`…), generated from the CLI definition; this fails when they are
//! out of date. Regenerate with `UPDATE_MAN=1 cargo test --test cli man::`.

use std::collections::BTreeMap;
use std::path::Path;

use clap::CommandFactory;
use onboard::cli::Cli;

/// Returns every page: file name → roff text.
fn pages() -> BTreeMap<String, String> {
    let mut command = Cli::command();
    command.build();
    let mut out = BTreeMap::new();
    add_pages(&command, "onboard", &mut out);
    out
}

fn add_pages(command: &clap::Command, name: &str, out: &mut BTreeMap<String, String>) {
    let mut roff = Vec::new();
    clap_mangen::Man::new(command.clone())
        .title(name.to_string())
        .render(&mut roff)
        .unwrap();
    out.insert(format!("{name}.1"), String::from_utf8(roff).unwrap());
    for sub in command.get_subcommands() {
        if sub.get_name() != "help" && !sub.is_hide_set() {
            add_pages(sub, &format!("{name}-{}", sub.get_name()), out);
        }
    }
}

#[test]
fn committed_man_pages_are_up_to_date() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("man");
    let fresh = pages();
    if std::env::var_os("UPDATE_MAN").is_some() {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for (file, text) in &fresh {
            std::fs::write(dir.join(file), text).unwrap();
        }
    }
    let committed: BTreeMap<String, String> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().path())
                .map(|p| {
                    let name = p.file_name().unwrap().to_string_lossy().into_owned();
                    (name, std::fs::read_to_string(&p).unwrap_or_default())
                })
                .collect()
        })
        .unwrap_or_default();
    let stale: Vec<&String> = fresh
        .keys()
        .chain(committed.keys())
        .filter(|file| fresh.get(*file) != committed.get(*file))
        .collect();
    assert!(
        stale.is_empty(),
        "man pages out of date: {stale:?}; run `UPDATE_MAN=1 cargo test --test cli man::`"
    );
}

#[test]
fn every_subcommand_has_a_page_naming_its_flags() {
    let pages = pages();
    let plan = &pages["onboard-plan.1"];
    assert!(plan.contains("detailed\\-exitcode"), "{plan}");
    // Global flags are on every subcommand's page too.
    assert!(plan.contains("workspace"), "{plan}");
    assert!(pages.contains_key("onboard-audit-show.1"));
    // The exit codes, from `onboard --help`, close the main page.
    assert!(
        pages["onboard.1"].contains("Exit codes:"),
        "{}",
        pages["onboard.1"]
    );
}
