//! Facts several rule groups need.

use chrono::NaiveDate;

use crate::Engine;
use crate::datetime;
use crate::formulary::Drug;
use crate::model::{Age, AgeUnit, Patient, filled};

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

/// A field a policy list can require: where it is, what it is called, whether it is filled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    pub path: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    pub filled: bool,
}

/// The patient field a policy name (`patient.…`) stands for, shared by every document's
/// required-field rule; `None` for a name that is not a patient field.
pub fn patient_field(p: &Patient, name: &str) -> Option<Field> {
    let text = |v: &Option<String>| filled(v).is_some();
    let (path, zh, en, is_filled) = match name {
        "patient.name" => ("patient.name", "姓名", "name", text(&p.name)),
        "patient.sex" => ("patient.sex", "性别", "sex", p.sex.is_some()),
        "patient.age" => (
            "patient.age",
            "年龄（或出生日期）",
            "age (or birth date)",
            p.age.as_ref().is_some_and(|a| a.value.is_some()) || text(&p.birth_date),
        ),
        "patient.birth_date" => (
            "patient.birth_date",
            "出生日期",
            "birth date",
            text(&p.birth_date),
        ),
        "patient.record_no" => (
            "patient.record_no",
            "门诊号",
            "record no.",
            text(&p.record_no),
        ),
        "patient.id_number" => (
            "patient.id_number",
            "证件号",
            "ID number",
            text(&p.id_number),
        ),
        "patient.phone" => ("patient.phone", "联系电话", "phone", text(&p.phone)),
        "patient.ethnicity" => ("patient.ethnicity", "民族", "ethnicity", text(&p.ethnicity)),
        "patient.marital_status" => (
            "patient.marital_status",
            "婚姻状况",
            "marital status",
            text(&p.marital_status),
        ),
        "patient.occupation" => (
            "patient.occupation",
            "职业",
            "occupation",
            text(&p.occupation),
        ),
        "patient.employer" => (
            "patient.employer",
            "工作单位",
            "employer",
            text(&p.employer),
        ),
        "patient.address" => ("patient.address", "住址", "address", text(&p.address)),
        "patient.employer_or_address" => (
            "patient.employer",
            "工作单位或住址",
            "employer or address",
            text(&p.employer) || text(&p.address),
        ),
        "patient.allergy_history" => (
            "patient.allergy_history",
            "药物过敏史",
            "drug allergy history",
            text(&p.allergy_history),
        ),
        "patient.weight_kg" => (
            "patient.weight_kg",
            "体重",
            "weight",
            p.weight_kg.is_some_and(|w| w > 0.0),
        ),
        "patient.guardian_name" => (
            "patient.guardian_name",
            "患儿家长姓名",
            "guardian's name",
            text(&p.guardian_name),
        ),
        "patient.residence_scope" => (
            "patient.residence_scope",
            "病人属于",
            "residence scope",
            text(&p.residence_scope),
        ),
        "patient.current_address" => (
            "patient.current_address",
            "现住址",
            "current address",
            text(&p.current_address),
        ),
        "patient.population_group" => (
            "patient.population_group",
            "人群分类",
            "population group",
            text(&p.population_group),
        ),
        _ => return None,
    };
    Some(Field {
        path,
        zh,
        en,
        filled: is_filled,
    })
}

/// Diagnosis text normalised for comparison: no spaces or punctuation, full-width folded.
pub fn normalise_diagnosis(s: &str) -> String {
    crate::formulary::fold(s)
        .chars()
        .filter(|c| !(c.is_ascii_punctuation() || "，。、；：？！（）【】《》“”‘’·　".contains(*c)))
        .collect()
}

/// The text is made of `words` only (punctuation and spaces aside): "待查", "？", "复查、开药"
/// but not "发热待查", which names a symptom. For the policy's non-diagnosis lists.
pub fn only_words_of(text: &str, words: &[String]) -> bool {
    use crate::formulary::fold_cow;
    let folded = fold_cow(text);
    // Most diagnoses hold none of the words: answer those before sorting the vocabulary.
    if !words
        .iter()
        .any(|w| !w.is_empty() && folded.contains(fold_cow(w).as_ref()))
    {
        return false;
    }
    let mut rest = folded.into_owned();
    let mut words: Vec<_> = words
        .iter()
        .map(|w| fold_cow(w))
        .filter(|w| !w.is_empty())
        .collect();
    // Longest first, so a longer word is taken whole before a word inside it.
    words.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
    for w in &words {
        rest = rest.replace(w.as_ref(), " ");
    }
    normalise_diagnosis(&rest).is_empty()
}

/// An allergy a patient's fields give.
#[derive(Debug, Clone)]
pub struct Allergy<'a> {
    /// The `allergens` entry, or the clause of `allergy_history`, as written.
    pub text: &'a str,
    /// The allergy classes it names (policy `allergy_classes`).
    pub classes: Vec<&'a str>,
    /// The formulary drug an `allergens` entry names (`芬必得` → 布洛芬), or a history clause
    /// that names no class (`氨苄西林过敏`).
    pub drug: Option<&'a Drug>,
    /// Written in `allergy_history` (free text) rather than `allergens`.
    pub from_history: bool,
}

/// The allergies a patient's fields give: each clause of `allergy_history` that names an
/// allergy class or a drug of the formulary, its denied clauses left out ("否认药物过敏史", "无过敏史", "否认青霉素过敏" name
/// none), then each `allergens` entry with the classes and the drug it names. RX-19 reads the
/// prescription's patient this way, XV-05 the record's.
pub fn allergies<'a>(engine: &'a Engine, patient: &'a Patient) -> Vec<Allergy<'a>> {
    let policy = &engine.policy;
    let history = filled(&patient.allergy_history)
        .into_iter()
        .flat_map(|h| policy.allergy_history_clauses(h))
        .filter_map(|(text, mut classes)| {
            // A clause that names no class may name a drug ("氨苄西林过敏"): its class, or the
            // drug itself when it has none ("对乙酰氨基酚过敏").
            let drug = if classes.is_empty() {
                engine.formulary.named_in(&policy.formulary, text)
            } else {
                None
            };
            classes.extend(drug.and_then(|d| d.allergy.as_deref()));
            (!classes.is_empty() || drug.is_some()).then_some(Allergy {
                text,
                classes,
                drug,
                from_history: true,
            })
        });
    let listed = filled_entries(&patient.allergens).map(|(_, text)| Allergy {
        text,
        classes: policy.allergy_classes_in(text),
        drug: engine.formulary.resolve(&policy.formulary, text).drug,
        from_history: false,
    });
    history.chain(listed).collect()
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
