//! The built app (the web app, the QA workspace, the widget and the demo portal) inside the
//! release binary, so that one file serves the whole product: when `OPDCHECK_EMBED_DIST` names
//! a built `dist/` (`cargo xtask` sets it after building them), every file under it becomes an
//! `include_bytes!` entry of `FILES` in `$OUT_DIR/embedded_dist.rs`; otherwise `FILES` is empty
//! and the server serves `--dist`. Plain `include_bytes!`: the list is all there is to generate.

use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-env-changed=OPDCHECK_EMBED_DIST");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let mut code = String::from(
        "/// The embedded app's files: path under dist/ ('/'-separated) and contents, sorted.\n\
         pub static FILES: &[(&str, &[u8])] = &[\n",
    );
    if let Some(dir) = std::env::var_os("OPDCHECK_EMBED_DIST").filter(|d| !d.is_empty()) {
        let dir = PathBuf::from(dir);
        assert!(
            dir.join("index.html").is_file(),
            "OPDCHECK_EMBED_DIST={} holds no index.html: build the app first (cargo xtask run)",
            dir.display()
        );
        let dir = dir.canonicalize().expect("OPDCHECK_EMBED_DIST is readable");
        // A directory: cargo re-runs this script when any file under it changes (Trunk's
        // hashed names change with every build).
        println!("cargo:rerun-if-changed={}", dir.display());
        let mut files = Vec::new();
        walk(&dir, &mut files);
        files.sort();
        for path in files {
            let name = path
                .strip_prefix(&dir)
                .expect("under dist")
                .components()
                .map(|c| c.as_os_str().to_str().expect("UTF-8 file names in dist"))
                .collect::<Vec<_>>()
                .join("/");
            code.push_str(&format!("    ({name:?}, include_bytes!({path:?})),\n"));
        }
    }
    code.push_str("];\n");
    std::fs::write(out.join("embedded_dist.rs"), code).expect("write embedded_dist.rs");
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read dist") {
        let path = entry.expect("read dist").path();
        if path.is_dir() {
            walk(&path, files);
        } else if path.is_file() {
            files.push(path);
        }
    }
}
