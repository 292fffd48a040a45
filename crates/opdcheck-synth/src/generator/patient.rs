//! The patient block of a generated prescription.

use super::Gen;
use crate::output::{AgeOut, Num, PatientOut};
use crate::people::{Person, civil, date_string, id_number, person_name};

impl Gen<'_> {
    pub(crate) fn patient(&mut self, person: &Person, issue_day: i64, n: u64) -> PatientOut {
        let sex = if self.chance(0.5) { "male" } else { "female" };
        let birth_day = issue_day - person.age_days;
        // Completed months between the birth date and the issue date.
        let months = {
            let (by, bm, bd) = civil(birth_day);
            let (iy, im, id) = civil(issue_day);
            (iy - by) * 12 + i64::from(im) - i64::from(bm) - i64::from(id < bd)
        };
        let (age, unit) = if person.age_days < 28 || months < 1 {
            (person.age_days as f64, "day")
        } else if person.age_days < 365 {
            (months as f64, "month")
        } else {
            // Exact age in whole years on the issue date.
            let (by, bm, bd) = civil(birth_day);
            let (iy, im, id) = civil(issue_day);
            let mut y = iy - by;
            if (im, id) < (bm, bd) {
                y -= 1;
            }
            (y as f64, "year")
        };
        let birth = date_string(birth_day);
        let with_birth = self.chance(0.5);
        let child = person.is_child();
        let id_number = if child && self.chance(0.6) {
            None
        } else {
            Some(id_number(&birth, n))
        };
        let (allergy_history, allergens): (&'static str, Vec<&'static str>) = match person.allergy {
            Some("penicillin") => ("青霉素过敏", vec!["青霉素类"]),
            Some("sulfonamide") => ("磺胺类药物过敏", vec!["磺胺类"]),
            Some("cephalosporin") => ("头孢类过敏史", vec!["头孢菌素类"]),
            _ => (
                *self.pick(&["否认药物过敏史", "无药物过敏史", "否认药物、食物过敏史"]),
                Vec::new(),
            ),
        };
        PatientOut {
            name: Some(person_name(&mut self.rng)),
            sex: Some(sex),
            age: Some(AgeOut {
                value: Num(age),
                unit: Some(unit),
            }),
            birth_date: with_birth.then_some(birth),
            weight_kg: (child || self.chance(0.4)).then_some(Num(person.weight)),
            record_no: format!("MZ{:08}", n % 100_000_000),
            id_number,
            guardian_name: child.then(|| person_name(&mut self.rng)),
            allergy_history,
            allergens,
        }
    }
}
