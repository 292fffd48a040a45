//! `opdcheck rules`: the rule catalog, or one rule's doc.

use std::fmt::Write;

use opdcheck_engine::catalog::{rule_markdown, severity_text};
use opdcheck_engine::rules::{RULES, Rule};
use opdcheck_engine::{Lang, Text};
use serde::Serialize;

#[derive(Serialize)]
struct RuleJson<'a> {
    code: &'a str,
    item: &'a str,
    group: &'a str,
    severity: &'a str,
    severity_text: String,
    title: Text,
    clause: &'a str,
    overridable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    case: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    doc: Option<String>,
}

fn rule_json(r: &Rule, with_doc: bool) -> RuleJson<'_> {
    RuleJson {
        code: r.code,
        item: r.item,
        group: r.group().title().1,
        severity: r.severity.as_str(),
        severity_text: severity_text(r),
        title: r.title_text(),
        clause: r.clause,
        overridable: r.overridable,
        case: r.case,
        doc: with_doc.then(|| r.doc_text()),
    }
}

pub fn json_list() -> String {
    let list: Vec<RuleJson> = RULES.iter().map(|r| rule_json(r, false)).collect();
    let mut s = serde_json::to_string_pretty(&list).expect("rules serialize");
    s.push('\n');
    s
}

pub fn json_one(r: &Rule) -> String {
    let mut s = serde_json::to_string_pretty(&rule_json(r, true)).expect("a rule serializes");
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
