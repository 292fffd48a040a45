//! The server's metrics, in the Prometheus text format: HTTP requests and their latency by route
//! template, records ingested by kind and outcome, findings by rule.
//!
//! The `metrics` crate's recorder is process-global and can be installed once: [`handle`]
//! installs it on first use and every app of the process shares it (tests that build many apps
//! in one process compare counts before and after). Labels are never request data: routes are
//! axum's matched templates (`/api/v1/records/{id}`), methods the standard ones, kinds and rule
//! codes the engine's own.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use opdcheck_api::records::{PushOutcome, PushResult};
use opdcheck_engine::model::DocKind;
use opdcheck_engine::report::Report;
use serde_json::Value;

pub const HTTP_REQUESTS: &str = "opdcheck_http_requests_total";
pub const HTTP_DURATION: &str = "opdcheck_http_request_duration_seconds";
pub const RECORDS_INGESTED: &str = "opdcheck_records_ingested_total";
pub const FINDINGS: &str = "opdcheck_findings_total";

/// Latency buckets (seconds): from a cached static file to the 30 s request timeout.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The route label of a request no route matched (static files, the app's pages, 404s): their
/// paths are the client's and may hold anything.
const UNMATCHED: &str = "(unmatched)";

/// The process's Prometheus handle; the recorder is installed on the first call. Should another
/// recorder be installed already (an embedding program's), this one records nothing and
/// `/metrics` renders what it has (nothing), with a warning in the log.
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.to_owned()), LATENCY_BUCKETS)
            .expect("the latency buckets are not empty")
            .build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("another metrics recorder is installed: /metrics stays empty");
        }
        describe();
        handle
    })
}

fn describe() {
    metrics::describe_counter!(
        HTTP_REQUESTS,
        "HTTP requests answered, by method, route and status"
    );
    metrics::describe_histogram!(
        HTTP_DURATION,
        metrics::Unit::Seconds,
        "Time to answer an HTTP request, by method and route"
    );
    metrics::describe_counter!(
        RECORDS_INGESTED,
        "Records pushed, by document kind and outcome (created, unchanged, or refused as conflict, version_gap, forbidden, invalid)"
    );
    metrics::describe_counter!(
        FINDINGS,
        "Findings of the server's checks, by rule, severity and source (push: records stored; check: POST /api/v1/check; fhir: POST /api/v1/fhir/$validate)"
    );
}

/// Drains the histograms now and then, so a server nobody scrapes does not keep every sample
/// (the exporter leaves this to its user when it runs no listener of its own).
pub fn spawn_upkeep() -> tokio::task::JoinHandle<()> {
    let handle = handle();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(5));
        loop {
            every.tick().await;
            handle.run_upkeep();
        }
    })
}

/// Middleware: counts every answered request and times it, by method and route template.
pub async fn track_requests(req: Request, next: Next) -> Response {
    handle();
    let method = method_label(req.method());
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| UNMATCHED.to_owned(), |p| p.as_str().to_owned());
    let started = Instant::now();
    let res = next.run(req).await;
    let status = res.status().as_u16().to_string();
    metrics::histogram!(HTTP_DURATION, "method" => method, "route" => route.clone())
        .record(started.elapsed().as_secs_f64());
    metrics::counter!(HTTP_REQUESTS, "method" => method, "route" => route, "status" => status)
        .increment(1);
    res
}

/// A method as a label: the standard ones by name, anything else `OTHER` (a client may invent
/// any number of methods).
fn method_label(method: &axum::http::Method) -> &'static str {
    match method.as_str() {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "DELETE" => "DELETE",
        "PATCH" => "PATCH",
        "OPTIONS" => "OPTIONS",
        _ => "OTHER",
    }
}

/// The document kind a pushed record says it is (`document.kind`), if it is one the engine
/// knows; else `unknown`. Read before the push, as refused records have no report.
pub fn pushed_kind(record: &Value) -> &'static str {
    let said = record
        .get("document")
        .and_then(|d| d.get("kind"))
        .and_then(Value::as_str);
    DocKind::ALL
        .iter()
        .map(|k| k.as_str())
        .find(|k| Some(*k) == said)
        .unwrap_or("unknown")
}

/// Counts a push's results (one per record, in the order of `kinds`), and the findings of the
/// records it stored now (a retry's report was counted when it was stored).
pub fn record_push(kinds: &[&'static str], results: &[PushResult]) {
    for (kind, result) in kinds.iter().zip(results) {
        metrics::counter!(RECORDS_INGESTED, "kind" => *kind, "outcome" => result.outcome.status())
            .increment(1);
        if let PushOutcome::Created { report } = &result.outcome {
            record_findings(report, "push");
        }
    }
}

/// Counts a report's findings by rule and severity, a visit's documents' reports included.
pub fn record_findings(report: &Report, source: &'static str) {
    for f in &report.findings {
        metrics::counter!(
            FINDINGS,
            "rule" => f.rule.clone(),
            "severity" => f.severity.as_str(),
            "source" => source
        )
        .increment(1);
    }
    for doc in report.documents.iter().flatten() {
        record_findings(doc, source);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_never_request_data() {
        assert_eq!(method_label(&axum::http::Method::GET), "GET");
        let odd = axum::http::Method::from_bytes(b"ZHANGSAN").unwrap();
        assert_eq!(method_label(&odd), "OTHER");
        let rec = serde_json::json!({"document": {"kind": "prescription"}});
        assert_eq!(pushed_kind(&rec), "prescription");
        let rec = serde_json::json!({"document": {"kind": "张三"}});
        assert_eq!(pushed_kind(&rec), "unknown");
        assert_eq!(pushed_kind(&serde_json::json!(42)), "unknown");
    }
}
