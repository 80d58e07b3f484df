//! HTTPS to Zoom trusts the operating system's certificate store, as well as the bundled web
//! roots, and goes through the system's proxy settings: where admins work, a TLS-inspecting
//! proxy re-signs traffic with its own root, which IT puts in the system store
//! (docs/zoom.md; README, Behind a corporate proxy). One test in its own process: the trust store
//! (`SSL_CERT_FILE`) and the proxy (`HTTPS_PROXY`) are process-wide settings, read when the
//! engine builds its HTTP client.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use zoom_connections_engine::model::{Org, RedirectMode};
use zoom_connections_engine::setup_check::SetupProblem;
use zoom_connections_engine::{Engine, EngineConfig};

/// A scratch CA and an HTTPS server on 127.0.0.1 with a certificate it signed, answering every
/// request the way Zoom answers an acceptable authorize request: a redirect to its sign-in.
async fn https_server() -> (u16, String) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(rcgen::DnType::CommonName, "Scratch inspecting proxy CA");
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let server_key = rcgen::KeyPair::generate().unwrap();
    let server_cert = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap().signed_by(&server_key, &issuer).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![server_cert.der().clone()], rustls::pki_types::PrivateKeyDer::Pkcs8(server_key.serialize_der().into()))
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else { return };
                let mut buf = vec![0u8; 8192];
                let _ = tls.read(&mut buf).await;
                let _ = tls.write_all(b"HTTP/1.1 302 Found\r\nLocation: /signin\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (port, ca_cert.pem())
}

/// A CONNECT proxy that counts the tunnels it opened.
async fn connect_proxy() -> (u16, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let tunnels = Arc::new(AtomicUsize::new(0));
    let count = tunnels.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let count = count.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if client.read(&mut byte).await.unwrap_or(0) == 0 {
                        return;
                    }
                    head.push(byte[0]);
                }
                let line = String::from_utf8_lossy(&head).lines().next().unwrap_or_default().to_string();
                let Some(target) = line.strip_prefix("CONNECT ").and_then(|r| r.split_whitespace().next()) else { return };
                let Ok(mut upstream) = tokio::net::TcpStream::connect(target).await else { return };
                count.fetch_add(1, Ordering::SeqCst);
                let _ = client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n").await;
                let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
            });
        }
    });
    (port, tunnels)
}

fn engine_on(data: &std::path::Path, port: u16) -> Engine {
    let engine = Engine::open(EngineConfig::new(data.to_path_buf(), secret_store())).unwrap();
    let mut org = Org::sandbox();
    org.id = "behind-the-proxy".into();
    org.sandbox = false;
    org.client_id = "real-app".into();
    org.auth_base = format!("https://127.0.0.1:{port}");
    org.api_base = format!("https://127.0.0.1:{port}");
    org.redirect = RedirectMode::Loopback;
    engine.save_org(org, None).unwrap();
    engine
}

#[tokio::test]
async fn https_trusts_the_system_store_and_goes_through_the_system_proxy() {
    let (port, ca_pem) = https_server().await;
    let scratch = temp_dir();
    let data = scratch.path().to_path_buf();
    for var in ["SSL_CERT_FILE", "SSL_CERT_DIR", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"] {
        std::env::remove_var(var);
    }
    // The scratch root is in no store yet: the certificate is not trusted, and the check says so.
    let untrusting = engine_on(&data.join("a"), port);
    match untrusting.check_org_settings("behind-the-proxy").await.unwrap().problem {
        Some(SetupProblem::Unreachable { fault, detail }) => {
            assert_eq!(fault, zoom_connections_engine::zoom::NetworkFault::UntrustedCertificate, "{detail}");
            assert!(detail.contains("not trusted"), "{detail}");
        }
        other => panic!("{other:?}"),
    }
    // The root in the system's store (here a scratch one, as SSL_CERT_FILE names it).
    let store = data.join("scratch-ca.pem");
    std::fs::write(&store, &ca_pem).unwrap();
    std::env::set_var("SSL_CERT_FILE", &store);
    let trusting = engine_on(&data.join("b"), port);
    assert_eq!(trusting.check_org_settings("behind-the-proxy").await.unwrap().problem, None, "trusted through the system store");
    // And through the system's proxy setting.
    let (proxy_port, tunnels) = connect_proxy().await;
    std::env::set_var("HTTPS_PROXY", format!("http://127.0.0.1:{proxy_port}"));
    let proxied = engine_on(&data.join("c"), port);
    assert_eq!(proxied.check_org_settings("behind-the-proxy").await.unwrap().problem, None);
    assert!(tunnels.load(Ordering::SeqCst) >= 1, "the request went through the proxy");
}
