//! `opdcheck-server [--addr 127.0.0.1:8080] [--dist dist] [--data-dir data] [--database-url URL]`:
//! serve the built web app and the API.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use opdcheck_server::{AppState, Error, Store, app, serve};
use tracing_subscriber::EnvFilter;

#[derive(Parser, Debug)]
#[command(
    name = "opdcheck-server",
    version,
    about = "Serve the opdcheck web app and its HTTP API"
)]
struct Args {
    /// Address to listen on; port 0 picks a free port (the URL printed names it).
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Trunk's output directory (`trunk build --release` writes dist/).
    #[arg(long, default_value = "dist")]
    dist: PathBuf,
    /// Where the default SQLite database (opdcheck.db) lives; created on first start.
    #[arg(long, default_value = "data")]
    data_dir: PathBuf,
    /// A PostgreSQL (`postgres://user@host:port/db`) or SQLite (`sqlite:path`) URL; overrides
    /// --data-dir.
    #[arg(long, env = "DATABASE_URL")]
    database_url: Option<String>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("opdcheck_server=info,tower_http=info")),
        )
        // Logs go to stderr; stdout carries only the URL line, which scripts read.
        .with_writer(std::io::stderr)
        .init();
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("opdcheck-server: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), Error> {
    let state = AppState::new(&args.dist)?;
    let store = match &args.database_url {
        Some(url) => Store::connect(url).await?,
        None => {
            std::fs::create_dir_all(&args.data_dir)?;
            Store::open_sqlite(&args.data_dir.join("opdcheck.db")).await?
        }
    };
    let backend = store.backend();
    let state = state.with_store(store);
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .map_err(|source| Error::Bind {
            addr: args.addr,
            source,
        })?;
    let addr = listener.local_addr()?;
    let dist = state.dist().map(|d| d.display().to_string());
    tracing::info!(dist = ?dist, database = backend, %addr, "listening");
    println!("opdcheck: serving http://{addr}/");
    serve(listener, app(state), shutdown_signal()).await
}

/// Ctrl-C, or SIGTERM (what process managers and test harnesses send).
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}
