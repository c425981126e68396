//! Reading an input's bytes and decoding them: bounded in size, never blocking when a FIFO or a
//! device is opened, and decoded from the encodings Azure accepts (UTF-8, and UTF-16 or UTF-32
//! with a byte order mark, as .NET's reader detects them).

use std::io::Read;
use std::path::Path;

use crate::limits::FILE_BYTES;

/// Why an input's bytes could not be had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadFailure {
    /// More than [`FILE_BYTES`]; the bytes read so far, to tell a template from other data, and
    /// whether it is a regular file (an endless device or stream is always worth a finding).
    TooLarge { head: Vec<u8>, regular: bool },
    /// Opening or reading failed.
    Io(String),
}

impl ReadFailure {
    /// The message of a finding at the file.
    pub fn message(&self) -> String {
        match self {
            ReadFailure::TooLarge { .. } => format!(
                "the file is larger than {} MiB, the most armlint reads of one file",
                FILE_BYTES >> 20
            ),
            ReadFailure::Io(e) => e.clone(),
        }
    }
}

/// What kind of file system entry a path is, without following it into a read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    Regular,
    /// A FIFO, socket or device: reading it may block or never end.
    Special(&'static str),
}

/// The kind of `file_type`, named for a note.
pub fn entry_kind(file_type: &std::fs::FileType) -> EntryKind {
    if file_type.is_file() {
        return EntryKind::Regular;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return EntryKind::Special("a named pipe (FIFO)");
        }
        if file_type.is_socket() {
            return EntryKind::Special("a socket");
        }
        if file_type.is_char_device() || file_type.is_block_device() {
            return EntryKind::Special("a device");
        }
    }
    if file_type.is_dir() {
        return EntryKind::Special("a directory");
    }
    EntryKind::Special("not a regular file")
}

/// Read at most [`FILE_BYTES`] of `path`, and what kind of entry it is. A FIFO or device is opened
/// without waiting for a writer (a FIFO nobody writes to reads as empty), and then read like a
/// file, bounded all the same.
pub fn read_file(path: &Path) -> Result<(Vec<u8>, EntryKind), ReadFailure> {
    let file = open_without_blocking(path).map_err(|e| ReadFailure::Io(e.to_string()))?;
    let meta = file
        .metadata()
        .map_err(|e| ReadFailure::Io(e.to_string()))?;
    let kind = entry_kind(&meta.file_type());
    if kind == EntryKind::Special("a directory") {
        return Err(ReadFailure::Io("is a directory".into()));
    }
    let mut capacity = usize::try_from(meta.len()).unwrap_or(FILE_BYTES);
    capacity = capacity.min(FILE_BYTES).saturating_add(1);
    match read_bounded(file, capacity) {
        Err(ReadFailure::TooLarge { head, .. }) => Err(ReadFailure::TooLarge {
            head,
            regular: kind == EntryKind::Regular,
        }),
        other => other.map(|bytes| (bytes, kind)),
    }
}

/// Read at most [`FILE_BYTES`] from `reader` (stdin).
pub fn read_stream(reader: &mut dyn Read) -> Result<Vec<u8>, ReadFailure> {
    read_bounded(reader, 8192)
}

fn read_bounded(reader: impl Read, capacity: usize) -> Result<Vec<u8>, ReadFailure> {
    let mut bytes = Vec::with_capacity(capacity);
    // One byte past the limit tells a file of exactly the limit from a larger one.
    let limit = u64::try_from(FILE_BYTES)
        .unwrap_or(u64::MAX)
        .saturating_add(1);
    reader
        .take(limit)
        .read_to_end(&mut bytes)
        .map_err(|e| ReadFailure::Io(e.to_string()))?;
    if bytes.len() > FILE_BYTES {
        bytes.truncate(FILE_BYTES);
        return Err(ReadFailure::TooLarge {
            head: bytes,
            regular: false,
        });
    }
    Ok(bytes)
}

#[cfg(target_os = "linux")]
fn open_without_blocking(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    use std::os::unix::io::AsRawFd;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    // Open without waiting, read with waiting: a writer that is there is waited for, as a shell's
    // process substitution (`armlint lint <(…)`) needs.
    // SAFETY: fcntl on a descriptor this function owns, with integer arguments only.
    unsafe {
        let fd = file.as_raw_fd();
        let flags = libc::fcntl(fd, libc::F_GETFL);
        if flags >= 0 {
            libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK);
        }
    }
    Ok(file)
}

#[cfg(not(target_os = "linux"))]
fn open_without_blocking(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::open(path)
}

/// A text encoding of an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16Le,
    Utf16Be,
    Utf32Le,
    Utf32Be,
}

impl Encoding {
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf16Le => "UTF-16LE",
            Encoding::Utf16Be => "UTF-16BE",
            Encoding::Utf32Le => "UTF-32LE",
            Encoding::Utf32Be => "UTF-32BE",
        }
    }

    fn unit(self) -> usize {
        match self {
            Encoding::Utf8 => 1,
            Encoding::Utf16Le | Encoding::Utf16Be => 2,
            Encoding::Utf32Le | Encoding::Utf32Be => 4,
        }
    }
}

/// Text decoded from an input's bytes.
#[derive(Debug, PartialEq, Eq)]
pub struct Decoded {
    /// Without a byte order mark.
    pub text: String,
    pub encoding: Encoding,
    /// Whether a byte order mark named the encoding; without one only UTF-8 is what Azure reads.
    pub bom: bool,
}

/// Bytes that are not text in the encoding they appear to be in.
#[derive(Debug, PartialEq, Eq)]
pub struct DecodeError {
    pub encoding: Encoding,
    /// The text before the first bad byte, so the finding can say where it is.
    pub valid: String,
    /// Byte offset of the first bad byte in the file.
    pub byte: usize,
    /// The whole file decoded with replacement characters, to tell a template from other data.
    pub lossy: String,
}

/// The encoding of `bytes`: a byte order mark, else the pattern of zero bytes in the first four
/// (JSON starts with an ASCII character, RFC 4627 §3); the length of the mark.
pub fn detect(bytes: &[u8]) -> (Encoding, usize) {
    match bytes {
        [0xef, 0xbb, 0xbf, ..] => (Encoding::Utf8, 3),
        [0xff, 0xfe, 0, 0, ..] => (Encoding::Utf32Le, 4),
        [0, 0, 0xfe, 0xff, ..] => (Encoding::Utf32Be, 4),
        [0xff, 0xfe, ..] => (Encoding::Utf16Le, 2),
        [0xfe, 0xff, ..] => (Encoding::Utf16Be, 2),
        [0, 0, 0, a, ..] if *a != 0 => (Encoding::Utf32Be, 0),
        [a, 0, 0, 0, ..] if *a != 0 => (Encoding::Utf32Le, 0),
        [0, a, 0, b, ..] if *a != 0 && *b != 0 => (Encoding::Utf16Be, 0),
        [a, 0, b, 0, ..] if *a != 0 && *b != 0 => (Encoding::Utf16Le, 0),
        [0, a] if *a != 0 => (Encoding::Utf16Be, 0),
        [a, 0] if *a != 0 => (Encoding::Utf16Le, 0),
        _ => (Encoding::Utf8, 0),
    }
}

/// Decode `bytes` in the encoding [`detect`] finds. A UTF-8 byte order mark is kept (the source
/// file drops it); the others are dropped.
pub fn decode(bytes: Vec<u8>) -> Result<Decoded, DecodeError> {
    let (encoding, bom_len) = detect(&bytes);
    if encoding == Encoding::Utf8 {
        return match String::from_utf8(bytes) {
            Ok(text) => Ok(Decoded {
                text,
                encoding,
                bom: bom_len > 0,
            }),
            Err(e) => {
                let byte = e.utf8_error().valid_up_to();
                let bytes = e.into_bytes();
                let valid = bytes
                    .get(..byte)
                    .and_then(|b| std::str::from_utf8(b).ok())
                    .unwrap_or_default()
                    .to_string();
                Err(DecodeError {
                    encoding,
                    valid,
                    byte,
                    lossy: String::from_utf8_lossy(&bytes).into_owned(),
                })
            }
        };
    }
    let body = bytes.get(bom_len..).unwrap_or_default();
    let unit = encoding.unit();
    let mut text = String::with_capacity(body.len() / unit);
    let mut first_bad: Option<(usize, usize)> = None;
    let mut note_bad = |text: &String, at: usize| {
        if first_bad.is_none() {
            first_bad = Some((text.len(), bom_len.saturating_add(at)));
        }
    };
    match encoding {
        Encoding::Utf16Le | Encoding::Utf16Be => {
            let units = body.chunks_exact(2).map(|c| {
                let pair = [
                    c.first().copied().unwrap_or(0),
                    c.get(1).copied().unwrap_or(0),
                ];
                if encoding == Encoding::Utf16Le {
                    u16::from_le_bytes(pair)
                } else {
                    u16::from_be_bytes(pair)
                }
            });
            let mut at = 0usize;
            for r in char::decode_utf16(units) {
                match r {
                    Ok(c) => {
                        at = at.saturating_add(c.len_utf16() * 2);
                        text.push(c);
                    }
                    Err(_) => {
                        note_bad(&text, at);
                        at = at.saturating_add(2);
                        text.push(char::REPLACEMENT_CHARACTER);
                    }
                }
            }
        }
        _ => {
            for (i, c) in body.chunks_exact(4).enumerate() {
                let quad = [
                    c.first().copied().unwrap_or(0),
                    c.get(1).copied().unwrap_or(0),
                    c.get(2).copied().unwrap_or(0),
                    c.get(3).copied().unwrap_or(0),
                ];
                let n = if encoding == Encoding::Utf32Le {
                    u32::from_le_bytes(quad)
                } else {
                    u32::from_be_bytes(quad)
                };
                match char::from_u32(n) {
                    Some(c) => text.push(c),
                    None => {
                        note_bad(&text, i.saturating_mul(4));
                        text.push(char::REPLACEMENT_CHARACTER);
                    }
                }
            }
        }
    }
    // A trailing partial code unit.
    if body.len() % unit != 0 {
        note_bad(&text, body.len() - body.len() % unit);
    }
    match first_bad {
        None => Ok(Decoded {
            text,
            encoding,
            bom: bom_len > 0,
        }),
        Some((valid_len, byte)) => {
            let valid = text.get(..valid_len).unwrap_or_default().to_string();
            Err(DecodeError {
                encoding,
                valid,
                byte,
                lossy: text,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(text: &str, be: bool, bom: bool) -> Vec<u8> {
        let mut out = Vec::new();
        let units = bom.then_some(0xfeff).into_iter().chain(text.encode_utf16());
        for u in units {
            out.extend(if be { u.to_be_bytes() } else { u.to_le_bytes() });
        }
        out
    }

    fn utf32(text: &str, be: bool, bom: bool) -> Vec<u8> {
        let mut out = Vec::new();
        let chars = bom.then_some('\u{feff}').into_iter().chain(text.chars());
        for c in chars {
            let n = c as u32;
            out.extend(if be { n.to_be_bytes() } else { n.to_le_bytes() });
        }
        out
    }

    #[test]
    fn every_encoding_is_detected_and_decoded() {
        let text = "{\"é\": \"𝄞\"}";
        for (bytes, encoding, bom) in [
            (utf16(text, false, true), Encoding::Utf16Le, true),
            (utf16(text, true, true), Encoding::Utf16Be, true),
            (utf16(text, false, false), Encoding::Utf16Le, false),
            (utf16(text, true, false), Encoding::Utf16Be, false),
            (utf32(text, false, true), Encoding::Utf32Le, true),
            (utf32(text, true, true), Encoding::Utf32Be, true),
            (utf32(text, false, false), Encoding::Utf32Le, false),
            (utf32(text, true, false), Encoding::Utf32Be, false),
            (text.as_bytes().to_vec(), Encoding::Utf8, false),
        ] {
            let d = decode(bytes).expect("decodes");
            assert_eq!((d.text.as_str(), d.encoding, d.bom), (text, encoding, bom));
        }
    }

    #[test]
    fn the_first_bad_byte_is_located() {
        let e = decode(b"{\n\"a\": \"\xff\"}".to_vec()).unwrap_err();
        assert_eq!((e.byte, e.valid.as_str()), (8, "{\n\"a\": \""));
        let mut odd = utf16("{}", false, true);
        odd.push(b'x');
        let e = decode(odd).unwrap_err();
        assert_eq!(
            (e.encoding, e.byte, e.valid.as_str()),
            (Encoding::Utf16Le, 6, "{}")
        );
        // A lone surrogate.
        let mut bytes = utf16("{", false, true);
        bytes.extend([0x00, 0xd8, b'}', 0]);
        let e = decode(bytes).unwrap_err();
        assert_eq!((e.byte, e.valid.as_str()), (4, "{"));
    }

    #[test]
    fn reading_stops_at_the_limit() {
        let mut endless = std::io::repeat(b' ');
        match read_stream(&mut endless) {
            Err(ReadFailure::TooLarge { head, .. }) => assert_eq!(head.len(), FILE_BYTES),
            other => panic!("{:?}", other.map(|b| b.len())),
        }
    }
}
