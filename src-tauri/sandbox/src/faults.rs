//! Fault injection (control API): the next N calls of an endpoint fail the way real networks and
//! real Zoom fail, so that clients can be tested against each failure class of docs/zoom.md.

use std::io;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::errors::OAuthError;
use crate::rate_limits::{daily_limited, rate_limited, Category};
use crate::state::Shared;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Endpoint {
    /// `POST /oauth/token` with `grant_type=authorization_code`.
    CodeExchange,
    /// `POST /oauth/token` with `grant_type=refresh_token`.
    Refresh,
    /// `POST /oauth/token` with `grant_type=account_credentials` (Server-to-Server).
    AccountCredentials,
    /// `POST /oauth/token` with a device code (`device.rs`).
    DeviceCode,
    Revoke,
    UsersMe,
    /// `GET /v2/users`.
    UsersList,
    /// Every other `/v2/users/…` call: read, create, update, status, delete.
    Users,
    /// `/v2/groups…`.
    Groups,
    /// `/scim2/…`.
    Scim,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultKind {
    /// HTTP 500.
    Http500,
    /// HTTP 429 per second (QPS), with `Retry-After` in seconds if given, else none (Zoom's
    /// per-second answers may carry none).
    RateLimit {
        #[serde(default)]
        retry_after: Option<u64>,
    },
    /// HTTP 429 of the daily limit: `Retry-After` is the next midnight UTC as an ISO-8601
    /// timestamp, as Zoom sends it.
    DailyLimit,
    /// Answer (normally) only after this long: longer than a client's timeout, it is a timeout.
    Delay { millis: u64 },
    /// Headers, then the connection breaks before the body is complete.
    Reset,
    /// HTTP 200 with a body that is not JSON.
    MalformedJson,
    /// HTTP 400 `invalid_grant` "Invalid Token!" (no reason number, as Zoom answers).
    InvalidGrant,
    /// Zoom's catch-all for unexpected errors, 4700: token endpoints `invalid_request` with an
    /// exception message, APIs `{"code":4700}`.
    CatchAll,
    /// `invalid_request` "Internal Error": Zoom's own trouble, told like a bad request.
    InternalError,
    /// An HTML error page with this status from something in between (a proxy, a firewall).
    ProxyPage { status: u16 },
    /// Zoom carries the call out (a refresh rotates, a code is spent, a grant is revoked), then
    /// the connection breaks before its answer arrives: the client holds what Zoom has just
    /// ended (docs/zoom.md, Tokens: a lost answer). At the API (no side effect worth keeping
    /// apart) it is `reset`.
    AnswerCut,
    /// Zoom carries the call out and answers only after this long: longer than a client's
    /// timeout, the client has given up on an answer that ended its old refresh token.
    AnswerLate { millis: u64 },
}

impl FaultKind {
    /// Whether this fault lets the call be carried out and takes its answer away afterwards.
    fn after_the_call(&self) -> bool {
        matches!(self, FaultKind::AnswerCut | FaultKind::AnswerLate { .. })
    }
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
        self.take_next(endpoint, |_| true)
    }

    /// The armed fault of `endpoint` if it is one that strikes after the call is carried out
    /// (`AnswerCut`, `AnswerLate`); the handler then carries the call out and passes its answer
    /// through `lose_answer`.
    fn take_answer_loss(&self, endpoint: Endpoint) -> Option<FaultKind> {
        self.take_next(endpoint, FaultKind::after_the_call)
    }

    /// The next armed fault of `endpoint`, counted down, if `wanted` says so — looked at and
    /// taken under one lock, so that a concurrent call cannot take it in between.
    fn take_next(&self, endpoint: Endpoint, wanted: impl Fn(&FaultKind) -> bool) -> Option<FaultKind> {
        let mut inner = self.lock();
        let index = inner.faults.iter().position(|f| f.endpoint == endpoint && f.count > 0)?;
        if !wanted(&inner.faults[index].fault) {
            return None;
        }
        let fault = &mut inner.faults[index];
        fault.count -= 1;
        let kind = fault.fault.clone();
        if fault.count == 0 {
            inner.faults.remove(index);
        }
        Some(kind)
    }

    /// A token call's faults: `Err` an answer that replaces the call's (`inject`), `Ok` a fault
    /// to apply to its answer once it is carried out (`take_answer_loss`, `lose_answer`).
    pub async fn faults_of_call(&self, endpoint: Endpoint) -> Result<Option<FaultKind>, Response> {
        if let Some(loss) = self.take_answer_loss(endpoint) {
            return Ok(Some(loss));
        }
        match self.inject(endpoint).await {
            Some(replaced) => Err(replaced),
            None => Ok(None),
        }
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
            FaultKind::RateLimit { retry_after } => Some(rate_limited(Category::Light, 0, retry_after)),
            FaultKind::DailyLimit => Some(daily_limited(Category::Light, self.clock.now())),
            FaultKind::CatchAll => Some(match endpoint {
                Endpoint::UsersMe | Endpoint::UsersList | Endpoint::Scim | Endpoint::Users | Endpoint::Groups => {
                    (StatusCode::BAD_REQUEST, axum::Json(serde_json::json!({"code": 4700, "message": "Unexpected error."}))).into_response()
                }
                _ => OAuthError::invalid_request("java.lang.IllegalStateException: unexpected").into_response(),
            }),
            FaultKind::InternalError => Some(OAuthError::invalid_request("Internal Error").into_response()),
            FaultKind::ProxyPage { status } => Some(
                (
                    StatusCode::from_u16(status).unwrap_or(StatusCode::FORBIDDEN),
                    [(header::CONTENT_TYPE, "text/html")],
                    "<html><body><h1>Access denied</h1><p>Blocked by the corporate proxy.</p></body></html>",
                )
                    .into_response(),
            ),
            FaultKind::Reset | FaultKind::AnswerCut => Some(reset()),
            FaultKind::AnswerLate { millis } => {
                tokio::time::sleep(Duration::from_millis(millis)).await;
                None
            }
            FaultKind::MalformedJson => Some(([(header::CONTENT_TYPE, "application/json;charset=UTF-8")], "{\"access_token\": \"trunc").into_response()),
            FaultKind::InvalidGrant => Some(OAuthError::invalid_grant("Invalid Token!").into_response()),
        }
    }
}

/// The answer of a call carried out, after `take_answer_loss`'s fault: cut, or sent late.
pub async fn lose_answer(loss: Option<FaultKind>, answer: Response) -> Response {
    match loss {
        Some(FaultKind::AnswerCut) => reset(),
        Some(FaultKind::AnswerLate { millis }) => {
            tokio::time::sleep(Duration::from_millis(millis)).await;
            answer
        }
        _ => answer,
    }
}

/// `2020-05-31T00:00:00Z` for Unix seconds (civil-from-days, proleptic Gregorian): the sandbox
/// has no date crate for this one line.
pub fn iso8601(unix: i64) -> String {
    let (days, secs) = (unix.div_euclid(86_400), unix.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", secs / 3600, secs % 3600 / 60, secs % 60)
}

/// A response whose body fails after the headers: the client sees the connection break.
fn reset() -> Response {
    let stream =
        futures_util::stream::once(async { Err::<Bytes, io::Error>(io::Error::new(io::ErrorKind::ConnectionReset, "sandbox fault: connection reset")) });
    let mut res = Response::new(Body::from_stream(stream));
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    res.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from(512));
    res
}

#[cfg(test)]
mod tests {
    use super::iso8601;

    #[test]
    fn iso8601_of_unix_seconds() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601(1_590_883_200), "2020-05-31T00:00:00Z");
        assert_eq!(iso8601(1_709_164_799), "2024-02-28T23:59:59Z");
        assert_eq!(iso8601(1_709_251_200), "2024-03-01T00:00:00Z");
    }
}
