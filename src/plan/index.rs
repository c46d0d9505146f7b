//! Indexes built once per run: each tenant's part of a workspace-wide list, so that the
//! work for one tenant never scans the records of the others (a plan stays linear in the
//! size of the workspace).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::ops::Range;

/// A list split by (client, tenant): each tenant's items as one slice.
///
/// Borrows the list when each tenant's items are already together (the ledger as onboard
/// writes it, desired grants sorted by key); otherwise holds a copy sorted by tenant,
/// keeping the order of each tenant's items.
pub struct ByTenant<'a, T: Clone> {
    items: Cow<'a, [T]>,
    ranges: HashMap<String, HashMap<String, Range<usize>>>,
}

impl<'a, T: Clone> ByTenant<'a, T> {
    /// Indexes `items` by the (client, tenant) `key` gives for each.
    pub fn new(items: &'a [T], key: impl Fn(&T) -> (&str, &str)) -> Self {
        let items = if grouped(items, &key) {
            Cow::Borrowed(items)
        } else {
            let mut copy = items.to_vec();
            copy.sort_by(|a, b| key(a).cmp(&key(b)));
            Cow::Owned(copy)
        };
        let mut ranges: HashMap<String, HashMap<String, Range<usize>>> = HashMap::new();
        let mut start = 0;
        for end in 1..=items.len() {
            if end < items.len() && key(&items[end]) == key(&items[start]) {
                continue;
            }
            let (client, tenant) = key(&items[start]);
            ranges
                .entry(client.to_string())
                .or_default()
                .insert(tenant.to_string(), start..end);
            start = end;
        }
        ByTenant { items, ranges }
    }

    /// Returns one tenant's items (empty when it has none).
    pub fn get(&self, client: &str, tenant: &str) -> &[T] {
        self.ranges
            .get(client)
            .and_then(|tenants| tenants.get(tenant))
            .map_or(&[], |range| &self.items[range.clone()])
    }
}

/// Returns whether each key's items are next to each other.
fn grouped<T>(items: &[T], key: &impl Fn(&T) -> (&str, &str)) -> bool {
    let mut seen: HashSet<(&str, &str)> = HashSet::new();
    let mut last: Option<(&str, &str)> = None;
    for item in items {
        let k = key(item);
        if last != Some(k) {
            if !seen.insert(k) {
                return false;
            }
            last = Some(k);
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(item: &(String, String, u32)) -> (&str, &str) {
        (&item.0, &item.1)
    }

    fn item(client: &str, tenant: &str, n: u32) -> (String, String, u32) {
        (client.into(), tenant.into(), n)
    }

    #[test]
    fn each_tenant_gets_its_own_items_in_their_order() {
        let items = vec![
            item("a", "x", 1),
            item("b", "x", 2),
            item("a", "x", 3),
            item("a", "y", 4),
            item("b", "x", 5),
        ];
        let index = ByTenant::new(&items, key);
        let numbers = |c, t| index.get(c, t).iter().map(|i| i.2).collect::<Vec<_>>();
        assert_eq!(numbers("a", "x"), vec![1, 3]);
        assert_eq!(numbers("a", "y"), vec![4]);
        assert_eq!(numbers("b", "x"), vec![2, 5]);
        assert!(numbers("b", "y").is_empty());
        assert!(numbers("c", "x").is_empty());
    }

    #[test]
    fn a_grouped_list_is_borrowed_not_copied() {
        let items = vec![item("a", "x", 1), item("a", "x", 2), item("b", "x", 3)];
        let index = ByTenant::new(&items, key);
        assert!(matches!(index.items, Cow::Borrowed(_)));
        assert_eq!(index.get("a", "x").len(), 2);
        assert!(
            ByTenant::new(&[] as &[(String, String, u32)], key)
                .get("a", "x")
                .is_empty()
        );
    }
}
