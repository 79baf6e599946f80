//! The Slack edge: signature check, Socket Mode, slash commands, interactions, events,
//! rendering, Web API.

pub mod chat;
pub mod commands;
pub mod dispatch;
pub mod events;
pub mod interactions;
mod late_retry;
pub mod messages;
pub mod render;
pub mod socket_mode;
pub mod upload;
pub mod usergroups;
pub mod verify;
pub mod web_api;
