//! Prescription rules (处方): RX-01 … RX-23.
//!
//! [`RxCtx`] holds what several rules need, computed once per check: each item's resolved
//! drug, route class, daily frequency and normalised dose; the patient's age.

use crate::Engine;
use crate::datetime::{self, Stamp};
use crate::formulary::{Category, Controlled, Drug, NameStatus, Resolved};
use crate::lookup::Frequency;
use crate::model::{Prescription, PrescriptionType, RxItem, filled};
use crate::policy::Policy;
use crate::units::{self, Amount, Unit};

use super::common::AgeFacts;

super::rule_modules! {
    rx01_header_complete,
    rx02_clinical_diagnosis,
    rx03_exact_age,
    rx04_weight_when_needed,
    rx05_prescription_type,
    rx06_generic_name,
    rx07_item_complete,
    rx08_vague_usage,
    rx09_quantity_matches_course,
    rx10_max_drugs,
    rx11_herbs_separate,
    rx12_supply_days,
    rx13_controlled_supply,
    rx14_over_label_dose,
    rx15_antibiotic_indication,
    rx16_corrections_signed,
    rx17_closed_and_signed,
    rx18_prescribing_rights,
    rx19_allergy,
    rx20_duplicate_therapy,
    rx21_antibiotic_combination,
    rx22_steroid_indication,
    rx23_herbal_prescription,
}

/// One prescription item with what the rules derive from it.
#[derive(Debug, Clone)]
pub struct ItemCtx<'a> {
    pub index: usize,
    pub item: &'a RxItem,
    /// The drug name as resolved against the formulary.
    pub name: Resolved<'a>,
    /// Route class (`oral`, `iv` …) of the written route, when known.
    pub route: Option<&'a str>,
    pub frequency: Frequency,
    /// The single dose, normalised (mg, ml, U, or a count such as 粒).
    pub dose: Option<Amount>,
    /// The single dose as an active amount: a count (2 粒) times the strength (0.25 g) = 500 mg;
    /// a volume (5 ml) times the concentration ("100ml:2g") = 100 mg.
    pub dose_active: Option<Amount>,
    /// The strength's active amount per unit (0.25g → 250 mg).
    pub strength: Option<Amount>,
}

impl<'a> ItemCtx<'a> {
    pub fn drug(&self) -> Option<&'a Drug> {
        self.name.drug
    }

    pub fn is_herb(&self) -> bool {
        self.drug().is_some_and(|d| d.cat == Category::Herb)
    }

    /// The controlled-drug class of the drug in the form written (麻醉药品, 精一, 精二 …).
    pub fn controlled(&self) -> Option<Controlled> {
        self.drug().and_then(|d| d.controlled(self.name.form))
    }

    pub fn is_antibiotic(&self) -> bool {
        self.drug().is_some_and(|d| d.abx.is_some())
    }

    pub fn written_name(&self) -> &'a str {
        filled(&self.item.drug).unwrap_or("")
    }

    /// The standard name to suggest: the generic name with the form as written.
    pub fn standard_name(&self) -> Option<String> {
        let d = self.drug()?;
        Some(match self.name.form {
            Some("注射用") => format!("注射用{}", d.name),
            Some(f) => format!("{}{}", d.name, f),
            None => d.name.clone(),
        })
    }

    /// Known dosage form written with the name, or recognised in the strength or route.
    pub fn is_injection(&self, policy: &Policy) -> bool {
        let form_inj = self
            .name
            .form
            .is_some_and(|f| policy.vocab.injection_forms.iter().any(|x| x == f));
        form_inj || matches!(self.route, Some("iv" | "im" | "sc" | "id"))
    }

    pub fn is_controlled_release(&self, policy: &Policy) -> bool {
        let name = self.written_name();
        policy
            .vocab
            .controlled_release_forms
            .iter()
            .any(|f| name.contains(f.as_str()))
    }

    /// Systemic route (oral, injection …); when no known route is written, a drug whose label
    /// routes are all systemic.
    pub fn is_systemic(&self, policy: &Policy) -> bool {
        let systemic = |r: &str| policy.vocab.systemic_routes.iter().any(|s| s == r);
        match self.route {
            Some(r) => systemic(r),
            None => self
                .drug()
                .is_some_and(|d| !d.max.is_empty() && d.max.keys().all(|r| systemic(r))),
        }
    }

    /// Daily amount (active when possible) = single dose × administrations per day.
    pub fn daily_active(&self) -> Option<Amount> {
        let Frequency::PerDay(n) = self.frequency else {
            return None;
        };
        let d = self.dose_active.clone().or_else(|| self.dose.clone())?;
        Some(Amount {
            value: d.value * n,
            unit: d.unit,
        })
    }

    /// Units of the dosage form taken per dose (2 粒), from a count dose or dose ÷ strength.
    pub fn count_per_dose(&self) -> Option<(f64, Option<String>)> {
        match (&self.dose, &self.strength) {
            (
                Some(Amount {
                    value,
                    unit: Unit::Count(u),
                }),
                _,
            ) => Some((*value, Some(u.clone()))),
            (Some(d), Some(s)) if d.unit == s.unit && s.value > 0.0 => {
                Some((d.value / s.value, None))
            }
            _ => None,
        }
    }
}

/// A prescription with what the rules derive from it.
pub struct RxCtx<'a> {
    pub engine: &'a Engine,
    pub doc: &'a Prescription,
    pub items: Vec<ItemCtx<'a>>,
    pub age: AgeFacts,
    pub issued: Option<Stamp>,
}

impl<'a> RxCtx<'a> {
    pub fn new(engine: &'a Engine, doc: &'a Prescription) -> RxCtx<'a> {
        let issued = doc.issued_at.as_deref().and_then(datetime::parse);
        let age = AgeFacts::of(&doc.patient, issued.map(|s| s.date()));
        let items = doc
            .items
            .iter()
            .enumerate()
            .map(|(index, item)| item_ctx(engine, index, item))
            .collect();
        RxCtx {
            engine,
            doc,
            items,
            age,
            issued,
        }
    }

    pub fn policy(&self) -> &'a Policy {
        &self.engine.policy
    }

    /// A 中药饮片 prescription: `herbal` given, or any item is a known herb.
    pub fn is_herbal(&self) -> bool {
        self.doc.herbal.is_some() || self.items.iter().any(|i| i.is_herb())
    }

    /// Prescription type emergency (急诊).
    pub fn is_emergency(&self) -> bool {
        self.doc.prescription_type == Some(PrescriptionType::Emergency)
    }

    /// The diagnoses with their parallel codes.
    pub fn diagnoses(&self) -> impl Iterator<Item = (usize, &'a str, Option<&'a str>)> {
        let codes = &self.doc.diagnosis_codes;
        self.doc
            .diagnoses
            .iter()
            .enumerate()
            .filter(|(_, d)| !d.trim().is_empty())
            .map(move |(i, d)| {
                (
                    i,
                    d.trim(),
                    codes
                        .get(i)
                        .and_then(|c| c.as_deref())
                        .filter(|c| !c.trim().is_empty()),
                )
            })
    }

    /// Resolved items of one name status.
    pub fn items_with(&self, status: NameStatus) -> impl Iterator<Item = &ItemCtx<'a>> {
        self.items.iter().filter(move |i| i.name.status == status)
    }
}

pub(crate) fn item_ctx<'a>(engine: &'a Engine, index: usize, item: &'a RxItem) -> ItemCtx<'a> {
    let name = match filled(&item.drug) {
        Some(n) => engine.formulary.resolve(&engine.policy.formulary, n),
        None => Resolved::UNKNOWN,
    };
    let route = filled(&item.route).and_then(|r| engine.lookup.route(r));
    let frequency = engine.lookup.frequency(filled(&item.frequency));
    let dose = item
        .dose
        .as_ref()
        .and_then(|q| units::normalise(q.value?, q.unit.as_deref()?));
    let strength = filled(&item.strength).and_then(units::strength_amount);
    let concentration = filled(&item.strength).and_then(units::concentration);
    let dose_active = match (&dose, &strength) {
        // A liquid dosed in ml of a volume:amount strength: 5 ml of "100ml:2g" = 100 mg.
        (
            Some(Amount {
                value,
                unit: Unit::Volume,
            }),
            _,
        ) if concentration.is_some() => concentration.map(|c| Amount {
            value: value * c.value,
            unit: c.unit,
        }),
        (
            Some(Amount {
                value,
                unit: Unit::Count(_),
            }),
            Some(s),
        ) if !matches!(s.unit, Unit::Count(_)) => Some(Amount {
            value: value * s.value,
            unit: s.unit.clone(),
        }),
        (Some(d), _) if !matches!(d.unit, Unit::Count(_)) => Some(d.clone()),
        _ => None,
    };
    ItemCtx {
        index,
        item,
        name,
        route,
        frequency,
        dose,
        dose_active,
        strength,
    }
}
