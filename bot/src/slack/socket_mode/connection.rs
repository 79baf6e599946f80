//! One Socket Mode WebSocket: reads Slack's messages, hands each envelope to the handler in its
//! own task, writes the acks, keeps the link alive with pings, and says why it ended.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use futures_util::stream::SplitStream;
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};
use tokio_tungstenite::tungstenite::{Bytes, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::envelope::{self, Envelope, Frame};
use super::recent::Recent;
use super::route::{Answer, EnvelopeHandler};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How long the WebSocket handshake may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long closing waits for in-flight acks (each bounded by the ack budget) and the close.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);

/// How the connection checks that Slack is still there.
#[derive(Debug, Clone, Copy)]
pub struct Keepalive {
    /// A ping is sent this often.
    pub ping_every: Duration,
    /// With nothing at all heard for this long (not even a pong), the connection counts as lost.
    pub silence_limit: Duration,
}

/// Why [`Link::serve`] returned.
#[derive(Debug)]
pub(super) enum Ended {
    /// Slack announced it will close this connection; it is still open and working.
    Disconnect(String),
    /// The connection broke.
    Lost(String),
    /// Firebreak is shutting down.
    Stopped,
}

/// Everything that may still be handling an envelope when a connection ends.
#[derive(Clone)]
pub(super) struct Shared {
    pub(super) handler: Arc<dyn EnvelopeHandler>,
    pub(super) recent: Arc<Recent>,
}

/// An open WebSocket to Slack.
pub(super) struct Link {
    reader: SplitStream<Socket>,
    /// To the writer task, which owns the socket's sending half; acks and pings go through it.
    writer: mpsc::Sender<Message>,
    writer_task: JoinHandle<()>,
    /// Counts this connection in `firebreak_socket_mode_connected` once Slack said hello.
    connected: Option<ConnectedGauge>,
    /// Told when Slack says hello here: the connection this one replaces stops being read.
    greeted: Option<oneshot::Sender<()>>,
}

impl Link {
    /// Connects to `url` (from `apps.connections.open`).
    pub(super) async fn connect(url: &url::Url) -> anyhow::Result<Self> {
        let (socket, _response) = tokio::time::timeout(CONNECT_TIMEOUT, tokio_tungstenite::connect_async(url.as_str()))
            .await
            .context("the WebSocket handshake timed out")?
            .context("the WebSocket handshake failed")?;
        let (mut sink, reader) = socket.split();
        let (writer, mut outbox) = mpsc::channel::<Message>(64);
        let writer_task = tokio::spawn(async move {
            while let Some(message) = outbox.recv().await {
                if let Err(error) = sink.send(message).await {
                    tracing::debug!(%error, "Socket Mode connection stopped writing");
                    return;
                }
            }
            // Nobody can ack on this connection any more: close it properly.
            let _ = sink.close().await;
        });
        Ok(Self { reader, writer, writer_task, connected: None, greeted: None })
    }

    /// Reads until the connection ends, handling envelopes as they come.
    pub(super) async fn serve(&mut self, shared: &Shared, keepalive: Keepalive, stop: &mut watch::Receiver<bool>) -> Ended {
        let mut ping = tokio::time::interval(keepalive.ping_every);
        ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
        ping.tick().await;
        let mut last_heard = Instant::now();
        loop {
            tokio::select! {
                () = stopped(stop) => return Ended::Stopped,
                _ = ping.tick() => {
                    if last_heard.elapsed() > keepalive.silence_limit {
                        return Ended::Lost(format!("nothing heard from Slack for {:?}", last_heard.elapsed()));
                    }
                    if self.writer.send(Message::Ping(Bytes::new())).await.is_err() {
                        return Ended::Lost("the connection stopped writing".to_owned());
                    }
                }
                message = self.reader.next() => {
                    last_heard = Instant::now();
                    match message {
                        None => return Ended::Lost("the connection closed".to_owned()),
                        Some(Err(error)) => return Ended::Lost(error.to_string()),
                        Some(Ok(Message::Text(text))) => {
                            if let Some(reason) = self.on_text(text.as_str(), shared) {
                                return Ended::Disconnect(reason);
                            }
                        }
                        Some(Ok(Message::Close(frame))) => {
                            let code = frame.map(|f| format!(" ({})", f.code)).unwrap_or_default();
                            return Ended::Lost(format!("Slack closed the connection{code}"));
                        }
                        // Pings are answered by tungstenite itself; pongs only prove Slack is there.
                        Some(Ok(_)) => {}
                    }
                }
            }
        }
    }

    /// `greeted` is told when Slack says hello on this connection.
    pub(super) fn on_hello(&mut self, greeted: oneshot::Sender<()>) {
        self.greeted = Some(greeted);
    }

    /// Whether Slack said hello on this connection.
    pub(super) fn said_hello(&self) -> bool {
        self.connected.is_some()
    }

    /// Closes the connection once the acks still being worked out have been sent.
    pub(super) async fn close(self) {
        let Self { reader, writer, writer_task, connected, greeted } = self;
        drop((reader, writer, greeted));
        let _ = tokio::time::timeout(CLOSE_TIMEOUT, writer_task).await;
        drop(connected);
    }

    /// Handles one text message; returns the reason when Slack announced a disconnect.
    fn on_text(&mut self, text: &str, shared: &Shared) -> Option<String> {
        match Frame::parse(text) {
            Ok(Frame::Hello { num_connections, app_id, approximate_connection_time }) => {
                tracing::info!(num_connections, app_id = app_id.as_deref().unwrap_or("?"), approximate_connection_time, "Socket Mode connected");
                self.connected.get_or_insert_with(ConnectedGauge::new);
                if let Some(greeted) = self.greeted.take() {
                    let _ = greeted.send(());
                }
            }
            Ok(Frame::Disconnect { reason }) => return Some(reason),
            Ok(Frame::Envelope(envelope)) => self.spawn_ack(envelope, shared),
            Ok(Frame::Unknown { kind, envelope_id }) => {
                tracing::debug!(kind, "Socket Mode message of an unknown type");
                if let Some(id) = envelope_id {
                    let _ = self.writer.try_send(Message::text(envelope::ack(&id, None)));
                }
            }
            Err(error) => tracing::warn!(%error, "unreadable Socket Mode message"),
        }
        None
    }

    /// Handles `envelope` in its own task (the reader goes on) and sends its ack when ready.
    fn spawn_ack(&self, envelope: Envelope, shared: &Shared) {
        metrics::counter!("firebreak_socket_mode_envelopes_total", "type" => envelope.kind.as_str()).increment(1);
        if envelope.retry_attempt > 0 {
            tracing::debug!(slack.envelope_id = %envelope.envelope_id, retry_attempt = envelope.retry_attempt, "Socket Mode redelivery");
        }
        let (handler, recent, writer) = (shared.handler.clone(), shared.recent.clone(), self.writer.clone());
        tokio::spawn(async move {
            let (id, accepts_payload) = (envelope.envelope_id.clone(), envelope.accepts_response_payload);
            let payload = match recent.answer(&id, handler.handle(envelope)).await {
                Answer::Ack(payload) => payload.filter(|_| accepts_payload),
                // Not acknowledged: Slack delivers it again.
                Answer::Later => return,
            };
            if writer.send(Message::text(envelope::ack(&id, payload.as_ref()))).await.is_err() {
                tracing::warn!(slack.envelope_id = %id, "the connection closed before the ack; Slack will deliver again");
            }
        });
    }
}

/// Resolves once `stop` turns true or its sender is gone.
pub(super) async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|stopped| *stopped).await;
}

/// One open connection in the `firebreak_socket_mode_connected` gauge, for as long as it lives.
#[derive(Debug)]
struct ConnectedGauge;

impl ConnectedGauge {
    fn new() -> Self {
        metrics::gauge!("firebreak_socket_mode_connected").increment(1.0);
        Self
    }
}

impl Drop for ConnectedGauge {
    fn drop(&mut self) {
        metrics::gauge!("firebreak_socket_mode_connected").decrement(1.0);
    }
}
