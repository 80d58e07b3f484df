//! The client side of Zoom over HTTP: OAuth (with the `oauth2` crate; its HTTP client follows no
//! redirects), revocation, `GET /v2/users/me` and the SCIM probe. What the answers mean (tokens,
//! identity, error codes as ZOOM.md prescribes) is decided in `zoom_answers`.

use std::sync::Mutex;
use std::time::Duration;

use oauth2::basic::BasicTokenIntrospectionResponse;
use oauth2::{
    AsyncHttpClient, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet,
    HttpRequest, HttpResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RefreshToken,
    RequestTokenError, RevocationUrl, StandardRevocableToken, TokenUrl,
};

use crate::error::{EngineError, ErrorCode, Result};
use crate::model::ZoomIdentity;
use crate::secret::Secret;
pub use crate::zoom_answers::{parse_identity, TokenSet, ZoomFailure};
use crate::zoom_answers::{
    api_answer, failure, revoke_answer, token_error, token_set, unparseable_token_answer, TokenCall, ZoomOAuthError, ZoomTokenResponse,
};

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

/// The start of an authorization: the URL for the browser and what the callback needs.
pub struct AuthorizeRequest {
    pub url: String,
    pub state: String,
    pub verifier: PkceCodeVerifier,
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
        call: TokenCall,
        now: i64,
    ) -> std::result::Result<TokenSet, ZoomFailure> {
        let seen = self.seen.lock().ok().and_then(|s| *s);
        match result {
            Ok(tokens) => token_set(tokens, now),
            Err(e) => Err(classify_request_error(e, call, seen)),
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
        rec.finish(result, TokenCall::CodeExchange, now)
    }

    pub async fn refresh(&self, app: &AppCredentials, refresh: &Secret, now: i64) -> std::result::Result<TokenSet, ZoomFailure> {
        let client = self.oauth(app, None).map_err(|error| ZoomFailure { error, retry_after: None })?;
        let token = RefreshToken::new(refresh.expose().to_string());
        let rec = Recording::new(&self.http);
        let result = client.exchange_refresh_token(&token).request_async(&rec).await;
        rec.finish(result, TokenCall::Refresh, now)
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
        let status = res.status().as_u16();
        let body = res.bytes().await.map_err(|e| network(e).error)?;
        revoke_answer(status, &body)
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
        let status = res.status().as_u16();
        let wait = res.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse().ok());
        let body = res.bytes().await.map_err(network)?;
        api_answer(status, wait.map(Duration::from_secs), &body)
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

fn network(e: reqwest::Error) -> ZoomFailure {
    let what = if e.is_timeout() { "timed out" } else if e.is_connect() { "could not connect" } else { "the connection failed" };
    failure(ErrorCode::Network, &format!("Zoom could not be reached: {what}"))
}

/// A token-endpoint call that failed: Zoom's error answer, no answer, or an unreadable one.
fn classify_request_error(
    e: RequestTokenError<HttpError, ZoomOAuthError>,
    call: TokenCall,
    seen: Option<(u16, Option<Duration>)>,
) -> ZoomFailure {
    let (status, retry_after) = seen.unwrap_or((0, None));
    match e {
        RequestTokenError::ServerResponse(err) => token_error(&err, call, status, retry_after),
        RequestTokenError::Request(e) => {
            let what = match &e {
                oauth2::HttpClientError::Reqwest(r) if r.is_timeout() => "timed out",
                oauth2::HttpClientError::Reqwest(r) if r.is_connect() => "could not connect",
                _ => "the connection failed",
            };
            failure(ErrorCode::Network, &format!("Zoom could not be reached: {what}"))
        }
        RequestTokenError::Parse(..) | RequestTokenError::Other(..) => unparseable_token_answer(status, retry_after),
    }
}
