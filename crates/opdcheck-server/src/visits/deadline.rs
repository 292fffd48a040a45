//! Reporting deadlines of a visit's missing report cards: a notifiable diagnosis without its card
//! is 漏报 only once its deadline (the policy disease's `hours`, 2 h for class A and some class B
//! diseases, else 24 h; a subtype's own `hours` first) has passed since the visit.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use opdcheck_api::visits::ReportState;
use opdcheck_engine::Engine;
use opdcheck_engine::facts::MISSED_REPORT_RULE;
use opdcheck_engine::model::{OutpatientRecord, ReportStatus, filled};
use opdcheck_engine::{Finding, Severity};

use crate::stamp::{parse_stamp, stamp};
use crate::store::visits::CaseRow;

/// Documents write clinic-local times without an offset (docs/format.md); the clinics are in
/// China, so clinic time is UTC+08:00 (no daylight saving), and the server's clock is UTC.
pub const CLINIC_UTC_OFFSET_HOURS: i64 = 8;

/// A clinic-local time as written (`2026-11-22T09:10`, an offset ignored as the engine ignores
/// it), in UTC.
fn clinic_time(text: &str) -> Option<DateTime<Utc>> {
    let local: NaiveDateTime = opdcheck_engine::datetime::parse(text)?.at;
    Some(local.and_utc() - Duration::hours(CLINIC_UTC_OFFSET_HOURS))
}

/// When the cards were due: `hours` after the visit time (`base`: the record's `visit_at`, else
/// its physician's signature, else the visit's earliest document date), UTC.
pub fn due_at(base: Option<&str>, hours: i64) -> Option<String> {
    base.and_then(clinic_time)
        .map(|t| stamp(t + Duration::hours(hours)))
}

/// The visit's time to count deadlines from, as written.
pub(super) fn base_time<'a>(
    record: Option<&'a OutpatientRecord>,
    earliest: Option<&'a str>,
) -> Option<&'a str> {
    record
        .and_then(|r| {
            filled(&r.visit_at).or_else(|| r.physician.as_ref().and_then(|p| filled(&p.signed_at)))
        })
        .or(earliest)
        .filter(|t| clinic_time(t).is_some())
}

/// One case per missed-report finding (XV-04 errors: one per disease, at the diagnosis naming
/// it), with its deadline.
pub(super) fn cases(
    engine: &Engine,
    record: Option<&OutpatientRecord>,
    findings: &[Finding],
    base: Option<&str>,
) -> Vec<CaseRow> {
    let Some(record) = record else {
        return Vec::new();
    };
    findings
        .iter()
        .filter(|f| f.rule == MISSED_REPORT_RULE && f.severity == Severity::Error)
        .filter_map(|f| {
            let i: usize = f
                .path
                .strip_prefix("record.diagnoses[")?
                .strip_suffix(']')?
                .parse()
                .ok()?;
            let code = record.diagnosis_codes.get(i).and_then(|c| c.as_deref());
            let n = engine.policy.notifiable(record.diagnoses.get(i)?, code)?;
            let hours = i64::from(n.subtype.and_then(|s| s.hours).unwrap_or(n.disease.hours));
            Some(CaseRow {
                disease: n.disease.name.clone(),
                path: f.path.clone(),
                hours,
                due_at: due_at(base, hours),
                dismissed: false,
            })
        })
        .collect()
}

/// Whether the record names a notifiable disease (then, without missing cards, it was reported).
pub(super) fn names_notifiable(engine: &Engine, record: Option<&OutpatientRecord>) -> bool {
    let Some(r) = record else { return false };
    r.infectious_report_status == Some(ReportStatus::Reported)
        || r.diagnoses.iter().enumerate().any(|(i, d)| {
            let code = r.diagnosis_codes.get(i).and_then(|c| c.as_deref());
            engine.policy.notifiable(d, code).is_some()
        })
}

/// A case is overdue at `now` once its deadline has passed, or when it has none.
pub fn overdue(case: &CaseRow, now: DateTime<Utc>) -> bool {
    case.due_at
        .as_deref()
        .and_then(parse_stamp)
        .is_none_or(|due| due <= now)
}

/// The visit's report state at `now`, from its stored state (`none`, `reported`, `pending`) and
/// its missing cards.
pub fn state_at(stored: &str, cases: &[CaseRow], now: DateTime<Utc>) -> ReportState {
    if cases.is_empty() {
        return if stored == "reported" {
            ReportState::Reported
        } else {
            ReportState::None
        };
    }
    if cases.iter().any(|c| overdue(c, now)) {
        ReportState::Overdue
    } else {
        ReportState::Due
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(due_at: Option<&str>) -> CaseRow {
        CaseRow {
            disease: "病毒性肝炎".into(),
            path: "record.diagnoses[0]".into(),
            hours: 24,
            due_at: due_at.map(str::to_owned),
            dismissed: false,
        }
    }

    #[test]
    fn deadlines_count_from_clinic_time() {
        // 09:10 in the clinic is 01:10 UTC; 24 h later.
        assert_eq!(
            due_at(Some("2026-11-22T09:10"), 24).as_deref(),
            Some("2026-11-23T01:10:00.000000Z")
        );
        assert_eq!(
            due_at(Some("2026-11-22T09:10+08:00"), 2).as_deref(),
            Some("2026-11-22T03:10:00.000000Z")
        );
        assert_eq!(due_at(Some("yesterday"), 24), None);
        assert_eq!(due_at(None, 24), None);
    }

    #[test]
    fn states_follow_the_clock() {
        let now = parse_stamp("2026-11-23T00:00:00Z").unwrap();
        let due = case(Some("2026-11-23T01:10:00.000000Z"));
        let past = case(Some("2026-11-22T03:10:00.000000Z"));
        assert_eq!(
            state_at("pending", std::slice::from_ref(&due), now),
            ReportState::Due
        );
        assert_eq!(state_at("pending", &[due, past], now), ReportState::Overdue);
        assert_eq!(
            state_at("pending", &[case(None)], now),
            ReportState::Overdue
        );
        assert_eq!(state_at("reported", &[], now), ReportState::Reported);
        assert_eq!(state_at("none", &[], now), ReportState::None);
        let later = parse_stamp("2026-11-23T01:10:00Z").unwrap();
        assert!(overdue(&case(Some("2026-11-23T01:10:00.000000Z")), later));
    }
}
