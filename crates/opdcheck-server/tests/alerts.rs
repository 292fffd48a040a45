//! The alert-quality figures over real HTTP (issue 15): generated documents pushed under a
//! policy with tuning (a shadow entry, a downgrade scoped to one department) and doctors'
//! reasons, QA reviews confirming and dismissing shown and shadow findings, then
//! `GET /api/v1/alerts` by rule, department and drug checked figure by figure against counts
//! this test computes itself from the reports the push answered (never from the server's
//! tables); a new version replacing its rows; the start-time backfill; the shadow decisions'
//! validation and score; roles on both endpoints. Each scenario runs on a temporary SQLite file
//! and, in `postgres_alert_scenarios`, on a throw-away PostgreSQL cluster
//! (`OPDCHECK_SKIP_POSTGRES=1` skips it).

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::future::Future;
use std::pin::Pin;

use opdcheck_api::alerts::{AlertGroup, AlertQuality, AlertRow, ReasonCount};
use opdcheck_engine::{Engine, Report};
use opdcheck_server::{AppState, Store, app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

struct Server {
    api: common::Api,
    qa: String,
    admin: String,
    state: AppState,
    store: Store,
    _task: tokio::task::JoinHandle<()>,
}

/// `token` and `call` are the shared client's (`common::Api`).
impl std::ops::Deref for Server {
    type Target = common::Api;
    fn deref(&self) -> &common::Api {
        &self.api
    }
}

impl Server {
    async fn start(store: Store) -> Server {
        assert!(
            opdcheck_server::auth::seed_demo_users(&store)
                .await
                .unwrap()
        );
        let state = AppState::api_only(store.clone()).with_auth();
        let (base, task) = common::serve(app(state.clone())).await;
        let mut s = Server {
            api: common::Api::new(base),
            qa: String::new(),
            admin: String::new(),
            state,
            store,
            _task: task,
        };
        s.qa = format!("Bearer {}", s.token("qa").await);
        s.admin = format!("Bearer {}", s.token("admin").await);
        s
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, Some(("authorization", &self.qa)), None)
            .await
    }

    async fn put_review(&self, id: &str, body: &Value) -> (StatusCode, Value) {
        self.call(
            Method::PUT,
            &format!("/api/v1/records/{id}/review"),
            Some(("authorization", &self.qa)),
            Some(body),
        )
        .await
    }

    /// Push `(id, version, document)`s as the demo portal's key: the server's report of each.
    async fn push(&self, records: &[(String, i64, Value)]) -> Vec<Report> {
        let mut reports = Vec::new();
        for chunk in records.chunks(100) {
            let body: Vec<Value> = chunk
                .iter()
                .map(|(id, v, d)| json!({"id": id, "version": v, "document": d}))
                .collect();
            let (status, v) = self
                .call(
                    Method::POST,
                    "/api/v1/records",
                    Some(("x-api-key", opdcheck_server::auth::DEMO_PORTAL_KEY)),
                    Some(&json!({ "records": body })),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{v}");
            for r in v["results"].as_array().unwrap() {
                assert_eq!(r["status"], "created", "{r}");
                reports.push(serde_json::from_value(r["report"].clone()).unwrap());
            }
        }
        reports
    }

    async fn alerts(&self, by: &str) -> AlertQuality {
        let (status, v) = self
            .get(&format!(
                "/api/v1/alerts?from=2026-10-01&to=2026-10-31&by={by}"
            ))
            .await;
        assert_eq!(status, StatusCode::OK, "{v}");
        serde_json::from_value(v).unwrap()
    }
}

// ------------------------------------------------------------------------ the test's own count

/// One stored document as the test knows it: the document, the server's report from the push
/// answer, and QA's current decisions ((rule, path, shadow) → confirmed?).
struct Known {
    doc: Value,
    report: Report,
    decisions: HashMap<(String, String, bool), bool>,
}

/// `i` of a path at a drug line, `items[i]…`.
fn item_of(path: &str) -> Option<usize> {
    let rest = path.strip_prefix("items[")?;
    let (i, after) = rest.split_once(']')?;
    (after.is_empty() || after.starts_with('.') || after.starts_with('['))
        .then(|| i.parse().ok())
        .flatten()
}

fn drug_of(engine: &Engine, doc: &Value, i: usize) -> Option<String> {
    let name = doc["items"][i]["drug"].as_str()?;
    engine
        .formulary
        .resolve(&engine.policy.formulary, name)
        .drug
        .map(|d| d.name.clone())
}

fn in_october(doc: &Value) -> bool {
    opdcheck_server::ingest::doc_at(doc)
        .is_some_and(|at| at.as_str() >= "2026-10-01" && at.as_str() < "2026-10-31T~")
}

fn ratio(n: u64, of: u64) -> Option<f64> {
    (of > 0).then(|| n as f64 / of as f64)
}

/// The figures of October by `by`, counted from the documents and their reports as the
/// `AlertRow` doc comments define them.
fn expected(engine: &Engine, known: &BTreeMap<String, Known>, by: AlertGroup) -> AlertQuality {
    let october: Vec<&Known> = known.values().filter(|k| in_october(&k.doc)).collect();
    let kind = |k: &Known| k.doc["kind"].as_str().unwrap().to_owned();
    let department = |k: &Known| k.doc["department"].as_str().map(str::to_owned);
    let drugs = |k: &Known| -> BTreeSet<String> {
        if kind(k) != "prescription" {
            return BTreeSet::new();
        }
        (0..k.doc["items"].as_array().map_or(0, Vec::len))
            .filter_map(|i| drug_of(engine, &k.doc, i))
            .collect()
    };
    let mut rows: BTreeMap<(String, Option<String>), AlertRow> = BTreeMap::new();
    let mut reasons: BTreeMap<(String, Option<String>), BTreeMap<Option<String>, u64>> =
        BTreeMap::new();
    for k in &october {
        let findings = k
            .report
            .findings
            .iter()
            .map(|f| (f, false))
            .chain(k.report.shadow.iter().map(|f| (f, true)));
        for (f, shadow) in findings {
            let group = match by {
                AlertGroup::Rule => None,
                AlertGroup::Department => department(k),
                AlertGroup::Drug if kind(k) == "prescription" => {
                    item_of(&f.path).and_then(|i| drug_of(engine, &k.doc, i))
                }
                AlertGroup::Drug => None,
            };
            let key = (f.rule.clone(), group.clone());
            let row = rows
                .entry(key.clone())
                .or_insert_with(|| AlertRow::empty(&f.rule, group));
            let decision = k
                .decisions
                .get(&(f.rule.clone(), f.path.clone(), shadow))
                .copied();
            if shadow {
                row.shadow += 1;
                match decision {
                    Some(true) => row.shadow_confirmed += 1,
                    Some(false) => row.shadow_dismissed += 1,
                    None => {}
                }
            } else {
                row.fired += 1;
                match decision {
                    Some(true) => row.confirmed += 1,
                    Some(false) => row.dismissed += 1,
                    None => {}
                }
                if let Some(reason) = &f.reason {
                    row.overridden += 1;
                    *reasons
                        .entry(key)
                        .or_default()
                        .entry(reason.choice.clone())
                        .or_default() += 1;
                }
            }
        }
    }
    let rows = rows
        .into_iter()
        .map(|(key, mut row)| {
            let rule_kind = opdcheck_engine::rules::rule(&row.rule)
                .unwrap()
                .group()
                .kind()
                .as_str();
            row.documents = october
                .iter()
                .filter(|k| kind(k) == rule_kind)
                .filter(|k| match (by, &row.group) {
                    (AlertGroup::Department, g) => department(k) == *g,
                    (AlertGroup::Drug, Some(d)) => drugs(k).contains(d),
                    _ => true,
                })
                .count() as u64;
            row.per_100 = ratio(row.fired * 100, row.documents);
            row.override_rate = ratio(row.overridden, row.fired);
            row.dismissal_rate = ratio(row.dismissed, row.confirmed + row.dismissed);
            row.precision = ratio(
                row.shadow_confirmed,
                row.shadow_confirmed + row.shadow_dismissed,
            );
            let mut given: Vec<ReasonCount> = reasons
                .remove(&key)
                .unwrap_or_default()
                .into_iter()
                .map(|(choice, count)| ReasonCount {
                    label: match &choice {
                        Some(c) => engine
                            .policy
                            .alerts
                            .label(&row.rule, c)
                            .map_or_else(|| c.clone(), |t| t.zh),
                        None => "自述理由".to_owned(),
                    },
                    choice,
                    count,
                })
                .collect();
            given.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.choice.cmp(&b.choice)));
            row.reasons = given;
            row
        })
        .collect();
    AlertQuality {
        period: opdcheck_api::qa::Period {
            from: "2026-10-01".into(),
            to: "2026-10-31".into(),
        },
        by,
        documents: october.len() as u64,
        rows,
    }
}

/// Every figure of every grouping equals the test's own count.
async fn assert_figures(s: &Server, engine: &Engine, known: &BTreeMap<String, Known>) {
    for by in [AlertGroup::Rule, AlertGroup::Department, AlertGroup::Drug] {
        let got = s.alerts(by.as_str()).await;
        let want = expected(engine, known, by);
        assert_eq!(got.documents, want.documents, "by {by:?}");
        for (g, w) in got.rows.iter().zip(&want.rows) {
            assert_eq!(g, w, "by {by:?}");
        }
        assert_eq!(got.rows.len(), want.rows.len(), "by {by:?}");
        assert_eq!(got, want);
    }
}

// ------------------------------------------------------------------------------- scenarios

/// The documents: 400 generated ones (no whole visits) dated September and October.
fn generated() -> Vec<Value> {
    let first = chrono::NaiveDate::from_ymd_opt(2026, 9, 1).unwrap();
    let end = chrono::NaiveDate::from_ymd_opt(2026, 10, 31).unwrap();
    let mut demo = opdcheck_server::demo::generator(15, first, end).unwrap();
    (0..480)
        .map(|i| demo.document(i))
        .filter(|d| d["kind"] != "visit")
        .take(400)
        .collect()
}

/// The policy of the scenario: a shadow entry for the rule that fires most, and a downgrade of
/// the error rule that fires most on prescriptions, scoped to the department where it fires
/// most (found with the default policy).
fn tuning(docs: &[Value]) -> (Value, String, String, String) {
    let engine = Engine::default_engine();
    let mut all: BTreeMap<String, usize> = BTreeMap::new();
    let mut errors: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for d in docs {
        let r = engine.check_json(&d.to_string()).unwrap();
        for f in &r.findings {
            *all.entry(f.rule.clone()).or_default() += 1;
            if d["kind"] == "prescription"
                && f.severity == opdcheck_engine::Severity::Error
                && let Some(dep) = d["department"].as_str()
            {
                *errors
                    .entry(f.rule.clone())
                    .or_default()
                    .entry(dep.to_owned())
                    .or_default() += 1;
            }
        }
    }
    let most = |m: &BTreeMap<String, usize>| {
        m.iter()
            .max_by_key(|(k, n)| (**n, std::cmp::Reverse((*k).clone())))
            .map(|(k, _)| k.clone())
            .unwrap()
    };
    let shadowed = most(&all);
    errors.remove(&shadowed);
    let totals: BTreeMap<String, usize> = errors
        .iter()
        .map(|(r, m)| (r.clone(), m.values().sum()))
        .collect();
    let downgraded = most(&totals);
    let department = most(&errors[&downgraded]);
    let entry = |id: &str, rule: &str, action: &str, scope: Value| {
        json!({"id": id, "rule": rule, "action": action, "scope": scope,
               "rationale": "质控试行", "author": "质控科", "expires": "2027-12-31"})
    };
    let policy = json!({"alerts": {"tuning": [
        entry("T-1", &shadowed, "shadow", json!({})),
        entry("T-2", &downgraded, "downgrade", json!({"departments": [department]})),
    ]}});
    (policy, shadowed, downgraded, department)
}

/// Reasons on some documents: a pick-list choice for one finding, words alone for a rule, or
/// both; from the findings the document has under `engine`.
fn with_reasons(engine: &Engine, docs: &mut [Value]) {
    for (i, d) in docs.iter_mut().enumerate() {
        let r = engine.check_json(&d.to_string()).unwrap();
        let Some(f) = r.findings.first() else {
            continue;
        };
        let choice = engine
            .policy
            .alerts
            .choices(&f.rule)
            .first()
            .map(|c| c.key.clone());
        let reason = match i % 4 {
            0 => json!({"rule": f.rule, "path": f.path, "choice": choice}),
            1 => json!({"rule": f.rule, "text": "患者坚持，已告知风险"}),
            2 => json!({"rule": f.rule, "choice": "other", "text": "见病历"}),
            _ => continue,
        };
        d["reasons"] = json!([reason]);
    }
}

async fn figures(s: &Server) {
    let mut docs = generated();
    let (policy, shadowed, downgraded, department) = tuning(&docs);
    let (status, v) = s
        .call(
            Method::PUT,
            "/api/v1/policy",
            Some(("authorization", &s.admin)),
            Some(&policy),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let engine = Engine::with_policy_override(&policy.to_string()).unwrap();
    with_reasons(&engine, &mut docs);
    let records: Vec<(String, i64, Value)> = docs
        .iter()
        .map(|d| (d["id"].as_str().unwrap().to_owned(), 1, d.clone()))
        .collect();
    let reports = s.push(&records).await;
    let mut known: BTreeMap<String, Known> = records
        .into_iter()
        .zip(reports)
        .map(|((id, _, doc), report)| {
            (
                id,
                Known {
                    doc,
                    report,
                    decisions: HashMap::new(),
                },
            )
        })
        .collect();

    // The scenario has what it is about: shadow findings, tuned ones in the department only,
    // reasons with a choice and words alone.
    let all: Vec<&Known> = known.values().filter(|k| in_october(&k.doc)).collect();
    assert!(
        all.iter()
            .flat_map(|k| &k.report.shadow)
            .any(|f| f.rule == shadowed)
    );
    assert!(
        all.iter()
            .flat_map(|k| &k.report.findings)
            .all(|f| f.rule != shadowed)
    );
    let tuned: Vec<&Known> = all
        .iter()
        .copied()
        .filter(|k| {
            k.report
                .findings
                .iter()
                .any(|f| f.tuning.as_ref().is_some_and(|t| t.entry == "T-2"))
        })
        .collect();
    assert!(!tuned.is_empty(), "{downgraded} in {department}");
    assert!(
        tuned
            .iter()
            .all(|k| k.doc["department"] == department.as_str())
    );
    let reasons: Vec<_> = all
        .iter()
        .flat_map(|k| &k.report.findings)
        .filter_map(|f| f.reason.as_ref())
        .collect();
    assert!(reasons.iter().any(|r| r.choice.is_none()));
    assert!(reasons.iter().any(|r| r.choice.is_some()));

    // QA decides some shown and some shadow findings of October's documents.
    let reviewed: Vec<String> = known
        .iter()
        .filter(|(_, k)| {
            in_october(&k.doc) && !(k.report.findings.is_empty() && k.report.shadow.is_empty())
        })
        .map(|(id, _)| id.clone())
        .take(24)
        .collect();
    for (n, id) in reviewed.iter().enumerate() {
        let k = known.get_mut(id).unwrap();
        let mut decisions = Vec::new();
        let mut keys = BTreeSet::new();
        for (f, shadow) in k
            .report
            .findings
            .iter()
            .map(|f| (f, false))
            .chain(k.report.shadow.iter().map(|f| (f, true)))
        {
            if !keys.insert((f.rule.clone(), f.path.clone(), shadow)) || keys.len() > 3 {
                continue;
            }
            let confirm = (n + keys.len()) % 2 == 0;
            decisions.push(if confirm {
                json!({"rule": f.rule, "path": f.path, "decision": "confirmed", "shadow": shadow})
            } else {
                json!({"rule": f.rule, "path": f.path, "decision": "dismissed", "reason": "误报", "shadow": shadow})
            });
            k.decisions
                .insert((f.rule.clone(), f.path.clone(), shadow), confirm);
        }
        let (status, v) = s
            .put_review(id, &json!({"version": 1, "findings": decisions}))
            .await;
        assert_eq!(status, StatusCode::OK, "{v}");
    }
    // QA decided shown and shadow findings both ways.
    let decided: Vec<(bool, bool)> = known
        .values()
        .flat_map(|k| k.decisions.iter().map(|((_, _, shadow), c)| (*shadow, *c)))
        .collect();
    for want in [(false, false), (false, true), (true, false), (true, true)] {
        assert!(decided.contains(&want), "{want:?}");
    }
    assert_figures(s, &engine, &known).await;

    // A later revision replaces the decisions of the earlier one.
    let id = &reviewed[0];
    let k = known.get_mut(id).unwrap();
    let flipped: Vec<Value> = k
        .decisions
        .iter_mut()
        .map(|((rule, path, shadow), confirm)| {
            *confirm = !*confirm;
            if *confirm {
                json!({"rule": rule, "path": path, "decision": "confirmed", "shadow": shadow})
            } else {
                json!({"rule": rule, "path": path, "decision": "dismissed", "reason": "复核后驳回", "shadow": shadow})
            }
        })
        .collect();
    let (status, v) = s
        .put_review(id, &json!({"version": 1, "findings": flipped}))
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_figures(s, &engine, &known).await;

    // A new version replaces its id's rows (and QA's decisions were on the old version).
    let id = reviewed[1].clone();
    let mut doc = known[&id].doc.clone();
    doc["reasons"] = json!([]);
    if doc["kind"] == "prescription" {
        doc["items"] = json!([doc["items"][0].clone()]);
    }
    doc["department"] = json!("全科医学科");
    let report = s.push(&[(id.clone(), 2, doc.clone())]).await.remove(0);
    known.insert(
        id,
        Known {
            doc,
            report,
            decisions: HashMap::new(),
        },
    );
    assert_figures(s, &engine, &known).await;

    // Rows stored before migration 0010 are written at start, with QA's current decisions.
    if let Store::Sqlite(pool) = &s.store {
        for sql in [
            "DELETE FROM record_alerts",
            "DELETE FROM record_drugs",
            "UPDATE records SET alerts = FALSE",
        ] {
            sqlx::query(sql).execute(pool).await.unwrap();
        }
    }
    if let Store::Postgres(pool) = &s.store {
        for sql in [
            "DELETE FROM record_alerts",
            "DELETE FROM record_drugs",
            "UPDATE records SET alerts = FALSE",
        ] {
            sqlx::query(sql).execute(pool).await.unwrap();
        }
    }
    let filled = opdcheck_server::ingest::backfill_alerts(&s.store, &s.state.engine())
        .await
        .unwrap();
    assert_eq!(filled, known.len() as u64);
    assert_figures(s, &engine, &known).await;

    // The CSV: the same rows, a BOM, a Chinese and English header, CRLF.
    let (status, v) = s
        .get("/api/v1/alerts.csv?from=2026-10-01&to=2026-10-31&by=department")
        .await;
    assert_eq!(status, StatusCode::OK);
    let text = v["text"].as_str().unwrap();
    assert!(text.starts_with("\u{feff}规则 rule,分组 group,文书数 documents,"));
    let lines: Vec<&str> = text.trim_end_matches("\r\n").split("\r\n").collect();
    let want = expected(&engine, &known, AlertGroup::Department);
    assert_eq!(lines.len(), want.rows.len() + 1);
    let row = &want.rows[0];
    assert!(
        lines[1].starts_with(&format!(
            "{},{},{},{},",
            row.rule,
            row.group.as_deref().unwrap_or(""),
            row.documents,
            row.fired
        )),
        "{}",
        lines[1]
    );

    // Located parameters, and the default period (the current month) answers.
    let (status, v) = s.get("/api/v1/alerts?by=ward").await;
    assert_eq!(
        (status, &v["error"]["path"]),
        (StatusCode::BAD_REQUEST, &json!("by"))
    );
    let (status, v) = s.get("/api/v1/alerts.csv?from=2026-13-01").await;
    assert_eq!(
        (status, &v["error"]["path"]),
        (StatusCode::BAD_REQUEST, &json!("from"))
    );
    let (status, v) = s.get("/api/v1/alerts").await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["by"], "rule");
}

/// A shadow decision names a shadow finding, a shown one a shown finding; shadow decisions are
/// kept with the review and never change its score.
async fn shadow_decisions(s: &Server) {
    // RX-08 (both lines 遵医嘱) in shadow by a trial downgrade of the first line's drug: the
    // errors stay shown, a warning copy at items[0].frequency is kept in shadow.
    let mut doc: Value =
        serde_json::from_str(opdcheck_engine::samples::PRESCRIPTION_CLEAN).unwrap();
    doc["id"] = json!("rx-shadow");
    doc["items"][0]["frequency"] = json!("遵医嘱");
    doc["items"][1]["frequency"] = json!("遵医嘱");
    // Unsigned: another rule's finding, which a shadow entry keeps from the doctor.
    doc["prescriber"]["signed_at"] = Value::Null;
    doc["prescriber"]["signature_id"] = Value::Null;
    let other = Engine::default_engine()
        .check_json(&doc.to_string())
        .unwrap()
        .findings
        .iter()
        .find(|f| f.rule != "RX-08")
        .expect("the unsigned prescription's finding")
        .rule
        .clone();
    let drug = doc["items"][0]["drug"].as_str().unwrap().to_owned();
    let engine = Engine::default_engine();
    let canonical = engine
        .formulary
        .resolve(&engine.policy.formulary, &drug)
        .drug
        .unwrap()
        .name
        .clone();
    let policy = json!({"alerts": {"tuning": [
        {"id": "T-9", "rule": "RX-08", "action": "downgrade", "trial": true,
         "scope": {"drugs": [canonical]}, "rationale": "试行", "author": "质控科", "expires": "2099-12-31"},
        {"id": "T-10", "rule": other, "action": "shadow", "scope": {},
         "rationale": "试行", "author": "质控科", "expires": "2099-12-31"}
    ]}});
    let (status, v) = s
        .call(
            Method::PUT,
            "/api/v1/policy",
            Some(("authorization", &s.admin)),
            Some(&policy),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let report = s.push(&[("rx-shadow".into(), 1, doc)]).await.remove(0);
    let shown = report
        .findings
        .iter()
        .find(|f| f.rule == "RX-08")
        .expect("RX-08 shown");
    let shadow = report
        .shadow
        .iter()
        .find(|f| f.rule == "RX-08")
        .expect("RX-08 in shadow");
    assert_eq!(shown.path, shadow.path, "a trial's copy shares the path");
    let located = |v: &Value| {
        (
            v["error"]["code"].as_str().unwrap_or_default().to_owned(),
            v["error"]["path"].as_str().unwrap_or_default().to_owned(),
        )
    };
    // A shadow decision at a path only a shown finding has, and the other way round.
    let only_shown = report
        .findings
        .iter()
        .find(|f| {
            !report
                .shadow
                .iter()
                .any(|x| x.rule == f.rule && x.path == f.path)
        })
        .expect("a finding not in shadow");
    let (status, v) = s
        .put_review(
            "rx-shadow",
            &json!({"version": 1, "findings": [
                {"rule": only_shown.rule, "path": only_shown.path, "decision": "confirmed", "shadow": true}]}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(
        located(&v),
        ("unknown_finding".into(), "findings[0]".into())
    );
    let only_shadow = report
        .shadow
        .iter()
        .find(|f| f.rule == other)
        .expect("the shadow rule's finding");
    assert!(!report.findings.iter().any(|f| f.rule == other));
    let (status, v) = s
        .put_review(
            "rx-shadow",
            &json!({"version": 1, "findings": [
                {"rule": only_shadow.rule, "path": only_shadow.path, "decision": "confirmed"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(
        located(&v),
        ("unknown_finding".into(), "findings[0]".into())
    );

    // Shadow decisions do not change the score: none, then dismissing the shadow copy, give
    // the same total; the same decision on the shown finding does.
    let (status, plain) = s
        .put_review("rx-shadow", &json!({"version": 1, "findings": []}))
        .await;
    assert_eq!(status, StatusCode::OK, "{plain}");
    let dismiss = |shadow: bool| {
        json!({"rule": "RX-08", "path": shadow_path(&report), "decision": "dismissed",
               "reason": "续方，患者熟知用法", "shadow": shadow})
    };
    let second = json!({"rule": "RX-08", "path": "items[1].frequency", "decision": "dismissed",
                        "reason": "续方，患者熟知用法"});
    let (status, with_shadow) = s
        .put_review(
            "rx-shadow",
            &json!({"version": 1, "findings": [dismiss(true)]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{with_shadow}");
    let score = |v: &Value| {
        (
            v["review"]["deduction"].clone(),
            v["review"]["qualified"].clone(),
        )
    };
    assert!(score(&plain).0.is_number(), "{plain}");
    assert_eq!(score(&with_shadow), score(&plain));
    // With the shown ones: those are scored, the shadow one kept beside them.
    let (status, both) = s
        .put_review(
            "rx-shadow",
            &json!({"version": 1, "findings": [dismiss(true), dismiss(false), second]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{both}");
    assert_ne!(score(&both).0, score(&plain).0);
    // The review reads back with the shadow decision as it was saved.
    let (status, bundle) = s.get("/api/v1/records/rx-shadow/review").await;
    assert_eq!(status, StatusCode::OK, "{bundle}");
    let saved = bundle["review"]["findings"].as_array().unwrap();
    assert_eq!(saved.len(), 3);
    assert_eq!(saved[0]["shadow"], true);
    assert!(saved[1].get("shadow").is_none_or(|v| v == false));
    // And the alert rows hold it: RX-08's shadow copy dismissed, the shown one dismissed.
    let at = opdcheck_server::ingest::doc_at(&bundle["record"]["body"]).unwrap();
    let year = &at[..4];
    let (status, v) = s
        .get(&format!("/api/v1/alerts?from={year}-01-01&to={year}-12-31"))
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let row = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "RX-08")
        .unwrap();
    assert_eq!(
        (
            &row["fired"],
            &row["dismissed"],
            &row["shadow"],
            &row["shadow_dismissed"]
        ),
        (&json!(2), &json!(2), &json!(1), &json!(1)),
        "{row}"
    );
    assert_eq!(row["precision"], json!(0.0));
}

fn shadow_path(report: &Report) -> String {
    report
        .shadow
        .iter()
        .find(|f| f.rule == "RX-08")
        .unwrap()
        .path
        .clone()
}

/// QA and admins only, on both endpoints.
async fn roles(s: &Server) {
    let doctor = format!("Bearer {}", s.token("doctor").await);
    for path in ["/api/v1/alerts?by=drug", "/api/v1/alerts.csv"] {
        let who: [(Option<(&str, &str)>, StatusCode); 5] = [
            (None, StatusCode::UNAUTHORIZED),
            (
                Some(("authorization", doctor.as_str())),
                StatusCode::FORBIDDEN,
            ),
            (
                Some(("x-api-key", opdcheck_server::auth::DEMO_PORTAL_KEY)),
                StatusCode::FORBIDDEN,
            ),
            (Some(("authorization", s.qa.as_str())), StatusCode::OK),
            (Some(("authorization", s.admin.as_str())), StatusCode::OK),
        ];
        for (auth, want) in who {
            let (status, v) = s.call(Method::GET, path, auth, None).await;
            assert_eq!(status, want, "{path}: {v}");
            if !status.is_success() {
                assert!(v["error"]["code"].is_string(), "{v}");
            }
        }
    }
}

type Scenario = for<'a> fn(&'a Server) -> Pin<Box<dyn Future<Output = ()> + 'a>>;

const SCENARIOS: &[(&str, Scenario)] = &[
    ("alerts_figures", |s| Box::pin(figures(s))),
    ("alerts_shadow_decisions", |s| Box::pin(shadow_decisions(s))),
    ("alerts_roles", |s| Box::pin(roles(s))),
];

async fn on_sqlite(name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(&dir.path().join("alerts.db"))
        .await
        .unwrap();
    let (_, run) = SCENARIOS.iter().find(|(n, _)| *n == name).unwrap();
    let server = Server::start(store).await;
    run(&server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_alert_figures_equal_the_tests_own_counts() {
    on_sqlite("alerts_figures").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_shadow_decisions() {
    on_sqlite("alerts_shadow_decisions").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_alert_roles() {
    on_sqlite("alerts_roles").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_alert_scenarios() {
    let Some(cluster) = common::pg_cluster("postgres_alert_scenarios") else {
        return;
    };
    for (name, run) in SCENARIOS {
        let store = Store::connect(&cluster.create_database(name).await)
            .await
            .unwrap();
        let server = Server::start(store).await;
        eprintln!("postgres: {name}");
        run(&server).await;
    }
    drop(cluster);
}
