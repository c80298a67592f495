//! Benchmark: reading a survey's live response rates, `GET /api/v1/surveys/{id}/rates`, with 10k, 100k and 1M
//! stored responses. The target is a p99 under 2 ms that stays flat as responses grow, because the rates are read
//! from counters (a few rows per municipality and day) and never by counting responses.
//!
//! For every size the benchmark seeds a fresh database (SQLite, or PostgreSQL with `--database`) with one open survey
//! of four municipalities: its letters with realistic dispositions, a draft for every letter started on the web, the
//! responses (web and paper, spread over four weeks) with 8–12 answers each and their submission ids, and the
//! counters exactly as `trygghet reconcile` would recount them from those rows. (With 8–12 of the 33 questions that
//! apply to everyone answered, every response counts as a break-off; the counters have the same rows whatever the
//! class, and their number depends on municipalities, days and modes, never on responses.) Seeding writes multi-row INSERTs in one
//! transaction, straight into the tables: storing a million responses through the service one by one would take
//! hours and measure something else. Up to `--reconcile-up-to` responses the seeded counters are checked against
//! `trygghet::app::reconcile::reconcile`, which must find no difference.
//!
//! Then the real service starts in this process (its defaults: a worker per core, a pool of 10 connections), the
//! benchmark signs in through the sign-in form, creates an API token and sends the request one after the other,
//! timing each on the client. Nothing changes meanwhile, so these are answered from the snapshot the service keeps
//! while the survey's revision is unchanged; the same requests are then timed again with the revision raised before
//! each one (untimed, as any change does), so that every one reads the counters. Last, it times
//! `trygghet::app::rates::snapshot` (the counter read behind the endpoint) in-process.
//!
//! ```sh
//! cargo run --release --example bench_rates -- --responses 10000,100000,1000000
//! cargo run --release --example bench_rates -- --database postgres://postgres@127.0.0.1:5432/postgres
//! ```

mod support;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use clap::Parser;
use diesel::connection::SimpleConnection;
use rand::Rng;
use rand::seq::{IndexedRandom, SliceRandom};
use trygghet::db::models::response::encode_answers;
use trygghet::domain::aapor::{Completeness, classify};
use trygghet::domain::instrument::{AnswerRow, Answers, Instrument, Item, ItemKind};

use support::{BenchDatabase, Failure, Inserter, Seeding, Staff, Summary, ms, summarize};

#[derive(Parser)]
#[command(about = "Times GET /api/v1/surveys/{id}/rates at several numbers of stored responses")]
struct Args {
    /// Numbers of stored responses to measure at, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "10000,100000,1000000")]
    responses: Vec<usize>,
    /// A PostgreSQL server (e.g. postgres://postgres@127.0.0.1:5432/postgres) on which the benchmark creates, and
    /// afterwards drops, its own database `trygghet_bench_<responses>`. Without it: a SQLite file in a temporary directory.
    #[arg(long)]
    database: Option<String>,
    /// Timed requests per size.
    #[arg(long, default_value_t = 2000)]
    requests: usize,
    /// Untimed requests first (connections, caches).
    #[arg(long, default_value_t = 200)]
    warmup: usize,
    /// Check the seeded counters with `trygghet reconcile` up to this many responses (it reads every answer).
    #[arg(long, default_value_t = 10_000)]
    reconcile_up_to: usize,
}

/// The survey's municipalities (Värmland, as in `trygghet demo`).
const MUNICIPALITIES: [&str; 4] = ["1783", "1762", "1766", "1737"];
/// Responses came in over this many days, up to today.
const DAYS: u64 = 28;
/// Responses per INSERT statement, each followed by its answers.
const BATCH: usize = support::INSERT_ROWS;
/// The share of letters that end up answered.
const RESPONSE_RATE: f64 = 0.55;
/// What became of the letters that were not answered, as shares of all letters (the rest: nothing came back).
const OTHER_DISPOSITIONS: [(&str, f64); 7] = [
    ("undeliverable", 0.025),
    ("moved_away", 0.02),
    ("not_eligible", 0.005),
    ("refused", 0.01),
    ("deceased", 0.002),
    ("unable", 0.003),
    ("started", 0.03),
];

/// The results at one size.
struct Measured {
    responses: usize,
    answers: u64,
    letters: u64,
    seeding: Duration,
    size: u64,
    http: Summary,
    http_errors: usize,
    /// The same requests, each after a change to the survey (so none is answered from the cached snapshot).
    http_changed: Summary,
    body_bytes: usize,
    snapshot: Summary,
    /// `GET /healthz` (no database, no authentication): the HTTP floor.
    healthz: Summary,
    /// The floors of one database call and each query the endpoint makes, by name (see [`measure_db_calls`]).
    db_calls: Vec<(&'static str, Summary)>,
}

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let args = Args::parse();
    // The PostgreSQL live-update listener of a stopped service keeps trying to reach its dropped database (see
    // BENCHMARKS.md); its warnings would drown this benchmark's output. Everything else is logged from `warn` up.
    trygghet::telemetry::init(trygghet::config::LogFormat::Text, "warn,trygghet::app::live=error");
    let backend = if args.database.is_some() { "PostgreSQL" } else { "SQLite" };
    eprintln!("bench_rates: {backend}, {}", support::machine());
    let mut results = Vec::new();
    for &responses in &args.responses {
        results.push(run(&args, responses).await?);
    }
    println!();
    println!(
        "GET /api/v1/surveys/{{id}}/rates on {backend}, {} sequential requests after {} warm-up; {}; load average {}",
        args.requests,
        args.warmup,
        support::machine(),
        support::load_average()
    );
    println!();
    println!(
        "| responses | answers | letters | seeded in | database | HTTP p50 | p95 | p99 | max | errors | after a change p50 | \
         p99 | snapshot p50 | snapshot p99 |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in &results {
        println!(
            "| {} | {} | {} | {:.0} s | {} MB | {:.2} ms | {:.2} ms | {:.2} ms | {:.2} ms | {} | {:.2} ms | {:.2} ms | \
             {:.3} ms | {:.3} ms |",
            r.responses,
            r.answers,
            r.letters,
            r.seeding.as_secs_f64(),
            r.size / 1_000_000,
            r.http.p50,
            r.http.p95,
            r.http.p99,
            r.http.max,
            r.http_errors,
            r.http_changed.p50,
            r.http_changed.p99,
            r.snapshot.p50,
            r.snapshot.p99,
        );
    }
    println!();
    println!(
        "Where the time goes: p50 of GET /healthz (no database) and of each query of the endpoint, alone in a Db::run"
    );
    println!();
    let names: Vec<&str> =
        results.first().map(|r| r.db_calls.iter().map(|(name, _)| *name).collect()).unwrap_or_default();
    println!("| responses | GET /healthz | {} |", names.join(" | "));
    println!("|---:|---:|{}", "---:|".repeat(names.len()));
    for r in &results {
        let calls: Vec<String> = r.db_calls.iter().map(|(_, summary)| format!("{:.3} ms", summary.p50)).collect();
        println!("| {} | {:.3} ms | {} |", r.responses, r.healthz.p50, calls.join(" | "));
    }
    if let Some(first) = results.first() {
        println!();
        println!("(each rates body is {} bytes of JSON; HTTP times are measured on the client)", first.body_bytes);
    }
    Ok(())
}

/// Seeds a fresh database with `responses` responses and measures it.
async fn run(args: &Args, responses: usize) -> Result<Measured, Failure> {
    let database = BenchDatabase::create(args.database.as_deref(), &format!("trygghet_bench_{responses}"))?;
    let url = database.url();
    eprintln!("{responses} responses: seeding {} …", database.backend());

    let db = support::open_db(&url, 2).await?;
    support::create_admin(&db).await?;
    let admin = db
        .run(|conn| trygghet::db::queries::users::find_by_email(conn, support::EMAIL))
        .await?
        .ok_or("the benchmark account was not created")?;
    let admin_id = admin.id.clone();
    drop(db);

    let started = Instant::now();
    let seed_url = url.clone();
    let seeded = tokio::task::spawn_blocking(move || seed(&seed_url, responses, &admin.id)).await??;
    let seeding = started.elapsed();
    let size = database.size();
    eprintln!(
        "{responses} responses: seeded {} answers and {} letters in {:.1} s ({} MB)",
        seeded.answers,
        seeded.letters,
        seeding.as_secs_f64(),
        size / 1_000_000
    );

    let db = support::open_db(&url, 2).await?;
    if responses <= args.reconcile_up_to {
        let instruments = trygghet::app::instruments::Instruments::new(db.clone())?;
        let differences = trygghet::app::reconcile::reconcile(&db, &instruments, false).await?;
        if !differences.is_empty() {
            let listed: Vec<String> = differences.iter().map(ToString::to_string).collect();
            return Err(format!("the seeded counters differ from a recount:\n{}", listed.join("\n")).into());
        }
        eprintln!("{responses} responses: trygghet reconcile finds the counters equal to the rows");
    }
    let snapshot = trygghet::app::rates::snapshot(&db, &seeded.survey_id).await?;
    let submitted: u64 = snapshot.municipalities.iter().map(|m| m.submitted).sum();
    if submitted != responses as u64 {
        return Err(format!("the rates count {submitted} responses, not {responses}").into());
    }

    let service = support::Service::start(&url, &[]).await?;
    let staff = Staff::sign_in(&service.base).await?;
    let (http, http_errors, body_bytes) = measure_http(args, &staff, &seeded.survey_id, responses).await?;
    let rates_url = format!("{}/api/v1/surveys/{}/rates", staff.base, seeded.survey_id);
    let (http_changed, changed_errors, _) =
        time_requests_after(args, &rates_url, Some(&staff.token), Some((&db, &seeded.survey_id))).await?;
    let snapshot = measure_in_process(args, || trygghet::app::rates::snapshot(&db, &seeded.survey_id)).await?;
    let (healthz, _, _) = time_requests(args, &format!("{}/healthz", staff.base), None).await?;
    let db_calls = measure_db_calls(args, &url, &db, &seeded.survey_id, &admin_id).await?;
    eprintln!(
        "{responses} responses: HTTP p50 {:.2} ms, p99 {:.2} ms; after a change p50 {:.2} ms, p99 {:.2} ms; snapshot \
         p50 {:.3} ms, p99 {:.3} ms",
        http.p50, http.p99, http_changed.p50, http_changed.p99, snapshot.p50, snapshot.p99
    );
    service.stop().await;
    drop(db);
    database.remove();
    Ok(Measured {
        responses,
        answers: seeded.answers,
        letters: seeded.letters,
        seeding,
        size,
        http,
        http_errors: http_errors + changed_errors,
        http_changed,
        body_bytes,
        snapshot,
        healthz,
        db_calls,
    })
}

/// Times the endpoint over HTTP, one request after the other, after checking that it counts every response.
async fn measure_http(
    args: &Args,
    staff: &Staff,
    survey_id: &str,
    responses: usize,
) -> Result<(Summary, usize, usize), Failure> {
    let url = format!("{}/api/v1/surveys/{survey_id}/rates", staff.base);
    let first: serde_json::Value =
        reqwest::Client::new().get(&url).bearer_auth(&staff.token).send().await?.error_for_status()?.json().await?;
    if first["total"]["submitted"].as_u64() != Some(responses as u64) {
        return Err(format!("the endpoint counts {} responses, not {responses}", first["total"]["submitted"]).into());
    }
    time_requests(args, &url, Some(&staff.token)).await
}

/// Times GET `url` (with a bearer token when given) one request after the other: the percentiles, the number of
/// failed requests and the size of the last body.
async fn time_requests(args: &Args, url: &str, token: Option<&str>) -> Result<(Summary, usize, usize), Failure> {
    time_requests_after(args, url, token, None).await
}

/// Like [`time_requests`]; with `change` = (database, survey), the survey's revision is raised before each request
/// (untimed), as any change to its counters does, so every request reads the counters instead of its cached snapshot.
async fn time_requests_after(
    args: &Args,
    url: &str,
    token: Option<&str>,
    change: Option<(&trygghet::db::Db, &str)>,
) -> Result<(Summary, usize, usize), Failure> {
    let raise = || async {
        if let Some((db, survey)) = change {
            let survey = survey.to_owned();
            db.run(move |conn| trygghet::db::queries::surveys::lock_for_write(conn, &survey)).await?;
        }
        Ok::<(), Failure>(())
    };
    let client = reqwest::Client::builder().build()?;
    let request = || {
        let request = client.get(url);
        match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    };
    let mut body_bytes = 0;
    for _ in 0..args.warmup {
        body_bytes = request().send().await?.bytes().await?.len();
    }
    let mut samples = Vec::with_capacity(args.requests);
    let mut errors = 0;
    for _ in 0..args.requests {
        raise().await?;
        let start = Instant::now();
        match request().send().await {
            Ok(response) => {
                let ok = response.status().is_success();
                let body = response.bytes().await;
                samples.push(ms(start.elapsed()));
                if !ok || body.is_err() {
                    errors += 1;
                }
            }
            Err(_) => errors += 1,
        }
    }
    Ok((summarize(samples), errors, body_bytes))
}

/// Times an in-process call, one after the other (e.g. `trygghet::app::rates::snapshot`: a pooled connection off the
/// async threads, five small queries, the rates computed).
async fn measure_in_process<T, E, F>(args: &Args, call: impl Fn() -> F) -> Result<Summary, Failure>
where
    F: std::future::Future<Output = Result<T, E>>,
    E: Into<Failure>,
{
    for _ in 0..args.warmup {
        call().await.map_err(Into::into)?;
    }
    let mut samples = Vec::with_capacity(args.requests);
    for _ in 0..args.requests {
        let start = Instant::now();
        call().await.map_err(Into::into)?;
        samples.push(ms(start.elapsed()));
    }
    Ok(summarize(samples))
}

/// Times each query `GET …/rates` makes, alone in a call. Per request the endpoint makes two calls: the API token with
/// its user and the user's municipalities (two queries), and the survey with its municipalities (one query; the
/// survey's row carries its revision). Only when the survey changed since this instance last read it does the second
/// call go on to read the three counter tables and the reminder marks (all of it is timed as `snapshot`). The floors first:
/// `SELECT 1` on one connection held throughout (one round trip), and in a `Db::run` (the blocking pool, a pooled
/// connection, which r2d2 tests with its own `SELECT 1` on every checkout, and the query).
async fn measure_db_calls(
    args: &Args,
    url: &str,
    db: &trygghet::db::Db,
    survey_id: &str,
    user_id: &str,
) -> Result<Vec<(&'static str, Summary)>, Failure> {
    use trygghet::db::queries::{sessions, surveys, tallies, users};
    let (survey, user) = (survey_id.to_owned(), user_id.to_owned());
    let token_hash = format!("{:064x}", rand::random::<u128>());
    let target = support::target_of(url)?;
    let (warmup, requests) = (args.warmup, args.requests);
    let round_trip = tokio::task::spawn_blocking(move || -> Result<Summary, Failure> {
        let mut conn = target.establish()?;
        let mut samples = Vec::with_capacity(requests);
        for round in 0..warmup + requests {
            let start = Instant::now();
            conn.batch_execute("SELECT 1")?;
            if round >= warmup {
                samples.push(ms(start.elapsed()));
            }
        }
        Ok(summarize(samples))
    })
    .await??;
    Ok(vec![
        ("SELECT 1, one connection", round_trip),
        ("SELECT 1 in a Db::run", measure_in_process(args, || db.run(|conn| conn.batch_execute("SELECT 1"))).await?),
        (
            "api token + user + municipalities",
            measure_in_process(args, || {
                let (hash, user) = (token_hash.clone(), user.clone());
                db.run(move |conn| {
                    sessions::find_api_token(conn, &hash)?;
                    users::municipalities_of(conn, &user)
                })
            })
            .await?,
        ),
        (
            "survey with its municipalities",
            measure_in_process(args, || {
                let survey = survey.clone();
                db.run(move |conn| surveys::with_parts(conn, &survey))
            })
            .await?,
        ),
        (
            "counters (3 queries)",
            measure_in_process(args, || {
                let survey = survey.clone();
                db.run(move |conn| tallies::of_survey(conn, &survey))
            })
            .await?,
        ),
    ])
}

/// What seeding made.
struct Seeded {
    survey_id: String,
    letters: u64,
    answers: u64,
}

/// One response before it is written: where and when it came in, how, and whether it used its letter.
#[derive(Clone, Copy)]
struct Plan {
    municipality: usize,
    day: u64,
    web: bool,
    letter: bool,
}

/// Counters as the service keeps them, summed while seeding.
#[derive(Default)]
struct Completion {
    submitted: u64,
    partial: u64,
    break_off: u64,
    without_letter: u64,
}

/// Seeds one open survey with `responses` responses, its letters, drafts and counters, in one transaction.
fn seed(url: &str, responses: usize, created_by: &str) -> Result<Seeded, Failure> {
    let instrument = trygghet::domain::instrument::default_instrument()?;
    let mut seeding = Seeding::begin(url)?;
    let conn = &mut seeding.conn;

    let mut rng = rand::rng();
    let today = trygghet::domain::survey::swedish_day(chrono::Utc::now());
    let first_day = today - chrono::Days::new(DAYS - 1);
    let day = |offset: u64| first_day + chrono::Days::new(offset);
    let plans: Vec<Plan> = (0..responses)
        .map(|index| {
            let web = rng.random_bool(0.6);
            Plan {
                municipality: index % MUNICIPALITIES.len(),
                day: rng.random_range(0..DAYS),
                web,
                // Web answers always use their letter's code; most paper forms carry their letter number.
                letter: web || rng.random_bool(0.75),
            }
        })
        .collect();

    let survey_id = uuid::Uuid::new_v4().to_string();
    let mut answered_letters = [0u64; MUNICIPALITIES.len()];
    for plan in plans.iter().filter(|plan| plan.letter) {
        answered_letters[plan.municipality] += 1;
    }
    let letters: Vec<u64> =
        answered_letters.iter().map(|&answered| ((answered as f64 / RESPONSE_RATE).ceil() as u64).max(1)).collect();
    let parts: Vec<(&str, u64)> = MUNICIPALITIES.iter().copied().zip(letters.iter().copied()).collect();
    support::insert_open_survey(
        conn,
        &survey_id,
        &format!("Trygghetsmätning (benchmark, {responses} svar)"),
        &instrument,
        first_day,
        today,
        created_by,
        &parts,
    )?;

    // Letters, each with its disposition; a draft for every letter whose resident started and has not submitted.
    let sections = instrument.sections().len() as i32;
    let mut dispositions: BTreeMap<(&str, &str), u64> = BTreeMap::new();
    let mut progress: BTreeMap<(&str, i32), u64> = BTreeMap::new();
    let mut invitations =
        Inserter::new("invitations (id, survey_id, municipality_code, letter_serial, code_hash, disposition)");
    let mut drafts =
        Inserter::new("drafts (key_hash, survey_id, municipality_code, reached_section, updated_on, sealed)");
    for (index, code) in MUNICIPALITIES.iter().enumerate() {
        let total = letters[index];
        let mut fates: Vec<&str> = Vec::with_capacity(total as usize);
        fates.extend(std::iter::repeat_n("completed", answered_letters[index] as usize));
        for (disposition, share) in OTHER_DISPOSITIONS {
            fates.extend(std::iter::repeat_n(disposition, (total as f64 * share).round() as usize));
        }
        fates.truncate(total as usize);
        fates.resize(total as usize, "not_returned");
        fates.shuffle(&mut rng);
        for (serial, disposition) in fates.into_iter().enumerate() {
            let code_hash = format!("{:032x}{:032x}", rng.random::<u128>(), rng.random::<u128>());
            invitations.row(
                conn,
                format_args!(
                    "'{}','{survey_id}','{code}',{},'{code_hash}','{disposition}'",
                    uuid::Uuid::new_v4(),
                    serial + 1
                ),
            )?;
            *dispositions.entry((code, disposition)).or_default() += 1;
            if disposition == "started" {
                let section = rng.random_range(1..sections);
                // Keyed apart from the letter and sealed, as the service stores drafts; the contents are never read.
                let draft_key = format!("{:032x}{:032x}", rng.random::<u128>(), rng.random::<u128>());
                drafts.row(
                    conn,
                    format_args!(
                        "'{draft_key}','{survey_id}','{code}',{section},'{}',''",
                        day(rng.random_range(0..DAYS))
                    ),
                )?;
                *progress.entry((code, section)).or_default() += 1;
            }
        }
    }
    invitations.flush(conn)?;
    drafts.flush(conn)?;

    // Responses in key order (their random ids sorted), each with its answers; the submission ids apart.
    let mut ids: Vec<uuid::Uuid> = (0..responses).map(|_| uuid::Uuid::new_v4()).collect();
    ids.sort_unstable();
    let candidates: Vec<&Item> = instrument
        .items()
        .filter(|item| {
            item.show_if.is_none() && !matches!(item.kind, ItemKind::Text { .. } | ItemKind::Multiple { .. })
        })
        .collect();
    let mut completions: BTreeMap<(&str, NaiveDate, &str), Completion> = BTreeMap::new();
    let mut answers_written = 0u64;
    let mut response_rows = Inserter::new(
        "responses (id, survey_id, municipality_code, mode, submitted_on, instrument_version, language, settled, \
         answers)",
    );
    let mut submissions = Inserter::new("submissions (submission_id, survey_id, submitted_on)");
    for (chunk_ids, chunk_plans) in ids.chunks(BATCH).zip(plans.chunks(BATCH)) {
        for (id, plan) in chunk_ids.iter().zip(chunk_plans) {
            let code = MUNICIPALITIES[plan.municipality];
            let mode = if plan.web { "web" } else { "paper" };
            let on = day(plan.day);
            let rows = answers(&instrument, &candidates, &mut rng);
            answers_written += rows.len() as u64;
            response_rows.row(
                conn,
                format_args!(
                    "'{id}','{survey_id}','{code}','{mode}','{on}','{}','sv',TRUE,'{}'",
                    instrument.version(),
                    encode_answers(&rows).replace('\'', "''")
                ),
            )?;
            submissions.row(conn, format_args!("'{}','{survey_id}','{on}'", uuid::Uuid::new_v4()))?;
            let completeness = completeness(&instrument, &rows)?;
            let tally = completions.entry((code, on, mode)).or_default();
            tally.submitted += 1;
            tally.partial += u64::from(completeness == Completeness::Partial);
            tally.break_off += u64::from(completeness == Completeness::BreakOff);
            tally.without_letter += u64::from(!plan.letter);
        }
        response_rows.flush(conn)?;
    }
    submissions.flush(conn)?;

    // The counters, equal to the rows.
    let mut tallies = Inserter::new("disposition_tallies (survey_id, municipality_code, disposition, letters)");
    for ((code, disposition), count) in &dispositions {
        tallies.row(conn, format_args!("'{survey_id}','{code}','{disposition}',{count}"))?;
    }
    tallies.flush(conn)?;
    let mut tallies = Inserter::new(
        "completion_tallies (survey_id, municipality_code, day, mode, submitted, partial, break_off, without_letter)",
    );
    for ((code, on, mode), c) in &completions {
        tallies.row(
            conn,
            format_args!(
                "'{survey_id}','{code}','{on}','{mode}',{},{},{},{}",
                c.submitted, c.partial, c.break_off, c.without_letter
            ),
        )?;
    }
    tallies.flush(conn)?;
    let mut tallies = Inserter::new("progress_tallies (survey_id, municipality_code, section, drafts)");
    for ((code, section), count) in &progress {
        tallies.row(conn, format_args!("'{survey_id}','{code}',{section},{count}"))?;
    }
    tallies.flush(conn)?;

    seeding.commit()?;
    Ok(Seeded { survey_id, letters: letters.iter().sum(), answers: answers_written })
}

/// 8 to 12 answers to questions that apply to everyone (scales, single choices, yes/no, numbers).
fn answers(instrument: &Instrument, candidates: &[&Item], rng: &mut impl Rng) -> Vec<AnswerRow> {
    let count = rng.random_range(8..=12).min(candidates.len());
    candidates
        .choose_multiple(rng, count)
        .map(|item| {
            let (option_code, number) = match (&item.kind, instrument.choice_codes(item)) {
                (ItemKind::Number { min, max, .. }, _) => (None, Some(rng.random_range(*min..=(*max).min(40)))),
                (_, Some(codes)) => (codes.choose(rng).map(|code| (*code).to_owned()), None),
                (_, None) => (None, None),
            };
            AnswerRow { item_id: item.id.clone(), position: 0, option_code, number, text: None }
        })
        .collect()
}

/// How the service classifies a response with these answers (complete, partial or break-off).
fn completeness(instrument: &Instrument, rows: &[AnswerRow]) -> Result<Completeness, Failure> {
    let answers = Answers::from_rows(instrument, rows.to_vec()).map_err(|error| format!("{error:?}"))?;
    Ok(classify(answers.len(), instrument.applicable_items(&answers)))
}
