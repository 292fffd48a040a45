//! `opdcheck rules`: the rule catalog, or one rule's doc.

use std::fmt::Write;

use opdcheck_engine::Lang;
use opdcheck_engine::catalog::{RuleInfo, rule_infos, rule_markdown, severity_text};
use opdcheck_engine::rules::{RULES, Rule};

/// The catalog as JSON: the engine's `RuleInfo` list (docs/schema/rules.schema.json), the
/// same objects as the widget's `rules()`.
pub fn json_list() -> String {
    let mut s = serde_json::to_string_pretty(&rule_infos()).expect("rules serialize");
    s.push('\n');
    s
}

/// One rule as JSON, with its documentation (`doc`).
pub fn json_one(r: &Rule) -> String {
    let mut s = serde_json::to_string_pretty(&RuleInfo::with_doc(r)).expect("a rule serializes");
    s.push('\n');
    s
}

pub fn markdown_list() -> String {
    let mut s = String::from("| rule | item | severity | check |\n|---|---|---|---|\n");
    for r in RULES {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} / {} |",
            r.code,
            r.item,
            severity_text(r),
            r.title.0,
            r.title.1
        );
    }
    s
}

pub fn markdown_one(r: &Rule) -> String {
    rule_markdown(r)
}

/// The catalog table: code, item, severity, title; a severity that varies is marked `*`
/// and explained below the table.
pub fn text_list(lang: Lang) -> String {
    let mut s = String::new();
    let (h_code, h_item, h_sev, h_title) = match lang {
        Lang::Zh => ("规则", "考核项", "严重程度", "检查内容"),
        Lang::En => ("rule", "item", "severity", "check"),
    };
    let sev = |r: &Rule| {
        let base = r.severity.as_str();
        if r.severity_note.is_empty() {
            base.to_string()
        } else {
            format!("{base}*")
        }
    };
    let display_width =
        |h: &str| -> usize { h.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum() };
    let wsev = RULES
        .iter()
        .map(|r| sev(r).len())
        .max()
        .unwrap_or(0)
        .max(display_width(h_sev));
    let pad_cjk =
        |h: &str, w: usize| format!("{h}{}", " ".repeat(w.saturating_sub(display_width(h))));
    let _ = writeln!(
        s,
        "{}  {}  {}  {h_title}",
        pad_cjk(h_code, 5),
        pad_cjk(h_item, 7),
        pad_cjk(h_sev, wsev)
    );
    for r in RULES {
        let title = match lang {
            Lang::Zh => r.title.0,
            Lang::En => r.title.1,
        };
        let _ = writeln!(
            s,
            "{:<5}  {:<7}  {:<wsev$}  {title}",
            r.code,
            r.item,
            sev(r)
        );
    }
    let notes: Vec<&&Rule> = RULES
        .iter()
        .filter(|r| !r.severity_note.is_empty())
        .collect();
    if !notes.is_empty() {
        s.push('\n');
        for r in notes {
            let _ = writeln!(s, "* {}: {}", r.code, severity_text(r));
        }
    }
    let _ = match lang {
        Lang::Zh => writeln!(
            s,
            "\n共 {} 条规则。查看单条规则：opdcheck rules <规则>",
            RULES.len()
        ),
        Lang::En => writeln!(
            s,
            "\n{} rules. One rule's doc: opdcheck rules <CODE>",
            RULES.len()
        ),
    };
    s
}
