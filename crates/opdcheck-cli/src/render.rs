//! The readable text report, in Chinese or English.

use std::fmt::Write;

use opdcheck_engine::sheet::visit_level_findings;
use opdcheck_engine::{DocKind, Document, Finding, Lang, Report, Severity};

/// Words of the text report.
struct Words {
    qualified: &'static str,
    not_qualified: &'static str,
    deduction: fn(f64) -> String,
    clause: &'static str,
    hint: &'static str,
    overridable: &'static str,
    tuned: fn(&str, &str, &str) -> String,
    reason: &'static str,
    accepted: &'static str,
    no_id: &'static str,
    colon: &'static str,
}

const ZH: Words = Words {
    qualified: "✓ 合格",
    not_qualified: "✗ 不合格",
    deduction: |d| format!("扣 {} 分", points(d)),
    clause: "依据：",
    hint: "建议：",
    overridable: "（可填写理由后放行）",
    tuned: |entry, from, to| format!("院内调整 {entry}：由{from}改为{to}"),
    reason: "医生理由：",
    accepted: "（已说明理由放行）",
    no_id: "（无编号）",
    colon: "：",
};

const EN: Words = Words {
    qualified: "✓ qualified",
    not_qualified: "✗ not qualified",
    deduction: |d| format!("deduction {}", points(d)),
    clause: "clause: ",
    hint: "hint: ",
    overridable: " (can be accepted with a recorded reason)",
    tuned: |entry, from, to| format!("tuned by {entry}: {from} made {to}"),
    reason: "doctor's reason: ",
    accepted: " (accepted with the doctor's reason)",
    no_id: "(no id)",
    colon: ": ",
};

fn words(lang: Lang) -> &'static Words {
    match lang {
        Lang::Zh => &ZH,
        Lang::En => &EN,
    }
}

/// 1 → "1", 0.5 → "0.5".
pub fn points(d: f64) -> String {
    format!("{d}")
}

pub fn kind_name(kind: DocKind, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => kind.zh(),
        Lang::En => kind.as_str(),
    }
}

fn severity_name(s: Severity, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => s.zh(),
        Lang::En => s.as_str(),
    }
}

fn severity_mark(s: Severity) -> &'static str {
    match s {
        Severity::Error => "✗",
        Severity::Warning => "!",
        Severity::Info => "i",
    }
}

/// One document's report as text, ending with a blank line. `place` is where it was read
/// (`batch.jsonl:3`).
pub fn document(doc: &Document, report: &Report, lang: Lang, place: &str) -> String {
    let mut s = String::new();
    match doc {
        Document::Visit(v) => {
            header(&mut s, report, lang, place, 0);
            for f in visit_level_findings(v, report) {
                finding(&mut s, f, lang, 1);
            }
            for r in report.documents.iter().flatten() {
                header(&mut s, r, lang, "", 1);
                for f in &r.findings {
                    finding(&mut s, f, lang, 2);
                }
            }
        }
        _ => {
            header(&mut s, report, lang, place, 0);
            for f in &report.findings {
                finding(&mut s, f, lang, 1);
            }
        }
    }
    s.push('\n');
    s
}

fn header(s: &mut String, r: &Report, lang: Lang, place: &str, depth: usize) {
    let w = words(lang);
    let indent = "  ".repeat(depth);
    let id = if r.document.id.is_empty() {
        w.no_id
    } else {
        &r.document.id
    };
    let _ = write!(
        s,
        "{indent}{} {id} · {}",
        kind_name(r.document.kind, lang),
        if r.score.qualified {
            w.qualified
        } else {
            w.not_qualified
        }
    );
    if r.score.deduction > 0.0 {
        let _ = write!(s, " · {}", (w.deduction)(r.score.deduction));
    }
    if !place.is_empty() {
        let _ = write!(s, "  ({place})");
    }
    s.push('\n');
}

fn finding(s: &mut String, f: &Finding, lang: Lang, depth: usize) {
    let w = words(lang);
    let indent = "  ".repeat(depth);
    let path = if f.path.is_empty() { "-" } else { &f.path };
    let _ = writeln!(
        s,
        "{indent}{} {} {} [{}] {path}{}{}{}",
        severity_mark(f.severity),
        severity_name(f.severity, lang),
        f.rule,
        f.item,
        w.colon,
        f.message.get(lang),
        match &f.reason {
            Some(r) if r.accepted => w.accepted,
            _ if f.overridable => w.overridable,
            _ => "",
        },
    );
    if let Some(t) = &f.tuning {
        let (from, to) = (severity_name(t.from, lang), severity_name(f.severity, lang));
        let _ = writeln!(s, "{indent}    {}", (w.tuned)(&t.entry, from, to));
    }
    if let Some(r) = &f.reason {
        let said: Vec<&str> = [r.label.get(lang), r.text.as_deref().unwrap_or("")]
            .into_iter()
            .filter(|x| !x.is_empty())
            .collect();
        let _ = writeln!(s, "{indent}    {}{}", w.reason, said.join(" — "));
    }
    if !f.clause.is_empty() {
        let _ = writeln!(s, "{indent}    {}{}", w.clause, f.clause);
    }
    let hint = f.hint.get(lang);
    if !hint.is_empty() {
        let _ = writeln!(s, "{indent}    {}{hint}", w.hint);
    }
}

/// Counts for the closing line of `check`.
#[derive(Debug, Default, Clone, Copy)]
pub struct Tally {
    pub documents: u64,
    pub qualified: u64,
    pub with_errors: u64,
    pub bad_inputs: u64,
}

pub fn summary(t: &Tally, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!(
            "共 {} 份文书：合格 {}，有错误 {}，无法读取的输入 {}\n",
            t.documents, t.qualified, t.with_errors, t.bad_inputs
        ),
        Lang::En => format!(
            "{} document{}: {} qualified, {} with errors, {} bad input{}\n",
            t.documents,
            if t.documents == 1 { "" } else { "s" },
            t.qualified,
            t.with_errors,
            t.bad_inputs,
            if t.bad_inputs == 1 { "" } else { "s" },
        ),
    }
}

#[cfg(test)]
mod tests {
    use opdcheck_engine::{Engine, Finding, Severity, Text, parse_document};

    use super::*;

    fn finding(rule: &str, item: &str, path: &str) -> Finding {
        Finding {
            rule: rule.into(),
            item: item.into(),
            severity: Severity::Error,
            path: path.into(),
            message: Text::new("消息", "message"),
            hint: Text::new("提示", "hint"),
            clause: "条款".into(),
            overridable: false,
            tuning: None,
            reason: None,
        }
    }

    /// A visit shows its own findings under its header and each document's findings under
    /// the document: a cross-document finding about a document is shown once, there.
    #[test]
    fn a_visit_shows_each_finding_once_where_it_belongs() {
        let engine = Engine::default_engine();
        let doc = parse_document(opdcheck_engine::samples::VISIT_CLEAN).unwrap();
        let mut report = engine.check(&doc);
        report.findings = vec![
            finding("XV-02", "OPD-10", "prescriptions[0].diagnoses[0]"),
            finding("XV-04", "OPD-5", "record.diagnoses[0]"),
        ];
        let nested = report.documents.as_mut().unwrap();
        assert_eq!(nested[1].document.kind, DocKind::Prescription);
        nested[1]
            .findings
            .push(finding("XV-02", "OPD-10", "diagnoses[0]"));
        nested[1].score.qualified = false;
        report.score.qualified = false;
        let text = document(&doc, &report, Lang::En, "f.jsonl:7");
        assert_eq!(text.matches("XV-02").count(), 1, "{text}");
        assert_eq!(text.matches("XV-04").count(), 1, "{text}");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0], "visit v-1001 · ✗ not qualified  (f.jsonl:7)",
            "{text}"
        );
        assert!(lines[1].starts_with("  ✗ error XV-04 [OPD-5] record.diagnoses[0]: message"));
        assert!(text.contains("  prescription rx-clean-1 · ✗ not qualified\n    ✗ error XV-02 [OPD-10] diagnoses[0]: message\n        clause: 条款\n        hint: hint\n"), "{text}");
        assert!(text.ends_with("\n\n"));
    }

    #[test]
    fn summary_lines() {
        let t = Tally {
            documents: 1,
            qualified: 0,
            with_errors: 1,
            bad_inputs: 2,
        };
        assert_eq!(
            summary(&t, Lang::En),
            "1 document: 0 qualified, 1 with errors, 2 bad inputs\n"
        );
        assert_eq!(
            summary(&t, Lang::Zh),
            "共 1 份文书：合格 0，有错误 1，无法读取的输入 2\n"
        );
        assert_eq!(points(1.0), "1");
        assert_eq!(points(0.5), "0.5");
    }
}
