//! The module-cycle check: within each crate, the top-level modules (`src/store/…` is `store`,
//! `src/lib.rs` is the crate root) must form a graph without cycles, so that a layer never
//! reaches back up (the store never imports HTTP handlers; the engine's rules never import the
//! report renderer). A module's edges are the `crate::x` paths its files name, including the
//! names inside `use crate::{x, y::z}` groups; `super::` stays inside a folder and is no edge.
//! The crate root counts as a module of its own, so a type defined in `lib.rs` and used below
//! it is an edge up, and a cycle if the root also uses that module.
//!
//! Run by `cargo test -p xtask` (part of the test command) and by `cargo xtask cycles`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The module graph of one crate: module → the modules it names.
pub type Graph = BTreeMap<String, BTreeSet<String>>;

const ROOT: &str = "(root)";

/// The top-level module of a file under `src/`.
fn module_of(rel: &Path) -> String {
    let mut parts = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned());
    let first = parts.next().unwrap_or_default();
    let is_file = rel.components().count() == 1;
    match first.as_str() {
        "lib.rs" | "main.rs" if is_file => ROOT.to_owned(),
        _ if is_file => first.trim_end_matches(".rs").to_owned(),
        _ => first,
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn ident_at(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    &text[..end]
}

/// The top-level names a source text reaches through `crate::`.
pub fn crate_refs(src: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for (at, _) in src.match_indices("crate::") {
        // `$crate::` in macros names the defining crate, not a module edge.
        if src[..at].ends_with('$') {
            continue;
        }
        let rest = &src[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // `use crate::{a, b::c, d::{e, f}}`: the names at depth 0 of the group.
            let mut depth = 0;
            let mut start = true;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => start = true,
                    c if start && (c.is_alphanumeric() || c == '_') => {
                        names.insert(ident_at(&group[i..]).to_owned());
                        start = false;
                    }
                    _ => {}
                }
            }
        } else {
            let name = ident_at(rest);
            // `crate::crate`: a path being built in a string (this file), not a module.
            if !name.is_empty() && name != "crate" {
                names.insert(name.to_owned());
            }
        }
    }
    names
}

/// The text that builds into the crate: comments (doc links name modules without importing
/// them) and the `#[cfg(test)]` module at the end of a file (tests may reach anywhere) left out.
fn code_of(text: &str) -> String {
    let mut code = String::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        // An inline test module ends the file's code; `#[cfg(test)] mod x;` does not.
        if line.starts_with("#[cfg(test)]") && lines.peek().is_some_and(|l| l.contains('{')) {
            break;
        }
        let line = line.find("//").map_or(line, |i| &line[..i]);
        code.push_str(line);
        code.push('\n');
    }
    code
}

/// `super::` paths that leave the file's top-level module, spelled as `crate::` paths: in a
/// top-level file (`x.rs`, `x/mod.rs`) `super::` is the crate root; in `x/y.rs`, `super::super::`.
fn rooted(code: &str, rel: &Path) -> String {
    let depth = rel.components().count();
    let is_mod = rel.file_name().is_some_and(|f| f == "mod.rs");
    match (depth, is_mod) {
        (1, _) | (2, true) => code.replace("super::", "crate::"),
        (2, false) | (3, true) => code.replace("super::super::", "crate::"),
        _ => code.to_owned(),
    }
}

/// Where the crate root's `pub use` lines take each re-exported name from: `crate::Engine`
/// written in a module is an edge to the module that defines `Engine`, not to the root.
fn reexports(root: &str, modules: &BTreeSet<String>) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for stmt in root.split(';') {
        let Some(rest) = stmt.trim().strip_prefix("pub use ") else {
            continue;
        };
        let from = ident_at(
            rest.trim_start_matches("crate::")
                .trim_start_matches("self::"),
        );
        if !modules.contains(from) {
            continue;
        }
        for name in rest.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
            if !name.is_empty() && name != from && !modules.contains(name) {
                map.insert(name.to_owned(), from.to_owned());
            }
        }
    }
    map
}

/// The modules the crate root's own code names (`rules::RULES`, `use model::*`): its `pub use`
/// re-exports are the crate's façade for other crates, not a dependency, and do not count.
fn root_refs(code: &str, modules: &BTreeSet<String>) -> BTreeSet<String> {
    let code: String = code
        .split(';')
        .filter(|stmt| !stmt.trim_start().starts_with("pub use "))
        .collect::<Vec<_>>()
        .join(";");
    let mut names = BTreeSet::new();
    for m in modules {
        let pat = format!("{m}::");
        let found = code.match_indices(&pat).any(|(i, _)| {
            let before = code[..i].chars().next_back();
            !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':')
        });
        if found {
            names.insert(m.clone());
        }
    }
    names
}

/// The graph of the crate whose sources are in `src`.
pub fn graph(src: &Path) -> Graph {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut modules = BTreeSet::new();
    for f in &files {
        modules.insert(module_of(f.strip_prefix(src).unwrap_or(f)));
    }
    modules.remove(ROOT);
    let root_text = ["lib.rs", "main.rs"]
        .iter()
        .map(|f| code_of(&fs::read_to_string(src.join(f)).unwrap_or_default()))
        .collect::<String>();
    let moved = reexports(&root_text, &modules);
    let mut g = Graph::new();
    for f in &files {
        let rel = f.strip_prefix(src).unwrap_or(f);
        let from = module_of(rel);
        let code = rooted(&code_of(&fs::read_to_string(f).unwrap_or_default()), rel);
        let mut names = crate_refs(&code);
        if from == ROOT {
            names.extend(root_refs(&code, &modules));
        }
        let edges = g.entry(from.clone()).or_default();
        for name in names {
            // A name that is no module is an item of the crate root (`crate::Error`), or one the
            // root re-exports from a module.
            let to = if modules.contains(&name) {
                name
            } else {
                moved.get(&name).cloned().unwrap_or_else(|| ROOT.to_owned())
            };
            if to != from {
                edges.insert(to);
            }
        }
    }
    g
}

/// One cycle in `g`, as the path of modules around it, if there is any.
pub fn find_cycle(g: &Graph) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    fn visit<'a>(
        n: &'a str,
        g: &'a Graph,
        marks: &mut BTreeMap<&'a str, Mark>,
        stack: &mut Vec<&'a str>,
    ) -> Option<Vec<String>> {
        marks.insert(n, Mark::Open);
        stack.push(n);
        for m in g.get(n).into_iter().flatten() {
            match marks.get(m.as_str()).copied().unwrap_or(Mark::New) {
                Mark::Open => {
                    let from = stack.iter().position(|s| *s == m).unwrap_or(0);
                    let mut cycle: Vec<String> =
                        stack[from..].iter().map(|s| s.to_string()).collect();
                    cycle.push(m.clone());
                    return Some(cycle);
                }
                Mark::New => {
                    if let Some(c) = visit(m, g, marks, stack) {
                        return Some(c);
                    }
                }
                Mark::Done => {}
            }
        }
        stack.pop();
        marks.insert(n, Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    for n in g.keys() {
        if marks.get(n.as_str()).copied().unwrap_or(Mark::New) == Mark::New {
            let mut stack = Vec::new();
            if let Some(c) = visit(n, g, &mut marks, &mut stack) {
                return Some(c);
            }
        }
    }
    None
}

/// The groups of modules that reach each other (strongly connected components of more than one
/// module), to show the whole tangle rather than one cycle of it.
pub fn tangles(g: &Graph) -> Vec<BTreeSet<String>> {
    let reach = |from: &str| {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.to_owned()];
        while let Some(n) = todo.pop() {
            for m in g.get(&n).into_iter().flatten() {
                if seen.insert(m.clone()) {
                    todo.push(m.clone());
                }
            }
        }
        seen
    };
    let all: BTreeMap<&String, BTreeSet<String>> = g.keys().map(|n| (n, reach(n))).collect();
    let mut groups: Vec<BTreeSet<String>> = Vec::new();
    for (n, r) in &all {
        if !r.contains(*n) || groups.iter().any(|gr| gr.contains(*n)) {
            continue;
        }
        let group: BTreeSet<String> = r
            .iter()
            .filter(|m| all.get(m).is_some_and(|rm| rm.contains(*n)))
            .cloned()
            .collect();
        groups.push(group);
    }
    groups
}

/// Every crate of the workspace with a cycle, as `crate: a → b → a`.
pub fn check_workspace(crates: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let Ok(entries) = fs::read_dir(crates) else {
        return vec![format!("cannot read {}", crates.display())];
    };
    let mut dirs: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    dirs.sort();
    for dir in dirs {
        let src = dir.join("src");
        if !src.is_dir() {
            continue;
        }
        let g = graph(&src);
        if let Some(cycle) = find_cycle(&g) {
            let name = dir
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let groups: Vec<String> = tangles(&g)
                .iter()
                .map(|t| t.iter().cloned().collect::<Vec<_>>().join(", "))
                .collect();
            problems.push(format!(
                "{name}: {} (modules that reach each other: {{{}}})",
                cycle.join(" → "),
                groups.join("}, {")
            ));
        }
    }
    problems
}

/// `cargo xtask cycles`: print each crate's module graph and fail on a cycle.
pub fn run(crates: &Path) -> Result<(), String> {
    let problems = check_workspace(crates);
    if problems.is_empty() {
        eprintln!("no module cycles");
        Ok(())
    } else {
        Err(format!("module cycles:\n  {}", problems.join("\n  ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(edges: &[(&str, &str)]) -> Graph {
        let mut g = Graph::new();
        for (a, b) in edges {
            g.entry(a.to_string()).or_default().insert(b.to_string());
            g.entry(b.to_string()).or_default();
        }
        g
    }

    #[test]
    fn names_in_use_groups_and_paths() {
        let src = "use crate::{api::x, store::{A, B}, Error};\nfn f() { crate::auth::y(); $crate::rules::Z }";
        let names: Vec<String> = crate_refs(src).into_iter().collect();
        assert_eq!(names, ["Error", "api", "auth", "store"]);
    }

    #[test]
    fn comments_and_tests_are_no_edges() {
        let src = "/// see [`crate::ui`]\nuse crate::store::X; // crate::api\n#[cfg(test)]\nmod tests { use crate::Engine; }";
        let names: Vec<String> = crate_refs(&code_of(src)).into_iter().collect();
        assert_eq!(names, ["store"]);
    }

    #[test]
    fn a_cycle_is_found_and_a_layering_is_not() {
        assert_eq!(
            find_cycle(&g(&[("http", "store"), ("http", "qa"), ("qa", "store")])),
            None
        );
        let c = find_cycle(&g(&[("api", "qa"), ("qa", "store"), ("store", "api")])).unwrap();
        assert_eq!(c.first(), c.last());
        assert_eq!(c.len(), 4, "{c:?}");
    }

    #[test]
    fn super_paths_and_root_reexports_are_resolved() {
        assert_eq!(
            rooted("use super::X;", Path::new("api.rs")),
            "use crate::X;"
        );
        assert_eq!(
            rooted("use super::X;", Path::new("store/qa.rs")),
            "use super::X;"
        );
        assert_eq!(rooted("super::super::Y", Path::new("a/b.rs")), "crate::Y");
        let modules: BTreeSet<String> = ["model", "rules", "policy"].map(String::from).into();
        let root = "pub mod model;\npub use model::{DocKind, Document};\nuse rules::RULES;\nfn f() { policy::x(); }";
        let moved = reexports(root, &modules);
        assert_eq!(moved.get("Document").map(String::as_str), Some("model"));
        let refs: Vec<String> = root_refs(root, &modules).into_iter().collect();
        assert_eq!(refs, ["policy", "rules"]);
    }

    #[test]
    fn files_map_to_their_top_level_module() {
        assert_eq!(module_of(Path::new("lib.rs")), ROOT);
        assert_eq!(module_of(Path::new("store/mod.rs")), "store");
        assert_eq!(module_of(Path::new("store/qa.rs")), "store");
        assert_eq!(module_of(Path::new("api.rs")), "api");
    }

    /// The check itself: no crate of this workspace has a module cycle.
    #[test]
    fn no_module_cycles_in_the_workspace() {
        let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let problems = check_workspace(&crates);
        assert!(
            problems.is_empty(),
            "module cycles:\n  {}",
            problems.join("\n  ")
        );
    }
}
