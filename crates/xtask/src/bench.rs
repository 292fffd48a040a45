//! `bench-cli`, `bench-wasm` and `sizes`.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::workspace::{Result, root, run, show, target_dir};

/// CPU seconds (user + system) used so far by this process's waited-for children, from
/// `/proc/self/stat` (cutime, cstime); `None` off Linux.
fn children_cpu_secs() -> Option<f64> {
    let stat = fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may contain spaces.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // rest starts at field 3 (state); cutime and cstime are fields 16 and 17.
    let cutime: f64 = f.get(13)?.parse().ok()?;
    let cstime: f64 = f.get(14)?.parse().ok()?;
    let hz = clock_ticks();
    Some((cutime + cstime) / hz)
}

fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

struct Timed {
    wall: f64,
    cpu: Option<f64>,
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Run a command to completion; stdout to /dev/null unless captured.
fn timed(cmd: &mut Command, capture_stdout: bool) -> Result<Timed> {
    eprintln!("+ {}", show(cmd));
    let err_path = target_dir().join("bench").join("stderr.log");
    let err_file = File::create(&err_path).map_err(|e| e.to_string())?;
    let stdout = if capture_stdout {
        Stdio::piped()
    } else {
        Stdio::from(File::create("/dev/null").map_err(|e| e.to_string())?)
    };
    let cpu0 = children_cpu_secs();
    let start = Instant::now();
    let child = cmd
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(Stdio::from(err_file))
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", show(cmd)))?;
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    let wall = start.elapsed().as_secs_f64();
    let cpu = match (cpu0, children_cpu_secs()) {
        (Some(a), Some(b)) => Some(b - a),
        _ => None,
    };
    let mut stderr = String::new();
    File::open(&err_path)
        .and_then(|mut f| f.read_to_string(&mut stderr))
        .ok();
    Ok(Timed {
        wall,
        cpu,
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr,
    })
}

fn tail(s: &str, lines: usize) -> String {
    let v: Vec<&str> = s.lines().collect();
    v[v.len().saturating_sub(lines)..].join("\n")
}

fn npm_install(dir: &Path) -> Result {
    if dir.join("node_modules").is_dir() {
        return Ok(());
    }
    let mut cmd = Command::new("npm");
    if dir.join("package-lock.json").is_file() {
        cmd.arg("ci");
    } else {
        cmd.arg("install");
    }
    cmd.args(["--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(dir);
    run(&mut cmd)
}

pub struct CliOptions {
    pub count: u64,
    pub seed: u64,
    pub cli: Option<PathBuf>,
    pub runs: u32,
    pub regenerate: bool,
    pub skip_cli: bool,
}

/// The batch file for a count and seed: `target/bench/batch-N.jsonl` (seed 42) or
/// `batch-N-sS.jsonl`; generated when missing.
fn batch_file(count: u64, seed: u64, regenerate: bool) -> Result<PathBuf> {
    let name = if seed == 42 {
        format!("batch-{count}.jsonl")
    } else {
        format!("batch-{count}-s{seed}.jsonl")
    };
    let path = target_dir().join("bench").join(name);
    if path.is_file() && !regenerate {
        eprintln!("batch: reusing {}", path.display());
        return Ok(path);
    }
    let start = Instant::now();
    let catalog = opdcheck_synth::Catalog::build(opdcheck_engine::Engine::default_engine());
    let opts = opdcheck_synth::GenOptions {
        count,
        seed,
        defect_rate: 0.25,
    };
    let stats = crate::batch::write_to(&catalog, &opts, &path)
        .map_err(|e| format!("writing {}: {e}", path.display()))?;
    eprintln!(
        "batch: generated {} ({} records, {:.1} MB) in {:.1} s",
        path.display(),
        stats.records,
        stats.bytes as f64 / 1e6,
        start.elapsed().as_secs_f64()
    );
    Ok(path)
}

/// Read the whole file once so both tools start from a warm page cache.
fn warm(path: &Path) -> Result<u64> {
    let mut f = File::open(path).map_err(|e| e.to_string())?;
    let mut buf = vec![0u8; 1 << 20];
    let mut lines = 0u64;
    loop {
        let n = f.read(&mut buf).map_err(|e| e.to_string())?;
        if n == 0 {
            break;
        }
        lines += buf[..n].iter().filter(|&&b| b == b'\n').count() as u64;
    }
    Ok(lines)
}

struct Measure {
    wall: f64,
    cpu: Option<f64>,
}

impl Measure {
    fn rate(&self, records: u64) -> f64 {
        records as f64 / self.wall
    }
    fn cpu_text(&self) -> String {
        match self.cpu {
            Some(c) => format!("{c:.2} s CPU ({:.2} cores)", c / self.wall),
            None => "CPU n/a".into(),
        }
    }
}

pub fn bench_cli(o: &CliOptions) -> Result {
    let root = root();
    let file = batch_file(o.count, o.seed, o.regenerate)?;
    let records = warm(&file)?;
    let size = fs::metadata(&file).map(|m| m.len()).unwrap_or(0);

    // The CLI, built in release.
    let cli = if o.skip_cli {
        None
    } else if let Some(p) = &o.cli {
        Some(p.clone())
    } else {
        run(Command::new(env_or("CARGO", "cargo"))
            .args([
                "build",
                "-p",
                "opdcheck-cli",
                "--release",
                "--bin",
                "opdcheck",
            ])
            .current_dir(&root))?;
        Some(target_dir().join("release").join("opdcheck"))
    };

    let bench_dir = root.join("tests").join("bench");
    npm_install(&bench_dir)?;
    let script = bench_dir.join("ajv-validate.mjs");

    let mut best_cli: Option<Measure> = None;
    let mut best_ajv: Option<Measure> = None;
    let mut ajv_report = String::new();
    let mut cli_failure = None;
    for r in 0..o.runs {
        if let Some(cli) = &cli {
            let t = timed(
                Command::new(cli)
                    .args(["check", "--format", "json"])
                    .arg(&file),
                false,
            )?;
            // 0: every document qualified; 1: findings (the usual linter convention).
            if matches!(t.code, Some(0 | 1)) {
                eprintln!(
                    "  run {}: opdcheck {:.2} s (exit {:?})",
                    r + 1,
                    t.wall,
                    t.code
                );
                if best_cli.as_ref().is_none_or(|b| t.wall < b.wall) {
                    best_cli = Some(Measure {
                        wall: t.wall,
                        cpu: t.cpu,
                    });
                }
            } else {
                cli_failure = Some(format!(
                    "`opdcheck check --format json` exited with {:?} after {:.2} s:\n{}",
                    t.code,
                    t.wall,
                    tail(&t.stderr, 15)
                ));
            }
        }
        let t = timed(Command::new("node").arg(&script).arg(&file), true)?;
        if t.code != Some(0) {
            return Err(format!(
                "ajv-validate.mjs failed ({:?}):\n{}",
                t.code,
                tail(&t.stderr, 15)
            ));
        }
        eprintln!("  run {}: node+ajv {:.2} s", r + 1, t.wall);
        if best_ajv.as_ref().is_none_or(|b| t.wall < b.wall) {
            ajv_report = t.stdout.trim().to_string();
            best_ajv = Some(Measure {
                wall: t.wall,
                cpu: t.cpu,
            });
        }
    }

    println!();
    println!(
        "bench-cli: {} ({records} records, {:.1} MB), best of {} run(s), wall-clock time of the whole process",
        file.display(),
        size as f64 / 1e6,
        o.runs
    );
    let ajv = best_ajv.ok_or("no ajv run")?;
    if let Some(c) = &best_cli {
        println!(
            "  opdcheck check --format json : {:>10.0} records/s  ({:.2} s, {})",
            c.rate(records),
            c.wall,
            c.cpu_text()
        );
    }
    println!(
        "  node + ajv (schema only)     : {:>10.0} records/s  ({:.2} s, {})",
        ajv.rate(records),
        ajv.wall,
        ajv.cpu_text()
    );
    if !ajv_report.is_empty() {
        println!("  ajv script's own report      : {}", tail(&ajv_report, 1));
    }
    if let Some(c) = &best_cli {
        let ratio = c.rate(records) / ajv.rate(records);
        println!(
            "  ratio opdcheck / ajv         : {ratio:.2}×  (budget ≥ 2×: {})",
            if ratio >= 2.0 { "met" } else { "NOT met" }
        );
    }
    match cli_failure {
        Some(f) if best_cli.is_none() => Err(f),
        Some(f) => {
            eprintln!("warning: one CLI run failed: {f}");
            Ok(())
        }
        None => Ok(()),
    }
}

fn env_or(var: &str, default: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| default.to_string())
}

fn gzip9(bytes: &[u8]) -> usize {
    use flate2::{Compression, write::GzEncoder};
    let mut e = GzEncoder::new(Vec::new(), Compression::best());
    e.write_all(bytes).ok();
    e.finish().map(|v| v.len()).unwrap_or(0)
}

fn wasm_dir() -> PathBuf {
    target_dir().join("bench").join("wasm")
}

pub fn bench_wasm(ms: u32, skip_build: bool) -> Result {
    let root = root();
    let out = wasm_dir();
    if !skip_build {
        run(Command::new(env_or("CARGO", "cargo"))
            .args([
                "build",
                "-p",
                "opdcheck-widget",
                "--target",
                "wasm32-unknown-unknown",
                "--release",
            ])
            .current_dir(&root))?;
        let wasm = target_dir()
            .join("wasm32-unknown-unknown")
            .join("release")
            .join("opdcheck_widget.wasm");
        let bindgen = env_or("WASM_BINDGEN", "wasm-bindgen");
        if let Ok(o) = Command::new(&bindgen).arg("--version").output() {
            let v = String::from_utf8_lossy(&o.stdout);
            if !v.contains("0.2.130") {
                eprintln!(
                    "warning: {bindgen} is `{}`; the workspace pins wasm-bindgen 0.2.130",
                    v.trim()
                );
            }
        }
        fs::create_dir_all(&out).map_err(|e| e.to_string())?;
        run(Command::new(&bindgen)
            .args(["--target", "nodejs", "--out-dir"])
            .arg(&out)
            .arg(&wasm))?;
    }
    print_wasm_size()?;
    run(Command::new("node")
        .arg(root.join("tests").join("bench").join("wasm-bench.mjs"))
        .arg(out.join("opdcheck_widget.js"))
        .arg(format!("--ms={ms}"))
        .current_dir(&root))
}

fn print_wasm_size() -> Result {
    let module = wasm_dir().join("opdcheck_widget_bg.wasm");
    let bytes = fs::read(&module).map_err(|e| format!("{}: {e}", module.display()))?;
    let glue = fs::read(wasm_dir().join("opdcheck_widget.js")).unwrap_or_default();
    println!(
        "wasm module {}: {:.1} KB raw, {:.1} KB gzip -9 (JS glue: {:.1} KB raw, {:.1} KB gzip -9)",
        module.display(),
        bytes.len() as f64 / 1024.0,
        gzip9(&bytes) as f64 / 1024.0,
        glue.len() as f64 / 1024.0,
        gzip9(&glue) as f64 / 1024.0
    );
    Ok(())
}

pub fn sizes() -> Result {
    let data = root().join("crates").join("opdcheck-engine").join("data");
    let mut files: Vec<PathBuf> = fs::read_dir(&data)
        .map_err(|e| format!("{}: {e}", data.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let (mut raw, mut gz) = (0usize, 0usize);
    let mut all = Vec::new();
    println!("embedded data (gzip -9 of each file):");
    for f in &files {
        let b = fs::read(f).map_err(|e| e.to_string())?;
        let g = gzip9(&b);
        println!(
            "  {:<16} {:>8} B raw {:>8} B gzip",
            f.file_name().unwrap_or_default().to_string_lossy(),
            b.len(),
            g
        );
        raw += b.len();
        gz += g;
        all.extend_from_slice(&b);
    }
    println!(
        "  total            {raw:>8} B raw {gz:>8} B gzip ({:.1} KB; budget ≤ 60 KB: {}); all files in one stream: {:.1} KB",
        gz as f64 / 1024.0,
        if gz <= 60 * 1024 { "met" } else { "NOT met" },
        gzip9(&all) as f64 / 1024.0
    );
    if wasm_dir().join("opdcheck_widget_bg.wasm").is_file() {
        print_wasm_size()?;
    } else {
        println!("wasm module: not built (run `cargo xtask bench-wasm`)");
    }
    Ok(())
}
