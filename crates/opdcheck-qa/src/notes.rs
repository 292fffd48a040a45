//! What the review pane says beside a finding besides the rule's own message: the doctor's
//! reason recorded on the document (医生理由) and the hospital's tuning entry that changed the
//! finding (按院内调整 T-1 降为警告), and which findings are the report's shadow ones. Pure, so
//! it is tested natively; `ui::review` only shows it.

use opdcheck_engine::report::{GivenReason, Tuned, TuningAction};
use opdcheck_engine::{Finding, Report, Severity};

/// A line of text in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub zh: String,
    pub en: String,
}

/// The doctor's reason as QA reads it: the pick list's label, then their own words
/// (「临床需要，已评估：痰培养提示混合感染」); either alone when only one was given.
pub fn reason_line(r: &GivenReason) -> Line {
    let text = r.text.as_deref().map(str::trim).filter(|t| !t.is_empty());
    let join = |label: &str, sep: &str| match (label.trim(), text) {
        ("", Some(t)) => t.to_string(),
        (l, Some(t)) => format!("{l}{sep}{t}"),
        (l, None) => l.to_string(),
    };
    Line {
        zh: join(&r.label.zh, "："),
        en: join(&r.label.en, ": "),
    }
}

fn severity_word(s: Severity) -> (&'static str, &'static str) {
    match s {
        Severity::Error => ("错误", "an error"),
        Severity::Warning => ("警告", "a warning"),
        Severity::Info => ("提示", "information"),
    }
}

/// What a tuning entry did to the finding, which now has severity `now`. A shadow finding
/// changed by a trial entry says the change is only being tried (试行).
pub fn tuning_line(t: &Tuned, now: Severity, in_shadow: bool) -> Line {
    let (zh, en) = severity_word(now);
    let id = &t.entry;
    let (did_zh, did_en) = match t.action {
        TuningAction::Downgrade => (format!("降为{zh}"), format!("downgraded to {en}")),
        TuningAction::Upgrade => (format!("升为{zh}"), format!("upgraded to {en}")),
        TuningAction::Shadow => ("影子运行".to_string(), "run in shadow".to_string()),
        TuningAction::Suppress => ("不提示".to_string(), "suppressed".to_string()),
    };
    let trial = in_shadow && t.action != TuningAction::Shadow;
    if trial {
        Line {
            zh: format!("试行院内调整 {id}：{did_zh}"),
            en: format!("Trial of hospital tuning {id}: {did_en}"),
        }
    } else {
        Line {
            zh: format!("按院内调整 {id} {did_zh}"),
            en: format!("Hospital tuning {id}: {did_en}"),
        }
    }
}

/// The report's shadow findings (a visit's: each document's too), once per (rule, path) — QA
/// decides a shadow finding by (rule, path), as the server matches it.
pub fn shadow_findings(report: &Report) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::new();
    let nested = report
        .documents
        .iter()
        .flatten()
        .flat_map(|d| d.shadow.iter());
    for f in report.shadow.iter().chain(nested) {
        if !out.iter().any(|g| g.rule == f.rule && g.path == f.path) {
            out.push(f.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use opdcheck_engine::Text;

    fn reason(label: (&str, &str), text: Option<&str>) -> GivenReason {
        GivenReason {
            choice: Some("x".into()),
            label: Text::new(label.0, label.1),
            text: text.map(String::from),
            accepted: false,
        }
    }

    #[test]
    fn a_reason_reads_label_then_words() {
        let both = reason(
            ("重症或混合感染", "Severe or mixed infection"),
            Some(" 痰培养提示混合感染 "),
        );
        assert_eq!(
            reason_line(&both),
            Line {
                zh: "重症或混合感染：痰培养提示混合感染".into(),
                en: "Severe or mixed infection: 痰培养提示混合感染".into()
            }
        );
        let words = reason(("", ""), Some("患者要求"));
        assert_eq!(reason_line(&words).zh, "患者要求");
        let label = reason(("皮试阴性", "Skin test negative"), Some("  "));
        assert_eq!(reason_line(&label).zh, "皮试阴性");
        assert_eq!(reason_line(&label).en, "Skin test negative");
    }

    #[test]
    fn a_tuning_note_names_the_entry_and_what_it_did() {
        let t = |action| Tuned {
            entry: "T-1".into(),
            action,
            from: Severity::Error,
        };
        assert_eq!(
            tuning_line(&t(TuningAction::Downgrade), Severity::Warning, false),
            Line {
                zh: "按院内调整 T-1 降为警告".into(),
                en: "Hospital tuning T-1: downgraded to a warning".into()
            }
        );
        assert_eq!(
            tuning_line(&t(TuningAction::Upgrade), Severity::Error, false).zh,
            "按院内调整 T-1 升为错误"
        );
        assert_eq!(
            tuning_line(&t(TuningAction::Shadow), Severity::Error, true).zh,
            "按院内调整 T-1 影子运行"
        );
        assert_eq!(
            tuning_line(&t(TuningAction::Downgrade), Severity::Warning, true).zh,
            "试行院内调整 T-1：降为警告",
            "a trial entry's shadow copy"
        );
    }
}
