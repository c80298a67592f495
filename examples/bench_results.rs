//! Benchmark: a survey's results, `GET /api/v1/surveys/{id}/results`, with 10k and 100k counted responses in four
//! municipalities. The target is under 0.5 s per request at 100,000 responses, weighted or not.
//!
//! For every size the benchmark seeds a fresh database (SQLite, or PostgreSQL with `--database`) with one open survey
//! of four municipalities and its responses (web and paper, spread over four weeks), each with a complete set of
//! answers to the default questionnaire: every item that applies is answered (scale steps and "don't know" drawn with
//! plausible frequencies per item, yes/no questions with their follow-up only after "yes", at least one place for
//! "where do you feel unsafe", years in the area, and the background items, with older residents answering more often
//! than younger ones), so every response counts as complete. The free-text comment is left out unless `--comments`
//! gives a share of respondents who write one. Seeding writes multi-row INSERTs in one transaction, straight into the
//! tables, as `bench_rates` does. Then the real service starts in this process (its defaults: a worker per core, a
//! pool of 10 connections), the benchmark signs in through the sign-in form, creates an API token and stores each
//! municipality's population margins (age band and gender, 5,000–11,200 residents of 16–85) through
//! `PUT …/municipalities/{code}/population`, as a coordinator would.
//!
//! What is timed, on the client, one request after the other:
//! - **cold**: the first request after the service started (`?weights=population`, the default), which reads every
//!   answer of the survey and keeps the respondents;
//! - **steady**: `?weights=none`, `?weights=population` and `?by=age_band` (weighted, every municipality and the total
//!   broken down by age band), each `--warmup` times untimed and then `--requests` times, nothing changing meanwhile
//!   (what every viewer of a page after the first one gets);
//! - **after a change**: each kind `--rounds` times right after the margins of one municipality were stored again
//!   (the same numbers: the survey's revision is raised, no response is added), so that the respondents' ids are
//!   read again and the figures computed from the kept respondents;
//! - **after a new response**: each kind `--rounds` times right after one more paper form was entered through the
//!   form (every tenth settling a batch), so that its answers are read too.
//!
//! The service runs in this process, so the peak memory while serving is this process's: before each phase its peak
//! (`VmHWM`) is reset to the current resident size (`clear_refs`) and read again after its last request.
//!
//! Where the time goes: the endpoint's use case, `trygghet::app::results::results`, keeps its steps to itself, so the
//! benchmark repeats them in-process with the same public functions, each timed on its own: the survey's response
//! ids (`responses::ids_of_survey`), their answers (`responses::answers_of_responses`: 2,000 responses a query, or on
//! PostgreSQL one pass over the survey), decoding and classing each response (`decode::Decoder`; beside it, for
//! comparison, the way every response was checked and encoded before, `decode::reference`), the margins, then
//! `compute` (unweighted, weighted, by age band), `protect`, and the JSON of the result.
//!
//! ```sh
//! cargo run --release --example bench_results -- --responses 10000,100000
//! cargo run --release --example bench_results -- --database postgres://postgres@127.0.0.1:5432/postgres
//! ```

mod support;

use std::time::{Duration, Instant};

use clap::Parser;
use rand::Rng;
use trygghet::db::DbConnection;
use trygghet::db::models::response::encode_answers;
use trygghet::domain::aapor::{Completeness, classify};
use trygghet::domain::instrument::{AnswerRow, Answers, Instrument, Item, ItemKind};
use trygghet::domain::population::Margins;
use trygghet::domain::results::codebook::{Codebook, Respondent};
use trygghet::domain::results::compute::{Margin, Request, Results, compute};
use trygghet::domain::results::decode::{Decoder, reference};
use trygghet::domain::results::disclosure::Disclosure;
use trygghet::domain::results::protect::protect;
use trygghet::domain::results::published::{Labels, Published};

use support::{BenchDatabase, Failure, Inserter, Seeding, Staff, Summary, ms, summarize};

#[derive(Parser)]
#[command(about = "Times GET /api/v1/surveys/{id}/results at several numbers of stored responses")]
struct Args {
    /// Numbers of stored responses to measure at, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "10000,100000")]
    responses: Vec<usize>,
    /// A PostgreSQL server (e.g. postgres://postgres@127.0.0.1:5432/postgres) on which the benchmark creates, and
    /// afterwards drops, its own database `trygghet_bench_results_<responses>`. Without it: a SQLite file in a
    /// temporary directory.
    #[arg(long)]
    database: Option<String>,
    /// Timed requests of each kind per size.
    #[arg(long, default_value_t = 20)]
    requests: usize,
    /// Untimed requests of each kind first (connections, caches).
    #[arg(long, default_value_t = 2)]
    warmup: usize,
    /// Requests of each kind after a change and after a new response; rounds of the in-process steps (read,
    /// decode, compute, protect, JSON), after one untimed round.
    #[arg(long, default_value_t = 5)]
    rounds: usize,
    /// The share of respondents (0–1) who also write a free-text comment.
    #[arg(long, default_value_t = 0.0)]
    comments: f64,
    /// Seeds this database (already migrated, with the benchmark's account `--created-by`) with `--responses`
    /// responses, prints what it made and exits: the benchmark seeds in a process of its own, so that the memory
    /// seeding took (SQLite's page cache of the seeding connection among it) does not count as the service's.
    #[arg(long, hide = true)]
    seed_into: Option<String>,
    #[arg(long, hide = true)]
    created_by: Option<String>,
}

/// The survey's municipalities (Värmland, as in `trygghet demo`) and their residents aged 16–85, the population the
/// results are weighted to.
const MUNICIPALITIES: [(&str, u64); 4] = [("1783", 9_400), ("1762", 5_000), ("1766", 11_200), ("1737", 9_800)];
/// Responses came in over this many days, up to today.
const DAYS: u64 = 28;
/// Responses per INSERT statement, each followed by its answers.
const BATCH: usize = support::INSERT_ROWS;
/// The share of letters that end up answered (for the survey's sample sizes).
const RESPONSE_RATE: f64 = 0.55;
/// Age bands (16–24 … 75–85): the residents' shares, and the respondents', who are older.
const AGE_POPULATION: [f64; 7] = [0.12, 0.13, 0.13, 0.14, 0.15, 0.17, 0.16];
const AGE_RESPONDENTS: [f64; 7] = [0.06, 0.08, 0.11, 0.15, 0.19, 0.23, 0.18];
/// The youngest age of each band, which bounds the years lived in the area.
const AGE_FROM: [i64; 7] = [16, 25, 35, 45, 55, 65, 75];
/// Women, men, other or no answer: among residents (the population register knows two) and respondents.
const GENDER_POPULATION: [f64; 3] = [0.494, 0.502, 0.004];
const GENDER_RESPONDENTS: [f64; 3] = [0.545, 0.445, 0.010];
/// A comment as residents write them.
const COMMENT: &str = "Bättre belysning vid busshållplatsen och gångvägen till skolan, tack.";

/// The three kinds of request timed.
const QUERIES: [(&str, &str); 3] =
    [("weights=none", "?weights=none"), ("weights=population", "?weights=population"), ("by=age_band", "?by=age_band")];

/// The results at one size.
struct Measured {
    responses: usize,
    answers: u64,
    counted: u64,
    /// Respondents the results count in total, on the first request and after the new responses.
    shown: u64,
    shown_after: u64,
    seeding: Duration,
    size: u64,
    /// The first request after the service started (ms), with the resident size before it and the peak during it (KiB).
    cold: (f64, u64, u64),
    /// Per kind of request: steady, after a change and after a new response, failed requests, body size, resident
    /// size before the kind's first request and peak up to its last.
    http: Vec<Kind>,
    steps: Steps,
}

/// The timings of one kind of request.
struct Kind {
    name: &'static str,
    steady: Summary,
    changed: Summary,
    new_response: Summary,
    errors: usize,
    body: usize,
    before: u64,
    peak: u64,
}

/// The in-process steps behind one request after the service started, each a summary over the rounds (ms).
struct Steps {
    ids: Summary,
    answers: Summary,
    decode: Summary,
    /// Decoding the same rows as every response was before (see [`reference`]).
    reference: Summary,
    margins: Summary,
    read: Summary,
    compute_none: Summary,
    compute_population: Summary,
    compute_by: Summary,
    protect: Summary,
    json: Summary,
}

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let args = Args::parse();
    if let Some(url) = &args.seed_into {
        let responses = *args.responses.first().ok_or("no number of responses")?;
        let seeded = seed(url, responses, args.created_by.as_deref().unwrap_or_default(), args.comments)?;
        println!("{} {} {} {} {}", seeded.survey_id, seeded.answers, seeded.complete, seeded.partial, seeded.break_off);
        return Ok(());
    }
    // As in bench_rates: the live-update listener of a stopped service keeps trying to reach its dropped database.
    trygghet::telemetry::init(trygghet::config::LogFormat::Text, "warn,trygghet::app::live=error");
    let backend = if args.database.is_some() { "PostgreSQL" } else { "SQLite" };
    eprintln!("bench_results: {backend}, {}", support::machine());
    let mut results = Vec::new();
    for &responses in &args.responses {
        results.push(run(&args, responses).await?);
    }
    report(&args, backend, &results);
    Ok(())
}

fn report(args: &Args, backend: &str, results: &[Measured]) {
    println!();
    println!(
        "GET /api/v1/surveys/{{id}}/results on {backend}: the first request after start; then of each kind {} \
         sequential requests after {} warm-up (steady), {} right after a change (margins stored again) and {} right \
         after a new response; {}; load average {}",
        args.requests,
        args.warmup,
        args.rounds,
        args.rounds,
        support::machine(),
        support::load_average()
    );
    println!();
    println!(
        "| responses | answers | counted | seeded in | database | first request after start | RSS before | peak RSS |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in results {
        let (cold, before, peak) = r.cold;
        println!(
            "| {} | {} | {} | {:.0} s | {} MB | **{:.0} ms** | {} MB | {} MB |",
            r.responses,
            r.answers,
            r.counted,
            r.seeding.as_secs_f64(),
            r.size / 1_000_000,
            cold,
            before / 1024,
            peak / 1024,
        );
    }
    println!();
    println!(
        "| responses | request | steady p50 | p95 | max | after a change p50 | max | after a new response p50 | max \
         | errors | body | RSS before | peak RSS |"
    );
    println!("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in results {
        for kind in &r.http {
            println!(
                "| {} | `{}` | {:.1} ms | {:.1} ms | {:.1} ms | {:.0} ms | {:.0} ms | {:.0} ms | {:.0} ms | {} | {} KB \
                 | {} MB | {} MB |",
                r.responses,
                kind.name,
                kind.steady.p50,
                kind.steady.p95,
                kind.steady.max,
                kind.changed.p50,
                kind.changed.max,
                kind.new_response.p50,
                kind.new_response.max,
                kind.errors,
                kind.body / 1000,
                kind.before / 1024,
                kind.peak / 1024,
            );
        }
        if r.shown != r.counted || r.shown_after != r.counted + 3 * args.rounds as u64 {
            println!(
                "| {} | WARNING: counted {} at first and {} after the new responses, of {} seeded |",
                r.responses, r.shown, r.shown_after, r.counted
            );
        }
    }
    println!();
    println!(
        "Where the time goes: the steps of the first request repeated in-process, p50 of {} rounds (read = ids + \
         answers + decode + margins)",
        args.rounds
    );
    println!();
    println!(
        "| responses | ids read | answers read | decode | margins | **read** | compute none | compute population | \
         compute by age_band | protect | JSON | decode as before |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in results {
        let s = &r.steps;
        println!(
            "| {} | {:.0} ms | {:.0} ms | {:.0} ms | {:.1} ms | **{:.0} ms** | {:.0} ms | {:.0} ms | {:.0} ms | {:.1} ms \
             | {:.1} ms | {:.0} ms |",
            r.responses,
            s.ids.p50,
            s.answers.p50,
            s.decode.p50,
            s.margins.p50,
            s.read.p50,
            s.compute_none.p50,
            s.compute_population.p50,
            s.compute_by.p50,
            s.protect.p50,
            s.json.p50,
            s.reference.p50,
        );
    }
}

/// Seeds a fresh database with `responses` responses and measures it.
async fn run(args: &Args, responses: usize) -> Result<Measured, Failure> {
    let database = BenchDatabase::create(args.database.as_deref(), &format!("trygghet_bench_results_{responses}"))?;
    let url = database.url();
    eprintln!("{responses} responses: seeding {} …", database.backend());

    let db = support::open_db(&url, 2).await?;
    support::create_admin(&db).await?;
    let admin = db
        .run(|conn| trygghet::db::queries::users::find_by_email(conn, support::EMAIL))
        .await?
        .ok_or("the benchmark account was not created")?;
    drop(db);

    let started = Instant::now();
    let (seed_url, comments) = (url.clone(), args.comments);
    let seeded = tokio::task::spawn_blocking(move || seed_apart(&seed_url, responses, &admin.id, comments)).await??;
    let seeding = started.elapsed();
    let size = database.size();
    eprintln!(
        "{responses} responses: seeded {} answers in {:.1} s ({} MB); {} complete, {} partial, {} break-off",
        seeded.answers,
        seeding.as_secs_f64(),
        size / 1_000_000,
        seeded.complete,
        seeded.partial,
        seeded.break_off,
    );
    let counted = seeded.complete + seeded.partial;

    let service = support::Service::start(&url, &[]).await?;
    let staff = Staff::sign_in(&service.base).await?;
    let survey = &seeded.survey_id;
    store_margins(&staff, survey).await?;
    let client = reqwest::Client::builder().timeout(Duration::from_secs(120)).build()?;
    let results_url = |query: &str| format!("{}/api/v1/surveys/{survey}/results{query}", staff.base);

    support::reset_peak_memory();
    let before = support::memory("VmRSS:");
    let started = Instant::now();
    client.get(results_url("")).bearer_auth(&staff.token).send().await?.error_for_status()?.bytes().await?;
    let cold = (ms(started.elapsed()), before, support::memory("VmHWM:"));
    eprintln!("{responses} responses: first request after start {:.0} ms, peak RSS {} MB", cold.0, cold.2 / 1024);
    let shown = check_results(&staff, survey).await?;

    let instrument = trygghet::domain::instrument::default_instrument()?;
    let mut rng = rand::rng();
    let mut http = Vec::new();
    for (name, query) in QUERIES {
        let url = results_url(query);
        support::reset_peak_memory();
        let before = support::memory("VmRSS:");
        let (steady, mut errors, body) = time_requests(args, &client, &staff.token, &url).await?;
        let mut changed = Vec::new();
        let mut new_response = Vec::new();
        for _ in 0..args.rounds {
            let (code, _) = MUNICIPALITIES[0];
            store_margins_of(&staff, survey, code).await?;
            changed.push(time_one(&client, &staff.token, &url, &mut errors).await);
        }
        for round in 0..args.rounds {
            let (code, _) = MUNICIPALITIES[round % MUNICIPALITIES.len()];
            enter_paper_form(&staff, survey, code, &answers(&instrument, &mut rng, args.comments)).await?;
            new_response.push(time_one(&client, &staff.token, &url, &mut errors).await);
        }
        let (changed, new_response) = (summarize(changed), summarize(new_response));
        let peak = support::memory("VmHWM:");
        eprintln!(
            "{responses} responses: {name}: steady p50 {:.1} ms (max {:.1}); after a change p50 {:.0} ms; after a new \
             response p50 {:.0} ms (max {:.0}); peak RSS {} MB",
            steady.p50,
            steady.max,
            changed.p50,
            new_response.p50,
            new_response.max,
            peak / 1024
        );
        http.push(Kind { name, steady, changed, new_response, errors, body, before, peak });
    }
    let shown_after = check_results(&staff, survey).await?;
    service.stop().await;

    let db = support::open_db(&url, 2).await?;
    let steps = measure_steps(args, &db, survey).await?;
    eprintln!(
        "{responses} responses: in-process read p50 {:.0} ms (ids {:.0}, answers {:.0}, decode {:.0}; decoding as \
         before {:.0}), compute {:.0} / {:.0} / {:.0} ms",
        steps.read.p50,
        steps.ids.p50,
        steps.answers.p50,
        steps.decode.p50,
        steps.reference.p50,
        steps.compute_none.p50,
        steps.compute_population.p50,
        steps.compute_by.p50
    );
    drop(db);
    database.remove();
    Ok(Measured { responses, answers: seeded.answers, counted, shown, shown_after, seeding, size, cold, http, steps })
}

/// Stores every municipality's population margins through the API, as a coordinator's script would.
async fn store_margins(staff: &Staff, survey_id: &str) -> Result<(), Failure> {
    for (code, _) in MUNICIPALITIES {
        store_margins_of(staff, survey_id, code).await?;
    }
    Ok(())
}

/// Stores one municipality's population margins through the API (again: the survey's revision is raised).
async fn store_margins_of(staff: &Staff, survey_id: &str, code: &str) -> Result<(), Failure> {
    let url = format!("{}/api/v1/surveys/{survey_id}/municipalities/{code}/population", staff.base);
    let body = serde_json::json!({ "margins": margins(code)?.0 });
    let response = reqwest::Client::new().put(&url).bearer_auth(&staff.token).json(&body).send().await?;
    if !response.status().is_success() {
        let status = response.status();
        return Err(format!("storing the margins of {code} answered {status}: {}", response.text().await?).into());
    }
    Ok(())
}

/// Enters a paper form with `rows` as answers for municipality `code`, as staff do on the survey's paper page.
async fn enter_paper_form(staff: &Staff, survey_id: &str, code: &str, rows: &[AnswerRow]) -> Result<(), Failure> {
    let url = format!("{}/admin/surveys/{survey_id}/paper", staff.base);
    let page = staff.client.get(&url).send().await?.text().await?;
    let submission = support::hidden(&page, "submission_id").ok_or("no submission id on the paper page")?;
    let mut form: Vec<(String, String)> = vec![
        ("submission_id".into(), submission),
        ("municipality".into(), code.into()),
        ("letter_number".into(), String::new()),
        ("csrf_token".into(), staff.csrf.clone()),
    ];
    for row in rows {
        let value = match (&row.option_code, row.number, &row.text) {
            (Some(code), ..) => code.clone(),
            (None, Some(number), _) => number.to_string(),
            (None, None, Some(text)) => text.clone(),
            (None, None, None) => continue,
        };
        form.push((format!("q.{}", row.item_id), value));
    }
    let response = staff.client.post(&url).form(&form).send().await?;
    let status = response.status();
    let page = response.text().await?;
    if status != 200 || page.contains("field-error") {
        return Err(format!("entering a paper form answered {status}").into());
    }
    Ok(())
}

/// A municipality's residents by age band and by gender (each margin summing to its population).
fn margins(code: &str) -> Result<Margins, Failure> {
    let instrument = trygghet::domain::instrument::default_instrument()?;
    let population = MUNICIPALITIES.iter().find(|(known, _)| *known == code).ok_or("an unknown municipality")?.1;
    let mut margins = Margins::default();
    for (item, shares) in [("age_band", &AGE_POPULATION[..]), ("gender", &GENDER_POPULATION[..])] {
        let codes = instrument.item(item).and_then(|item| instrument.choice_codes(item)).ok_or("no such item")?;
        let mut counts: Vec<i64> = shares.iter().map(|share| (share * population as f64).round() as i64).collect();
        // Rounding leftovers go to the largest group, so that both margins have the same total.
        let largest = (0..counts.len()).max_by(|&a, &b| shares[a].total_cmp(&shares[b])).unwrap_or(0);
        counts[largest] += population as i64 - counts.iter().sum::<i64>();
        margins.0.insert(item.to_owned(), codes.iter().map(|code| (*code).to_owned()).zip(counts).collect());
    }
    Ok(margins)
}

/// The respondents the results count in total; checks that they are weighted by default and break down by age.
async fn check_results(staff: &Staff, survey_id: &str) -> Result<u64, Failure> {
    let get = |query: &str| {
        let url = format!("{}/api/v1/surveys/{survey_id}/results{query}", staff.base);
        async move {
            let response = reqwest::Client::new().get(url).bearer_auth(&staff.token).send().await?;
            if !response.status().is_success() {
                return Err::<serde_json::Value, Failure>(
                    format!("the results answered {}: {}", response.status(), response.text().await?).into(),
                );
            }
            Ok(response.json().await?)
        }
    };
    let unweighted = get("?weights=none").await?;
    let shown = unweighted["total"]["respondents"].as_u64().ok_or("no total of respondents in the results")?;
    let weighted = get("").await?;
    if weighted["total"]["weighted"].as_bool() != Some(true) {
        return Err("the results are not weighted to the population margins".into());
    }
    let by = get("?by=age_band").await?;
    let groups = by["total"]["groups"].as_array().map_or(0, Vec::len);
    if groups != AGE_FROM.len() {
        return Err(format!("the total has {groups} age groups, not {}", AGE_FROM.len()).into());
    }
    Ok(shown)
}

/// Times GET `url` with the API token, one request after the other: the percentiles, the number of failed requests
/// and the size of the last body.
async fn time_requests(
    args: &Args,
    client: &reqwest::Client,
    token: &str,
    url: &str,
) -> Result<(Summary, usize, usize), Failure> {
    let mut body_bytes = 0;
    for _ in 0..args.warmup {
        body_bytes = client.get(url).bearer_auth(token).send().await?.error_for_status()?.bytes().await?.len();
    }
    let mut samples = Vec::with_capacity(args.requests);
    let mut errors = 0;
    for _ in 0..args.requests {
        samples.push(time_one(client, token, url, &mut errors).await);
    }
    Ok((summarize(samples), errors, body_bytes))
}

/// Times one GET of `url` with the API token until its whole body is in (ms), counting a failure in `errors`.
async fn time_one(client: &reqwest::Client, token: &str, url: &str, errors: &mut usize) -> f64 {
    let start = Instant::now();
    let ok = match client.get(url).bearer_auth(token).send().await {
        Ok(response) => {
            let ok = response.status().is_success();
            response.bytes().await.is_ok() && ok
        }
        Err(_) => false,
    };
    *errors += usize::from(!ok);
    ms(start.elapsed())
}

/// Times the steps of the first request in-process, each on its own, as `app::results` takes them: one call to the
/// database that reads the survey's response ids and their answers, decodes and classes each
/// response and reads the margins; then computing the figures, protecting small groups, and writing the JSON.
async fn measure_steps(args: &Args, db: &trygghet::db::Db, survey_id: &str) -> Result<Steps, Failure> {
    let instrument = std::sync::Arc::new(trygghet::domain::instrument::default_instrument()?);
    let codebook = Codebook::new(&instrument);
    let by = codebook.slot("age_band").ok_or("no age_band in the questionnaire")?;
    let codes: Vec<String> = MUNICIPALITIES.iter().map(|(code, _)| (*code).to_owned()).collect();
    let mut times: Vec<[f64; 11]> = Vec::new();
    for round in 0..=args.rounds {
        let (survey, codes_read, instrument_read) = (survey_id.to_owned(), codes.clone(), instrument.clone());
        let (respondents, margins, read) =
            db.run(move |conn| read_respondents(conn, &survey, &codes_read, &instrument_read)).await?;
        let read_total = read[0] + read[1] + read[2] + read[3];
        let municipalities: Vec<(String, String, Vec<Margin>)> = codes
            .iter()
            .zip(margins)
            .map(|(code, margins)| (code.clone(), code.clone(), margins_of(&codebook, margins)))
            .collect();
        let request = |weighted, by| Request {
            codebook: &codebook,
            municipalities: municipalities.clone(),
            respondents: &respondents,
            weighted,
            by,
        };
        let timed = |weighted, by| {
            let request = request(weighted, by);
            let started = Instant::now();
            let results = compute(&request);
            (results, ms(started.elapsed()))
        };
        let (_, compute_none) = timed(false, None);
        let (mut results, compute_population) = timed(true, None);
        let (_, compute_by) = timed(true, Some(by));
        let started = Instant::now();
        protect(&mut results, &Disclosure { min_base: 30, min_cell: 5 });
        let protect_ms = ms(started.elapsed());
        let started = Instant::now();
        let body = serde_json::to_vec(&published(survey_id, results))?;
        let json_ms = ms(started.elapsed());
        std::hint::black_box(body);
        if round > 0 {
            times.push([
                read[0],
                read[1],
                read[2],
                read[3],
                read_total,
                compute_none,
                compute_population,
                compute_by,
                protect_ms,
                json_ms,
                read[4],
            ]);
        }
    }
    let column = |index: usize| summarize(times.iter().map(|round| round[index]).collect());
    Ok(Steps {
        ids: column(0),
        answers: column(1),
        decode: column(2),
        margins: column(3),
        read: column(4),
        compute_none: column(5),
        compute_population: column(6),
        compute_by: column(7),
        protect: column(8),
        json: column(9),
        reference: column(10),
    })
}

fn published(survey_id: &str, results: Results) -> Published {
    Published {
        survey_id: survey_id.to_owned(),
        title: "Trygghetsmätning".to_owned(),
        weights: "population",
        min_base: 30,
        min_cell: 5,
        compared_with: None,
        labels: Labels::default(),
        results,
    }
}

/// What the read gives: the counted respondents, each municipality's margins, and the steps' times (ms): ids,
/// answers, decoding, margins, and decoding as before (not part of the read).
type Read = (Vec<Respondent>, Vec<Margins>, [f64; 5]);

/// The read of `app::results` after the service starts, with the same queries and steps, each timed: the survey's
/// response ids, their answers, each response decoded (and, timed apart, decoded as before),
/// and the municipalities' margins.
fn read_respondents(
    conn: &mut DbConnection,
    survey_id: &str,
    municipalities: &[String],
    instrument: &Instrument,
) -> diesel::QueryResult<Read> {
    use trygghet::db::queries::{population, responses};
    let codebook = Codebook::new(instrument);
    let decoder = Decoder::new(instrument, &codebook);
    let mut times = [0.0; 5];
    let started = Instant::now();
    let mut ids = responses::ids_of_survey(conn, survey_id)?;
    ids.sort_unstable();
    let ids: Vec<(String, usize)> = ids
        .into_iter()
        .filter_map(|(id, code)| Some((id, municipalities.iter().position(|known| *known == code)?)))
        .collect();
    times[0] = ms(started.elapsed());
    let mut respondents = Vec::with_capacity(ids.len());
    let (ids, municipalities_of): (Vec<String>, Vec<usize>) = ids.into_iter().unzip();
    let started = Instant::now();
    let (mut decoding, mut as_before) = (std::time::Duration::ZERO, std::time::Duration::ZERO);
    responses::answers_of_responses(conn, survey_id, &ids, ids.len(), |index, rows| {
        let started = Instant::now();
        respondents.extend(decoder.decode(municipalities_of[index], &rows));
        decoding += started.elapsed();
        let started = Instant::now();
        std::hint::black_box(reference(instrument, &codebook, municipalities_of[index], &rows));
        as_before += started.elapsed();
    })?;
    times[1] = ms(started.elapsed()) - ms(decoding) - ms(as_before);
    times[2] = ms(decoding);
    times[4] = ms(as_before);
    let started = Instant::now();
    let mut stored = population::of_survey(conn, survey_id)?;
    let margins = municipalities.iter().map(|code| stored.remove(code).unwrap_or_default()).collect();
    times[3] = ms(started.elapsed());
    Ok((respondents, margins, times))
}

/// The stored margins by slot, as `app::results` turns them into what `compute` takes.
fn margins_of(codebook: &Codebook, stored: Margins) -> Vec<Margin> {
    stored
        .0
        .into_iter()
        .filter_map(|(item, counts)| {
            let slot = codebook.slot(&item)?;
            let codes = &codebook.slots[slot].codes;
            let population = codes.iter().map(|code| counts.get(code).copied().unwrap_or(0) as f64).collect();
            Some(Margin { slot, population })
        })
        .collect()
}

/// What seeding made.
struct Seeded {
    survey_id: String,
    answers: u64,
    complete: u64,
    partial: u64,
    break_off: u64,
}

/// Seeds one open survey with `responses` responses and their answers, in one transaction.
fn seed(url: &str, responses: usize, created_by: &str, comments: f64) -> Result<Seeded, Failure> {
    let instrument = trygghet::domain::instrument::default_instrument()?;
    let mut seeding = Seeding::begin(url)?;
    let conn = &mut seeding.conn;
    let mut rng = rand::rng();
    let today = trygghet::domain::survey::swedish_day(chrono::Utc::now());
    let first_day = today - chrono::Days::new(DAYS - 1);

    let survey_id = uuid::Uuid::new_v4().to_string();
    let per_municipality = responses.div_ceil(MUNICIPALITIES.len()) as f64;
    let parts: Vec<(&str, u64)> = MUNICIPALITIES
        .iter()
        .map(|(code, _)| (*code, ((per_municipality / RESPONSE_RATE).ceil() as u64).max(1)))
        .collect();
    support::insert_open_survey(
        conn,
        &survey_id,
        &format!("Trygghetsmätning (resultat, {responses} svar)"),
        &instrument,
        first_day,
        today,
        created_by,
        &parts,
    )?;

    // Responses in key order (their random ids sorted), each with its answers.
    let mut ids: Vec<uuid::Uuid> = (0..responses).map(|_| uuid::Uuid::new_v4()).collect();
    ids.sort_unstable();
    let mut response_rows = Inserter::new(
        "responses (id, survey_id, municipality_code, mode, submitted_on, instrument_version, language, settled, \
         answers)",
    );
    let mut seeded = Seeded { survey_id: survey_id.clone(), answers: 0, complete: 0, partial: 0, break_off: 0 };
    for (chunk, chunk_ids) in ids.chunks(BATCH).enumerate() {
        for (offset, id) in chunk_ids.iter().enumerate() {
            let (code, _) = MUNICIPALITIES[(chunk * BATCH + offset) % MUNICIPALITIES.len()];
            let mode = if rng.random_bool(0.6) { "web" } else { "paper" };
            let on = first_day + chrono::Days::new(rng.random_range(0..DAYS));
            let rows = answers(&instrument, &mut rng, comments);
            let answers = Answers::from_rows(&instrument, rows.clone()).map_err(|error| format!("{error:?}"))?;
            match classify(answers.len(), instrument.applicable_items(&answers)) {
                Completeness::Complete => seeded.complete += 1,
                Completeness::Partial => seeded.partial += 1,
                Completeness::BreakOff => seeded.break_off += 1,
            }
            seeded.answers += rows.len() as u64;
            let stored = encode_answers(&rows).replace('\'', "''");
            response_rows.row(
                conn,
                format_args!(
                    "'{id}','{survey_id}','{code}','{mode}','{on}','{}','sv',TRUE,'{stored}'",
                    instrument.version()
                ),
            )?;
        }
        response_rows.flush(conn)?;
    }
    seeding.commit()?;
    Ok(seeded)
}

/// Seeds in a process of its own (this program with `--seed-into`).
fn seed_apart(url: &str, responses: usize, created_by: &str, comments: f64) -> Result<Seeded, Failure> {
    let output = std::process::Command::new(std::env::current_exe()?)
        .args(["--seed-into", url, "--created-by", created_by])
        .args(["--responses", &responses.to_string(), "--comments", &comments.to_string()])
        .stderr(std::process::Stdio::inherit())
        .output()?;
    if !output.status.success() {
        return Err(format!("seeding failed ({})", output.status).into());
    }
    let text = String::from_utf8(output.stdout)?;
    let fields: Vec<&str> = text.split_whitespace().collect();
    let [survey_id, answers, complete, partial, break_off] = fields[..] else {
        return Err(format!("seeding answered {text:?}").into());
    };
    Ok(Seeded {
        survey_id: survey_id.to_owned(),
        answers: answers.parse()?,
        complete: complete.parse()?,
        partial: partial.parse()?,
        break_off: break_off.parse()?,
    })
}

/// Draws an index with the given relative frequencies.
fn draw(rng: &mut impl Rng, shares: &[f64]) -> usize {
    let mut left = rng.random_range(0.0..shares.iter().sum::<f64>());
    for (index, share) in shares.iter().enumerate() {
        if left < *share {
            return index;
        }
        left -= share;
    }
    shares.len() - 1
}

/// How often each answer code of an item is chosen, in the order of its codes ("don't know" or "never go out alone
/// late" last); `None` where every code is as likely.
fn frequencies(item: &Item, age: usize) -> Option<&'static [f64]> {
    Some(match item.id.as_str() {
        // Problems in the neighbourhood: traffic and litter are the common ones; drugs are often not known about.
        "littering" | "speeding" | "reckless_driving" | "mopeds_on_paths" => &[0.30, 0.35, 0.20, 0.08, 0.07],
        "drug_dealing" | "public_drug_use" => &[0.38, 0.16, 0.08, 0.04, 0.34],
        "graffiti" | "vandalism" | "poor_lighting" | "overgrown_greenery" | "intoxicated_people"
        | "disruptive_youth" | "fights_and_noise" => &[0.45, 0.30, 0.10, 0.04, 0.11],
        "worry_burglary" | "worry_theft" | "worry_vandalism" | "worry_assault" => &[0.35, 0.40, 0.15, 0.05, 0.05],
        // Older residents more often never go out alone late.
        "unsafe_evening" if age >= 5 => &[0.28, 0.32, 0.12, 0.05, 0.23],
        "unsafe_evening" => &[0.42, 0.36, 0.12, 0.04, 0.06],
        "police_care" => &[0.30, 0.36, 0.12, 0.06, 0.16],
        "police_critical" => &[0.06, 0.14, 0.30, 0.30, 0.20],
        "police_visibility" => &[0.08, 0.30, 0.42, 0.20],
        "housing" => &[0.55, 0.12, 0.28, 0.05],
        "municipality_part" => &[0.55, 0.20, 0.25],
        _ => return None,
    })
}

/// The share answering yes to a yes/no item, or to its follow-up.
fn yes_share(item: &Item) -> f64 {
    match item.id.as_str() {
        "victim_violence" => 0.03,
        "victim_threats" => 0.07,
        "victim_theft" => 0.09,
        "victim_property_damage" => 0.08,
        "victim_fraud" => 0.06,
        "refrained_activity" => 0.18,
        "victim_theft_reported" | "victim_fraud_reported" => 0.55,
        id if id.ends_with("_reported") => 0.40,
        _ => 0.2,
    }
}

/// A complete questionnaire: every item that applies, answered; follow-ups only after "yes"; a comment from a
/// `comments` share of respondents.
fn answers(instrument: &Instrument, rng: &mut impl Rng, comments: f64) -> Vec<AnswerRow> {
    let age = draw(rng, &AGE_RESPONDENTS);
    let mut rows = Vec::new();
    let mut yes: Vec<&str> = Vec::new();
    for item in instrument.items() {
        if let Some(condition) = &item.show_if
            && !yes.contains(&condition.item.as_str())
        {
            continue;
        }
        let row = |option_code: Option<String>, number, text| AnswerRow {
            item_id: item.id.clone(),
            position: 0,
            option_code,
            number,
            text,
        };
        let codes = instrument.choice_codes(item).unwrap_or_default();
        match &item.kind {
            ItemKind::Number { min, max, .. } => {
                rows.push(row(None, Some(rng.random_range(*min..=(*max).min(AGE_FROM[age]).max(*min))), None))
            }
            ItemKind::Text { .. } => {
                if rng.random_bool(comments) {
                    rows.push(row(None, None, Some(COMMENT.to_owned())));
                }
            }
            ItemKind::YesNo { .. } => {
                let answer = if rng.random_bool(yes_share(item)) { "yes" } else { "no" };
                if answer == "yes" {
                    yes.push(&item.id);
                }
                rows.push(row(Some(answer.to_owned()), None, None));
            }
            ItemKind::Multiple { options, .. } => {
                // Where residents feel unsafe: at least one place, town centres and stations most often.
                let shares = [0.30, 0.25, 0.20, 0.10, 0.15, 0.05];
                let mut chosen: Vec<usize> =
                    (0..codes.len()).filter(|&index| rng.random_bool(*shares.get(index).unwrap_or(&0.1))).collect();
                if chosen.is_empty() {
                    chosen.push(draw(rng, &shares[..codes.len().min(shares.len())]));
                }
                // An option that rules out the others ("no such place") is only ever chosen alone, as the
                // questionnaire requires of a form.
                let alone =
                    |index: &usize| options.iter().any(|option| option.exclusive && option.code == codes[*index]);
                if chosen.len() > 1 {
                    chosen.retain(|index| !alone(index));
                }
                for (position, index) in chosen.into_iter().enumerate() {
                    rows.push(AnswerRow {
                        position: position as i32,
                        ..row(Some(codes[index].to_owned()), None, None)
                    });
                }
            }
            _ => {
                let index = match item.id.as_str() {
                    "age_band" => age,
                    "gender" => draw(rng, &GENDER_RESPONDENTS),
                    _ => match frequencies(item, age) {
                        Some(shares) if shares.len() == codes.len() => draw(rng, shares),
                        _ => rng.random_range(0..codes.len()),
                    },
                };
                rows.push(row(Some(codes[index].to_owned()), None, None));
            }
        }
    }
    rows
}
