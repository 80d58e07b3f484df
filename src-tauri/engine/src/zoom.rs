//! The client side of Zoom: OAuth (with the `oauth2` crate; its HTTP client follows no
//! redirects), `GET /v2/users/me`, the SCIM probe, and the classification of every failure into
//! the engine's error codes as ZOOM.md prescribes.

use std::sync::Mutex;
use std::time::Duration;

use oauth2::basic::{BasicTokenIntrospectionResponse, BasicTokenType};
use oauth2::{
    AsyncHttpClient, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet,
    ExtraTokenFields, HttpRequest, HttpResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RefreshToken,
    RequestTokenError, RevocationUrl, StandardRevocableToken, StandardTokenResponse, TokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};

use crate::error::{EngineError, ErrorCode, Result};
use crate::model::ZoomIdentity;
use crate::secret::Secret;

/// Zoom's token response carries `api_url` beside the standard fields.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ZoomTokenFields {
    #[serde(default)]
    pub api_url: Option<String>,
}
impl ExtraTokenFields for ZoomTokenFields {}
type ZoomTokenResponse = StandardTokenResponse<ZoomTokenFields, BasicTokenType>;

/// Zoom's OAuth error body: `{"reason": "...", "error": "..."}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ZoomOAuthError {
    #[serde(default)]
    pub error: String,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub error_description: Option<String>,
}
impl std::fmt::Display for ZoomOAuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.error)
    }
}
impl oauth2::ErrorResponse for ZoomOAuthError {}

type OAuthClient = oauth2::Client<
    ZoomOAuthError,
    ZoomTokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    ZoomOAuthError,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
    EndpointSet,
>;

/// One Zoom app as the client sees it.
#[derive(Debug, Clone)]
pub struct AppCredentials {
    pub client_id: String,
    pub client_secret: Option<Secret>,
    /// `https://zoom.us` or another auth host.
    pub auth_base: String,
}

/// Tokens as Zoom issued them, with the wall-clock expiry computed once on receipt.
#[derive(Debug, Clone)]
pub struct TokenSet {
    pub access: Secret,
    pub refresh: Secret,
    pub expires_at: i64,
    pub scopes: Vec<String>,
    pub api_url: Option<String>,
}

/// The start of an authorization: the URL for the browser and what the callback needs.
pub struct AuthorizeRequest {
    pub url: String,
    pub state: String,
    pub verifier: PkceCodeVerifier,
}

/// A transient failure may say when to retry (429 `Retry-After`).
#[derive(Debug, Clone)]
pub struct ZoomFailure {
    pub error: EngineError,
    pub retry_after: Option<Duration>,
}

impl From<ZoomFailure> for EngineError {
    fn from(f: ZoomFailure) -> Self {
        f.error
    }
}

pub struct ZoomClient {
    http: reqwest::Client,
}

type HttpError = oauth2::HttpClientError<reqwest::Error>;

/// The HTTP client for one token-endpoint call, remembering the status and `Retry-After` so that
/// a failure can be classified even when the body is not Zoom's error shape (a 429 or a 502
/// from a proxy).
struct Recording {
    http: reqwest::Client,
    seen: Mutex<Option<(u16, Option<Duration>)>>,
}

impl Recording {
    // A clone of the client is a handle to the same pool (reqwest's client is an Arc inside).
    fn new(http: &reqwest::Client) -> Self {
        Self { http: http.clone(), seen: Mutex::new(None) }
    }

    fn finish(
        self,
        result: std::result::Result<ZoomTokenResponse, RequestTokenError<HttpError, ZoomOAuthError>>,
        now: i64,
    ) -> std::result::Result<TokenSet, ZoomFailure> {
        let seen = self.seen.lock().ok().and_then(|s| *s);
        match result {
            Ok(tokens) => token_set(tokens, now),
            Err(e) => Err(classify_token_error(e, seen)),
        }
    }
}

impl<'c> AsyncHttpClient<'c> for Recording {
    type Error = HttpError;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = std::result::Result<HttpResponse, HttpError>> + Send + Sync + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let res = self.http.call(request).await?;
            if let Ok(mut seen) = self.seen.lock() {
                *seen = Some((res.status().as_u16(), retry_after(res.headers())));
            }
            Ok(res)
        })
    }
}

fn bad_settings(what: &str) -> EngineError {
    EngineError::new(ErrorCode::InvalidSettings, format!("invalid Zoom app settings: {what}"))
}

fn join(base: &str, path: &str) -> String {
    format!("{}{}", base.trim_end_matches('/'), path)
}

fn retry_after(headers: &oauth2::http::HeaderMap) -> Option<Duration> {
    headers.get("retry-after")?.to_str().ok()?.trim().parse::<u64>().ok().map(Duration::from_secs)
}

impl ZoomClient {
    pub fn with_timeout(timeout: Duration) -> Result<Self> {
        let http = reqwest::Client::builder()
            // An OAuth client must not follow redirects (it could be sent anywhere with a code).
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .user_agent(concat!("zoom-connections/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| EngineError::new(ErrorCode::Network, format!("could not set up HTTP: {e}")))?;
        Ok(Self { http })
    }

    fn oauth(&self, app: &AppCredentials, redirect_uri: Option<&str>) -> Result<OAuthClient> {
        let auth = AuthUrl::new(join(&app.auth_base, "/oauth/authorize")).map_err(|_| bad_settings("auth URL"))?;
        let token = TokenUrl::new(join(&app.auth_base, "/oauth/token")).map_err(|_| bad_settings("token URL"))?;
        let revoke = RevocationUrl::new(join(&app.auth_base, "/oauth/revoke")).map_err(|_| bad_settings("revoke URL"))?;
        let mut client = oauth2::Client::new(ClientId::new(app.client_id.clone()))
            .set_auth_uri(auth)
            .set_token_uri(token)
            .set_revocation_url(revoke);
        if let Some(secret) = &app.client_secret {
            client = client.set_client_secret(ClientSecret::new(secret.expose().to_string()));
        }
        if let Some(uri) = redirect_uri {
            client = client.set_redirect_uri(RedirectUrl::new(uri.to_string()).map_err(|_| bad_settings("redirect URL"))?);
        }
        Ok(client)
    }

    /// PKCE S256 and a random state, always (Zoom's default method would be `plain`).
    /// No `scope` parameter: Zoom grants the scopes configured on the app, and the callback
    /// checks that the granted ones contain the org's required scopes.
    pub fn authorize_url(&self, app: &AppCredentials, redirect_uri: &str) -> Result<AuthorizeRequest> {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let client = self.oauth(app, Some(redirect_uri))?;
        let (url, state) = client.authorize_url(CsrfToken::new_random).set_pkce_challenge(challenge).url();
        Ok(AuthorizeRequest { url: url.to_string(), state: state.secret().clone(), verifier })
    }

    pub async fn exchange_code(
        &self,
        app: &AppCredentials,
        redirect_uri: &str,
        code: &str,
        verifier: PkceCodeVerifier,
        now: i64,
    ) -> std::result::Result<TokenSet, ZoomFailure> {
        let client = self.oauth(app, Some(redirect_uri)).map_err(|error| ZoomFailure { error, retry_after: None })?;
        let rec = Recording::new(&self.http);
        let result = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .set_pkce_verifier(verifier)
            .request_async(&rec)
            .await;
        rec.finish(result, now)
    }

    pub async fn refresh(&self, app: &AppCredentials, refresh: &Secret, now: i64) -> std::result::Result<TokenSet, ZoomFailure> {
        let client = self.oauth(app, None).map_err(|error| ZoomFailure { error, retry_after: None })?;
        let token = RefreshToken::new(refresh.expose().to_string());
        let rec = Recording::new(&self.http);
        let result = client.exchange_refresh_token(&token).request_async(&rec).await;
        rec.finish(result, now)
    }

    /// Revokes the grant (Zoom: revoking any token of it deauthorizes the app for the user).
    /// Plain HTTP rather than `oauth2`'s revocation: that one insists on an https URL, which the
    /// loopback sandbox is not, and Zoom's revoke takes just `token=…` with the usual client
    /// authentication.
    pub async fn revoke(&self, app: &AppCredentials, token: &Secret) -> Result<()> {
        let mut form = vec![("token", token.expose().to_string())];
        let mut req = self.http.post(join(&app.auth_base, "/oauth/revoke"));
        match &app.client_secret {
            Some(secret) => req = req.basic_auth(&app.client_id, Some(secret.expose())),
            None => form.push(("client_id", app.client_id.clone())),
        }
        let res = req.form(&form).send().await.map_err(|e| network(e).error)?;
        let status = res.status();
        if status.is_success() {
            // Only Zoom's documented answer counts as revoked: a 200 from something else (a
            // captive portal, a proxy's page) must not make Delete forget a live grant.
            let body: serde_json::Value = res.json().await.unwrap_or_default();
            if body.get("status").and_then(|s| s.as_str()) == Some("success") {
                return Ok(());
            }
            return Err(EngineError::new(ErrorCode::ZoomBadResponse, "Zoom's answer to the revocation is not the documented one"));
        }
        let body: ZoomOAuthError = res.json().await.unwrap_or_default();
        let seen = Some((status.as_u16(), None));
        Err(classify_token_error(RequestTokenError::ServerResponse(body), seen).error)
    }

    async fn api_get(&self, url: &str, access: &Secret, accept: &str) -> std::result::Result<serde_json::Value, ZoomFailure> {
        let res = self
            .http
            .get(url)
            .bearer_auth(access.expose())
            .header("Accept", accept)
            .send()
            .await
            .map_err(network)?;
        let status = res.status();
        let wait = res.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse().ok());
        let body = res.bytes().await.map_err(network)?;
        let json: Option<serde_json::Value> = serde_json::from_slice(&body).ok();
        if status.is_success() {
            return json.ok_or_else(|| failure(ErrorCode::ZoomBadResponse, "Zoom answered with something that is not JSON"));
        }
        let code = json.as_ref().and_then(|j| j.get("code")).and_then(|c| c.as_i64());
        let message = json
            .as_ref()
            .and_then(|j| j.get("message").or_else(|| j.get("detail")))
            .and_then(|m| m.as_str())
            .map(crate::redact::redact)
            .map(|m| m.chars().take(200).collect::<String>());
        let (code_kind, text) = match (status.as_u16(), code) {
            (429, _) => (ErrorCode::ZoomRateLimited, "Zoom's rate limit was reached; the call will be retried".to_string()),
            (500..=599, _) => (ErrorCode::Network, format!("Zoom had a server error (HTTP {status})")),
            (401, _) | (_, Some(124)) => (
                ErrorCode::ZoomInvalidGrant,
                "Zoom refused the access token: deauthorized or uninstalled in Zoom".to_string(),
            ),
            (_, Some(4711)) => (ErrorCode::MissingScope, "the connection lacks a scope this call needs (4711)".to_string()),
            _ => (ErrorCode::ZoomError, format!("Zoom answered HTTP {status}: {}", message.unwrap_or_default())),
        };
        Err(ZoomFailure { error: EngineError::new(code_kind, text), retry_after: wait.map(Duration::from_secs) })
    }

    /// `GET /v2/users/me`: who signed in.
    pub async fn users_me(&self, api_url: &str, access: &Secret) -> std::result::Result<ZoomIdentity, ZoomFailure> {
        let me = self.api_get(&join(api_url, "/v2/users/me"), access, "application/json").await?;
        parse_identity(&me).ok_or_else(|| failure(ErrorCode::ZoomBadResponse, "Zoom's answer about the signed-in user lacks its id"))
    }

    /// `GET /scim2/Users?count=1`: the number of users SCIM sees.
    pub async fn scim_probe(&self, api_url: &str, access: &Secret) -> std::result::Result<u64, ZoomFailure> {
        let list = self.api_get(&join(api_url, "/scim2/Users?count=1"), access, "application/scim+json").await?;
        list.get("totalResults")
            .and_then(|t| t.as_u64())
            .ok_or_else(|| failure(ErrorCode::ZoomBadResponse, "Zoom's SCIM answer lacks totalResults"))
    }
}

fn failure(code: ErrorCode, message: &str) -> ZoomFailure {
    ZoomFailure { error: EngineError::new(code, message), retry_after: None }
}

fn network(e: reqwest::Error) -> ZoomFailure {
    let what = if e.is_timeout() { "timed out" } else if e.is_connect() { "could not connect" } else { "the connection failed" };
    failure(ErrorCode::Network, &format!("Zoom could not be reached: {what}"))
}

/// The identity fields; unknown user types and absent optional fields are accepted.
pub fn parse_identity(me: &serde_json::Value) -> Option<ZoomIdentity> {
    let s = |k: &str| me.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
    let id = s("id");
    if id.is_empty() {
        return None;
    }
    let display = if s("display_name").is_empty() { format!("{} {}", s("first_name"), s("last_name")).trim().to_string() } else { s("display_name") };
    Some(ZoomIdentity {
        user_id: id,
        email: s("email"),
        display_name: display,
        account_id: s("account_id"),
        account_number: me.get("account_number").and_then(|v| v.as_u64()),
        role_name: s("role_name"),
        user_type: me.get("type").and_then(|v| v.as_i64()),
    })
}

fn token_set(tokens: ZoomTokenResponse, now: i64) -> std::result::Result<TokenSet, ZoomFailure> {
    let refresh = tokens
        .refresh_token()
        .ok_or_else(|| failure(ErrorCode::ZoomBadResponse, "Zoom's token answer has no refresh token"))?;
    let expires_in = tokens.expires_in().map(|d| d.as_secs() as i64).unwrap_or(3599);
    Ok(TokenSet {
        access: Secret::new(tokens.access_token().secret().clone()),
        refresh: Secret::new(refresh.secret().clone()),
        // Computed once, in wall-clock time (the Michigan bug in ZOOM.md).
        expires_at: now + expires_in,
        scopes: tokens.scopes().map(|s| s.iter().map(|s| s.to_string()).collect()).unwrap_or_default(),
        api_url: tokens.extra_fields().api_url.clone().filter(|u| u.starts_with("https://") || u.starts_with("http://127.0.0.1")),
    })
}

/// ZOOM.md, Errors: classify on both `error` and `reason` (Zoom sometimes says
/// `invalid_request` where `invalid_grant` is meant).
fn classify_token_error(
    e: RequestTokenError<oauth2::HttpClientError<reqwest::Error>, ZoomOAuthError>,
    seen: Option<(u16, Option<Duration>)>,
) -> ZoomFailure {
    let (status, retry_after) = seen.unwrap_or((0, None));
    match e {
        RequestTokenError::ServerResponse(err) => {
            let reason = err.reason.clone().unwrap_or_default();
            let has = |n: &str| reason.contains(n);
            let (code, message) = if has("4741") {
                (ErrorCode::ZoomInvalidGrant, "a newer connection for this Zoom user replaced it (4741)".to_string())
            } else if has("4735") {
                (ErrorCode::ZoomInvalidGrant, "the Zoom user was deactivated or no longer exists (4735)".to_string())
            } else if has("4733") {
                (ErrorCode::ZoomInvalidGrant, "the authorization code expired before it was used (4733); try again".to_string())
            } else if has("4734") {
                (ErrorCode::ZoomInvalidGrant, "Zoom did not accept the authorization code (4734); try again".to_string())
            } else if has("4709") {
                (ErrorCode::InvalidSettings, "the redirect URL does not match the one registered in the Zoom app (4709)".to_string())
            } else if has("4711") {
                (ErrorCode::MissingScope, "the Zoom app's scopes do not match (4711)".to_string())
            } else if has("4717") {
                (ErrorCode::ZoomInvalidClient, "the Zoom app is disabled (4717)".to_string())
            } else {
                match err.error.as_str() {
                    "invalid_grant" => (ErrorCode::ZoomInvalidGrant, "deauthorized or uninstalled in Zoom".to_string()),
                    "invalid_client" => (ErrorCode::ZoomInvalidClient, "Zoom refused the app's client id or secret".to_string()),
                    _ if status == 429 => (ErrorCode::ZoomRateLimited, "Zoom's rate limit was reached".to_string()),
                    _ if status >= 500 => (ErrorCode::Network, format!("Zoom had a server error (HTTP {status})")),
                    other => (ErrorCode::ZoomError, format!("Zoom refused the request ({})", crate::redact::redact(other))),
                }
            };
            ZoomFailure { error: EngineError::new(code, message), retry_after }
        }
        RequestTokenError::Request(e) => {
            let what = match &e {
                oauth2::HttpClientError::Reqwest(r) if r.is_timeout() => "timed out",
                oauth2::HttpClientError::Reqwest(r) if r.is_connect() => "could not connect",
                _ => "the connection failed",
            };
            failure(ErrorCode::Network, &format!("Zoom could not be reached: {what}"))
        }
        RequestTokenError::Parse(..) | RequestTokenError::Other(..) => {
            let (code, message) = match status {
                429 => (ErrorCode::ZoomRateLimited, "Zoom's rate limit was reached".to_string()),
                500..=599 => (ErrorCode::Network, format!("Zoom had a server error (HTTP {status})")),
                _ => (ErrorCode::ZoomBadResponse, format!("Zoom answered something unexpected (HTTP {status})")),
            };
            ZoomFailure { error: EngineError::new(code, message), retry_after }
        }
    }
}
