//! Test helpers: a sandbox on an ephemeral port and a client that plays the user through its
//! pages with plain HTTP form posts (no redirects followed, so every hop is visible).
#![allow(dead_code)]

use std::time::Duration;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use reqwest::{redirect, Response, StatusCode};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use url::Url;
use zoom_sandbox::{RunningSandbox, SandboxConfig};

pub const PUBLIC: &str = "sandbox-public";
pub const CONFIDENTIAL: &str = "sandbox-confidential";
pub const CONFIDENTIAL_SECRET: &str = "sandbox-confidential-secret";
pub const DEEP_LINK: &str = "zoom-connections://oauth/callback";
pub const OWNER: &str = "owner@contoso.example";
pub const PASSWORD: &str = "sandbox";
pub const VERIFIER: &str = "a-very-long-pkce-verifier-of-forty-three-characters-or-more-0123";

pub fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

pub struct Sandbox {
    pub running: RunningSandbox,
    pub base: String,
    pub http: reqwest::Client,
}

/// How the client authenticates at the token endpoint.
#[derive(Clone, Copy)]
pub enum Client<'a> {
    Public(&'a str),
    Confidential(&'a str, &'a str),
}

impl Sandbox {
    pub async fn start() -> Self {
        Self::start_with(SandboxConfig::for_tests()).await
    }

    /// A sandbox with the control API on; `http` shows its secret on every request (the
    /// security tests use clients of their own without it).
    pub async fn start_with(config: SandboxConfig) -> Self {
        let running = zoom_sandbox::start(SandboxConfig { control: true, ..config }).await.expect("sandbox starts");
        let base = running.base_url();
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("x-sandbox-control", running.control_secret().expect("control on").parse().unwrap());
        let http = reqwest::Client::builder().redirect(redirect::Policy::none()).timeout(Duration::from_secs(10)).default_headers(headers).build().unwrap();
        Self { running, base, http }
    }

    /// A client without the control secret, as any other program on the machine would be.
    pub fn stranger() -> reqwest::Client {
        reqwest::Client::builder().redirect(redirect::Policy::none()).timeout(Duration::from_secs(10)).build().unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.http.get(self.url(path)).send().await.unwrap()
    }

    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> Response {
        self.http.post(self.url(path)).form(form).send().await.unwrap()
    }

    pub async fn control(&self, path: &str, body: Value) -> Value {
        let res = self.http.post(self.url(&format!("/_sandbox{path}"))).json(&body).send().await.unwrap();
        assert!(res.status().is_success(), "control {path}: {}", res.status());
        res.json().await.unwrap()
    }

    pub async fn grants(&self) -> Vec<Value> {
        let v: Value = self.get("/_sandbox/grants").await.json().await.unwrap();
        v["grants"].as_array().unwrap().clone()
    }

    pub async fn advance(&self, seconds: i64) {
        self.control("/clock/advance", json!({"seconds": seconds})).await;
    }

    /// `GET /oauth/authorize` with PKCE S256; returns the sign-in page's request id.
    pub async fn begin(&self, client_id: &str, redirect_uri: &str, state: &str) -> String {
        let challenge = s256(VERIFIER);
        let query = [
            ("response_type", "code"),
            ("client_id", client_id),
            ("redirect_uri", redirect_uri),
            ("state", state),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ];
        self.begin_with(&query).await
    }

    /// `GET /oauth/authorize` with exactly these parameters; returns the request id.
    pub async fn begin_with(&self, query: &[(&str, &str)]) -> String {
        let res = self.http.get(self.url("/oauth/authorize")).query(query).send().await.unwrap();
        // On to the sign-in page, as Zoom sends a browser that is not signed in.
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let page = self.get(&location(&res)).await;
        assert_eq!(page.status(), StatusCode::OK);
        request_id(&page.text().await.unwrap())
    }

    /// The owner signs in with a password, pre-approves and authorizes; returns the code.
    pub async fn code_for(&self, req: &str, email: &str) -> String {
        let res = self.post_form("/oauth/signin", &[("req", req), ("email", email), ("password", PASSWORD), ("robot", "yes")]).await;
        assert!(res.status().is_redirection(), "sign-in: {}", res.status());
        query(&self.approve(req, "authorize").await, "code").expect("a code")
    }

    /// Pre-Approve, then Authorize or Decline; returns the final redirect.
    pub async fn approve(&self, req: &str, decision: &str) -> Url {
        let res = self.post_form("/oauth/preapprove", &[("req", req)]).await;
        assert!(res.status().is_redirection());
        assert_eq!(location(&res), format!("/oauth/consent?req={req}"));
        let page = self.get(&format!("/oauth/consent?req={req}")).await.text().await.unwrap();
        assert!(page.contains("Authorize") && page.contains("Decline"));
        let res = self.post_form("/oauth/consent", &[("req", req), ("decision", decision)]).await;
        assert_eq!(res.status(), StatusCode::FOUND);
        Url::parse(&location(&res)).unwrap()
    }

    /// The whole user journey with the password sign-in; returns the code.
    pub async fn authorize(&self, client_id: &str, redirect_uri: &str, email: &str) -> String {
        let req = self.begin(client_id, redirect_uri, "st").await;
        self.code_for(&req, email).await
    }

    pub async fn token_request(&self, client: Client<'_>, form: &[(&str, &str)]) -> Response {
        let mut form: Vec<(&str, &str)> = form.to_vec();
        let mut req = self.http.post(self.url("/oauth/token"));
        match client {
            Client::Public(id) => form.push(("client_id", id)),
            Client::Confidential(id, secret) => req = req.header("Authorization", format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")))),
        }
        req.form(&form).send().await.unwrap()
    }

    pub async fn exchange(&self, client: Client<'_>, code: &str, redirect_uri: &str) -> Response {
        self.token_request(client, &[("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirect_uri), ("code_verifier", VERIFIER)]).await
    }

    pub async fn refresh(&self, client: Client<'_>, refresh_token: &str) -> Response {
        self.token_request(client, &[("grant_type", "refresh_token"), ("refresh_token", refresh_token)]).await
    }

    /// A connected user's tokens, through the pages (public app, deep-link redirect).
    pub async fn connect(&self, email: &str) -> Value {
        let code = self.authorize(PUBLIC, DEEP_LINK, email).await;
        let res = self.exchange(Client::Public(PUBLIC), &code, DEEP_LINK).await;
        assert_eq!(res.status(), StatusCode::OK);
        res.json().await.unwrap()
    }

    pub async fn me(&self, access_token: &str) -> Response {
        self.http.get(self.url("/v2/users/me")).bearer_auth(access_token).send().await.unwrap()
    }
}

pub fn request_id(html: &str) -> String {
    let marker = "name=\"req\" value=\"";
    let start = html.find(marker).expect("a page with a request id") + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

pub fn location(res: &Response) -> String {
    res.headers().get("location").expect("a Location header").to_str().unwrap().to_string()
}

pub fn query(url: &Url, name: &str) -> Option<String> {
    url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

pub async fn oauth_error(res: Response) -> (StatusCode, String, String) {
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    (status, body["error"].as_str().unwrap_or("").into(), body["reason"].as_str().unwrap_or("").into())
}
