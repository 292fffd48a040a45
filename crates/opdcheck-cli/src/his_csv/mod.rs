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

pub use rows::Entry;

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

/// An export's prescriptions (or refusals), in order, each with the file's bytes read up to
/// its last row (the progress bar). A file that is unusable as a whole (no header, a mapped
/// column missing) is one refusal.
pub fn prescriptions(
    file: &str,
    bytes: &[u8],
    mapping: &Arc<Mapping>,
) -> Box<dyn Iterator<Item = (Entry, u64)> + Send> {
    match rows::read(file, bytes, mapping.clone()) {
        Ok(export) => Box::new(export),
        Err(message) => Box::new(std::iter::once((
            Entry::Refused {
                line: 1,
                messages: vec![message],
            },
            bytes.len() as u64,
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{Body, Source, Units};

    /// The progress bar follows the rows: the bytes read grow with each prescription handed
    /// on, up to the file's size at the last.
    #[test]
    fn the_bytes_read_follow_the_prescriptions() {
        let dir = std::env::temp_dir().join(format!("opdcheck-his-units-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("e.csv");
        let mut text = String::from("处方号,药品\n");
        for i in 0..50 {
            text.push_str(&format!("P{i},阿莫西林胶囊\nP{i},盐酸氨溴索片\n"));
        }
        std::fs::write(&path, &text).unwrap();
        let mapping =
            Mapping::parse("m.toml", "group_by = \"处方号\"\n[item]\ndrug = \"药品\"\n").unwrap();
        let mut units = Units::new(vec![Source::HisCsv(path.clone(), Arc::new(mapping))]);
        let mut seen = Vec::new();
        while let Some(u) = units.next() {
            assert!(matches!(u.body, Body::Text(_)), "{u:?}");
            seen.push(units.bytes);
        }
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(seen.len(), 50);
        assert!(seen.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
        assert!(seen[0] < text.len() as u64 / 10);
        assert_eq!(seen.last().copied(), Some(text.len() as u64));
    }
}
