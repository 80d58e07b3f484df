//! Zoom's pagination of `/v2` lists: `page_size` (each list its default and maximum) and an
//! opaque `next_page_token` that expires after 15 minutes, empty on the last page
//! (docs/zoom.md, Pagination).

use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::errors::ApiError;

/// How long a `next_page_token` works (Zoom: 15 minutes).
pub const TOKEN_LIFETIME: i64 = 15 * 60;

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    pub page_size: Option<String>,
    pub next_page_token: Option<String>,
}

/// A page to answer: where it starts and how long it is.
pub struct Page {
    pub offset: usize,
    pub size: usize,
}

impl PageQuery {
    /// The page asked for, for the list named `list` (a token from another list, or from
    /// another filter of this one, is refused like an expired one); `now` on the sandbox clock.
    pub fn page(&self, list: &str, default: usize, max: usize, now: i64) -> Result<Page, ApiError> {
        let size = match self.page_size.as_deref().filter(|s| !s.is_empty()) {
            None => default,
            Some(text) => match text.parse::<usize>() {
                // Zoom answers a larger page_size with its maximum (docs/zoom.md, Pagination).
                Ok(n) if n >= 1 => n.min(max),
                _ => return Err(ApiError::bad_request(300, format!("Invalid field: page_size. The value must be between 1 and {max}."))),
            },
        };
        let offset = match self.next_page_token.as_deref().filter(|t| !t.is_empty()) {
            None => 0,
            Some(token) => decode(token, list, now).ok_or_else(|| ApiError::bad_request(300, "The next page token is invalid or expired."))?,
        };
        Ok(Page { offset, size })
    }
}

/// The token of the page after `offset + size`, or "" when there is none.
pub fn next_token(list: &str, offset: usize, size: usize, total: usize, now: i64) -> String {
    let next = offset + size;
    if next >= total {
        return String::new();
    }
    // Opaque to clients as Zoom's are; the list's name ties it to one list and filter.
    let plain = format!("{}|{}|{}", now + TOKEN_LIFETIME, next, list);
    base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, plain)
}

fn decode(token: &str, list: &str, now: i64) -> Option<usize> {
    let bytes = base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, token).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let mut parts = text.splitn(3, '|');
    let expires: i64 = parts.next()?.parse().ok()?;
    let offset: usize = parts.next()?.parse().ok()?;
    (parts.next()? == list && now < expires).then_some(offset)
}

/// Zoom's list envelope around `items` under `key`.
pub fn envelope(key: &str, items: Vec<Value>, page: &Page, total: usize, next: String) -> Value {
    let mut body = Map::new();
    body.insert("page_size".into(), json!(page.size));
    body.insert("total_records".into(), json!(total));
    body.insert("page_count".into(), json!(total.div_ceil(page.size)));
    body.insert("next_page_token".into(), json!(next));
    body.insert(key.into(), Value::Array(items));
    Value::Object(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_works_for_its_list_until_it_expires() {
        let token = next_token("users:active", 0, 30, 100, 1_000);
        let q = PageQuery { page_size: Some("30".into()), next_page_token: Some(token) };
        assert_eq!(q.page("users:active", 30, 300, 1_000).map(|p| p.offset).ok(), Some(30));
        assert!(q.page("users:inactive", 30, 300, 1_000).is_err());
        assert!(q.page("users:active", 30, 300, 1_000 + TOKEN_LIFETIME).is_err());
        assert!(!next_token("users:active", 60, 30, 100, 0).is_empty());
        assert_eq!(next_token("users:active", 90, 10, 100, 0), "");
    }

    #[test]
    fn page_size_is_capped_and_checked() {
        let q = |s: &str| PageQuery { page_size: Some(s.into()), next_page_token: None };
        assert_eq!(q("5000").page("x", 30, 300, 0).map(|p| p.size).ok(), Some(300));
        assert!(q("0").page("x", 30, 300, 0).is_err() && q("abc").page("x", 30, 300, 0).is_err());
        assert_eq!(PageQuery::default().page("x", 30, 300, 0).map(|p| p.size).ok(), Some(30));
    }
}
