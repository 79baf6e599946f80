//! `HostProbes`: the `Probes` port — HTTP, TLS, Postgres, Redis, disk (being written).
