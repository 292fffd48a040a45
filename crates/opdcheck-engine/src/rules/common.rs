//! Facts several rule groups need.

use chrono::NaiveDate;

use crate::datetime;
use crate::model::{Age, AgeUnit, Patient};

/// The patient's age, from `birth_date` on the document's date (exact), else from `age`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct AgeFacts {
    /// Age in days (exact from a birth date, approximate from `age`).
    pub days: Option<f64>,
    /// Completed months (实足月龄): exact from a birth date, so a first birthday is 12.
    pub months: Option<f64>,
}

impl AgeFacts {
    pub fn of(patient: &Patient, on: Option<NaiveDate>) -> AgeFacts {
        // A birth date after the document's date says nothing about the age.
        let birth = patient
            .birth_date
            .as_deref()
            .and_then(datetime::parse)
            .zip(on)
            .filter(|(b, on)| b.date() <= *on);
        match birth {
            Some((b, on)) => AgeFacts {
                days: Some(datetime::days_between(b.date(), on) as f64),
                months: Some(datetime::completed_months(b.date(), on) as f64),
            },
            None => {
                let age = patient.age.as_ref();
                AgeFacts {
                    days: age.and_then(age_days),
                    months: age.and_then(age_months),
                }
            }
        }
    }

    pub fn years(&self) -> Option<f64> {
        self.months
            .map(|m| m / 12.0)
            .or(self.days.map(|d| d / 365.25))
    }

    /// Under `years` years old, in completed months (false when unknown).
    pub fn under_years(&self, years: f64) -> bool {
        match (self.months, self.days) {
            (Some(m), _) => m < years * 12.0,
            (None, Some(d)) => d < years * 365.25,
            _ => false,
        }
    }
}

/// Months an `age` stands for.
pub fn age_months(age: &Age) -> Option<f64> {
    let v = age.value?;
    Some(match age.unit? {
        AgeUnit::Day => v / 30.4375,
        AgeUnit::Month => v,
        AgeUnit::Year => v * 12.0,
    })
}

/// Days an `age` stands for.
pub fn age_days(age: &Age) -> Option<f64> {
    let v = age.value?;
    Some(match age.unit? {
        AgeUnit::Day => v,
        AgeUnit::Month => v * 30.4375,
        AgeUnit::Year => v * 365.25,
    })
}

/// Diagnosis text normalised for comparison: no spaces or punctuation, full-width folded.
pub fn normalise_diagnosis(s: &str) -> String {
    crate::formulary::fold(s)
        .chars()
        .filter(|c| !(c.is_ascii_punctuation() || "，。、；：？！（）【】《》“”‘’·　".contains(*c)))
        .collect()
}

/// The non-empty, trimmed entries of a text list with their indexes.
pub fn filled_entries(list: &[String]) -> impl Iterator<Item = (usize, &str)> {
    list.iter()
        .enumerate()
        .map(|(i, s)| (i, s.trim()))
        .filter(|(_, s)| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(birth: &str, on: &str) -> AgeFacts {
        let p = Patient {
            birth_date: Some(birth.into()),
            ..Patient::default()
        };
        AgeFacts::of(&p, datetime::parse(on).map(|s| s.date()))
    }

    #[test]
    fn birthdays_count_in_completed_months() {
        assert!(!facts("2025-11-22", "2026-11-22").under_years(1.0));
        assert!(facts("2025-11-23", "2026-11-22").under_years(1.0));
        assert!(!facts("2012-11-22", "2026-11-22").under_years(14.0));
        // A birth date after the document's date is ignored.
        assert_eq!(facts("2027-01-01", "2026-11-22"), AgeFacts::default());
    }
}
