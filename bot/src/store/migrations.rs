//! The schema migrations of each back end, embedded so the binary runs without its source tree.
//!
//! `sqlx::migrate!` would embed the folders for us but needs sqlx's `macros` feature, so the
//! files are listed here by hand; a test checks the list against the folders.

use anyhow::Context as _;
use sqlx::AnyPool;
use sqlx::SqlSafeStr as _;
use sqlx::migrate::{Migration, MigrationType, Migrator};

use super::Backend;

/// One migration file: `migrations/<back end>/<version>_<description>.sql`.
struct Embedded {
    version: i64,
    description: &'static str,
    sql: &'static str,
}

const SQLITE: &[Embedded] = &[
    Embedded {
        version: 1,
        description: "initial schema",
        sql: include_str!("../../migrations/sqlite/0001_initial_schema.sql"),
    },
    Embedded {
        version: 2,
        description: "remediation requests",
        sql: include_str!("../../migrations/sqlite/0002_remediation_requests.sql"),
    },
    Embedded {
        version: 3,
        description: "alert groups",
        sql: include_str!("../../migrations/sqlite/0003_alert_groups.sql"),
    },
    Embedded {
        version: 4,
        description: "timers",
        sql: include_str!("../../migrations/sqlite/0004_timers.sql"),
    },
    Embedded {
        version: 5,
        description: "outbox",
        sql: include_str!("../../migrations/sqlite/0005_outbox.sql"),
    },
    Embedded {
        version: 6,
        description: "remediation leases",
        sql: include_str!("../../migrations/sqlite/0006_remediation_leases.sql"),
    },
    Embedded {
        version: 7,
        description: "outbox coalesce report prune",
        sql: include_str!("../../migrations/sqlite/0007_outbox_coalesce_report_prune.sql"),
    },
];

const POSTGRES: &[Embedded] = &[
    Embedded {
        version: 1,
        description: "initial schema",
        sql: include_str!("../../migrations/postgres/0001_initial_schema.sql"),
    },
    Embedded {
        version: 2,
        description: "remediation requests",
        sql: include_str!("../../migrations/postgres/0002_remediation_requests.sql"),
    },
    Embedded {
        version: 3,
        description: "alert groups",
        sql: include_str!("../../migrations/postgres/0003_alert_groups.sql"),
    },
    Embedded {
        version: 4,
        description: "timers",
        sql: include_str!("../../migrations/postgres/0004_timers.sql"),
    },
    Embedded {
        version: 5,
        description: "outbox",
        sql: include_str!("../../migrations/postgres/0005_outbox.sql"),
    },
    Embedded {
        version: 6,
        description: "remediation leases",
        sql: include_str!("../../migrations/postgres/0006_remediation_leases.sql"),
    },
    Embedded {
        version: 7,
        description: "outbox coalesce report prune",
        sql: include_str!("../../migrations/postgres/0007_outbox_coalesce_report_prune.sql"),
    },
];

/// Applies the migrations the database has not seen yet; sqlx records them in
/// `_sqlx_migrations` and refuses to start if an applied file was edited since.
pub(super) async fn run(pool: &AnyPool, backend: Backend) -> anyhow::Result<()> {
    migrator(backend).run(pool).await.context("migrating the database schema")
}

fn migrator(backend: Backend) -> Migrator {
    let embedded = match backend {
        Backend::Sqlite => SQLITE,
        Backend::Postgres => POSTGRES,
    };
    let migrations = embedded
        .iter()
        .map(|m| {
            let sql = m.sql.into_sql_str();
            // Simple (not reversible) migrations, each in its own transaction (`no_tx: false`).
            Migration::new(m.version, m.description.into(), MigrationType::Simple, sql, false)
        })
        .collect();
    Migrator::with_migrations(migrations)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// The versions of the `.sql` files in `migrations/<folder>`, in order.
    fn versions_on_disk(folder: &str) -> anyhow::Result<Vec<i64>> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(folder);
        let mut versions = Vec::new();
        for entry in std::fs::read_dir(&dir)? {
            let name = entry?.file_name().to_string_lossy().into_owned();
            if let Some((version, _)) = name.strip_suffix(".sql").and_then(|n| n.split_once('_')) {
                versions.push(version.parse()?);
            }
        }
        versions.sort_unstable();
        Ok(versions)
    }

    #[test]
    fn every_migration_file_is_embedded() -> anyhow::Result<()> {
        for (folder, embedded) in [("sqlite", SQLITE), ("postgres", POSTGRES)] {
            let on_disk = versions_on_disk(folder)?;
            let listed: Vec<i64> = embedded.iter().map(|m| m.version).collect();
            assert_eq!(on_disk, listed, "migrations/{folder} and the list in migrations.rs differ");
        }
        Ok(())
    }

    #[test]
    fn both_back_ends_have_the_same_versions() {
        let versions = |list: &[Embedded]| list.iter().map(|m| m.version).collect::<Vec<_>>();
        assert_eq!(versions(SQLITE), versions(POSTGRES));
    }
}
