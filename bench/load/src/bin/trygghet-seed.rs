//! `trygghet-seed`: prepares a running service for a load run through its API, as a coordinator would: signs in with
//! an existing account (`trygghet admin create`), makes an API token, a survey of one municipality with a sender and
//! a contact, hands out its letters (20,000 a request) and opens it. Writes what `trygghet-load` needs (see
//! `seeded::Seeded`) to `--out`, and with `--paper-forms` a filled-in paper form per letter for oha. The password is
//! read from standard input, as `trygghet admin create` reads it.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use serde_json::{Value, json};
use trygghet_load::page;
use trygghet_load::paper;
use trygghet_load::seeded::{Letter, Seeded};

/// Prepares a survey with its letters for trygghet-load.
#[derive(Parser)]
struct Args {
    /// The service's address, e.g. http://127.0.0.1:18950
    #[arg(long)]
    host: String,
    /// The account to sign in with (its password on standard input).
    #[arg(long)]
    email: String,
    /// How many letters to hand out.
    #[arg(long, default_value_t = 3000)]
    letters: usize,
    /// The survey's municipality.
    #[arg(long, default_value = "1783")]
    municipality: String,
    /// Where to write the seeded state (JSON).
    #[arg(long)]
    out: PathBuf,
    /// Also write one filled-in paper form per letter to this file, a JSON body a line, for a load generator that
    /// sends lines of a file as they are (oha -Z).
    #[arg(long)]
    paper_forms: Option<PathBuf>,
}

/// The most letters the API hands out in one request.
const BATCH: usize = 20_000;

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    match seed(&args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(problem) => {
            eprintln!("trygghet-seed: {problem}");
            ExitCode::FAILURE
        }
    }
}

async fn seed(args: &Args) -> Result<(), String> {
    let started = Instant::now();
    let mut password = String::new();
    std::io::stdin().read_line(&mut password).map_err(|error| format!("reading the password: {error}"))?;
    let host = args.host.trim_end_matches('/');
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(120))
        .build()
        .map_err(|error| error.to_string())?;
    let sign_in = answer(browser.get(format!("{host}/sign-in")), 200).await?;
    let csrf = page::hidden(&sign_in, "csrf_token").ok_or("the sign-in page has no form token")?;
    let form =
        [("email", args.email.as_str()), ("password", password.trim_end_matches(['\r', '\n'])), ("csrf_token", &csrf)];
    answer(browser.post(format!("{host}/sign-in")).form(&form), 303)
        .await
        .map_err(|error| format!("signing in: {error}"))?;
    let me = browser.get(format!("{host}/api/v1/me")).send().await.map_err(|error| error.to_string())?;
    let session_csrf = me
        .headers()
        .get("x-csrf-token")
        .and_then(|value| value.to_str().ok())
        .ok_or("GET /api/v1/me gave no X-CSRF-Token")?
        .to_owned();
    let token = json_of(
        browser
            .post(format!("{host}/api/v1/tokens"))
            .header("x-csrf-token", session_csrf)
            .json(&json!({"name": "load"})),
        201,
    )
    .await?["token"]
        .as_str()
        .ok_or("no token in the answer")?
        .to_owned();
    let api = |request: reqwest::RequestBuilder| request.bearer_auth(&token);
    let today = chrono::Utc::now().date_naive();
    let survey = json_of(
        api(browser.post(format!("{host}/api/v1/surveys"))).json(&json!({
            "title": "Lasttest", "access": "codes",
            "sender": "Polisen och kommunen (lasttest)", "contact": { "phone": "114 14" },
            "opens_on": (today - chrono::Days::new(1)).to_string(),
            "closes_on": (today + chrono::Days::new(30)).to_string(),
            "municipalities": [{ "code": args.municipality, "sample_size": args.letters }],
        })),
        201,
    )
    .await?;
    let id = survey["id"].as_str().ok_or("no survey id")?.to_owned();
    let mut letters = Vec::with_capacity(args.letters);
    while letters.len() < args.letters {
        let count = (args.letters - letters.len()).min(BATCH);
        let path = format!("{host}/api/v1/surveys/{id}/municipalities/{}/invitations", args.municipality);
        let issued = json_of(api(browser.post(path)).json(&json!({ "count": count })), 201).await?;
        for letter in issued.as_array().ok_or("no letters in the answer")? {
            let field = |name: &str| letter[name].as_str().map(str::to_owned).ok_or(format!("a letter without {name}"));
            letters.push(Letter { letter_number: field("letter_number")?, code: field("code")? });
        }
    }
    json_of(api(browser.post(format!("{host}/api/v1/surveys/{id}/open"))).json(&json!({})), 200).await?;
    let (key, version) = (survey["instrument_key"].as_str(), survey["instrument_version"].as_str());
    let (Some(key), Some(version)) = (key, version) else { return Err("the survey names no questionnaire".into()) };
    let instrument = json_of(api(browser.get(format!("{host}/api/v1/instruments/{key}/{version}"))), 200).await?;
    let count = letters.len();
    let seeded = Seeded { survey: id, municipality: args.municipality.clone(), token, instrument, letters };
    seeded.write(&args.out)?;
    if let Some(path) = &args.paper_forms {
        let mut rng = rand::rng();
        let lines: Vec<String> = seeded
            .letters
            .iter()
            .map(|letter| {
                json!({
                    "letter_number": letter.letter_number,
                    "submission_id": paper::submission_id(&mut rng),
                    "answers": paper::answers(&seeded.instrument, &mut rng),
                })
                .to_string()
            })
            .collect();
        std::fs::write(path, lines.join("\n") + "\n").map_err(|error| format!("{}: {error}", path.display()))?;
    }
    println!("seeded survey {} with {count} letters in {:.1} s", seeded.survey, started.elapsed().as_secs_f64());
    Ok(())
}

async fn answer(request: reqwest::RequestBuilder, expect: u16) -> Result<String, String> {
    let response = request.send().await.map_err(|error| error.to_string())?;
    let (status, url) = (response.status().as_u16(), response.url().path().to_owned());
    let body = response.text().await.map_err(|error| error.to_string())?;
    if status != expect {
        let start: String = body.chars().take(400).collect();
        return Err(format!("{url}: {status} instead of {expect}: {start}"));
    }
    Ok(body)
}

async fn json_of(request: reqwest::RequestBuilder, expect: u16) -> Result<Value, String> {
    let body = answer(request, expect).await?;
    serde_json::from_str(&body).map_err(|error| format!("not JSON ({error}): {body}"))
}
