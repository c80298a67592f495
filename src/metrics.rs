//! Prometheus metrics: the HTTP middleware's request counts and latencies per route and status, plus the
//! connection pool and database errors, failed sign-ins and code entry's guessing defences. One registry per application, so tests running several apps in one
//! process never mix their numbers.

use prometheus::{Encoder, IntCounter, IntCounterVec, IntGaugeVec, Opts, Registry, TextEncoder};

use crate::db::Db;

/// The application's metrics registry and the metrics it owns directly.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    db_errors: IntCounterVec,
    pool_connections: IntGaugeVec,
    sign_in_failures: IntCounterVec,
    unknown_codes: IntCounter,
    refused_lookups: IntCounterVec,
    paced: IntCounterVec,
}

impl Metrics {
    /// Registers the database metrics in a new registry.
    pub fn new() -> Result<Self, prometheus::Error> {
        let registry = Registry::new();
        let db_errors = IntCounterVec::new(
            Opts::new(
                "trygghet_db_errors_total",
                "Failed database calls by kind: connect (opening a connection), unavailable (no connection in time), query",
            ),
            &["kind"],
        )?;
        let pool_connections = IntGaugeVec::new(
            Opts::new("trygghet_db_pool_connections", "Database connections by state: in_use, idle, max"),
            &["state"],
        )?;
        let sign_in_failures = IntCounterVec::new(
            Opts::new(
                "trygghet_sign_in_failures_total",
                "Failed sign-ins by reason: bad_credentials (wrong address or password), locked (refused while throttled)",
            ),
            &["reason"],
        )?;
        let unknown_codes = IntCounter::new(
            "trygghet_code_lookups_unknown_total",
            "Well-formed codes looked up that matched nothing (typos are caught by the check character and not counted)",
        )?;
        let refused_lookups = IntCounterVec::new(
            Opts::new(
                "trygghet_code_lookups_refused_total",
                "Code lookups not made, answered with Retry-After, by reason: address (the address is paced after too \
                 many unknown codes), ceiling (too many unknown codes from everyone; the shared gate is busy)",
            ),
            &["reason"],
        )?;
        let paced = IntCounterVec::new(
            Opts::new(
                "trygghet_code_entry_paced_total",
                "Times code entry began to be paced within a window, by scope: address (one address passed its \
                 allowance of unknown codes), everyone (all addresses together passed the ceiling)",
            ),
            &["scope"],
        )?;
        for reason in ["address", "ceiling"] {
            refused_lookups.with_label_values(&[reason]);
        }
        for scope in ["address", "everyone"] {
            paced.with_label_values(&[scope]);
        }
        for reason in ["bad_credentials", "locked"] {
            sign_in_failures.with_label_values(&[reason]);
        }
        for kind in ["connect", "unavailable", "query"] {
            db_errors.with_label_values(&[kind]);
        }
        registry.register(Box::new(db_errors.clone()))?;
        registry.register(Box::new(pool_connections.clone()))?;
        registry.register(Box::new(sign_in_failures.clone()))?;
        registry.register(Box::new(unknown_codes.clone()))?;
        registry.register(Box::new(refused_lookups.clone()))?;
        registry.register(Box::new(paced.clone()))?;
        Ok(Self { registry, db_errors, pool_connections, sign_in_failures, unknown_codes, refused_lookups, paced })
    }

    /// The registry the HTTP middleware records into.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The database error counter, handed to the pool.
    pub fn db_errors(&self) -> IntCounterVec {
        self.db_errors.clone()
    }

    /// Counts one failed sign-in.
    pub fn sign_in_failure(&self, reason: &str) {
        self.sign_in_failures.with_label_values(&[reason]).inc();
    }

    /// Counts one well-formed code that matched nothing.
    pub fn unknown_code(&self) {
        self.unknown_codes.inc();
    }

    /// Counts one code lookup refused before it was made (`address` or `ceiling`).
    pub fn code_lookup_refused(&self, reason: &str) {
        self.refused_lookups.with_label_values(&[reason]).inc();
    }

    /// Counts code entry beginning to be paced for one address, or for everyone (`address` or `everyone`).
    pub fn code_entry_paced(&self, scope: &str) {
        self.paced.with_label_values(&[scope]).inc();
    }

    /// Every metric in the Prometheus text format, with the pool gauges read now.
    pub fn render(&self, db: &Db) -> Result<String, prometheus::Error> {
        let (in_use, idle, max) = db.pool_state();
        for (state, value) in [("in_use", in_use), ("idle", idle), ("max", max)] {
            self.pool_connections.with_label_values(&[state]).set(i64::from(value));
        }
        let mut buffer = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut buffer)?;
        Ok(String::from_utf8_lossy(&buffer).into_owned())
    }
}
