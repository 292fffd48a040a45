//! Editing a prescription item: the quantity follows dose × frequency × days while the doctor
//! has not typed one of their own, and stays as typed once they have.

use opdcheck_engine::Engine;
use opdcheck_engine::model::RxItem;
use opdcheck_engine::suggest::{self, DrugSuggestion};

/// Apply `edit` to `item`; the quantity is recomputed when it was empty or still the computed
/// one.
pub fn edit_item(engine: &Engine, item: &mut RxItem, edit: impl FnOnce(&mut RxItem)) {
    let before = suggest::quantity(engine, item);
    edit(item);
    let follows = item.quantity.is_none() || item.quantity == before;
    if follows && let Some(after) = suggest::quantity(engine, item) {
        item.quantity = Some(after);
    }
}

/// Fill a row from a picked formulary entry: the name, its first strength and route, and a dose
/// unit matching the strength.
pub fn pick_drug(engine: &Engine, item: &mut RxItem, pick: &DrugSuggestion) {
    edit_item(engine, item, |item| {
        item.drug = Some(pick.name.clone());
        if !pick
            .strengths
            .iter()
            .any(|s| Some(s) == item.strength.as_ref())
        {
            item.strength = pick.strengths.first().cloned();
        }
        if let Some(r) = pick.route {
            item.route = Some(r.to_string());
        }
        if pick.herb {
            let dose = item.dose.get_or_insert_with(Default::default);
            dose.unit = Some("g".into());
        } else if let Some(unit) = item
            .strength
            .as_deref()
            .and_then(opdcheck_engine::units::strength_amount)
            .map(|_| strength_unit(item.strength.as_deref().unwrap_or_default()))
        {
            let dose = item.dose.get_or_insert_with(Default::default);
            if dose.unit.is_none() {
                dose.unit = Some(unit);
            }
        }
    });
}

/// The unit a strength is written in: "0.25g×24粒" → "g", "10ml:0.5g" → "g", "80万U" → "万U".
fn strength_unit(strength: &str) -> String {
    let s = strength.split([':', '：']).next_back().unwrap_or(strength);
    let s = s.split(['×', '*', '/']).next().unwrap_or(s);
    s.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.')
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use opdcheck_engine::model::Quantity;

    fn q(v: f64, u: &str) -> Option<Quantity> {
        Some(Quantity {
            value: Some(v),
            unit: Some(u.into()),
        })
    }

    #[test]
    fn quantity_follows_until_typed_over() {
        let e = Engine::default_engine();
        let mut item = RxItem::default();
        let pick = suggest::drugs(e, "阿莫西林", false, 1).remove(0);
        pick_drug(e, &mut item, &pick);
        assert_eq!(item.drug.as_deref(), Some("阿莫西林胶囊"));
        assert_eq!(item.route.as_deref(), Some("口服"));
        assert_eq!(
            item.dose.as_ref().and_then(|d| d.unit.as_deref()),
            Some("g")
        );
        edit_item(e, &mut item, |i| {
            i.dose.as_mut().unwrap().value = Some(0.5);
            i.frequency = Some("tid".into());
            i.days = Some(4.0);
        });
        // 0.5 g of 0.125 g capsules: 4 粒 × 3 × 4 days.
        assert_eq!(item.quantity, q(48.0, "粒"));
        edit_item(e, &mut item, |i| i.days = Some(3.0));
        assert_eq!(item.quantity, q(36.0, "粒"));
        // Typed over: stays.
        edit_item(e, &mut item, |i| i.quantity = q(40.0, "粒"));
        edit_item(e, &mut item, |i| i.days = Some(2.0));
        assert_eq!(item.quantity, q(40.0, "粒"));
    }

    #[test]
    fn reads_the_unit_of_a_strength() {
        assert_eq!(strength_unit("0.25g×24粒"), "g");
        assert_eq!(strength_unit("10ml:0.5g"), "g");
        assert_eq!(strength_unit("80万U"), "万U");
        assert_eq!(strength_unit("30mg"), "mg");
    }
}
