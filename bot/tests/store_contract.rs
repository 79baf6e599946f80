//! The `IncidentStore` contract, run on `SqlStore` over SQLite and over Postgres.
//!
//! Each test gets a fresh SQLite file and, when `FIREBREAK_TEST_POSTGRES_URL` names a server
//! (e.g. `postgres://postgres:postgres@127.0.0.1:5432/postgres`), a fresh database created on
//! it. Without that variable the Postgres half is skipped, except under `CI=true`, where it
//! fails. Databases of a failed test are left behind for inspection (`firebreak-store-test-*.db`
//! in the temp directory, `firebreak_store_test_*` on the server).

use std::future::Future;
use std::path::PathBuf;

use anyhow::Context as _;
use firebreak::store::{Backend, SqlStore};
use firebreak_commands::ids::{
    ChannelId, IncidentId, IncidentNumber, MessageTs, SlackUserId, TeamId,
};
use firebreak_commands::incident::{Incident, NewIncident, Setup};
use firebreak_commands::ports::{IncidentStore, StoreError};
use firebreak_commands::severity::Severity;
use firebreak_commands::status::Status;
use firebreak_commands::testing::test_time;
use firebreak_commands::timeline::{Actor, EventDraft, EventKind, NewEvent, Source, TimelineEvent};
use jiff::SignedDuration;
use sqlx::{AnyConnection, AssertSqlSafe, Connection as _};

// ---------------------------------------------------------------------------------------------
// Harness

const POSTGRES_SERVER_VAR: &str = "FIREBREAK_TEST_POSTGRES_URL";

/// Where a test's database is.
#[derive(Debug, Clone)]
struct TestDb {
    backend: Backend,
    url: String,
}

/// A database made for one test, removed when the test passes.
enum Scratch {
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
fn postgres_server() -> Option<String> {
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
async fn on_server(server: &str, sql: &str) -> anyhow::Result<()> {
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
fn with_database(server: &str, name: &str) -> String {
    let (base, options) = server.split_once('?').map_or((server, None), |(b, o)| (b, Some(o)));
    let authority = base.find("://").map_or(0, |i| i + 3);
    let base = base[authority..].find('/').map_or(base, |slash| &base[..authority + slash]);
    match options {
        Some(options) => format!("{base}/{name}?{options}"),
        None => format!("{base}/{name}"),
    }
}

/// Runs `body` once per back end, each time on a fresh database.
async fn on_each_database<F, Fut>(body: F)
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
async fn on_both<F, Fut>(body: F)
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
async fn raw(db: &TestDb) -> anyhow::Result<AnyConnection> {
    Ok(AnyConnection::connect(&db.url).await?)
}

// ---------------------------------------------------------------------------------------------
// Domain helpers

fn user(id: &str) -> SlackUserId {
    SlackUserId::parse(id).unwrap_or_else(|| panic!("bad test user id {id}"))
}

fn new_incident(team: &str, title: &str) -> NewIncident {
    NewIncident {
        team: TeamId::new(team),
        title: title.to_owned(),
        severity: Severity::Sev2,
        declared_by: user("U100"),
        declared_at: test_time(),
    }
}

fn declared(title: &str, cause: Option<&str>) -> EventDraft {
    EventDraft {
        at: test_time(),
        actor: Actor::User(user("U100")),
        source: Source::SlashCommand,
        kind: EventKind::Declared { severity: Severity::Sev2, title: title.to_owned() },
        cause: cause.map(str::to_owned),
    }
}

async fn start(store: &SqlStore, team: &str, title: &str) -> anyhow::Result<Incident> {
    Ok(store.create_incident(new_incident(team, title), declared(title, None)).await?)
}

fn note(incident: &Incident, text: &str, cause: Option<&str>) -> NewEvent {
    NewEvent {
        incident: incident.id,
        at: test_time(),
        actor: Actor::Firebreak,
        source: Source::Button,
        kind: EventKind::Note { text: text.to_owned() },
        cause: cause.map(str::to_owned),
    }
}

/// `describe()` of each event, which shows both kind and content.
async fn lines(store: &SqlStore, incident: &Incident) -> anyhow::Result<Vec<String>> {
    Ok(store.timeline(incident.id).await?.iter().map(|e| e.kind.describe()).collect())
}

// ---------------------------------------------------------------------------------------------
// The contract

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incident_reads_back_with_every_field() {
    on_both(|store| async move {
        let declared_at = test_time().checked_add(SignedDuration::from_millis(123))?;
        let new = NewIncident {
            team: TeamId::new("T1"),
            title: "API “edge” returns 502 — it's 'quoted'".to_owned(),
            severity: Severity::Sev1,
            declared_by: user("W42"),
            declared_at,
        };
        let first = EventDraft { at: declared_at, ..declared(&new.title, Some("Trigger.1")) };
        let created = store.create_incident(new.clone(), first.clone()).await?;
        let expected = Incident {
            id: created.id,
            team: new.team,
            number: IncidentNumber(1),
            title: new.title,
            severity: Severity::Sev1,
            status: Status::Investigating,
            lead: None,
            declared_by: user("W42"),
            declared_at,
            resolved_at: None,
            setup: Setup::Opening,
            channel: None,
            channel_name: None,
            card_ts: None,
            version: 1,
        };
        assert_eq!(created, expected);
        assert_eq!(store.incident(created.id).await?, Some(expected));
        let timeline = store.timeline(created.id).await?;
        let stored_first: Vec<_> = timeline
            .into_iter()
            .map(|e| (e.incident, e.at, e.actor, e.source, e.kind, e.cause))
            .collect();
        assert_eq!(
            stored_first,
            [(created.id, first.at, first.actor, first.source, first.kind, first.cause)]
        );
        assert_eq!(store.incident(IncidentId(created.id.0 + 1000)).await?, None);
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_save_writes_every_field() {
    on_both(|store| async move {
        let created = start(&store, "T1", "API down").await?;
        let changed = Incident {
            title: "Edge 502s".to_owned(),
            severity: Severity::Sev3,
            status: Status::Resolved,
            lead: Some(user("U7")),
            resolved_at: Some(test_time().checked_add(SignedDuration::from_millis(7_200_456))?),
            setup: Setup::Open,
            channel: Some(ChannelId::new("C0EDGE")),
            channel_name: Some("inc-20261123-1-edge-502s".to_owned()),
            card_ts: Some(MessageTs::new("1700000000.000100")),
            ..created.clone()
        };
        let saved = store.save(&changed, vec![]).await?;
        assert_eq!(saved, Incident { version: 2, ..changed });
        assert_eq!(store.incident(created.id).await?, Some(saved));
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn numbers_start_at_one_in_each_workspace() {
    on_both(|store| async move {
        let mut numbers = Vec::new();
        for team in ["T1", "T1", "T2", "T1", "T2"] {
            numbers.push((team, start(&store, team, "x").await?.number.0));
        }
        assert_eq!(numbers, [("T1", 1), ("T1", 2), ("T2", 1), ("T1", 3), ("T2", 2)]);
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_starts_get_numbers_one_to_fifty() {
    on_both(|store| async move {
        let tasks: Vec<_> = (0..50)
            .map(|i| {
                let store = store.clone();
                tokio::spawn(async move { start(&store, "T1", &format!("storm {i}")).await })
            })
            .collect();
        let mut created = Vec::new();
        for task in tasks {
            created.push(task.await??);
        }
        let mut numbers: Vec<i64> = created.iter().map(|i| i.number.0).collect();
        numbers.sort_unstable();
        assert_eq!(numbers, (1..=50).collect::<Vec<i64>>());
        for incident in &created {
            assert_eq!(lines(&store, incident).await?.len(), 1, "{}", incident.label());
        }
        assert_eq!(start(&store, "T1", "after the storm").await?.number, IncidentNumber(51));
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_save_conflicts_and_writes_nothing() {
    on_both(|store| async move {
        let incident = start(&store, "T1", "API down").await?;
        let first = Incident { title: "first".to_owned(), ..incident.clone() };
        let first = store.save(&first, vec![note(&incident, "first", None)]).await?;

        let stale = Incident { title: "stale".to_owned(), ..incident.clone() };
        let outcome = store.save(&stale, vec![note(&incident, "stale", None)]).await;
        assert!(matches!(outcome, Err(StoreError::Conflict)), "{outcome:?}");
        assert_eq!(store.incident(incident.id).await?, Some(first.clone()));
        assert_eq!(lines(&store, &incident).await?, ["declared SEV2: API down", "note: first"]);

        let unknown = Incident { id: IncidentId(incident.id.0 + 1000), ..first.clone() };
        assert!(matches!(store.save(&unknown, vec![]).await, Err(StoreError::Conflict)));
        assert_eq!(store.save(&first, vec![]).await?.version, 3);
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saves_append_their_events_in_order() {
    on_both(|store| async move {
        let incident = start(&store, "T1", "API down").await?;
        let channel = ChannelId::new("C1");
        let created = NewEvent {
            kind: EventKind::ChannelCreated { channel: channel.clone(), name: "inc-1".to_owned() },
            ..note(&incident, "", None)
        };
        let posted = NewEvent { kind: EventKind::CardPosted, ..note(&incident, "", None) };
        let opened = Incident { setup: Setup::Open, channel: Some(channel), ..incident.clone() };
        let opened =
            store.save(&opened, vec![created, posted, note(&incident, "one", None)]).await?;
        store.save(&opened, vec![note(&incident, "two", None)]).await?;

        let timeline = store.timeline(incident.id).await?;
        let kinds: Vec<&str> = timeline.iter().map(|e| e.kind.key()).collect();
        assert_eq!(kinds, ["declared", "channel_created", "card_posted", "note", "note"]);
        assert!(timeline.windows(2).all(|pair| pair[0].seq < pair[1].seq));
        assert_eq!(lines(&store, &incident).await?[3..], ["note: one", "note: two"]);
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_event_is_stored_once() {
    on_both(|store| async move {
        let incident =
            store.create_incident(new_incident("T1", "dup"), declared("dup", Some("Tr1"))).await?;
        let other = start(&store, "T1", "other").await?;
        assert!(!store.append(declared("dup", Some("Tr1")).for_incident(incident.id)).await?);
        assert!(store.append(note(&incident, "a", Some("Ev1"))).await?);
        assert!(!store.append(note(&incident, "a, retried", Some("Ev1"))).await?);
        let same_cause_other_kind =
            NewEvent { kind: EventKind::CardPinned, ..note(&incident, "", Some("Ev1")) };
        assert!(store.append(same_cause_other_kind).await?);
        assert!(store.append(note(&other, "a", Some("Ev1"))).await?, "causes count per incident");
        assert!(store.append(note(&incident, "b", None)).await?);
        assert!(
            store.append(note(&incident, "b", None)).await?,
            "events without cause never collide"
        );

        let saved = store
            .save(
                &incident,
                vec![note(&incident, "a, again", Some("Ev1")), note(&incident, "c", Some("Ev2"))],
            )
            .await?;
        assert_eq!(saved.version, 2);
        let expected = [
            "declared SEV2: dup",
            "note: a",
            "pinned the incident card",
            "note: b",
            "note: b",
            "note: c",
        ];
        assert_eq!(lines(&store, &incident).await?, expected);
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incident_is_found_by_its_channel() {
    on_both(|store| async move {
        let (team, channel) = (TeamId::new("T1"), ChannelId::new("C1"));
        start(&store, "T1", "no channel yet").await?;
        let incident = start(&store, "T1", "API down").await?;
        let opened =
            store.save(&Incident { channel: Some(channel.clone()), ..incident }, vec![]).await?;
        assert_eq!(store.incident_by_channel(&team, &channel).await?, Some(opened));
        assert_eq!(store.incident_by_channel(&team, &ChannelId::new("C2")).await?, None);
        assert_eq!(store.incident_by_channel(&TeamId::new("T2"), &channel).await?, None);
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_incidents_leave_out_resolved_and_failed_ones() {
    on_both(|store| async move {
        let oldest = start(&store, "T1", "oldest").await?;
        let resolved = start(&store, "T1", "resolved").await?;
        store.save(&Incident { status: Status::Resolved, ..resolved }, vec![]).await?;
        let failed = start(&store, "T1", "failed").await?;
        store.save(&Incident { setup: Setup::Failed, ..failed }, vec![]).await?;
        let newest = start(&store, "T1", "newest").await?;
        start(&store, "T2", "elsewhere").await?;

        let open = store.open_incidents(&TeamId::new("T1")).await?;
        assert_eq!(open, [newest, oldest]);
        assert!(store.open_incidents(&TeamId::new("T3")).await?.is_empty());
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeline_holds_its_own_events_in_recorded_order() {
    on_both(|store| async move {
        let one = start(&store, "T1", "one").await?;
        let two = start(&store, "T1", "two").await?;
        for i in 0..3 {
            store.append(note(&one, &format!("one {i}"), None)).await?;
            store.append(note(&two, &format!("two {i}"), None)).await?;
        }
        assert_eq!(
            lines(&store, &one).await?,
            ["declared SEV2: one", "note: one 0", "note: one 1", "note: one 2"]
        );
        assert_eq!(
            lines(&store, &two).await?,
            ["declared SEV2: two", "note: two 0", "note: two 1", "note: two 2"]
        );
        let timeline: Vec<TimelineEvent> = store.timeline(IncidentId(two.id.0 + 1000)).await?;
        assert!(timeline.is_empty());
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ping_answers_while_connected() {
    on_both(|store| async move {
        store.ping().await?;
        store.close().await;
        let closed = store.ping().await;
        assert!(matches!(closed, Err(StoreError::Unavailable(_))), "{closed:?}");
        Ok(())
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// Beyond the port: start-up, failures, corrupt rows

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
        assert_eq!(applied, 1);
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
