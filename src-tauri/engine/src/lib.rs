//! The Zoom Connections engine: everything the app knows about connections, independent of
//! Tauri so that it can be tested on its own and driven by the shell, the CLI and the tests.

pub mod actions;
pub mod alerts;
pub mod api_answers;
pub mod broker;
pub mod callback_url;
pub mod clock;
mod connect;
pub mod diagnose;
mod engine;
pub mod error;
pub mod flows;
pub mod fsutil;
#[cfg(any(test, feature = "test-util"))]
pub mod fuzzing;
pub mod history;
pub mod keepalive;
mod listed;
pub mod local_time;
pub mod lockfile;
pub mod loopback;
mod manage;
pub mod model;
mod nickname;
pub mod orgs;
pub mod reasons;
pub mod redact;
pub mod retry_after;
mod rotation;
pub mod s2s;
pub mod scopes;
pub mod secret;
#[cfg(target_os = "linux")]
mod secret_service;
pub mod setup_check;
pub mod sign_in;
pub mod store;
pub mod summary;
pub mod tokens;
pub mod vault;
pub mod vault_file;
pub mod zoom;
pub mod zoom_answers;
pub mod zoom_failure;

pub use callback_url::CallbackUrl;
pub use connect::CallbackOutcome;
pub use engine::{Engine, EngineConfig, EngineEvent};
pub use error::{EngineError, ErrorCode};
pub use flows::FlowStarted;
pub use keepalive::{backoff, SweepReport, TickState, DEFAULT_CONCURRENCY, DEFAULT_TICK};
pub use manage::{Probe, TestResult};
pub use nickname::NICKNAME_MAX;
pub use orgs::registered_redirect_url;
pub use secret::Secret;
pub use tokens::{Handout, Refreshed, ShutdownReport, Want};
#[cfg(any(test, feature = "test-util"))]
pub use tokens::{Moment, Pauses};
