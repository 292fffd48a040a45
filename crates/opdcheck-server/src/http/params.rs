//! The records list's and the stats' query parameters, validated one by one so that a bad one is
//! named (400 `bad_parameter`), and turned into the store's [`Filter`].

use axum::http::StatusCode;

use crate::auth::Principal;
use crate::error::Error;
use crate::store::{Filter, Param};

/// At most this many rows per page of `GET /records`.
pub const MAX_PER_PAGE: i64 = 200;

/// A page's (total, page, per_page) as the wire types hold them: the parameters' ranges fit
/// (page ≤ 1,000,000, per_page ≤ [`MAX_PER_PAGE`]) and a count is never negative.
pub fn page_numbers(total: i64, page: i64, per_page: i64) -> Result<(u64, u32, u32), Error> {
    let internal = |e: std::num::TryFromIntError| Error::Internal(e.to_string());
    Ok((
        u64::try_from(total).map_err(internal)?,
        u32::try_from(page).map_err(internal)?,
        u32::try_from(per_page).map_err(internal)?,
    ))
}

fn bad(key: &str, message: impl Into<String>) -> Error {
    Error::api(
        StatusCode::BAD_REQUEST,
        "bad_parameter",
        message,
        Some(key.to_owned()),
    )
}

/// A parameter's text, `None` when absent or blank.
pub fn text(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// An integer parameter from `min` to `max`, `default` when absent.
pub fn int(key: &str, v: &Option<String>, default: i64, min: i64, max: i64) -> Result<i64, Error> {
    match text(v) {
        None => Ok(default),
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|n| (min..=max).contains(n))
            .ok_or_else(|| {
                bad(
                    key,
                    format!("`{key}` must be an integer from {min} to {max}"),
                )
            }),
    }
}

/// What the caller may see: a doctor their own records, a department-bound key its departments.
pub fn visible_to(who: &Principal) -> Filter {
    let mut filter = Filter::default();
    if let Some(me) = who.only_doctor() {
        filter.and("doctor = $?", Param::Text(me.to_owned()));
    }
    if let Some(only) = who.only_departments() {
        filter.and_in("department", only);
    }
    filter
}

/// `from` / `to` on created_at (default) or the document's date (`period=visit`). A bare date
/// for `to` includes that whole day.
pub fn period(
    filter: &mut Filter,
    period: &Option<String>,
    from: &Option<String>,
    to: &Option<String>,
) -> Result<(), Error> {
    let column = match text(period) {
        None | Some("created") => "created_at",
        Some("visit") => "doc_at",
        Some(_) => return Err(bad("period", "`period` must be `created` or `visit`")),
    };
    for (key, v) in [("from", from), ("to", to)] {
        let Some(v) = text(v) else { continue };
        if !is_date_or_date_time(v) {
            return Err(bad(
                key,
                format!("`{key}` must be a date YYYY-MM-DD or a date-time YYYY-MM-DDTHH:MM"),
            ));
        }
        if key == "from" {
            filter.and(&format!("{column} >= $?"), Param::Text(v.to_owned()));
        } else if !v.contains('T') {
            // Everything on that day sorts below "<date>T~" ('~' follows every digit and ':').
            filter.and(&format!("{column} < $?"), Param::Text(format!("{v}T~")));
        } else {
            filter.and(&format!("{column} <= $?"), Param::Text(v.to_owned()));
        }
    }
    Ok(())
}

/// `qualified=true|false`.
pub fn qualified(filter: &mut Filter, v: &Option<String>) -> Result<(), Error> {
    match text(v) {
        None => {}
        Some("true") => filter.and("qualified = $?", Param::Bool(true)),
        Some("false") => filter.and("qualified = $?", Param::Bool(false)),
        Some(_) => return Err(bad("qualified", "`qualified` must be true or false")),
    }
    Ok(())
}

/// `kind`, `department`, `doctor` equal to the given value (`kind` a known document kind).
pub fn equal(filter: &mut Filter, key: &str, v: &Option<String>) -> Result<(), Error> {
    let Some(v) = text(v) else { return Ok(()) };
    if key == "kind" && opdcheck_engine::DocKind::from_name(v).is_none() {
        return Err(bad("kind", format!("unknown kind `{v}`")));
    }
    filter.and(&format!("{key} = $?"), Param::Text(v.to_owned()));
    Ok(())
}

/// Records with a finding of rule `v`.
pub fn rule(filter: &mut Filter, v: &Option<String>) {
    if let Some(rule) = text(v) {
        filter.and(
            "EXISTS (SELECT 1 FROM record_rules rr WHERE rr.id = r.id AND rr.version = r.version AND rr.rule = $?)",
            Param::Text(rule.to_owned()),
        );
    }
}

/// A date `YYYY-MM-DD`, or a date-time `YYYY-MM-DDTHH:MM[:SS[.f]]` with an optional `Z` or
/// offset, written with all its digits (the value is compared as text with stored date-times).
/// Parsed whole by chrono: user input is never cut at a byte index (a multi-byte character there
/// would panic the handler).
fn is_date_or_date_time(v: &str) -> bool {
    use chrono::{DateTime, NaiveDate, NaiveDateTime};
    let Ok((date, _)) = NaiveDate::parse_and_remainder(v, "%Y-%m-%d") else {
        return false;
    };
    // chrono reads `2026-1-5` and `+2026-01-05` too; those would not compare as text.
    if !v.starts_with(&date.format("%Y-%m-%d").to_string()) || v.starts_with('+') {
        return false;
    }
    NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok()
        || DateTime::parse_from_rfc3339(v).is_ok()
        || [
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%dT%H:%M:%S%.f",
            "%Y-%m-%dT%H:%MZ",
            "%Y-%m-%dT%H:%M:%S%.fZ",
        ]
        .iter()
        .any(|f| NaiveDateTime::parse_from_str(v, f).is_ok())
}

#[cfg(test)]
mod tests {
    use super::is_date_or_date_time;

    #[test]
    fn dates_are_parsed_not_sliced() {
        for ok in [
            "2026-01-05",
            "2026-01-05T08:30",
            "2026-01-05T08:30:00",
            "2026-01-05T08:30:00.123456Z",
            "2026-01-05T08:30:00+08:00",
        ] {
            assert!(is_date_or_date_time(ok), "{ok}");
        }
        // A multi-byte character where a byte slice would have cut: refused, no panic.
        for bad in [
            "2026-01-0\u{e9}",
            "2026-01-05\u{e9}",
            "2026-01-05\u{e9}08:00",
            "\u{4e2d}\u{6587}\u{65e5}\u{671f}",
            "2026-1-5",
            "+2026-01-05",
            "2026-01-05T",
            "2026-01-05Tnope",
            "2026-13-01",
            "",
        ] {
            assert!(!is_date_or_date_time(bad), "{bad}");
        }
    }
}
