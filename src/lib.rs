//! trygghet: the web service for local safety surveys (trygghetsmätningar) run by the police and municipalities.
//!
//! HTTP in (`http`), pure survey logic in the middle (`domain`), storage at the bottom (`db`). See the README for
//! what it does and for whom, and `design.md`-style notes in each module for why it is built this way.

pub mod accounts;
pub mod answering;
pub mod audit;
pub mod auth;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod http;
pub mod i18n;
pub mod instruments;
pub mod live;
pub mod metrics;
pub mod rates;
pub mod reconcile;
pub mod responses;
pub mod startup;
pub mod surveys;
pub mod telemetry;
pub mod views;

// The texts of the pages residents see, per language, from `locales/` (compiled in); see `i18n`.
rust_i18n::i18n!("locales", fallback = "sv");
