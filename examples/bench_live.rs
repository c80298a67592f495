//! Benchmark: from a stored submission to the dashboards, with 1,000 dashboards open and 200 submissions a second.
//! The target is a p99 under 250 ms.
//!
//! The benchmark starts the release service in this process (its defaults: a worker per core, a pool of 10
//! connections) on a fresh database (SQLite, or PostgreSQL with `--database`), signs in as an administrator, creates
//! an API token and an open survey of four municipalities with enough letters, and opens `--clients` Server-Sent
//! Events streams (`GET /api/v1/surveys/{id}/rates/stream`, as the dashboard's script does). Once every stream has
//! its first event it keys in paper forms (`POST /admin/surveys/{id}/paper`, each naming its letter, with a full
//! set of answers) at `--rate` a second for `--seconds`: an open loop that starts each form on schedule whether or
//! not the earlier ones have been answered.
//!
//! What is measured: the service stores responses one at a time, so when the k-th successful answer to a form
//! arrives, at least k responses are stored. Every stream notes when it first saw `total.submitted >= k` (one event
//! can cover several k: the service coalesces changes). The latency for a stream and k is that moment less the
//! arrival of the k-th answer; it is negative when the dashboard showed the response before the person keying it in
//! got their reply. A stricter figure takes the moment the k-th form was sent instead (no k-th response can have been
//! stored before it); both are reported, over every (stream, k) pair. The service publishes at most one snapshot per
//! survey every 50 ms (`live::PACE`), so even an idle service shows a response 0–50 ms after storing it.
//!
//! Beside the latencies it reports the rate actually stored, forms refused or not sent, how long forms took to be
//! answered, how many events each stream received, the CPU used, and how often the service's database pool was
//! entirely in use (sampled from `/metrics`), which is where dashboard reads wait when writes pile up.
//!
//! ```sh
//! cargo run --release --example bench_live                       # SQLite
//! cargo run --release --example bench_live -- --database postgres://postgres@127.0.0.1:5432/postgres
//! ```
//!
//! Needs about two file descriptors per stream (the client's and the server's socket): `ulimit -n 8192`.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use futures_util::StreamExt;
use rand::Rng;
use serde_json::json;
use tokio::sync::watch;
use trygghet::domain::instrument::Instrument;

use support::{BenchDatabase, Failure, Staff, ms, summarize};

#[derive(Parser)]
#[command(about = "Times how long a stored submission takes to reach 1,000 open dashboards")]
struct Args {
    /// A PostgreSQL server (e.g. postgres://postgres@127.0.0.1:5432/postgres) on which the benchmark creates, and
    /// afterwards drops, its own database `trygghet_bench_live`. Without it: a SQLite file in a temporary directory.
    #[arg(long)]
    database: Option<String>,
    /// Open event streams (dashboards).
    #[arg(long, default_value_t = 1000)]
    clients: usize,
    /// Paper forms keyed in per second.
    #[arg(long, default_value_t = 200.0)]
    rate: f64,
    /// For how long.
    #[arg(long, default_value_t = 30.0)]
    seconds: f64,
    /// The service's database pool (`TRYGGHET_POOL_SIZE`); its default when absent.
    #[arg(long)]
    pool_size: Option<u32>,
    /// Forms in flight at most; a form due while this many are unanswered is not sent (and counted).
    #[arg(long, default_value_t = 1000)]
    max_in_flight: usize,
}

/// The survey's municipalities (Värmland, as in `trygghet demo`).
const MUNICIPALITIES: [&str; 4] = ["1783", "1762", "1766", "1737"];

/// What one event stream saw: each new value of `total.submitted` and when it arrived.
#[derive(Default)]
struct Seen {
    values: Vec<(u64, Instant)>,
    events: u64,
    bytes: u64,
    /// Why the stream ended before it was told to stop, if it did.
    ended: Option<String>,
}

/// One keyed-in form.
struct Submitted {
    sent: Instant,
    arrived: Instant,
    /// The HTTP status, or `None` when no answer came.
    status: Option<u16>,
}

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let args = Args::parse();
    trygghet::telemetry::init(trygghet::config::LogFormat::Text, "warn");
    check_file_limit(args.clients)?;
    let database = BenchDatabase::create(args.database.as_deref(), "trygghet_bench_live")?;
    let url = database.url();
    let backend = database.backend();
    eprintln!("bench_live: {backend}, {}, load average {}", support::machine(), support::load_average());

    let db = support::open_db(&url, 1).await?;
    support::create_admin(&db).await?;
    drop(db);
    let pool_size = args.pool_size.map(|size| size.to_string());
    let settings: Vec<(&str, &str)> = pool_size.iter().map(|size| ("TRYGGHET_POOL_SIZE", size.as_str())).collect();
    let service = support::Service::start(&url, &settings).await?;
    let staff = Staff::sign_in(&service.base).await?;
    let forms = (args.rate * args.seconds).ceil() as usize;
    let survey = create_survey(&staff, forms).await?;
    eprintln!("survey {survey}: open, {forms} letters; connecting {} event streams …", args.clients);

    let (stop, stopped) = watch::channel(false);
    let ready = Arc::new(AtomicUsize::new(0));
    let connecting = Instant::now();
    let stream_url = format!("{}/api/v1/surveys/{survey}/rates/stream", staff.base);
    let sse_client = reqwest::Client::builder().connect_timeout(Duration::from_secs(30)).build()?;
    let streams: Vec<_> = (0..args.clients)
        .map(|_| {
            let request = sse_client.get(&stream_url).bearer_auth(&staff.token);
            tokio::spawn(watch_stream(request, ready.clone(), stopped.clone()))
        })
        .collect();
    while ready.load(Ordering::Relaxed) < args.clients {
        if connecting.elapsed() > Duration::from_secs(120) {
            eprintln!(
                "only {} of {} streams had their first event after 120 s",
                ready.load(Ordering::Relaxed),
                args.clients
            );
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let connected = ready.load(Ordering::Relaxed);
    let connect_time = connecting.elapsed();
    eprintln!(
        "{connected} streams open in {:.1} s; keying in {forms} forms at {}/s …",
        connect_time.as_secs_f64(),
        args.rate
    );

    let cpu_before = support::cpu_time();
    let machine_before = support::machine_cpu();
    let started = Instant::now();
    let (keyed_in, keying) = watch::channel(false);
    let pool = tokio::spawn(sample_pool(format!("{}/metrics", staff.base), keying));
    let (submitted, not_sent) = submit_forms(&args, &staff, &survey, forms).await?;
    let submit_wall = started.elapsed();
    let cpu = support::cpu_time().saturating_sub(cpu_before);
    let machine_after = support::machine_cpu();
    let machine_busy = (machine_after.0 - machine_before.0) as f64 / (machine_after.1 - machine_before.1).max(1) as f64;
    keyed_in.send_replace(true);
    let pool = pool.await?;

    // Let every stream catch up with the last stored response, then stop them.
    let stored = submitted.iter().filter(|s| s.status == Some(200)).count() as u64;
    tokio::time::sleep(Duration::from_secs(5)).await;
    stop.send_replace(true);
    let mut seen = Vec::with_capacity(streams.len());
    for stream in streams {
        seen.push(stream.await?);
    }
    service.stop().await;
    database.remove();

    let run = Run {
        backend,
        connected,
        connect_time,
        submitted,
        not_sent,
        submit_wall,
        cpu,
        machine_busy,
        pool,
        seen,
        stored,
    };
    report(&args, &run);
    Ok(())
}

/// The file descriptors this needs: two sockets per stream (client and server side, both in this process), plus
/// the forms in flight and the database.
fn check_file_limit(clients: usize) -> Result<(), Failure> {
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
    let soft: Option<usize> = limits
        .lines()
        .find(|line| line.starts_with("Max open files"))
        .and_then(|line| line.split_whitespace().nth(3))
        .and_then(|value| value.parse().ok());
    match soft {
        Some(soft) if soft < clients * 2 + 512 => Err(format!(
            "{clients} streams need about {} file descriptors but the limit is {soft}: run `ulimit -n 8192` first",
            clients * 2 + 512
        )
        .into()),
        _ => Ok(()),
    }
}

/// Creates and opens a survey of four municipalities with at least `letters` letters in all.
async fn create_survey(staff: &Staff, letters: usize) -> Result<String, Failure> {
    let today = trygghet::domain::survey::swedish_day(chrono::Utc::now());
    let per_municipality = letters.div_ceil(MUNICIPALITIES.len()) + 1;
    let body = json!({
        "title": "Trygghetsmätning (benchmark, live)",
        "opens_on": (today - chrono::Days::new(1)).to_string(),
        "closes_on": (today + chrono::Days::new(30)).to_string(),
        "access": "codes",
        "sender": "Polisen och kommunerna (benchmark)",
        "contact": { "phone": "114 14" },
        "municipalities": MUNICIPALITIES
            .iter()
            .map(|code| json!({ "code": code, "sample_size": per_municipality, "target_percent": 55 }))
            .collect::<Vec<_>>(),
    });
    let survey = staff.post_json("/api/v1/surveys", &body).await?;
    let id = survey["id"].as_str().ok_or("no survey id")?.to_owned();
    for code in MUNICIPALITIES {
        let mut left = per_municipality;
        while left > 0 {
            let count = left.min(20_000);
            let path = format!("/api/v1/surveys/{id}/municipalities/{code}/invitations");
            staff.post_json(&path, &json!({ "count": count })).await?;
            left -= count;
        }
    }
    staff.post_json(&format!("/api/v1/surveys/{id}/open"), &json!({})).await?;
    Ok(id)
}

/// One dashboard: reads the event stream until told to stop, noting each new `total.submitted` and when it came.
async fn watch_stream(
    request: reqwest::RequestBuilder,
    ready: Arc<AtomicUsize>,
    mut stop: watch::Receiver<bool>,
) -> Seen {
    let mut seen = Seen::default();
    let response = match request.send().await {
        Ok(response) if response.status().is_success() => response,
        Ok(response) => {
            seen.ended = Some(format!("answered {}", response.status()));
            return seen;
        }
        Err(error) => {
            seen.ended = Some(format!("could not connect: {error}"));
            return seen;
        }
    };
    let mut body = response.bytes_stream();
    let mut buffer: Vec<u8> = Vec::with_capacity(16 * 1024);
    let mut event_is_rates = false;
    let mut first = true;
    loop {
        let chunk = tokio::select! {
            chunk = body.next() => chunk,
            _ = stop.wait_for(|stop| *stop) => break,
        };
        let chunk = match chunk {
            Some(Ok(chunk)) => chunk,
            Some(Err(error)) => {
                seen.ended = Some(format!("stream failed: {error}"));
                break;
            }
            None => {
                seen.ended = Some("the service closed the stream".to_owned());
                break;
            }
        };
        let arrived = Instant::now();
        seen.bytes += chunk.len() as u64;
        buffer.extend_from_slice(&chunk);
        // Complete lines only; a partial line waits for the next chunk.
        let mut start = 0;
        while let Some(end) = buffer[start..].iter().position(|&byte| byte == b'\n') {
            let line = &buffer[start..start + end];
            start += end + 1;
            if line.is_empty() {
                event_is_rates = false;
            } else if let Some(name) = line.strip_prefix(b"event:") {
                event_is_rates = name.trim_ascii() == b"rates";
            } else if let Some(data) = line.strip_prefix(b"data:")
                && event_is_rates
                && let Some(submitted) = total_submitted(data)
            {
                seen.events += 1;
                if seen.values.last().is_none_or(|(last, _)| submitted > *last) {
                    seen.values.push((submitted, arrived));
                }
                if first {
                    first = false;
                    ready.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        buffer.drain(..start);
    }
    seen
}

/// `total.submitted` of a rates event, found without parsing the whole document: `total` is its last member.
fn total_submitted(data: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(data).ok()?;
    let total = text.rfind("\"total\":")?;
    let field = total + text[total..].find("\"submitted\":")? + "\"submitted\":".len();
    let digits: String = text[field..].chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Reads the service's pool gauges from `/metrics` every 100 ms until told to stop: (in use, the pool's size).
async fn sample_pool(url: String, mut stop: watch::Receiver<bool>) -> Vec<(u32, u32)> {
    let client = reqwest::Client::new();
    let gauge = |text: &str, state: &str| -> Option<u32> {
        let marker = format!("trygghet_db_pool_connections{{state=\"{state}\"}} ");
        let line = text.lines().find(|line| line.starts_with(&marker))?;
        line[marker.len()..].trim().parse().ok()
    };
    let mut samples = Vec::new();
    let mut ticks = tokio::time::interval(Duration::from_millis(100));
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            _ = stop.wait_for(|stop| *stop) => break,
        }
        if let Ok(response) = client.get(&url).send().await
            && let Ok(text) = response.text().await
            && let (Some(in_use), Some(max)) = (gauge(&text, "in_use"), gauge(&text, "max"))
        {
            samples.push((in_use, max));
        }
    }
    samples
}

/// Keys in `forms` paper forms at `args.rate` a second, each naming its own letter, and notes when each was answered;
/// also how many were not sent because `--max-in-flight` were unanswered.
async fn submit_forms(
    args: &Args,
    staff: &Staff,
    survey: &str,
    forms: usize,
) -> Result<(Vec<Submitted>, usize), Failure> {
    let instrument = Arc::new(trygghet::domain::instrument::default_instrument()?);
    let url = Arc::new(format!("{}/admin/surveys/{survey}/paper", staff.base));
    // A few hundred different sets of answers, drawn from for each form.
    let answer_sets: Arc<Vec<String>> =
        Arc::new((0..256).map(|_| serde_html_form::to_string(answers(&instrument)).unwrap_or_default()).collect());
    let in_flight = Arc::new(AtomicUsize::new(0));
    let mut skipped = 0;
    let mut tasks = Vec::with_capacity(forms);
    let mut ticks = tokio::time::interval(Duration::from_secs_f64(1.0 / args.rate));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    for index in 0..forms {
        ticks.tick().await;
        if in_flight.load(Ordering::Relaxed) >= args.max_in_flight {
            skipped += 1;
            continue;
        }
        let code = MUNICIPALITIES[index % MUNICIPALITIES.len()];
        let letter = format!("{code}-{:06}", index / MUNICIPALITIES.len() + 1);
        let head = serde_html_form::to_string([
            ("csrf_token", staff.csrf.as_str()),
            ("submission_id", &uuid::Uuid::new_v4().to_string()),
            ("municipality", code),
            ("letter_number", &letter),
        ])?;
        let answers = &answer_sets[rand::rng().random_range(0..answer_sets.len())];
        let body = format!("{head}&{answers}");
        let (client, url, in_flight) = (staff.client.clone(), url.clone(), in_flight.clone());
        in_flight.fetch_add(1, Ordering::Relaxed);
        tasks.push(tokio::spawn(async move {
            let sent = Instant::now();
            let response = client
                .post(url.as_str())
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await;
            let arrived = Instant::now();
            let status = match response {
                Ok(response) => {
                    let status = response.status().as_u16();
                    // Read the page it answers with (a blank form for the next one), as a browser would.
                    let _ = response.bytes().await;
                    Some(status)
                }
                Err(_) => None,
            };
            in_flight.fetch_sub(1, Ordering::Relaxed);
            Submitted { sent, arrived, status }
        }));
    }
    let mut submitted = Vec::with_capacity(tasks.len());
    for task in tasks {
        submitted.push(task.await?);
    }
    Ok((submitted, skipped))
}

/// A whole questionnaire of plausible answers, as the demonstration's residents give them.
fn answers(instrument: &Instrument) -> Vec<(String, String)> {
    (0..instrument.sections().len()).flat_map(|section| trygghet::demo::answers(instrument, section)).collect()
}

/// Everything one run measured.
struct Run {
    backend: &'static str,
    connected: usize,
    connect_time: Duration,
    submitted: Vec<Submitted>,
    not_sent: usize,
    submit_wall: Duration,
    /// CPU time of this process (service and clients) while keying in.
    cpu: Duration,
    /// Share of the whole machine's CPU busy while keying in (PostgreSQL included).
    machine_busy: f64,
    /// Samples of the service's database pool: (connections in use, the pool's size).
    pool: Vec<(u32, u32)>,
    seen: Vec<Seen>,
    stored: u64,
}

/// Latencies over every (stream, k) pair, and the table.
fn report(args: &Args, run: &Run) {
    let Run {
        backend,
        connected,
        connect_time,
        submitted,
        not_sent,
        submit_wall,
        cpu,
        machine_busy,
        pool,
        seen,
        stored,
    } = run;
    let (connected, connect_time, submit_wall, cpu, stored) = (*connected, *connect_time, *submit_wall, *cpu, *stored);
    let ok: Vec<&Submitted> = submitted.iter().filter(|s| s.status == Some(200)).collect();
    let mut arrived: Vec<Instant> = ok.iter().map(|s| s.arrived).collect();
    arrived.sort();
    let mut sent: Vec<Instant> = ok.iter().map(|s| s.sent).collect();
    sent.sort();
    let mut from_reply = Vec::with_capacity(seen.len() * ok.len());
    let mut from_send = Vec::with_capacity(seen.len() * ok.len());
    let mut missed = 0u64;
    for stream in seen.iter().filter(|stream| !stream.values.is_empty()) {
        let mut values = stream.values.iter().peekable();
        for k in 1..=ok.len() {
            while values.peek().is_some_and(|(value, _)| *value < k as u64) {
                values.next();
            }
            match values.peek() {
                Some((_, at)) => {
                    from_reply.push(signed_ms(*at, arrived[k - 1]));
                    from_send.push(signed_ms(*at, sent[k - 1]));
                }
                None => missed += 1,
            }
        }
    }
    let reply = summarize(from_reply);
    let send = summarize(from_send);
    let submit = summarize(ok.iter().map(|s| ms(s.arrived - s.sent)).collect());
    let first_sent = submitted.iter().map(|s| s.sent).min();
    let last_arrived = submitted.iter().map(|s| s.arrived).max();
    let span = match (first_sent, last_arrived) {
        (Some(first), Some(last)) => (last - first).as_secs_f64(),
        _ => 0.0,
    };
    let mut statuses = std::collections::BTreeMap::new();
    for s in submitted.iter().filter(|s| s.status != Some(200)) {
        *statuses.entry(s.status.map_or("no answer".to_owned(), |code| code.to_string())).or_insert(0) += 1;
    }
    let ended: Vec<&String> = seen.iter().filter_map(|s| s.ended.as_ref()).collect();
    let events: u64 = seen.iter().map(|s| s.events).sum();
    let bytes: u64 = seen.iter().map(|s| s.bytes).sum();
    let last_seen_everywhere = seen.iter().filter(|s| s.values.last().is_some_and(|(v, _)| *v >= stored)).count();

    println!();
    println!(
        "Submission → dashboard on {backend}: {} streams, paper forms at {}/s for {} s; {}; load average {}",
        args.clients,
        args.rate,
        args.seconds,
        support::machine(),
        support::load_average()
    );
    println!();
    println!("| | |");
    println!("|---|---|");
    println!(
        "| event streams open (first event received) | {connected} of {} in {:.1} s |",
        args.clients,
        connect_time.as_secs_f64()
    );
    println!(
        "| forms due / sent / stored (200) | {} / {} / {} in {:.1} s: {:.0} stored per second |",
        submitted.len() + not_sent,
        submitted.len(),
        ok.len(),
        submit_wall.as_secs_f64(),
        ok.len() as f64 / span.max(f64::EPSILON)
    );
    if *not_sent > 0 {
        println!("| forms not sent (already {} unanswered) | {not_sent} |", args.max_in_flight);
    }
    let errors: Vec<String> = statuses.iter().map(|(status, count)| format!("{count} × {status}")).collect();
    println!("| forms not stored | {} |", if errors.is_empty() { "none".to_owned() } else { errors.join(", ") });
    println!("| form answered in (p50 / p99 / max) | {:.1} / {:.1} / {:.1} ms |", submit.p50, submit.p99, submit.max);
    println!(
        "| **stored → seen** (k-th answer arrived → stream shows ≥ k), p50 / p95 / p99 / max | **{:.1} / {:.1} / {:.1} / {:.1} ms** (min {:.1}) |",
        reply.p50, reply.p95, reply.p99, reply.max, reply.min
    );
    println!(
        "| sent → seen (k-th form sent → stream shows ≥ k), p50 / p95 / p99 / max | {:.1} / {:.1} / {:.1} / {:.1} ms |",
        send.p50, send.p95, send.p99, send.max
    );
    println!("| (stream, k) pairs | {} measured, {missed} never seen |", reply.count);
    println!(
        "| events received | {:.0} per stream ({:.1} per second each; {:.0} KB each) |",
        events as f64 / seen.len().max(1) as f64,
        events as f64 / seen.len().max(1) as f64 / span.max(f64::EPSILON),
        bytes as f64 / events.max(1) as f64 / 1000.0
    );
    println!("| streams that saw the last response | {last_seen_everywhere} of {} |", seen.len());
    println!(
        "| streams ended early | {} |",
        if ended.is_empty() { "none".to_owned() } else { format!("{}: {}", ended.len(), ended[0]) }
    );
    let exhausted = pool.iter().filter(|(in_use, max)| in_use >= max).count();
    println!(
        "| database pool all in use (samples of /metrics every 100 ms) | {:.0} % of {} samples |",
        exhausted as f64 * 100.0 / pool.len().max(1) as f64,
        pool.len()
    );
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    println!(
        "| CPU while keying in | this process (service and clients) {:.0} %, whole machine {:.0} % of {cores} cores |",
        cpu.as_secs_f64() / submit_wall.as_secs_f64() * 100.0 / cores as f64,
        machine_busy * 100.0
    );
}

/// `a − b` in milliseconds, negative when `a` came first.
fn signed_ms(a: Instant, b: Instant) -> f64 {
    if a >= b { ms(a - b) } else { -ms(b - a) }
}
