//! A throwaway Postgres server a test owns, crashes and starts again: `initdb` into a temporary
//! directory with Debian's binaries (`/usr/lib/postgresql/<version>/bin`, the highest version),
//! trust authentication on 127.0.0.1, a free port. `stop` is an immediate shutdown (a crash:
//! no checkpoint, clients cut off); `restart` starts it on the same port and data, which survive
//! — as after a database failover or a restart of its container. Under `CI=true` a missing
//! Postgres install fails the test instead of skipping it.
//!
//! Postgres refuses to run as root, and the tests run as root in CI: then every binary runs
//! as the `postgres` user (`runuser`), in a directory that user owns. No shell is involved:
//! each command is an argument vector.

use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Where Debian installs each Postgres major version's binaries.
const DEBIAN_PREFIX: &str = "/usr/lib/postgresql";
/// The account Postgres runs as when the test runs as root.
const POSTGRES_USER: &str = "postgres";

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// A Postgres server of the test's own; crashed and its files removed on drop.
#[derive(Debug)]
pub struct ThrowawayPostgres {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    /// Whether the binaries run as [`POSTGRES_USER`] (the test runs as root).
    as_postgres_user: bool,
    running: bool,
}

impl ThrowawayPostgres {
    /// Creates a cluster and starts it; `None` when Postgres is not installed (only outside CI).
    pub async fn start() -> Option<Self> {
        let Some(bin) = newest_bin_dir() else {
            assert!(!in_ci(), "no Postgres server under {DEBIAN_PREFIX}/<version>/bin but CI=true (scripts/test.sh installs it)");
            eprintln!("note: Postgres server binaries not installed; skipping a Postgres fault test");
            return None;
        };
        let dir = std::env::temp_dir().join(format!("firebreak-pg-{}", uuid::Uuid::new_v4().simple()));
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .unwrap_or_else(|e| panic!("no free port for Postgres: {e}"))
            .port();
        let as_postgres_user = running_as_root();
        let mut server = Self { bin, dir, port, as_postgres_user, running: false };
        blocking(move || {
            server.create_cluster();
            server.pg_ctl_start();
            server
        })
        .await
        .map(Some)
        .unwrap_or_else(|e| panic!("starting Postgres: {e}"))
    }

    /// `postgres://postgres@127.0.0.1:PORT/postgres` (trust: no password).
    pub fn url(&self) -> String {
        format!("postgres://{POSTGRES_USER}@127.0.0.1:{}/postgres", self.port)
    }

    /// Immediate shutdown: every backend is killed without a checkpoint and every client
    /// connection cut, as in a crash; returns once the server is gone.
    pub async fn stop(&mut self) {
        let server = ServerRef::of(self);
        blocking(move || server.immediate_stop()).await.unwrap_or_else(|e| panic!("stopping Postgres: {e}"));
        self.running = false;
    }

    /// Starts the server again on the same port and data (crash recovery replays the WAL)
    /// and returns once it accepts connections.
    pub async fn restart(&mut self) {
        if self.running {
            self.stop().await;
        }
        let server = ServerRef::of(self);
        blocking(move || server.start()).await.unwrap_or_else(|e| panic!("restarting Postgres: {e}"));
        self.running = true;
    }

    /// The server's log so far (for a failing test's message).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("postgres.log")).unwrap_or_default()
    }

    fn create_cluster(&mut self) {
        std::fs::create_dir_all(&self.dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", self.dir.display()));
        if self.as_postgres_user {
            // `initdb` as `postgres` must be able to write here; nothing else is in it yet.
            run(Command::new("chown").arg(format!("{POSTGRES_USER}:")).arg(&self.dir), "chown");
        }
        let data = self.data_dir();
        run(
            self.command("initdb")
                .arg("--pgdata")
                .arg(&data)
                .args(["--username", POSTGRES_USER, "--auth", "trust", "--encoding", "UTF8", "--no-locale", "--no-sync", "--no-instructions"]),
            "initdb",
        );
        // In the configuration file rather than `pg_ctl -o`, which pg_ctl would hand to a shell.
        // `fsync = off`: the data must survive the server's crash, not the machine's.
        let settings = format!(
            "\nport = {}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{}'\nfsync = off\nmax_connections = 100\n",
            self.port,
            self.dir.display()
        );
        let conf = data.join("postgresql.conf");
        let mut text = std::fs::read_to_string(&conf).unwrap_or_else(|e| panic!("cannot read {}: {e}", conf.display()));
        text.push_str(&settings);
        std::fs::write(&conf, text).unwrap_or_else(|e| panic!("cannot write {}: {e}", conf.display()));
    }

    fn pg_ctl_start(&mut self) {
        ServerRef::of(self).start();
        self.running = true;
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn command(&self, program: &str) -> Command {
        command(&self.bin, program, self.as_postgres_user)
    }
}

impl Drop for ThrowawayPostgres {
    fn drop(&mut self) {
        if self.running {
            // Best effort: a test that panicked must not leave a server behind.
            let _ = ServerRef::of(self).command_stop().status();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// What `pg_ctl` needs, owned, so that it can run on a blocking thread.
#[derive(Debug, Clone)]
struct ServerRef {
    bin: PathBuf,
    dir: PathBuf,
    as_postgres_user: bool,
}

impl ServerRef {
    fn of(server: &ThrowawayPostgres) -> Self {
        Self { bin: server.bin.clone(), dir: server.dir.clone(), as_postgres_user: server.as_postgres_user }
    }

    fn pg_ctl(&self) -> Command {
        let mut pg_ctl = command(&self.bin, "pg_ctl", self.as_postgres_user);
        pg_ctl.arg("--pgdata").arg(self.dir.join("data"));
        pg_ctl
    }

    /// `pg_ctl start --wait`: returns once the server accepts connections.
    fn start(&self) {
        run(self.pg_ctl().arg("--log").arg(self.dir.join("postgres.log")).args(["--wait", "--timeout", "60", "start"]), "pg_ctl start");
    }

    fn command_stop(&self) -> Command {
        let mut pg_ctl = self.pg_ctl();
        pg_ctl.args(["--mode", "immediate", "--wait", "--timeout", "60", "stop"]).stdout(Stdio::null()).stderr(Stdio::null());
        pg_ctl
    }

    fn immediate_stop(&self) {
        run(&mut self.command_stop(), "pg_ctl stop --mode immediate");
    }
}

/// `bin/program`, run as the `postgres` user when `as_postgres_user`.
fn command(bin: &Path, program: &str, as_postgres_user: bool) -> Command {
    let path = bin.join(program);
    let mut command = if as_postgres_user {
        let mut runuser = Command::new("runuser");
        runuser.args(["-u", POSTGRES_USER, "--"]).arg(path);
        runuser
    } else {
        Command::new(path)
    };
    command.stdin(Stdio::null());
    command
}

/// Runs `command` to completion; panics with its output when it fails.
fn run(command: &mut Command, what: &str) {
    let output: Output = command.output().unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `/usr/lib/postgresql/<highest version>/bin`, if a server is installed there.
fn newest_bin_dir() -> Option<PathBuf> {
    let versions = std::fs::read_dir(DEBIAN_PREFIX).ok()?;
    versions
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let version: u32 = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            (bin.join("initdb").is_file() && bin.join("pg_ctl").is_file()).then_some((version, bin))
        })
        .max_by_key(|(version, _)| *version)
        .map(|(_, bin)| bin)
}

/// Whether this process runs as root: `/proc/self` belongs to the effective user.
fn running_as_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|meta| meta.uid() == 0)
}

/// Runs blocking process work off the test's async workers, which also run the app under test.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, tokio::task::JoinError> {
    tokio::task::spawn_blocking(work).await
}
