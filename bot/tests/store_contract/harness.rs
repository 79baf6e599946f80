//! A fresh database per test and back end, and raw access to it.

use super::*;

pub(crate) const POSTGRES_SERVER_VAR: &str = "FIREBREAK_TEST_POSTGRES_URL";

/// Where a test's database is.
#[derive(Debug, Clone)]
pub(crate) struct TestDb {
    pub(crate) backend: Backend,
    pub(crate) url: String,
}

/// A database made for one test, removed when the test passes.
pub(crate) enum Scratch {
    Sqlite { db: TestDb, file: PathBuf },
    Postgres { db: TestDb, server: String, name: String },
}

impl Scratch {
    fn sqlite() -> Scratch {
        let file =
            std::env::temp_dir().join(format!("firebreak-store-test-{}.db", uuid::Uuid::new_v4()));
        let url = format!("sqlite://{}", file.display());
        Scratch::Sqlite { db: TestDb { backend: Backend::Sqlite, url }, file }
    }

    async fn postgres(server: String) -> anyhow::Result<Scratch> {
        let name = format!("firebreak_store_test_{}", uuid::Uuid::new_v4().simple());
        on_server(&server, &format!("CREATE DATABASE {name}")).await?;
        let url = with_database(&server, &name);
        Ok(Scratch::Postgres { db: TestDb { backend: Backend::Postgres, url }, server, name })
    }

    fn db(&self) -> TestDb {
        match self {
            Scratch::Sqlite { db, .. } | Scratch::Postgres { db, .. } => db.clone(),
        }
    }

    async fn remove(self) -> anyhow::Result<()> {
        match self {
            Scratch::Sqlite { file, .. } => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
                }
                Ok(())
            }
            Scratch::Postgres { server, name, .. } => {
                on_server(&server, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await
            }
        }
    }
}

/// The Postgres server to test on; `None` (with a notice) when not configured outside CI.
pub(crate) fn postgres_server() -> Option<String> {
    match std::env::var(POSTGRES_SERVER_VAR) {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("CI").is_ok_and(|ci| ci == "true") => panic!(
            "{POSTGRES_SERVER_VAR} is not set but CI=true: the store contract must also run on \
             Postgres in CI (e.g. postgres://postgres:postgres@127.0.0.1:5432/postgres)"
        ),
        _ => {
            eprintln!("notice: {POSTGRES_SERVER_VAR} is not set; skipping the Postgres half");
            None
        }
    }
}

/// Runs one statement on the server's maintenance database (never echoing its URL).
pub(crate) async fn on_server(server: &str, sql: &str) -> anyhow::Result<()> {
    sqlx::any::install_default_drivers();
    let mut conn =
        AnyConnection::connect(server).await.context("connecting to the Postgres test server")?;
    sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
        .execute(&mut conn)
        .await
        .with_context(|| sql.to_owned())?;
    conn.close().await?;
    Ok(())
}

/// `postgres://u:p@host:port/db?opts` with the database replaced by `name`.
pub(crate) fn with_database(server: &str, name: &str) -> String {
    let (base, options) = server.split_once('?').map_or((server, None), |(b, o)| (b, Some(o)));
    let authority = base.find("://").map_or(0, |i| i + 3);
    let base = base[authority..].find('/').map_or(base, |slash| &base[..authority + slash]);
    match options {
        Some(options) => format!("{base}/{name}?{options}"),
        None => format!("{base}/{name}"),
    }
}

/// Runs `body` once per back end, each time on a fresh database.
pub(crate) async fn on_each_database<F, Fut>(body: F)
where
    F: Fn(TestDb) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let mut scratches = vec![Scratch::sqlite()];
    if let Some(server) = postgres_server() {
        let postgres = Scratch::postgres(server).await;
        scratches.push(postgres.unwrap_or_else(|error| panic!("preparing Postgres: {error:#}")));
    }
    for scratch in scratches {
        let db = scratch.db();
        eprintln!("-- on {:?}", db.backend);
        if let Err(error) = body(db.clone()).await {
            panic!("on {:?}: {error:#}", db.backend);
        }
        if let Err(error) = scratch.remove().await {
            eprintln!("could not remove the {:?} test database: {error:#}", db.backend);
        }
    }
}

/// Runs `body` on a freshly connected (so migrated) store of each back end.
pub(crate) async fn on_both<F, Fut>(body: F)
where
    F: Fn(SqlStore) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    on_each_database(|db| {
        let body = &body;
        async move {
            let store = SqlStore::connect(&db.url).await?;
            anyhow::ensure!(store.backend() == db.backend, "connected to {:?}", store.backend());
            let outcome = body(store.clone()).await;
            store.close().await;
            outcome
        }
    })
    .await;
}

/// A raw connection, to do to the database what the store never would.
pub(crate) async fn raw(db: &TestDb) -> anyhow::Result<AnyConnection> {
    Ok(AnyConnection::connect(&db.url).await?)
}
