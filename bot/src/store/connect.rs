//! Opening a [`SqlStore`]: which back end a URL names, the pool, SQLite pragmas, migrations.

use std::path::Path;

use anyhow::{Context as _, bail};
use sqlx::AnyPool;
use sqlx::any::AnyPoolOptions;

use super::{Backend, SqlStore, migrations};

/// Every connection of one SQLite file shares one write lock, so a handful is plenty.
const SQLITE_MAX_CONNECTIONS: u32 = 8;
const POSTGRES_MAX_CONNECTIONS: u32 = 10;
/// How long a Postgres operation waits for a connection. sqlx's default (30 s) keeps retrying
/// a refused connection that long, so a database that is down held every Slack ack and every
/// background round; this fails them while Slack still waits for its ack (the commands' budget
/// is 2 s), so the person is told, and an Events API delivery is refused to be retried. A
/// healthy pool hands out a connection in milliseconds.
const POSTGRES_ACQUIRE_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(1500);

/// Run on every new SQLite connection. `busy_timeout` (ms) makes a writer wait for the one
/// holding the lock instead of failing at once; sqlx's own default is 5 s.
const SQLITE_CONNECTION_PRAGMAS: &str = "PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;";

/// Where to connect, with the URL rewritten so the driver does what we mean.
#[derive(Debug, PartialEq, Eq)]
struct Target {
    backend: Backend,
    url: String,
    /// `sqlite::memory:`: the database lives only as long as its single connection.
    in_memory: bool,
}

pub(super) async fn connect(database_url: &str) -> anyhow::Result<SqlStore> {
    sqlx::any::install_default_drivers();
    let target = target(database_url)?;
    let pool = open_pool(&target).await?;
    if target.backend == Backend::Sqlite && !target.in_memory {
        enable_wal(&pool).await?;
    }
    migrations::run(&pool, target.backend).await?;
    // Each connected store is one replica's handle: the runner its remediation leases name.
    Ok(SqlStore { pool, backend: target.backend, replica: uuid::Uuid::new_v4().simple().to_string().into() })
}

/// Reads the back end from the scheme. Errors name only the scheme: the rest of a URL may
/// hold a password.
fn target(database_url: &str) -> anyhow::Result<Target> {
    let Some((scheme, _)) = database_url.split_once(':') else {
        bail!("the database URL has no scheme: expected sqlite:… or postgres://…");
    };
    match scheme {
        "sqlite" => sqlite_target(database_url),
        "postgres" | "postgresql" => Ok(Target {
            backend: Backend::Postgres,
            url: database_url.to_owned(),
            in_memory: false,
        }),
        other => bail!("unsupported database URL scheme `{other}`: expected sqlite or postgres"),
    }
}

/// Normalises `sqlite://x.db`, `sqlite:x.db` and `sqlite::memory:` to `sqlite:<path>?…`, adds
/// `mode=rwc` so a missing file is created, and creates the file's directory.
///
/// The `sqlite:<path>` spelling matters: sqlx parses the URL with `url`, which would read
/// `sqlite://Data/x.db` as host `data` (lower-cased) and path `/x.db`.
fn sqlite_target(database_url: &str) -> anyhow::Result<Target> {
    let rest = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))
        .unwrap_or(database_url);
    let (path, params) = rest.split_once('?').unwrap_or((rest, ""));
    let mut params: Vec<&str> = params.split('&').filter(|p| !p.is_empty()).collect();
    let in_memory = path == ":memory:" || params.contains(&"mode=memory");
    if !in_memory {
        create_parent_dir(path)?;
        if !params.iter().any(|p| p.starts_with("mode=")) {
            params.push("mode=rwc");
        }
    }
    let url = match params.is_empty() {
        true => format!("sqlite:{path}"),
        false => format!("sqlite:{path}?{}", params.join("&")),
    };
    Ok(Target { backend: Backend::Sqlite, url, in_memory })
}

fn create_parent_dir(path: &str) -> anyhow::Result<()> {
    match Path::new(path).parent() {
        Some(dir) if !dir.as_os_str().is_empty() => {
            std::fs::create_dir_all(dir).with_context(|| {
                format!("creating the directory {} for the SQLite database", dir.display())
            })
        }
        _ => Ok(()),
    }
}

async fn open_pool(target: &Target) -> anyhow::Result<AnyPool> {
    let (options, what) = match target.backend {
        Backend::Sqlite => (sqlite_pool_options(target.in_memory), "the SQLite database"),
        Backend::Postgres => (
            AnyPoolOptions::new().max_connections(POSTGRES_MAX_CONNECTIONS).acquire_timeout(POSTGRES_ACQUIRE_TIMEOUT),
            "the Postgres database",
        ),
    };
    // The URL stays out of the message: a Postgres URL carries the password.
    options.connect(&target.url).await.with_context(|| format!("connecting to {what}"))
}

fn sqlite_pool_options(in_memory: bool) -> AnyPoolOptions {
    let options = AnyPoolOptions::new().after_connect(|conn, _meta| {
        Box::pin(async move {
            sqlx::raw_sql(SQLITE_CONNECTION_PRAGMAS).execute(conn).await?;
            Ok(())
        })
    });
    if in_memory {
        // Each new connection to `:memory:` opens a new, empty database: keep exactly one,
        // forever.
        return options.max_connections(1).min_connections(1).idle_timeout(None).max_lifetime(None);
    }
    options.max_connections(SQLITE_MAX_CONNECTIONS)
}

/// WAL lets readers go on while one connection writes. The mode is stored in the file, so this
/// runs once at start-up rather than per connection (changing it needs an exclusive lock).
async fn enable_wal(pool: &AnyPool) -> anyhow::Result<()> {
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode = WAL")
        .fetch_one(pool)
        .await
        .context("switching the SQLite database to WAL")?;
    if !mode.eq_ignore_ascii_case("wal") {
        // Some file systems (network mounts) cannot do WAL; SQLite then keeps its old mode.
        tracing::warn!(journal_mode = %mode, "SQLite kept its journal mode instead of WAL");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlite_url(url: &str) -> anyhow::Result<(String, bool)> {
        let target = target(url)?;
        anyhow::ensure!(target.backend == Backend::Sqlite);
        Ok((target.url, target.in_memory))
    }

    #[test]
    fn sqlite_urls_in_every_spelling_create_the_file() -> anyhow::Result<()> {
        assert_eq!(
            sqlite_url("sqlite://firebreak.db")?,
            ("sqlite:firebreak.db?mode=rwc".into(), false)
        );
        assert_eq!(
            sqlite_url("sqlite:firebreak.db")?,
            ("sqlite:firebreak.db?mode=rwc".into(), false)
        );
        assert_eq!(
            sqlite_url("sqlite:///tmp/Fb.db")?,
            ("sqlite:/tmp/Fb.db?mode=rwc".into(), false)
        );
        assert_eq!(sqlite_url("sqlite:x.db?mode=ro")?, ("sqlite:x.db?mode=ro".into(), false));
        assert_eq!(
            sqlite_url("sqlite:x.db?cache=private")?,
            ("sqlite:x.db?cache=private&mode=rwc".into(), false)
        );
        Ok(())
    }

    #[test]
    fn in_memory_sqlite_is_recognised() -> anyhow::Result<()> {
        assert_eq!(sqlite_url("sqlite::memory:")?, ("sqlite::memory:".into(), true));
        assert_eq!(sqlite_url("sqlite://:memory:")?, ("sqlite::memory:".into(), true));
        Ok(())
    }

    #[test]
    fn postgres_passes_through_and_other_schemes_are_refused_without_echo() -> anyhow::Result<()> {
        let url = "postgres://u:secret@db:5432/firebreak";
        assert_eq!(target(url)?.backend, Backend::Postgres);
        assert_eq!(target(url)?.url, url);
        let refused =
            target("mysql://u:secret@db/x").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(refused.contains("mysql") && !refused.contains("secret"), "{refused}");
        let refused = target("secret").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(refused.contains("no scheme") && !refused.contains("secret"), "{refused}");
        Ok(())
    }
}
