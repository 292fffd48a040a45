//! The catalog rendered from the registry: `docs/rules.md`, the CLI's `rules` command and the
//! app's catalog page all come from here, and [`RuleInfo`], the one serialised form of a rule
//! (the CLI's `rules --format json`, the widget's `rules()`, the API's `GET /api/v1/rules`).

use std::fmt::Write;

use serde::{Deserialize, Serialize};

use crate::policy::Policy;
use crate::report::{Severity, Text};
use crate::rules::{Group, RULES, Rule};

/// A rule's group on the wire (the folder of the catalog it is in).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum RuleGroup {
    Prescription,
    Record,
    Request,
    Infectious,
    Visit,
    History,
}

impl From<Group> for RuleGroup {
    fn from(g: Group) -> RuleGroup {
        match g {
            Group::Prescription => RuleGroup::Prescription,
            Group::Record => RuleGroup::Record,
            Group::Request => RuleGroup::Request,
            Group::Infectious => RuleGroup::Infectious,
            Group::Visit => RuleGroup::Visit,
            Group::History => RuleGroup::History,
        }
    }
}

/// What a rule checks: a document kind, a visit (cross-document) or `history` (across a
/// patient's records).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    Prescription,
    OutpatientRecord,
    ExamRequest,
    InfectiousReport,
    Visit,
    History,
}

impl From<Group> for RuleKind {
    fn from(g: Group) -> RuleKind {
        match g {
            Group::Prescription => RuleKind::Prescription,
            Group::Record => RuleKind::OutpatientRecord,
            Group::Request => RuleKind::ExamRequest,
            Group::Infectious => RuleKind::InfectiousReport,
            Group::Visit => RuleKind::Visit,
            Group::History => RuleKind::History,
        }
    }
}

/// One rule of the catalog as every entry point serialises it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "Rule"))]
pub struct RuleInfo {
    /// Stable code, e.g. `RX-08` (docs/rules.md).
    pub code: String,
    /// The assessment item its findings are scored under, e.g. `OPD-11` (`OPD-8/9` where it
    /// depends on the visit).
    pub item: String,
    pub group: RuleGroup,
    pub kind: RuleKind,
    /// The severity of its findings (the highest, where it varies: see `severity_note`).
    pub severity: Severity,
    /// When the severity varies, how (catalog wording); absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub severity_note: Option<String>,
    pub title: Text,
    /// The clause(s) it enforces.
    pub clause: String,
    /// A recorded reason (and signature) can accept the finding.
    pub overridable: bool,
    /// OPD-5 only: which per-case deduction a finding charges (`late`, `defective`, `missed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub case: Option<String>,
    /// The rule's full documentation (Markdown), when asked for (`opdcheck rules CODE`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub doc: Option<String>,
}

impl RuleInfo {
    /// The rule without its documentation.
    pub fn of(r: &Rule) -> RuleInfo {
        RuleInfo {
            code: r.code.to_string(),
            item: r.item.to_string(),
            group: r.group().into(),
            kind: r.group().into(),
            severity: r.severity,
            severity_note: (!r.severity_note.is_empty()).then(|| r.severity_note.to_string()),
            title: r.title_text(),
            clause: r.clause.to_string(),
            overridable: r.overridable,
            case: r.case.map(str::to_string),
            doc: None,
        }
    }

    /// The rule with its documentation.
    pub fn with_doc(r: &Rule) -> RuleInfo {
        RuleInfo {
            doc: Some(r.doc_text()),
            ..RuleInfo::of(r)
        }
    }
}

/// The whole catalog, in registry order, without the documentation.
pub fn rule_infos() -> Vec<RuleInfo> {
    RULES.iter().map(|r| RuleInfo::of(r)).collect()
}

/// The severity column: the rule's severity, or how it varies.
pub fn severity_text(r: &Rule) -> String {
    if r.severity_note.is_empty() {
        r.severity.as_str().to_string()
    } else {
        r.severity_note.to_string()
    }
}

/// One rule's full doc as Markdown.
pub fn rule_markdown(r: &Rule) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "### {} · {} / {}\n", r.code, r.title.0, r.title.1);
    let _ = writeln!(
        s,
        "- item: `{}`{}",
        r.item,
        r.case
            .map(|c| format!(" ({c}, per case)"))
            .unwrap_or_default()
    );
    let _ = writeln!(s, "- severity: {}", severity_text(r));
    let _ = writeln!(s, "- clause: {}", r.clause);
    let _ = writeln!(
        s,
        "- overridable: {}\n",
        if r.overridable {
            "yes (with a recorded reason)"
        } else {
            "no"
        }
    );
    // Doc headings move down two levels under the rule's own heading.
    for line in r.doc_text().lines() {
        if let Some(h) = line.strip_prefix("## ") {
            let _ = writeln!(s, "#### {h}");
        } else {
            let _ = writeln!(s, "{line}");
        }
    }
    s
}

/// `docs/rules.md`.
pub fn markdown(policy: &Policy) -> String {
    let mut s = String::new();
    s.push_str("<!-- Generated from the rule registry (crates/opdcheck-engine/src/rules). Do not edit: run `cargo test -p opdcheck-engine` with UPDATE_EXPECT=1 to refresh. -->\n\n");
    s.push_str("# Rule catalog\n\n");
    let _ = writeln!(
        s,
        "Catalog version {}; {} rules. Each finding carries the rule code, the assessment item, the field path, a zh and an en message, a fix hint and the clause.\n",
        crate::CATALOG_VERSION,
        RULES.len()
    );
    s.push_str("## Assessment items\n\n| item | what it asks | deduction | checked by |\n|---|---|---|---|\n");
    let mut items: Vec<_> = policy.items.iter().collect();
    items.sort_by_key(|(k, _)| crate::score::item_order(k));
    for (code, item) in items {
        let rules: Vec<&str> = RULES
            .iter()
            .filter(|r| {
                r.item.split('/').next() == Some(code.as_str())
                    || r.item == code.as_str()
                    || (r.item == "OPD-8/9" && (code == "OPD-8" || code == "OPD-9"))
            })
            .map(|r| r.code)
            .collect();
        let deduction = if item.per_case.is_empty() {
            format!("{}", item.deduction)
        } else {
            item.per_case
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join(", ")
                + " (per case)"
        };
        let mut by = if item.manual {
            "manual checklist".to_string()
        } else {
            rules.join(", ")
        };
        if item.manual_check.is_some() {
            by.push_str("; manual checklist");
        }
        if !item.confirmed_warnings.is_empty() {
            let _ = write!(
                by,
                " ({}: once QA confirms)",
                item.confirmed_warnings.join(", ")
            );
        }
        let _ = writeln!(
            s,
            "| {code} | {} / {} | {deduction} | {by} |",
            item.zh, item.en
        );
    }
    for g in Group::ALL {
        let (zh, en) = g.title();
        let _ = writeln!(
            s,
            "\n## {en} ({zh})\n\n| rule | item | severity | check |\n|---|---|---|---|"
        );
        for r in RULES.iter().filter(|r| r.group() == g) {
            let _ = writeln!(
                s,
                "| [{}](#{}) | {} | {} | {} / {} |",
                r.code,
                anchor(r),
                r.item,
                severity_text(r),
                r.title.0,
                r.title.1
            );
        }
    }
    s.push_str("\n## Rules\n\n");
    for r in RULES {
        s.push_str(&rule_markdown(r));
        s.push('\n');
    }
    s
}

fn anchor(r: &Rule) -> String {
    // GitHub's anchor for "### RX-01 · 处方前记完整 / prescription header complete".
    let heading = format!("{} · {} / {}", r.code, r.title.0, r.title.1);
    heading
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => {
                Some(c.to_lowercase().next().unwrap_or(c))
            }
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    /// `docs/rules.md` is generated from the registry; this fails when it is stale and
    /// rewrites it when `UPDATE_EXPECT=1`.
    #[test]
    fn docs_rules_md_is_fresh() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/rules.md");
        let want = super::markdown(&crate::Engine::default_engine().policy);
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        if have != want {
            if std::env::var_os("UPDATE_EXPECT").is_some() {
                std::fs::write(&path, &want).expect("write docs/rules.md");
            } else {
                panic!(
                    "docs/rules.md is stale: run `UPDATE_EXPECT=1 cargo test -p opdcheck-engine docs_rules_md_is_fresh`"
                );
            }
        }
    }
}
