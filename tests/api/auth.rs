//! Signing in and out, sessions, CSRF, throttling, API tokens and the first administrator, on both backends.

use reqwest::Method;
use serde_json::json;

use crate::health::metric_value;
use crate::helpers::{Backend, PASSWORD, spawn_app, spawn_app_with};
use crate::on_both_backends;

async fn staff_sign_in_and_out(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    app.create_user("anna@polisen.se", "coordinator", &["1783"]).await;
    let mut browser = app.browser().await;

    // A wrong password: the form comes back with one message, the address kept, no session.
    let response = browser.sign_in("Anna@Polisen.se", "wrong password here").await;
    assert_eq!(response.status(), 401);
    let page = response.text().await.unwrap();
    assert!(page.contains("E-postadressen eller lösenordet stämmer inte."));
    assert!(page.contains(r#"value="Anna@Polisen.se""#), "what was typed is kept");
    assert_eq!(browser.get("/admin").await.status(), 303);

    // The right one (the address in any case): a session cookie, HttpOnly and SameSite=Lax, and the start page.
    let response = browser.sign_in("ANNA@polisen.se", PASSWORD).await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/admin");
    let cookie = response.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("trygghet_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    let token = cookie.split(';').next().unwrap().trim_start_matches("trygghet_session=").to_owned();
    assert!(token.len() >= 43, "at least 256 bits");
    browser.refresh_csrf().await;
    let page = browser.get("/admin").await.text().await.unwrap();
    assert!(page.contains("Inloggad som anna@polisen.se (Samordnare)"));

    // Only a keyed hash of the token is stored.
    let stored: Vec<String> = app.query_strings("SELECT token_hash FROM sessions");
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], token);
    assert!(!stored[0].contains(&token));

    // Signing out ends the session on the server.
    let response = browser.post_form("/sign-out", &[]).await;
    assert_eq!(response.status(), 303);
    assert_eq!(browser.get("/admin").await.status(), 303);
    assert!(app.query_strings("SELECT token_hash FROM sessions").is_empty());

    // A crafted "next" cannot send anyone elsewhere after signing in.
    for next in ["//evil.example", "/\t/evil.example", "/\\evil.example", "https://evil.example"] {
        let mut other = app.browser().await;
        let form =
            [("email", "anna@polisen.se"), ("password", PASSWORD), ("csrf_token", other.csrf.as_str()), ("next", next)];
        let response = other.client.post(format!("{}/sign-in", app.address)).form(&form).send().await.unwrap();
        assert_eq!(response.headers()["location"], "/admin", "{next:?}");
        other.csrf.clear();
    }
}
on_both_backends!(staff_sign_in_and_out, super::staff_sign_in_and_out);

async fn state_changing_requests_need_the_csrf_token(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let admin = app.staff("admin@polisen.se", "admin", &[]).await;
    let new_user = [("email", "ny@kommun.se"), ("password", PASSWORD), ("role", "viewer"), ("municipalities", "1783")];

    // A form without the token, or with another session's token, is refused and changes nothing.
    let response = admin.client.post(format!("{}/admin/users", app.address)).form(&new_user).send().await.unwrap();
    assert_eq!(response.status(), 403);
    let page = response.text().await.unwrap();
    assert!(page.contains("Formuläret har gått ut"), "an HTML page explains it");
    let mut forged: Vec<(&str, &str)> = new_user.to_vec();
    forged.push(("csrf_token", "forged-token-forged-token-forged-token-xx"));
    let response = admin.client.post(format!("{}/admin/users", app.address)).form(&forged).send().await.unwrap();
    assert_eq!(response.status(), 403);

    // JSON with the session cookie but without the header is refused too.
    let body = json!({ "email": "ny@kommun.se", "password": PASSWORD, "role": "viewer", "municipalities": ["1783"] });
    let response = admin.client.post(format!("{}/api/v1/users", app.address)).json(&body).send().await.unwrap();
    assert_eq!(response.status(), 403);
    let error: serde_json::Value = response.json().await.unwrap();
    assert_eq!(error["error"]["code"], "csrf");
    assert_eq!(app.query_strings("SELECT email FROM users WHERE email = 'ny@kommun.se'").len(), 0);

    // With the token it works; so does an API token, which needs none.
    assert_eq!(admin.post_form("/admin/users", &new_user).await.status(), 200);
    let script = admin.script().await;
    let body = json!({ "email": "script@kommun.se", "password": PASSWORD, "role": "viewer", "municipalities": [] });
    assert_eq!(script.request(Method::POST, "/api/v1/users", Some(&body)).await.status(), 201);

    // The sign-in form itself is protected by a double-submit cookie.
    let response = reqwest::Client::new()
        .post(format!("{}/sign-in", app.address))
        .form(&[("email", "admin@polisen.se"), ("password", PASSWORD), ("csrf_token", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
}
on_both_backends!(state_changing_requests_need_the_csrf_token, super::state_changing_requests_need_the_csrf_token);

async fn repeated_failures_are_slowed_then_refused(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    app.create_user("anna@polisen.se", "coordinator", &["1783"]).await;
    let mut browser = app.browser().await;

    for attempt in 1..=4 {
        let response = browser.sign_in("anna@polisen.se", "not the password").await;
        assert_eq!(response.status(), 401, "attempt {attempt}");
    }
    let started = std::time::Instant::now();
    let fifth = browser.sign_in("anna@polisen.se", "not the password").await;
    assert!(started.elapsed() >= std::time::Duration::from_millis(400), "each failure slows the answer");
    assert_eq!(fifth.status(), 429);
    let retry_after: i64 = fifth.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((60..=900).contains(&retry_after), "{retry_after}");

    // Locked: even the right password is refused for now.
    let response = browser.sign_in("anna@polisen.se", PASSWORD).await;
    assert_eq!(response.status(), 429);
    assert!(response.headers().contains_key("retry-after"));

    // An address without an account behaves exactly alike, so the answers reveal nothing.
    for _ in 1..=4 {
        assert_eq!(browser.sign_in("nobody@polisen.se", "not the password").await.status(), 401);
    }
    assert_eq!(browser.sign_in("nobody@polisen.se", "not the password").await.status(), 429);

    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert_eq!(metric_value(&metrics, r#"trygghet_sign_in_failures_total{reason="bad_credentials"}"#), 10.0);
    assert_eq!(metric_value(&metrics, r#"trygghet_sign_in_failures_total{reason="locked"}"#), 1.0);
    let failures = app.query_strings("SELECT action FROM audit_events WHERE action = 'sign_in_failed'");
    assert_eq!(failures.len(), 10, "every failure is in the audit log");
}
on_both_backends!(repeated_failures_are_slowed_then_refused, super::repeated_failures_are_slowed_then_refused);

async fn sessions_expire_and_can_be_revoked(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let admin = app.staff("admin@polisen.se", "admin", &[]).await;
    let anna = app.staff("anna@polisen.se", "coordinator", &["1783"]).await;
    assert_eq!(anna.get("/admin").await.status(), 200);

    // Inactivity: a session unused for longer than the idle limit (60 minutes) is over.
    app.database.execute(&format!(
        "UPDATE sessions SET last_seen_at = {} WHERE user_id = (SELECT id FROM users WHERE email = 'anna@polisen.se')",
        app.timestamp_hours_ago(2)
    ));
    let response = anna.get("/admin/account").await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/sign-in?next=%2Fadmin%2Faccount", "back to where they were");

    // The absolute limit ends a session however active it is.
    let anna = app.sign_in("anna@polisen.se").await;
    app.database.execute(&format!(
        "UPDATE sessions SET expires_at = {} WHERE user_id = (SELECT id FROM users WHERE email = 'anna@polisen.se')",
        app.timestamp_hours_ago(1)
    ));
    assert_eq!(anna.get("/api/v1/me").await.status(), 401);

    // An administrator can end someone's sessions everywhere.
    let anna = app.sign_in("anna@polisen.se").await;
    let anna_id =
        anna.get("/api/v1/me").await.json::<serde_json::Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let response = admin.send_json(Method::POST, &format!("/api/v1/users/{anna_id}/revoke-sessions"), &json!({})).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<serde_json::Value>().await.unwrap()["sessions_ended"], 1);
    assert_eq!(anna.get("/api/v1/me").await.status(), 401);

    // Changing one's password ends the other sessions and keeps this one.
    let here = app.sign_in("anna@polisen.se").await;
    let elsewhere = app.sign_in("anna@polisen.se").await;
    let response = here
        .post_form(
            "/admin/account/password",
            &[("current_password", PASSWORD), ("new_password", "a brand new passphrase")],
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(here.get("/api/v1/me").await.status(), 200);
    assert_eq!(elsewhere.get("/api/v1/me").await.status(), 401);
    let mut again = app.browser().await;
    assert_eq!(again.sign_in("anna@polisen.se", "a brand new passphrase").await.status(), 303);

    // Disabling an account ends its sessions and its sign-ins.
    let response =
        admin.send_json(Method::PATCH, &format!("/api/v1/users/{anna_id}"), &json!({ "disabled": true })).await;
    assert_eq!(response.status(), 200);
    assert_eq!(here.get("/api/v1/me").await.status(), 401);
    let mut again = app.browser().await;
    assert_eq!(again.sign_in("anna@polisen.se", "a brand new passphrase").await.status(), 401);
}
on_both_backends!(sessions_expire_and_can_be_revoked, super::sessions_expire_and_can_be_revoked);

async fn api_tokens_are_shown_once_stored_hashed_and_revocable(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let anna = app.staff("anna@polisen.se", "viewer", &["1783"]).await;
    let script = anna.script().await;
    assert!(script.token.starts_with("tgh_"));

    let me: serde_json::Value = script.request(Method::GET, "/api/v1/me", None).await.json().await.unwrap();
    assert_eq!(me["email"], "anna@polisen.se");
    assert_eq!(me["role"], "viewer", "a token has its user's role");
    assert_eq!(script.request(Method::GET, "/api/v1/users", None).await.status(), 403);

    let stored = app.query_strings("SELECT token_hash FROM api_tokens");
    assert_eq!(stored.len(), 1);
    assert!(!stored[0].contains(&script.token[4..]), "only a keyed hash is stored");
    let listed: serde_json::Value = script.request(Method::GET, "/api/v1/tokens", None).await.json().await.unwrap();
    assert!(!listed.to_string().contains(&script.token[4..]), "listing never shows the token");

    let id = listed[0]["id"].as_str().unwrap();
    assert_eq!(script.request(Method::DELETE, &format!("/api/v1/tokens/{id}"), None).await.status(), 204);
    assert_eq!(script.request(Method::GET, "/api/v1/me", None).await.status(), 401);
    let response = reqwest::Client::new()
        .get(format!("{}/api/v1/me", app.address))
        .bearer_auth("tgh_made_up")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(response.json::<serde_json::Value>().await.unwrap()["error"]["code"], "unauthenticated");
}
on_both_backends!(
    api_tokens_are_shown_once_stored_hashed_and_revocable,
    super::api_tokens_are_shown_once_stored_hashed_and_revocable
);

async fn the_audit_log_records_who_did_what_without_secrets(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let admin = app.staff("admin@polisen.se", "admin", &[]).await;
    let mut browser = app.browser().await;
    browser.sign_in("admin@polisen.se", "a wrong password!").await;
    let body =
        json!({ "email": "ny@kommun.se", "password": PASSWORD, "role": "coordinator", "municipalities": ["1766"] });
    assert_eq!(admin.send_json(Method::POST, "/api/v1/users", &body).await.status(), 201);

    let events: serde_json::Value = admin.get("/api/v1/audit").await.json().await.unwrap();
    let actions: Vec<&str> = events.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for action in ["user_created", "sign_in", "sign_in_failed"] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
    let created = events.as_array().unwrap().iter().find(|e| e["target"] == "ny@kommun.se").unwrap();
    assert_eq!(created["actor_email"], "admin@polisen.se");
    assert_eq!(created["source_address"], "127.0.0.1");
    let text = events.to_string();
    assert!(!text.contains(PASSWORD) && !text.contains("a wrong password!"), "no password in the log");

    let page = admin.get("/admin/audit").await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("skapade kontot för ny@kommun.se som samordnare för Sunne"));
}
on_both_backends!(
    the_audit_log_records_who_did_what_without_secrets,
    super::the_audit_log_records_who_did_what_without_secrets
);

async fn guesses_in_parallel_cannot_slip_past_the_limit(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    app.create_user("anna@polisen.se", "coordinator", &["1783"]).await;
    let browser = app.browser().await;
    let attempts = (0..20).map(|_| {
        let client = browser.client.clone();
        let url = format!("{}/sign-in", app.address);
        let csrf = browser.csrf.clone();
        tokio::spawn(async move {
            let form = [("email", "anna@polisen.se"), ("password", "a wrong password!"), ("csrf_token", csrf.as_str())];
            client.post(url).form(&form).send().await.unwrap().status().as_u16()
        })
    });
    let mut statuses = Vec::new();
    for attempt in attempts.collect::<Vec<_>>() {
        statuses.push(attempt.await.unwrap());
    }
    let checked = statuses.iter().filter(|status| **status == 401).count();
    assert!(checked <= 4, "at most 4 passwords checked before the lock, not {checked}: {statuses:?}");
    assert_eq!(statuses.iter().filter(|status| **status == 429).count(), 20 - checked, "{statuses:?}");
    let metrics = app.get("/metrics").await.text().await.unwrap();
    let verified =
        crate::health::metric_value(&metrics, r#"trygghet_sign_in_failures_total{reason="bad_credentials"}"#);
    assert!(verified <= 5.0, "only the attempts within the limit reached the password check: {verified}");
}
on_both_backends!(
    guesses_in_parallel_cannot_slip_past_the_limit,
    super::guesses_in_parallel_cannot_slip_past_the_limit
);

async fn tokens_end_with_the_sessions_and_cannot_mint_tokens(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let admin = app.staff("admin@polisen.se", "admin", &[]).await;
    let anna = app.staff("anna@polisen.se", "coordinator", &["1783"]).await;
    let anna_id =
        anna.get("/api/v1/me").await.json::<serde_json::Value>().await.unwrap()["id"].as_str().unwrap().to_owned();

    // A stolen token cannot make a second one to outlive its own revocation.
    let script = anna.script().await;
    let minted = script.request(Method::POST, "/api/v1/tokens", Some(&json!({ "name": "spare" }))).await;
    assert_eq!(minted.status(), 403);
    let form = reqwest::Client::new()
        .post(format!("{}/admin/account/tokens", app.address))
        .bearer_auth(&script.token)
        .form(&[("name", "spare"), ("csrf_token", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 403, "nor through the account page's form");
    assert_eq!(app.query_strings("SELECT id FROM api_tokens").len(), 1);

    // Ending someone's sessions revokes their tokens too.
    let response = admin.send_json(Method::POST, &format!("/api/v1/users/{anna_id}/revoke-sessions"), &json!({})).await;
    assert_eq!(response.status(), 200);
    let ended: serde_json::Value = response.json().await.unwrap();
    assert_eq!((ended["sessions_ended"].as_i64(), ended["tokens_revoked"].as_i64()), (Some(1), Some(1)));
    assert_eq!(script.request(Method::GET, "/api/v1/me", None).await.status(), 401);

    // So does changing one's password, while the session that changed it goes on.
    let anna = app.sign_in("anna@polisen.se").await;
    let script = anna.script().await;
    let response = anna
        .post_form(
            "/admin/account/password",
            &[("current_password", PASSWORD), ("new_password", "a brand new passphrase")],
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(anna.get("/api/v1/me").await.status(), 200);
    assert_eq!(script.request(Method::GET, "/api/v1/me", None).await.status(), 401);

    // And disabling the account.
    let mut anna = app.browser().await;
    assert_eq!(anna.sign_in("anna@polisen.se", "a brand new passphrase").await.status(), 303);
    anna.refresh_csrf().await;
    let script = anna.script().await;
    let response =
        admin.send_json(Method::PATCH, &format!("/api/v1/users/{anna_id}"), &json!({ "disabled": true })).await;
    assert_eq!(response.status(), 200);
    let response =
        admin.send_json(Method::PATCH, &format!("/api/v1/users/{anna_id}"), &json!({ "disabled": false })).await;
    assert_eq!(response.status(), 200);
    assert_eq!(script.request(Method::GET, "/api/v1/me", None).await.status(), 401, "re-enabling brings no token back");
}
on_both_backends!(
    tokens_end_with_the_sessions_and_cannot_mint_tokens,
    super::tokens_end_with_the_sessions_and_cannot_mint_tokens
);

async fn a_stranger_cannot_lock_the_owner_out(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    // The owner signed in from this browser before, so it carries a device cookie for the account.
    let mut owner = app.staff("anna@polisen.se", "coordinator", &["1783"]).await;
    owner.post_form("/sign-out", &[]).await;
    owner.csrf = crate::helpers::hidden_csrf(&owner.get("/sign-in").await.text().await.unwrap()).unwrap();

    // A stranger guesses 20 times: slowed, then refused, the account locked against unknown clients.
    let mut stranger = app.browser().await;
    let mut statuses = Vec::new();
    for _ in 0..20 {
        statuses.push(stranger.sign_in("anna@polisen.se", "a wrong password!").await.status().as_u16());
    }
    assert_eq!(statuses.iter().filter(|status| **status == 401).count(), 4, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|status| **status == 429).count(), 16, "{statuses:?}");
    assert_eq!(stranger.sign_in("anna@polisen.se", PASSWORD).await.status(), 429, "locked for unknown clients");
    // A forged or another account's device cookie is an unknown client.
    let mut forger = app.browser().await;
    let forged = reqwest::Url::parse(&format!("{}/sign-in", app.address)).unwrap();
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    jar.add_cookie_str("trygghet_device=bm9uY2U.0000; Path=/sign-in", &forged);
    forger.client =
        reqwest::Client::builder().cookie_provider(jar).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let page = forger.get("/sign-in").await.text().await.unwrap();
    forger.csrf = crate::helpers::hidden_csrf(&page).unwrap();
    assert_eq!(forger.sign_in("anna@polisen.se", PASSWORD).await.status(), 429);

    // The owner, from their known browser, signs in all the same.
    assert_eq!(owner.sign_in("anna@polisen.se", PASSWORD).await.status(), 303);
    owner.refresh_csrf().await;
    assert_eq!(owner.get("/api/v1/me").await.status(), 200);
    owner.post_form("/sign-out", &[]).await;
    owner.csrf = crate::helpers::hidden_csrf(&owner.get("/sign-in").await.text().await.unwrap()).unwrap();

    // A known device that fails too often itself is treated as unknown, so a copied device cookie buys a thief only
    // five guesses.
    for attempt in 1..=4 {
        assert_eq!(owner.sign_in("anna@polisen.se", "a wrong password!").await.status(), 401, "attempt {attempt}");
    }
    assert_eq!(owner.sign_in("anna@polisen.se", "a wrong password!").await.status(), 429);
    assert_eq!(owner.sign_in("anna@polisen.se", PASSWORD).await.status(), 429);

    // Every failure is counted in the metrics and the audit log.
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert_eq!(metric_value(&metrics, r#"trygghet_sign_in_failures_total{reason="bad_credentials"}"#), 10.0);
    assert_eq!(metric_value(&metrics, r#"trygghet_sign_in_failures_total{reason="locked"}"#), 18.0);
    assert_eq!(app.query_strings("SELECT action FROM audit_events WHERE action = 'sign_in_failed'").len(), 10);
    assert_eq!(app.query_strings("SELECT action FROM audit_events WHERE action = 'sign_in_refused'").len(), 18);
}
on_both_backends!(a_stranger_cannot_lock_the_owner_out, super::a_stranger_cannot_lock_the_owner_out);

async fn a_session_in_use_outlives_a_short_idle_limit(backend: Backend) {
    let Some(app) = spawn_app_with(backend, &[("TRYGGHET_SESSION_IDLE_MINUTES", "1")]).await else { return };
    let anna = app.staff("anna@polisen.se", "coordinator", &["1783"]).await;
    let set_last_seen = |seconds_ago: i64| {
        let at = chrono::Utc::now().naive_utc() - chrono::Duration::seconds(seconds_ago);
        app.database.execute(&format!("UPDATE sessions SET last_seen_at = '{}'", at.format("%Y-%m-%d %H:%M:%S%.6f")));
    };
    // Used every 15 seconds, a session's stored last use was written at most a tenth of the limit (6 s) back, so a
    // use finding it 45 seconds back writes it anew; before, it was written once a minute and the session used
    // every 15 seconds ended at the minute.
    set_last_seen(45);
    assert_eq!(anna.get("/api/v1/me").await.status(), 200);
    let stored = app.query_strings("SELECT last_seen_at FROM sessions");
    let stored =
        chrono::NaiveDateTime::parse_from_str(&stored[0][..19].replace('T', " "), "%Y-%m-%d %H:%M:%S").unwrap();
    assert!(chrono::Utc::now().naive_utc() - stored < chrono::Duration::seconds(10), "written at this use: {stored}");
    // Left alone longer than the limit and its tenth, it ends.
    set_last_seen(70);
    assert_eq!(anna.get("/api/v1/me").await.status(), 401);
}
on_both_backends!(a_session_in_use_outlives_a_short_idle_limit, super::a_session_in_use_outlives_a_short_idle_limit);
