//! PKCE (RFC 7636) as Zoom accepts it: `S256` and `plain`; `plain` when no method is named.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    S256,
    Plain,
}

impl Method {
    pub fn parse(name: Option<&str>) -> Option<Self> {
        match name {
            None | Some("plain") => Some(Method::Plain),
            Some("S256") => Some(Method::S256),
            Some(_) => None,
        }
    }
}

pub fn verify(method: Method, challenge: &str, verifier: &str) -> bool {
    match method {
        Method::Plain => verifier == challenge,
        Method::S256 => URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == challenge,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s256_matches_the_rfc_example() {
        // RFC 7636, appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(verify(Method::S256, challenge, verifier));
        assert!(!verify(Method::S256, challenge, "wrong"));
        assert!(verify(Method::Plain, "same", "same"));
        assert_eq!(Method::parse(None), Some(Method::Plain));
        assert_eq!(Method::parse(Some("S512")), None);
    }
}
