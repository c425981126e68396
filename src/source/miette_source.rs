//! A line-indexed [`miette::SourceCode`]: miette's own implementation for `str` scans from the start
//! of the file for every label, which costs milliseconds per diagnostic on large templates
//! (stack.md §5.5). This one finds the lines by binary search and hands miette only a window.

use std::sync::Arc;

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

use super::SourceFile;

pub struct IndexedSource {
    pub file: Arc<SourceFile>,
    pub name: String,
}

/// A line longer than this is shown as an excerpt around the label: minified templates put a whole
/// file on one line, and miette would print it all (and cannot pad past 65,535 columns).
pub const LONG_LINE: usize = 400;
/// Bytes of a long line shown before and after the start of the label.
const EXCERPT_BEFORE: usize = 60;
const EXCERPT_AFTER: usize = 160;

fn floor_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while i < text.len() && !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

impl SourceCode for IndexedSource {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let text: &str = &self.file.text;
        let idx = self.file.line_index();
        if span.offset() > text.len() {
            return Err(MietteError::OutOfBounds);
        }
        let start = span.offset().min(text.len());
        let end = (span.offset() + span.len()).min(text.len());
        let line_end = |line: usize| idx.line_start(line + 1).map_or(text.len(), |s| s as usize);
        let line_len =
            |line: usize| line_end(line).saturating_sub(idx.line_start(line).unwrap_or(0) as usize);
        let start_line = idx.line_of(start as u32);
        let end_line = idx.line_of(end.saturating_sub(usize::from(end > start)) as u32);
        let first_line = start_line.saturating_sub(context_lines_before);
        let last_line = (end_line + context_lines_after).min(idx.line_count().saturating_sub(1));
        let has_long_line = (first_line..=last_line).any(|l| line_len(l) > LONG_LINE);
        if has_long_line && line_len(start_line) > LONG_LINE {
            // An excerpt of the long line around the label, without context lines.
            let line_start = idx.line_start(start_line).unwrap_or(0) as usize;
            let from = floor_boundary(text, start.saturating_sub(EXCERPT_BEFORE).max(line_start));
            let to = ceil_boundary(
                text,
                (start + EXCERPT_AFTER).max(end).min(line_end(start_line)),
            );
            let data = text.get(from..to).unwrap_or("");
            let (_, column) = idx.line_col(text, u32::try_from(from).unwrap_or(u32::MAX));
            let column = column.saturating_sub(1);
            return Ok(Box::new(MietteSpanContents::new_named(
                self.name.clone(),
                data.as_bytes(),
                SourceSpan::new(from.into(), data.len()),
                start_line,
                column,
                1,
            )));
        }
        // miette breaks lines at LF only: where a lone CR ends a line, it is shown without
        // context lines and without its line break, so the line numbers stay the index's.
        let lone_cr = |from: usize, to: usize| {
            text.get(from..to).is_some_and(|w| {
                w.as_bytes()
                    .iter()
                    .enumerate()
                    .any(|(i, &b)| b == b'\r' && w.as_bytes().get(i + 1) != Some(&b'\n'))
            })
        };
        let context_start = idx.line_start(first_line).unwrap_or(0) as usize;
        let narrow = has_long_line || lone_cr(context_start, line_end(last_line));
        // Context lines only when none of them is long.
        let (first_line, last_line) = if narrow {
            (start_line, end_line)
        } else {
            (first_line, last_line)
        };
        let (context_lines_before, context_lines_after) = if narrow {
            (0, 0)
        } else {
            (context_lines_before, context_lines_after)
        };
        let win_start = idx.line_start(first_line).unwrap_or(0) as usize;
        let mut win_end = line_end(last_line);
        if narrow && !has_long_line {
            while win_end > end.max(win_start)
                && matches!(text.as_bytes().get(win_end - 1), Some(b'\r' | b'\n'))
            {
                win_end -= 1;
            }
            // The lines as they are, numbered by the index (miette would merge them).
            let data = text.get(win_start..win_end).unwrap_or("");
            return Ok(Box::new(MietteSpanContents::new_named(
                self.name.clone(),
                data.as_bytes(),
                SourceSpan::new(win_start.into(), data.len()),
                start_line,
                0,
                end_line.saturating_sub(start_line) + 1,
            )));
        }
        // Let miette compute columns on the window, then shift everything back to file coordinates.
        let window = text.get(win_start..win_end).unwrap_or("");
        let local = SourceSpan::new(
            (start.saturating_sub(win_start)).into(),
            end.saturating_sub(start),
        );
        let contents = window.read_span(&local, context_lines_before, context_lines_after)?;
        let data = contents.data();
        let offset_in_window = data.as_ptr() as usize - window.as_ptr() as usize;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            data,
            SourceSpan::new((win_start + offset_in_window).into(), data.len()),
            contents.line() + first_line,
            contents.column(),
            contents.line_count(),
        )))
    }
}
