//! The mapping file (TOML): which column of a HIS export holds which field of the interchange
//! format (docs/his-csv.md). Unknown keys are refused, so a misspelt key is an error at its line
//! rather than a column silently left unread.

use serde::Deserialize;

/// How a cell is read into the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Read {
    /// Text as written (trimmed).
    Text,
    /// One of an enumeration's values (English or the usual Chinese spelling).
    Choice,
    /// A date-time, normalised to `YYYY-MM-DDTHH:MM` when its form is known.
    DateTime,
    /// A date, normalised to `YYYY-MM-DD` when its form is known.
    Date,
    /// A number (a trailing unit word such as 天 or kg is allowed).
    Number,
    /// A list split at the mapping's `list_separators`.
    List,
    /// An age: `45岁`, `3个月`, `1岁3个月`, or a number with the `age_unit` column.
    Age,
    /// A quantity: `0.5g`, `18粒`, or a number with the `<field>_unit` column.
    Quantity,
    /// The unit of the quantity (or age) named: used only beside a plain number.
    UnitOf(&'static str),
}

/// One section of columns: a struct of optional column headers, and the list of those given.
macro_rules! section {
    ($(#[$doc:meta])* $name:ident { $($field:ident: $read:expr),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Default, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $(pub $field: Option<String>,)*
        }

        impl $name {
            /// `(field, column header, how it is read)` of every mapped field.
            pub fn columns(&self) -> Vec<(&'static str, &str, Read)> {
                let mut v = Vec::new();
                $(if let Some(h) = &self.$field {
                    v.push((stringify!($field), h.as_str(), $read));
                })*
                v
            }
        }
    };
}

section!(
    /// `[patient]`: the prescription's `patient`.
    PatientColumns {
        name: Read::Text,
        sex: Read::Choice,
        age: Read::Age,
        age_unit: Read::UnitOf("age"),
        birth_date: Read::Date,
        weight_kg: Read::Number,
        record_no: Read::Text,
        id_number: Read::Text,
        phone: Read::Text,
        address: Read::Text,
        guardian_name: Read::Text,
        allergy_history: Read::Text,
        allergens: Read::List,
    }
);

section!(
    /// `[prescription]`: the prescription's own fields (its header, 前记).
    PrescriptionColumns {
        id: Read::Text,
        visit_id: Read::Text,
        prescription_type: Read::Choice,
        institution: Read::Text,
        fee_category: Read::Text,
        department: Read::Text,
        issued_at: Read::DateTime,
        diagnoses: Read::List,
        diagnosis_codes: Read::List,
        diagnosis_note: Read::Text,
        combination_reason: Read::Text,
    }
);

section!(
    /// `[prescriber]`: who signed the prescription.
    PrescriberColumns {
        id: Read::Text,
        name: Read::Text,
        title: Read::Choice,
        signed_at: Read::DateTime,
        signature_id: Read::Text,
    }
);

section!(
    /// `[item]`: one drug line per row.
    ItemColumns {
        drug: Read::Text,
        strength: Read::Text,
        dose: Read::Quantity,
        dose_unit: Read::UnitOf("dose"),
        route: Read::Text,
        frequency: Read::Text,
        days: Read::Number,
        quantity: Read::Quantity,
        quantity_unit: Read::UnitOf("quantity"),
        notes: Read::Text,
        over_label_reason: Read::Text,
    }
);

/// `[constants]`: values the export does not hold, the same for every prescription.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Constants {
    pub institution: Option<String>,
    pub fee_category: Option<String>,
    pub department: Option<String>,
    pub prescription_type: Option<String>,
    /// The export holds closed prescriptions only (the electronic end mark).
    pub completed: Option<bool>,
}

impl Constants {
    /// `(field, value)` of the text constants given.
    pub fn texts(&self) -> Vec<(&'static str, &str)> {
        [
            ("institution", &self.institution),
            ("fee_category", &self.fee_category),
            ("department", &self.department),
            ("prescription_type", &self.prescription_type),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_deref().map(|v| (k, v)))
        .collect()
    }
}

/// The export's text encoding.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub enum Encoding {
    #[serde(rename = "utf-8", alias = "utf8", alias = "UTF-8")]
    Utf8,
    /// GBK, read by the GB18030 decoder (a superset).
    #[serde(rename = "gbk", alias = "GBK", alias = "gb18030", alias = "GB18030")]
    Gbk,
    /// UTF-8 when the file is valid UTF-8 (or has a BOM), else GBK.
    #[default]
    #[serde(rename = "auto")]
    Auto,
}

/// A whole mapping file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    #[serde(default)]
    pub encoding: Encoding,
    /// The field separator: one ASCII character (`,` by default; `\t`, `;`, `|` …).
    #[serde(default = "default_delimiter")]
    pub delimiter: String,
    /// The column whose value groups rows into prescriptions (the prescription number).
    pub group_by: String,
    /// chrono strftime forms of the export's date-times, tried before the built-in ones.
    #[serde(default)]
    pub datetime_formats: Vec<String>,
    /// chrono strftime forms of the export's dates, tried before the built-in ones.
    #[serde(default)]
    pub date_formats: Vec<String>,
    /// Any of these characters separates a list cell's entries (diagnoses, allergens).
    #[serde(default = "default_list_separators")]
    pub list_separators: String,
    #[serde(default)]
    pub constants: Constants,
    #[serde(default)]
    pub patient: PatientColumns,
    #[serde(default)]
    pub prescription: PrescriptionColumns,
    #[serde(default)]
    pub prescriber: PrescriberColumns,
    pub item: ItemColumns,
}

fn default_delimiter() -> String {
    ",".into()
}

fn default_list_separators() -> String {
    "；;".into()
}

/// Where a mapped column's value goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Patient,
    Prescription,
    Prescriber,
    Item,
}

/// A mapped column: its header, the field it fills and how.
#[derive(Debug, Clone)]
pub struct Column {
    pub level: Level,
    pub field: &'static str,
    pub header: String,
    pub read: Read,
}

impl Mapping {
    /// Read a mapping file's text; `name` is the file as named on the command line.
    pub fn parse(name: &str, text: &str) -> Result<Mapping, String> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mapping: Mapping = toml::from_str(text).map_err(|e| {
            let place = match e.span() {
                Some(span) => {
                    let before = text.get(..span.start).unwrap_or(text);
                    let line = before.matches('\n').count() + 1;
                    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                    format!("{name}:{line}:{column}")
                }
                None => name.to_string(),
            };
            format!(
                "{place}: 映射文件有误: {} (see docs/his-csv.md)",
                e.message().trim_end()
            )
        })?;
        mapping
            .validate()
            .map_err(|m| format!("{name}: 映射文件有误: {m}"))?;
        Ok(mapping)
    }

    fn validate(&self) -> Result<(), String> {
        if self.delimiter.len() != 1 || !self.delimiter.is_ascii() {
            return Err(format!(
                "`delimiter` must be one ASCII character, not 「{}」",
                self.delimiter
            ));
        }
        if self.group_by.trim().is_empty() {
            return Err("`group_by` names no column".into());
        }
        for c in self.columns() {
            if c.header.trim().is_empty() {
                return Err(format!("the column of `{}` is empty", c.field));
            }
        }
        for (field, _) in self.constants.texts() {
            if self
                .columns()
                .iter()
                .any(|c| c.level == Level::Prescription && c.field == field)
            {
                return Err(format!(
                    "`{field}` is both a column ([prescription]) and a constant ([constants]): keep one"
                ));
            }
        }
        if let Some(t) = &self.constants.prescription_type {
            super::values::choice("prescription_type", t)
                .map_err(|m| format!("[constants] prescription_type: {m}"))?;
        }
        if self.item.drug.is_none() {
            return Err("[item] must map `drug` (the drug name column)".into());
        }
        Ok(())
    }

    pub fn delimiter_byte(&self) -> u8 {
        self.delimiter.as_bytes().first().copied().unwrap_or(b',')
    }

    /// Every mapped column, in the order of the sections.
    pub fn columns(&self) -> Vec<Column> {
        let mut v = Vec::new();
        let mut add = |level, cols: Vec<(&'static str, &str, Read)>| {
            for (field, header, read) in cols {
                v.push(Column {
                    level,
                    field,
                    header: header.trim().to_string(),
                    read,
                });
            }
        };
        add(Level::Patient, self.patient.columns());
        add(Level::Prescription, self.prescription.columns());
        add(Level::Prescriber, self.prescriber.columns());
        add(Level::Item, self.item.columns());
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = "group_by = \"处方号\"\n[item]\ndrug = \"药品名称\"\n";

    #[test]
    fn a_minimal_mapping_reads_with_defaults() {
        let m = Mapping::parse("m.toml", MINIMAL).unwrap();
        assert_eq!(m.encoding, Encoding::Auto);
        assert_eq!(m.delimiter_byte(), b',');
        assert_eq!(m.columns().len(), 1);
        assert_eq!(m.columns()[0].level, Level::Item);
        assert_eq!(m.columns()[0].field, "drug");
    }

    #[test]
    fn unknown_keys_are_refused_at_their_line() {
        let text = format!("{MINIMAL}dosage = \"单次剂量\"\n");
        let e = Mapping::parse("m.toml", &text).unwrap_err();
        assert!(e.starts_with("m.toml:4:1: 映射文件有误:"), "{e}");
        assert!(e.contains("dosage"), "{e}");
        let e = Mapping::parse(
            "m.toml",
            "group_by = \"处方号\"\ncharset = \"gbk\"\n[item]\ndrug=\"x\"",
        )
        .unwrap_err();
        assert!(e.starts_with("m.toml:2:1:"), "{e}");
    }

    proptest::proptest! {
        /// Never a panic, whatever the mapping file holds.
        #[test]
        fn any_text_is_a_mapping_or_an_error(text in "(\\PC|\n|=|\\[|\\]|\"){0,80}") {
            let _ = Mapping::parse("m.toml", &format!("{MINIMAL}{text}"));
            let _ = Mapping::parse("m.toml", &text);
        }
    }

    #[test]
    fn bad_values_are_refused() {
        let e = Mapping::parse("m.toml", &format!("encoding = \"latin1\"\n{MINIMAL}")).unwrap_err();
        assert!(e.starts_with("m.toml:1:"), "{e}");
        let e = Mapping::parse("m.toml", &format!("delimiter = \"，\"\n{MINIMAL}")).unwrap_err();
        assert!(e.contains("delimiter"), "{e}");
        let e = Mapping::parse("m.toml", "[item]\ndrug = \"药品名称\"\n").unwrap_err();
        assert!(e.contains("group_by"), "{e}");
        let e = Mapping::parse(
            "m.toml",
            &format!("{MINIMAL}[prescription]\ninstitution = \"机构\"\n[constants]\ninstitution = \"医院\"\n"),
        )
        .unwrap_err();
        assert!(e.contains("both a column"), "{e}");
    }
}
