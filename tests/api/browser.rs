//! The pages in a real browser: headless Debian Chromium driven by playwright-core, axe-core checking WCAG 2.1 A/AA,
//! against the real binary on a fresh SQLite database. The browser tests themselves are `tests/browser/*.test.mjs`
//! (Node's built-in test runner); this file checks that they can run, starts the service and runs them.
//!
//! They need Chromium (`CHROMIUM_PATH`, default `/usr/bin/chromium`), Node 20 or newer and `tests/browser/node_modules`
//! (installed here with `npm ci` when missing). Without them the test says loudly that it was skipped, and with
//! `TRYGGHET_REQUIRE_BROWSER=1` (as in CI) it fails instead.
//!
//! Before the service starts, an administrator is created with the real command line (`trygghet admin create`, the
//! password on standard input) in the same directory and database; the browser tests sign in with it
//! (`TRYGGHET_TEST_EMAIL`, `TRYGGHET_TEST_PASSWORD`).

use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::process::{Server, trygghet};

/// The whole browser run, launching Chromium included; a hang beyond this fails the test instead of the CI budget.
const NODE_TIMEOUT: Duration = Duration::from_secs(600);

/// The administrator the browser tests sign in as.
const ADMIN_EMAIL: &str = "admin@polisen.se";
const ADMIN_NAME: &str = "Anna Admin";
/// Long enough for the password rule (at least 12 characters), with a non-ASCII letter as Swedish staff would type.
const ADMIN_PASSWORD: &str = "Sommarnatt-i-Hagfors-1783-å";

#[test]
fn pages_work_in_a_real_browser_and_meet_wcag() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let browser_dir = root.join("tests/browser");
    let chromium = match prerequisites(&browser_dir) {
        Ok(chromium) => chromium,
        Err(reason) => return skip(&reason),
    };
    let tests = test_files(&browser_dir);
    assert!(!tests.is_empty(), "no *.test.mjs files in {}", browser_dir.display());

    let dir = tempfile::tempdir().unwrap();
    create_administrator(dir.path());
    let mut server = Server::start(dir.path(), &[]);

    let started = Instant::now();
    let mut node = Command::new("node");
    node.current_dir(root)
        .arg("--test")
        .arg("--test-reporter=spec")
        // A hung test (a whole file on Node 20) is cancelled by node itself, with its name, before NODE_TIMEOUT.
        .arg("--test-timeout=240000")
        // The files side by side, each with its own Chromium (Node runs one at a time on a two-core machine).
        .arg("--test-concurrency=3")
        .args(&tests)
        .env("TRYGGHET_BASE_URL", &server.address)
        .env("TRYGGHET_TEST_EMAIL", ADMIN_EMAIL)
        .env("TRYGGHET_TEST_PASSWORD", ADMIN_PASSWORD)
        .env("CHROMIUM_PATH", &chromium)
        .env("NO_COLOR", "1")
        .env_remove("FORCE_COLOR")
        .stdin(Stdio::null())
        // Its own process group, so a hung run can be stopped with its test processes and browsers.
        .process_group(0);
    let (status, output) = run_with_timeout(node, NODE_TIMEOUT);
    let elapsed = started.elapsed();

    if !status.is_some_and(|status| status.success()) {
        let outcome = match status {
            Some(status) => format!("failed ({status})"),
            None => format!("did not finish in {NODE_TIMEOUT:?} and were killed"),
        };
        server.signal("TERM");
        server.wait(Duration::from_secs(15));
        panic!(
            "the browser tests {outcome} after {elapsed:.1?}; node printed:\n{output}\n\nthe service printed:\n{}",
            server.output.join("\n")
        );
    }
    println!("browser tests ({}) passed in {elapsed:.1?}:\n{output}", tests.join(", "));
}

/// Creates the administrator the way an operator does, with `trygghet admin create` and the password on standard
/// input, in `dir` (so in the `./data/trygghet.db` the service started there uses).
fn create_administrator(dir: &Path) {
    let mut command = trygghet(dir, &[]);
    command
        .args(["admin", "create", "--email", ADMIN_EMAIL, "--name", ADMIN_NAME])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("the binary starts");
    child.stdin.take().unwrap().write_all(format!("{ADMIN_PASSWORD}\n").as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    let printed = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "`trygghet admin create` failed ({}):\n{printed}", output.status);
    assert!(printed.contains(ADMIN_EMAIL), "`trygghet admin create` printed:\n{printed}");
}

/// The Chromium to use, once Chromium, Node and the npm packages are all there; otherwise why not.
fn prerequisites(browser_dir: &Path) -> Result<PathBuf, String> {
    let chromium = std::env::var("CHROMIUM_PATH")
        .ok()
        .filter(|path| !path.trim().is_empty())
        .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
    let executable =
        std::fs::metadata(&chromium).is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0);
    if !executable {
        return Err(format!(
            "no Chromium at {} (install it with `apt-get install chromium`, or set CHROMIUM_PATH)",
            chromium.display()
        ));
    }

    let version = command_output(Command::new("node").arg("--version"))
        .map_err(|error| format!("node is not available ({error}); Node 20 or newer is needed"))?;
    let major: u32 = version.trim().trim_start_matches('v').split('.').next().unwrap_or("").parse().unwrap_or(0);
    if major < 20 {
        return Err(format!("node {} is too old; Node 20 or newer is needed", version.trim()));
    }

    let installed = |dir: &Path| {
        dir.join("node_modules/playwright-core/package.json").is_file()
            && dir.join("node_modules/axe-core/axe.min.js").is_file()
    };
    if !installed(browser_dir) {
        command_output(Command::new("npm").arg("--version"))
            .map_err(|error| format!("tests/browser/node_modules is missing and npm is not available ({error})"))?;
        let _ = writeln!(std::io::stderr(), "browser tests: installing tests/browser/node_modules with `npm ci`");
        command_output(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(browser_dir))
            .map_err(|error| format!("`npm ci` in tests/browser failed: {error}"))?;
        if !installed(browser_dir) {
            return Err("`npm ci` in tests/browser did not install playwright-core and axe-core".to_owned());
        }
    }
    Ok(chromium)
}

/// Standard output of a command that must succeed; otherwise what went wrong, with its standard error.
fn command_output(command: &mut Command) -> Result<String, String> {
    let output = command.stdin(Stdio::null()).output().map_err(|error| error.to_string())?;
    if !output.status.success() {
        return Err(format!("{}: {}", output.status, String::from_utf8_lossy(&output.stderr).trim()));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Fails when browser tests are required (`TRYGGHET_REQUIRE_BROWSER=1`); otherwise says loudly, past the test
/// harness's capture, that they did not run.
fn skip(reason: &str) {
    let required = std::env::var("TRYGGHET_REQUIRE_BROWSER").is_ok_and(|value| value == "1");
    assert!(!required, "TRYGGHET_REQUIRE_BROWSER=1 but the browser tests cannot run: {reason}");
    let _ = writeln!(
        std::io::stderr(),
        "\n*** SKIPPED: browser tests did not run: {reason}\n\
         *** (set TRYGGHET_REQUIRE_BROWSER=1 to make this a failure)\n"
    );
}

/// The browser test files, `tests/browser/*.test.mjs`, relative to the crate root and sorted.
fn test_files(browser_dir: &Path) -> Vec<String> {
    // While working on some pages, `TRYGGHET_BROWSER_TESTS=paper,answer` runs only the files starting with those.
    let only = std::env::var("TRYGGHET_BROWSER_TESTS").ok().filter(|only| !only.trim().is_empty());
    let mut files: Vec<String> = std::fs::read_dir(browser_dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".test.mjs"))
        .filter(|name| only.as_ref().is_none_or(|only| only.split(',').any(|part| name.starts_with(part.trim()))))
        .map(|name| format!("tests/browser/{name}"))
        .collect();
    files.sort();
    files
}

/// Runs the command with both outputs collected; `None` as status when it had to be killed (with its process group)
/// after `timeout`.
fn run_with_timeout(mut command: Command, timeout: Duration) -> (Option<ExitStatus>, String) {
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("node starts");
    let collect = |mut stream: Box<dyn Read + Send>| -> JoinHandle<String> {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = stream.read_to_end(&mut bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let stdout = collect(Box::new(child.stdout.take().unwrap()));
    let stderr = collect(Box::new(child.stderr.take().unwrap()));
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() > deadline {
            // TERM first, so playwright closes its browsers; then KILL whatever is left of the group.
            let group = format!("-{}", child.id());
            let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
            let grace = Instant::now() + Duration::from_secs(5);
            while child.try_wait().unwrap().is_none() && Instant::now() < grace {
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = Command::new("kill").args(["-KILL", "--", &group]).stderr(Stdio::null()).status();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut output = stdout.join().unwrap();
    let stderr = stderr.join().unwrap();
    if !stderr.trim().is_empty() {
        output.push_str("\n--- stderr ---\n");
        output.push_str(&stderr);
    }
    (status, output)
}
