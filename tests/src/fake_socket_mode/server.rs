//! The fake's WebSocket side: accepts a connection only for a ticket that
//! `apps.connections.open` issued (once), greets it with `hello`, then sends what the test
//! asks and records what the bot sends back.

use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::StatusCode;
use tokio_tungstenite::tungstenite::{Bytes, Message};

use super::frames;
use super::hub::{Command, Connection, Shared, lock};

/// The path every issued URL has; the ticket is its query.
pub(super) const LINK_PATH: &str = "/link/";

pub(super) async fn accept_forever(listener: TcpListener, shared: Shared) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                tokio::spawn(connection(stream, shared.clone()));
            }
            Err(error) => eprintln!("fake Socket Mode cannot accept: {error}"),
        }
    }
}

async fn connection(stream: TcpStream, shared: Shared) {
    // The refusal's type is tungstenite's, however large.
    #[allow(clippy::result_large_err)]
    let check_ticket = |request: &Request, response: Response| -> Result<Response, ErrorResponse> {
        let ticket = (request.uri().path() == LINK_PATH)
            .then(|| request.uri().query())
            .flatten()
            .and_then(|query| query.split('&').find_map(|pair| pair.strip_prefix("ticket=")));
        if lock(&shared).use_ticket(ticket) {
            Ok(response)
        } else {
            let mut refusal = ErrorResponse::new(Some("invalid ticket".to_owned()));
            *refusal.status_mut() = StatusCode::UNAUTHORIZED;
            Err(refusal)
        }
    };
    let Ok(mut socket) = tokio_tungstenite::accept_hdr_async(stream, check_ticket).await else {
        return;
    };
    let (commands, mut inbox) = mpsc::unbounded_channel();
    let (index, open) = {
        let mut hub = lock(&shared);
        hub.connections.push(Connection { commands, open: false, closed_by_bot: false, pings_from_bot: 0, pongs_from_bot: 0 });
        (hub.connections.len() - 1, hub.connections.iter().filter(|c| c.open).count() + 1)
    };
    // A held hello keeps the connection accepted but not yet greeted (and so not `open`).
    while lock(&shared).hold_hello {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    if socket.send(Message::text(frames::hello(open, index))).await.is_err() {
        return;
    }
    lock(&shared).connections[index].open = true;
    let mut frozen = false;
    loop {
        tokio::select! {
            command = inbox.recv() => {
                let sent = match command {
                    Some(Command::Text(text)) => socket.send(Message::text(text)).await,
                    Some(Command::Ping) => socket.send(Message::Ping(Bytes::from_static(b"fake-ping"))).await,
                    Some(Command::Freeze) => { frozen = true; Ok(()) }
                    Some(Command::Drop) | None => break,
                };
                if sent.is_err() {
                    break;
                }
            }
            message = socket.next(), if !frozen => {
                let mut hub = lock(&shared);
                match message {
                    Some(Ok(Message::Text(text))) => hub.receive(index, text.as_str()),
                    Some(Ok(Message::Ping(_))) => hub.connections[index].pings_from_bot += 1,
                    Some(Ok(Message::Pong(_))) => hub.connections[index].pongs_from_bot += 1,
                    // tungstenite answers the close; the stream ends right after.
                    Some(Ok(Message::Close(_))) => hub.connections[index].closed_by_bot = true,
                    Some(Ok(other)) => hub.violations.push(format!("Socket Mode takes JSON text, not {other:?}")),
                    None | Some(Err(_)) => break,
                }
            }
        }
    }
    // Dropping the socket closes the TCP connection, without a close frame if none was sent.
    lock(&shared).connections[index].open = false;
}
