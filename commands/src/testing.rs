//! In-memory fakes of the ports, for fast tests of command logic (feature `testing`).

use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use jiff::Timestamp;

use crate::engine::{Context, Invocation};
use crate::ids::{ChannelId, IncidentId, IncidentNumber, MessageTs, SlackUserId, TeamId};
use crate::incident::{Incident, NewIncident, Setup};
use crate::ports::{Chat, ChatError, Clock, CreatedChannel, IncidentStore, StoreError};
use crate::reply::Reply;
use crate::settings::Settings;
use crate::severity::Severity;
use crate::status::Status;
use crate::timeline::{EventDraft, NewEvent, Source, TimelineEvent};

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A store in memory with the same contract as the SQL store.
#[derive(Debug, Default)]
pub struct MemoryStore {
    state: Mutex<MemoryState>,
}

#[derive(Debug, Default)]
struct MemoryState {
    incidents: Vec<Incident>,
    events: Vec<TimelineEvent>,
}

impl MemoryState {
    fn push_event(&mut self, event: NewEvent) -> bool {
        let duplicate = event.cause.is_some()
            && self.events.iter().any(|e| {
                e.incident == event.incident && e.cause == event.cause && e.kind.key() == event.kind.key()
            });
        if duplicate {
            return false;
        }
        let seq = self.events.len() as i64 + 1;
        self.events.push(TimelineEvent {
            seq,
            incident: event.incident,
            at: event.at,
            actor: event.actor,
            source: event.source,
            kind: event.kind,
            cause: event.cause,
        });
        true
    }
}

#[async_trait]
impl IncidentStore for MemoryStore {
    async fn create_incident(&self, new: NewIncident, first_event: EventDraft) -> Result<Incident, StoreError> {
        let mut state = lock(&self.state);
        let number = state.incidents.iter().filter(|i| i.team == new.team).count() as i64 + 1;
        let incident = Incident {
            id: IncidentId(state.incidents.len() as i64 + 1),
            team: new.team,
            number: IncidentNumber(number),
            title: new.title,
            severity: new.severity,
            status: Status::Investigating,
            lead: None,
            declared_by: new.declared_by,
            declared_at: new.declared_at,
            resolved_at: None,
            setup: Setup::Opening,
            channel: None,
            channel_name: None,
            card_ts: None,
            version: 1,
        };
        state.incidents.push(incident.clone());
        state.push_event(first_event.for_incident(incident.id));
        Ok(incident)
    }

    async fn incident(&self, id: IncidentId) -> Result<Option<Incident>, StoreError> {
        Ok(lock(&self.state).incidents.iter().find(|i| i.id == id).cloned())
    }

    async fn incident_by_channel(&self, team: &TeamId, channel: &ChannelId) -> Result<Option<Incident>, StoreError> {
        let state = lock(&self.state);
        Ok(state.incidents.iter().find(|i| &i.team == team && i.channel.as_ref() == Some(channel)).cloned())
    }

    async fn open_incidents(&self, team: &TeamId) -> Result<Vec<Incident>, StoreError> {
        let state = lock(&self.state);
        let mut open: Vec<Incident> = state.incidents.iter().filter(|i| &i.team == team && i.is_open()).cloned().collect();
        open.sort_by_key(|i| std::cmp::Reverse(i.number));
        Ok(open)
    }

    async fn save(&self, incident: &Incident, events: Vec<NewEvent>) -> Result<Incident, StoreError> {
        let mut state = lock(&self.state);
        let stored = state.incidents.iter_mut().find(|i| i.id == incident.id).ok_or(StoreError::Conflict)?;
        if stored.version != incident.version {
            return Err(StoreError::Conflict);
        }
        *stored = Incident { version: incident.version + 1, ..incident.clone() };
        let saved = stored.clone();
        for event in events {
            state.push_event(event);
        }
        Ok(saved)
    }

    async fn append(&self, event: NewEvent) -> Result<bool, StoreError> {
        Ok(lock(&self.state).push_event(event))
    }

    async fn timeline(&self, id: IncidentId) -> Result<Vec<TimelineEvent>, StoreError> {
        Ok(lock(&self.state).events.iter().filter(|e| e.incident == id).cloned().collect())
    }

    async fn ping(&self) -> Result<(), StoreError> {
        Ok(())
    }
}

/// One call the fake chat received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChatCall {
    CreateChannel(String),
    Invite(ChannelId, Vec<SlackUserId>),
    SetTopic(ChannelId, String),
    Post(ChannelId, Reply),
    Update(ChannelId, MessageTs, Reply),
    Pin(ChannelId, MessageTs),
    PostInThread(ChannelId, MessageTs, Reply),
    UploadText(ChannelId, MessageTs, String, String),
    Respond(String, Reply),
}

/// A chat that records calls; names in `taken` answer `NameTaken`; `fail` names call kinds
/// (`create_channel`, `invite`, `set_topic`, `post`, `update`, `pin`) that are refused.
#[derive(Debug, Default)]
pub struct RecordingChat {
    pub calls: Mutex<Vec<ChatCall>>,
    pub taken: Mutex<HashSet<String>>,
    pub fail: Mutex<HashSet<&'static str>>,
    /// User group id → members.
    pub usergroups: Mutex<Vec<(String, Vec<SlackUserId>)>>,
}

impl RecordingChat {
    pub fn calls(&self) -> Vec<ChatCall> {
        lock(&self.calls).clone()
    }

    fn record(&self, kind: &'static str, call: ChatCall) -> Result<(), ChatError> {
        lock(&self.calls).push(call);
        if lock(&self.fail).contains(kind) {
            return Err(ChatError::Refused(format!("{kind}_refused")));
        }
        Ok(())
    }
}

#[async_trait]
impl Chat for RecordingChat {
    async fn create_channel(&self, name: &str) -> Result<CreatedChannel, ChatError> {
        self.record("create_channel", ChatCall::CreateChannel(name.to_owned()))?;
        if !lock(&self.taken).insert(name.to_owned()) {
            return Err(ChatError::NameTaken);
        }
        Ok(CreatedChannel { id: ChannelId::new(format!("C{}", lock(&self.taken).len())), name: name.to_owned() })
    }
    async fn invite(&self, channel: &ChannelId, users: &[SlackUserId]) -> Result<(), ChatError> {
        self.record("invite", ChatCall::Invite(channel.clone(), users.to_vec()))
    }
    async fn set_topic(&self, channel: &ChannelId, topic: &str) -> Result<(), ChatError> {
        self.record("set_topic", ChatCall::SetTopic(channel.clone(), topic.to_owned()))
    }
    async fn post(&self, channel: &ChannelId, reply: &Reply) -> Result<MessageTs, ChatError> {
        self.record("post", ChatCall::Post(channel.clone(), reply.clone()))?;
        Ok(MessageTs::new(format!("1700000000.{:06}", lock(&self.calls).len())))
    }
    async fn update(&self, channel: &ChannelId, ts: &MessageTs, reply: &Reply) -> Result<(), ChatError> {
        self.record("update", ChatCall::Update(channel.clone(), ts.clone(), reply.clone()))
    }
    async fn pin(&self, channel: &ChannelId, ts: &MessageTs) -> Result<(), ChatError> {
        self.record("pin", ChatCall::Pin(channel.clone(), ts.clone()))
    }
    async fn post_in_thread(&self, channel: &ChannelId, thread: &MessageTs, reply: &Reply) -> Result<MessageTs, ChatError> {
        self.record("post_in_thread", ChatCall::PostInThread(channel.clone(), thread.clone(), reply.clone()))?;
        Ok(MessageTs::new(format!("1700000000.{:06}", lock(&self.calls).len())))
    }
    async fn upload_text(&self, channel: &ChannelId, thread: &MessageTs, filename: &str, content: &str) -> Result<(), ChatError> {
        self.record("upload_text", ChatCall::UploadText(channel.clone(), thread.clone(), filename.to_owned(), content.to_owned()))
    }
    async fn usergroup_members(&self, group: &str) -> Result<Vec<SlackUserId>, ChatError> {
        let groups = lock(&self.usergroups);
        groups.iter().find(|(id, _)| id == group).map(|(_, m)| m.clone()).ok_or_else(|| ChatError::Refused("no_such_subteam".into()))
    }
    async fn respond(&self, response_url: &str, reply: &Reply) -> Result<(), ChatError> {
        self.record("respond", ChatCall::Respond(response_url.to_owned(), reply.clone()))
    }
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

/// Diagnostic ports that answer from preset facts; anything not preset is `NotConfigured`.
pub mod diagnostics {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use async_trait::async_trait;

    use super::lock;
    use crate::diagnostics::facts::*;
    use crate::diagnostics::ports::{Cluster, Containers, DiagnosticPorts, Gpus, ProbeError, Probes};
    use crate::diagnostics::spec::{ContainerFilter, LabelSelector};

    /// Preset answers; `http` maps URL → result, `hang` URLs never answer.
    #[derive(Debug, Default)]
    pub struct FakeTargets {
        pub http: Mutex<Vec<(String, Result<HttpFacts, ProbeError>)>>,
        pub hang: Mutex<Vec<String>>,
        /// Every HTTP answer takes this long (benchmarks of the fan-out).
        pub latency: Mutex<Duration>,
    }

    fn unset(what: &str) -> ProbeError {
        ProbeError::NotConfigured(format!("no {what} in this test"))
    }

    #[async_trait]
    impl Probes for FakeTargets {
        async fn http_get(&self, url: &str, _timeout: Duration) -> Result<HttpFacts, ProbeError> {
            if lock(&self.hang).iter().any(|u| u == url) {
                std::future::pending::<()>().await;
            }
            let latency = *lock(&self.latency);
            if !latency.is_zero() {
                tokio::time::sleep(latency).await;
            }
            let answer = lock(&self.http).iter().find(|(u, _)| u == url).map(|(_, r)| r.clone());
            answer.unwrap_or_else(|| Err(ProbeError::Unreachable(format!("connection refused ({url})"))))
        }
        async fn tls_certificate(&self, _: &str, _: u16, _: Duration) -> Result<TlsFacts, ProbeError> {
            Err(unset("TLS"))
        }
        async fn postgres(&self, _: &str, _: Duration) -> Result<PostgresFacts, ProbeError> {
            Err(unset("Postgres"))
        }
        async fn redis(&self, _: &str, _: Duration) -> Result<RedisFacts, ProbeError> {
            Err(unset("Redis"))
        }
        async fn disk(&self, _: &str) -> Result<DiskFacts, ProbeError> {
            Err(unset("disk"))
        }
    }

    #[async_trait]
    impl Cluster for FakeTargets {
        async fn pods(&self, _: &str, _: &LabelSelector) -> Result<Vec<PodFacts>, ProbeError> {
            Err(unset("cluster"))
        }
        async fn deployment(&self, _: &str, _: &str) -> Result<DeploymentFacts, ProbeError> {
            Err(unset("cluster"))
        }
        async fn warning_events(&self, _: &str) -> Result<Vec<EventFacts>, ProbeError> {
            Err(unset("cluster"))
        }
        async fn pod_logs(&self, _: &str, _: &str, _: u32) -> Result<Vec<String>, ProbeError> {
            Err(unset("cluster"))
        }
    }

    #[async_trait]
    impl Containers for FakeTargets {
        async fn containers(&self, _: &ContainerFilter) -> Result<Vec<ContainerFacts>, ProbeError> {
            Err(unset("Docker"))
        }
        async fn logs(&self, _: &str, _: u32, _: Option<Duration>) -> Result<Vec<String>, ProbeError> {
            Err(unset("Docker"))
        }
    }

    #[async_trait]
    impl Gpus for FakeTargets {
        async fn devices(&self) -> Result<Vec<GpuFacts>, ProbeError> {
            Err(ProbeError::NoDriver)
        }
    }

    /// Ports that all answer from `targets`.
    pub fn ports(targets: Arc<FakeTargets>) -> DiagnosticPorts {
        DiagnosticPorts { cluster: targets.clone(), containers: targets.clone(), gpus: targets.clone(), probes: targets }
    }
}

/// Remediation requests in memory, with the SQL store's compare-and-set contract.
pub mod requests {
    use std::sync::Mutex;

    use async_trait::async_trait;
    use jiff::Timestamp;

    use super::lock;
    use crate::ids::IncidentId;
    use crate::ports::{RemediationStore, StoreError};
    use crate::remediation::request::{Move, NewRequest, RemediationRequest, RequestId, RequestState};

    #[derive(Debug, Default)]
    pub struct MemoryRequests {
        requests: Mutex<Vec<RemediationRequest>>,
    }

    const RUN_STATES: [RequestState; 4] = [RequestState::Running, RequestState::Succeeded, RequestState::Failed, RequestState::Interrupted];

    #[async_trait]
    impl RemediationStore for MemoryRequests {
        async fn create_request(&self, new: NewRequest) -> Result<RemediationRequest, StoreError> {
            let mut requests = lock(&self.requests);
            let request = RemediationRequest {
                id: RequestId(requests.len() as i64 + 1),
                incident: new.incident,
                runbook: new.runbook,
                action: new.action,
                state: RequestState::Requested,
                requested_by: new.requested_by,
                decided_by: None,
                created_at: new.created_at,
                expires_at: new.expires_at,
                updated_at: new.created_at,
                result: None,
            };
            requests.push(request.clone());
            Ok(request)
        }

        async fn request(&self, id: RequestId) -> Result<Option<RemediationRequest>, StoreError> {
            Ok(lock(&self.requests).iter().find(|r| r.id == id).cloned())
        }

        async fn move_request(&self, id: RequestId, mv: &Move) -> Result<bool, StoreError> {
            let mut requests = lock(&self.requests);
            let Some(request) = requests.iter_mut().find(|r| r.id == id && r.state == mv.from) else {
                return Ok(false);
            };
            request.state = mv.to;
            request.updated_at = mv.at;
            if mv.by.is_some() {
                request.decided_by = mv.by.clone();
            }
            if mv.result.is_some() {
                request.result = mv.result.clone();
            }
            Ok(true)
        }

        async fn count_runs(&self, runbook: &str, action: &str, incident: Option<IncidentId>, since: Timestamp) -> Result<u32, StoreError> {
            let requests = lock(&self.requests);
            let runs = requests.iter().filter(|r| {
                r.runbook == runbook
                    && r.action == action
                    && incident.is_none_or(|i| r.incident == i)
                    && r.created_at >= since
                    && RUN_STATES.contains(&r.state)
            });
            Ok(u32::try_from(runs.count()).unwrap_or(u32::MAX))
        }

        async fn interrupt_running(&self, at: Timestamp) -> Result<Vec<RequestId>, StoreError> {
            let mut requests = lock(&self.requests);
            let mut interrupted = Vec::new();
            for request in requests.iter_mut().filter(|r| r.state == RequestState::Running) {
                request.state = RequestState::Interrupted;
                request.updated_at = at;
                request.result = Some("interrupted — state unknown".to_owned());
                interrupted.push(request.id);
            }
            Ok(interrupted)
        }
    }
}

/// Remediation ports that record what they were asked to do and succeed.
pub mod actions {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use async_trait::async_trait;

    use super::lock;
    use crate::engine::RemediationPorts;
    use crate::remediation::{ActionError, ActionOutcome, ActionTarget, ClusterActions, ContainerActions};

    #[derive(Debug, Default)]
    pub struct RecordingActions {
        pub executed: Mutex<Vec<ActionTarget>>,
        /// Executions wait this long, so concurrent approvals overlap.
        pub delay: Mutex<Duration>,
    }

    impl RecordingActions {
        pub fn executions(&self) -> usize {
            lock(&self.executed).len()
        }

        async fn run(&self, action: &ActionTarget) -> Result<ActionOutcome, ActionError> {
            lock(&self.executed).push(action.clone());
            let delay = *lock(&self.delay);
            tokio::time::sleep(delay).await;
            Ok(ActionOutcome { success: true, summary: format!("ran {}", action.kind()), evidence: vec!["evidence line".into()] })
        }
    }

    fn verified() -> Result<ActionOutcome, ActionError> {
        Ok(ActionOutcome { success: true, summary: "rollout complete".into(), evidence: vec![] })
    }

    #[async_trait]
    impl ClusterActions for RecordingActions {
        async fn preview(&self, action: &ActionTarget) -> Result<String, ActionError> {
            Ok(format!("would {}", action.kind()))
        }
        async fn execute(&self, action: &ActionTarget) -> Result<ActionOutcome, ActionError> {
            self.run(action).await
        }
        async fn verify(&self, _: &ActionTarget, _: Duration) -> Result<ActionOutcome, ActionError> {
            verified()
        }
    }

    #[async_trait]
    impl ContainerActions for RecordingActions {
        async fn execute(&self, action: &ActionTarget) -> Result<ActionOutcome, ActionError> {
            self.run(action).await
        }
        async fn verify(&self, _: &ActionTarget, _: Duration) -> Result<ActionOutcome, ActionError> {
            verified()
        }
    }

    pub fn ports(actions: Arc<RecordingActions>) -> RemediationPorts {
        RemediationPorts { cluster: actions.clone(), containers: actions }
    }
}
