//! Diagnostics against kube (being written).
