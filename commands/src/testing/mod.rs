//! In-memory fakes of the ports, for fast tests of command logic (feature `testing`).
//!
//! # Layout
//! - `store` — `MemoryStore`; `requests` — `MemoryRequests`.
//! - `chat` — `RecordingChat` and the `ChatCall`s it saw.
//! - `diagnostics` — `FakeTargets` behind every diagnostic port.
//! - `actions` — `RecordingActions` behind the remediation ports.
//! - `paging` — `RecordingPaging` behind the pager port.
//! - here: a fixed clock, `test_context`, `invocation`, `sample_incident`.

pub mod actions;
mod chat;
pub mod diagnostics;
pub mod paging;
pub mod requests;
pub mod timers;
mod store;

use std::sync::{Arc, Mutex, MutexGuard};

use jiff::Timestamp;

pub use chat::{ChatCall, FakeMessage, RecordingChat};
pub use store::MemoryStore;

use crate::engine::{Context, Invocation};
use crate::ids::{ChannelId, IncidentId, IncidentNumber, MessageTs, SlackUserId, TeamId};
use crate::incident::{Incident, Setup};
use crate::ports::Clock;
use crate::settings::Settings;
use crate::severity::Severity;
use crate::status::Status;
use crate::timeline::Source;

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A clock that stands still unless moved.
#[derive(Debug)]
pub struct FixedClock(pub Mutex<Timestamp>);

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        *lock(&self.0)
    }
}

/// 2026-11-23 03:12:00 UTC, the time of every test incident.
pub fn test_time() -> Timestamp {
    Timestamp::from_second(1_795_403_520).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// A context over fresh fakes, plus handles to inspect them.
pub fn test_context(settings: Settings) -> (Context, Arc<MemoryStore>, Arc<RecordingChat>) {
    let store = Arc::new(MemoryStore::default());
    let chat = Arc::new(RecordingChat::default());
    let ctx = Context {
        store: store.clone(),
        chat: chat.clone(),
        clock: Arc::new(FixedClock(Mutex::new(test_time()))),
        settings: Arc::new(settings),
        diagnostics: diagnostics::ports(Arc::new(diagnostics::FakeTargets::default())),
        requests: Arc::new(requests::MemoryRequests::default()),
        actions: actions::ports(Arc::new(actions::RecordingActions::default())),
        timers: Arc::new(timers::MemoryTimers::default()),
        paging: Arc::new(paging::RecordingPaging::default()),
        background: tokio_util::task::TaskTracker::new(),
    };
    (ctx, store, chat)
}

/// A slash-command invocation by `user` in `channel`.
pub fn invocation(user: &str, channel: &str) -> Invocation {
    Invocation {
        team: TeamId::new("T0001"),
        user: SlackUserId::parse(user).unwrap_or_else(|| panic!("bad test user {user}")),
        channel: ChannelId::new(channel),
        source: Source::SlashCommand,
        cause: None,
        incident: None,
        response_url: Some("https://hooks.test/response".to_owned()),
    }
}

/// An open SEV1 incident with a channel, for rendering tests.
pub fn sample_incident() -> Incident {
    Incident {
        id: IncidentId(1),
        team: TeamId::new("T0001"),
        number: IncidentNumber(7),
        title: "API returns 502".to_owned(),
        severity: Severity::Sev1,
        status: Status::Investigating,
        lead: None,
        declared_by: SlackUserId::parse("U100").unwrap_or_else(|| panic!("valid id")),
        declared_at: test_time(),
        resolved_at: None,
        setup: Setup::Open,
        channel: Some(ChannelId::new("C1")),
        channel_name: Some("inc-20261123-7-api-returns-502".to_owned()),
        card_ts: Some(MessageTs::new("1700000000.000001")),
        version: 1,
    }
}
