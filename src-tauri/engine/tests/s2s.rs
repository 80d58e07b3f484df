//! Server-to-Server connections against the sandbox (docs/zoom.md, Server-to-Server): created
//! only when Zoom mints a token and the account answers; every refusal said with its fix and
//! nothing stored; one token minted for many concurrent consumers, also with an app whose
//! tolerance lets only one token live; a secret replaced only after the new one mints; an app
//! deactivated and reactivated in the Marketplace; Delete leaves nothing behind.

mod common;

use common::World;
use serde_json::json;
use zoom_connections_engine::model::{s2s_secret_key, ConnectionKind, Status, SANDBOX_ORG_ID};
use zoom_connections_engine::s2s::NewS2s;
use zoom_connections_engine::{ErrorCode, Secret};

const SECRET: &str = "sandbox-s2s-secret";

fn new(nickname: &str, account: &str, client: &str) -> NewS2s {
    NewS2s { org_id: SANDBOX_ORG_ID.into(), nickname: nickname.into(), account_id: account.into(), client_id: client.into() }
}

/// Access tokens the sandbox has issued (only Server-to-Server apps issue any in these tests).
async fn minted(w: &World) -> usize {
    let issued: serde_json::Value = w.http.get(format!("{}/_sandbox/issued-secrets", w.sandbox_url)).send().await.unwrap().json().await.unwrap();
    issued["tokens"].as_array().unwrap().len()
}

/// Every file under the data directory, for the leak scan.
fn files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let p = entry.path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[tokio::test]
async fn each_refusal_is_said_with_its_fix_and_stores_nothing() {
    let w = World::new().await;
    let cases = [
        (new("Wrong secret", "acct_contoso", "sandbox-s2s"), "not-the-secret", ErrorCode::ZoomInvalidClient, "Copy both again"),
        (new("Wrong account", "acct_fabrikam", "sandbox-s2s"), SECRET, ErrorCode::InvalidSettings, "does not know this account ID"),
        (new("Deactivated", "acct_fabrikam", "sandbox-s2s-deactivated"), "sandbox-s2s-deactivated-secret", ErrorCode::ZoomInvalidClient, "deactivated"),
        (new("Read only", "acct_fabrikam", "sandbox-s2s-readonly"), "sandbox-s2s-readonly-secret", ErrorCode::MissingScope, "Scopes page"),
        (new("A user's app", "acct_contoso", "sandbox-confidential"), "sandbox-confidential-secret", ErrorCode::ZoomError, "not a Server-to-Server app"),
        (new("", "acct_contoso", "sandbox-s2s"), SECRET, ErrorCode::InvalidNickname, "nickname"),
        (new("Bad id", "acct contoso", "sandbox-s2s"), SECRET, ErrorCode::InvalidSettings, "Account ID"),
    ];
    for (form, secret, code, words) in cases {
        let e = w.engine.create_s2s(form.clone(), Secret::new(secret)).await.unwrap_err();
        assert_eq!(e.code, code, "{}: {}", form.nickname, e.message);
        assert!(e.message.contains(words), "{}: {}", form.nickname, e.message);
        assert!(!e.message.contains(secret) || secret.len() < 8, "the secret in a message: {}", e.message);
    }
    assert!(w.engine.connections().is_empty(), "nothing stored");
}

#[tokio::test]
async fn created_from_a_mint_and_the_account_and_shared_by_fifty_consumers_with_one_mint() {
    let w = World::new().await;
    // Tokens that a handout cannot use as they are (10 minutes are promised): every consumer
    // below wants a fresh one at the same moment. The app keeps one token live at a time, as
    // Server-to-Server apps did before Zoom allowed several.
    w.control("/settings", json!({"access_token_lifetime": 600, "access_token_tolerance": {"sandbox-s2s": 1}})).await;
    let conn = w.engine.create_s2s(new("Provisioning", "acct_contoso", "sandbox-s2s"), Secret::new(SECRET)).await.unwrap();
    assert_eq!(conn.kind, ConnectionKind::ServerToServer);
    assert_eq!(conn.status, Status::Active);
    assert_eq!(conn.identity.account_id, "acct_contoso");
    assert!(conn.granted_scopes.contains(&"scim2:admin".to_string()));
    assert_eq!(conn.next_keepalive_at(600), None, "nothing to keep alive");
    assert_eq!(w.secrets.get(&s2s_secret_key(&conn.id)).unwrap().unwrap().expose(), SECRET);
    assert_eq!(minted(&w).await, 1);
    w.control("/settings", json!({"access_token_lifetime": 3599})).await;

    let handouts: Vec<_> = (0..50)
        .map(|_| {
            let (engine, id) = (w.engine.clone(), conn.id.clone());
            tokio::spawn(async move { engine.hand_out(&id).await })
        })
        .collect();
    let mut tokens = Vec::new();
    for h in handouts {
        tokens.push(h.await.unwrap().unwrap().access.expose().to_string());
    }
    assert_eq!(minted(&w).await, 2, "50 consumers, one mint");
    tokens.dedup();
    assert_eq!(tokens.len(), 1, "all 50 got the same token");
    // With only one live token allowed, it is still alive for every consumer.
    for _ in 0..3 {
        let status = w.http.get(format!("{}/v2/users?page_size=1", w.sandbox_url)).bearer_auth(&tokens[0]).send().await.unwrap().status();
        assert_eq!(status, 200);
    }
    let after = w.engine.connection(&conn.id).unwrap();
    assert_eq!(after.served, 50);
    assert!(after.minted_at.is_some());
    // Keepalive leaves it alone, and does not count it as needing the user.
    let report = w.engine.sweep(4).await;
    assert_eq!((report.refreshed, report.needing_user), (0, 0));
    assert_eq!(minted(&w).await, 2);
    // The test reads the account, not a user.
    let test = w.engine.test_connection(&conn.id).await.unwrap();
    assert!(test.summary.contains("SCIM works"), "{}", test.summary);

    // No secret or token anywhere in the data directory.
    for file in files(&w.data_dir) {
        let bytes = std::fs::read(&file).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(SECRET) && !text.contains(&tokens[0]), "{} holds a secret", file.display());
    }
}

#[tokio::test]
async fn a_secret_is_replaced_only_by_one_that_mints_and_a_deactivated_app_recovers() {
    let w = World::new().await;
    let conn = w.engine.create_s2s(new("Provisioning", "acct_contoso", "sandbox-s2s"), Secret::new(SECRET)).await.unwrap();

    let e = w.engine.rotate_s2s_secret(&conn.id, Secret::new("a-wrong-secret")).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::ZoomInvalidClient);
    assert!(e.message.contains("The old secret is still in use"), "{}", e.message);
    assert_eq!(w.secrets.get(&s2s_secret_key(&conn.id)).unwrap().unwrap().expose(), SECRET);
    let before = minted(&w).await;
    let rotated = w.engine.rotate_s2s_secret(&conn.id, Secret::new(SECRET)).await.unwrap();
    assert_eq!(minted(&w).await, before + 1);
    assert_eq!(rotated.served, 0);
    assert!(rotated.generation > conn.generation);

    // Deactivated in the Marketplace: its tokens stop working; the test says so and the
    // connection needs the user.
    w.control("/settings", json!({"app_active": {"sandbox-s2s": false}})).await;
    let e = w.engine.test_connection(&conn.id).await.unwrap_err();
    assert!(e.message.contains("deactivated"), "{}", e.message);
    let gone = w.engine.connection(&conn.id).unwrap();
    assert_eq!(gone.status, Status::NeedsReconnect);
    assert!(w.engine.hand_out(&conn.id).await.unwrap_err().message.contains("Rotate secret"));
    // Activated again: the next Test mints and it is Active.
    w.control("/settings", json!({"app_active": {"sandbox-s2s": true}})).await;
    w.engine.test_connection(&conn.id).await.unwrap();
    assert_eq!(w.engine.connection(&conn.id).unwrap().status, Status::Active);

    // Delete: the secret and the token leave the keychain; the app stays in the Marketplace.
    w.engine.delete(&conn.id).await.unwrap();
    assert!(w.engine.connections().is_empty());
    assert_eq!(w.secrets.get(&s2s_secret_key(&conn.id)).unwrap(), None);
    assert_eq!(w.secrets.get(&zoom_connections_engine::model::access_key(&conn.id)).unwrap(), None);
    // One app, one connection: the same app may be connected again.
    w.engine.create_s2s(new("Again", "acct_contoso", "sandbox-s2s"), Secret::new(SECRET)).await.unwrap();
    let e = w.engine.create_s2s(new("Twice", "acct_contoso", "sandbox-s2s"), Secret::new(SECRET)).await.unwrap_err();
    assert!(e.message.contains("already connected as “Again”"), "{}", e.message);
}

/// An org that requires SCIM: creating also runs the SCIM test, and a failing one stores nothing.
#[tokio::test]
async fn an_org_requiring_scim_creates_only_after_the_scim_test_answers() {
    let w = World::new().await;
    let mut org = w.engine.org(SANDBOX_ORG_ID).unwrap();
    org.required = vec![zoom_connections_engine::scopes::Capability::ManageUsers, zoom_connections_engine::scopes::Capability::Scim];
    w.engine.save_org(org, None).unwrap();
    w.control("/faults", json!({"endpoint": "scim", "fault": {"kind": "proxy_page", "status": 403}, "count": 1})).await;
    let e = w.engine.create_s2s(new("Provisioning", "acct_contoso", "sandbox-s2s"), Secret::new(SECRET)).await.unwrap_err();
    assert!(e.message.contains("SCIM") && e.message.contains("Nothing was stored"), "{}", e.message);
    assert!(w.engine.connections().is_empty());
    let conn = w.engine.create_s2s(new("Provisioning", "acct_contoso", "sandbox-s2s"), Secret::new(SECRET)).await.unwrap();
    assert_eq!(conn.status, Status::Active);
}
