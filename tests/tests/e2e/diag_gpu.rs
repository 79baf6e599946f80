//! Diagnostics against gpu (being written).
