//! The connector's actions (engine `actions/`) against the sandbox: users and groups over REST
//! and SCIM, Zoom's pagination, its errors, and its rate limits kept by the client's pace.

mod common;

use common::*;
use serde_json::json;
use zoom_connections_engine::actions::users::{NewUser, RemoveMode, UserChanges, UserQuery, UserStatus};
use zoom_connections_engine::actions::{Actions, Category, Direct};
use zoom_connections_engine::model::SANDBOX_ORG_ID;
use zoom_connections_engine::ErrorCode;

const ADMIN: &str = "admin@contoso.example";

async fn admin_actions(w: &World) -> (Actions<Direct>, Direct) {
    let conn = w.connect(SANDBOX_ORG_ID, "Contoso", ADMIN).await.connection;
    let direct = Direct::new(&w.engine, &conn.id).unwrap();
    (Actions::new(direct.clone(), direct.scopes().unwrap()), direct)
}

#[tokio::test]
async fn users_are_listed_every_page_searched_and_read() {
    let w = World::new().await;
    w.control("/settings", json!({"qps_limits": {"acct_contoso": 100_000}})).await;
    w.control("/populate", json!({"account_id": "acct_contoso", "users": 1000, "groups": 10})).await;
    let (actions, _) = admin_actions(&w).await;
    let mut seen_progress = Vec::new();
    let active = actions.list_users(UserStatus::Active, |n| seen_progress.push(n)).await.unwrap();
    // 1000 populated (every 50th inactive) + the seed's active ones; over 300 a page.
    assert_eq!(active.len(), 980 + 5, "{}", active.len());
    assert!(seen_progress.len() >= 4 && seen_progress.windows(2).all(|w| w[0] < w[1]), "{seen_progress:?}");
    let ids: std::collections::HashSet<_> = active.iter().map(|u| u.id.clone()).collect();
    assert_eq!(ids.len(), active.len(), "no user twice");

    let found = actions.search(&UserQuery { text: Some("USER00042@".into()), ..Default::default() }).await.unwrap();
    assert_eq!(found.len(), 1);
    let inactive = actions.search(&UserQuery { status: Some(UserStatus::Inactive), text: Some("contoso".into()), ..Default::default() }).await.unwrap();
    assert_eq!(inactive.len(), 20 + 1, "every 50th populated user and former@");
    let pending = actions.list_users(UserStatus::Pending, |_| {}).await.unwrap();
    assert_eq!((pending.len(), pending[0].id.as_ref()), (1, None), "Zoom lists pending users without an id");

    let member = actions.get_user("member@contoso.example").await.unwrap();
    assert_eq!((member.dept.as_str(), member.language.as_str(), member.role_name.as_deref()), ("Sales", "ja-JP", Some("Member")));
    assert_eq!(member.group_ids, vec!["grp_contoso_all".to_string(), "grp_contoso_sales".to_string()]);
    let missing = actions.get_user("nobody@contoso.example").await.unwrap_err();
    assert_eq!(missing.code, ErrorCode::NotFound);
    assert!(missing.message.contains("User does not exist: nobody@contoso.example"), "{}", missing.message);
}

#[tokio::test]
async fn a_user_is_created_updated_deactivated_activated_and_removed() {
    let w = World::new().await;
    let (actions, _) = admin_actions(&w).await;
    let new =
        NewUser { email: "nora+new@contoso.example".into(), first_name: "Nora".into(), last_name: "New".into(), user_type: Some(1), ..Default::default() };
    let made = actions.create_user(&new).await.unwrap();
    assert_eq!(made.status, "pending", "create invites");
    let again = actions.create_user(&new).await.unwrap_err();
    assert_eq!(again.code, ErrorCode::ZoomError);
    assert!(again.message.contains("has already been used") && again.message.contains("code 1005"), "{}", again.message);

    let key = "member@contoso.example";
    actions
        .update_user(key, &UserChanges { dept: Some("Legal".into()), job_title: Some("Counsel".into()), user_type: Some(2), ..Default::default() })
        .await
        .unwrap();
    let u = actions.get_user(key).await.unwrap();
    assert_eq!((u.dept.as_str(), u.job_title.as_str(), u.user_type), ("Legal", "Counsel", Some(2)));
    assert_eq!(actions.update_user(key, &UserChanges::default()).await.unwrap_err().code, ErrorCode::InvalidSettings);

    actions.set_active(key, false).await.unwrap();
    assert_eq!(actions.get_user(key).await.unwrap().status, "inactive");
    actions.set_active(key, true).await.unwrap();
    assert_eq!(actions.get_user(key).await.unwrap().status, "active");
    // Zoom refuses to deactivate an admin: the error says so in Zoom's words.
    let refused = actions.set_active("owner@contoso.example", false).await.unwrap_err();
    assert!(refused.message.contains("Admin users' status cannot be activated or deactivated"), "{}", refused.message);

    // A pending user is disassociated whatever was asked, as Zoom requires.
    actions.remove_user("nora+new@contoso.example", RemoveMode::Delete, true).await.unwrap();
    actions.remove_user(key, RemoveMode::Delete, false).await.unwrap();
    assert_eq!(actions.get_user(key).await.unwrap_err().code, ErrorCode::NotFound);
}

#[tokio::test]
async fn scim_does_the_same_actions_for_a_connection_granted_only_scim() {
    let w = World::new().await;
    let (_, direct) = admin_actions(&w).await;
    let scim = Actions::new(direct.clone(), vec!["scim2:admin".to_string()]);
    let active = scim.list_users(UserStatus::Active, |_| {}).await.unwrap();
    assert!(active.iter().any(|u| u.email == "member@contoso.example"));
    let made =
        scim.create_user(&NewUser { email: "s@contoso.example".into(), first_name: "S".into(), last_name: "Cim".into(), ..Default::default() }).await.unwrap();
    assert!(made.id.is_some());
    scim.set_active("s@contoso.example", false).await.unwrap();
    assert_eq!(scim.get_user("s@contoso.example").await.unwrap().status, "inactive");
    scim.update_user("s@contoso.example", &UserChanges { first_name: Some("Sam".into()), ..Default::default() }).await.unwrap();
    assert_eq!(scim.get_user("s@contoso.example").await.unwrap().first_name, "Sam");
    let no_dept = scim.update_user("s@contoso.example", &UserChanges { dept: Some("X".into()), ..Default::default() }).await.unwrap_err();
    assert_eq!(no_dept.code, ErrorCode::MissingScope);
    scim.add_to_group("grp_contoso_it", &["s@contoso.example".to_string()]).await.unwrap();
    assert!(scim.group_members("grp_contoso_it").await.unwrap().iter().any(|m| m.email == "s@contoso.example"));
    scim.remove_from_group("grp_contoso_it", "s@contoso.example").await.unwrap();
    scim.remove_user("s@contoso.example", RemoveMode::Disassociate, false).await.unwrap();
    assert_eq!(scim.get_user("s@contoso.example").await.unwrap_err().code, ErrorCode::NotFound);
    // Neither REST's scope nor SCIM's: the error names what to add.
    let neither = Actions::new(direct, vec!["user:read:user:admin".to_string()]);
    let e = neither.set_active("member@contoso.example", false).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::MissingScope);
    assert!(e.message.contains("user:update:status:admin"), "{}", e.message);
}

#[tokio::test]
async fn groups_are_listed_read_and_their_members_changed() {
    let w = World::new().await;
    w.control("/settings", json!({"qps_limits": {"acct_contoso": 100_000}})).await;
    w.control("/populate", json!({"account_id": "acct_contoso", "users": 700, "groups": 1})).await;
    let (actions, _) = admin_actions(&w).await;
    let groups = actions.list_groups().await.unwrap();
    assert!(groups.iter().any(|g| g.name == "IT" && g.total_members == Some(2)));
    assert_eq!(actions.get_group("it").await.unwrap().id, "grp_contoso_it", "by name, any case");
    let team = actions.get_group("Team 1").await.unwrap();
    assert_eq!(actions.group_members(&team.id).await.unwrap().len(), 700, "every page of members");
    let members: Vec<String> = (1..=45).map(|i| format!("user{i:05}@contoso.example")).collect();
    actions.add_to_group("grp_contoso_sales", &members).await.unwrap();
    assert_eq!(actions.group_members("grp_contoso_sales").await.unwrap().len(), 46, "45 added in two calls of at most 30");
    actions.remove_from_group("grp_contoso_sales", "user00001@contoso.example").await.unwrap();
    assert_eq!(actions.group_members("grp_contoso_sales").await.unwrap().len(), 45);
    assert_eq!(actions.get_group("grp_none").await.unwrap_err().code, ErrorCode::NotFound);
}

#[tokio::test]
async fn the_custom_api_action_calls_any_path_under_v2_or_scim2() {
    let w = World::new().await;
    let (actions, _) = admin_actions(&w).await;
    let reply = actions.api(reqwest::Method::GET, "/v2/users/me", None).await.unwrap();
    assert_eq!((reply.status, reply.body["email"].as_str()), (200, Some(ADMIN)));
    let reply = actions.api(reqwest::Method::GET, "scim2/Users?count=1", None).await.unwrap();
    assert_eq!(reply.body["itemsPerPage"], 1);
    let reply = actions.api(reqwest::Method::GET, "v2/users/nobody@x.example", None).await.unwrap();
    assert_eq!((reply.status, reply.body["code"].as_u64()), (404, Some(1001)), "Zoom's answer as it is");
    assert_eq!(actions.api(reqwest::Method::POST, "oauth/revoke", None).await.unwrap_err().code, ErrorCode::InvalidSettings);
}

#[tokio::test]
async fn no_429_reaches_the_caller_and_the_pace_settles_at_the_accounts_limit() {
    let w = World::new().await;
    // A Pro account's Light limit, 30 a second, shared with another app hammering it.
    w.control("/settings", json!({"accounts": {"acct_contoso": {"plan": "pro"}}})).await;
    let (actions, _) = admin_actions(&w).await;
    let actions = std::sync::Arc::new(actions);
    let rival = w.control("/grants", json!({"email": "owner@contoso.example", "client_id": "sandbox-confidential"})).await;
    let rival_token = rival["tokens"]["access_token"].as_str().unwrap().to_string();
    let base = w.sandbox_url.clone();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let rival_task = {
        let stop = stop.clone();
        tokio::spawn(async move {
            let http = reqwest::Client::new();
            let mut limited = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                // About half the budget: 15 a second.
                let r = http.get(format!("{base}/v2/users/me")).bearer_auth(&rival_token).send().await.unwrap();
                limited += usize::from(r.status() == 429);
                tokio::time::sleep(std::time::Duration::from_millis(66)).await;
            }
            limited
        })
    };
    let calls = (0..150).map(|i| {
        let actions = actions.clone();
        async move {
            let key = if i % 2 == 0 { "member@contoso.example" } else { "helpdesk@contoso.example" };
            actions.get_user(key).await
        }
    });
    let results = futures_util::future::join_all(calls).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    rival_task.await.unwrap();
    for r in &results {
        assert!(r.is_ok(), "{:?}", r.as_ref().err());
    }
    let pace = zoom_connections_engine::actions::pace(&w.engine, "acct_contoso", Category::Light).unwrap();
    // Zoom answered 429s (the other app took its share), all waited out, and the limit learned.
    assert!(zoom_connections_engine::actions::refusals(&w.engine) > 0);
    assert_eq!(pace.limit_known, Some(30.0), "Zoom's X-RateLimit-Limit learned");
}
