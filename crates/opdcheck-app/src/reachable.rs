//! Forms that can always be finished (issue 14, item 4): every finding a single-document rule
//! can raise names a field the form for that kind declares ([`crate::fields`]), so the doctor
//! can reach what fixes it. The cases are each rule's own `## Bad` example (a patch on the
//! clean sample of its kind, as the engine's tests apply it), plus the dead ends found by hand.
//! The browser tests render each case and look for the field's element; this checks the
//! declared paths natively.

use opdcheck_engine::model::Document;
use opdcheck_engine::rules::{Group, RULES};
use opdcheck_engine::{DocKind, Finding, Report, parse_document};
use serde_json::Value;

use crate::fields::anchor_in;

/// One document that breaks a rule.
pub struct Case {
    pub rule: &'static str,
    pub kind: DocKind,
    pub doc: Document,
}

/// Findings of rules that have no field to fix them on purpose: they speak of another document
/// (HX-01), or of amendments (RX-16, MR-06), which are no form field: shown at the top of the
/// form, they are fixed by the 更正 bar above it (「由本人签名并注明时间」 for amendments a
/// document came with; a correction made here is signed and dated by whoever signs it).
pub const WHOLE_DOCUMENT: &[&str] = &["RX-16", "MR-06", "HX-01"];

/// Paths the sign button fixes rather than a field: the prescription's end mark (RX-17), which
/// signing sets.
pub const SET_BY_SIGNING: &[&str] = &["completed"];

fn case(rule: &'static str, kind: DocKind, p: Value) -> Option<Case> {
    let v = opdcheck_engine::samples::patched(kind, p);
    let doc = parse_document(&v.to_string()).ok()?;
    Some(Case { rule, kind, doc })
}

/// The cases: each single-document rule's `## Bad` example, and the RQ-05 requests that once
/// had no consent field (穿刺 on a pathology request, CTA filed as "other", DSA, 超声引导下活检).
pub fn cases() -> Vec<Case> {
    let mut out: Vec<Case> = RULES
        .iter()
        .filter(|r| !matches!(r.group(), Group::Visit | Group::History))
        .filter_map(|r| {
            let bad: Value = serde_json::from_str(&r.example("Bad")?).ok()?;
            case(r.code, r.group().kind(), bad)
        })
        .collect();
    for p in [
        serde_json::json!({"category": "pathology", "items": {"$replace": ["甲状腺结节细针穿刺"]}, "body_site": null, "contrast": null}),
        serde_json::json!({"category": "other", "items": {"$replace": ["头颅CTA"]}, "contrast": null}),
        serde_json::json!({"category": "imaging", "items": {"$replace": ["全脑DSA"]}, "contrast": null}),
        serde_json::json!({"category": "ultrasound", "items": {"$replace": ["超声引导下肝穿刺活检"]}, "contrast": null}),
    ] {
        out.extend(case("RQ-05", DocKind::ExamRequest, p));
    }
    out
}

/// The findings of `rule` in `report` that no field of the form for `kind` claims.
pub fn unreachable<'r>(kind: DocKind, rule: &str, report: &'r Report) -> Vec<&'r Finding> {
    if WHOLE_DOCUMENT.contains(&rule) {
        return vec![];
    }
    report
        .findings
        .iter()
        .filter(|f| {
            f.rule == rule
                && anchor_in(kind, &f.path).is_empty()
                && !SET_BY_SIGNING.contains(&f.path.as_str())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use opdcheck_engine::Engine;

    /// For every rule about one prescription, record, request or report card: its bad example
    /// fires it, and each of its findings names a field the form declares.
    #[test]
    fn every_finding_of_every_rule_names_a_field_of_its_form() {
        let e = Engine::default_engine();
        let cases = cases();
        let single = RULES
            .iter()
            .filter(|r| !matches!(r.group(), Group::Visit | Group::History))
            .count();
        assert!(cases.len() > single, "every rule has a case");
        let mut missing = vec![];
        for c in &cases {
            let report = e.check(&c.doc);
            assert!(
                report.findings.iter().any(|f| f.rule == c.rule),
                "{}: the case does not fire it",
                c.rule
            );
            for f in unreachable(c.kind, c.rule, &report) {
                missing.push(format!("{} at `{}`", f.rule, f.path));
            }
        }
        assert!(missing.is_empty(), "findings with no field: {missing:#?}");
    }
}
