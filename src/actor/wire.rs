//! The SSH wire encoding (RFC 4251 §5): `uint32`, `string` and `mpint`, as keys,
//! signatures and agent messages use it.

/// Reads wire-encoded values from a byte slice; every read fails (`None`) past the end.
pub struct Reader<'a> {
    data: &'a [u8],
}

impl<'a> Reader<'a> {
    /// Starts reading `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Reader { data }
    }

    /// Reads `n` raw bytes.
    pub fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.data.len() < n {
            return None;
        }
        let (head, tail) = self.data.split_at(n);
        self.data = tail;
        Some(head)
    }

    /// Reads a big-endian `uint32`.
    pub fn u32(&mut self) -> Option<u32> {
        self.bytes(4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// Reads a `string` (a length, then that many bytes).
    pub fn string(&mut self) -> Option<&'a [u8]> {
        let n = self.u32()? as usize;
        self.bytes(n)
    }

    /// Reads a `string` holding UTF-8 text.
    pub fn text(&mut self) -> Option<&'a str> {
        std::str::from_utf8(self.string()?).ok()
    }

    /// Reads a byte.
    pub fn byte(&mut self) -> Option<u8> {
        self.bytes(1).map(|b| b[0])
    }

    /// Returns whether everything was read.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Returns what is left unread.
    pub fn rest(&self) -> &'a [u8] {
        self.data
    }
}

/// Appends a `uint32`.
pub fn put_u32(out: &mut Vec<u8>, value: u32) {
    out.extend_from_slice(&value.to_be_bytes());
}

/// Appends a `string`.
pub fn put_string(out: &mut Vec<u8>, value: &[u8]) {
    put_u32(out, u32::try_from(value.len()).unwrap_or(u32::MAX));
    out.extend_from_slice(value);
}

/// Appends a non-negative `mpint` given as big-endian magnitude bytes.
pub fn put_mpint(out: &mut Vec<u8>, magnitude: &[u8]) {
    let trimmed = unsigned(magnitude);
    if trimmed.first().is_some_and(|b| b & 0x80 != 0) {
        let mut padded = Vec::with_capacity(trimmed.len() + 1);
        padded.push(0);
        padded.extend_from_slice(trimmed);
        put_string(out, &padded);
    } else {
        put_string(out, trimmed);
    }
}

/// Returns an `mpint`'s magnitude without leading zero bytes.
pub fn unsigned(mpint: &[u8]) -> &[u8] {
    let zeros = mpint.iter().take_while(|b| **b == 0).count();
    &mpint[zeros..]
}

/// Returns `magnitude` left-padded with zeros to `width` bytes, or `None` when it is
/// wider.
pub fn fixed(magnitude: &[u8], width: usize) -> Option<Vec<u8>> {
    let trimmed = unsigned(magnitude);
    if trimmed.len() > width {
        return None;
    }
    let mut out = vec![0u8; width - trimmed.len()];
    out.extend_from_slice(trimmed);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_and_mpints_round_trip() {
        let mut out = Vec::new();
        put_string(&mut out, b"abc");
        put_mpint(&mut out, &[0, 0x80, 1]);
        let mut r = Reader::new(&out);
        assert_eq!(r.string(), Some(&b"abc"[..]));
        assert_eq!(r.string(), Some(&[0, 0x80, 1][..]));
        assert!(r.is_empty());
        assert_eq!(r.u32(), None);
        assert_eq!(fixed(&[0, 0x80, 1], 4), Some(vec![0, 0, 0x80, 1]));
        assert_eq!(fixed(&[1, 2, 3], 2), None);
    }
}
