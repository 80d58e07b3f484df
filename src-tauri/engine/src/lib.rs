//! The Zoom Connections engine: everything the app knows about connections, independent of
//! Tauri so that it can be tested on its own and driven by the shell, the CLI and the tests.

pub mod callback_url;
pub mod error;
pub mod redact;

pub use callback_url::CallbackUrl;
pub use error::{EngineError, ErrorCode};
