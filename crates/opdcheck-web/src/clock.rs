//! Local time, as the interchange format writes it.

/// Local time now: `2026-11-22T09:40:00` (a fixed time off the browser, for native tests).
pub fn now_stamp() -> String {
    #[cfg(target_arch = "wasm32")]
    {
        let d = js_sys::Date::new_0();
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            d.get_full_year(),
            d.get_month() + 1,
            d.get_date(),
            d.get_hours(),
            d.get_minutes(),
            d.get_seconds()
        )
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        "2026-11-22T12:00:00".to_string()
    }
}

/// Minutes precision, for signature and document times.
pub fn now_minutes() -> String {
    now_stamp()[..16].to_string()
}

/// A date-time as people read it: `2026-12-02T01:17:30Z` → `2026-12-02 01:17` (the "T",
/// seconds and zone of the interchange format are noise to a reader). Anything else as given.
pub fn human(stamp: &str) -> String {
    let b = stamp.as_bytes();
    if b.len() >= 16 && b[10] == b'T' && b[13] == b':' && stamp.is_char_boundary(16) {
        format!("{} {}", &stamp[..10], &stamp[11..16])
    } else {
        stamp.to_string()
    }
}

/// A date-time field as typed: shown with a space instead of the "T" (`2026-12-02 01:17`), kept
/// exactly otherwise, so what is typed round-trips.
pub fn typed_view(stamp: &str) -> String {
    let b = stamp.as_bytes();
    if b.len() > 10 && b[10] == b'T' {
        format!("{} {}", &stamp[..10], &stamp[11..])
    } else {
        stamp.to_string()
    }
}

/// What a date-time field holds for what is typed: `2026-12-02 01:17` → `2026-12-02T01:17`
/// (one space or more between date and time); anything else as typed, for the rules to judge.
pub fn from_typed(text: &str) -> String {
    let t = text.trim();
    let b = t.as_bytes();
    if b.len() > 11 && b[4] == b'-' && b[7] == b'-' && b[10] == b' ' {
        format!("{}T{}", &t[..10], t[10..].trim_start())
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_as_people_write_them() {
        assert_eq!(human("2026-12-02T01:17"), "2026-12-02 01:17");
        assert_eq!(human("2026-12-02T01:17:30Z"), "2026-12-02 01:17");
        assert_eq!(human("2026-12-02"), "2026-12-02");
        assert_eq!(typed_view("2026-12-02T01:17"), "2026-12-02 01:17");
        assert_eq!(from_typed("2026-12-02 01:17"), "2026-12-02T01:17");
        assert_eq!(
            from_typed(&typed_view("2026-12-02T01:17:05")),
            "2026-12-02T01:17:05"
        );
        assert_eq!(from_typed("2026-12-02"), "2026-12-02");
        assert_eq!(from_typed("昨天"), "昨天");
    }

    #[test]
    fn minutes_cut_the_seconds() {
        assert_eq!(super::now_minutes(), "2026-11-22T12:00");
    }
}
