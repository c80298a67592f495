//! Rendering: templates, option lists and charts; no request, no database.

pub mod charts;
