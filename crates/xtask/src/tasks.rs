//! `test` (everything CI runs) and `run` (the product on the shipped samples).

use std::process::Command;

use crate::Result;
use crate::bench::{root, target_dir};

/// The wasm-bindgen version the workspace pins (`wasm-bindgen = "=0.2.130"`): the CLI tools
/// must be the same version.
const WASM_BINDGEN: &str = "0.2.130";

fn cargo() -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(root());
    c
}

fn step(name: &str, cmd: &mut Command) -> Result {
    eprintln!("\n== {name}");
    crate::bench::run(cmd)
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
    step(
        "wasm32 build",
        cargo().args([
            "build",
            "-p",
            "opdcheck-engine",
            "-p",
            "opdcheck-wasm",
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
    eprintln!("\nxtask test: all steps passed");
    Ok(())
}

/// Build the CLI, check the shipped sample batch, print its score sheet.
pub fn run() -> Result {
    step(
        "build",
        cargo().args([
            "build",
            "--release",
            "-p",
            "opdcheck-cli",
            "--bin",
            "opdcheck",
        ]),
    )?;
    let bin = target_dir().join("release").join("opdcheck");
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
