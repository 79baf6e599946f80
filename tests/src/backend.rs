//! A fresh database per test, on SQLite or on the Postgres server the test script started.

use sqlx::Connection;

/// Which store back end a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Where the test script's Postgres is; without it, Postgres tests fail under `CI=true`.
pub const POSTGRES_URL_VAR: &str = "FIREBREAK_TEST_POSTGRES_URL";

impl Backend {
    /// A `DATABASE_URL` for a brand-new, empty database; `None` means "skip" (only outside CI).
    pub async fn fresh_database_url(self) -> Option<String> {
        let unique = uuid::Uuid::new_v4().simple().to_string();
        match self {
            Self::Sqlite => {
                let path = std::env::temp_dir().join(format!("firebreak-test-{unique}.db"));
                Some(format!("sqlite://{}", path.display()))
            }
            Self::Postgres => {
                let Some(admin_url) = std::env::var(POSTGRES_URL_VAR).ok().filter(|u| !u.is_empty()) else {
                    if std::env::var("CI").is_ok_and(|v| v == "true") {
                        panic!("{POSTGRES_URL_VAR} is not set but CI=true: Postgres tests must run in CI (use scripts/test.sh)");
                    }
                    eprintln!("note: {POSTGRES_URL_VAR} not set; skipping the Postgres half of this test");
                    return None;
                };
                let name = format!("firebreak_e2e_{unique}");
                let mut admin = sqlx::postgres::PgConnection::connect(&admin_url)
                    .await
                    .unwrap_or_else(|e| panic!("cannot connect to Postgres at {POSTGRES_URL_VAR}: {e}"));
                // The name is a fixed prefix and a UUID: nothing from outside the test.
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut admin)
                    .await
                    .unwrap_or_else(|e| panic!("cannot create test database: {e}"));
                let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(base, _)| base);
                Some(format!("{base}/{name}"))
            }
        }
    }
}

/// Declares a test that runs an `async fn(Backend)` scenario once per back end.
#[macro_export]
macro_rules! on_both_backends {
    ($($scenario:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    super::$scenario($crate::backend::Backend::Sqlite).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    super::$scenario($crate::backend::Backend::Postgres).await;
                }
            )+
        }
    };
}
