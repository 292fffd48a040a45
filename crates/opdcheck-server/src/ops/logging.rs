//! The log's format (`--log-format text|json`): lines of text for a person at a terminal, one
//! JSON object per line for a log collector. Either way the lines go to stderr (stdout carries
//! only what scripts read) and each line of a request carries the request's span fields: method,
//! route template, query parameter names, request id.

use tracing_subscriber::EnvFilter;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Installs the process's log subscriber; `RUST_LOG` filters (default: the server's info lines
/// and the request log).
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("opdcheck_server=info,tower_http=info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        // The current span's fields on every line (`span`), not the whole stack: the request
        // span is the only one.
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .init(),
    }
}
