//! Codes handed out once: a retried or double-clicked request answers its first batch again, a batch beyond the
//! sample must be meant, and a batch that was never sent can be withdrawn (its letters then count nowhere).

use reqwest::Method;
use serde_json::{Value, json};

use crate::answer::{Resident, count, open_survey};
use crate::helpers::{Backend, spawn_app};
use crate::on_both_backends;

fn letters(app: &crate::helpers::TestApp, municipality: &str) -> usize {
    count(app, &format!("SELECT COUNT(*) FROM invitations WHERE municipality_code = '{municipality}'"))
}

async fn a_retried_request_answers_its_first_batch_again(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let staff = app.staff("samordnare@hagfors.se", "coordinator", &["1783", "1762"]).await;
    let (id, _) = open_survey(&staff, 0, "codes").await;
    let path = format!("/api/v1/surveys/{id}/municipalities/1783/invitations");
    let send = |key: &'static str, body: Value| {
        let request = staff
            .client
            .post(format!("{}{path}", staff.address))
            .header("x-csrf-token", &staff.csrf)
            .header("idempotency-key", key)
            .json(&body);
        async move { request.send().await.unwrap() }
    };

    let first = send("batch-1", json!({ "count": 25 })).await;
    assert_eq!(first.status(), 201);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first: Value = first.json().await.unwrap();
    let again = send("batch-1", json!({ "count": 25 })).await;
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.json::<Value>().await.unwrap(), first, "the same letters, codes and all");
    assert_eq!(letters(&app, "1783"), 25, "no second batch");
    // Another key is another batch, numbered after the first.
    let second: Value = send("batch-2", json!({ "count": 5 })).await.json().await.unwrap();
    assert_eq!(second[0]["letter_number"], "1783-000026");
    assert_eq!(letters(&app, "1783"), 30);

    // Beyond the sample of 300 only when meant.
    let beyond = send("batch-3", json!({ "count": 271 })).await;
    assert_eq!(beyond.status(), 409);
    let body: Value = beyond.json().await.unwrap();
    assert!(body["error"]["message"].as_str().unwrap().contains("har redan 30 brev av ett urval på 300"), "{body}");
    assert_eq!(letters(&app, "1783"), 30);
    let meant = send("batch-3", json!({ "count": 271, "beyond_sample": true })).await;
    assert_eq!(meant.status(), 201);
    assert_eq!(letters(&app, "1783"), 301);

    // A key that is no key is refused.
    let response = staff
        .client
        .post(format!("{}{path}", staff.address))
        .header("x-csrf-token", &staff.csrf)
        .header("idempotency-key", "x".repeat(201))
        .json(&json!({ "count": 1 }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    // A key is the person's own: another coordinator's request with the same key is a batch of its own.
    let other = app.staff("polis@hagfors.se", "coordinator", &["1783"]).await;
    let response = other
        .client
        .post(format!("{}{path}", other.address))
        .header("x-csrf-token", &other.csrf)
        .header("idempotency-key", "batch-1")
        .json(&json!({ "count": 2, "beyond_sample": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    assert!(response.headers().get("idempotent-replayed").is_none());
    assert_eq!(letters(&app, "1783"), 303);
}
on_both_backends!(
    a_retried_request_answers_its_first_batch_again,
    super::a_retried_request_answers_its_first_batch_again
);

async fn a_double_click_on_the_page_hands_out_one_batch(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let staff = app.staff("samordnare@hagfors.se", "coordinator", &["1783", "1762"]).await;
    let (id, _) = open_survey(&staff, 0, "codes").await;
    let page = staff.get(&format!("/admin/surveys/{id}")).await.text().await.unwrap();
    let marker = r#"name="request_key" value=""#;
    let start = page.find(marker).expect("a one-time key on the form") + marker.len();
    let key = page[start..start + 36].to_owned();
    let path = format!("/admin/surveys/{id}/municipalities/1783/codes");
    let fields = [("count", "300"), ("request_key", key.as_str())];

    let (first, second) = tokio::join!(staff.post_form(&path, &fields), staff.post_form(&path, &fields));
    let mut statuses = [first.status().as_u16(), second.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 201], "one batch made, the other click shown it");
    let shown = second.text().await.unwrap();
    assert!(
        shown.contains(r#"<span class="nowrap">1783-000001</span>–<span class="nowrap">1783-000300</span>"#),
        "{shown}"
    );
    assert_eq!(letters(&app, "1783"), 300);

    // The download sends the same key: the same batch's letters, twice.
    let zip = [("count", "300"), ("request_key", key.as_str()), ("format", "zip")];
    let one = staff.post_form(&path, &zip).await;
    assert_eq!(one.status(), 200);
    assert_eq!(one.headers()["content-type"], "application/zip");
    let one = one.bytes().await.unwrap();
    let two = staff.post_form(&path, &zip).await.bytes().await.unwrap();
    assert_eq!(mail_merge(&one), mail_merge(&two));
    assert_eq!(mail_merge(&one).lines().count(), 301, "a header and 300 letters");
    assert_eq!(letters(&app, "1783"), 300);

    // A new page has a new key; beyond the sample it asks first, keeping the number typed.
    let page = staff.get(&format!("/admin/surveys/{id}")).await.text().await.unwrap();
    assert!(!page.contains(&key), "a new key for the next batch");
    let start = page.find(marker).unwrap() + marker.len();
    let next = page[start..start + 36].to_owned();
    let asked = staff.post_form(&path, &[("count", "40"), ("request_key", next.as_str())]).await;
    assert_eq!(asked.status(), 409);
    let asked = asked.text().await.unwrap();
    assert!(asked.contains("har redan 300 brev av ett urval på 300"), "{asked}");
    assert!(asked.contains(r#"name="beyond_sample""#) && asked.contains(r#"value="40""#), "{asked}");
    let meant = [("count", "40"), ("request_key", next.as_str()), ("beyond_sample", "1")];
    assert_eq!(staff.post_form(&path, &meant).await.status(), 201);
    assert_eq!(letters(&app, "1783"), 340);
}
on_both_backends!(
    a_double_click_on_the_page_hands_out_one_batch,
    super::a_double_click_on_the_page_hands_out_one_batch
);

/// The mail-merge CSV inside a letters' archive.
fn mail_merge(archive: &[u8]) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(archive)).expect("a zip archive");
    let name = (0..zip.len())
        .map(|index| zip.by_index(index).unwrap().name().unwrap().into_owned())
        .find(|name| name.ends_with(".csv"))
        .expect("a CSV in the archive");
    std::io::read_to_string(zip.by_name(&name).unwrap()).unwrap()
}

async fn a_batch_never_sent_can_be_withdrawn(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let staff = app.staff("samordnare@hagfors.se", "coordinator", &["1783", "1762"]).await;
    let (id, codes) = open_survey(&staff, 20, "codes").await;
    let path = format!("/api/v1/surveys/{id}/municipalities/1783/invitations");
    let response = staff.send_json(Method::POST, &path, &json!({ "count": 50 })).await;
    assert_eq!(response.status(), 201);
    let batches: Value = staff.get(&format!("/api/v1/surveys/{id}/batches")).await.json().await.unwrap();
    assert_eq!(batches.as_array().unwrap().len(), 2);
    let (sent, unsent) = (batches[0]["id"].as_str().unwrap(), batches[1]["id"].as_str().unwrap());
    assert_eq!(batches[1]["first_letter"], "1783-000021");
    assert_eq!(batches[1]["letters"], 50);

    // A resident opened a letter of the first batch: it was sent, and stays.
    let mut resident = Resident::new(&app);
    resident.save(&codes[0], 1, &[("q.littering", "very_big")], "next").await;
    let refused =
        staff.send_json(Method::POST, &format!("/api/v1/surveys/{id}/batches/{sent}/withdraw"), &json!({})).await;
    assert_eq!(refused.status(), 409);
    assert_eq!(letters(&app, "1783"), 70);

    // The other never went out: withdrawn, it counts nowhere, and its numbers are not given again.
    let withdrawn =
        staff.send_json(Method::POST, &format!("/api/v1/surveys/{id}/batches/{unsent}/withdraw"), &json!({})).await;
    assert_eq!(withdrawn.status(), 200);
    assert!(withdrawn.json::<Value>().await.unwrap()["withdrawn_at"].is_string());
    assert_eq!(letters(&app, "1783"), 20);
    let rates: Value = staff.get(&format!("/api/v1/surveys/{id}/rates")).await.json().await.unwrap();
    assert!(rates.to_string().contains("\"letters\":20"), "the denominators lost the batch: {rates}");
    let again =
        staff.send_json(Method::POST, &format!("/api/v1/surveys/{id}/batches/{unsent}/withdraw"), &json!({})).await;
    assert_eq!(again.status(), 409);
    let next: Value = staff.send_json(Method::POST, &path, &json!({ "count": 1 })).await.json().await.unwrap();
    assert_eq!(next[0]["letter_number"], "1783-000071");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM audit_events WHERE action = 'letters_withdrawn'"), 1);
    assert_eq!(crate::rates::reconcile(&app, false).await, Vec::<String>::new(), "the recount agrees");

    // Another municipality's coordinator may not.
    let other = app.staff("samordnare@munkfors.se", "coordinator", &["1762"]).await;
    let response =
        other.send_json(Method::POST, &format!("/api/v1/surveys/{id}/batches/{sent}/withdraw"), &json!({})).await;
    assert_eq!(response.status(), 403);
}
on_both_backends!(a_batch_never_sent_can_be_withdrawn, super::a_batch_never_sent_can_be_withdrawn);
