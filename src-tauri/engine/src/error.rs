//! One error type for the whole engine: a stable machine-readable `code` the UI may act on and a
//! human `message` it shows. Messages are written by the engine, never copied from a token or a
//! query value, so neither `Display` nor `Debug` can leak a secret.

use serde::Serialize;

/// Stable error codes. The UI and the CLI match on these; never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// A callback URL (deep link or loopback) that is not ours or not well formed.
    InvalidCallback,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidCallback => "invalid_callback",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{message}")]
pub struct EngineError {
    pub code: ErrorCode,
    pub message: String,
}

impl EngineError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_as_code_and_message() {
        let e = EngineError::new(ErrorCode::InvalidCallback, "not a callback");
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json, serde_json::json!({"code": "invalid_callback", "message": "not a callback"}));
        assert_eq!(e.code.as_str(), "invalid_callback");
        assert_eq!(e.to_string(), "not a callback");
    }
}
