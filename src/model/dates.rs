//! Calendar arithmetic, in one place: `YYYY-MM-DD` parsing and formatting, days in a month,
//! and conversion between civil dates and days since 1970-01-01 (proleptic Gregorian).
//!
//! **Invariant:** pure and total — every function returns `None` (or a value) for any input,
//! never panics; a parsed date always exists in the calendar.

/// Whether `year` is a leap year of the Gregorian calendar.
pub fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Days in a month of the Gregorian calendar (0 for a month outside 1–12).
pub fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Parses `YYYY-MM-DD` (four, two and two ASCII digits) into year, month and day, checking
/// that the day exists.
pub fn parse_ymd(s: &str) -> Option<(i64, u32, u32)> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = s.get(r)?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let (y, m, d) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let y = i64::from(y);
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    Some((y, m, d))
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's `days_from_civil`).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let (m, d) = (i64::from(m), i64::from(d));
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// The civil date of a day since 1970-01-01 (Howard Hinnant's `civil_from_days`).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    // `d` is in 1..=31 and `m` in 1..=12 by construction.
    (y, m as u32, d as u32)
}

/// Parses `YYYY-MM-DD` into days since 1970-01-01, for the years a business record may carry
/// (1900–2200), checking the day exists.
pub fn parse_date(s: &str) -> Option<i64> {
    let (y, m, d) = parse_ymd(s)?;
    (1900..=2200).contains(&y).then(|| days_from_civil(y, m, d))
}

/// Days since 1970-01-01 as `YYYY-MM-DD` (the inverse of [`parse_date`]).
pub fn format_date(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The year a day since 1970-01-01 falls in.
pub fn year_of(days: i64) -> i64 {
    civil_from_days(days).0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_and_reject() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(parse_date("2023-09-11"), Some(19611));
        assert_eq!(parse_date("2024-02-29"), Some(19782));
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("2023-9-11"), None);
        assert_eq!(parse_date("11-09-2023"), None);
        assert_eq!(parse_date("+023-09-11"), None);
        assert_eq!(parse_date("1899-12-31"), None);
        for d in ["1970-01-01", "2023-09-11", "2024-02-29", "2026-12-31"] {
            assert_eq!(format_date(parse_date(d).unwrap()), d);
        }
    }

    #[test]
    fn every_day_round_trips() {
        for days in -80_000..80_000 {
            let (y, m, d) = civil_from_days(days);
            assert!(d >= 1 && d <= days_in_month(y, m));
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn months_and_leap_years() {
        assert_eq!(days_in_month(2024, 2), 29);
        assert_eq!(days_in_month(1900, 2), 28);
        assert_eq!(days_in_month(2000, 2), 29);
        assert_eq!(days_in_month(2023, 4), 30);
        assert_eq!(days_in_month(2023, 13), 0);
        assert_eq!(parse_ymd("0001-01-01"), Some((1, 1, 1)));
        assert_eq!(parse_ymd("2023-00-10"), None);
        assert_eq!(year_of(19611), 2023);
    }
}
