//! Prometheus metrics: the HTTP middleware's request counts and latencies per route and status, the connection pool
//! and database errors, failed sign-ins and code entry's guessing defences, what residents do (submissions stored,
//! drafts saved), open live streams, and the process itself (CPU, memory, open files, on Linux). One registry per
//! application, so tests running several apps in one process never mix their numbers.

use prometheus::{Encoder, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry, TextEncoder};

use crate::db::Db;

/// The application's metrics registry and the metrics it owns directly.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    db_errors: IntCounterVec,
    pool_connections: IntGaugeVec,
    sign_in_failures: IntCounterVec,
    submissions: IntCounterVec,
    drafts_saved: IntCounter,
    live_streams: IntGauge,
    pool_waits: IntCounter,
    backend: IntGaugeVec,
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
        let submissions = IntCounterVec::new(
            Opts::new(
                "trygghet_submissions_total",
                "Responses stored, by mode: web (a resident sent it), paper (keyed in)",
            ),
            &["mode"],
        )?;
        for mode in ["web", "paper"] {
            submissions.with_label_values(&[mode]);
        }
        let drafts_saved =
            IntCounter::new("trygghet_drafts_saved_total", "Pages of the questionnaire saved into residents' drafts")?;
        let live_streams =
            IntGauge::new("trygghet_live_streams", "Live rates and results streams (server-sent events) open now")?;
        let pool_waits = IntCounter::new(
            "trygghet_db_pool_waits_total",
            "Database calls that found no idle connection and waited for one (or in the writers' line)",
        )?;
        let backend = IntGaugeVec::new(
            Opts::new("trygghet_db_backend_info", "The database backend this instance uses (the value is 1)"),
            &["backend"],
        )?;
        registry.register(Box::new(db_errors.clone()))?;
        registry.register(Box::new(pool_connections.clone()))?;
        registry.register(Box::new(sign_in_failures.clone()))?;
        registry.register(Box::new(unknown_codes.clone()))?;
        registry.register(Box::new(refused_lookups.clone()))?;
        registry.register(Box::new(paced.clone()))?;
        registry.register(Box::new(submissions.clone()))?;
        registry.register(Box::new(drafts_saved.clone()))?;
        registry.register(Box::new(live_streams.clone()))?;
        registry.register(Box::new(pool_waits.clone()))?;
        registry.register(Box::new(backend.clone()))?;
        // CPU seconds, resident and virtual memory, open and maximum file descriptors, threads, start time.
        #[cfg(target_os = "linux")]
        registry.register(Box::new(prometheus::process_collector::ProcessCollector::new(
            std::process::id() as i32,
            "trygghet",
        )))?;
        Ok(Self {
            registry,
            db_errors,
            pool_connections,
            sign_in_failures,
            submissions,
            drafts_saved,
            live_streams,
            pool_waits,
            backend,
            unknown_codes,
            refused_lookups,
            paced,
        })
    }

    /// Counts one stored response (`web` or `paper`).
    pub fn submission_stored(&self, mode: &str) {
        self.submissions.with_label_values(&[mode]).inc();
    }

    /// Counts one page saved into a draft.
    pub fn draft_saved(&self) {
        self.drafts_saved.inc();
    }

    /// The pool's wait counter, handed to the database.
    pub fn pool_waits(&self) -> IntCounter {
        self.pool_waits.clone()
    }

    /// A live stream opened; it counts as open until the returned guard is dropped.
    pub fn live_stream_opened(&self) -> LiveStreamOpen {
        self.live_streams.inc();
        LiveStreamOpen(self.live_streams.clone())
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
        self.backend.with_label_values(&[db.backend().name()]).set(1);
        let (in_use, idle, max) = db.pool_state();
        for (state, value) in [("in_use", in_use), ("idle", idle), ("max", max)] {
            self.pool_connections.with_label_values(&[state]).set(i64::from(value));
        }
        let mut buffer = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut buffer)?;
        Ok(String::from_utf8_lossy(&buffer).into_owned())
    }
}

/// One open live stream, counted in `trygghet_live_streams` while it lives.
pub struct LiveStreamOpen(IntGauge);

impl Drop for LiveStreamOpen {
    fn drop(&mut self) {
        self.0.dec();
    }
}
