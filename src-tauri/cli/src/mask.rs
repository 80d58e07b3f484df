//! Masking secrets in `exec`'s child output, as 1Password's `op run` does, but across both of
//! the child's streams at once and against pieces of a secret (docs/cli.md, exec: masking):
//!
//! - one masker for stdout and stderr, fed in the order the bytes arrive, as a terminal shows
//!   them: half a token on each stream is still a token on the screen;
//! - any run of `FRAGMENT` or more bytes that is a piece of a secret is masked, not only the
//!   whole secret: `curl --trace-ascii` and hex dumps print a token in rows, with offsets
//!   between the pieces;
//! - bytes, not lines: output may not be UTF-8, and a prompt without a newline must appear. Only
//!   the shortest tail that could still grow into a masked piece is held back, and the caller
//!   releases it (`flush`) when nothing follows for a moment.
//!
//! Hand-written rather than aho-corasick's stream replacer: that one finds whole needles only,
//! on one blocking stream, and holds back a whole needle's length on every read.

use std::collections::HashSet;

pub const MASK: &[u8] = b"<redacted>";
/// The shortest piece of a secret that is masked on its own (shorter secrets: their length).
pub const FRAGMENT: usize = 12;
/// Secrets shorter than this are not masked: they would mask ordinary words.
const MIN_SECRET: usize = 8;

/// Which of the child's streams bytes came from (and go to).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Out,
    Err,
}

/// What a held-back byte has been judged so far.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Held {
    Plain,
    /// Inside a masked run whose `<redacted>` is already written.
    MaskWritten,
}

pub struct Masker {
    window: usize,
    /// Every `window`-byte piece of every secret.
    pieces: HashSet<Vec<u8>>,
    /// Every piece shorter than `window`: what a tail must be to be held back.
    partials: HashSet<Vec<u8>>,
    carry: Vec<(u8, Stream, Held)>,
}

impl Masker {
    pub fn new(secrets: &[&str]) -> Self {
        let secrets: Vec<&[u8]> = secrets.iter().map(|s| s.as_bytes()).filter(|s| s.len() >= MIN_SECRET).collect();
        let window = secrets.iter().map(|s| s.len()).min().unwrap_or(FRAGMENT).min(FRAGMENT);
        let mut pieces = HashSet::new();
        let mut partials = HashSet::new();
        for secret in &secrets {
            for start in 0..secret.len() {
                for len in 1..window.min(secret.len() - start) + 1 {
                    let piece = secret[start..start + len].to_vec();
                    if len == window {
                        pieces.insert(piece);
                    } else {
                        partials.insert(piece);
                    }
                }
            }
        }
        Self { window, pieces, partials, carry: Vec::new() }
    }

    /// Takes a chunk of one stream; returns what may be written now, in order, each part to
    /// its stream.
    pub fn push(&mut self, stream: Stream, chunk: &[u8]) -> Vec<(Stream, Vec<u8>)> {
        let mut buf = std::mem::take(&mut self.carry);
        buf.extend(chunk.iter().map(|&b| (b, stream, Held::Plain)));
        if self.pieces.is_empty() {
            return emit(&buf, &vec![false; buf.len()]);
        }
        let bytes: Vec<u8> = buf.iter().map(|&(b, _, _)| b).collect();
        // Every byte inside a window that is a piece of a secret is masked.
        let mut masked = vec![false; bytes.len()];
        let mut covered = 0;
        for start in 0..bytes.len().saturating_sub(self.window - 1) {
            if self.pieces.contains(&bytes[start..start + self.window]) {
                for m in &mut masked[start.max(covered)..start + self.window] {
                    *m = true;
                }
                covered = start + self.window;
            }
        }
        // Hold back the longest tail that could still grow into a piece.
        let hold = (1..self.window.min(bytes.len() + 1)).rev().find(|&len| self.partials.contains(&bytes[bytes.len() - len..])).unwrap_or(0);
        let cut = bytes.len() - hold;
        let out = emit(&buf[..cut], &masked[..cut]);
        // A held byte inside a run whose mask is written now is not shown again.
        let run_written = cut > 0 && masked[cut - 1];
        let mut run_continues = run_written;
        self.carry = buf[cut..]
            .iter()
            .zip(&masked[cut..])
            .map(|(&(b, s, held), &m)| {
                run_continues = run_continues && m;
                (b, s, if held == Held::MaskWritten || run_continues { Held::MaskWritten } else { Held::Plain })
            })
            .collect();
        out
    }

    /// Whether a tail is held back (the caller flushes it when nothing follows for a moment).
    pub fn holding(&self) -> bool {
        !self.carry.is_empty()
    }

    /// Releases what is held back: at the end of the output, or after a pause (a prompt).
    /// Bytes of a masked run stay hidden.
    pub fn flush(&mut self) -> Vec<(Stream, Vec<u8>)> {
        let carry = std::mem::take(&mut self.carry);
        emit(&carry, &vec![false; carry.len()])
    }
}

/// The bytes as writes, one per run of one stream; a masked run as one `<redacted>` on the
/// stream it began on; bytes whose mask is already written, nothing.
fn emit(buf: &[(u8, Stream, Held)], masked: &[bool]) -> Vec<(Stream, Vec<u8>)> {
    let mut out: Vec<(Stream, Vec<u8>)> = Vec::new();
    let mut push = |stream: Stream, bytes: &[u8]| match out.last_mut() {
        Some((s, last)) if *s == stream => last.extend_from_slice(bytes),
        _ => out.push((stream, bytes.to_vec())),
    };
    let mut in_mask = false;
    for (i, &(b, stream, held)) in buf.iter().enumerate() {
        if held == Held::MaskWritten {
            in_mask = true;
            continue;
        }
        if masked[i] {
            if !in_mask {
                push(stream, MASK);
            }
            in_mask = true;
            continue;
        }
        in_mask = false;
        push(stream, &[b]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bytes as a terminal shows them (both streams), one stream's chunks at a time.
    fn through(secrets: &[&str], chunks: &[&[u8]]) -> Vec<u8> {
        let mut m = Masker::new(secrets);
        let mut out = Vec::new();
        for c in chunks {
            out.extend(m.push(Stream::Out, c).into_iter().flat_map(|(_, b)| b));
        }
        out.extend(m.flush().into_iter().flat_map(|(_, b)| b));
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
        // A near-miss shorter than a piece is released at the end.
        assert_eq!(through(&[token], &[b"eyJhbGci", b"O"]), b"eyJhbGciO");
    }

    #[test]
    fn releases_at_once_what_cannot_grow_into_a_secret() {
        let mut m = Masker::new(&["secret-token-value"]);
        let text = |parts: Vec<(Stream, Vec<u8>)>| parts.into_iter().flat_map(|(_, b)| b).collect::<Vec<u8>>();
        assert_eq!(text(m.push(Stream::Out, b"Continue? [y/N] ")), b"Continue? [y/N] ");
        assert_eq!(text(m.push(Stream::Out, b"value secret-")), b"value ");
        assert_eq!(text(m.push(Stream::Out, b"token-value!")), b"<redacted>!");
        // A prompt that ends like a piece of the secret is held, then released by a flush.
        assert_eq!(text(m.push(Stream::Out, b"Enter the value")), b"Enter the ");
        assert!(m.holding());
        assert_eq!(text(m.flush()), b"value");
    }

    /// Half a token on stdout and half on stderr is a whole token on the screen.
    #[test]
    fn a_secret_across_both_streams_is_masked_once() {
        let token = "eyJhbGciOiJIUzUxMiJ9.payload.sig";
        let (a, b) = token.split_at(15);
        let mut m = Masker::new(&[token]);
        let mut out = m.push(Stream::Out, format!("out {a}").as_bytes());
        out.extend(m.push(Stream::Err, format!("{b} err\n").as_bytes()));
        out.extend(m.flush());
        let screen: Vec<u8> = out.iter().flat_map(|(_, b)| b.clone()).collect();
        assert_eq!(String::from_utf8_lossy(&screen), "out <redacted> err\n");
        // Each stream gets its own bytes: the mask where the secret began, the rest where it was.
        assert_eq!(out.first().unwrap().0, Stream::Out);
        assert_eq!(out.last().unwrap(), &(Stream::Err, b" err\n".to_vec()));
    }

    /// `curl --trace-ascii` prints a token in rows with offsets between them: every piece of
    /// FRAGMENT bytes or more is masked; at most FRAGMENT - 1 bytes of one row's end may show.
    #[test]
    fn pieces_of_a_secret_in_a_trace_are_masked() {
        let token = "eyJhbGciOiJIUzUxMiJ9.eyJzdWIiOiJ1c2VyIiwiaWF0IjoxNzAwMDAwMDAwfQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ";
        let header = format!("Authorization: Bearer {token}");
        let mut trace = String::new();
        for (row, chunk) in header.as_bytes().chunks(40).enumerate() {
            trace.push_str(&format!("{:04x}: {}\n", row * 40, String::from_utf8_lossy(chunk)));
        }
        let shown = String::from_utf8(through(&[token], &[trace.as_bytes()])).unwrap();
        for piece in token.as_bytes().windows(FRAGMENT) {
            assert!(!shown.contains(std::str::from_utf8(piece).unwrap()), "{shown}");
        }
        assert!(shown.contains("0000: Authorization: Bearer <redacted>"), "{shown}");
    }

    #[test]
    fn short_secrets_are_not_masked() {
        assert_eq!(through(&["abc"], &[b"abc abc"]), b"abc abc");
    }
}
