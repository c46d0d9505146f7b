//! [`Secret`]: a secret value that never prints and is wiped from memory when dropped.

use std::fmt;

use zeroize::Zeroize;

use super::scrub::register;

/// A secret value (token, password, API key) that never prints, and is wiped from memory
/// when dropped.
///
/// `Debug` and `Display` write `[redacted]`; [`Secret::expose`] returns the value and is
/// called only where the value is sent (an `Authorization` header, a keyring write).
/// Dropping it overwrites its bytes with zeros ([`zeroize`]); so does [`Zeroize::zeroize`].
/// Copies made to send it (a request body) are the sender's to keep short-lived; the
/// forms [`super::scrub()`] removes from text are kept for the whole process.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Zeroize for Secret {
    fn zeroize(&mut self) {
        self.0.zeroize();
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.zeroize();
    }
}

impl zeroize::ZeroizeOnDrop for Secret {}

impl Secret {
    /// Wraps a value and registers it, so that [`super::scrub()`] removes it from any text.
    pub fn new(value: impl Into<String>) -> Self {
        let value = value.into();
        register(&value);
        Secret(value)
    }

    /// Returns the value, for the one call that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_secret_is_wiped_in_place_and_wipes_itself_when_dropped() {
        fn wiped_on_drop<T: zeroize::ZeroizeOnDrop>() {}
        wiped_on_drop::<Secret>();
        let mut secret = Secret::new("wipe-me-please-0123456789");
        let (start, capacity) = (secret.0.as_ptr(), secret.0.capacity());
        secret.zeroize();
        assert_eq!(secret.expose(), "");
        // The buffer is still the secret's (cleared, not freed): every byte is zero.
        // SAFETY: `start` points at `capacity` bytes the string still owns, all
        // initialized (zeroize wrote each of them).
        let bytes = unsafe { std::slice::from_raw_parts(start, capacity) };
        assert!(bytes.iter().all(|b| *b == 0), "{bytes:?}");
    }
}
