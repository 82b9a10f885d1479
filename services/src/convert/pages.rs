//! Page tokens for the lists that are not ordered by a UUID: catalogue codes, project codes,
//! posts, outbox positions, warnings by urgency, extension requests by age and audit events by
//! their place in the chain.
//!
//! A token names the list it belongs to and the sort key of the last item of its page, encoded so
//! that clients treat it as opaque (hex over a JSON array of strings). The next page starts after
//! that key, so that walking the pages while nothing changes yields every item once, in the order
//! of one unpaged list. A token that does not decode, belongs to another list or holds a key that
//! does not parse is refused, naming `page_token`; the page size is checked as for every list.

use std::cmp::Reverse;

use chrono::{DateTime, Utc};
use lianban_orchestrator::warning::Colour;
use uuid::Uuid;

use super::fields::page_request;
use crate::error::Error;
use crate::supervision::WarningKey;

/// One page asked for: how many items, and the key of the last item of the previous page.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyedPage<K> {
    /// At most this many items.
    pub size: u64,
    /// Start after this key; `None` for the first page.
    pub after: Option<K>,
}

/// The page a list ordered by code asks for (`list` names the list: bundles, matters, …).
pub fn code_page(list: &str, page_size: u32, page_token: &str) -> Result<KeyedPage<String>, Error> {
    keyed(list, page_size, page_token, |parts| match parts {
        [code] => Some(code.clone()),
        _ => None,
    })
}

/// The token for the page after the code `last`.
pub fn code_token(list: &str, last: Option<&str>) -> String {
    last.map(|code| token(list, &[code])).unwrap_or_default()
}

/// The page of posts (by department and code) asked for.
pub fn post_page(page_size: u32, page_token: &str) -> Result<KeyedPage<(String, String)>, Error> {
    keyed("posts", page_size, page_token, |parts| match parts {
        [department, code] => Some((department.clone(), code.clone())),
        _ => None,
    })
}

/// The token for the page after the post `last` (department, code).
pub fn post_token(last: Option<&(String, String)>) -> String {
    last.map(|(department, code)| token("posts", &[department, code]))
        .unwrap_or_default()
}

/// The page of notifications (by outbox position) asked for.
pub fn position_page(page_size: u32, page_token: &str) -> Result<KeyedPage<i64>, Error> {
    keyed(
        "notifications",
        page_size,
        page_token,
        |parts| match parts {
            [position] => position.parse().ok().filter(|p: &i64| *p > 0),
            _ => None,
        },
    )
}

/// The token for the page after the notification at `last`.
pub fn position_token(last: Option<i64>) -> String {
    last.map(|position| token("notifications", &[&position.to_string()]))
        .unwrap_or_default()
}

/// The page of warnings (most urgent first) asked for.
pub fn warning_page(page_size: u32, page_token: &str) -> Result<KeyedPage<WarningKey>, Error> {
    keyed("warnings", page_size, page_token, |parts| match parts {
        [colour, deadline, branch] => Some((
            Reverse(colour_named(colour)?),
            optional_instant(deadline)?,
            branch.parse().ok()?,
        )),
        _ => None,
    })
}

/// The token for the page after the warning `last`.
pub fn warning_token(last: Option<&WarningKey>) -> String {
    last.map(|(Reverse(colour), deadline, branch)| {
        let deadline = deadline.map(|at| at.to_rfc3339()).unwrap_or_default();
        token(
            "warnings",
            &[colour_name(*colour), &deadline, &branch.to_string()],
        )
    })
    .unwrap_or_default()
}

/// The key of a pending extension request: when it was asked, its branch and its number.
pub type ExtensionKey = (DateTime<Utc>, Uuid, u32);

/// The page of pending extension requests (oldest first) asked for.
pub fn extension_page(page_size: u32, page_token: &str) -> Result<KeyedPage<ExtensionKey>, Error> {
    keyed("extensions", page_size, page_token, |parts| match parts {
        [at, branch, number] => Some((
            optional_instant(at)??,
            branch.parse().ok()?,
            number.parse().ok()?,
        )),
        _ => None,
    })
}

/// The token for the page after the extension request `last`.
pub fn extension_token(last: Option<&ExtensionKey>) -> String {
    last.map(|(at, branch, number)| {
        token(
            "extensions",
            &[&at.to_rfc3339(), &branch.to_string(), &number.to_string()],
        )
    })
    .unwrap_or_default()
}

/// The key of an audit event: its position in the chain, then its row (a tampered chain may
/// repeat a position).
pub type AuditKey = (i64, i64);

/// The page of an audit trail (in chain order) asked for.
pub fn audit_page(page_size: u32, page_token: &str) -> Result<KeyedPage<AuditKey>, Error> {
    keyed("audit", page_size, page_token, |parts| match parts {
        [seq, row] => Some((seq.parse().ok()?, row.parse().ok()?)),
        _ => None,
    })
}

/// The token for the page after the audit event `last`.
pub fn audit_token(last: Option<&AuditKey>) -> String {
    last.map(|(seq, row)| token("audit", &[&seq.to_string(), &row.to_string()]))
        .unwrap_or_default()
}

fn colour_name(colour: Colour) -> &'static str {
    match colour {
        Colour::Green => "green",
        Colour::Yellow => "yellow",
        Colour::Red => "red",
    }
}

fn colour_named(name: &str) -> Option<Colour> {
    [Colour::Green, Colour::Yellow, Colour::Red]
        .into_iter()
        .find(|colour| colour_name(*colour) == name)
}

/// `Some(None)` for an empty text, `Some(Some(at))` for an RFC 3339 instant, `None` otherwise.
fn optional_instant(text: &str) -> Option<Option<DateTime<Utc>>> {
    if text.is_empty() {
        return Some(None);
    }
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|at| Some(at.with_timezone(&Utc)))
}

/// The size and the decoded key of a page of `list`.
fn keyed<K>(
    list: &str,
    page_size: u32,
    page_token: &str,
    parse: impl FnOnce(&[String]) -> Option<K>,
) -> Result<KeyedPage<K>, Error> {
    let size = page_request(page_size, "")?.size;
    let token = page_token.trim();
    if token.is_empty() {
        return Ok(KeyedPage { size, after: None });
    }
    let after = decode(token)
        .and_then(|parts| match parts.split_first() {
            Some((name, key)) if name == list => parse(key),
            _ => None,
        })
        .ok_or_else(|| Error::invalid("page_token", "not a token this server issued"))?;
    Ok(KeyedPage {
        size,
        after: Some(after),
    })
}

fn token(list: &str, key: &[&str]) -> String {
    let parts: Vec<&str> = std::iter::once(list).chain(key.iter().copied()).collect();
    let json = serde_json::to_string(&parts).expect("strings always serialise");
    json.bytes().map(|byte| format!("{byte:02x}")).collect()
}

fn decode(token: &str) -> Option<Vec<String>> {
    if !token.len().is_multiple_of(2) || !token.is_ascii() {
        return None;
    }
    let bytes = (0..token.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(&token[at..at + 2], 16).ok())
        .collect::<Option<Vec<u8>>>()?;
    serde_json::from_slice(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused<K: std::fmt::Debug>(result: Result<KeyedPage<K>, Error>, name: &str) -> bool {
        matches!(result, Err(Error::InvalidArgument { field, .. }) if field == name)
    }

    #[test]
    fn tokens_round_trip() {
        let token = code_token("bundles", Some("kaiban-qiye"));
        let page = code_page("bundles", 2, &token).unwrap();
        assert_eq!(page.after.as_deref(), Some("kaiban-qiye"));
        assert_eq!(page.size, 2);
        let key = (Reverse(Colour::Red), None, Uuid::nil());
        let page = warning_page(0, &warning_token(Some(&key))).unwrap();
        assert_eq!(page.after, Some(key));
        let at = DateTime::from_timestamp(1_700_000_000, 123_456_789).unwrap();
        let key = (at, Uuid::nil(), 3);
        assert_eq!(
            extension_page(0, &extension_token(Some(&key)))
                .unwrap()
                .after,
            Some(key)
        );
        let post = ("scjg".to_owned(), "a\"\n".to_owned());
        assert_eq!(
            post_page(0, &post_token(Some(&post))).unwrap().after,
            Some(post)
        );
        assert_eq!(
            position_page(0, &position_token(Some(7))).unwrap().after,
            Some(7)
        );
        assert_eq!(
            audit_page(0, &audit_token(Some(&(3, 9)))).unwrap().after,
            Some((3, 9))
        );
        assert_eq!(code_token("bundles", None), "");
    }

    #[test]
    fn foreign_and_garbage_tokens_are_refused() {
        let matters = code_token("matters", Some("x"));
        assert!(refused(code_page("bundles", 0, &matters), "page_token"));
        assert!(refused(code_page("bundles", 0, "garbage"), "page_token"));
        assert!(refused(code_page("bundles", 0, "zz"), "page_token"));
        assert!(refused(
            position_page(0, &code_token("notifications", Some("x"))),
            "page_token"
        ));
        assert!(refused(code_page("bundles", 501, ""), "page_size"));
        assert_eq!(code_page("bundles", 0, " ").unwrap().after, None);
    }
}
