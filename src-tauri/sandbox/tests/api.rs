//! `GET /v2/users/me` and SCIM 2 users over HTTP, with scopes, roles, SSO and rate limits.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn mint(sb: &Sandbox, email: &str, client_id: &str, scopes: Option<&[&str]>) -> String {
    let v = sb.control("/grants", json!({"email": email, "client_id": client_id, "scopes": scopes})).await;
    v["tokens"]["access_token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn users_me_answers_with_zooms_fields() {
    let sb = Sandbox::start().await;
    let tokens = sb.connect("admin@contoso.example").await;
    let res = sb.me(tokens["access_token"].as_str().unwrap()).await;
    assert_eq!(res.status(), StatusCode::OK);
    let me: Value = res.json().await.unwrap();
    assert_eq!(me["id"], "usr_contoso_admin");
    assert_eq!(me["email"], "admin@contoso.example");
    assert_eq!(me["role_name"], "Admin");
    assert_eq!(me["type"], 2);
    assert_eq!(me["account_id"], "acct_contoso");
    assert_eq!(me["account_number"], 1000001);
    assert_eq!(me["status"], "active");
    for field in ["first_name", "last_name", "display_name", "role_id", "created_at"] {
        assert!(me.get(field).is_some(), "{field}");
    }
}

#[tokio::test]
async fn a_pending_user_is_only_an_id_and_a_date() {
    let sb = Sandbox::start().await;
    let token = mint(&sb, "pending@contoso.example", PUBLIC, None).await;
    let me: Value = sb.me(&token).await.json().await.unwrap();
    let keys: Vec<&String> = me.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["created_at", "id"]);
}

#[tokio::test]
async fn bad_missing_and_expired_tokens_get_401_code_124() {
    let sb = Sandbox::start().await;
    let tokens = sb.connect(OWNER).await;
    let access = tokens["access_token"].as_str().unwrap();
    for res in [sb.me("not-a-token").await, sb.http.get(sb.url("/v2/users/me")).send().await.unwrap(), sb.me(tokens["refresh_token"].as_str().unwrap()).await] {
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(res.json::<Value>().await.unwrap(), json!({"code": 124, "message": "Invalid access token."}));
    }
    sb.advance(3598).await;
    assert_eq!(sb.me(access).await.status(), StatusCode::OK);
    sb.advance(1).await;
    let res = sb.me(access).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(res.json::<Value>().await.unwrap()["message"], "Access token is expired.");
}

#[tokio::test]
async fn a_token_without_a_user_scope_gets_4711() {
    let sb = Sandbox::start().await;
    let token = mint(&sb, OWNER, "sandbox-readonly", Some(&["meeting:read:list_meetings"])).await;
    let res = sb.me(&token).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], 4711);
}

#[tokio::test]
async fn the_access_token_lifetime_is_configurable() {
    let sb = Sandbox::start().await;
    sb.control("/settings", json!({"access_token_lifetime": 120})).await;
    let tokens = sb.connect(OWNER).await;
    assert_eq!(tokens["expires_in"], 120);
    sb.advance(120).await;
    assert_eq!(sb.me(tokens["access_token"].as_str().unwrap()).await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_account_rate_limit_answers_429_with_zooms_headers() {
    let sb = Sandbox::start().await;
    sb.control("/settings", json!({"qps_limits": {"acct_contoso": 2}})).await;
    // Two apps of the same account share the limit.
    let a = mint(&sb, OWNER, PUBLIC, None).await;
    let b = mint(&sb, "admin@contoso.example", CONFIDENTIAL, None).await;
    let mut limited = None;
    for i in 0..8 {
        let res = sb.me(if i % 2 == 0 { &a } else { &b }).await;
        if res.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(res);
            break;
        }
    }
    let res = limited.expect("a burst of 8 requests at 2 per second is limited");
    let header = |name: &str| res.headers().get(name).map(|v| v.to_str().unwrap().to_string());
    assert_eq!(header("X-RateLimit-Type").as_deref(), Some("QPS"));
    assert_eq!(header("X-RateLimit-Category").as_deref(), Some("Light"));
    assert_eq!(header("X-RateLimit-Limit").as_deref(), Some("2"));
    assert_eq!(header("X-RateLimit-Remaining").as_deref(), Some("0"));
    // Zoom's per-second answers may carry no Retry-After (docs/zoom.md, Rate limits).
    assert_eq!(header("Retry-After"), None);
    // Another account is not limited.
    let other = mint(&sb, "owner@fabrikam.example", PUBLIC, None).await;
    assert_eq!(sb.me(&other).await.status(), StatusCode::OK);
}

async fn scim(sb: &Sandbox, token: &str, method: reqwest::Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    let mut req = sb.http.request(method, sb.url(path)).bearer_auth(token).header("Accept", "application/scim+json");
    if let Some(body) = body {
        req = req.header("Content-Type", "application/scim+json").body(body.to_string());
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    if status == StatusCode::NO_CONTENT {
        return (status, Value::Null);
    }
    assert_eq!(res.headers()["content-type"], "application/scim+json");
    (status, res.json().await.unwrap())
}

#[tokio::test]
async fn scim_lists_pages_and_filters_users() {
    let sb = Sandbox::start().await;
    let token = sb.connect(OWNER).await["access_token"].as_str().unwrap().to_string();
    let (status, list) = scim(&sb, &token, reqwest::Method::GET, "/scim2/Users?startIndex=2&count=2", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:ListResponse");
    assert_eq!(list["totalResults"], 7, "the contoso account's users only");
    assert_eq!(list["startIndex"], 2);
    assert_eq!(list["itemsPerPage"], 2);
    assert_eq!(list["Resources"][0]["userName"], "admin@contoso.example");
    assert_eq!(list["Resources"][0]["userType"], "Licensed");
    let (_, found) = scim(&sb, &token, reqwest::Method::GET, "/scim2/Users?filter=userName%20eq%20%22member%40contoso.example%22", None).await;
    assert_eq!(found["totalResults"], 1);
    assert_eq!(found["Resources"][0]["userType"], "Basic");
    let (status, err) = scim(&sb, &token, reqwest::Method::GET, "/scim2/Users?filter=displayName%20co%20%22x%22", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(err["status"], 400, "Zoom sends status as a number");
    assert_eq!(err["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:Error");
}

#[tokio::test]
async fn scim_creates_gets_patches_and_deletes_a_user() {
    let sb = Sandbox::start().await;
    let token = sb.connect(OWNER).await["access_token"].as_str().unwrap().to_string();
    let body = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "new@contoso.example",
        "name": {"givenName": "New", "familyName": "Person"}, "userType": "Licensed", "active": true});
    let (status, created) = scim(&sb, &token, reqwest::Method::POST, "/scim2/Users", Some(body.clone())).await;
    assert_eq!(status, StatusCode::CREATED);
    let id = created["id"].as_str().unwrap().to_string();
    let (status, _) = scim(&sb, &token, reqwest::Method::POST, "/scim2/Users", Some(body)).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let path = format!("/scim2/Users/{id}");
    let (_, got) = scim(&sb, &token, reqwest::Method::GET, &path, None).await;
    assert_eq!(got["name"]["givenName"], "New");
    // PATCH must spell "Operations".
    let wrong = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "operations": []});
    let (status, _) = scim(&sb, &token, reqwest::Method::PATCH, &path, Some(wrong)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let patch = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [
        {"op": "replace", "path": "name.familyName", "value": "Renamed"},
        {"op": "replace", "value": {"active": false, "userType": "Basic"}}]});
    let (status, patched) = scim(&sb, &token, reqwest::Method::PATCH, &path, Some(patch)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (patched["name"]["familyName"].clone(), patched["active"].clone(), patched["userType"].clone()),
        (json!("Renamed"), json!(false), json!("Basic"))
    );
    let (status, _) = scim(&sb, &token, reqwest::Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = scim(&sb, &token, reqwest::Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn scim_needs_the_scope_an_admin_a_business_plan_a_vanity_url_and_sso() {
    let sb = Sandbox::start().await;
    let no_scope = mint(&sb, OWNER, PUBLIC, Some(&["user:write:admin"])).await;
    let (status, err) = scim(&sb, &no_scope, reqwest::Method::GET, "/scim2/Users", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(err["detail"].as_str().unwrap().contains("scim2"));
    let member = mint(&sb, "member@contoso.example", PUBLIC, None).await;
    let (status, _) = scim(&sb, &member, reqwest::Method::GET, "/scim2/Users", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The account's prerequisites: a Business or Education plan, an approved vanity URL, SSO.
    let pro = mint(&sb, "owner@fabrikam.example", PUBLIC, None).await;
    let (status, err) = scim(&sb, &pro, reqwest::Method::GET, "/scim2/Users", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(err["detail"].as_str().unwrap().contains("Business and Education"), "{err}");
    sb.control("/settings", serde_json::json!({"accounts": {"acct_fabrikam": {"plan": "education"}}})).await;
    let (status, err) = scim(&sb, &pro, reqwest::Method::GET, "/scim2/Users", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(err["detail"].as_str().unwrap().contains("vanity URL"), "{err}");
    sb.control("/settings", serde_json::json!({"accounts": {"acct_fabrikam": {"vanity_url": "fabrikam.zoom.us"}}})).await;
    let (status, err) = scim(&sb, &pro, reqwest::Method::GET, "/scim2/Users", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(err["detail"], "Account has not enabled Single Sign-On");
    sb.control("/settings", serde_json::json!({"accounts": {"acct_fabrikam": {"sso_enabled": true}}})).await;
    assert_eq!(scim(&sb, &pro, reqwest::Method::GET, "/scim2/Users", None).await.0, StatusCode::OK);
    // Another account's user is not visible.
    let token = mint(&sb, OWNER, PUBLIC, None).await;
    let (status, _) = scim(&sb, &token, reqwest::Method::GET, "/scim2/Users/usr_fabrikam_owner", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
