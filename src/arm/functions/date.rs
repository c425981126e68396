//! Date functions: dateTimeAdd, dateTimeFromEpoch, dateTimeToEpoch, utcNow.
//!
//! Date-times are .NET ticks (100 ns) since 0001-01-01T00:00:00Z, within .NET's range (years 1 to
//! 9999). Calendar arithmetic uses Howard Hinnant's days-from-civil algorithm; formatting follows
//! .NET's standard and custom date-time format strings with the invariant culture.

use super::numeric::as_int;
use super::{FnCall, FunctionDef};
use crate::arm::value::{UnknownReason, Value};
use crate::calendar::{civil_from_days, days_from_civil, days_in_month};

pub const FUNCTIONS: &[FunctionDef] = &[
    FunctionDef {
        name: "dateTimeAdd",
        min_args: 2,
        max_args: Some(3),
        handles_unknown: false,
        func: date_time_add,
    },
    FunctionDef {
        name: "dateTimeFromEpoch",
        min_args: 1,
        max_args: Some(1),
        handles_unknown: false,
        func: date_time_from_epoch,
    },
    FunctionDef {
        name: "dateTimeToEpoch",
        min_args: 1,
        max_args: Some(1),
        handles_unknown: false,
        func: date_time_to_epoch,
    },
    FunctionDef {
        name: "utcNow",
        min_args: 0,
        max_args: Some(1),
        handles_unknown: false,
        func: utc_now,
    },
];

const TICKS_PER_SECOND: i64 = 10_000_000;
const TICKS_PER_MINUTE: i64 = 60 * TICKS_PER_SECOND;
const TICKS_PER_HOUR: i64 = 60 * TICKS_PER_MINUTE;
const TICKS_PER_DAY: i64 = 24 * TICKS_PER_HOUR;
/// 9999-12-31T23:59:59.9999999, .NET's `DateTime.MaxValue`.
const MAX_TICKS: i64 = 3_155_378_975_999_999_999;
/// 1970-01-01T00:00:00Z.
const UNIX_EPOCH_TICKS: i64 = 621_355_968_000_000_000;
/// Days from 0001-01-01 to 1970-01-01.
const EPOCH_DAYS: i64 = 719_162;

/// Ticks of a date and time, `None` outside years 1..=9999 or for an invalid date.
fn ticks_of(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64, frac_ticks: i64) -> Option<i64> {
    if !(1..=9999).contains(&y) || !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) {
        return None;
    }
    if !(0..24).contains(&h) || !(0..60).contains(&mi) || !(0..60).contains(&s) {
        return None;
    }
    let days = days_from_civil(y, mo, d) + EPOCH_DAYS;
    Some(
        days * TICKS_PER_DAY
            + h * TICKS_PER_HOUR
            + mi * TICKS_PER_MINUTE
            + s * TICKS_PER_SECOND
            + frac_ticks,
    )
}

/// The parts of a tick count.
struct Parts {
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
    /// Sub-second ticks (0..10_000_000).
    fraction: i64,
    /// 0 = Sunday.
    weekday: i64,
}

fn parts(ticks: i64) -> Parts {
    let days = ticks.div_euclid(TICKS_PER_DAY);
    let tod = ticks.rem_euclid(TICKS_PER_DAY);
    let (year, month, day) = civil_from_days(days - EPOCH_DAYS);
    Parts {
        year,
        month,
        day,
        hour: tod / TICKS_PER_HOUR,
        minute: tod % TICKS_PER_HOUR / TICKS_PER_MINUTE,
        second: tod % TICKS_PER_MINUTE / TICKS_PER_SECOND,
        fraction: tod % TICKS_PER_SECOND,
        // 0001-01-01 was a Monday.
        weekday: (days + 1).rem_euclid(7),
    }
}

/// The shape of a parsed date-time, reused for the result when no format is given.
#[derive(Clone, Copy, Debug)]
enum Shape {
    Iso {
        separator: char,
        seconds: bool,
        fraction_digits: usize,
        zone: bool,
    },
    DateOnly,
    Compact {
        zone: bool,
    },
}

/// A byte cursor over ASCII digits and punctuation.
struct Cursor<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn digits(&mut self, n: usize) -> Option<i64> {
        let part = self.s.get(self.pos..self.pos + n)?;
        if !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        self.pos += n;
        Some(
            part.iter()
                .fold(0i64, |acc, b| acc * 10 + i64::from(b - b'0')),
        )
    }
    fn eat(&mut self, b: u8) -> bool {
        if self.s.get(self.pos) == Some(&b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }
    fn done(&self) -> bool {
        self.pos >= self.s.len()
    }
}

/// Parse an ISO 8601 date-time (`2020-04-07T14:53:14Z`, `2020-04-07 14:53:14.123+02:00`,
/// `2020-04-07`, or the compact `20200407T145314Z` that `utcNow()` returns), converted to UTC.
fn parse_datetime(text: &str) -> Option<(i64, Shape)> {
    let mut c = Cursor {
        s: text.trim().as_bytes(),
        pos: 0,
    };
    let year = c.digits(4)?;
    if c.peek().is_some_and(|b| b.is_ascii_digit()) {
        let month = c.digits(2)?;
        let day = c.digits(2)?;
        if !(c.eat(b'T') || c.eat(b't')) {
            return None;
        }
        let (h, mi, s) = (c.digits(2)?, c.digits(2)?, c.digits(2)?);
        let zone = c.eat(b'Z') || c.eat(b'z');
        if !c.done() {
            return None;
        }
        return Some((
            ticks_of(year, month, day, h, mi, s, 0)?,
            Shape::Compact { zone },
        ));
    }
    if !c.eat(b'-') {
        return None;
    }
    let month = c.digits(2)?;
    if !c.eat(b'-') {
        return None;
    }
    let day = c.digits(2)?;
    if c.done() {
        return Some((ticks_of(year, month, day, 0, 0, 0, 0)?, Shape::DateOnly));
    }
    let separator = match c.peek()? {
        b @ (b'T' | b't' | b' ') => {
            c.pos += 1;
            b as char
        }
        _ => return None,
    };
    let hour = c.digits(2)?;
    if !c.eat(b':') {
        return None;
    }
    let minute = c.digits(2)?;
    let mut second = 0;
    let mut seconds = false;
    let mut fraction_digits = 0;
    let mut frac_ticks = 0;
    if c.eat(b':') {
        second = c.digits(2)?;
        seconds = true;
        if c.eat(b'.') || c.eat(b',') {
            let start = c.pos;
            while c.peek().is_some_and(|b| b.is_ascii_digit()) {
                let d = i64::from(c.peek()? - b'0');
                // Ticks keep seven digits; more are dropped.
                if c.pos - start < 7 {
                    frac_ticks = frac_ticks * 10 + d;
                }
                c.pos += 1;
            }
            fraction_digits = c.pos - start;
            if fraction_digits == 0 {
                return None;
            }
            for _ in fraction_digits.min(7)..7 {
                frac_ticks *= 10;
            }
        }
    }
    let mut offset_minutes = 0;
    let zone = match c.peek() {
        None => false,
        Some(b'Z' | b'z') => {
            c.pos += 1;
            true
        }
        Some(sign @ (b'+' | b'-')) => {
            c.pos += 1;
            let oh = c.digits(2)?;
            c.eat(b':');
            let om = c.digits(2)?;
            if oh > 14 || om > 59 {
                return None;
            }
            offset_minutes = (oh * 60 + om) * if sign == b'-' { -1 } else { 1 };
            true
        }
        Some(_) => return None,
    };
    if !c.done() {
        return None;
    }
    let local = ticks_of(year, month, day, hour, minute, second, frac_ticks)?;
    let utc = local.checked_sub(offset_minutes * TICKS_PER_MINUTE)?;
    if !(0..=MAX_TICKS).contains(&utc) {
        return None;
    }
    Some((
        utc,
        Shape::Iso {
            separator,
            seconds,
            fraction_digits,
            zone,
        },
    ))
}

/// An ISO 8601 duration: `P1Y2M3W4DT5H6M7.5S`, optionally negative (`-P9D`).
struct Duration {
    negative: bool,
    months: i64,
    ticks: i64,
}

fn parse_duration(text: &str) -> Option<Duration> {
    let t = text.trim();
    let (negative, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let t = t.strip_prefix('P').or_else(|| t.strip_prefix('p'))?;
    let (date_part, time_part) = match t.find(['T', 't']) {
        Some(i) => (t.get(..i)?, Some(t.get(i + 1..)?)),
        None => (t, None),
    };
    let mut months: i64 = 0;
    let mut ticks: i64 = 0;
    let mut any = false;
    // Designators must appear in order; `order` is the rank of the last one seen.
    let mut scan = |part: &str, units: &[(char, i64)], months_unit: &[(char, i64)]| -> Option<()> {
        let mut order = 0usize;
        let mut number = String::new();
        for ch in part.chars() {
            if ch.is_ascii_digit() || ch == '.' || ch == ',' {
                number.push(if ch == ',' { '.' } else { ch });
                continue;
            }
            let upper = ch.to_ascii_uppercase();
            let rank = units.iter().position(|(u, _)| *u == upper)?;
            if rank < order || number.is_empty() {
                return None;
            }
            order = rank + 1;
            let per = units.get(rank)?.1;
            if let Some((_, m)) = months_unit.iter().find(|(u, _)| *u == upper) {
                let n: i64 = number.parse().ok()?;
                months = months.checked_add(n.checked_mul(*m)?)?;
            } else if number.contains('.') {
                let f: f64 = number.parse().ok()?;
                let add = f * per as f64;
                if !add.is_finite() || add.abs() > 9.0e18 {
                    return None;
                }
                ticks = ticks.checked_add(add.round() as i64)?;
            } else {
                let n: i64 = number.parse().ok()?;
                ticks = ticks.checked_add(n.checked_mul(per)?)?;
            }
            number.clear();
            any = true;
        }
        if number.is_empty() { Some(()) } else { None }
    };
    scan(
        date_part,
        &[
            ('Y', 0),
            ('M', 0),
            ('W', 7 * TICKS_PER_DAY),
            ('D', TICKS_PER_DAY),
        ],
        &[('Y', 12), ('M', 1)],
    )?;
    if let Some(tp) = time_part {
        if tp.is_empty() {
            return None;
        }
        scan(
            tp,
            &[
                ('H', TICKS_PER_HOUR),
                ('M', TICKS_PER_MINUTE),
                ('S', TICKS_PER_SECOND),
            ],
            &[],
        )?;
    }
    if !any {
        return None;
    }
    Some(Duration {
        negative,
        months,
        ticks,
    })
}

/// Add calendar months, clamping the day to the month's length (.NET's `AddMonths`).
fn add_months(ticks: i64, months: i64) -> Option<i64> {
    let p = parts(ticks);
    let total = (p.year * 12 + p.month - 1).checked_add(months)?;
    let (y, m) = (total.div_euclid(12), total.rem_euclid(12) + 1);
    let d = p.day.min(days_in_month(y, m));
    ticks_of(y, m, d, p.hour, p.minute, p.second, p.fraction)
}

fn add_duration(ticks: i64, d: &Duration) -> Option<i64> {
    let sign = if d.negative { -1 } else { 1 };
    let t = add_months(ticks, d.months.checked_mul(sign)?)?;
    let t = t.checked_add(d.ticks.checked_mul(sign)?)?;
    (0..=MAX_TICKS).contains(&t).then_some(t)
}

const DAY_NAMES: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The invariant culture's pattern for a standard format character.
fn standard_pattern(ch: char) -> Option<&'static str> {
    Some(match ch {
        'd' => "MM/dd/yyyy",
        'D' => "dddd, dd MMMM yyyy",
        'f' => "dddd, dd MMMM yyyy HH:mm",
        'F' => "dddd, dd MMMM yyyy HH:mm:ss",
        'g' => "MM/dd/yyyy HH:mm",
        'G' => "MM/dd/yyyy HH:mm:ss",
        'm' | 'M' => "MMMM dd",
        'o' | 'O' => "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK",
        'r' | 'R' => "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
        's' => "yyyy'-'MM'-'dd'T'HH':'mm':'ss",
        't' => "HH:mm",
        'T' => "HH:mm:ss",
        'u' => "yyyy'-'MM'-'dd HH':'mm':'ss'Z'",
        'U' => "dddd, dd MMMM yyyy HH:mm:ss",
        'y' | 'Y' => "yyyy MMMM",
        _ => return None,
    })
}

fn pad(n: i64, width: usize) -> String {
    format!("{n:0width$}")
}

/// Format UTC ticks with a .NET date-time format string; `Err` where .NET throws.
fn format_datetime(ticks: i64, format: &str) -> Result<String, String> {
    let mut chars: Vec<char> = format.chars().collect();
    if chars.len() == 1 {
        let ch = chars.first().copied().unwrap_or(' ');
        let pattern = standard_pattern(ch)
            .ok_or_else(|| format!("'{format}' is not a valid date-time format"))?;
        chars = pattern.chars().collect();
    }
    let p = parts(ticks);
    let mut out = String::new();
    let mut i = 0;
    while let Some(&ch) = chars.get(i) {
        let run = chars
            .get(i..)
            .unwrap_or(&[])
            .iter()
            .take_while(|x| **x == ch)
            .count();
        match ch {
            'f' | 'F' => {
                if run > 7 {
                    return Err(format!("'{format}' is not a valid date-time format"));
                }
                let digits = pad(p.fraction, 7);
                let mut shown = digits.get(..run).unwrap_or("").to_string();
                if ch == 'F' {
                    while shown.ends_with('0') {
                        shown.pop();
                    }
                    // An empty `F` fraction also drops the decimal point before it.
                    if shown.is_empty() && out.ends_with('.') {
                        out.pop();
                    }
                }
                out.push_str(&shown);
                i += run;
            }
            'K' => {
                // Results are UTC.
                out.push('Z');
                i += 1;
            }
            '\'' | '"' => {
                let close = chars
                    .get(i + 1..)
                    .unwrap_or(&[])
                    .iter()
                    .position(|x| *x == ch);
                let Some(close) = close else {
                    return Err(format!("'{format}' has an unterminated quote"));
                };
                out.extend(chars.get(i + 1..i + 1 + close).unwrap_or(&[]));
                i += close + 2;
            }
            '\\' => {
                let Some(next) = chars.get(i + 1) else {
                    return Err(format!("'{format}' ends with an escape"));
                };
                out.push(*next);
                i += 2;
            }
            '%' => {
                // `%d`: a custom specifier on its own.
                i += 1;
            }
            other if push_field(&mut out, &p, other, run) => i += run,
            other => {
                out.push(other);
                i += 1;
            }
        }
    }
    Ok(out)
}

/// Writes the field a run of `run` times `ch` stands for (`dd`, `MMM`, `yyyy` ...); false when
/// `ch` is not a field letter of fixed meaning.
fn push_field(out: &mut String, p: &Parts, ch: char, run: usize) -> bool {
    match ch {
        'd' => match run {
            1 => out.push_str(&p.day.to_string()),
            2 => out.push_str(&pad(p.day, 2)),
            3 => out.push_str(
                DAY_NAMES
                    .get(p.weekday as usize)
                    .map_or("", |n| n.get(..3).unwrap_or(n)),
            ),
            _ => out.push_str(DAY_NAMES.get(p.weekday as usize).copied().unwrap_or("")),
        },
        'g' => {
            out.push_str("A.D.");
        }
        'h' => {
            let h = if p.hour % 12 == 0 { 12 } else { p.hour % 12 };
            out.push_str(&if run == 1 { h.to_string() } else { pad(h, 2) });
        }
        'H' => {
            out.push_str(&if run == 1 {
                p.hour.to_string()
            } else {
                pad(p.hour, 2)
            });
        }
        'm' => {
            out.push_str(&if run == 1 {
                p.minute.to_string()
            } else {
                pad(p.minute, 2)
            });
        }
        's' => {
            out.push_str(&if run == 1 {
                p.second.to_string()
            } else {
                pad(p.second, 2)
            });
        }
        'M' => {
            let name = MONTH_NAMES
                .get((p.month - 1) as usize)
                .copied()
                .unwrap_or("");
            match run {
                1 => out.push_str(&p.month.to_string()),
                2 => out.push_str(&pad(p.month, 2)),
                3 => out.push_str(name.get(..3).unwrap_or(name)),
                _ => out.push_str(name),
            }
        }
        't' => {
            let designator = if p.hour < 12 { "AM" } else { "PM" };
            out.push_str(if run == 1 {
                designator.get(..1).unwrap_or("")
            } else {
                designator
            });
        }
        'y' => match run {
            1 => out.push_str(&(p.year % 100).to_string()),
            2 => out.push_str(&pad(p.year % 100, 2)),
            n => out.push_str(&pad(p.year, n.min(10))),
        },
        'z' => {
            out.push_str(match run {
                1 => "+0",
                2 => "+00",
                _ => "+00:00",
            });
        }
        _ => return false,
    }
    true
}

/// The result in the base value's own shape (ARM: "the format of the base value is used").
fn format_like(ticks: i64, shape: Shape) -> String {
    let p = parts(ticks);
    let date = format!("{}-{}-{}", pad(p.year, 4), pad(p.month, 2), pad(p.day, 2));
    match shape {
        Shape::DateOnly if ticks % TICKS_PER_DAY == 0 => date,
        Shape::DateOnly => format!(
            "{date}T{}:{}:{}Z",
            pad(p.hour, 2),
            pad(p.minute, 2),
            pad(p.second, 2)
        ),
        Shape::Compact { zone } => format!(
            "{}{}{}T{}{}{}{}",
            pad(p.year, 4),
            pad(p.month, 2),
            pad(p.day, 2),
            pad(p.hour, 2),
            pad(p.minute, 2),
            pad(p.second, 2),
            if zone { "Z" } else { "" }
        ),
        Shape::Iso {
            separator,
            seconds,
            fraction_digits,
            zone,
        } => {
            let mut s = format!("{date}{separator}{}:{}", pad(p.hour, 2), pad(p.minute, 2));
            if seconds {
                s.push(':');
                s.push_str(&pad(p.second, 2));
            }
            if fraction_digits > 0 {
                let digits = pad(p.fraction, 7);
                s.push('.');
                s.push_str(digits.get(..fraction_digits.min(7)).unwrap_or(""));
                for _ in 7..fraction_digits {
                    s.push('0');
                }
            }
            if zone {
                s.push('Z');
            }
            s
        }
    }
}

fn date_time_add(c: &mut FnCall) -> Value {
    let Value::String(base) = c.arg(0) else {
        return c.error(format!(
            "the base must be a date-time string, not {}",
            c.arg(0).type_name()
        ));
    };
    let Value::String(duration) = c.arg(1) else {
        return c.error(format!(
            "the duration must be an ISO 8601 duration string, not {}",
            c.arg(1).type_name()
        ));
    };
    let Some((ticks, shape)) = parse_datetime(base) else {
        return c.error(format!("'{base}' is not an ISO 8601 date-time"));
    };
    let Some(d) = parse_duration(duration) else {
        return c.error(format!("'{duration}' is not an ISO 8601 duration"));
    };
    let Some(result) = add_duration(ticks, &d) else {
        return c.error(format!(
            "adding '{duration}' to '{base}' leaves the supported date range"
        ));
    };
    match c.args.get(2) {
        None | Some(Value::Null) => Value::string(format_like(result, shape)),
        Some(Value::String(f)) if f.is_empty() => Value::string(format_like(result, shape)),
        Some(Value::String(f)) => match format_datetime(result, f) {
            Ok(s) => Value::string(s),
            Err(e) => c.error(e),
        },
        Some(other) => c.error(format!(
            "the format must be a string, not {}",
            other.type_name()
        )),
    }
}

fn date_time_from_epoch(c: &mut FnCall) -> Value {
    let Some(seconds) = as_int(c.arg(0)) else {
        return c.error(format!(
            "the epoch time must be an integer, not {}",
            c.arg(0).type_name()
        ));
    };
    let ticks = seconds
        .checked_mul(TICKS_PER_SECOND)
        .and_then(|t| t.checked_add(UNIX_EPOCH_TICKS));
    match ticks.filter(|t| (0..=MAX_TICKS).contains(t)) {
        Some(t) => Value::string(format_like(
            t,
            Shape::Iso {
                separator: 'T',
                seconds: true,
                fraction_digits: 0,
                zone: true,
            },
        )),
        None => c.error(format!("{seconds} is outside the supported date range")),
    }
}

fn date_time_to_epoch(c: &mut FnCall) -> Value {
    let Value::String(s) = c.arg(0) else {
        return c.error(format!(
            "expects a date-time string, not {}",
            c.arg(0).type_name()
        ));
    };
    match parse_datetime(s) {
        // Whole seconds, rounding toward the past (as `ToUnixTimeSeconds` does).
        Some((ticks, _)) => Value::Int((ticks - UNIX_EPOCH_TICKS).div_euclid(TICKS_PER_SECOND)),
        None => c.error(format!("'{s}' is not an ISO 8601 date-time")),
    }
}

fn utc_now(c: &mut FnCall) -> Value {
    if let Some(f) = c.args.first()
        && !matches!(f, Value::String(_) | Value::Null)
    {
        return c.error(format!(
            "the format must be a string, not {}",
            f.type_name()
        ));
    }
    // The deployment time: never reproducible, so no symbol.
    Value::unknown(UnknownReason::Runtime("utcNow()".into()), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        for days in [-719_162, -1, 0, 1, 11_016, 19_480, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(parts(0).weekday, 1);
    }

    #[test]
    fn parses_and_formats() {
        let (t, shape) = parse_datetime("2020-04-07 14:53:14Z").unwrap();
        assert_eq!(format_like(t, shape), "2020-04-07 14:53:14Z");
        assert_eq!(format_datetime(t, "u").unwrap(), "2020-04-07 14:53:14Z");
        assert_eq!(
            format_datetime(t, "o").unwrap(),
            "2020-04-07T14:53:14.0000000Z"
        );
        assert_eq!(format_datetime(t, "d").unwrap(), "04/07/2020");
        assert_eq!(format_datetime(t, "M d").unwrap(), "4 7");
        assert_eq!(
            format_datetime(t, "dddd, MMMM d, yyyy h:mm tt").unwrap(),
            "Tuesday, April 7, 2020 2:53 PM"
        );
        assert_eq!(
            format_datetime(t, "r").unwrap(),
            "Tue, 07 Apr 2020 14:53:14 GMT"
        );
        assert!(format_datetime(t, "q").is_err());
        let (t, _) = parse_datetime("2020-04-07T16:53:14+02:00").unwrap();
        assert_eq!(format_datetime(t, "s").unwrap(), "2020-04-07T14:53:14");
        assert!(parse_datetime("2021-02-29").is_none());
        assert!(parse_datetime("hello").is_none());
    }

    #[test]
    fn durations() {
        let d = parse_duration("P1Y2M3DT4H5M6.5S").unwrap();
        assert_eq!(d.months, 14);
        assert_eq!(
            d.ticks,
            3 * TICKS_PER_DAY + 4 * TICKS_PER_HOUR + 5 * TICKS_PER_MINUTE + 65_000_000
        );
        assert!(parse_duration("-P9D").unwrap().negative);
        assert!(parse_duration("P").is_none());
        assert!(parse_duration("PT").is_none());
        assert!(parse_duration("P1H").is_none());
        assert!(parse_duration("PD").is_none());
        assert!(parse_duration("P99999999999999999999Y").is_none());
    }
}
