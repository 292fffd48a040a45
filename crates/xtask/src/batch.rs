//! `gen-batch`: synthetic prescriptions as JSONL, realistic and varied, deterministic for a seed.
//!
//! Every drug comes from the engine's embedded formulary (`Engine::default_engine()`): names are
//! written the way they are in practice (generic name + dosage form, `注射用` before powders),
//! strengths with their pack size, doses within the label maxima (per kg for children), with
//! frequencies, days and dispensed quantities that agree. Prescriptions follow clinical
//! scenarios (respiratory infection, hypertension, diabetes, pain, …) so diagnoses, departments
//! and drugs fit together; a fraction (`--defect-rate`, 0.25 by default) gets one or two typical
//! defects (vague usage, too many drugs, missing diagnosis or header fields, aliases, overdoses,
//! long supply, missing signature, allergy conflicts, duplicate classes, antibiotic combinations
//! or tiers, excess quantities …).
//!
//! Output streams through a buffered writer: memory stays constant whatever the count.

use std::collections::BTreeSet;
use std::io::{self, Write};

use opdcheck_engine::Engine;
use opdcheck_engine::formulary::{Category, Controlled, Drug};
use opdcheck_engine::policy::AbxTier;
use opdcheck_engine::units::{self, Unit};
use serde::{Serialize, Serializer};

// ---------------------------------------------------------------------------------------------
// Output shape (the interchange format's prescription, docs/format.md)
// ---------------------------------------------------------------------------------------------

/// A number written as an integer when it is whole (`30`, not `30.0`).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Num(f64);

impl Serialize for Num {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0.fract() == 0.0 && self.0.abs() < 1e15 {
            s.serialize_i64(self.0 as i64)
        } else {
            s.serialize_f64((self.0 * 10_000.0).round() / 10_000.0)
        }
    }
}

#[derive(Serialize, Clone, Debug)]
struct Qty<'a> {
    value: Num,
    unit: &'a str,
}

#[derive(Serialize, Clone, Debug)]
struct AgeOut {
    value: Num,
    #[serde(skip_serializing_if = "Option::is_none")]
    unit: Option<&'static str>,
}

#[derive(Serialize, Clone, Debug, Default)]
struct PatientOut {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sex: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    age: Option<AgeOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    birth_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    weight_kg: Option<Num>,
    record_no: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    id_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    guardian_name: Option<String>,
    allergy_history: &'static str,
    allergens: Vec<&'static str>,
}

#[derive(Serialize, Clone, Debug)]
struct ItemOut<'a> {
    drug: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    strength: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dose: Option<Qty<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    route: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    frequency: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    days: Option<Num>,
    #[serde(skip_serializing_if = "Option::is_none")]
    quantity: Option<Qty<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    notes: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    over_label_reason: Option<&'static str>,
}

#[derive(Serialize, Clone, Debug)]
struct SignerOut<'a> {
    id: &'a str,
    name: &'a str,
    title: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    signed_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    signature_id: Option<&'a str>,
}

#[derive(Serialize, Clone, Debug)]
struct HerbalOut {
    doses: Num,
    usage: &'static str,
}

#[derive(Serialize, Debug)]
struct RxOut<'a> {
    kind: &'static str,
    id: String,
    visit_id: String,
    prescription_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    institution: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fee_category: Option<&'static str>,
    patient: PatientOut,
    #[serde(skip_serializing_if = "Option::is_none")]
    department: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    issued_at: Option<String>,
    diagnoses: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    diagnosis_codes: Vec<Option<&'static str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    diagnosis_note: Option<&'static str>,
    items: Vec<ItemOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    herbal: Option<HerbalOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    combination_reason: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    prescriber: Option<SignerOut<'a>>,
    amendments: [(); 0],
    completed: bool,
}

// ---------------------------------------------------------------------------------------------
// Vocabulary
// ---------------------------------------------------------------------------------------------

#[rustfmt::skip]
const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林",
    "罗", "高", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "潘",
    "袁", "蔡", "蒋", "余", "于", "杜", "叶", "程", "魏", "苏", "吕", "丁", "欧阳", "司马",
];
#[rustfmt::skip]
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀",
    "霞", "平", "刚", "桂", "英", "华", "玉", "建", "国", "文", "辉", "鑫", "宇", "浩", "欣", "怡", "梓", "涵",
    "子", "轩", "晨", "阳", "雨", "婷", "佳", "琳", "博", "思", "嘉", "凯",
];
const INSTITUTIONS: &[&str] = &[
    "示范市第一人民医院",
    "示范市第二人民医院",
    "示范市中医院",
    "示范市妇幼保健院",
    "示范县人民医院",
    "东城区社区卫生服务中心",
];
const FEE_CATEGORIES: &[&str] = &["医保", "职工医保", "居民医保", "自费", "公费", "新农合"];
const ADULT_DEPTS_EXTRA: &[&str] = &["全科医学科", "急诊科"];

const TITLES: &[(&str, u32)] = &[
    ("resident", 30),
    ("attending", 35),
    ("associate_chief", 18),
    ("chief", 10),
    ("assistant", 7),
];

fn title_tier(title: &str) -> AbxTier {
    match title {
        "resident" | "assistant" => AbxTier::Nonrestricted,
        "attending" => AbxTier::Restricted,
        _ => AbxTier::Special,
    }
}

/// A clinical scenario: where it is seen, what it is called, which drugs treat it.
struct ScenarioDef {
    key: &'static str,
    depts: &'static [&'static str],
    diagnoses: &'static [(&'static str, Option<&'static str>)],
    /// Core drugs: by generic name, duplication class, or any antibiotic / systemic steroid.
    core_names: &'static [&'static str],
    core_classes: &'static [&'static str],
    core_abx: bool,
    core_steroid: bool,
    /// Controlled categories this scenario may prescribe (none elsewhere).
    ctrl: &'static [Controlled],
    addon_names: &'static [&'static str],
    addon_classes: &'static [&'static str],
    chronic: bool,
    herbal: bool,
    /// Weights for children, adults and the elderly.
    weight: [u32; 3],
}

const BASE: ScenarioDef = ScenarioDef {
    key: "",
    depts: &[],
    diagnoses: &[],
    core_names: &[],
    core_classes: &[],
    core_abx: false,
    core_steroid: false,
    ctrl: &[],
    addon_names: &[],
    addon_classes: &[],
    chronic: false,
    herbal: false,
    weight: [0, 0, 0],
};

const SCENARIOS: &[ScenarioDef] = &[
    ScenarioDef {
        key: "respiratory_infection",
        depts: &["呼吸内科", "全科医学科", "急诊科", "耳鼻咽喉科"],
        diagnoses: &[
            ("急性支气管炎", Some("J20.9")),
            ("急性上呼吸道感染", Some("J06.9")),
            ("急性扁桃体炎", Some("J03.9")),
            ("急性化脓性扁桃体炎", Some("J03.9")),
            ("急性咽炎", Some("J02.9")),
            ("社区获得性肺炎", Some("J18.9")),
            ("急性鼻窦炎", Some("J01.9")),
        ],
        core_abx: true,
        addon_names: &["维生素C"],
        addon_classes: &[
            "expectorant",
            "nsaid",
            "tcm_cold",
            "tcm_cough",
            "antitussive_central",
        ],
        weight: [40, 22, 14],
        ..BASE
    },
    ScenarioDef {
        key: "common_cold",
        depts: &["全科医学科", "呼吸内科", "急诊科", "中医科"],
        diagnoses: &[
            ("急性上呼吸道感染", Some("J06.9")),
            ("普通感冒", Some("J00")),
            ("急性咽炎", Some("J02.9")),
        ],
        core_classes: &["tcm_cold", "nsaid"],
        addon_names: &["维生素C"],
        addon_classes: &[
            "expectorant",
            "antitussive_central",
            "h1_antihistamine",
            "tcm_cough",
        ],
        weight: [35, 14, 6],
        ..BASE
    },
    ScenarioDef {
        key: "influenza",
        depts: &["呼吸内科", "急诊科", "全科医学科", "发热门诊"],
        diagnoses: &[("流行性感冒", Some("J11.1"))],
        core_classes: &["antiviral_neuraminidase"],
        addon_classes: &["nsaid", "tcm_cold", "expectorant"],
        weight: [8, 4, 3],
        ..BASE
    },
    ScenarioDef {
        key: "hypertension",
        depts: &["心血管内科", "全科医学科", "老年病科"],
        diagnoses: &[
            ("原发性高血压", Some("I10")),
            ("高血压病2级", Some("I10")),
            ("高血压病3级（极高危）", Some("I10")),
        ],
        core_classes: &[
            "ccb",
            "acei",
            "arb",
            "beta_blocker",
            "thiazide",
            "loop_diuretic",
        ],
        addon_classes: &["statin", "p2y12"],
        chronic: true,
        weight: [0, 12, 25],
        ..BASE
    },
    ScenarioDef {
        key: "coronary",
        depts: &["心血管内科", "老年病科"],
        diagnoses: &[
            ("冠状动脉粥样硬化性心脏病", Some("I25.1")),
            ("稳定型心绞痛", Some("I20.8")),
        ],
        core_classes: &["nitrate", "p2y12", "tcm_blood_stasis"],
        addon_classes: &["statin", "beta_blocker", "ppi"],
        chronic: true,
        weight: [0, 4, 12],
        ..BASE
    },
    ScenarioDef {
        key: "diabetes",
        depts: &["内分泌科", "全科医学科", "老年病科"],
        diagnoses: &[
            ("2型糖尿病", Some("E11.9")),
            ("2型糖尿病伴血糖控制不佳", Some("E11.9")),
        ],
        core_classes: &[
            "biguanide",
            "sulfonylurea",
            "dpp4",
            "sglt2",
            "glinide",
            "alpha_glucosidase",
        ],
        addon_classes: &["statin"],
        chronic: true,
        weight: [0, 10, 20],
        ..BASE
    },
    ScenarioDef {
        key: "musculoskeletal_pain",
        depts: &["骨科", "康复医学科", "疼痛科", "全科医学科"],
        diagnoses: &[
            ("膝骨关节炎", Some("M17.9")),
            ("腰肌劳损", Some("M54.5")),
            ("肩关节周围炎", Some("M75.0")),
            ("颈椎病", Some("M47.8")),
        ],
        core_classes: &["nsaid"],
        addon_classes: &["ppi"],
        weight: [0, 10, 12],
        ..BASE
    },
    ScenarioDef {
        key: "steroid_indication",
        depts: &["风湿免疫科", "呼吸内科", "皮肤科"],
        diagnoses: &[
            ("支气管哮喘", Some("J45.9")),
            ("类风湿关节炎", Some("M06.9")),
            ("系统性红斑狼疮", Some("M32.9")),
            ("荨麻疹", Some("L50.9")),
        ],
        core_steroid: true,
        addon_classes: &["ppi", "h1_antihistamine"],
        weight: [2, 4, 4],
        ..BASE
    },
    ScenarioDef {
        key: "asthma_copd",
        depts: &["呼吸内科", "老年病科"],
        diagnoses: &[
            ("支气管哮喘", Some("J45.9")),
            ("慢性阻塞性肺疾病", Some("J44.9")),
        ],
        core_classes: &[
            "leukotriene",
            "xanthine",
            "laba",
            "saba",
            "inhaled_corticosteroid",
        ],
        addon_classes: &["expectorant"],
        weight: [3, 4, 6],
        ..BASE
    },
    ScenarioDef {
        key: "cancer_pain",
        depts: &["肿瘤科", "疼痛科"],
        diagnoses: &[
            ("肺恶性肿瘤", Some("C34.9")),
            ("胃恶性肿瘤", Some("C16.9")),
            ("肝恶性肿瘤", Some("C22.9")),
        ],
        core_classes: &["opioid"],
        ctrl: &[Controlled::Narcotic, Controlled::Psych1, Controlled::Psych2],
        addon_classes: &["ppi", "laxative_osmotic", "antiemetic_d2"],
        weight: [0, 2, 4],
        ..BASE
    },
    ScenarioDef {
        key: "anxiety_depression_insomnia",
        depts: &["精神心理科", "神经内科"],
        diagnoses: &[
            ("焦虑状态", Some("F41.9")),
            ("失眠", Some("G47.0")),
            ("广泛性焦虑障碍", Some("F41.1")),
            ("抑郁状态", Some("F32.9")),
        ],
        core_classes: &["benzodiazepine", "z_drug", "ssri"],
        ctrl: &[Controlled::Psych2],
        weight: [0, 5, 5],
        ..BASE
    },
    ScenarioDef {
        key: "gastritis",
        depts: &["消化内科", "全科医学科"],
        diagnoses: &[
            ("慢性非萎缩性胃炎", Some("K29.5")),
            ("胃食管反流病", Some("K21.9")),
            ("十二指肠溃疡", Some("K26.9")),
        ],
        core_classes: &["ppi", "h2ra"],
        addon_classes: &["antiemetic_d2", "tcm_digestive"],
        weight: [0, 8, 10],
        ..BASE
    },
    ScenarioDef {
        key: "herpes_zoster",
        depts: &["皮肤科", "疼痛科"],
        diagnoses: &[("带状疱疹", Some("B02.9"))],
        core_names: &["阿昔洛韦", "伐昔洛韦", "泛昔洛韦"],
        addon_classes: &["nsaid"],
        weight: [1, 3, 4],
        ..BASE
    },
    ScenarioDef {
        key: "hepatitis_b",
        depts: &["感染科", "消化内科"],
        diagnoses: &[("慢性乙型病毒性肝炎", Some("B18.1"))],
        core_names: &["恩替卡韦", "丙酚替诺福韦", "替诺福韦二吡呋酯"],
        chronic: true,
        weight: [0, 2, 2],
        ..BASE
    },
    ScenarioDef {
        key: "allergy",
        depts: &["皮肤科", "耳鼻咽喉科", "儿科"],
        diagnoses: &[("过敏性鼻炎", Some("J30.4")), ("慢性荨麻疹", Some("L50.8"))],
        core_classes: &["h1_antihistamine"],
        addon_classes: &["leukotriene"],
        weight: [12, 6, 3],
        ..BASE
    },
    ScenarioDef {
        key: "herbal",
        depts: &["中医科"],
        diagnoses: &[
            ("慢性疲劳综合征", None),
            ("脾胃气虚证", None),
            ("慢性非萎缩性胃炎", Some("K29.5")),
        ],
        herbal: true,
        weight: [2, 4, 4],
        ..BASE
    },
];

// ---------------------------------------------------------------------------------------------
// Catalog: formulary products ready to prescribe
// ---------------------------------------------------------------------------------------------

/// One product as written on a prescription: name + form + strength + pack.
#[derive(Debug)]
struct Product {
    drug_index: usize,
    /// Written name: 阿莫西林胶囊, 注射用头孢曲松.
    written: String,
    /// Strength with pack: 0.25g×24粒; 100ml:0.9g.
    strength: String,
    /// Per unit: active amount in the base unit (mg, ml, U) and the written unit + factor.
    per_unit: f64,
    /// Active amount per unit (mg, U) for the label maxima: the amount after the colon of a
    /// volume:amount strength, else `per_unit`.
    active_per_unit: f64,
    dose_unit: String,
    dose_factor: f64,
    /// Count unit of the form (粒, 片, 袋, 支, 瓶) and units per pack.
    count_unit: &'static str,
    pack: u32,
    pack_unit: &'static str,
    route: &'static str,
    injection: bool,
    controlled_release: bool,
    /// Label maxima for the route, base unit: single, daily, per kg single, per kg daily.
    max_single: Option<f64>,
    max_daily: Option<f64>,
    kg_single: Option<f64>,
    kg_daily: Option<f64>,
}

#[derive(Debug)]
struct Herb {
    name: String,
    max_daily_g: f64,
}

struct Scenario {
    def: &'static ScenarioDef,
    core: Vec<usize>,
    addons: Vec<usize>,
}

struct Doctor {
    id: String,
    name: String,
    title: &'static str,
    signature_id: String,
}

struct Dept {
    name: &'static str,
    doctors: Vec<Doctor>,
}

/// Everything the generator draws from, built once from the engine's formulary.
pub struct Catalog {
    drugs: Vec<Drug>,
    products: Vec<Product>,
    herbs: Vec<Herb>,
    scenarios: Vec<Scenario>,
    depts: Vec<Dept>,
    /// Allergy class → classes it cross-reacts with (itself included).
    allergy_cross: Vec<(String, Vec<String>)>,
    /// Normal saline for injections (氯化钠注射液), when the formulary has it.
    saline: Option<usize>,
    /// Products a defect may add (no controlled drug, antibiotic or injection).
    extras: Vec<usize>,
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
                    if d.ctrl.is_some_and(|c| !def.ctrl.contains(&c)) {
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

    fn drug(&self, p: usize) -> &Drug {
        &self.drugs[self.products[p].drug_index]
    }

    fn dept(&self, name: &str) -> &Dept {
        self.depts
            .iter()
            .find(|d| d.name == name)
            .unwrap_or(&self.depts[0])
    }

    /// Does the patient's allergy class forbid the product (its class or a cross-reacting one)?
    fn allergic(&self, allergy: Option<&str>, p: usize) -> bool {
        let (Some(a), Some(cls)) = (allergy, self.drug(p).allergy.as_deref()) else {
            return false;
        };
        self.allergy_cross
            .iter()
            .find(|(k, _)| k == a)
            .is_some_and(|(_, cross)| cross.iter().any(|c| c == cls))
    }
}

fn weighted<T: Copy>(rng: &mut fastrand::Rng, items: &[(T, u32)]) -> T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut x = rng.u32(0..total.max(1));
    for &(t, w) in items {
        if x < w {
            return t;
        }
        x -= w;
    }
    items[items.len() - 1].0
}

fn person_name(rng: &mut fastrand::Rng) -> String {
    let mut s = String::with_capacity(12);
    s.push_str(SURNAMES[rng.usize(..SURNAMES.len())]);
    s.push_str(GIVEN[rng.usize(..GIVEN.len())]);
    if rng.u8(..10) < 6 {
        s.push_str(GIVEN[rng.usize(..GIVEN.len())]);
    }
    s
}

// ---------------------------------------------------------------------------------------------
// Dates
// ---------------------------------------------------------------------------------------------

/// Days since 1970-01-01 → (y, m, d) (Howard Hinnant's civil_from_days).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// (y, m, d) → days since 1970-01-01.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn date_string(days: i64) -> String {
    let (y, m, d) = civil(days);
    format!("{y:04}-{m:02}-{d:02}")
}

// ---------------------------------------------------------------------------------------------
// Generation
// ---------------------------------------------------------------------------------------------

const FREQS: &[(&str, f64)] = &[("qd", 1.0), ("bid", 2.0), ("tid", 3.0)];
const FREQ_ZH: &[&str] = &["每日1次", "每日2次", "每日3次"];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Defect {
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

const DEFECTS: &[(Defect, u32)] = &[
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

/// Options of a generation run.
#[derive(Debug, Clone)]
pub struct GenOptions {
    pub count: u64,
    pub seed: u64,
    pub defect_rate: f64,
}

/// What a run wrote.
#[derive(Debug, Default)]
pub struct GenStats {
    pub records: u64,
    pub defective: u64,
    pub items: u64,
    pub bytes: u64,
}

struct Counting<W> {
    inner: W,
    bytes: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Write `opts.count` prescriptions, one JSON object per line.
pub fn generate<W: Write>(catalog: &Catalog, opts: &GenOptions, out: W) -> io::Result<GenStats> {
    let mut out = Counting {
        inner: io::BufWriter::with_capacity(1 << 20, out),
        bytes: 0,
    };
    let mut rng = fastrand::Rng::with_seed(opts.seed);
    let mut stats = GenStats::default();
    let mut g = Gen {
        catalog,
        rng: &mut rng,
    };
    for n in 0..opts.count {
        let (rx, defective) = g.prescription(opts, n);
        stats.items += rx.items.len() as u64;
        stats.defective += u64::from(defective);
        serde_json::to_writer(&mut out, &rx).map_err(io::Error::other)?;
        out.write_all(b"\n")?;
        stats.records += 1;
    }
    out.flush()?;
    stats.bytes = out.bytes;
    Ok(stats)
}

struct Gen<'c, 'r> {
    catalog: &'c Catalog,
    rng: &'r mut fastrand::Rng,
}

/// The patient as the generator sees it.
struct Person {
    age_days: i64,
    weight: f64,
    allergy: Option<&'static str>,
}

impl Person {
    fn years(&self) -> f64 {
        self.age_days as f64 / 365.25
    }
    fn is_child(&self) -> bool {
        self.years() < 14.0
    }
}

impl<'c> Gen<'c, '_> {
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.rng.usize(..xs.len())]
    }

    fn pick_str(&mut self, xs: &[&'static str]) -> &'static str {
        xs[self.rng.usize(..xs.len())]
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.f64() < p
    }

    fn prescription(&mut self, opts: &GenOptions, n: u64) -> (RxOut<'c>, bool) {
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
        let scenario = &cat.scenarios[weighted(self.rng, &weights)];
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
            .filter_map(|&p| cat.drug(p).ctrl)
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
                let d = weighted(self.rng, DEFECTS);
                self.apply(&mut rx, d, &person, &chosen, days, ptype);
            }
        }
        (rx, defective)
    }

    /// May product `p` join `chosen`: another drug, another duplication class, ≤ 1 antibiotic.
    fn compatible(&self, chosen: &[usize], p: usize) -> bool {
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
    fn item(
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
        let first = weighted(self.rng, weights);
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

    fn patient(&mut self, person: &Person, issue_day: i64, n: u64) -> PatientOut {
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
            name: Some(person_name(self.rng)),
            sex: Some(sex),
            age: Some(AgeOut {
                value: Num(age),
                unit: Some(unit),
            }),
            birth_date: with_birth.then_some(birth),
            weight_kg: (child || self.chance(0.4)).then_some(Num(person.weight)),
            record_no: format!("MZ{:08}", n % 100_000_000),
            id_number,
            guardian_name: child.then(|| person_name(self.rng)),
            allergy_history,
            allergens,
        }
    }

    fn apply(
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

/// Single and daily dose caps (active amount) for the patient: the label's, and per kg for a
/// child.
fn caps(prod: &Product, person: &Person) -> (Option<f64>, Option<f64>) {
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
fn fits(prod: &Product, person: &Person) -> bool {
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
fn push_item<'c>(rx: &mut RxOut<'c>, item: ItemOut<'c>) {
    if rx.items.len() >= 6 {
        if let Some(last) = rx.items.last_mut() {
            *last = item;
        }
    } else {
        rx.items.push(item);
    }
}

/// A synthetic 18-character resident id with a valid GB 11643 check character.
fn id_number(birth: &str, n: u64) -> String {
    const REGIONS: &[&str] = &["110101", "110102", "310104", "440106", "510107", "330106"];
    let region = REGIONS[(n % REGIONS.len() as u64) as usize];
    let mut s = String::with_capacity(18);
    s.push_str(region);
    s.extend(birth.chars().filter(char::is_ascii_digit));
    s.push_str(&format!("{:03}", n % 1000));
    s.push(check_char(&s));
    s
}

/// GB 11643 check character of the first 17 digits.
fn check_char(first17: &str) -> char {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first17
        .bytes()
        .zip(W)
        .map(|(b, w)| u32::from(b.wrapping_sub(b'0')) * w)
        .sum();
    b"10X98765432"[(sum % 11) as usize] as char
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(count: u64, seed: u64) -> (Vec<u8>, GenStats) {
        let cat = Catalog::build(Engine::default_engine());
        let mut buf = Vec::new();
        let stats = generate(
            &cat,
            &GenOptions {
                count,
                seed,
                defect_rate: 0.25,
            },
            &mut buf,
        )
        .unwrap();
        (buf, stats)
    }

    #[test]
    fn dates_round_trip() {
        for d in [-1000, 0, 59, 365, 20_000, 20_454] {
            let (y, m, dd) = civil(d);
            assert_eq!(days_from_civil(y, m, dd), d);
        }
        assert_eq!(date_string(days_from_civil(2026, 2, 28) + 1), "2026-03-01");
    }

    #[test]
    fn id_numbers_have_a_valid_check_character() {
        // Example from GB 11643: 11010519491231002X.
        assert_eq!(check_char("11010519491231002"), 'X');
        let s = id_number("1949-12-31", 2);
        assert_eq!(s.len(), 18);
        assert_eq!(&s[6..14], "19491231");
        assert_eq!(s.chars().last(), Some(check_char(&s[..17])));
    }

    #[test]
    fn deterministic_and_every_line_parses() {
        let (a, sa) = run(2000, 7);
        let (b, _) = run(2000, 7);
        assert_eq!(a, b, "same seed, same bytes");
        let (c, _) = run(2000, 8);
        assert_ne!(a, c, "another seed, other data");
        assert_eq!(sa.records, 2000);
        let rate = sa.defective as f64 / sa.records as f64;
        assert!((0.18..0.32).contains(&rate), "defect rate {rate}");

        let engine = Engine::default_engine();
        let text = String::from_utf8(a).unwrap();
        let mut kinds = BTreeSet::new();
        let mut depts = BTreeSet::new();
        let mut max_items = 0;
        let mut age_units = BTreeSet::new();
        for line in text.lines() {
            let doc =
                opdcheck_engine::parse_document(line).unwrap_or_else(|e| panic!("{e}\n{line}"));
            let opdcheck_engine::Document::Prescription(p) = &doc else {
                panic!("a prescription")
            };
            kinds.insert(format!("{:?}", p.prescription_type));
            if let Some(d) = &p.department {
                depts.insert(d.clone());
            }
            if let Some(u) = p.patient.age.as_ref().and_then(|a| a.unit) {
                age_units.insert(format!("{u:?}"));
            }
            if p.herbal.is_none() {
                max_items = max_items.max(p.items.len());
            } else {
                assert!(p.items.len() <= 12, "{line}");
            }
            let _ = engine.check(&doc);
        }
        assert!(kinds.len() >= 4, "{kinds:?}");
        assert!(depts.len() >= 8, "{depts:?}");
        assert_eq!(age_units.len(), 3, "{age_units:?}");
        assert_eq!(max_items, 6);
    }

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
