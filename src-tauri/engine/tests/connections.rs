//! Creating, refusing, deleting and reconnecting connections against the sandbox over real HTTP,
//! with the test playing the user through the sandbox's pages.

mod common;

use common::*;
use zoom_connections_engine::clock::FakeClock;
use zoom_connections_engine::model::{RedirectMode, Status, SANDBOX_ORG_ID};
use zoom_connections_engine::ErrorCode;
use zoom_connections_engine::Probe;
use zoom_sandbox::user_agent::SignIn;

const OWNER: &str = "owner@contoso.example";
const ADMIN: &str = "admin@contoso.example";

fn assert_no_tokens_on_disk(w: &World, id: &str) {
    let (access, refresh) = w.tokens(id);
    let text = w.data_dir_text();
    assert!(!text.contains(&access) && !text.contains(&refresh), "a token reached the data directory");
    assert!(text.contains(id), "the metadata names the connection");
}

#[tokio::test]
async fn first_start_has_the_sandbox_org() {
    let w = World::new().await;
    let orgs = w.engine.orgs();
    assert_eq!(orgs.len(), 1);
    assert!(orgs[0].sandbox && orgs[0].id == SANDBOX_ORG_ID);
    assert!(w.engine.connections().is_empty());
}

#[tokio::test]
async fn create_through_the_deep_link_with_a_public_app() {
    let w = World::new().await;
    let flow = w.engine.begin_create(SANDBOX_ORG_ID, "  Production admin  ").await.unwrap();
    assert!(flow.authorize_url.contains("code_challenge_method=S256") && flow.authorize_url.contains("state="));
    assert_eq!(flow.redirect_uri, "zoom-connections://oauth/callback");
    let redirect = w.sign_in(&flow, SignIn::password(OWNER)).await;
    assert_eq!(redirect.scheme(), "zoom-connections");
    let outcome = w.engine.handle_callback(redirect.as_str()).await.unwrap();
    let c = &outcome.connection;
    assert_eq!(c.nickname, "Production admin");
    assert_eq!(c.status, Status::Active);
    assert_eq!(c.identity.email, OWNER);
    assert_eq!(c.identity.role_name, "Owner");
    assert_eq!(c.identity.account_id, "acct_contoso");
    // The default app is a new one: granular scopes satisfy the org's "manage users".
    assert!(c.granted_scopes.contains(&"user:update:user:admin".to_string()));
    assert_eq!(c.api_url, w.sandbox_url);
    assert!(outcome.superseded.is_none());
    assert_no_tokens_on_disk(&w, &c.id);
    // The stored tokens are the live ones.
    let (access, _) = w.tokens(&c.id);
    let me = w.http.get(format!("{}/v2/users/me", w.sandbox_url)).bearer_auth(access).send().await.unwrap();
    assert_eq!(me.status(), 200);
}

#[tokio::test]
async fn create_through_each_sign_in_choice() {
    let w = World::new().await;
    let choices = [
        SignIn::Sso { domain: "contoso".into(), user_id: "usr_contoso_admin".into() },
        SignIn::Google { user_id: "usr_fabrikam_owner".into() },
        SignIn::Facebook { user_id: "usr_fabrikam_admin".into() },
    ];
    // Fabrikam is another account: give it an org of its own (rule 2).
    w.add_org("fabrikam", "sandbox-public", false, RedirectMode::DeepLink, None);
    for (i, how) in choices.into_iter().enumerate() {
        let org = if i == 0 { SANDBOX_ORG_ID } else { "fabrikam" };
        let flow = w.engine.begin_create(org, &format!("conn {i}")).await.unwrap();
        let redirect = w.sign_in(&flow, how).await;
        w.engine.handle_callback(redirect.as_str()).await.unwrap();
    }
    assert_eq!(w.engine.connections().len(), 3);
}

#[tokio::test]
async fn create_through_the_loopback_listener_with_public_and_confidential_apps() {
    let w = World::new().await;
    w.add_org("loop-public", "sandbox-public", false, RedirectMode::Loopback, None);
    w.add_org("loop-conf", "sandbox-confidential", true, RedirectMode::Loopback, Some("sandbox-confidential-secret"));
    for (org, email) in [("loop-public", OWNER), ("loop-conf", "owner@fabrikam.example")] {
        let flow = w.engine.begin_create(org, "via loopback").await.unwrap();
        assert!(flow.redirect_uri.starts_with("http://127.0.0.1:") && flow.redirect_uri.ends_with("/oauth/callback"));
        let redirect = w.sign_in(&flow, SignIn::password(email)).await;
        // A page that rebinds its own name to 127.0.0.1 reaches the listener under that name:
        // refused, and the sign-in is still waiting for the browser.
        let port = redirect.port().unwrap();
        let rebound = w.http.get(redirect.as_str()).header("host", format!("attacker.example:{port}")).send().await.unwrap();
        assert_eq!(rebound.status(), 400);
        assert!(!rebound.text().await.unwrap().contains("connected"));
        // The browser follows the redirect to the listener, which answers with a page.
        let page = w.http.get(redirect.as_str()).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        assert!(html.contains("“via loopback” is connected.") && html.contains("「via loopback」を接続しました。"), "{html}");
        // One shot: the listener is gone with its flow.
        assert!(w.http.get(redirect.as_str()).send().await.is_err(), "{org}: the listener still answers");
    }
    let conns = w.engine.connections();
    assert_eq!(conns.len(), 2);
    for c in &conns {
        assert_no_tokens_on_disk(&w, &c.id);
    }
    // Rule 2 held across the two orgs: the two connections are of different accounts.
    assert_ne!(conns[0].identity.account_id, conns[1].identity.account_id);
}

#[tokio::test]
async fn create_through_the_https_relay_page() {
    let w = World::new().await;
    let relay = "https://relay.zoom-connections.example/zc/";
    w.add_org("relay", "sandbox-confidential", true, RedirectMode::Relay { url: relay.into() }, Some("sandbox-confidential-secret"));
    let flow = w.engine.begin_create("relay", "via relay").await.unwrap();
    assert_eq!(flow.redirect_uri, relay);
    let redirect = w.sign_in(&flow, SignIn::password(OWNER)).await;
    assert!(redirect.as_str().starts_with(relay));
    // What ui/relay/index.html does: the same query string, to the custom scheme.
    let forwarded = format!("zoom-connections://oauth/callback?{}", redirect.query().unwrap());
    let outcome = w.engine.handle_callback(&forwarded).await.unwrap();
    assert_eq!(outcome.connection.org_id, "relay");
}

#[tokio::test]
async fn forged_replayed_and_incomplete_callbacks_change_nothing() {
    let w = World::new().await;
    let flow = w.engine.begin_create(SANDBOX_ORG_ID, "n").await.unwrap();
    let redirect = w.sign_in(&flow, SignIn::password(OWNER)).await;
    let code = redirect.query_pairs().find(|(k, _)| k == "code").unwrap().1.to_string();
    let cases = [
        ("zoom-connections://oauth/callback?code=x&state=forged".to_string(), ErrorCode::StateMismatch),
        (format!("zoom-connections://oauth/callback?code={code}"), ErrorCode::InvalidCallback),
        ("zoom-connections://evil/callback?code=x&state=y".to_string(), ErrorCode::InvalidCallback),
        ("https://attacker.example/?code=x&state=y".to_string(), ErrorCode::InvalidCallback),
    ];
    for (url, expected) in cases {
        assert_eq!(w.engine.handle_callback(&url).await.unwrap_err().code, expected, "{url}");
    }
    assert!(w.engine.connections().is_empty());
    // The real callback still works (the forged ones did not consume the flow), once.
    w.engine.handle_callback(redirect.as_str()).await.unwrap();
    let replay = w.engine.handle_callback(redirect.as_str()).await.unwrap_err();
    assert_eq!(replay.code, ErrorCode::StateMismatch);
    assert_eq!(w.engine.connections().len(), 1);
}

#[tokio::test]
async fn a_callback_without_a_code_or_declined_stores_nothing() {
    let w = World::new().await;
    let flow = w.engine.begin_create(SANDBOX_ORG_ID, "n").await.unwrap();
    let declined = w.browser.authorize(&flow.authorize_url, &SignIn::password(OWNER), false).await.unwrap();
    assert_eq!(w.engine.handle_callback(declined.as_str()).await.unwrap_err().code, ErrorCode::AccessDenied);
    let flow = w.engine.begin_create(SANDBOX_ORG_ID, "n").await.unwrap();
    let state = url::Url::parse(&flow.authorize_url).unwrap().query_pairs().find(|(k, _)| k == "state").unwrap().1.to_string();
    let no_code = format!("zoom-connections://oauth/callback?state={state}");
    assert_eq!(w.engine.handle_callback(&no_code).await.unwrap_err().code, ErrorCode::InvalidCallback);
    assert!(w.engine.connections().is_empty());
    assert!(w.grants().await.is_empty(), "no code was exchanged");
}

#[tokio::test]
async fn an_expired_flow_is_refused() {
    let clock = FakeClock::at(1_900_000_000);
    let w = World::with_clock(clock.clone()).await;
    let flow = w.engine.begin_create(SANDBOX_ORG_ID, "n").await.unwrap();
    let redirect = w.sign_in(&flow, SignIn::password(OWNER)).await;
    clock.advance(10 * 60);
    assert_eq!(w.engine.handle_callback(redirect.as_str()).await.unwrap_err().code, ErrorCode::FlowExpired);
    assert!(w.engine.connections().is_empty());
}

#[tokio::test]
async fn a_redirect_the_zoom_app_does_not_allow_never_comes_back() {
    let w = World::new().await;
    // The confidential app is not a Meeting SDK app: Zoom refuses the custom scheme.
    w.add_org("bad", "sandbox-confidential", true, RedirectMode::DeepLink, Some("sandbox-confidential-secret"));
    let flow = w.engine.begin_create("bad", "n").await.unwrap();
    let err = w.browser.authorize(&flow.authorize_url, &SignIn::password(OWNER), true).await.unwrap_err();
    assert!(err.contains("HTTP 400"), "{err}");
    assert!(w.engine.connections().is_empty());
}

#[tokio::test]
async fn a_member_is_refused_and_nothing_is_stored() {
    let w = World::new().await;
    let flow = w.engine.begin_create(SANDBOX_ORG_ID, "n").await.unwrap();
    // Zoom's page stops a Member at sign-in for an admin-managed app; nothing comes back.
    let stopped = w.browser.authorize(&flow.authorize_url, &SignIn::password("member@contoso.example"), true).await.unwrap_err();
    assert!(stopped.contains("403") && stopped.contains("An account admin is required"), "{stopped}");
    assert!(w.engine.connections().is_empty());
    // Where Zoom lets one through (the other reading: docs/zoom.md, App types), the app's own
    // role check refuses.
    w.control("/settings", serde_json::json!({"members_authorize_admin_apps": true})).await;
    let flow = w.engine.begin_create(SANDBOX_ORG_ID, "n").await.unwrap();
    let redirect = w.sign_in(&flow, SignIn::password("member@contoso.example")).await;
    let err = w.engine.handle_callback(redirect.as_str()).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::RoleNotAllowed);
    assert!(err.message.contains("Member") && err.message.contains("Owner or Admin"), "{}", err.message);
    assert!(w.engine.connections().is_empty());
}

#[tokio::test]
async fn a_missing_scope_is_refused() {
    let w = World::new().await;
    let mut org = w.engine.org(SANDBOX_ORG_ID).unwrap();
    // A user-managed app with user-level scopes cannot manage users, in either form.
    org.id = "needs-more".into();
    org.client_id = "sandbox-readonly".into();
    org.redirect = RedirectMode::Loopback;
    w.engine.save_org(org, None).unwrap();
    let flow = w.engine.begin_create("needs-more", "n").await.unwrap();
    let redirect = w.sign_in(&flow, SignIn::password(OWNER)).await;
    let page = w.http.get(redirect.as_str()).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("user:write:admin (classic)") && page.contains("user:update:user:admin"), "{page}");
    assert!(w.engine.connections().is_empty());
}

#[tokio::test]
async fn the_same_user_again_supersedes_the_older_connection() {
    let w = World::new().await;
    let first = w.connect(SANDBOX_ORG_ID, "first", OWNER).await;
    let (_, old_refresh) = w.tokens(&first.connection.id);
    let second = w.connect(SANDBOX_ORG_ID, "second", OWNER).await;
    assert_eq!(second.superseded.as_deref(), Some(first.connection.id.as_str()));
    let older = w.engine.connection(&first.connection.id).unwrap();
    assert_eq!(older.status, Status::Superseded);
    assert!(older.status_reason.unwrap().contains("newer connection"));
    // Zoom really invalidated it.
    assert_eq!(w.refresh_status("sandbox-public", &old_refresh).await, 400);
}

#[tokio::test]
async fn an_account_connected_in_another_org_is_refused_and_not_revoked() {
    let w = World::new().await;
    w.connect(SANDBOX_ORG_ID, "prod", OWNER).await;
    w.add_org("preview", "sandbox-confidential", true, RedirectMode::Loopback, Some("sandbox-confidential-secret"));
    let flow = w.engine.begin_create("preview", "preview").await.unwrap();
    let redirect = w.sign_in(&flow, SignIn::password(ADMIN)).await;
    let page = w.http.get(redirect.as_str()).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("already connected in the org"), "{page}");
    assert_eq!(w.engine.connections().len(), 1);
    // Discarded, not revoked: Zoom still has both grants.
    let grants = w.grants().await;
    assert_eq!(grants.len(), 2);
    assert!(grants.iter().all(|g| g["status"] == "active"));
}

#[tokio::test]
async fn nicknames_are_trimmed_bounded_and_unique_in_their_org() {
    let w = World::new().await;
    for bad in ["", "   ", &"x".repeat(65), "tab\tname"] {
        let err = w.engine.begin_create(SANDBOX_ORG_ID, bad).await.unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidNickname, "{bad:?}");
    }
    w.engine.begin_create(SANDBOX_ORG_ID, &"x".repeat(64)).await.unwrap();
    w.connect(SANDBOX_ORG_ID, "Prod", OWNER).await;
    assert_eq!(w.engine.begin_create(SANDBOX_ORG_ID, " prod ").await.unwrap_err().code, ErrorCode::InvalidNickname);
    w.add_org("other", "sandbox-public", false, RedirectMode::DeepLink, None);
    w.engine.begin_create("other", "Prod").await.unwrap();
}

#[tokio::test]
async fn rename_keeps_the_connection_and_follows_the_nickname_rules() {
    let w = World::new().await;
    let c = w.connect(SANDBOX_ORG_ID, "Prod", OWNER).await.connection;
    w.connect(SANDBOX_ORG_ID, "Staging", ADMIN).await;
    let (access, refresh) = w.tokens(&c.id);
    for bad in ["", "  ", &"x".repeat(65), "tab\tname", " staging "] {
        assert_eq!(w.engine.rename(&c.id, bad).unwrap_err().code, ErrorCode::InvalidNickname, "{bad:?}");
    }
    assert_eq!(w.engine.connection(&c.id).unwrap().nickname, "Prod", "a refused name changes nothing");
    let renamed = w.engine.rename(&c.id, "  Production  ").unwrap();
    assert_eq!(renamed.nickname, "Production");
    assert_eq!(renamed.id, c.id);
    // Only the name: the same tokens, the same grant, and written to disk.
    assert_eq!(w.tokens(&c.id), (access, refresh));
    assert_eq!(w.reopen().connection(&c.id).unwrap().nickname, "Production");
    // Its own name in another case is not taken by itself.
    assert_eq!(w.engine.rename(&c.id, "PRODUCTION").unwrap().nickname, "PRODUCTION");
    assert_eq!(w.engine.rename("no-such", "x").unwrap_err().code, ErrorCode::NotFound);
}

#[tokio::test]
async fn a_nickname_renamed_into_during_a_sign_in_is_not_doubled() {
    let w = World::new().await;
    let other = w.connect(SANDBOX_ORG_ID, "Other", ADMIN).await.connection;
    let flow = w.engine.begin_create(SANDBOX_ORG_ID, "Prod").await.unwrap();
    w.engine.rename(&other.id, "prod").unwrap();
    let redirect = w.sign_in(&flow, SignIn::password(OWNER)).await;
    let outcome = w.engine.handle_callback(redirect.as_str()).await.unwrap();
    // The sign-in is kept (its grant is live at Zoom), under the next free nickname.
    assert_eq!(outcome.connection.nickname, "Prod (2)");
    assert_eq!(w.engine.connection(&other.id).unwrap().nickname, "prod");
}

#[tokio::test]
async fn delete_revokes_the_grant_at_zoom() {
    let w = World::new().await;
    let c = w.connect(SANDBOX_ORG_ID, "n", OWNER).await.connection;
    w.engine.delete(&c.id).await.unwrap();
    assert!(w.engine.connections().is_empty());
    assert!(w.secrets.get(&zoom_connections_engine::model::refresh_key(&c.id)).unwrap().is_none());
    assert_eq!(w.grants().await[0]["status"], "revoked");
}

#[tokio::test]
async fn delete_with_zoom_unreachable_then_delete_locally() {
    let mut w = World::new().await;
    let c = w.connect(SANDBOX_ORG_ID, "n", OWNER).await.connection;
    let sandbox = w.sandbox.take().unwrap();
    let address = sandbox.base_url().trim_start_matches("http://").to_string();
    sandbox.shutdown();
    // Gone once its port refuses connections (not after a guessed pause).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while std::net::TcpStream::connect(&address).is_ok() {
        assert!(std::time::Instant::now() < deadline, "the sandbox still answers after its shutdown");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let err = w.engine.delete(&c.id).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Network);
    assert!(err.message.contains("Nothing was deleted"), "{}", err.message);
    assert_eq!(w.engine.connections().len(), 1);
    let warning = w.engine.delete_locally(&c.id).await.unwrap();
    assert!(warning.contains("still exists in Zoom"));
    assert!(w.engine.connections().is_empty());
}

#[tokio::test]
async fn reconnect_keeps_id_and_nickname_and_kills_the_old_tokens() {
    let w = World::new().await;
    let c = w.connect(SANDBOX_ORG_ID, "Keep me", OWNER).await.connection;
    let (_, old_refresh) = w.tokens(&c.id);
    let flow = w.engine.begin_reconnect(&c.id).await.unwrap();
    let redirect = w.sign_in(&flow, SignIn::password(OWNER)).await;
    let outcome = w.engine.handle_callback(redirect.as_str()).await.unwrap();
    assert_eq!(outcome.connection.id, c.id);
    assert_eq!(outcome.connection.nickname, "Keep me");
    assert_eq!(outcome.connection.created_at, c.created_at);
    assert!(outcome.superseded.is_none(), "reconnect in place supersedes nothing of ours");
    assert_eq!(w.engine.connections().len(), 1);
    let (_, new_refresh) = w.tokens(&c.id);
    assert_ne!(new_refresh, old_refresh);
    assert_eq!(w.refresh_status("sandbox-public", &old_refresh).await, 400);
}

#[tokio::test]
async fn a_new_engine_on_the_same_data_sees_the_same_connections() {
    let w = World::new().await;
    let c = w.connect(SANDBOX_ORG_ID, "n", OWNER).await.connection;
    let again = w.reopen();
    assert_eq!(again.connections(), w.engine.connections());
    assert_eq!(again.test_connection(&c.id).await.unwrap().probe, Probe::Scim);
}

#[tokio::test]
async fn test_connection_uses_scim_when_granted_and_users_me_otherwise() {
    let w = World::new().await;
    let c = w.connect(SANDBOX_ORG_ID, "n", OWNER).await.connection;
    let result = w.engine.test_connection(&c.id).await.unwrap();
    assert_eq!(result.probe, Probe::Scim);
    assert!(result.summary.contains("7 users"), "{}", result.summary);
    w.add_org("conf", "sandbox-confidential", true, RedirectMode::Loopback, Some("sandbox-confidential-secret"));
    // The fabrikam account (a Pro plan, no vanity URL, no SSO) has scim2 but SCIM refuses: the
    // error says what SCIM needs, in a code of its own.
    let flow = w.engine.begin_create("conf", "fab").await.unwrap();
    let redirect = w.sign_in(&flow, SignIn::password("owner@fabrikam.example")).await;
    w.http.get(redirect.as_str()).send().await.unwrap();
    let fab = w.engine.connections().into_iter().find(|c| c.nickname == "fab").unwrap();
    let err = w.engine.test_connection(&fab.id).await.unwrap_err();
    assert_eq!(err.code, zoom_connections_engine::ErrorCode::ScimUnavailable);
    assert!(err.message.contains("Business and Education") && err.message.contains("vanity URL"), "{}", err.message);
    // With the plan and the vanity URL, the missing SSO is what Zoom names.
    w.control("/settings", serde_json::json!({"accounts": {"acct_fabrikam": {"plan": "business", "vanity_url": "fabrikam.zoom.us"}}})).await;
    let err = w.engine.test_connection(&fab.id).await.unwrap_err();
    assert_eq!(err.code, zoom_connections_engine::ErrorCode::ScimUnavailable);
    assert!(err.message.contains("Single Sign-On"), "{}", err.message);
}

#[tokio::test]
async fn a_corrupt_metadata_file_is_reported_not_replaced() {
    let w = World::new().await;
    w.connect(SANDBOX_ORG_ID, "n", OWNER).await;
    let path = w.data_dir.join("connections.json");
    std::fs::write(&path, b"{\"version\":1,\"orgs\":[tru").unwrap();
    let again = w.reopen();
    let warning = again.startup_warning().expect("reported");
    assert!(warning.message.contains("kept aside"));
    let kept: Vec<_> = std::fs::read_dir(&w.data_dir).unwrap().filter_map(|e| e.ok()).filter(|e| e.file_name().to_string_lossy().contains("corrupt")).collect();
    assert_eq!(kept.len(), 1);
}

/// A list that turns unreadable while the app runs (another program, a disk problem) is not
/// taken in: the app keeps its own, says so, and at its next change keeps the unreadable file
/// aside and writes its list back. The command line refuses to go on and changes nothing.
#[tokio::test]
async fn a_list_corrupted_while_running_is_not_adopted() {
    let w = World::new().await;
    let id = w.connect(SANDBOX_ORG_ID, "n", OWNER).await.connection.id;
    let path = w.data_dir.join("connections.json");
    std::fs::write(&path, b"{\"version\":1,\"orgs\":[tru").unwrap();
    // The command line (it does not own the data directory) refuses and touches nothing.
    let mut cli = zoom_connections_engine::EngineConfig::new(w.data_dir.clone(), w.secrets.clone());
    cli.owns_data = false;
    assert_eq!(zoom_connections_engine::Engine::open(cli).err().map(|e| e.code), Some(ErrorCode::Storage));
    assert_eq!(std::fs::read(&path).unwrap(), b"{\"version\":1,\"orgs\":[tru");
    // The running app's sweep reads the list again: it keeps its own and says so.
    w.engine.sweep(4).await;
    assert_eq!(w.engine.connections().len(), 1, "the app's list is kept");
    assert!(w.engine.startup_warning().expect("said").message.contains("unreadable"));
    // Its next change writes its list back; the unreadable file is kept aside.
    w.engine.save_settings(w.engine.settings()).unwrap();
    let written: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(written["connections"][0]["id"], id.as_str());
    let kept = std::fs::read_dir(&w.data_dir).unwrap().filter_map(|e| e.ok()).filter(|e| e.file_name().to_string_lossy().contains("corrupt")).count();
    assert_eq!(kept, 1);
}

/// A list written by a newer version is left exactly as it is, by the app and the command line.
#[tokio::test]
async fn a_list_of_a_newer_version_is_never_written_over() {
    let w = World::new().await;
    w.connect(SANDBOX_ORG_ID, "n", OWNER).await;
    let path = w.data_dir.join("connections.json");
    let newer = br#"{"version": 7, "orgs": [], "connections": [], "from_the_future": true}"#;
    std::fs::write(&path, newer).unwrap();
    let err = w.engine.save_settings(w.engine.settings()).unwrap_err();
    assert_eq!(err.code, ErrorCode::Storage);
    assert!(err.message.contains("newer version"), "{}", err.message);
    w.engine.sweep(4).await;
    assert_eq!(std::fs::read(&path).unwrap(), newer);
    assert_eq!(w.reopen_result().err().map(|e| e.code), Some(ErrorCode::Storage));
    assert_eq!(std::fs::read(&path).unwrap(), newer);
}

/// An org's id names its keychain entry: one that is not an id is refused before anything is
/// written, and the list is unchanged.
#[tokio::test]
async fn an_org_whose_id_is_not_an_id_is_refused_and_nothing_is_written() {
    let w = World::new().await;
    let orgs_before = w.engine.orgs().len();
    let mut org = w.engine.org(SANDBOX_ORG_ID).unwrap();
    org.id = "../elsewhere".into();
    let err = w.engine.save_org(org, Some(zoom_connections_engine::Secret::new("s3cret-value"))).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidSettings);
    assert_eq!(w.engine.orgs().len(), orgs_before);
    assert!(w.secrets.get(&zoom_connections_engine::model::client_secret_key("../elsewhere")).unwrap().is_none());
}
