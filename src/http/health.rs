//! Operations endpoints: liveness, readiness and metrics for load balancers, orchestrators and Prometheus.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use crate::app::health;
use crate::error::AppError;
use crate::http::state::AppState;

/// `GET /healthz`: the process is up and serving HTTP. Never touches the database, so a database outage does not
/// get healthy instances restarted.
pub async fn alive() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// `GET /readyz`: the instance can serve requests, i.e. its database answers; 503 otherwise.
pub async fn ready(state: web::Data<AppState>) -> HttpResponse {
    let (backend, answer) = health::ready(&state).await;
    match answer {
        Ok(()) => HttpResponse::Ok().json(json!({ "status": "ready", "database": backend })),
        Err(error) => {
            tracing::warn!(%error, "not ready");
            HttpResponse::ServiceUnavailable()
                .insert_header((header::RETRY_AFTER, "5"))
                .json(json!({ "status": "unavailable", "database": backend, "reason": "the database does not answer" }))
        }
    }
}

/// `GET /metrics`: Prometheus text format. When `TRYGGHET_METRICS_TOKEN` is set, a matching bearer token is needed.
pub async fn metrics(request: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    if let Some(token) = &state.metrics_token {
        let presented = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "));
        if !presented.is_some_and(|presented| token.matches(presented)) {
            return Ok(HttpResponse::Unauthorized()
                .insert_header((header::WWW_AUTHENTICATE, "Bearer"))
                .json(json!({ "error": { "code": "unauthorized", "message": "A metrics token is required." } })));
        }
    }
    let body = health::metrics_text(&state).await?;
    Ok(HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(body))
}
