//! Searches and reads: paged searches (RFC 2696) that must end with success, never a
//! partial list; base-scope reads of one entry; the root DSE.

use ldap3::adapters::{Adapter as SearchAdapter, EntriesOnly, PagedResults};
use ldap3::controls::RawControl;
use ldap3::{Scope, SearchEntry};

use super::Directory;
use super::result_code::describe;
use crate::adapters::{AdapterError, FailureKind};

/// Entries per page of a paged search (OpenLDAP's default size limit is 500, AD's
/// `MaxPageSize` 1000).
const PAGE_SIZE: i32 = 400;

impl Directory {
    /// Searches with the paged-results control, following every page; referrals are
    /// skipped. A search that ends with any result but success is an error.
    pub fn search(
        &mut self,
        operation: &str,
        base: &str,
        scope: Scope,
        filter: &str,
        attributes: &[&str],
    ) -> Result<Vec<SearchEntry>, AdapterError> {
        let attributes: Vec<String> = attributes.iter().map(|a| a.to_string()).collect();
        let (entries, result) = self.with_conn(operation, |conn| {
            let adapters: Vec<Box<dyn SearchAdapter<'_, String, Vec<String>>>> = vec![
                Box::new(EntriesOnly::new()),
                Box::new(PagedResults::new(PAGE_SIZE)),
            ];
            let mut stream =
                conn.streaming_search_with(adapters, base, scope, filter, attributes)?;
            let mut entries = Vec::new();
            while let Some(entry) = stream.next()? {
                entries.push(SearchEntry::construct(entry));
            }
            Ok((entries, stream.result()))
        })?;
        self.log(|| {
            format!(
                "ldap: search `{base}` ({scope:?}) `{filter}`: {} entries, {}",
                entries.len(),
                describe(&result)
            )
        });
        if result.rc != 0 {
            let error = self.result_error(operation, &result);
            return Err(match result.rc {
                3 | 4 | 11 => AdapterError {
                    detail: format!(
                        "the directory stopped the search after {} entries ({}): onboard never works from a partial read",
                        entries.len(),
                        error.detail
                    ),
                    ..error
                }
                .with_hint("let the bind account page past the server's limits (OpenLDAP: `limits dn.exact=\"BIND_DN\" size.prtotal=unlimited`)"),
                _ => error,
            });
        }
        Ok(entries)
    }

    /// Reads one entry (a base-scope search), with controls; `Ok(None)` when it does
    /// not exist or does not match `filter`.
    pub fn read(
        &mut self,
        operation: &str,
        dn: &str,
        filter: &str,
        attributes: &[&str],
        controls: Vec<RawControl>,
    ) -> Result<Option<SearchEntry>, AdapterError> {
        let attributes: Vec<String> = attributes.iter().map(|a| a.to_string()).collect();
        let requested = attributes.clone();
        let found = self.with_conn(operation, |conn| {
            if !controls.is_empty() {
                conn.with_controls(controls);
            }
            conn.search(dn, Scope::Base, filter, requested)
        })?;
        let (entries, result) = (found.0, found.1);
        self.log(|| {
            format!(
                "ldap: read `{dn}` `{filter}` {}: {} entries, {}",
                attributes.join(","),
                entries.len(),
                describe(&result)
            )
        });
        match result.rc {
            0 => Ok(entries.into_iter().next().map(SearchEntry::construct)),
            32 => Ok(None),
            _ => Err(self.result_error(operation, &result)),
        }
    }

    /// Reads attributes of the root DSE.
    pub fn root_dse(
        &mut self,
        operation: &str,
        attributes: &[&str],
    ) -> Result<SearchEntry, AdapterError> {
        self.read(operation, "", "(objectClass=*)", attributes, Vec::new())?
            .ok_or_else(|| {
                self.error(
                    operation,
                    FailureKind::Malformed,
                    "the directory did not return its root DSE",
                )
            })
    }
}
