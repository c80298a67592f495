//! trygghet: the web service for local safety surveys (trygghetsmätningar) run by the police and municipalities.
//!
//! One way down (see the README's "Architecture"): `http` parses requests and renders `views`; it calls the use
//! cases in `app`, which check who may act and run one transaction through `db`; `domain` is pure survey logic that
//! every layer may use and that uses nothing. `startup`, `config`, `telemetry` and `metrics` only wire the layers
//! together. A test (`tests/api/layers.rs`) fails on an import that points up.

pub mod app;
pub mod auth;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod http;
pub mod i18n;
pub mod metrics;
pub mod startup;
pub mod telemetry;
pub mod views;

// The texts of the pages residents see, per language, from `locales/` (compiled in); see `i18n`.
rust_i18n::i18n!("locales", fallback = "sv");
