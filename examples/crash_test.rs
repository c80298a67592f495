//! Crash test: the service is killed (SIGKILL) again and again while residents answer; afterwards every submission
//! that was thanked for is stored exactly once, and the counters agree with the rows.
//!
//! The test runs the release `trygghet` binary as a child process on a fresh database (a SQLite file in a temporary
//! directory, or with `--postgres` a database `trygghet_crash_<process id>` it creates and drops again), with a fixed
//! secret key, so that codes, drafts and sessions keep working across restarts. As an administrator it creates an open
//! survey of two municipalities with `--letters` letters each. Then `--residents` residents each take the next letter
//! and answer as a browser without JavaScript does: the welcome page, some of the sections (always the free-text
//! comment, which names the letter: `crash-1783-000042`), the review and the submit; one in ten saves a few sections
//! and never submits. `--clerks` staff members key in paper forms for other letters, each naming its letter and with
//! the same kind of comment. Meanwhile the service is killed `--kills` times, each a random `--up-ms` after it was
//! ready, and started again at once.
//!
//! A request that meets a refused or broken connection, or a 503 (the database out of reach), is sent again as it
//! was, as a resident presses the button again: the section saved again, the form with the same submission id. A
//! resident or clerk whose submit failed so walks away half of the time instead; after the last kill, with the service
//! up, those forms are sent again, as someone coming back to the open tab would.
//!
//! Then, reading the database directly: every acknowledged letter's comment is stored exactly once, no comment twice,
//! nothing from the residents who stopped; responses, stored submission ids and letters marked answered are as many
//! as the acknowledged forms; the drafts left are those of the residents who stopped; and `trygghet reconcile` on the
//! same database finds no difference. Any failure is printed and the exit code is 1; the database and the service's
//! log are then kept for a look.
//!
//! ```sh
//! tests/crash.sh                                                    # SQLite
//! tests/crash.sh --postgres postgres://postgres@127.0.0.1:5432/postgres
//! ```

mod support;

use std::collections::{BTreeMap, HashSet};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;
use diesel::RunQueryDsl;
use rand::Rng;
use serde_json::json;
use trygghet::db::DbConnection;
use trygghet::db::models::response::decode_answers;
use trygghet::domain::instrument::{Instrument, ItemKind};

use support::{BenchDatabase, Failure, Staff};

#[derive(Parser)]
#[command(about = "Kills the service again and again while residents answer, then checks that every answer is stored \
                   exactly once and that the counters agree with the rows")]
struct Args {
    /// A PostgreSQL server (e.g. postgres://postgres@127.0.0.1:5432/postgres) on which the test creates, and
    /// afterwards drops, its own database `trygghet_crash_<process id>`. Without it: a SQLite file in a temporary
    /// directory.
    #[arg(long)]
    postgres: Option<String>,
    /// How many times the service is killed.
    #[arg(long, default_value_t = 20)]
    kills: usize,
    /// Residents answering on the web at the same time.
    #[arg(long, default_value_t = 12)]
    residents: usize,
    /// Staff keying in paper forms at the same time.
    #[arg(long, default_value_t = 2)]
    clerks: usize,
    /// Letters per municipality (enough that they do not run out before the last kill).
    #[arg(long, default_value_t = 5000)]
    letters: usize,
    /// How long the service runs once ready before it is killed: a random time in this range, in milliseconds.
    #[arg(long, value_parser = range_ms, default_value = "200-2000")]
    up_ms: (u64, u64),
    /// The `trygghet` binary; by default the one built beside this example.
    #[arg(long)]
    bin: Option<PathBuf>,
}

fn range_ms(text: &str) -> Result<(u64, u64), String> {
    let (low, high) = text.split_once('-').ok_or("a range of milliseconds such as 200-2000")?;
    let (low, high): (u64, u64) = (low.parse().map_err(|_| "not a number")?, high.parse().map_err(|_| "not a number")?);
    if low > high { Err("the range ends before it starts".to_owned()) } else { Ok((low, high)) }
}

/// The survey's municipalities (Hagfors and Munkfors).
const MUNICIPALITIES: [&str; 2] = ["1783", "1762"];
/// Share of residents who save a few sections and never submit.
const STOPS: f64 = 0.1;
/// Share of failed submits after which the resident (or clerk) leaves, to send the form again after the kills.
const WALKS_AWAY: f64 = 0.5;
/// How long one request may go unanswered (the service down, restarting, or refusing with 503) before the test fails.
const GIVE_UP: Duration = Duration::from_secs(90);

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    trygghet::telemetry::init(trygghet::config::LogFormat::Text, "warn");
    match run(&args).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("crash test: {error}");
            ExitCode::FAILURE
        }
    }
}

/// One run; whether every check held.
async fn run(args: &Args) -> Result<bool, Failure> {
    let began = Instant::now();
    let bin = match &args.bin {
        Some(bin) => bin.clone(),
        // target/release/examples/crash_test → target/release/trygghet
        None => std::env::current_exe()?.parent().and_then(Path::parent).ok_or("no binary directory")?.join("trygghet"),
    };
    if !bin.is_file() {
        return Err(format!("no service binary at {}: cargo build --release", bin.display()).into());
    }
    let database = BenchDatabase::create(args.postgres.as_deref(), &format!("trygghet_crash_{}", std::process::id()))?;
    let work = tempfile::Builder::new().prefix("trygghet-crash-").tempdir()?;
    let mut service = Service::new(bin, &database.url(), work.path())?;
    let backend = database.backend();
    println!("crash test on {backend}: {} kills, {} residents, {} clerks", args.kills, args.residents, args.clerks);

    let outcome = exercise(args, &mut service, &database).await;
    service.stop().await;
    let passed = match outcome {
        Ok(report) => {
            report.print(backend, began.elapsed());
            report.failures.is_empty()
        }
        Err(error) => {
            eprintln!("FAILED: {error}");
            false
        }
    };
    if passed {
        database.remove();
    } else {
        eprintln!("the service's log: {}", work.path().join("service.log").display());
        eprintln!("the database, kept: {}", keep(database));
        let _ = work.keep();
    }
    Ok(passed)
}

/// Sets up, kills while residents answer, sends again what was not acknowledged, and checks.
async fn exercise(args: &Args, service: &mut Service, database: &BenchDatabase) -> Result<Report, Failure> {
    service.create_admin()?;
    service.start().await?;
    let staff = Staff::sign_in(&service.base).await?;
    let (survey, letters) = create_survey(&staff, args.letters).await?;
    let instrument = trygghet::domain::instrument::default_instrument()?;
    let shared = Arc::new(Shared::new(&service.base, &survey, instrument, letters)?);

    let started = Instant::now();
    let staff = Arc::new(staff);
    let mut tasks = Vec::new();
    for _ in 0..args.residents {
        tasks.push(tokio::spawn(residents(shared.clone())));
    }
    for _ in 0..args.clerks {
        tasks.push(tokio::spawn(clerk(shared.clone(), staff.clone())));
    }
    let kills = kill_repeatedly(args, service, &shared).await;
    shared.taking.store(false, Ordering::Release);
    let mut records = Vec::new();
    for task in tasks {
        records.extend(task.await?);
    }
    let kills = kills?;
    let answering = started.elapsed();

    // Those who walked away come back to their open tab and press the button again. Some of their forms were stored
    // before the kill took the answer away: these must be thanked for and not stored again.
    let stored_before = submission_ids(&database.url(), &survey)?;
    let (mut resent, mut resent_stored) = (0, 0);
    for record in &mut records {
        if let Fate::Unacknowledged(form) = &record.fate {
            resent += 1;
            resent_stored += usize::from(stored_before.contains(&form.submission_id));
            let fate = match send(&shared, &form.client, &form.url, Some(&form.body)).await {
                Ok(answer) if answer.acknowledges(record.paper) => Fate::Acknowledged,
                Ok(answer) => {
                    shared.problem(format!("{}: sent again, answered {}", record.number, answer.describe()));
                    Fate::Failed
                }
                Err(error) => {
                    shared.problem(format!("{}: sent again: {error}", record.number));
                    Fate::Failed
                }
            };
            record.fate = fate;
        }
    }

    let mut report = Report { kills, answering, resent, resent_stored, ..Report::default() };
    report.count(&records, &shared);
    if shared.next.load(Ordering::Acquire) >= shared.letters.len() {
        report.failures.push(format!(
            "all {} letters were taken before the last kill: give more with --letters",
            shared.letters.len()
        ));
    }
    report.failures.extend(shared.problems.lock().map(|problems| problems.clone()).unwrap_or_default());
    check_stored(&database.url(), &survey, &shared, &records, &mut report)?;
    report.reconcile = service.reconcile()?.err();
    if let Some(output) = &report.reconcile {
        report.failures.push(format!("trygghet reconcile found differences:\n{output}"));
    }
    Ok(report)
}

/// Where a kept database is (its temporary directory is no longer removed).
fn keep(database: BenchDatabase) -> String {
    match database {
        BenchDatabase::Sqlite { _dir, path } => {
            let _ = _dir.keep();
            path.display().to_string()
        }
        BenchDatabase::Postgres { url, name, .. } => format!("{url} (DROP DATABASE {name} when done)"),
    }
}

// ---------------------------------------------------------------------------------------------------------------
// The service as a child process.

/// `trygghet serve` as a child process, on one port and one database across restarts.
struct Service {
    bin: PathBuf,
    env: Vec<(String, String)>,
    log: PathBuf,
    base: String,
    child: Option<Child>,
    http: reqwest::Client,
}

impl Service {
    fn new(bin: PathBuf, database_url: &str, work: &Path) -> Result<Self, Failure> {
        // A port of its own, kept across restarts so that residents come back to the same address. (The service
        // listens with SO_REUSEADDR, so the connections a kill leaves behind do not keep it from listening again.)
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        // One key for every start, as in production: it keys the codes' hashes, the drafts and the sessions.
        let key = format!("{:032x}{:032x}", rand::random::<u128>(), rand::random::<u128>());
        let env = [
            ("DATABASE_URL", database_url.to_owned()),
            ("PORT", port.to_string()),
            ("TRYGGHET_DATA_DIR", work.display().to_string()),
            ("TRYGGHET_SECRET_KEY", key),
            ("TRYGGHET_LOG", "warn".to_owned()),
            ("NO_COLOR", "1".to_owned()),
        ];
        Ok(Self {
            bin,
            env: env.into_iter().map(|(name, value)| (name.to_owned(), value)).collect(),
            log: work.join("service.log"),
            base: format!("http://127.0.0.1:{port}"),
            child: None,
            http: reqwest::Client::builder().timeout(Duration::from_secs(2)).build()?,
        })
    }

    /// The binary with `args`, with only this test's configuration in its environment.
    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(&self.bin);
        command.args(args).env_clear().envs(self.env.iter().map(|(name, value)| (name, value)));
        command
    }

    /// Creates the administrator the test signs in as, with `trygghet admin create` (which also migrates).
    fn create_admin(&self) -> Result<(), Failure> {
        let mut child = self
            .command(&["admin", "create", "--email", support::EMAIL])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()?;
        child.stdin.take().ok_or("no standard input")?.write_all(format!("{}\n", support::PASSWORD).as_bytes())?;
        let output = child.wait_with_output()?;
        if !output.status.success() {
            return Err(format!("trygghet admin create: {}", String::from_utf8_lossy(&output.stderr).trim()).into());
        }
        Ok(())
    }

    /// Starts `trygghet serve` and waits until `/readyz` answers 200; how long that took.
    async fn start(&mut self) -> Result<Duration, Failure> {
        let started = Instant::now();
        let log = std::fs::OpenOptions::new().create(true).append(true).open(&self.log)?;
        let child = self.command(&["serve"]).stdin(Stdio::null()).stdout(log.try_clone()?).stderr(log).spawn()?;
        let child = self.child.insert(child);
        loop {
            if let Some(status) = child.try_wait()? {
                return Err(format!("the service ended ({status}) before it was ready").into());
            }
            if let Ok(response) = self.http.get(format!("{}/readyz", self.base)).send().await
                && response.status() == 200
            {
                return Ok(started.elapsed());
            }
            if started.elapsed() > Duration::from_secs(60) {
                return Err("the service was not ready within 60 s of starting".into());
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Kills the service with SIGKILL, so that it finishes nothing, and waits until it is gone.
    async fn kill(&mut self) -> Result<(), Failure> {
        let Some(mut child) = self.child.take() else { return Ok(()) };
        child.kill()?;
        while child.try_wait()?.is_none() {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        Ok(())
    }

    /// Stops the service at the end of the test.
    async fn stop(&mut self) {
        let _ = self.kill().await;
    }

    /// Runs `trygghet reconcile` on the service's database: Ok when it finds no difference, else what it printed.
    fn reconcile(&self) -> Result<Result<(), String>, Failure> {
        let output = self.command(&["reconcile"]).output()?;
        if output.status.success() {
            Ok(Ok(()))
        } else {
            let printed =
                format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
            Ok(Err(format!("{}: {}", output.status, printed.trim())))
        }
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// What the kills came to.
#[derive(Default)]
struct Kills {
    done: usize,
    /// Kills while at least one submit (web or paper) was waiting for its answer.
    during_submit: usize,
    /// From starting the service again to `/readyz` answering 200.
    restarts: Vec<Duration>,
}

/// Kills the service `--kills` times, each a random time after it was ready, and starts it again at once.
async fn kill_repeatedly(args: &Args, service: &mut Service, shared: &Shared) -> Result<Kills, Failure> {
    let mut kills = Kills::default();
    for _ in 0..args.kills {
        let up = rand::rng().random_range(args.up_ms.0..=args.up_ms.1);
        tokio::time::sleep(Duration::from_millis(up)).await;
        if shared.submitting.load(Ordering::Acquire) > 0 {
            kills.during_submit += 1;
        }
        service.kill().await?;
        kills.done += 1;
        kills.restarts.push(service.start().await?);
    }
    Ok(kills)
}

// ---------------------------------------------------------------------------------------------------------------
// The survey, the residents and the clerks.

/// A letter as the mail house got it.
struct Letter {
    number: String,
    municipality: String,
    code: String,
}

/// Creates the survey, hands out its letters and opens it; its id and the letters in a random order.
async fn create_survey(staff: &Staff, letters: usize) -> Result<(String, Vec<Letter>), Failure> {
    let today = trygghet::domain::survey::swedish_day(chrono::Utc::now());
    let body = json!({
        "title": "Krocktest", "access": "codes",
        "sender": "Polisen och kommunerna (krocktest)", "contact": { "phone": "114 14" },
        "opens_on": (today - chrono::Duration::days(1)).to_string(),
        "closes_on": (today + chrono::Duration::days(30)).to_string(),
        "municipalities": MUNICIPALITIES.iter().map(|code| json!({ "code": code, "sample_size": letters }))
            .collect::<Vec<_>>(),
    });
    let survey = staff.post_json("/api/v1/surveys", &body).await?;
    let id = survey["id"].as_str().ok_or("no survey id")?.to_owned();
    let mut all = Vec::new();
    for code in MUNICIPALITIES {
        let path = format!("/api/v1/surveys/{id}/municipalities/{code}/invitations");
        let issued = staff.post_json(&path, &json!({ "count": letters })).await?;
        for letter in issued.as_array().ok_or("no letters")? {
            let field = |name: &str| letter[name].as_str().map(str::to_owned).ok_or(format!("a letter without {name}"));
            all.push(Letter { number: field("letter_number")?, municipality: code.to_owned(), code: field("code")? });
        }
    }
    staff.post_json(&format!("/api/v1/surveys/{id}/open"), &json!({})).await?;
    use rand::seq::SliceRandom;
    all.shuffle(&mut rand::rng());
    Ok((id, all))
}

/// What the residents and clerks share: the letters, whether to take more, and what went wrong.
struct Shared {
    base: String,
    survey: String,
    instrument: Instrument,
    /// The free-text item that names the letter, its section (0-based), and the fields of every free-text item.
    comment: String,
    comment_section: usize,
    text_fields: HashSet<String>,
    letters: Vec<Letter>,
    next: AtomicUsize,
    /// Cleared after the last kill: who finishes a letter takes no other.
    taking: AtomicBool,
    /// Submits (web and paper) waiting for their answer.
    submitting: AtomicUsize,
    /// Requests sent again after a broken connection or a 503.
    retries: AtomicU64,
    /// 503 answers among those.
    unavailable: AtomicU64,
    problems: Mutex<Vec<String>>,
}

impl Shared {
    fn new(base: &str, survey: &str, instrument: Instrument, letters: Vec<Letter>) -> Result<Self, Failure> {
        let texts: Vec<(usize, String)> = instrument
            .sections()
            .iter()
            .enumerate()
            .flat_map(|(index, section)| section.items.iter().map(move |item| (index, item)))
            .filter(|(_, item)| matches!(item.kind, ItemKind::Text { .. }))
            .map(|(index, item)| (index, item.id.clone()))
            .collect();
        let (comment_section, comment) = texts.first().cloned().ok_or("the questionnaire has no free-text item")?;
        Ok(Self {
            base: base.to_owned(),
            survey: survey.to_owned(),
            text_fields: texts.iter().map(|(_, id)| format!("q.{id}")).collect(),
            instrument,
            comment,
            comment_section,
            letters,
            next: AtomicUsize::new(0),
            taking: AtomicBool::new(true),
            submitting: AtomicUsize::new(0),
            retries: AtomicU64::new(0),
            unavailable: AtomicU64::new(0),
            problems: Mutex::new(Vec::new()),
        })
    }

    /// The next letter nobody has taken, while the kills go on.
    fn take(&self) -> Option<&Letter> {
        if !self.taking.load(Ordering::Acquire) {
            return None;
        }
        self.letters.get(self.next.fetch_add(1, Ordering::AcqRel))
    }

    fn problem(&self, text: String) {
        if let Ok(mut problems) = self.problems.lock() {
            problems.push(text);
        }
    }

    /// Plausible answers to one section (0-based), the free text replaced by the comment that names the letter.
    fn answers(&self, section: usize, letter: &Letter) -> Vec<(String, String)> {
        let mut fields: Vec<(String, String)> = trygghet::demo::answers(&self.instrument, section)
            .into_iter()
            .filter(|(name, _)| !self.text_fields.contains(name))
            .collect();
        if section == self.comment_section {
            fields.push((format!("q.{}", self.comment), comment_of(&letter.number)));
        }
        fields
    }
}

/// The comment that names a letter.
fn comment_of(letter_number: &str) -> String {
    format!("crash-{letter_number}")
}

/// What became of one letter.
struct Record {
    number: String,
    paper: bool,
    fate: Fate,
}

enum Fate {
    /// Thanked for (a web submit led to `/tack`, a paper form was saved).
    Acknowledged,
    /// The submit failed and its sender walked away; sent again after the kills.
    Unacknowledged(Form),
    /// A resident who saved a few sections and never submitted.
    Stopped,
    /// Something unexpected happened (reported as a problem).
    Failed,
}

/// A submitted form, as its browser would send it again.
struct Form {
    client: reqwest::Client,
    url: String,
    body: String,
    submission_id: String,
}

/// A resident's browser: its own cookies, no JavaScript, redirects not followed (each step is checked).
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap_or_default()
}

/// One resident after another, each with the next letter, until the kills are over.
async fn residents(shared: Arc<Shared>) -> Vec<Record> {
    let mut records = Vec::new();
    while let Some(letter) = shared.take() {
        let fate = answer_on_the_web(&shared, letter).await.unwrap_or_else(|error| {
            shared.problem(format!("{} (web): {error}", letter.number));
            Fate::Failed
        });
        records.push(Record { number: letter.number.clone(), paper: false, fate });
    }
    records
}

/// A resident answering: the welcome page, some sections (always the comment), the review and the submit.
async fn answer_on_the_web(shared: &Shared, letter: &Letter) -> Result<Fate, Failure> {
    let client = browser();
    let base = format!("{}/svara/{}", shared.base, letter.code);
    let count = shared.instrument.sections().len();
    let (stops, sections) = {
        let mut rng = rand::rng();
        let stops = rng.random_bool(STOPS);
        let all = !stops && rng.random_bool(0.5);
        let sections: Vec<usize> =
            (0..count).filter(|&section| all || section == shared.comment_section || rng.random_bool(0.4)).collect();
        (stops, sections)
    };
    send(shared, &client, &base, None).await?.expect(200, "the welcome page")?;
    for section in sections {
        let url = format!("{base}/del/{}", section + 1);
        let page = send(shared, &client, &url, None).await?.expect(200, "a section")?;
        let mut fields = shared.answers(section, letter);
        fields.push(("csrf_token".to_owned(), support::hidden(&page.body, "csrf_token").ok_or("no form token")?));
        fields.push(("action".to_owned(), "next".to_owned()));
        let body = serde_html_form::to_string(&fields)?;
        send(shared, &client, &url, Some(&body)).await?.expect(303, "saving a section")?;
    }
    if stops {
        return Ok(Fate::Stopped);
    }
    let review = send(shared, &client, &format!("{base}/granska"), None).await?.expect(200, "the review")?;
    let submission_id = support::hidden(&review.body, "submission_id").ok_or("no submission id")?;
    let fields = [
        ("csrf_token", support::hidden(&review.body, "csrf_token").ok_or("no form token on the review")?),
        ("submission_id", submission_id.clone()),
    ];
    let body = serde_html_form::to_string(fields)?;
    let form = Form { client, url: format!("{base}/skicka"), body, submission_id };
    submit(shared, form, false).await
}

/// A staff member keying in paper forms, one letter after another, until the kills are over.
async fn clerk(shared: Arc<Shared>, staff: Arc<Staff>) -> Vec<Record> {
    let mut records = Vec::new();
    while let Some(letter) = shared.take() {
        let fate = key_in(&shared, &staff, letter).await.unwrap_or_else(|error| {
            shared.problem(format!("{} (paper): {error}", letter.number));
            Fate::Failed
        });
        records.push(Record { number: letter.number.clone(), paper: true, fate });
        // Keying in a form takes a person a while; without the pause the clerks would use up the letters.
        let pause = rand::rng().random_range(0..500);
        tokio::time::sleep(Duration::from_millis(pause)).await;
    }
    records
}

/// One paper form for `letter`, with every section answered.
async fn key_in(shared: &Shared, staff: &Staff, letter: &Letter) -> Result<Fate, Failure> {
    let submission_id = uuid::Uuid::new_v4().to_string();
    let mut fields = vec![
        ("csrf_token".to_owned(), staff.csrf.clone()),
        ("submission_id".to_owned(), submission_id.clone()),
        ("municipality".to_owned(), letter.municipality.clone()),
        ("letter_number".to_owned(), letter.number.clone()),
    ];
    for section in 0..shared.instrument.sections().len() {
        fields.extend(shared.answers(section, letter));
    }
    let url = format!("{}/admin/surveys/{}/paper", shared.base, shared.survey);
    let body = serde_html_form::to_string(&fields)?;
    let form = Form { client: staff.client.clone(), url, body, submission_id };
    submit(shared, form, true).await
}

/// Sends a filled-in form; after a failed first try the sender either presses the button again until it is answered
/// or walks away, to come back after the kills.
async fn submit(shared: &Shared, form: Form, paper: bool) -> Result<Fate, Failure> {
    shared.submitting.fetch_add(1, Ordering::AcqRel);
    let answer = match attempt(&form.client, &form.url, Some(&form.body)).await {
        Ok(answer) if answer.status != 503 => Ok(answer),
        failed => {
            if failed.is_ok() {
                shared.unavailable.fetch_add(1, Ordering::Relaxed);
            }
            if rand::rng().random_bool(WALKS_AWAY) {
                shared.submitting.fetch_sub(1, Ordering::AcqRel);
                return Ok(Fate::Unacknowledged(form));
            }
            shared.retries.fetch_add(1, Ordering::Relaxed);
            pause().await;
            send(shared, &form.client, &form.url, Some(&form.body)).await
        }
    };
    shared.submitting.fetch_sub(1, Ordering::AcqRel);
    let answer = answer?;
    if answer.acknowledges(paper) {
        Ok(Fate::Acknowledged)
    } else {
        Err(format!("the submit answered {}", answer.describe()).into())
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Requests.

/// An answer as the browser got it.
struct Answer {
    status: u16,
    location: Option<String>,
    body: String,
}

impl Answer {
    fn expect(self, status: u16, what: &str) -> Result<Self, Failure> {
        if self.status == status { Ok(self) } else { Err(format!("{what} answered {}", self.describe()).into()) }
    }

    /// Whether a submit was thanked for: a web form leads to `/tack`, a paper form is saved (200).
    fn acknowledges(&self, paper: bool) -> bool {
        if paper { self.status == 200 } else { self.status == 303 && self.location.as_deref() == Some("/tack") }
    }

    fn describe(&self) -> String {
        let mut text: String = self.body.chars().take(300).collect();
        text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        match &self.location {
            Some(location) => format!("{} → {location}", self.status),
            None => format!("{}: {text}", self.status),
        }
    }
}

/// One request: GET, or POST of a form body. An error when the connection is refused or breaks before the whole
/// answer arrived.
async fn attempt(client: &reqwest::Client, url: &str, body: Option<&str>) -> Result<Answer, reqwest::Error> {
    let request = match body {
        None => client.get(url),
        Some(body) => {
            client.post(url).header("content-type", "application/x-www-form-urlencoded").body(body.to_owned())
        }
    };
    let response = request.send().await?;
    let status = response.status().as_u16();
    let location = response.headers().get("location").and_then(|value| value.to_str().ok()).map(str::to_owned);
    let body = response.text().await?;
    Ok(Answer { status, location, body })
}

/// A request sent until it is answered with anything but 503, as a person presses the button again after a broken
/// connection or a "try again in a moment" page.
async fn send(shared: &Shared, client: &reqwest::Client, url: &str, body: Option<&str>) -> Result<Answer, Failure> {
    let started = Instant::now();
    loop {
        match attempt(client, url, body).await {
            Ok(answer) if answer.status != 503 => return Ok(answer),
            Ok(_) => {
                shared.unavailable.fetch_add(1, Ordering::Relaxed);
            }
            Err(_) => {}
        }
        if started.elapsed() > GIVE_UP {
            return Err(format!("no answer but 503 or a broken connection for {} s", GIVE_UP.as_secs()).into());
        }
        shared.retries.fetch_add(1, Ordering::Relaxed);
        pause().await;
    }
}

/// A moment before pressing the button again.
async fn pause() {
    let wait = rand::rng().random_range(20..200);
    tokio::time::sleep(Duration::from_millis(wait)).await;
}

// ---------------------------------------------------------------------------------------------------------------
// The checks.

/// What the run did and found.
#[derive(Default)]
struct Report {
    kills: Kills,
    answering: Duration,
    web: usize,
    paper: usize,
    resent: usize,
    /// Of those, how many had been stored before they were sent again.
    resent_stored: usize,
    stopped: usize,
    retries: u64,
    unavailable: u64,
    stored: usize,
    /// What `trygghet reconcile` printed when it found differences.
    reconcile: Option<String>,
    failures: Vec<String>,
}

impl Report {
    fn count(&mut self, records: &[Record], shared: &Shared) {
        for record in records {
            match (&record.fate, record.paper) {
                (Fate::Acknowledged, false) => self.web += 1,
                (Fate::Acknowledged, true) => self.paper += 1,
                (Fate::Stopped, _) => self.stopped += 1,
                (Fate::Unacknowledged(_) | Fate::Failed, _) => {}
            }
        }
        self.retries = shared.retries.load(Ordering::Relaxed);
        self.unavailable = shared.unavailable.load(Ordering::Relaxed);
    }

    fn print(&self, backend: &str, took: Duration) {
        let restarts: Vec<f64> = self.kills.restarts.iter().map(Duration::as_secs_f64).collect();
        let mean = restarts.iter().sum::<f64>() / restarts.len().max(1) as f64;
        let longest = restarts.iter().copied().fold(0.0, f64::max);
        println!();
        println!("| crash test on {backend} | |");
        println!("|---|---|");
        println!(
            "| kills (SIGKILL) | {} ({} with a submit waiting for its answer); ready again after {mean:.2} s on \
             average, {longest:.2} s at most |",
            self.kills.done, self.kills.during_submit
        );
        println!(
            "| forms acknowledged | {} (web {}, paper {}); {} sent again after the kills, {} of which had been \
             stored before |",
            self.web + self.paper,
            self.web,
            self.paper,
            self.resent,
            self.resent_stored
        );
        println!("| residents who stopped before submitting | {} |", self.stopped);
        println!("| requests sent again | {} ({} after a 503) |", self.retries, self.unavailable);
        println!("| responses stored | {} |", self.stored);
        println!(
            "| trygghet reconcile | {} |",
            if self.reconcile.is_none() { "no differences" } else { "differences (see below)" }
        );
        println!(
            "| seconds | {:.1} in all, {:.1} answering while killed |",
            took.as_secs_f64(),
            self.answering.as_secs_f64()
        );
        println!();
        if self.failures.is_empty() {
            println!("PASSED: every acknowledged form is stored exactly once and the counters agree with the rows.");
        } else {
            println!("FAILED: {} problem(s)", self.failures.len());
            for failure in self.failures.iter().take(50) {
                println!("- {failure}");
            }
        }
    }
}

/// Reads the database: each acknowledged letter's comment stored once, nothing twice, nothing of those who stopped;
/// responses, submission ids and answered letters as many as the acknowledged forms; the drafts of those who stopped.
fn check_stored(
    url: &str,
    survey: &str,
    shared: &Shared,
    records: &[Record],
    report: &mut Report,
) -> Result<(), Failure> {
    uuid::Uuid::parse_str(survey)?;
    let in_survey = format!("survey_id = '{survey}'");
    // The comment that names each letter, counted over the stored responses' answers.
    let mut stored: BTreeMap<String, u64> = BTreeMap::new();
    for (_, answers) in pairs(url, &format!("SELECT id, answers FROM responses WHERE {in_survey}"))? {
        for row in decode_answers(&answers)? {
            if let (true, Some(text)) = (row.item_id == shared.comment, row.text) {
                *stored.entry(text).or_default() += 1;
            }
        }
    }
    let dispositions: BTreeMap<String, String> = pairs(
        url,
        &format!(
            "SELECT municipality_code || '-' || CAST(letter_serial AS TEXT), disposition FROM invitations \
             WHERE {in_survey}"
        ),
    )?
    .into_iter()
    .filter_map(|(letter, disposition)| {
        let (code, serial) = letter.split_once('-')?;
        Some((format!("{code}-{serial:0>6}"), disposition))
    })
    .collect();
    let number = |sql: &str| -> Result<usize, Failure> {
        let rows = pairs(url, &format!("SELECT 1, COUNT(*) FROM {sql}"))?;
        Ok(rows.first().ok_or("no count")?.1.parse()?)
    };

    let failures = &mut report.failures;
    let mut acknowledged = 0;
    let mut stopped = 0;
    let mut taken = HashSet::new();
    for record in records {
        let comment = comment_of(&record.number);
        taken.insert(comment.clone());
        let times = stored.get(&comment).copied().unwrap_or(0);
        let disposition = dispositions.get(&record.number).map_or("missing", String::as_str);
        match record.fate {
            Fate::Acknowledged => {
                acknowledged += 1;
                if times != 1 {
                    failures.push(format!("{}: acknowledged, stored {times} times", record.number));
                }
                if disposition != "completed" {
                    failures.push(format!("{}: acknowledged, the letter is {disposition}", record.number));
                }
            }
            Fate::Stopped => {
                stopped += 1;
                if times != 0 {
                    failures.push(format!("{}: never submitted, stored {times} times", record.number));
                }
                if disposition != "started" {
                    failures.push(format!("{}: never submitted, the letter is {disposition}", record.number));
                }
            }
            Fate::Failed | Fate::Unacknowledged(_) => {
                if times > 1 {
                    failures.push(format!("{}: stored {times} times", record.number));
                }
            }
        }
    }
    for (comment, times) in &stored {
        if !taken.contains(comment) {
            failures.push(format!("a response with the comment {comment:?} that no form carried ({times} times)"));
        }
    }
    let responses = number(&format!("responses WHERE {in_survey}"))?;
    report.stored = responses;
    let counts = [
        ("responses", responses, acknowledged),
        ("stored submission ids", number(&format!("submissions WHERE {in_survey}"))?, acknowledged),
        (
            "letters answered",
            number(&format!("invitations WHERE {in_survey} AND disposition = 'completed'"))?,
            acknowledged,
        ),
        ("drafts", number(&format!("drafts WHERE {in_survey}"))?, stopped),
    ];
    for (what, found, expected) in counts {
        if found != expected {
            failures.push(format!("{what}: {found}, expected {expected}"));
        }
    }
    Ok(())
}

/// The submission ids stored for the survey.
fn submission_ids(url: &str, survey: &str) -> Result<HashSet<String>, Failure> {
    uuid::Uuid::parse_str(survey)?;
    let sql = format!("SELECT submission_id, 1 FROM submissions WHERE survey_id = '{survey}'");
    Ok(pairs(url, &sql)?.into_iter().map(|(id, _)| id).collect())
}

/// Two columns of every row of `sql`, as text, read on a connection of its own.
fn pairs(url: &str, sql: &str) -> Result<Vec<(String, String)>, Failure> {
    #[derive(diesel::QueryableByName)]
    struct Pair {
        #[diesel(sql_type = diesel::sql_types::Text)]
        first: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        second: String,
    }
    let query = diesel::sql_query(format!(
        "WITH q(a, b) AS ({sql}) SELECT CAST(a AS TEXT) AS first, CAST(b AS TEXT) AS second FROM q"
    ));
    let rows = match support::target_of(url)?.establish()? {
        DbConnection::Sqlite(mut conn) => query.load::<Pair>(&mut conn)?,
        DbConnection::Postgres(mut conn) => query.load::<Pair>(&mut conn)?,
    };
    Ok(rows.into_iter().map(|pair| (pair.first, pair.second)).collect())
}
