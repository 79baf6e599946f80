//! Alerts from Prometheus Alertmanager: the webhook notification and how it opens incidents.

pub mod intake;
pub mod notification;

pub use intake::{receive, Received};
pub use notification::{Notification, NotificationError};

#[cfg(test)]
mod tests;
