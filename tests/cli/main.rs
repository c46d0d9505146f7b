//! End-to-end tests of the `onboard` binary on temporary copies of the example
//! workspace: exit codes, files written, tenant state, and snapshots of what users read.

mod ad;
mod apply;
mod approvals;
mod audit;
mod bad_input;
mod cloud;
mod completions;
mod directories;
mod durations;
mod escapes;
mod expire;
mod fake;
mod fake_github;
mod fake_graph;
mod fake_okta;
mod gdap;
mod github;
mod governance;
mod graph;
mod init;
mod json_output;
mod ldap;
mod leaks;
mod login;
mod no_panic;
mod okta;
mod peers;
mod plan;
mod revoke;
mod scim;
mod status;
mod support;
mod throttle;
mod validate;
