//! Real processes for the tests that need them (crash, browser): `Proc`, a child whose output
//! goes to a log file, killed (SIGKILL) and reaped when dropped so that a failing test leaves
//! nothing running; and `Server`, the `jalin` binary serving a data directory on a free port,
//! started and waited for until it answers.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::http::{free_port, request};

/// The server binary: `JALIN_BIN`, or this build's `jalin`.
pub fn binary() -> PathBuf {
    std::env::var_os("JALIN_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_jalin")))
}

/// The last `n` lines of a log file.
pub fn log_tail(log: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// A child process; killed (SIGKILL) and reaped when dropped.
pub struct Proc {
    pub name: String,
    pub child: Child,
    /// Where its stdout and stderr go.
    pub log: PathBuf,
}

impl Proc {
    /// Starts `cmd` with stdin closed and stdout and stderr appended to `log`.
    pub fn spawn(name: &str, cmd: &mut Command, log: &Path) -> Proc {
        let out = OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .expect("log file");
        let err = out.try_clone().expect("log file");
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            .spawn()
            .unwrap_or_else(|e| panic!("starting {name} ({cmd:?}): {e}"));
        Proc {
            name: name.to_string(),
            child,
            log: log.to_path_buf(),
        }
    }

    /// The last lines of its log, for a failure message.
    pub fn tail(&self) -> String {
        log_tail(&self.log, 30)
    }

    /// Whether it is still running.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Panics, with the end of its log, when it has exited.
    pub fn check_alive(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!("{} exited early ({status}):\n{}", self.name, self.tail());
        }
    }

    /// SIGKILL (what `Child::kill` sends on unix), then reap.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until `GET path` at `addr` answers 200; panics, with the end of its log, when `what`
/// exits first or `timeout` passes.
pub fn wait_http(addr: &str, path: &str, what: &mut Proc, timeout: Duration) {
    let start = Instant::now();
    loop {
        if let Ok(r) = request(addr, "GET", path, &[], b"")
            && r.status == 200
        {
            return;
        }
        what.check_alive();
        if start.elapsed() > timeout {
            panic!(
                "{} did not answer {path} within {timeout:?}:\n{}",
                what.name,
                what.tail()
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// `jalin serve` on a data directory and a free port of 127.0.0.1.
pub struct Server {
    pub proc: Proc,
    pub port: u16,
    /// Where this start's lines begin in the log (shared by the restarts of one data dir).
    log_from: usize,
}

impl Server {
    /// Starts the server with the write token `token` and the extra environment `env`
    /// (`JALIN_CONFIG`, `JALIN_DATA` and `JALIN_ADDR` are removed), its output appended to
    /// `log`. It is not ready yet: see `wait_ready`, or `start_ready`.
    pub fn start(data: &Path, log: &Path, token: &str, env: &[(&str, &str)]) -> Server {
        let port = free_port();
        let log_from = std::fs::metadata(log).map_or(0, |m| m.len() as usize);
        let mut cmd = Command::new(binary());
        cmd.args(["serve", "--data"])
            .arg(data)
            .args(["--addr", &format!("127.0.0.1:{port}")])
            .env("JALIN_TOKEN", token)
            .env_remove("JALIN_CONFIG")
            .env_remove("JALIN_DATA")
            .env_remove("JALIN_ADDR");
        // The suite on PostgreSQL: the data directory's database, unless the test says.
        if !env.iter().any(|(k, _)| *k == "JALIN_DATABASE_URL") {
            cmd.envs(super::pg::env_for_run(data, &["serve"], env));
        }
        cmd.envs(env.iter().copied());
        Server {
            proc: Proc::spawn("jalin serve", &mut cmd, log),
            port,
            log_from,
        }
    }

    /// `127.0.0.1:PORT`.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Whether this start said it is serving on its own port (and not some other process
    /// that took the port in between answers `/healthz`).
    fn says_serving(&self) -> bool {
        let text = std::fs::read(&self.proc.log).unwrap_or_default();
        let ours = String::from_utf8_lossy(&text[self.log_from.min(text.len())..]).into_owned();
        ours.lines().any(|l| {
            l.contains("jalin is serving") && l.contains(&format!("127.0.0.1:{}/", self.port))
        })
    }

    /// Waits until `/healthz` answers, and returns what it said; `Err` when the process
    /// exited first or `timeout` passed.
    pub fn wait_ready(&mut self, timeout: Duration) -> Result<Value, String> {
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = self.proc.child.try_wait() {
                return Err(format!("the server exited: {status}"));
            }
            if self.says_serving()
                && let Ok(r) = request(&self.addr(), "GET", "/healthz", &[], b"")
                && r.status == 200
                && self.proc.alive()
            {
                return Ok(r.json());
            }
            if started.elapsed() > timeout {
                return Err(format!("no answer from /healthz in {timeout:?}"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGKILL, then reap.
    pub fn kill(self) {
        self.proc.kill();
    }
}

/// Starts the server (see `Server::start`) and waits for it, with `/healthz`'s answer;
/// retries a few times when it exits at once (the free port taken in between), and panics
/// with the end of the log when it does not come up.
pub fn start_ready(
    data: &Path,
    log: &Path,
    token: &str,
    env: &[(&str, &str)],
    timeout: Duration,
) -> (Server, Value) {
    let mut last = String::new();
    for _ in 0..3 {
        let mut server = Server::start(data, log, token, env);
        match server.wait_ready(timeout) {
            Ok(health) => return (server, health),
            Err(e) => last = e,
        }
    }
    panic!(
        "the server did not start: {last}\n--- server log (last lines) ---\n{}",
        log_tail(log, 40)
    );
}
