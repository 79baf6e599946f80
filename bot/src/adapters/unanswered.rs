//! What an unanswered remediation call means for its target, in the words the person reads:
//! a read, or a write whose connection was refused, changed nothing (`Unreachable`, "nothing
//! was changed"); a write cut off in flight may have been made (`Unanswered`: the run's outcome
//! is unknown). Kubernetes and Docker actions both read first and write last, so an
//! `Unreachable` execution changed nothing.

use std::io;

use firebreak_commands::remediation::ActionError;

/// Said of a write the target may have received before the connection broke.
pub(crate) const MAY_HAVE_CHANGED: &str = "the change may have been made: check the target before requesting it again";
/// Said when the target was never asked to change anything.
pub(crate) const NOT_CHANGED: &str = "nothing was changed";

/// Whether the connection was refused or its socket is missing: the request was never sent.
pub(crate) fn never_sent(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(io) = e.downcast_ref::<io::Error>() {
            return matches!(io.kind(), io::ErrorKind::ConnectionRefused | io::ErrorKind::NotFound);
        }
        current = e.source();
    }
    false
}

/// An unanswered write: `Unanswered` (it may have been made) when it was `sent`, otherwise
/// `Unreachable` saying that nothing was changed.
pub(crate) fn write_unanswered(message: &str, sent: bool) -> ActionError {
    match sent {
        true => ActionError::Unanswered(format!("{message}; {MAY_HAVE_CHANGED}")),
        false => ActionError::Unreachable(format!("{message}; {NOT_CHANGED}")),
    }
}

/// An execution's error, saying that nothing was changed when the target did not answer
/// before the write went out (a read failed, or the write's connection was refused).
pub(crate) fn before_change(error: ActionError) -> ActionError {
    match error {
        ActionError::Unreachable(m) if !m.ends_with(NOT_CHANGED) => ActionError::Unreachable(format!("{m}; {NOT_CHANGED}")),
        other => other,
    }
}

/// A dry run's error: it could change nothing, so an unanswered dry run is merely unreachable
/// and what a real write's failure would mean for the target is left out.
pub(crate) fn dry_run(error: ActionError) -> ActionError {
    let plain = |m: String, effect: &str| m.strip_suffix(&format!("; {effect}")).map(str::to_owned).unwrap_or(m);
    match error {
        ActionError::Unanswered(m) => ActionError::Unreachable(plain(m, MAY_HAVE_CHANGED)),
        ActionError::Unreachable(m) => ActionError::Unreachable(plain(m, NOT_CHANGED)),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_connections_were_never_sent_and_broken_ones_may_have_been() {
        assert!(never_sent(&io::Error::from(io::ErrorKind::ConnectionRefused)));
        assert!(!never_sent(&io::Error::from(io::ErrorKind::ConnectionReset)));
        let refused = write_unanswered("no answer to patch deployments web", false);
        assert_eq!(refused, ActionError::Unreachable("no answer to patch deployments web; nothing was changed".into()));
        let in_flight = write_unanswered("no answer to patch deployments web", true);
        assert_eq!(in_flight, ActionError::Unanswered(format!("no answer to patch deployments web; {MAY_HAVE_CHANGED}")));
        assert_eq!(before_change(in_flight.clone()), in_flight, "a write that may have landed is not called harmless");
        assert_eq!(before_change(refused.clone()), refused, "said once");
        let read = ActionError::Unreachable("no answer to get deployments web".into());
        assert_eq!(before_change(read), ActionError::Unreachable("no answer to get deployments web; nothing was changed".into()));
        assert_eq!(before_change(ActionError::NotFound("x".into())), ActionError::NotFound("x".into()));
        let plain = ActionError::Unreachable("no answer to patch deployments web".into());
        assert_eq!(dry_run(in_flight), plain, "a dry run changes nothing");
        assert_eq!(dry_run(refused), plain);
        assert_eq!(dry_run(plain.clone()), plain);
    }
}
