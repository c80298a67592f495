//! The staff's pages in English: a visible switch (a plain link, no script) remembers the language in the same
//! cookie residents use, the browser's `Accept-Language` decides before any choice, and Swedish is the default. Every
//! main staff page then speaks English: `<html lang="en">`, English headings, no Swedish left in the page's frame.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{Backend, Browser, spawn_app};
use crate::on_both_backends;
use crate::results::open_survey;

/// Words of the Swedish staff pages that must not be left on an English page (the data, such as a survey's title
/// or a municipality's name, stays as it was written).
const SWEDISH: [&str; 8] =
    ["Enkäter", "Logga ut", "Svarsfrekvens", "Mitt konto", "Inloggad som", "Till innehållet", "Användare", "Kommuner"];

async fn page(browser: &Browser, path: &str) -> String {
    let response = browser.get(path).await;
    assert_eq!(response.status(), 200, "{path}");
    response.text().await.unwrap()
}

fn assert_english(path: &str, html: &str, heading: &str) {
    assert!(html.contains(r#"<html lang="en""#), "{path} is marked as English");
    assert!(html.contains(heading), "{path} has the English heading {heading:?}");
    for word in SWEDISH {
        assert!(!html.contains(word), "{path} still says {word:?}");
    }
}

async fn staff_pages_in_english(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };

    // Before signing in: the browser's language decides, Swedish by default.
    let english_browser = reqwest::Client::new()
        .get(format!("{}/sign-in", app.address))
        .header("accept-language", "en-GB,en;q=0.9")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(english_browser.contains(r#"<html lang="en""#) && english_browser.contains("<h1>Sign in</h1>"));
    let plain = app.browser().await;
    let sign_in = page(&plain, "/sign-in").await;
    assert!(sign_in.contains(r#"<html lang="sv""#) && sign_in.contains("<h1>Logga in</h1>"));

    // Signed in, Swedish, with the switch to English in the header.
    let browser = app.staff("anna@polisen.se", "admin", &[]).await;
    let home = page(&browser, "/admin").await;
    assert!(home.contains(r#"<html lang="sv""#) && home.contains("<h1>Enkäter</h1>"));
    assert!(home.contains(r#"admin?lang=en" lang="en" hreflang="en">English</a>"#), "the switch: {home}");

    // The switch is a link; the choice is kept for the pages that follow.
    let switched = browser.get("/admin?lang=en").await;
    let cookie = switched.headers().get("set-cookie").map(|value| value.to_str().unwrap().to_owned());
    assert!(cookie.is_some_and(|cookie| cookie.starts_with("trygghet_lang=en")), "the language is remembered");
    let home = page(&browser, "/admin").await;
    assert_english("/admin", &home, "<h1>Surveys</h1>");
    assert!(home.contains(r#"admin?lang=sv" lang="sv" hreflang="sv">Svenska</a>"#), "the way back");
    assert!(home.contains("Signed in as anna@polisen.se (Administrator)."));

    let id = open_survey(&browser).await;
    for (path, heading) in [
        (format!("/admin/surveys/{id}"), "<dt>Status</dt><dd>Open</dd>".to_owned()),
        (format!("/admin/surveys/{id}/rates"), "<h1>Response rate</h1>".to_owned()),
        (format!("/admin/surveys/{id}/results"), "<h1>Results: Trygghet 2026</h1>".to_owned()),
        (format!("/admin/surveys/{id}/comments"), "<h1>Comments: Trygghet 2026</h1>".to_owned()),
        (format!("/admin/surveys/{id}/close"), "<h1>Close Trygghet 2026?</h1>".to_owned()),
        ("/admin/surveys/new".to_owned(), "<h1>New survey</h1>".to_owned()),
        ("/admin/municipalities/1783/promises".to_owned(), "<h1>Citizen promises in Hagfors</h1>".to_owned()),
        ("/admin/users".to_owned(), "<h1>Users</h1>".to_owned()),
        ("/admin/audit".to_owned(), "<h1>Audit log</h1>".to_owned()),
        (
            "/admin/audit?action=survey_opened".to_owned(),
            r#"<option value="survey_opened" selected>Survey opened</option>"#.to_owned(),
        ),
        ("/admin/account".to_owned(), "<h1>My account</h1>".to_owned()),
    ] {
        let html = page(&browser, &path).await;
        assert_english(&path, &html, &heading);
    }

    // The log tells what happened in English; the API keeps its Swedish sentences.
    let log = page(&browser, "/admin/audit").await;
    assert!(log.contains("anna@polisen.se opened the survey Trygghet 2026"), "{log}");
    let api: serde_json::Value = browser.get("/api/v1/audit").await.json().await.unwrap();
    assert!(
        api.as_array().unwrap().iter().any(|event| event["summary"] == "anna@polisen.se öppnade enkäten Trygghet 2026")
    );

    let refused = browser.get("/admin/audit?from=2026-02-30").await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("The from day does not exist in the calendar."));

    // The results name what they show, and the questionnaire's words, in English too.
    let results = page(&browser, &format!("/admin/surveys/{id}/results")).await;
    assert!(results.contains("Every municipality you can see, and the total, "), "{results}");

    // A form's notice comes in the chosen language too.
    let closed = browser.post_form(&format!("/admin/surveys/{id}/close"), &[("confirm", "1")]).await;
    assert_eq!(closed.status(), 303);
    let survey = page(&browser, &format!("/admin/surveys/{id}")).await;
    assert!(survey.contains("The survey is now closed."), "the notice in English");

    // A use case's reasons too: a form sent back with its errors, and a refused action, worded in English; the API
    // keeps its Swedish sentences for the same reasons.
    let sent_back = browser.post_form("/admin/surveys", &[("title", ""), ("opens_on", "2027-02-30")]).await;
    assert_eq!(sent_back.status(), 422);
    let sent_back = sent_back.text().await.unwrap();
    for reason in
        ["Give the survey a name", "The first day does not exist in the calendar.", "Choose at least one municipality."]
    {
        assert!(sent_back.contains(reason), "{reason:?} in {sent_back}");
    }
    assert!(!sent_back.contains("Ge enkäten ett namn") && !sent_back.contains("Välj minst en kommun"));
    let again = browser.post_form(&format!("/admin/surveys/{id}/close"), &[("confirm", "1")]).await;
    assert_eq!(again.status(), 409);
    assert!(again.text().await.unwrap().contains("The survey is already closed."));
    let api = browser
        .send_json(
            Method::POST,
            "/api/v1/surveys",
            &json!({ "title": "", "opens_on": "2027-03-01",
        "closes_on": "2027-04-01", "access": "codes", "municipalities": [] }),
        )
        .await;
    assert_eq!(api.status(), 422);
    let api: serde_json::Value = api.json().await.unwrap();
    assert!(api["error"]["message"].as_str().unwrap().starts_with("Ge enkäten ett namn"), "{api}");

    // An error page as well.
    let missing = browser.get("/admin/nothing-here").await;
    assert_eq!(missing.status(), 404);
    let missing = missing.text().await.unwrap();
    assert!(missing.contains(r#"<html lang="en""#) && missing.contains("<h1>Page not found</h1>"));

    // And back to Swedish, the default wording unchanged.
    let home = page(&browser, "/admin?lang=sv").await;
    assert!(home.contains(r#"<html lang="sv""#) && home.contains("<h1>Enkäter</h1>") && home.contains("Logga ut"));

    // The API is not a page: it keeps its own (English) messages whatever the cookie says.
    let api = browser.send_json(Method::GET, "/api/v1/surveys/nothing-here", &json!({})).await;
    assert_eq!(api.status(), 404);
}
on_both_backends!(staff_pages_follow_the_chosen_language, super::staff_pages_in_english);
