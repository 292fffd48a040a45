//! HIS CSV exports (`--csv FILE --mapping MAP.toml`, docs/his-csv.md): one row per drug line,
//! rows grouped into prescriptions by a column, each prescription turned into the interchange
//! JSON a `.json` input would hold, so the batch checks, reports and counts it as one.
//!
//! `mapping.rs` the TOML mapping, `decode.rs` UTF-8 / GBK, `rows.rs` rows grouped into prescriptions,
//! `prescription.rs` one prescription's JSON from its rows, `values.rs` one cell to its value.

mod decode;
mod mapping;
mod prescription;
mod rows;
mod values;

use std::path::PathBuf;
use std::sync::Arc;

pub use mapping::Mapping;

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
    /// Each export with the mapping, read once; `Err`: the mapping's located error.
    pub fn exports(&self) -> Result<Vec<(PathBuf, Arc<Mapping>)>, String> {
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
            .map(|p| (p.clone(), mapping.clone()))
            .collect())
    }
}

/// What one prescription of an export gave: its JSON, or why it was refused (located).
pub enum Read {
    Document(String),
    Refused(String),
}

/// An export's prescriptions: the line of the first row, what it gave, and the file's bytes
/// read up to its last row (the progress bar).
pub fn read(
    file: &Arc<str>,
    bytes: &[u8],
    mapping: &Arc<Mapping>,
) -> Box<dyn Iterator<Item = (usize, Read, u64)> + Send> {
    match rows::read(file, bytes, mapping.clone()) {
        Ok(export) => Box::new(export.map(|(entry, end)| match entry {
            rows::Entry::Document { line, json } => (line, Read::Document(json), end),
            rows::Entry::Refused { line, messages } => {
                (line, Read::Refused(messages.join("\n")), end)
            }
        })),
        Err(message) => Box::new(std::iter::once((
            1,
            Read::Refused(message),
            bytes.len() as u64,
        ))),
    }
}
