//! The output shape: the interchange format's prescription (`docs/format.md`), written
//! straight from borrowed catalog strings (no intermediate JSON tree).

use serde::{Serialize, Serializer};

/// A number written as an integer when it is whole (`30`, not `30.0`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Num(pub(crate) f64);

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
pub(crate) struct Qty<'a> {
    pub(crate) value: Num,
    pub(crate) unit: &'a str,
}

#[derive(Serialize, Clone, Debug)]
pub(crate) struct AgeOut {
    pub(crate) value: Num,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) unit: Option<&'static str>,
}

#[derive(Serialize, Clone, Debug, Default)]
pub(crate) struct PatientOut {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) sex: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) age: Option<AgeOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) birth_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) weight_kg: Option<Num>,
    pub(crate) record_no: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) id_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) guardian_name: Option<String>,
    pub(crate) allergy_history: &'static str,
    pub(crate) allergens: Vec<&'static str>,
}

#[derive(Serialize, Clone, Debug)]
pub(crate) struct ItemOut<'a> {
    pub(crate) drug: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) strength: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) dose: Option<Qty<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) route: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) frequency: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) days: Option<Num>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) quantity: Option<Qty<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) notes: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) over_label_reason: Option<&'static str>,
}

#[derive(Serialize, Clone, Debug)]
pub(crate) struct SignerOut<'a> {
    pub(crate) id: &'a str,
    pub(crate) name: &'a str,
    pub(crate) title: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) signed_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) signature_id: Option<&'a str>,
}

#[derive(Serialize, Clone, Debug)]
pub(crate) struct HerbalOut {
    pub(crate) doses: Num,
    pub(crate) usage: &'static str,
}

#[derive(Serialize, Debug)]
pub(crate) struct RxOut<'a> {
    pub(crate) kind: &'static str,
    pub(crate) id: String,
    pub(crate) visit_id: String,
    pub(crate) prescription_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) institution: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) fee_category: Option<&'static str>,
    pub(crate) patient: PatientOut,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) department: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) issued_at: Option<String>,
    pub(crate) diagnoses: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) diagnosis_codes: Vec<Option<&'static str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) diagnosis_note: Option<&'static str>,
    pub(crate) items: Vec<ItemOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) herbal: Option<HerbalOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) combination_reason: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) prescriber: Option<SignerOut<'a>>,
    pub(crate) amendments: [(); 0],
    pub(crate) completed: bool,
}
