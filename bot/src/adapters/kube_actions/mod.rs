//! `KubeActions`: remediations on Kubernetes (being written).
