//! The LSP base protocol over a byte stream (stdio), bounded and forgiving: frames are
//! `Content-Length: N\r\n\r\n` + N bytes of JSON-RPC. lsp-server's own stdio transport allocates
//! whatever length a header claims and stops at the first bad frame, so a hostile or buggy client
//! could crash the server or silence it; this one refuses a frame over
//! [`LSP_FRAME_BYTES`](crate::limits::LSP_FRAME_BYTES) without allocating it, answers a bad frame
//! with a JSON-RPC error (`-32700` parse error, `-32600` invalid request) and reads on.
//!
//! After a frame whose end is unknown (no usable length, an endless header, an oversized body),
//! the reader finds the next frame by scanning for `Content-Length:`. Valid JSON can hold those
//! bytes only inside a string, where no raw line break may follow them, so a false match is a bad
//! header, answered and scanned past, never a message made up from another one's text.

use std::io::{self, BufRead, Read, Write};
use std::sync::{Arc, Mutex};
use std::thread;

use lsp_server::{Connection, ErrorCode, Message};
use serde_json::{Value as Json, json};

use crate::limits::{LSP_FRAME_BYTES, LSP_HEADER_BYTES};

/// The threads that move messages between the stream and a [`Connection`].
pub struct IoThreads {
    reader: thread::JoinHandle<()>,
    writer: thread::JoinHandle<()>,
}

impl IoThreads {
    /// Wait until every message the server sent is written (the writer ends when the server's
    /// [`Connection`] is dropped) and the reader has stopped (at `exit` or the end of input).
    pub fn join(self) {
        let _ = self.writer.join();
        let _ = self.reader.join();
    }
}

/// A [`Connection`] over this process's stdin and stdout.
pub fn stdio() -> (Connection, IoThreads) {
    spawn(io::BufReader::new(io::stdin()), io::stdout())
}

/// A [`Connection`] over any byte streams (the tests use pipes and buffers).
pub fn spawn<R, W>(input: R, output: W) -> (Connection, IoThreads)
where
    R: BufRead + Send + 'static,
    W: Write + Send + 'static,
{
    // Rendezvous channels: a client that floods the server waits for it instead of growing
    // the queue (the server's loop never blocks on a lint, so it keeps reading).
    let (to_server, from_client) = crossbeam_channel::bounded::<Message>(0);
    let (to_client, from_server) = crossbeam_channel::bounded::<Message>(0);
    let output = Arc::new(Mutex::new(output));
    let reader_output = Arc::clone(&output);
    let reader = thread::spawn(move || {
        let mut frames = FrameReader::new(input);
        loop {
            let message = match frames.next_frame() {
                Frame::End => return,
                Frame::Bad(why) => {
                    reply_error(&reader_output, &Json::Null, ErrorCode::ParseError, &why);
                    continue;
                }
                Frame::Body(body) => match decode(&body) {
                    Ok(m) => m,
                    Err((id, code, why)) => {
                        reply_error(&reader_output, &id, code, &why);
                        continue;
                    }
                },
            };
            let is_exit = matches!(&message, Message::Notification(n) if n.method == "exit");
            if to_server.send(message).is_err() || is_exit {
                // The server stopped, or will: nothing more to read for it.
                return;
            }
        }
    });
    let writer = thread::spawn(move || {
        for message in from_server {
            let Ok(mut out) = output.lock() else { return };
            // A client that went away: nothing more can be said to it.
            if message.write(&mut *out).is_err() {
                return;
            }
        }
    });
    let connection = Connection {
        sender: to_client,
        receiver: from_client,
    };
    (connection, IoThreads { reader, writer })
}

/// A JSON-RPC error response written by the transport itself, for a frame that never became a
/// message (so its `id` may be `null`, which lsp-server's `Response` cannot carry).
fn reply_error<W: Write>(output: &Mutex<W>, id: &Json, code: ErrorCode, why: &str) {
    let body = json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": {"code": code as i32, "message": why},
    })
    .to_string();
    if let Ok(mut out) = output.lock() {
        let _ = write!(out, "Content-Length: {}\r\n\r\n{body}", body.len());
        let _ = out.flush();
    }
}

/// A frame's body as a message, or the error to answer it with (`id`, code, why).
fn decode(body: &[u8]) -> Result<Message, (Json, ErrorCode, String)> {
    let value: Json = serde_json::from_slice(body)
        .map_err(|e| (Json::Null, ErrorCode::ParseError, format!("not JSON: {e}")))?;
    let Json::Object(object) = &value else {
        return Err((
            Json::Null,
            ErrorCode::InvalidRequest,
            "a message must be a JSON object (armlint takes no batches)".into(),
        ));
    };
    // JSON-RPC answers an invalid request with its id when it has a usable one.
    let id = match object.get("id") {
        Some(id @ (Json::Number(_) | Json::String(_))) => id.clone(),
        _ => Json::Null,
    };
    let has_id = object.contains_key("id");
    match serde_json::from_value::<Message>(value) {
        // lsp-server reads an id it cannot represent (a fraction, over 32 bits) as a
        // notification: that request would never be answered.
        Ok(Message::Notification(_)) if has_id => Err((
            id,
            ErrorCode::InvalidRequest,
            "the id must be a string or a 32-bit integer".into(),
        )),
        Ok(m) => Ok(m),
        Err(e) => Err((
            id,
            ErrorCode::InvalidRequest,
            format!("not a JSON-RPC message: {e}"),
        )),
    }
}

/// What the reader found next in the stream.
#[derive(Debug, PartialEq)]
enum Frame {
    Body(Vec<u8>),
    /// A frame that cannot be read; why, for the client.
    Bad(String),
    /// The end of input (or a read error: the client is gone).
    End,
}

/// Where the next frame starts.
#[derive(Clone, Copy, Debug)]
enum Sync {
    /// Here.
    Aligned,
    /// At the next `Content-Length:`.
    Scan,
    /// At the next `Content-Length:` within this many bytes, or right after them (the body of an
    /// oversized frame, which an honest client does send).
    ScanWithin(u64),
}

const HEADER_NAME: &[u8] = b"content-length:";

struct FrameReader<R> {
    input: R,
    sync: Sync,
    /// The scan matched the header name: the next header block starts after it.
    name_consumed: bool,
}

impl<R: BufRead> FrameReader<R> {
    fn new(input: R) -> Self {
        FrameReader {
            input,
            sync: Sync::Aligned,
            name_consumed: false,
        }
    }

    fn next_frame(&mut self) -> Frame {
        match self.sync {
            Sync::Aligned => {}
            Sync::Scan => match self.scan(None) {
                Ok(true) => self.name_consumed = true,
                Ok(false) | Err(_) => return Frame::End,
            },
            Sync::ScanWithin(n) => match self.scan(Some(n)) {
                Ok(found) => self.name_consumed = found,
                Err(_) => return Frame::End,
            },
        }
        self.sync = Sync::Aligned;
        match self.frame() {
            Ok(frame) => frame,
            Err(_) => Frame::End,
        }
    }

    /// One frame from an aligned stream; `Ok(End)` at the end of input.
    fn frame(&mut self) -> io::Result<Frame> {
        let mut length: Option<Result<u64, String>> = None;
        let mut budget = LSP_HEADER_BYTES;
        let mut first = true;
        loop {
            let mut line = Vec::new();
            if std::mem::take(&mut self.name_consumed) {
                line.extend_from_slice(b"Content-Length:");
            }
            let read = (&mut self.input)
                .take(budget.saturating_add(1))
                .read_until(b'\n', &mut line)?;
            if read == 0 {
                // The end of input, between frames or inside a header block the client never
                // finished: either way nobody is left to answer.
                return Ok(Frame::End);
            }
            budget = budget.saturating_sub(read as u64);
            if !line.ends_with(b"\n") {
                if budget == 0 {
                    self.sync = Sync::Scan;
                    return Ok(Frame::Bad(format!(
                        "a header block over {LSP_HEADER_BYTES} bytes"
                    )));
                }
                return Ok(Frame::End);
            }
            let text = trim_line_end(&line);
            if text.is_empty() {
                if first {
                    // Blank lines between frames are harmless.
                    continue;
                }
                break;
            }
            first = false;
            let Some(colon) = text.iter().position(|&b| b == b':') else {
                self.sync = Sync::Scan;
                return Ok(Frame::Bad(format!(
                    "a header line without a colon: {}",
                    String::from_utf8_lossy(text)
                )));
            };
            let (name, value) = text.split_at(colon);
            let value = value.get(1..).unwrap_or_default().trim_ascii();
            if name.trim_ascii().eq_ignore_ascii_case(b"content-length") {
                length = Some(parse_length(value));
            }
        }
        let length = match length {
            None => {
                self.sync = Sync::Scan;
                return Ok(Frame::Bad("a frame without Content-Length".into()));
            }
            Some(Err(why)) => {
                self.sync = Sync::Scan;
                return Ok(Frame::Bad(why));
            }
            Some(Ok(n)) => n,
        };
        if length > LSP_FRAME_BYTES {
            self.sync = Sync::ScanWithin(length);
            return Ok(Frame::Bad(format!(
                "a frame of {length} bytes is over armlint's limit of {LSP_FRAME_BYTES}"
            )));
        }
        // Grows with what arrives, so a client that claims more than it sends costs nothing.
        let mut body = Vec::new();
        let got = (&mut self.input).take(length).read_to_end(&mut body)?;
        if (got as u64) < length {
            return Ok(Frame::End);
        }
        Ok(Frame::Body(body))
    }

    /// Skip to just after the next `Content-Length:` (any case); `Ok(false)` when the input ends
    /// first, or when `within` bytes were skipped without one (the stream is then aligned).
    fn scan(&mut self, within: Option<u64>) -> io::Result<bool> {
        let mut matched = 0usize;
        let mut left = within;
        loop {
            if left == Some(0) {
                return Ok(false);
            }
            let buf = match self.input.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if buf.is_empty() {
                return Ok(false);
            }
            let room = left.map_or(buf.len(), |l| {
                buf.len().min(usize::try_from(l).unwrap_or(usize::MAX))
            });
            let mut used = 0;
            let mut found = false;
            for &b in buf.iter().take(room) {
                used += 1;
                let b = b.to_ascii_lowercase();
                if HEADER_NAME.get(matched) == Some(&b) {
                    matched += 1;
                } else {
                    matched = usize::from(HEADER_NAME.first() == Some(&b));
                }
                if matched == HEADER_NAME.len() {
                    found = true;
                    break;
                }
            }
            self.input.consume(used);
            left = left.map(|l| l.saturating_sub(used as u64));
            if found {
                return Ok(true);
            }
        }
    }
}

fn trim_line_end(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// A `Content-Length` value: decimal digits; one too large for `u64` is too large for the limit
/// too, and reported as such.
fn parse_length(value: &[u8]) -> Result<u64, String> {
    if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
        return Err(format!(
            "Content-Length is not a number: {}",
            String::from_utf8_lossy(value)
        ));
    }
    let mut n: u64 = 0;
    for &d in value {
        match n
            .checked_mul(10)
            .and_then(|n| n.checked_add(u64::from(d - b'0')))
        {
            Some(v) => n = v,
            None => return Ok(u64::MAX),
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(input: &[u8]) -> Vec<Frame> {
        let mut reader = FrameReader::new(input);
        let mut out = Vec::new();
        loop {
            match reader.next_frame() {
                Frame::End => return out,
                f => out.push(f),
            }
        }
    }

    fn body(s: &str) -> Frame {
        Frame::Body(s.as_bytes().to_vec())
    }

    #[test]
    fn frames_are_read_by_their_length() {
        let got =
            frames(b"Content-Length: 2\r\n\r\n{}content-length:3\r\nContent-Type: x\r\n\r\n[1]");
        assert_eq!(got, vec![body("{}"), body("[1]")]);
    }

    #[test]
    fn a_bad_header_is_answered_and_the_next_frame_found() {
        let got = frames(b"Content-Length: x\r\n\r\n{}Content-Length: 2\r\n\r\n{}");
        assert!(
            matches!(&got[..], [Frame::Bad(_), Frame::Body(b)] if b == b"{}"),
            "{got:?}"
        );
        let got = frames(b"Bogus\r\n\r\n{}Content-Length: 2\r\n\r\n{}");
        assert!(
            matches!(&got[..], [Frame::Bad(_), Frame::Body(_)]),
            "{got:?}"
        );
        let got = frames(b"X: 1\r\n\r\n{}Content-Length: 2\r\n\r\n{}");
        assert!(
            matches!(&got[..], [Frame::Bad(_), Frame::Body(_)]),
            "{got:?}"
        );
    }

    #[test]
    fn an_oversized_frame_is_refused_and_skipped() {
        // A lie (the bytes never come): the next real header is found.
        let got =
            frames(b"Content-Length: 18446744073709551615\r\n\r\n{}Content-Length: 2\r\n\r\n{}");
        assert!(
            matches!(&got[..], [Frame::Bad(w), Frame::Body(_)] if w.contains("limit")),
            "{got:?}"
        );
        let got = frames(b"Content-Length: 99999999999999999999999\r\n\r\n");
        assert!(matches!(&got[..], [Frame::Bad(_)]), "{got:?}");
        // The truth: the whole body is skipped, even when it quotes a header.
        let big = LSP_FRAME_BYTES + 1;
        let mut input = format!("Content-Length: {big}\r\n\r\n").into_bytes();
        let quoted = b"{\"text\": \"Content-Length: 2\\r\\n\\r\\n{}\", \"pad\": \"";
        input.extend_from_slice(quoted);
        input.resize(
            input.len() + usize::try_from(big).unwrap() - quoted.len() - 2,
            b'a',
        );
        input.extend_from_slice(b"\"}Content-Length: 3\r\n\r\n[7]");
        let got = frames(&input);
        assert_eq!(got.last(), Some(&body("[7]")), "{:?}", got.len());
        assert!(
            got[..got.len() - 1]
                .iter()
                .all(|f| matches!(f, Frame::Bad(_)))
        );
    }

    #[test]
    fn an_endless_header_is_bounded() {
        let mut input = b"Content-Length: 2\r\nX-Pad: ".to_vec();
        input.resize(input.len() + 100_000, b'a');
        input.extend_from_slice(b"\r\n\r\n{}Content-Length: 2\r\n\r\n[]");
        let got = frames(&input);
        assert!(
            matches!(&got[..], [Frame::Bad(_), .., Frame::Body(b)] if b == b"[]"),
            "{got:?}"
        );
    }

    #[test]
    fn bodies_become_messages_or_errors() {
        assert!(matches!(
            decode(b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\"}"),
            Ok(Message::Request(_))
        ));
        assert!(matches!(
            decode(b"{oops"),
            Err((Json::Null, ErrorCode::ParseError, _))
        ));
        assert!(matches!(
            decode(b"[]"),
            Err((Json::Null, ErrorCode::InvalidRequest, _))
        ));
        let Err((id, ErrorCode::InvalidRequest, _)) =
            decode(b"{\"jsonrpc\":\"2.0\",\"id\":4294967296,\"method\":\"m\"}")
        else {
            panic!("an id over 32 bits is refused");
        };
        assert_eq!(id, json!(4294967296u64));
        let deep = "[".repeat(100_000);
        assert!(matches!(
            decode(deep.as_bytes()),
            Err((_, ErrorCode::ParseError, _))
        ));
    }
}
