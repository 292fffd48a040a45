//! Typical defects injected into a fraction of the prescriptions (`GenOptions::defect_rate`):
//! vague usage, too many drugs, missing diagnosis or header fields, aliases, overdoses, long
//! supply, missing signature, allergy conflicts, duplicate classes, antibiotic combinations or
//! tiers, excess quantities. A defect that cannot apply to a prescription falls back to another.

use opdcheck_engine::policy::AbxTier;

use super::{Gen, push_item};
use crate::output::{AgeOut, Num, Qty, RxOut, SignerOut};
use crate::people::Person;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Defect {
    VagueUsage,
    TooManyDrugs,
    NoDiagnosis,
    MissingHeader,
    BadAge,
    PediatricNoWeight,
    AliasName,
    Overdose,
    LongSupply,
    Unsigned,
    MissingUsage,
    AllergyConflict,
    DuplicateClass,
    AbxCombination,
    AbxTierTooHigh,
    ExcessQuantity,
}

pub(crate) const DEFECTS: &[(Defect, u32)] = &[
    (Defect::VagueUsage, 12),
    (Defect::TooManyDrugs, 6),
    (Defect::NoDiagnosis, 9),
    (Defect::MissingHeader, 10),
    (Defect::BadAge, 6),
    (Defect::PediatricNoWeight, 4),
    (Defect::AliasName, 9),
    (Defect::Overdose, 7),
    (Defect::LongSupply, 8),
    (Defect::Unsigned, 6),
    (Defect::MissingUsage, 8),
    (Defect::AllergyConflict, 4),
    (Defect::DuplicateClass, 5),
    (Defect::AbxCombination, 4),
    (Defect::AbxTierTooHigh, 3),
    (Defect::ExcessQuantity, 5),
];

impl<'c> Gen<'c> {
    /// Inject `defect` into `rx` (built from `chosen` products for `person`, `days` of
    /// treatment, prescription type `ptype`).
    pub(crate) fn apply(
        &mut self,
        rx: &mut RxOut<'c>,
        defect: Defect,
        person: &Person,
        chosen: &[usize],
        days: f64,
        ptype: &str,
    ) {
        let cat = self.catalog;
        let n_items = rx.items.len();
        match defect {
            Defect::VagueUsage => {
                let i = self.rng.usize(..n_items);
                let it = &mut rx.items[i];
                match self.rng.u8(..4) {
                    0 => it.frequency = Some("遵医嘱"),
                    1 => it.route = Some("遵医嘱"),
                    2 => it.notes = Some("自用"),
                    _ => it.frequency = Some("按说明书"),
                }
            }
            Defect::TooManyDrugs => {
                let mut have: Vec<usize> = chosen.to_vec();
                for _ in 0..64 {
                    if rx.items.len() >= 6 || cat.extras.is_empty() {
                        break;
                    }
                    let p = cat.extras[self.rng.usize(..cat.extras.len())];
                    if have
                        .iter()
                        .any(|&q| cat.products[q].drug_index == cat.products[p].drug_index)
                    {
                        continue;
                    }
                    have.push(p);
                    let item = self.item(p, person, days, ptype, false);
                    rx.items.push(item);
                }
            }
            Defect::NoDiagnosis => {
                rx.diagnosis_codes.clear();
                rx.diagnoses = match self.rng.u8(..4) {
                    0 => Vec::new(),
                    1 => vec!["待查"],
                    2 => vec!["开药"],
                    _ => vec!["发热待查"],
                };
            }
            Defect::MissingHeader => match self.rng.u8(..6) {
                0 => rx.institution = None,
                1 => rx.fee_category = None,
                2 => rx.department = None,
                3 => rx.issued_at = None,
                4 => rx.patient.name = None,
                _ => rx.patient.sex = None,
            },
            Defect::BadAge => {
                if person.age_days < 365 && self.chance(0.7) {
                    // An infant's age in years.
                    rx.patient.age = Some(AgeOut {
                        value: Num(0.0),
                        unit: Some("year"),
                    });
                    rx.patient.birth_date = None;
                } else if self.chance(0.5) {
                    rx.patient.age = None;
                    rx.patient.birth_date = None;
                } else if let Some(a) = rx.patient.age.as_mut() {
                    a.unit = None;
                    rx.patient.birth_date = None;
                }
            }
            Defect::PediatricNoWeight => {
                if person.is_child() {
                    rx.patient.weight_kg = None;
                } else {
                    self.apply(rx, Defect::VagueUsage, person, chosen, days, ptype);
                }
            }
            Defect::AliasName => {
                let with_alias: Vec<usize> = (0..n_items)
                    .filter(|&i| i < chosen.len() && !cat.drug(chosen[i]).aliases.is_empty())
                    .collect();
                if with_alias.is_empty() {
                    // An abbreviation nobody's formulary knows.
                    let i = self.rng.usize(..n_items);
                    rx.items[i].drug = *self.pick(&["VitB1", "ASA", "APC", "复方甘草片剂"]);
                } else {
                    let i = *self.pick(&with_alias);
                    let aliases = &cat.drug(chosen[i]).aliases;
                    rx.items[i].drug = &aliases[self.rng.usize(..aliases.len())];
                }
            }
            Defect::Overdose => {
                let capped: Vec<usize> = (0..n_items.min(chosen.len()))
                    .filter(|&i| cat.products[chosen[i]].max_single.is_some())
                    .collect();
                if let Some(&i) = capped.get(self.rng.usize(..capped.len().max(1))) {
                    let prod = &cat.products[chosen[i]];
                    let max = prod.max_single.unwrap_or(prod.active_per_unit);
                    let units = (max * 2.0 / prod.active_per_unit).ceil();
                    rx.items[i].dose = Some(Qty {
                        value: Num(units * prod.per_unit / prod.dose_factor),
                        unit: &prod.dose_unit,
                    });
                    rx.items[i].over_label_reason = None;
                } else {
                    self.apply(rx, Defect::MissingUsage, person, chosen, days, ptype);
                }
            }
            Defect::LongSupply => {
                rx.diagnosis_note = None;
                let long = *self.pick(&[10.0, 14.0, 30.0]);
                for it in &mut rx.items {
                    if let (Some(d), Some(q)) = (it.days, it.quantity.as_mut()) {
                        q.value = Num((q.value.0 * long / d.0.max(1.0)).ceil());
                        it.days = Some(Num(long));
                    }
                }
            }
            Defect::Unsigned => {
                if self.chance(0.3) {
                    rx.prescriber = None;
                } else if let Some(s) = rx.prescriber.as_mut() {
                    s.signed_at = None;
                    s.signature_id = None;
                }
            }
            Defect::MissingUsage => {
                let i = self.rng.usize(..n_items);
                let it = &mut rx.items[i];
                match self.rng.u8(..4) {
                    0 => it.dose = None,
                    1 => it.frequency = None,
                    2 if it.route.is_some() => it.route = None,
                    _ => {
                        if let Some(d) = it.dose.as_mut() {
                            d.unit = "";
                        }
                    }
                }
            }
            Defect::AllergyConflict => {
                // The patient is allergic to the class of one of the drugs.
                let classes: Vec<(usize, &str)> = (0..n_items.min(chosen.len()))
                    .filter_map(|i| cat.drug(chosen[i]).allergy.as_deref().map(|c| (i, c)))
                    .collect();
                let named = |c: &str| -> Option<(&'static str, &'static str)> {
                    Some(match c {
                        "penicillin" => ("青霉素过敏", "青霉素类"),
                        "cephalosporin" => ("头孢类过敏", "头孢菌素类"),
                        "nsaid" => ("阿司匹林过敏", "非甾体抗炎药"),
                        "opioid" => ("吗啡过敏", "阿片类"),
                        "sulfonamide" => ("磺胺过敏", "磺胺类"),
                        _ => return None,
                    })
                };
                match classes.iter().find_map(|&(_, c)| named(c)) {
                    Some((history, allergen)) => {
                        rx.patient.allergy_history = history;
                        rx.patient.allergens = vec![allergen];
                    }
                    None => self.apply(rx, Defect::DuplicateClass, person, chosen, days, ptype),
                }
            }
            Defect::DuplicateClass => {
                let mut found = None;
                'outer: for &p in chosen {
                    let Some(cls) = cat.drug(p).dup.as_deref() else {
                        continue;
                    };
                    for (q, prod) in cat.products.iter().enumerate() {
                        let e = cat.drug(q);
                        if e.dup.as_deref() == Some(cls)
                            && prod.drug_index != cat.products[p].drug_index
                            && !prod.injection
                            && e.ctrl.is_none()
                        {
                            found = Some(q);
                            break 'outer;
                        }
                    }
                }
                match found {
                    Some(q) => {
                        let item = self.item(q, person, days, ptype, false);
                        push_item(rx, item);
                    }
                    None => self.apply(rx, Defect::VagueUsage, person, chosen, days, ptype),
                }
            }
            Defect::AbxCombination => {
                let have: Vec<usize> = chosen
                    .iter()
                    .copied()
                    .filter(|&p| cat.drug(p).abx.is_some())
                    .map(|p| cat.products[p].drug_index)
                    .collect();
                let other = (0..cat.products.len()).find(|&q| {
                    cat.drug(q).abx == Some(AbxTier::Nonrestricted)
                        && !cat.products[q].injection
                        && !have.contains(&cat.products[q].drug_index)
                        && (!have.is_empty() || rx.items.len() < 6)
                });
                let first = (0..cat.products.len()).find(|&q| {
                    cat.drug(q).abx.is_some()
                        && !cat.products[q].injection
                        && Some(q) != other
                        && other.is_none_or(|o| {
                            cat.products[o].drug_index != cat.products[q].drug_index
                        })
                });
                let mut add = Vec::new();
                if have.is_empty() {
                    add.extend(first);
                }
                add.extend(other);
                for q in add {
                    let item = self.item(q, person, days, ptype, false);
                    push_item(rx, item);
                }
                rx.combination_reason = None;
            }
            Defect::AbxTierTooHigh => {
                // A restricted antibiotic from a resident or an assistant.
                let restricted =
                    (0..cat.products.len()).find(|&q| cat.drug(q).abx == Some(AbxTier::Restricted));
                let junior = cat
                    .depts
                    .iter()
                    .flat_map(|d| &d.doctors)
                    .find(|d| matches!(d.title, "resident" | "assistant"));
                match (restricted, junior) {
                    (Some(q), Some(doc)) => {
                        let item = self.item(q, person, days.min(3.0), ptype, false);
                        if let Some(i) = rx.items.iter().position(|it| {
                            cat.products
                                .iter()
                                .position(|p| p.written == it.drug)
                                .is_some_and(|p| cat.drug(p).abx.is_some())
                        }) {
                            rx.items[i] = item;
                        } else if rx.items.len() < 5 {
                            rx.items.push(item);
                        } else {
                            rx.items[0] = item;
                        }
                        rx.prescriber = Some(SignerOut {
                            id: &doc.id,
                            name: &doc.name,
                            title: doc.title,
                            signed_at: rx.prescriber.as_ref().and_then(|s| s.signed_at.clone()),
                            signature_id: Some(&doc.signature_id),
                        });
                    }
                    _ => self.apply(rx, Defect::VagueUsage, person, chosen, days, ptype),
                }
            }
            Defect::ExcessQuantity => {
                let i = self.rng.usize(..n_items);
                if let Some(q) = rx.items[i].quantity.as_mut() {
                    q.value = Num(q.value.0 * f64::from(self.rng.u32(4..=10)));
                } else {
                    self.apply(rx, Defect::LongSupply, person, chosen, days, ptype);
                }
            }
        }
    }
}
