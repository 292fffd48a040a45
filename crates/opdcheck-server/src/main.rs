//! `opdcheck-server [--addr 127.0.0.1:8080] [--dist DIR] [--data-dir data] [--database-url URL]
//! [--demo] [--idle-timeout-minutes 30] [--header-timeout-secs 10] [--max-connections 1024]
//! [--frame-ancestors "'self'"]`: serve the web app (built into the release binary by
//! `cargo xtask`, or `--dist`) and the API. Without `--demo`
//! no account exists until one is made with `user add` (docs/deploying.md).
//!
//! `opdcheck-server user add NAME --role admin|qa|doctor [--doctor-id ID]`, `user passwd NAME`
//! (the password from stdin), `key add NAME [--scope check,push,read] [--department D]
//! [--expires YYYY-MM-DD]`, `key revoke NAME`, `key list`: accounts and integrator keys.
//!
//! `opdcheck-server demo-data [--months 3] [--records 5000] [--seed 1] [--data-dir data]`: fill
//! the store with generated records (checked by the engine as a real push), then exit.
//!
//! `opdcheck-server [--data-dir data] backup --to FILE [--force]`: a consistent copy of the
//! SQLite database, also while the server runs (docs/deploying.md, "Backup and restore").

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use axum::http::HeaderValue;
use clap::{Parser, Subcommand};
use opdcheck_server::ops::logging::{self, LogFormat};
use opdcheck_server::{AppState, Error, ServeConfig, Store, app, auth, serve_with};

/// The ingest's allocation-heavy work (JSON bodies, reports, SQL binds) runs faster on mimalloc
/// than on glibc's allocator (docs/benchmarks.md §6).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// Serve the app from this directory (Trunk's output, `cargo xtask` writes dist/) instead of
    /// the app built into this binary. Default: the built-in app, or ./dist when the binary
    /// carries none (a plain `cargo build`).
    #[arg(long)]
    dist: Option<PathBuf>,
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
    /// The address of a reverse proxy in front of this server (repeat it, or list them
    /// comma-separated in OPDCHECK_TRUSTED_PROXIES): for its requests the client's address,
    /// which sign-in limits and the audit trail use, is read from `X-Forwarded-For`.
    #[arg(
        long = "trusted-proxy",
        env = "OPDCHECK_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    trusted_proxies: Vec<std::net::IpAddr>,
    /// Demo mode: make the demo accounts (doctor/doctor, qa/qa, admin/admin) and the demo
    /// portal's key when no user exists, and serve the demo portal at /portal/. Never in
    /// production.
    #[arg(long)]
    demo: bool,
    /// A signed-in session unused for this long ends (besides the 12 h limit).
    #[arg(
        long,
        env = "OPDCHECK_IDLE_TIMEOUT_MINUTES",
        default_value_t = 30,
        value_parser = clap::value_parser!(u64).range(1..=720)
    )]
    idle_timeout_minutes: u64,
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
    /// The log's format on stderr: `text` lines, or `json`, one object per line (for a log
    /// collector). Each request's lines carry its id (`x-request-id`).
    #[arg(
        long,
        env = "OPDCHECK_LOG_FORMAT",
        value_enum,
        default_value_t = LogFormat::Text,
        global = true
    )]
    log_format: LogFormat,
    /// A bearer token (at least 32 characters) that may read /metrics, for Prometheus; admins
    /// may read it signed in. Prefer the environment (OPDCHECK_METRICS_TOKEN) to the command
    /// line, which other users can see.
    #[arg(long, env = "OPDCHECK_METRICS_TOKEN", hide_env_values = true)]
    metrics_token: Option<String>,
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
    /// Users: `user add` makes one (the first admin, say), `user passwd` sets a password.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Integrator API keys: add (printed once), revoke, list.
    Key {
        #[command(subcommand)]
        command: KeyCommand,
    },
    /// Copy the SQLite database to FILE, consistently, also while the server runs (PostgreSQL:
    /// use pg_dump, see docs/deploying.md). The copy is checked and its records counted.
    Backup {
        /// The copy to write (owner-only, 0600); restore it as `opdcheck.db` in a stopped
        /// server's data directory.
        #[arg(long)]
        to: PathBuf,
        /// Replace FILE if it exists.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Subcommand, Debug)]
enum UserCommand {
    /// Create a user; the password is read from stdin (one line; prompted without echo on a
    /// terminal). At least 10 characters.
    Add {
        name: String,
        #[arg(long, value_parser = ["admin", "qa", "doctor"])]
        role: String,
        /// The id a doctor's documents are signed with (required for --role doctor).
        #[arg(long)]
        doctor_id: Option<String>,
    },
    /// Set a user's password (read from stdin as for `add`); their sessions end.
    Passwd { name: String },
}

#[derive(Subcommand, Debug)]
enum KeyCommand {
    /// Create a key and print it (it is shown only this once).
    Add {
        name: String,
        /// What the key may do: check, push, read (comma-separated; default check,push).
        #[arg(long = "scope", value_delimiter = ',')]
        scopes: Vec<String>,
        /// Bind the key to a department (repeat for several); default: every department.
        #[arg(long = "department")]
        departments: Vec<String>,
        /// Last day the key works (YYYY-MM-DD, UTC).
        #[arg(long)]
        expires: Option<String>,
    },
    /// Revoke a key (kept, refused from now on).
    Revoke { name: String },
    /// List keys: name, scopes, departments, dates; never the keys.
    List,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    // Logs go to stderr; stdout carries only the URL line, which scripts read.
    logging::init(args.log_format);
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

/// Where the app's files are: `--dist`, else the app built into this binary (unpacked into the
/// data directory), else ./dist.
fn app_dir(args: &Args) -> Result<PathBuf, Error> {
    if let Some(dist) = &args.dist {
        return Ok(dist.clone());
    }
    if opdcheck_server::embedded::is_embedded() {
        opdcheck_server::store::create_data_dir(&args.data_dir)?;
        if let Some(dir) = opdcheck_server::embedded::unpack(&args.data_dir)? {
            tracing::info!(unpacked_to = %dir.display(), "serving the app built into this binary");
            return Ok(dir);
        }
    }
    Ok(PathBuf::from("dist"))
}

async fn demo_data(args: &Args, months: u32, records: usize, seed: u64) -> Result<(), Error> {
    let store = open_store(args).await?;
    auth::seed_demo_users(&store).await?;
    let state = AppState::api_only(store.clone());
    state.load_policy().await?;
    let engine = state.engine();
    opdcheck_server::ingest::backfill_derived(&store, &engine).await?;
    opdcheck_server::ingest::backfill_alerts(&store, &engine).await?;
    opdcheck_server::visits::backfill(&store, &engine).await?;
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

/// `backup --to FILE`: the SQLite database of --data-dir (or a `sqlite:` --database-url), never
/// created here: a missing one is an error, not an empty backup.
async fn backup(args: &Args, to: &std::path::Path, force: bool) -> Result<(), Error> {
    let store = match &args.database_url {
        // Refused before connecting: pg_dump is the tool (the message says where it is told).
        Some(url) if !url.starts_with("sqlite:") => {
            return Err(Error::Config(
                opdcheck_server::store::BACKUP_NOT_SQLITE.into(),
            ));
        }
        Some(url) => Store::connect(url).await?,
        None => {
            let db = args.data_dir.join("opdcheck.db");
            if !db.is_file() {
                return Err(Error::Config(format!(
                    "{}: no database here (is --data-dir right?)",
                    db.display()
                )));
            }
            Store::open_sqlite(&db).await?
        }
    };
    let written = opdcheck_server::ops::backup::backup(&store, to, force).await;
    if let Store::Sqlite(pool) = &store {
        pool.close().await;
    }
    println!("opdcheck: backup written to {}", written?);
    Ok(())
}

/// A password from stdin: prompted without echo (twice) on a terminal, else one line.
fn read_password(what: &str) -> Result<String, Error> {
    use std::io::{BufRead, IsTerminal};
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password(format!("{what} (at least 10 characters): "))?;
        let again = rpassword::prompt_password("again: ")?;
        if first != again {
            return Err(Error::Config("the two passwords differ".into()));
        }
        return Ok(first);
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

async fn accounts(args: &Args) -> Result<bool, Error> {
    let out = match &args.command {
        Some(Command::User { command }) => {
            let store = open_store(args).await?;
            match command {
                UserCommand::Add {
                    name,
                    role,
                    doctor_id,
                } => {
                    let password = read_password(&format!("password for {name}"))?;
                    auth::cli::user_add(&store, name, role, doctor_id.as_deref(), &password).await?
                }
                UserCommand::Passwd { name } => {
                    let password = read_password(&format!("new password for {name}"))?;
                    auth::cli::user_passwd(&store, name, &password).await?
                }
            }
        }
        Some(Command::Key { command }) => {
            let store = open_store(args).await?;
            match command {
                KeyCommand::Add {
                    name,
                    scopes,
                    departments,
                    expires,
                } => {
                    let key =
                        auth::cli::key_add(&store, name, scopes, departments, expires.as_deref())
                            .await?;
                    eprintln!(
                        "opdcheck: API key {name} created; it is shown only now (send it as X-Api-Key):"
                    );
                    key
                }
                KeyCommand::Revoke { name } => auth::cli::key_revoke(&store, name).await?,
                KeyCommand::List => auth::cli::key_list(&store).await?,
            }
        }
        _ => return Ok(false),
    };
    println!("{}", out.trim_end());
    Ok(true)
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
    if accounts(&args).await? {
        return Ok(());
    }
    if let Some(Command::Backup { to, force }) = &args.command {
        return backup(&args, to, *force).await;
    }
    let state = AppState::new(app_dir(&args)?)?;
    let store = open_store(&args).await?;
    let backend = store.backend();
    // Demo accounts only on request: a real first start has no account and no key.
    let seeded = args.demo && auth::seed_demo_users(&store).await?;
    let no_users = store.user_count().await? == 0;
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
        .with_demo(args.demo)
        .with_idle_timeout(std::time::Duration::from_secs(
            args.idle_timeout_minutes * 60,
        ))
        .with_cors_origins(origins)
        .with_trusted_proxies(args.trusted_proxies.clone())
        .with_frame_ancestors(&args.frame_ancestors)?;
    let state = match &args.metrics_token {
        Some(token) => state.with_metrics_token(token)?,
        None => state,
    };
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
    let filled = opdcheck_server::ingest::backfill_derived(state.store()?, &state.engine()).await?;
    if filled > 0 {
        tracing::info!(records = filled, "derived sheet columns filled");
    }
    // And their alert rows (migration 0010; once).
    let filled = opdcheck_server::ingest::backfill_alerts(state.store()?, &state.engine()).await?;
    if filled > 0 {
        tracing::info!(records = filled, "alert rows filled");
    }
    // Documents stored before visits were assembled get their visits (once).
    let assembled = opdcheck_server::visits::backfill(state.store()?, &state.engine()).await?;
    if assembled > 0 {
        tracing::info!(visits = assembled, "visits assembled from stored documents");
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
             key is {} (X-Api-Key); demo mode only, never for real use",
            auth::DEMO_PORTAL_KEY
        );
    } else if no_users {
        let storage = match &args.database_url {
            Some(_) => "--database-url URL".to_owned(),
            None => format!("--data-dir {}", args.data_dir.display()),
        };
        println!(
            "opdcheck: no accounts yet: create the first admin with \
             `opdcheck-server {storage} user add NAME --role admin` (the password is read from \
             stdin), then sign in with POST /api/v1/login (docs/deploying.md)"
        );
    }
    // Every server on this database follows the newest stored policy (another server may
    // store it); stopped after the last request is answered.
    let watch = opdcheck_server::http::in_force::PolicyWatch::spawn(state.clone());
    let upkeep = opdcheck_server::ops::measure::spawn_upkeep();
    let served = serve_with(listener, app(state), shutdown_signal(), config).await;
    upkeep.abort();
    watch.stop().await;
    served
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
