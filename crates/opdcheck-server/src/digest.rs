//! SHA-256 in lower-case hex: record bodies' fingerprints, and how tokens and keys are stored.
//! A leaf: every module may use it.

use sha2::{Digest, Sha256};

/// SHA-256 of `text`, lower-case hex.
pub fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

/// `bytes` in lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
