//! `KubeCluster`: the `Cluster` port over kube-rs (being written).
