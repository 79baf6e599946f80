//! Building the application from configuration and running it until a shutdown signal.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use firebreak_commands::ports::{Chat, Clock, IncidentStore, Paging, RemediationStore, SystemClock, TimerStore};
use firebreak_commands::diagnostics::DiagnosticPorts;
use firebreak_commands::engine::RemediationPorts;
use firebreak_commands::Context;
use slack_morphism::prelude::SlackSigningSecret;
use slack_morphism::signature_verifier::SlackEventSignatureVerifier;
use tokio::net::TcpListener;

use crate::config::{Config, SlackCredentials};
use crate::http;
use crate::slack::socket_mode::{AppHandler, SocketMode};
use crate::slack::web_api::SlackWebApi;
use crate::state::AppState;
use crate::store::SqlStore;

/// Why the bot cannot start; `main` prints it and exits non-zero.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// Everything the commands reach the world through.
#[allow(missing_debug_implementations)]
pub struct Ports {
    pub store: Arc<dyn IncidentStore>,
    pub requests: Arc<dyn RemediationStore>,
    pub timers: Arc<dyn TimerStore>,
    pub chat: Arc<dyn Chat>,
    pub clock: Arc<dyn Clock>,
    pub diagnostics: DiagnosticPorts,
    pub actions: RemediationPorts,
    pub paging: Arc<dyn Paging>,
}

/// A built application, bound to its port but not yet serving.
#[derive(Debug)]
pub struct App {
    listener: TcpListener,
    state: AppState,
    /// Set when `SLACK_APP_TOKEN` is: Slack also reaches Firebreak over Socket Mode.
    socket_mode: Option<SocketMode>,
    /// The durable outbox's sender, when the chat port queues through it (`App::build`).
    outbox: Option<crate::outbox::Sender>,
    /// Set in console mode (no Slack credentials): the `/console` page and its workspace.
    console: Option<crate::console::Console>,
}

impl App {
    /// Connects the store (running migrations), builds the Slack client and binds the port.
    pub async fn build(config: &Config) -> Result<Self, StartError> {
        let Some(credentials) = config.slack.as_ref() else {
            return Self::build_console(config).await;
        };
        let store = SqlStore::connect(config.database_url.expose()).await.context("opening the database")?;
        // A remediation cut off by a crash is found by its expired lease (`lease_loop`, first
        // round at start-up), never by being `running`: another replica may be running it now.
        tracing::info!(replica = store.replica(), "store connected");
        let api = SlackWebApi::new(&config.slack_api_url, &credentials.bot_token)?;
        // One Kubernetes client (the kubeconfig is read once) for diagnostics and remediations.
        let kube_client = crate::adapters::kube_client::infer().await;
        let diagnostics = crate::adapters::diagnostics(kube_client.clone());
        let actions = crate::adapters::remediations(kube_client, &config.statuspage);
        // Every outbound Slack call goes through the store-backed outbox (`crate::outbox`).
        let outbox = crate::outbox::Sender::new(store.clone(), api, crate::outbox::SenderConfig::default());
        let store = Arc::new(store);
        let paging = Arc::new(crate::adapters::pager::HttpPaging::new(config.pager_secrets.clone(), crate::adapters::pager::Retry::default()));
        let ports = Ports { store: store.clone(), timers: store.clone(), requests: store, chat: Arc::new(outbox.chat()), clock: Arc::new(SystemClock), diagnostics, actions, paging };
        let mut app = Self::build_with(config, credentials, ports).await?;
        app.outbox = Some(outbox);
        Ok(app)
    }

    /// Without Slack credentials: the local console. The same store, diagnostics, actions and
    /// background rounds; only the chat is the console's in-memory workspace (no outbox: it
    /// delivers to Slack's Web API, and the workspace cannot be down).
    async fn build_console(config: &Config) -> Result<Self, StartError> {
        let store = Arc::new(SqlStore::connect(config.database_url.expose()).await.context("opening the database")?);
        let kube_client = crate::adapters::kube_client::infer().await;
        let console = crate::console::Console::new(&config.settings);
        let paging = Arc::new(crate::adapters::pager::HttpPaging::new(config.pager_secrets.clone(), crate::adapters::pager::Retry::default()));
        let (diagnostics, actions) = (crate::adapters::diagnostics(kube_client.clone()), crate::adapters::remediations(kube_client, &config.statuspage));
        let ports = Ports { store: store.clone(), timers: store.clone(), requests: store, chat: console.chat(), clock: Arc::new(SystemClock), diagnostics, actions, paging };
        let mut app = Self::build_with(config, &crate::console::Console::credentials(), ports).await?;
        console.bound(app.port());
        app.console = Some(console);
        Ok(app)
    }

    /// Like [`App::build`] with the ports supplied (tests swap the clock or the store).
    pub async fn build_with(config: &Config, credentials: &SlackCredentials, ports: Ports) -> Result<Self, StartError> {
        let ctx = Context {
            store: ports.store,
            chat: ports.chat,
            clock: ports.clock,
            settings: Arc::new(config.settings.clone()),
            diagnostics: ports.diagnostics,
            requests: ports.requests,
            actions: ports.actions,
            timers: ports.timers,
            paging: ports.paging,
            // A fresh tracker: nothing runs in the background yet.
            background: Default::default(),
        };
        let secret = SlackSigningSecret::new(credentials.signing_secret.expose().to_owned());
        let state = AppState {
            ctx,
            verifier: Arc::new(SlackEventSignatureVerifier::new(&secret)),
            metrics: http::metrics::handle(),
            api_token: config.api_token.clone(),
            alertmanager_token: config.alertmanager_token.clone(),
            deliveries: crate::dedup::from_config(config.redis_url.as_ref()).context("setting up REDIS_URL")?,
        };
        let socket_mode = credentials.app_token.as_ref().map(|token| SocketMode::new(&config.slack_api_url, token)).transpose().context("setting up Socket Mode")?;
        let listener = TcpListener::bind(config.listen).await.with_context(|| format!("binding {}", config.listen))?;
        Ok(Self { listener, state, socket_mode, outbox: None, console: None })
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or_default()
    }

    /// Serves (and runs Socket Mode, when configured) until Ctrl-C or SIGTERM, then finishes
    /// in-flight requests, closes the Socket Mode connection, lets the work still running in
    /// the background finish (at most [`BACKGROUND_GRACE`]) and only then stops the outbox, which
    /// that work posts through.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        tracing::info!(port = self.port(), "firebreak listening");
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let (stop_outbox, outbox_stopped) = tokio::sync::watch::channel(false);
        let background = self.state.ctx.background.clone();
        let timers = tokio::spawn(crate::timer_loop::run(self.state.ctx.clone(), crate::timer_loop::TICK, stopped.clone()));
        let leases = tokio::spawn(crate::lease_loop::run(self.state.ctx.clone(), crate::lease_loop::TICK, stopped.clone()));
        let outbox = self.outbox.map(|sender| tokio::spawn(sender.run(outbox_stopped)));
        let socket_mode = self.socket_mode.map(|client| client.spawn(Arc::new(AppHandler::new(self.state.clone())), stopped));
        let shutdown = async move {
            shutdown_signal().await;
            let _ = stop.send(true);
        };
        let console = self.console.map(|console| console.router(self.state.clone()));
        let router = http::router(self.state);
        let router = match console {
            Some(console) => router.merge(console),
            None => router,
        };
        let served = axum::serve(self.listener, router).with_graceful_shutdown(shutdown).await;
        if let Some(task) = socket_mode {
            let _ = task.await;
        }
        let _ = timers.await;
        let _ = leases.await;
        finish_background(&background).await;
        let _ = stop_outbox.send(true);
        if let Some(task) = outbox {
            let _ = task.await;
        }
        served
    }
}

/// How long a stop waits for background work (a diagnostics run, a page, a reply past the ack
/// budget). Kubernetes kills a pod 30 s after SIGTERM by default; this leaves room for the rest.
pub const BACKGROUND_GRACE: Duration = Duration::from_secs(20);

/// Waits for the background work to finish, at most [`BACKGROUND_GRACE`], saying what is cut off.
async fn finish_background(background: &firebreak_commands::engine::TaskTracker) {
    background.close();
    if background.is_empty() {
        return;
    }
    tracing::info!(tasks = background.len(), "stopping: letting background work finish");
    if tokio::time::timeout(BACKGROUND_GRACE, background.wait()).await.is_err() {
        tracing::warn!(
            tasks = background.len(),
            "stopping with background work still running after {} s: its replies may be lost (a remediation cut off is reported interrupted by another replica or at the next start)",
            BACKGROUND_GRACE.as_secs()
        );
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
