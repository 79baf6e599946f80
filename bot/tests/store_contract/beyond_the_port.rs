//! Beyond the port: start-up, failures, corrupt rows.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnecting_keeps_the_data_and_migrates_once() {
    on_each_database(|db| async move {
        let store = SqlStore::connect(&db.url).await?;
        let kept = start(&store, "T1", "kept").await?;
        store.close().await;

        let store = SqlStore::connect(&db.url).await?;
        assert_eq!(store.incident(kept.id).await?, Some(kept));
        assert_eq!(start(&store, "T1", "next").await?.number, IncidentNumber(2));
        store.close().await;

        let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
            .fetch_one(&mut raw(&db).await?)
            .await?;
        // Each migration file once, however often the store connected.
        let folder = match db.backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        };
        let files = std::fs::read_dir(format!("{}/migrations/{folder}", env!("CARGO_MANIFEST_DIR")))?.count();
        assert_eq!(usize::try_from(applied)?, files);
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_start_leaves_no_gap_in_the_numbers() {
    on_each_database(|db| async move {
        let store = SqlStore::connect(&db.url).await?;
        // A trigger makes the incident insert fail after the counter was bumped.
        let refuse_doomed = match db.backend {
            Backend::Sqlite => {
                "CREATE TRIGGER refuse_doomed BEFORE INSERT ON incidents \
                WHEN NEW.title = 'doomed' BEGIN SELECT RAISE(ABORT, 'doomed'); END"
            }
            Backend::Postgres => {
                "CREATE FUNCTION refuse_doomed() RETURNS trigger \
                LANGUAGE plpgsql AS $$ BEGIN \
                IF NEW.title = 'doomed' THEN RAISE EXCEPTION 'doomed'; END IF; RETURN NEW; \
                END $$; \
                CREATE TRIGGER refuse_doomed BEFORE INSERT ON incidents \
                FOR EACH ROW EXECUTE FUNCTION refuse_doomed()"
            }
        };
        sqlx::raw_sql(refuse_doomed).execute(&mut raw(&db).await?).await?;

        assert_eq!(start(&store, "T1", "before").await?.number, IncidentNumber(1));
        let doomed = start(&store, "T1", "doomed").await;
        assert!(doomed.is_err(), "{doomed:?}");
        assert_eq!(start(&store, "T1", "after").await?.number, IncidentNumber(2));
        store.close().await;
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_value_in_a_row_is_an_error_naming_its_column() {
    on_each_database(|db| async move {
        let store = SqlStore::connect(&db.url).await?;
        let incident = start(&store, "T1", "API down").await?;
        sqlx::raw_sql("UPDATE incidents SET severity = 'sev9'")
            .execute(&mut raw(&db).await?)
            .await?;

        let read = store.incident(incident.id).await;
        let message = match read {
            Err(StoreError::Unavailable(message)) => message,
            other => anyhow::bail!("expected Unavailable, got {other:?}"),
        };
        assert!(message.contains("incidents.severity") && message.contains("sev9"), "{message}");
        store.close().await;
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_files_are_created_with_their_directory_and_use_wal() -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("firebreak-store-test-{}", uuid::Uuid::new_v4()));
    let file = dir.join("nested").join("firebreak.db");
    let url = format!("sqlite:{}", file.display());
    let store = SqlStore::connect(&url).await?;
    assert_eq!(store.backend(), Backend::Sqlite);
    assert_eq!(start(&store, "T1", "x").await?.number, IncidentNumber(1));
    assert!(file.exists());
    let db = TestDb { backend: Backend::Sqlite, url };
    let mode: String =
        sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&mut raw(&db).await?).await?;
    assert_eq!(mode.to_ascii_lowercase(), "wal");
    store.close().await;
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_memory_sqlite_keeps_its_data_across_calls() -> anyhow::Result<()> {
    let store = SqlStore::connect("sqlite::memory:").await?;
    let first = start(&store, "T1", "one").await?;
    let tasks: Vec<_> = (0..5)
        .map(|_| {
            tokio::spawn({
                let store = store.clone();
                async move { start(&store, "T1", "more").await }
            })
        })
        .collect();
    for task in tasks {
        task.await??;
    }
    assert_eq!(store.incident(first.id).await?, Some(first));
    assert_eq!(store.open_incidents(&TeamId::new("T1")).await?.len(), 6);
    Ok(())
}
