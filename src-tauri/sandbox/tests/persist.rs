//! The embedded sandbox's state file: grants and tokens survive a restart (the app's sandbox
//! connections stay valid), the file holds no usable token, and a broken file is set aside.

mod common;

use common::{Client, Sandbox, OWNER, PUBLIC};
use reqwest::StatusCode;
use serde_json::{json, Value};
use zoom_sandbox::SandboxConfig;

/// A state file in a scratch directory that goes when the returned guard is dropped.
fn state_file() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::Builder::new().prefix("zc-sandbox-state-").tempdir().unwrap();
    let path = dir.path().join("sandbox-state.json");
    (dir, path)
}

fn config(path: &std::path::Path) -> SandboxConfig {
    SandboxConfig { state_file: Some(path.to_path_buf()), ..SandboxConfig::default() }
}

#[tokio::test]
async fn grants_and_tokens_survive_a_restart_and_the_file_holds_no_token() {
    let (_scratch, path) = state_file();
    let first = Sandbox::start_with(config(&path)).await;
    let tokens = first.connect(OWNER).await;
    let (access, refresh) = (tokens["access_token"].as_str().unwrap().to_string(), tokens["refresh_token"].as_str().unwrap().to_string());
    assert_eq!(first.me(&access).await.status(), StatusCode::OK);
    let admin = first.connect("admin@contoso.example").await;
    first.control("/deactivate", serde_json::json!({"email": "admin@contoso.example"})).await;
    drop(first);

    let saved = std::fs::read_to_string(&path).unwrap();
    assert!(!saved.contains(&access) && !saved.contains(&refresh), "tokens are kept by hash only");
    assert!(!saved.contains("client_secret") && !saved.contains("sandbox-confidential-secret"), "no app secrets");

    // A new sandbox (a new port, as after an app restart) knows the grant and its tokens.
    let second = Sandbox::start_with(config(&path)).await;
    assert_eq!(second.me(&access).await.status(), StatusCode::OK);
    let rotated = second.refresh(Client::Public(PUBLIC), &refresh).await;
    assert_eq!(rotated.status(), StatusCode::OK);
    let rotated: Value = rotated.json().await.unwrap();
    assert_eq!(second.refresh(Client::Public(PUBLIC), &refresh).await.status(), StatusCode::BAD_REQUEST, "the old refresh token stays dead");
    let grants = second.grants().await;
    assert_eq!(grants.len(), 2);
    assert_eq!((grants[0]["refreshes"].clone(), grants[1]["status"].clone()), (1.into(), "owner_deactivated".into()));
    assert_eq!(second.me(admin["access_token"].as_str().unwrap()).await.status(), StatusCode::UNAUTHORIZED);
    drop(second);

    // The rotation itself was saved too.
    let third = Sandbox::start_with(config(&path)).await;
    assert_eq!(third.me(rotated["access_token"].as_str().unwrap()).await.status(), StatusCode::OK);
    assert_eq!(third.refresh(Client::Public(PUBLIC), &refresh).await.status(), StatusCode::BAD_REQUEST);
    let next = third.refresh(Client::Public(PUBLIC), rotated["refresh_token"].as_str().unwrap()).await;
    assert_eq!(next.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_broken_state_file_is_set_aside_and_the_sandbox_starts_fresh() {
    let (_scratch, path) = state_file();
    std::fs::write(&path, b"{\"version\": 1, \"grants\": [trunc").unwrap();
    let sandbox = Sandbox::start_with(config(&path)).await;
    assert!(sandbox.grants().await.is_empty());
    let aside = path.with_extension("json.corrupt");
    assert_eq!(std::fs::read(&aside).unwrap(), b"{\"version\": 1, \"grants\": [trunc", "kept for the curious, not applied");
    // And it works: a connect saves a fresh, readable state.
    sandbox.connect(OWNER).await;
    drop(sandbox);
    let again = Sandbox::start_with(config(&path)).await;
    assert_eq!(again.grants().await.len(), 1);
}

#[tokio::test]
async fn without_a_state_file_nothing_is_written_and_nothing_survives() {
    let (_scratch, path) = state_file();
    let first = Sandbox::start().await;
    let tokens = first.connect(OWNER).await;
    drop(first);
    assert!(!path.exists());
    let second = Sandbox::start().await;
    assert_eq!(second.me(tokens["access_token"].as_str().unwrap()).await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_file_keeps_only_tokens_that_can_still_be_used() {
    let (_scratch, path) = state_file();
    let sandbox = Sandbox::start_with(config(&path)).await;
    let mut refresh = sandbox.connect(OWNER).await["refresh_token"].as_str().unwrap().to_string();
    let refresh_once = |refresh: String| {
        let sandbox = &sandbox;
        async move {
            let res = sandbox.refresh(Client::Public(PUBLIC), &refresh).await;
            assert_eq!(res.status(), StatusCode::OK);
            res.json::<Value>().await.unwrap()["refresh_token"].as_str().unwrap().to_string()
        }
    };
    for _ in 0..20 {
        refresh = refresh_once(refresh).await;
    }
    let saved_tokens = || -> usize {
        let saved: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        saved["tokens"].as_object().unwrap().len()
    };
    // 21 refresh tokens issued, 20 of them rotated: one is saved; of the 21 access tokens the
    // 20 older ones were replaced by newer ones (token tolerance 1): one is saved.
    assert_eq!(saved_tokens(), 2);
    // With a tolerance of none, the 21 access tokens are all within their lifetime (plus a
    // day), so all would be saved.
    sandbox.control("/settings", json!({"access_token_tolerance": {PUBLIC: null}})).await;
    for _ in 0..5 {
        refresh = refresh_once(refresh).await;
    }
    assert_eq!(saved_tokens(), 2 + 5);
    // Two days on, the old access tokens are long dead: the next save forgets them.
    sandbox.advance(2 * 24 * 3600).await;
    refresh_once(refresh).await;
    assert_eq!(saved_tokens(), 2, "the current refresh token and the access token just issued");
    assert_eq!(sandbox.grants().await[0]["tokens"].as_array().unwrap().len(), 54, "the running sandbox still lists them all");
}

/// Reading the API saves nothing (a large account's state is megabytes, synced on each save);
/// a change through it is saved at once.
#[tokio::test]
async fn api_reads_leave_the_state_file_alone_and_changes_are_saved() {
    let (_scratch, path) = state_file();
    let sb = Sandbox::start_with(config(&path)).await;
    let tokens = sb.connect("admin@contoso.example").await;
    let access = tokens["access_token"].as_str().unwrap().to_string();
    let before = std::fs::read(&path).unwrap();
    let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
    for _ in 0..5 {
        assert_eq!(sb.me(&access).await.status(), StatusCode::OK);
        let list = sb.http.get(sb.url("/v2/users")).bearer_auth(&access).send().await.unwrap();
        assert_eq!(list.status(), StatusCode::OK);
    }
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert_eq!(std::fs::metadata(&path).unwrap().modified().unwrap(), modified);
    let deactivated =
        sb.http.put(sb.url("/v2/users/member@contoso.example/status")).bearer_auth(&access).json(&json!({"action": "deactivate"})).send().await.unwrap();
    assert_eq!(deactivated.status(), StatusCode::NO_CONTENT);
    let saved: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let member = saved["users"].as_array().unwrap().iter().find(|u| u["email"] == "member@contoso.example").unwrap().clone();
    assert_eq!(member["status"], "inactive");
}
