//! The doctor's reasons for the findings they keep (issue 15), given in place at the finding:
//! which findings take one, the draft the picker edits, and writing it into (or out of) the
//! document's `reasons`, which the engine reads when it checks the document again. Also the
//! lines a finding shows about its reason and about a tuning entry that changed it. Pure, so
//! it is tested natively.

use opdcheck_engine::alerts::{Alerts, TuningEntry};
use opdcheck_engine::model::{
    AlertReason, ExamRequest, InfectiousReport, OutpatientRecord, Prescription,
};
use opdcheck_engine::report::{GivenReason, Tuned, TuningAction};
use opdcheck_engine::{Finding, Severity};

/// The pick list's key that needs the doctor's own words.
pub const OTHER: &str = "other";

/// Documents that carry the doctor's reasons.
pub trait HasReasons {
    fn reasons(&self) -> &Vec<AlertReason>;
    fn reasons_mut(&mut self) -> &mut Vec<AlertReason>;
}

macro_rules! has_reasons {
    ($($t:ty),*) => {$(
        impl HasReasons for $t {
            fn reasons(&self) -> &Vec<AlertReason> { &self.reasons }
            fn reasons_mut(&mut self) -> &mut Vec<AlertReason> { &mut self.reasons }
        }
    )*};
}
has_reasons!(
    Prescription,
    OutpatientRecord,
    ExamRequest,
    InfectiousReport
);

/// A finding the doctor may keep with a reason: a warning, an error a reason may accept (the
/// engine marks it `overridable`), or one that already has its reason (an accepted error is a
/// warning by then). Information and blocking errors take none: the first asks nothing, the
/// second must be fixed.
pub fn takes_reason(f: &Finding) -> bool {
    f.reason.is_some()
        || match f.severity {
            Severity::Warning => true,
            Severity::Error => f.overridable,
            Severity::Info => false,
        }
}

/// The reason on the document that speaks for the finding `rule` at `path`: one given for
/// that very finding, else one for every finding of the rule (as the engine reads them).
pub fn given<'r>(reasons: &'r [AlertReason], rule: &str, path: &str) -> Option<&'r AlertReason> {
    reasons
        .iter()
        .filter(|r| r.rule == rule && r.path.as_deref().is_none_or(|p| p == path))
        .max_by_key(|r| r.path.is_some())
}

/// Record `r` for its finding: it replaces the reason given before for the same finding (same
/// rule and path); the others stay.
pub fn record(reasons: &mut Vec<AlertReason>, r: AlertReason) {
    match reasons
        .iter_mut()
        .find(|x| x.rule == r.rule && x.path == r.path)
    {
        Some(x) => *x = r,
        None => reasons.push(r),
    }
}

/// Take back the reason that speaks for the finding `rule` at `path` (the one [`given`]
/// finds). `true` when there was one.
pub fn remove(reasons: &mut Vec<AlertReason>, rule: &str, path: &str) -> bool {
    let Some(target) = given(reasons, rule, path).cloned() else {
        return false;
    };
    let before = reasons.len();
    reasons.retain(|r| *r != target);
    reasons.len() != before
}

/// What the picker holds while the doctor chooses: a key of the rule's pick list and words.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Draft {
    pub choice: String,
    pub text: String,
}

/// Why a draft cannot be recorded yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// Nothing chosen from the list.
    NoChoice,
    /// 「其他」 says nothing without the doctor's words.
    OtherNeedsWords,
}

impl Problem {
    pub fn message(self, zh: bool) -> &'static str {
        match (self, zh) {
            (Problem::NoChoice, true) => "请从列表中选择理由",
            (Problem::NoChoice, false) => "Choose a reason from the list",
            (Problem::OtherNeedsWords, true) => "选择「其他」时请写明理由",
            (Problem::OtherNeedsWords, false) => "“Other” needs a few words",
        }
    }
}

impl Draft {
    /// The picker opened on a reason already given (or on nothing).
    pub fn of(r: Option<&AlertReason>) -> Draft {
        Draft {
            choice: r.and_then(|r| r.choice.clone()).unwrap_or_default(),
            text: r.and_then(|r| r.text.clone()).unwrap_or_default(),
        }
    }

    /// What keeps it from being recorded, if anything.
    pub fn problem(&self) -> Option<Problem> {
        if self.choice.trim().is_empty() {
            Some(Problem::NoChoice)
        } else if self.choice == OTHER && self.text.trim().is_empty() {
            Some(Problem::OtherNeedsWords)
        } else {
            None
        }
    }

    /// The document's entry for the finding `rule` at `path`, given by `by` (the signed-in
    /// doctor's id, when known) at `at` (`YYYY-MM-DDTHH:MM`).
    pub fn to_reason(
        &self,
        rule: &str,
        path: &str,
        by: Option<&str>,
        at: &str,
    ) -> Result<AlertReason, Problem> {
        if let Some(p) = self.problem() {
            return Err(p);
        }
        let text = self.text.trim();
        Ok(AlertReason {
            rule: rule.to_string(),
            path: Some(path.to_string()),
            choice: Some(self.choice.trim().to_string()),
            text: (!text.is_empty()).then(|| text.to_string()),
            by: by.filter(|b| !b.trim().is_empty()).map(str::to_string),
            at: Some(at.to_string()),
        })
    }
}

/// The choices the picker offers for `rule`: key, zh, en (the policy's pick list).
pub fn choices(alerts: &Alerts, rule: &str) -> Vec<(String, String, String)> {
    alerts
        .choices(rule)
        .iter()
        .map(|c| (c.key.clone(), c.zh.clone(), c.en.clone()))
        .collect()
}

/// The reason as the finding shows it: 「理由：皮试阴性（患者三年前用过）」.
pub fn reason_line(r: &GivenReason, zh: bool) -> String {
    let text = r.text.as_deref().map(str::trim).unwrap_or("");
    // 「其他（请说明）」 is the list's prompt, not the reason: the doctor's words are.
    let label = if r.choice.as_deref() == Some(OTHER) && !text.is_empty() {
        ""
    } else if zh {
        r.label.zh.trim()
    } else {
        r.label.en.trim()
    };
    let said = match (label.is_empty(), text.is_empty()) {
        (false, false) if zh => format!("{label}（{text}）"),
        (false, false) => format!("{label} ({text})"),
        (false, true) => label.to_string(),
        _ => text.to_string(),
    };
    if zh {
        format!("理由：{said}")
    } else {
        format!("Reason: {said}")
    }
}

/// The mark of an error a reason accepted: 「已说明理由」.
pub fn accepted_mark(zh: bool) -> &'static str {
    if zh {
        "已说明理由"
    } else {
        "reason given"
    }
}

fn severity_word(s: Severity, zh: bool) -> &'static str {
    match (s, zh) {
        (Severity::Error, true) => "错误",
        (Severity::Warning, true) => "警告",
        (Severity::Info, true) => "提示",
        (Severity::Error, false) => "error",
        (Severity::Warning, false) => "warning",
        (Severity::Info, false) => "information",
    }
}

/// What a tuning entry did to the finding now at severity `now`: 「按院内调整 T-1 由错误降为警告」.
pub fn tuning_note(t: &Tuned, now: Severity, zh: bool) -> String {
    let (from, to) = (severity_word(t.from, zh), severity_word(now, zh));
    match (t.action, zh) {
        (TuningAction::Downgrade, true) => format!("按院内调整 {} 由{from}降为{to}", t.entry),
        (TuningAction::Upgrade, true) => format!("按院内调整 {} 由{from}升为{to}", t.entry),
        (_, true) => format!("按院内调整 {}", t.entry),
        (TuningAction::Downgrade, false) => {
            format!("Hospital tuning {}: {from} lowered to {to}", t.entry)
        }
        (TuningAction::Upgrade, false) => {
            format!("Hospital tuning {}: {from} raised to {to}", t.entry)
        }
        (_, false) => format!("Hospital tuning {}", t.entry),
    }
}

/// The policy's entry a tuned finding names.
pub fn entry<'a>(alerts: &'a Alerts, id: &str) -> Option<&'a TuningEntry> {
    alerts.tuning.iter().find(|e| e.id == id)
}

/// The entry's why, who and until when, as the finding's second line: 「依据：… · 张主任 · 至
/// 2027-06-30」.
pub fn rationale_line(e: &TuningEntry, zh: bool) -> String {
    if zh {
        format!(
            "依据：{} · {} · 至 {}",
            e.rationale.trim(),
            e.author.trim(),
            e.expires
        )
    } else {
        format!(
            "Why: {} · {} · until {}",
            e.rationale.trim(),
            e.author.trim(),
            e.expires
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opdcheck_engine::model::Document;
    use opdcheck_engine::{Engine, parse_document};

    fn clean_rx() -> Prescription {
        match parse_document(opdcheck_engine::samples::PRESCRIPTION_CLEAN).unwrap() {
            Document::Prescription(p) => p,
            _ => unreachable!(),
        }
    }

    fn reason(rule: &str, path: Option<&str>, choice: &str) -> AlertReason {
        AlertReason {
            rule: rule.into(),
            path: path.map(Into::into),
            choice: Some(choice.into()),
            ..Default::default()
        }
    }

    #[test]
    fn a_reason_is_recorded_replaced_and_removed_per_finding() {
        let mut rs = vec![reason("RX-20", None, "switching")];
        record(
            &mut rs,
            reason("RX-09", Some("items[0].quantity"), "clinical_need"),
        );
        record(
            &mut rs,
            reason("RX-09", Some("items[1].quantity"), "clinical_need"),
        );
        // The same finding again: replaced, not added.
        record(
            &mut rs,
            reason("RX-09", Some("items[0].quantity"), "not_applicable"),
        );
        assert_eq!(rs.len(), 3);
        assert_eq!(
            given(&rs, "RX-09", "items[0].quantity").and_then(|r| r.choice.as_deref()),
            Some("not_applicable")
        );
        // A rule-wide reason speaks for every finding of its rule; a finding's own wins.
        assert_eq!(given(&rs, "RX-20", "items[1].drug"), Some(&rs[0]));
        record(
            &mut rs,
            reason("RX-20", Some("items[1].drug"), "intended_combination"),
        );
        assert_eq!(
            given(&rs, "RX-20", "items[1].drug").and_then(|r| r.choice.as_deref()),
            Some("intended_combination")
        );
        assert!(remove(&mut rs, "RX-09", "items[0].quantity"));
        assert!(given(&rs, "RX-09", "items[0].quantity").is_none());
        assert!(
            given(&rs, "RX-09", "items[1].quantity").is_some(),
            "the other stays"
        );
        assert!(!remove(&mut rs, "RX-09", "items[0].quantity"));
    }

    #[test]
    fn other_needs_words_and_a_choice_is_needed() {
        let d = Draft::default();
        assert_eq!(d.problem(), Some(Problem::NoChoice));
        let d = Draft {
            choice: OTHER.into(),
            text: "  ".into(),
        };
        assert_eq!(
            d.to_reason("RX-09", "items[0].quantity", None, "2026-12-02T09:30"),
            Err(Problem::OtherNeedsWords)
        );
        let d = Draft {
            choice: OTHER.into(),
            text: " 患者出差两周 ".into(),
        };
        let r = d
            .to_reason(
                "RX-09",
                "items[0].quantity",
                Some("D0201"),
                "2026-12-02T09:30",
            )
            .unwrap();
        assert_eq!(
            r,
            AlertReason {
                rule: "RX-09".into(),
                path: Some("items[0].quantity".into()),
                choice: Some("other".into()),
                text: Some("患者出差两周".into()),
                by: Some("D0201".into()),
                at: Some("2026-12-02T09:30".into()),
            }
        );
        assert_eq!(Draft::of(Some(&r)).text, "患者出差两周");
    }

    /// The loop the picker closes: a reason recorded in the document is what the engine reads
    /// on the next check — the warning shows it, the overridable error is accepted as a
    /// warning, and taking the reason back brings the error back.
    #[test]
    fn the_engine_reads_the_recorded_reason() {
        let e = Engine::with_policy_override(r#"{"alerts": {"overridable": ["RX-08"]}}"#).unwrap();
        let mut rx = clean_rx();
        rx.items[0].frequency = Some("遵医嘱".into());
        let check = |rx: &Prescription| e.check(&Document::Prescription(rx.clone()));
        let f = check(&rx)
            .findings
            .into_iter()
            .find(|f| f.rule == "RX-08")
            .unwrap();
        assert_eq!(f.severity, Severity::Error);
        assert!(takes_reason(&f));
        let path = f.path.clone();
        let r = Draft {
            choice: "clinical_need".into(),
            text: String::new(),
        }
        .to_reason("RX-08", &path, None, "2026-12-02T09:30")
        .unwrap();
        record(rx.reasons_mut(), r);
        let f = check(&rx)
            .findings
            .into_iter()
            .find(|f| f.rule == "RX-08")
            .unwrap();
        assert_eq!(f.severity, Severity::Warning);
        let given = f.reason.as_ref().unwrap();
        assert!(given.accepted);
        assert_eq!(reason_line(given, true), "理由：临床需要，已评估");
        assert!(remove(rx.reasons_mut(), "RX-08", &path));
        let f = check(&rx)
            .findings
            .into_iter()
            .find(|f| f.rule == "RX-08")
            .unwrap();
        assert_eq!(f.severity, Severity::Error);
        assert!(f.reason.is_none());
    }

    #[test]
    fn a_blocking_error_and_information_take_no_reason() {
        let e = Engine::default_engine();
        let mut rx = clean_rx();
        rx.items[0].frequency = Some("遵医嘱".into());
        let r = e.check(&Document::Prescription(rx));
        let f = r.findings.iter().find(|f| f.rule == "RX-08").unwrap();
        assert!(!takes_reason(f), "RX-08 is not overridable by default");
        let mut w = f.clone();
        w.severity = Severity::Warning;
        assert!(takes_reason(&w));
        w.severity = Severity::Info;
        assert!(!takes_reason(&w));
    }

    #[test]
    fn lines_read_as_the_doctor_reads_them() {
        let t = Tuned {
            entry: "T-1".into(),
            action: TuningAction::Downgrade,
            from: Severity::Error,
        };
        assert_eq!(
            tuning_note(&t, Severity::Warning, true),
            "按院内调整 T-1 由错误降为警告"
        );
        let t = Tuned {
            entry: "T-2".into(),
            action: TuningAction::Upgrade,
            from: Severity::Warning,
        };
        assert_eq!(
            tuning_note(&t, Severity::Error, true),
            "按院内调整 T-2 由警告升为错误"
        );
        assert_eq!(
            tuning_note(&t, Severity::Error, false),
            "Hospital tuning T-2: warning raised to error"
        );
        let given = GivenReason {
            choice: Some("other".into()),
            label: opdcheck_engine::Text::new("其他（请说明）", "Other (please explain)"),
            text: Some("患者出差".into()),
            accepted: false,
        };
        // 「其他（请说明）」 is the list's prompt: the doctor's words are the reason.
        assert_eq!(reason_line(&given, true), "理由：患者出差");
        let listed = GivenReason {
            choice: Some("skin_test_negative".into()),
            label: opdcheck_engine::Text::new("皮试阴性", "Skin test negative"),
            text: Some("今日皮试".into()),
            accepted: false,
        };
        assert_eq!(reason_line(&listed, true), "理由：皮试阴性（今日皮试）");
        assert_eq!(
            reason_line(&listed, false),
            "Reason: Skin test negative (今日皮试)"
        );
        let words_only = GivenReason {
            choice: None,
            label: opdcheck_engine::Text::new("", ""),
            text: Some("患者出差".into()),
            accepted: false,
        };
        assert_eq!(reason_line(&words_only, true), "理由：患者出差");
        let e = Engine::with_policy_override(
            r#"{"alerts": {"tuning": [{"id": "T-1", "rule": "RX-08", "action": "downgrade",
                "rationale": "门诊随访用药", "author": "药剂科", "expires": "2027-06-30"}]}}"#,
        )
        .unwrap();
        let entry = entry(&e.policy.alerts, "T-1").unwrap();
        assert_eq!(
            rationale_line(entry, true),
            "依据：门诊随访用药 · 药剂科 · 至 2027-06-30"
        );
        assert_eq!(
            choices(&e.policy.alerts, "RX-19")[0].1,
            "既往使用该药无过敏反应"
        );
    }
}
