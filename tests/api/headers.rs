//! Security headers on every kind of response, and secrets kept out of caches, on both backends.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{Backend, spawn_app, spawn_app_with};
use crate::on_both_backends;

fn assert_protected(response: &reqwest::Response, what: &str) {
    let headers = response.headers();
    let csp = headers.get("content-security-policy").unwrap_or_else(|| panic!("{what}: no CSP")).to_str().unwrap();
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{what}: {csp}");
    for directive in ["default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"] {
        assert!(csp.contains(directive), "{what}: {directive} in {csp}");
    }
    assert_eq!(headers["x-frame-options"], "DENY", "{what}");
    assert_eq!(headers["x-content-type-options"], "nosniff", "{what}");
    assert_eq!(headers["referrer-policy"], "no-referrer", "{what}");
}

async fn every_response_forbids_framing_inline_code_and_sniffing(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let staff = app.staff("anna@polisen.se", "coordinator", &["1783"]).await;
    for path in ["/", "/sign-in", "/tillganglighet", "/static/trygghet.css", "/static/svara.js", "/healthz", "/nowhere"]
    {
        let response = app.get(path).await;
        assert_protected(&response, path);
        assert!(!response.headers().contains_key("strict-transport-security"), "no HSTS over plain http: {path}");
    }
    for path in ["/admin", "/admin/surveys/new", "/api/v1/me", "/api/v1/surveys/%00", "/api/openapi.json"] {
        assert_protected(&staff.get(path).await, path);
    }
    assert_protected(&app.get("/api/v1/me").await, "unauthenticated API");
    let refused = staff.client.post(format!("{}/admin/surveys", app.address)).form(&[("title", "x")]).send().await;
    assert_protected(&refused.unwrap(), "a form without its CSRF token");

    // The resident's code is in the address and on the page: nothing may keep it.
    let page = app.get("/svara/ABCD-EFGH-JKLM").await;
    assert_protected(&page, "a resident's page");
    assert_eq!(page.headers()["cache-control"], "no-store");
    // A new API token is shown once, on a page and in an answer no cache may keep.
    let created = staff.send_json(Method::POST, "/api/v1/tokens", &json!({ "name": "export" })).await;
    assert_eq!(created.status(), 201);
    assert_eq!(created.headers()["cache-control"], "no-store");
    let page = staff.post_form("/admin/account/tokens", &[("name", "export")]).await;
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["cache-control"], "no-store");
    assert!(page.text().await.unwrap().contains("tgh_"));
    // Static files stay cacheable.
    assert_ne!(app.get("/static/trygghet.css").await.headers()["cache-control"], "no-store");

    // The templates carry no inline script, style or handler for the policy to break.
    let templates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("frontend/templates");
    let mut stack = vec![templates];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for inline in
                ["<style", " style=", "<script>", " onclick=", " onload=", " onchange=", " onsubmit=", "javascript:"]
            {
                assert!(!text.contains(inline), "{} holds {inline}", path.display());
            }
            assert!(!text.contains("<script") || text.contains("<script src=\"/static/"), "{}", path.display());
        }
    }
}
on_both_backends!(
    every_response_forbids_framing_inline_code_and_sniffing,
    super::every_response_forbids_framing_inline_code_and_sniffing
);

async fn https_adds_strict_transport_security(backend: Backend) {
    let Some(app) = spawn_app_with(backend, &[("TRYGGHET_PUBLIC_URL", "https://trygghet.example.se")]).await else {
        return;
    };
    for path in ["/", "/static/trygghet.css", "/api/v1/me", "/nowhere"] {
        let response = app.get(path).await;
        assert_protected(&response, path);
        let hsts = response.headers()["strict-transport-security"].to_str().unwrap();
        assert!(
            hsts.starts_with("max-age=") && hsts["max-age=".len()..].parse::<u64>().unwrap() >= 15_552_000,
            "{hsts}"
        );
    }
}
on_both_backends!(https_adds_strict_transport_security, super::https_adds_strict_transport_security);
