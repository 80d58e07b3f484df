//! The client against today's Zoom as the sandbox models it (docs/zoom.md): granular and classic
//! scopes, custom roles, one live access token per user and app (handouts), revocation with the
//! access token, sandbox time for sandbox orgs only.

mod common;

use std::sync::Arc;

use common::*;
use serde_json::json;
use zoom_connections_engine::clock::{Clock, FakeClock, SystemClock};
use zoom_connections_engine::model::{Org, RedirectMode, Status, HANDOUT_MIN_LIFETIME, SANDBOX_ORG_ID};
use zoom_connections_engine::scopes::Capability;
use zoom_connections_engine::{ErrorCode, TickState};
use zoom_sandbox::user_agent::SignIn;

const OWNER: &str = "owner@contoso.example";

fn real_now() -> i64 {
    SystemClock.now()
}

/// An org on the sandbox's older app, whose scopes are classic.
fn classic_org(w: &World, required: Vec<Capability>) -> Org {
    let mut org = w.engine.org(SANDBOX_ORG_ID).unwrap();
    org.id = "classic".into();
    org.name = "Older app".into();
    org.client_id = "sandbox-classic".into();
    org.required = required;
    w.engine.save_org(org, None).unwrap()
}

#[tokio::test]
async fn either_scope_form_satisfies_what_the_org_requires() {
    let w = World::new().await;
    // A new app: granular scopes.
    let granular = w.connect(SANDBOX_ORG_ID, "new app", OWNER).await.connection;
    assert!(Capability::ManageUsers.granted_by(&granular.granted_scopes));
    assert!(granular.granted_scopes.iter().all(|s| s != "user:write:admin"));
    // An older app: classic scopes, for the same requirement plus SCIM.
    classic_org(&w, vec![Capability::ManageUsers, Capability::Scim]);
    let classic = w.connect("classic", "old app", "owner@fabrikam.example").await.connection;
    assert!(classic.granted_scopes.contains(&"user:write:admin".to_string()));
    assert_eq!(classic.status, Status::Active);
}

#[tokio::test]
async fn a_custom_role_connects_when_it_may_manage_users_and_is_refused_otherwise() {
    let w = World::new().await;
    let helpdesk = w.connect(SANDBOX_ORG_ID, "help desk", "helpdesk@contoso.example").await.connection;
    assert_eq!(helpdesk.identity.role_name, "Help Desk");
    assert_eq!(helpdesk.identity.user_type, Some(4), "Unassigned");
    assert!(w.engine.test_connection(&helpdesk.id).await.is_ok());

    let flow = w.engine.begin_create(SANDBOX_ORG_ID, "auditor").await.unwrap();
    let redirect = w.sign_in(&flow, SignIn::password("auditor@contoso.example")).await;
    let err = w.engine.handle_callback(redirect.as_str()).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::RoleNotAllowed);
    assert!(err.message.contains("“Auditor”") && err.message.contains("Owner or Admin"), "{}", err.message);
    assert_eq!(w.engine.connections().len(), 1, "nothing stored");
}

/// One live access token per user and app: a handed-out token is promised `HANDOUT_MIN_LIFETIME`,
/// and keepalive does not rotate it away before then unless it must.
#[tokio::test]
async fn a_handed_out_token_is_not_rotated_away_before_its_promised_lifetime() {
    let clock = FakeClock::at(real_now());
    let w = World::with_clock(clock.clone()).await;
    let id = w.connect(SANDBOX_ORG_ID, "n", OWNER).await.connection.id;
    // 49 minutes on: 11 minutes left, too little to promise 10 more and keep 2 in hand: a
    // handout refreshes first and hands out a fresh token.
    w.advance(&clock, 2940).await;
    let first = w.engine.hand_out(&id).await.unwrap();
    assert!(first.expires_at - clock.now_secs() >= 3500, "a fresh token");
    assert!(first.valid_until >= clock.now_secs() + HANDOUT_MIN_LIFETIME);
    // With 22 minutes left and no promise outstanding, a second handout is served the same
    // token (a third within its promise can still share it)...
    w.advance(&clock, 2274).await;
    let second = w.engine.hand_out(&id).await.unwrap();
    assert_eq!(second.access, first.access);
    // ...and so is a third, with the second's promise running and 12 minutes and 10 seconds
    // left: its promise runs to 2 minutes and 10 seconds before the expiry.
    w.advance(&clock, 595).await;
    let third = w.engine.hand_out(&id).await.unwrap();
    assert_eq!(third.access, first.access);
    // Keepalive, due by its 10-minute margin, waits for the promise.
    w.advance(&clock, 330).await;
    let report = w.engine.tick(&mut TickState::default(), 4).await;
    assert_eq!(report.refreshed, 0, "{report:?}");
    assert_eq!(w.me_status(first.access.expose()).await, 200, "the script's token still works");
    // So does the API proxy, which would otherwise take a token with 5 minutes left for its calls.
    w.advance(&clock, 150).await;
    let broker_dir = temp_dir();
    let broker = zoom_connections_engine::broker::start(w.engine.clone(), zoom_connections_engine::broker::BrokerConfig::new(broker_dir.path().join("b")))
        .await
        .unwrap();
    let socket = broker.socket.clone().unwrap();
    let proxied = reqwest::Client::builder().unix_socket(socket).build().unwrap().get("http://localhost/zoom/n/v2/users/me").send().await.unwrap();
    assert_eq!(proxied.status(), 200);
    assert_eq!(w.me_status(first.access.expose()).await, 200, "the proxy did not rotate the promised token away");
    broker.stop().await;
    // When the promise has run out, keepalive rotates (and that token dies, as Zoom does it).
    w.advance(&clock, 150).await;
    let report = w.engine.tick(&mut TickState::default(), 4).await;
    assert_eq!(report.refreshed, 1, "{report:?}");
    assert_eq!(w.me_status(first.access.expose()).await, 401);
}

/// Two scripts starting minutes apart: the first handout, with no promise outstanding, rotates
/// while the token could still carry a second promise, so the second shares it instead of
/// killing the first one's token (one live access token per user and app).
#[tokio::test]
async fn a_second_handout_minutes_after_the_first_shares_its_token() {
    let clock = FakeClock::at(real_now());
    let w = World::with_clock(clock.clone()).await;
    let id = w.connect(SANDBOX_ORG_ID, "n", OWNER).await.connection.id;
    // 13 minutes left: enough for one promise, not for a second one within it.
    w.advance(&clock, 2820).await;
    let first = w.engine.hand_out(&id).await.unwrap();
    w.advance(&clock, 90).await;
    let second = w.engine.hand_out(&id).await.unwrap();
    assert_eq!(second.access, first.access, "the second script shares the first one's token");
    assert_eq!(w.me_status(first.access.expose()).await, 200, "the first script's token still works");
    assert!(second.valid_until >= clock.now_secs() + HANDOUT_MIN_LIFETIME);
}

/// Rotating early for a handout is a nicety: when Zoom fails it, a token that still carries the
/// promise is handed out rather than an error.
#[tokio::test]
async fn a_failed_early_rotation_still_hands_out_a_token_that_carries_the_promise() {
    let clock = FakeClock::at(real_now());
    let w = World::with_clock(clock.clone()).await;
    let id = w.connect(SANDBOX_ORG_ID, "n", OWNER).await.connection.id;
    let (before, _) = w.tokens(&id);
    // 15 minutes left, no promise outstanding: a handout would rotate now, and Zoom answers 500
    // (twice: a 5xx is asked again at once).
    w.advance(&clock, 2700).await;
    w.control("/faults", json!({"endpoint": "refresh", "fault": {"kind": "http500"}, "count": 2})).await;
    let handout = w.engine.hand_out(&id).await.unwrap();
    assert_eq!(handout.access.expose(), before);
    assert!(handout.valid_until >= clock.now_secs() + HANDOUT_MIN_LIFETIME);
    assert_eq!(w.me_status(handout.access.expose()).await, 200);
}

/// Delete revokes with the access token, as Zoom documents it: the sandbox refuses refresh
/// tokens at revocation, so a Delete that used one would not revoke anything.
#[tokio::test]
async fn delete_revokes_with_a_fresh_access_token() {
    let clock = FakeClock::at(real_now());
    let w = World::with_clock(clock.clone()).await;
    let id = w.connect(SANDBOX_ORG_ID, "n", OWNER).await.connection.id;
    // The access token has expired: Delete refreshes first, then revokes with the new one.
    w.advance(&clock, 4000).await;
    w.engine.delete(&id).await.unwrap();
    let grants = w.grants().await;
    assert_eq!(grants[0]["status"], "revoked");
    assert_eq!(grants[0]["refreshes"], 1);
}

/// Sandbox time travel moves sandbox connections only; a real org's keep the wall clock.
#[tokio::test]
async fn sandbox_time_applies_to_sandbox_connections_only() {
    let sandbox_clock = FakeClock::at(real_now() + 10 * 24 * 3600);
    let store = secret_store();
    let w = World::build_full(zoom_sandbox::SandboxConfig::for_tests(), Arc::new(SystemClock), store, None, None).await;
    let mut config = zoom_connections_engine::EngineConfig::new(w.data_dir.clone(), w.secrets.clone());
    config.sandbox_url = Some(w.sandbox_url.clone());
    config.sandbox_clock = Some(sandbox_clock.clone());
    let engine = zoom_connections_engine::Engine::open(config).unwrap();
    let mut real = Org::sandbox();
    real.id = "real".into();
    real.sandbox = false;
    real.auth_base = "https://zoom.us".into();
    real.api_base = "https://api.zoom.us".into();
    real.redirect = RedirectMode::Loopback;
    engine.save_org(real, None).unwrap();
    assert_eq!(engine.now_for_org("real"), engine.now());
    assert_eq!(engine.now_for_org(SANDBOX_ORG_ID), sandbox_clock.now_secs());
    assert!(engine.sandbox_now() > engine.now() + 9 * 24 * 3600);
}

/// A refresh answered by Zoom's 4700 catch-all is retried, and the connection becomes Needs
/// reconnect only after many such answers over hours (docs/zoom.md, Errors).
#[tokio::test]
async fn ambiguous_answers_become_needs_reconnect_only_after_a_bound() {
    let clock = FakeClock::at(real_now());
    let w = World::with_clock(clock.clone()).await;
    let id = w.connect(SANDBOX_ORG_ID, "n", OWNER).await.connection.id;
    w.control("/faults", json!({"endpoint": "refresh", "fault": {"kind": "catch_all"}, "count": 100})).await;
    w.advance(&clock, 3000).await;
    let mut state = TickState::default();
    let mut attempts = 0;
    while w.engine.connection(&id).unwrap().status != Status::NeedsReconnect {
        w.engine.tick(&mut state, 4).await;
        attempts += 1;
        let c = w.engine.connection(&id).unwrap();
        if c.status == Status::Retrying {
            let wait = c.next_attempt_at.unwrap() - clock.now_secs();
            w.advance(&clock, wait.max(1)).await;
        }
        assert!(attempts < 40, "never gave up");
    }
    let c = w.engine.connection(&id).unwrap();
    let span = c.last_failure_at.unwrap() - c.failing_since.unwrap();
    assert!(attempts >= zoom_connections_engine::tokens::AMBIGUOUS_ATTEMPTS as usize, "{attempts}");
    assert!(span >= zoom_connections_engine::tokens::AMBIGUOUS_SPAN, "{span}");
    assert!(c.status_reason.unwrap().contains("invalid_request"));
}

/// "Check settings" asks Zoom before anyone signs in, and names what it refused.
#[tokio::test]
async fn check_settings_names_what_zoom_refuses_before_any_sign_in() {
    use zoom_connections_engine::setup_check::SetupProblem;
    let w = World::new().await;
    assert_eq!(w.engine.check_org_settings(SANDBOX_ORG_ID).await.unwrap().problem, None);
    // An older app with classic scopes is accepted too (the check asks in both forms).
    classic_org(&w, vec![Capability::ManageUsers, Capability::Scim]);
    let classic = w.engine.check_org_settings("classic").await.unwrap();
    assert_eq!(classic.problem, None);
    // An org that requires SCIM: whether the account may use it only a sign-in shows.
    assert_eq!(classic.at_sign_in.last(), Some(&zoom_connections_engine::setup_check::SetupPart::ScimAccount));
    let org = |id: &str, client_id: &str, redirect: RedirectMode| {
        let mut org = w.engine.org(SANDBOX_ORG_ID).unwrap();
        org.id = id.into();
        org.client_id = client_id.into();
        org.redirect = redirect;
        w.engine.save_org(org, None).unwrap();
    };
    org("unknown", "no-such-app", RedirectMode::Loopback);
    assert_eq!(w.engine.check_org_settings("unknown").await.unwrap().problem, Some(SetupProblem::UnknownClientId));
    org("unregistered", "sandbox-public", RedirectMode::Relay { url: "https://relay.unregistered.example/".into() });
    let check = w.engine.check_org_settings("unregistered").await.unwrap();
    assert_eq!(check.problem, Some(SetupProblem::RedirectNotRegistered { redirect_url: "https://relay.unregistered.example/".into() }));
    // A user-managed app: Zoom refuses the admin scopes the org needs.
    org("personal", "sandbox-readonly", RedirectMode::Loopback);
    match w.engine.check_org_settings("personal").await.unwrap().problem {
        Some(SetupProblem::UserManagedApp { scope }) => assert!(scope.ends_with(":admin"), "{scope}"),
        other => panic!("{other:?}"),
    }
    // A confidential app without its secret.
    let mut confidential = w.engine.org(SANDBOX_ORG_ID).unwrap();
    confidential.id = "nosecret".into();
    confidential.client_id = "sandbox-confidential".into();
    confidential.confidential = true;
    w.engine.save_org(confidential, None).unwrap();
    assert_eq!(w.engine.check_org_settings("nosecret").await.unwrap().problem, Some(SetupProblem::NoClientSecret));
    // Zoom out of reach.
    let mut gone = w.engine.org(SANDBOX_ORG_ID).unwrap();
    gone.id = "gone".into();
    gone.sandbox = false;
    gone.auth_base = "https://127.0.0.1:9".into();
    gone.api_base = "https://127.0.0.1:9".into();
    w.engine.save_org(gone, None).unwrap();
    assert!(matches!(
        w.engine.check_org_settings("gone").await.unwrap().problem,
        Some(SetupProblem::Unreachable { fault: zoom_connections_engine::zoom::NetworkFault::Connect, .. })
    ));
}

/// Where Zoom shows an unregistered redirect URL's error only after sign-in (the sandbox's other
/// reading; docs/zoom.md, Setup errors), Check settings sees its sign-in page and must not call
/// the app accepted: the redirect URL is among what only the first sign-in confirms, and that
/// sign-in then ends on Zoom's error page.
#[tokio::test]
async fn check_settings_does_not_call_accepted_what_zoom_checks_only_after_sign_in() {
    use zoom_connections_engine::setup_check::SetupPart;
    let w = World::new().await;
    w.control("/settings", serde_json::json!({"authorize_errors_after_sign_in": true})).await;
    let mut org = w.engine.org(SANDBOX_ORG_ID).unwrap();
    org.id = "unregistered".into();
    org.redirect = RedirectMode::Relay { url: "https://relay.unregistered.example/".into() };
    w.engine.save_org(org, None).unwrap();
    let check = w.engine.check_org_settings("unregistered").await.unwrap();
    assert_eq!(check.problem, None, "Zoom showed no error before sign-in");
    assert_eq!(check.at_sign_in, vec![SetupPart::RedirectUrl, SetupPart::AppType, SetupPart::Scopes, SetupPart::Role]);
    let flow = w.engine.begin_create("unregistered", "n").await.unwrap();
    let err = w.browser.authorize(&flow.authorize_url, &SignIn::password("owner@contoso.example"), true).await.unwrap_err();
    assert!(err.contains("Invalid redirect"), "{err}");
}
