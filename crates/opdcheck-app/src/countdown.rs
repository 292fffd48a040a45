//! The report card's countdown: the deadline (2 h for 甲类 and some 乙类, 24 h otherwise) runs
//! from the diagnosis time.

use opdcheck_engine::Engine;
use opdcheck_engine::datetime;
use opdcheck_engine::model::{InfectiousReport, Visit};
use opdcheck_engine::report::Report;

/// What the card shows next to the disease.
#[derive(Debug, Clone, PartialEq)]
pub enum Deadline {
    /// No disease chosen, or not a notifiable one.
    Unknown,
    /// The disease's deadline, with no diagnosis time yet.
    Hours(u32),
    /// Seconds left before the deadline (negative: overdue), and the deadline in hours.
    Running { hours: u32, left_secs: i64 },
    /// Reported: whether in time.
    Reported { hours: u32, in_time: bool },
}

/// The reporting deadline in hours for the card's disease (and subtype).
pub fn hours(engine: &Engine, card: &InfectiousReport) -> Option<u32> {
    let name = card.disease.as_deref()?.trim();
    let d = engine.policy.disease_named(name)?;
    let sub = card
        .disease_subtype
        .as_deref()
        .and_then(|s| d.subtypes.iter().find(|t| t.name == s.trim()));
    Some(sub.and_then(|s| s.hours).unwrap_or(d.hours))
}

/// The deadline as of `now` (`2026-11-22T10:00`, local time).
pub fn deadline(engine: &Engine, card: &InfectiousReport, now: &str) -> Deadline {
    let Some(hours) = hours(engine, card) else {
        return Deadline::Unknown;
    };
    let Some(diagnosed) = card.diagnosed_at.as_deref().and_then(datetime::parse) else {
        return Deadline::Hours(hours);
    };
    let due = diagnosed.at + chrono::Duration::hours(i64::from(hours));
    if let Some(reported) = card.reported_at.as_deref().and_then(datetime::parse) {
        return Deadline::Reported {
            hours,
            in_time: reported.at <= due,
        };
    }
    match datetime::parse(now) {
        Some(now) => Deadline::Running {
            hours,
            left_secs: (due - now.at).num_seconds(),
        },
        None => Deadline::Hours(hours),
    }
}

/// A notifiable diagnosis of a visit's record with no report card yet (XV-04): the disease and
/// the time left, which runs from the visit time (the server counts the case as missed only once
/// it has passed).
#[derive(Debug, Clone, PartialEq)]
pub struct ReportDue {
    pub disease: String,
    /// `Running` from the record's `visit_at`; `Hours` while the record has no visit time.
    pub deadline: Deadline,
}

/// The reports a visit still owes, from its report's XV-04 findings (one per disease, at
/// `record.diagnoses[i]`), as of `now`.
pub fn reports_due(engine: &Engine, visit: &Visit, report: &Report, now: &str) -> Vec<ReportDue> {
    let Some(record) = &visit.record else {
        return Vec::new();
    };
    let visited = record.visit_at.as_deref().and_then(datetime::parse);
    let now = datetime::parse(now);
    report
        .findings
        .iter()
        .filter(|f| f.rule == "XV-04")
        .filter_map(|f| {
            let i: usize = f
                .path
                .strip_prefix("record.diagnoses[")?
                .strip_suffix(']')?
                .parse()
                .ok()?;
            let code = record.diagnosis_codes.get(i).and_then(|c| c.as_deref());
            let n = engine.policy.notifiable(record.diagnoses.get(i)?, code)?;
            let hours = n.subtype.and_then(|s| s.hours).unwrap_or(n.disease.hours);
            let deadline = match (&visited, &now) {
                (Some(at), Some(now)) => Deadline::Running {
                    hours,
                    left_secs: (at.at + chrono::Duration::hours(i64::from(hours)) - now.at)
                        .num_seconds(),
                },
                _ => Deadline::Hours(hours),
            };
            Some(ReportDue {
                disease: n.disease.name.clone(),
                deadline,
            })
        })
        .collect()
}

/// `1:05:09` or `2天3:00:00`.
pub fn clock(secs: i64) -> String {
    let s = secs.unsigned_abs();
    let (d, h, m, s) = (s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60);
    if d > 0 {
        format!("{d}天{h}:{m:02}:{s:02}")
    } else {
        format!("{h}:{m:02}:{s:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(disease: &str, diagnosed: Option<&str>) -> InfectiousReport {
        InfectiousReport {
            disease: Some(disease.into()),
            diagnosed_at: diagnosed.map(Into::into),
            ..Default::default()
        }
    }

    #[test]
    fn counts_down_from_the_diagnosis() {
        let e = Engine::default_engine();
        let c = card("霍乱", Some("2026-11-22T09:00"));
        assert_eq!(
            deadline(e, &c, "2026-11-22T10:30"),
            Deadline::Running {
                hours: 2,
                left_secs: 1800
            }
        );
        let c = card("流行性感冒", Some("2026-11-21T09:00"));
        assert_eq!(
            deadline(e, &c, "2026-11-22T10:00"),
            Deadline::Running {
                hours: 24,
                left_secs: -3600
            }
        );
        assert_eq!(
            deadline(e, &card("流行性感冒", None), "2026-11-22T10:00"),
            Deadline::Hours(24)
        );
        assert_eq!(
            deadline(e, &card("感冒", None), "2026-11-22T10:00"),
            Deadline::Unknown
        );
    }

    #[test]
    fn reported_cards_say_whether_in_time() {
        let e = Engine::default_engine();
        let mut c = card("霍乱", Some("2026-11-22T09:00"));
        c.reported_at = Some("2026-11-22T12:00".into());
        assert_eq!(
            deadline(e, &c, "x"),
            Deadline::Reported {
                hours: 2,
                in_time: false
            }
        );
    }

    #[test]
    fn formats_the_clock() {
        assert_eq!(clock(3909), "1:05:09");
        assert_eq!(clock(-1800), "0:30:00");
        assert_eq!(clock(2 * 86_400 + 3600), "2天1:00:00");
    }

    #[test]
    fn a_visit_owes_its_missed_report_within_the_deadline_from_the_visit() {
        let e = Engine::default_engine();
        let record = opdcheck_engine::model::OutpatientRecord {
            visit_at: Some("2026-11-22T09:00".into()),
            diagnoses: vec!["急性支气管炎".into(), "流行性感冒".into()],
            diagnosis_codes: vec![Some("J20.9".into()), Some("J11.1".into())],
            ..Default::default()
        };
        let mut visit = Visit {
            record: Some(record),
            ..Default::default()
        };
        let report = e.check(&opdcheck_engine::Document::Visit(visit.clone()));
        assert_eq!(
            reports_due(e, &visit, &report, "2026-11-22T10:00"),
            [ReportDue {
                disease: "流行性感冒".into(),
                deadline: Deadline::Running {
                    hours: 24,
                    left_secs: 23 * 3600
                }
            }]
        );
        assert_eq!(
            reports_due(e, &visit, &report, "2026-11-23T10:00")[0].deadline,
            Deadline::Running {
                hours: 24,
                left_secs: -3600
            }
        );
        // No visit time yet: the deadline, without a countdown.
        visit.record.as_mut().unwrap().visit_at = None;
        assert_eq!(
            reports_due(e, &visit, &report, "2026-11-22T10:00")[0].deadline,
            Deadline::Hours(24)
        );
        // The card filed: nothing owed.
        visit.infectious_reports.push(InfectiousReport {
            disease: Some("流行性感冒".into()),
            ..Default::default()
        });
        let report = e.check(&opdcheck_engine::Document::Visit(visit.clone()));
        assert!(reports_due(e, &visit, &report, "2026-11-22T10:00").is_empty());
    }
}
