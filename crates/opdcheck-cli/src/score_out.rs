//! Printing a score sheet: text, JSON or CSV.

use std::fmt::Write;

use opdcheck_engine::sheet::{PassRate, Sheet, Tally};
use opdcheck_engine::{DocKind, Engine, Lang};
use serde::Serialize;

use crate::render::{kind_name, points};

/// The JSON document of `score --format json`: its `rates` are the API's (`/api/v1/sheet`
/// sends the same type), the tallies the engine's sheet.
#[derive(Serialize)]
pub struct SheetJson<'a> {
    pub ruleset: &'a str,
    pub bad_inputs: u64,
    pub rates: opdcheck_api::qa::Rates,
    #[serde(flatten)]
    pub sheet: &'a Sheet,
}

pub fn json(engine: &Engine, sheet: &Sheet, bad_inputs: u64) -> String {
    let doc = SheetJson {
        ruleset: engine.ruleset(),
        bad_inputs,
        rates: (&sheet.rates(&engine.policy.thresholds)).into(),
        sheet,
    };
    let mut s = serde_json::to_string_pretty(&doc).expect("a sheet serializes to JSON");
    s.push('\n');
    s
}

/// The assessment items shown as deduction columns: every item a rule can charge (the
/// non-manual ones), in table order, then any other item the sheet holds.
fn item_columns(engine: &Engine, sheet: &Sheet) -> Vec<String> {
    let mut items: Vec<String> = engine
        .policy
        .items
        .iter()
        .filter(|(_, i)| !i.manual)
        .map(|(k, _)| k.clone())
        .collect();
    for k in sheet.total.deductions.keys() {
        if !items.contains(k) {
            items.push(k.clone());
        }
    }
    items.sort_by_key(|k| opdcheck_engine::score::item_order(k));
    items
}

/// The pass-rate target of a kind's row, percent.
fn target(engine: &Engine, kind: DocKind) -> Option<f64> {
    let t = &engine.policy.thresholds;
    match kind {
        DocKind::Prescription => Some(t.prescription_pass_rate),
        DocKind::OutpatientRecord => Some(t.record_pass_rate),
        _ => None,
    }
}

/// The rows of the sheet: (scope, key, tally, target).
fn rows<'a>(
    engine: &Engine,
    sheet: &'a Sheet,
) -> Vec<(&'static str, String, &'a Tally, Option<f64>)> {
    let mut rows = vec![("total", "all".to_string(), &sheet.total, None)];
    for (k, t) in &sheet.by_kind {
        rows.push(("kind", k.as_str().to_string(), t, target(engine, *k)));
    }
    for (k, t) in &sheet.by_department {
        rows.push(("department", k.clone(), t, None));
    }
    for (k, t) in &sheet.by_doctor {
        rows.push(("doctor", k.clone(), t, None));
    }
    rows
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn rate(r: Option<f64>) -> String {
    r.map(|r| format!("{r:.2}")).unwrap_or_default()
}

/// One row per (scope, key): counts, qualified, pass rate, target, total deduction and the
/// deduction of each assessment item.
pub fn csv(engine: &Engine, sheet: &Sheet) -> String {
    let items = item_columns(engine, sheet);
    let mut s = String::from("scope,key,documents,qualified,pass_rate,target,deduction");
    for i in &items {
        s.push(',');
        s.push_str(&csv_field(i));
    }
    s.push('\n');
    for (scope, key, t, target) in rows(engine, sheet) {
        let _ = write!(
            s,
            "{scope},{},{},{},{},{},{}",
            csv_field(&key),
            t.documents,
            t.qualified,
            rate(t.pass_rate()),
            target.map(points).unwrap_or_default(),
            points(t.deduction()),
        );
        for i in &items {
            let _ = write!(
                s,
                ",{}",
                points(t.deductions.get(i).copied().unwrap_or(0.0))
            );
        }
        s.push('\n');
    }
    s
}

/// Display width: CJK and full-width characters take two columns.
fn width(s: &str) -> usize {
    s.chars()
        .map(|c| {
            let c = c as u32;
            let wide = matches!(c,
                0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF
                | 0x4E00..=0x9FFF | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF
                | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD);
            if wide { 2 } else { 1 }
        })
        .sum()
}

fn pad(s: &str, w: usize) -> String {
    let n = width(s);
    format!("{s}{}", " ".repeat(w.saturating_sub(n)))
}

fn pct(r: Option<f64>) -> String {
    r.map(|r| format!("{r:.2}%")).unwrap_or_else(|| "-".into())
}

struct T {
    title: &'static str,
    pass: &'static str,
    record: &'static str,
    missed: &'static str,
    abx: &'static str,
    total_penalty: &'static str,
    by_kind: &'static str,
    by_department: &'static str,
    by_doctor: &'static str,
    rule_hits: &'static str,
    columns: [&'static str; 5],
    unspecified: &'static str,
    bad_inputs: &'static str,
}

const ZH: T = T {
    title: "评分表",
    pass: "门诊处方合格率",
    record: "门诊病历书写合格率",
    missed: "法定传染病漏报",
    abx: "抗菌药物处方占比",
    total_penalty: "合计扣款",
    by_kind: "按文书类型",
    by_department: "按科室",
    by_doctor: "按医生",
    rule_hits: "规则命中次数",
    columns: ["份数", "合格", "合格率", "扣分", "各项扣分"],
    unspecified: "（未填）",
    bad_inputs: "无法读取的输入",
};

const EN: T = T {
    title: "Score sheet",
    pass: "prescription pass rate",
    record: "outpatient record pass rate",
    missed: "missed infectious-disease reports",
    abx: "antibiotic prescription share",
    total_penalty: "total penalty",
    by_kind: "By kind",
    by_department: "By department",
    by_doctor: "By doctor",
    rule_hits: "Rule hits",
    columns: [
        "documents",
        "qualified",
        "pass rate",
        "deduction",
        "deductions by item",
    ],
    unspecified: "(not given)",
    bad_inputs: "bad inputs",
};

fn pass_line(s: &mut String, label: &str, r: &PassRate, lang: Lang) {
    let verdict = match (lang, r.met) {
        (_, true) if r.rate.is_none() => match lang {
            Lang::Zh => "无数据".to_string(),
            Lang::En => "nothing to rate".to_string(),
        },
        (Lang::Zh, true) => "达标".to_string(),
        (Lang::En, true) => "met".to_string(),
        (Lang::Zh, false) => format!(
            "未达标，差 {} 个百分点，扣款 {} 元",
            r.points_below,
            points(r.penalty)
        ),
        (Lang::En, false) => format!(
            "below target by {} point{} (rounded up): penalty {} yuan",
            r.points_below,
            if r.points_below == 1 { "" } else { "s" },
            points(r.penalty)
        ),
    };
    let _ = match lang {
        Lang::Zh => writeln!(
            s,
            "{label}：{}（{}/{}），目标 ≥{}%：{verdict}",
            pct(r.rate),
            r.qualified,
            r.documents,
            points(r.target)
        ),
        Lang::En => writeln!(
            s,
            "{label}: {} ({}/{}), target ≥{}%: {verdict}",
            pct(r.rate),
            r.qualified,
            r.documents,
            points(r.target)
        ),
    };
}

fn table<'a>(
    s: &mut String,
    title: &str,
    rows: impl IntoIterator<Item = (String, &'a Tally)>,
    t: &T,
) {
    let rows: Vec<(String, &Tally)> = rows.into_iter().collect();
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(s, "\n{title}");
    let cells: Vec<[String; 6]> = rows
        .iter()
        .map(|(k, tally)| {
            [
                k.clone(),
                tally.documents.to_string(),
                tally.qualified.to_string(),
                pct(tally.pass_rate()),
                points(tally.deduction()),
                tally
                    .deductions_in_order()
                    .iter()
                    .filter(|(_, d)| *d != 0.0)
                    .map(|(i, d)| format!("{i} {}", points(*d)))
                    .collect::<Vec<_>>()
                    .join(", "),
            ]
        })
        .collect();
    let header = [
        String::new(),
        t.columns[0].to_string(),
        t.columns[1].to_string(),
        t.columns[2].to_string(),
        t.columns[3].to_string(),
        t.columns[4].to_string(),
    ];
    let mut widths = [0usize; 6];
    for row in std::iter::once(&header).chain(cells.iter()) {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(width(c));
        }
    }
    for row in std::iter::once(&header).chain(cells.iter()) {
        let mut line = String::from("  ");
        for (i, c) in row.iter().enumerate() {
            if i == 5 {
                line.push_str(c);
            } else if i == 0 {
                line.push_str(&pad(c, widths[i]));
                line.push_str("  ");
            } else {
                // Numbers right-aligned.
                line.push_str(&" ".repeat(widths[i].saturating_sub(width(c))));
                line.push_str(c);
                line.push_str("  ");
            }
        }
        let _ = writeln!(s, "{}", line.trim_end());
    }
}

/// The readable sheet.
pub fn text(engine: &Engine, sheet: &Sheet, bad_inputs: u64, lang: Lang) -> String {
    let t = match lang {
        Lang::Zh => &ZH,
        Lang::En => &EN,
    };
    let rates = sheet.rates(&engine.policy.thresholds);
    let mut s = String::new();
    let _ = writeln!(s, "{} ({})", t.title, engine.ruleset());
    pass_line(&mut s, t.pass, &rates.prescription_pass_rate, lang);
    pass_line(&mut s, t.record, &rates.record_pass_rate, lang);
    let m = &rates.missed_reports;
    let _ = match lang {
        Lang::Zh => writeln!(
            s,
            "{}：{} 例，漏报率 {}（{} 例已报告），目标 ≤{}%：{}",
            t.missed,
            m.missed,
            pct(m.rate),
            m.reported,
            points(m.target),
            if m.met {
                "达标".to_string()
            } else {
                format!("未达标，扣款 {} 元", points(m.penalty))
            }
        ),
        Lang::En => writeln!(
            s,
            "{}: {}, rate {} ({} reported), target ≤{}%: {}",
            t.missed,
            m.missed,
            pct(m.rate),
            m.reported,
            points(m.target),
            if m.met {
                "met".to_string()
            } else {
                format!("penalty {} yuan", points(m.penalty))
            }
        ),
    };
    let a = &rates.antibiotic_share;
    let _ = match lang {
        Lang::Zh => writeln!(
            s,
            "{}：{}（{}/{}），上限 {}%：{}",
            t.abx,
            pct(a.share),
            a.with_antibiotics,
            a.prescriptions,
            points(a.max),
            if a.met { "达标" } else { "超标" }
        ),
        Lang::En => writeln!(
            s,
            "{}: {} ({}/{}), at most {}%: {}",
            t.abx,
            pct(a.share),
            a.with_antibiotics,
            a.prescriptions,
            points(a.max),
            if a.met { "met" } else { "above the ceiling" }
        ),
    };
    let _ = match lang {
        Lang::Zh => writeln!(s, "{}：{} 元", t.total_penalty, points(rates.penalty_total)),
        Lang::En => writeln!(
            s,
            "{}: {} yuan",
            t.total_penalty,
            points(rates.penalty_total)
        ),
    };
    if bad_inputs > 0 {
        let _ = match lang {
            Lang::Zh => writeln!(s, "{}：{}（未计入）", t.bad_inputs, bad_inputs),
            Lang::En => writeln!(s, "{}: {} (not counted)", t.bad_inputs, bad_inputs),
        };
    }
    let name = |k: &str| -> String {
        if k == opdcheck_engine::sheet::UNSPECIFIED {
            t.unspecified.to_string()
        } else {
            k.to_string()
        }
    };
    let mut kinds: Vec<(String, &Tally)> = sheet
        .by_kind
        .iter()
        .map(|(k, v)| (kind_name(*k, lang).to_string(), v))
        .collect();
    let total_label = match lang {
        Lang::Zh => "合计",
        Lang::En => "total",
    };
    kinds.push((total_label.to_string(), &sheet.total));
    table(&mut s, t.by_kind, kinds, t);
    table(
        &mut s,
        t.by_department,
        sheet.by_department.iter().map(|(k, v)| (name(k), v)),
        t,
    );
    table(
        &mut s,
        t.by_doctor,
        sheet.by_doctor.iter().map(|(k, v)| (name(k), v)),
        t,
    );
    let hits = sheet.total.rule_hits_in_order();
    if !hits.is_empty() {
        let _ = writeln!(s, "\n{}", t.rule_hits);
        for (code, n) in hits {
            let title = opdcheck_engine::rules::rule(code)
                .map(|r| match lang {
                    Lang::Zh => r.title.0,
                    Lang::En => r.title.1,
                })
                .unwrap_or("");
            let _ = writeln!(s, "  {code:<6} {n:>6}  {title}");
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_when_needed() {
        assert_eq!(csv_field("呼吸内科"), "呼吸内科");
        assert_eq!(csv_field("内科,一病区"), "\"内科,一病区\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("a\"b,c"), "\"a\"\"b,c\"");
    }

    #[test]
    fn chinese_takes_two_columns() {
        assert_eq!(width("D0012"), 5);
        assert_eq!(width("呼吸内科"), 8);
        assert_eq!(width("（未填）"), 8);
        assert_eq!(pad("儿科", 6), "儿科  ");
    }

    #[test]
    fn an_empty_sheet_prints() {
        let engine = Engine::default_engine();
        let sheet = Sheet::new();
        let csv = csv(engine, &sheet);
        assert_eq!(csv.lines().count(), 2, "{csv}");
        assert!(
            csv.lines()
                .nth(1)
                .unwrap()
                .starts_with("total,all,0,0,,,0,")
        );
        let text = text(engine, &sheet, 0, Lang::En);
        assert!(
            text.contains("prescription pass rate: - (0/0), target ≥95%: nothing to rate"),
            "{text}"
        );
        let json: serde_json::Value = serde_json::from_str(&json(engine, &sheet, 0)).unwrap();
        assert_eq!(json["rates"]["penalty_total"], 0.0);
    }
}
