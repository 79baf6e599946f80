//! Diagnostics against docker (being written).
