//! `trygghet-load`: goose drives residents through the questionnaire's pages (scenario `resident`) or sends paper
//! forms through the API (scenario `paper`) against a service that `trygghet-seed` prepared.
//!
//! Goose's own options choose the users, the run time, the host and goose's report (`trygghet-load --help`). The
//! seeded state is read from `TRYGGHET_LOAD_STATE`; the summary (JSON, see `timings::Summary`) is written to
//! `TRYGGHET_LOAD_SUMMARY` when set. With `TRYGGHET_LOAD_ADDRESSES=many` each resident sends a client address of
//! their own in `X-Forwarded-For` (for a service started with `TRYGGHET_TRUST_FORWARDED_FOR=true`); otherwise all
//! come from the load generator's one address. Exits 1 when any request failed or no response was completed, 2 when
//! the run could not start.
//!
//! A resident is a browser without JavaScript: cookies of its own, redirects seen (not followed), every page read and
//! every form posted as the page says, 21 requests for the 9 sections of the built-in questionnaire. Each goose user
//! serves one resident after another, each with the next letter, as fast as the service answers.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock, RwLock};
use std::time::{Duration, Instant};

use goose::goose::{GooseResponse, TransactionError};
use goose::metrics::GooseRequestMetric;
use goose::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;
use reqwest::cookie::{CookieStore, Jar};
use reqwest::header::HeaderValue;
use trygghet_load::page;
use trygghet_load::paper;

/// The load generator shares the machine with the service it measures, so its own work is the service's loss: with
/// the system allocator, `malloc` and `free` were a tenth of its CPU. The service uses the same allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use trygghet_load::seeded::{Letter, Seeded};
use trygghet_load::timings::{Kind, Timings};

/// What every goose user shares: the seeded survey, the next letter nobody has taken, the timings.
struct Run {
    seeded: Seeded,
    next: AtomicUsize,
    timings: Timings,
    /// Whether each resident sends their own client address (`TRYGGHET_LOAD_ADDRESSES=many`).
    addresses: bool,
}

static RUN: OnceLock<Run> = OnceLock::new();

fn run() -> &'static Run {
    RUN.get().expect("the run is set up before goose starts its users")
}

impl Run {
    fn letter(&self) -> Option<&Letter> {
        self.numbered_letter().map(|(_, letter)| letter)
    }

    /// The next letter with its place in the list.
    fn numbered_letter(&self) -> Option<(usize, &Letter)> {
        let index = self.next.fetch_add(1, Ordering::Relaxed);
        self.seeded.letters.get(index).map(|letter| (index, letter))
    }
}

/// The client address of the `index`-th resident when each has their own: one of 2^17 in 198.18.0.0/15, the range
/// set aside for benchmarks (RFC 2544), sent as `X-Forwarded-For` to a service that trusts it.
fn address_of(index: usize) -> String {
    let index = index % (1 << 17);
    format!("198.{}.{}.{}", 18 + (index >> 16), (index >> 8) & 0xff, index & 0xff)
}

/// More sections than any questionnaire has: a page that keeps leading to another is a failure, not a loop.
const MAX_SECTIONS: usize = 100;

#[tokio::main]
async fn main() -> ExitCode {
    match attack().await {
        Ok(code) => code,
        Err(problem) => {
            eprintln!("trygghet-load: {problem}");
            ExitCode::from(2)
        }
    }
}

async fn attack() -> Result<ExitCode, String> {
    let goose = GooseAttack::initialize()
        .map_err(|error| error.to_string())?
        .register_scenario(scenario!("resident").register_transaction(transaction!(resident).set_name("resident")))
        .register_scenario(scenario!("paper").register_transaction(transaction!(paper_form).set_name("paper form")))
        .set_default(GooseDefault::Scenarios, "resident")
        // No controller port: runs may overlap on one machine, and nothing steers them while they run.
        .and_then(|goose| goose.set_default(GooseDefault::NoTelnet, true))
        .map_err(|error| error.to_string())?;
    let state = std::env::var_os("TRYGGHET_LOAD_STATE")
        .map(PathBuf::from)
        .ok_or("set TRYGGHET_LOAD_STATE to the file trygghet-seed wrote")?;
    let seeded = Seeded::read(&state)?;
    let addresses = std::env::var("TRYGGHET_LOAD_ADDRESSES").is_ok_and(|value| value == "many");
    RUN.set(Run { seeded, next: AtomicUsize::new(0), timings: Timings::default(), addresses })
        .map_err(|_| "the run was set up twice")?;
    let cpu_before = cpu_seconds();
    goose.execute().await.map_err(|error| error.to_string())?;
    let mut summary = run().timings.summary();
    summary.generator_cpu_seconds = cpu_before.zip(cpu_seconds()).map(|(before, after)| after - before);
    println!("{}", report(&summary));
    if let Some(path) = std::env::var_os("TRYGGHET_LOAD_SUMMARY") {
        let json = serde_json::to_string_pretty(&summary).map_err(|error| error.to_string())?;
        std::fs::write(&path, json).map_err(|error| format!("{}: {error}", PathBuf::from(path).display()))?;
    }
    Ok(if summary.failures == 0 && summary.completed > 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// CPU time (user and system) this process has used, from `/proc/self/stat` (Linux; clock ticks of 1/100 s).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name, which may hold spaces: utime and stime are the 12th and 13th.
    let fields: Vec<&str> = stat.rsplit_once(") ")?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// The summary for people.
fn report(summary: &trygghet_load::timings::Summary) -> String {
    let mut lines = vec![format!(
        "completed {} in {:.1} s: {:.1}/s; {} requests, {} failed",
        summary.completed, summary.seconds, summary.completed_per_second, summary.requests, summary.failures
    )];
    if let Some(cpu) = summary.generator_cpu_seconds {
        lines.push(format!("  load generator: CPU {cpu:.1} s"));
    }
    for stats in summary.page_get.iter().chain(&summary.kinds) {
        lines.push(format!(
            "  {:<40} {:>7}  p50 {:>7.2} ms  p99 {:>7.2} ms  max {:>8.2} ms  {:>7.0} bytes",
            stats.name, stats.count, stats.p50_ms, stats.p99_ms, stats.max_ms, stats.mean_bytes
        ));
    }
    for problem in &summary.problems {
        lines.push(format!("  failed: {problem}"));
    }
    lines.join("\n")
}

/// The cookies of the resident now using a goose user's browser. Each resident starts with none, as in a browser of
/// their own; the browser (its client and connection) stays, since building a client reads the system's certificates
/// and would cost the load generator more CPU than the service spends on a page.
#[derive(Default)]
struct Cookies(RwLock<Arc<Jar>>);

impl Cookies {
    fn current(&self) -> Arc<Jar> {
        self.0.read().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }

    fn clear(&self) {
        *self.0.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(Jar::default());
    }
}

impl CookieStore for Cookies {
    fn set_cookies(&self, headers: &mut dyn Iterator<Item = &HeaderValue>, url: &reqwest::Url) {
        self.current().set_cookies(headers, url);
    }

    fn cookies(&self, url: &reqwest::Url) -> Option<HeaderValue> {
        self.current().cookies(url)
    }
}

/// Gives the user's browser to the next resident: no cookies, no JavaScript, redirects seen rather than followed.
async fn new_resident(user: &mut GooseUser) -> Result<(), Box<TransactionError>> {
    if let Some(cookies) = user.get_session_data::<Arc<Cookies>>() {
        cookies.clear();
        return Ok(());
    }
    let cookies = Arc::new(Cookies::default());
    let browser = reqwest::Client::builder()
        .cookie_provider(cookies.clone())
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30));
    user.set_client_builder(browser).await?;
    user.set_session_data(cookies);
    Ok(())
}

/// An answer read to its end.
struct Reply {
    location: Option<String>,
    body: String,
}

/// Sends `request`, reads its body and records the time under `kind`; an answer other than `expect` is a failure.
async fn send(
    user: &mut GooseUser,
    kind: Kind,
    request: GooseRequest<'_>,
    expect: u16,
) -> Result<Reply, Box<TransactionError>> {
    let started = Instant::now();
    let GooseResponse { request: mut metric, response } = user.request(request).await?;
    let answer = match response {
        Ok(response) => {
            let status = response.status().as_u16();
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned);
            response.text().await.map(|body| (status, location, body)).map_err(|error| error.to_string())
        }
        Err(error) => Err(error.to_string()),
    };
    run().timings.record(kind, started, answer.as_ref().map_or(0, |(_, _, body)| body.len()));
    match answer {
        Ok((status, location, body)) if status == expect => Ok(Reply { location, body }),
        Ok((status, _, body)) => {
            let problem = format!("{}: {status} instead of {expect}", kind.name());
            Err(failed(user, &mut metric, problem, Some(&body)))
        }
        Err(error) => Err(failed(user, &mut metric, format!("{}: {error}", kind.name()), None)),
    }
}

/// Records a failed request in goose's metrics and the summary.
fn failed(
    user: &mut GooseUser,
    metric: &mut GooseRequestMetric,
    problem: String,
    body: Option<&str>,
) -> Box<TransactionError> {
    run().timings.failure(problem.clone());
    match user.set_failure(&problem, metric, None, body) {
        Err(error) => error,
        Ok(()) => Box::new(TransactionError::Custom(problem)),
    }
}

/// A failure that is no request's: a page without the form or link a browser needs.
fn broken(problem: String) -> Box<TransactionError> {
    run().timings.failure(problem.clone());
    Box::new(TransactionError::Custom(problem))
}

/// A resident's request, from their own client address when the run gives each resident one.
fn from_address(builder: reqwest::RequestBuilder, address: Option<&str>) -> reqwest::RequestBuilder {
    match address {
        Some(address) => builder.header("x-forwarded-for", address),
        None => builder,
    }
}

async fn get(
    user: &mut GooseUser,
    kind: Kind,
    path: &str,
    address: Option<&str>,
) -> Result<Reply, Box<TransactionError>> {
    let builder = from_address(user.get_request_builder(&GooseMethod::Get, path)?, address);
    let request = GooseRequest::builder()
        .path(path)
        .name(kind.name())
        .expect_status_code(200)
        .set_request_builder(builder)
        .build();
    send(user, kind, request, 200).await
}

async fn post_form(
    user: &mut GooseUser,
    kind: Kind,
    path: &str,
    fields: &[(String, String)],
    address: Option<&str>,
) -> Result<Reply, Box<TransactionError>> {
    let builder = from_address(user.get_request_builder(&GooseMethod::Post, path)?, address).form(fields);
    let request = GooseRequest::builder()
        .method(GooseMethod::Post)
        .path(path)
        .name(kind.name())
        .expect_status_code(303)
        .set_request_builder(builder)
        .build();
    send(user, kind, request, 303).await
}

/// Once the letters have run out, a user waits out the run; each wait is a failure (seed more letters).
async fn no_letter_left() -> TransactionResult {
    tokio::time::sleep(Duration::from_secs(1)).await;
    Err(broken("no letter left: seed more letters for a run this long".to_owned()))
}

/// One resident with the next letter: the welcome page, each section shown and saved, the review, the submit.
async fn resident(user: &mut GooseUser) -> TransactionResult {
    let Some((index, letter)) = run().numbered_letter() else { return no_letter_left().await };
    new_resident(user).await?;
    let address = run().addresses.then(|| address_of(index));
    let address = address.as_deref();
    let welcome = get(user, Kind::Welcome, &format!("/svara/{}", letter.code), address).await?;
    let mut next =
        page::button_link(&welcome.body).ok_or_else(|| broken("the welcome page has no start link".into()))?;
    let mut rng = StdRng::from_rng(&mut rand::rng());
    let mut chosen = HashMap::new();
    for _ in 0..MAX_SECTIONS {
        if next.ends_with("/granska") {
            break;
        }
        let section = get(user, Kind::Section, &next, address).await?;
        let form = page::form(&section.body, "answers").ok_or_else(|| broken(format!("{next}: no form of answers")))?;
        let fields = form.fill(&mut rng, &mut chosen, "next");
        let saved = post_form(user, Kind::Save, &form.action, &fields, address).await?;
        next = saved.location.ok_or_else(|| broken("a saved section leads nowhere".into()))?;
    }
    let review = get(user, Kind::Review, &next, address).await?;
    let form = page::form(&review.body, "submit").ok_or_else(|| broken("the review has no submit form".into()))?;
    let thanked = post_form(user, Kind::Submit, &form.action, &form.hidden, address).await?;
    if thanked.location.as_deref() != Some("/tack") {
        return Err(broken(format!("the submit led to {:?}, not /tack", thanked.location)));
    }
    run().timings.completed();
    Ok(())
}

/// One paper form for the next letter, as a scanning bureau sends it: `POST /api/v1/surveys/{id}/paper`.
async fn paper_form(user: &mut GooseUser) -> TransactionResult {
    let Some(letter) = run().letter() else { return no_letter_left().await };
    let body = {
        let mut rng = StdRng::from_rng(&mut rand::rng());
        serde_json::json!({
            "letter_number": letter.letter_number,
            "submission_id": paper::submission_id(&mut rng),
            "answers": paper::answers(&run().seeded.instrument, &mut rng),
        })
    };
    let path = format!("/api/v1/surveys/{}/paper", run().seeded.survey);
    let builder = user.get_request_builder(&GooseMethod::Post, &path)?.bearer_auth(&run().seeded.token).json(&body);
    let request = GooseRequest::builder()
        .method(GooseMethod::Post)
        .path(path.as_str())
        .name(Kind::Paper.name())
        .expect_status_code(201)
        .set_request_builder(builder)
        .build();
    send(user, Kind::Paper, request, 201).await?;
    run().timings.completed();
    Ok(())
}
