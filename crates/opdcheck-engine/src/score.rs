//! Scoring one document: each assessment item's deduction is charged once when any of its
//! rules fires with severity `error`; OPD-5 is charged per case (late 2, defective 1, missed 5
//! for each missed case). `qualified` (合格) = no error finding.
//!
//! Warnings never deduct in a document's own score (the doctor's live score): a warning is a
//! question the engine cannot settle alone. Some of them the table does charge (RX-21, RX-22
//! under CLN-7: 无指征使用, 不合理联合使用): the item lists them as `confirmed_warnings`, and QA's
//! review charges the item once QA confirms one ([`review_score_decided`]).

use std::collections::BTreeMap;

use crate::policy::Policy;
use crate::report::{Finding, ItemDeduction, Score, Severity};
use crate::rules;

/// Items ordered as the tables number them: OPD-4 before OPD-10, OPD before CLN.
pub fn item_order(item: &str) -> (u8, u32, String) {
    let (prefix, n) = item.split_once('-').unwrap_or((item, ""));
    let group = match prefix {
        "OPD" => 0,
        "CLN" => 1,
        _ => 2,
    };
    (group, n.parse().unwrap_or(u32::MAX), item.to_string())
}

/// The score of one document's findings.
pub fn score(findings: &[Finding], policy: &Policy) -> Score {
    let mut by_item: BTreeMap<(u8, u32, String), f64> = BTreeMap::new();
    let mut charged: Vec<(&str, Option<&str>)> = Vec::new();
    for f in findings.iter().filter(|f| f.severity == Severity::Error) {
        let case = rules::rule(&f.rule).and_then(|r| r.case);
        let item = policy.items.get(&f.item);
        let deduction = match (case, item) {
            (Some(case), Some(item)) => item.per_case.get(case).copied().unwrap_or(item.deduction),
            (None, Some(item)) => item.deduction,
            (_, None) => 0.0,
        };
        // A missed report is charged for every case; everything else once per document.
        if case != Some("missed") {
            if charged.contains(&(f.item.as_str(), case)) {
                continue;
            }
            charged.push((f.item.as_str(), case));
        }
        *by_item.entry(item_order(&f.item)).or_default() += deduction;
    }
    let items: Vec<ItemDeduction> = by_item
        .into_iter()
        .map(|((_, _, item), deduction)| ItemDeduction { item, deduction })
        .collect();
    // Folded from +0.0: an empty `sum()` of f64 is -0.0, which JSON would show.
    let deduction = items.iter().fold(0.0, |acc, i| acc + i.deduction);
    let qualified = !findings.iter().any(|f| f.severity == Severity::Error);
    Score {
        items,
        deduction,
        qualified,
    }
}

/// Add other scores (a visit's documents) into `total`.
pub fn add_scores<'a>(total: &mut Score, others: impl IntoIterator<Item = &'a Score>) {
    let mut by_item: BTreeMap<(u8, u32, String), f64> = total
        .items
        .drain(..)
        .map(|i| (item_order(&i.item), i.deduction))
        .collect();
    for s in others {
        for i in &s.items {
            *by_item.entry(item_order(&i.item)).or_default() += i.deduction;
        }
        total.qualified &= s.qualified;
    }
    total.items = by_item
        .into_iter()
        .map(|((_, _, item), deduction)| ItemDeduction { item, deduction })
        .collect();
    total.deduction = total.items.iter().fold(0.0, |acc, i| acc + i.deduction);
}

/// A record's total after QA's review: its stored deduction, less what the dismissed findings
/// (rule, path) charged (each item re-scored as [`score`] scores, so an item another standing
/// finding still charges stays charged), plus the manual deductions. Qualified: no error finding
/// left standing (undecided findings stand), every nested document of a visit qualified, and no
/// manual deduction. The QA pane shows it live; the server stores it with the review.
///
/// The same as [`review_score_decided`] with no confirmed finding: a confirmed warning of an
/// item's `confirmed_warnings` is charged only by that function.
pub fn review_score(
    policy: &Policy,
    stored_deduction: f64,
    report: &crate::Report,
    dismissed: &std::collections::BTreeSet<(String, String)>,
    manual_total: f64,
) -> (f64, bool) {
    review_score_decided(
        policy,
        stored_deduction,
        report,
        dismissed,
        &std::collections::BTreeSet::new(),
        manual_total,
    )
}

/// [`review_score`] with QA's confirmations too: a confirmed (rule, path) warning whose item
/// lists the rule in `confirmed_warnings` (RX-21, RX-22 under CLN-7) counts as an error of that
/// item, so the item's deduction is charged once per document (not again when an error of the
/// item already charges it) and the document is not qualified, as a manual deduction makes it
/// not qualified. Undecided warnings stay questions: they charge nothing.
pub fn review_score_decided(
    policy: &Policy,
    stored_deduction: f64,
    report: &crate::Report,
    dismissed: &std::collections::BTreeSet<(String, String)>,
    confirmed: &std::collections::BTreeSet<(String, String)>,
    manual_total: f64,
) -> (f64, bool) {
    let charged_when_confirmed = |f: &Finding| {
        f.severity == Severity::Warning
            && confirmed.contains(&(f.rule.clone(), f.path.clone()))
            && policy
                .items
                .get(&f.item)
                .is_some_and(|i| i.confirmed_warnings.contains(&f.rule))
    };
    let remaining: Vec<Finding> = report
        .findings
        .iter()
        .filter(|f| !dismissed.contains(&(f.rule.clone(), f.path.clone())))
        .map(|f| {
            let mut f = f.clone();
            if charged_when_confirmed(&f) {
                f.severity = Severity::Error;
            }
            f
        })
        .collect();
    let all = score(&report.findings, policy);
    let left = score(&remaining, policy);
    let deduction = (stored_deduction - all.deduction + left.deduction).max(0.0) + manual_total;
    let nested_ok = report.documents.iter().flatten().all(|d| d.score.qualified);
    let qualified = !remaining.iter().any(|f| f.severity == Severity::Error)
        && nested_ok
        && manual_total <= 0.0;
    // Two decimals: sums of halves and wholes, without float noise in the sheet.
    ((deduction * 100.0).round() / 100.0, qualified)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_review_takes_off_what_dismissed_findings_charged_and_adds_manual_deductions() {
        use std::collections::BTreeSet;
        let engine = crate::Engine::default_engine();
        let text = crate::samples::PRESCRIPTION_CLEAN;
        let mut doc: serde_json::Value = serde_json::from_str(text).unwrap();
        doc["items"][0]["frequency"] = "遵医嘱".into();
        let report = engine.check_json(&doc.to_string()).unwrap();
        let rx08 = report.findings.iter().find(|f| f.rule == "RX-08").unwrap();
        assert!(!report.score.qualified && report.score.deduction > 0.0);
        let none = BTreeSet::new();
        let (d, q) =
            super::review_score(&engine.policy, report.score.deduction, &report, &none, 0.0);
        assert_eq!(
            (d, q),
            (report.score.deduction, false),
            "nothing decided: as stored"
        );
        let dismissed = BTreeSet::from([(rx08.rule.clone(), rx08.path.clone())]);
        let (d, q) = super::review_score(
            &engine.policy,
            report.score.deduction,
            &report,
            &dismissed,
            0.0,
        );
        assert_eq!((d, q), (0.0, true), "the only error dismissed: clean");
        let (d, q) = super::review_score(
            &engine.policy,
            report.score.deduction,
            &report,
            &dismissed,
            2.0,
        );
        assert_eq!(
            (d, q),
            (2.0, false),
            "a manual deduction counts and disqualifies"
        );
    }

    #[test]
    fn confirmed_warnings_of_an_item_charge_it_once() {
        use std::collections::BTreeSet;
        let engine = crate::Engine::default_engine();
        let text = crate::samples::PRESCRIPTION_CLEAN;
        let mut doc: serde_json::Value = serde_json::from_str(text).unwrap();
        // Two systemic antibiotics without a reason (RX-21), prednisone without an indication
        // (RX-22): both CLN-7 warnings.
        doc["items"][1] = serde_json::json!({"drug": "注射用头孢曲松钠", "strength": "1g", "dose": {"value": 1, "unit": "g"}, "route": "静脉滴注", "frequency": "qd", "days": 3, "quantity": {"value": 3, "unit": "支"}});
        doc["items"].as_array_mut().unwrap().push(serde_json::json!({"drug": "泼尼松片", "strength": "5mg×100片", "dose": {"value": 10, "unit": "mg"}, "route": "口服", "frequency": "qd", "days": 5, "quantity": {"value": 1, "unit": "瓶"}}));
        let report = engine.check_json(&doc.to_string()).unwrap();
        let key = |rule: &str| {
            let f = report.findings.iter().find(|f| f.rule == rule).unwrap();
            assert_eq!(f.severity, crate::report::Severity::Warning, "{rule}");
            (f.rule.clone(), f.path.clone())
        };
        let (rx21, rx22) = (key("RX-21"), key("RX-22"));
        // The doctor's live score: warnings deduct nothing.
        assert_eq!(
            (report.score.deduction, report.score.qualified),
            (0.0, true)
        );
        let policy = &engine.policy;
        let none = BTreeSet::new();
        let review = |dismissed: &BTreeSet<(String, String)>, confirmed: &BTreeSet<_>| {
            super::review_score_decided(policy, 0.0, &report, dismissed, confirmed, 0.0)
        };
        assert_eq!(review(&none, &none), (0.0, true), "undecided: a question");
        assert_eq!(
            super::review_score(policy, 0.0, &report, &none, 0.0),
            (0.0, true)
        );
        let one = BTreeSet::from([rx21.clone()]);
        assert_eq!(review(&none, &one), (1.0, false), "confirmed: CLN-7's 1");
        let both = BTreeSet::from([rx21.clone(), rx22.clone()]);
        assert_eq!(review(&none, &both), (1.0, false), "once per document");
        assert_eq!(review(&one, &BTreeSet::from([rx22])), (1.0, false));
        assert_eq!(review(&both, &none), (0.0, true), "dismissed");
        // A confirmed warning the item does not list charges nothing: only
        // `confirmed_warnings` do.
        let mut p = policy.clone();
        p.items.get_mut("CLN-7").unwrap().confirmed_warnings.clear();
        assert_eq!(
            super::review_score_decided(&p, 0.0, &report, &none, &both, 0.0),
            (0.0, true)
        );
    }

    #[test]
    fn a_clean_document_deducts_positive_zero() {
        let s = super::score(&[], &crate::Engine::default_engine().policy);
        assert!(s.deduction.is_sign_positive() && s.qualified);
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            r#"{"items":[],"deduction":0.0,"qualified":true}"#
        );
    }
}
