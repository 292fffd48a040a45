//! One cell to its JSON value. A cell the format could not take (a dose that is no number) is an
//! error in Chinese, for the doctor or clerk who fixes the export; text that is merely not what
//! it should be (a date-time in an unknown form) is passed on as written, so the engine reports
//! it as a finding at its field, as it would in JSON.

use chrono::{NaiveDate, NaiveDateTime, Timelike};
use serde_json::{Map, Value, json};

/// Date-time forms HIS exports write, tried after the mapping's own.
const DATETIME_FORMS: &[&str] = &[
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y.%m.%d %H:%M:%S",
    "%Y.%m.%d %H:%M",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日%H时%M分",
    "%Y%m%d %H:%M:%S",
    "%Y%m%d%H%M%S",
];

/// Date forms, tried after the mapping's own.
const DATE_FORMS: &[&str] = &["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d"];

/// A date-time in the format's form (`YYYY-MM-DDTHH:MM[:SS]`); a date alone as a date; else
/// the text as written.
pub fn datetime(cell: &str, own: &[String]) -> String {
    let forms = own
        .iter()
        .map(String::as_str)
        .chain(DATETIME_FORMS.iter().copied());
    for form in forms {
        if let Ok(t) = NaiveDateTime::parse_from_str(cell, form) {
            let f = if t.second() == 0 {
                "%Y-%m-%dT%H:%M"
            } else {
                "%Y-%m-%dT%H:%M:%S"
            };
            return t.format(f).to_string();
        }
    }
    date(cell, &[])
}

/// A date in the format's form (`YYYY-MM-DD`), else the text as written.
pub fn date(cell: &str, own: &[String]) -> String {
    let forms = own
        .iter()
        .map(String::as_str)
        .chain(DATE_FORMS.iter().copied());
    for form in forms {
        if let Ok(d) = NaiveDate::parse_from_str(cell, form) {
            return d.format("%Y-%m-%d").to_string();
        }
    }
    cell.to_string()
}

/// A leading decimal number and the rest of the cell (`"0.5g"` → `(0.5, "g")`).
fn split_number(cell: &str) -> Option<(Value, &str)> {
    let end = cell
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || (c == '.' && i > 0)))
        .map_or(cell.len(), |(i, _)| i);
    let (digits, rest) = cell.split_at(end);
    let digits = digits.trim_end_matches('.');
    Some((number_value(digits)?, rest.trim()))
}

/// An integer stays an integer (`18`, not `18.0`), as a JSON document would write it.
fn number_value(digits: &str) -> Option<Value> {
    if let Ok(n) = digits.parse::<u64>() {
        return Some(Value::from(n));
    }
    let f = digits.parse::<f64>().ok().filter(|f| f.is_finite())?;
    serde_json::Number::from_f64(f).map(Value::Number)
}

fn not_a_number(cell: &str) -> String {
    format!("「{cell}」不是数字")
}

/// A number; a unit word after it is allowed where it only restates the field's unit.
pub fn number(cell: &str, units: &[&str]) -> Result<Value, String> {
    match split_number(cell) {
        Some((v, "")) => Ok(v),
        Some((v, unit)) if units.iter().any(|u| u.eq_ignore_ascii_case(unit)) => Ok(v),
        _ => Err(not_a_number(cell)),
    }
}

/// A quantity: `0.5g`, `18 粒`; a plain number takes the unit column's value.
pub fn quantity(cell: &str, unit: Option<&str>) -> Result<Value, String> {
    let (value, written) = split_number(cell).ok_or_else(|| not_a_number(cell))?;
    let mut q = Map::new();
    q.insert("value".into(), value);
    let unit = if written.is_empty() {
        unit
    } else {
        Some(written)
    };
    if let Some(u) = unit.filter(|u| !u.is_empty()) {
        q.insert("unit".into(), Value::from(u));
    }
    Ok(Value::Object(q))
}

fn age_unit(word: &str) -> Option<(&'static str, u32)> {
    // (the format's unit, days in it for compound ages)
    Some(match word.trim().to_ascii_lowercase().as_str() {
        "岁" | "年" | "y" | "year" | "years" => ("year", 365),
        "月" | "个月" | "m" | "month" | "months" => ("month", 30),
        "周" | "w" | "week" | "weeks" => ("week", 7),
        "天" | "日" | "d" | "day" | "days" => ("day", 1),
        _ => return None,
    })
}

/// An age: `45岁`, `3个月`, `10天`, `1岁3个月` (in months), `45` (years, or the unit column's).
pub fn age(cell: &str, unit: Option<&str>) -> Result<Value, String> {
    let bad = || format!("「{cell}」不是年龄（写作 45岁、3个月、10天）");
    let mut parts: Vec<(f64, &'static str, u32)> = Vec::new();
    let mut rest = cell.trim();
    while !rest.is_empty() {
        let (value, after) = split_number(rest).ok_or_else(bad)?;
        let value = value.as_f64().ok_or_else(bad)?;
        let word_end = after
            .char_indices()
            .find(|(_, c)| c.is_ascii_digit())
            .map_or(after.len(), |(i, _)| i);
        let (word, next) = after.split_at(word_end);
        let word = if word.trim().is_empty() {
            unit.unwrap_or("岁")
        } else {
            word
        };
        let (name, days) = age_unit(word).ok_or_else(bad)?;
        parts.push((value, name, days));
        rest = next.trim();
    }
    let (value, unit) = match parts.as_slice() {
        [] => return Err(bad()),
        // A week is not a unit of the format: in days.
        [(v, "week", d)] => (v * f64::from(*d), "day"),
        [(v, name, _)] => (*v, *name),
        _ => {
            // Compound: in the smallest unit written (months below a year, else days).
            let smallest = parts.iter().map(|p| p.2).min().unwrap_or(1);
            let (unit, per) = if smallest >= 30 {
                ("month", 30.0)
            } else {
                ("day", 1.0)
            };
            let total: f64 = parts
                .iter()
                .map(|(v, name, d)| match (*name, unit) {
                    ("year", "month") => v * 12.0,
                    (_, "month") => *v,
                    _ => v * f64::from(*d) / per,
                })
                .sum();
            (total, unit)
        }
    };
    let value = number_value(&format!("{value}")).ok_or_else(bad)?;
    Ok(json!({"value": value, "unit": unit}))
}

/// An enumeration's value, checked by the engine's own type so that what passes here is what
/// the engine reads (its English values and Chinese spellings); the error lists the usual ones.
pub fn choice(field: &str, cell: &str) -> Result<(), String> {
    use opdcheck_engine::model::{PrescriptionType, Sex, Title};
    let v = Value::from(cell);
    let (ok, usual) = match field {
        "sex" => (serde_json::from_value::<Sex>(v).is_ok(), "男、女、未知"),
        "prescription_type" => (
            serde_json::from_value::<PrescriptionType>(v).is_ok(),
            "普通、急诊、儿科、麻、精一、精二",
        ),
        "title" => (
            serde_json::from_value::<Title>(v).is_ok(),
            "住院医师、主治医师、副主任医师、主任医师、执业助理医师",
        ),
        _ => (true, ""),
    };
    if ok {
        Ok(())
    } else {
        Err(format!("「{cell}」不是可用的值（应为 {usual} 之一）"))
    }
}

/// A list cell's entries, split at any of `separators`, blanks dropped.
pub fn list(cell: &str, separators: &str) -> Value {
    cell.split(|c| separators.contains(c))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(Value::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetimes_are_normalised_or_kept() {
        assert_eq!(datetime("2026/11/22 9:30", &[]), "2026-11-22T09:30");
        assert_eq!(datetime("2026-11-22 09:30:15", &[]), "2026-11-22T09:30:15");
        assert_eq!(datetime("2026年11月22日 09:30", &[]), "2026-11-22T09:30");
        assert_eq!(datetime("2026/11/22", &[]), "2026-11-22");
        assert_eq!(
            datetime("22.11.2026 9h30", &["%d.%m.%Y %Hh%M".into()]),
            "2026-11-22T09:30"
        );
        assert_eq!(datetime("昨天", &[]), "昨天");
        assert_eq!(datetime("2026/02/30 09:00", &[]), "2026/02/30 09:00");
        assert_eq!(date("1981/3/7", &[]), "1981-03-07");
    }

    #[test]
    fn quantities_and_numbers() {
        assert_eq!(
            quantity("0.5g", None).unwrap(),
            json!({"value": 0.5, "unit": "g"})
        );
        assert_eq!(
            quantity("18", Some("粒")).unwrap(),
            json!({"value": 18, "unit": "粒"})
        );
        assert_eq!(
            quantity("1.0 片", Some("g")).unwrap(),
            json!({"value": 1.0, "unit": "片"})
        );
        assert_eq!(quantity("2", None).unwrap(), json!({"value": 2}));
        assert_eq!(quantity("abc", None).unwrap_err(), "「abc」不是数字");
        assert_eq!(quantity(".5g", None).unwrap_err(), "「.5g」不是数字");
        assert_eq!(number("7", &["天"]).unwrap(), json!(7));
        assert_eq!(number("7天", &["天"]).unwrap(), json!(7));
        assert_eq!(number("7周", &["天"]).unwrap_err(), "「7周」不是数字");
        assert_eq!(number("1e999", &[]).unwrap_err(), "「1e999」不是数字");
    }

    #[test]
    fn ages() {
        assert_eq!(
            age("45岁", None).unwrap(),
            json!({"value": 45, "unit": "year"})
        );
        assert_eq!(
            age("45", None).unwrap(),
            json!({"value": 45, "unit": "year"})
        );
        assert_eq!(
            age("3", Some("月")).unwrap(),
            json!({"value": 3, "unit": "month"})
        );
        assert_eq!(
            age("3个月", None).unwrap(),
            json!({"value": 3, "unit": "month"})
        );
        assert_eq!(
            age("1岁3个月", None).unwrap(),
            json!({"value": 15, "unit": "month"})
        );
        assert_eq!(
            age("2周", None).unwrap(),
            json!({"value": 14, "unit": "day"})
        );
        assert_eq!(
            age("1月10天", None).unwrap(),
            json!({"value": 40, "unit": "day"})
        );
        assert!(age("老年", None).is_err());
        assert!(age("45斤", None).is_err());
    }

    #[test]
    fn choices_are_the_engines() {
        assert_eq!(choice("sex", "女"), Ok(()));
        assert_eq!(choice("sex", "female"), Ok(()));
        assert_eq!(choice("prescription_type", "麻、精一"), Ok(()));
        assert_eq!(choice("title", "主治医师"), Ok(()));
        assert_eq!(
            choice("sex", "X").unwrap_err(),
            "「X」不是可用的值（应为 男、女、未知 之一）"
        );
        assert!(choice("title", "主任").is_err());
    }

    #[test]
    fn lists() {
        assert_eq!(
            list("急性支气管炎；高血压; ", "；;"),
            json!(["急性支气管炎", "高血压"])
        );
    }
}
