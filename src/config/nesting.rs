//! The nesting depth of a configuration, checked before the YAML parser sees it.

/// Refuse YAML nested deeper than [`crate::limits::CONFIG_DEPTH`] before the YAML parser sees
/// it: its work grows with the square of the depth (a 500 KB file nested 100,000 deep took 36 s).
/// One pass counts flow brackets outside quotes and comments, and block levels by indentation
/// and `- ` entries; the error is at the line and column (1-based) where the limit is passed.
pub(super) fn check_nesting(text: &str) -> Result<(), ((usize, usize), String)> {
    let limit = crate::limits::CONFIG_DEPTH;
    let too_deep = |line: usize, col: usize| {
        Err((
            (line + 1, col + 1),
            format!("nested deeper than {limit} levels; a configuration needs a few"),
        ))
    };
    let mut flow = 0usize;
    let mut indents: Vec<usize> = Vec::new();
    for (line_no, line) in text.lines().enumerate() {
        let mut chars = line.char_indices().peekable();
        if flow == 0 {
            // Block structure: the indentation, then each `- ` that opens a sequence entry.
            let mut column = line.len() - line.trim_start_matches([' ', '\t']).len();
            let mut rest = line.get(column..).unwrap_or_default();
            if rest.is_empty() || rest.starts_with('#') {
                continue;
            }
            loop {
                while indents.last().is_some_and(|&i| i >= column) {
                    indents.pop();
                }
                indents.push(column);
                if indents.len() > limit {
                    return too_deep(line_no, column);
                }
                match rest.strip_prefix('-') {
                    Some(after) if after.is_empty() || after.starts_with([' ', '\t']) => {
                        let spaces = after.len() - after.trim_start_matches([' ', '\t']).len();
                        column += 1 + spaces;
                        rest = after.get(spaces..).unwrap_or_default();
                        if rest.is_empty() || rest.starts_with('#') {
                            break;
                        }
                    }
                    _ => break,
                }
            }
        }
        let mut quote: Option<char> = None;
        let mut previous = ' ';
        while let Some((col, c)) = chars.next() {
            match (quote, c) {
                (Some('"'), '\\') => {
                    chars.next();
                }
                (Some(q), c) if c == q => {
                    // `''` inside a single-quoted scalar is a quote, not its end.
                    if q == '\'' && chars.peek().is_some_and(|&(_, n)| n == '\'') {
                        chars.next();
                    } else {
                        quote = None;
                    }
                }
                (Some(_), _) => {}
                (None, '#') if previous.is_whitespace() => break,
                (None, '"' | '\'') if previous.is_whitespace() || "[{,:".contains(previous) => {
                    quote = Some(c);
                }
                (None, '[' | '{') => {
                    flow += 1;
                    if flow.saturating_add(indents.len()) > limit {
                        return too_deep(line_no, col);
                    }
                }
                (None, ']' | '}') => flow = flow.saturating_sub(1),
                _ => {}
            }
            previous = c;
        }
    }
    Ok(())
}
