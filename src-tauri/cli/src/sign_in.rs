//! Signing in from a terminal (docs/cli.md, On a server): the three ways of the engine's
//! `sign_in` module, chosen by what this machine has, and what the admin sees meanwhile.

use tokio::sync::mpsc;
use zoom_connections_engine::model::Org;
use zoom_connections_engine::{CallbackOutcome, EngineError, EngineEvent, ErrorCode};

use crate::args::SignInWay;
use crate::setup_text::SetupText;
use crate::text::fill;

pub(crate) enum Start {
    New { org_id: String, nickname: String },
    Reconnect { connection_id: String },
}

/// A desktop session a browser could open on. Elsewhere (macOS, Windows) there always is one.
fn has_desktop() -> bool {
    if cfg!(any(target_os = "macos", target_os = "windows")) {
        return true;
    }
    ["DISPLAY", "WAYLAND_DISPLAY"].iter().any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()))
}

/// `auto`: a browser here when there is a desktop; else the device sign-in, falling back to
/// paste-back when Zoom has not enabled it for the app.
pub(crate) async fn sign_in(
    engine: &zoom_connections_engine::Engine,
    org: &Org,
    start: Start,
    way: SignInWay,
    t: &SetupText,
) -> Result<CallbackOutcome, EngineError> {
    let way = match way {
        SignInWay::Auto if has_desktop() => SignInWay::Browser,
        w => w,
    };
    if matches!(way, SignInWay::Auto | SignInWay::Device) {
        let (nickname, reconnect_of) = match &start {
            Start::New { nickname, .. } => (nickname.as_str(), None),
            Start::Reconnect { connection_id } => ("", Some(connection_id.as_str())),
        };
        match engine.begin_device(&org.id, nickname, reconnect_of).await {
            Ok(flow) => return device(engine, flow, t).await,
            // Not enabled for this app (or refused in a way Zoom does not document): paste-back
            // needs no permission of Zoom's. Only Zoom out of reach stops here.
            Err(e) if way == SignInWay::Auto && e.code != ErrorCode::Network => {
                if e.code != ErrorCode::InvalidSettings {
                    tracing::info!(error_code = e.code.as_str(), "device sign-in refused: {e}");
                }
                eprintln!("{}", t.device_fallback)
            }
            Err(e) => return Err(e),
        }
    }
    redirect(engine, start, way == SignInWay::Browser, t).await
}

async fn device(
    engine: &zoom_connections_engine::Engine,
    flow: zoom_connections_engine::sign_in::device::DeviceFlow,
    t: &SetupText,
) -> Result<CallbackOutcome, EngineError> {
    let shown = &flow.shown;
    let time = zoom_connections_engine::local_time::format(shown.expires_at, "%H:%M");
    eprintln!("{}", fill(t.device_prompt, &[("uri", &shown.verification_uri), ("code", &shown.user_code), ("time", &time)]));
    if let Some(complete) = &shown.verification_uri_complete {
        show_qr(complete, t);
    }
    eprintln!("{}", t.waiting);
    engine.finish_device(flow).await
}

/// The authorize URL as a QR code, on a terminal only (a log or a pipe gets the link alone).
fn show_qr(url: &str, t: &SetupText) {
    if !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        return;
    }
    if let Ok(code) = qrcode::QrCode::new(url.as_bytes()) {
        let art = code
            .render::<qrcode::render::unicode::Dense1x2>()
            .dark_color(qrcode::render::unicode::Dense1x2::Light)
            .light_color(qrcode::render::unicode::Dense1x2::Dark)
            .build();
        eprintln!("{}\n{art}", t.scan);
    }
}

/// The redirect ways: the loopback listener (or the org's deep link) catches a browser here;
/// a pasted address works alongside it, whichever comes first.
async fn redirect(engine: &zoom_connections_engine::Engine, start: Start, open_browser: bool, t: &SetupText) -> Result<CallbackOutcome, EngineError> {
    let mut events = engine.subscribe();
    let flow = match start {
        Start::New { org_id, nickname } => engine.begin_create(&org_id, &nickname).await?,
        Start::Reconnect { connection_id } => engine.begin_reconnect(&connection_id).await?,
    };
    if open_browser {
        eprintln!("{}", t.opening_browser);
        if let Err(e) = open::that_detached(&flow.authorize_url) {
            tracing::info!("no browser could be opened: {e}");
        }
    }
    eprintln!("{}\n\n{}\n", t.open_link, flow.authorize_url);
    if !open_browser {
        show_qr(&flow.authorize_url, t);
    }
    eprintln!("{}", t.paste_prompt);
    let mut pasted = read_lines();
    let mut stdin_open = true;
    loop {
        tokio::select! {
            event = events.recv() => match event {
                Ok(EngineEvent::FlowEnded { flow_id, connection_id, superseded, error }) if flow_id == flow.flow_id => {
                    return match (connection_id, error) {
                        (_, Some(e)) => Err(e),
                        (Some(id), None) => Ok(CallbackOutcome { flow_id, connection: engine.connection(&id)?, superseded }),
                        (None, None) => Err(EngineError::new(ErrorCode::FlowExpired, "The sign-in ended without a connection.")),
                    };
                }
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return Err(EngineError::new(ErrorCode::FlowExpired, "The sign-in ended.")),
            },
            line = pasted.recv(), if stdin_open => match line {
                Some(line) if line.trim().is_empty() => {}
                Some(line) => match engine.complete_pasted(&flow.flow_id, &line).await {
                    Ok(outcome) => return Ok(outcome),
                    // Not this sign-in's answer: nothing changed, the sign-in still waits.
                    Err(e) if matches!(e.code, ErrorCode::InvalidCallback | ErrorCode::StateMismatch) => {
                        eprintln!("{}", fill(t.paste_again, &[("message", &crate::text::Text::current().error(&e))]));
                    }
                    Err(e) => return Err(e),
                },
                // Standard input ended: the browser may still finish (a loopback redirect here);
                // only the events are waited on from now (a closed channel answers at once).
                None => stdin_open = false,
            },
        }
    }
}

/// Standard input's lines, read on a thread of their own (a blocking read must not hold the
/// runtime, and is abandoned when the sign-in ends another way).
fn read_lines() -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel(4);
    std::thread::spawn(move || {
        while let Some(line) = crate::secret_store::stdin_lines::next() {
            if tx.blocking_send(line).is_err() {
                break;
            }
        }
    });
    rx
}
