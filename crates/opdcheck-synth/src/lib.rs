//! Synthetic outpatient documents, realistic and varied, deterministic for a seed: the one
//! generator behind `cargo xtask gen-batch` (and the CLI benchmark's batch), the server's demo
//! data (`opdcheck-server demo-data`) and its load tests.
//!
//! - Prescriptions ([`generate`], [`prescriptions`]): every drug comes from the engine's
//!   embedded formulary ([`Catalog::build`]): names are written the way they are in practice
//!   (generic name + dosage form, `注射用` before powders), strengths with their pack size, doses
//!   within the label maxima (per kg for children), with frequencies, days and dispensed
//!   quantities that agree. Prescriptions follow clinical scenarios (respiratory infection,
//!   hypertension, diabetes, pain, …) so diagnoses, departments and drugs fit together; a
//!   fraction ([`GenOptions::defect_rate`]) gets one or two typical defects (`defects.rs`).
//!   [`generate`] streams JSONL through a buffered writer: memory stays constant whatever the
//!   count.
//! - The demo's mix of every kind ([`demo`]): prescriptions, outpatient records, requests,
//!   report cards and visits missing their card, varied from clean templates over a period,
//!   for a fixed roster of departments and doctors.
//!
//! Code map: `catalog.rs` (formulary → products, herbs, departments and doctors),
//! `scenarios.rs` (clinical scenarios, header vocabulary), `people.rs` (names, ages, ids,
//! dates), `generator/` (one prescription: `mod.rs`; its patient, `patient.rs`; what goes wrong, `defects.rs`), `options.rs`,
//! `output.rs` (the serialised shape), `demo.rs` (the demo's documents).

mod catalog;
pub mod demo;
mod generator;
mod options;
mod output;
mod people;
mod scenarios;

use std::io::{self, Write};

pub use catalog::Catalog;
pub use people::person_name;

use generator::Gen;
pub use options::{GenOptions, GenStats};

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
    let mut stats = GenStats::default();
    let mut g = Gen {
        catalog,
        rng: fastrand::Rng::with_seed(opts.seed),
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

/// One generated prescription.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The document, in the interchange format.
    pub document: serde_json::Value,
    /// Whether defects were injected (it may still be qualified: some defects only warn).
    pub defective: bool,
}

/// The prescriptions [`generate`] writes, the same for a seed, as JSON values.
pub fn prescriptions<'c>(catalog: &'c Catalog, opts: &GenOptions) -> Prescriptions<'c> {
    Prescriptions {
        generator: Gen {
            catalog,
            rng: fastrand::Rng::with_seed(opts.seed),
        },
        opts: opts.clone(),
        n: 0,
    }
}

/// Iterator of [`prescriptions`].
pub struct Prescriptions<'c> {
    generator: Gen<'c>,
    opts: GenOptions,
    n: u64,
}

impl std::fmt::Debug for Prescriptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prescriptions")
            .field("opts", &self.opts)
            .field("n", &self.n)
            .finish()
    }
}

impl Iterator for Prescriptions<'_> {
    type Item = Generated;

    fn next(&mut self) -> Option<Generated> {
        if self.n >= self.opts.count {
            return None;
        }
        let (rx, defective) = self.generator.prescription(&self.opts, self.n);
        self.n += 1;
        Some(Generated {
            document: serde_json::to_value(&rx).unwrap_or_default(),
            defective,
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = usize::try_from(self.opts.count - self.n).unwrap_or(usize::MAX);
        (left, Some(left))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use opdcheck_engine::Engine;

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

    /// The iterator yields what `generate` writes.
    #[test]
    fn values_are_the_written_lines() {
        let (bytes, stats) = run(300, 11);
        let cat = Catalog::build(Engine::default_engine());
        let opts = GenOptions {
            count: 300,
            seed: 11,
            defect_rate: 0.25,
        };
        let values: Vec<Generated> = prescriptions(&cat, &opts).collect();
        assert_eq!(values.len(), 300);
        let text = String::from_utf8(bytes).unwrap();
        for (line, g) in text.lines().zip(&values) {
            let written: serde_json::Value = serde_json::from_str(line).unwrap();
            assert_eq!(written, g.document);
        }
        let defective = values.iter().filter(|g| g.defective).count() as u64;
        assert_eq!(defective, stats.defective);
    }
}
