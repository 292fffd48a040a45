//! The catalog: the engine's formulary turned into products ready to prescribe (written name,
//! strength with pack, dose units, label maxima), herbs for decoctions, the scenarios' drug
//! pools, and the departments with their doctors. Built once per run.

use std::collections::BTreeSet;

use opdcheck_engine::Engine;
use opdcheck_engine::formulary::{Category, Controlled, Drug};
use opdcheck_engine::policy::AbxTier;
use opdcheck_engine::units::{self, Unit};

use crate::options::weighted;
use crate::people::person_name;
use crate::scenarios::{ADULT_DEPTS_EXTRA, SCENARIOS, ScenarioDef, TITLES};

/// One product as written on a prescription: name + form + strength + pack.
#[derive(Debug)]
pub(crate) struct Product {
    pub(crate) drug_index: usize,
    /// Written name: 阿莫西林胶囊, 注射用头孢曲松.
    pub(crate) written: String,
    /// Strength with pack: 0.25g×24粒; 100ml:0.9g.
    pub(crate) strength: String,
    /// Per unit: active amount in the base unit (mg, ml, U) and the written unit + factor.
    pub(crate) per_unit: f64,
    /// Active amount per unit (mg, U) for the label maxima: the amount after the colon of a
    /// volume:amount strength, else `per_unit`.
    pub(crate) active_per_unit: f64,
    pub(crate) dose_unit: String,
    pub(crate) dose_factor: f64,
    /// Count unit of the form (粒, 片, 袋, 支, 瓶) and units per pack.
    pub(crate) count_unit: &'static str,
    pub(crate) pack: u32,
    pub(crate) pack_unit: &'static str,
    pub(crate) route: &'static str,
    pub(crate) injection: bool,
    pub(crate) controlled_release: bool,
    /// The controlled-drug class of this form (咪达唑仑注射液 第一类, 咪达唑仑片 第二类).
    pub(crate) ctrl: Option<Controlled>,
    /// Label maxima for the route, base unit: single, daily, per kg single, per kg daily.
    pub(crate) max_single: Option<f64>,
    pub(crate) max_daily: Option<f64>,
    pub(crate) kg_single: Option<f64>,
    pub(crate) kg_daily: Option<f64>,
}

#[derive(Debug)]
pub(crate) struct Herb {
    pub(crate) name: String,
    pub(crate) max_daily_g: f64,
}

pub(crate) struct Scenario {
    pub(crate) def: &'static ScenarioDef,
    pub(crate) core: Vec<usize>,
    pub(crate) addons: Vec<usize>,
}

pub(crate) struct Doctor {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) title: &'static str,
    pub(crate) signature_id: String,
}

pub(crate) struct Dept {
    pub(crate) name: &'static str,
    pub(crate) doctors: Vec<Doctor>,
}

/// Everything the generator draws from, built once from the engine's formulary.
pub struct Catalog {
    pub(crate) drugs: Vec<Drug>,
    pub(crate) products: Vec<Product>,
    pub(crate) herbs: Vec<Herb>,
    pub(crate) scenarios: Vec<Scenario>,
    pub(crate) depts: Vec<Dept>,
    /// Allergy class → classes it cross-reacts with (itself included).
    pub(crate) allergy_cross: Vec<(String, Vec<String>)>,
    /// Normal saline for injections (氯化钠注射液), when the formulary has it.
    pub(crate) saline: Option<usize>,
    /// Products a defect may add (no controlled drug, antibiotic or injection).
    pub(crate) extras: Vec<usize>,
}

fn form_info(form: &str) -> Option<(&'static str, &'static str, &'static str, u32)> {
    // (count unit, route as written, route class, units per pack)
    Some(match form {
        "注射用" | "粉针" => ("支", "静脉滴注", "iv", 1),
        "注射液" => ("支", "静脉滴注", "iv", 1),
        f if f.ends_with("胶囊") || f.ends_with("胶丸") => ("粒", "口服", "oral", 24),
        f if f.ends_with('片') => ("片", "口服", "oral", 20),
        f if f.ends_with("颗粒") => ("袋", "冲服", "oral", 10),
        f if f.ends_with('丸') => ("丸", "口服", "oral", 60),
        _ => return None,
    })
}

/// The written unit at the start of a strength ("0.25g" → "g", "80万U" → "万U").
fn leading_unit(s: &str) -> String {
    s.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.')
        .chars()
        .take_while(|&c| c.is_ascii_alphabetic() || c == 'μ' || c == '万')
        .collect()
}

impl Catalog {
    pub fn build(engine: &Engine) -> Catalog {
        let policy = &engine.policy;
        let drugs = policy.formulary.drugs.clone();
        let mut products = Vec::new();
        let mut herbs = Vec::new();
        for (i, d) in drugs.iter().enumerate() {
            if d.cat == Category::Herb {
                if d.ctrl.is_some() {
                    // 医疗用毒性药品 (蟾酥, 马钱子 …) are not part of routine decoctions here.
                    continue;
                }
                let max = engine
                    .formulary
                    .maxima(i, "decoction")
                    .and_then(|m| m.daily.as_ref())
                    .filter(|a| a.unit == Unit::Mass)
                    .map(|a| a.value / 1000.0)
                    .unwrap_or(15.0);
                herbs.push(Herb {
                    name: d.name.clone(),
                    max_daily_g: max,
                });
                continue;
            }
            // A drug without forms (速效救心丸) is written as its name.
            let no_form = [String::new()];
            let forms = if d.forms.is_empty() {
                &no_form[..]
            } else {
                &d.forms[..]
            };
            for form in forms {
                let shape = if form.is_empty() {
                    d.name.as_str()
                } else {
                    form.as_str()
                };
                let Some((count_unit, route, route_class, pack)) = form_info(shape) else {
                    continue;
                };
                let injection = route_class == "iv";
                for s in &d.strengths {
                    // Injections are written with their strengths; a volume:amount strength
                    // (100ml:0.9g) is dosed by volume.
                    let (per_unit, dose_unit, active_per_unit) = if let Some((vol, _)) =
                        s.split_once([':', '：'])
                    {
                        // Volume:amount (10ml:0.5g) is dosed by volume; other pairs
                        // (150mg:12.5mg combinations) are left out.
                        let Some(v) = units::parse_amount(vol).filter(|a| a.unit == Unit::Volume)
                        else {
                            continue;
                        };
                        let active = units::strength_amount(s)
                            .filter(|a| !matches!(a.unit, Unit::Count(_)))
                            .map_or(v.value, |a| a.value);
                        (v.value, leading_unit(vol), active)
                    } else {
                        let Some(a) = units::strength_amount(s) else {
                            continue;
                        };
                        if matches!(a.unit, Unit::Count(_)) {
                            continue;
                        }
                        (a.value, leading_unit(s), a.value)
                    };
                    let Some(factor) = units::normalise(1.0, &dose_unit).map(|a| a.value) else {
                        continue;
                    };
                    let volume_dosed = s.contains([':', '：']);
                    let maxima = engine.formulary.maxima(i, route_class);
                    let base = |o: Option<&units::Amount>| o.map(|a| a.value);
                    let (max_single, max_daily, kg_single, kg_daily) = match maxima {
                        Some(m) => (
                            base(m.single.as_ref()),
                            base(m.daily.as_ref()),
                            base(m.kg_single.as_ref()),
                            base(m.kg_daily.as_ref()),
                        ),
                        None => (None, None, None, None),
                    };
                    let written = if form == "注射用" {
                        format!("注射用{}", d.name)
                    } else {
                        format!("{}{}", d.name, form)
                    };
                    let (strength, pack_unit, count_unit) = if injection {
                        let cu = if volume_dosed { "瓶" } else { count_unit };
                        (s.clone(), cu, cu)
                    } else {
                        (format!("{s}×{pack}{count_unit}"), "盒", count_unit)
                    };
                    products.push(Product {
                        drug_index: i,
                        written,
                        strength,
                        per_unit,
                        active_per_unit,
                        dose_unit,
                        dose_factor: factor,
                        count_unit,
                        pack,
                        pack_unit,
                        route,
                        injection,
                        ctrl: d.controlled(Some(form)),
                        controlled_release: policy
                            .vocab
                            .controlled_release_forms
                            .iter()
                            .any(|f| f == form),
                        max_single,
                        max_daily,
                        kg_single,
                        kg_daily,
                    });
                }
            }
        }

        let matches = |p: &Product, names: &[&str], classes: &[&str]| {
            let d = &drugs[p.drug_index];
            names.contains(&d.name.as_str())
                || d.dup.as_deref().is_some_and(|c| classes.contains(&c))
        };
        let mut scenarios = Vec::new();
        for def in SCENARIOS {
            let mut core = Vec::new();
            let mut addons = Vec::new();
            if !def.herbal {
                for (pi, p) in products.iter().enumerate() {
                    let d = &drugs[p.drug_index];
                    let special = d.abx == Some(AbxTier::Special)
                        && !policy.antibiotics.special_allowed_in_outpatient;
                    if special {
                        continue;
                    }
                    let is_core = matches(p, def.core_names, def.core_classes)
                        || (def.core_abx && d.abx.is_some())
                        || (def.core_steroid && d.steroid);
                    // Controlled drugs only where the scenario is about them.
                    if p.ctrl.is_some_and(|c| !def.ctrl.contains(&c)) {
                        continue;
                    }
                    if is_core {
                        core.push(pi);
                    } else if matches(p, def.addon_names, def.addon_classes) && d.abx.is_none() {
                        addons.push(pi);
                    }
                }
                if core.is_empty() {
                    continue;
                }
            } else if herbs.is_empty() {
                continue;
            }
            scenarios.push(Scenario { def, core, addons });
        }
        // Drugs no scenario names are not prescribed: an unrelated add-on would make a clean
        // prescription defective (indication, duplication) and the figures less realistic.

        // Departments and their doctors (a fixed roster, the same for every seed).
        let mut names: BTreeSet<&'static str> = BTreeSet::new();
        for s in &scenarios {
            names.extend(s.def.depts.iter().copied());
        }
        names.extend(ADULT_DEPTS_EXTRA.iter().copied());
        names.insert("儿科");
        let mut rng = fastrand::Rng::with_seed(0x0D0C_7025);
        let mut next_id = 1;
        let depts = names
            .into_iter()
            .map(|name| {
                let n = rng.usize(6..=12);
                let doctors = (0..n)
                    .map(|k| {
                        // Every department has an attending or higher (restricted antibiotics).
                        let title = if k == 0 {
                            "attending"
                        } else {
                            weighted(&mut rng, TITLES)
                        };
                        let id = format!("D{next_id:04}");
                        next_id += 1;
                        Doctor {
                            name: person_name(&mut rng),
                            title,
                            signature_id: format!("SIG-{id}"),
                            id,
                        }
                    })
                    .collect();
                Dept { name, doctors }
            })
            .collect();

        let allergy_cross = policy
            .allergy_classes
            .iter()
            .map(|(k, c)| {
                let mut v = vec![k.clone()];
                v.extend(c.cross.iter().cloned());
                (k.clone(), v)
            })
            .collect();

        let saline = products.iter().position(|p| {
            p.injection && drugs[p.drug_index].name == "氯化钠" && p.dose_unit == "ml"
        });
        let extras = (0..products.len())
            .filter(|&p| {
                let d = &drugs[products[p].drug_index];
                d.ctrl.is_none() && d.abx.is_none() && !products[p].injection
            })
            .collect();
        Catalog {
            saline,
            extras,
            drugs,
            products,
            herbs,
            scenarios,
            depts,
            allergy_cross,
        }
    }

    pub fn summary(&self) -> String {
        format!(
            "{} drugs → {} products, {} herbs, {} scenarios, {} departments, {} doctors",
            self.drugs.len(),
            self.products.len(),
            self.herbs.len(),
            self.scenarios.len(),
            self.depts.len(),
            self.depts.iter().map(|d| d.doctors.len()).sum::<usize>()
        )
    }

    pub(crate) fn drug(&self, p: usize) -> &Drug {
        &self.drugs[self.products[p].drug_index]
    }

    pub(crate) fn dept(&self, name: &str) -> &Dept {
        self.depts
            .iter()
            .find(|d| d.name == name)
            .unwrap_or(&self.depts[0])
    }

    /// Does the patient's allergy class forbid the product (its class or a cross-reacting one)?
    pub(crate) fn allergic(&self, allergy: Option<&str>, p: usize) -> bool {
        let (Some(a), Some(cls)) = (allergy, self.drug(p).allergy.as_deref()) else {
            return false;
        };
        self.allergy_cross
            .iter()
            .find(|(k, _)| k == a)
            .is_some_and(|(_, cross)| cross.iter().any(|c| c == cls))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_drug_names_resolve_in_the_formulary() {
        let engine = Engine::default_engine();
        let cat = Catalog::build(engine);
        assert!(!cat.products.is_empty());
        for p in &cat.products {
            let r = engine
                .formulary
                .resolve(&engine.policy.formulary, &p.written);
            assert_eq!(
                r.status,
                opdcheck_engine::formulary::NameStatus::Standard,
                "{}",
                p.written
            );
        }
    }
}
