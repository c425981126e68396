//! Messages of declarative rules: text with placeholders filled from the finding.
//!
//! `{resource.name}`, `{resource.type}`, `{value}` (the value where the finding points), and
//! `{$.path}` / `{@.path}` (the first value a selector finds). `|name` after a placeholder keeps
//! the last segment of a resource ID. `{{` and `}}` are literal braces.

use serde::Deserialize;

use super::selector::Selector;

#[derive(Clone, Debug)]
pub enum Piece {
    Text(String),
    Field { field: Field, last_segment: bool },
}

#[derive(Clone, Debug)]
pub enum Field {
    ResourceName,
    ResourceType,
    Value,
    Path(Selector),
}

/// A parsed message template.
#[derive(Clone, Debug)]
pub struct Template {
    pub pieces: Vec<Piece>,
}

impl<'de> Deserialize<'de> for Template {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Template::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl Template {
    pub fn parse(text: &str) -> Result<Template, String> {
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    literal.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    literal.push('}');
                }
                '}' => return Err(format!("unmatched `}}` in message {text:?} (write `}}}}`)")),
                '{' => {
                    let mut inner = String::new();
                    let mut closed = false;
                    for c in chars.by_ref() {
                        if c == '}' {
                            closed = true;
                            break;
                        }
                        inner.push(c);
                    }
                    if !closed {
                        return Err(format!("unclosed `{{` in message {text:?} (write `{{{{`)"));
                    }
                    if !literal.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut literal)));
                    }
                    pieces.push(parse_placeholder(inner.trim())?);
                }
                c => literal.push(c),
            }
        }
        if !literal.is_empty() {
            pieces.push(Piece::Text(literal));
        }
        Ok(Template { pieces })
    }

    /// Fill the placeholders; `field` gives the text of each.
    pub fn render(&self, mut field: impl FnMut(&Field) -> String) -> String {
        let mut out = String::new();
        for p in &self.pieces {
            match p {
                Piece::Text(t) => out.push_str(t),
                Piece::Field {
                    field: f,
                    last_segment,
                } => {
                    let text = field(f);
                    if *last_segment {
                        out.push_str(last_id_segment(&text));
                    } else {
                        out.push_str(&text);
                    }
                }
            }
        }
        out
    }
}

fn parse_placeholder(inner: &str) -> Result<Piece, String> {
    let (name, filter) = match inner.rsplit_once('|') {
        Some((n, f)) => (n.trim(), Some(f.trim())),
        None => (inner, None),
    };
    let last_segment = match filter {
        None => false,
        Some("name") => true,
        Some(other) => {
            return Err(format!(
                "unknown filter \"|{other}\" in placeholder {{{inner}}} (known: `|name`)"
            ));
        }
    };
    let field = match name {
        "resource.name" => Field::ResourceName,
        "resource.type" => Field::ResourceType,
        "value" => Field::Value,
        p if p.starts_with('$') || p.starts_with('@') => Field::Path(Selector::parse(p)?),
        other => {
            return Err(format!(
                "unknown placeholder \"{{{other}}}\" (known: {{resource.name}}, {{resource.type}}, {{value}}, {{$.path}}, {{@.path}})"
            ));
        }
    };
    Ok(Piece::Field {
        field,
        last_segment,
    })
}

/// `…/capacityReservationGroups/crg` → `crg`; text without `/` is kept.
fn last_id_segment(text: &str) -> &str {
    text.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_and_escapes() {
        let t = Template::parse("VM '{resource.name}' names {{group}} '{@.id|name}'.").unwrap();
        let out = t.render(|f| match f {
            Field::ResourceName => "vm1".into(),
            Field::Path(_) => "/subscriptions/s/x/capacityReservationGroups/crg".into(),
            _ => "?".into(),
        });
        assert_eq!(out, "VM 'vm1' names {group} 'crg'.");
    }

    #[test]
    fn bad_placeholders_are_errors() {
        assert!(Template::parse("{nope}").is_err());
        assert!(Template::parse("{value|upper}").is_err());
        assert!(Template::parse("open {value").is_err());
        assert!(Template::parse("close }").is_err());
        assert!(Template::parse("{$.a[}").is_err());
    }
}
