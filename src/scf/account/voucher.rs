//! Voucher codes (ES 202 391-7 `voucherIdentifier`): what the buyer types in, and what the store
//! keeps of it.
//!
//! A code is 16 random decimal digits (about 53 bits), shown in groups of four. The store keeps
//! only its keyed digest (HMAC-SHA-256 under a key derived from the configured secret key), so a
//! leaked database can neither be spent nor searched; vouchers issued by earlier versions (plain
//! SHA-256) are still found. Spaces and dashes a subscriber types are ignored.

use crate::crypto::{Pepper, hex, random_bytes, sha256};

/// Digits in a voucher code.
const CODE_DIGITS: usize = 16;

/// A new random voucher code, `1234-5678-9012-3456`.
pub fn new_voucher_code() -> String {
    let random = u64::from_le_bytes(random_bytes::<8>());
    // 2^64 is about 1844 × 10^16: reducing modulo 10^16 favours some codes by at most 1/1844,
    // which does not make any code guessable.
    let digits = format!("{:0width$}", random % 10_u64.pow(16), width = CODE_DIGITS);
    let mut code = String::with_capacity(CODE_DIGITS + 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && i % 4 == 0 {
            code.push('-');
        }
        code.push(c);
    }
    code
}

/// The keyed digest of a code, as the store keeps it; separators are ignored.
pub fn voucher_digest(pepper: &Pepper, code: &str) -> String {
    pepper.digest("voucher", &[canonical(code).as_bytes()])
}

/// The unkeyed SHA-256 (lower-case hex) vouchers issued by earlier versions are kept under.
pub fn legacy_voucher_digest(code: &str) -> String {
    hex(&sha256(canonical(code).as_bytes()))
}

fn canonical(code: &str) -> String {
    let digits: String = code.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    digits.to_ascii_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_grouped_digits_and_their_digest_ignores_separators() {
        let pepper = Pepper::from_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=").unwrap();
        let code = new_voucher_code();
        assert_eq!(code.len(), 19);
        assert!(code.chars().all(|c| c.is_ascii_digit() || c == '-'));
        let digest = voucher_digest(&pepper, &code);
        assert_eq!(digest, voucher_digest(&pepper, &code.replace('-', " ")));
        assert_ne!(digest, voucher_digest(&pepper, &new_voucher_code()));
        assert_ne!(digest, legacy_voucher_digest(&code), "keyed, unlike before");
    }
}
