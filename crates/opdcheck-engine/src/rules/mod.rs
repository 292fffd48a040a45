//! The rule catalog: one rule per file, one folder per document kind, one registry.
//!
//! A rule is a static [`Rule`] declared with [`declare_rule!`] next to its check function: its
//! code, assessment item, severity and clause, and its doc comment (what it checks, why, a bad
//! and a good example). A rule file is named by its code and what it checks
//! (`prescription/rx08_vague_usage.rs`). Each folder's `mod.rs` lists its rule files once, in
//! `rule_modules!`, which declares the modules and the folder's list; the registry [`RULES`]
//! is the folders' lists one after the other. The catalog page, the CLI's `rules` command and
//! `docs/rules.md` are all rendered from it.

use crate::model::DocKind;
use crate::report::{Finding, Severity, Text};

/// Declares a folder's rule modules and builds the folder's rule list from the same names, so
/// the modules and the registry cannot drift apart: a rule file is compiled only when listed,
/// and once listed it is in the catalog. Each module declares its rule as `RULE`; the list
/// is in the order given (catalog order). `MODULES` names the modules, for the test that
/// every file of the folder is listed.
macro_rules! rule_modules {
    ($($module:ident),* $(,)?) => {
        $(pub mod $module;)*

        /// This folder's rules, in catalog order.
        pub static RULES: &[&$crate::rules::Rule] = &[$(&$module::RULE),*];

        /// This folder's rule modules, as listed.
        #[cfg(all(test, not(target_arch = "wasm32")))]
        pub(crate) const MODULES: &[&str] = &[$(stringify!($module)),*];
    };
}
pub(crate) use rule_modules;

pub mod common;
pub mod history;
pub mod infectious;
pub mod prescription;
pub mod record;
pub mod request;
pub mod visit;

pub use history::HistoryCtx;
pub use infectious::InfectiousCtx;
pub use prescription::{ItemCtx, RxCtx};
pub use record::RecordCtx;
pub use request::RequestCtx;
pub use visit::VisitCtx;

/// What a rule runs on.
#[derive(Clone, Copy)]
pub enum Check {
    Prescription(fn(&RxCtx, &mut Sink)),
    Record(fn(&RecordCtx, &mut Sink)),
    Request(fn(&RequestCtx, &mut Sink)),
    Infectious(fn(&InfectiousCtx, &mut Sink)),
    Visit(fn(&VisitCtx, &mut Sink)),
    /// Needs the patient's earlier visits (the API and QA provide them).
    History(fn(&HistoryCtx, &mut Sink)),
}

/// The group a rule is listed under in the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Group {
    Prescription,
    Record,
    Request,
    Infectious,
    Visit,
    History,
}

impl Group {
    pub const ALL: [Group; 6] = [
        Group::Prescription,
        Group::Record,
        Group::Request,
        Group::Infectious,
        Group::Visit,
        Group::History,
    ];

    pub fn title(self) -> (&'static str, &'static str) {
        match self {
            Group::Prescription => ("处方", "Prescription rules"),
            Group::Record => ("门诊病历", "Outpatient record rules"),
            Group::Request => ("检查/检验申请单", "Request form rules"),
            Group::Infectious => ("传染病报告卡", "Infectious-disease report rules"),
            Group::Visit => ("跨文书（同一就诊）", "Cross-document rules (on a visit)"),
            Group::History => ("历次就诊", "History rules (where past visits are known)"),
        }
    }

    /// The document kind whose report carries the findings.
    pub fn kind(self) -> DocKind {
        match self {
            Group::Prescription => DocKind::Prescription,
            Group::Record | Group::History => DocKind::OutpatientRecord,
            Group::Request => DocKind::ExamRequest,
            Group::Infectious => DocKind::InfectiousReport,
            Group::Visit => DocKind::Visit,
        }
    }
}

/// A rule of the catalog.
pub struct Rule {
    /// Stable code, e.g. `RX-08`.
    pub code: &'static str,
    /// Assessment item as the catalog gives it (`OPD-11`; `OPD-8/9` where it depends on the visit).
    pub item: &'static str,
    /// The severity of its findings (the highest, where it varies: see `severity_note`).
    pub severity: Severity,
    /// When the severity varies, how (catalog wording).
    pub severity_note: &'static str,
    /// OPD-5 only: which per-case deduction a finding charges (`late`, `defective`, `missed`).
    pub case: Option<&'static str>,
    /// The clause(s) it enforces.
    pub clause: &'static str,
    /// A recorded reason (and signature) can accept the finding: the app asks for it in place.
    pub overridable: bool,
    /// One line, both languages.
    pub title: (&'static str, &'static str),
    pub check: Check,
    /// The doc comment: what it checks, why, a bad and a good example.
    pub doc: &'static str,
}

impl Rule {
    pub fn group(&self) -> Group {
        match self.check {
            Check::Prescription(_) => Group::Prescription,
            Check::Record(_) => Group::Record,
            Check::Request(_) => Group::Request,
            Check::Infectious(_) => Group::Infectious,
            Check::Visit(_) => Group::Visit,
            Check::History(_) => Group::History,
        }
    }

    pub fn title_text(&self) -> Text {
        Text::new(self.title.0, self.title.1)
    }

    /// The doc comment without the one leading space `///` leaves on each line.
    pub fn doc_text(&self) -> String {
        self.doc
            .lines()
            .map(|l| l.strip_prefix(' ').unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The fenced JSON block under a `## Bad` or `## Good` heading of the doc comment.
    pub fn example(&self, heading: &str) -> Option<String> {
        let doc = self.doc_text();
        let start = doc.find(&format!("## {heading}"))?;
        let rest = &doc[start..];
        let open = rest.find("```json")? + "```json".len();
        let close = rest[open..].find("```")?;
        Some(rest[open..open + close].trim().to_string())
    }
}

/// Declares a rule: its doc comment becomes `Rule::doc`.
///
/// The fields every rule sets come first, in this order: `code`, `item`, `severity`, `clause`,
/// `title`, `check`. The rarely used ones may follow, in any order, and default otherwise:
/// `severity_note: ""` (the severity does not vary), `case: None` (not an OPD-5 per-case
/// deduction), `overridable: false`.
///
/// ```
/// use opdcheck_engine::declare_rule;
/// use opdcheck_engine::report::Severity;
/// use opdcheck_engine::rules::{Check, RxCtx, Sink};
///
/// declare_rule! {
///     /// ## What it checks
///     /// Nothing.
///     pub static RULE = {
///         code: "RX-99",
///         item: "OPD-11",
///         severity: Severity::Warning,
///         clause: "none",
///         title: ("示例", "an example"),
///         check: Check::Prescription(check),
///         overridable: true,
///     }
/// }
/// fn check(_: &RxCtx, _: &mut Sink) {}
///
/// assert!(RULE.overridable && RULE.case.is_none() && RULE.severity_note.is_empty());
/// ```
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        $vis:vis static $name:ident = {
            code: $code:expr,
            item: $item:expr,
            severity: $severity:expr,
            clause: $clause:expr,
            title: $title:expr,
            check: $check:expr
            $(, $field:ident : $value:expr)* $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        $vis static $name: $crate::rules::Rule = {
            #[allow(unused_mut)]
            let mut rule = $crate::rules::Rule {
                code: $code,
                item: $item,
                severity: $severity,
                severity_note: "",
                case: None,
                clause: $clause,
                overridable: false,
                title: $title,
                check: $check,
                #[cfg(not(feature = "lean"))]
                doc: concat!($($doc, "\n"),*),
                // The widget ships without the catalog's documentation (~80 KB).
                #[cfg(feature = "lean")]
                doc: "",
            };
            $(rule.$field = $value;)*
            rule
        };
    };
}

/// Where rules put their findings.
#[derive(Debug, Default)]
pub struct Sink {
    pub findings: Vec<Finding>,
}

impl Sink {
    /// Record a finding of `rule` at `path`, with the rule's item and severity (adjustable on
    /// the returned finding).
    pub fn emit(
        &mut self,
        rule: &Rule,
        path: impl Into<String>,
        message: Text,
        hint: Text,
    ) -> &mut Finding {
        self.findings.push(Finding {
            rule: rule.code.to_string(),
            item: rule.item.to_string(),
            severity: rule.severity,
            path: path.into(),
            message,
            hint,
            clause: rule.clause.to_string(),
            overridable: rule.overridable,
            tuning: None,
            reason: None,
        });
        self.findings.last_mut().expect("just pushed")
    }
}

/// Each folder's rules, in catalog order.
const FOLDERS: &[&[&Rule]] = &[
    prescription::RULES,
    record::RULES,
    request::RULES,
    infectious::RULES,
    visit::RULES,
    history::RULES,
];

/// How many rules the folders hold.
const COUNT: usize = {
    let mut n = 0;
    let mut i = 0;
    while i < FOLDERS.len() {
        n += FOLDERS[i].len();
        i += 1;
    }
    n
};

/// The folders' lists, one after the other.
static ALL: [&Rule; COUNT] = {
    let mut all = [FOLDERS[0][0]; COUNT];
    let (mut n, mut i) = (0, 0);
    while i < FOLDERS.len() {
        let mut j = 0;
        while j < FOLDERS[i].len() {
            all[n] = FOLDERS[i][j];
            n += 1;
            j += 1;
        }
        i += 1;
    }
    all
};

/// Every rule of the catalog, in catalog order: the folders' lists (each folder's `mod.rs`
/// declares its rule modules and its list with one `rule_modules!`).
pub static RULES: &[&Rule] = &ALL;

/// The rule with this code.
pub fn rule(code: &str) -> Option<&'static Rule> {
    RULES
        .iter()
        .copied()
        .find(|r| r.code.eq_ignore_ascii_case(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Codes, items and severities exactly as the rule catalog (the assessment table, `docs/rules.md`) lists them.
    const CATALOG: &[(&str, &str, Severity)] = &[
        ("RX-01", "OPD-10", Severity::Error),
        ("RX-02", "OPD-10", Severity::Error),
        ("RX-03", "OPD-10", Severity::Error),
        ("RX-04", "OPD-10", Severity::Error),
        ("RX-05", "OPD-10", Severity::Warning),
        ("RX-06", "OPD-11", Severity::Error),
        ("RX-07", "OPD-11", Severity::Error),
        ("RX-08", "OPD-11", Severity::Error),
        ("RX-09", "OPD-11", Severity::Warning),
        ("RX-10", "OPD-12", Severity::Error),
        ("RX-11", "OPD-12", Severity::Error),
        ("RX-12", "OPD-13", Severity::Error),
        ("RX-13", "OPD-13", Severity::Error),
        ("RX-14", "OPD-14", Severity::Error),
        ("RX-15", "OPD-14", Severity::Error),
        ("RX-16", "OPD-15", Severity::Error),
        ("RX-17", "OPD-16", Severity::Error),
        ("RX-18", "CLN-1", Severity::Error),
        ("RX-19", "CLN-7", Severity::Error),
        ("RX-20", "CLN-7", Severity::Warning),
        ("RX-21", "CLN-7", Severity::Warning),
        ("RX-22", "CLN-7", Severity::Warning),
        ("RX-23", "OPD-11", Severity::Error),
        ("MR-01", "OPD-7", Severity::Error),
        ("MR-02", "OPD-8", Severity::Error),
        ("MR-03", "OPD-9", Severity::Error),
        ("MR-04", "OPD-8/9", Severity::Error),
        ("MR-05", "OPD-8/9", Severity::Warning),
        ("MR-06", "OPD-8/9", Severity::Error),
        ("MR-07", "OPD-8/9", Severity::Warning),
        ("MR-08", "CLN-5", Severity::Error),
        ("MR-09", "OPD-5", Severity::Warning),
        ("RQ-01", "OPD-17", Severity::Error),
        ("RQ-02", "OPD-17", Severity::Error),
        ("RQ-03", "OPD-17", Severity::Error),
        ("RQ-04", "OPD-17", Severity::Error),
        ("RQ-05", "CLN-8", Severity::Error),
        ("IR-01", "OPD-5", Severity::Error),
        ("IR-02", "OPD-5", Severity::Error),
        ("IR-03", "OPD-5", Severity::Error),
        ("IR-04", "OPD-5", Severity::Error),
        ("XV-01", "OPD-4", Severity::Error),
        ("XV-02", "OPD-10", Severity::Error),
        ("XV-03", "OPD-10", Severity::Error),
        ("XV-04", "OPD-5", Severity::Error),
        ("XV-05", "CLN-7", Severity::Error),
        ("XV-06", "OPD-17", Severity::Warning),
        ("HX-01", "CLN-18", Severity::Warning),
    ];

    #[test]
    fn registry_holds_exactly_the_catalog() {
        let codes: Vec<_> = RULES.iter().map(|r| (r.code, r.item, r.severity)).collect();
        assert_eq!(codes, CATALOG.to_vec());
        for r in RULES {
            assert!(
                std::ptr::eq(rule(r.code).unwrap(), *r),
                "{} is listed once",
                r.code
            );
        }
    }

    /// Each folder's rule files, its `rule_modules!` list and its rules agree: every `.rs`
    /// file but `mod.rs` is a listed module, each module is named by its rule's code
    /// (`rx08_…` holds RX-08), codes ascend within a folder and are unique in the registry.
    #[test]
    #[cfg(not(target_arch = "wasm32"))]
    fn folders_list_every_rule_file() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rules");
        let folders: [(&str, &[&str], &[&Rule], Group); 6] = [
            (
                "prescription",
                prescription::MODULES,
                prescription::RULES,
                Group::Prescription,
            ),
            ("record", record::MODULES, record::RULES, Group::Record),
            ("request", request::MODULES, request::RULES, Group::Request),
            (
                "infectious",
                infectious::MODULES,
                infectious::RULES,
                Group::Infectious,
            ),
            ("visit", visit::MODULES, visit::RULES, Group::Visit),
            ("history", history::MODULES, history::RULES, Group::History),
        ];
        let mut dirs: Vec<String> = std::fs::read_dir(&root)
            .expect("read src/rules")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.is_dir())
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        dirs.sort();
        let mut named: Vec<String> = folders.iter().map(|f| f.0.to_string()).collect();
        named.sort();
        assert_eq!(dirs, named, "every folder of src/rules is a rule folder");

        for (dir, modules, rules, group) in folders {
            let mut files: Vec<String> = std::fs::read_dir(root.join(dir))
                .expect("read a rule folder")
                .map(|e| e.expect("entry").path())
                .filter(|p| p.extension().is_some_and(|x| x == "rs"))
                .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
                .filter(|stem| stem != "mod")
                .collect();
            files.sort();
            let mut listed: Vec<String> = modules.iter().map(|m| m.to_string()).collect();
            listed.sort();
            assert_eq!(
                files, listed,
                "{dir}/: the files and `rule_modules!` differ"
            );
            assert_eq!(modules.len(), rules.len(), "{dir}/");
            for (module, r) in modules.iter().zip(rules.iter()) {
                let prefix = format!("{}_", r.code.replace('-', "").to_ascii_lowercase());
                assert!(
                    module.starts_with(&prefix),
                    "{dir}/{module}.rs holds {}: name it `{prefix}…`",
                    r.code
                );
                assert_eq!(r.group(), group, "{}: in {dir}/", r.code);
            }
            for pair in rules.windows(2) {
                assert!(
                    pair[0].code < pair[1].code,
                    "{dir}/: {} is listed before {}",
                    pair[0].code,
                    pair[1].code
                );
            }
        }

        let mut codes: Vec<&str> = RULES.iter().map(|r| r.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), RULES.len(), "rule codes are unique");
    }

    #[test]
    fn every_rule_is_documented() {
        for r in RULES {
            let doc = r.doc_text();
            assert!(!r.clause.is_empty(), "{}: clause", r.code);
            assert!(
                !r.title.0.is_empty() && !r.title.1.is_empty(),
                "{}: title",
                r.code
            );
            for heading in ["## What it checks", "## Why", "## Bad", "## Good"] {
                assert!(doc.contains(heading), "{}: doc lacks `{heading}`", r.code);
            }
            assert!(
                r.example("Bad").is_some() && r.example("Good").is_some(),
                "{}: examples",
                r.code
            );
        }
    }

    #[test]
    fn opd5_rules_name_their_case() {
        for r in RULES {
            assert_eq!(
                r.item == "OPD-5" && r.severity == Severity::Error,
                r.case.is_some(),
                "{}",
                r.code
            );
        }
    }

    /// Every rule's doc examples hold: the bad one (a patch on the clean sample of its kind)
    /// makes the rule fire, the good one does not.
    #[test]
    fn doc_examples_hold() {
        for r in RULES {
            let bad = crate::testing::check_example(r, &r.example("Bad").unwrap());
            assert!(
                bad.iter().any(|f| f.rule == r.code),
                "{}: the Bad example does not fire it: {bad:#?}",
                r.code
            );
            let good = crate::testing::check_example(r, &r.example("Good").unwrap());
            assert!(
                !good.iter().any(|f| f.rule == r.code),
                "{}: the Good example fires it: {good:#?}",
                r.code
            );
        }
    }
}
