//! The formulary: standard generic names, their non-standard aliases, label maxima and the
//! classes the rules need; and the resolver that maps a name as written in practice
//! ("盐酸二甲双胍片", "注射用头孢曲松钠", "硝苯地平控释片", "VitC") to its entry.

use std::collections::BTreeMap;

// Short keys, looked up several times per item: FNV beats SipHash here, and names are not
// attacker-chosen keys of a long-lived map.
use fnv::FnvHashMap as HashMap;

use serde::{Deserialize, Serialize};

use crate::units::{self, Amount};
use crate::vocab::{AbxTier, Vocab};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Formulary {
    pub version: String,
    pub drugs: Vec<Drug>,
    /// A policy file's additions: appended to `drugs` when the policy is read, so a hospital
    /// adds its own drugs without restating the whole list (a list in an override replaces).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra_drugs: Vec<Drug>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Western,
    /// 中成药
    Cpm,
    /// 中药饮片
    Herb,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Controlled {
    /// 麻醉药品
    Narcotic,
    /// 第一类精神药品
    Psych1,
    /// 第二类精神药品
    Psych2,
    /// 医疗用毒性药品
    Toxic,
    /// 放射性药品
    Radioactive,
}

impl Controlled {
    pub fn zh(self) -> &'static str {
        match self {
            Controlled::Narcotic => "麻醉药品",
            Controlled::Psych1 => "第一类精神药品",
            Controlled::Psych2 => "第二类精神药品",
            Controlled::Toxic => "医疗用毒性药品",
            Controlled::Radioactive => "放射性药品",
        }
    }
}

/// Label maxima for one route (strings such as "1g"; `kg_*` per kg body weight for children).
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct DoseMax {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub single: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub daily: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kg_single: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kg_daily: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Drug {
    pub name: String,
    pub en: String,
    pub cat: Category,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub forms: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub strengths: Vec<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub max: BTreeMap<String, DoseMax>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub abx: Option<AbxTier>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ctrl: Option<Controlled>,
    /// The class of a dosage form where it differs from `ctrl`, keyed by the form's ending
    /// (丁丙诺啡 is 第一类 but its 透皮贴剂 第二类: `{"贴剂": "psych2"}`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub ctrl_forms: BTreeMap<String, Controlled>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub steroid: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allergy: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dup: Option<String>,
    /// A carrier fluid (氯化钠, 葡萄糖 …): written once per infusion, so not a duplicate.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub vehicle: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<String>,
}

impl Drug {
    /// The controlled-drug class of the drug in a dosage form as written (`贴剂`, `透皮贴剂`,
    /// `注射用` …): `ctrl_forms` for a form that ends with one of its keys, else `ctrl`.
    pub fn controlled(&self, form: Option<&str>) -> Option<Controlled> {
        form.and_then(|f| {
            self.ctrl_forms
                .iter()
                .find(|(k, _)| f.ends_with(k.as_str()))
                .map(|(_, c)| *c)
        })
        .or(self.ctrl)
    }
}

/// Parsed label maxima (normalised amounts).
#[derive(Debug, Clone, Default)]
pub struct Maxima {
    pub single: Option<Amount>,
    pub daily: Option<Amount>,
    pub kg_single: Option<Amount>,
    pub kg_daily: Option<Amount>,
}

/// How a written name resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameStatus {
    /// A standard generic name (with salt and dosage form as written in practice).
    Standard,
    /// A known abbreviation, code, old or brand name: not acceptable on a prescription.
    Alias,
    /// Not in the formulary.
    Unknown,
}

/// The result of resolving a written drug name.
#[derive(Debug, Clone, Copy)]
pub struct Resolved<'f> {
    pub status: NameStatus,
    pub drug: Option<&'f Drug>,
    pub index: Option<usize>,
    /// The dosage form written with the name (`注射用` for powder for injection).
    pub form: Option<&'f str>,
}

impl Resolved<'_> {
    pub const UNKNOWN: Resolved<'static> = Resolved {
        status: NameStatus::Unknown,
        drug: None,
        index: None,
        form: None,
    };
}

/// Name indexes over a formulary, built once per engine.
#[derive(Debug, Clone)]
pub struct FormularyIndex {
    standard: HashMap<String, usize>,
    /// Each standard name with each of its dosage forms as written ("阿莫西林胶囊",
    /// "注射用头孢曲松"): the common case resolves with one probe. Value: drug, index in
    /// `forms` (`INJECTION_PREFIX` for 注射用).
    written: HashMap<String, (usize, u16)>,
    aliases: HashMap<String, usize>,
    forms: Vec<String>,
    salt_prefixes: Vec<String>,
    salt_suffixes: Vec<String>,
    maxima: Vec<BTreeMap<String, Maxima>>,
}

/// `FormularyIndex::written`'s mark for the 注射用 prefix.
const INJECTION_PREFIX: u16 = u16::MAX;

/// [`fold`], without allocating when the text is already folded (most Chinese names are).
pub fn fold_cow(name: &str) -> std::borrow::Cow<'_, str> {
    let folded = |c: char| {
        !c.is_whitespace() && !('\u{FF01}'..='\u{FF5E}').contains(&c) && !c.is_ascii_uppercase()
    };
    if name.chars().all(folded) {
        std::borrow::Cow::Borrowed(name)
    } else {
        std::borrow::Cow::Owned(fold(name))
    }
}

/// Fold a written name: no white space, full-width ASCII to half-width, ASCII lower case.
pub fn fold(name: &str) -> String {
    let mut folded = String::with_capacity(name.len());
    folded.extend(
        name.chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| match c {
                '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                _ => c,
            })
            // Drug names are Chinese or Latin: ASCII case is all that needs folding.
            .map(|c| c.to_ascii_lowercase()),
    );
    folded
}

impl FormularyIndex {
    pub fn build(formulary: &Formulary, vocab: &Vocab) -> Result<FormularyIndex, String> {
        // Sized up front: growing (rehashing) was a tenth of a page's engine build.
        let names: usize = formulary.drugs.iter().map(|d| 1 + d.variants.len()).sum();
        let hasher = fnv::FnvBuildHasher::default;
        let mut standard = HashMap::with_capacity_and_hasher(names, hasher());
        let mut aliases = HashMap::with_capacity_and_hasher(
            formulary.drugs.iter().map(|d| d.aliases.len()).sum(),
            hasher(),
        );
        let mut maxima = Vec::with_capacity(formulary.drugs.len());
        for (i, d) in formulary.drugs.iter().enumerate() {
            for n in std::iter::once(&d.name).chain(&d.variants) {
                if let Some(prev) = standard.insert(fold(n), i)
                    && prev != i
                {
                    return Err(format!(
                        "formulary.drugs[{i}]: name `{n}` is also drugs[{prev}]'s"
                    ));
                }
            }
            let mut m = BTreeMap::new();
            for (route, dm) in &d.max {
                let p = |s: &Option<String>, what: &str| -> Result<Option<Amount>, String> {
                    match s {
                        None => Ok(None),
                        Some(s) => units::parse_amount(s)
                            .map(Some)
                            .ok_or_else(|| format!("formulary.drugs[{i}].max.{route}.{what}: cannot read the amount `{s}`")),
                    }
                };
                m.insert(
                    route.clone(),
                    Maxima {
                        single: p(&dm.single, "single")?,
                        daily: p(&dm.daily, "daily")?,
                        kg_single: p(&dm.kg_single, "kg_single")?,
                        kg_daily: p(&dm.kg_daily, "kg_daily")?,
                    },
                );
            }
            maxima.push(m);
        }
        for (i, d) in formulary.drugs.iter().enumerate() {
            for a in &d.aliases {
                let k = fold(a);
                if standard.contains_key(&k) {
                    return Err(format!(
                        "formulary.drugs[{i}]: alias `{a}` is a standard name"
                    ));
                }
                if let Some(prev) = aliases.insert(k, i)
                    && prev != i
                {
                    return Err(format!(
                        "formulary.drugs[{i}]: alias `{a}` is also drugs[{prev}]'s"
                    ));
                }
            }
        }
        let mut forms: Vec<String> = vocab.dosage_forms.clone();
        // Longest first, so 缓释胶囊 wins over 胶囊.
        forms.sort_by_key(|f| std::cmp::Reverse(f.chars().count()));
        let mut salt_prefixes = vocab.salt_prefixes.clone();
        salt_prefixes.sort_by_key(|f| std::cmp::Reverse(f.chars().count()));
        let mut salt_suffixes = vocab.salt_suffixes.clone();
        salt_suffixes.sort_by_key(|f| std::cmp::Reverse(f.chars().count()));
        let mut written = HashMap::with_capacity_and_hasher(
            formulary
                .drugs
                .iter()
                .map(|d| (1 + d.variants.len()) * d.forms.len())
                .sum(),
            hasher(),
        );
        for (i, d) in formulary.drugs.iter().enumerate() {
            for n in std::iter::once(&d.name).chain(&d.variants) {
                let n = fold(n);
                for f in &d.forms {
                    // Concatenated by hand: `format!` costs several times more, and a page
                    // builds these ~2,000 keys before its first check.
                    let join = |a: &str, b: &str| {
                        let mut key = String::with_capacity(a.len() + b.len());
                        key.push_str(a);
                        key.push_str(b);
                        key
                    };
                    let (key, form) = if f == "注射用" {
                        (join("注射用", &n), INJECTION_PREFIX)
                    } else if let Some(k) = forms.iter().position(|x| x == f) {
                        (join(&n, f), k as u16)
                    } else {
                        continue;
                    };
                    if !standard.contains_key(&key) {
                        written.entry(key).or_insert((i, form));
                    }
                }
            }
        }
        Ok(FormularyIndex {
            written,
            standard,
            aliases,
            forms,
            salt_prefixes,
            salt_suffixes,
            maxima,
        })
    }

    /// Label maxima of drug `index` for a route class.
    pub fn maxima(&self, index: usize, route: &str) -> Option<&Maxima> {
        self.maxima.get(index)?.get(route)
    }

    fn lookup<'f>(
        &self,
        formulary: &'f Formulary,
        key: &str,
    ) -> Option<(NameStatus, usize, &'f Drug)> {
        if let Some(&i) = self.standard.get(key) {
            return Some((NameStatus::Standard, i, &formulary.drugs[i]));
        }
        self.aliases
            .get(key)
            .map(|&i| (NameStatus::Alias, i, &formulary.drugs[i]))
    }

    /// The drug a free text names (an allergy history's "对氨苄西林过敏"): the longest standard
    /// name or alias of two or more characters it contains; a Latin name or abbreviation only as
    /// a word of its own ("NS" is not found in "NSAIDs").
    pub fn named_in<'f>(&self, formulary: &'f Formulary, text: &str) -> Option<&'f Drug> {
        let folded = fold_cow(text);
        let word_at = |at: usize, key: &str| {
            let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
            !key.is_ascii()
                || (!alnum(folded[..at].chars().next_back())
                    && !alnum(folded[at + key.len()..].chars().next()))
        };
        self.standard
            .iter()
            .chain(&self.aliases)
            .filter(|(k, _)| k.chars().count() >= 2)
            .filter(|(k, _)| {
                folded
                    .match_indices(k.as_str())
                    .any(|(at, _)| word_at(at, k))
            })
            .max_by_key(|(k, i)| (k.len(), std::cmp::Reverse(**i)))
            .map(|(_, &i)| &formulary.drugs[i])
    }

    /// Resolve a name as written.
    pub fn resolve<'f>(&'f self, formulary: &'f Formulary, written: &str) -> Resolved<'f> {
        let folded = fold_cow(written);
        if folded.is_empty() {
            return Resolved::UNKNOWN;
        }
        let found = |hit: (NameStatus, usize, &'f Drug), form: Option<&'f str>| Resolved {
            status: hit.0,
            drug: Some(hit.2),
            index: Some(hit.1),
            form,
        };
        if let Some(hit) = self.lookup(formulary, &folded) {
            return found(hit, None);
        }
        if let Some(&(i, f)) = self.written.get(folded.as_ref()) {
            let form = if f == INJECTION_PREFIX {
                "注射用"
            } else {
                self.forms[f as usize].as_str()
            };
            return found((NameStatus::Standard, i, &formulary.drugs[i]), Some(form));
        }
        // 注射用 is written before the name.
        let (body, mut form) = match folded.strip_prefix("注射用") {
            Some(rest) => (rest, Some("注射用")),
            None => (folded.as_ref(), None),
        };
        let mut bases: Vec<&str> = vec![body];
        if form.is_none()
            && let Some(f) = self
                .forms
                .iter()
                .find(|f| body.len() > f.len() && body.ends_with(f.as_str()))
        {
            form = Some(f.as_str());
            bases.push(&body[..body.len() - f.len()]);
        }
        for base in bases.into_iter().rev() {
            if let Some(hit) = self.lookup(formulary, base) {
                return found(hit, form);
            }
            // Salt written before (盐酸二甲双胍) or after (头孢曲松钠) the generic name, or both.
            let pre = self
                .salt_prefixes
                .iter()
                .find(|p| base.len() > p.len() && base.starts_with(p.as_str()));
            let without_pre = pre.map(|p| &base[p.len()..]).unwrap_or(base);
            if pre.is_some()
                && let Some(hit) = self.lookup(formulary, without_pre)
            {
                return found(hit, form);
            }
            if let Some(s) = self
                .salt_suffixes
                .iter()
                .find(|s| without_pre.len() > s.len() && without_pre.ends_with(s.as_str()))
                && let Some(hit) =
                    self.lookup(formulary, &without_pre[..without_pre.len() - s.len()])
            {
                return found(hit, form);
            }
        }
        // A concentration or volume written before the name, as HIS dictionaries write
        // solutions ("0.9%氯化钠注射液", "5%葡萄糖注射液", "250ml 0.9%氯化钠注射液"): the name
        // after it is what resolves, or nothing does.
        if let Some(rest) = strip_strength_prefix(&folded) {
            let r = self.resolve(formulary, rest);
            if r.drug.is_some() {
                return r;
            }
        }
        // The same written after the name, as many HIS dictionaries add the product's size
        // ("0.9%氯化钠注射液(100ml)", "氯化钠注射液（0.9%）", "0.9%氯化钠注射液 250ml:2.25g").
        if let Some(rest) = strip_strength_suffix(&folded) {
            let r = self.resolve(formulary, rest);
            if r.drug.is_some() {
                return r;
            }
        }
        Resolved::UNKNOWN
    }
}

/// What follows one amount (`0.9%`, `100ml`, `2.25g`) at the start of `s`; `None` when `s` does
/// not start with one.
fn strip_amount(s: &str) -> Option<&str> {
    let digits = |s: &str| s.bytes().take_while(u8::is_ascii_digit).count();
    let whole = digits(s);
    if whole == 0 {
        return None;
    }
    let mut rest = &s[whole..];
    if let Some(frac) = rest.strip_prefix('.') {
        let n = digits(frac);
        if n == 0 {
            return None;
        }
        rest = &frac[n..];
    }
    // Longest first: mmol before ml, mg before g.
    ["mmol", "ml", "mg", "μg", "ug", "g", "l", "%"]
        .iter()
        .find_map(|u| rest.strip_prefix(u))
}

/// Whether `s` is a product size as a whole: amounts joined by `:` or `/` (`250ml:2.25g`).
fn is_size(s: &str) -> bool {
    let mut rest = s;
    loop {
        let Some(r) = strip_amount(rest) else {
            return false;
        };
        if r.is_empty() {
            return true;
        }
        match r.strip_prefix([':', '/']) {
            Some(next) if !next.is_empty() => rest = next,
            _ => return false,
        }
    }
}

/// The name before a product size written after it in a folded name, in brackets
/// (`(100ml)`, `(0.9%)`) or not (`250ml:2.25g`); `None` when the name does not end with one or
/// nothing precedes it.
fn strip_strength_suffix(folded: &str) -> Option<&str> {
    if let Some(inner) = folded.strip_suffix(')') {
        let open = inner.rfind('(')?;
        return (open > 0 && is_size(&inner[open + 1..])).then(|| &folded[..open]);
    }
    // The longest size that does not start inside a number.
    folded
        .char_indices()
        .skip(1)
        .find(|&(i, _)| {
            let before = folded[..i].chars().next_back();
            !before.is_some_and(|c| c.is_ascii_digit() || c == '.') && is_size(&folded[i..])
        })
        .map(|(i, _)| &folded[..i])
}

/// What follows a leading concentration (`0.9%`) or volume (`250ml`) in a folded name, with
/// an optional `:` or `/` after it; `None` when the name does not start with one or nothing
/// follows it.
fn strip_strength_prefix(folded: &str) -> Option<&str> {
    let digits = |s: &str| s.bytes().take_while(u8::is_ascii_digit).count();
    let whole = digits(folded);
    if whole == 0 {
        return None;
    }
    let mut rest = &folded[whole..];
    if let Some(frac) = rest.strip_prefix('.') {
        let n = digits(frac);
        if n == 0 {
            return None;
        }
        rest = &frac[n..];
    }
    let rest = ["%", "ml", "l"].iter().find_map(|u| rest.strip_prefix(u))?;
    let rest = rest.strip_prefix([':', '/']).unwrap_or(rest);
    (!rest.is_empty()).then_some(rest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Engine;

    fn resolve(name: &str) -> (NameStatus, Option<String>, Option<String>) {
        let e = Engine::default_engine();
        let r = e.formulary.resolve(&e.policy.formulary, name);
        (
            r.status,
            r.drug.map(|d| d.name.clone()),
            r.form.map(str::to_string),
        )
    }

    /// Every 麻醉药品 and 精神药品 of the default formulary in the class the catalogs give
    /// (麻醉药品品种目录 and 精神药品品种目录 2013, with the later notices: data/CHANGELOG.md).
    #[test]
    fn controlled_classes_follow_the_national_catalogs() {
        use Controlled::*;
        let e = Engine::default_engine();
        let class = |name: &str, form: Option<&str>| {
            let d = e.policy.formulary.drugs.iter().find(|d| d.name == name);
            d.unwrap_or_else(|| panic!("{name}")).controlled(form)
        };
        let expected: &[(&str, Option<&str>, Controlled)] = &[
            ("吗啡", None, Narcotic),
            ("芬太尼", None, Narcotic),
            ("舒芬太尼", None, Narcotic),
            ("瑞芬太尼", None, Narcotic),
            ("哌替啶", None, Narcotic),
            ("可待因", None, Narcotic),
            ("羟考酮", None, Narcotic),
            ("美沙酮", None, Narcotic),
            ("布桂嗪", None, Narcotic),
            ("复方樟脑酊", None, Narcotic),
            ("丁丙诺啡", Some("片"), Psych1),
            ("丁丙诺啡", Some("透皮贴剂"), Psych2),
            ("三唑仑", None, Psych1),
            ("氯胺酮", None, Psych1),
            ("哌醋甲酯", None, Psych1),
            // 2024年第51号公告: 原料 and 注射剂 第一类, its other single-ingredient forms 第二类.
            ("咪达唑仑", Some("片"), Psych2),
            ("咪达唑仑", Some("注射液"), Psych1),
            ("氨酚羟考酮", None, Psych2),
            ("曲马多", None, Psych2),
            ("布托啡诺", None, Psych2),
            ("喷他佐辛", None, Psych2),
            ("地西泮", None, Psych2),
            ("艾司唑仑", None, Psych2),
            ("阿普唑仑", None, Psych2),
            ("劳拉西泮", None, Psych2),
            ("氯硝西泮", None, Psych2),
            ("奥沙西泮", None, Psych2),
            ("硝西泮", None, Psych2),
            ("氯氮䓬", None, Psych2),
            ("唑吡坦", None, Psych2),
            ("佐匹克隆", None, Psych2),
            ("右佐匹克隆", None, Psych2),
            ("扎来普隆", None, Psych2),
            ("苯巴比妥", None, Psych2),
            ("异戊巴比妥", None, Psych2),
            ("麦角胺咖啡因", None, Psych2),
            ("复方地芬诺酯", None, Psych2),
            ("右美沙芬", None, Psych2),
        ];
        for (name, form, c) in expected {
            assert_eq!(class(name, *form), Some(*c), "{name} {form:?}");
        }
        // And no other drug of the formulary is a 麻醉药品 or 精神药品.
        let listed = e
            .policy
            .formulary
            .drugs
            .iter()
            .filter(|d| {
                matches!(d.ctrl, Some(Narcotic | Psych1 | Psych2)) || !d.ctrl_forms.is_empty()
            })
            .count();
        assert_eq!(
            listed,
            expected.len() - 2,
            "丁丙诺啡 and 咪达唑仑 are listed twice"
        );
        // The class goes with the form as written: the resolver's form, 贴剂 or 透皮贴剂.
        for (written, c) in [
            ("丁丙诺啡贴剂", Psych2),
            ("丁丙诺啡透皮贴剂", Psych2),
            ("咪达唑仑片", Psych2),
            ("咪达唑仑注射液", Psych1),
            ("注射用咪达唑仑", Psych1),
        ] {
            let r = e.formulary.resolve(&e.policy.formulary, written);
            assert_eq!(
                r.drug.and_then(|d| d.controlled(r.form)),
                Some(c),
                "{written}"
            );
        }
    }

    #[test]
    fn names_as_written_in_practice_resolve() {
        let std = |name: &str, generic: &str| {
            let (status, drug, _) = resolve(name);
            assert_eq!(
                (status, drug.as_deref()),
                (NameStatus::Standard, Some(generic)),
                "{name}"
            );
        };
        std("阿莫西林", "阿莫西林");
        std("阿莫西林胶囊", "阿莫西林");
        std("盐酸二甲双胍片", "二甲双胍");
        std("二甲双胍缓释片", "二甲双胍");
        std("硝苯地平控释片", "硝苯地平");
        std("注射用头孢曲松钠", "头孢曲松");
        std(" 阿莫西林 胶囊 ", "阿莫西林");
        assert_eq!(resolve("硝苯地平控释片").2.as_deref(), Some("控释片"));
        assert_eq!(resolve("注射用头孢曲松钠").2.as_deref(), Some("注射用"));
    }

    #[test]
    fn aliases_resolve_to_the_standard_name() {
        for (alias, generic) in [
            ("VitC", "维生素C"),
            ("vitc", "维生素C"),
            ("ＶｉｔＣ", "维生素C"),
            ("NS", "氯化钠"),
            ("扑热息痛片", "对乙酰氨基酚"),
            ("心痛定", "硝苯地平"),
        ] {
            let (status, drug, _) = resolve(alias);
            assert_eq!(
                (status, drug.as_deref()),
                (NameStatus::Alias, Some(generic)),
                "{alias}"
            );
        }
    }

    /// A concentration or volume before a name is the name as HIS dictionaries write it, so
    /// no alias may be one before a standard name ("0.9%氯化钠" was, and RX-06 called
    /// "0.9%氯化钠注射液" non-standard).
    #[test]
    fn concentration_prefixes_resolve_to_the_name_after_them() {
        for (written, generic, status) in [
            ("0.9%氯化钠注射液", "氯化钠", NameStatus::Standard),
            ("5%葡萄糖注射液", "葡萄糖", NameStatus::Standard),
            ("250ml0.9%氯化钠注射液", "氯化钠", NameStatus::Standard),
            ("10%氯化钾注射液", "氯化钾", NameStatus::Standard),
            ("5%GS", "葡萄糖", NameStatus::Alias),
        ] {
            let (s, d, _) = resolve(written);
            assert_eq!((s, d.as_deref()), (status, Some(generic)), "{written}");
        }
        assert_eq!(resolve("0.9%氯化钠注射液").2.as_deref(), Some("注射液"));
        for junk in ["0.9%", "0.9%某某", "1.%氯化钠", "12氯化钠"] {
            assert_eq!(resolve(junk).0, NameStatus::Unknown, "{junk}");
        }
        let e = Engine::default_engine();
        for d in &e.policy.formulary.drugs {
            for a in &d.aliases {
                if let Some(rest) = strip_strength_prefix(&fold(a)) {
                    let r = e.formulary.resolve(&e.policy.formulary, rest);
                    assert_ne!(r.status, NameStatus::Standard, "{}: alias {a}", d.name);
                }
            }
        }
    }

    #[test]
    fn sizes_after_the_name_resolve_to_the_name_before_them() {
        for (written, generic, form) in [
            ("0.9%氯化钠注射液(100ml)", "氯化钠", "注射液"),
            ("氯化钠注射液（0.9%）", "氯化钠", "注射液"),
            ("0.9%氯化钠注射液250ml:2.25g", "氯化钠", "注射液"),
            ("5%葡萄糖注射液(250ml/12.5g)", "葡萄糖", "注射液"),
            ("10%氯化钾注射液(10ml:1g)", "氯化钾", "注射液"),
        ] {
            let (s, d, f) = resolve(written);
            assert_eq!(
                (s, d.as_deref(), f.as_deref()),
                (NameStatus::Standard, Some(generic), Some(form)),
                "{written}"
            );
        }
        // Not a size, a size inside a number, or nothing before it.
        for junk in [
            "氯化钠注射液(软袋)",
            "氯化钠注射液(100)",
            "氯化钠注射液(ml)",
            "(100ml)",
            "100ml",
            "氯化钠注射液(100ml))",
        ] {
            assert_eq!(resolve(junk).0, NameStatus::Unknown, "{junk}");
        }
        assert_eq!(strip_strength_suffix("x1.5ml"), Some("x"));
        assert_eq!(strip_strength_suffix("x250ml:2.25g"), Some("x"));
        assert_eq!(strip_strength_suffix("x250ml:"), None);
        // An alias with a size after it stays an alias.
        let e = Engine::default_engine();
        for d in &e.policy.formulary.drugs {
            for a in &d.aliases {
                if let Some(rest) = strip_strength_suffix(&fold(a)) {
                    let r = e.formulary.resolve(&e.policy.formulary, rest);
                    assert_ne!(r.status, NameStatus::Standard, "{}: alias {a}", d.name);
                }
            }
        }
    }

    #[test]
    fn a_drug_named_in_free_text() {
        let e = Engine::default_engine();
        let named = |text: &str| {
            e.formulary
                .named_in(&e.policy.formulary, text)
                .map(|d| d.name.as_str())
        };
        assert_eq!(named("对氨苄西林过敏（皮疹）"), Some("氨苄西林"));
        // The longest name: 阿莫西林克拉维酸, not 阿莫西林.
        assert_eq!(named("阿莫西林克拉维酸钾过敏"), Some("阿莫西林克拉维酸"));
        // A Latin abbreviation only as a word: NS (氯化钠) is not in NSAIDs.
        assert_eq!(named("NSAIDs过敏"), None);
        assert_eq!(named("海鲜过敏"), None);
    }

    #[test]
    fn unknown_names_stay_unknown() {
        assert_eq!(resolve("神奇胶囊").0, NameStatus::Unknown);
        assert_eq!(resolve("").0, NameStatus::Unknown);
        assert_eq!(resolve("片").0, NameStatus::Unknown);
    }

    #[test]
    fn the_formulary_has_the_required_coverage() {
        let f = &Engine::default_engine().policy.formulary;
        let n = |c: Category| f.drugs.iter().filter(|d| d.cat == c).count();
        assert!(
            n(Category::Western) + n(Category::Cpm) >= 400,
            "{} western/中成药",
            n(Category::Western) + n(Category::Cpm)
        );
        assert!(n(Category::Herb) >= 60, "{} herbs", n(Category::Herb));
        for alias in ["VitC", "NS", "GS", "5-FU", "PNC"] {
            assert_eq!(resolve(alias).0, NameStatus::Alias, "{alias}");
        }
    }
}
