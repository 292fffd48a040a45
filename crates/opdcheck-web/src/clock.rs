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

#[cfg(test)]
mod tests {
    #[test]
    fn minutes_cut_the_seconds() {
        assert_eq!(super::now_minutes(), "2026-11-22T12:00");
    }
}
