//! Live response rates: counters that follow every change and equal a recount from the raw rows, the rates API and
//! its roles, the dashboard, the event stream, and live events shared by two instances over PostgreSQL.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::Method;
use serde_json::{Value, json};

use crate::answer::{Resident, period, sections, submission_id};
use crate::helpers::{Backend, Browser, TestApp, next_event, spawn_app, spawn_app_with};
use crate::on_both_backends;

/// An open survey in Hagfors (1783) and Munkfors (1762), with `letters` letters in each; returns id and codes.
async fn survey_with_letters(staff: &Browser, letters: usize) -> (String, Vec<String>, Vec<String>) {
    let (opens_on, closes_on) = period();
    let body = json!({ "title": "Trygghetsmätning 2026", "opens_on": opens_on, "closes_on": closes_on, "access": "codes",
        "sender": "Polisen och Hagfors kommun", "contact": { "phone": "0563-185 00" },
        "municipalities": [{ "code": "1783", "sample_size": letters, "target_percent": 55 },
                           { "code": "1762", "sample_size": letters, "target_percent": 50 }] });
    let response = staff.send_json(Method::POST, "/api/v1/surveys", &body).await;
    assert_eq!(response.status(), 201);
    let id = response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let mut codes = Vec::new();
    for municipality in ["1783", "1762"] {
        let path = format!("/api/v1/surveys/{id}/municipalities/{municipality}/invitations");
        let issued: Value =
            staff.send_json(Method::POST, &path, &json!({ "count": letters })).await.json().await.unwrap();
        codes.push(issued.as_array().unwrap().iter().map(|l| l["code"].as_str().unwrap().to_owned()).collect());
    }
    assert_eq!(staff.send_json(Method::POST, &format!("/api/v1/surveys/{id}/open"), &json!({})).await.status(), 200);
    let mut codes = codes.into_iter();
    (id, codes.next().unwrap(), codes.next().unwrap())
}

/// Answers `count` sections (from the first) and submits.
async fn answer_and_submit(app: &TestApp, code: &str, count: usize) {
    let mut resident = Resident::new(app);
    let everything: [(&str, &str); 0] = [];
    for number in 1..=count {
        let fields = fill(number);
        let fields: Vec<(&str, &str)> = fields.iter().map(|(a, b)| (*a, *b)).chain(everything).collect();
        resident.save(code, number, &fields, "next").await;
    }
    let review = resident.get(&format!("/svara/{code}/granska")).await;
    let id = submission_id(&review.body);
    let sent = resident.post(&format!("/svara/{code}/skicka"), &[("submission_id", &id)]).await;
    assert_eq!(sent.location.as_deref(), Some("/tack"), "{}", sent.body);
}

/// Answers to every question of a section of the default questionnaire.
fn fill(number: usize) -> Vec<(&'static str, &'static str)> {
    let instrument = trygghet::domain::instrument::default_instrument().unwrap();
    let section = &instrument.sections()[number - 1];
    section
        .items
        .iter()
        .filter(|item| item.show_if.is_none())
        .map(|item| {
            let id: &'static str = Box::leak(format!("q.{}", item.id).into_boxed_str());
            let value: &'static str = match &item.kind {
                trygghet::domain::instrument::ItemKind::Number { .. } => "5",
                trygghet::domain::instrument::ItemKind::Text { .. } => "Bra.",
                trygghet::domain::instrument::ItemKind::YesNo { .. } => "no",
                _ => Box::leak(instrument.choice_codes(item).unwrap()[0].to_owned().into_boxed_str()),
            };
            (id, value)
        })
        .collect()
}

pub(crate) async fn rates(staff: &Browser, id: &str) -> Value {
    let response = staff.get(&format!("/api/v1/surveys/{id}/rates")).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// Staff report what came back (`POST …/dispositions`, a CSV of letter numbers and outcomes).
async fn import_dispositions(app: &TestApp, staff: &Browser, id: &str, csv: impl Into<String>) -> reqwest::Response {
    let url = format!("{}/api/v1/surveys/{id}/dispositions", app.address);
    let request = staff.client.post(url).header("x-csrf-token", &staff.csrf).header("content-type", "text/csv");
    request.body(csv.into()).send().await.unwrap()
}

async fn rates_if_none_match(app: &TestApp, staff: &Browser, id: &str, etag: &str) -> reqwest::Response {
    let url = format!("{}/api/v1/surveys/{id}/rates", app.address);
    staff.client.get(url).header("if-none-match", etag).send().await.unwrap()
}

pub(crate) fn municipality<'a>(rates: &'a Value, code: &str) -> &'a Value {
    rates["municipalities"].as_array().unwrap().iter().find(|m| m["code"] == code).unwrap()
}

/// The test's own connection to the service's database, through the library.
async fn open_db(app: &TestApp) -> trygghet::db::Db {
    let url = trygghet::config::DatabaseUrl::parse(&app.database.url()).unwrap();
    let metrics = trygghet::metrics::Metrics::new().unwrap();
    let settings = trygghet::db::PoolSettings { max_size: 1, timeout: Duration::from_secs(5) };
    let (db, _) = tokio::task::spawn_blocking(move || trygghet::db::Db::open(&url, settings, metrics.db_errors()))
        .await
        .unwrap()
        .unwrap();
    db
}

/// The rates as a fresh read of the counters gives them (no cache), for a viewer of every municipality.
async fn fresh_rates(db: &trygghet::db::Db, id: &str) -> Value {
    let snapshot = trygghet::app::rates::snapshot(db, id).await.unwrap();
    // Through text, as the served rates come (serde_json's text parser may differ in the last digit of a float).
    serde_json::from_str(&serde_json::to_string(&snapshot.view(|_| true)).unwrap()).unwrap()
}

/// Recounts with the library, as `trygghet reconcile` does, and returns the differences as text.
pub(crate) async fn reconcile(app: &TestApp, fix: bool) -> Vec<String> {
    let db = open_db(app).await;
    let instruments = trygghet::app::instruments::Instruments::new(db.clone()).unwrap();
    let differences = trygghet::app::reconcile::reconcile(&db, &instruments, fix).await.unwrap();
    differences.iter().map(ToString::to_string).collect()
}

async fn counters_follow_a_random_workload_and_equal_the_recount(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let staff = app.staff("samordnare@polisen.se", "coordinator", &["1783", "1762"]).await;
    let (id, hagfors, munkfors) = survey_with_letters(&staff, 12).await;
    let mut rng = StdRng::seed_from_u64(1783);
    let mut codes: Vec<String> = hagfors.iter().chain(&munkfors).cloned().collect();
    let mut expected_submitted = 0;
    let mut paper_serial = 1;
    let db = open_db(&app).await;
    for step in 0..16 {
        // The service answers from memory while the survey's revision is unchanged: after every kind of change it
        // must give exactly what a fresh read of the counters gives.
        let served = rates(&staff, &id).await;
        let fresh = fresh_rates(&db, &id).await;
        assert_eq!(served["municipalities"], fresh["municipalities"], "step {step}");
        assert_eq!(served["total"], fresh["total"], "step {step}");
        let code = codes.remove(rng.random_range(0..codes.len()));
        match step % 5 {
            // Complete, or a break-off (one section of nine), on the web.
            0 => {
                answer_and_submit(&app, &code, sections()).await;
                expected_submitted += 1;
            }
            1 => {
                answer_and_submit(&app, &code, 1).await;
                expected_submitted += 1;
            }
            // Started and left.
            2 => {
                Resident::new(&app).save(&code, 1, &fill(1), "next").await;
                Resident::new(&app).save(&code, 2, &fill(2), "later").await;
            }
            // A paper form, with or without its letter number.
            3 => {
                let path = format!("/admin/surveys/{id}/paper");
                let page = staff.get(&path).await.text().await.unwrap();
                let form = submission_id(&page);
                let letter = format!("1762-{:06}", 12 - paper_serial);
                let with_letter = rng.random_bool(0.5);
                let mut fields = vec![("submission_id", form.as_str()), ("municipality", "1762")];
                if with_letter {
                    fields.push(("letter_number", letter.as_str()));
                }
                let answers = fill(1);
                fields.extend(answers.iter().copied());
                let response = staff.post_form(&path, &fields).await;
                // A letter drawn for the web may have been used already: then the form says so and nothing is stored.
                if response.status() == 200 {
                    expected_submitted += 1;
                }
                paper_serial += 1;
            }
            // Staff report what came back.
            _ => {
                let outcome = ["obeställbar", "flyttat", "avböjt", "avliden"][rng.random_range(0..4)];
                let body = format!("brevnummer;utfall\n1783-{:06};{outcome}\n", rng.random_range(1..=12));
                let response = import_dispositions(&app, &staff, &id, body).await;
                assert!(response.status() == 200 || response.status() == 422, "{}", response.status());
            }
        }
    }
    let counted = rates(&staff, &id).await;
    assert_eq!(counted["municipalities"], fresh_rates(&db, &id).await["municipalities"]);
    assert_eq!(counted["total"]["letters"], 24);
    assert_eq!(counted["total"]["submitted"], expected_submitted);
    let responses: usize = app.query_strings("SELECT COUNT(*) FROM responses")[0].parse().unwrap();
    assert_eq!(responses, expected_submitted);
    assert!(counted["total"]["submitted_break_off"].as_u64().unwrap() >= 1, "one-section answers are break-offs");
    assert!(counted["total"]["started"].as_u64().unwrap() >= 1, "started is not submitted: {counted}");
    assert_eq!(reconcile(&app, false).await, Vec::<String>::new(), "every counter equals its recount");

    // A counter changed behind the service's back is found, and fixed.
    app.database.execute("UPDATE disposition_tallies SET letters = letters + 3 WHERE municipality_code = '1783' AND disposition = 'not_returned'");
    let differences = reconcile(&app, false).await;
    assert_eq!(differences.len(), 1, "{differences:?}");
    assert!(differences[0].contains("1783 letters not_returned"), "{differences:?}");
    assert_eq!(reconcile(&app, true).await.len(), 1);
    assert_eq!(reconcile(&app, false).await, Vec::<String>::new());
    assert_eq!(rates(&staff, &id).await["total"], counted["total"]);
}
on_both_backends!(
    counters_follow_a_random_workload_and_equal_the_recount,
    super::counters_follow_a_random_workload_and_equal_the_recount
);

/// A paper form reads its letter before the survey's write turn; when staff report the letter's outcome in between,
/// the form still completes it, and the counters move from the outcome actually recorded.
async fn a_letter_changed_between_read_and_turn_is_completed_from_its_new_disposition(backend: Backend) {
    use trygghet::db::queries::invitations;
    let Some(app) = spawn_app(backend).await else { return };
    let staff = app.staff("samordnare@polisen.se", "coordinator", &["1783", "1762"]).await;
    let (id, _, _) = survey_with_letters(&staff, 2).await;
    let db = open_db(&app).await;
    let survey = id.clone();
    let stale = db.run(move |conn| invitations::by_serial(conn, &survey, "1783", 1)).await.unwrap().unwrap();
    assert_eq!(stale.disposition.as_str(), "not_returned");
    let response = import_dispositions(&app, &staff, &id, "brevnummer;utfall\n1783-000001;avböjt\n").await;
    assert_eq!(response.status(), 200);

    let completed = db.run(move |conn| invitations::complete_letter(conn, &stale)).await.unwrap();
    assert_eq!(completed, 1, "the letter is completed although it was read as not returned");
    let hagfors = municipality(&fresh_rates(&db, &id).await, "1783").clone();
    assert_eq!((hagfors["refused"].as_u64(), hagfors["not_returned"].as_u64()), (Some(0), Some(1)), "{hagfors}");
    assert_eq!(reconcile(&app, false).await, Vec::<String>::new(), "the counters moved from \"refused\"");
}
on_both_backends!(
    a_letter_changed_between_read_and_turn_is_completed_from_its_new_disposition,
    super::a_letter_changed_between_read_and_turn_is_completed_from_its_new_disposition
);

async fn the_rates_follow_aapor_and_each_viewer_sees_their_own_municipalities(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let staff = app.staff("samordnare@polisen.se", "coordinator", &["1783", "1762"]).await;
    let (id, hagfors, munkfors) = survey_with_letters(&staff, 4).await;
    answer_and_submit(&app, &hagfors[0], sections()).await;
    answer_and_submit(&app, &hagfors[1], sections()).await;
    answer_and_submit(&app, &munkfors[0], sections()).await;
    let response = import_dispositions(&app, &staff, &id, "brevnummer;utfall\n1783-000004;flyttat\n").await;
    assert_eq!(response.status(), 200);

    let all = rates(&staff, &id).await;
    let h = municipality(&all, "1783");
    assert_eq!(
        (h["letters"].as_u64(), h["complete_web"].as_u64(), h["not_eligible"].as_u64()),
        (Some(4), Some(2), Some(1))
    );
    // Svarsfrekvens: 2 complete of 4 letters less 1 moved away; RR1 counts the moved one as nothing (not in E + U).
    let close = |value: &Value, expected: f64| (value.as_f64().unwrap() - expected).abs() < 1e-9;
    assert!(close(&h["rates"]["svarsfrekvens"], 2.0 / 3.0), "{h}");
    assert!(close(&h["rates"]["rr1"], 2.0 / 3.0));
    assert!(close(&all["total"]["rates"]["svarsfrekvens"], 3.0 / 7.0), "{}", all["total"]);
    assert!(all["definitions"].as_array().unwrap().iter().any(|d| d["key"] == "rr1" && d["formula"] == "I / (E + U)"));

    // A script that polls is told "not modified" until something changes.
    let first = staff.get(&format!("/api/v1/surveys/{id}/rates")).await;
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    let again = rates_if_none_match(&app, &staff, &id, &etag).await;
    assert_eq!(again.status(), 304);
    assert!(again.text().await.unwrap().is_empty());

    // A reminder list taken out is a mark on the chart of that day (and in the audit log).
    let path = format!("/api/v1/surveys/{id}/municipalities/1762/reminders");
    assert_eq!(staff.send_json(reqwest::Method::POST, &path, &json!({})).await.status(), 200);
    let with_reminder = rates(&staff, &id).await;
    assert_eq!(with_reminder["reminders"][0]["municipality_code"], "1762", "{with_reminder}");
    let changed = rates_if_none_match(&app, &staff, &id, &etag).await;
    assert_eq!(changed.status(), 200, "a change gives the new numbers");
    let changed_etag = changed.headers()["etag"].to_str().unwrap().to_owned();
    assert_ne!(changed_etag, etag);
    let page = staff.get(&format!("/admin/surveys/{id}/rates")).await.text().await.unwrap();
    assert!(page.contains("Påminnelse Munkfors"), "{}", &page[page.find("rates-lines").unwrap_or(0)..][..3000]);

    // A viewer of Hagfors sees Hagfors, and a total of Hagfors alone.
    let viewer = app.staff("lasare@hagfors.se", "viewer", &["1783"]).await;
    let seen = rates(&viewer, &id).await;
    let codes: Vec<&str> =
        seen["municipalities"].as_array().unwrap().iter().map(|m| m["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["1783"]);
    let viewer_etag = viewer.get(&format!("/api/v1/surveys/{id}/rates")).await.headers()["etag"].clone();
    assert_ne!(viewer_etag.to_str().unwrap(), changed_etag, "another set of municipalities is another body");
    assert_eq!(seen["total"]["submitted"], 2, "the total never includes a municipality the viewer may not see");
    assert_eq!(seen["reminders"], json!([]), "nor its reminders");

    // An answer in a municipality the viewer may not see changes nothing they get: the same ETag, no event.
    let viewer_etag = viewer_etag.to_str().unwrap().to_owned();
    let mut stream = viewer.get(&format!("/api/v1/surveys/{id}/rates/stream")).await.bytes_stream();
    let mut buffer = String::new();
    next_event(&mut stream, &mut buffer, "rates", Duration::from_secs(5)).await.expect("a first event");
    answer_and_submit(&app, &munkfors[1], sections()).await;
    assert_eq!(rates(&staff, &id).await["total"]["submitted"], 4, "the answer is stored");
    assert_eq!(rates_if_none_match(&app, &viewer, &id, &viewer_etag).await.status(), 304);
    let event = next_event(&mut stream, &mut buffer, "rates", Duration::from_secs(2)).await;
    assert_eq!(event, None, "no event for a change the viewer cannot see");
    // One in theirs moves their stream (the pages saved on the way, then the submission).
    answer_and_submit(&app, &hagfors[2], sections()).await;
    let mut submitted = None;
    while let Some(event) = next_event(&mut stream, &mut buffer, "rates", Duration::from_secs(5)).await {
        submitted = serde_json::from_str::<Value>(&event).unwrap()["total"]["submitted"].as_u64();
        if submitted == Some(3) {
            break;
        }
    }
    assert_eq!(submitted, Some(3));
    assert_eq!(rates_if_none_match(&app, &viewer, &id, &viewer_etag).await.status(), 200);

    let page = viewer.get(&format!("/admin/surveys/{id}/rates")).await.text().await.unwrap();
    assert!(page.contains("Hagfors") && !page.contains("Munkfors"));
    assert!(page.contains("<svg") && page.contains("role=\"img\"") && page.contains("Svarsfrekvens"));
    assert!(page.contains("Vad siffrorna betyder"), "the definitions are on the page");
    // Someone of another municipality does not see the survey at all; nobody unsigned does.
    let other = app.staff("lasare@torsby.se", "viewer", &["1737"]).await;
    assert_eq!(other.get(&format!("/api/v1/surveys/{id}/rates")).await.status(), 404);
    assert_eq!(app.get(&format!("/api/v1/surveys/{id}/rates")).await.status(), 401);
    assert_eq!(app.get(&format!("/api/v1/surveys/{id}/rates/stream")).await.status(), 401);
}
on_both_backends!(
    the_rates_follow_aapor_and_each_viewer_sees_their_own_municipalities,
    super::the_rates_follow_aapor_and_each_viewer_sees_their_own_municipalities
);

async fn a_submission_reaches_a_connected_stream_within_a_second(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let staff = app.staff("samordnare@polisen.se", "coordinator", &["1783", "1762"]).await;
    let (id, hagfors, _) = survey_with_letters(&staff, 3).await;
    let script = staff.script().await;
    let response = script.request(Method::GET, &format!("/api/v1/surveys/{id}/rates/stream"), None).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    assert_eq!(response.headers()["x-accel-buffering"], "no", "a proxy passes each event on at once");
    let mut stream = response.bytes_stream();
    let mut buffer = String::new();
    let first = next_event(&mut stream, &mut buffer, "rates", Duration::from_secs(5)).await.expect("a first event");
    assert_eq!(serde_json::from_str::<Value>(&first).unwrap()["total"]["submitted"], 0);

    answer_and_submit(&app, &hagfors[0], 1).await;
    let submitted = Instant::now();
    let mut seen = None;
    while let Some(data) = next_event(&mut stream, &mut buffer, "rates", Duration::from_secs(1)).await {
        let rates: Value = serde_json::from_str(&data).unwrap();
        if rates["total"]["submitted"] == 1 {
            seen = Some(submitted.elapsed());
            break;
        }
    }
    let elapsed = seen.expect("the submission reaches the stream within a second");
    assert!(elapsed < Duration::from_secs(1), "{elapsed:?}");

    // The dashboard's own stream sends the rendered numbers.
    let page = staff.get(&format!("/admin/surveys/{id}/rates/stream")).await;
    assert_eq!(page.status(), 200);
    let mut stream = page.bytes_stream();
    let mut buffer = String::new();
    let html = next_event(&mut stream, &mut buffer, "dashboard", Duration::from_secs(5)).await.unwrap();
    assert!(html.contains("<table") && html.contains("Hagfors"));
}
on_both_backends!(
    a_submission_reaches_a_connected_stream_within_a_second,
    super::a_submission_reaches_a_connected_stream_within_a_second
);

/// Event streams never finish by themselves: a graceful stop ends them instead of waiting its whole timeout for them.
async fn a_graceful_stop_ends_open_streams(backend: Backend) {
    let Some(app) = spawn_app_with(backend, &[("TRYGGHET_SHUTDOWN_TIMEOUT_SECS", "120")]).await else { return };
    let staff = app.staff("samordnare@polisen.se", "coordinator", &["1783", "1762"]).await;
    let (id, _, _) = survey_with_letters(&staff, 2).await;
    let script = staff.script().await;
    let response = script.request(Method::GET, &format!("/api/v1/surveys/{id}/rates/stream"), None).await;
    let mut stream = response.bytes_stream();
    let mut buffer = String::new();
    next_event(&mut stream, &mut buffer, "rates", Duration::from_secs(5)).await.expect("a first event");

    tokio::time::timeout(Duration::from_secs(60), app.stop())
        .await
        .expect("the stop does not wait the shutdown timeout for the open stream");
    let rest =
        tokio::time::timeout(Duration::from_secs(10), async { while let Some(Ok(_)) = stream.next().await {} }).await;
    assert!(rest.is_ok(), "the stream has ended");
}
on_both_backends!(a_graceful_stop_ends_open_streams, super::a_graceful_stop_ends_open_streams);

/// Two instances on one PostgreSQL database: a submission stored by one reaches a stream connected to the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_live_events_through_postgresql() {
    let Some(first) = spawn_app(Backend::Postgres).await else { return };
    let second = crate::helpers::spawn_instance(&first).await;
    let staff = first.staff("samordnare@polisen.se", "coordinator", &["1783", "1762"]).await;
    let (id, hagfors, _) = survey_with_letters(&staff, 3).await;

    let on_second = second.sign_in("samordnare@polisen.se").await;
    let response = on_second.get(&format!("/api/v1/surveys/{id}/rates/stream")).await;
    assert_eq!(response.status(), 200);
    let mut stream = response.bytes_stream();
    let mut buffer = String::new();
    next_event(&mut stream, &mut buffer, "rates", Duration::from_secs(5)).await.expect("a first event");

    answer_and_submit(&first, &hagfors[0], 1).await;
    let submitted = Instant::now();
    let mut seen = false;
    while let Some(data) = next_event(&mut stream, &mut buffer, "rates", Duration::from_secs(1)).await {
        if serde_json::from_str::<Value>(&data).unwrap()["total"]["submitted"] == 1 {
            seen = true;
            break;
        }
    }
    assert!(seen, "the other instance's dashboard moved within a second ({:?})", submitted.elapsed());
    assert!(submitted.elapsed() < Duration::from_secs(1));
}

/// `trygghet demo` drives a real service over HTTP; `trygghet reconcile` then finds every counter equal to its
/// recount, reports a counter changed by hand (exit 1) and repairs it with `--fix`.
async fn the_demo_moves_the_rates_and_reconcile_agrees(backend: Backend) {
    let Some(database) = crate::helpers::TestDatabase::create(backend) else { return };
    let dir = tempfile::tempdir().unwrap();
    let url = database.url();
    let env = [("DATABASE_URL", url.as_str()), ("TRYGGHET_DATA_DIR", ".")];
    let mut server = crate::process::Server::start_with(dir.path(), &env, &["demo", "--pause-ms", "5"]);
    let sign_in = server.wait_for_line("Sign in as the demo coordinator", Duration::from_secs(30));
    let email = sign_in.split_whitespace().find(|word| word.contains('@')).unwrap().to_owned();
    let password = sign_in.split("password: ").nth(1).unwrap().trim().to_owned();
    let dashboard = server.wait_for_line("The demonstration survey:", Duration::from_secs(30));
    let survey = dashboard.split("/surveys/").nth(1).unwrap().split('/').next().unwrap().to_owned();

    let client =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let page = client.get(format!("{}/sign-in", server.address)).send().await.unwrap().text().await.unwrap();
    let token = crate::helpers::hidden_csrf(&page).unwrap();
    let form = [("email", email.as_str()), ("password", password.as_str()), ("csrf_token", &token), ("next", "/admin")];
    let signed_in = client.post(format!("{}/sign-in", server.address)).form(&form).send().await.unwrap();
    assert_eq!(signed_in.status(), 303);
    let deadline = Instant::now() + Duration::from_secs(60);
    let rates = loop {
        let rates: Value = client
            .get(format!("{}/api/v1/surveys/{survey}/rates", server.address))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if rates["total"]["complete_web"].as_u64() > Some(2) && rates["total"]["complete_paper"].as_u64() > Some(2) {
            break rates;
        }
        assert!(Instant::now() < deadline, "the demonstration moves: {rates}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let names: Vec<&str> =
        rates["municipalities"].as_array().unwrap().iter().map(|m| m["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Torsby", "Munkfors", "Sunne", "Hagfors"]);
    assert_eq!(rates["total"]["letters"], 584 + 507 + 617 + 560);
    server.signal("TERM");
    server.wait_for_success(Duration::from_secs(30));

    let run = |args: &[&str]| {
        let output = crate::process::trygghet(dir.path(), &env).args(args).output().unwrap();
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr),
        )
    };
    let (code, output) = run(&["reconcile"]);
    assert_eq!(code, Some(0), "{output}");
    assert!(output.contains("Every counter equals its recount."));
    database.execute("UPDATE disposition_tallies SET letters = letters + 2 WHERE municipality_code = '1766' AND disposition = 'not_returned'");
    let (code, output) = run(&["reconcile"]);
    assert_eq!(code, Some(1), "{output}");
    assert!(output.contains("1766 letters not_returned") && output.contains("reconcile --fix"), "{output}");
    let (code, output) = run(&["reconcile", "--fix"]);
    assert_eq!(code, Some(0), "{output}");
    assert_eq!(run(&["reconcile"]).0, Some(0));
}
on_both_backends!(the_demo_moves_the_rates_and_reconcile_agrees, super::the_demo_moves_the_rates_and_reconcile_agrees);

/// A later import of returned letters says which earlier outcome it replaced (from → to) and what was already so, and
/// never overwrites an answered letter: with one in the file, nothing is recorded.
async fn a_later_import_reports_what_it_replaced_and_never_touches_an_answer(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let staff = app.staff("samordnare@polisen.se", "coordinator", &["1783", "1762"]).await;
    let (id, hagfors, _) = survey_with_letters(&staff, 4).await;
    let first = "brevnummer;utfall\n1783-000001;obeställbar\n1783-000002;avböjt\n";
    let report: Value = import_dispositions(&app, &staff, &id, first).await.json().await.unwrap();
    assert_eq!((report["recorded"].as_u64(), report["unchanged"].as_u64()), (Some(2), Some(0)), "{report}");
    assert_eq!(report["replaced"], json!([]));

    answer_and_submit(&app, &hagfors[2], sections()).await;
    let later = "brevnummer;utfall\n1783-000001;flyttat\n1783-000002;avböjt\n";
    let report: Value = import_dispositions(&app, &staff, &id, later).await.json().await.unwrap();
    assert_eq!((report["recorded"].as_u64(), report["unchanged"].as_u64()), (Some(2), Some(1)), "{report}");
    assert_eq!(
        report["replaced"],
        json!([{ "letter_number": "1783-000001", "from": "undeliverable", "to": "moved_away" }])
    );
    let audit = app.query_strings("SELECT detail FROM audit_events WHERE action = 'dispositions_imported'");
    assert!(audit.iter().any(|detail| detail.contains("moved_away") && detail.contains("1783-000001")), "{audit:?}");

    let over_an_answer = "brevnummer;utfall\n1783-000001;avböjt\n1783-000003;avböjt\n";
    let refused = import_dispositions(&app, &staff, &id, over_an_answer).await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("1783-000003 är redan besvarat"));
    let dispositions = app.query_strings(
        "SELECT disposition FROM invitations WHERE municipality_code = '1783' ORDER BY letter_serial LIMIT 3",
    );
    assert_eq!(dispositions, ["moved_away", "refused", "completed"], "nothing of the refused file was recorded");
    assert_eq!(reconcile(&app, false).await, Vec::<String>::new());
}
on_both_backends!(
    a_later_import_reports_what_it_replaced_and_never_touches_an_answer,
    super::a_later_import_reports_what_it_replaced_and_never_touches_an_answer
);
