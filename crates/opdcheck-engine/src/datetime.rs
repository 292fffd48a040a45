//! Date-times as the interchange format writes them: `YYYY-MM-DDTHH:MM`, seconds and an offset
//! may follow; a date is `YYYY-MM-DD`. Clinic-local time: an offset is accepted and ignored.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

/// How precisely a time was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Precision {
    Day,
    Hour,
    Minute,
    Second,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub at: NaiveDateTime,
    pub precision: Precision,
}

impl Stamp {
    pub fn date(&self) -> NaiveDate {
        self.at.date()
    }
}

fn num(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Parse a date or date-time; `None` when it is not one (or not a real calendar date).
pub fn parse(s: &str) -> Option<Stamp> {
    let s = s.trim();
    let (date_part, time_part) = match s.find(['T', ' ']) {
        Some(i) => (&s[..i], Some(s[i + 1..].trim())),
        None => (s, None),
    };
    let mut d = date_part.split(['-', '/']);
    let (y, m, dd) = (d.next()?, d.next()?, d.next()?);
    if d.next().is_some() || y.len() != 4 {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(num(y)? as i32, num(m)?, num(dd)?)?;
    let Some(t) = time_part.filter(|t| !t.is_empty()) else {
        return Some(Stamp {
            at: date.and_hms_opt(0, 0, 0)?,
            precision: Precision::Day,
        });
    };
    // Drop an offset or zone designator: "+08:00", "Z".
    let t = t.trim_end_matches('Z');
    let t = match t.find(['+', '-']) {
        Some(i) => &t[..i],
        None => t,
    };
    let t = t.split('.').next()?; // fractional seconds
    let mut parts = t.split(':');
    let h = num(parts.next()?)?;
    let (mi, precision_m) = match parts.next() {
        Some(m) => (num(m)?, Precision::Minute),
        None => (0, Precision::Hour),
    };
    let (sec, precision) = match parts.next() {
        Some(sec) => (num(sec)?, Precision::Second),
        None => (0, precision_m),
    };
    if parts.next().is_some() {
        return None;
    }
    let time = NaiveTime::from_hms_opt(h, mi, sec)?;
    Some(Stamp {
        at: NaiveDateTime::new(date, time),
        precision,
    })
}

/// Whole days from `birth` to `on` (negative when `on` is earlier).
pub fn days_between(birth: NaiveDate, on: NaiveDate) -> i64 {
    (on - birth).num_days()
}

/// Completed years and months from `birth` to `on` (实足年龄).
pub fn completed_months(birth: NaiveDate, on: NaiveDate) -> i64 {
    use chrono::Datelike;
    let mut months =
        (on.year() - birth.year()) as i64 * 12 + on.month() as i64 - birth.month() as i64;
    if on.day() < birth.day() {
        months -= 1;
    }
    months
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precisions() {
        assert_eq!(parse("2026-11-22").unwrap().precision, Precision::Day);
        assert_eq!(parse("2026-11-22T09").unwrap().precision, Precision::Hour);
        assert_eq!(
            parse("2026-11-22T09:40").unwrap().precision,
            Precision::Minute
        );
        assert_eq!(
            parse("2026-11-22T09:40:05+08:00").unwrap().precision,
            Precision::Second
        );
        assert_eq!(
            parse("2026-11-22 09:40").unwrap().precision,
            Precision::Minute
        );
        assert!(parse("2026-02-30").is_none());
        assert!(parse("昨天").is_none());
        assert!(parse("2026-11-22T25:00").is_none());
    }

    #[test]
    fn ages() {
        let b = NaiveDate::from_ymd_opt(2020, 5, 31).unwrap();
        assert_eq!(
            completed_months(b, NaiveDate::from_ymd_opt(2026, 5, 30).unwrap()),
            71
        );
        assert_eq!(
            completed_months(b, NaiveDate::from_ymd_opt(2026, 5, 31).unwrap()),
            72
        );
        assert_eq!(
            days_between(b, NaiveDate::from_ymd_opt(2020, 6, 10).unwrap()),
            10
        );
    }
}
