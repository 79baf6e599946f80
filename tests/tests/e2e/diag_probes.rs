//! Diagnostics against probes (being written).
