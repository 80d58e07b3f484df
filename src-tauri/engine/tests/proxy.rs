//! The broker's API proxy against the sandbox over HTTP (docs/cli.md, The proxy): what reaches a
//! script when Zoom is slow, and when Zoom refuses the proxy's token.
#![cfg(unix)]

mod common;

use std::time::Duration;

use common::*;
use serde_json::json;
use zoom_connections_engine::broker::{self, BrokerConfig};
use zoom_connections_engine::clock::SystemClock;
use zoom_sandbox::SandboxConfig;

fn socket_client(running: &broker::RunningBroker) -> reqwest::Client {
    reqwest::Client::builder().unix_socket(running.socket.clone().unwrap()).build().unwrap()
}

/// The engine's own calls give up after their whole-request timeout (here 1 s); a call through
/// the proxy that Zoom answers later, but answers, reaches the script: it was cut at 502 before.
#[tokio::test]
async fn a_slow_answer_through_the_proxy_is_passed_on_not_cut() {
    let w = World::build_with(SandboxConfig::for_tests(), std::sync::Arc::new(SystemClock), secret_store(), Some(Duration::from_secs(1))).await;
    w.connect(zoom_connections_engine::model::SANDBOX_ORG_ID, "n", "owner@contoso.example").await;
    let scratch = temp_dir();
    let running = broker::start(w.engine.clone(), BrokerConfig::new(scratch.path().join("broker"))).await.unwrap();
    let uds = socket_client(&running);
    w.control("/faults", json!({"endpoint": "users_list", "fault": {"kind": "delay", "millis": 2500}, "count": 1})).await;
    let answer = uds.get("http://localhost/zoom/n/v2/users?page_size=1").send().await.unwrap();
    assert_eq!(answer.status(), 200);
    assert!(answer.json::<serde_json::Value>().await.unwrap()["users"].is_array());
    running.stop().await;
}

/// The sandbox's count of API calls made with any of the connection's access tokens.
async fn api_calls(w: &World) -> u64 {
    w.grants().await.iter().flat_map(|g| g["tokens"].as_array().cloned().unwrap_or_default()).map(|t| t["api_calls"].as_u64().unwrap_or(0)).sum()
}

/// Within a minute of the proxy's own rotation, keepalive rotates too: Zoom ends the proxy's
/// token when it issues the new one, before the connection's generation moves. The proxy waits
/// for that rotation and sends the call again with its token; it passed Zoom's 401 on before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_refused_while_a_rotation_is_in_flight_waits_for_it_instead_of_passing_the_401_on() {
    use zoom_connections_engine::{Moment, Want};
    let gate = Gate::new();
    let w = World::with_gate(std::sync::Arc::new(SystemClock), secret_store(), gate.clone()).await;
    let id = w.connect(zoom_connections_engine::model::SANDBOX_ORG_ID, "n", "owner@contoso.example").await.connection.id;
    let scratch = temp_dir();
    let running = broker::start(w.engine.clone(), BrokerConfig::new(scratch.path().join("broker"))).await.unwrap();
    let uds = socket_client(&running);
    let call = |uds: reqwest::Client| async move { uds.get("http://localhost/zoom/n/v2/users/me").send().await.unwrap().status().as_u16() };
    assert_eq!(call(uds.clone()).await, 200);

    // Zoom's clock passes the token's end (the app's does not): the proxy rotates itself.
    w.control("/clock/advance", json!({"seconds": 3700})).await;
    assert_eq!(call(uds.clone()).await, 200);

    // Keepalive's rotation: Zoom has answered (and ended the proxy's token); nothing written yet.
    gate.arm(Moment::RotationAnswered, &id);
    let generation = w.engine.connection(&id).unwrap().generation;
    let keepalive = {
        let engine = w.engine.clone();
        let id = id.clone();
        tokio::spawn(async move { engine.refresh(&id, Want::Replace { generation }).await.map(|_| ()) })
    };
    gate.reached().await;

    // A call now: Zoom refuses the proxy's token; the proxy waits for the rotation in flight.
    let before = api_calls(&w).await;
    let proxied = tokio::spawn(call(uds.clone()));
    tokio::time::timeout(Duration::from_secs(10), async {
        while api_calls(&w).await == before {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the proxy's call reached Zoom");
    assert!(still_waiting(&gate, &id, &proxied).await, "the proxy answered while the rotation was in flight (it passed Zoom's 401 on)");
    gate.release();
    keepalive.await.unwrap().unwrap();
    assert_eq!(proxied.await.unwrap(), 200, "sent again with the rotated token");
    running.stop().await;
}

/// A 429 per second from Zoom is the proxy's to wait out (the account's pace, actions/call.rs):
/// the script sees Zoom's answer once it passes. A 429 of the daily limit is passed on as it is.
#[tokio::test]
async fn a_429_per_second_is_waited_out_and_a_daily_one_passed_on() {
    let w = World::new().await;
    w.connect(zoom_connections_engine::model::SANDBOX_ORG_ID, "n", "owner@contoso.example").await;
    let scratch = temp_dir();
    let running = broker::start(w.engine.clone(), BrokerConfig::new(scratch.path().join("broker"))).await.unwrap();
    let uds = socket_client(&running);
    w.control("/faults", json!({"endpoint": "users_me", "fault": {"kind": "rate_limit"}, "count": 2})).await;
    let answer = uds.get("http://localhost/zoom/n/v2/users/me").send().await.unwrap();
    assert_eq!(answer.status(), 200, "two 429s per second waited out");
    // The proxy's 429s count in the account's pace the actions share.
    assert_eq!(zoom_connections_engine::actions::refusals(&w.engine), 2);
    w.control("/faults", json!({"endpoint": "users_me", "fault": {"kind": "daily_limit"}, "count": 1})).await;
    let answer = uds.get("http://localhost/zoom/n/v2/users/me").send().await.unwrap();
    assert_eq!(answer.status(), 429);
    assert_eq!(answer.headers().get("x-ratelimit-type").unwrap(), "Daily-limit");
    running.stop().await;
}

/// What the recording upstream saw of each call: its headers and its body's length.
type Seen = std::sync::Arc<std::sync::Mutex<Vec<(axum::http::HeaderMap, usize)>>>;

/// A server standing where Zoom's API host is: it records what reaches it and answers with what a
/// script must not get (a session cookie, its own authentication challenges).
async fn recording_upstream() -> (String, Seen) {
    use axum::http::header;
    use axum::response::IntoResponse;
    let seen: Seen = Default::default();
    let record = seen.clone();
    let app = axum::Router::new().fallback(move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
        let record = record.clone();
        async move {
            record.lock().unwrap().push((headers, body.len()));
            (
                [
                    (header::SET_COOKIE, "zm_session=upstream-session-secret; Path=/; HttpOnly"),
                    (header::WWW_AUTHENTICATE, "Bearer realm=\"zoom\", error=\"insufficient_scope\""),
                    (header::PROXY_AUTHENTICATE, "Basic realm=\"corporate\""),
                    (header::CONTENT_TYPE, "application/json"),
                    (header::HeaderName::from_static("x-zm-trackingid"), "v=2.0;clid=us06;rid=1"),
                ],
                r#"{"id":"usr_contoso_owner","email":"owner@contoso.example","role_name":"Owner","account_id":"acct_contoso"}"#,
            )
                .into_response()
        }
    });
    // Zoom takes what the proxy sends: no limit of the test server's own in the way.
    let app = app.layer(axum::extract::DefaultBodyLimit::disable());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

/// The proxy's header rules (docs/cli.md, The proxy; docs/security.md, The broker): the caller's
/// credentials, cookies, proxy credentials and hop-by-hop headers (RFC 9110 §7.6.1, and those its
/// `Connection` names) never reach Zoom, which gets the connection's token and nothing else of
/// the kind; Zoom's cookies and authentication challenges never reach the script; a body over
/// the cap is refused with 413 whether its size is declared or chunked, and nothing is sent.
#[tokio::test]
async fn the_proxy_passes_on_only_what_belongs_to_the_call_both_ways_and_caps_the_body() {
    use zoom_connections_engine::{Engine, EngineConfig};
    let w = World::new().await;
    let id = w.connect(zoom_connections_engine::model::SANDBOX_ORG_ID, "n", "owner@contoso.example").await.connection.id;
    let (access, _) = w.tokens(&id);
    let (url, seen) = recording_upstream().await;
    // The same data, with the recording server standing where Zoom's API is.
    let mut config = EngineConfig::new(w.data_dir.clone(), w.secrets.clone());
    config.sandbox_url = Some(url);
    config.clock = std::sync::Arc::new(SystemClock);
    let engine = Engine::open(config).unwrap();
    let scratch = temp_dir();
    let running = broker::start(engine, BrokerConfig::new(scratch.path().join("broker"))).await.unwrap();
    let uds = socket_client(&running);

    let answer = uds
        .get("http://localhost/zoom/n/v2/users/me")
        .header("Authorization", "Bearer the-caller's-own-token")
        .header("Cookie", "session=the-caller's-cookie")
        .header("Proxy-Authorization", "Basic Y2FsbGVyOnNlY3JldA==")
        .header("Connection", "keep-alive, X-Hop-Named")
        .header("X-Hop-Named", "named in Connection")
        .header("Keep-Alive", "timeout=5")
        .header("Proxy-Connection", "keep-alive")
        .header("TE", "trailers")
        .header("Upgrade", "h2c")
        .header("X-Custom", "kept")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    for name in ["set-cookie", "www-authenticate", "proxy-authenticate"] {
        assert!(answer.headers().get(name).is_none(), "{name} reached the script: {:?}", answer.headers());
    }
    assert_eq!(answer.headers().get("x-zm-trackingid").unwrap(), "v=2.0;clid=us06;rid=1", "Zoom's own headers are passed on");
    let (headers, _) = seen.lock().unwrap().pop().expect("the call reached Zoom");
    assert_eq!(headers.get("authorization").unwrap().to_str().unwrap(), format!("Bearer {access}"), "the connection's token, not the caller's");
    assert_eq!(headers.get_all("authorization").iter().count(), 1);
    for name in ["cookie", "proxy-authorization", "x-hop-named", "keep-alive", "proxy-connection", "te", "upgrade"] {
        assert!(headers.get(name).is_none(), "{name} reached Zoom: {:?}", headers.keys().collect::<Vec<_>>());
    }
    assert_eq!(headers.get("x-custom").unwrap(), "kept");
    // A web page's call (it carries an Origin) is refused before anything is sent.
    let calls = seen.lock().unwrap().len();
    let page = uds.get("http://localhost/zoom/n/v2/users/me").header("Origin", "https://evil.example").send().await.unwrap();
    assert_eq!(page.status(), 403);
    assert_eq!(seen.lock().unwrap().len(), calls);

    // The body cap: declared over it, then chunked over it; neither reaches Zoom.
    let cap = zoom_connections_engine::broker::MAX_REQUEST_BODY;
    let calls = seen.lock().unwrap().len();
    let sized = uds.post("http://localhost/zoom/n/v2/users").body(vec![b'a'; cap + 1]).send().await.unwrap();
    assert_eq!(sized.status(), 413);
    assert_eq!(chunked_post_status(running.socket.as_ref().unwrap(), cap + 1).await, 413);
    assert_eq!(seen.lock().unwrap().len(), calls, "nothing over the cap was sent to Zoom");
    // At the cap it goes through, whole.
    let at_cap = uds.post("http://localhost/zoom/n/v2/users").body(vec![b'a'; cap]).send().await.unwrap();
    assert_eq!(at_cap.status(), 200);
    assert_eq!(seen.lock().unwrap().last().map(|(_, len)| *len), Some(cap));
    running.stop().await;
}

/// POSTs `len` bytes in 1 MiB chunks (`Transfer-Encoding: chunked`, no size declared) over the
/// broker's socket; the answer's status.
async fn chunked_post_status(socket: &std::path::Path, len: usize) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::UnixStream::connect(socket).await.unwrap();
    let head = "POST /zoom/n/v2/users HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
    stream.write_all(head.as_bytes()).await.unwrap();
    let chunk = vec![b'a'; 1024 * 1024];
    let mut sent = 0;
    // The proxy may answer and close before the whole body is sent: a failed write ends it.
    while sent < len {
        let n = chunk.len().min(len - sent);
        if stream.write_all(format!("{n:x}\r\n").as_bytes()).await.is_err()
            || stream.write_all(&chunk[..n]).await.is_err()
            || stream.write_all(b"\r\n").await.is_err()
        {
            break;
        }
        sent += n;
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut answer = vec![0u8; 64];
    let n = stream.read(&mut answer).await.unwrap();
    let line = String::from_utf8_lossy(&answer[..n]).to_string();
    line.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("not an HTTP answer: {line:?}"))
}
