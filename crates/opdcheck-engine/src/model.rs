//! The interchange format v1 (`docs/format.md`, `docs/schema/document.schema.json`): the public
//! contract.
//!
//! Fields are added freely and never renamed or retyped. Unknown fields are ignored. Text fields
//! are `Option<String>`: missing, `null`, `""` and whitespace-only all count as "not filled"
//! (see [`filled`]). Enumerations accept their documented English value and the usual Chinese
//! spelling, so a HIS export that writes `"男"` is understood.

use serde::{Deserialize, Serialize};

/// The text of a field when it is filled (trimmed), `None` when missing, null, empty or blank.
pub fn filled(field: &Option<String>) -> Option<&str> {
    field.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// A list or object that is missing or `null` is empty (HIS exports often write `null` for "none").
fn null_as_empty<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// The five kinds of input document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum DocKind {
    Prescription,
    OutpatientRecord,
    ExamRequest,
    InfectiousReport,
    Visit,
}

impl DocKind {
    pub const ALL: [DocKind; 5] = [
        DocKind::Prescription,
        DocKind::OutpatientRecord,
        DocKind::ExamRequest,
        DocKind::InfectiousReport,
        DocKind::Visit,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Prescription => "prescription",
            DocKind::OutpatientRecord => "outpatient_record",
            DocKind::ExamRequest => "exam_request",
            DocKind::InfectiousReport => "infectious_report",
            DocKind::Visit => "visit",
        }
    }

    pub fn from_name(name: &str) -> Option<DocKind> {
        DocKind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    pub fn zh(self) -> &'static str {
        match self {
            DocKind::Prescription => "处方",
            DocKind::OutpatientRecord => "门诊病历",
            DocKind::ExamRequest => "检查/检验申请单",
            DocKind::InfectiousReport => "传染病报告卡",
            DocKind::Visit => "就诊",
        }
    }
}

/// Any document of the interchange format.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Document {
    Prescription(Prescription),
    OutpatientRecord(OutpatientRecord),
    ExamRequest(ExamRequest),
    InfectiousReport(InfectiousReport),
    Visit(Visit),
}

impl Document {
    pub fn kind(&self) -> DocKind {
        match self {
            Document::Prescription(_) => DocKind::Prescription,
            Document::OutpatientRecord(_) => DocKind::OutpatientRecord,
            Document::ExamRequest(_) => DocKind::ExamRequest,
            Document::InfectiousReport(_) => DocKind::InfectiousReport,
            Document::Visit(_) => DocKind::Visit,
        }
    }

    pub fn id(&self) -> &str {
        match self {
            Document::Prescription(d) => &d.id,
            Document::OutpatientRecord(d) => &d.id,
            Document::ExamRequest(d) => &d.id,
            Document::InfectiousReport(d) => &d.id,
            Document::Visit(d) => d.id.as_deref().or(d.visit_id.as_deref()).unwrap_or(""),
        }
    }

    pub fn visit_id(&self) -> Option<&str> {
        match self {
            Document::Prescription(d) => d.visit_id.as_deref(),
            Document::OutpatientRecord(d) => d.visit_id.as_deref(),
            Document::ExamRequest(d) => d.visit_id.as_deref(),
            Document::InfectiousReport(d) => d.visit_id.as_deref(),
            Document::Visit(d) => d.visit_id.as_deref(),
        }
    }

    /// The department the document belongs to (a visit: its record's, else its first document's).
    pub fn department(&self) -> Option<&str> {
        match self {
            Document::Prescription(d) => filled(&d.department),
            Document::OutpatientRecord(d) => filled(&d.department),
            Document::ExamRequest(d) => filled(&d.department),
            // A card names the reporting unit (the hospital), not a department.
            Document::InfectiousReport(d) => filled(&d.department),
            Document::Visit(v) => v
                .record
                .as_ref()
                .and_then(|r| filled(&r.department))
                .or_else(|| v.prescriptions.iter().find_map(|p| filled(&p.department))),
        }
    }

    /// The responsible doctor (prescriber, physician or reporting physician): id, else name.
    pub fn doctor(&self) -> Option<&str> {
        let signer = match self {
            Document::Prescription(d) => d.prescriber.as_ref(),
            Document::OutpatientRecord(d) => d.physician.as_ref(),
            Document::ExamRequest(d) => d.physician.as_ref(),
            Document::InfectiousReport(d) => d.reporting_physician.as_ref(),
            Document::Visit(v) => v
                .record
                .as_ref()
                .and_then(|r| r.physician.as_ref())
                .or_else(|| v.prescriptions.iter().find_map(|p| p.prescriber.as_ref())),
        }?;
        filled(&signer.id).or_else(|| filled(&signer.name))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
// The schema lists the aliases too: what the engine accepts.
#[cfg_attr(feature = "schema", schemars(extend("enum" = ["male", "男", "M", "m", "female", "女", "F", "f", "unknown", "未知"])))]
pub enum Sex {
    #[serde(alias = "男", alias = "M", alias = "m")]
    Male,
    #[serde(alias = "女", alias = "F", alias = "f")]
    Female,
    #[serde(alias = "未知")]
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
// The schema lists the aliases too: what the engine accepts.
#[cfg_attr(feature = "schema", schemars(extend("enum" = ["day", "天", "日", "days", "d", "month", "月", "个月", "months", "year", "岁", "年", "years", "y"])))]
pub enum AgeUnit {
    #[serde(alias = "天", alias = "日", alias = "days", alias = "d")]
    Day,
    #[serde(alias = "月", alias = "个月", alias = "months")]
    Month,
    #[serde(alias = "岁", alias = "年", alias = "years", alias = "y")]
    Year,
}

/// `{"value": 3, "unit": "month"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct Age {
    pub value: Option<f64>,
    pub unit: Option<AgeUnit>,
}

/// `{"value": 0.5, "unit": "g"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct Quantity {
    pub value: Option<f64>,
    pub unit: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
// The schema lists the aliases too: what the engine accepts.
#[cfg_attr(feature = "schema", schemars(extend("enum" = ["resident", "住院医师", "attending", "主治医师", "associate_chief", "副主任医师", "chief", "主任医师", "assistant", "执业助理医师"])))]
pub enum Title {
    #[serde(alias = "住院医师")]
    Resident,
    #[serde(alias = "主治医师")]
    Attending,
    #[serde(alias = "副主任医师")]
    AssociateChief,
    #[serde(alias = "主任医师")]
    Chief,
    #[serde(alias = "执业助理医师")]
    Assistant,
}

/// A person who signs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct Signer {
    pub id: Option<String>,
    pub name: Option<String>,
    pub signed_at: Option<String>,
    pub signature_id: Option<String>,
    pub title: Option<Title>,
}

impl Signer {
    /// Signed: a name or id and a signature (signature id or signing time).
    pub fn is_signed(&self) -> bool {
        (filled(&self.name).is_some() || filled(&self.id).is_some())
            && (filled(&self.signature_id).is_some() || filled(&self.signed_at).is_some())
    }
}

/// A doctor's reason for a finding kept on the document (issue 15): a choice from the policy's
/// pick list for the rule (`alerts.reasons`) and/or free text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct AlertReason {
    /// The rule code, as the finding gives it (`RX-19`).
    #[serde(default)]
    pub rule: String,
    /// The finding's path; absent, the reason covers every finding of the rule.
    pub path: Option<String>,
    /// The pick list's key (`clinical_need`, `other` …).
    pub choice: Option<String>,
    /// The doctor's own words.
    pub text: Option<String>,
    /// Who gave it (the signer's id) and when (`YYYY-MM-DDTHH:MM`).
    pub by: Option<String>,
    pub at: Option<String>,
}

/// A signed, dated correction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct Amendment {
    pub path: Option<String>,
    #[cfg_attr(feature = "ts", ts(type = "unknown", optional))]
    pub before: Option<serde_json::Value>,
    #[cfg_attr(feature = "ts", ts(type = "unknown", optional))]
    pub after: Option<serde_json::Value>,
    pub by: Option<String>,
    pub at: Option<String>,
    /// Why it was corrected, in the corrector's words (更正原因): what QA reads to judge a
    /// correction after signing.
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct Patient {
    pub name: Option<String>,
    pub sex: Option<Sex>,
    pub age: Option<Age>,
    pub birth_date: Option<String>,
    pub weight_kg: Option<f64>,
    pub record_no: Option<String>,
    pub id_number: Option<String>,
    pub ethnicity: Option<String>,
    pub marital_status: Option<String>,
    pub occupation: Option<String>,
    pub employer: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub guardian_name: Option<String>,
    pub allergy_history: Option<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<Vec<String>>"))]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<String>>", optional = nullable))]
    pub allergens: Vec<String>,
    /// 病人属于 (infectious report card).
    pub residence_scope: Option<String>,
    /// 现住址 (infectious report card).
    pub current_address: Option<String>,
    /// 人群分类 (infectious report card).
    pub population_group: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
// The schema lists the aliases too: what the engine accepts.
#[cfg_attr(feature = "schema", schemars(extend("enum" = ["general", "普通", "emergency", "急诊", "pediatric", "儿科", "narcotic_psych1", "麻、精一", "麻精一", "psych2", "精二"])))]
pub enum PrescriptionType {
    #[serde(alias = "普通")]
    General,
    #[serde(alias = "急诊")]
    Emergency,
    #[serde(alias = "儿科")]
    Pediatric,
    #[serde(alias = "麻、精一", alias = "麻精一")]
    NarcoticPsych1,
    #[serde(alias = "精二")]
    Psych2,
}

/// One drug (or, on a 中药饮片 prescription, one herb).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct RxItem {
    pub drug: Option<String>,
    pub strength: Option<String>,
    pub dose: Option<Quantity>,
    pub route: Option<String>,
    pub frequency: Option<String>,
    pub days: Option<f64>,
    pub quantity: Option<Quantity>,
    pub notes: Option<String>,
    pub over_label_reason: Option<String>,
}

/// `{"doses": 7, "usage": "水煎服，每日1剂，早晚分服"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct Herbal {
    pub doses: Option<f64>,
    pub usage: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct Prescription {
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<String>", optional))]
    pub id: String,
    pub visit_id: Option<String>,
    pub prescription_type: Option<PrescriptionType>,
    pub institution: Option<String>,
    pub fee_category: Option<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<Patient>"))]
    #[cfg_attr(feature = "ts", ts(as = "Option<Patient>", optional = nullable))]
    pub patient: Patient,
    pub department: Option<String>,
    pub issued_at: Option<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<Vec<String>>"))]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<String>>", optional = nullable))]
    pub diagnoses: Vec<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<Vec<Option<String>>>"))]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<Option<String>>>", optional = nullable))]
    pub diagnosis_codes: Vec<Option<String>>,
    pub diagnosis_note: Option<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<Vec<RxItem>>"))]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<RxItem>>", optional = nullable))]
    pub items: Vec<RxItem>,
    pub herbal: Option<Herbal>,
    pub combination_reason: Option<String>,
    pub prescriber: Option<Signer>,
    pub second_signature: Option<Signer>,
    #[serde(default, deserialize_with = "null_as_empty")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<Vec<Amendment>>"))]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<Amendment>>", optional = nullable))]
    pub amendments: Vec<Amendment>,
    pub completed: Option<bool>,
    /// The doctor's reasons for findings they keep (为何保留该提示): one per rule, or per
    /// finding with `path`. Shown to QA in the review and counted on the alert-quality page; an
    /// error the policy lets a reason accept is no longer an error once its reason is given.
    #[serde(default, deserialize_with = "null_as_empty")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<Vec<AlertReason>>"))]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<AlertReason>>", optional = nullable))]
    pub reasons: Vec<AlertReason>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
// The schema lists the aliases too: what the engine accepts.
#[cfg_attr(feature = "schema", schemars(extend("enum" = ["initial", "初诊", "follow_up", "复诊", "emergency", "急诊"])))]
pub enum VisitType {
    #[serde(alias = "初诊")]
    Initial,
    #[serde(alias = "复诊")]
    FollowUp,
    #[serde(alias = "急诊")]
    Emergency,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ConsentTopic {
    Transfusion,
    InvasiveProcedure,
    SpecialExam,
    SpecialTreatment,
    ExpensiveOrSelfPaidDrug,
}

impl ConsentTopic {
    pub fn zh(self) -> &'static str {
        match self {
            ConsentTopic::Transfusion => "输血",
            ConsentTopic::InvasiveProcedure => "有创诊疗",
            ConsentTopic::SpecialExam => "特殊检查",
            ConsentTopic::SpecialTreatment => "特殊治疗",
            ConsentTopic::ExpensiveOrSelfPaidDrug => "贵重/自费药品",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            ConsentTopic::Transfusion => "transfusion",
            ConsentTopic::InvasiveProcedure => "invasive procedure",
            ConsentTopic::SpecialExam => "special examination",
            ConsentTopic::SpecialTreatment => "special treatment",
            ConsentTopic::ExpensiveOrSelfPaidDrug => "expensive or self-paid drug",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct Consent {
    pub topic: Option<ConsentTopic>,
    pub signed_by: Option<String>,
    pub at: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    Reported,
    NotRequired,
    Pending,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct OutpatientRecord {
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<String>", optional))]
    pub id: String,
    pub visit_id: Option<String>,
    pub visit_type: Option<VisitType>,
    pub visit_at: Option<String>,
    pub department: Option<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<Patient>"))]
    #[cfg_attr(feature = "ts", ts(as = "Option<Patient>", optional = nullable))]
    pub patient: Patient,
    pub chief_complaint: Option<String>,
    pub present_illness: Option<String>,
    pub past_history: Option<String>,
    pub positive_signs: Option<String>,
    pub negative_signs: Option<String>,
    pub physical_exam: Option<String>,
    pub condition_change: Option<String>,
    pub auxiliary_results: Option<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<Vec<String>>"))]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<String>>", optional = nullable))]
    pub diagnoses: Vec<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<Vec<Option<String>>>"))]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<Option<String>>>", optional = nullable))]
    pub diagnosis_codes: Vec<Option<String>>,
    pub treatment_plan: Option<String>,
    pub physician: Option<Signer>,
    #[serde(default, deserialize_with = "null_as_empty")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<Vec<Consent>>"))]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<Consent>>", optional = nullable))]
    pub consents: Vec<Consent>,
    #[serde(default, deserialize_with = "null_as_empty")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<Vec<ConsentTopic>>"))]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<ConsentTopic>>", optional = nullable))]
    pub planned: Vec<ConsentTopic>,
    pub infectious_report_status: Option<ReportStatus>,
    /// Extension (optional): a consultation or referral requested at this visit (HX-01).
    pub consultation: Option<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<Vec<Amendment>>"))]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<Amendment>>", optional = nullable))]
    pub amendments: Vec<Amendment>,
    /// The doctor's reasons for findings they keep (为何保留该提示): one per rule, or per
    /// finding with `path`. Shown to QA in the review and counted on the alert-quality page; an
    /// error the policy lets a reason accept is no longer an error once its reason is given.
    #[serde(default, deserialize_with = "null_as_empty")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<Vec<AlertReason>>"))]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<AlertReason>>", optional = nullable))]
    pub reasons: Vec<AlertReason>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ExamCategory {
    Lab,
    Imaging,
    Ultrasound,
    Ecg,
    Endoscopy,
    Pathology,
    Other,
}

impl ExamCategory {
    pub fn as_str(self) -> &'static str {
        match self {
            ExamCategory::Lab => "lab",
            ExamCategory::Imaging => "imaging",
            ExamCategory::Ultrasound => "ultrasound",
            ExamCategory::Ecg => "ecg",
            ExamCategory::Endoscopy => "endoscopy",
            ExamCategory::Pathology => "pathology",
            ExamCategory::Other => "other",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
// The schema lists the aliases too: what the engine accepts.
#[cfg_attr(feature = "schema", schemars(extend("enum" = ["routine", "urgent", "急!", "急！", "critical", "危!", "危！"])))]
pub enum Priority {
    Routine,
    #[serde(alias = "急!", alias = "急！")]
    Urgent,
    #[serde(alias = "危!", alias = "危！")]
    Critical,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum PatientCondition {
    Stable,
    Serious,
    Critical,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct ExamRequest {
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<String>", optional))]
    pub id: String,
    pub visit_id: Option<String>,
    pub category: Option<ExamCategory>,
    #[serde(default, deserialize_with = "null_as_empty")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<Vec<String>>"))]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<String>>", optional = nullable))]
    pub items: Vec<String>,
    pub body_site: Option<String>,
    pub specimen: Option<String>,
    pub clinical_summary: Option<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<Vec<String>>"))]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<String>>", optional = nullable))]
    pub diagnoses: Vec<String>,
    pub priority: Option<Priority>,
    pub visit_type: Option<VisitType>,
    pub patient_condition: Option<PatientCondition>,
    pub contrast: Option<bool>,
    pub consent: Option<Signer>,
    pub requested_at: Option<String>,
    pub department: Option<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<Patient>"))]
    #[cfg_attr(feature = "ts", ts(as = "Option<Patient>", optional = nullable))]
    pub patient: Patient,
    pub physician: Option<Signer>,
    /// The doctor's reasons for findings they keep (为何保留该提示): one per rule, or per
    /// finding with `path`. Shown to QA in the review and counted on the alert-quality page; an
    /// error the policy lets a reason accept is no longer an error once its reason is given.
    #[serde(default, deserialize_with = "null_as_empty")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<Vec<AlertReason>>"))]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<AlertReason>>", optional = nullable))]
    pub reasons: Vec<AlertReason>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
// The schema lists the aliases too: what the engine accepts.
#[cfg_attr(feature = "schema", schemars(extend("enum" = ["suspected", "疑似", "clinical", "临床诊断", "confirmed", "确诊", "carrier", "病原携带者"])))]
pub enum CaseClass {
    #[serde(alias = "疑似")]
    Suspected,
    #[serde(alias = "临床诊断")]
    Clinical,
    #[serde(alias = "确诊")]
    Confirmed,
    #[serde(alias = "病原携带者")]
    Carrier,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
// The schema lists the aliases too: what the engine accepts.
#[cfg_attr(feature = "schema", schemars(extend("enum" = ["acute", "急性", "chronic", "慢性", "unclassified", "未分类"])))]
pub enum AcuteOrChronic {
    #[serde(alias = "急性")]
    Acute,
    #[serde(alias = "慢性")]
    Chronic,
    #[serde(alias = "未分类")]
    Unclassified,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
// The schema lists the aliases too: what the engine accepts.
#[cfg_attr(feature = "schema", schemars(extend("enum" = ["initial", "初次报告", "correction", "订正报告"])))]
pub enum ReportType {
    #[serde(alias = "初次报告")]
    Initial,
    #[serde(alias = "订正报告")]
    Correction,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct InfectiousReport {
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<String>", optional))]
    pub id: String,
    pub visit_id: Option<String>,
    pub report_type: Option<ReportType>,
    pub disease: Option<String>,
    pub disease_subtype: Option<String>,
    pub case_class: Option<CaseClass>,
    pub acute_or_chronic: Option<AcuteOrChronic>,
    #[serde(default, deserialize_with = "null_as_empty")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<Patient>"))]
    #[cfg_attr(feature = "ts", ts(as = "Option<Patient>", optional = nullable))]
    pub patient: Patient,
    pub onset_date: Option<String>,
    pub diagnosed_at: Option<String>,
    pub death_date: Option<String>,
    pub reported_at: Option<String>,
    pub reporting_physician: Option<Signer>,
    pub reporting_unit: Option<String>,
    pub filled_at: Option<String>,
    /// Extension (optional): the reporting physician's department (科室), for score sheets.
    pub department: Option<String>,
    /// The doctor's reasons for findings they keep (为何保留该提示): one per rule, or per
    /// finding with `path`. Shown to QA in the review and counted on the alert-quality page; an
    /// error the policy lets a reason accept is no longer an error once its reason is given.
    #[serde(default, deserialize_with = "null_as_empty")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<Vec<AlertReason>>"))]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<AlertReason>>", optional = nullable))]
    pub reasons: Vec<AlertReason>,
}

/// All documents of one visit, for the cross-document checks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct Visit {
    /// Optional: a visit is identified by its `visit_id`.
    pub id: Option<String>,
    pub visit_id: Option<String>,
    #[cfg_attr(feature = "ts", ts(as = "Option<crate::model::in_visit::VisitRecord>", optional = nullable))]
    pub record: Option<OutpatientRecord>,
    #[serde(default, deserialize_with = "null_as_empty")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<Vec<Prescription>>"))]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<crate::model::in_visit::VisitPrescription>>", optional = nullable))]
    pub prescriptions: Vec<Prescription>,
    #[serde(default, deserialize_with = "null_as_empty")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<Vec<ExamRequest>>"))]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<crate::model::in_visit::VisitExamRequest>>", optional = nullable))]
    pub exam_requests: Vec<ExamRequest>,
    #[serde(default, deserialize_with = "null_as_empty")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<Vec<InfectiousReport>>"))]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<crate::model::in_visit::VisitInfectiousReport>>", optional = nullable))]
    pub infectious_reports: Vec<InfectiousReport>,
}

/// A document inside a visit.
#[derive(Debug, Clone, Copy)]
pub enum Nested<'a> {
    Record(&'a OutpatientRecord),
    Prescription(&'a Prescription),
    ExamRequest(&'a ExamRequest),
    InfectiousReport(&'a InfectiousReport),
}

impl<'a> Nested<'a> {
    pub fn kind(self) -> DocKind {
        match self {
            Nested::Record(_) => DocKind::OutpatientRecord,
            Nested::Prescription(_) => DocKind::Prescription,
            Nested::ExamRequest(_) => DocKind::ExamRequest,
            Nested::InfectiousReport(_) => DocKind::InfectiousReport,
        }
    }

    pub fn id(self) -> &'a str {
        match self {
            Nested::Record(d) => &d.id,
            Nested::Prescription(d) => &d.id,
            Nested::ExamRequest(d) => &d.id,
            Nested::InfectiousReport(d) => &d.id,
        }
    }
}

impl Visit {
    /// The visit's documents in report order — the record, the prescriptions, the requests,
    /// the report cards — each with its path in the visit (`record`, `prescriptions[0]` …).
    pub fn nested(&self) -> Vec<(String, Nested<'_>)> {
        let mut out = Vec::with_capacity(
            1 + self.prescriptions.len() + self.exam_requests.len() + self.infectious_reports.len(),
        );
        if let Some(r) = &self.record {
            out.push(("record".to_string(), Nested::Record(r)));
        }
        out.extend(
            self.prescriptions
                .iter()
                .enumerate()
                .map(|(i, d)| (format!("prescriptions[{i}]"), Nested::Prescription(d))),
        );
        out.extend(
            self.exam_requests
                .iter()
                .enumerate()
                .map(|(i, d)| (format!("exam_requests[{i}]"), Nested::ExamRequest(d))),
        );
        out.extend(self.infectious_reports.iter().enumerate().map(|(i, d)| {
            (
                format!("infectious_reports[{i}]"),
                Nested::InfectiousReport(d),
            )
        }));
        out
    }
}

/// TypeScript-only names of the documents inside a visit (feature `ts`, see `crate::ts`); here
/// beside the model whose `Visit` fields name them.
#[cfg(feature = "ts")]
pub mod in_visit {
    use ts_rs::{Config, TS};

    use super::{ExamRequest, InfectiousReport, OutpatientRecord, Prescription};

    /// TS-only names of the documents inside a visit: each may carry its own `kind` (the engine
    /// ignores it), `Prescription & { kind?: "prescription" }`.
    macro_rules! in_visit {
        ($($name:ident = $ty:ident, $kind:literal;)*) => {$(
            #[doc = concat!("A `", stringify!($ty), "` inside a visit (TypeScript only).")]
            pub struct $name;
            impl TS for $name {
                type WithoutGenerics = Self;
                type OptionInnerType = Self;
                fn name(cfg: &Config) -> String {
                    format!("{} & {{ kind?: \"{}\" }}", <$ty as TS>::name(cfg), $kind)
                }
                fn inline(cfg: &Config) -> String {
                    Self::name(cfg)
                }
            }
        )*};
    }

    in_visit! {
        VisitRecord = OutpatientRecord, "outpatient_record";
        VisitPrescription = Prescription, "prescription";
        VisitExamRequest = ExamRequest, "exam_request";
        VisitInfectiousReport = InfectiousReport, "infectious_report";
    }
}
