//! The client side of Zoom over HTTP: the authorize URL (PKCE and state from the `oauth2` crate),
//! the token endpoint (code exchange, refresh), revocation, `GET /v2/users/me` and the probes.
//! What the answers mean is decided in `zoom_answers`.
//!
//! Token-endpoint calls are plain form posts rather than `oauth2`'s typed requests: its strict
//! response type discards a whole answer for one odd field, and a refresh answer must never be
//! discarded while it carries a rotated refresh token (zoom_answers.rs). The HTTP client follows
//! no redirects (a code or token could be sent anywhere), reads at most `MAX_BODY` of an answer,
//! trusts the operating system's certificate store as well as the bundled web roots
//! (TLS-inspecting proxies), and honours the system's proxy settings.

use std::time::Duration;

use oauth2::{AuthUrl, ClientId, CsrfToken, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl};
use serde::Serialize;

use crate::error::{EngineError, ErrorCode, Result};
use crate::model::ZoomIdentity;
pub use crate::retry_after::RetryAfter;
use crate::secret::Secret;
use crate::zoom_answers::{api_answer, failure, revoke_answer, token_answer, TokenCall};
pub use crate::zoom_answers::{parse_identity, FailureClass, GrantEnd, Revocation, TokenAnswer, TokenSet, ZoomFailure};

/// One Zoom app as the client sees it.
#[derive(Debug, Clone)]
pub struct AppCredentials {
    pub client_id: String,
    pub client_secret: Option<Secret>,
    /// `https://zoom.us` or another auth host.
    pub auth_base: String,
}

/// The start of an authorization: the URL for the browser and what the callback needs.
pub struct AuthorizeRequest {
    pub url: String,
    pub state: String,
    pub verifier: PkceCodeVerifier,
}

/// Far above any answer Zoom gives (a token answer is under 2 KiB, a users page a few KiB), far
/// below what could hurt: a hostile server or proxy may send an endless body.
const MAX_BODY: usize = 1024 * 1024;

pub struct ZoomClient {
    http: reqwest::Client,
    /// The proxy's client, made at its first use (`proxy_http`).
    proxy_http: std::sync::OnceLock<std::result::Result<reqwest::Client, String>>,
}

/// The proxy's limits: a connection is made within `PROXY_CONNECT`, and an answer may take as
/// long as it takes while bytes keep coming, at most `PROXY_IDLE` apart. No total: a slow
/// answer cut mid-body, or a slow POST that Zoom carried out answered 502, would be worse (a
/// script that retries runs it twice).
const PROXY_CONNECT: Duration = Duration::from_secs(10);
const PROXY_IDLE: Duration = Duration::from_secs(120);

fn builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        // An OAuth client must not follow redirects (it could be sent anywhere with a code).
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("zoom-connections/", env!("CARGO_PKG_VERSION")))
        // The OS store too: where a TLS-inspecting proxy re-signs traffic, its root is there.
        .tls_built_in_native_certs(true)
        .tls_built_in_webpki_certs(true)
}

fn bad_settings(what: &str) -> EngineError {
    EngineError::new(ErrorCode::InvalidSettings, format!("invalid Zoom app settings: {what}"))
}

pub(crate) fn join(base: &str, path: &str) -> String {
    format!("{}{}", base.trim_end_matches('/'), path)
}

fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// When Zoom says to come back (real time, whatever clock the engine runs on): `Retry-After` on
/// any answer; the rate-limit headers only on a 429 (Zoom sends them on ordinary answers too).
pub(crate) fn retry_after(status: u16, headers: &reqwest::header::HeaderMap) -> Option<RetryAfter> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if status == 429 {
        return crate::retry_after::rate_limit_wait(header, unix_now());
    }
    header("retry-after").and_then(|v| crate::retry_after::parse_retry_after(v, unix_now()))
}

/// An answer as far as the client reads it: status, `Retry-After`, a 401's challenge, and at
/// most `MAX_BODY` bytes.
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) retry_after: Option<RetryAfter>,
    www_authenticate: Option<String>,
    pub(crate) body: Vec<u8>,
}

async fn read(res: reqwest::Response) -> std::result::Result<Answer, ZoomFailure> {
    let status = res.status().as_u16();
    let retry_after = retry_after(status, res.headers());
    let www_authenticate = res.headers().get(reqwest::header::WWW_AUTHENTICATE).and_then(|v| v.to_str().ok()).map(|v| v.chars().take(1024).collect());
    let mut res = res;
    let mut body = Vec::new();
    while let Some(chunk) = res.chunk().await.map_err(network)? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(failure(ErrorCode::ZoomBadResponse, "Zoom's answer was far larger than any Zoom answer"));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Answer { status, retry_after, www_authenticate, body })
}

impl ZoomClient {
    /// The HTTP client itself (no redirects, the system's trust and proxy).
    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The broker's proxy's client: the same trust, proxy and redirect rules, but its own
    /// timeouts (`PROXY_IDLE`).
    pub(crate) fn proxy_http(&self) -> Result<&reqwest::Client> {
        let made = self.proxy_http.get_or_init(|| builder().connect_timeout(PROXY_CONNECT).read_timeout(PROXY_IDLE).build().map_err(|e| e.to_string()));
        made.as_ref().map_err(|e| EngineError::new(ErrorCode::Network, format!("could not set up HTTP: {e}")))
    }

    pub fn with_timeout(timeout: Duration) -> Result<Self> {
        let http = builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .build()
            .map_err(|e| EngineError::new(ErrorCode::Network, format!("could not set up HTTP: {e}")))?;
        Ok(Self { http, proxy_http: std::sync::OnceLock::new() })
    }

    /// PKCE S256 and a random state, always (Zoom's default method would be `plain`).
    /// No `scope` parameter: Zoom grants the scopes configured on the app, and the callback
    /// checks that the granted ones satisfy the org's requirements.
    pub fn authorize_url(&self, app: &AppCredentials, redirect_uri: &str) -> Result<AuthorizeRequest> {
        self.authorize_url_with_scopes(app, redirect_uri, &[])
    }

    /// The same, asking for these scopes (only "Check settings" does: it makes Zoom say
    /// whether the app has them, and whether it may have them at all).
    pub fn authorize_url_with_scopes(&self, app: &AppCredentials, redirect_uri: &str, scopes: &[String]) -> Result<AuthorizeRequest> {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let auth = AuthUrl::new(join(&app.auth_base, "/oauth/authorize")).map_err(|_| bad_settings("auth URL"))?;
        let redirect = RedirectUrl::new(redirect_uri.to_string()).map_err(|_| bad_settings("redirect URL"))?;
        let client = oauth2::basic::BasicClient::new(ClientId::new(app.client_id.clone())).set_auth_uri(auth).set_redirect_uri(redirect);
        let mut request = client.authorize_url(CsrfToken::new_random).set_pkce_challenge(challenge);
        for scope in scopes {
            request = request.add_scope(oauth2::Scope::new(scope.clone()));
        }
        let (url, state) = request.url();
        Ok(AuthorizeRequest { url: url.to_string(), state: state.secret().clone(), verifier })
    }

    /// A form post to the token endpoint with the app's client authentication: HTTP Basic for a
    /// confidential app, `client_id` in the body for a public one (docs/zoom.md, OAuth endpoints).
    pub(crate) async fn token_post(&self, app: &AppCredentials, path: &str, form: Vec<(&str, String)>) -> std::result::Result<Answer, ZoomFailure> {
        let res = self.token_request(app, path, form).send().await.map_err(network)?;
        read(res).await
    }

    fn token_request(&self, app: &AppCredentials, path: &str, mut form: Vec<(&str, String)>) -> reqwest::RequestBuilder {
        let mut req = self.http.post(join(&app.auth_base, path)).header(reqwest::header::ACCEPT, "application/json");
        match &app.client_secret {
            Some(secret) => req = req.basic_auth(&app.client_id, Some(secret.expose())),
            None => form.push(("client_id", app.client_id.clone())),
        }
        req.form(&form)
    }

    /// A token call, and whether Zoom may have carried it out when no usable answer came
    /// (`TokenAnswer::in_doubt`).
    async fn token_call(&self, app: &AppCredentials, call: TokenCall, form: Vec<(&str, String)>, now: i64, within: Option<Duration>) -> TokenAnswer {
        let lost = |f, in_doubt| TokenAnswer { tokens: Err(f), refresh: None, in_doubt };
        let mut request = self.token_request(app, "/oauth/token", form);
        if let Some(within) = within {
            request = request.timeout(within);
        }
        let res = match request.send().await {
            Ok(res) => res,
            // Without a connection the request never left; after one, it may have been read.
            Err(e) => {
                let sent = !e.is_connect();
                return lost(network(e), sent);
            }
        };
        match read(res).await {
            Ok(a) => token_answer(call, a.status, a.retry_after, &a.body, now),
            // The answer broke off after its headers: Zoom had carried the call out.
            Err(f) => lost(f, true),
        }
    }

    pub async fn exchange_code(
        &self,
        app: &AppCredentials,
        redirect_uri: &str,
        code: &str,
        verifier: PkceCodeVerifier,
        now: i64,
    ) -> std::result::Result<TokenSet, ZoomFailure> {
        let form = vec![
            ("grant_type", "authorization_code".to_string()),
            ("code", code.to_string()),
            ("redirect_uri", redirect_uri.to_string()),
            ("code_verifier", verifier.secret().clone()),
        ];
        let tokens = self.token_call(app, TokenCall::CodeExchange, form, now, None).await.tokens?;
        if tokens.refresh.is_none() {
            // Without a refresh token the connection could not outlive the hour.
            return Err(failure(ErrorCode::ZoomBadResponse, "Zoom's answer to the sign-in has no refresh token, so the connection could not be kept alive"));
        }
        Ok(tokens)
    }

    /// `grant_type=refresh_token`. The answer's refresh token, if any, is in `TokenAnswer::refresh`
    /// even when the rest of the answer cannot be used.
    pub async fn refresh(&self, app: &AppCredentials, refresh: &Secret, now: i64) -> TokenAnswer {
        self.refresh_within(app, refresh, now, None).await
    }

    /// The same, given up after `within` instead of the client's whole timeout (a refresh asked
    /// again must fit in what is left of the first one's).
    pub async fn refresh_within(&self, app: &AppCredentials, refresh: &Secret, now: i64, within: Option<Duration>) -> TokenAnswer {
        let form = vec![("grant_type", "refresh_token".to_string()), ("refresh_token", refresh.expose().to_string())];
        self.token_call(app, TokenCall::Refresh, form, now, within).await
    }

    /// Server-to-Server: a token for the account, minted with the app's client id and secret
    /// (HTTP Basic). `grant_type` and `account_id` go in the query, as Zoom documents the call
    /// (docs/zoom.md, Server-to-Server).
    pub async fn account_credentials(&self, app: &AppCredentials, account_id: &str, now: i64) -> TokenAnswer {
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "account_credentials")
            .append_pair("account_id", account_id)
            .finish();
        match self.token_post(app, &format!("/oauth/token?{query}"), Vec::new()).await {
            Ok(a) => token_answer(TokenCall::AccountCredentials, a.status, a.retry_after, &a.body, now),
            Err(f) => TokenAnswer { tokens: Err(f), refresh: None, in_doubt: false },
        }
    }

    /// Revokes the grant with an access token, as Zoom documents it (revoking deauthorizes the
    /// app for the user: the whole grant goes).
    pub async fn revoke(&self, app: &AppCredentials, access: &Secret) -> std::result::Result<Revocation, ZoomFailure> {
        let answer = self.token_post(app, "/oauth/revoke", vec![("token", access.expose().to_string())]).await?;
        revoke_answer(answer.status, &answer.body)
    }

    async fn api_get(&self, url: &str, access: &Secret, accept: &str) -> std::result::Result<serde_json::Value, ZoomFailure> {
        let res = self.http.get(url).bearer_auth(access.expose()).header(reqwest::header::ACCEPT, accept).send().await.map_err(network)?;
        let answer = read(res).await?;
        api_answer(answer.status, answer.retry_after, answer.www_authenticate.as_deref(), &answer.body)
    }

    /// `GET /v2/users/me`: who signed in.
    pub async fn users_me(&self, api_url: &str, access: &Secret) -> std::result::Result<ZoomIdentity, ZoomFailure> {
        let me = self.api_get(&join(api_url, "/v2/users/me"), access, "application/json").await?;
        parse_identity(&me).ok_or_else(|| failure(ErrorCode::ZoomBadResponse, "Zoom's answer about the signed-in user lacks its id"))
    }

    /// `GET /v2/users?page_size=1`: whether this token may list the account's users (what a
    /// custom role must allow), and how many there are.
    pub async fn users_probe(&self, api_url: &str, access: &Secret) -> std::result::Result<u64, ZoomFailure> {
        let list = self.api_get(&join(api_url, "/v2/users?page_size=1&status=active"), access, "application/json").await?;
        list.get("total_records").and_then(|t| t.as_u64()).ok_or_else(|| failure(ErrorCode::ZoomBadResponse, "Zoom's list of users lacks total_records"))
    }

    /// `GET /scim2/Users?count=1`: the number of users SCIM sees.
    pub async fn scim_probe(&self, api_url: &str, access: &Secret) -> std::result::Result<u64, ZoomFailure> {
        let list = self.api_get(&join(api_url, "/scim2/Users?count=1"), access, "application/scim+json").await.map_err(scim_refusal)?;
        list.get("totalResults").and_then(|t| t.as_u64()).ok_or_else(|| failure(ErrorCode::ZoomBadResponse, "Zoom's SCIM answer lacks totalResults"))
    }

    /// Fetches an authorize URL the way a browser would start, without following its redirect:
    /// Zoom redirects to its sign-in when it accepts the app's client id and redirect URL, and
    /// shows an error page otherwise (docs/zoom.md, Setup errors). Returns the page's status and
    /// text (bounded) when it did not redirect.
    /// A request that never got an answer says why, typed (`NetworkFault`).
    pub async fn preflight_authorize(&self, url: &str) -> std::result::Result<Option<(u16, String)>, (NetworkFault, ZoomFailure)> {
        let res = self.http.get(url).header(reqwest::header::ACCEPT, "text/html,application/json").send().await.map_err(|e| (network_fault(&e), network(e)))?;
        if res.status().is_redirection() {
            return Ok(None);
        }
        let answer = read(res).await.map_err(|f| (NetworkFault::Other, f))?;
        Ok(Some((answer.status, String::from_utf8_lossy(&answer.body).into_owned())))
    }
}

/// A refused SCIM call (not a refused token, not a missing scope) is the account or the role
/// lacking what SCIM needs (docs/zoom.md, SCIM 2): said with what that is, and Zoom's words.
fn scim_refusal(f: ZoomFailure) -> ZoomFailure {
    // 403 (the role, the plan) is a refused role to `api_answer`; a 400 that names a
    // prerequisite (SSO, the vanity URL, the plan) a plain Zoom error. Anything else — a missing
    // scope, a refused token, Zoom's catch-all, a proxy's page — stays what it is.
    static PREREQUISITE: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"(?i)\b(single sign-on|sso|vanity url|business|education)\b").expect("a valid pattern"));
    let names_one = f.error.code == ErrorCode::ZoomError && PREREQUISITE.is_match(&f.error.message);
    let account_or_role = f.error.code == ErrorCode::RoleNotAllowed || names_one;
    if !account_or_role {
        return f;
    }
    let message = format!(
        "Zoom refused SCIM for this account: {}. SCIM needs a Business or Education account with an approved vanity URL, single sign-on, and an Owner or Admin (docs/zoom.md, SCIM 2)",
        f.error.message
    );
    ZoomFailure { error: EngineError::new(ErrorCode::ScimUnavailable, message), class: FailureClass::Refused, ..f }
}

/// Why a request got no answer, for the window to say in the user's language.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NetworkFault {
    Timeout,
    /// The server's certificate is not trusted: behind a TLS-inspecting proxy, its root
    /// certificate is missing from the system's store (README, Behind a corporate proxy).
    UntrustedCertificate,
    /// No connection (DNS, refused, unreachable, a proxy that refused the tunnel).
    Connect,
    /// The connection broke during the exchange.
    Other,
}

pub(crate) fn network_fault(e: &reqwest::Error) -> NetworkFault {
    if e.is_timeout() {
        return NetworkFault::Timeout;
    }
    if !e.is_connect() {
        return NetworkFault::Other;
    }
    // reqwest has no error kind for TLS: the text of its source chain names an untrusted chain.
    let chain = std::iter::successors(std::error::Error::source(e), |s| s.source()).map(|s| s.to_string()).collect::<Vec<_>>().join(": ");
    if chain.contains("certificate") || chain.contains("UnknownIssuer") {
        NetworkFault::UntrustedCertificate
    } else {
        NetworkFault::Connect
    }
}

pub(crate) fn network(e: reqwest::Error) -> ZoomFailure {
    let what = match network_fault(&e) {
        NetworkFault::Timeout => "timed out",
        NetworkFault::UntrustedCertificate => {
            "the server's TLS certificate is not trusted (behind a TLS-inspecting proxy, its root certificate must be in the system's certificate store)"
        }
        NetworkFault::Connect => "could not connect",
        NetworkFault::Other => "the connection failed",
    };
    failure(ErrorCode::Network, &format!("Zoom could not be reached: {what}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_refused_role_or_a_named_prerequisite_is_scim_unavailable() {
        let scim = |code: ErrorCode, class: FailureClass, message: &str| {
            scim_refusal(ZoomFailure { error: EngineError::new(code, message), class, retry_after: None, reason: None }).error.code
        };
        assert_eq!(
            scim(ErrorCode::ZoomError, FailureClass::Ambiguous, "Zoom answered HTTP 400: Account has not enabled Single Sign-On"),
            ErrorCode::ScimUnavailable
        );
        assert_eq!(scim(ErrorCode::ZoomError, FailureClass::Ambiguous, "Zoom answered HTTP 400: no approved vanity URL"), ErrorCode::ScimUnavailable);
        assert_eq!(scim(ErrorCode::RoleNotAllowed, FailureClass::Refused, "Zoom says this user may not do that (HTTP 403)"), ErrorCode::ScimUnavailable);
        // Words that merely contain the letters, Zoom's catch-all, a missing scope: as they were.
        assert_eq!(
            scim(ErrorCode::ZoomError, FailureClass::Ambiguous, "Zoom answered HTTP 400: the user is not associated with a processor"),
            ErrorCode::ZoomError
        );
        assert_eq!(scim(ErrorCode::ZoomError, FailureClass::Ambiguous, "Zoom refused the request (4700)"), ErrorCode::ZoomError);
        assert_eq!(scim(ErrorCode::MissingScope, FailureClass::Refused, "the connection lacks a scope"), ErrorCode::MissingScope);
    }
}
