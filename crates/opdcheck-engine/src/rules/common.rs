//! Facts several rule groups need.

use chrono::NaiveDate;

use crate::datetime;
use crate::model::{Age, AgeUnit, Patient};

/// The patient's age, from `age` or from `birth_date` on the document's date.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct AgeFacts {
    /// Age in days (exact from a birth date, approximate from `age`).
    pub days: Option<f64>,
}

impl AgeFacts {
    pub fn of(patient: &Patient, on: Option<NaiveDate>) -> AgeFacts {
        let from_birth = patient
            .birth_date
            .as_deref()
            .and_then(datetime::parse)
            .zip(on)
            .map(|(b, on)| datetime::days_between(b.date(), on) as f64);
        let from_age = patient.age.as_ref().and_then(age_days);
        AgeFacts {
            days: from_birth.or(from_age),
        }
    }

    pub fn years(&self) -> Option<f64> {
        self.days.map(|d| d / 365.25)
    }

    /// Under `years` years old (false when unknown).
    pub fn under_years(&self, years: f64) -> bool {
        self.years().is_some_and(|y| y < years)
    }
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
