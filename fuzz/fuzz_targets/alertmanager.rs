//! `POST /hooks/alertmanager` bodies: never panics; what is accepted keeps the documented
//! bounds (version 4, 1..=MAX_ALERTS alerts) and its accessors work on it.
#![no_main]

use firebreak_commands::alerts::notification::{Notification, MAX_ALERTS};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match Notification::parse(data) {
        Ok(notification) => {
            assert_eq!(notification.version, "4");
            assert!((1..=MAX_ALERTS).contains(&notification.alerts.len()));
            let _ = (notification.alertname(), notification.severity_label(), notification.summary());
            for alert in &notification.alerts {
                let _ = alert.summary();
            }
        }
        Err(error) => assert!(!error.to_string().is_empty()),
    }
});
