//! `DockerActions`: remediations on Docker (being written).
