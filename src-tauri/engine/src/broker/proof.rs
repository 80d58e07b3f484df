//! The broker proves that it knows this run's secret before a client on the loopback port sends
//! it (docs/security.md, The broker): `broker.json` may be stale (the broker crashed) and the
//! port it names another user's process by now. The client sends a random nonce; the broker
//! answers HMAC-SHA256(secret, nonce); only a process that read the secret can. The nonce is the
//! client's, so an answer cannot be replayed, and the answer tells nothing of the secret.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// `GET /v1/proof?nonce=…`
pub const PATH: &str = "/v1/proof";
const CONTEXT: &[u8] = b"zoom-connections broker proof v1:";

/// A client's nonce: 256 random bits, hex.
pub fn new_nonce() -> String {
    super::peer::new_secret()
}

/// Only a nonce of the client's making is answered (64 hex digits).
pub fn well_formed(nonce: &str) -> bool {
    nonce.len() == 64 && nonce.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The proof for `nonce` under `secret`, hex.
pub fn answer(secret: &str, nonce: &str) -> String {
    // HMAC takes a key of any length: `new_from_slice` cannot fail for it.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else { return String::new() };
    mac.update(CONTEXT);
    mac.update(nonce.as_bytes());
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `proof` is the answer to `nonce` under `secret` (compared in constant time).
pub fn holds(secret: &str, nonce: &str, proof: &str) -> bool {
    super::peer::same_secret(answer(secret, nonce).as_bytes(), proof.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_secret_answers_the_nonce() {
        let (secret, nonce) = (super::super::peer::new_secret(), new_nonce());
        assert!(well_formed(&nonce) && !well_formed("12") && !well_formed(&"g".repeat(64)));
        let proof = answer(&secret, &nonce);
        assert!(holds(&secret, &nonce, &proof));
        assert!(!holds(&super::super::peer::new_secret(), &nonce, &proof), "another secret");
        assert!(!holds(&secret, &new_nonce(), &proof), "another nonce: no replay");
        assert!(!proof.contains(&secret));
    }
}
