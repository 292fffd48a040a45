//! Reviews: the bundle the review pane reads (record version, current review, history, manual
//! checklist), and a new revision checked against the server's report and the checklist, then
//! scored as the engine scores (`score::review_score_decided`).

use std::collections::BTreeSet;

use http::StatusCode;
use opdcheck_api::qa::{
    Decision, FindingDecision, ManualDeduction, ManualItem, Review, ReviewBundle, ReviewPut,
    ReviewedRecord,
};
use opdcheck_engine::checklist::{self, manual_items};
use opdcheck_engine::{Engine, Report, score};

use super::{bad, from_text, not_found, now, to_text};
use crate::error::Error;
use crate::store::Store;
use crate::store::qa::ReviewRow;

/// Longest reason of a dismissal and note of a manual deduction, in characters.
const MAX_REASON: usize = 2000;
/// Longest note of a review.
const MAX_NOTE: usize = 4000;

fn review(r: ReviewRow) -> Review {
    Review {
        findings: from_text(&r.findings),
        manual: from_text(&r.manual),
        record_id: r.record_id,
        record_version: r.record_version,
        revision: r.revision,
        reviewer: r.reviewer,
        reviewed_at: r.reviewed_at,
        note: r.note,
        deduction: r.deduction,
        qualified: r.qualified,
    }
}

/// The `version` query parameter: an integer ≥ 1, or none (the latest).
pub fn version_param(v: Option<&str>) -> Result<Option<i64>, Error> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|v| *v >= 1)
            .map(Some)
            .ok_or_else(|| {
                bad(
                    "bad_parameter",
                    "`version` must be an integer ≥ 1",
                    "version",
                )
            }),
    }
}

/// What the review pane reads for a record version (default the latest; 404 when unknown).
pub async fn bundle(
    store: &Store,
    engine: &Engine,
    id: &str,
    version: Option<i64>,
) -> Result<ReviewBundle, Error> {
    let record = match version {
        Some(v) => store.get_version(id, v).await?,
        None => store.get_latest(id).await?,
    }
    .ok_or_else(|| Error::NotFound(format!("record {id}")))?;
    let report: Report = serde_json::from_str(&record.report)
        .map_err(|e| Error::Internal(format!("stored report: {e}")))?;
    let mut reviews = store.reviews_of(id).await?;
    // The current revision of this version; every other revision (this version's earlier ones
    // and other versions' reviews) is history, newest first.
    let current = reviews
        .iter()
        .enumerate()
        .filter(|(_, r)| r.record_version == record.version)
        .max_by_key(|(_, r)| r.revision)
        .map(|(i, _)| i);
    let current = current.map(|i| review(reviews.remove(i)));
    Ok(ReviewBundle {
        record: ReviewedRecord {
            body: serde_json::from_str(&record.body).unwrap_or_default(),
            report,
            id: record.id,
            version: record.version,
            kind: record.kind,
            department: record.department,
            doctor: record.doctor,
            qualified: record.qualified,
            deduction: record.deduction,
        },
        review: current,
        history: reviews.into_iter().map(review).collect(),
        // The engine's checklist, the one the QA page shows and `save` accepts.
        manual_items: manual_items(&engine.policy)
            .iter()
            .map(ManualItem::from)
            .collect(),
    })
}

/// QA's total for a record: the engine's [`score::review_score_decided`] with the review's
/// dismissed and confirmed (rule, path) sets, so a confirmed RX-21/RX-22 warning charges CLN-7
/// (the QA page's `ReviewDraft::total` calls the same function, and shows the same figure live
/// as QA works).
pub fn review_score(
    engine: &Engine,
    stored_deduction: f64,
    report: &Report,
    dismissed: &BTreeSet<(String, String)>,
    confirmed: &BTreeSet<(String, String)>,
    manual_total: f64,
) -> (f64, bool) {
    score::review_score_decided(
        &engine.policy,
        stored_deduction,
        report,
        dismissed,
        confirmed,
        manual_total,
    )
}

/// A revision's body checked: what is stored, and the sets it is scored with.
#[derive(Debug, Default)]
pub struct Checked {
    pub findings: Vec<FindingDecision>,
    pub manual: Vec<ManualDeduction>,
    pub dismissed: BTreeSet<(String, String)>,
    pub confirmed: BTreeSet<(String, String)>,
    pub manual_total: f64,
}

/// Check the decisions against `report` (the server's report of the version reviewed) and the
/// manual deductions against the checklist `items`; each problem is a located 400.
pub fn check(
    put: &ReviewPut,
    report: &Report,
    items: &[checklist::ManualItem],
) -> Result<Checked, Error> {
    let mut out = Checked::default();
    let what = format!("the server's report of version {}", put.version);
    let decided = decisions(&put.findings, &report.findings, &report.shadow, &what)?;
    out.findings = decided.findings;
    out.dismissed = decided.dismissed;
    out.confirmed = decided.confirmed;
    let mut seen = BTreeSet::new();
    for (i, m) in put.manual.iter().enumerate() {
        let at = format!("manual[{i}]");
        let code = m.item.as_str();
        let Some(item) = items.iter().find(|x| x.item == code) else {
            return Err(bad(
                "unknown_item",
                format!("`{code}` is not a manual checklist item"),
                format!("{at}.item"),
            ));
        };
        if !seen.insert(code) {
            return Err(bad(
                "bad_body",
                format!("{code} is given twice"),
                format!("{at}.item"),
            ));
        }
        let d = m.deduction;
        if !(d.is_finite() && d >= 0.0 && d <= item.max) {
            return Err(bad(
                "bad_deduction",
                format!("the deduction of {code} is a number from 0 to {}", item.max),
                format!("{at}.deduction"),
            ));
        }
        if m.note
            .as_ref()
            .is_some_and(|n| n.chars().count() > MAX_REASON)
        {
            return Err(bad(
                "bad_body",
                "`note` must be a string of at most 2000 characters",
                format!("{at}.note"),
            ));
        }
        out.manual_total += d;
        out.manual.push(m.clone());
    }
    if put
        .note
        .as_ref()
        .is_some_and(|n| n.chars().count() > MAX_NOTE)
    {
        return Err(bad(
            "bad_body",
            "`note` must be a string of at most 4000 characters",
            "note",
        ));
    }
    Ok(out)
}

/// Decisions on findings, checked: as stored, and the (rule, path)s of shown findings dismissed
/// and confirmed (what the score reads; decisions on shadow findings are never scored).
#[derive(Debug, Default)]
pub struct Decided {
    pub findings: Vec<FindingDecision>,
    pub dismissed: BTreeSet<(String, String)>,
    pub confirmed: BTreeSet<(String, String)>,
}

/// Check decisions on findings against the findings `known` and, for a decision with `shadow`,
/// the shadow findings `shadow` (`what` names them in a message): each names one of them, at
/// most once; a dismissal has a reason. Each problem is a located 400 (`findings[i]` …). Record
/// and visit reviews alike (a visit has no shadow findings).
pub fn decisions(
    given: &[FindingDecision],
    known: &[opdcheck_engine::Finding],
    shadow: &[opdcheck_engine::Finding],
    what: &str,
) -> Result<Decided, Error> {
    let mut out = Decided::default();
    // Shadow decisions, kept apart: a trial entry's shadow copy shares its finding's rule and path.
    let mut shadow_seen: BTreeSet<(String, String)> = BTreeSet::new();
    for (i, f) in given.iter().enumerate() {
        let at = format!("findings[{i}]");
        let (rule, path) = (&f.rule, &f.path);
        let (list, which) = if f.shadow {
            (shadow, "shadow finding")
        } else {
            (known, "finding")
        };
        if !list.iter().any(|x| &x.rule == rule && &x.path == path) {
            return Err(bad(
                "unknown_finding",
                format!("{what} has no {which} {rule} at `{path}`"),
                at,
            ));
        }
        let key = (rule.clone(), path.clone());
        let twice = if f.shadow {
            !shadow_seen.insert(key.clone())
        } else {
            out.dismissed.contains(&key) || out.confirmed.contains(&key)
        };
        if twice {
            return Err(bad(
                "bad_body",
                format!("{rule} at `{path}` is decided twice"),
                at,
            ));
        }
        if f.reason
            .as_ref()
            .is_some_and(|r| r.chars().count() > MAX_REASON)
        {
            return Err(bad(
                "bad_body",
                "`reason` must be a string of at most 2000 characters",
                format!("{at}.reason"),
            ));
        }
        let reason = f
            .reason
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        match f.decision {
            Decision::Dismissed if reason.is_none() => {
                return Err(bad(
                    "reason_required",
                    "a dismissal needs a reason",
                    format!("{at}.reason"),
                ));
            }
            _ if f.shadow => false,
            Decision::Dismissed => out.dismissed.insert(key),
            Decision::Confirmed => out.confirmed.insert(key),
        };
        out.findings.push(FindingDecision {
            rule: rule.clone(),
            path: path.clone(),
            decision: f.decision,
            reason,
            shadow: f.shadow,
        });
    }
    Ok(out)
}

/// Store `put` as a new revision of the review of record `id` by `reviewer`; the revision as
/// stored. The version must exist (404 at `version`); two reviews saved at the same instant:
/// the second is a 409.
pub async fn save(
    store: &Store,
    engine: &Engine,
    id: &str,
    reviewer: String,
    put: &ReviewPut,
) -> Result<Review, Error> {
    let version = put.version;
    if version < 1 {
        return Err(bad(
            "bad_body",
            "`version` must be the record version reviewed (an integer ≥ 1)",
            "version",
        ));
    }
    let record = store
        .get_version(id, version)
        .await?
        .ok_or_else(|| not_found(format!("no version {version} of record `{id}`"), "version"))?;
    let report: Report = serde_json::from_str(&record.report)
        .map_err(|e| Error::Internal(format!("stored report: {e}")))?;
    let checked = check(put, &report, &manual_items(&engine.policy))?;
    let (deduction, qualified) = review_score(
        engine,
        record.deduction,
        &report,
        &checked.dismissed,
        &checked.confirmed,
        checked.manual_total,
    );
    let decisions: Vec<(String, String, String, bool)> = checked
        .findings
        .iter()
        .map(|f| {
            let d = match f.decision {
                Decision::Confirmed => "confirmed",
                Decision::Dismissed => "dismissed",
            };
            (f.rule.clone(), f.path.clone(), d.to_owned(), f.shadow)
        })
        .collect();
    let mut row = ReviewRow {
        record_id: record.id.clone(),
        record_version: version,
        revision: 0,
        reviewer,
        reviewed_at: now(),
        findings: to_text(&checked.findings),
        manual: to_text(&checked.manual),
        note: put.note.clone(),
        deduction,
        qualified,
    };
    let Some(revision) = store.insert_review(&row, &decisions).await? else {
        return Err(Error::api(
            StatusCode::CONFLICT,
            "conflict",
            "another review of this record was saved at the same moment; reload and try again",
            None,
        ));
    };
    row.revision = revision;
    Ok(review(row))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_items_carry_the_seed_wording_and_maxima() {
        // The engine's checklist (`checklist::manual_items`) is the server's: the catalog's
        // manual items (the server's own list before the engine had one) are all on it.
        let items = manual_items(&Engine::default_engine().policy);
        let codes: Vec<&str> = items.iter().map(|i| i.item.as_str()).collect();
        for code in [
            "OPD-1", "OPD-2", "OPD-3", "OPD-6", "OPD-18", "CLN-2", "CLN-3", "CLN-4", "CLN-6",
            "CLN-9", "CLN-10", "CLN-12", "CLN-13", "CLN-14", "CLN-15", "CLN-16", "CLN-17",
            "CLN-18",
        ] {
            assert!(codes.contains(&code), "{code}");
        }
        assert!(!codes.contains(&"OPD-4"), "shown by documents");
        let cln18 = items.iter().find(|i| i.item == "CLN-18").unwrap();
        assert_eq!((cln18.deduction, cln18.max), (1.0, 5.0), "酌情扣1-5分");
        let cln14 = items.iter().find(|i| i.item == "CLN-14").unwrap();
        assert_eq!(cln14.max, 5.0, "not the 100 of 合格率达100%");
        let opd2 = items.iter().find(|i| i.item == "OPD-2").unwrap();
        assert_eq!(opd2.standard, "现场抽查，未督促患者出示门诊病历扣2分");
        assert_eq!(opd2.max, 2.0);
        // On the wire as the engine has it.
        let wire = ManualItem::from(opd2);
        assert_eq!(
            serde_json::to_value(&wire).unwrap(),
            serde_json::to_value(opd2).unwrap()
        );
    }

    #[test]
    fn a_dismissal_needs_a_reason_and_a_manual_item_its_maximum() {
        let engine = Engine::default_engine();
        let mut doc: serde_json::Value = serde_json::from_str(include_str!(
            "../../../opdcheck-engine/samples/prescription-clean.json"
        ))
        .unwrap();
        doc["items"][0]["frequency"] = "遵医嘱".into();
        let report = engine.check_json(&doc.to_string()).unwrap();
        let f = &report.findings[0];
        let items = manual_items(&engine.policy);
        let located = |put: &ReviewPut| match check(put, &report, &items) {
            Err(Error::Api { code, path, .. }) => (code, path.unwrap_or_default()),
            other => panic!("{other:?}"),
        };
        let decided = |decision, reason: Option<&str>| ReviewPut {
            version: 1,
            findings: vec![FindingDecision {
                rule: f.rule.clone(),
                path: f.path.clone(),
                decision,
                reason: reason.map(str::to_owned),
                shadow: false,
            }],
            ..ReviewPut::default()
        };
        assert_eq!(
            located(&decided(Decision::Dismissed, Some("  "))),
            ("reason_required", "findings[0].reason".into())
        );
        let ok = check(
            &decided(Decision::Dismissed, Some(" 见病历 ")),
            &report,
            &items,
        )
        .unwrap();
        assert_eq!(ok.findings[0].reason.as_deref(), Some("见病历"));
        assert_eq!(ok.dismissed.len(), 1);
        let mut twice = decided(Decision::Confirmed, None);
        twice.findings.push(twice.findings[0].clone());
        assert_eq!(located(&twice), ("bad_body", "findings[1]".into()));
        let manual = |item: &str, deduction| ReviewPut {
            version: 1,
            manual: vec![ManualDeduction {
                item: item.into(),
                deduction,
                note: None,
            }],
            ..ReviewPut::default()
        };
        assert_eq!(
            located(&manual("OPD-2", 2.5)),
            ("bad_deduction", "manual[0].deduction".into())
        );
        assert_eq!(
            located(&manual("OPD-11", 1.0)),
            ("unknown_item", "manual[0].item".into())
        );
        assert_eq!(
            check(&manual("OPD-2", 2.0), &report, &items)
                .unwrap()
                .manual_total,
            2.0
        );
    }
}
