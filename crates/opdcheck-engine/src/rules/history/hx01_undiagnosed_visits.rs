//! HX-01: three visits without a diagnosis call for a consultation.

use crate::datetime::{self, Stamp};
use crate::declare_rule;
use crate::model::{OutpatientRecord, filled};
use crate::policy::Policy;
use crate::report::{Severity, Text};
use crate::rules::common::{filled_entries, normalise_diagnosis};
use crate::rules::{Check, HistoryCtx, Sink};

declare_rule! {
    /// ## What it checks
    /// Runs only where the patient's earlier records are known (the API and QA pass them).
    /// The record and the earlier ones are ordered by `visit_at`; the rule looks at the run of
    /// consecutive visits, ending with this one, whose diagnosis is not definite: none given,
    /// or every diagnosis a non-diagnosis of the policy (`待查` alone, `复查` …), or one marked
    /// as uncertain (`发热待查`, `肺炎?`, `肺结核待排`). If no record of that run asks for a
    /// consultation (`consultation` filled, or a word of `vocab.consultation_keywords` such as
    /// 会诊 or 转诊 in the treatment plan), the rule warns when the run has
    /// `limits.history_visits_without_diagnosis` visits (3) or, with at least two visits,
    /// spans `limits.history_days_without_diagnosis` days (3) from its first visit to this
    /// one. The finding is at `diagnoses` of this record.
    ///
    /// ## Why
    /// The hospital's rules (seed 001, 规范行医 第10条) ask for a consultation (会诊) when a
    /// patient has been seen three times, or for three days, without a definite diagnosis;
    /// not asking for one is charged under 临床表 item 18 (违反其他医疗制度).
    ///
    /// ## Bad
    /// ```json
    /// {"record": {"visit_at": "2026-11-22T09:10", "diagnoses": ["发热待查"]},
    ///  "history": [{"id": "mr-0", "visit_at": "2026-11-18T09:00", "diagnoses": ["发热待查"]},
    ///              {"id": "mr-1", "visit_at": "2026-11-20T09:00", "diagnoses": ["发热待查"]}]}
    /// ```
    ///
    /// ## Good
    /// ```json
    /// {"record": {"visit_at": "2026-11-22T09:10", "diagnoses": ["发热待查"], "consultation": "感染科会诊"},
    ///  "history": [{"id": "mr-0", "visit_at": "2026-11-18T09:00", "diagnoses": ["发热待查"]},
    ///              {"id": "mr-1", "visit_at": "2026-11-20T09:00", "diagnoses": ["发热待查"]}]}
    /// ```
    pub static RULE = {
        code: "HX-01",
        item: "CLN-18",
        severity: Severity::Warning,
        clause: "临床医疗科室医疗质量通用考核表 第18条; 医院规章(种子001 规范行医第10条)",
        title: ("三次就诊未明确诊断应请会诊", "three visits without a diagnosis call for a consultation"),
        check: Check::History(check),
    }
}

/// Marks of an uncertain diagnosis written anywhere in it.
/// The diagnosis is not a definite one.
fn uncertain(policy: &Policy, diagnosis: &str) -> bool {
    let norm = normalise_diagnosis(diagnosis);
    policy
        .vocab
        .non_diagnoses
        .iter()
        .any(|n| normalise_diagnosis(n) == norm)
        || policy
            .vocab
            .uncertain_diagnosis_marks
            .iter()
            .any(|m| diagnosis.contains(m.as_str()))
        || policy
            .vocab
            .uncertain_diagnosis_suffixes
            .iter()
            .any(|s| norm.ends_with(s.as_str()))
}

/// The record has no definite diagnosis.
fn undiagnosed(policy: &Policy, r: &OutpatientRecord) -> bool {
    filled_entries(&r.diagnoses).all(|(_, d)| uncertain(policy, d))
}

/// The record asks for a consultation or referral.
fn consulted(policy: &Policy, r: &OutpatientRecord) -> bool {
    filled(&r.consultation).is_some()
        || filled(&r.treatment_plan).is_some_and(|plan| {
            policy
                .vocab
                .consultation_keywords
                .iter()
                .any(|k| !k.is_empty() && plan.contains(k.as_str()))
        })
}

fn stamp(r: &OutpatientRecord) -> Option<Stamp> {
    r.visit_at.as_deref().and_then(datetime::parse)
}

fn check(ctx: &HistoryCtx, out: &mut Sink) {
    let policy = ctx.policy();
    let limits = &policy.limits;
    let current = ctx.doc;
    let now = stamp(current);
    // Earlier visits that can be placed in time: before this one, and not this record again.
    let mut visits: Vec<(Stamp, &OutpatientRecord)> = ctx
        .earlier
        .iter()
        .filter_map(|r| stamp(r).map(|s| (s, r)))
        .filter(|(s, r)| {
            let same = !r.id.is_empty() && r.id == current.id && r.visit_at == current.visit_at;
            !same && now.is_none_or(|now| s.at <= now.at)
        })
        .collect();
    visits.sort_by_key(|(s, _)| s.at);
    // The trailing run of undiagnosed visits, this one first (walking back in time).
    if !undiagnosed(policy, current) {
        return;
    }
    let mut run: Vec<(Option<Stamp>, &OutpatientRecord)> = vec![(now, current)];
    for (s, r) in visits.iter().rev() {
        if !undiagnosed(policy, r) {
            break;
        }
        run.push((Some(*s), r));
    }
    if run.iter().any(|(_, r)| consulted(policy, r)) {
        return;
    }
    let n = run.len();
    let first = run.last().and_then(|(s, _)| *s);
    let days = match (first, now) {
        (Some(first), Some(now)) if n >= 2 => Some((now.date() - first.date()).num_days()),
        _ => None,
    };
    let by_visits = n >= limits.history_visits_without_diagnosis;
    let by_days = days.is_some_and(|d| d >= limits.history_days_without_diagnosis);
    if !(by_visits || by_days) {
        return;
    }
    let days = days.unwrap_or(0);
    out.emit(
        &RULE,
        "diagnoses",
        Text::new(
            format!("连续{n}次就诊（{days}天）未明确诊断，未见会诊或转诊记录"),
            format!("{n} consecutive visits ({days} days) without a definite diagnosis and no consultation or referral recorded"),
        ),
        Text::new(
            "请上级医师或相关科室会诊，必要时转诊，并记入病历",
            "ask a senior physician or another department for a consultation, or refer the patient, and record it",
        ),
    );
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::report::Severity;
    use crate::testing::*;

    fn visit_on(id: &str, at: &str, diagnosis: &str) -> Value {
        json!({"id": id, "visit_at": at, "diagnoses": [diagnosis], "diagnosis_codes": [null]})
    }

    #[test]
    fn warns_after_three_undiagnosed_visits() {
        let r = record_with_history(
            visit_on("mr-3", "2026-11-22T09:10", "发热待查"),
            vec![
                visit_on("mr-2", "2026-11-21T09:00", "发热？"),
                visit_on("mr-1", "2026-11-21T16:00", "复查"),
            ],
        );
        let f = expect(&r, "HX-01", "CLN-18", Severity::Warning, "diagnoses");
        assert!(f.message.zh.contains("连续3次"), "{}", f.message.zh);
    }

    #[test]
    fn warns_after_three_days_with_two_visits() {
        let r = record_with_history(
            visit_on("mr-2", "2026-11-22T09:10", "肺结核待排。"),
            vec![visit_on("mr-1", "2026-11-19T09:00", "咳嗽待查")],
        );
        expect(&r, "HX-01", "CLN-18", Severity::Warning, "diagnoses");
        let r = record_with_history(
            visit_on("mr-2", "2026-11-22T09:10", "肺结核待排"),
            vec![visit_on("mr-1", "2026-11-20T09:00", "咳嗽待查")],
        );
        expect_none(&r, "HX-01");
    }

    #[test]
    fn only_the_trailing_run_counts() {
        // A definite diagnosis on the 20th breaks the run: two undiagnosed visits remain.
        let r = record_with_history(
            visit_on("mr-4", "2026-11-22T09:10", "发热待查"),
            vec![
                visit_on("mr-1", "2026-11-10T09:00", "发热待查"),
                visit_on("mr-3", "2026-11-21T09:00", "发热待查"),
                visit_on("mr-2", "2026-11-20T09:00", "急性支气管炎"),
            ],
        );
        expect_none(&r, "HX-01");
        // A definite diagnosis today: nothing to ask.
        let r = record_with_history(
            visit_on("mr-3", "2026-11-22T09:10", "急性支气管炎"),
            vec![
                visit_on("mr-1", "2026-11-18T09:00", "发热待查"),
                visit_on("mr-2", "2026-11-20T09:00", "发热待查"),
            ],
        );
        expect_none(&r, "HX-01");
    }

    #[test]
    fn a_consultation_in_the_run_is_enough() {
        let history = vec![
            visit_on("mr-1", "2026-11-18T09:00", "发热待查"),
            visit_on("mr-2", "2026-11-20T09:00", "发热待查"),
        ];
        let mut today = visit_on("mr-3", "2026-11-22T09:10", "发热待查");
        today["treatment_plan"] = json!("请感染科会诊");
        expect_none(&record_with_history(today, history.clone()), "HX-01");
        let mut first = history[0].clone();
        first["consultation"] = json!("血液科会诊");
        let r = record_with_history(
            visit_on("mr-3", "2026-11-22T09:10", "发热待查"),
            vec![first, history[1].clone()],
        );
        expect_none(&r, "HX-01");
    }

    #[test]
    fn the_record_itself_in_its_history_is_not_counted_twice() {
        let today = visit_on("mr-2", "2026-11-22T09:10", "发热待查");
        let r = record_with_history(
            today.clone(),
            vec![today, visit_on("mr-1", "2026-11-21T09:00", "发热待查")],
        );
        expect_none(&r, "HX-01");
    }

    #[test]
    fn does_not_run_without_history() {
        expect_none(&record(json!({"diagnoses": ["发热待查"]})), "HX-01");
    }
}
