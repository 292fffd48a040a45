//! `opdcheck`: check and score batches of outpatient documents, print the rule catalog.

mod his_csv;
mod input;
mod render;
mod rules_cmd;
mod run;
mod score_out;

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use opdcheck_engine::{Engine, Lang};

use input::{Source, format_error};
use run::{CheckOutput, Stop};

/// Exit status: no error finding.
const OK: u8 = 0;
/// Exit status: some document has an error finding (`check`).
const FINDINGS: u8 = 1;
/// Exit status: bad input or usage.
const BAD_INPUT: u8 = 2;

#[derive(Parser)]
#[command(
    name = "opdcheck",
    version,
    about = "Check Chinese outpatient documents (处方, 门诊病历, 申请单, 传染病报告卡) against the quality assessment rules",
    long_about = None,
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check documents and print each one's findings.
    #[command(after_help = CHECK_AFTER_HELP)]
    Check(CheckArgs),
    /// Score a batch: pass rates, deductions and rule hits by kind, department and doctor.
    #[command(after_help = SCORE_AFTER_HELP)]
    Score(ScoreArgs),
    /// Print the rule catalog, or one rule's full doc.
    Rules(RulesArgs),
}

/// The CSV inputs, in both commands' after-help (a macro: `concat!` takes literals only).
macro_rules! his_csv_help {
    () => {
        "HIS CSV exports:
  --csv FILE --mapping MAP.toml   one row per drug line, grouped into prescriptions by the
         mapping's `group_by` column; UTF-8 (with or without BOM) or GBK. The mapping names the
         export's columns (docs/his-csv.md; example: samples/his-mapping.toml). A row that
         cannot be read is reported as `FILE:LINE: 列「…」: …` and refuses its prescription;
         the others are still checked."
    };
}

const CHECK_AFTER_HELP: &str = concat!(
    "Output:
  text   each document with its qualified badge and deduction, each finding with severity,
         rule, item, field path, message, clause and hint; then a summary line
  json   one report per line (JSON Lines), in input order, as docs/format.md describes it.
         A bad input prints nothing on stdout (only its error on stderr), so there may be
         fewer lines than input documents: match reports by `document.id`.

Exit status: 0 no error finding, 1 some document has an error finding, 2 bad input or usage.

",
    "Inputs:
  FILE.json    one document, or an array of documents (read whole)
  FILE.jsonl   JSON Lines: one document per line, blank lines skipped (any other extension too)
  -            JSON Lines on standard input

A bad input (malformed JSON, a value of the wrong type, an unknown kind, an empty file, a
missing file …) is reported on stderr as `FILE:LINE[:COL]: at PATH: message`; the other
documents of the batch are still checked.

",
    his_csv_help!()
);

const SCORE_AFTER_HELP: &str = concat!(
    "A visit counts each of its documents under the document's kind, and once more as a
`visit` with its own cross-document findings (a missing record, a missed report).
Penalties: each started percentage point below a pass-rate target costs penalty_per_point
(rounded up: 94.2% against 95% is 1 point); each missed report costs penalty_per_missed_case.

Exit status: 0, or 2 for bad input or usage (bad inputs are not counted in the sheet).

",
    "Inputs:
  FILE.json    one document, or an array of documents (read whole)
  FILE.jsonl   JSON Lines: one document per line, blank lines skipped (any other extension too)
  -            JSON Lines on standard input

",
    his_csv_help!()
);

#[derive(Args)]
struct CheckArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    format: CheckFormat,
    /// Language of the text report.
    #[arg(long, value_enum, default_value_t = LangArg::Zh)]
    lang: LangArg,
    /// A policy file overriding the default policy (deep merge).
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Also list, on stderr, the fields the interchange format does not define (they are
    /// accepted and ignored either way; the exit status does not change).
    #[arg(long)]
    strict: bool,
    /// Input files (.json, .jsonl) or `-` for JSON Lines on stdin.
    #[arg(required_unless_present = "csv", value_name = "PATH")]
    paths: Vec<PathBuf>,
    #[command(flatten)]
    his: his_csv::CsvArgs,
}

#[derive(Args)]
struct ScoreArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = ScoreFormat::Text)]
    format: ScoreFormat,
    /// Language of the text sheet.
    #[arg(long, value_enum, default_value_t = LangArg::Zh)]
    lang: LangArg,
    /// A policy file overriding the default policy (deep merge).
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Input files (.json, .jsonl) or `-` for JSON Lines on stdin.
    #[arg(required_unless_present = "csv", value_name = "PATH")]
    paths: Vec<PathBuf>,
    #[command(flatten)]
    his: his_csv::CsvArgs,
}

#[derive(Args)]
struct RulesArgs {
    /// A rule code (e.g. RX-08): print its full doc.
    code: Option<String>,
    /// Language of the text table.
    #[arg(long, value_enum, default_value_t = LangArg::Zh)]
    lang: LangArg,
    /// Output format.
    #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
    format: RulesFormat,
}

#[derive(Clone, Copy, ValueEnum)]
enum CheckFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum ScoreFormat {
    Text,
    Json,
    Csv,
}

#[derive(Clone, Copy, ValueEnum)]
enum RulesFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Clone, Copy, ValueEnum)]
enum LangArg {
    Zh,
    En,
}

impl From<LangArg> for Lang {
    fn from(l: LangArg) -> Lang {
        match l {
            LangArg::Zh => Lang::Zh,
            LangArg::En => Lang::En,
        }
    }
}

// Checking allocates many small strings per document; mimalloc handles that load better than
// the system allocator (see docs/benchmarks.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    run::install_panic_hook();
    ExitCode::from(match cli.command {
        Command::Check(a) => check(a),
        Command::Score(a) => score(a),
        Command::Rules(a) => rules(a),
    })
}

fn error(message: &str) {
    let _ = writeln!(io::stderr().lock(), "{message}");
}

/// The engine: the default one, or the default policy overridden by a policy file.
fn load_engine(policy: Option<&Path>) -> Result<std::borrow::Cow<'static, Engine>, u8> {
    let Some(path) = policy else {
        return Ok(std::borrow::Cow::Borrowed(Engine::default_engine()));
    };
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        error(&format!("{name}: cannot read the policy file: {e}"));
        BAD_INPUT
    })?;
    Engine::with_policy_override(&text)
        .map(std::borrow::Cow::Owned)
        .map_err(|e| {
            error(&policy_error(&name, &e.0));
            BAD_INPUT
        })
}

/// `FILE[:LINE[:COL]]: [at PATH: ]message` for a policy file.
fn policy_error(file: &str, e: &opdcheck_engine::InputError) -> String {
    let located = format_error(file, e);
    if e.path.is_empty() {
        located.replacen(": at the document root", "", 1)
    } else {
        located
    }
}

/// The inputs: the paths, then the HIS CSV exports; `Err`: a bad mapping, reported.
fn sources(paths: &[PathBuf], his: &his_csv::CsvArgs) -> Result<Vec<Source>, u8> {
    let mut sources: Vec<Source> = paths.iter().map(|p| Source::from_arg(p)).collect();
    match his.exports() {
        Ok(csv) => sources.extend(csv.into_iter().map(|(p, m)| Source::HisCsv(p, m))),
        Err(message) => {
            error(&message);
            return Err(BAD_INPUT);
        }
    }
    Ok(sources)
}

fn write_failed(e: io::Error) -> u8 {
    error(&format!("opdcheck: cannot write the output: {e}"));
    BAD_INPUT
}

fn check(a: CheckArgs) -> u8 {
    let engine = match load_engine(a.policy.as_deref()) {
        Ok(e) => e,
        Err(code) => return code,
    };
    let output = match a.format {
        CheckFormat::Text => CheckOutput::Text(a.lang.into()),
        CheckFormat::Json => CheckOutput::Json,
    };
    let sources = match sources(&a.paths, &a.his) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    match run::check(&engine, sources, output, a.strict, &mut out) {
        Ok(t) if t.bad_inputs > 0 => BAD_INPUT,
        Ok(t) if t.with_errors > 0 => FINDINGS,
        Ok(_) => OK,
        // The reader went away (`| head`): stop quietly.
        Err(Stop::Pipe) => OK,
        Err(Stop::Io(e)) => write_failed(e),
    }
}

fn score(a: ScoreArgs) -> u8 {
    let engine = match load_engine(a.policy.as_deref()) {
        Ok(e) => e,
        Err(code) => return code,
    };
    let sources = match sources(&a.paths, &a.his) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let (sheet, bad) = run::score(&engine, sources);
    let text = match a.format {
        ScoreFormat::Text => score_out::text(&engine, &sheet, bad, a.lang.into()),
        ScoreFormat::Json => score_out::json(&engine, &sheet, bad),
        ScoreFormat::Csv => score_out::csv(&engine, &sheet),
    };
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
        Err(e) => return write_failed(e),
    }
    if bad > 0 { BAD_INPUT } else { OK }
}

fn rules(a: RulesArgs) -> u8 {
    let text = match &a.code {
        None => match a.format {
            RulesFormat::Text => rules_cmd::text_list(a.lang.into()),
            RulesFormat::Json => rules_cmd::json_list(),
            RulesFormat::Markdown => rules_cmd::markdown_list(),
        },
        Some(code) => {
            let Some(r) = opdcheck_engine::rules::rule(code.trim()) else {
                error(&format!(
                    "opdcheck: unknown rule `{code}`: `opdcheck rules` lists the {} rule codes (RX-01 … HX-01)",
                    opdcheck_engine::rules::RULES.len()
                ));
                return BAD_INPUT;
            };
            match a.format {
                RulesFormat::Text | RulesFormat::Markdown => rules_cmd::markdown_one(r),
                RulesFormat::Json => rules_cmd::json_one(r),
            }
        }
    };
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => OK,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => OK,
        Err(e) => write_failed(e),
    }
}
