//! `opdcheck-server [--addr 127.0.0.1:8080] [--dist dist] [--data-dir data] [--database-url URL]
//! [--header-timeout-secs 10] [--max-connections 1024] [--frame-ancestors "'self'"]`: serve the
//! built web app and the API.
//!
//! `opdcheck-server demo-data [--months 3] [--records 5000] [--seed 1] [--data-dir data]`: fill
//! the store with generated records (checked by the engine as a real push), then exit.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use axum::http::HeaderValue;
use clap::{Parser, Subcommand};
use opdcheck_server::{AppState, Error, ServeConfig, Store, app, auth, serve_with};
use tracing_subscriber::EnvFilter;

#[derive(Parser, Debug)]
#[command(
    name = "opdcheck-server",
    version,
    about = "Serve the opdcheck web app and its HTTP API"
)]
struct Args {
    #[command(subcommand)]
    command: Option<Command>,
    /// Address to listen on; port 0 picks a free port (the URL printed names it).
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Trunk's output directory (`trunk build --release` writes dist/).
    #[arg(long, default_value = "dist")]
    dist: PathBuf,
    /// Where the default SQLite database (opdcheck.db) lives; created on first start.
    #[arg(long, default_value = "data", global = true)]
    data_dir: PathBuf,
    /// A PostgreSQL (`postgres://user@host:port/db`) or SQLite (`sqlite:path`) URL; overrides
    /// --data-dir.
    #[arg(long, env = "DATABASE_URL", global = true)]
    database_url: Option<String>,
    /// A browser origin (scheme://host:port) other than this server allowed to call the API;
    /// repeat it, or list them comma-separated in OPDCHECK_CORS_ORIGINS.
    #[arg(
        long = "cors-origin",
        env = "OPDCHECK_CORS_ORIGINS",
        value_delimiter = ','
    )]
    cors_origins: Vec<String>,
    /// Seconds a client has to send a request's head (line and headers); slower or silent
    /// connections are closed.
    #[arg(long, default_value_t = opdcheck_server::HEADER_READ_TIMEOUT.as_secs())]
    header_timeout_secs: u64,
    /// Connections served at once; over this, new connections wait in the accept backlog until
    /// one closes.
    #[arg(long, default_value_t = opdcheck_server::MAX_CONNECTIONS)]
    max_connections: usize,
    /// Who may frame the app (CSP frame-ancestors): `'self'`, `'none'`, or origins such as
    /// `https://his.example.org`, space- or comma-separated.
    #[arg(long, env = "OPDCHECK_FRAME_ANCESTORS", default_value = "'self'")]
    frame_ancestors: String,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Fill the store with realistic generated records (several departments and doctors over the
    /// last months, about one in eight with a typical defect), each checked by the engine as a
    /// real push; then exit. Ids are `demo-…`: running it again with the same options adds nothing.
    DemoData {
        /// Calendar months to spread the records over, ending with the current month.
        #[arg(long, default_value_t = 3)]
        months: u32,
        /// How many records.
        #[arg(long, default_value_t = 5000)]
        records: usize,
        /// Seed of the generator (the same seed gives the same records).
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
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

async fn open_store(args: &Args) -> Result<Store, Error> {
    match &args.database_url {
        Some(url) => Store::connect(url).await,
        None => {
            opdcheck_server::store::create_data_dir(&args.data_dir)?;
            Store::open_sqlite(&args.data_dir.join("opdcheck.db")).await
        }
    }
}

async fn demo_data(args: &Args, months: u32, records: usize, seed: u64) -> Result<(), Error> {
    let store = open_store(args).await?;
    auth::seed_demo_users(&store).await?;
    let state = AppState::api_only(store.clone());
    state.load_policy().await?;
    let engine = state.engine();
    store.backfill_derived(&engine).await?;
    let opts = opdcheck_server::demo::Options {
        months: months.clamp(1, 120),
        records,
        seed,
        end: chrono::Utc::now().date_naive(),
    };
    let started = std::time::Instant::now();
    let s = opdcheck_server::demo::fill(&store, &engine, &opts).await?;
    println!(
        "opdcheck: demo data: {} records created, {} already there, {} refused ({:.1} s); \
         sign in as qa/qa to see them",
        s.created,
        s.unchanged,
        s.other,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn run(args: Args) -> Result<(), Error> {
    if let Some(Command::DemoData {
        months,
        records,
        seed,
    }) = args.command
    {
        return demo_data(&args, months, records, seed).await;
    }
    let state = AppState::new(&args.dist)?;
    let store = open_store(&args).await?;
    let backend = store.backend();
    let seeded = auth::seed_demo_users(&store).await?;
    let origins = args
        .cors_origins
        .iter()
        .map(|o| o.trim())
        .filter(|o| !o.is_empty())
        .map(|o| {
            HeaderValue::from_str(o)
                .map_err(|_| Error::Config(format!("--cors-origin {o:?} is not a valid origin")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let state = state
        .with_store(store)
        .with_auth()
        .with_cors_origins(origins)
        .with_frame_ancestors(&args.frame_ancestors)?;
    if args.header_timeout_secs == 0 || args.max_connections == 0 {
        return Err(Error::Config(
            "--header-timeout-secs and --max-connections must be at least 1".into(),
        ));
    }
    let config = ServeConfig {
        header_read_timeout: std::time::Duration::from_secs(args.header_timeout_secs),
        max_connections: args.max_connections,
    };
    // The policy an admin set is in force after a restart too.
    state.load_policy().await?;
    // Records stored before the QA columns existed get them (once; nothing to do afterwards).
    let filled = state.store()?.backfill_derived(&state.engine()).await?;
    if filled > 0 {
        tracing::info!(records = filled, "derived sheet columns filled");
    }
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
    if seeded {
        println!(
            "opdcheck: created demo accounts (no users existed): sign in with POST /api/v1/login \
             as doctor/doctor (doctor_id D0012), qa/qa or admin/admin; the demo portal's integrator \
             key is {} (X-Api-Key); change them before real use",
            auth::DEMO_PORTAL_KEY
        );
    }
    serve_with(listener, app(state), shutdown_signal(), config).await
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
