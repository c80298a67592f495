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
//! What is timed, on the client, one request after the other: `?weights=none`, `?weights=population` (the default)
//! and `?by=age_band` (weighted, every municipality and the total broken down by age band), each `--warmup` times
//! untimed and then `--requests` times. The service runs in this process, so the peak memory while serving is this
//! process's: before each kind of request its peak (`VmHWM`) is reset to the current resident size (`clear_refs`) and
//! read again after the last one.
//!
//! Where the time goes: the endpoint's use case, `trygghet::app::results::results`, keeps its read and its steps to
//! itself, so the benchmark repeats them in-process with the same public functions, each timed on its own: the
//! survey's responses (`responses::of_survey`), their answers in chunks of 1,000 (`responses::answers_of_many`),
//! checking and classing each response and encoding it (`Answers::from_rows`, `classify`, `Codebook::encode`), the
//! margins, then `compute` (unweighted, weighted, by age band), `protect`, and the JSON of the result. Beside them it
//! times a leaner read of the same answers (one query, each row straight into its slot; see `lean_read`), a lower
//! bound of what reading every answer on every request costs.
//!
//! ```sh
//! cargo run --release --example bench_results -- --responses 10000,100000
//! cargo run --release --example bench_results -- --database postgres://postgres@127.0.0.1:5432/postgres
//! ```

mod support;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use clap::Parser;
use rand::Rng;
use trygghet::db::DbConnection;
use trygghet::domain::aapor::{Completeness, classify};
use trygghet::domain::instrument::{AnswerRow, Answers, Instrument, Item, ItemKind};
use trygghet::domain::population::Margins;
use trygghet::domain::results::codebook::{Codebook, Kind, Respondent};
use trygghet::domain::results::compute::{Margin, Request, Results, compute};
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
    /// Rounds of the in-process steps (read, classify, compute, protect, JSON), after one untimed round.
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
    /// Respondents the results count in total.
    shown: u64,
    seeding: Duration,
    size: u64,
    /// Per kind of request: its timings, failed requests, body size, resident size before and peak while serving.
    http: Vec<(&'static str, Summary, usize, usize, u64, u64)>,
    steps: Steps,
}

/// The in-process steps behind one request, each a summary over the rounds (ms).
struct Steps {
    responses: Summary,
    answers: Summary,
    decode: Summary,
    margins: Summary,
    read: Summary,
    /// A leaner read of every answer (see [`lean_read`]).
    lean: Summary,
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
        "GET /api/v1/surveys/{{id}}/results on {backend}, {} sequential requests of each kind after {} warm-up; {}; \
         load average {}",
        args.requests,
        args.warmup,
        support::machine(),
        support::load_average()
    );
    println!();
    println!(
        "| responses | answers | complete or partial | counted in results | seeded in | database | request | p50 | p95 \
         | max | errors | body | RSS before | peak RSS |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|");
    for r in results {
        for (name, summary, errors, body, before, peak) in &r.http {
            println!(
                "| {} | {} | {} | {} | {:.0} s | {} MB | `{name}` | {:.0} ms | {:.0} ms | {:.0} ms | {errors} | {} KB | {} MB \
                 | {} MB |",
                r.responses,
                r.answers,
                r.counted,
                r.shown,
                r.seeding.as_secs_f64(),
                r.size / 1_000_000,
                summary.p50,
                summary.p95,
                summary.max,
                body / 1000,
                before / 1024,
                peak / 1024,
            );
        }
    }
    println!();
    println!(
        "Where the time goes: the steps of one request repeated in-process, p50 of {} rounds (read = responses + \
         answers + check/class/encode + margins, in one Db::run)",
        args.rounds
    );
    println!();
    println!(
        "| responses | responses read | answers read | check, class, encode | margins | **read** | compute none | \
         compute population | compute by age_band | protect | JSON | leaner read |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in results {
        let s = &r.steps;
        println!(
            "| {} | {:.0} ms | {:.0} ms | {:.0} ms | {:.1} ms | **{:.0} ms** | {:.0} ms | {:.0} ms | {:.0} ms | {:.1} ms \
             | {:.1} ms | {:.0} ms |",
            r.responses,
            s.responses.p50,
            s.answers.p50,
            s.decode.p50,
            s.margins.p50,
            s.read.p50,
            s.compute_none.p50,
            s.compute_population.p50,
            s.compute_by.p50,
            s.protect.p50,
            s.json.p50,
            s.lean.p50,
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
    store_margins(&staff, &seeded.survey_id).await?;
    let shown = check_results(&staff, &seeded.survey_id).await?;
    if shown != counted {
        eprintln!(
            "{responses} responses: WARNING: the results count {shown} respondents, but {counted} of the seeded \
             responses are complete or partial"
        );
    }
    let mut http = Vec::new();
    for (name, query) in QUERIES {
        eprintln!("{responses} responses: timing {name} …");
        let url = format!("{}/api/v1/surveys/{}/results{query}", staff.base, seeded.survey_id);
        let (summary, errors, body, before, peak) = time_requests(args, &staff.token, &url).await?;
        eprintln!(
            "{responses} responses: {name}: p50 {:.0} ms, p95 {:.0} ms, max {:.0} ms; peak RSS {} MB",
            summary.p50,
            summary.p95,
            summary.max,
            peak / 1024
        );
        http.push((name, summary, errors, body, before, peak));
    }
    service.stop().await;

    let db = support::open_db(&url, 2).await?;
    let steps = measure_steps(args, &db, &seeded.survey_id).await?;
    eprintln!(
        "{responses} responses: in-process read p50 {:.0} ms (responses {:.0}, answers {:.0}, check/class/encode \
         {:.0}), compute {:.0} / {:.0} / {:.0} ms",
        steps.read.p50,
        steps.responses.p50,
        steps.answers.p50,
        steps.decode.p50,
        steps.compute_none.p50,
        steps.compute_population.p50,
        steps.compute_by.p50
    );
    drop(db);
    database.remove();
    Ok(Measured { responses, answers: seeded.answers, counted, shown, seeding, size, http, steps })
}

/// Stores every municipality's population margins through the API, as a coordinator's script would.
async fn store_margins(staff: &Staff, survey_id: &str) -> Result<(), Failure> {
    let client = reqwest::Client::new();
    for (code, _) in MUNICIPALITIES {
        let url = format!("{}/api/v1/surveys/{survey_id}/municipalities/{code}/population", staff.base);
        let body = serde_json::json!({ "margins": margins(code)?.0 });
        let response = client.put(&url).bearer_auth(&staff.token).json(&body).send().await?;
        if !response.status().is_success() {
            return Err(format!(
                "storing the margins of {code} answered {}: {}",
                response.status(),
                response.text().await?
            )
            .into());
        }
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

/// Times GET `url` with the API token, one request after the other: the percentiles, the number of failed requests,
/// the size of the last body, and this process's resident size before and its peak while serving (KiB).
async fn time_requests(args: &Args, token: &str, url: &str) -> Result<(Summary, usize, usize, u64, u64), Failure> {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(120)).build()?;
    reset_peak_memory();
    let before = memory("VmRSS:");
    let mut body_bytes = 0;
    for _ in 0..args.warmup {
        body_bytes = client.get(url).bearer_auth(token).send().await?.error_for_status()?.bytes().await?.len();
    }
    let mut samples = Vec::with_capacity(args.requests);
    let mut errors = 0;
    for _ in 0..args.requests {
        let start = Instant::now();
        match client.get(url).bearer_auth(token).send().await {
            Ok(response) => {
                let ok = response.status().is_success();
                let body = response.bytes().await;
                samples.push(ms(start.elapsed()));
                match body {
                    Ok(body) if ok => body_bytes = body.len(),
                    _ => errors += 1,
                }
            }
            Err(_) => errors += 1,
        }
    }
    Ok((summarize(samples), errors, body_bytes, before, memory("VmHWM:")))
}

/// A line of /proc/self/status in KiB (`VmRSS:` now, `VmHWM:` the peak).
fn memory(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|line| line.starts_with(field))?.to_owned();
            line.split_whitespace().nth(1)?.parse().ok()
        })
        .unwrap_or(0)
}

/// Resets this process's peak resident size (`VmHWM`) to its current one (Linux 4.0 and later).
fn reset_peak_memory() {
    if std::fs::write("/proc/self/clear_refs", "5").is_err() {
        eprintln!("(the peak resident size cannot be reset here: it is the process's since it started)");
    }
}

/// Times the steps of one request in-process, each on its own, as `app::results` takes them: one call to the
/// database that reads every response of the survey, their answers in chunks of 1,000, classes and encodes them
/// and reads the margins; then computing the figures, protecting small groups, and writing the JSON.
async fn measure_steps(args: &Args, db: &trygghet::db::Db, survey_id: &str) -> Result<Steps, Failure> {
    let instrument = std::sync::Arc::new(trygghet::domain::instrument::default_instrument()?);
    let codebook = Codebook::new(&instrument);
    let by = codebook.slot("age_band").ok_or("no age_band in the questionnaire")?;
    let codes: Vec<String> = MUNICIPALITIES.iter().map(|(code, _)| (*code).to_owned()).collect();
    let mut times: Vec<[f64; 11]> = Vec::new();
    for round in 0..=args.rounds {
        let (survey, codes_read, instrument_read, book) =
            (survey_id.to_owned(), codes.clone(), instrument.clone(), codebook.clone());
        let started = Instant::now();
        let (respondents, margins, read) =
            db.run(move |conn| read_respondents(conn, &survey, &codes_read, &instrument_read, &book)).await?;
        let read_total = ms(started.elapsed());
        let (survey, book) = (survey_id.to_owned(), codebook.clone());
        let started = Instant::now();
        let (lean_respondents, _) = db.run(move |conn| lean_read(conn, &survey, &book)).await?;
        let lean_ms = ms(started.elapsed());
        if lean_respondents != respondents.len() {
            eprintln!("(the leaner read found {lean_respondents} respondents, the read {})", respondents.len());
        }
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
                lean_ms,
            ]);
        }
    }
    let column = |index: usize| summarize(times.iter().map(|round| round[index]).collect());
    Ok(Steps {
        responses: column(0),
        answers: column(1),
        decode: column(2),
        margins: column(3),
        read: column(4),
        compute_none: column(5),
        compute_population: column(6),
        compute_by: column(7),
        protect: column(8),
        json: column(9),
        lean: column(10),
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

type Read = (Vec<Respondent>, Vec<Margins>, [f64; 4]);

/// The read of `app::results` with the same queries and steps, each timed (ms): the survey's responses, their
/// answers in chunks of 1,000, checking, classing and encoding them, and the municipalities' margins.
fn read_respondents(
    conn: &mut DbConnection,
    survey_id: &str,
    municipalities: &[String],
    instrument: &Instrument,
    codebook: &Codebook,
) -> diesel::QueryResult<Read> {
    use trygghet::db::queries::{population, responses};
    let mut times = [0.0; 4];
    let started = Instant::now();
    let all = responses::of_survey(conn, survey_id)?;
    let counted: Vec<(String, usize)> = all
        .into_iter()
        .filter_map(|response| {
            let index = municipalities.iter().position(|code| *code == response.municipality_code)?;
            Some((response.id, index))
        })
        .collect();
    times[0] = ms(started.elapsed());
    let mut respondents = Vec::with_capacity(counted.len());
    for chunk in counted.chunks(1000) {
        let ids: Vec<String> = chunk.iter().map(|(id, _)| id.clone()).collect();
        let started = Instant::now();
        let stored = responses::answers_of_many(conn, &ids)?;
        times[1] += ms(started.elapsed());
        let started = Instant::now();
        let mut rows: HashMap<String, Vec<AnswerRow>> = HashMap::new();
        for row in stored {
            rows.entry(row.response_id).or_default().push(AnswerRow {
                item_id: row.item_id,
                position: row.position,
                option_code: row.option_code,
                number: row.number_value,
                text: row.text_value,
            });
        }
        for (id, municipality) in chunk {
            let answers = Answers::from_rows(instrument, rows.remove(id).unwrap_or_default()).unwrap_or_default();
            if classify(answers.len(), instrument.applicable_items(&answers)) != Completeness::BreakOff {
                respondents.push(codebook.encode(*municipality, &answers));
            }
        }
        times[2] += ms(started.elapsed());
    }
    let started = Instant::now();
    let margins = municipalities
        .iter()
        .map(|code| population::of_municipality(conn, survey_id, code))
        .collect::<diesel::QueryResult<Vec<_>>>()?;
    times[3] = ms(started.elapsed());
    Ok((respondents, margins, times))
}

/// One answer row as the leaner read takes it: only what the figures use.
#[derive(diesel::QueryableByName)]
struct LeanRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    response_id: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    item_id: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    option_code: Option<String>,
}

/// A leaner read of every answer, for comparison: one query for all the survey's answers (the columns the figures
/// use, no free text), each row mapped straight into its respondent's slot by lookups built once, instead of queries
/// of 500 ids, every row grouped by its response and each response checked against the questionnaire. It neither
/// checks nor classes, so it bounds from below what reading every answer on every request can cost through diesel.
/// The number of respondents and of rows read.
fn lean_read(conn: &mut DbConnection, survey_id: &str, codebook: &Codebook) -> diesel::QueryResult<(usize, usize)> {
    use diesel::RunQueryDsl;
    use diesel::connection::DefaultLoadingMode;
    use diesel::sql_types::Text;
    let slots: HashMap<&str, usize> =
        codebook.slots.iter().enumerate().map(|(index, slot)| (slot.id.as_str(), index)).collect();
    let codes: Vec<HashMap<&str, u32>> = codebook
        .slots
        .iter()
        .map(|slot| slot.codes.iter().zip(0..).map(|(code, index)| (code.as_str(), index)).collect())
        .collect();
    let multiple: Vec<bool> = codebook.slots.iter().map(|slot| slot.kind == Kind::Multiple).collect();
    let mut respondents: HashMap<String, Vec<u32>> = HashMap::new();
    let mut count = 0;
    let mut take = |row: LeanRow| {
        count += 1;
        let (Some(&slot), Some(option)) = (slots.get(row.item_id.as_str()), &row.option_code) else { return };
        let Some(&code) = codes[slot].get(option.as_str()) else { return };
        let values = respondents.entry(row.response_id).or_insert_with(|| vec![0; slots.len()]);
        if multiple[slot] {
            values[slot] |= 1 << code;
        } else {
            values[slot] = code + 1;
        }
    };
    let sql = |parameter: &str| {
        format!(
            "SELECT a.response_id, a.item_id, a.option_code FROM answers a JOIN responses r ON r.id = a.response_id \
             WHERE r.survey_id = {parameter}"
        )
    };
    match conn {
        DbConnection::Sqlite(conn) => {
            for row in
                diesel::sql_query(sql("?")).bind::<Text, _>(survey_id).load_iter::<LeanRow, DefaultLoadingMode>(conn)?
            {
                take(row?);
            }
        }
        DbConnection::Postgres(conn) => {
            for row in diesel::sql_query(sql("$1"))
                .bind::<Text, _>(survey_id)
                .load_iter::<LeanRow, DefaultLoadingMode>(conn)?
            {
                take(row?);
            }
        }
    }
    Ok((respondents.len(), count))
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

    // Responses in key order (their random ids sorted), each followed by its answers.
    let mut ids: Vec<uuid::Uuid> = (0..responses).map(|_| uuid::Uuid::new_v4()).collect();
    ids.sort_unstable();
    let mut response_rows = Inserter::new(
        "responses (id, survey_id, municipality_code, mode, submitted_on, instrument_version, language, settled)",
    );
    let mut answer_rows =
        Inserter::new("answers (response_id, item_id, position, option_code, number_value, text_value)");
    let mut seeded = Seeded { survey_id: survey_id.clone(), answers: 0, complete: 0, partial: 0, break_off: 0 };
    for (chunk, chunk_ids) in ids.chunks(BATCH).enumerate() {
        let mut chunk_answers = Vec::with_capacity(chunk_ids.len());
        for (offset, id) in chunk_ids.iter().enumerate() {
            let (code, _) = MUNICIPALITIES[(chunk * BATCH + offset) % MUNICIPALITIES.len()];
            let mode = if rng.random_bool(0.6) { "web" } else { "paper" };
            let on = first_day + chrono::Days::new(rng.random_range(0..DAYS));
            response_rows.row(
                conn,
                format_args!("'{id}','{survey_id}','{code}','{mode}','{on}','{}','sv',TRUE", instrument.version()),
            )?;
            let rows = answers(&instrument, &mut rng, comments);
            let answers = Answers::from_rows(&instrument, rows.clone()).map_err(|error| format!("{error:?}"))?;
            match classify(answers.len(), instrument.applicable_items(&answers)) {
                Completeness::Complete => seeded.complete += 1,
                Completeness::Partial => seeded.partial += 1,
                Completeness::BreakOff => seeded.break_off += 1,
            }
            chunk_answers.push((id, rows));
        }
        // The answers refer to their responses: those go first.
        response_rows.flush(conn)?;
        for (id, rows) in chunk_answers {
            for row in rows {
                seeded.answers += 1;
                let (item, position) = (&row.item_id, row.position);
                match (&row.option_code, row.number, &row.text) {
                    (Some(option), _, _) => {
                        answer_rows.row(conn, format_args!("'{id}','{item}',{position},'{option}',NULL,NULL"))?
                    }
                    (None, Some(number), _) => {
                        answer_rows.row(conn, format_args!("'{id}','{item}',{position},NULL,{number},NULL"))?
                    }
                    (None, None, Some(text)) => answer_rows.row(
                        conn,
                        format_args!("'{id}','{item}',{position},NULL,NULL,'{}'", text.replace('\'', "''")),
                    )?,
                    (None, None, None) => return Err(format!("an empty answer to {item} was generated").into()),
                }
            }
        }
        answer_rows.flush(conn)?;
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
            ItemKind::Multiple { .. } => {
                // Where residents feel unsafe: at least one place, town centres and stations most often.
                let shares = [0.30, 0.25, 0.20, 0.10, 0.15, 0.05];
                let mut chosen: Vec<usize> =
                    (0..codes.len()).filter(|&index| rng.random_bool(*shares.get(index).unwrap_or(&0.1))).collect();
                if chosen.is_empty() {
                    chosen.push(draw(rng, &shares[..codes.len().min(shares.len())]));
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
