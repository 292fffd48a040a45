//! `test` (everything CI runs), `run` (the product: the web app, served) and the browser
//! tooling both share: Chromium, Trunk, the npm packages of tests/e2e.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::workspace::Result;
use crate::workspace::{root, target_dir};

/// The wasm-bindgen version the workspace pins (`wasm-bindgen = "=0.2.130"`): the CLI tools
/// must be the same version.
const WASM_BINDGEN: &str = "0.2.130";
/// The Trunk release that builds the app (Trunk.toml, www/index.html).
const TRUNK: &str = "0.21.14";
/// Debian's Chromium, which Playwright (playwright-core, no browser download) drives.
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// Debian's chromedriver, for wasm-bindgen-test's browser runs.
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// A CJK font: without one Chromium draws the app's Chinese as boxes in screenshots.
const CJK_FONT: &str = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";
/// The schemathesis release the property-based API test was written for: its CLI changed a lot
/// between major versions (v4: `--seed`, `--max-time`, `--phases`).
const SCHEMATHESIS: &str = "4.32.5";

fn cargo() -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(root());
    c
}

fn step(name: &str, cmd: &mut Command) -> Result {
    eprintln!("\n== {name}");
    crate::workspace::run(cmd)
}

fn has_tool(tool: &str, version: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .ok()
        .is_some_and(|o| String::from_utf8_lossy(&o.stdout).contains(version))
}

/// Install wasm-bindgen-cli (wasm-bindgen, wasm-bindgen-test-runner) at the pinned version
/// unless it is there already.
pub fn ensure_wasm_bindgen() -> Result {
    if has_tool("wasm-bindgen-test-runner", WASM_BINDGEN) && has_tool("wasm-bindgen", WASM_BINDGEN)
    {
        return Ok(());
    }
    step(
        "install wasm-bindgen-cli",
        cargo().args([
            "install",
            "wasm-bindgen-cli",
            "--version",
            WASM_BINDGEN,
            // Not --locked: the registry here lacks one of its locked dependencies.
        ]),
    )
}

/// The wasm32 target of the pinned toolchain (rust-toolchain.toml names it; rustup may not
/// have added it to an already installed toolchain).
fn ensure_wasm_target() -> Result {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .current_dir(root())
        .output()
        .ok()
        .is_some_and(|o| String::from_utf8_lossy(&o.stdout).contains("wasm32-unknown-unknown"));
    if installed {
        return Ok(());
    }
    let mut add = Command::new("rustup");
    add.args(["target", "add", "wasm32-unknown-unknown"])
        .current_dir(root());
    step("add the wasm32 target", &mut add)
}

/// Format, lints, native tests, the wasm32 build and the engine's wasm32 tests under Node.
pub fn test() -> Result {
    ensure_wasm_target()?;
    step("format", cargo().args(["fmt", "--all", "--check"]))?;
    step(
        "lints",
        cargo().args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    step("native tests", cargo().args(["test", "--workspace"]))?;
    let schemathesis = ensure_schemathesis()?;
    step(
        "property-based API test (schemathesis against the generated OpenAPI document)",
        cargo()
            .args([
                "test",
                "-p",
                "opdcheck-server",
                "--test",
                "schemathesis",
                "--",
                "--ignored",
                "--nocapture",
            ])
            .env("SCHEMATHESIS", &schemathesis),
    )?;
    step(
        "wasm32 build",
        cargo().args([
            "build",
            "-p",
            "opdcheck-engine",
            "-p",
            "opdcheck-widget",
            "-p",
            "opdcheck-app",
            "-p",
            "opdcheck-qa",
            "-p",
            "opdcheck-web",
            "--target",
            "wasm32-unknown-unknown",
        ]),
    )?;
    if !has_tool("node", "v") {
        return Err("Node.js is needed for the wasm32 tests (`node` not found)".into());
    }
    ensure_wasm_bindgen()?;
    // Not `cargo test -q`: wasm-bindgen-test-runner rejects the `--quiet` cargo passes on.
    step(
        "wasm32 tests (Node)",
        cargo()
            .env(
                "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
                "wasm-bindgen-test-runner",
            )
            .args([
                "test",
                "-p",
                "opdcheck-engine",
                "--target",
                "wasm32-unknown-unknown",
                "--test",
                "wasm",
            ]),
    )?;
    // The app's components in headless Chromium (wasm-bindgen-test under chromedriver).
    ensure_chromium()?;
    step(
        "browser tests (Chromium)",
        browser_test_env(&mut cargo()).args([
            "test",
            "-p",
            "opdcheck-app",
            "--target",
            "wasm32-unknown-unknown",
            "--test",
            "browser",
        ]),
    )?;
    // The widget's TypeScript declarations against an integrator's use of the documented API,
    // and the generated document types (js/types.d.ts) against every sample (widget-samples.ts,
    // generated by the engine's tests/schema.rs).
    ensure_e2e_npm()?;
    step(
        "widget types (tsc --noEmit --strict tests/e2e/widget-types.ts widget-samples.ts)",
        Command::new(e2e_dir().join("node_modules").join(".bin").join("tsc"))
            .args([
                "--noEmit",
                "--strict",
                "--target",
                "es2022",
                "--module",
                "es2022",
                "--moduleResolution",
                "bundler",
                "--lib",
                "es2022,dom",
                "widget-types.ts",
                "widget-samples.ts",
            ])
            .current_dir(e2e_dir()),
    )?;
    // The web app end to end: built as shipped (release, wasm-opt), served by the release
    // server, driven in Chromium like a user.
    let server = build_app_and_server()?;
    e2e(&server)?;
    eprintln!("\nxtask test: all steps passed");
    Ok(())
}

/// `apt-get install` as root, or through sudo when not root.
fn apt_get() -> Command {
    let root_user = Command::new("id")
        .arg("-u")
        .output()
        .ok()
        .is_some_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let mut c = if root_user {
        Command::new("apt-get")
    } else {
        let mut c = Command::new("sudo");
        c.arg("apt-get");
        c
    };
    c.env("DEBIAN_FRONTEND", "noninteractive");
    c
}

/// Chromium and chromedriver (Debian's: Playwright's own browser download is not used) and a
/// CJK font, installed with apt-get when any is missing. The e2e test and the benchmarks drive
/// Chromium; opdcheck-app's wasm-bindgen browser tests need chromedriver.
pub fn ensure_chromium() -> Result {
    let missing: Vec<&str> = [
        (CHROMIUM, "chromium"),
        (CHROMEDRIVER, "chromium-driver"),
        (CJK_FONT, "fonts-wqy-microhei"),
    ]
    .into_iter()
    .filter(|(path, _)| !Path::new(path).exists())
    .map(|(_, package)| package)
    .collect();
    if missing.is_empty() {
        return Ok(());
    }
    step("apt-get update", apt_get().arg("update"))?;
    step(
        &format!("install {}", missing.join(", ")),
        apt_get()
            .args(["install", "-y", "--no-install-recommends"])
            .args(&missing),
    )
}

/// schemathesis (PyPI) at the pinned version in a venv under target/, made when missing; Debian's
/// python3-venv is installed with apt-get when `python3 -m venv` fails without it. Returns the
/// path of its `schemathesis` command.
pub fn ensure_schemathesis() -> Result<PathBuf> {
    let venv = target_dir().join("schemathesis-venv");
    let exe = venv.join("bin").join("schemathesis");
    if exe.is_file() && has_tool(exe.to_str().unwrap_or_default(), SCHEMATHESIS) {
        return Ok(exe);
    }
    let make_venv = || {
        Command::new("python3")
            .args(["-m", "venv", "--clear"])
            .arg(&venv)
            .status()
            .is_ok_and(|s| s.success())
    };
    if !make_venv() {
        step("apt-get update", apt_get().arg("update"))?;
        step(
            "install python3-venv",
            apt_get().args(["install", "-y", "--no-install-recommends", "python3-venv"]),
        )?;
        if !make_venv() {
            return Err(format!("python3 -m venv {} failed", venv.display()));
        }
    }
    step(
        &format!("install schemathesis {SCHEMATHESIS}"),
        Command::new(venv.join("bin").join("pip"))
            .args(["install", "--quiet", "--disable-pip-version-check"])
            .arg(format!("schemathesis=={SCHEMATHESIS}")),
    )?;
    Ok(exe)
}

/// The environment of wasm-bindgen-test's browser runs: Debian's chromedriver, and a timeout
/// that allows for a slow, shared machine (the default 20 s is too short there).
pub fn browser_test_env(cmd: &mut Command) -> &mut Command {
    cmd.env("CHROMEDRIVER", CHROMEDRIVER)
        .env("WASM_BINDGEN_TEST_TIMEOUT", "120")
        .env(
            "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
            "wasm-bindgen-test-runner",
        )
}

/// Trunk builds the web app (Trunk.toml); installed at the release the build was written for.
fn ensure_trunk() -> Result {
    if has_tool("trunk", TRUNK) {
        return Ok(());
    }
    step(
        "install trunk",
        cargo().args(["install", "trunk", "--version", TRUNK, "--locked"]),
    )
}

/// tests/e2e: playwright-core (the e2e test, the benchmarks) and binaryen's wasm-opt (Trunk's
/// release build; Debian's binaryen is too old for the features rustc emits).
pub fn e2e_dir() -> PathBuf {
    root().join("tests").join("e2e")
}

fn ensure_e2e_npm() -> Result {
    let dir = e2e_dir();
    let modules = dir.join("node_modules");
    if modules.join(".bin").join("wasm-opt").exists()
        && modules.join(".bin").join("tsc").exists()
        && modules.join(".bin").join("esbuild").exists()
        && modules
            .join("playwright-core")
            .join("package.json")
            .is_file()
        && modules.join("axe-core").join("axe.min.js").is_file()
    {
        return Ok(());
    }
    if !has_tool("npm", ".") {
        return Err("npm is needed for tests/e2e (`npm` not found)".into());
    }
    // `npm ci`: exactly the versions of package-lock.json.
    step(
        "npm ci (tests/e2e)",
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&dir),
    )
}

/// `trunk build --release` into dist/, with tests/e2e's wasm-opt first on PATH.
pub fn build_app() -> Result {
    ensure_wasm_target()?;
    ensure_wasm_bindgen()?;
    ensure_trunk()?;
    ensure_e2e_npm()?;
    let bin = e2e_dir().join("node_modules").join(".bin");
    let path = std::env::var_os("PATH").unwrap_or_default();
    let path = std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(&path)))
        .map_err(|e| format!("PATH: {e}"))?;
    let trunk = |args: &[&str]| {
        let mut c = Command::new("trunk");
        // The target before `--release`, which takes an optional value of its own.
        c.arg("build")
            .args(args)
            .arg("--release")
            .current_dir(root())
            .env("PATH", &path)
            // No downloads: wasm-bindgen and wasm-opt come from PATH, as installed above.
            .env("TRUNK_OFFLINE", "true")
            .env("TRUNK_SKIP_VERSION_CHECK", "true");
        c
    };
    step("build the web app (trunk build --release)", &mut trunk(&[]))?;
    precompress(&dist_dir())?;
    // The QA workspace, a page of its own under /qa/ (after the app: its build empties dist/).
    let qa = dist_dir().join("qa");
    let qa_dist = qa.to_string_lossy().into_owned();
    step(
        "build the QA workspace (trunk build www/qa/index.html --release)",
        &mut trunk(&[
            "www/qa/index.html",
            "--public-url",
            "/qa/",
            "--dist",
            &qa_dist,
        ]),
    )?;
    precompress(&qa)
}

/// The embeddable widget (`crates/opdcheck-widget`) as shipped, into
/// `dist/widget/<version>/`: the engine built lean for wasm32 (`--features lean`), its
/// wasm-bindgen ES module (`--target web`) shrunk by tests/e2e's wasm-opt, bundled with the
/// hand-written wrapper's ES modules (`js/*.js`) into one minified `opdcheck.js` by tests/e2e's
/// esbuild, the TypeScript declarations (`opdcheck.d.ts`, the generated `types.d.ts`), the JSON Schemas of
/// `docs/schema/`, and an npm-style package.json listing them. After the app's build, which
/// empties dist/. The folder's path.
pub fn build_widget() -> Result<PathBuf> {
    ensure_wasm_target()?;
    ensure_wasm_bindgen()?;
    ensure_e2e_npm()?;
    step(
        "build the widget's wasm (lean, wasm-release)",
        cargo().args([
            "build",
            "-p",
            "opdcheck-widget",
            "--features",
            "lean",
            "--lib",
            "--target",
            "wasm32-unknown-unknown",
            "--profile",
            "wasm-release",
        ]),
    )?;
    let version = env!("CARGO_PKG_VERSION");
    let out = dist_dir().join("widget").join(version);
    if out.exists() {
        std::fs::remove_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    }
    let wasm = target_dir()
        .join("wasm32-unknown-unknown")
        .join("wasm-release")
        .join("opdcheck_widget.wasm");
    step(
        "wasm-bindgen (widget)",
        Command::new("wasm-bindgen")
            .args(["--target", "web", "--no-typescript", "--out-dir"])
            .arg(&out)
            .arg(&wasm),
    )?;
    let module = out.join("opdcheck_widget_bg.wasm");
    step(
        "wasm-opt -Oz (widget)",
        Command::new(e2e_dir().join("node_modules").join(".bin").join("wasm-opt"))
            .args([
                "-Oz",
                "--enable-bulk-memory",
                "--enable-nontrapping-float-to-int",
                "--enable-sign-ext",
                "--enable-mutable-globals",
            ])
            .arg(&module)
            .arg("-o")
            .arg(&module),
    )?;
    // The engine's hash goes into opdcheck.js, which checks the module against it: the script
    // tag's integrity attribute then covers the whole widget.
    let wasm_integrity = sri(&module)?;
    let mut files = bundle_widget_js(&out, &wasm_integrity)?;
    files.extend(copy_licences(&out)?);
    // The interchange format's JSON Schemas (docs/schema, generated from the engine's types).
    files.extend(copy_files(&root().join("docs").join("schema"), &out)?);
    files.push("opdcheck_widget_bg.wasm".into());
    files.push("integrity.json".into());
    files.sort();
    // Written by hand, not with serde_json: the order of the keys matters ("types" before
    // "default" in a condition) and serde_json's map is sorted.
    let quoted: Vec<String> = files.iter().map(|f| format!("\"{f}\"")).collect();
    let package = format!(
        r#"{{
  "name": "@opdcheck/widget",
  "version": "{version}",
  "description": "Live checks of Chinese outpatient documents against the hospital's quality assessment table, for existing portal pages (WebAssembly).",
  "type": "module",
  "module": "opdcheck.js",
  "main": "opdcheck.js",
  "types": "opdcheck.d.ts",
  "exports": {{
    ".": {{ "types": "./opdcheck.d.ts", "default": "./opdcheck.js" }},
    "./types": {{ "types": "./types.d.ts" }},
    "./document.schema.json": "./document.schema.json",
    "./report.schema.json": "./report.schema.json",
    "./rules.schema.json": "./rules.schema.json"
  }},
  "files": [{files}],
  "sideEffects": true,
  "license": "{license}"
}}
"#,
        files = quoted.join(", "),
        license = env!("CARGO_PKG_LICENSE"),
    );
    std::fs::write(out.join("package.json"), package).map_err(|e| format!("package.json: {e}"))?;
    // The demo legacy portal (www/portal, plain HTML and JS) embeds it: served at /portal/.
    copy_dir(
        &root().join("www").join("portal"),
        &dist_dir().join("portal"),
    )?;
    let script_integrity = sri(&out.join("opdcheck.js"))?;
    let integrity = serde_json::json!({
        "opdcheck.js": script_integrity,
        "opdcheck_widget_bg.wasm": wasm_integrity,
    });
    std::fs::write(
        out.join("integrity.json"),
        serde_json::to_string_pretty(&integrity).map_err(|e| e.to_string())? + "\n",
    )
    .map_err(|e| format!("integrity.json: {e}"))?;
    let tarball = npm_pack(&out, &files)?;
    precompress(&out)?;
    eprintln!(
        "\nwidget: npm package {}\nwidget: subresource integrity for the script tag (also in {}):\n  \
         <script type=\"module\" src=\"https://YOUR-OPDCHECK-SERVER/widget/{version}/opdcheck.js\" \
         integrity=\"{script_integrity}\" crossorigin=\"anonymous\"></script>\n  \
         opdcheck_widget_bg.wasm {wasm_integrity} (opdcheck.js checks it itself)",
        tarball.display(),
        out.join("integrity.json").display(),
    );
    Ok(out)
}

/// `sha384-<base64>`: a file's subresource-integrity value.
fn sri(path: &Path) -> Result<String> {
    use base64::Engine as _;
    use sha2::Digest as _;
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let digest = sha2::Sha384::digest(&bytes);
    Ok(format!(
        "sha384-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    ))
}

/// The repository's licence files beside the package's (npm takes LICENSE* into the tarball).
fn copy_licences(out: &Path) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for name in ["LICENSE-MIT", "LICENSE-APACHE"] {
        std::fs::copy(root().join(name), out.join(name)).map_err(|e| format!("{name}: {e}"))?;
        names.push(name.to_owned());
    }
    Ok(names)
}

/// `npm pack` of the widget's folder into dist/widget/: the tarball an integrator installs
/// (`npm install ./opdcheck-widget-<version>.tgz`) or publishes. Fails when the tarball lacks a
/// file package.json lists. Its path.
fn npm_pack(out: &Path, files: &[String]) -> Result<PathBuf> {
    let dest = out.parent().ok_or("the widget's folder has no parent")?;
    eprintln!("\n== npm pack (widget)");
    let output = Command::new("npm")
        .args(["pack", "--json", "--pack-destination"])
        .arg(dest)
        .current_dir(out)
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| format!("npm pack: {e}"))?;
    if !output.status.success() {
        return Err(format!("npm pack failed: {}", output.status));
    }
    let packed: serde_json::Value =
        serde_json::from_slice(&output.stdout).map_err(|e| format!("npm pack --json: {e}"))?;
    let packed = &packed[0];
    let listed: Vec<&str> = packed["files"]
        .as_array()
        .map(|files| files.iter().filter_map(|f| f["path"].as_str()).collect())
        .unwrap_or_default();
    for file in files.iter().map(String::as_str).chain(["package.json"]) {
        if !listed.contains(&file) {
            return Err(format!(
                "npm pack: {file} is not in the tarball ({listed:?})"
            ));
        }
    }
    let name = packed["filename"]
        .as_str()
        .ok_or("npm pack --json: no filename")?;
    Ok(dest.join(name))
}

/// Write `x.gz` (gzip -9) and `x.br` (brotli, quality 11) beside every .js / .wasm / .css file
/// of `dir` (not recursive): the server sends the one the browser accepts as is, instead of
/// compressing the file on every request (tens of ms for a wasm module on this machine, on the
/// start-up's path).
pub fn precompress(dir: &Path) -> Result {
    use std::io::Write;
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !matches!(ext, "js" | "wasm" | "css") {
            continue;
        }
        let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&bytes).map_err(|e| e.to_string())?;
        let gz = gz.finish().map_err(|e| e.to_string())?;
        let mut name = path.as_os_str().to_owned();
        name.push(".gz");
        std::fs::write(&name, gz).map_err(|e| format!("{}: {e}", path.display()))?;
        // Brotli at its best quality, for browsers that accept it (all current ones on HTTPS
        // and localhost): the wasm comes out about a fifth smaller than gzip -9.
        let mut br = Vec::new();
        let params = brotli::enc::BrotliEncoderParams {
            quality: 11,
            lgwin: 22,
            ..Default::default()
        };
        brotli::BrotliCompress(&mut &bytes[..], &mut br, &params).map_err(|e| e.to_string())?;
        let mut name = path.as_os_str().to_owned();
        name.push(".br");
        std::fs::write(&name, br).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

/// Copy the files (not folders) of `from` into `to`; their names.
fn copy_files(from: &Path, to: &Path) -> Result<Vec<String>> {
    let entries = std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))?;
    let mut names = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        let Some(name) = path.file_name().filter(|_| path.is_file()) else {
            continue;
        };
        std::fs::copy(&path, to.join(name)).map_err(|e| format!("copy {}: {e}", path.display()))?;
        names.push(name.to_string_lossy().into_owned());
    }
    Ok(names)
}

/// The wrapper's ES modules (`js/*.js`) and the wasm-bindgen glue in `out` as one minified ES
/// module, `out/opdcheck.js`, with its source map (the sources inside it) and the engine's
/// integrity hash (`OPDCHECK_WASM_INTEGRITY`, which early.js checks): one request instead
/// of a dozen in a chain, so the engine's download starts sooner, and about half the bytes. The
/// declarations (`js/*.d.ts`) are copied as they are. The names of the files written.
fn bundle_widget_js(out: &Path, wasm_integrity: &str) -> Result<Vec<String>> {
    let js = root().join("crates").join("opdcheck-widget").join("js");
    let src = out.join("src");
    std::fs::create_dir_all(&src).map_err(|e| format!("{}: {e}", src.display()))?;
    let mut files = Vec::new();
    for name in copy_files(&js, &src)? {
        if name.ends_with(".d.ts") {
            std::fs::rename(src.join(&name), out.join(&name)).map_err(|e| e.to_string())?;
            files.push(name);
        }
    }
    let glue = out.join("opdcheck_widget.js");
    std::fs::rename(&glue, src.join("opdcheck_widget.js")).map_err(|e| e.to_string())?;
    step(
        "esbuild: the widget's modules as one (opdcheck.js)",
        Command::new(e2e_dir().join("node_modules").join(".bin").join("esbuild"))
            .arg(src.join("opdcheck.js"))
            .args([
                "--bundle",
                "--format=esm",
                "--target=es2020",
                "--minify",
                "--sourcemap",
                "--legal-comments=none",
                "--log-level=warning",
            ])
            .arg(format!(
                "--define:OPDCHECK_WASM_INTEGRITY=\"{wasm_integrity}\""
            ))
            .arg(format!("--outfile={}", out.join("opdcheck.js").display())),
    )?;
    std::fs::remove_dir_all(&src).map_err(|e| format!("{}: {e}", src.display()))?;
    files.extend(["opdcheck.js".into(), "opdcheck.js.map".into()]);
    Ok(files)
}

/// Copy a directory's files, recursively, replacing `to`.
fn copy_dir(from: &Path, to: &Path) -> Result {
    if to.exists() {
        std::fs::remove_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
    }
    std::fs::create_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
    for entry in std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        let dest = to.join(path.file_name().unwrap_or_default());
        if path.is_dir() {
            copy_dir(&path, &dest)?;
        } else {
            std::fs::copy(&path, &dest).map_err(|e| format!("copy {}: {e}", path.display()))?;
        }
    }
    Ok(())
}

/// The app's build output (Trunk.toml's `dist`).
pub fn dist_dir() -> PathBuf {
    root().join("dist")
}

/// Build opdcheck-server (release); its path. When dist/ holds a build, the app, the QA
/// workspace and the widget are built into it (its build.rs embeds dist/): the one file to
/// deploy.
pub fn build_server() -> Result<PathBuf> {
    let dist = dist_dir();
    let mut cmd = cargo();
    cmd.args([
        "build",
        "--release",
        "-p",
        "opdcheck-server",
        "--bin",
        "opdcheck-server",
    ]);
    let what = if dist.join("index.html").is_file() {
        cmd.env("OPDCHECK_EMBED_DIST", &dist);
        "build opdcheck-server (release, with dist/ built in)"
    } else {
        cmd.env_remove("OPDCHECK_EMBED_DIST");
        "build opdcheck-server (release; no dist/ to build in)"
    };
    step(what, &mut cmd)?;
    Ok(target_dir().join("release").join("opdcheck-server"))
}

/// Build the `opdcheck` CLI (release); its path.
fn build_cli() -> Result<PathBuf> {
    step(
        "build opdcheck (CLI)",
        cargo().args([
            "build",
            "--release",
            "-p",
            "opdcheck-cli",
            "--bin",
            "opdcheck",
        ]),
    )?;
    Ok(target_dir().join("release").join("opdcheck"))
}

/// The release app (dist/) and server; the server binary's path.
pub fn build_app_and_server() -> Result<PathBuf> {
    build_app()?;
    build_widget()?;
    build_server()
}

/// The server binary and dist/ as last built, or an error saying to build them.
pub fn built_app_and_server() -> Result<PathBuf> {
    let server = target_dir().join("release").join("opdcheck-server");
    if !server.is_file() || !dist_dir().join("index.html").is_file() {
        return Err(format!(
            "--skip-build: {} or {} is missing; run once without --skip-build",
            server.display(),
            dist_dir().join("index.html").display()
        ));
    }
    Ok(server)
}

/// Run a Node script of tests/e2e against the built app: it starts `server` itself (port 0).
pub fn node_e2e(script: &str, server: &Path, extra: &[String]) -> Result {
    if !has_tool("node", "v") {
        return Err("Node.js is needed for the browser tests (`node` not found)".into());
    }
    ensure_chromium()?;
    ensure_e2e_npm()?;
    step(
        &format!("node tests/e2e/{script}"),
        Command::new("node")
            .arg(e2e_dir().join(script))
            .args(extra)
            .current_dir(root())
            .env("OPDCHECK_SERVER", server)
            .env("OPDCHECK_DIST", dist_dir())
            .env("OPDCHECK_CHROMIUM", CHROMIUM)
            .env("OPDCHECK_OUT", root().join("target").join("e2e")),
    )
}

/// The end-to-end tests: the release server alone serving the build it carries, the widget's
/// npm tarball and integrity hashes (tests/e2e/package.e2e.mjs); the app's writing and signing
/// (app.e2e.mjs), offline
/// first against the API (sync.e2e.mjs), records never lost (records-kept.e2e.mjs: two
/// workstations in the same second, a conflict saved as a new document, an expired session,
/// signing out), the QA workspace (qa.e2e.mjs) and the hospital's policy (policy.e2e.mjs: an
/// admin's change reaches the app, whose report equals the server's re-check), the hospital's
/// alert tuning as QA sees it (alerts.e2e.mjs: a doctor's reason and a shadow rule in the review,
/// the alert-quality figures against counts from the reports; reasons.e2e.mjs: a reason given in
/// the app and a shadow rule's finding reach QA's review, the shadow one never the doctor); the
/// widget on
/// the demo portal (widget.e2e.mjs), on a portal's own form as people fill it in
/// (widget-portal.e2e.mjs) and its reports against the CLI's (widget-cli.e2e.mjs).
pub fn e2e(server: &Path) -> Result {
    node_e2e("package.e2e.mjs", server, &[])?;
    node_e2e("app.e2e.mjs", server, &[])?;
    node_e2e("sync.e2e.mjs", server, &[])?;
    node_e2e("records-kept.e2e.mjs", server, &[])?;
    node_e2e("qa.e2e.mjs", server, &[])?;
    node_e2e("policy.e2e.mjs", server, &[])?;
    node_e2e("alerts.e2e.mjs", server, &[])?;
    node_e2e("reasons.e2e.mjs", server, &[])?;
    node_e2e("widget.e2e.mjs", server, &[])?;
    node_e2e("widget-portal.e2e.mjs", server, &[])?;
    // axe-core over every app page, the QA page and the widget panel.
    node_e2e("a11y.e2e.mjs", server, &[])?;
    widget_matches_cli()
}

/// `validate` of the built widget (Node) against `opdcheck check --format json` on every
/// sample document (tests/e2e/widget-cli.e2e.mjs).
fn widget_matches_cli() -> Result {
    let cli = build_cli()?;
    step(
        "node tests/e2e/widget-cli.e2e.mjs",
        Command::new("node")
            .arg(e2e_dir().join("widget-cli.e2e.mjs"))
            .current_dir(root())
            .env("OPDCHECK_CLI", cli)
            .env("OPDCHECK_DIST", dist_dir()),
    )
}

/// The product: build the web app and the server, serve the app on 127.0.0.1:`port` until
/// Ctrl-C. With `cli`, the former demo instead: the CLI on the shipped sample batch.
pub fn run(port: u16, cli: bool) -> Result {
    if cli {
        return cli_samples();
    }
    let server = build_app_and_server()?;
    eprintln!("\n== opdcheck-server (Ctrl-C stops it)");
    eprintln!(
        "   the app at http://127.0.0.1:{port}/, the QA workspace at /qa/ (`cargo xtask demo-data` \
         fills it), the widget's demo portal at /portal/"
    );
    // The server prints `opdcheck: serving http://127.0.0.1:PORT/`; Ctrl-C reaches it with this
    // process (same process group) and it shuts down cleanly.
    let status = Command::new(&server)
        .arg("--addr")
        .arg(format!("127.0.0.1:{port}"))
        .arg("--dist")
        .arg(dist_dir())
        // Demo mode: the demo accounts, the demo portal and its key (a real deployment starts
        // without, see docs/deploying.md).
        .arg("--demo")
        .current_dir(root())
        .status()
        .map_err(|e| format!("cannot run {}: {e}", server.display()))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("opdcheck-server stopped: {status}"))
    }
}

/// Generated demo records into the store `run` serves (./data): the server's `demo-data`.
pub fn demo_data(months: u32, records: u32) -> Result {
    let server = build_server()?;
    step(
        "opdcheck-server demo-data",
        Command::new(&server)
            .args(["demo-data", "--months"])
            .arg(months.to_string())
            .arg("--records")
            .arg(records.to_string())
            .current_dir(root()),
    )
}

/// Build the CLI, check the shipped sample batch, print its score sheet.
fn cli_samples() -> Result {
    let bin = build_cli()?;
    let batch = root().join("samples").join("batch.jsonl");
    for args in [&["check"][..], &["score"][..]] {
        eprintln!("\n== opdcheck {} samples/batch.jsonl", args.join(" "));
        let status = Command::new(&bin)
            .args(args)
            .arg(&batch)
            .status()
            .map_err(|e| format!("cannot run {}: {e}", bin.display()))?;
        // 1: some document has an error finding (the samples include defective ones).
        if !matches!(status.code(), Some(0 | 1)) {
            return Err(format!("opdcheck {} failed: {status}", args.join(" ")));
        }
    }
    Ok(())
}
