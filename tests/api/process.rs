//! Running the real `trygghet` binary, as an operator would, for start-up, shutdown and exit-code tests.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

/// The `trygghet` binary with a clean environment (only what the test gives), in directory `dir`.
pub fn trygghet(dir: &Path, env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_trygghet"));
    command.current_dir(dir).env_clear().env("NO_COLOR", "1").envs(env.iter().copied());
    command
}

/// A running `trygghet serve`, with its output collected line by line.
pub struct Server {
    child: Child,
    lines: Receiver<String>,
    pub output: Vec<String>,
    pub address: String,
}

impl Server {
    /// Starts the binary with `PORT=0` and waits for the line that says where it listens.
    pub fn start(dir: &Path, env: &[(&str, &str)]) -> Self {
        Self::start_with(dir, env, &[])
    }

    /// Starts the binary with `args` (a command such as `demo`) and `PORT=0`, and waits for where it listens.
    pub fn start_with(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Self {
        let mut command = trygghet(dir, env);
        command.args(args);
        command.env("PORT", "0").env("TRYGGHET_SHUTDOWN_TIMEOUT_SECS", "10");
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = command.spawn().expect("the binary starts");
        let (sender, lines) = channel();
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let sender = sender.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    let _ = sender.send(line);
                }
            });
        }
        let mut server = Self { child, lines, output: Vec::new(), address: String::new() };
        let line = server.wait_for_line("listening", Duration::from_secs(60));
        let address = line.split("address=").nth(1).expect("the listening line names the address");
        server.address = address.split_whitespace().next().unwrap().to_owned();
        server
    }

    /// Waits for a line containing `needle` and returns it; panics with everything printed so far otherwise.
    pub fn wait_for_line(&mut self, needle: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        if let Some(line) = self.output.iter().find(|line| line.contains(needle)) {
            return line.clone();
        }
        loop {
            match self.lines.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(line) => {
                    self.output.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {
                    let _ = self.child.kill();
                    panic!("no line with {needle:?}; the service printed:\n{}", self.output.join("\n"));
                }
            }
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends a signal by name (TERM, INT) to the process.
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill").arg(format!("-{name}")).arg(self.pid().to_string()).status().unwrap();
        assert!(status.success(), "kill -{name} failed");
    }

    /// Whether the process has exited yet.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().unwrap()
    }

    /// Waits for the process to exit and collects the rest of its output.
    pub fn wait(&mut self, timeout: Duration) -> ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.exited() {
                while let Ok(line) = self.lines.recv_timeout(Duration::from_millis(200)) {
                    self.output.push(line);
                }
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("the service did not exit in {timeout:?}; it printed:\n{}", self.output.join("\n"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Server {
    /// Waits for the service to exit (as [`Server::wait`]) and fails, with everything it printed, unless it exited
    /// successfully.
    pub fn wait_for_success(&mut self, timeout: Duration) {
        let status = self.wait(timeout);
        assert!(status.success(), "the service exited with {status}; it printed:\n{}", self.output.join("\n"));
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.exited().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
