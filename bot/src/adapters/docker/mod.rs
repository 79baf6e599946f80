//! `DockerHost`: the `Containers` port over bollard (being written).
