//! Whether this instance can serve, and what it measures: for load balancers and Prometheus.

use std::time::Duration;

use crate::app::Context;
use crate::db::DbError;
use crate::error::AppError;

/// How long the readiness check waits for the database.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// The database backend's name, and whether the database answers within the readiness timeout.
pub async fn ready(ctx: &Context) -> (&'static str, Result<(), DbError>) {
    let backend = ctx.db.backend().name();
    (backend, ctx.db.check_ready(READY_TIMEOUT).await)
}

/// The metrics in Prometheus' text format, with the database's pool figures.
pub async fn metrics_text(ctx: &Context) -> Result<String, AppError> {
    ctx.metrics.render(&ctx.db).map_err(|error| AppError::Internal(Box::new(error)))
}
