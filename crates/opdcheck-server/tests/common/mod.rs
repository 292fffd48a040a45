//! Helpers shared by the integration tests (each test file includes this as `mod common;`):
//! the throw-away PostgreSQL cluster, and the real server binary as a child process.

// Each test crate uses a different part of this module.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A throw-away cluster in a temporary directory; stopped and removed on drop (also when a
/// scenario panics).
pub struct PgCluster {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
    as_postgres: bool,
}

impl PgCluster {
    pub fn start(bin: &Path) -> PgCluster {
        PgCluster::start_with(bin, false)
    }

    /// With `tls`, the server has `ssl = on` and a certificate for 127.0.0.1 signed by a
    /// throw-away CA (see [`PgCluster::tls_root`]); plain connections are still accepted.
    pub fn start_with(bin: &Path, tls: bool) -> PgCluster {
        // initdb refuses to run as root: then the cluster belongs to the `postgres` user.
        let as_postgres = Command::new("id")
            .arg("-u")
            .output()
            .map(|o| o.stdout == b"0\n")
            .unwrap_or(false);
        let dir = tempfile::Builder::new()
            .prefix("opdcheck-pg-")
            .tempdir()
            .unwrap()
            .keep();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let cluster = PgCluster {
            dir,
            bin: bin.to_owned(),
            port,
            as_postgres,
        };
        if as_postgres {
            let ok = Command::new("chown")
                .arg("postgres:")
                .arg(&cluster.dir)
                .status()
                .unwrap();
            assert!(ok.success(), "chown postgres {}", cluster.dir.display());
        }
        let data = cluster.dir.join("data");
        cluster.run(
            "initdb",
            &[
                "-D",
                data.to_str().unwrap(),
                "-A",
                "trust",
                "-U",
                "app",
                "-E",
                "UTF8",
            ],
        );
        let mut opts = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            cluster.dir.display()
        );
        if tls {
            cluster.make_certificates();
            let d = cluster.dir.display();
            opts.push_str(&format!(
                " -c ssl=on -c ssl_cert_file={d}/server.crt -c ssl_key_file={d}/server.key"
            ));
        }
        let log = cluster.dir.join("log");
        cluster.run(
            "pg_ctl",
            &[
                "-D",
                data.to_str().unwrap(),
                "-o",
                &opts,
                "-l",
                log.to_str().unwrap(),
                "-w",
                "start",
            ],
        );
        cluster
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let exe = self.bin.join(tool);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        let out = cmd
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{}: {e}", exe.display()));
        assert!(
            out.status.success(),
            "{tool} failed: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// The CA that signed the TLS cluster's certificate (PEM).
    pub fn tls_root(&self) -> PathBuf {
        self.dir.join("ca.crt")
    }

    /// A CA that signed nothing of this cluster's (PEM).
    pub fn other_root(&self) -> PathBuf {
        self.dir.join("other-ca.crt")
    }

    /// Two CAs and the server's key and certificate (EC P-256, SAN 127.0.0.1 and localhost),
    /// with the `openssl` CLI; the key is the server's, 0600, as PostgreSQL requires.
    fn make_certificates(&self) {
        let openssl = |args: &[&str]| {
            let out = Command::new("openssl")
                .args(args)
                .current_dir(&self.dir)
                .output()
                .unwrap_or_else(|e| panic!("openssl (needed for the TLS test): {e}"));
            assert!(
                out.status.success(),
                "openssl {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        for ca in ["ca", "other-ca"] {
            openssl(&[
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-keyout",
                &format!("{ca}.key"),
                "-out",
                &format!("{ca}.crt"),
                "-days",
                "2",
                "-subj",
                &format!("/CN=opdcheck test {ca}"),
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ]);
        }
        openssl(&[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=127.0.0.1",
        ]);
        std::fs::write(
            self.dir.join("server.ext"),
            "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n\
             keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
        )
        .unwrap();
        openssl(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-out",
            "server.crt",
            "-extfile",
            "server.ext",
        ]);
        {
            use std::os::unix::fs::PermissionsExt;
            let key = self.dir.join("server.key");
            std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        if self.as_postgres {
            for f in ["server.key", "server.crt"] {
                let ok = Command::new("chown")
                    .arg("postgres:")
                    .arg(self.dir.join(f))
                    .status()
                    .unwrap();
                assert!(ok.success(), "chown postgres {f}");
            }
        }
    }

    pub fn url(&self, db: &str) -> String {
        format!("postgres://app@127.0.0.1:{}/{db}", self.port)
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let exe = self.bin.join("pg_ctl");
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        let _ = cmd
            .arg("-D")
            .arg(&data)
            .args(["-m", "immediate", "-w", "stop"])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A throw-away cluster for a PostgreSQL test, or `None` when `OPDCHECK_SKIP_POSTGRES=1` says
/// to skip it. Missing binaries fail the test, saying how to point at them or skip.
pub fn pg_cluster(test: &str) -> Option<PgCluster> {
    pg_cluster_with(test, false)
}

/// [`pg_cluster`], with TLS on when `tls` (see [`PgCluster::start_with`]).
pub fn pg_cluster_with(test: &str, tls: bool) -> Option<PgCluster> {
    if std::env::var("OPDCHECK_SKIP_POSTGRES").as_deref() == Ok("1") {
        eprintln!("{test}: skipped (OPDCHECK_SKIP_POSTGRES=1)");
        return None;
    }
    let bin = pg_bin();
    assert!(
        bin.join("initdb").is_file() && bin.join("pg_ctl").is_file(),
        "PostgreSQL binaries not found in {} (set OPDCHECK_PG_BIN, or OPDCHECK_SKIP_POSTGRES=1 to skip)",
        bin.display()
    );
    Some(PgCluster::start_with(&bin, tls))
}

impl PgCluster {
    /// Stops the cluster (fast shutdown: clients are disconnected), as a database outage.
    pub fn stop(&self) {
        let data = self.dir.join("data");
        self.run(
            "pg_ctl",
            &["-D", data.to_str().unwrap(), "-m", "fast", "-w", "stop"],
        );
    }

    /// Starts a stopped cluster again with the options it last ran with (`postmaster.opts`).
    pub fn restart(&self) {
        let data = self.dir.join("data");
        let log = self.dir.join("log");
        self.run(
            "pg_ctl",
            &[
                "-D",
                data.to_str().unwrap(),
                "-l",
                log.to_str().unwrap(),
                "-w",
                "restart",
            ],
        );
    }

    /// Create an empty database `name`; its URL.
    pub async fn create_database(&self, name: &str) -> String {
        let admin = sqlx::PgPool::connect(&self.url("postgres")).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&admin)
            .await
            .unwrap();
        admin.close().await;
        self.url(name)
    }
}

/// Where the PostgreSQL binaries are (`OPDCHECK_PG_BIN`, default the Debian path).
pub fn pg_bin() -> PathBuf {
    PathBuf::from(
        std::env::var("OPDCHECK_PG_BIN").unwrap_or_else(|_| "/usr/lib/postgresql/15/bin".into()),
    )
}

/// A `--dist` directory: the server refuses to start without one holding an index.html.
pub fn fake_dist() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("index.html"),
        "<!doctype html><title>t</title>",
    )
    .unwrap();
    dir
}

/// The real `opdcheck-server` binary as a child process, so it can be SIGKILLed and restarted.
pub struct ServerProc {
    child: Child,
    pub port: u16,
}

impl ServerProc {
    /// Starts `bin` on 127.0.0.1:`port` (0: any free port) and waits for its URL line. Its log
    /// (stderr) is appended to `log`: a pipe nobody reads would fill and stall the server.
    /// Tries a few times: right after a kill the port may still be held for a moment.
    pub fn start(bin: &Path, port: u16, dist: &Path, storage: &Storage, log: &Path) -> ServerProc {
        ServerProc::start_with(bin, port, dist, storage, log, &[], &[])
    }

    /// [`ServerProc::start`] with more arguments and environment variables (set after the
    /// defaults, so `RUST_LOG` may be overridden).
    pub fn start_with(
        bin: &Path,
        port: u16,
        dist: &Path,
        storage: &Storage,
        log: &Path,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> ServerProc {
        let mut last = String::new();
        for _ in 0..20 {
            match Self::try_start(bin, port, dist, storage, log, args, env) {
                Ok(s) => return s,
                Err(e) => last = e,
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("the server did not start: {last}; see {}", log.display());
    }

    fn try_start(
        bin: &Path,
        port: u16,
        dist: &Path,
        storage: &Storage,
        log: &Path,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Result<ServerProc, String> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .unwrap();
        let mut cmd = Command::new(bin);
        cmd.arg("--addr")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--dist")
            .arg(dist)
            // The tests sign in as the demo admin (`admin_token`).
            .arg("--demo")
            .env("RUST_LOG", "opdcheck_server=warn")
            .env_remove("DATABASE_URL")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log);
        match storage {
            Storage::DataDir(dir) => cmd.arg("--data-dir").arg(dir),
            Storage::Url(url) => cmd.arg("--database-url").arg(url),
        };
        cmd.args(args).envs(env.iter().copied());
        let mut child = cmd.spawn().unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        let Some(url) = line.trim().strip_prefix("opdcheck: serving http://") else {
            let status = child.wait().unwrap();
            return Err(format!("{status}, first line {line:?}"));
        };
        let port = url
            .trim_end_matches('/')
            .rsplit(':')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        // Keep reading stdout: the server prints more on first start, and a closed pipe would
        // make its println! panic.
        std::thread::spawn(move || {
            let mut sink = Vec::new();
            let _ = out.read_to_end(&mut sink);
        });
        Ok(ServerProc { child, port })
    }

    /// SIGTERM, then waits for the exit: a clean stop (in-flight requests answered, the
    /// database closed), as a service manager stops it.
    pub fn stop(&mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }

    /// SIGKILL (what `Child::kill` sends on Unix): no shutdown, no flushing, like a crash.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProc {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Where a started server keeps its records.
#[derive(Clone, Debug)]
pub enum Storage {
    /// `--data-dir`: SQLite file `opdcheck.db` in it.
    DataDir(PathBuf),
    /// `--database-url`.
    Url(String),
}

/// Signs in as the demo admin (created on the server's first start); returns the token.
pub async fn admin_token(base: &str) -> String {
    let res = reqwest::Client::new()
        .post(format!("{base}/api/v1/login"))
        .json(&serde_json::json!({"username": "admin", "password": "admin"}))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "login: {}", res.status());
    let v: serde_json::Value = res.json().await.unwrap();
    v["token"].as_str().unwrap().to_owned()
}

/// The generated OpenAPI document (what `/api/v1/openapi.json` serves).
pub fn openapi() -> &'static serde_json::Value {
    static DOC: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();
    DOC.get_or_init(|| {
        serde_json::from_str(&opdcheck_server::http::openapi::document_json())
            .expect("the generated document is JSON")
    })
}

/// The document's path template that `path` (no query) matches: `{name}` matches one segment.
pub fn path_template(path: &str) -> Option<&'static str> {
    let path = path.split('?').next().unwrap_or(path);
    let segments: Vec<&str> = path.split('/').collect();
    let paths = openapi()["paths"].as_object()?;
    // A literal segment beats a parameter (`/qa/samples/draw` before `/qa/samples/{id}`).
    paths
        .keys()
        .filter(|t| {
            let ts: Vec<&str> = t.split('/').collect();
            ts.len() == segments.len()
                && ts.iter().zip(&segments).all(|(t, s)| {
                    t == s || (t.starts_with('{') && t.ends_with('}') && !s.is_empty())
                })
        })
        .min_by_key(|t| t.matches('{').count())
        .map(String::as_str)
}

/// Check a JSON response against the generated document: the schema documented for (path
/// template, method, status) must accept `body`, and an answer the document does not describe
/// fails. A 405 for a method the path does not have is the router's, not an operation's.
/// An `/api/v1` path the document does not have may only be the JSON 404 of an unknown path.
pub fn conform(method: &str, path: &str, status: u16, body: &serde_json::Value) {
    let Some(template) = path_template(path) else {
        if path.starts_with("/api/") {
            assert_eq!(
                status, 404,
                "{method} {path}: not in the document, answered {status}: {body}"
            );
            assert_eq!(
                body["error"]["code"], "not_found",
                "{method} {path}: {body}"
            );
        }
        return;
    };
    let doc = openapi();
    let method = method.to_ascii_lowercase();
    let Some(op) = doc["paths"][template].get(&method) else {
        assert_eq!(
            status, 405,
            "{method} {path}: {status} from an operation the document does not have: {body}"
        );
        return;
    };
    let Some(response) = op["responses"].get(status.to_string()) else {
        panic!("{method} {template}: status {status} is not documented; body {body}");
    };
    let Some(schema) = response["content"]["application/json"].get("schema") else {
        panic!("{method} {template} {status}: no JSON body documented; body {body}");
    };
    // The schema with the document's components beside it, so `#/components/schemas/…` resolves.
    let mut full = schema.clone();
    if let Some(obj) = full.as_object_mut() {
        obj.insert("components".into(), doc["components"].clone());
    } else {
        full = serde_json::json!({ "allOf": [schema], "components": doc["components"] });
    }
    let validator = jsonschema::draft202012::new(&full)
        .unwrap_or_else(|e| panic!("{method} {template} {status}: bad schema: {e}"));
    let errors: Vec<String> = validator
        .iter_errors(body)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{method} {template} {status}: the body does not match the document:\n{}\nbody: {body}",
        errors.join("\n")
    );
}

/// The API over real HTTP as the tests call it: sign in as a demo account, and JSON calls whose
/// every JSON answer is checked against the OpenAPI document (anything else comes back as
/// `{"text": …}`).
pub struct Api {
    pub base: String,
    pub http: reqwest::Client,
}

impl Api {
    pub fn new(base: String) -> Api {
        Api {
            base,
            http: reqwest::Client::new(),
        }
    }

    /// A demo account's token (its password is its name).
    pub async fn token(&self, user: &str) -> String {
        let res = self
            .http
            .post(format!("{}/api/v1/login", self.base))
            .json(&serde_json::json!({"username": user, "password": user}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), reqwest::StatusCode::OK);
        let v: serde_json::Value = res.json().await.unwrap();
        v["token"].as_str().unwrap().to_owned()
    }

    /// `auth` is a header (`("authorization", "Bearer …")`, `("x-api-key", …)`).
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        auth: Option<(&str, &str)>,
        body: Option<&serde_json::Value>,
    ) -> (reqwest::StatusCode, serde_json::Value) {
        let method_name = method.to_string();
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some((k, v)) = auth {
            req = req.header(k, v);
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let url_path = res.url().path().to_owned();
        let text = res.text().await.unwrap();
        match serde_json::from_str(&text) {
            Ok(v) => {
                conform(method_name.as_str(), &url_path, status.as_u16(), &v);
                (status, v)
            }
            Err(_) => (status, serde_json::json!({ "text": text })),
        }
    }
}

/// `router` served in this process on 127.0.0.1 (a free port): its base URL (`http://…`, no
/// trailing slash) and the serving task.
pub async fn serve(router: axum::Router) -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    (format!("http://{addr}"), task)
}
