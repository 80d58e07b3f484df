//! Alerts beyond the desktop (docs/cli.md, Alerts): when a connection comes to need the user
//! and when it recovers, a POST to the webhook set in Settings (Slack's and Teams' incoming-
//! webhook JSON, a plain JSON object otherwise) and a line for the system log. Sent by the
//! process that made the status change — exactly one, since every change happens under the
//! connection's lock — whether that is the app, `serve` or a cron `keepalive`.
//!
//! An alert carries the connection's nickname, org, status and reason, never a token or code.
//! The webhook's URL is itself a secret (Slack's and Teams' URLs are the credential), so it is
//! kept in the keychain; the settings keep only its host and kind, for the window to show.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::engine::{Engine, EngineEvent};
use crate::error::{EngineError, ErrorCode, Result};
use crate::model::Status;
use crate::secret::Secret;

/// The webhook URL's keychain entry.
pub const WEBHOOK_KEY: &str = "alerts/webhook";
/// Where the system log listens, unless `ZOOM_CONNECTIONS_SYSLOG_SOCKET` says otherwise.
#[cfg(target_os = "macos")]
const SYSLOG_SOCKET: &str = "/var/run/syslog";
#[cfg(not(target_os = "macos"))]
const SYSLOG_SOCKET: &str = "/dev/log";
/// Waits between attempts at a webhook that failed for a reason that may pass.
const RETRY_WAITS: [Duration; 3] = [Duration::from_secs(2), Duration::from_secs(10), Duration::from_secs(30)];
/// The longest `Retry-After` from a webhook that is honoured.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// Which JSON the webhook gets, decided by its host.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WebhookKind {
    Slack,
    Teams,
    Json,
}

/// What the settings show of the webhook (the URL itself stays in the keychain).
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookInfo {
    pub host: String,
    pub kind: WebhookKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    NeedsUser,
    Recovered,
    Test,
}

/// One alert, as every channel gets it.
#[derive(Debug, Clone, Serialize)]
pub struct Alert {
    pub event: AlertKind,
    pub connection_id: Option<String>,
    pub nickname: Option<String>,
    pub org: Option<String>,
    pub status: Option<Status>,
    pub reason: Option<String>,
    /// Unix seconds.
    pub at: i64,
    /// The sentence a person reads (in the app's language).
    pub text: String,
}

/// Checks a webhook URL: https (http only to this machine, for a local relay), a host, no
/// longer than any real webhook.
pub fn webhook_info(url: &str) -> Result<WebhookInfo> {
    let bad = |why: &str| EngineError::new(ErrorCode::InvalidSettings, format!("This webhook URL cannot be used: {why}."));
    if url.len() > 2048 {
        return Err(bad("it is too long"));
    }
    let parsed = url::Url::parse(url.trim()).map_err(|_| bad("it is not a URL"))?;
    let host = parsed.host_str().ok_or_else(|| bad("it has no host"))?.to_ascii_lowercase();
    let local = matches!(host.as_str(), "127.0.0.1" | "localhost" | "[::1]");
    match parsed.scheme() {
        "https" => {}
        "http" if local => {}
        _ => return Err(bad("it must start with https://")),
    }
    let kind = if host == "hooks.slack.com" {
        WebhookKind::Slack
    } else if host.ends_with(".webhook.office.com")
        || host == "outlook.office.com"
        || host.ends_with(".logic.azure.com")
        || host.ends_with(".powerplatform.com")
        || host.ends_with(".powerautomate.com")
    {
        WebhookKind::Teams
    } else {
        WebhookKind::Json
    };
    Ok(WebhookInfo { host, kind })
}

/// The alert a status change calls for, if any: into needing the user, and back out of it.
pub fn alert_for(engine: &Engine, event: &EngineEvent) -> Option<Alert> {
    let EngineEvent::StatusChanged { connection_id, nickname, from, to, reason, why } = event else { return None };
    let needs = |s: &Status| matches!(s, Status::NeedsReconnect | Status::Superseded);
    let kind = if needs(to) && !needs(from) {
        AlertKind::NeedsUser
    } else if *to == Status::Active && needs(from) {
        AlertKind::Recovered
    } else {
        return None;
    };
    let conn = engine.connection(connection_id).ok();
    let org = conn.as_ref().and_then(|c| engine.org(&c.org_id).ok()).map(|o| o.name);
    let s2s = conn.as_ref().is_some_and(|c| c.is_s2s());
    let ja = japanese(engine);
    // The typed reason in the alert's language; Zoom's English details when there is none.
    let reason_text = why.as_ref().map(|w| crate::reasons::words(w, ja)).or_else(|| reason.clone()).unwrap_or_default();
    let text = match (kind, ja) {
        (AlertKind::NeedsUser, false) if s2s => {
            format!("Zoom Connections: “{nickname}” needs you: {reason_text}. Check the app in the Zoom App Marketplace, then Test or Rotate secret in Zoom Connections.")
        }
        (AlertKind::NeedsUser, true) if s2s => {
            format!("Zoom Connections：「{nickname}」に対応が必要です：{reason_text}。Zoom App Marketplace でアプリを確認し、Zoom Connections で［テスト］または［シークレットを差し替え］を実行してください。")
        }
        (AlertKind::NeedsUser, false) => format!("Zoom Connections: “{nickname}” needs you: {reason_text}. Open Zoom Connections and reconnect it."),
        (AlertKind::NeedsUser, true) => {
            format!("Zoom Connections：「{nickname}」に対応が必要です：{reason_text}。Zoom Connections を開いて再接続してください。")
        }
        (_, false) => format!("Zoom Connections: “{nickname}” is active again."),
        (_, true) => format!("Zoom Connections：「{nickname}」が復旧しました。"),
    };
    Some(Alert {
        event: kind,
        connection_id: Some(connection_id.clone()),
        nickname: Some(nickname.clone()),
        org,
        status: Some(*to),
        reason: reason.clone(),
        at: engine.now(),
        text,
    })
}

/// The app's language setting, else the locale's (`LC_ALL`, `LC_MESSAGES`, `LANG`), as the
/// window and the command line choose theirs.
fn japanese(engine: &Engine) -> bool {
    match engine.settings().language.as_deref() {
        Some(lang) => lang == "ja",
        None => ["LC_ALL", "LC_MESSAGES", "LANG"].iter().find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty())).is_some_and(|l| l.starts_with("ja")),
    }
}

fn test_alert(engine: &Engine) -> Alert {
    let ja = japanese(engine);
    let text = if ja {
        "Zoom Connections：テストアラートです。接続に対応が必要になったとき、および復旧したときに、ここに通知されます。"
    } else {
        "Zoom Connections: a test alert. This is where you will hear when a connection needs you and when it recovers."
    };
    Alert { event: AlertKind::Test, connection_id: None, nickname: None, org: None, status: None, reason: None, at: engine.now(), text: text.into() }
}

/// The JSON the webhook gets.
pub fn payload(kind: WebhookKind, alert: &Alert) -> serde_json::Value {
    match kind {
        // https://api.slack.com/messaging/webhooks
        WebhookKind::Slack => serde_json::json!({"text": alert.text}),
        // Teams incoming webhooks and Workflows take a message with an Adaptive Card.
        WebhookKind::Teams => serde_json::json!({
            "type": "message",
            "attachments": [{
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": null,
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": [{"type": "TextBlock", "text": alert.text, "wrap": true}]
                }
            }]
        }),
        // Plain JSON; `text` too, which Mattermost, Rocket.Chat and the like read.
        WebhookKind::Json => serde_json::json!({
            "source": "zoom-connections",
            "event": alert.event,
            "text": alert.text,
            "connection": alert.connection_id.as_ref().map(|id| serde_json::json!({
                "id": id, "nickname": alert.nickname, "org": alert.org, "status": alert.status, "reason": alert.reason,
            })),
            "at": alert.at,
        }),
    }
}

/// The line the system log gets (RFC 3164 over the local socket: facility user, severity
/// warning for "needs you", notice for "recovered", info for a test).
fn syslog_line(alert: &Alert) -> String {
    let severity = match alert.event {
        AlertKind::NeedsUser => 4,
        AlertKind::Recovered => 5,
        AlertKind::Test => 6,
    };
    format!("<{}>zoom-connections[{}]: {}", 8 + severity, std::process::id(), alert.text)
}

/// Sends one datagram to the system log's socket (journald and rsyslog both listen there). A
/// crate for this would bring a logger framework for what is one `send`.
#[cfg(unix)]
fn to_syslog(alert: &Alert) -> std::io::Result<()> {
    let path = std::env::var_os("ZOOM_CONNECTIONS_SYSLOG_SOCKET").unwrap_or_else(|| SYSLOG_SOCKET.into());
    let socket = std::os::unix::net::UnixDatagram::unbound()?;
    socket.send_to(syslog_line(alert).as_bytes(), path)?;
    Ok(())
}

#[cfg(not(unix))]
fn to_syslog(_alert: &Alert) -> std::io::Result<()> {
    // Windows' Event Log needs a registered source (an installer's job): not done yet.
    Ok(())
}

/// What delivering an alert did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub webhook: Option<std::result::Result<u16, String>>,
    pub syslog: Option<std::result::Result<(), String>>,
}

impl Engine {
    /// Sets or removes (None) the alert webhook: its URL to the keychain, its host and kind to
    /// the settings.
    pub async fn set_alert_webhook(&self, url: Option<Secret>) -> Result<crate::model::AppSettings> {
        let info = match &url {
            Some(url) => Some(webhook_info(url.expose())?),
            None => None,
        };
        match url {
            Some(url) => {
                self.keychain(move |s| s.set(WEBHOOK_KEY, &Secret::new(url.expose().trim()))).await??;
            }
            None => self.secret_delete(WEBHOOK_KEY.into()).await?,
        }
        let mut settings = self.settings();
        settings.webhook = info;
        self.store_settings(settings)
    }

    /// Sends a test alert to every channel and says what each did.
    pub async fn send_test_alert(&self) -> Result<Delivery> {
        let delivery = self.deliver(&test_alert(self)).await;
        match &delivery.webhook {
            Some(Err(why)) => Err(EngineError::new(ErrorCode::Network, format!("The webhook did not take the test alert: {why}"))),
            _ => Ok(delivery),
        }
    }

    /// Delivers an alert to the system log (if on) and the webhook (if set), retrying the
    /// webhook while its failure may pass.
    pub async fn deliver(&self, alert: &Alert) -> Delivery {
        let settings = self.settings();
        let syslog = settings.syslog_alerts.then(|| to_syslog(alert).map_err(|e| e.to_string()));
        if let Some(Err(e)) = &syslog {
            tracing::debug!("the system log did not take the alert: {e}");
        }
        let webhook = match (&settings.webhook, self.secret_get(WEBHOOK_KEY.into()).await) {
            (Some(info), Ok(Some(url))) => Some(self.post_webhook(info, url, alert).await),
            (Some(_), Err(e)) => Some(Err(format!("its URL could not be read from the keychain: {e}"))),
            _ => None,
        };
        if let Some(Err(why)) = &webhook {
            tracing::warn!(host = settings.webhook.as_ref().map(|w| w.host.as_str()), "the alert webhook failed: {why}");
        }
        Delivery { webhook, syslog }
    }

    async fn post_webhook(&self, info: &WebhookInfo, url: Secret, alert: &Alert) -> std::result::Result<u16, String> {
        let body = payload(info.kind, alert);
        let mut waits = RETRY_WAITS.iter();
        loop {
            let sent = self.inner.zoom.http().post(url.expose()).json(&body).send().await;
            let (why, retry_after) = match sent {
                Ok(r) if r.status().is_success() => return Ok(r.status().as_u16()),
                Ok(r) => {
                    let status = r.status().as_u16();
                    let retry_after = r
                        .headers()
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<u64>().ok())
                        .map(|s| Duration::from_secs(s).min(MAX_RETRY_AFTER));
                    // A refusal that will not pass (a removed webhook, a bad payload): no retry.
                    if status != 429 && status < 500 {
                        return Err(format!("HTTP {status} from {}", info.host));
                    }
                    (format!("HTTP {status} from {}", info.host), retry_after)
                }
                // reqwest's error names the URL; only the host may be said.
                Err(e) => (format!("{} could not be reached{}", info.host, if e.is_timeout() { " (timeout)" } else { "" }), None),
            };
            let Some(wait) = waits.next() else { return Err(why) };
            tokio::time::sleep(retry_after.unwrap_or(*wait)).await;
        }
    }

    /// Delivers the alert every status change calls for, until the engine's events end: for the
    /// long-running app and `serve`.
    pub fn spawn_alerts(&self) -> tokio::task::JoinHandle<()> {
        let engine = self.clone();
        let mut events = self.subscribe();
        tokio::spawn(async move {
            loop {
                match events.recv().await {
                    Ok(event) => {
                        if let Some(alert) = alert_for(&engine, &event) {
                            let engine = engine.clone();
                            tokio::spawn(async move { engine.deliver(&alert).await });
                        }
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => tracing::warn!("{n} engine events were missed by the alerts"),
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhook_urls_are_checked_and_their_kind_known() {
        assert_eq!(webhook_info("https://hooks.slack.com/services/T0/B0/x").unwrap().kind, WebhookKind::Slack);
        assert_eq!(webhook_info("https://contoso.webhook.office.com/webhookb2/x").unwrap().kind, WebhookKind::Teams);
        assert_eq!(webhook_info("https://prod-01.westus.logic.azure.com/workflows/x").unwrap().kind, WebhookKind::Teams);
        assert_eq!(webhook_info("https://alerts.example.com/zoom").unwrap().kind, WebhookKind::Json);
        assert_eq!(webhook_info("http://127.0.0.1:9000/hook").unwrap().host, "127.0.0.1");
        for bad in ["http://alerts.example.com/zoom", "ftp://x/y", "hooks.slack.com/services/x", "", "https://"] {
            assert!(webhook_info(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_payload_carries_the_text_and_no_more() {
        let alert = Alert {
            event: AlertKind::NeedsUser,
            connection_id: Some("c1".into()),
            nickname: Some("Prod".into()),
            org: Some("Contoso".into()),
            status: Some(Status::NeedsReconnect),
            reason: Some("the grant was revoked".into()),
            at: 1,
            text: "Zoom Connections: “Prod” needs you".into(),
        };
        assert_eq!(payload(WebhookKind::Slack, &alert), serde_json::json!({"text": alert.text}));
        let teams = payload(WebhookKind::Teams, &alert);
        assert_eq!(teams["attachments"][0]["content"]["body"][0]["text"], alert.text.as_str());
        let plain = payload(WebhookKind::Json, &alert);
        assert_eq!(plain["event"], "needs_user");
        assert_eq!(plain["connection"]["status"], "needs_reconnect");
        assert_eq!(syslog_line(&alert), format!("<12>zoom-connections[{}]: {}", std::process::id(), alert.text));
    }
}
