//! Vocabulary of a prescription's header and the clinical scenarios: where a condition is seen,
//! what it is called, which drugs treat it.

use opdcheck_engine::formulary::Controlled;
use opdcheck_engine::policy::AbxTier;

pub(crate) const INSTITUTIONS: &[&str] = &[
    "示范市第一人民医院",
    "示范市第二人民医院",
    "示范市中医院",
    "示范市妇幼保健院",
    "示范县人民医院",
    "东城区社区卫生服务中心",
];
pub(crate) const FEE_CATEGORIES: &[&str] =
    &["医保", "职工医保", "居民医保", "自费", "公费", "新农合"];
pub(crate) const ADULT_DEPTS_EXTRA: &[&str] = &["全科医学科", "急诊科"];

pub(crate) const TITLES: &[(&str, u32)] = &[
    ("resident", 30),
    ("attending", 35),
    ("associate_chief", 18),
    ("chief", 10),
    ("assistant", 7),
];

pub(crate) fn title_tier(title: &str) -> AbxTier {
    match title {
        "resident" | "assistant" => AbxTier::Nonrestricted,
        "attending" => AbxTier::Restricted,
        _ => AbxTier::Special,
    }
}

/// A clinical scenario: where it is seen, what it is called, which drugs treat it.
pub(crate) struct ScenarioDef {
    pub(crate) key: &'static str,
    pub(crate) depts: &'static [&'static str],
    pub(crate) diagnoses: &'static [(&'static str, Option<&'static str>)],
    /// Core drugs: by generic name, duplication class, or any antibiotic / systemic steroid.
    pub(crate) core_names: &'static [&'static str],
    pub(crate) core_classes: &'static [&'static str],
    pub(crate) core_abx: bool,
    pub(crate) core_steroid: bool,
    /// Controlled categories this scenario may prescribe (none elsewhere).
    pub(crate) ctrl: &'static [Controlled],
    pub(crate) addon_names: &'static [&'static str],
    pub(crate) addon_classes: &'static [&'static str],
    pub(crate) chronic: bool,
    pub(crate) herbal: bool,
    /// Weights for children, adults and the elderly.
    pub(crate) weight: [u32; 3],
}

pub(crate) const BASE: ScenarioDef = ScenarioDef {
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

pub(crate) const SCENARIOS: &[ScenarioDef] = &[
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
