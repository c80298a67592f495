//! Benchmark: the exports of a survey with 10,000 and 100,000 stored responses in four municipalities: the
//! open-data CSV (`GET /api/v1/surveys/{id}/responses.csv`, streamed) and the results workbook
//! (`GET /api/v1/surveys/{id}/results.xlsx`). Target: the CSV of 100,000 responses in under 5 s, with the service's
//! memory flat in the number of responses.
//!
//! Each size gets a fresh database, seeded in a process of its own by the results benchmark's seeding
//! (`bench_results --seed-into`, the same responses with comments from 30 % of respondents), then the release
//! service is started in this process, an administrator signs in with an API token, and each export is downloaded
//! `--requests` times after one untimed download: the time to the first byte and to the last, the bytes and rows
//! received, and the most the process's resident memory rose above what it was before a download, the untimed one
//! included (`VmHWM` after resetting it to `VmRSS`).
//!
//! ```sh
//! bench/exports.sh                                                   # SQLite
//! POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres bench/exports.sh   # SQLite, then PostgreSQL
//! ```

#[path = "support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use clap::Parser;
use futures_util::StreamExt;

use support::{BenchDatabase, Failure, Staff, Summary, ms, summarize};

#[derive(Parser)]
#[command(about = "Times the open-data CSV and the results workbook at several numbers of stored responses")]
struct Args {
    /// Numbers of stored responses to measure at, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "10000,100000")]
    responses: Vec<usize>,
    /// A PostgreSQL server on which the benchmark creates, and afterwards drops, its own database
    /// `trygghet_bench_exports_<responses>`. Without it: a SQLite file in a temporary directory.
    #[arg(long)]
    database: Option<String>,
    /// Timed downloads of each export per size.
    #[arg(long, default_value_t = 5)]
    requests: usize,
}

/// One export's downloads at one size.
struct Timed {
    first_byte: Summary,
    total: Summary,
    bytes: usize,
    rows: usize,
    /// The most the resident memory rose during one download, in KiB.
    memory_rise: u64,
}

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let args = Args::parse();
    trygghet::telemetry::init(trygghet::config::LogFormat::Text, "warn,trygghet::app::live=error");
    let backend = if args.database.is_some() { "PostgreSQL" } else { "SQLite" };
    eprintln!("bench_exports: {backend}, {}", support::machine());
    println!("| database | responses | export | bytes | rows | first byte p50 | p50 | max | memory rise |");
    println!("|---|---:|---|---:|---:|---:|---:|---:|---:|");
    for &responses in &args.responses {
        let database = BenchDatabase::create(args.database.as_deref(), &format!("trygghet_bench_exports_{responses}"))?;
        let url = database.url();
        let db = support::open_db(&url, 2).await?;
        support::create_admin(&db).await?;
        let admin = db
            .run(|conn| trygghet::db::queries::users::find_by_email(conn, support::EMAIL))
            .await?
            .ok_or("the benchmark account was not created")?;
        drop(db);
        eprintln!("{responses} responses: seeding {} …", database.backend());
        let survey = seed(&url, responses, &admin.id)?;
        let service = support::Service::start(&url, &[]).await?;
        let staff = Staff::sign_in(&service.base).await?;
        for (name, path) in [("responses.csv", "responses.csv"), ("results.xlsx", "results.xlsx")] {
            let address = format!("{}/api/v1/surveys/{survey}/{path}", staff.base);
            let timed = time_downloads(&staff.token, &address, args.requests).await?;
            println!(
                "| {} | {responses} | `{name}` | {} | {} | {:.0} ms | {:.0} ms | {:.0} ms | {} MB |",
                database.backend(),
                timed.bytes,
                if name.ends_with(".csv") { timed.rows.to_string() } else { String::new() },
                timed.first_byte.p50,
                timed.total.p50,
                timed.total.max,
                timed.memory_rise / 1024,
            );
        }
        service.stop().await;
        database.remove();
    }
    Ok(())
}

/// Seeds the database with the results benchmark's responses; the survey's id.
fn seed(url: &str, responses: usize, created_by: &str) -> Result<String, Failure> {
    let seeder = std::env::current_exe()?.with_file_name("bench_results");
    let output = std::process::Command::new(&seeder)
        .args(["--seed-into", url, "--created-by", created_by])
        .args(["--responses", &responses.to_string(), "--comments", "0.3"])
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|error| {
            format!("{} (build it with cargo build --release --example bench_results): {error}", seeder.display())
        })?;
    if !output.status.success() {
        return Err(format!("seeding failed ({})", output.status).into());
    }
    let text = String::from_utf8(output.stdout)?;
    Ok(text.split_whitespace().next().ok_or("seeding named no survey")?.to_owned())
}

/// Downloads `address` once untimed and `requests` times timed, reading the body as it streams.
async fn time_downloads(token: &str, address: &str, requests: usize) -> Result<Timed, Failure> {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(300)).build()?;
    let (mut first_bytes, mut totals) = (Vec::new(), Vec::new());
    let (mut bytes, mut rows, mut memory_rise) = (0, 0, 0);
    for round in 0..=requests {
        support::reset_peak_memory();
        let before = support::memory("VmRSS:");
        let started = Instant::now();
        let response = client.get(address).bearer_auth(token).send().await?.error_for_status()?;
        let mut body = response.bytes_stream();
        let (mut first, mut received, mut lines) = (None, 0, 0);
        while let Some(chunk) = body.next().await {
            let chunk = chunk?;
            first.get_or_insert_with(|| started.elapsed());
            received += chunk.len();
            lines += chunk.iter().filter(|byte| **byte == b'\n').count();
        }
        let total = started.elapsed();
        // The untimed first download counts here: later ones reuse the memory it left with the allocator.
        memory_rise = memory_rise.max(support::memory("VmHWM:").saturating_sub(before));
        if round == 0 {
            continue;
        }
        first_bytes.push(ms(first.unwrap_or(total)));
        totals.push(ms(total));
        (bytes, rows) = (received, lines.saturating_sub(1));
    }
    Ok(Timed { first_byte: summarize(first_bytes), total: summarize(totals), bytes, rows, memory_rise })
}
