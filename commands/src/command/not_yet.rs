//! Sub-commands that are part of the grammar but not available in this version yet.

use crate::reply::Reply;

/// An honest answer for a command this version does not run yet.
pub(super) fn reply(name: &str) -> Reply {
    Reply::ephemeral(format!(
        ":construction: `/incident {name}` is not available in this version of Firebreak yet; nothing was changed."
    ))
}
