//! Data at rest: the SQLite files are the server user's alone, and PostgreSQL is reached over
//! TLS when the URL asks for it (a throw-away cluster with `ssl = on`).

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use opdcheck_server::Store;
use opdcheck_server::store::create_data_dir;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[tokio::test]
async fn sqlite_files_are_the_server_users_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data").join("nested");
    let db = dir.join("opdcheck.db");
    let wal = dir.join("opdcheck.db-wal");
    let shm = dir.join("opdcheck.db-shm");

    // A fresh start: created private whatever the umask (the test's is usually 022).
    create_data_dir(&dir).unwrap();
    assert_eq!(mode(&dir), 0o700);
    let store = Store::open_sqlite(&db).await.unwrap();
    for f in [&db, &wal, &shm] {
        assert_eq!(mode(f), 0o600, "{}", f.display());
    }
    let Store::Sqlite(pool) = &store else {
        unreachable!()
    };
    pool.close().await;

    // Left open to others (a copy, a careless chmod): closed again at the next start.
    chmod(&dir, 0o755);
    chmod(&db, 0o644);
    if wal.exists() {
        chmod(&wal, 0o666);
    }
    create_data_dir(&dir).unwrap();
    assert_eq!(mode(&dir), 0o700);
    let store = Store::open_sqlite(&db).await.unwrap();
    for f in [&db, &wal, &shm] {
        assert_eq!(mode(f), 0o600, "{}", f.display());
    }
    drop(store);

    // A `sqlite:` URL gets the same for its files (its directory is the operator's choice).
    let other = tmp.path().join("other.db");
    let store = Store::connect(&format!("sqlite:{}", other.display()))
        .await
        .unwrap();
    assert_eq!(mode(&other), 0o600);
    drop(store);
}

/// `SELECT ssl FROM pg_stat_ssl` for this connection, through the server's own `Store::connect`.
async fn connection_is_tls(url: &str) -> Result<bool, opdcheck_server::Error> {
    let store = Store::connect(url).await?;
    let Store::Postgres(pool) = &store else {
        panic!("not PostgreSQL: {url}")
    };
    let ssl: bool = sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .fetch_one(pool)
        .await?;
    pool.close().await;
    Ok(ssl)
}

#[tokio::test]
async fn postgres_over_tls() {
    let Some(pg) = common::pg_cluster_with("postgres_over_tls", true) else {
        return;
    };
    let url = pg.url("postgres");
    let root = pg.tls_root();
    let root = root.display();

    // The check can tell: a plain connection is not TLS.
    assert!(
        !connection_is_tls(&format!("{url}?sslmode=disable"))
            .await
            .unwrap()
    );
    // Encrypted, certificate not checked.
    assert!(
        connection_is_tls(&format!("{url}?sslmode=require"))
            .await
            .unwrap()
    );
    // Encrypted, the certificate chains to our root and names the host (127.0.0.1).
    assert!(
        connection_is_tls(&format!("{url}?sslmode=verify-full&sslrootcert={root}"))
            .await
            .unwrap()
    );

    // Another CA: refused, saying why.
    let other = pg.other_root();
    let err = connection_is_tls(&format!(
        "{url}?sslmode=verify-full&sslrootcert={}",
        other.display()
    ))
    .await
    .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("invalid peer certificate") && msg.contains("UnknownIssuer"),
        "{msg}"
    );
}
