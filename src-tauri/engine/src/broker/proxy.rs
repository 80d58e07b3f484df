//! The API proxy: `/zoom/{nickname or id}/v2/...` and `/zoom/{…}/scim2/...` forwarded to the
//! connection's API host with its access token added. Scripts never hold a token, so Zoom's one
//! live access token per user and app (docs/zoom.md, One live access token) cannot be taken from under
//! them: when Zoom refuses the token the proxy used (401, code 124) — another process rotated
//! it — the proxy asks for a replacement of exactly that token (`Want::Replace`: concurrent
//! refusals share one rotation) and sends the call once more; it keeps to the account's pace and
//! waits out Zoom's 429s per second, as every action does (`actions/call.rs`). The request body
//! is buffered (at most `MAX_REQUEST_BODY`) so it can be sent again; answers are streamed back,
//! except a 401 or a 429, which are read to tell what they are.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderName, StatusCode};
use axum::response::{IntoResponse, Response};

use super::server::{body_too_large, error_response, find, with_connection, BrokerState};
use crate::actions::call::{Answer, AnswerBody, ApiRequest};
use crate::error::{EngineError, ErrorCode};

/// Zoom's API bodies are small (a SCIM user is a few KiB); this bounds what a script can make
/// the app hold in memory.
pub const MAX_REQUEST_BODY: usize = 10 * 1024 * 1024;
/// How long a request's body may take to arrive (10 MiB at well under 1 MiB/s).
const BODY_WITHIN: std::time::Duration = std::time::Duration::from_secs(120);
/// Request headers not passed on: hop-by-hop ones (RFC 9110, 7.6.1), the ones the proxy sets
/// itself, and `Accept-Encoding` (a 401 must be readable to find Zoom's code in it).
const DROPPED_REQUEST_HEADERS: [HeaderName; 12] = [
    header::CONNECTION,
    header::HOST,
    header::AUTHORIZATION,
    header::PROXY_AUTHORIZATION,
    header::TE,
    header::TRAILER,
    header::TRANSFER_ENCODING,
    header::UPGRADE,
    header::CONTENT_LENGTH,
    header::ACCEPT_ENCODING,
    header::COOKIE,
    header::ORIGIN,
];
/// Response headers not passed on: hop-by-hop ones; Zoom's cookies (a session with Zoom is not
/// the script's to hold, and the proxy's callers share one origin); and Zoom's authentication
/// challenges (the script authenticates to the broker, whose own challenge is its port's secret:
/// Zoom's would read as the broker refusing it). Zoom's answer and its codes pass on whole.
const DROPPED_RESPONSE_HEADERS: [HeaderName; 8] = [
    header::CONNECTION,
    header::TRANSFER_ENCODING,
    header::UPGRADE,
    header::TRAILER,
    header::CONTENT_LENGTH,
    header::PROXY_AUTHENTICATE,
    header::SET_COOKIE,
    header::WWW_AUTHENTICATE,
];

/// `/zoom/KEY/REST` → (KEY decoded, REST as sent), if REST is under `v2/` or `scim2/` and no
/// segment of it could be read as another path of the API host: none that decodes, once or
/// twice, to `.` or `..` or holds a `/` or `\` (a server or proxy that decodes again would
/// resolve it), and none with a `;` (`..;/` is a parent segment to servlet containers).
fn split_path(path: &str) -> Option<(String, &str)> {
    let (raw_key, rest) = path.strip_prefix("/zoom/")?.split_once('/')?;
    let key = percent_encoding::percent_decode_str(raw_key).decode_utf8().ok()?.into_owned();
    let under_api = rest.starts_with("v2/") || rest.starts_with("scim2/");
    (under_api && !key.is_empty() && rest.split('/').all(plain_segment)).then_some((key, rest))
}

fn plain_segment(segment: &str) -> bool {
    let once = percent_encoding::percent_decode_str(segment).decode_utf8_lossy();
    let twice = percent_encoding::percent_decode_str(&once).decode_utf8_lossy().into_owned();
    [segment, &once, &twice].iter().all(|s| *s != "." && *s != ".." && !s.contains(['/', '\\', ';']))
}

fn headers_for_zoom(from: &HeaderMap) -> HeaderMap {
    let mut headers = from.clone();
    // Hop-by-hop too: the ones the caller names in `Connection`, and the legacy ones.
    let named: Vec<String> =
        from.get_all(header::CONNECTION).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',').map(|n| n.trim().to_ascii_lowercase())).collect();
    for name in named.iter().map(String::as_str).chain(["keep-alive", "proxy-connection"]) {
        headers.remove(name);
    }
    for name in DROPPED_REQUEST_HEADERS {
        headers.remove(name);
    }
    headers
}

fn answer(status: StatusCode, headers: &HeaderMap, body: Body) -> Response {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    // Hop-by-hop too: the ones Zoom's `Connection` names, and the legacy ones.
    let named: Vec<String> =
        headers.get_all(header::CONNECTION).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',').map(|n| n.trim().to_ascii_lowercase())).collect();
    let out = response.headers_mut();
    for (name, value) in headers {
        let hop = named.iter().any(|n| n == name.as_str()) || name.as_str() == "keep-alive" || name.as_str() == "set-cookie2";
        if !DROPPED_RESPONSE_HEADERS.contains(name) && !hop {
            out.append(name.clone(), value.clone());
        }
    }
    response
}

pub(crate) async fn forward(State(state): State<BrokerState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Some((key, rest)) = split_path(parts.uri.path()) else {
        return error_response(&EngineError::new(
            ErrorCode::NotFound,
            "The proxy forwards /zoom/NICKNAME/v2/… and /zoom/NICKNAME/scim2/… only (docs/cli.md, The proxy).",
        ));
    };
    let conn = match find(&state.engine, &key) {
        Ok(c) => c,
        Err(e) => return error_response(&e),
    };
    let declared = parts.headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_REQUEST_BODY) {
        return with_connection(body_too_large(), &conn.id);
    }
    // A body trickled in holds a connection: it must arrive within BODY_WITHIN.
    let Ok(read) = tokio::time::timeout(BODY_WITHIN, axum::body::to_bytes(body, MAX_REQUEST_BODY)).await else {
        let e = EngineError::new(
            ErrorCode::InvalidSettings,
            format!("The request's body took over {} s to arrive; nothing was sent to Zoom.", BODY_WITHIN.as_secs()),
        );
        return with_connection((StatusCode::REQUEST_TIMEOUT, axum::Json(serde_json::json!({"error": e}))).into_response(), &conn.id);
    };
    let body = match read {
        Ok(b) => b,
        Err(e) if std::error::Error::source(&e).is_some_and(|s| s.is::<http_body_util::LengthLimitError>()) => {
            return with_connection(body_too_large(), &conn.id)
        }
        Err(_) => {
            let e = EngineError::new(ErrorCode::InvalidSettings, "The request's body was cut off; nothing was sent to Zoom.");
            return with_connection(error_response(&e), &conn.id);
        }
    };
    let query = parts.uri.query().map(|q| format!("?{q}")).unwrap_or_default();
    let headers = headers_for_zoom(&parts.headers);
    let http = match state.engine.inner.zoom.proxy_http() {
        Ok(http) => http,
        Err(e) => return with_connection(error_response(&e), &conn.id),
    };

    let request = ApiRequest { method: parts.method.clone(), path: format!("{rest}{query}"), headers, body };
    // The account's pace, a refused token replaced once, 429s per second waited out (actions/call.rs).
    match crate::actions::call::send(&state.engine, &conn.id, &conn.identity.account_id, &request, http).await {
        Ok(Answer { status, headers, body: AnswerBody::Stream(streamed) }) => {
            let streamed: axum::http::Response<reqwest::Body> = streamed.into();
            with_connection(answer(status, &headers, Body::new(streamed.into_body())), &conn.id)
        }
        Ok(Answer { status, headers, body: AnswerBody::Read(read) }) => with_connection(answer(status, &headers, Body::from(read)), &conn.id),
        Err(e) => with_connection(error_response(&e), &conn.id),
    }
}

#[cfg(test)]
mod tests {
    use super::split_path;

    #[test]
    fn forwards_only_the_api_paths() {
        assert_eq!(split_path("/zoom/Prod/v2/users/me"), Some(("Prod".to_string(), "v2/users/me")));
        assert_eq!(split_path("/zoom/My%20Org/scim2/Users"), Some(("My Org".to_string(), "scim2/Users")));
        // A dot inside a segment is an ordinary character (an email address as a user id).
        assert_eq!(split_path("/zoom/Prod/v2/users/a.b%40example.com"), Some(("Prod".to_string(), "v2/users/a.b%40example.com")));
        assert_eq!(split_path("/zoom/Prod/v2/users/a%2Eb%40example.com"), Some(("Prod".to_string(), "v2/users/a%2Eb%40example.com")));
        for refused in [
            "/zoom/Prod/oauth/token",
            "/zoom/Prod/v2/../oauth/revoke",
            "/zoom/Prod/v2/%2e%2e/oauth/revoke",
            "/zoom/Prod/v2/users%2Fme",
            "/zoom/Prod/v2/./users",
            "/zoom/Prod/v2/..;/oauth/revoke",
            "/zoom/Prod/v2/users;x=1",
            "/zoom/Prod/v2/%252e%252e/oauth/revoke",
            "/zoom/Prod/v2/%252E./oauth/revoke",
            "/zoom/Prod/v2/users%252Fme",
            "/zoom/Prod/v2/%2e%2e%3b/oauth",
            "/zoom/Prod/v2/.%2E/oauth/revoke",
            "/zoom//v2/users",
            "/zoom/Prod",
            "/v2/users/me",
        ] {
            assert_eq!(split_path(refused), None, "{refused}");
        }
    }
}
