//! `trygghet demo`: a survey that answers itself, so a newcomer can watch the response-rate dashboard move.
//!
//! The demonstration runs the real service and drives it over HTTP exactly as people would: a demo coordinator
//! (created with a fresh password, printed once) creates a survey of Hagfors, Munkfors, Sunne and Torsby through the
//! API, hands out letters and opens it; then simulated residents answer through the questionnaire's pages, the
//! coordinator keys in paper forms and reports letters that came back undeliverable, moved away or refused. The
//! samples are sized so that each municipality ends near its response rate of the published round (48.6 % to
//! 59.2 %, about 300 answers each).

use std::time::Duration;

use rand::Rng;
use rand::seq::SliceRandom;
use serde_json::{Value, json};

use crate::domain::instrument::{Instrument, ItemKind};

/// A municipality of the demonstration: code, name, letters and the response rate it ends at.
const MUNICIPALITIES: [(&str, &str, u32, f64); 4] = [
    ("1783", "Hagfors", 584, 0.52),
    ("1762", "Munkfors", 507, 0.58),
    ("1766", "Sunne", 617, 0.50),
    ("1737", "Torsby", 560, 0.54),
];

/// What becomes of one letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Web,
    Paper,
    /// Started on the web, left after a few pages.
    Started,
    Undeliverable,
    Moved,
    Refused,
    /// Nothing ever comes back.
    Silent,
}

/// One planned event: a letter (its municipality, serial and code) and its outcome.
struct Event {
    municipality: &'static str,
    serial: u32,
    code: String,
    outcome: Outcome,
}

/// The outcomes of a municipality's letters, so that complete answers ÷ (letters − moved) ends at `rate`.
fn plan(letters: u32, rate: f64) -> Vec<Outcome> {
    let share = |part: f64| (f64::from(letters) * part).round() as u32;
    let moved = share(0.02);
    let complete = ((f64::from(letters - moved)) * rate).round() as u32;
    let paper = complete * 2 / 5;
    let mut outcomes = Vec::with_capacity(letters as usize);
    outcomes.extend(std::iter::repeat_n(Outcome::Moved, moved as usize));
    outcomes.extend(std::iter::repeat_n(Outcome::Paper, paper as usize));
    outcomes.extend(std::iter::repeat_n(Outcome::Web, (complete - paper) as usize));
    outcomes.extend(std::iter::repeat_n(Outcome::Undeliverable, share(0.025) as usize));
    outcomes.extend(std::iter::repeat_n(Outcome::Refused, share(0.01) as usize));
    outcomes.extend(std::iter::repeat_n(Outcome::Started, share(0.03) as usize));
    outcomes.resize(letters as usize, Outcome::Silent);
    outcomes
}

/// A client with cookies that does not follow redirects (each step is checked).
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap_or_default()
}

/// The value of a hidden field in a page.
fn hidden(page: &str, name: &str) -> Option<String> {
    let marker = format!(r#"name="{name}" value=""#);
    let start = page.find(&marker)? + marker.len();
    let end = page[start..].find('"')?;
    Some(page[start..start + end].to_owned())
}

type Failure = Box<dyn std::error::Error + Send + Sync>;

/// The demo coordinator's session.
struct Staff {
    client: reqwest::Client,
    base: String,
    csrf: String,
}

impl Staff {
    async fn sign_in(base: &str, email: &str, password: &str) -> Result<Self, Failure> {
        let client = client();
        let page = client.get(format!("{base}/sign-in")).send().await?.text().await?;
        let token = hidden(&page, "csrf_token").ok_or("no sign-in form")?;
        let form = [("email", email), ("password", password), ("csrf_token", &token), ("next", "/admin")];
        let response = client.post(format!("{base}/sign-in")).form(&form).send().await?;
        if response.status() != 303 {
            return Err(format!("signing in answered {}", response.status()).into());
        }
        let page = client.get(format!("{base}/admin")).send().await?.text().await?;
        let csrf = hidden(&page, "csrf_token").ok_or("no session token")?;
        Ok(Self { client, base: base.to_owned(), csrf })
    }

    async fn api(&self, path: &str, body: &Value) -> Result<Value, Failure> {
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .header("x-csrf-token", &self.csrf)
            .json(body)
            .send()
            .await?;
        if !response.status().is_success() {
            return Err(format!("{path} answered {}: {}", response.status(), response.text().await?).into());
        }
        Ok(response.json().await?)
    }

    async fn report(&self, survey: &str, letter: &str, outcome: &str) -> Result<(), Failure> {
        let body = format!("brevnummer;utfall\n{letter};{outcome}\n");
        let response = self
            .client
            .post(format!("{}/api/v1/surveys/{survey}/dispositions", self.base))
            .header("x-csrf-token", &self.csrf)
            .header("content-type", "text/csv")
            .body(body)
            .send()
            .await?;
        if !response.status().is_success() {
            return Err(format!("reporting {letter} answered {}", response.status()).into());
        }
        Ok(())
    }

    async fn paper(
        &self,
        survey: &str,
        municipality: &str,
        letter: &str,
        instrument: &Instrument,
    ) -> Result<(), Failure> {
        let path = format!("{}/admin/surveys/{survey}/paper", self.base);
        let page = self.client.get(&path).send().await?.text().await?;
        let submission = hidden(&page, "submission_id").ok_or("no paper form")?;
        let mut fields = vec![
            ("submission_id".to_owned(), submission),
            ("municipality".to_owned(), municipality.to_owned()),
            ("letter_number".to_owned(), letter.to_owned()),
            ("csrf_token".to_owned(), self.csrf.clone()),
        ];
        for number in 0..instrument.sections().len() {
            fields.extend(answers(instrument, number));
        }
        let response = self.client.post(&path).form(&fields).send().await?;
        if !response.status().is_success() {
            return Err(format!("a paper form answered {}", response.status()).into());
        }
        Ok(())
    }
}

/// Plausible answers to one section: most questions answered, a few skipped, follow-ups where they apply (also the
/// forms of the live benchmark).
pub fn answers(instrument: &Instrument, section: usize) -> Vec<(String, String)> {
    let mut rng = rand::rng();
    let mut fields = Vec::new();
    let mut yes = std::collections::BTreeSet::new();
    for item in &instrument.sections()[section].items {
        if let Some(condition) = &item.show_if
            && !yes.contains(&condition.item)
        {
            continue;
        }
        if rng.random_bool(0.02) {
            continue;
        }
        let field = format!("q.{}", item.id);
        match &item.kind {
            ItemKind::Number { min, max, .. } => {
                fields.push((field, rng.random_range(*min..=(*max).min(40)).to_string()))
            }
            ItemKind::Text { .. } => {
                if rng.random_bool(0.5) {
                    fields.push((field, "Bättre belysning vid busshållplatsen, tack.".to_owned()));
                }
            }
            ItemKind::YesNo { .. } => {
                let answer = if rng.random_bool(0.15) { "yes" } else { "no" };
                if answer == "yes" {
                    yes.insert(item.id.clone());
                }
                fields.push((field, answer.to_owned()));
            }
            ItemKind::Multiple { options, .. } => {
                // A few places, or now and then the option that rules them out ("no such place"), never both.
                let before = fields.len();
                for option in options.iter().filter(|option| !option.exclusive) {
                    if rng.random_bool(0.2) {
                        fields.push((field.clone(), option.code.clone()));
                    }
                }
                if fields.len() == before
                    && let Some(none) = options.iter().find(|option| option.exclusive)
                    && rng.random_bool(0.5)
                {
                    fields.push((field.clone(), none.code.clone()));
                }
            }
            _ => {
                if let Some(codes) = instrument.choice_codes(item) {
                    // Earlier options (fewer problems, feeling safer) are more common, as in real rounds.
                    let index = (rng.random_range(0.0f64..1.0).powi(2) * codes.len() as f64) as usize;
                    fields.push((field, codes[index.min(codes.len() - 1)].to_owned()));
                }
            }
        }
    }
    fields
}

/// A resident answering on the web: `sections` pages (all of them, then submit; or fewer, then leave).
async fn resident(base: &str, code: &str, instrument: &Instrument, submit: bool) -> Result<(), Failure> {
    let client = client();
    let count = instrument.sections().len();
    let pages = if submit { count } else { rand::rng().random_range(1..count) };
    for number in 1..=pages {
        let path = format!("{base}/svara/{code}/del/{number}");
        let page = client.get(&path).send().await?.text().await?;
        let token = hidden(&page, "csrf_token").ok_or("no questionnaire page")?;
        let mut fields = answers(instrument, number - 1);
        fields.push(("csrf_token".to_owned(), token));
        fields.push(("action".to_owned(), "next".to_owned()));
        let response = client.post(&path).form(&fields).send().await?;
        if response.status() != 303 {
            return Err(format!("a page answered {}", response.status()).into());
        }
    }
    if submit {
        let review = client.get(format!("{base}/svara/{code}/granska")).send().await?.text().await?;
        let token = hidden(&review, "csrf_token").ok_or("no review page")?;
        let submission = hidden(&review, "submission_id").ok_or("no submit form")?;
        let form = [("csrf_token", token), ("submission_id", submission)];
        let response = client.post(format!("{base}/svara/{code}/skicka")).form(&form).send().await?;
        if response.status() != 303 {
            return Err(format!("submitting answered {}", response.status()).into());
        }
    }
    Ok(())
}

/// Sets up the demonstration survey as the demo coordinator and returns its id and every letter's planned fate.
async fn set_up(staff: &Staff) -> Result<(String, Vec<Event>), Failure> {
    let today = crate::domain::survey::swedish_day(chrono::Utc::now());
    let body = json!({
        "title": "Trygghetsmätning (demonstration)",
        "opens_on": (today - chrono::Duration::days(1)).to_string(),
        "closes_on": (today + chrono::Duration::days(60)).to_string(),
        "access": "codes",
        "sender": "Polisen och kommunerna i Värmland (demonstration)",
        "contact": { "phone": "114 14", "email": "trygghet@example.se" },
        "municipalities": MUNICIPALITIES.iter().map(|(code, _, letters, rate)| {
            json!({ "code": code, "sample_size": letters, "target_percent": ((rate * 100.0).round() - 2.0) })
        }).collect::<Vec<_>>(),
    });
    let survey = staff.api("/api/v1/surveys", &body).await?;
    let id = survey["id"].as_str().ok_or("no survey id")?.to_owned();
    let mut events = Vec::new();
    for (code, _, letters, rate) in MUNICIPALITIES {
        let path = format!("/api/v1/surveys/{id}/municipalities/{code}/invitations");
        let issued = staff.api(&path, &json!({ "count": letters })).await?;
        let mut outcomes = plan(letters, rate);
        outcomes.shuffle(&mut rand::rng());
        for (index, letter) in issued.as_array().ok_or("no letters")?.iter().enumerate() {
            events.push(Event {
                municipality: code,
                serial: u32::try_from(index + 1).unwrap_or(u32::MAX),
                code: letter["code"].as_str().ok_or("no code")?.to_owned(),
                outcome: outcomes[index],
            });
        }
    }
    staff.api(&format!("/api/v1/surveys/{id}/open"), &json!({})).await?;
    events.retain(|event| event.outcome != Outcome::Silent);
    events.shuffle(&mut rand::rng());
    Ok((id, events))
}

/// Runs the demonstration against the service at `base` until every planned letter has its fate; `pause` is the
/// time between two residents.
pub async fn simulate(base: String, email: String, password: String, instrument: Instrument, pause: Duration) {
    let staff = match Staff::sign_in(&base, &email, &password).await {
        Ok(staff) => staff,
        Err(error) => return tracing::error!(%error, "the demonstration could not sign in"),
    };
    let (survey, events) = match set_up(&staff).await {
        Ok(done) => done,
        Err(error) => return tracing::error!(%error, "the demonstration survey could not be set up"),
    };
    println!("The demonstration survey: {base}/admin/surveys/{survey}/rates (residents start answering now).");
    let total = events.len();
    for (done, event) in events.into_iter().enumerate() {
        tokio::time::sleep(pause).await;
        let letter = format!("{}-{:06}", event.municipality, event.serial);
        let result = match event.outcome {
            Outcome::Web => resident(&base, &event.code, &instrument, true).await,
            Outcome::Started => resident(&base, &event.code, &instrument, false).await,
            Outcome::Paper => staff.paper(&survey, event.municipality, &letter, &instrument).await,
            Outcome::Undeliverable => staff.report(&survey, &letter, "obeställbar").await,
            Outcome::Moved => staff.report(&survey, &letter, "flyttat").await,
            Outcome::Refused => staff.report(&survey, &letter, "avböjt").await,
            Outcome::Silent => Ok(()),
        };
        if let Err(error) = result {
            tracing::warn!(%error, "a simulated resident did not get through");
        }
        if done + 1 == total / 2 {
            // Halfway: the coordinator takes out the reminder lists (the chart marks the day).
            for (code, _, _, _) in MUNICIPALITIES {
                let path = format!("{base}/api/v1/surveys/{survey}/municipalities/{code}/reminders");
                if let Err(error) = staff.client.get(path).send().await {
                    tracing::warn!(%error, "the demonstration could not take out a reminder list");
                }
            }
        }
        if (done + 1) % 100 == 0 {
            println!("Demonstration: {} of {total} letters have their outcome.", done + 1);
        }
    }
    println!("Demonstration: every letter has its outcome; the survey stays open for you to look at.");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_municipality_ends_at_its_published_response_rate() {
        for (_, name, letters, rate) in MUNICIPALITIES {
            let outcomes = plan(letters, rate);
            assert_eq!(outcomes.len(), letters as usize);
            let count = |wanted: Outcome| outcomes.iter().filter(|o| **o == wanted).count() as f64;
            let complete = count(Outcome::Web) + count(Outcome::Paper);
            let final_rate = complete / (f64::from(letters) - count(Outcome::Moved));
            assert!((0.486..=0.592).contains(&final_rate), "{name}: {final_rate}");
            assert!((final_rate - rate).abs() < 0.002, "{name}: {final_rate} vs {rate}");
            assert!((280.0..=320.0).contains(&complete), "{name}: about 300 answers, got {complete}");
        }
    }
}
