//! A minimal ssh-agent client (draft-miller-ssh-agent): list the agent's keys and ask it
//! to sign, over the Unix socket `SSH_AUTH_SOCK` names. The private keys never leave the
//! agent.

use std::io::{Read, Write};
use std::path::Path;

use super::key::PublicKey;
use super::wire::{Reader, put_string, put_u32};

const FAILURE: u8 = 5;
const REQUEST_IDENTITIES: u8 = 11;
const IDENTITIES_ANSWER: u8 = 12;
const SIGN_REQUEST: u8 = 13;
const SIGN_RESPONSE: u8 = 14;
/// Asks for an `rsa-sha2-512` signature from an RSA key.
const RSA_SHA2_512: u32 = 4;
/// The largest reply read from an agent.
const MAX_REPLY: usize = 256 * 1024;

/// A connection to an ssh-agent.
pub struct Agent {
    #[cfg(unix)]
    stream: std::os::unix::net::UnixStream,
}

impl Agent {
    /// Connects to the agent at `socket`.
    #[cfg(unix)]
    pub fn connect(socket: &Path) -> Result<Agent, String> {
        let stream = std::os::unix::net::UnixStream::connect(socket)
            .map_err(|e| format!("cannot reach ssh-agent at {}: {e}", socket.display()))?;
        let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(120)));
        Ok(Agent { stream })
    }

    /// Connects to the agent at `socket` (Unix only).
    #[cfg(not(unix))]
    pub fn connect(socket: &Path) -> Result<Agent, String> {
        Err(format!(
            "cannot reach ssh-agent at {}: only Unix sockets are supported",
            socket.display()
        ))
    }

    #[cfg(unix)]
    fn call(&mut self, kind: u8, payload: &[u8]) -> Result<Vec<u8>, String> {
        let mut message = Vec::with_capacity(payload.len() + 5);
        put_u32(
            &mut message,
            u32::try_from(payload.len() + 1).unwrap_or(u32::MAX),
        );
        message.push(kind);
        message.extend_from_slice(payload);
        let broken = |e: std::io::Error| format!("ssh-agent did not answer: {e}");
        self.stream.write_all(&message).map_err(broken)?;
        let mut length = [0u8; 4];
        self.stream.read_exact(&mut length).map_err(broken)?;
        let length = u32::from_be_bytes(length) as usize;
        if length == 0 || length > MAX_REPLY {
            return Err("ssh-agent sent a malformed reply".into());
        }
        let mut reply = vec![0u8; length];
        self.stream.read_exact(&mut reply).map_err(broken)?;
        Ok(reply)
    }

    #[cfg(not(unix))]
    fn call(&mut self, _kind: u8, _payload: &[u8]) -> Result<Vec<u8>, String> {
        Err("ssh-agent is not supported on this platform".into())
    }

    /// Returns the agent's keys that onboard can use (others are left out).
    pub fn keys(&mut self) -> Result<Vec<PublicKey>, String> {
        let reply = self.call(REQUEST_IDENTITIES, &[])?;
        let malformed = || "ssh-agent sent a malformed key list".to_string();
        let mut r = Reader::new(&reply);
        if r.byte() != Some(IDENTITIES_ANSWER) {
            return Err("ssh-agent refused to list its keys".into());
        }
        let count = r.u32().ok_or_else(malformed)?;
        let mut keys = Vec::new();
        for _ in 0..count {
            let blob = r.string().ok_or_else(malformed)?;
            let _comment = r.string().ok_or_else(malformed)?;
            if let Ok(key) = PublicKey::from_blob(blob) {
                keys.push(key);
            }
        }
        Ok(keys)
    }

    /// Asks the agent to sign `data` with `key`; returns the SSH signature blob.
    pub fn sign(&mut self, key: &PublicKey, data: &[u8]) -> Result<Vec<u8>, String> {
        let mut payload = Vec::new();
        put_string(&mut payload, &key.blob);
        put_string(&mut payload, data);
        let flags = if key.algorithm == "ssh-rsa" {
            RSA_SHA2_512
        } else {
            0
        };
        put_u32(&mut payload, flags);
        let reply = self.call(SIGN_REQUEST, &payload)?;
        let mut r = Reader::new(&reply);
        match r.byte() {
            Some(SIGN_RESPONSE) => r
                .string()
                .map(<[u8]>::to_vec)
                .ok_or_else(|| "ssh-agent sent a malformed signature".into()),
            Some(FAILURE) => Err(format!(
                "ssh-agent refused to sign with {} (a confirmation declined, or a locked agent)",
                key.describe()
            )),
            _ => Err("ssh-agent sent an unexpected reply".into()),
        }
    }
}
