//! Masking secrets in a byte stream (`exec`'s child output), as 1Password's `op run` does: every
//! occurrence of a secret becomes `<redacted>`, also when a read splits it in two. Bytes, not
//! lines: output may not be UTF-8, and a prompt without a newline must appear at once. Only the
//! shortest tail that could still begin a secret is held back until the next read.
//!
//! Hand-written rather than aho-corasick's stream replacer because that one works on blocking
//! `io::Read`/`Write` and holds back a full secret's length on every read; this one is fed
//! from async reads and releases everything that cannot be the start of a secret.

use memchr::memmem::Finder;

pub const MASK: &[u8] = b"<redacted>";

pub struct Masker {
    secrets: Vec<Finder<'static>>,
    carry: Vec<u8>,
}

impl Masker {
    /// Secrets shorter than 8 bytes are not masked: they would mask ordinary words.
    pub fn new(secrets: &[&str]) -> Self {
        let mut secrets: Vec<Finder<'static>> = secrets.iter().filter(|s| s.len() >= 8).map(|s| Finder::new(s.as_bytes()).into_owned()).collect();
        secrets.sort_by_key(|f| std::cmp::Reverse(f.needle().len()));
        Self { secrets, carry: Vec::new() }
    }

    /// Takes a chunk; returns what may be written now.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<u8> {
        self.carry.extend_from_slice(chunk);
        let buf = std::mem::take(&mut self.carry);
        let mut out = Vec::with_capacity(buf.len());
        let mut at = 0;
        // Replace every whole occurrence, earliest first (longest secret at a tie).
        while let Some((start, len)) = self.next_match(&buf[at..]) {
            out.extend_from_slice(&buf[at..at + start]);
            out.extend_from_slice(MASK);
            at += start + len;
        }
        // Hold back the shortest tail that is a proper prefix of some secret.
        let rest = &buf[at..];
        let hold = self.partial_tail(rest);
        out.extend_from_slice(&rest[..rest.len() - hold]);
        self.carry = rest[rest.len() - hold..].to_vec();
        out
    }

    /// At the end of the stream: what is held back cannot become a secret any more.
    pub fn finish(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.carry)
    }

    fn next_match(&self, hay: &[u8]) -> Option<(usize, usize)> {
        self.secrets.iter().filter_map(|f| f.find(hay).map(|start| (start, f.needle().len()))).min_by_key(|&(start, len)| (start, std::cmp::Reverse(len)))
    }

    /// The length of the longest tail of `rest` that begins some secret (0: none).
    fn partial_tail(&self, rest: &[u8]) -> usize {
        let longest = self.secrets.iter().map(|f| f.needle().len()).max().unwrap_or(0);
        let from = rest.len().saturating_sub(longest.saturating_sub(1));
        for start in from..rest.len() {
            let tail = &rest[start..];
            if self.secrets.iter().any(|f| f.needle().len() > tail.len() && f.needle().starts_with(tail)) {
                return rest.len() - start;
            }
        }
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn through(secrets: &[&str], chunks: &[&[u8]]) -> Vec<u8> {
        let mut m = Masker::new(secrets);
        let mut out = Vec::new();
        for c in chunks {
            out.extend(m.push(c));
        }
        out.extend(m.finish());
        out
    }

    #[test]
    fn masks_whole_and_split_secrets_and_nothing_else() {
        let token = "eyJhbGciOiJIUzUxMiJ9.payload.sig";
        assert_eq!(through(&[token], &[format!("token={token}\n").as_bytes()]), b"token=<redacted>\n");
        // Split at every position, across three reads.
        let line = format!("a {token} b {token}\n");
        for i in 0..line.len() {
            for j in i..line.len() {
                let b = line.as_bytes();
                assert_eq!(through(&[token], &[&b[..i], &b[i..j], &b[j..]]), b"a <redacted> b <redacted>\n", "{i} {j}");
            }
        }
        // Non-UTF-8 output passes untouched.
        assert_eq!(through(&[token], &[&[0xff, 0xfe, b'e', b'y', 0x00]]), vec![0xff, 0xfe, b'e', b'y', 0x00]);
        // A near-miss is released at the end.
        assert_eq!(through(&[token], &[b"eyJhbGci", b"O"]), b"eyJhbGciO");
    }

    #[test]
    fn releases_at_once_what_cannot_begin_a_secret() {
        let mut m = Masker::new(&["secret-token-value"]);
        assert_eq!(m.push(b"Continue? [y/N] "), b"Continue? [y/N] ");
        assert_eq!(m.push(b"value secret-"), b"value ");
        assert_eq!(m.push(b"token-value!"), b"<redacted>!");
    }

    #[test]
    fn short_secrets_are_not_masked() {
        assert_eq!(through(&["abc"], &[b"abc abc"]), b"abc abc");
    }
}
