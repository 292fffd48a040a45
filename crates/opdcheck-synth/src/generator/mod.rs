//! One prescription: a scenario for the patient's age, its department and a doctor allowed the
//! drugs, distinct compatible drugs the patient may take, each with a dose within the label (per
//! kg for a child), a frequency, days and a quantity that agree; then, on a fraction, defects.

pub(crate) mod defects;
mod patient;

use opdcheck_engine::formulary::Controlled;

use crate::catalog::{Catalog, Doctor, Product};
use crate::options::{GenOptions, weighted};
use crate::output::{HerbalOut, ItemOut, Num, Qty, RxOut, SignerOut};
use crate::people::{Person, date_string, days_from_civil};
use crate::scenarios::{FEE_CATEGORIES, INSTITUTIONS, title_tier};
use defects::DEFECTS;

pub(crate) const FREQS: &[(&str, f64)] = &[("qd", 1.0), ("bid", 2.0), ("tid", 3.0)];
pub(crate) const FREQ_ZH: &[&str] = &["每日1次", "每日2次", "每日3次"];

/// The generator's state: the catalog it draws from and its random stream.
pub(crate) struct Gen<'c> {
    pub(crate) catalog: &'c Catalog,
    pub(crate) rng: fastrand::Rng,
}

impl<'c> Gen<'c> {
    pub(crate) fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.rng.usize(..xs.len())]
    }

    pub(crate) fn pick_str(&mut self, xs: &[&'static str]) -> &'static str {
        xs[self.rng.usize(..xs.len())]
    }

    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.rng.f64() < p
    }

    pub(crate) fn prescription(&mut self, opts: &GenOptions, n: u64) -> (RxOut<'c>, bool) {
        let cat = self.catalog;
        // Issue date: a day of 2026, clinic hours.
        let day0 = days_from_civil(2026, 1, 1);
        let day = day0 + self.rng.i64(0..365);
        let (hour, minute) = (self.rng.u32(7..21), self.rng.u32(0..50));
        let date = date_string(day);
        let issued_at = format!("{date}T{hour:02}:{minute:02}");

        // Patient age: newborns, infants, children, adults, elderly.
        let band = self.rng.u32(0..100);
        let age_days: i64 = match band {
            0 => self.rng.i64(1..28),
            1..=4 => self.rng.i64(28..365),
            5..=19 => self.rng.i64(365..14 * 365),
            20..=74 => self.rng.i64(14 * 365 + 4..65 * 365),
            _ => self.rng.i64(65 * 365..95 * 365),
        };
        let years = age_days as f64 / 365.25;
        let weight = if years < 1.0 {
            3.3 + years * 12.0 * 0.6
        } else if years < 14.0 {
            2.0 * years + 8.0
        } else {
            45.0 + self.rng.f64() * 45.0
        };
        let allergy = match self.rng.u32(0..100) {
            0..=7 => Some("penicillin"),
            8..=9 => Some("sulfonamide"),
            10 => Some("cephalosporin"),
            _ => None,
        };
        let person = Person {
            age_days,
            weight: (weight * 10.0).round() / 10.0,
            allergy,
        };

        // Scenario for the age band.
        let band_ix = if person.is_child() {
            0
        } else if years < 65.0 {
            1
        } else {
            2
        };
        let weights: Vec<(usize, u32)> = cat
            .scenarios
            .iter()
            .enumerate()
            .map(|(i, s)| (i, s.def.weight[band_ix]))
            .collect();
        let scenario = &cat.scenarios[weighted(&mut self.rng, &weights)];
        let def = scenario.def;
        let dept_name: &'static str = if person.is_child() && !def.herbal && self.chance(0.8) {
            "儿科"
        } else {
            self.pick_str(def.depts)
        };
        let emergency = dept_name == "急诊科";

        let mut items: Vec<ItemOut<'c>> = Vec::new();
        let mut chosen: Vec<usize> = Vec::new();
        let mut herbal = None;
        let mut diagnosis_note = None;

        if def.herbal {
            let k = self.rng.usize(1..=cat.herbs.len().min(12));
            let mut picked: Vec<usize> = Vec::with_capacity(k);
            for _ in 0..k * 4 {
                if picked.len() >= k {
                    break;
                }
                let h = self.rng.usize(..cat.herbs.len());
                if !picked.contains(&h) {
                    picked.push(h);
                }
            }
            for h in picked {
                let herb = &cat.herbs[h];
                if herb.max_daily_g < 0.1 {
                    continue;
                }
                let dose = *self.pick(&[3.0, 6.0, 9.0, 10.0, 12.0, 15.0, 20.0, 30.0]);
                let dose = if dose > herb.max_daily_g {
                    // The largest whole (or, under 1 g, tenth of a) gram within the label.
                    let m = herb.max_daily_g;
                    if m >= 1.0 {
                        m.floor()
                    } else {
                        (m * 10.0).floor() / 10.0
                    }
                } else {
                    dose
                };
                items.push(ItemOut {
                    drug: &herb.name,
                    strength: None,
                    dose: Some(Qty {
                        value: Num(dose),
                        unit: "g",
                    }),
                    route: None,
                    frequency: None,
                    days: None,
                    quantity: None,
                    notes: None,
                    over_label_reason: None,
                });
            }
            herbal = Some(HerbalOut {
                doses: Num(*self.pick(&[3.0, 5.0, 7.0])),
                usage: self
                    .pick_str(&["水煎服，每日1剂，早晚分服", "水煎400ml，每日1剂，分2次温服"]),
            });
        } else {
            // Core drugs, then add-ons (random probes into the pools: constant time whatever
            // the formulary's size); distinct drugs, no two of one duplication class, one
            // antibiotic at most, nothing the patient is allergic to.
            let target = match self.rng.u32(0..100) {
                0..=24 => 1,
                25..=54 => 2,
                55..=79 => 3,
                80..=93 => 4,
                _ => 5,
            };
            let n_core = if target >= 3 && self.chance(0.3) {
                2
            } else {
                1
            };
            let want_injection = emergency && self.chance(0.5);
            for (pool, limit) in [(&scenario.core, n_core), (&scenario.addons, target)] {
                let mut added = 0;
                for _ in 0..limit * 8 + 8 {
                    if pool.is_empty() || chosen.len() >= target || added >= limit {
                        break;
                    }
                    let p = pool[self.rng.usize(..pool.len())];
                    let prod = &cat.products[p];
                    if chosen.contains(&p) || (prod.injection && !want_injection) {
                        continue;
                    }
                    if person.is_child() && (cat.drug(p).ctrl.is_some() || prod.count_unit == "粒")
                    {
                        continue;
                    }
                    if !fits(prod, &person)
                        || !self.compatible(&chosen, p)
                        || cat.allergic(person.allergy, p)
                    {
                        continue;
                    }
                    chosen.push(p);
                    added += 1;
                }
            }
            if chosen.is_empty() {
                // Every probe was excluded (allergy, injection, child): fall back to an oral
                // core product the patient may take, else the first core product.
                let p = scenario
                    .core
                    .iter()
                    .copied()
                    .find(|&p| {
                        !cat.allergic(person.allergy, p)
                            && !cat.products[p].injection
                            && fits(&cat.products[p], &person)
                    })
                    .unwrap_or(scenario.core[0]);
                chosen.push(p);
            }
            // An injection is given in normal saline when the formulary has it.
            let injected = chosen
                .iter()
                .any(|&p| cat.products[p].injection && cat.products[p].max_single.is_some());
            if injected
                && let Some(ns) = cat.saline
                && !chosen.contains(&ns)
                && chosen.len() < 5
            {
                chosen.push(ns);
            }
        }

        // Prescription type from the drugs chosen, then the days it allows.
        let ctrl = chosen
            .iter()
            .filter_map(|&p| cat.products[p].ctrl)
            .min_by_key(|c| match c {
                Controlled::Narcotic | Controlled::Psych1 => 0,
                _ => 1,
            });
        let ptype = match ctrl {
            Some(Controlled::Narcotic | Controlled::Psych1) => "narcotic_psych1",
            Some(Controlled::Psych2) => "psych2",
            _ if emergency => "emergency",
            _ if person.is_child() => "pediatric",
            _ => "general",
        };
        let max_days: u32 = match ptype {
            "emergency" | "narcotic_psych1" => 3,
            _ => 7,
        };
        let days: f64 = if def.chronic && ctrl.is_none() && self.chance(0.25) {
            diagnosis_note = Some(self.pick_str(&["慢性病长期用药", "老年病，病情稳定", "慢性病"]));
            *self.pick(&[14.0, 28.0, 30.0])
        } else if def.chronic {
            7.0
        } else {
            f64::from(self.rng.u32(2..=max_days))
        };
        for &p in &chosen {
            let item = self.item(p, &person, days, ptype, def.chronic);
            items.push(item);
        }

        // Diagnoses: the scenario's, sometimes two.
        let (dx, code) = *self.pick(def.diagnoses);
        let mut diagnoses = vec![dx];
        let mut codes = vec![code];
        if def.key == "cancer_pain" {
            diagnoses.push("癌性疼痛");
            codes.push(Some("R52.1"));
        } else if self.chance(0.15) && def.diagnoses.len() > 1 {
            let (dx2, code2) = *self.pick(def.diagnoses);
            if dx2 != dx {
                diagnoses.push(dx2);
                codes.push(code2);
            }
        }
        let with_codes = self.chance(0.7);

        // Prescriber: a doctor of the department allowed the highest antibiotic tier used.
        let tier = chosen.iter().filter_map(|&p| cat.drug(p).abx).max();
        let dept = cat.dept(dept_name);
        let allowed: Vec<&Doctor> = dept
            .doctors
            .iter()
            .filter(|d| tier.is_none_or(|t| title_tier(d.title) >= t))
            .collect();
        let doctor = if allowed.is_empty() {
            &dept.doctors[0]
        } else {
            allowed[self.rng.usize(..allowed.len())]
        };
        let sign_min = minute + self.rng.u32(1..10);
        let signed_at = format!("{date}T{hour:02}:{sign_min:02}");

        let patient = self.patient(&person, day, n);
        let mut rx = RxOut {
            kind: "prescription",
            id: format!("rx-{}-{n:07}", opts.seed),
            visit_id: format!("v-{}-{n:07}", opts.seed),
            prescription_type: ptype,
            institution: Some(*self.pick(INSTITUTIONS)),
            fee_category: Some(*self.pick(FEE_CATEGORIES)),
            patient,
            department: Some(dept_name),
            issued_at: Some(issued_at),
            diagnoses,
            diagnosis_codes: if with_codes { codes } else { Vec::new() },
            diagnosis_note,
            items,
            herbal,
            combination_reason: None,
            prescriber: Some(SignerOut {
                id: &doctor.id,
                name: &doctor.name,
                title: doctor.title,
                signed_at: Some(signed_at),
                signature_id: Some(&doctor.signature_id),
            }),
            amendments: [],
            completed: true,
        };

        let defective = self.chance(opts.defect_rate);
        if defective {
            let k = if self.chance(0.25) { 2 } else { 1 };
            for _ in 0..k {
                let d = weighted(&mut self.rng, DEFECTS);
                self.apply(&mut rx, d, &person, &chosen, days, ptype);
            }
        }
        (rx, defective)
    }

    /// May product `p` join `chosen`: another drug, another duplication class, ≤ 1 antibiotic.
    pub(crate) fn compatible(&self, chosen: &[usize], p: usize) -> bool {
        let cat = self.catalog;
        let d = cat.drug(p);
        chosen.iter().all(|&q| {
            let e = cat.drug(q);
            cat.products[q].drug_index != cat.products[p].drug_index
                && (d.dup.is_none() || d.dup != e.dup)
                && !(d.abx.is_some() && e.abx.is_some())
        })
    }

    /// One item: dose within the label (per kg for children), a frequency whose daily total
    /// stays within it, the days, and the quantity that covers them.
    pub(crate) fn item(
        &mut self,
        p: usize,
        person: &Person,
        days: f64,
        ptype: &str,
        chronic: bool,
    ) -> ItemOut<'c> {
        let prod = &self.catalog.products[p];
        let child = person.is_child();
        let w = person.weight;
        let (cap_single, cap_daily) = caps(prod, person);

        // Dose: 1 or 2 units for adults; for children a fraction by weight, in halves of a
        // tablet or a sachet (capsules are not split).
        let step = if prod.count_unit == "粒" { 1.0 } else { 0.5 };
        let mut units_per_dose: f64 = if prod.injection {
            1.0
        } else if self.chance(0.35) {
            2.0
        } else {
            1.0
        };
        if child && !prod.injection {
            let scale = (w / 60.0).min(1.0);
            units_per_dose = ((units_per_dose * scale) / step).round().max(1.0) * step;
        }
        let mut active = units_per_dose * prod.active_per_unit;
        // Once a day must fit the daily cap too.
        let cap_once = match (cap_single, cap_daily) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if let Some(c) = cap_once {
            while active > c && units_per_dose > step {
                units_per_dose = ((units_per_dose / 2.0) / step).floor().max(1.0) * step;
                active = units_per_dose * prod.active_per_unit;
            }
        }
        let dose = units_per_dose * prod.per_unit;
        // Frequency: a weighted choice (acute: mostly tid/bid; chronic and controlled
        // release: mostly qd), lowered until the daily total fits the label.
        let weights: &[(usize, u32)] = if prod.controlled_release || chronic {
            &[(0, 55), (1, 35), (2, 10)]
        } else {
            &[(0, 15), (1, 35), (2, 50)]
        };
        let first = weighted(&mut self.rng, weights);
        let fi = (0..=first)
            .rev()
            .find(|&i| cap_daily.is_none_or(|c| active * FREQS[i].1 <= c + 1e-9))
            .unwrap_or(0);
        let per_day = FREQS[fi].1;
        let frequency = if self.chance(0.15) {
            FREQ_ZH[fi]
        } else {
            FREQS[fi].0
        };
        let days = if ptype == "narcotic_psych1" {
            if prod.injection {
                1.0
            } else if prod.controlled_release {
                days.clamp(1.0, 7.0)
            } else {
                days.clamp(1.0, 3.0)
            }
        } else if prod.injection {
            days.min(3.0)
        } else {
            days
        };

        // Written dose: active amount in the strength's unit, or a count of units.
        let as_count =
            !child && !prod.injection && units_per_dose.fract() == 0.0 && self.chance(0.2);
        let dose_q = if as_count {
            Qty {
                value: Num(units_per_dose),
                unit: prod.count_unit,
            }
        } else {
            Qty {
                value: Num(dose / prod.dose_factor),
                unit: &prod.dose_unit,
            }
        };
        let total_units = (units_per_dose * per_day * days).ceil();
        let quantity = if prod.injection {
            Qty {
                value: Num(total_units.max(1.0)),
                unit: prod.pack_unit,
            }
        } else if self.chance(0.7) {
            Qty {
                value: Num((total_units / f64::from(prod.pack)).ceil().max(1.0)),
                unit: prod.pack_unit,
            }
        } else {
            Qty {
                value: Num(total_units.max(1.0)),
                unit: prod.count_unit,
            }
        };
        let notes = if !prod.injection && self.chance(0.05) {
            Some(*self.pick(&["饭后服", "餐前30分钟", "睡前服"]))
        } else {
            None
        };
        ItemOut {
            drug: &prod.written,
            strength: Some(&prod.strength),
            dose: Some(dose_q),
            route: Some(prod.route),
            frequency: Some(frequency),
            days: Some(Num(days)),
            quantity: Some(quantity),
            notes,
            over_label_reason: None,
        }
    }
}

/// Single and daily dose caps (active amount) for the patient: the label's, and per kg for a
/// child.
pub(crate) fn caps(prod: &Product, person: &Person) -> (Option<f64>, Option<f64>) {
    let kg = |k: Option<f64>| k.filter(|_| person.is_child()).map(|k| k * person.weight);
    let min = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    (
        min(kg(prod.kg_single), prod.max_single),
        min(kg(prod.kg_daily), prod.max_daily),
    )
}

/// Can the patient take the product's smallest dose (one unit; half a tablet for a child)
/// within the caps?
pub(crate) fn fits(prod: &Product, person: &Person) -> bool {
    let step = if prod.injection || !person.is_child() || prod.count_unit == "粒" {
        1.0
    } else {
        0.5
    };
    let least = step * prod.active_per_unit;
    let (single, daily) = caps(prod, person);
    single.is_none_or(|c| least <= c + 1e-9) && daily.is_none_or(|c| least <= c + 1e-9)
}

/// Add an item, replacing the last one when the prescription already has six.
pub(crate) fn push_item<'c>(rx: &mut RxOut<'c>, item: ItemOut<'c>) {
    if rx.items.len() >= 6 {
        if let Some(last) = rx.items.last_mut() {
            *last = item;
        }
    } else {
        rx.items.push(item);
    }
}
