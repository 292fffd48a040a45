//! Stored time stamps: fixed-width UTC text (`2026-12-02T07:50:01.123456Z`), so they sort and
//! compare as text on both databases. A leaf: every module may use it.

use chrono::{DateTime, Utc};

/// Now, as stored.
pub fn now() -> String {
    stamp(Utc::now())
}

/// A time as stored.
pub fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// A stored (or any RFC 3339) time stamp read back.
pub fn parse_stamp(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_are_fixed_width_and_read_back() {
        let t = parse_stamp("2026-12-02T07:05:09.5Z").unwrap();
        assert_eq!(stamp(t), "2026-12-02T07:05:09.500000Z");
        assert_eq!(now().len(), stamp(t).len());
        assert_eq!(parse_stamp("yesterday"), None);
    }
}
