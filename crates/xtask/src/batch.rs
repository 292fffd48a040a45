//! `gen-batch`: synthetic prescriptions as JSONL, from the workspace's one generator
//! (`opdcheck-synth`: realistic and varied, deterministic for a seed, streaming). This is the
//! command's glue: options, output file or standard output, the figures it prints.

use std::path::Path;
use std::time::Instant;

use opdcheck_synth::{Catalog, GenOptions, GenStats, generate};

use crate::workspace::Result;
use crate::workspace::write_atomically;

/// Write `count` prescriptions to `out` (`-`: standard output) and say what was written.
pub fn gen_batch(count: u64, seed: u64, defect_rate: f64, out: &Path) -> Result {
    let start = Instant::now();
    let catalog = Catalog::build(opdcheck_engine::Engine::default_engine());
    let opts = GenOptions {
        count,
        seed,
        defect_rate: defect_rate.clamp(0.0, 1.0),
    };
    let stats = if out.as_os_str() == "-" {
        generate(&catalog, &opts, std::io::stdout().lock())
    } else {
        write_to(&catalog, &opts, out)
    }
    .map_err(|e| format!("writing {}: {e}", out.display()))?;
    let secs = start.elapsed().as_secs_f64();
    eprintln!(
        "gen-batch: {} prescriptions ({} with defects, {:.1}%), {} items, {:.1} MB in {:.2} s ({:.0} records/s); seed {seed}; {}",
        stats.records,
        stats.defective,
        100.0 * stats.defective as f64 / stats.records.max(1) as f64,
        stats.items,
        stats.bytes as f64 / 1e6,
        secs,
        stats.records as f64 / secs,
        catalog.summary()
    );
    Ok(())
}

/// Generate into `path`, replaced only once complete.
pub fn write_to(catalog: &Catalog, opts: &GenOptions, path: &Path) -> std::io::Result<GenStats> {
    write_atomically(path, |f| generate(catalog, opts, f))
}
