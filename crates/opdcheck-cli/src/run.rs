//! The batch pipeline: a reader thread cuts the input into chunks of documents; each chunk is
//! checked in parallel (rayon), every worker turning its document into finished output text;
//! the results are written in input order before the next chunk. At most a few chunks are in
//! memory at once, whatever the size of the batch.

use std::cell::Cell;
use std::io::{self, Write};
use std::sync::mpsc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use opdcheck_engine::sheet::Sheet;
use opdcheck_engine::{Document, Engine, InputError, Lang, parse_document};
use rayon::prelude::*;

use crate::input::{Body, Source, Unit, Units, total_size};
use crate::render;

/// Documents per chunk.
pub const CHUNK: usize = 4096;

/// Chunks read ahead of the one being checked.
const READ_AHEAD: usize = 2;

/// Show a progress bar only for inputs at least this large (or of unknown size).
const PROGRESS_MIN_BYTES: u64 = 1 << 20;

/// The outcome of one input item.
pub enum Outcome<T> {
    Done(T),
    /// The bad-input message (`FILE:LINE[:COL]: at PATH: message`).
    Bad(String),
}

/// Parse and check one unit, then let `f` turn the result into output.
pub fn check_unit<T>(
    engine: &Engine,
    unit: &Unit,
    f: impl FnOnce(&Document, opdcheck_engine::Report) -> T,
) -> Outcome<T> {
    match &unit.body {
        Body::Text(text) => match parse_document(text) {
            Ok(doc) => match guarded(|| engine.check(&doc)) {
                Ok(report) => Outcome::Done(f(&doc, report)),
                Err(panic) => Outcome::Bad(format!(
                    "{}:{}: at the document root: internal error in the engine while checking this document (please report it): {panic}",
                    unit.file, unit.line
                )),
            },
            Err(e) => Outcome::Bad(unit.describe(Some(&unit.locate(e)))),
        },
        _ => Outcome::Bad(unit.describe(None::<&InputError>)),
    }
}

thread_local! {
    /// Set while a panic is caught and reported as a located error.
    static CAUGHT: Cell<bool> = const { Cell::new(false) };
}

/// Keep the default panic message for every panic but those [`guarded`] reports itself.
pub fn install_panic_hook() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !CAUGHT.with(Cell::get) {
            default(info);
        }
    }));
}

/// Run `f`; a panic (a bug in a rule) becomes its message, so one document cannot stop a
/// batch.
pub fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    CAUGHT.with(|c| c.set(true));
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    CAUGHT.with(|c| c.set(false));
    r.map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".into())
    })
}

/// Feeds chunks of units from a reader thread, with a progress bar on stderr.
pub struct Batch {
    /// Each chunk with the input bytes read up to its end.
    chunks: mpsc::Receiver<(Vec<Unit>, u64)>,
    pub progress: ProgressBar,
    /// Bytes read up to the end of the chunk being checked.
    position: u64,
    documents: u64,
}

impl Batch {
    pub fn start(sources: Vec<Source>) -> Batch {
        let progress = progress_bar(&sources);
        let units = Units::new(sources);
        let (tx, rx) = mpsc::sync_channel::<(Vec<Unit>, u64)>(READ_AHEAD);
        std::thread::spawn(move || {
            let mut units = units;
            loop {
                let chunk: Vec<Unit> = units.by_ref().take(CHUNK).collect();
                let bytes = units.bytes;
                if chunk.is_empty() || tx.send((chunk, bytes)).is_err() {
                    break;
                }
            }
        });
        Batch {
            chunks: rx,
            progress,
            position: 0,
            documents: 0,
        }
    }

    /// The next chunk, `None` at the end of the input.
    pub fn next_chunk(&mut self) -> Option<Vec<Unit>> {
        let (chunk, position) = self.chunks.recv().ok()?;
        self.documents += chunk.len() as u64;
        self.position = position;
        Some(chunk)
    }

    /// After a chunk is written.
    pub fn advance(&self) {
        self.progress.set_position(self.position);
        self.progress
            .set_message(format!("{} documents", self.documents));
    }

    /// A bad-input message on stderr (around the progress bar).
    pub fn warn(&self, message: &str) {
        self.progress.suspend(|| {
            let mut e = io::stderr().lock();
            let _ = writeln!(e, "{message}");
        });
    }

    pub fn finish(&self) {
        self.progress.finish_and_clear();
    }
}

fn progress_bar(sources: &[Source]) -> ProgressBar {
    let total = total_size(sources);
    if total.is_some_and(|t| t < PROGRESS_MIN_BYTES) {
        return ProgressBar::hidden();
    }
    // Hidden by indicatif itself when stderr is not a terminal (CI, pipes, files).
    let pb = ProgressBar::with_draw_target(total, ProgressDrawTarget::stderr());
    if pb.is_hidden() {
        return ProgressBar::hidden();
    }
    let template = if total.is_some() {
        "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} · {msg} · ETA {eta}"
    } else {
        "{spinner} [{elapsed_precise}] {bytes} read · {msg}"
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        pb.set_style(style);
    }
    pb.enable_steady_tick(Duration::from_millis(200));
    pb
}

/// How `check` prints reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckOutput {
    Text(Lang),
    Json,
    /// One FHIR OperationOutcome per input (`crate::fhir_in`).
    Fhir,
}

/// One report as `check` prints it (text or a JSON line).
fn report_text(
    output: CheckOutput,
    unit: &Unit,
    doc: &Document,
    report: &opdcheck_engine::Report,
) -> String {
    match output {
        CheckOutput::Text(lang) => {
            let place = format!("{}:{}", unit.file, unit.line);
            render::document(doc, report, lang, &place)
        }
        CheckOutput::Json | CheckOutput::Fhir => {
            let mut s = serde_json::to_string(report).expect("a report serializes to JSON");
            s.push('\n');
            s
        }
    }
}

/// What a check run saw.
pub type CheckTally = render::Tally;

/// A write to stdout failed: a closed pipe ends the run quietly; anything else is reported.
pub enum Stop {
    Pipe,
    Io(io::Error),
}

impl From<io::Error> for Stop {
    fn from(e: io::Error) -> Stop {
        if e.kind() == io::ErrorKind::BrokenPipe {
            Stop::Pipe
        } else {
            Stop::Io(e)
        }
    }
}

/// A FHIR input, or any input under `--format fhir` (`crate::fhir_in`); a panic is located.
fn fhir_results(
    engine: &Engine,
    unit: &Unit,
    fhir: Option<serde_json::Value>,
    output: CheckOutput,
) -> Vec<Outcome<(String, bool, Vec<String>)>> {
    let results = guarded(|| match &fhir {
        Some(value) => crate::fhir_in::check_fhir(
            engine,
            unit,
            value,
            output == CheckOutput::Fhir,
            |doc, report| report_text(output, unit, doc, report),
        ),
        None => crate::fhir_in::outcome_of_interchange(engine, unit),
    });
    match results {
        Ok(results) => results
            .into_iter()
            .map(|r| match r {
                Ok(done) => Outcome::Done(done),
                Err(message) => Outcome::Bad(message),
            })
            .collect(),
        Err(panic) => vec![Outcome::Bad(format!(
            "{}:{}: at the document root: internal error while checking this input (please report it): {panic}",
            unit.file, unit.line
        ))],
    }
}

/// `check`: every document's report on `out`, in input order; bad inputs on stderr.
pub fn check(
    engine: &Engine,
    sources: Vec<Source>,
    output: CheckOutput,
    strict: bool,
    out: &mut impl Write,
) -> Result<CheckTally, Stop> {
    let mut batch = Batch::start(sources);
    let mut tally = CheckTally::default();
    while let Some(chunk) = batch.next_chunk() {
        let results: Vec<Outcome<(String, bool, Vec<String>)>> = chunk
            .par_iter()
            .flat_map_iter(|unit| {
                // FHIR inputs and `--format fhir`: crate::fhir_in.
                let fhir = crate::fhir_in::fhir_value(unit);
                if fhir.is_some() || output == CheckOutput::Fhir {
                    return fhir_results(engine, unit, fhir, output);
                }
                vec![check_unit(engine, unit, |doc, report| {
                    // --strict: the fields the format does not define, one warning each.
                    let unknown = match (&unit.body, strict) {
                        (Body::Text(text), true) => {
                            opdcheck_engine::parse::unknown_fields(text, doc)
                                .into_iter()
                                .map(|p| {
                                    format!(
                                        "{}:{}: at {p}: unknown field (ignored)",
                                        unit.file, unit.line
                                    )
                                })
                                .collect()
                        }
                        _ => Vec::new(),
                    };
                    let text = report_text(output, unit, doc, &report);
                    (text, report.score.qualified, unknown)
                })]
            })
            .collect();
        for r in results {
            match r {
                Outcome::Done((text, qualified, unknown)) => {
                    if !unknown.is_empty() {
                        out.flush()?;
                        for w in &unknown {
                            batch.warn(w);
                        }
                    }
                    tally.documents += 1;
                    if qualified {
                        tally.qualified += 1;
                    } else {
                        tally.with_errors += 1;
                    }
                    out.write_all(text.as_bytes())?;
                }
                Outcome::Bad(message) => {
                    tally.bad_inputs += 1;
                    // Keep stdout and stderr in step for a reader watching both.
                    out.flush()?;
                    // Empty: already said on stdout (a FHIR input's OperationOutcome).
                    if !message.is_empty() {
                        batch.warn(&message);
                    }
                }
            }
        }
        out.flush()?;
        batch.advance();
    }
    batch.finish();
    if let CheckOutput::Text(lang) = output {
        out.write_all(render::summary(&tally, lang).as_bytes())?;
    }
    out.flush()?;
    Ok(tally)
}

/// `score`: the sheet of the batch, and how many inputs were bad.
pub fn score(engine: &Engine, sources: Vec<Source>) -> (Sheet, u64) {
    let mut batch = Batch::start(sources);
    let mut sheet = Sheet::new();
    let mut bad = 0u64;
    while let Some(chunk) = batch.next_chunk() {
        let (part, mut errors) = chunk
            .par_iter()
            .enumerate()
            .fold(
                || (Sheet::new(), Vec::new()),
                |(mut sheet, mut errors), (i, unit)| {
                    match check_unit(engine, unit, |doc, report| sheet.add(engine, doc, &report)) {
                        Outcome::Done(()) => {}
                        Outcome::Bad(m) => errors.push((i, m)),
                    }
                    (sheet, errors)
                },
            )
            .reduce(
                || (Sheet::new(), Vec::new()),
                |(mut a, mut ea), (b, eb)| {
                    a.merge(&b);
                    ea.extend(eb);
                    (a, ea)
                },
            );
        sheet.merge(&part);
        errors.sort_by_key(|(i, _)| *i);
        bad += errors.len() as u64;
        for (_, m) in errors {
            batch.warn(&m);
        }
        batch.advance();
    }
    batch.finish();
    (sheet, bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_while_checking_becomes_a_message() {
        install_panic_hook();
        assert_eq!(guarded(|| 7), Ok(7));
        let e = guarded(|| -> u8 { panic!("rule bug at {}", 3) }).unwrap_err();
        assert_eq!(e, "rule bug at 3");
        let e = guarded(|| -> u8 { panic!("plain") }).unwrap_err();
        assert_eq!(e, "plain");
    }
}
