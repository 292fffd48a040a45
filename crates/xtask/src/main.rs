//! Project tasks, run as `cargo xtask <cmd>` (alias of `cargo run -p xtask --`):
//!
//! - `test`: everything CI runs (format, lints, native tests, wasm32 build, the engine's wasm32
//!   tests under Node, the web app's end-to-end test in Chromium), installing what it needs
//!   (wasm-bindgen-cli, trunk, tests/e2e's npm packages, chromium) when missing.
//! - `run [--port P]`: build the web app and opdcheck-server, serve the app on 127.0.0.1 until
//!   Ctrl-C. `run --cli`: the CLI on the shipped sample batch instead.
//! - `gen-batch --count N [--seed S] [--defect-rate R] --out FILE`: N synthetic prescriptions as
//!   JSONL (the generator is the `opdcheck-synth` crate; [`batch`] is the command). `--out -`
//!   writes to standard output.
//! - `bench-cli [--count N]`: opdcheck's CLI against Node + ajv on the same batch (records/s,
//!   ratio; budget: opdcheck ≥ 2× ajv).
//! - `bench-wasm`: builds the wasm module and times each document kind under Node.
//! - `sizes`: gzip -9 sizes of the embedded data and of the wasm module.
//! - `bench-app-size`, `bench-latency`, `bench-load`: the web app in Chromium: download size,
//!   keystroke-to-paint latency, load to interactive (scripts in tests/e2e).
//!
//! Figures and how they were measured: docs/benchmarks.md.

mod batch;
mod bench;
mod cycles;
mod tasks;
mod workspace;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "xtask",
    about = "opdcheck project tasks: data generation and benchmarks"
)]
struct Args {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Everything CI runs: format, lints, native tests, wasm32 build and wasm32 tests.
    Test,
    /// Fail when a crate's top-level modules import each other in a cycle (also a test).
    Cycles,
    /// Build the web app and opdcheck-server; serve the app on 127.0.0.1 until Ctrl-C.
    Run {
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Instead: build the CLI, check samples/batch.jsonl and print its score sheet.
        #[arg(long)]
        cli: bool,
    },
    /// Fill the run command's store (./data, SQLite) with generated demo records, so the QA
    /// workspace has dashboards with something in them (`opdcheck-server demo-data`).
    DemoData {
        /// Months back from this one the records spread over.
        #[arg(long, default_value_t = 3)]
        months: u32,
        /// How many records.
        #[arg(long, default_value_t = 5000)]
        records: u32,
    },
    /// Build the embeddable widget into dist/widget/<version>/ (lean wasm, wasm-opt, JS, types),
    /// its npm tarball, and print the script tag's subresource-integrity hash.
    Widget,
    /// Build the one file to deploy: the release opdcheck-server with the app, the QA workspace
    /// and the widget built into it (docs/deploying.md).
    Release,
    /// Run the end-to-end tests only: the app's (app.e2e.mjs, sync.e2e.mjs, policy.e2e.mjs …) and the widget's
    /// (widget.e2e.mjs on the demo portal, widget-cli.e2e.mjs against the CLI).
    E2e {
        /// Use dist/ and the server binary as last built.
        #[arg(long)]
        skip_build: bool,
    },
    /// The widget in Chromium: gzip -9 size of what it downloads (budget 150 KB) and init() to
    /// first report over cold loads (budget 50 ms).
    BenchWidget {
        #[arg(long)]
        skip_build: bool,
        /// Cold loads to time.
        #[arg(long, default_value_t = 15)]
        runs: u32,
    },
    /// gzip -9 size of every file the app downloads on load, against the 350 KB budget.
    BenchAppSize {
        #[arg(long)]
        skip_build: bool,
    },
    /// Keystroke to painted warning in Chromium: median, p95, max, the app's own work and the
    /// share painted in the first frame.
    BenchLatency {
        #[arg(long)]
        skip_build: bool,
        #[arg(long, default_value_t = 200)]
        keystrokes: u32,
        /// CPU slowdown (CDP Emulation.setCPUThrottlingRate): 4 stands in for an old PC.
        #[arg(long, default_value_t = 1)]
        throttle: u32,
    },
    /// Cold loads: navigation start to the first finding painted, and a key typed as soon as
    /// the form shows to its finding painted.
    BenchLoad {
        #[arg(long)]
        skip_build: bool,
        #[arg(long, default_value_t = 5)]
        runs: u32,
        /// CPU slowdown (CDP Emulation.setCPUThrottlingRate): 4 stands in for an old PC.
        #[arg(long, default_value_t = 1)]
        throttle: u32,
    },
    /// Write N synthetic prescriptions as JSONL (deterministic for a seed).
    GenBatch {
        #[arg(long)]
        count: u64,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Share of prescriptions with one or two typical defects.
        #[arg(long, default_value_t = 0.25)]
        defect_rate: f64,
        /// Output file; `-` for standard output.
        #[arg(long)]
        out: PathBuf,
    },
    /// Time `opdcheck check --format json` against Node + ajv (schema only) on one batch.
    BenchCli {
        #[arg(long, default_value_t = 1_000_000)]
        count: u64,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Use this opdcheck binary instead of building the workspace's CLI.
        #[arg(long)]
        cli: Option<PathBuf>,
        /// Runs of each tool; the best (fastest) run is reported.
        #[arg(long, default_value_t = 1)]
        runs: u32,
        /// Generate the batch again even when it exists.
        #[arg(long)]
        regenerate: bool,
        /// Only measure ajv (e.g. while the CLI has no `check` yet).
        #[arg(long)]
        skip_cli: bool,
    },
    /// Build the wasm module (release) and time each document kind under Node.
    BenchWasm {
        /// Milliseconds each measurement runs for (per kind and operation).
        #[arg(long, default_value_t = 1000)]
        ms: u32,
        /// Use the module already in target/bench/wasm.
        #[arg(long)]
        skip_build: bool,
    },
    /// gzip -9 sizes of the embedded data (crates/opdcheck-engine/data/*.json) and of the
    /// wasm module when it has been built.
    Sizes,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let result = match args.cmd {
        Cmd::Test => tasks::test(),
        Cmd::Run { port, cli } => tasks::run(port, cli),
        Cmd::DemoData { months, records } => tasks::demo_data(months, records),
        Cmd::Widget => tasks::build_widget().map(|out| eprintln!("widget: {}", out.display())),
        Cmd::Release => tasks::build_app_and_server().map(|server| {
            let size = std::fs::metadata(&server).map(|m| m.len()).unwrap_or(0);
            eprintln!(
                "\nrelease: {} ({:.1} MB), the app, the QA workspace and the widget inside; \
                 copy it alone to the server (docs/deploying.md)",
                server.display(),
                size as f64 / 1e6
            );
        }),
        Cmd::E2e { skip_build } => if skip_build {
            tasks::built_app_and_server()
        } else {
            tasks::build_app_and_server()
        }
        .and_then(|server| tasks::e2e(&server)),
        Cmd::BenchWidget { skip_build, runs } => browser(
            "bench-widget.mjs",
            skip_build,
            &["--runs".into(), runs.to_string()],
        ),
        Cmd::BenchAppSize { skip_build } => browser("bench-app-size.mjs", skip_build, &[]),
        Cmd::BenchLatency {
            skip_build,
            keystrokes,
            throttle,
        } => browser(
            "bench-latency.mjs",
            skip_build,
            &[
                "--keystrokes".into(),
                keystrokes.to_string(),
                "--throttle".into(),
                throttle.to_string(),
            ],
        ),
        Cmd::BenchLoad {
            skip_build,
            runs,
            throttle,
        } => browser(
            "bench-load.mjs",
            skip_build,
            &[
                "--runs".into(),
                runs.max(1).to_string(),
                "--throttle".into(),
                throttle.to_string(),
            ],
        ),
        Cmd::GenBatch {
            count,
            seed,
            defect_rate,
            out,
        } => batch::gen_batch(count, seed, defect_rate, &out),
        Cmd::BenchCli {
            count,
            seed,
            cli,
            runs,
            regenerate,
            skip_cli,
        } => bench::bench_cli(&bench::CliOptions {
            count,
            seed,
            cli,
            runs: runs.max(1),
            regenerate,
            skip_cli,
        }),
        Cmd::BenchWasm { ms, skip_build } => bench::bench_wasm(ms, skip_build),
        Cmd::Sizes => bench::sizes(),
        Cmd::Cycles => cycles::run(&Path::new(env!("CARGO_MANIFEST_DIR")).join("..")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

use workspace::Result;

/// A tests/e2e script against the release app and server (built first unless `skip_build`).
fn browser(script: &str, skip_build: bool, args: &[String]) -> Result {
    let server = if skip_build {
        tasks::built_app_and_server()?
    } else {
        tasks::build_app_and_server()?
    };
    tasks::node_e2e(script, &server, args)
}
