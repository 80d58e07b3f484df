//! One engine operation in a process of its own, for the SIGKILL test (tests/sigkill.rs), which
//! kills it at random moments: the engine on a data directory and a keychain service, against a
//! running sandbox.
//!
//!   engine_op DATA_DIR SANDBOX_URL KEYCHAIN_SERVICE test|delete|reconnect CONNECTION_ID
//!
//! KEYCHAIN_SERVICE `vault:PASSPHRASE` keeps the secrets in the data directory's vault file
//! instead (src/vault_file/), opened with that passphrase.
//!
//! `ENGINE_OP_AHEAD_SECS=N` runs its clock N seconds ahead of the real one, as if that long had
//! passed since the last rotation: Zoom's tokens live at least a minute (`zoom_answers.rs`
//! clamps shorter ones), so without it a Test started right after another finds its token
//! fresh and never rotates.
//!
//! It prints `opened` once its store and engine are open. `reconnect` then prints the authorize
//! URL on a line of its own, then reads the URL the browser was
//! sent to from stdin and completes the sign-in. Logs go to stderr
//! (`ZOOM_CONNECTIONS_LOG=zoom_connections_engine=debug`).

use std::io::BufRead;
use std::sync::Arc;

use zoom_connections_engine::clock::{Clock, FakeClock, SystemClock};
use zoom_connections_engine::vault::{KeychainStore, SharedStore};
use zoom_connections_engine::vault_file::FileVault;
use zoom_connections_engine::Secret;
use zoom_connections_engine::{Engine, EngineConfig};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, data_dir, sandbox_url, service, op, id] = args.as_slice() else {
        eprintln!("usage: engine_op DATA_DIR SANDBOX_URL KEYCHAIN_SERVICE test|delete|reconnect CONNECTION_ID");
        std::process::exit(2);
    };
    if let Ok(filter) = tracing_subscriber::EnvFilter::try_from_env("ZOOM_CONNECTIONS_LOG") {
        let _ = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(false).with_writer(std::io::stderr).try_init();
    }
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    let code = runtime.block_on(async {
        let secrets: SharedStore = match service.strip_prefix("vault:") {
            Some(passphrase) => match FileVault::open(std::path::Path::new(data_dir), &Secret::new(passphrase), false) {
                Ok(v) => Arc::new(v),
                Err(e) => {
                    eprintln!("{e}");
                    return 1;
                }
            },
            None => Arc::new(KeychainStore::with_service(service.clone())),
        };
        let mut config = EngineConfig::new(data_dir.into(), secrets);
        config.sandbox_url = Some(sandbox_url.clone());
        if let Some(ahead) = std::env::var("ENGINE_OP_AHEAD_SECS").ok().and_then(|v| v.parse::<i64>().ok()) {
            config.clock = FakeClock::at(SystemClock.now() + ahead);
        }
        let engine = match Engine::open(config) {
            Ok(e) => e,
            Err(e) => {
                eprintln!("{e}");
                return 1;
            }
        };
        // The test aims its kills after this line.
        println!("opened");
        let result = match op.as_str() {
            "test" => engine.test_connection(id).await.map(|_| ()),
            "delete" => engine.delete(id).await,
            "reconnect" => match engine.begin_reconnect(id).await {
                Ok(flow) => {
                    println!("{}", flow.authorize_url);
                    let mut line = String::new();
                    let _ = std::io::stdin().lock().read_line(&mut line);
                    engine.handle_callback(line.trim()).await.map(|_| ())
                }
                Err(e) => Err(e),
            },
            _ => {
                eprintln!("unknown operation {op}");
                return 2;
            }
        };
        match result {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("{e} [{}]", e.code.as_str());
                1
            }
        }
    });
    std::process::exit(code);
}
