use std::time::Duration;

use crate::helpers::{Backend, spawn_app, spawn_app_with};
use crate::on_both_backends;

async fn liveness_and_readiness_answer(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };

    let (status, body) = app.get_json("/healthz").await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");

    let response = app.get("/readyz").await;
    assert_eq!(response.status(), 200);
    let request_id = response.headers().get("x-request-id").expect("a request id header").to_str().unwrap().to_owned();
    assert_eq!(request_id.len(), 36, "a UUID: {request_id}");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ready");
    assert_eq!(body["database"], if backend == Backend::Sqlite { "sqlite" } else { "postgres" });
}
on_both_backends!(liveness_and_readiness_answer, super::liveness_and_readiness_answer);

async fn readiness_fails_when_the_database_goes_away(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    assert_eq!(app.get("/readyz").await.status(), 200);

    app.database.destroy();

    let response = app.get("/readyz").await;
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers().get("retry-after").map(|v| v.to_str().unwrap()), Some("5"));
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "unavailable");
    // The process itself is still alive: an orchestrator should stop routing to it, not restart it.
    assert_eq!(app.get("/healthz").await.status(), 200);
    // And the failure is counted.
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(metric_value(&metrics, "trygghet_db_errors_total{kind=\"unavailable\"}") >= 1.0, "{metrics}");
}
on_both_backends!(readiness_fails_when_the_database_goes_away, super::readiness_fails_when_the_database_goes_away);

async fn metrics_count_requests_per_route_and_show_the_pool(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    for _ in 0..3 {
        app.get("/api/v1/municipalities/1783").await;
    }
    app.get("/api/v1/municipalities/0000").await;
    app.get("/no/such/page/ABCD-EFGH").await;

    let response = app.get("/metrics").await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    let metrics = response.text().await.unwrap();
    let ok = r#"trygghet_http_requests_total{endpoint="/api/v1/municipalities/{code}",method="GET",status="200"}"#;
    let missing = r#"trygghet_http_requests_total{endpoint="/api/v1/municipalities/{code}",method="GET",status="404"}"#;
    assert_eq!(metric_value(&metrics, ok), 3.0, "{metrics}");
    assert_eq!(metric_value(&metrics, missing), 1.0, "{metrics}");
    assert!(
        metrics.contains("trygghet_http_requests_duration_seconds_bucket{endpoint=\"/api/v1/municipalities/{code}\"")
    );
    // Unmatched paths are folded into one label: a typed code must never become a metric label.
    assert!(!metrics.contains("ABCD-EFGH"), "{metrics}");
    assert!(metrics.contains("endpoint=\"UNMATCHED\""), "{metrics}");
    assert_eq!(metric_value(&metrics, "trygghet_db_pool_connections{state=\"max\"}"), 4.0);
    assert!(metric_value(&metrics, "trygghet_db_pool_connections{state=\"idle\"}") >= 1.0);
    assert_eq!(metric_value(&metrics, "trygghet_db_errors_total{kind=\"query\"}"), 0.0);
}
on_both_backends!(
    metrics_count_requests_per_route_and_show_the_pool,
    super::metrics_count_requests_per_route_and_show_the_pool
);

async fn a_metrics_token_guards_metrics(backend: Backend) {
    let Some(app) = spawn_app_with(backend, &[("TRYGGHET_METRICS_TOKEN", "s3cret-scrape-token")]).await else { return };

    assert_eq!(app.get("/metrics").await.status(), 401);
    let wrong = app.client.get(format!("{}/metrics", app.address)).bearer_auth("guess").send().await.unwrap();
    assert_eq!(wrong.status(), 401);
    let right =
        app.client.get(format!("{}/metrics", app.address)).bearer_auth("s3cret-scrape-token").send().await.unwrap();
    assert_eq!(right.status(), 200);
    // Health endpoints stay open for load balancers.
    assert_eq!(app.get("/readyz").await.status(), 200);
}
on_both_backends!(a_metrics_token_guards_metrics, super::a_metrics_token_guards_metrics);

async fn a_graceful_stop_lets_the_server_finish(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    assert_eq!(app.get("/healthz").await.status(), 200);
    tokio::time::timeout(Duration::from_secs(10), app.stop()).await.expect("the server stops within its timeout");
    assert!(app.get_result("/healthz").await.is_err(), "no new requests after the stop");
}
on_both_backends!(a_graceful_stop_lets_the_server_finish, super::a_graceful_stop_lets_the_server_finish);

/// The value of one sample line of a Prometheus text page (0 when absent).
pub fn metric_value(page: &str, series: &str) -> f64 {
    page.lines().find_map(|line| line.strip_prefix(series).and_then(|rest| rest.trim().parse().ok())).unwrap_or(0.0)
}
