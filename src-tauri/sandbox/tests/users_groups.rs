//! The REST users and groups, SCIM groups and the rate-limit categories, as docs/zoom.md (Users,
//! Groups, SCIM 2, Rate limits) says Zoom answers them.

mod common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn mint(sb: &Sandbox, email: &str, client_id: &str, scopes: Option<&[&str]>) -> String {
    let v = sb.control("/grants", json!({"email": email, "client_id": client_id, "scopes": scopes})).await;
    v["tokens"]["access_token"].as_str().unwrap().to_string()
}

async fn call(sb: &Sandbox, token: &str, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    let mut req = sb.http.request(method, sb.url(path)).bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let text = res.text().await.unwrap();
    (status, if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap() })
}

async fn unlimited(sb: &Sandbox) {
    sb.control("/settings", json!({"qps_limits": {"acct_contoso": 100_000, "acct_fabrikam": 100_000}})).await;
}

#[tokio::test]
async fn users_are_listed_page_by_page_with_next_page_token() {
    let sb = Sandbox::start().await;
    unlimited(&sb).await;
    sb.control("/populate", json!({"account_id": "acct_contoso", "users": 700, "groups": 7})).await;
    let token = mint(&sb, OWNER, PUBLIC, None).await;
    let mut seen = std::collections::HashSet::new();
    let mut next = String::new();
    let mut pages = 0;
    loop {
        let (status, page) = call(&sb, &token, Method::GET, &format!("/v2/users?page_size=5000&next_page_token={next}"), None).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        // A page_size over Zoom's maximum is answered with the maximum.
        assert_eq!(page["page_size"], 300);
        for u in page["users"].as_array().unwrap() {
            assert_eq!(u["status"], "active");
            for field in ["id", "email", "first_name", "last_name", "type", "pmi", "timezone", "verified", "dept", "created_at", "role_id", "group_ids"] {
                assert!(u.get(field).is_some(), "{field} in {u}");
            }
            assert!(seen.insert(u["id"].as_str().unwrap().to_string()), "a user on two pages");
        }
        pages += 1;
        next = page["next_page_token"].as_str().unwrap().to_string();
        if next.is_empty() {
            assert_eq!(page["total_records"].as_u64().unwrap() as usize, seen.len());
            break;
        }
    }
    assert!(pages >= 3 && seen.len() > 600, "{pages} pages, {} users", seen.len());
    // Default 30 a page; a token from another filter, or expired, is refused.
    let (_, first) = call(&sb, &token, Method::GET, "/v2/users", None).await;
    assert_eq!(first["users"].as_array().unwrap().len(), 30);
    let token_of_active = first["next_page_token"].as_str().unwrap().to_string();
    let (status, err) = call(&sb, &token, Method::GET, &format!("/v2/users?status=inactive&next_page_token={token_of_active}"), None).await;
    assert_eq!((status, err["code"].as_u64()), (StatusCode::BAD_REQUEST, Some(300)));
    sb.advance(16 * 60).await;
    let token = mint(&sb, OWNER, PUBLIC, None).await;
    let (status, _) = call(&sb, &token, Method::GET, &format!("/v2/users?next_page_token={token_of_active}"), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // Pending users are listed without an id, as Zoom lists them.
    let (_, pending) = call(&sb, &token, Method::GET, "/v2/users?status=pending", None).await;
    let p = &pending["users"][0];
    assert_eq!((p["email"].as_str(), p.get("id")), (Some("pending@contoso.example"), None));
}

#[tokio::test]
async fn a_user_is_read_by_id_email_or_me_and_only_in_its_account() {
    let sb = Sandbox::start().await;
    let token = mint(&sb, "admin@contoso.example", PUBLIC, None).await;
    for key in ["usr_contoso_member", "member@contoso.example", "MEMBER@contoso.example"] {
        let (status, u) = call(&sb, &token, Method::GET, &format!("/v2/users/{key}"), None).await;
        assert_eq!(status, StatusCode::OK, "{key}: {u}");
        assert_eq!((u["id"].as_str(), u["dept"].as_str(), u["language"].as_str()), (Some("usr_contoso_member"), Some("Sales"), Some("ja-JP")));
        assert_eq!(u["group_ids"], json!(["grp_contoso_all", "grp_contoso_sales"]));
        assert_eq!(u["role_name"], "Member");
    }
    let (_, me) = call(&sb, &token, Method::GET, "/v2/users/me", None).await;
    assert_eq!(me["email"], "admin@contoso.example");
    for other in ["usr_fabrikam_owner", "owner@fabrikam.example", "nobody@contoso.example"] {
        let (status, err) = call(&sb, &token, Method::GET, &format!("/v2/users/{other}"), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(err, json!({"code": 1001, "message": format!("User does not exist: {other}.")}));
    }
    // A Member reads only themselves.
    let member = mint(&sb, "member@contoso.example", PUBLIC, None).await;
    let (status, err) = call(&sb, &member, Method::GET, "/v2/users/usr_contoso_admin", None).await;
    assert_eq!((status, err["code"].as_u64()), (StatusCode::BAD_REQUEST, Some(200)));
}

#[tokio::test]
async fn users_are_created_updated_deactivated_and_deleted_as_zoom_does() {
    let sb = Sandbox::start().await;
    let token = mint(&sb, "admin@contoso.example", PUBLIC, None).await;
    let info = json!({"email": "new@contoso.example", "type": 1, "first_name": "Nora", "last_name": "New"});
    let (status, made) = call(&sb, &token, Method::POST, "/v2/users", Some(json!({"action": "custCreate", "user_info": info}))).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let id = made["id"].as_str().unwrap().to_string();
    assert_eq!((made["email"].as_str(), made["type"].as_u64()), (Some("new@contoso.example"), Some(1)));
    let (status, err) = call(&sb, &token, Method::POST, "/v2/users", Some(json!({"action": "custCreate", "user_info": info}))).await;
    assert_eq!((status, err["code"].as_u64()), (StatusCode::CONFLICT, Some(1005)));
    let (status, err) =
        call(&sb, &token, Method::POST, "/v2/users", Some(json!({"action": "create", "user_info": {"email": "not-an-email", "type": 1}}))).await;
    assert_eq!((status, err["code"].as_u64()), (StatusCode::BAD_REQUEST, Some(300)));
    // `create` invites: the user is pending until they accept.
    let (_, invited) =
        call(&sb, &token, Method::POST, "/v2/users", Some(json!({"action": "create", "user_info": {"email": "inv@contoso.example", "type": 1}}))).await;
    let (_, u) = call(&sb, &token, Method::GET, &format!("/v2/users/{}", invited["id"].as_str().unwrap()), None).await;
    assert_eq!(u["status"], "pending");

    let (status, _) =
        call(&sb, &token, Method::PATCH, &format!("/v2/users/{id}"), Some(json!({"dept": "Legal", "type": 2, "job_title": "Counsel", "unknown": 1}))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, u) = call(&sb, &token, Method::GET, &format!("/v2/users/{id}"), None).await;
    assert_eq!((u["dept"].as_str(), u["type"].as_u64(), u["job_title"].as_str()), (Some("Legal"), Some(2), Some("Counsel")));
    let (status, _) = call(&sb, &token, Method::PATCH, &format!("/v2/users/{id}"), Some(json!({"type": 7}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let status_of = |action: &str| json!({"action": action});
    let (status, _) = call(&sb, &token, Method::PUT, &format!("/v2/users/{id}/status"), Some(status_of("deactivate"))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, u) = call(&sb, &token, Method::GET, &format!("/v2/users/{id}"), None).await;
    assert_eq!(u["status"], "inactive");
    let (status, _) = call(&sb, &token, Method::PUT, &format!("/v2/users/{id}/status"), Some(status_of("activate"))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    // Admins and the owner: "Zoom Room and Admin users' status cannot be activated or deactivated."
    for admin in ["usr_contoso_owner", "usr_contoso_admin"] {
        let (status, err) = call(&sb, &token, Method::PUT, &format!("/v2/users/{admin}/status"), Some(status_of("deactivate"))).await;
        assert_eq!((status, err["code"].as_u64()), (StatusCode::BAD_REQUEST, Some(200)), "{admin}");
        let (status, err) = call(&sb, &token, Method::DELETE, &format!("/v2/users/{admin}"), None).await;
        assert_eq!((status, err["code"].as_u64()), (StatusCode::BAD_REQUEST, Some(1117)), "{admin}");
    }

    let (status, _) = call(&sb, &token, Method::DELETE, &format!("/v2/users/{id}?action=delete"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = call(&sb, &token, Method::GET, &format!("/v2/users/{id}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = call(&sb, &token, Method::DELETE, "/v2/users/member@contoso.example?action=remove", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // A pending user goes with disassociate (the default), not delete.
    let (status, _) = call(&sb, &token, Method::DELETE, "/v2/users/pending@contoso.example?action=delete", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = call(&sb, &token, Method::DELETE, "/v2/users/pending@contoso.example", None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn each_action_needs_its_own_scope_and_a_role_that_manages_users() {
    let sb = Sandbox::start().await;
    let read_only = mint(&sb, "admin@contoso.example", PUBLIC, Some(&["user:read:list_users:admin", "user:read:user:admin"])).await;
    let (status, _) = call(&sb, &read_only, Method::GET, "/v2/users", None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, err) = call(&sb, &read_only, Method::PUT, "/v2/users/usr_contoso_member/status", Some(json!({"action": "deactivate"}))).await;
    assert_eq!((status, err["code"].as_u64()), (StatusCode::BAD_REQUEST, Some(4711)));
    assert!(err["message"].as_str().unwrap().contains("user:update:status:admin"), "{err}");
    let (status, err) = call(&sb, &read_only, Method::GET, "/v2/groups", None).await;
    assert_eq!((status, err["code"].as_u64()), (StatusCode::BAD_REQUEST, Some(4711)));
    // The older app's classic write scope covers everything.
    let classic = mint(&sb, "admin@contoso.example", "sandbox-classic", None).await;
    let (status, _) = call(&sb, &classic, Method::PUT, "/v2/users/usr_contoso_member/status", Some(json!({"action": "deactivate"}))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = call(&sb, &classic, Method::GET, "/v2/groups", None).await;
    assert_eq!(status, StatusCode::OK);
    // A custom role that may not manage users: "No permission."
    let auditor = mint(&sb, "auditor@contoso.example", PUBLIC, None).await;
    let (status, err) = call(&sb, &auditor, Method::DELETE, "/v2/users/usr_contoso_member", None).await;
    assert_eq!((status, err["code"].as_u64()), (StatusCode::BAD_REQUEST, Some(200)));
}

#[tokio::test]
async fn groups_list_read_and_change_their_members() {
    let sb = Sandbox::start().await;
    unlimited(&sb).await;
    let token = mint(&sb, "admin@contoso.example", PUBLIC, None).await;
    let (_, groups) = call(&sb, &token, Method::GET, "/v2/groups", None).await;
    assert_eq!(groups["total_records"], 3);
    let it = groups["groups"].as_array().unwrap().iter().find(|g| g["name"] == "IT").unwrap().clone();
    assert_eq!(it["total_members"], 2);
    let (_, g) = call(&sb, &token, Method::GET, "/v2/groups/grp_contoso_it", None).await;
    assert_eq!(g, json!({"id": "grp_contoso_it", "name": "IT", "total_members": 2}));
    let (status, err) = call(&sb, &token, Method::GET, "/v2/groups/grp_fabrikam_all", None).await;
    assert_eq!((status, err["code"].as_u64()), (StatusCode::BAD_REQUEST, Some(1010)));
    let (status, err) = call(&sb, &token, Method::GET, "/v2/groups/grp_none", None).await;
    assert_eq!((status, err["code"].as_u64()), (StatusCode::NOT_FOUND, Some(4130)));

    let (status, added) = call(
        &sb,
        &token,
        Method::POST,
        "/v2/groups/grp_contoso_it/members",
        Some(json!({"members": [{"email": "member@contoso.example"}, {"id": "usr_contoso_owner"}]})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    assert_eq!(added["ids"], "usr_contoso_member,usr_contoso_owner");
    let (_, members) = call(&sb, &token, Method::GET, "/v2/groups/grp_contoso_it/members?page_size=2", None).await;
    assert_eq!((members["total_records"].as_u64(), members["members"].as_array().unwrap().len()), (Some(4), 2));
    let next = members["next_page_token"].as_str().unwrap();
    let (_, rest) = call(&sb, &token, Method::GET, &format!("/v2/groups/grp_contoso_it/members?page_size=2&next_page_token={next}"), None).await;
    assert_eq!(rest["next_page_token"], "");
    let (_, u) = call(&sb, &token, Method::GET, "/v2/users/usr_contoso_member", None).await;
    assert!(u["group_ids"].as_array().unwrap().contains(&json!("grp_contoso_it")));

    let too_many: Vec<Value> = (0..31).map(|i| json!({"email": format!("x{i}@contoso.example")})).collect();
    let (status, _) = call(&sb, &token, Method::POST, "/v2/groups/grp_contoso_it/members", Some(json!({"members": too_many}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = call(&sb, &token, Method::DELETE, "/v2/groups/grp_contoso_it/members/member@contoso.example", None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = call(&sb, &token, Method::DELETE, "/v2/groups/grp_contoso_it/members/usr_contoso_member", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Groups are for paid plans.
    sb.control("/settings", json!({"accounts": {"acct_contoso": {"plan": "free"}}})).await;
    let (status, err) = call(&sb, &token, Method::GET, "/v2/groups", None).await;
    assert_eq!((status, err["code"].as_u64()), (StatusCode::BAD_REQUEST, Some(200)));
}

#[tokio::test]
async fn scim_groups_are_listed_filtered_and_patched() {
    let sb = Sandbox::start().await;
    let token = mint(&sb, "admin@contoso.example", PUBLIC, None).await;
    let (status, list) = call(&sb, &token, Method::GET, "/scim2/Groups?filter=displayName%20eq%20%22Sales%22", None).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["totalResults"], 1);
    assert_eq!(list["Resources"][0]["members"], json!([{"value": "usr_contoso_member", "display": "member@contoso.example"}]));
    let add = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "add", "path": "members", "value": [{"value": "usr_contoso_admin"}]}]});
    let (status, g) = call(&sb, &token, Method::PATCH, "/scim2/Groups/grp_contoso_sales", Some(add)).await;
    assert_eq!((status, g["members"].as_array().unwrap().len()), (StatusCode::OK, 2));
    let remove = json!({"Operations": [{"op": "remove", "path": "members[value eq \"usr_contoso_member\"]"}]});
    let (_, g) = call(&sb, &token, Method::PATCH, "/scim2/Groups/grp_contoso_sales", Some(remove)).await;
    assert_eq!(g["members"], json!([{"value": "usr_contoso_admin", "display": "admin@contoso.example"}]));
    // A request naming an unknown user changes nothing.
    let bad = json!({"Operations": [{"op": "add", "path": "members", "value": [{"value": "usr_contoso_member"}, {"value": "usr_nobody"}]}]});
    let (status, _) = call(&sb, &token, Method::PATCH, "/scim2/Groups/grp_contoso_sales", Some(bad)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, g) = call(&sb, &token, Method::GET, "/scim2/Groups/grp_contoso_sales", None).await;
    assert_eq!(g["members"].as_array().unwrap().len(), 1);
    let (status, _) = call(&sb, &token, Method::GET, "/scim2/Groups?filter=name%20co%20%22x%22", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

/// Fires `n` requests at once; how many were answered 429, and the headers of one.
async fn burst(sb: &Sandbox, token: &str, path: &str, n: usize) -> (usize, Option<reqwest::header::HeaderMap>) {
    let calls = (0..n).map(|_| sb.http.get(sb.url(path)).bearer_auth(token).send());
    let answers = futures_util::future::join_all(calls).await;
    let limited: Vec<_> = answers.into_iter().map(Result::unwrap).filter(|r| r.status() == StatusCode::TOO_MANY_REQUESTS).collect();
    (limited.len(), limited.first().map(|r| r.headers().clone()))
}

#[tokio::test]
async fn each_category_has_the_plans_per_second_limit() {
    let sb = Sandbox::start().await;
    // A Pro account: Light 30, Medium 20 a second (Fabrikam's plan).
    let token = mint(&sb, "owner@fabrikam.example", PUBLIC, None).await;
    let (limited, headers) = burst(&sb, &token, "/v2/users", 60).await;
    // The burst may straddle a second: at most 2 × 20 of 60 pass.
    assert!(limited >= 1, "60 Medium calls at once on a Pro account: some are limited");
    let h = headers.unwrap();
    let header = |name: &str| h.get(name).map(|v| v.to_str().unwrap().to_string());
    assert_eq!(header("X-RateLimit-Category").as_deref(), Some("Medium"));
    assert_eq!(header("X-RateLimit-Limit").as_deref(), Some("20"));
    assert_eq!(header("X-RateLimit-Type").as_deref(), Some("QPS"));
    // Categories are counted apart: 20 Light calls at the same moment as 60 Medium ones all
    // pass (one shared count would refuse some of them: 80 calls in at most two seconds of 30).
    let (medium, light) = tokio::join!(burst(&sb, &token, "/v2/users", 60), burst(&sb, &token, "/v2/users/me", 20));
    assert!(medium.0 >= 1);
    assert_eq!(light.0, 0, "Light calls refused for Medium ones");
    let (_, headers) = burst(&sb, &token, "/v2/users/me", 70).await;
    assert_eq!(headers.unwrap().get("X-RateLimit-Limit").unwrap(), "30");
    // A Business account: Light 80.
    sb.control("/settings", json!({"accounts": {"acct_fabrikam": {"plan": "business"}}})).await;
    let (_, headers) = burst(&sb, &token, "/v2/users/me", 170).await;
    assert_eq!(headers.unwrap().get("X-RateLimit-Limit").unwrap(), "80");
}
