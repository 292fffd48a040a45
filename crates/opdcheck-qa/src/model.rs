//! The QA workspace's logic: the review being edited (decisions on the automatic findings,
//! manual deductions, the record's total as QA works), the sample form, the trend chart's
//! geometry and the period helpers. The API's sample, review and sheet shapes are
//! `opdcheck_api::qa`'s (re-exported here), the types the server answers with. Pure, so it is
//! tested natively; the components in [`crate::ui`] only bind it to the page.

use std::collections::{BTreeMap, BTreeSet};

use opdcheck_api::qa as wire;
use opdcheck_engine::score::review_score_decided;
use opdcheck_engine::{Policy, Severity};
use serde_json::Value;

pub use opdcheck_api::qa::{
    AntibioticShare, FindingDecision, GroupRow, ManualDeduction, ManualItem, MissedReports,
    MonthPoint, PassRate, Penalties, Rates, Review, ReviewBundle, ReviewResponse, ReviewedRecord,
    RuleRate, RuleRates, Sample, SampleCreate, SampleList, SampleRecord, SampleResponse,
    SampleSummary, ScoreSheet, SheetTotals, Trend,
};

/// The parameters of a new sample (`POST /api/v1/samples`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SampleForm {
    pub name: String,
    pub from: String,
    pub to: String,
    pub kinds: Vec<String>,
    /// Comma- or 、-separated, as typed.
    pub departments: String,
    pub doctors: String,
    /// Per kind; empty = the policy's default.
    pub size: String,
    pub seed: String,
}

/// Split a typed list: commas (either width), 、 and semicolons.
pub fn split_list(text: &str) -> Vec<String> {
    text.split([',', '，', '、', ';', '；'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

impl SampleForm {
    /// The request, or what is wrong with the form (field, message zh, message en).
    pub fn create(&self) -> Result<SampleCreate, (&'static str, &'static str, &'static str)> {
        if !is_date(&self.from) || !is_date(&self.to) {
            return Err(("from", "请填写起止日期", "give the period's dates"));
        }
        if self.from > self.to {
            return Err((
                "to",
                "结束日期早于开始日期",
                "the period ends before it starts",
            ));
        }
        if self.kinds.is_empty() {
            return Err(("kinds", "至少选择一种文书", "choose at least one kind"));
        }
        let size = if self.size.trim().is_empty() {
            None
        } else {
            let n: u32 = self.size.trim().parse().ok().filter(|n| *n >= 1).ok_or((
                "size",
                "样本量须为正整数",
                "the size must be a whole number ≥ 1",
            ))?;
            Some(
                self.kinds
                    .iter()
                    .map(|k| (k.clone(), i64::from(n)))
                    .collect(),
            )
        };
        let seed = if self.seed.trim().is_empty() {
            None
        } else {
            let seed: u64 = self.seed.trim().parse().map_err(|_| {
                (
                    "seed",
                    "种子须为非负整数",
                    "the seed must be a whole number",
                )
            })?;
            // Beyond i64 the server says so (`seed` is at most 2^53−1).
            Some(i64::try_from(seed).unwrap_or(i64::MAX))
        };
        Ok(SampleCreate {
            name: Some(self.name.trim().to_owned()).filter(|n| !n.is_empty()),
            from: self.from.clone(),
            to: self.to.clone(),
            kinds: Some(self.kinds.clone()),
            departments: split_list(&self.departments),
            doctors: split_list(&self.doctors),
            size,
            seed,
        })
    }

    /// The request body as JSON (for `api::send_json`).
    pub fn body(&self) -> Result<Value, (&'static str, &'static str, &'static str)> {
        self.create()
            .map(|c| serde_json::to_value(c).unwrap_or_default())
    }
}

/// `YYYY-MM-DD`.
pub fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// The first and last day of the month of a `YYYY-MM-DD…` stamp.
pub fn month_of(stamp: &str) -> (String, String) {
    let year: i32 = stamp.get(..4).and_then(|s| s.parse().ok()).unwrap_or(2026);
    let month: u32 = stamp.get(5..7).and_then(|s| s.parse().ok()).unwrap_or(1);
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let last = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    (
        format!("{year:04}-{month:02}-01"),
        format!("{year:04}-{month:02}-{last:02}"),
    )
}

/// The first day of the month `back` months before the stamp's.
pub fn months_back(stamp: &str, back: u32) -> String {
    let year: i32 = stamp.get(..4).and_then(|s| s.parse().ok()).unwrap_or(2026);
    let month: i32 = stamp.get(5..7).and_then(|s| s.parse().ok()).unwrap_or(1);
    let m = year * 12 + (month - 1) - back as i32;
    format!("{:04}-{:02}-01", m.div_euclid(12), m.rem_euclid(12) + 1)
}

// ---------------------------------------------------------------------------------------------
// Reviews
// ---------------------------------------------------------------------------------------------

/// QA's judgement of one automatic finding.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Decision {
    #[default]
    Undecided,
    Confirmed,
    /// With the reason (required before saving).
    Dismissed(String),
}

/// Which finding a decision is on: the server matches decisions by (rule, path), and by
/// whether the finding is one of the report's shadow findings — a trial entry's shadow copy
/// sits at the same (rule, path) as the live finding it was tried on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FindingKey {
    pub rule: String,
    pub path: String,
    pub shadow: bool,
}

impl FindingKey {
    pub fn live(rule: &str, path: &str) -> FindingKey {
        FindingKey {
            rule: rule.to_string(),
            path: path.to_string(),
            shadow: false,
        }
    }

    pub fn shadow(rule: &str, path: &str) -> FindingKey {
        FindingKey {
            shadow: true,
            ..FindingKey::live(rule, path)
        }
    }
}

/// The review being edited.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReviewDraft {
    /// Keyed as the server matches them.
    pub decisions: BTreeMap<FindingKey, Decision>,
    /// Item → (deduction, note).
    pub manual: BTreeMap<String, (f64, String)>,
    pub note: String,
}

impl ReviewDraft {
    /// Start from the current review of this version, if any.
    pub fn from_bundle(b: &ReviewBundle) -> ReviewDraft {
        let mut d = ReviewDraft::default();
        if let Some(r) = b.review.as_ref()
            && r.record_version == b.record.version
        {
            d.set_decisions(&r.findings);
            for m in &r.manual {
                d.manual.insert(
                    m.item.clone(),
                    (m.deduction, m.note.clone().unwrap_or_default()),
                );
            }
            d.note = r.note.clone().unwrap_or_default();
        }
        d
    }

    /// Take a stored review's decisions (a record's or a visit's: the same shape).
    pub fn set_decisions(&mut self, findings: &[FindingDecision]) {
        for f in findings {
            let decision = match f.decision {
                wire::Decision::Confirmed => Decision::Confirmed,
                wire::Decision::Dismissed => {
                    Decision::Dismissed(f.reason.clone().unwrap_or_default())
                }
            };
            let key = FindingKey {
                rule: f.rule.clone(),
                path: f.path.clone(),
                shadow: f.shadow,
            };
            self.decisions.insert(key, decision);
        }
    }

    /// The decisions taken, as a review request sends them (undecided ones left out).
    pub fn finding_decisions(&self) -> Vec<FindingDecision> {
        self.decisions
            .iter()
            .filter_map(|(key, d)| {
                let (decision, reason) = match d {
                    Decision::Undecided => return None,
                    Decision::Confirmed => (wire::Decision::Confirmed, None),
                    Decision::Dismissed(r) => {
                        (wire::Decision::Dismissed, Some(r.trim().to_string()))
                    }
                };
                Some(FindingDecision {
                    rule: key.rule.clone(),
                    path: key.path.clone(),
                    decision,
                    reason,
                    shadow: key.shadow,
                })
            })
            .collect()
    }

    /// QA's decision on a live finding.
    pub fn decision(&self, rule: &str, path: &str) -> Decision {
        self.decision_at(&FindingKey::live(rule, path))
    }

    pub fn decision_at(&self, key: &FindingKey) -> Decision {
        self.decisions.get(key).cloned().unwrap_or_default()
    }

    /// Decide a live finding.
    pub fn decide(&mut self, rule: &str, path: &str, decision: Decision) {
        self.decide_at(FindingKey::live(rule, path), decision);
    }

    pub fn decide_at(&mut self, key: FindingKey, decision: Decision) {
        self.decisions.insert(key, decision);
    }

    /// Set an item's manual deduction (0 removes it).
    pub fn set_manual(&mut self, item: &str, deduction: f64, note: &str) {
        if deduction > 0.0 {
            self.manual
                .insert(item.to_string(), (deduction, note.to_string()));
        } else {
            self.manual.remove(item);
        }
    }

    pub fn manual_total(&self) -> f64 {
        self.manual.values().map(|(d, _)| d).sum()
    }

    /// The (rule, path) keys of the live findings QA dismissed, as the server scores them:
    /// shadow findings are never scored, so their decisions stay out.
    pub fn dismissed(&self) -> BTreeSet<(String, String)> {
        self.live_keys(|d| matches!(d, Decision::Dismissed(_)))
    }

    /// The (rule, path) keys of the live findings QA confirmed (shadow ones left out).
    pub fn confirmed(&self) -> BTreeSet<(String, String)> {
        self.live_keys(|d| matches!(d, Decision::Confirmed))
    }

    fn live_keys(&self, which: impl Fn(&Decision) -> bool) -> BTreeSet<(String, String)> {
        self.decisions
            .iter()
            .filter(|(k, d)| !k.shadow && which(d))
            .map(|(k, _)| (k.rule.clone(), k.path.clone()))
            .collect()
    }

    /// The record's total and verdict as the review stands: as the server will store it (the
    /// server's `put_review` calls the same [`review_score_decided`] with the same dismissed
    /// and confirmed sets, so a confirmed RX-21/RX-22 warning charges CLN-7 here too).
    pub fn total(&self, policy: &Policy, record: &ReviewedRecord) -> (f64, bool) {
        review_score_decided(
            policy,
            record.deduction,
            &record.report,
            &self.dismissed(),
            &self.confirmed(),
            self.manual_total(),
        )
    }

    /// What keeps it from being saved: (path in the request, zh, en).
    pub fn problems(&self, items: &[ManualItem]) -> Vec<(String, String, String)> {
        let mut out = Vec::new();
        for (key, d) in &self.decisions {
            if let Decision::Dismissed(reason) = d
                && reason.trim().is_empty()
            {
                let FindingKey { rule, path, shadow } = key;
                out.push(if *shadow {
                    (
                        format!("shadow:{rule}@{path}"),
                        format!("驳回影子规则 {rule} 须写明理由"),
                        format!("dismissing the shadow {rule} needs a reason"),
                    )
                } else {
                    (
                        format!("{rule}@{path}"),
                        format!("驳回 {rule} 须写明理由"),
                        format!("dismissing {rule} needs a reason"),
                    )
                });
            }
        }
        for (item, (deduction, _)) in &self.manual {
            let max = items.iter().find(|m| &m.item == item).map(|m| m.max);
            match max {
                None => out.push((
                    item.clone(),
                    format!("{item} 不是人工检查项"),
                    format!("{item} is not a manual item"),
                )),
                Some(max) if *deduction > max + 1e-9 => out.push((
                    item.clone(),
                    format!("{item} 最多扣 {max} 分"),
                    format!("{item} takes at most {max} points"),
                )),
                Some(_) => {}
            }
        }
        out
    }

    /// The `PUT /api/v1/records/{id}/review` request.
    pub fn put(&self, version: i64) -> wire::ReviewPut {
        let findings = self.finding_decisions();
        let manual: Vec<ManualDeduction> = self
            .manual
            .iter()
            .map(|(item, (deduction, note))| ManualDeduction {
                item: item.clone(),
                deduction: *deduction,
                note: (!note.trim().is_empty()).then(|| note.trim().to_string()),
            })
            .collect();
        wire::ReviewPut {
            version,
            findings,
            manual,
            note: Some(self.note.trim().to_string()).filter(|n| !n.is_empty()),
        }
    }

    /// The request body as JSON (for `api::send_json`).
    pub fn request(&self, version: i64) -> Value {
        serde_json::to_value(self.put(version)).unwrap_or_default()
    }
}

/// Errors first, then warnings, then notes (stable within each).
pub fn by_severity(mut fs: Vec<&opdcheck_engine::Finding>) -> Vec<&opdcheck_engine::Finding> {
    fs.sort_by_key(|f| match f.severity {
        Severity::Error => 0,
        Severity::Warning => 1,
        Severity::Info => 2,
    });
    fs
}

// ---------------------------------------------------------------------------------------------
// Score sheet and dashboards
// ---------------------------------------------------------------------------------------------

/// `95.0 %`, or a dash when there is nothing to rate.
pub fn percent(v: Option<f64>) -> String {
    v.map_or_else(|| "—".into(), |v| format!("{v:.1} %"))
}

/// A rate's verdict against its target: none when there was nothing to rate, so an empty month
/// reads 无数据, never a green 达标 over no documents.
pub fn verdict(value: Option<f64>, met: bool) -> Option<bool> {
    value.map(|_| met)
}

/// The chart's drawing area, in SVG user units.
pub const CHART_W: f64 = 560.0;
pub const CHART_H: f64 = 200.0;
const PAD_L: f64 = 40.0;
const PAD_R: f64 = 30.0;
const PAD_T: f64 = 12.0;
const PAD_B: f64 = 28.0;

/// The x of the n-th of `count` points.
pub fn chart_x(i: usize, count: usize) -> f64 {
    let w = CHART_W - PAD_L - PAD_R;
    if count <= 1 {
        PAD_L + w / 2.0
    } else {
        PAD_L + w * i as f64 / (count - 1) as f64
    }
}

/// The chart's lowest percentage: 10 below the lowest value or target, in tens (rates near
/// their targets would be a flat line on a 0–100 scale).
pub fn chart_floor(values: &[Option<f64>], targets: &[f64]) -> f64 {
    let min = values
        .iter()
        .flatten()
        .chain(targets)
        .fold(100.0_f64, |a, &v| a.min(v));
    (((min - 10.0) / 10.0).floor() * 10.0).clamp(0.0, 90.0)
}

/// The y of a percentage on a scale from `floor` to 100 (values outside are clamped).
pub fn chart_y(percent: f64, floor: f64) -> f64 {
    let h = CHART_H - PAD_T - PAD_B;
    let span = (100.0 - floor).max(1.0);
    PAD_T + h * (1.0 - (percent.clamp(floor, 100.0) - floor) / span)
}

/// An SVG polyline's `points` for a series of percentages; a month without a value breaks the
/// line (so the result is one string per unbroken run).
pub fn chart_runs(values: &[Option<f64>], floor: f64) -> Vec<String> {
    let mut runs = Vec::new();
    let mut cur = String::new();
    for (i, v) in values.iter().enumerate() {
        match v {
            Some(v) => {
                if !cur.is_empty() {
                    cur.push(' ');
                }
                cur.push_str(&format!(
                    "{:.1},{:.1}",
                    chart_x(i, values.len()),
                    chart_y(*v, floor)
                ));
            }
            None if !cur.is_empty() => runs.push(std::mem::take(&mut cur)),
            None => {}
        }
    }
    if !cur.is_empty() {
        runs.push(cur);
    }
    runs
}

/// The chart's bottom and left edges (for the axis lines and labels).
pub fn chart_frame() -> (f64, f64, f64, f64) {
    (PAD_L, CHART_W - PAD_R, PAD_T, CHART_H - PAD_B)
}

#[cfg(test)]
mod tests {
    use super::*;
    use opdcheck_engine::Engine;
    use serde_json::json;

    fn bundle() -> ReviewBundle {
        let engine = Engine::default_engine();
        let mut doc: Value =
            serde_json::from_str(opdcheck_engine::samples::PRESCRIPTION_CLEAN).unwrap();
        doc["items"][0]["frequency"] = "遵医嘱".into();
        let report = engine.check_json(&doc.to_string()).unwrap();
        serde_json::from_value(json!({
            "record": {"id": doc["id"], "version": 1, "kind": "prescription",
                       "qualified": report.score.qualified, "deduction": report.score.deduction,
                       "body": doc, "report": report},
            "review": null, "history": [],
            "manual_items": [{"item": "OPD-1", "zh": "挂号", "en": "registration", "deduction": 1.0,
                              "max": 1.0, "standard": "未挂号扣1分"}]
        }))
        .unwrap()
    }

    #[test]
    fn a_dismissal_needs_a_reason_and_changes_the_total() {
        let b = bundle();
        let policy = &Engine::default_engine().policy;
        let mut d = ReviewDraft::from_bundle(&b);
        let f = b
            .record
            .report
            .findings
            .iter()
            .find(|f| f.rule == "RX-08")
            .unwrap();
        assert!(b.record.deduction > 0.0);
        assert_eq!(d.total(policy, &b.record), (b.record.deduction, false));
        d.decide(&f.rule, &f.path, Decision::Dismissed("  ".into()));
        assert_eq!(
            d.problems(&b.manual_items).len(),
            1,
            "a blank reason is no reason"
        );
        d.decide(
            &f.rule,
            &f.path,
            Decision::Dismissed("医嘱已在病历中写明".into()),
        );
        assert!(d.problems(&b.manual_items).is_empty());
        assert_eq!(d.total(policy, &b.record), (0.0, true));
        d.set_manual("OPD-1", 1.0, "未挂号");
        assert_eq!(d.total(policy, &b.record), (1.0, false));
        d.set_manual("OPD-1", 3.0, "");
        assert_eq!(
            d.problems(&b.manual_items)[0].0,
            "OPD-1",
            "above the item's maximum"
        );
        d.set_manual("OPD-2", 1.0, "");
        assert_eq!(d.problems(&b.manual_items).len(), 2, "not a manual item");
        d.set_manual("OPD-2", 0.0, "");
        d.set_manual("OPD-1", 1.0, "未挂号");
        let body = d.request(1);
        assert_eq!(body["version"], 1);
        assert_eq!(body["findings"][0]["decision"], "dismissed");
        assert_eq!(body["findings"][0]["reason"], "医嘱已在病历中写明");
        assert_eq!(
            body["manual"],
            json!([{"item": "OPD-1", "deduction": 1.0, "note": "未挂号"}])
        );
    }

    /// A prescription with two systemic antibiotics and no reason for the combination: an
    /// RX-21 warning (CLN-7), which deducts nothing until QA confirms it.
    fn combination_bundle() -> ReviewBundle {
        let engine = Engine::default_engine();
        let mut doc: Value =
            serde_json::from_str(opdcheck_engine::samples::PRESCRIPTION_CLEAN).unwrap();
        doc["items"][1] = json!({"drug": "注射用头孢曲松钠", "strength": "1g",
            "dose": {"value": 1, "unit": "g"}, "route": "静脉滴注", "frequency": "qd", "days": 3,
            "quantity": {"value": 3, "unit": "支"}});
        let report = engine.check_json(&doc.to_string()).unwrap();
        serde_json::from_value(json!({
            "record": {"id": doc["id"], "version": 1, "kind": "prescription",
                       "qualified": report.score.qualified, "deduction": report.score.deduction,
                       "body": doc, "report": report},
            "review": null, "history": [], "manual_items": []
        }))
        .unwrap()
    }

    /// What the server stores for the draft's request: `put_review` reads the decisions of
    /// the body it is sent and calls `score::review_score_decided` with them.
    fn server_total(policy: &Policy, record: &ReviewedRecord, body: &Value) -> (f64, bool) {
        let mut dismissed = BTreeSet::new();
        let mut confirmed = BTreeSet::new();
        for f in body["findings"].as_array().unwrap() {
            let key = (
                f["rule"].as_str().unwrap().to_owned(),
                f["path"].as_str().unwrap().to_owned(),
            );
            match f["decision"].as_str().unwrap() {
                "confirmed" => confirmed.insert(key),
                _ => dismissed.insert(key),
            };
        }
        let manual: f64 = body["manual"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["deduction"].as_f64().unwrap())
            .sum();
        opdcheck_engine::score::review_score_decided(
            policy,
            record.deduction,
            &record.report,
            &dismissed,
            &confirmed,
            manual,
        )
    }

    #[test]
    fn a_confirmed_warning_charges_its_item_in_the_pane_as_on_the_server() {
        let b = combination_bundle();
        let policy = &Engine::default_engine().policy;
        let f = b
            .record
            .report
            .findings
            .iter()
            .find(|f| f.rule == "RX-21")
            .expect("RX-21 fires on two antibiotics without a reason");
        assert_eq!(f.severity, Severity::Warning);
        assert_eq!(f.item, "CLN-7");
        let cln7 = policy.items["CLN-7"].deduction;
        assert!(cln7 > 0.0);
        let mut d = ReviewDraft::from_bundle(&b);
        let undecided = d.total(policy, &b.record);
        assert_eq!(undecided, (b.record.deduction, b.record.qualified));
        assert_eq!(undecided, server_total(policy, &b.record, &d.request(1)));

        d.decide(&f.rule, &f.path, Decision::Confirmed);
        let confirmed = d.total(policy, &b.record);
        assert_eq!(confirmed, (b.record.deduction + cln7, false));
        assert_eq!(confirmed, server_total(policy, &b.record, &d.request(1)));

        d.decide(
            &f.rule,
            &f.path,
            Decision::Dismissed("联用有指征：重症感染".into()),
        );
        let dismissed = d.total(policy, &b.record);
        assert_eq!(dismissed, (b.record.deduction, b.record.qualified));
        assert_eq!(dismissed, server_total(policy, &b.record, &d.request(1)));
    }

    #[test]
    fn a_saved_review_is_the_starting_draft() {
        let mut b = bundle();
        b.review = Some(
            serde_json::from_value(json!({
                "record_id": "rx-1", "record_version": 1, "revision": 2, "reviewer": "qa", "reviewed_at": "2026-11-22T10:00:00Z",
                "findings": [{"rule": "RX-08", "path": "items[0].frequency", "decision": "dismissed", "reason": "r"}],
                "manual": [{"item": "OPD-1", "deduction": 1.0}], "note": null, "deduction": 1.0, "qualified": false
            }))
            .unwrap(),
        );
        let d = ReviewDraft::from_bundle(&b);
        assert_eq!(
            d.decision("RX-08", "items[0].frequency"),
            Decision::Dismissed("r".into())
        );
        assert_eq!(d.manual_total(), 1.0);
        // A review of another version does not carry over.
        b.record.version = 2;
        assert_eq!(ReviewDraft::from_bundle(&b), ReviewDraft::default());
    }

    #[test]
    fn the_sample_form_makes_the_request_or_says_what_is_wrong() {
        let mut f = SampleForm {
            from: "2026-10-01".into(),
            to: "2026-10-31".into(),
            kinds: vec!["prescription".into()],
            departments: "内科，外科、儿科".into(),
            size: "20".into(),
            seed: "7".into(),
            ..SampleForm::default()
        };
        let body = f.body().unwrap();
        assert_eq!(body["departments"], json!(["内科", "外科", "儿科"]));
        assert_eq!(body["size"], json!({"prescription": 20}));
        assert_eq!(body["seed"], 7);
        assert!(body.get("doctors").is_none());
        f.size = "0".into();
        assert_eq!(f.body().unwrap_err().0, "size");
        f.size.clear();
        f.to = "2026-09-30".into();
        assert_eq!(f.body().unwrap_err().0, "to");
        f.to = "10/31".into();
        assert_eq!(f.body().unwrap_err().0, "from");
    }

    #[test]
    fn months_and_dates() {
        assert_eq!(
            month_of("2026-02-14T10:00"),
            ("2026-02-01".into(), "2026-02-28".into())
        );
        assert_eq!(
            month_of("2028-02-01"),
            ("2028-02-01".into(), "2028-02-29".into())
        );
        assert_eq!(
            month_of("2026-11-22"),
            ("2026-11-01".into(), "2026-11-30".into())
        );
        assert_eq!(months_back("2026-02-10", 2), "2025-12-01");
        assert_eq!(months_back("2026-11-22", 0), "2026-11-01");
        assert!(is_date("2026-11-22") && !is_date("2026-1-22") && !is_date("2026-11-2x"));
    }

    #[test]
    fn chart_lines_break_where_a_month_has_no_value() {
        let runs = chart_runs(&[Some(100.0), Some(50.0), None, Some(0.0)], 0.0);
        assert_eq!(runs.len(), 2);
        let (left, right, top, bottom) = chart_frame();
        assert_eq!(
            runs[0],
            format!(
                "{left:.1},{top:.1} {:.1},{:.1}",
                chart_x(1, 4),
                (top + bottom) / 2.0
            )
        );
        assert_eq!(runs[1], format!("{right:.1},{bottom:.1}"));
        assert_eq!(chart_runs(&[None, None], 0.0), Vec::<String>::new());
        assert_eq!(
            chart_x(0, 1),
            (left + right) / 2.0,
            "one month sits in the middle"
        );
        assert_eq!(chart_y(140.0, 0.0), top, "clamped");
        // Rates near their targets get a scale that shows their movement.
        assert_eq!(
            chart_floor(&[Some(86.9), None, Some(89.5)], &[95.0, 90.0]),
            70.0
        );
        assert_eq!(chart_floor(&[Some(3.0)], &[95.0]), 0.0);
        assert_eq!(chart_y(70.0, 70.0), bottom);
        assert_eq!(chart_y(85.0, 70.0), (top + bottom) / 2.0);
    }

    #[test]
    fn api_shapes_read() {
        let sheet: ScoreSheet = serde_json::from_value(json!({
            "period": {"from": "2026-10-01", "to": "2026-10-31"}, "group": "department",
            "totals": {"records": 10, "qualified": 9, "pass_rate": 90.0, "deduction": 2.5, "penalty_yuan": 100.0},
            "rates": {
                "prescription_pass_rate": {"value": 90.0, "target": 95.0, "met": false, "records": 10, "qualified": 9, "points_below": 5, "penalty_yuan": 100.0},
                "record_pass_rate": {"value": null, "target": 90.0, "met": true, "records": 0, "qualified": 0, "points_below": 0, "penalty_yuan": 0.0},
                "missed_reports": {"cases": 0, "reported": 0, "rate": null, "target": 0.0, "met": true, "penalty_yuan": 0.0},
                "antibiotic_share": {"value": 10.0, "max": 20.0, "met": true, "prescriptions": 10, "with_antibiotics": 1},
                "penalty_total": 100.0
            },
            "penalties": {"per_point_yuan": 20.0, "per_missed_case_yuan": 100.0, "total_yuan": 100.0},
            "groups": [{"key": "内科", "records": 10, "qualified": 9, "pass_rate": 90.0, "deduction": 2.5, "reviewed": 1}],
            "reviewed": 1
        }))
        .unwrap();
        assert_eq!(sheet.groups[0].key, "内科");
        assert_eq!(percent(sheet.rates.record_pass_rate.value), "—");
        assert_eq!(percent(sheet.rates.prescription_pass_rate.value), "90.0 %");
        // No records: the server says `met`, the page says there is nothing to judge.
        let mr = &sheet.rates.record_pass_rate;
        assert_eq!(verdict(mr.value, mr.met), None);
        let rx = &sheet.rates.prescription_pass_rate;
        assert_eq!(verdict(rx.value, rx.met), Some(false));
        let abx = &sheet.rates.antibiotic_share;
        assert_eq!(verdict(abx.value, abx.met), Some(true));
    }
}

#[cfg(test)]
mod shadow_tests;
