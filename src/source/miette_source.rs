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

impl SourceCode for IndexedSource {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let text: &str = &self.file.text;
        let idx = self.file.line_index();
        let start = span.offset().min(text.len());
        let end = (span.offset() + span.len()).min(text.len());
        if span.offset() > text.len() {
            return Err(MietteError::OutOfBounds);
        }
        let first_line = idx
            .line_of(start as u32)
            .saturating_sub(context_lines_before);
        let last_line = (idx.line_of(end.saturating_sub(usize::from(end > start)) as u32)
            + context_lines_after)
            .min(idx.line_count().saturating_sub(1));
        let win_start = idx.line_start(first_line).unwrap_or(0) as usize;
        let win_end = idx
            .line_start(last_line + 1)
            .map_or(text.len(), |s| s as usize);
        // Let miette compute columns on the window, then shift everything back to file coordinates.
        let window = &text[win_start..win_end];
        let local = SourceSpan::new((start - win_start).into(), end - start);
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
