//! Source files: text without BOM, byte spans, and the line index that turns spans into
//! line/column only when reporting.

pub mod bicep;
pub mod fast_json;
pub mod json;
pub mod miette_source;
pub mod percent;
pub mod read;

use std::path::{Path, PathBuf};

/// A byte range in a source file's text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: start.min(u32::MAX as usize) as u32,
            end: end.min(u32::MAX as usize) as u32,
        }
    }
    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start) as usize
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl From<jsonc_parser::common::Range> for Span {
    fn from(r: jsonc_parser::common::Range) -> Span {
        Span::new(r.start, r.end)
    }
}

/// A loaded file. `text` has the UTF-8 byte order mark removed; editors do not count it as a column.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as given or found (relative paths stay relative), used in every report.
    pub path: PathBuf,
    /// Owned once; the file itself is shared through `Arc<SourceFile>`.
    pub text: String,
    /// Built on first use: most files produce no diagnostic, so most never need it.
    line_index: std::sync::OnceLock<LineIndex>,
}

impl SourceFile {
    pub fn new(path: impl Into<PathBuf>, text: impl Into<String>) -> SourceFile {
        let mut text: String = text.into();
        if text.starts_with('\u{feff}') {
            text.drain(..'\u{feff}'.len_utf8());
        }
        SourceFile {
            path: path.into(),
            text,
            line_index: std::sync::OnceLock::new(),
        }
    }

    /// Read a file (bounded, see [`read::read_file`]) in one of the encodings Azure accepts
    /// (UTF-8, or UTF-16 / UTF-32 with a byte order mark); anything else is an error that says
    /// where the first bad byte is.
    pub fn read(path: &Path) -> std::io::Result<SourceFile> {
        let invalid = |m: String| std::io::Error::new(std::io::ErrorKind::InvalidData, m);
        let (bytes, _) = read::read_file(path).map_err(|e| invalid(e.message()))?;
        match read::decode(bytes) {
            Ok(d) if d.bom || d.encoding == read::Encoding::Utf8 => {
                Ok(SourceFile::new(path, d.text))
            }
            Ok(d) => Err(invalid(without_bom_message(d.encoding))),
            Err(e) => {
                let at = SourceFile::new(path, e.valid);
                let (line, col) = at.line_col(at.text.len() as u32);
                Err(invalid(format!(
                    "not valid {} at {line}:{col} (byte {})",
                    e.encoding.name(),
                    e.byte
                )))
            }
        }
    }

    pub fn line_index(&self) -> &LineIndex {
        self.line_index.get_or_init(|| LineIndex::new(&self.text))
    }

    /// The path with forward slashes, as reports print it.
    pub fn display_path(&self) -> String {
        display_path(&self.path)
    }

    /// 1-based line and column (columns count Unicode scalar values).
    pub fn line_col(&self, offset: u32) -> (usize, usize) {
        self.line_index().line_col(&self.text, offset)
    }
}

/// Why a file in UTF-16 or UTF-32 without a byte order mark is not read: Azure's readers take
/// such a file for UTF-8 and reject it.
pub fn without_bom_message(encoding: read::Encoding) -> String {
    format!(
        "the file is encoded as {} without a byte order mark, which Azure reads as UTF-8 and rejects; save it as UTF-8 (or with a byte order mark)",
        encoding.name()
    )
}

/// A file's path as reports print it (forward slashes, no leading `./`), as raw bytes: a name
/// that is not UTF-8 keeps its bytes.
pub fn display_path_bytes(path: &std::path::Path) -> Vec<u8> {
    let raw = path.as_os_str().as_encoded_bytes();
    let raw = raw.strip_prefix(b"./").unwrap_or(raw);
    raw.iter()
        .map(|&b| if b == b'\\' { b'/' } else { b })
        .collect()
}

/// A file's path for a terminal or a CI log (human, compact, GitHub, Azure): control characters
/// (ESC, BEL, CR, …) and bytes that are not UTF-8 are written as `\xNN` / `\u{…}` escapes, so a
/// file name can neither drive the terminal nor forge an annotation. JSON and SARIF escape by
/// their own rules.
pub fn printable_path(path: &std::path::Path) -> String {
    use std::fmt::Write as _;
    let bytes = display_path_bytes(path);
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        push_printable(&mut out, chunk.valid());
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02X}");
        }
    }
    out
}

/// Text for a terminal with its control characters escaped as in [`printable_path`], line
/// breaks and tabs kept (for messages on stderr that name a file).
pub fn printable_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let (body, end) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        for (i, part) in body.split('\t').enumerate() {
            if i > 0 {
                out.push('\t');
            }
            push_printable(&mut out, part);
        }
        out.push_str(end);
    }
    out
}

fn push_printable(out: &mut String, text: &str) {
    use std::fmt::Write as _;
    for c in text.chars() {
        match c {
            c if c.is_control() && (c as u32) < 0x80 => {
                let _ = write!(out, "\\x{:02X}", c as u32);
            }
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:X}}}", c as u32);
            }
            c => out.push(c),
        }
    }
}

pub fn display_path(p: &Path) -> String {
    let s = p.to_string_lossy();
    let s = s.strip_prefix("./").unwrap_or(&s);
    s.replace('\\', "/")
}

/// Start offsets of every line, for binary search. A line ends at LF, CRLF or a lone CR, as
/// editors count lines; the language server's positions use this index too.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<u32>,
    /// On lines longer than [`COLUMN_STEP`] (a minified template is one line): every
    /// `COLUMN_STEP` bytes, an offset and its column, so that a column costs at most that many
    /// bytes of counting instead of the line up to it (40,000 findings on one 10 MB line took 12 s
    /// to print). Made at the first column asked on such a line.
    column_marks: std::sync::OnceLock<Vec<(u32, u32)>>,
}

/// Bytes between two column marks of a long line.
const COLUMN_STEP: usize = 4096;

/// The column marks of every line of `text` longer than [`COLUMN_STEP`]: (offset, 0-based column
/// of that offset in its line), the offsets on character boundaries.
fn column_marks(text: &str, starts: &[u32]) -> Vec<(u32, u32)> {
    let mut marks = Vec::new();
    for (line, &start) in starts.iter().enumerate() {
        let start = start as usize;
        let end = starts
            .get(line + 1)
            .map_or(text.len(), |&s| s as usize)
            .min(text.len());
        let (mut at, mut column) = (start, 0usize);
        while end.saturating_sub(at) > COLUMN_STEP {
            let mut next = at + COLUMN_STEP;
            while next > at && !text.is_char_boundary(next) {
                next -= 1;
            }
            column += text.get(at..next).map_or(0, |s| s.chars().count());
            marks.push((
                u32::try_from(next).unwrap_or(u32::MAX),
                u32::try_from(column).unwrap_or(u32::MAX),
            ));
            at = next;
        }
    }
    marks
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = Vec::with_capacity(text.len() / 32 + 1);
        starts.push(0);
        let bytes = text.as_bytes();
        for (i, b) in bytes.iter().enumerate() {
            let breaks = match b {
                b'\n' => true,
                // CRLF breaks at its LF.
                b'\r' => bytes.get(i + 1) != Some(&b'\n'),
                _ => false,
            };
            if breaks {
                starts.push(u32::try_from(i + 1).unwrap_or(u32::MAX));
            }
        }
        LineIndex {
            starts,
            column_marks: std::sync::OnceLock::new(),
        }
    }

    /// 0-based line number containing `offset`.
    pub fn line_of(&self, offset: u32) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        }
    }

    pub fn line_start(&self, line: usize) -> Option<u32> {
        self.starts.get(line).copied()
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// 1-based (line, column); column counts Unicode scalar values from the line start.
    pub fn line_col(&self, text: &str, offset: u32) -> (usize, usize) {
        let offset = offset.min(text.len() as u32);
        let line = self.line_of(offset);
        let start = self.starts.get(line).copied().unwrap_or(0) as usize;
        let mut end = offset as usize;
        while end > start && !text.is_char_boundary(end) {
            end -= 1;
        }
        let count = |from: usize| text.get(from..end).map_or(0, |s| s.chars().count());
        if end - start <= COLUMN_STEP {
            return (line + 1, count(start) + 1);
        }
        let marks = self
            .column_marks
            .get_or_init(|| column_marks(text, &self.starts));
        let before = marks.partition_point(|&(o, _)| o as usize <= end);
        let col = match before.checked_sub(1).and_then(|i| marks.get(i)) {
            Some(&(o, c)) if o as usize >= start => c as usize + count(o as usize),
            _ => count(start),
        };
        (line + 1, col + 1)
    }
}

#[cfg(test)]
pub(crate) mod temp_dir;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_is_removed_and_columns_count_scalars() {
        let f = SourceFile::new("a.json", "\u{feff}{\n  \"é\": 1\n}");
        assert!(f.text.starts_with('{'));
        let off = f.text.find('1').unwrap() as u32;
        assert_eq!(f.line_col(off), (2, 8));
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(10_000), (3, 2));
    }

    #[test]
    fn columns_on_long_lines_count_scalars_from_the_line_start() {
        // Three long lines of mixed widths (1- to 4-byte characters), then a short one.
        let piece = "ab\u{e9}\u{20ac}\u{1f600}xyz";
        let long = piece.repeat(3000);
        let text = format!("{long}\n{long}\r\n{}\rend", piece.repeat(1000));
        let f = SourceFile::new("long.json", text.clone());
        let naive = |offset: usize| {
            let mut end = offset;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            let line_start = text
                .get(..end)
                .and_then(|t| t.rfind(['\n', '\r']))
                .map_or(0, |i| i + 1);
            let line = text.get(..line_start).map_or(0, |t| {
                t.matches('\n').count() + t.matches('\r').count() - t.matches("\r\n").count()
            });
            (line + 1, text[line_start..end].chars().count() + 1)
        };
        for offset in (0..text.len())
            .step_by(997)
            .chain([text.len(), text.len() - 1])
        {
            assert_eq!(f.line_col(offset as u32), naive(offset), "offset {offset}");
        }
    }

    #[test]
    fn printable_paths_escape_control_characters_and_bad_bytes() {
        assert_eq!(
            printable_path(Path::new("./a\x1b[31m/b\u{9b}\\c.json")),
            "a\\x1B[31m/b\\u{9B}/c.json"
        );
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            let p = Path::new(std::ffi::OsStr::from_bytes(b"caf\xe9\n.json"));
            assert_eq!(printable_path(p), "caf\\xE9\\x0A.json");
        }
        assert_eq!(printable_path(Path::new("é/ok.json")), "é/ok.json");
    }

    #[test]
    fn lf_crlf_and_a_lone_cr_each_end_one_line() {
        let f = SourceFile::new("a.json", "a\rb\r\nc\nd\r\re");
        let at = |c: char| f.line_col(f.text.find(c).unwrap() as u32);
        assert_eq!(
            [at('a'), at('b'), at('c'), at('d'), at('e')],
            [(1, 1), (2, 1), (3, 1), (4, 1), (6, 1)]
        );
        // The LF of a CRLF is still on the line the CR ends.
        assert_eq!(f.line_col(4), (2, 3));
        assert_eq!(f.line_index().line_count(), 6);
    }
}
