//! A string that must never be shown: tokens and client secrets. `Debug` and `Display` print a
//! placeholder, `Serialize` is not implemented, so it cannot reach a log, the metadata file or
//! the webview by accident; `expose()` is the one deliberate way in.

use std::fmt;

#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::Secret;

    #[test]
    fn never_prints_its_value() {
        let s = Secret::new("zsa_supersecret");
        assert_eq!(format!("{s} {s:?} {:?}", Some(&s)), "<redacted> Secret(<redacted>) Some(Secret(<redacted>))");
        assert_eq!(s.expose(), "zsa_supersecret");
    }
}
