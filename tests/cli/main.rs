//! End-to-end tests of the `onboard` binary on temporary copies of the example
//! workspace: exit codes, files written, tenant state, and snapshots of what users read.

mod ad;
mod apply;
mod audit;
mod cloud;
mod completions;
mod directories;
mod expire;
mod fake;
mod fake_github;
mod fake_graph;
mod fake_okta;
mod gdap;
mod github;
mod governance;
mod graph;
mod ldap;
mod lock;
mod login;
mod okta;
mod peers;
mod plan;
mod refusals;
mod revoke;
mod scim;
mod status;
mod support;
mod throttle;
mod validate;
