//! Survey waves, invitation codes, reminder lists and disposition imports, through the API and the pages.

use std::collections::HashSet;
use std::io::Read;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Backend, spawn_app};
use crate::on_both_backends;

fn wave(municipalities: &[&str]) -> Value {
    json!({
        "title": "Trygghetsmätning Värmland 2026",
        "opens_on": "2026-05-02",
        "closes_on": "2026-06-19",
        "access": "codes",
        "sender": "Polisen och Hagfors kommun",
        "contact": { "phone": "0563-185 00", "email": "trygghet@hagfors.se" },
        "municipalities": municipalities.iter().map(|code| json!({ "code": code, "sample_size": 300, "target_percent": 55.0 })).collect::<Vec<_>>(),
    })
}

async fn a_wave_is_drafted_opened_closed_and_copied(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let anna = app.staff("anna@polisen.se", "coordinator", &["1783", "1762", "1766", "1737"]).await.script().await;

    // Bad input: every problem at once, each with its field.
    let bad = json!({ "title": " ", "opens_on": "2026-06-19", "closes_on": "2026-05-02", "access": "post",
                      "municipalities": [{ "code": "1783", "sample_size": -1 }, { "code": "0180", "sample_size": 10 }] });
    let response = anna.request(Method::POST, "/api/v1/surveys", Some(&bad)).await;
    assert_eq!(response.status(), 422);
    let error: Value = response.json().await.unwrap();
    let fields: HashSet<&str> =
        error["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, HashSet::from(["title", "closes_on", "access", "municipalities"]), "{error}");
    assert!(error.to_string().contains("Du samordnar inte kommunen 0180"), "{error}");

    let response = anna.request(Method::POST, "/api/v1/surveys", Some(&wave(&["1783", "1762", "1766", "1737"]))).await;
    assert_eq!(response.status(), 201);
    let survey: Value = response.json().await.unwrap();
    let id = survey["id"].as_str().unwrap().to_owned();
    assert_eq!(survey["state"], "draft");
    assert_eq!(survey["has_response_rate"], true);
    assert_eq!(survey["municipalities"].as_array().unwrap().len(), 4);
    assert_eq!(survey["municipalities"][0]["name"], "Torsby", "ordered by code: 1737 first");

    // A draft can change; the change replaces the municipalities.
    let mut changed = wave(&["1783", "1737"]);
    changed["title"] = json!("Trygghetsmätning LPO Torsby 2026");
    let response = anna.request(Method::PUT, &format!("/api/v1/surveys/{id}"), Some(&changed)).await;
    assert_eq!(response.status(), 200);
    let survey: Value = response.json().await.unwrap();
    assert_eq!(survey["title"], "Trygghetsmätning LPO Torsby 2026");
    assert_eq!(survey["municipalities"].as_array().unwrap().len(), 2);

    // Letters handed out in a draft survive its edits, and their municipality cannot be removed.
    let codes_path = format!("/api/v1/surveys/{id}/municipalities/1783/invitations");
    assert_eq!(anna.request(Method::POST, &codes_path, Some(&json!({ "count": 3 }))).await.status(), 201);
    let response = anna.request(Method::PUT, &format!("/api/v1/surveys/{id}"), Some(&changed)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(app.query_strings("SELECT letter_serial FROM invitations").len(), 3, "an edit keeps the letters");
    let response = anna.request(Method::PUT, &format!("/api/v1/surveys/{id}"), Some(&wave(&["1737"]))).await;
    assert_eq!(response.status(), 409);
    assert!(response.text().await.unwrap().contains("redan utdelade koder"));

    // Open: no more changes (but to what results show, see population.rs); opening twice is a conflict; close.
    let opened: Value =
        anna.request(Method::POST, &format!("/api/v1/surveys/{id}/open"), None).await.json().await.unwrap();
    assert_eq!(opened["state"], "open");
    let mut retitled = changed.clone();
    retitled["title"] = json!("Trygghetsmätning LPO Torsby 2026, andra försöket");
    assert_eq!(anna.request(Method::PUT, &format!("/api/v1/surveys/{id}"), Some(&retitled)).await.status(), 409);
    let again = anna.request(Method::POST, &format!("/api/v1/surveys/{id}/open"), None).await;
    assert_eq!(again.status(), 409);
    assert!(again.json::<Value>().await.unwrap()["error"]["message"].as_str().unwrap().contains("öppen"));
    let closed: Value =
        anna.request(Method::POST, &format!("/api/v1/surveys/{id}/close"), None).await.json().await.unwrap();
    assert_eq!(closed["state"], "closed");

    // Next year's wave: same municipalities, samples and targets, a year later, as a draft.
    let response = anna.request(Method::POST, &format!("/api/v1/surveys/{id}/copy"), Some(&json!({}))).await;
    assert_eq!(response.status(), 201);
    let copy: Value = response.json().await.unwrap();
    assert_eq!(copy["title"], "Trygghetsmätning LPO Torsby 2027");
    assert_eq!((copy["opens_on"].as_str(), copy["closes_on"].as_str()), (Some("2027-05-02"), Some("2027-06-19")));
    assert_eq!(copy["state"], "draft");
    assert_eq!(copy["copied_from"], id.as_str());
    assert_eq!(copy["municipalities"], survey["municipalities"]);
    let listed: Value = anna.request(Method::GET, "/api/v1/surveys", None).await.json().await.unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 2);

    let actions =
        app.query_strings("SELECT action FROM audit_events WHERE action LIKE 'survey_%' ORDER BY occurred_at");
    assert_eq!(
        actions,
        ["survey_created", "survey_changed", "survey_changed", "survey_opened", "survey_closed", "survey_copied"]
    );
}
on_both_backends!(a_wave_is_drafted_opened_closed_and_copied, super::a_wave_is_drafted_opened_closed_and_copied);

async fn codes_are_unguessable_single_letters_stored_only_as_hashes(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let anna = app.staff("anna@polisen.se", "coordinator", &["1783", "1737"]).await.script().await;
    let survey: Value =
        anna.request(Method::POST, "/api/v1/surveys", Some(&wave(&["1783", "1737"]))).await.json().await.unwrap();
    let id = survey["id"].as_str().unwrap();

    let response = anna
        .request(
            Method::POST,
            &format!("/api/v1/surveys/{id}/municipalities/1783/invitations"),
            Some(&json!({ "count": 1500, "beyond_sample": true })),
        )
        .await;
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let letters: Vec<Value> = response.json().await.unwrap();
    assert_eq!(letters.len(), 1500);
    let codes: HashSet<&str> = letters.iter().map(|l| l["code"].as_str().unwrap()).collect();
    assert_eq!(codes.len(), 1500, "all distinct");
    for letter in &letters {
        let code = letter["code"].as_str().unwrap();
        assert_eq!(code.len(), 14);
        assert!(
            code.chars().enumerate().all(|(i, c)| if i == 4 || i == 9 {
                c == '-'
            } else {
                "23456789ABCDEFGHJKMNPQRSTVWXYZ".contains(c)
            }),
            "{code}"
        );
        assert!(letter["link"].as_str().unwrap().ends_with(&format!("/svara/{code}")));
        assert_eq!(letter["municipality"], "Hagfors");
    }
    assert_eq!(letters[0]["letter_number"], "1783-000001");
    assert_eq!(letters[1499]["letter_number"], "1783-001500");

    // Only keyed hashes are stored: no code, compact or grouped, appears anywhere in the invitations or the log.
    let stored = app.query_strings("SELECT code_hash FROM invitations");
    assert_eq!(stored.len(), 1500);
    let everything = format!("{:?}{:?}", stored, app.query_strings("SELECT detail FROM audit_events"));
    for code in codes.iter().take(50) {
        assert!(!everything.contains(code) && !everything.contains(&code.replace('-', "")), "{code} stored in clear");
    }
    assert!(stored.iter().all(|hash| hash.len() == 64 && hash.chars().all(|c| c.is_ascii_hexdigit())));

    // A second batch continues the letter numbers; CSV on request, for mail merge.
    let response = anna
        .client
        .post(format!("{}/api/v1/surveys/{id}/municipalities/1783/invitations", app.address))
        .bearer_auth(&anna.token)
        .header("accept", "text/csv")
        .json(&json!({ "count": 3, "beyond_sample": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let csv = response.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0].trim_start_matches('\u{feff}'), "brevnummer;kod;lank;kommunkod;kommun;qr_fil");
    assert!(lines[1].starts_with("1783-001501;"), "{}", lines[1]);
    assert_eq!(lines.len(), 4);

    // Ten thousand in one action (a large municipality's whole sample).
    let response = anna
        .request(
            Method::POST,
            &format!("/api/v1/surveys/{id}/municipalities/1737/invitations"),
            Some(&json!({ "count": 10000, "beyond_sample": true })),
        )
        .await;
    assert_eq!(response.status(), 201);
    assert_eq!(response.json::<Vec<Value>>().await.unwrap().len(), 10000);
    assert_eq!(app.query_strings("SELECT COUNT(DISTINCT code_hash) FROM invitations"), ["11503"]);

    // Bad counts are refused with the field named.
    for count in [0, -5, 20_001] {
        let response = anna
            .request(
                Method::POST,
                &format!("/api/v1/surveys/{id}/municipalities/1783/invitations"),
                Some(&json!({ "count": count })),
            )
            .await;
        assert_eq!(response.status(), 422, "{count}");
        assert_eq!(response.json::<Value>().await.unwrap()["error"]["field"], "count");
    }
    let audit = app.query_strings("SELECT action FROM audit_events WHERE action = 'codes_generated'");
    assert_eq!(audit.len(), 3);

    // Six-digit letter numbers run out at 999,999: a batch that would pass it is refused, not half made.
    app.database.execute(
        "UPDATE invitations SET letter_serial = 999998 WHERE municipality_code = '1783' AND letter_serial = 1503",
    );
    let path = format!("/api/v1/surveys/{id}/municipalities/1783/invitations");
    let response = anna.request(Method::POST, &path, Some(&json!({ "count": 2, "beyond_sample": true }))).await;
    assert_eq!(response.status(), 422);
    assert!(response.text().await.unwrap().contains("plats för 1 brevnummer"));
    assert_eq!(
        anna.request(Method::POST, &path, Some(&json!({ "count": 1, "beyond_sample": true }))).await.status(),
        201
    );
}
on_both_backends!(
    codes_are_unguessable_single_letters_stored_only_as_hashes,
    super::codes_are_unguessable_single_letters_stored_only_as_hashes
);

async fn the_letters_page_gives_a_zip_with_csv_and_qr_codes(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let browser = app.staff("anna@polisen.se", "coordinator", &["1783"]).await;
    let survey: Value =
        browser.send_json(Method::POST, "/api/v1/surveys", &wave(&["1783"])).await.json().await.unwrap();
    let id = survey["id"].as_str().unwrap();
    let page = browser.get(&format!("/admin/surveys/{id}")).await.text().await.unwrap();
    assert!(page.contains("Skapa koder för Hagfors"));

    let response = browser
        .post_form(&format!("/admin/surveys/{id}/municipalities/1783/codes"), &[("count", "25"), ("format", "zip")])
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/zip");
    let bytes = response.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip archive");
    assert_eq!(zip.len(), 28, "the CSV, 25 QR codes, the cover letters and their stylesheet");
    let mut csv = String::new();
    zip.by_name("koder.csv").unwrap().read_to_string(&mut csv).unwrap();
    assert_eq!(csv.lines().count(), 26);
    let first = csv.lines().nth(1).unwrap();
    assert!(first.starts_with("1783-000001;") && first.ends_with(";qr/1783-000001.svg"), "{first}");
    // The cover letters: one a page, each with its code, its link and its QR code, in Swedish by default.
    let mut letters = String::new();
    zip.by_name("brev.html").unwrap().read_to_string(&mut letters).unwrap();
    assert!(letters.starts_with("<!doctype html>") && letters.contains(r#"<html lang="sv" dir="ltr">"#));
    assert_eq!(letters.matches(r#"<article class="letter""#).count(), 25);
    let code = first.split(';').nth(1).unwrap();
    assert!(letters.contains(&format!(r#"<span class="code" dir="ltr">{code}</span>"#)), "{code}");
    assert!(letters.contains(r#"src="qr/1783-000001.svg""#) && letters.contains(r#"href="print.css""#));
    assert!(letters.trim_end().ends_with("</html>"));
    let mut svg = String::new();
    zip.by_name("qr/1783-000025.svg").unwrap().read_to_string(&mut svg).unwrap();
    assert!(svg.contains("<svg") && svg.contains("</svg>"));

    let page = browser.get(&format!("/admin/surveys/{id}")).await.text().await.unwrap();
    assert!(page.contains(">25</td>"), "the page counts the letters");
}
on_both_backends!(
    the_letters_page_gives_a_zip_with_csv_and_qr_codes,
    super::the_letters_page_gives_a_zip_with_csv_and_qr_codes
);

async fn returned_letters_are_imported_all_or_nothing_and_leave_the_reminder_list(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let anna = app.staff("anna@polisen.se", "coordinator", &["1783", "1737"]).await;
    app.create_user("bo@kommun.se", "coordinator", &["1766"]).await;
    let admin = app.staff("admin@polisen.se", "admin", &[]).await.script().await;
    let script = anna.script().await;
    let survey: Value = admin
        .request(Method::POST, "/api/v1/surveys", Some(&wave(&["1783", "1737", "1766"])))
        .await
        .json()
        .await
        .unwrap();
    let id = survey["id"].as_str().unwrap();
    for code in ["1783", "1766"] {
        let path = format!("/api/v1/surveys/{id}/municipalities/{code}/invitations");
        assert_eq!(admin.request(Method::POST, &path, Some(&json!({ "count": 10 }))).await.status(), 201);
    }
    let import = |body: &'static str| {
        script
            .client
            .post(format!("{}/api/v1/surveys/{id}/dispositions", app.address))
            .bearer_auth(&script.token)
            .body(body)
            .send()
    };

    // Every bad line is reported, and nothing is recorded.
    let response = import(
        "brevnummer;utfall\n1783-000001;obeställbar\n1783-000002;vet ej\n1783-000099;flyttat\n0180-000001;avböjt\n1766-000001;avliden\n1783-0003;avböjt\n",
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 422);
    let problems: Value = response.json().await.unwrap();
    let lines: Vec<&str> =
        problems["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(lines, ["line 3", "line 5", "line 6", "line 7"], "{problems}");
    let text = problems.to_string();
    assert!(
        text.contains("inget utfall")
            && text.contains("ingår inte i enkäten")
            && text.contains("Du samordnar inte kommunen 1766")
    );
    assert_eq!(app.query_strings("SELECT disposition FROM invitations WHERE disposition <> 'not_returned'").len(), 0);

    // A file saved by Swedish Excel (Windows-1252, so "ä" is one byte) is read as such.
    let excel = script
        .client
        .post(format!("{}/api/v1/surveys/{id}/dispositions", app.address))
        .bearer_auth(&script.token)
        .body(b"Brevnummer;Utfall\r\n1783-000009;obest\xe4llbar\r\n1783-000099;avb\xf6jt\r\n".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(excel.status(), 422);
    let problems: Value = excel.json().await.unwrap();
    assert_eq!(problems["error"]["fields"].as_array().unwrap().len(), 1, "only the unknown letter: {problems}");
    assert_eq!(problems["error"]["fields"][0]["field"], "line 3");

    // Line numbers count blank lines too, as a spreadsheet shows them.
    let response = import("1783-000001;flyttat\n\n\n1783-000002;kanske\n").await.unwrap();
    let problems: Value = response.json().await.unwrap();
    assert_eq!(problems["error"]["fields"][0]["field"], "line 4", "{problems}");

    // A letter that does not exist is found inside the transaction; still nothing recorded.
    let response = import("1783-000001;obeställbar\n1783-000099;flyttat\n").await.unwrap();
    assert_eq!(response.status(), 422);
    assert!(response.text().await.unwrap().contains("finns inte i enkäten"));
    assert_eq!(app.query_strings("SELECT disposition FROM invitations WHERE disposition <> 'not_returned'").len(), 0);

    // A good file: recorded, audited, and those letters leave the reminder list.
    let response = import("1783-000001,obeställbar\n1783-000002,Flyttat\n1783-000003,ej behörig\n1783-000004,AVBÖJT\n")
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["recorded"], 4);
    assert_eq!(
        report["by_disposition"],
        json!({ "undeliverable": 1, "moved_away": 1, "not_eligible": 1, "refused": 1 })
    );
    let reminders =
        script.request(Method::POST, &format!("/api/v1/surveys/{id}/municipalities/1783/reminders"), None).await;
    assert_eq!(reminders.status(), 200);
    let reminders = reminders.text().await.unwrap();
    let listed: Vec<&str> = reminders.lines().skip(1).collect();
    assert_eq!(listed.len(), 6);
    assert_eq!(listed[0], "1783-000005");
    let survey: Value = script.request(Method::GET, &format!("/api/v1/surveys/{id}"), None).await.json().await.unwrap();
    let hagfors = survey["municipalities"].as_array().unwrap().iter().find(|m| m["code"] == "1783").unwrap();
    assert_eq!((hagfors["letters"].as_i64(), hagfors["awaiting"].as_i64()), (Some(10), Some(6)));
    assert_eq!(app.query_strings("SELECT action FROM audit_events WHERE action = 'dispositions_imported'").len(), 1);

    // The upload form on the page does the same, with the problems listed by line.
    let form = reqwest::multipart::Form::new()
        .text("csrf_token", anna.csrf.clone())
        .part("file", reqwest::multipart::Part::bytes(b"1783-000005;kanske\n".to_vec()).file_name("utfall.csv"));
    let response = anna
        .client
        .post(format!("{}/admin/surveys/{id}/dispositions", app.address))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains("Rad 1:") && page.contains("Inget registrerades"), "{page}");
}
on_both_backends!(
    returned_letters_are_imported_all_or_nothing_and_leave_the_reminder_list,
    super::returned_letters_are_imported_all_or_nothing_and_leave_the_reminder_list
);

async fn an_open_link_survey_has_no_codes_and_no_response_rate(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let browser = app.staff("anna@polisen.se", "coordinator", &["1783"]).await;
    let mut open = wave(&["1783"]);
    open["access"] = json!("open_link");
    let survey: Value = browser.send_json(Method::POST, "/api/v1/surveys", &open).await.json().await.unwrap();
    assert_eq!(survey["has_response_rate"], false);
    let id = survey["id"].as_str().unwrap();
    let response = browser
        .send_json(
            Method::POST,
            &format!("/api/v1/surveys/{id}/municipalities/1783/invitations"),
            &json!({ "count": 5 }),
        )
        .await;
    assert_eq!(response.status(), 409);
    let page = browser.get(&format!("/admin/surveys/{id}")).await.text().await.unwrap();
    assert!(page.contains("ingen svarsfrekvens"));
    assert!(!page.contains("Dela ut koder"));
}
on_both_backends!(
    an_open_link_survey_has_no_codes_and_no_response_rate,
    super::an_open_link_survey_has_no_codes_and_no_response_rate
);

async fn a_survey_is_set_up_through_the_pages(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let browser = app.staff("anna@polisen.se", "coordinator", &["1783", "1737"]).await;
    let new = browser.get("/admin/surveys/new").await;
    assert_eq!(new.status(), 200);
    // The coordinator's municipalities by name, under their county, which is open as the only one; no codes shown.
    let new = new.text().await.unwrap();
    assert_eq!(new.matches(r#"<details class="county""#).count(), 1, "{new}");
    assert!(new.contains(r#"data-county="Värmlands län" open"#), "{new}");
    assert!(new.contains(r#"data-name="Hagfors"> Hagfors</label>"#) && !new.contains("(1783)"), "{new}");
    assert!(new.contains("Valda: inga."));

    // A mistake keeps everything typed.
    let typed = [
        ("title", "Trygghet 2026"),
        ("opens_on", "2026-05-02"),
        ("closes_on", "2026-04-01"),
        ("access", "codes"),
        ("municipalities", "1783"),
        ("municipalities", "1737"),
        ("sample_size", "300"),
        ("target_percent", "55"),
        ("sender", "Polisen och Hagfors kommun"),
        ("contact_email", "trygghet(at)hagfors.se"),
    ];
    let response = browser.post_form("/admin/surveys", &typed).await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains("Slutdagen kan inte vara före startdagen."));
    assert!(page.contains(r#"id="contact_email-error">Skriv e-postadressen"#), "{page}");
    assert!(
        page.contains(r#"value="trygghet(at)hagfors.se""#) && page.contains(r#"value="Polisen och Hagfors kommun""#)
    );
    assert!(
        page.contains(r#"value="Trygghet 2026""#)
            && page.contains(r#"value="1783" checked"#)
            && page.contains("Valda: Hagfors, Torsby.")
            && page.contains(r#"value="55""#)
    );

    let mut fixed = typed.to_vec();
    fixed[2] = ("closes_on", "2026-06-19");
    fixed[9] = ("contact_email", "");
    let response = browser.post_form("/admin/surveys", &fixed).await;
    assert_eq!(response.status(), 303);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let id = location.trim_start_matches("/admin/surveys/").to_owned();

    // A draft without a contact cannot open, and the page says what to fill in.
    let response = browser.post_form(&format!("/admin/surveys/{id}/open"), &[]).await;
    assert_eq!(response.status(), 409);
    let page = response.text().await.unwrap();
    assert!(page.contains("kan inte öppnas förrän den har en kontakt") && page.contains("Fyll i det under Ändra"));

    // Per-municipality samples in the draft.
    let response = browser
        .post_form(
            &format!("/admin/surveys/{id}/edit"),
            &[
                ("title", "Trygghet 2026"),
                ("opens_on", "2026-05-02"),
                ("closes_on", "2026-06-19"),
                ("municipality", "1737"),
                ("sample_size_1737", "280"),
                ("target_1737", ""),
                ("municipality", "1783"),
                ("sample_size_1783", "x"),
                ("target_1783", "55"),
                ("sender", "Polisen och Hagfors kommun"),
                ("contact_phone", "ring oss"),
                ("contact_email", "trygghet@hagfors.se"),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains(r#"value="280""#), "typed values are kept");
    assert!(page.contains(r#"id="contact_phone-error">Skriv telefonnumret"#), "{page}");
    assert!(page.contains(r#"value="ring oss""#) && page.contains(r#"value="Polisen och Hagfors kommun""#));
    let response = browser
        .post_form(
            &format!("/admin/surveys/{id}/edit"),
            &[
                ("title", "Trygghet 2026"),
                ("opens_on", "2026-05-02"),
                ("closes_on", "2026-06-19"),
                ("municipality", "1737"),
                ("sample_size_1737", "280"),
                ("target_1737", ""),
                ("municipality", "1783"),
                ("sample_size_1783", "320"),
                ("target_1783", "55"),
                ("sender", "Polisen och Hagfors kommun"),
                ("contact_phone", " 0563-185 00 "),
                ("contact_email", ""),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    let survey: Value = browser.get(&format!("/api/v1/surveys/{id}")).await.json().await.unwrap();
    let samples: Vec<(String, i64)> = survey["municipalities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["code"].as_str().unwrap().to_owned(), m["sample_size"].as_i64().unwrap()))
        .collect();
    assert_eq!(samples, [("1737".to_owned(), 280), ("1783".to_owned(), 320)]);
    assert_eq!(survey["sender"], "Polisen och Hagfors kommun");
    assert_eq!(survey["contact"], json!({ "phone": "0563-185 00", "email": null }));
    let page = browser.get(&format!("/admin/surveys/{id}")).await.text().await.unwrap();
    assert!(page.contains("<dt>Avsändare</dt><dd>Polisen och Hagfors kommun</dd>"), "{page}");
    assert!(page.contains("<dt>Kontakt för frågor</dt><dd>0563-185 00</dd>"), "{page}");

    let response = browser.post_form(&format!("/admin/surveys/{id}/open"), &[]).await;
    assert_eq!(response.status(), 303, "back to the survey page by GET, so a reload sends nothing again");
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let page = browser.get(&location).await.text().await.unwrap();
    assert!(page.contains("Enkäten är nu öppen."), "{location}: {page}");
    let reloaded = browser.get(&location).await.text().await.unwrap();
    assert!(!reloaded.contains("Enkäten är nu öppen.") && reloaded.contains("Öppen"), "the notice is shown once");
    let response = browser.post_form(&format!("/admin/surveys/{id}/open"), &[]).await;
    assert_eq!(response.status(), 409);
    let home = browser.get("/admin").await.text().await.unwrap();
    assert!(home.contains("Trygghet 2026") && home.contains("Öppen"));
}
on_both_backends!(a_survey_is_set_up_through_the_pages, super::a_survey_is_set_up_through_the_pages);

async fn parallel_writers_wait_for_each_other(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let anna = app.staff("anna@polisen.se", "coordinator", &["1783", "1737"]).await.script().await;
    let survey: Value =
        anna.request(Method::POST, "/api/v1/surveys", Some(&wave(&["1783", "1737"]))).await.json().await.unwrap();
    let id = survey["id"].as_str().unwrap().to_owned();
    let calls: Vec<_> = (0..8)
        .map(|n| {
            let (client, token, address, id) =
                (anna.client.clone(), anna.token.clone(), app.address.clone(), id.clone());
            let code = if n % 2 == 0 { "1783" } else { "1737" };
            tokio::spawn(async move {
                client
                    .post(format!("{address}/api/v1/surveys/{id}/municipalities/{code}/invitations"))
                    .bearer_auth(token)
                    .json(&json!({ "count": 50 }))
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for call in calls {
        statuses.push(call.await.unwrap());
    }
    assert_eq!(statuses, [201; 8], "every batch waits its turn instead of failing");
    assert_eq!(
        app.query_strings("SELECT COUNT(DISTINCT letter_serial) FROM invitations WHERE municipality_code = '1783'"),
        ["200"]
    );
}
on_both_backends!(parallel_writers_wait_for_each_other, super::parallel_writers_wait_for_each_other);

async fn closing_asks_first_and_a_survey_closed_by_mistake_opens_again(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let staff = app.staff("samordnare@hagfors.se", "coordinator", &["1783", "1762"]).await;
    let (id, codes) = crate::answer::open_survey(&staff, 1, "codes").await;
    let state =
        |app: &crate::helpers::TestApp| app.query_strings(&format!("SELECT state FROM surveys WHERE id = '{id}'"));

    // The survey page leads to a page that says what closing means; a form without the confirmation goes there.
    let page = staff.get(&format!("/admin/surveys/{id}")).await.text().await.unwrap().replace("&#x2f;", "/");
    assert!(page.contains(&format!(r#"href="/admin/surveys/{id}/close""#)), "{page}");
    let response = staff.post_form(&format!("/admin/surveys/{id}/close"), &[]).await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], format!("/admin/surveys/{id}/close").as_str());
    assert_eq!(state(&app), ["open"]);
    let asked = staff.get(&format!("/admin/surveys/{id}/close")).await.text().await.unwrap().replace("&#x2f;", "/");
    assert!(asked.contains("Ja, stäng enkäten") && asked.contains("öppnas igen fram till och med"), "{asked}");

    let response = staff.post_form(&format!("/admin/surveys/{id}/close"), &[("confirm", "1")]).await;
    assert_eq!(response.status(), 303);
    assert_eq!(state(&app), ["closed"]);
    assert_eq!(crate::answer::Resident::new(&app).get(&format!("/svara/{}", codes[0])).await.status, 410);

    // Opened again within the period: residents answer again.
    let page = staff.get(&format!("/admin/surveys/{id}")).await.text().await.unwrap().replace("&#x2f;", "/");
    assert!(page.contains("Öppna enkäten igen"), "{page}");
    let response = staff.post_form(&format!("/admin/surveys/{id}/reopen"), &[]).await;
    assert_eq!(response.status(), 303);
    assert_eq!(state(&app), ["open"]);
    assert_eq!(crate::answer::Resident::new(&app).get(&format!("/svara/{}", codes[0])).await.status, 200);
    let reopened = app.query_strings("SELECT COUNT(*) FROM audit_events WHERE action = 'survey_reopened'");
    assert_eq!(reopened, ["1"]);

    // Through the API too; an open survey does not open "again", and after its period a closed one stays closed.
    assert_eq!(staff.send_json(Method::POST, &format!("/api/v1/surveys/{id}/reopen"), &json!({})).await.status(), 409);
    assert_eq!(staff.send_json(Method::POST, &format!("/api/v1/surveys/{id}/close"), &json!({})).await.status(), 200);
    let reopened: Value =
        staff.send_json(Method::POST, &format!("/api/v1/surveys/{id}/reopen"), &json!({})).await.json().await.unwrap();
    assert_eq!(reopened["state"], "open");
    assert_eq!(staff.send_json(Method::POST, &format!("/api/v1/surveys/{id}/close"), &json!({})).await.status(), 200);
    app.database
        .execute(&format!("UPDATE surveys SET opens_on = '2020-01-01', closes_on = '2020-02-01' WHERE id = '{id}'"));
    let late = staff.send_json(Method::POST, &format!("/api/v1/surveys/{id}/reopen"), &json!({})).await;
    assert_eq!(late.status(), 409);
    assert!(late.text().await.unwrap().contains("bara inom sin svarsperiod"));
    assert_eq!(state(&app), ["closed"]);
    let page = staff.get(&format!("/admin/surveys/{id}")).await.text().await.unwrap().replace("&#x2f;", "/");
    assert!(!page.contains("Öppna enkäten igen"), "{page}");
}
on_both_backends!(
    closing_asks_first_and_a_survey_closed_by_mistake_opens_again,
    super::closing_asks_first_and_a_survey_closed_by_mistake_opens_again
);

/// A survey names who asks and whom to ask before it opens; a draft may lack them, a copy keeps them.
async fn sender_and_contact_are_needed_to_open_and_are_copied(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let anna = app.staff("anna@polisen.se", "coordinator", &["1783"]).await.script().await;
    let mut draft = wave(&["1783"]);
    draft.as_object_mut().unwrap().remove("sender");
    draft.as_object_mut().unwrap().remove("contact");
    let response = anna.request(Method::POST, "/api/v1/surveys", Some(&draft)).await;
    assert_eq!(response.status(), 201);
    let survey: Value = response.json().await.unwrap();
    assert_eq!((&survey["sender"], &survey["contact"]), (&Value::Null, &Value::Null));
    let id = survey["id"].as_str().unwrap().to_owned();
    let (path, open) = (format!("/api/v1/surveys/{id}"), format!("/api/v1/surveys/{id}/open"));

    // Opening without them is refused, saying what is missing.
    let refused = anna.request(Method::POST, &open, None).await;
    assert_eq!(refused.status(), 409);
    let message = refused.json::<Value>().await.unwrap()["error"]["message"].as_str().unwrap().to_owned();
    assert!(message.contains("en avsändare") && message.contains("en kontakt"), "{message}");

    // Invalid input is named by its field.
    let mut wrong = draft.clone();
    wrong["sender"] = json!("Polisen\nHagfors");
    wrong["contact"] = json!({ "phone": "ring oss", "email": "trygghet" });
    let response = anna.request(Method::PUT, &path, Some(&wrong)).await;
    assert_eq!(response.status(), 422);
    let error: Value = response.json().await.unwrap();
    let fields: HashSet<&str> =
        error["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, HashSet::from(["sender", "contact.phone", "contact.email"]), "{error}");
    for contact in [json!({}), json!({ "phone": null, "email": null })] {
        wrong["sender"] = json!("Polisen och Hagfors kommun");
        wrong["contact"] = contact;
        let error: Value = anna.request(Method::PUT, &path, Some(&wrong)).await.json().await.unwrap();
        assert_eq!(error["error"]["field"], "contact", "{error}");
    }
    for sender in [json!(""), json!("   "), json!("x".repeat(201))] {
        wrong["sender"] = sender;
        let error: Value = anna.request(Method::PUT, &path, Some(&wrong)).await.json().await.unwrap();
        assert_eq!(error["error"]["field"], "sender", "{error}");
    }

    // A sender alone is not enough; with a contact the survey opens.
    let mut named = draft.clone();
    named["sender"] = json!(" Polisen och Hagfors kommun ");
    assert_eq!(anna.request(Method::PUT, &path, Some(&named)).await.status(), 200);
    let refused = anna.request(Method::POST, &open, None).await;
    assert_eq!(refused.status(), 409);
    let message = refused.json::<Value>().await.unwrap()["error"]["message"].as_str().unwrap().to_owned();
    assert!(message.contains("en kontakt") && !message.contains("en avsändare"), "{message}");
    named["contact"] = json!({ "email": "Trygghet@Hagfors.se" });
    let changed: Value = anna.request(Method::PUT, &path, Some(&named)).await.json().await.unwrap();
    assert_eq!(changed["sender"], "Polisen och Hagfors kommun");
    assert_eq!(changed["contact"], json!({ "phone": null, "email": "trygghet@hagfors.se" }));
    let opened = anna.request(Method::POST, &open, None).await;
    assert_eq!(opened.status(), 200);

    // Once open, they are as fixed as the title.
    let mut renamed = named.clone();
    renamed["sender"] = json!("Polisen");
    assert_eq!(anna.request(Method::PUT, &path, Some(&renamed)).await.status(), 409);
    named["min_base"] = json!(50);
    assert_eq!(anna.request(Method::PUT, &path, Some(&named)).await.status(), 200, "the same sender and contact");

    // Next year's wave keeps them.
    let copy: Value = anna.request(Method::POST, &format!("{path}/copy"), Some(&json!({}))).await.json().await.unwrap();
    assert_eq!(copy["sender"], "Polisen och Hagfors kommun");
    assert_eq!(copy["contact"], json!({ "phone": null, "email": "trygghet@hagfors.se" }));
}
on_both_backends!(
    sender_and_contact_are_needed_to_open_and_are_copied,
    super::sender_and_contact_are_needed_to_open_and_are_copied
);

/// The survey page leads with where the survey stands: a draft names what it lacks before it can open; an open one
/// its last day, the days left and the answers so far.
async fn the_survey_page_leads_with_where_the_survey_stands(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let staff = app.staff("samordnare@hagfors.se", "coordinator", &["1783"]).await;
    let today = trygghet::domain::survey::swedish_day(chrono::Utc::now());
    let body = json!({ "title": "Trygghetsmätning 2027", "access": "codes",
        "opens_on": today.to_string(), "closes_on": (today + chrono::Duration::days(20)).to_string(),
        "municipalities": [{ "code": "1783", "sample_size": 300 }] });
    let response = staff.send_json(Method::POST, "/api/v1/surveys", &body).await;
    assert_eq!(response.status(), 201);
    let id = response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let page = staff.get(&format!("/admin/surveys/{id}")).await.text().await.unwrap();
    let lead = &page[page.find(r#"<div class="survey-status">"#).unwrap()..page.find("Om enkäten").unwrap()];
    assert!(lead.contains("Utkast.") && lead.contains("Innan enkäten kan öppnas behövs:"), "{lead}");
    for missing in ["en avsändare", "en kontakt för frågor", "brev med koder"] {
        assert!(lead.contains(missing), "{missing}: {lead}");
    }

    let mut details = body.clone();
    details["sender"] = json!("Polisen i Hagfors");
    details["contact"] = json!({ "phone": "0563-185 00" });
    let put = staff.send_json(Method::PUT, &format!("/api/v1/surveys/{id}"), &details).await;
    assert_eq!(put.status(), 200, "{}", put.text().await.unwrap());
    let codes = json!({ "count": 1500 });
    let path = format!("/api/v1/surveys/{id}/municipalities/1783/invitations");
    let issued = staff.send_json(Method::POST, &path, &codes).await;
    assert_eq!(issued.status(), 409, "1,500 letters for a sample of 300 ask first");
    let issued = staff.send_json(Method::POST, &path, &json!({ "count": 250 })).await;
    assert_eq!(issued.status(), 201);
    let opened = staff.send_json(Method::POST, &format!("/api/v1/surveys/{id}/open"), &json!({})).await;
    assert_eq!(opened.status(), 200);
    let page = staff.get(&format!("/admin/surveys/{id}")).await.text().await.unwrap();
    let lead = &page[page.find(r#"<div class="survey-status">"#).unwrap()..page.find("Om enkäten").unwrap()];
    let last_day = (today + chrono::Duration::days(20)).to_string();
    assert!(lead.contains(&format!("Öppen.</strong>\n  Sista svarsdag {last_day}, om 20 dagar.")), "{lead}");
    assert!(lead.contains("0 svar hittills") && lead.contains("250 brev är utdelade, 250 väntar på svar."), "{lead}");
    assert!(!lead.contains("Innan enkäten kan öppnas"));
}
on_both_backends!(
    the_survey_page_leads_with_where_the_survey_stands,
    super::the_survey_page_leads_with_where_the_survey_stands
);
