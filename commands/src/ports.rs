//! Capability traits (ports) through which commands reach the world; adapters live in `bot`.

use async_trait::async_trait;
use jiff::Timestamp;

use crate::ids::{ChannelId, IncidentId, MessageTs, SlackUserId, TeamId};
use crate::incident::{Incident, NewIncident};
use crate::remediation::request::{Move, NewRequest, RemediationRequest, RequestId};
use crate::reply::Reply;
use crate::timeline::{EventDraft, NewEvent, TimelineEvent};
use crate::timers::{Timer, TimerKind};

/// Failures of the incident store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Someone else saved the incident since it was read: re-read and try again.
    #[error("the incident changed while it was being updated")]
    Conflict,
    /// The database could not be used at all (down, restarting, no connection in time): nothing
    /// was read or written, and trying again later may work.
    #[error("database unreachable: {0}")]
    Unreachable(String),
    /// The database refused or returned something unusable (a bad row, a refused statement).
    #[error("store unavailable: {0}")]
    Unavailable(String),
}

/// Where incidents and their timelines live (SQLite or Postgres in `bot`, memory in tests).
#[async_trait]
pub trait IncidentStore: Send + Sync {
    /// Creates the incident with the next number of its workspace (unique, gap-free, also under
    /// concurrent calls) and appends `first_event` to its timeline, atomically. `Conflict` when
    /// `new.alert_key` is set and an open incident has that key already (nothing is created).
    async fn create_incident(
        &self,
        new: NewIncident,
        first_event: EventDraft,
    ) -> Result<Incident, StoreError>;

    async fn incident(&self, id: IncidentId) -> Result<Option<Incident>, StoreError>;

    async fn incident_by_channel(
        &self,
        team: &TeamId,
        channel: &ChannelId,
    ) -> Result<Option<Incident>, StoreError>;

    /// The open (not resolved, not failed) incident opened for alert group `alert_key`.
    async fn open_incident_for_alert(&self, team: &TeamId, alert_key: &str) -> Result<Option<Incident>, StoreError>;

    /// Incidents of a workspace that are not resolved (and not failed), newest first.
    async fn open_incidents(&self, team: &TeamId) -> Result<Vec<Incident>, StoreError>;

    /// Saves `incident` if its `version` is still the stored one, appending `events` in the same
    /// transaction; returns the saved incident with its new version, or `Conflict`.
    async fn save(&self, incident: &Incident, events: Vec<NewEvent>) -> Result<Incident, StoreError>;

    /// Appends an event; `Ok(false)` when an event with the same cause and kind exists already.
    async fn append(&self, event: NewEvent) -> Result<bool, StoreError>;

    /// The incident's events in the order they were recorded.
    async fn timeline(&self, id: IncidentId) -> Result<Vec<TimelineEvent>, StoreError>;

    /// Answers when the store is reachable (readiness).
    async fn ping(&self) -> Result<(), StoreError>;
}

/// Failures of a chat call, as the chat platform reports them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChatError {
    /// The channel name exists already: pick another.
    #[error("the channel name is taken")]
    NameTaken,
    /// The platform refused the call (`channel_not_found`, `invalid_auth`, …).
    #[error("Slack answered `{0}`")]
    Refused(String),
    /// Rate limited, server error or network trouble after the adapter's own retries.
    #[error("Slack is unavailable: {0}")]
    Unavailable(String),
}

/// A Slack channel that was created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedChannel {
    pub id: ChannelId,
    pub name: String,
}

/// A message as the chat platform has it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatMessage {
    pub ts: MessageTs,
    /// The person who wrote it (`None` for bots and integrations).
    pub author: Option<SlackUserId>,
    pub text: String,
}

/// What Firebreak can do in the chat workspace.
#[async_trait]
pub trait Chat: Send + Sync {
    async fn create_channel(&self, name: &str) -> Result<CreatedChannel, ChatError>;
    async fn invite(&self, channel: &ChannelId, users: &[SlackUserId]) -> Result<(), ChatError>;
    async fn set_topic(&self, channel: &ChannelId, topic: &str) -> Result<(), ChatError>;
    async fn post(&self, channel: &ChannelId, reply: &Reply) -> Result<MessageTs, ChatError>;
    /// Posts `reply` where nobody waits for the message (an announcement): a queueing
    /// implementation returns once it is queued, so the caller's flow never waits behind the
    /// channel's pace, and says in `report_to` (when given) if Slack later refuses it for good.
    /// By default, [`Chat::post`], whose refusal the caller gets (so `report_to` is not used).
    async fn post_and_forget(&self, channel: &ChannelId, reply: &Reply, report_to: Option<&ChannelId>) -> Result<(), ChatError> {
        let _ = report_to;
        self.post(channel, reply).await.map(drop)
    }
    async fn update(&self, channel: &ChannelId, ts: &MessageTs, reply: &Reply) -> Result<(), ChatError>;
    async fn pin(&self, channel: &ChannelId, ts: &MessageTs) -> Result<(), ChatError>;
    /// Replies in the thread of message `thread`.
    async fn post_in_thread(&self, channel: &ChannelId, thread: &MessageTs, reply: &Reply) -> Result<MessageTs, ChatError>;
    /// Attaches a text file in the thread of message `thread` (output too long for a message).
    async fn upload_text(&self, channel: &ChannelId, thread: &MessageTs, filename: &str, content: &str) -> Result<(), ChatError>;
    /// Shares a text file in the channel itself, with a short message (the postmortem draft).
    async fn share_text(&self, channel: &ChannelId, filename: &str, content: &str, comment: &str) -> Result<(), ChatError>;
    /// The message `ts` of `channel` (top level or in a thread); `None` when it is gone.
    async fn message(&self, channel: &ChannelId, ts: &MessageTs) -> Result<Option<ChatMessage>, ChatError>;
    /// A link to message `ts` that opens it in Slack.
    async fn permalink(&self, channel: &ChannelId, ts: &MessageTs) -> Result<String, ChatError>;
    /// Who still has reacted with `emoji` to message `ts`.
    async fn reacted_by(&self, channel: &ChannelId, ts: &MessageTs, emoji: &str) -> Result<Vec<SlackUserId>, ChatError>;
    /// The workspace and the bot's own user id (`auth.test`), for work that comes from outside
    /// Slack (alerts).
    async fn identity(&self) -> Result<(TeamId, SlackUserId), ChatError>;
    /// The members of a Slack user group (`S…`).
    async fn usergroup_members(&self, group: &str) -> Result<Vec<SlackUserId>, ChatError>;
    /// Answers the person who asked, through the interaction's `response_url`.
    async fn respond(&self, response_url: &str, reply: &Reply) -> Result<(), ChatError>;
}

/// The time, injectable so tests control it.
pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
}

/// The real clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// Where the incidents' timers live.
#[async_trait]
pub trait TimerStore: Send + Sync {
    /// Schedules `kind` for `incident` at `due_at`; `Ok(false)` when that timer exists already.
    async fn schedule(&self, incident: IncidentId, kind: &TimerKind, due_at: Timestamp) -> Result<bool, StoreError>;
    /// Claims up to `limit` timers due at `now` and not yet fired, marking them fired: each
    /// timer is claimed by exactly one caller, also across replicas.
    async fn claim_due(&self, now: Timestamp, limit: u32) -> Result<Vec<Timer>, StoreError>;
}

/// Where remediation requests live; every state change is a compare-and-set.
#[async_trait]
pub trait RemediationStore: Send + Sync {
    async fn create_request(&self, new: NewRequest) -> Result<RemediationRequest, StoreError>;
    async fn request(&self, id: RequestId) -> Result<Option<RemediationRequest>, StoreError>;
    /// Moves the request from `mv.from` to `mv.to` if it is still in `mv.from`; `Ok(false)` when
    /// someone else moved it first (the caller lost the race and must not act).
    async fn move_request(&self, id: RequestId, mv: &Move) -> Result<bool, StoreError>;
    /// Runs (running, succeeded, failed or interrupted) of `runbook`/`action` created since
    /// `since`, in `incident` when given.
    async fn count_runs(&self, runbook: &str, action: &str, incident: Option<IncidentId>, since: Timestamp) -> Result<u32, StoreError>;
    /// Moves an approved request to `running` by compare-and-set and leases it to this handle's
    /// replica until `lease_until`; `Ok(false)` when someone else moved it first. This is the
    /// only way into `running` (`move_request` refuses it): a run without a lease would look dead.
    async fn start_run(&self, id: RequestId, at: Timestamp, lease_until: Timestamp) -> Result<bool, StoreError>;
    /// Extends this replica's lease on a request it runs to `until`; `Ok(false)` when the request
    /// is no longer `running` under this replica (another one declared it interrupted).
    async fn renew_lease(&self, id: RequestId, until: Timestamp) -> Result<bool, StoreError>;
    /// Marks `interrupted` (state unknown, never re-run) each `running` request whose lease ended
    /// before `at` — its replica died — by compare-and-set, and returns those this call moved: of
    /// several replicas racing, exactly one gets each. A live lease is never touched.
    async fn interrupt_expired(&self, at: Timestamp) -> Result<Vec<RequestId>, StoreError>;
}

/// Why a pager's webhook was not reached (after the adapter's own retries).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PagingError {
    /// The environment variable the configuration names is not set (or holds no URL).
    #[error("{0}")]
    NotConfigured(String),
    /// The pager answered with an error status.
    #[error("the pager answered HTTP {status} after {attempts} attempt(s){}", if detail.is_empty() { String::new() } else { format!(": {detail}") })]
    Refused { status: u16, attempts: u32, detail: String },
    /// Network trouble or no answer in time.
    #[error("the pager could not be reached after {attempts} attempt(s): {why}")]
    Unreachable { attempts: u32, why: String },
}

/// A pager took the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageSent {
    /// The HTTP status of the answer that accepted it.
    pub status: u16,
    pub attempts: u32,
}

/// Pagers outside Slack (a webhook, PagerDuty) called when an escalation level is reached.
#[async_trait]
pub trait Paging: Send + Sync {
    async fn page(&self, webhook: &crate::escalation::PagerWebhook, page: &crate::escalation::Page) -> Result<PageSent, PagingError>;
}
