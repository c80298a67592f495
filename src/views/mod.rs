//! Rendering: templates, option lists and charts; no request, no database.
//!
//! A view turns plain values (a snapshot of the rates, an instrument and its answers) into what people read. It is
//! called by `http/`, which owns the request and the response, and it reads nothing itself.

pub mod charts;
pub mod letters;
pub mod population;
pub mod promises;
pub mod publication;
pub mod questionnaire;
pub mod results;
pub mod templates;
pub mod workbook;
