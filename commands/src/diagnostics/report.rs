//! The diagnostics summary message and its details thread.
