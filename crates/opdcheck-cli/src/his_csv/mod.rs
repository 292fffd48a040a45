//! HIS CSV exports (`--csv FILE --mapping MAP.toml`, docs/his-csv.md): one row per drug line,
//! rows grouped into prescriptions by a column, each prescription turned into the interchange
//! JSON a `.json` input would hold, so the batch checks, reports and counts it as one.
//!
//! `mapping.rs` the TOML mapping, `decode.rs` UTF-8 / GBK, `rows.rs` rows to prescriptions,
//! `values.rs` one cell to its value.

mod decode;
mod mapping;
mod rows;
mod values;

use std::path::PathBuf;
use std::sync::Arc;

pub use mapping::Mapping;

use crate::input::{Body, Source, Unit};

/// The command line's CSV inputs (shared by `check` and `score`).
#[derive(clap::Args, Debug)]
pub struct CsvArgs {
    /// A HIS export (CSV: one row per drug line) to read with --mapping; may be repeated.
    #[arg(long = "csv", value_name = "FILE", requires = "mapping")]
    pub csv: Vec<PathBuf>,
    /// The TOML mapping of the export's columns to the document's fields (docs/his-csv.md).
    #[arg(long, value_name = "MAP.toml", requires = "csv")]
    pub mapping: Option<PathBuf>,
}

impl CsvArgs {
    /// One source per export, with the mapping read once; `Err`: the mapping's located error.
    pub fn sources(&self) -> Result<Vec<Source>, String> {
        let Some(path) = &self.mapping else {
            return Ok(Vec::new());
        };
        let name = path.display().to_string();
        let text = std::fs::read(path)
            .map_err(|e| format!("{name}: cannot read the mapping file: {e}"))?;
        let text = String::from_utf8(text)
            .map_err(|_| format!("{name}: 映射文件有误: the mapping file must be UTF-8 text"))?;
        let mapping = Arc::new(Mapping::parse(&name, &text)?);
        Ok(self
            .csv
            .iter()
            .map(|p| Source::HisCsv(p.clone(), mapping.clone()))
            .collect())
    }
}

/// An export's units, each with the file's bytes read up to its last row (the progress bar).
pub fn units(file: &Arc<str>, bytes: &[u8], mapping: &Mapping) -> Vec<(Unit, u64)> {
    let unit = |line, body| Unit {
        file: file.clone(),
        line,
        column: 1,
        element: None,
        body,
    };
    match rows::read(file, bytes, mapping) {
        Ok(entries) => entries
            .into_iter()
            .map(|(entry, end)| {
                let u = match entry {
                    rows::Entry::Document { line, json } => unit(line, Body::Text(json)),
                    rows::Entry::Refused { line, messages } => {
                        unit(line, Body::Message(messages.join("\n")))
                    }
                };
                (u, end)
            })
            .collect(),
        Err(message) => vec![(unit(1, Body::Message(message)), bytes.len() as u64)],
    }
}
