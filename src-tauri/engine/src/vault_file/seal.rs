//! Sealing with age: the key sealed by the passphrase (scrypt), the secrets sealed to the key
//! (X25519). Nothing here writes a file.

use std::str::FromStr;

use age::secrecy::{ExposeSecret, SecretString};

use crate::error::{EngineError, ErrorCode, Result};
use crate::secret::Secret;

/// A new vault's passphrase has at least this many characters (scrypt slows guessing; it cannot
/// make a short passphrase long).
pub const MIN_PASSPHRASE_CHARS: usize = 12;

fn refused(why: &str) -> EngineError {
    EngineError::new(ErrorCode::KeychainUnavailable, format!("the vault file cannot be used: {why}"))
}

/// Bytes that held secrets, zeroed when dropped.
pub struct Plain(Vec<u8>);

impl Plain {
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }
    pub fn as_slice(&self) -> &[u8] {
        &self.0
    }
}

impl Drop for Plain {
    fn drop(&mut self) {
        for b in self.0.iter_mut() {
            // Volatile, so that the compiler keeps the writes to memory about to be freed.
            unsafe { std::ptr::write_volatile(b, 0) };
        }
    }
}

/// The vault's key (an age X25519 identity). Never printed.
pub struct Key {
    identity: age::x25519::Identity,
}

impl Key {
    /// A new random key, and its sealed form for the key file.
    pub fn generate(passphrase: &Secret) -> Result<(Self, Vec<u8>)> {
        Self::generate_with(passphrase, None)
    }

    /// The same, with scrypt's work factor (log2 of N) chosen; None: age's default (about a
    /// second). Only tests choose one (`FileVault::create_cheap`).
    pub(crate) fn generate_with(passphrase: &Secret, log_n: Option<u8>) -> Result<(Self, Vec<u8>)> {
        if passphrase.expose().chars().count() < MIN_PASSPHRASE_CHARS {
            return Err(EngineError::new(
                ErrorCode::InvalidSettings,
                format!("A vault passphrase needs at least {MIN_PASSPHRASE_CHARS} characters. Nothing was created."),
            ));
        }
        let identity = age::x25519::Identity::generate();
        let text = Plain::new(identity.to_string().expose_secret().as_bytes().to_vec());
        let mut recipient = age::scrypt::Recipient::new(SecretString::from(passphrase.expose().to_string()));
        if let Some(log_n) = log_n {
            recipient.set_work_factor(log_n);
        }
        let sealed = age::encrypt(&recipient, text.as_slice()).map_err(|_| refused("the key could not be sealed"))?;
        Ok((Self { identity }, sealed))
    }

    /// The key from the key file: a wrong passphrase is said as such.
    pub fn unseal(sealed: &[u8], passphrase: &Secret) -> Result<Self> {
        let identity = age::scrypt::Identity::new(SecretString::from(passphrase.expose().to_string()));
        let text = Plain::new(age::decrypt(&identity, sealed).map_err(|e| match e {
            age::DecryptError::DecryptionFailed | age::DecryptError::NoMatchingKeys => {
                EngineError::new(ErrorCode::KeychainUnavailable, "the vault file's passphrase is wrong. Nothing was read or changed.")
            }
            _ => refused("its key file is damaged or not one Zoom Connections wrote"),
        })?);
        let text = std::str::from_utf8(text.as_slice()).map_err(|_| refused("its key file is damaged"))?;
        let identity = age::x25519::Identity::from_str(text.trim()).map_err(|_| refused("its key file is damaged"))?;
        Ok(Self { identity })
    }

    pub fn seal(&self, plain: &Plain) -> Result<Vec<u8>> {
        age::encrypt(&self.identity.to_public(), plain.as_slice()).map_err(|_| refused("the secrets could not be sealed"))
    }

    pub fn open(&self, sealed: &[u8]) -> Result<Plain> {
        age::decrypt(&self.identity, sealed).map(Plain::new).map_err(|_| refused("the vault does not open with its key (damaged, or another vault's)"))
    }
}
