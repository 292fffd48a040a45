//! Lookups derived from the policy once per engine: frequencies, routes, notifiable diseases,
//! infection and corticosteroid indications, allergy class names.

use fnv::FnvHashMap as HashMap;

use crate::formulary::fold;
use crate::policy::{CodeVocab, Disease, DiseaseSubtype, Policy};

/// How often a drug is taken, as written.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Frequency {
    /// Administrations per day.
    PerDay(f64),
    /// A known code without a daily count: prn, st, 必要时.
    NoDailyCount,
    /// Written, but not in the policy's vocabulary.
    Unknown,
    /// Not written.
    Missing,
}

#[derive(Debug, Clone)]
pub struct Lookup {
    frequencies: HashMap<String, Option<f64>>,
    routes: HashMap<String, String>,
}

fn fold_code(s: &str) -> std::borrow::Cow<'_, str> {
    let folded = crate::formulary::fold_cow(s);
    if folded.contains(['.', '。']) {
        folded.replace(['.', '。'], "").into()
    } else {
        folded
    }
}

fn cn_digit(c: char) -> Option<f64> {
    Some(match c {
        '一' | '1' => 1.0,
        '二' | '两' | '2' => 2.0,
        '三' | '3' => 3.0,
        '四' | '4' => 4.0,
        '五' | '5' => 5.0,
        '六' | '6' => 6.0,
        _ => return None,
    })
}

impl Lookup {
    pub fn new(policy: &Policy) -> Lookup {
        let frequencies = policy
            .vocab
            .frequencies
            .iter()
            .map(|(k, v)| (fold_code(k).into_owned(), *v))
            .collect();
        let routes = policy
            .vocab
            .routes
            .iter()
            .map(|(k, v)| (fold_code(k).into_owned(), v.clone()))
            .collect();
        Lookup {
            frequencies,
            routes,
        }
    }

    pub fn frequency(&self, written: Option<&str>) -> Frequency {
        let Some(w) = written else {
            return Frequency::Missing;
        };
        let k = fold_code(w);
        if let Some(v) = self.frequencies.get(k.as_ref()) {
            return v.map_or(Frequency::NoDailyCount, Frequency::PerDay);
        }
        // 每日N次 / 一日N次 / 每天N次 / 1日N次 with a digit or a Chinese numeral.
        for prefix in ["每日", "每天", "一日", "1日"] {
            if let Some(rest) = k.strip_prefix(prefix) {
                let mut chars = rest.chars();
                if let (Some(n), Some('次'), None) =
                    (chars.next().and_then(cn_digit), chars.next(), chars.next())
                {
                    return Frequency::PerDay(n);
                }
            }
        }
        Frequency::Unknown
    }

    /// The route class of a route as written (`口服` → `oral`).
    pub fn route(&self, written: &str) -> Option<&str> {
        self.routes
            .get(fold_code(written).as_ref())
            .map(String::as_str)
    }
}

/// An ICD-10 code as compared: upper case, without the dot ("j20.9" → J209), without allocating.
fn icd_key(code: &str) -> impl Iterator<Item = u8> + '_ {
    code.trim()
        .bytes()
        .filter(|b| *b != b'.')
        .map(|b| b.to_ascii_uppercase())
}

/// The code cut to the bound's length, compared with the bound.
fn icd_cmp(code: &str, bound: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering::{Equal, Less};
    // One pass: the code's characters against the bound's, as far as the bound goes.
    let mut c = icd_key(code);
    for b in icd_key(bound) {
        match c.next().map(|x| x.cmp(&b)) {
            None => return Less,
            Some(Equal) => {}
            Some(other) => return other,
        }
    }
    Equal
}

/// A code falls in a range of 3- or 4-character bounds, compared on the bound's length.
pub fn icd_in_range(code: &str, from: &str, to: &str) -> bool {
    use std::cmp::Ordering::*;
    icd_key(code).next().is_some() && icd_cmp(code, from) != Less && icd_cmp(code, to) != Greater
}

fn icd_has_prefix(code: &str, prefix: &str) -> bool {
    icd_key(code).next().is_some() && icd_cmp(code, prefix) == std::cmp::Ordering::Equal
}

/// Results in an allergy history's clause that say the class it names is not an allergy
/// (folded: full-width brackets are ASCII).
const NEGATIVE_RESULTS: [&str; 3] = ["阴性", "(-)", "不过敏"];

/// Words of a clause that says the history is not known: it names no allergy.
const UNKNOWN_HISTORY: [&str; 3] = ["不详", "不清", "未知"];

/// Words of a clause that speaks of an allergy without naming a class: the drug it names is
/// the allergy ("氨苄西林过敏", "哌拉西林皮试阳性").
const ALLERGY_WORDS: [&str; 3] = ["过敏", "阳性", "(+)"];

/// Words before a diagnosis that say it is ruled out.
const NEGATIONS: [&str; 4] = ["排除", "除外", "否认", "非"];

fn negated(text: &str, at: usize) -> bool {
    let before = &text[..at];
    NEGATIONS.iter().any(|n| before.ends_with(n))
}

/// True when `needle` occurs in `text` not right after a negation.
pub fn mentions(text: &str, needle: &str) -> bool {
    !needle.is_empty() && text.match_indices(needle).any(|(i, _)| !negated(text, i))
}

impl CodeVocab {
    /// The diagnosis (text and optional ICD-10 code) matches the vocabulary.
    pub fn matches(&self, text: &str, code: Option<&str>, also_exclude: &[String]) -> bool {
        if let Some(code) = code
            && self
                .icd10_ranges
                .iter()
                .any(|(f, t)| icd_in_range(code, f, t))
        {
            return true;
        }
        // No keyword at all: nothing to blank out.
        if !self
            .keywords
            .iter()
            .any(|k| !k.is_empty() && text.contains(k.as_str()))
        {
            return false;
        }
        // Blank out the phrases that are not indications, then look for a keyword in what remains:
        // "病毒性上呼吸道感染合并细菌感染" still counts, "过敏性皮炎" does not.
        let mut rest = text.to_string();
        for x in self.exclude_keywords.iter().chain(also_exclude) {
            if !x.is_empty() && rest.contains(x.as_str()) {
                rest = rest.replace(x.as_str(), "\u{3000}");
            }
        }
        self.keywords.iter().any(|k| mentions(&rest, k))
    }
}

/// A notifiable disease found in a diagnosis.
#[derive(Debug, Clone, Copy)]
pub struct Notifiable<'p> {
    pub disease: &'p Disease,
    pub subtype: Option<&'p DiseaseSubtype>,
}

impl Policy {
    /// The notifiable disease a diagnosis names, if any (text, aliases, subtype aliases, ICD-10).
    pub fn notifiable(&self, text: &str, code: Option<&str>) -> Option<Notifiable<'_>> {
        let mut owned = text.trim().to_string();
        for x in self.diseases.diseases.iter().flat_map(|d| &d.exclude) {
            if owned.contains(x.as_str()) {
                owned = owned.replace(x.as_str(), "\u{3000}");
            }
        }
        let text = owned.as_str();
        // The longest name or alias found wins: 斑疹伤寒 over 伤寒, 禽流感 over 流感.
        let mut best: Option<(usize, Notifiable<'_>)> = None;
        fn consider<'p>(best: &mut Option<(usize, Notifiable<'p>)>, len: usize, n: Notifiable<'p>) {
            if best.as_ref().is_none_or(|(l, _)| len > *l) {
                *best = Some((len, n));
            }
        }
        for d in &self.diseases.diseases {
            for s in &d.subtypes {
                for a in s.aliases.iter().filter(|a| mentions(text, a)) {
                    consider(
                        &mut best,
                        a.len(),
                        Notifiable {
                            disease: d,
                            subtype: Some(s),
                        },
                    );
                }
            }
            for a in std::iter::once(&d.name)
                .chain(&d.aliases)
                .filter(|a| mentions(text, a))
            {
                consider(
                    &mut best,
                    a.len(),
                    Notifiable {
                        disease: d,
                        subtype: None,
                    },
                );
            }
        }
        if let Some((_, n)) = best {
            return Some(n);
        }
        let code = code?;
        self.diseases
            .diseases
            .iter()
            .find(|d| d.icd10.iter().any(|p| icd_has_prefix(code, p)))
            .map(|d| Notifiable {
                disease: d,
                subtype: None,
            })
    }

    /// The disease a report card names (exact name or alias).
    pub fn disease_named(&self, name: &str) -> Option<&Disease> {
        let name = name.trim();
        self.diseases
            .diseases
            .iter()
            .find(|d| d.name == name || d.aliases.iter().any(|a| a == name))
    }

    /// The diagnosis justifies an antibiotic.
    pub fn is_infection(&self, text: &str, code: Option<&str>) -> bool {
        let c = &self.clinical;
        c.infection
            .matches(text, code, &c.non_infective_inflammations)
    }

    /// The diagnosis justifies a systemic corticosteroid.
    pub fn is_steroid_indication(&self, text: &str, code: Option<&str>) -> bool {
        self.clinical.steroid_indications.matches(text, code, &[])
    }

    /// The diagnosis makes the patient a 癌症疼痛 or 中、重度慢性疼痛 patient (RX-13).
    pub fn is_cancer_or_chronic_pain(&self, text: &str, code: Option<&str>) -> bool {
        self.clinical
            .cancer_or_chronic_pain
            .matches(text, code, &[])
    }

    /// The allergy classes a patient's allergen entry or allergy history names.
    pub fn allergy_classes_in(&self, text: &str) -> Vec<&str> {
        let folded = fold(text);
        let out: Vec<&str> = self
            .allergy_classes
            .iter()
            .filter(|(_, c)| c.names.iter().any(|n| folded.contains(&fold(n))))
            .map(|(k, _)| k.as_str())
            .collect();
        out
    }

    /// The text denies any allergy ("否认药物过敏史").
    pub fn denies_allergy(&self, text: &str) -> bool {
        self.allergy_history_classes(text).is_empty()
            && text
                .split(['，', ',', '；', ';', '。', '\n'])
                .all(|c| self.denial_clause(c))
    }

    /// The clause denies an allergy: it starts with a denial (否认药物过敏史), has one before
    /// the first class it names (患者否认青霉素过敏史, 既往无青霉素过敏史), or gives a negative
    /// result (青霉素皮试阴性, 青霉素（-）, 对青霉素不过敏).
    fn denial_clause(&self, clause: &str) -> bool {
        let c = clause.trim();
        let denials = &self.vocab.allergy_denials;
        if c.is_empty() || denials.iter().any(|d| c.starts_with(d.as_str())) {
            return true;
        }
        let folded = fold(c);
        let first_class = self
            .allergy_classes
            .values()
            .flat_map(|k| &k.names)
            .filter_map(|n| folded.find(&fold(n)))
            .min();
        if let Some(at) = first_class
            && denials
                .iter()
                .any(|d| !d.is_empty() && folded[..at].contains(&fold(d)))
        {
            return true;
        }
        NEGATIVE_RESULTS.iter().any(|n| folded.contains(n))
    }

    /// The clauses of an allergy history that may name an allergy, with the classes they name
    /// (none for a clause that names only a drug: "氨苄西林过敏"), leaving out the clauses that
    /// deny one ("否认青霉素过敏", "青霉素皮试阴性") or say it is not known ("过敏史不详"), and
    /// those that do not speak of an allergy at all. XV-05 (the record's history) and RX-19 (the
    /// prescription's) read a history this way, through `rules::common::allergies`.
    pub fn allergy_history_clauses<'t>(
        &self,
        text: &'t str,
    ) -> impl Iterator<Item = (&'t str, Vec<&str>)> {
        text.split(['，', ',', '；', ';', '。', '\n'])
            .map(str::trim)
            .filter(|c| !self.denial_clause(c))
            .filter(|c| {
                let folded = fold(c);
                !UNKNOWN_HISTORY.iter().any(|u| folded.contains(u))
            })
            .map(|c| (c, self.allergy_classes_in(c)))
            .filter(|(c, classes)| {
                !classes.is_empty() || ALLERGY_WORDS.iter().any(|w| fold(c).contains(w))
            })
    }

    /// The allergy classes an allergy history names, leaving out the clauses that deny one:
    /// "否认青霉素过敏，对磺胺过敏" → sulfonamide only.
    pub fn allergy_history_classes(&self, text: &str) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for (_, classes) in self.allergy_history_clauses(text) {
            for k in classes {
                if !out.contains(&k) {
                    out.push(k);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn icd_ranges() {
        assert!(icd_in_range("J20.9", "J00", "J22"));
        assert!(icd_in_range("J22", "J00", "J22"));
        assert!(!icd_in_range("J30.1", "J00", "J22"));
        assert!(icd_in_range("N39.0", "N39.0", "N39.0"));
        assert!(!icd_in_range("N39.1", "N39.0", "N39.0"));
        assert!(!icd_in_range("", "A00", "B99"));
    }

    #[test]
    fn negation() {
        assert!(mentions("急性肺炎", "肺炎"));
        assert!(!mentions("排除肺结核", "肺结核"));
    }
}

#[cfg(test)]
mod policy_tests {
    use crate::Engine;

    fn disease(text: &str, code: Option<&str>) -> Option<(String, Option<String>)> {
        let p = &Engine::default_engine().policy;
        p.notifiable(text, code)
            .map(|n| (n.disease.name.clone(), n.subtype.map(|s| s.name.clone())))
    }

    #[test]
    fn notifiable_diagnoses_are_recognised() {
        assert_eq!(
            disease("慢性乙型病毒性肝炎", None).map(|d| d.1),
            Some(Some("乙型".into()))
        );
        assert_eq!(disease("肺结核", None).map(|d| d.0), Some("肺结核".into()));
        assert_eq!(
            disease("流感", None).map(|d| d.0),
            Some("流行性感冒".into())
        );
        assert_eq!(
            disease("斑疹伤寒", None).map(|d| d.0),
            Some("流行性和地方性斑疹伤寒".into())
        );
        assert_eq!(
            disease("发热", Some("A15.0")).map(|d| d.0),
            Some("肺结核".into())
        );
    }

    #[test]
    fn look_alikes_are_not_notifiable() {
        for text in [
            "急性上呼吸道感染",
            "感冒",
            "流感嗜血杆菌肺炎",
            "陈旧性肺结核",
            "狂犬病暴露",
            "排除肺结核",
            "风疹块",
        ] {
            assert_eq!(disease(text, None), None, "{text}");
        }
    }

    #[test]
    fn infection_and_steroid_indications() {
        let p = &Engine::default_engine().policy;
        assert!(p.is_infection("急性支气管炎", None));
        assert!(p.is_infection("上呼吸道感染", Some("J06.9")));
        assert!(p.is_infection("尿路感染", None));
        assert!(!p.is_infection("高血压病", Some("I10")));
        assert!(!p.is_infection("过敏性鼻炎", None));
        assert!(!p.is_infection("类风湿关节炎", None));
        assert!(p.is_steroid_indication("支气管哮喘急性发作", None));
        assert!(!p.is_steroid_indication("急性上呼吸道感染", None));
        assert!(p.is_cancer_or_chronic_pain("癌性疼痛", None));
        assert!(p.is_cancer_or_chronic_pain("肺癌骨转移 癌痛", None));
        assert!(p.is_cancer_or_chronic_pain("重度慢性疼痛（腰椎术后疼痛综合征）", None));
        assert!(p.is_cancer_or_chronic_pain("疼痛", Some("G89.3")));
        assert!(p.is_cancer_or_chronic_pain("慢性疼痛", Some("R52.1")));
        assert!(!p.is_cancer_or_chronic_pain("慢性疼痛", Some("R52.2")));
        assert!(!p.is_cancer_or_chronic_pain("肺恶性肿瘤", Some("C34.9")));
        assert!(!p.is_cancer_or_chronic_pain("非癌性疼痛", None));
        assert!(!p.is_cancer_or_chronic_pain("肾绞痛", Some("N23")));
    }
}

#[cfg(test)]
mod allergy_tests {
    use crate::Engine;

    #[test]
    fn denials_hide_only_their_own_clause() {
        let p = &Engine::default_engine().policy;
        assert!(p.denies_allergy("否认药物过敏史"));
        assert!(p.denies_allergy("无"));
        assert!(!p.denies_allergy("否认青霉素过敏，对磺胺过敏"));
        assert_eq!(
            p.allergy_history_classes("否认青霉素过敏，对磺胺过敏"),
            vec!["sulfonamide"]
        );
        assert_eq!(p.allergy_history_classes("青霉素过敏"), vec!["penicillin"]);
    }

    #[test]
    fn denials_after_a_lead_in_negative_results_and_unknown_histories_name_no_allergy() {
        let p = &Engine::default_engine().policy;
        for denied in [
            "患者否认青霉素过敏史",
            "既往无青霉素过敏史",
            "青霉素皮试阴性",
            "青霉素（－）",
            "对青霉素不过敏",
        ] {
            assert!(p.denies_allergy(denied), "{denied}");
        }
        assert!(p.allergy_history_classes("青霉素过敏史不详").is_empty());
        // A denial after the class is no lead-in: 青霉素过敏，无其他 still names it.
        assert_eq!(
            p.allergy_history_classes("青霉素过敏，无其他"),
            vec!["penicillin"]
        );
        // Clauses that speak of an allergy without a class are kept for the drug they name.
        let clauses: Vec<_> = p
            .allergy_history_clauses("既往体健；氨苄西林过敏")
            .collect();
        assert_eq!(clauses, vec![("氨苄西林过敏", vec![])]);
    }
}
