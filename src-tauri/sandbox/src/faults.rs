//! Fault injection (control API): the next N calls of an endpoint fail the way real networks and
//! real Zoom fail, so that clients can be tested against each failure class of ZOOM.md.

use std::io;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::errors::OAuthError;
use crate::state::Shared;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Endpoint {
    /// `POST /oauth/token` with `grant_type=authorization_code`.
    CodeExchange,
    /// `POST /oauth/token` with `grant_type=refresh_token`.
    Refresh,
    Revoke,
    UsersMe,
    Scim,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultKind {
    /// HTTP 500.
    Http500,
    /// HTTP 429 with Zoom's rate-limit headers and `Retry-After`.
    RateLimit { retry_after: u64 },
    /// Answer (normally) only after this long: longer than a client's timeout, it is a timeout.
    Delay { millis: u64 },
    /// Headers, then the connection breaks before the body is complete.
    Reset,
    /// HTTP 200 with a body that is not JSON.
    MalformedJson,
    /// HTTP 400 `invalid_grant`.
    InvalidGrant,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Fault {
    pub endpoint: Endpoint,
    pub fault: FaultKind,
    /// How many of the next calls fail this way.
    pub count: u32,
}

impl Shared {
    /// The fault for this call of `endpoint`, if one is armed (and counts it down).
    pub fn take_fault(&self, endpoint: Endpoint) -> Option<FaultKind> {
        let mut inner = self.lock();
        let index = inner.faults.iter().position(|f| f.endpoint == endpoint && f.count > 0)?;
        let fault = &mut inner.faults[index];
        fault.count -= 1;
        let kind = fault.fault.clone();
        if fault.count == 0 {
            inner.faults.remove(index);
        }
        Some(kind)
    }

    /// Applies the armed fault of `endpoint`: `Some(response)` replaces the real answer, `None`
    /// lets the call go on (after a delay fault has slept).
    pub async fn inject(&self, endpoint: Endpoint) -> Option<Response> {
        let kind = self.take_fault(endpoint)?;
        tracing::debug!(?endpoint, ?kind, "injecting fault");
        match kind {
            FaultKind::Delay { millis } => {
                tokio::time::sleep(Duration::from_millis(millis)).await;
                None
            }
            FaultKind::Http500 => Some((StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response()),
            FaultKind::RateLimit { retry_after } => Some(rate_limited(0, retry_after)),
            FaultKind::Reset => Some(reset()),
            FaultKind::MalformedJson => Some(
                ([(header::CONTENT_TYPE, "application/json;charset=UTF-8")], "{\"access_token\": \"trunc").into_response(),
            ),
            FaultKind::InvalidGrant => Some(OAuthError::invalid_grant("Invalid Token!").into_response()),
        }
    }
}

/// HTTP 429 as Zoom sends it.
pub fn rate_limited(limit: u32, retry_after: u64) -> Response {
    let mut res = (
        StatusCode::TOO_MANY_REQUESTS,
        axum::Json(serde_json::json!({
            "code": 429,
            "message": "You have reached the maximum per-second rate limit for this API. Try again later."
        })),
    )
        .into_response();
    let headers = res.headers_mut();
    headers.insert("X-RateLimit-Category", HeaderValue::from_static("Light"));
    headers.insert("X-RateLimit-Type", HeaderValue::from_static("QPS"));
    headers.insert("X-RateLimit-Limit", HeaderValue::from(limit));
    headers.insert("X-RateLimit-Remaining", HeaderValue::from(0));
    headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    res
}

/// A response whose body fails after the headers: the client sees the connection break.
fn reset() -> Response {
    let stream = futures_util::stream::once(async {
        Err::<Bytes, io::Error>(io::Error::new(io::ErrorKind::ConnectionReset, "sandbox fault: connection reset"))
    });
    let mut res = Response::new(Body::from_stream(stream));
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    res.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from(512));
    res
}
