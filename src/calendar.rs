//! The proleptic Gregorian calendar, shared by the date functions of the expression language
//! (`dateTimeAdd`, `utcNow`, ...) and suppression expiry dates: day counts from civil dates and
//! back (Howard Hinnant's algorithms), month lengths, and `Date`, a calendar day (`YYYY-MM-DD`).

use std::fmt;

/// A calendar date; ordered chronologically.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Date {
    /// A valid date, or `None` (month 13, February 30, ...).
    pub fn new(year: i32, month: u32, day: u32) -> Option<Date> {
        let valid = (1..=12).contains(&month) && day >= 1 && day <= month_length(year, month);
        valid.then_some(Date { year, month, day })
    }

    /// Strictly `YYYY-MM-DD` (four, two and two ASCII digits), and a day that exists.
    pub fn parse(text: &str) -> Option<Date> {
        let b = text.as_bytes();
        let shape = b.len() == 10
            && b.get(4) == Some(&b'-')
            && b.get(7) == Some(&b'-')
            && b.iter()
                .enumerate()
                .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
        if !shape {
            return None;
        }
        let year = text.get(0..4)?.parse().ok()?;
        let month = text.get(5..7)?.parse().ok()?;
        let day = text.get(8..10)?.parse().ok()?;
        Date::new(year, month, day)
    }

    /// Today in UTC from the system clock; a clock before 1970 reads as 1970-01-01.
    pub fn today_utc() -> Date {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Date::from_days_since_epoch(i64::try_from(secs / 86_400).unwrap_or(0))
    }

    /// The civil date `days` after 1970-01-01.
    pub fn from_days_since_epoch(days: i64) -> Date {
        let (year, month, day) = civil_from_days(days);
        Date {
            year: i32::try_from(year).unwrap_or(i32::MAX),
            month: u32::try_from(month).unwrap_or(1),
            day: u32::try_from(day).unwrap_or(1),
        }
    }
}

fn month_length(year: i32, month: u32) -> u32 {
    match month {
        1..=12 => {
            let days = days_in_month(i64::from(year), i64::from(month));
            u32::try_from(days).unwrap_or(0)
        }
        _ => 0,
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's `days_from_civil`).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01 (Hinnant's `civil_from_days`).
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

pub fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

pub fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_only_real_dates_in_the_strict_shape() {
        assert_eq!(Date::parse("2027-03-31"), Date::new(2027, 3, 31));
        assert_eq!(Date::parse("2024-02-29").map(|d| d.day), Some(29));
        for bad in [
            "2023-02-29",
            "2027-13-01",
            "2027-00-10",
            "2027-04-31",
            "2027-3-31",
            "27-03-31",
            "2027/03/31",
            "2027-03-31 ",
            "２０２７-03-31",
            "",
        ] {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
        assert_eq!(
            Date::parse("2027-03-31").map(|d| d.to_string()),
            Some("2027-03-31".into())
        );
    }

    #[test]
    fn days_since_the_epoch_become_civil_dates() {
        assert_eq!(
            Date::from_days_since_epoch(0),
            Date {
                year: 1970,
                month: 1,
                day: 1
            }
        );
        // 2000-02-29 (a leap day of a year divisible by 400) is day 11016.
        assert_eq!(
            Date::from_days_since_epoch(11_016),
            Date {
                year: 2000,
                month: 2,
                day: 29
            }
        );
        assert_eq!(
            Date::from_days_since_epoch(-1),
            Date {
                year: 1969,
                month: 12,
                day: 31
            }
        );
        // Every day of four centuries: consecutive days are consecutive valid dates.
        let mut prev = Date::from_days_since_epoch(-1);
        for d in 0..146_097 {
            let cur = Date::from_days_since_epoch(d);
            assert!(Date::new(cur.year, cur.month, cur.day).is_some(), "{cur}");
            assert!(cur > prev, "{prev} then {cur}");
            prev = cur;
        }
        assert_eq!(
            prev,
            Date {
                year: 2369,
                month: 12,
                day: 31
            }
        );
    }

    #[test]
    fn ordering_is_chronological() {
        let a = Date::parse("2026-12-31");
        let b = Date::parse("2027-01-01");
        assert!(a < b);
    }
}
