//! Paging helpers: collections read by index (SCIM `startIndex`/`count`) and by next
//! link (Graph `@odata.nextLink`, `Link: rel="next"`). A page that fails fails the
//! whole read: never a short list.

use std::collections::BTreeSet;

use reqwest::header::HeaderMap;

use super::{HttpClient, Url};
use crate::adapters::{AdapterError, FailureKind};

/// One page of a collection paged by index (SCIM `startIndex`/`count`).
#[derive(Debug)]
pub struct IndexPage<T> {
    /// The items on this page.
    pub items: Vec<T>,
    /// The total the server reports for the whole collection.
    pub total: usize,
}

/// Collects every item of a collection paged by 1-based index: `fetch(start, count)`
/// returns one page. A page that fails fails the whole read; a server that stops
/// returning items before its reported total is an error (a partial read), never a
/// short list. `max_items` bounds the loop.
pub fn collect_indexed<T>(
    client: &HttpClient,
    operation: &str,
    page_size: usize,
    max_items: usize,
    mut fetch: impl FnMut(usize, usize) -> Result<IndexPage<T>, AdapterError>,
) -> Result<Vec<T>, AdapterError> {
    let mut items = Vec::new();
    let mut start = 1;
    loop {
        let page = fetch(start, page_size)?;
        let got = page.items.len();
        items.extend(page.items);
        if items.len() >= page.total {
            return Ok(items);
        }
        if got == 0 {
            return Err(client.error(
                operation,
                FailureKind::Malformed,
                format!(
                    "the tenant reported {} results but returned only {} (a partial read)",
                    page.total,
                    items.len()
                ),
            ));
        }
        if items.len() > max_items {
            return Err(client.error(
                operation,
                FailureKind::Malformed,
                format!("more than {max_items} results: refusing to read further"),
            ));
        }
        start += got;
    }
}

/// Collects every item of a collection paged by next links (`@odata.nextLink`,
/// `Link: rel="next"`): `fetch(url)` returns one page's items and the next page's URL.
/// A link must stay on the tenant's host; a repeated link or more than `max_pages`
/// pages is an error.
pub fn collect_linked<T>(
    client: &HttpClient,
    operation: &str,
    first: Url,
    max_pages: usize,
    mut fetch: impl FnMut(&Url) -> Result<(Vec<T>, Option<String>), AdapterError>,
) -> Result<Vec<T>, AdapterError> {
    let mut items = Vec::new();
    let mut seen = BTreeSet::new();
    let mut next = Some(first);
    while let Some(url) = next.take() {
        if !seen.insert(url.to_string()) || seen.len() > max_pages {
            return Err(client.error(
                operation,
                FailureKind::Malformed,
                "the tenant's next-page links loop or never end",
            ));
        }
        let (page, link) = fetch(&url)?;
        items.extend(page);
        if let Some(link) = link {
            let url = url.join(&link).map_err(|e| {
                client.error(
                    operation,
                    FailureKind::Malformed,
                    format!("the next-page link is not a URL: {e}"),
                )
            })?;
            if url.origin() != client.base().origin() {
                return Err(client.error(
                    operation,
                    FailureKind::Malformed,
                    format!(
                        "the next-page link leads to another host (`{}`): refusing to send the credential there",
                        url.host_str().unwrap_or_default()
                    ),
                ));
            }
            next = Some(url);
        }
    }
    Ok(items)
}

/// Returns the `rel="next"` target of `Link` headers (Okta, GitHub).
pub fn link_next(headers: &HeaderMap) -> Option<String> {
    for value in headers.get_all(reqwest::header::LINK) {
        let Ok(value) = value.to_str() else { continue };
        for part in value.split(',') {
            let mut pieces = part.split(';');
            let target = pieces.next()?.trim();
            let is_next = pieces.any(|p| {
                let p = p.trim().to_ascii_lowercase().replace(' ', "");
                p == "rel=\"next\"" || p == "rel=next"
            });
            if is_next && target.starts_with('<') && target.ends_with('>') {
                return Some(target[1..target.len() - 1].to_string());
            }
        }
    }
    None
}

/// Returns the `@odata.nextLink` of a Graph collection page.
pub fn odata_next_link(body: &serde_json::Value) -> Option<String> {
    body.get("@odata.nextLink")?.as_str().map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_headers_give_the_next_page() {
        let mut headers = HeaderMap::new();
        headers.insert(
            reqwest::header::LINK,
            "<https://h/api/v1/groups?after=1>; rel=\"self\", <https://h/api/v1/groups?after=2&limit=200>; rel=\"next\""
                .parse()
                .unwrap(),
        );
        assert_eq!(
            link_next(&headers).as_deref(),
            Some("https://h/api/v1/groups?after=2&limit=200")
        );
        headers.insert(
            reqwest::header::LINK,
            "<https://h/x>; rel=\"prev\"".parse().unwrap(),
        );
        assert_eq!(link_next(&headers), None);
        let body =
            serde_json::json!({"value": [], "@odata.nextLink": "https://g/v1.0/x?$skiptoken=a"});
        assert_eq!(
            odata_next_link(&body).as_deref(),
            Some("https://g/v1.0/x?$skiptoken=a")
        );
    }

    fn offline_client() -> HttpClient {
        HttpClient::new("t/x", "https://tenant.example/api", Default::default()).unwrap()
    }

    #[test]
    fn index_paging_reads_every_page_and_refuses_a_short_read() {
        let client = offline_client();
        let all: Vec<u32> = (1..=250).collect();
        let mut calls = Vec::new();
        let read = collect_indexed(&client, "list", 100, 10_000, |start, count| {
            calls.push((start, count));
            let items = all.iter().skip(start - 1).take(count).copied().collect();
            Ok(IndexPage { items, total: 250 })
        })
        .unwrap();
        assert_eq!(read, all);
        assert_eq!(calls, [(1, 100), (101, 100), (201, 100)]);
        // A server returning fewer items per page than asked is followed by index.
        let read = collect_indexed(&client, "list", 100, 10_000, |start, _| {
            let items = all.iter().skip(start - 1).take(30).copied().collect();
            Ok(IndexPage { items, total: 250 })
        })
        .unwrap();
        assert_eq!(read.len(), 250);
        // Running dry before the reported total is a partial read: an error.
        let error = collect_indexed(&client, "list", 100, 10_000, |start, count| {
            let items = all
                .iter()
                .skip(start - 1)
                .take(count)
                .copied()
                .filter(|n| *n <= 150)
                .collect();
            Ok(IndexPage { items, total: 250 })
        })
        .unwrap_err();
        assert!(error.detail.contains("partial read"), "{error}");
        // A page that fails fails the read.
        let error = collect_indexed(&client, "list", 100, 10_000, |start, count| {
            if start > 1 {
                return Err(client.error("list", FailureKind::Unreachable, "HTTP 503"));
            }
            let items = all.iter().take(count).copied().collect();
            Ok(IndexPage { items, total: 250 })
        })
        .unwrap_err();
        assert_eq!(error.kind, FailureKind::Unreachable);
    }

    #[test]
    fn link_paging_follows_next_links_on_the_same_host_only() {
        let client = offline_client();
        let first = client.url(&["groups"]);
        let read = collect_linked(&client, "list", first.clone(), 100, |url| {
            Ok(match url.query() {
                None => (vec![1, 2], Some("groups?after=2".to_string())),
                Some("after=2") => (
                    vec![3],
                    Some("https://tenant.example/api/groups?after=3".into()),
                ),
                _ => (vec![4], None),
            })
        })
        .unwrap();
        assert_eq!(read, [1, 2, 3, 4]);
        let error = collect_linked(&client, "list", first.clone(), 100, |_| {
            Ok((vec![1], Some("https://elsewhere.example/steal".to_string())))
        })
        .unwrap_err();
        assert!(error.detail.contains("another host"), "{error}");
        let error = collect_linked(&client, "list", first, 100, |url| {
            Ok((vec![1], Some(url.to_string())))
        })
        .unwrap_err();
        assert!(error.detail.contains("loop"), "{error}");
    }
}
