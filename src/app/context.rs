//! What every use case needs, and nothing of HTTP: the database, the questionnaires, the live hub, keyed hashing,
//! the service's own address (for letter links) and the session lifetimes.

use std::time::Duration;

use url::Url;

use crate::app::instruments::Instruments;
use crate::app::live::Live;
use crate::db::Db;
use crate::domain::codes::CodeHasher;
use crate::metrics::Metrics;

/// Built once at start-up (see `startup`) and shared by every request.
pub struct Context {
    pub db: Db,
    pub metrics: Metrics,
    /// The questionnaires: the built-in one and those imported, parsed once.
    pub instruments: Instruments,
    /// Live updates of the response rates (and, with PostgreSQL, between instances).
    pub live: Live,
    /// The survey results' respondents and finished results, kept between requests.
    pub results: crate::app::results::Cache,
    /// Keyed hashing of codes and tokens with the server secret.
    pub hasher: CodeHasher,
    /// Where residents and staff reach the service: the base of letter links and the first set-up link.
    pub public_url: Url,
    pub session_idle: Duration,
    pub session_max: Duration,
    /// Clearing what the database keeps of rows' earlier versions, soon after responses are stored.
    pub forgetting: crate::app::responses::Forgetting,
    /// Submitted forms waiting to be stored together.
    pub submissions: crate::app::responses::Line,
    /// The last residents' entries, to show their pages again while the database is out of reach.
    pub recall: crate::app::answering::Recall,
    /// Whether drafts saved before drafts were sealed may be left, to look for under a code.
    pub legacy_drafts: crate::app::answering::LegacyDrafts,
}
