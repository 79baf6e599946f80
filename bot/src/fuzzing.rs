//! Entry points for the fuzz targets in `fuzz/`: the Slack edge's decoders, run on bytes
//! without an app, a store or a network. Not part of Firebreak's API (hidden from the docs).
//!
//! Each function decodes exactly as the HTTP or Socket Mode route does before it acts, so
//! a panic found here is a panic in the route.

use firebreak_commands::{Command, UsageError};

use crate::slack::commands::{self, SlashForm};
use crate::slack::socket_mode::{EnvelopeKind, Frame};
use crate::slack::{events, interactions, verify};

pub use crate::slack::verify::VerifyError;

/// What a body decoded to; `Err` carries the message the sender would get.
pub type Decoded<T> = Result<T, String>;

/// `POST /slack/commands`: the form, the user and the `/incident` grammar.
pub fn slash_command_form(body: &[u8]) -> Decoded<Result<Command, UsageError>> {
    let form: SlashForm = serde_urlencoded::from_bytes(body).map_err(|error| error.to_string())?;
    slash_command(&form)
}

fn slash_command(form: &SlashForm) -> Decoded<Result<Command, UsageError>> {
    commands::read(form).map(|(_, command)| command).map_err(|malformed| malformed.0.to_owned())
}

/// `POST /slack/interactions`: the form's `payload` JSON and each button in it; the number
/// of buttons Firebreak knows (`None` for payload kinds it ignores).
pub fn interaction_form(body: &[u8]) -> Decoded<Option<usize>> {
    interaction(&interactions::form_payload(body)?)
}

fn interaction(payload_json: &str) -> Decoded<Option<usize>> {
    Ok(interactions::decode(payload_json)?.map(|clicks| clicks.buttons().filter(Result::is_ok).count()))
}

/// `POST /slack/events`: the envelope and the channel activity it reports, if recorded.
pub fn event(body: &[u8]) -> Decoded<Option<&'static str>> {
    events::decode(body).map_err(|error| error.to_string())
}

/// A Socket Mode text frame, and the envelope's payload through the decoder its kind uses.
pub fn socket_mode_frame(text: &str) -> Decoded<()> {
    let frame = Frame::parse(text).map_err(|error| error.to_string())?;
    let Frame::Envelope(envelope) = frame else { return Ok(()) };
    match envelope.kind {
        EnvelopeKind::SlashCommands => {
            let form: SlashForm = serde_json::from_value(envelope.payload).map_err(|error| error.to_string())?;
            slash_command(&form).map(drop)
        }
        EnvelopeKind::Interactive => interaction(&envelope.payload.to_string()).map(drop),
        EnvelopeKind::EventsApi => {
            let body = serde_json::to_vec(&envelope.payload).map_err(|error| error.to_string())?;
            event(&body).map(drop)
        }
    }
}

/// The signature check of every `/slack/*` request, with the signing secret `secret`.
pub fn verify_signature(secret: &str, signature: &str, timestamp: &str, body: &str) -> Result<(), VerifyError> {
    use slack_morphism::prelude::SlackSigningSecret;
    use slack_morphism::signature_verifier::SlackEventSignatureVerifier;
    let verifier = SlackEventSignatureVerifier::new(&SlackSigningSecret::new(secret.to_owned()));
    verify::check(&verifier, signature, timestamp, body)
}
