//! What a form offers while a doctor types: formulary suggestions for a drug name and the
//! quantity a prescription item needs. Pure functions over the engine's policy, so the app, the
//! widget and tests all get the same answer.

use crate::Engine;
use crate::formulary::{Category, Drug, fold};
use crate::lookup::Frequency;
use crate::model::{Quantity, RxItem, filled};
use crate::rules::prescription::item_ctx;
use crate::units::{self, Unit};

/// One autocomplete entry: a standard name as it goes on a prescription.
#[derive(Debug, Clone, PartialEq)]
pub struct DrugSuggestion {
    /// Generic name with the dosage form (`阿莫西林胶囊`, `注射用头孢曲松钠`), or the herb.
    pub name: String,
    pub generic: String,
    pub en: String,
    pub strengths: Vec<String>,
    /// A written route for the drug's first label route (`口服`, `静脉滴注` …), when known.
    pub route: Option<&'static str>,
    pub herb: bool,
    /// Antibiotic, controlled class … as a short label for the list (`抗菌药`, `精二`).
    pub tags: Vec<&'static str>,
}

fn route_for(class: &str) -> Option<&'static str> {
    Some(match class {
        "oral" => "口服",
        "iv" => "静脉滴注",
        "im" => "肌内注射",
        "sc" => "皮下注射",
        "inhal" => "吸入",
        "topical" => "外用",
        "transdermal" => "经皮",
        "rectal" => "直肠给药",
        "sublingual" => "舌下含服",
        "decoction" => "水煎服",
        _ => return None,
    })
}

/// The route a form implies, before the label's first route.
fn route_of_form(form: &str, drug: &Drug) -> Option<&'static str> {
    if form.contains("注射") || form == "粉针" {
        return if drug.max.contains_key("im") && !drug.max.contains_key("iv") {
            Some("肌内注射")
        } else {
            Some("静脉滴注")
        };
    }
    if form.starts_with("滴眼") || form.starts_with("眼") {
        return Some("滴眼");
    }
    if ["乳膏", "软膏", "凝胶", "酊", "贴膏"].contains(&form) {
        return Some("外用");
    }
    if form.contains("吸入") {
        return Some("吸入");
    }
    None
}

fn score(drug: &Drug, q: &str) -> Option<u8> {
    let name = fold(&drug.name);
    if name.starts_with(q) {
        return Some(0);
    }
    if name.contains(q) {
        return Some(1);
    }
    let other = |s: &String| fold(s).contains(q);
    if fold(&drug.en).starts_with(q) {
        return Some(2);
    }
    if drug.aliases.iter().chain(&drug.variants).any(other) {
        return Some(3);
    }
    None
}

/// Up to `limit` formulary entries matching `query` (name, English name, alias), best first:
/// herbs when `herbal`, otherwise western drugs and 中成药. Each drug is offered once per
/// dosage form it comes in, as the standard name a prescription must carry.
pub fn drugs(engine: &Engine, query: &str, herbal: bool, limit: usize) -> Vec<DrugSuggestion> {
    let q = fold(query.trim());
    if q.is_empty() || limit == 0 {
        return Vec::new();
    }
    let f = &engine.policy.formulary;
    let mut hits: Vec<(u8, usize, &Drug)> = f
        .drugs
        .iter()
        .chain(&f.extra_drugs)
        .filter(|d| (d.cat == Category::Herb) == herbal)
        .filter_map(|d| score(d, &q).map(|s| (s, d.name.chars().count(), d)))
        .collect();
    hits.sort_by_key(|&(s, len, _)| (s, len));
    let mut out = Vec::new();
    for (_, _, d) in hits {
        let label_route = d.max.keys().next().and_then(|r| route_for(r));
        let forms: Vec<Option<&str>> = if d.forms.is_empty() || herbal {
            vec![None]
        } else {
            d.forms.iter().map(|f| Some(f.as_str())).collect()
        };
        for form in forms {
            let name = match form {
                Some("注射用") => format!("注射用{}", d.name),
                Some(f) => format!("{}{f}", d.name),
                None => d.name.clone(),
            };
            let route = form
                .and_then(|f| route_of_form(f, d))
                .or(label_route)
                .or(if herbal { None } else { Some("口服") });
            out.push(DrugSuggestion {
                name,
                generic: d.name.clone(),
                en: d.en.clone(),
                strengths: d.strengths.clone(),
                route,
                herb: d.cat == Category::Herb,
                tags: tags(d, form),
            });
            if out.len() == limit {
                return out;
            }
        }
    }
    out
}

/// What a suggestion is marked with: antibiotic, the controlled class of the form suggested
/// (丁丙诺啡贴剂 is 第二类, its tablets 第一类), corticosteroid.
fn tags(d: &Drug, form: Option<&str>) -> Vec<&'static str> {
    let mut tags = Vec::new();
    if d.abx.is_some() {
        tags.push("抗菌药");
    }
    if let Some(c) = d.controlled(form) {
        tags.push(c.zh());
    }
    if d.steroid {
        tags.push("激素");
    }
    tags
}

/// The unit a dosage form is counted in when dispensed loose.
fn count_unit(form: Option<&str>) -> Option<&'static str> {
    let form = form?;
    Some(
        if form.contains("胶囊") || form.ends_with('丸') || form == "微丸" {
            "粒"
        } else if form.ends_with('片') {
            "片"
        } else if form.contains("注射") || form == "粉针" {
            "支"
        } else if form == "颗粒" || form == "散" || form == "干混悬剂" {
            "袋"
        } else if form.ends_with('栓') {
            "枚"
        } else if form.contains("贴") {
            "贴"
        } else {
            return None;
        },
    )
}

/// The quantity an item needs for its course (units per dose × administrations per day ×
/// days), as RX-09 counts it: in whole packs (盒) when the strength states a pack size
/// ("0.25g×24粒"), else in units of the form (粒, 片, 支). `None` when the dose, frequency,
/// days or strength do not allow it (prn, an unknown frequency, a dose in g of a drug with no
/// strength …).
pub fn quantity(engine: &Engine, item: &RxItem) -> Option<Quantity> {
    let ctx = item_ctx(engine, 0, item);
    let Frequency::PerDay(per_day) = ctx.frequency else {
        return None;
    };
    let days = item.days.filter(|d| *d > 0.0)?;
    let (per_dose, written_unit) = ctx.count_per_dose()?;
    let needed = (per_dose * per_day * days - 1e-6).ceil().max(1.0);
    let strength = filled(&item.strength);
    let unit = written_unit.or_else(|| {
        strength
            .and_then(units::pack_size)
            .map(|(_, u)| u)
            .or_else(|| count_unit(ctx.name.form).map(str::to_string))
    });
    if let Some((pack, pack_unit)) = strength.and_then(units::pack_size)
        && unit.as_deref() == Some(pack_unit.as_str())
        && pack > 0.0
    {
        return Some(Quantity {
            value: Some((needed / pack - 1e-6).ceil().max(1.0)),
            unit: Some("盒".into()),
        });
    }
    // A dose in g/ml of a drug without a countable form: nothing sensible to count.
    if matches!(
        ctx.dose.as_ref().map(|d| &d.unit),
        Some(Unit::Mass | Unit::Volume)
    ) && unit.is_none()
    {
        return None;
    }
    Some(Quantity {
        value: Some(needed),
        unit: Some(unit?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Quantity;

    fn engine() -> &'static Engine {
        Engine::default_engine()
    }

    fn item(drug: &str, strength: &str, dose: (f64, &str), freq: &str, days: f64) -> RxItem {
        RxItem {
            drug: Some(drug.into()),
            strength: Some(strength.into()),
            dose: Some(Quantity {
                value: Some(dose.0),
                unit: Some(dose.1.into()),
            }),
            frequency: Some(freq.into()),
            days: Some(days),
            ..RxItem::default()
        }
    }

    #[test]
    fn suggests_standard_names_with_their_forms() {
        let s = drugs(engine(), "阿莫西林", false, 8);
        assert_eq!(s[0].name, "阿莫西林胶囊");
        assert_eq!(s[0].route, Some("口服"));
        assert!(s[0].tags.contains(&"抗菌药"));
        assert!(s.iter().any(|d| d.name == "注射用阿莫西林"));
        // An alias finds the standard name, never the alias itself.
        let s = drugs(engine(), "PNC", false, 3);
        assert_eq!(s[0].generic, "青霉素");
        assert!(drugs(engine(), "", false, 5).is_empty());
    }

    #[test]
    fn herbs_only_in_herbal_mode() {
        let herbs = drugs(engine(), "黄芪", true, 5);
        assert!(herbs.iter().all(|d| d.herb));
        assert!(!herbs.is_empty());
        assert!(drugs(engine(), "黄芪", false, 5).iter().all(|d| !d.herb));
    }

    #[test]
    fn computes_whole_packs_from_the_strength() {
        // 0.5 g = 2 粒, tid, 4 days = 24 粒 = 1 盒 of 24.
        let i = item("阿莫西林胶囊", "0.25g×24粒", (0.5, "g"), "tid", 4.0);
        let q = quantity(engine(), &i).unwrap();
        assert_eq!((q.value, q.unit.as_deref()), (Some(1.0), Some("盒")));
        // 5 days = 30 粒 = 2 盒.
        let i = item("阿莫西林胶囊", "0.25g×24粒", (0.5, "g"), "tid", 5.0);
        assert_eq!(quantity(engine(), &i).unwrap().value, Some(2.0));
    }

    #[test]
    fn computes_loose_units_and_gives_up_when_it_cannot() {
        let i = item("阿莫西林胶囊", "0.25g", (0.5, "g"), "bid", 3.0);
        let q = quantity(engine(), &i).unwrap();
        assert_eq!((q.value, q.unit.as_deref()), (Some(12.0), Some("粒")));
        let prn = item("布洛芬片", "0.2g", (0.2, "g"), "prn", 3.0);
        assert_eq!(quantity(engine(), &prn), None);
        let no_days = RxItem {
            days: None,
            ..item("布洛芬片", "0.2g", (0.2, "g"), "tid", 3.0)
        };
        assert_eq!(quantity(engine(), &no_days), None);
    }

    #[test]
    fn a_computed_quantity_satisfies_rx09() {
        use crate::model::{Document, Prescription};
        let i = item("阿莫西林胶囊", "0.25g×24粒", (0.5, "g"), "tid", 5.0);
        let q = quantity(engine(), &i);
        let doc = Document::Prescription(Prescription {
            items: vec![RxItem { quantity: q, ..i }],
            ..Prescription::default()
        });
        let report = engine().check(&doc);
        assert!(
            report.findings.iter().all(|f| f.rule != "RX-09"),
            "{:?}",
            report.findings
        );
    }
}
