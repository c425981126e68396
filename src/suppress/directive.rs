//! The text form shared by comments and the metadata string shorthand:
//! `RULE[, RULE] [until YYYY-MM-DD]: reason`.

use super::date::Date;

/// A directive as written, before its rule names are resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directive<'t> {
    pub rules: Vec<&'t str>,
    pub expires: Option<Date>,
    pub reason: String,
}

/// Parse `RULE[, RULE] [until YYYY-MM-DD]: reason`; the error says what is missing.
pub fn parse(text: &str) -> Result<Directive<'_>, String> {
    if text.trim().is_empty() {
        return Err(
            "names no rule and gives no reason: write `RULE: why the finding is accepted`".into(),
        );
    }
    let Some((head, reason)) = text.split_once(':') else {
        return Err(format!(
            "'{}' has no reason: write `RULE: why the finding is accepted`",
            text.trim()
        ));
    };
    // Line breaks of a block comment or a raw multi-line string read as one space.
    let reason = reason.split_whitespace().collect::<Vec<_>>().join(" ");
    if reason.is_empty() {
        return Err("the reason after ':' is empty".into());
    }
    let (names, expires) = match split_until(head) {
        Some((names, date)) => match Date::parse(date.trim()) {
            Some(d) => (names, Some(d)),
            None => {
                return Err(format!(
                    "'{}' after `until` is not a date (YYYY-MM-DD)",
                    date.trim()
                ));
            }
        },
        None => (head, None),
    };
    let rules: Vec<&str> = names.split(',').map(str::trim).collect();
    if rules.iter().any(|r| r.is_empty()) {
        return Err(if names.trim().is_empty() {
            "no rule named before ':'".into()
        } else {
            format!("'{}' has an empty rule name", names.trim())
        });
    }
    if let Some(bad) = rules.iter().find(|r| r.contains(char::is_whitespace)) {
        return Err(format!(
            "'{bad}' is not a rule name (separate rules with commas)"
        ));
    }
    Ok(Directive {
        rules,
        expires,
        reason,
    })
}

/// `NAMES until DATE` → (NAMES, DATE), `until` as a whole word.
fn split_until(head: &str) -> Option<(&str, &str)> {
    let lower = head.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower.get(from..)?.find("until") {
        let at = from + i;
        let before = lower.as_bytes().get(at.wrapping_sub(1)).copied();
        let after = lower.as_bytes().get(at + "until".len()).copied();
        let word = at > 0
            && before.is_some_and(|b| b.is_ascii_whitespace())
            && after.is_none_or(|b| b.is_ascii_whitespace());
        if word {
            return Some((head.get(..at)?, head.get(at + "until".len()..)?));
        }
        from = at + "until".len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_expiry_and_reason() {
        let d = parse("CRG011, unreserved-burst: burst covered by the DR group").unwrap();
        assert_eq!(d.rules, vec!["CRG011", "unreserved-burst"]);
        assert_eq!(d.expires, None);
        assert_eq!(d.reason, "burst covered by the DR group");

        let d = parse(" CRG013 until 2027-03-31 : kept for\n   failover ").unwrap();
        assert_eq!(d.rules, vec!["CRG013"]);
        assert_eq!(d.expires, Date::new(2027, 3, 31));
        assert_eq!(d.reason, "kept for failover");
        // Only the first colon separates: the reason may contain more.
        assert_eq!(
            parse("CRG011: see: ticket 42").unwrap().reason,
            "see: ticket 42"
        );
    }

    #[test]
    fn what_is_missing_is_named() {
        for (text, needle) in [
            ("CRG011", "no reason"),
            ("CRG011:   ", "empty"),
            (": reason", "no rule"),
            ("CRG011,: reason", "empty rule name"),
            ("CRG011 CRG013: reason", "separate rules with commas"),
            ("CRG011 until 2027-02-30: reason", "not a date"),
            ("CRG011 until: reason", "not a date"),
        ] {
            let e = parse(text).unwrap_err();
            assert!(e.contains(needle), "{text}: {e}");
        }
    }
}
