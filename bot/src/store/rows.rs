//! Rows back into domain values; a value that does not parse is an error naming its column.

use firebreak_commands::ids::{
    ChannelId, IncidentId, IncidentNumber, MessageTs, SlackUserId, TeamId,
};
use firebreak_commands::incident::{Incident, Setup};
use firebreak_commands::ports::StoreError;
use firebreak_commands::severity::Severity;
use firebreak_commands::status::Status;
use firebreak_commands::timeline::{Source, TimelineEvent};
use jiff::Timestamp;
use serde::de::DeserializeOwned;
use sqlx::any::AnyRow;
use sqlx::{Any, Decode, Row, Type};

/// The columns [`incident`] reads, for `SELECT`s and `RETURNING`s (a macro so that `concat!`
/// keeps the queries `&'static str`, which sqlx 0.9 requires of SQL).
macro_rules! incident_columns {
    () => {
        "id, team_id, number, title, severity, status, lead, declared_by, declared_at_ms, \
         resolved_at_ms, setup, channel_id, channel_name, card_ts, version"
    };
}
pub(super) use incident_columns;

/// The columns [`event`] reads.
macro_rules! event_columns {
    () => {
        "seq, incident_id, at_ms, actor, source, body, cause"
    };
}
pub(super) use event_columns;

pub(super) fn incident(row: &AnyRow) -> Result<Incident, StoreError> {
    let row = Columns { row, table: "incidents" };
    Ok(Incident {
        id: IncidentId(row.get("id")?),
        team: TeamId::new(row.get::<String>("team_id")?),
        number: IncidentNumber(row.get("number")?),
        title: row.get("title")?,
        severity: row.parsed("severity", Severity::parse)?,
        status: row.parsed("status", Status::parse)?,
        lead: row.optional_parsed("lead", SlackUserId::parse)?,
        declared_by: row.parsed("declared_by", SlackUserId::parse)?,
        declared_at: row.timestamp("declared_at_ms")?,
        resolved_at: row.optional_timestamp("resolved_at_ms")?,
        setup: row.parsed("setup", Setup::parse)?,
        channel: row.get::<Option<String>>("channel_id")?.map(ChannelId::new),
        channel_name: row.get("channel_name")?,
        card_ts: row.get::<Option<String>>("card_ts")?.map(MessageTs::new),
        version: row.get("version")?,
    })
}

pub(super) fn event(row: &AnyRow) -> Result<TimelineEvent, StoreError> {
    let row = Columns { row, table: "timeline_events" };
    Ok(TimelineEvent {
        seq: row.get("seq")?,
        incident: IncidentId(row.get("incident_id")?),
        at: row.timestamp("at_ms")?,
        actor: row.json("actor")?,
        source: row.parsed("source", Source::parse)?,
        kind: row.json("body")?,
        cause: row.get("cause")?,
    })
}

/// How time is stored: epoch milliseconds (finer parts are dropped).
pub(super) fn millis(at: Timestamp) -> i64 {
    at.as_millisecond()
}

/// A row of `table`, read column by column with errors that say which column was wrong.
struct Columns<'r> {
    row: &'r AnyRow,
    table: &'static str,
}

impl Columns<'_> {
    fn get<T>(&self, column: &str) -> Result<T, StoreError>
    where
        T: for<'v> Decode<'v, Any> + Type<Any>,
    {
        self.row.try_get(column).map_err(|error| self.bad(column, error))
    }

    fn parsed<T>(&self, column: &str, parse: impl Fn(&str) -> Option<T>) -> Result<T, StoreError> {
        let text: String = self.get(column)?;
        parse(&text).ok_or_else(|| self.bad(column, format!("unknown value {text:?}")))
    }

    fn optional_parsed<T>(
        &self,
        column: &str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Result<Option<T>, StoreError> {
        let text: Option<String> = self.get(column)?;
        text.map(|text| {
            parse(&text).ok_or_else(|| self.bad(column, format!("unknown value {text:?}")))
        })
        .transpose()
    }

    fn timestamp(&self, column: &str) -> Result<Timestamp, StoreError> {
        let ms: i64 = self.get(column)?;
        Timestamp::from_millisecond(ms).map_err(|error| self.bad(column, error))
    }

    fn optional_timestamp(&self, column: &str) -> Result<Option<Timestamp>, StoreError> {
        let ms: Option<i64> = self.get(column)?;
        ms.map(|ms| Timestamp::from_millisecond(ms).map_err(|error| self.bad(column, error)))
            .transpose()
    }

    fn json<T: DeserializeOwned>(&self, column: &str) -> Result<T, StoreError> {
        let text: String = self.get(column)?;
        serde_json::from_str(&text).map_err(|error| self.bad(column, error))
    }

    fn bad(&self, column: &str, problem: impl std::fmt::Display) -> StoreError {
        StoreError::Unavailable(format!("unreadable {}.{column}: {problem}", self.table))
    }
}
