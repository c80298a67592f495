//! Taking out a reminder list is recorded, so only a form or an API POST does it; a link cannot.

use reqwest::Method;
use serde_json::json;

use crate::answer::open_survey;
use crate::helpers::{Backend, spawn_app};
use crate::on_both_backends;

async fn a_link_cannot_take_out_a_reminder_list(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let staff = app.staff("samordnare@hagfors.se", "coordinator", &["1783", "1762"]).await;
    let (id, codes) = open_survey(&staff, 3, "codes").await;
    assert_eq!(codes.len(), 3);
    let recorded =
        || app.query_strings("SELECT action FROM audit_events WHERE action = 'reminder_list_exported'").len();
    let revision = || app.query_strings(&format!("SELECT revision FROM surveys WHERE id = '{id}'"));
    let before = revision();

    // A link another site makes the browser follow, with the session's cookie: nothing happens.
    let page_path = format!("/admin/surveys/{id}/municipalities/1783/reminders.csv");
    let api_path = format!("/api/v1/surveys/{id}/municipalities/1783/reminders");
    assert_eq!(staff.get(&page_path).await.status(), 404);
    assert_eq!(staff.get(&api_path).await.status(), 405, "the API address takes POST only");
    // Nor does a form posted from elsewhere, without the session's CSRF token.
    let forged = staff.client.post(format!("{}{page_path}", app.address)).form(&[("csrf_token", "x")]).send().await;
    assert_eq!(forged.unwrap().status(), 403);
    let forged = staff.client.post(format!("{}{api_path}", app.address)).send().await.unwrap();
    assert_eq!(forged.status(), 403);
    assert_eq!((recorded(), revision()), (0, before.clone()));

    // The survey page's button posts the form: the list, recorded once.
    let survey_page = staff.get(&format!("/admin/surveys/{id}")).await.text().await.unwrap().replace("&#x2f;", "/");
    assert!(survey_page.contains(&format!(r#"method="post" action="{page_path}""#)), "{survey_page}");
    let list = staff.post_form(&page_path, &[]).await;
    assert_eq!(list.status(), 200);
    assert_eq!(list.headers()["content-type"], "text/csv; charset=utf-8");
    assert_eq!(list.text().await.unwrap().lines().count(), 4, "the header and three letters");
    assert_eq!(recorded(), 1);
    assert_ne!(revision(), before, "the rates' chart shows the reminder");
    let list = staff.send_json(Method::POST, &api_path, &json!({})).await;
    assert_eq!(list.status(), 200);
    assert_eq!(recorded(), 2);
}
on_both_backends!(a_link_cannot_take_out_a_reminder_list, super::a_link_cannot_take_out_a_reminder_list);
