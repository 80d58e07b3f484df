//! `GET /oauth/authorize` and the pages after it: sign in (password + "I'm not a robot", SSO,
//! Google, Facebook), Pre-Approve, Authorize or Decline, then the redirect with `code` and the
//! untouched `state` (or `error=access_denied`).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use url::Url;

use crate::pages;
use crate::pkce;
use crate::redirect;
use crate::seed::{is_admin_scope, AppKind, Management};
use crate::state::{random_token, AuthRequest, IssuedCode, Shared, AUTH_REQUEST_LIFETIME};

type AppState = State<Arc<Shared>>;

pub async fn authorize(State(shared): AppState, Query(q): Query<HashMap<String, String>>) -> Response {
    let bad = |title: &str, msg: &str| pages::error_page(StatusCode::BAD_REQUEST, title, msg);
    let mut inner = shared.lock();
    // Error pages carry Zoom's error code and message (docs/zoom.md, Setup errors), which the
    // app's "Check settings" reads.
    let app = q.get("client_id").and_then(|id| inner.seed.app(id)).filter(|a| a.kind == AppKind::OAuth && a.active).cloned();
    let Some(app) = app else {
        return bad("Invalid client_id", "Invalid client_id: the app you are trying to authorize does not exist or is not an OAuth app. (errorCode 4702)");
    };
    let Some(method) = pkce::Method::parse(q.get("code_challenge_method").map(String::as_str)) else {
        return bad("Invalid request", "Unsupported code_challenge_method: use S256 or plain.");
    };
    if q.get("response_type").map(String::as_str) != Some("code") {
        return bad("Unsupported response type", "Only response_type=code is supported.");
    }
    let redirect_uri = q.get("redirect_uri").cloned().unwrap_or_default();
    let (scopes, refused) = match checked(&app, &q) {
        Ok(scopes) => (scopes, None),
        // Zoom's pages do not say whether these come before the sign-in page or after it: in
        // the one reading the error page comes at once, in the other after sign-in.
        Err((title, message)) if inner.readings.authorize_errors_after_sign_in => (Vec::new(), Some((title, message))),
        Err((title, message)) => return bad(&title, &message),
    };
    let now = shared.clock.now();
    inner.auth_requests.retain(|_, r| now - r.created_at < AUTH_REQUEST_LIFETIME);
    let id = random_token("req_", 24);
    inner.auth_requests.insert(
        id.clone(),
        AuthRequest {
            client_id: app.client_id.clone(),
            redirect_uri,
            state: q.get("state").cloned(),
            challenge: q.get("code_challenge").cloned(),
            method,
            scopes,
            user_id: None,
            preapproved: false,
            created_at: now,
            refused,
            device: None,
        },
    );
    // As Zoom does for a browser that is not signed in: on to the sign-in page. (A redirect,
    // not the page itself: the app's "Check settings" reads it.)
    Redirect::to(&format!("/oauth/signin?req={id}")).into_response()
}

/// The redirect URL and scopes of an authorize request: the scopes to grant, or Zoom's error
/// page's title and message.
fn checked(app: &crate::seed::App, q: &HashMap<String, String>) -> Result<Vec<String>, (String, String)> {
    let refuse = |title: &str, message: String| Err((title.to_string(), message));
    let Some(redirect_uri) = q.get("redirect_uri") else {
        return refuse("Invalid redirect", "Invalid redirect url: no redirect URL was given. (errorCode 4700)".into());
    };
    if let Err(why) = redirect::check(app, redirect_uri) {
        return refuse("Invalid redirect", format!("Invalid redirect url: {why} (errorCode 4700)"));
    }
    // Zoom grants the scopes configured on the app: a `scope` parameter can narrow them, and a
    // scope the app lacks is silently not granted (the client must check the granted `scope`).
    let requested: Vec<String> = match q.get("scope") {
        Some(s) => s.split([' ', ',']).filter(|s| !s.is_empty()).map(String::from).collect(),
        None => app.scopes.clone(),
    };
    // A user-managed app works on the signed-in user's own data: admin scopes need an
    // admin-managed app, and no app type combines both (docs/zoom.md, App types).
    if app.management == Management::User {
        if let Some(admin) = requested.iter().find(|s| is_admin_scope(s)) {
            return refuse(
                "Invalid scope",
                format!("Invalid scope: {admin} is not a valid scope name for a user-managed app; admin scopes need an admin-managed app. (errorCode 4700)"),
            );
        }
    }
    let scopes: Vec<String> = requested.into_iter().filter(|s| app.scopes.iter().any(|a| a == s)).collect();
    if scopes.is_empty() {
        return refuse("Invalid scope", "Invalid scope: none of the requested scopes is configured on this app. (errorCode 4700)".into());
    }
    Ok(scopes)
}

pub async fn sign_in_page(State(shared): AppState, Query(q): Query<ReqOnly>) -> Response {
    match request(&shared, &q.req) {
        Ok((_, app_name)) => pages::sign_in(&q.req, &app_name, None).into_response(),
        Err(page) => page,
    }
}

/// The authorization request a page belongs to, or the error page for a stale one.
fn request(shared: &Shared, req: &str) -> Result<(AuthRequest, String), Response> {
    let inner = shared.lock();
    let now = shared.clock.now();
    match inner.auth_requests.get(req) {
        Some(r) if now - r.created_at < AUTH_REQUEST_LIFETIME => {
            let app_name = inner.seed.app(&r.client_id).map(|a| a.name.clone()).unwrap_or_default();
            Ok((r.clone(), app_name))
        }
        _ => Err(pages::error_page(StatusCode::BAD_REQUEST, "Session expired", "This sign-in page has expired. Start again from the app.")),
    }
}

#[derive(Deserialize)]
pub struct ReqOnly {
    req: String,
}

#[derive(Deserialize)]
pub struct PasswordForm {
    req: String,
    email: String,
    password: String,
    robot: Option<String>,
}

pub async fn sign_in_with_password(State(shared): AppState, Form(f): Form<PasswordForm>) -> Response {
    let (_, app_name) = match request(&shared, &f.req) {
        Ok(r) => r,
        Err(page) => return page,
    };
    let again = |msg: &str| (StatusCode::UNAUTHORIZED, pages::sign_in(&f.req, &app_name, Some(msg))).into_response();
    if f.robot.as_deref() != Some("yes") {
        return again("Please confirm that you are not a robot.");
    }
    let user = shared.lock().user_by_email(&f.email).cloned();
    match user {
        Some(u) if !u.password.is_empty() && u.password == f.password => signed_in(&shared, &f.req, &u.id),
        _ => again("Incorrect email or password."),
    }
}

/// Sign-in succeeded: active users go on to Pre-Approve.
fn signed_in(shared: &Shared, req: &str, user_id: &str) -> Response {
    let mut inner = shared.lock();
    let Some(user) = inner.user(user_id).cloned() else {
        return pages::error_page(StatusCode::BAD_REQUEST, "Unknown user", "That user does not exist.");
    };
    if !user.is_active() {
        let why = if user.status == "pending" {
            "This account has not been activated yet. Check your email for the activation link."
        } else {
            "This account has been deactivated. Contact your Zoom account admin."
        };
        return pages::error_page(StatusCode::FORBIDDEN, "Cannot sign in", why);
    }
    let Some(request) = inner.auth_requests.get(req).cloned() else {
        return pages::error_page(StatusCode::BAD_REQUEST, "Session expired", "This sign-in page has expired. Start again from the app.");
    };
    // The error Zoom keeps until after sign-in, in that reading (`Readings`).
    if let Some((title, message)) = &request.refused {
        inner.auth_requests.remove(req);
        return pages::error_page(StatusCode::BAD_REQUEST, title, message);
    }
    // Only an account's owner or admins may add an admin-managed app: Zoom's page says so and
    // goes no further (docs/zoom.md, App types); no redirect comes back to the app.
    let admin_app = inner.seed.app(&request.client_id).is_some_and(|a| a.management == Management::Admin);
    if admin_app && user.role_name == "Member" && !inner.readings.members_authorize_admin_apps {
        inner.auth_requests.remove(req);
        return pages::error_page(
            StatusCode::FORBIDDEN,
            "You cannot authorize this app",
            "An account admin is required to install this type of app. Please contact your account admin or IT administrator to install this app.",
        );
    }
    if let Some(r) = inner.auth_requests.get_mut(req) {
        r.user_id = Some(user.id.clone());
    }
    Redirect::to(&format!("/oauth/preapprove?req={req}")).into_response()
}

pub async fn sso_page(State(shared): AppState, Query(q): Query<ReqOnly>) -> Response {
    match request(&shared, &q.req) {
        Ok(_) => pages::sso_domain(&q.req, None).into_response(),
        Err(page) => page,
    }
}

#[derive(Deserialize)]
pub struct SsoForm {
    req: String,
    domain: String,
}

pub async fn sso_domain(State(shared): AppState, Form(f): Form<SsoForm>) -> Response {
    if let Err(page) = request(&shared, &f.req) {
        return page;
    }
    let domain = f.domain.trim().trim_end_matches(".zoom.us").to_ascii_lowercase();
    let inner = shared.lock();
    let Some(account) = inner.seed.accounts.iter().find(|a| a.sso_domain.as_deref() == Some(domain.as_str())) else {
        return (StatusCode::NOT_FOUND, pages::sso_domain(&f.req, Some("No account uses this company domain for SSO."))).into_response();
    };
    let choices: Vec<(String, String)> =
        inner.seed.users.iter().filter(|u| u.account_id == account.id).map(|u| (u.id.clone(), format!("{} <{}>", u.display_name(), u.email))).collect();
    pages::chooser(&f.req, "sso", &format!("{} single sign-on", account.name), &choices).into_response()
}

pub async fn google(State(shared): AppState, Query(q): Query<ReqOnly>) -> Response {
    social(&shared, &q.req, "google")
}

pub async fn facebook(State(shared): AppState, Query(q): Query<ReqOnly>) -> Response {
    social(&shared, &q.req, "facebook")
}

fn identity<'a>(user: &'a crate::seed::User, provider: &str) -> Option<&'a String> {
    match provider {
        "google" => user.google.as_ref(),
        "facebook" => user.facebook.as_ref(),
        _ => None,
    }
}

fn social(shared: &Shared, req: &str, provider: &str) -> Response {
    if let Err(page) = request(shared, req) {
        return page;
    }
    let inner = shared.lock();
    let choices: Vec<(String, String)> = inner.seed.users.iter().filter_map(|u| identity(u, provider).map(|id| (u.id.clone(), id.clone()))).collect();
    let heading = if provider == "google" { "Sign in with Google" } else { "Sign in with Facebook" };
    pages::chooser(req, provider, heading, &choices).into_response()
}

#[derive(Deserialize)]
pub struct ChooseForm {
    req: String,
    provider: String,
    user_id: String,
}

/// The identity provider vouches for the chosen identity; check it is one it offered.
pub async fn choose(State(shared): AppState, Form(f): Form<ChooseForm>) -> Response {
    if let Err(page) = request(&shared, &f.req) {
        return page;
    }
    let offered = {
        let inner = shared.lock();
        match inner.user(&f.user_id) {
            Some(u) if f.provider == "sso" => inner.seed.account(&u.account_id).is_some_and(|a| a.sso_domain.is_some()),
            Some(u) => identity(u, &f.provider).is_some(),
            None => false,
        }
    };
    if !offered {
        return pages::error_page(StatusCode::BAD_REQUEST, "Sign-in failed", "That identity cannot sign in this way.");
    }
    signed_in(&shared, &f.req, &f.user_id)
}

/// The request with a signed-in user, or the page to go back to.
fn signed_in_request(shared: &Shared, req: &str) -> Result<(AuthRequest, String, crate::seed::User), Response> {
    let (r, app_name) = request(shared, req)?;
    let user = r.user_id.as_deref().and_then(|id| shared.lock().user(id).cloned());
    match user {
        Some(u) => Ok((r, app_name, u)),
        None => Err((StatusCode::UNAUTHORIZED, pages::sign_in(req, &app_name, Some("Sign in first."))).into_response()),
    }
}

pub async fn pre_approve_page(State(shared): AppState, Query(q): Query<ReqOnly>) -> Response {
    match signed_in_request(&shared, &q.req) {
        Ok((_, app_name, user)) => {
            let account = shared.lock().seed.account(&user.account_id).map(|a| a.name.clone()).unwrap_or_default();
            pages::pre_approve(&q.req, &app_name, &account, &user.email).into_response()
        }
        Err(res) => res,
    }
}

pub async fn pre_approve(State(shared): AppState, Form(f): Form<ReqOnly>) -> Response {
    if let Err(res) = signed_in_request(&shared, &f.req) {
        return res;
    }
    if let Some(r) = shared.lock().auth_requests.get_mut(&f.req) {
        r.preapproved = true;
    }
    Redirect::to(&format!("/oauth/consent?req={}", f.req)).into_response()
}

pub async fn consent_page(State(shared): AppState, Query(q): Query<ReqOnly>) -> Response {
    match signed_in_request(&shared, &q.req) {
        Ok((r, _, _)) if !r.preapproved => Redirect::to(&format!("/oauth/preapprove?req={}", q.req)).into_response(),
        Ok((r, app_name, _)) => pages::consent(&q.req, &app_name, &r.scopes).into_response(),
        Err(res) => res,
    }
}

#[derive(Deserialize)]
pub struct ConsentForm {
    req: String,
    decision: String,
}

pub async fn consent(State(shared): AppState, Form(f): Form<ConsentForm>) -> Response {
    let (r, _, user) = match signed_in_request(&shared, &f.req) {
        Ok(x) => x,
        Err(res) => return res,
    };
    if !r.preapproved {
        return Redirect::to(&format!("/oauth/preapprove?req={}", f.req)).into_response();
    }
    let mut inner = shared.lock();
    // The request is finished either way: its pages cannot be replayed.
    inner.auth_requests.remove(&f.req);
    if let Some(device_code) = &r.device {
        drop(inner);
        let approved = (f.decision == "authorize").then(|| (user.id.clone(), r.scopes.clone()));
        return crate::device::decided(&shared, device_code, approved);
    }
    let mut params: Vec<(&str, String)> = Vec::new();
    if f.decision == "authorize" {
        let code = random_token("zsc_", 32);
        inner.codes.insert(
            code.clone(),
            IssuedCode {
                client_id: r.client_id.clone(),
                redirect_uri: r.redirect_uri.clone(),
                challenge: r.challenge.clone(),
                method: r.method,
                user_id: user.id.clone(),
                scopes: r.scopes.clone(),
                issued_at: shared.clock.now(),
                used: false,
            },
        );
        params.push(("code", code));
    } else {
        params.push(("error", "access_denied".into()));
        params.push(("error_description", "The user declined to authorize the app.".into()));
    }
    if let Some(state) = &r.state {
        params.push(("state", state.clone()));
    }
    redirect_to(&r.redirect_uri, &params)
}

/// A 302 to the app's redirect URL with our parameters added to any it already has.
fn redirect_to(redirect_uri: &str, params: &[(&str, String)]) -> Response {
    let Ok(mut url) = Url::parse(redirect_uri) else {
        return pages::error_page(StatusCode::BAD_REQUEST, "Invalid redirect", "The redirect URL is not valid.");
    };
    {
        let mut q = url.query_pairs_mut();
        for (k, v) in params {
            q.append_pair(k, v);
        }
    }
    (StatusCode::FOUND, [(header::LOCATION, url.to_string())]).into_response()
}
