//! Anonymity against whoever holds a copy of the database: drafts that neither read nor join a letter, nothing of a
//! submitted draft left in the files, settled responses that share nothing with their letters, and a paper form that
//! takes its letter's draft out of the counts.

use crate::answer::{Resident, count, open_survey, submission_id};
use crate::helpers::{Backend, TestApp, TestDatabase, spawn_app};
use crate::on_both_backends;

/// A comment nobody else writes, to look for in the database.
const COMMENT: &str = "Ljusstolpen vid Kvarnbackens lekplats är trasig sedan maj";

/// Saves part 1 and the comment of part 9 under `code` and leaves for later.
async fn save_draft(app: &TestApp, code: &str, comment: &str) -> Resident {
    let mut resident = Resident::new(app);
    resident.save(code, 1, &[("q.littering", "fairly_big")], "next").await;
    let later = resident.save(code, 9, &[("q.comment", comment)], "later").await;
    assert_eq!(later.location.as_deref(), Some(format!("/svara/{code}/sparat").as_str()));
    resident
}

/// Every column of every row of `table`, as text, for looking through as an attacker would.
fn dump(app: &TestApp, table: &str, columns: &[&str]) -> String {
    columns
        .iter()
        .flat_map(|column| app.query_strings(&format!("SELECT {column} FROM {table}")))
        .collect::<Vec<_>>()
        .join("\n")
}

const DRAFT_COLUMNS: [&str; 6] =
    ["key_hash", "survey_id", "municipality_code", "reached_section", "updated_on", "sealed"];

async fn a_draft_is_sealed_and_joins_no_letter(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let staff = app.staff("samordnare@hagfors.se", "coordinator", &["1783", "1762"]).await;
    let (_, codes) = open_survey(&staff, 3, "codes").await;
    let mut resident = save_draft(&app, &codes[1], COMMENT).await;
    let review = resident.get(&format!("/svara/{}/granska", codes[1])).await;
    let submission = submission_id(&review.body);

    // What a copy of the database holds: a draft keyed by nothing stored elsewhere, its contents unreadable.
    assert_eq!(count(&app, "SELECT COUNT(*) FROM drafts"), 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM drafts d JOIN invitations i ON i.code_hash = d.key_hash"), 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM drafts d JOIN spent_resume_codes s ON s.code_hash = d.key_hash"), 0);
    let stored = dump(&app, "drafts", &DRAFT_COLUMNS);
    for secret in [COMMENT, "Kvarnback", "fairly_big", "littering", &submission, "\"sv\"", &codes[1]] {
        assert!(!stored.contains(secret), "{secret:?} is readable in the draft");
    }
    let hashes = app.query_strings("SELECT code_hash FROM invitations");
    assert!(hashes.iter().all(|hash| !stored.contains(hash.as_str())), "no letter's hash is in the draft");

    // The code opens it on another device, as it was.
    let mut other = Resident::new(&app);
    let page = other.get(&format!("/svara/{}/del/9", codes[1])).await;
    assert!(page.body.contains(COMMENT), "the resident's comment is back");
    let first = other.get(&format!("/svara/{}/del/1", codes[1])).await;
    assert!(first.body.contains(r#"name="q.littering" value="fairly_big" checked"#));
    let review = other.get(&format!("/svara/{}/granska", codes[1])).await;
    assert_eq!(submission_id(&review.body), submission, "the same form id wherever it is submitted from");
    // Another code opens nothing of it.
    let page = other.get(&format!("/svara/{}/del/9", codes[0])).await;
    assert!(!page.body.contains(COMMENT));

    // The language switch keeps the draft sealed.
    let english = other.get(&format!("/svara/{}/del/9?lang=en", codes[1])).await;
    assert!(english.body.contains(r#"<html lang="en""#));
    let stored = dump(&app, "drafts", &DRAFT_COLUMNS);
    assert!(!stored.contains(COMMENT) && !stored.contains("\"en\""));
    let welcome = Resident::new(&app).get(&format!("/svara/{}", codes[1])).await;
    assert!(welcome.body.contains(r#"<html lang="en""#), "the language is kept in the sealed draft");
    let review = other.get(&format!("/svara/{}/granska", codes[1])).await;
    assert_eq!(submission_id(&review.body), submission);

    let sent = other.post(&format!("/svara/{}/skicka", codes[1]), &[("submission_id", &submission)]).await;
    assert_eq!(sent.location.as_deref(), Some("/tack"));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM drafts"), 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM responses"), 1);
}
on_both_backends!(a_draft_is_sealed_and_joins_no_letter, super::a_draft_is_sealed_and_joins_no_letter);

/// A draft saved before drafts were sealed (under the letter's own hash, in plain text) is sealed and moved the next
/// time its code is typed, and kept as it was until then.
async fn a_draft_saved_before_sealing_is_sealed_when_its_code_returns(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let staff = app.staff("samordnare@hagfors.se", "coordinator", &["1783", "1762"]).await;
    let (id, codes) = open_survey(&staff, 2, "codes").await;
    let answers = serde_json::json!({ "littering": ["fairly_big"], "comment": [COMMENT] }).to_string();
    app.database.execute(&format!(
        "INSERT INTO legacy_drafts (key_hash, survey_id, municipality_code, language, answers, reached_section, \
         submission_id, updated_on) SELECT code_hash, survey_id, municipality_code, 'sv', '{answers}', 9, \
         '6f1c1d0e-0a4b-4c55-9a1e-2b7d4f0f3a11', '2026-05-04' FROM invitations WHERE letter_serial = 2"
    ));
    // Counted like any draft while it waits.
    app.database.execute(&format!(
        "INSERT INTO progress_tallies (survey_id, municipality_code, section, drafts) VALUES ('{id}', '1783', 9, 1)"
    ));

    let mut resident = Resident::new(&app);
    let entered = resident.post("/svara", &[("code", &codes[1])]).await;
    let welcome = resident.get(entered.location.as_deref().unwrap()).await;
    assert!(welcome.body.contains("Välkommen tillbaka"));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM legacy_drafts"), 0, "nothing left in plain text");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM drafts d JOIN invitations i ON i.code_hash = d.key_hash"), 0);
    assert!(!dump(&app, "drafts", &DRAFT_COLUMNS).contains(COMMENT));
    assert_eq!(app.query_strings("SELECT reached_section FROM drafts"), ["9"]);
    let page = resident.get(&format!("/svara/{}/del/9", codes[1])).await;
    assert!(page.body.contains(COMMENT), "the answers typed before are kept");
    let review = resident.get(&format!("/svara/{}/granska", codes[1])).await;
    assert_eq!(submission_id(&review.body), "6f1c1d0e-0a4b-4c55-9a1e-2b7d4f0f3a11");
    let sent =
        resident.post(&format!("/svara/{}/skicka", codes[1]), &[("submission_id", &submission_id(&review.body))]).await;
    assert_eq!(sent.location.as_deref(), Some("/tack"));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM drafts"), 0);
    assert_eq!(count(&app, "SELECT COALESCE(SUM(drafts), 0) FROM progress_tallies"), 0);
}
on_both_backends!(
    a_draft_saved_before_sealing_is_sealed_when_its_code_returns,
    super::a_draft_saved_before_sealing_is_sealed_when_its_code_returns
);

/// Staff key in a paper form for letter `number` with one answer.
async fn enter_paper(staff: &crate::helpers::Browser, id: &str, number: &str) {
    let path = format!("/admin/surveys/{id}/paper");
    let page = staff.get(&path).await.text().await.unwrap();
    let form = submission_id(&page);
    let fields = [
        ("submission_id", form.as_str()),
        ("municipality", "1783"),
        ("letter_number", number),
        ("q.littering", "very_big"),
    ];
    let response = staff.post_form(&path, &fields).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
}

/// A resident saves a draft on the web, then their paper form is keyed in: the letter is answered, its draft counted
/// nowhere, and deleted as soon as the code is typed again.
async fn a_paper_form_takes_its_letters_draft_out_of_the_counts(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let staff = app.staff("samordnare@hagfors.se", "coordinator", &["1783", "1762"]).await;
    let (id, codes) = open_survey(&staff, 2, "codes").await;
    save_draft(&app, &codes[0], COMMENT).await;
    save_draft(&app, &codes[1], "Något annat").await;
    let hagfors = crate::rates::rates(&staff, &id).await;
    let hagfors = crate::rates::municipality(&hagfors, "1783");
    assert_eq!(hagfors["started"], 2);
    assert_eq!(hagfors["drafts_by_section"].as_array().unwrap().iter().map(|n| n.as_u64().unwrap()).sum::<u64>(), 2);

    enter_paper(&staff, &id, "1783-000001").await;
    let rates = crate::rates::rates(&staff, &id).await;
    let hagfors = crate::rates::municipality(&rates, "1783");
    assert_eq!(hagfors["started"], 1, "the answered letter is not started");
    let drafts = hagfors["drafts_by_section"].as_array().unwrap().iter().map(|n| n.as_u64().unwrap()).sum::<u64>();
    assert_eq!(drafts, 1, "nor is its draft counted: {hagfors}");
    assert_eq!(crate::rates::reconcile(&app, false).await, Vec::<String>::new(), "the recount agrees");
    // Still sealed meanwhile: nothing of it can be read or joined.
    assert!(!dump(&app, "drafts", &DRAFT_COLUMNS).contains(COMMENT));

    // The resident types the code again: already answered, and the draft is gone.
    let mut resident = Resident::new(&app);
    let entered = resident.post("/svara", &[("code", &codes[0])]).await;
    let page = match entered.location.as_deref() {
        Some(location) => resident.get(location).await,
        None => entered,
    };
    assert!(page.body.contains("redan"), "already answered: {}", page.body);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM drafts"), 1, "only the other letter's draft is left");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM invitations WHERE draft_section IS NOT NULL"), 1);
    assert_eq!(crate::rates::reconcile(&app, false).await, Vec::<String>::new());
    let rates = crate::rates::rates(&staff, &id).await;
    let hagfors = crate::rates::municipality(&rates, "1783");
    let drafts = hagfors["drafts_by_section"].as_array().unwrap().iter().map(|n| n.as_u64().unwrap()).sum::<u64>();
    assert_eq!(drafts, 1);
}
on_both_backends!(
    a_paper_form_takes_its_letters_draft_out_of_the_counts,
    super::a_paper_form_takes_its_letters_draft_out_of_the_counts
);

/// The bytes of a SQLite database as a copy of it holds them: the main file and its write-ahead log.
fn sqlite_files(app: &TestApp) -> Option<(Vec<u8>, Vec<u8>)> {
    let TestDatabase::Sqlite { path, .. } = &app.database else { return None };
    let main = std::fs::read(path).unwrap();
    let wal = std::fs::read(format!("{}-wal", path.display())).unwrap_or_default();
    Some((main, wal))
}

fn holds(bytes: &[u8], text: &str) -> bool {
    bytes.windows(text.len()).any(|window| window == text.as_bytes())
}

/// Whether PostgreSQL's pageinspect can be used here (it needs the extension installed and a superuser); when not,
/// the dead-row channel is skipped, saying so.
fn pageinspect(app: &TestApp) -> bool {
    let available = count(app, "SELECT COUNT(*) FROM pg_available_extensions WHERE name = 'pageinspect'") == 1;
    if !available {
        eprintln!("pageinspect is not installed: dead rows not inspected");
        return false;
    }
    app.database.execute("CREATE EXTENSION IF NOT EXISTS pageinspect");
    true
}

/// Every row version PostgreSQL keeps in `table`'s pages, live or dead, as (xmin, hex of the row's data); a version
/// whose space was vacuumed has no data.
fn row_versions(app: &TestApp, table: &str) -> Vec<(String, String)> {
    let pages = format!("generate_series(0, (pg_relation_size('{table}') / 8192)::int - 1)");
    let sql = format!(
        "SELECT COALESCE(t_xmin::text, '') || ':' || COALESCE(encode(t_data, 'hex'), '') \
         FROM {pages} AS page, LATERAL heap_page_items(get_raw_page('{table}', page)) WHERE t_data IS NOT NULL"
    );
    app.query_strings(&sql)
        .into_iter()
        .map(|row| {
            let (xmin, data) = row.split_once(':').unwrap();
            (xmin.to_owned(), data.to_owned())
        })
        .collect()
}

/// Waits (up to 15 s) until the earlier versions of stored rows have been cleared, as the service does within about a
/// second after responses are stored: SQLite's log is empty, and PostgreSQL's pages of `tables` hold live rows only
/// (where pageinspect can tell).
async fn once_forgotten(app: &TestApp, tables: &[&str]) {
    let inspect = matches!(app.database, TestDatabase::Postgres { .. }) && pageinspect(app);
    for _ in 0..150 {
        let done = match sqlite_files(app) {
            Some((_, wal)) => wal.is_empty(),
            None => {
                !inspect
                    || tables.iter().all(|table| {
                        row_versions(app, table).len() == count(app, &format!("SELECT COUNT(*) FROM {table}"))
                    })
            }
        };
        if done {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Drafts, one saved before sealing among them, are submitted: neither their sealed contents nor the old plain text
/// stays anywhere a copy of the database holds (SQLite's file and log; PostgreSQL's dead rows).
async fn nothing_of_a_submitted_draft_stays_behind(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let staff = app.staff("samordnare@hagfors.se", "coordinator", &["1783", "1762"]).await;
    let (_, codes) = open_survey(&staff, 3, "codes").await;
    const PLAIN: &str = "Gammalt utkast om gatlyktan vid Hembygdsgarden";
    let answers = serde_json::json!({ "comment": [PLAIN] }).to_string();
    app.database.execute(&format!(
        "INSERT INTO legacy_drafts (key_hash, survey_id, municipality_code, language, answers, reached_section, \
         submission_id, updated_on) SELECT code_hash, survey_id, municipality_code, 'sv', '{answers}', 9, \
         '0b6f7c1e-3d2a-4f5b-8c9d-1e2f3a4b5c6d', '2026-05-04' FROM invitations WHERE letter_serial = 3"
    ));
    let mut sealed = Vec::new();
    let mut residents = Vec::new();
    for (n, code) in codes.iter().enumerate() {
        let resident = save_draft(&app, code, &format!("Utkast nummer {n} om parken")).await;
        sealed.extend(app.query_strings("SELECT sealed FROM drafts"));
        residents.push(resident);
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM legacy_drafts"), 0);
    sealed.sort();
    sealed.dedup();
    for (resident, code) in residents.iter_mut().zip(&codes) {
        let review = resident.get(&format!("/svara/{code}/granska")).await;
        let sent =
            resident.post(&format!("/svara/{code}/skicka"), &[("submission_id", &submission_id(&review.body))]).await;
        assert_eq!(sent.location.as_deref(), Some("/tack"));
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM drafts"), 0);
    once_forgotten(&app, &["drafts", "legacy_drafts"]).await;

    if let Some((main, wal)) = sqlite_files(&app) {
        assert!(wal.is_empty(), "the log is emptied after a submission ({} bytes left)", wal.len());
        assert!(!holds(&main, PLAIN), "the draft saved before sealing is overwritten, not left in free space");
        for text in &sealed {
            assert!(!holds(&main, &text[..40]), "a submitted draft's sealed contents stay in the file");
        }
    } else if pageinspect(&app) {
        for table in ["drafts", "legacy_drafts"] {
            let versions = row_versions(&app, table);
            assert!(versions.is_empty(), "no version of a {table} row is readable: {} left", versions.len());
        }
    }
}
on_both_backends!(nothing_of_a_submitted_draft_stays_behind, super::nothing_of_a_submitted_draft_stays_behind);

/// Responses with answers nobody else gives are stored through letters; the database is then read as someone with a
/// copy of it would, through every channel there is, to tie a response to its letter. None does better than chance.
async fn a_copy_of_the_database_ties_no_response_to_its_letter(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let staff = app.staff("samordnare@hagfors.se", "coordinator", &["1783", "1762"]).await;
    // One more than a batch: the last response comes just as the batch before it is settled, the moment it would
    // otherwise stand alone with its letter's transaction.
    let letters = trygghet::app::responses::SETTLE_BATCH + 1;
    let (_, codes) = open_survey(&staff, letters, "codes").await;
    // The truth the attacker looks for: letter serial n + 1 wrote "Svar {n} …".
    let said = |n: usize| format!("Svar {n:02} om torget");
    for (n, code) in codes.iter().enumerate() {
        let mut resident = save_draft(&app, code, &said(n)).await;
        let review = resident.get(&format!("/svara/{code}/granska")).await;
        let sent =
            resident.post(&format!("/svara/{code}/skicka"), &[("submission_id", &submission_id(&review.body))]).await;
        assert_eq!(sent.location.as_deref(), Some("/tack"));
    }
    let serial_of_answer = |text: &str| (0..letters).find(|n| said(*n) == text).map(|n| n + 1);
    once_forgotten(&app, &["responses"]).await;

    // Joins: no value of a response (its answers are in its row), its submission or a draft is a value of a letter.
    let mut letter_values = app.query_strings("SELECT id FROM invitations");
    letter_values.extend(app.query_strings("SELECT code_hash FROM invitations"));
    let mut response_values = app.query_strings("SELECT id FROM responses");
    response_values.extend(app.query_strings("SELECT submission_id FROM submissions"));
    response_values.extend(app.query_strings("SELECT key_hash FROM drafts"));
    assert!(
        response_values.iter().all(|value| !letter_values.contains(value)),
        "a join leads from a response to a letter"
    );

    // Order: responses as stored (rows in storage order), guessed to follow the letters in the order they were
    // answered (here: by serial). Chance gets one right on average; six or more happens once in ~1,400 tries.
    let comments = format!(
        "SELECT a.text_value FROM responses r JOIN {} a ON a.response_id = r.id WHERE a.item_id = 'comment'",
        app.answers_table()
    );
    let stored = match app.database {
        // `responses` is WITHOUT ROWID: its storage order is its key's, the random ids'.
        TestDatabase::Sqlite { .. } => app.query_strings(&format!("{comments} ORDER BY r.id")),
        TestDatabase::Postgres { .. } => app.query_strings(&format!("{comments} ORDER BY r.ctid")),
    };
    assert_eq!(stored.len(), letters);
    let right = stored.iter().enumerate().filter(|(place, text)| serial_of_answer(text) == Some(place + 1)).count();
    assert!(right < 6, "storage order gives {right} of {letters} letters");

    match &app.database {
        TestDatabase::Sqlite { .. } => {
            let (_, wal) = sqlite_files(&app).unwrap();
            assert!(wal.is_empty(), "no log of which pages each transaction wrote");
        }
        TestDatabase::Postgres { .. } => {
            // Transaction ids: a letter answered shares its xmin with the group of responses written with it. The
            // best guess is one of that group; its chance of being right is one in the group's size.
            let letter_xmins: Vec<(usize, String)> = app
                .query_strings("SELECT letter_serial || ':' || xmin::text FROM invitations")
                .into_iter()
                .map(|row| {
                    let (serial, xmin) = row.split_once(':').unwrap();
                    (serial.parse().unwrap(), xmin.to_owned())
                })
                .collect();
            let response_xmins: Vec<(usize, String)> = app
                .query_strings(&format!(
                    "SELECT a.text_value || ':' || r.xmin::text FROM responses r JOIN {} a \
                     ON a.response_id = r.id WHERE a.item_id = 'comment'",
                    app.answers_table()
                ))
                .into_iter()
                .map(|row| {
                    let (text, xmin) = row.split_once(':').unwrap();
                    (serial_of_answer(text).unwrap(), xmin.to_owned())
                })
                .collect();
            let mut expected_right = 0.0;
            for (serial, xmin) in &letter_xmins {
                let group: Vec<usize> =
                    response_xmins.iter().filter(|(_, x)| x == xmin).map(|(serial, _)| *serial).collect();
                if group.contains(serial) {
                    assert!(group.len() >= 2, "letter {serial} shares its transaction with its response alone");
                    expected_right += 1.0 / group.len() as f64;
                }
            }
            assert!(expected_right <= 1.0, "transaction ids give {expected_right:.2} letters, chance about 1");

            if pageinspect(&app) {
                // Dead rows: earlier versions of responses with their answers, with the transaction that wrote them,
                // are vacuumed away: every readable row version is a live row.
                let versions = row_versions(&app, "responses");
                assert_eq!(versions.len(), letters, "responses: only live rows are readable");
                let live_xmins: Vec<String> = app.query_strings("SELECT xmin::text FROM responses");
                assert!(versions.iter().all(|(xmin, _)| live_xmins.contains(xmin)));
            }
        }
    }
}
on_both_backends!(
    a_copy_of_the_database_ties_no_response_to_its_letter,
    super::a_copy_of_the_database_ties_no_response_to_its_letter
);

/// Closing a survey wipes the drafts saved before sealing that nobody resumed: their count stays, their plain text
/// goes, from the files too.
async fn closing_wipes_drafts_saved_before_sealing(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let staff = app.staff("samordnare@hagfors.se", "coordinator", &["1783", "1762"]).await;
    let (id, _) = open_survey(&staff, 2, "codes").await;
    const PLAIN: &str = "Aldrig fortsatt utkast om cykelvagen vid skolan";
    let answers = serde_json::json!({ "comment": [PLAIN] }).to_string();
    app.database.execute(&format!(
        "INSERT INTO legacy_drafts (key_hash, survey_id, municipality_code, language, answers, reached_section, \
         submission_id, updated_on) SELECT code_hash, survey_id, municipality_code, 'sv', '{answers}', 9, \
         '5a0b6c1d-2e3f-4a5b-9c6d-7e8f9a0b1c2d', '2026-05-04' FROM invitations WHERE letter_serial = 1; \
         INSERT INTO progress_tallies (survey_id, municipality_code, section, drafts) VALUES ('{id}', '1783', 9, 1)"
    ));
    let closed =
        staff.send_json(reqwest::Method::POST, &format!("/api/v1/surveys/{id}/close"), &serde_json::json!({})).await;
    assert_eq!(closed.status(), 200);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM legacy_drafts"), 0);
    assert_eq!(app.query_strings("SELECT reached_section || ':' || sealed FROM drafts"), ["9:"]);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM drafts d JOIN invitations i ON i.code_hash = d.key_hash"), 0);
    assert_eq!(crate::rates::reconcile(&app, false).await, Vec::<String>::new(), "the draft is still counted");
    if let Some((main, wal)) = sqlite_files(&app) {
        assert!(!holds(&main, PLAIN) && !holds(&wal, PLAIN), "the plain text is gone from the files");
    } else if pageinspect(&app) {
        assert!(row_versions(&app, "legacy_drafts").is_empty(), "no version of the old draft is readable");
    }
}
on_both_backends!(closing_wipes_drafts_saved_before_sealing, super::closing_wipes_drafts_saved_before_sealing);
