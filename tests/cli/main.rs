//! End-to-end tests of the `onboard` binary on temporary copies of the example
//! workspace: exit codes, files written, tenant state, and snapshots of what users read.

mod ad;
mod apply;
mod audit;
mod completions;
mod directories;
mod expire;
mod ldap;
mod login;
mod peers;
mod plan;
mod revoke;
mod scim;
mod status;
mod support;
mod validate;
