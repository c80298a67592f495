//! The results as they leave the service, and what they were asked for.

use serde::Serialize;

use super::compute::Results;

/// What a staff member asks of the results.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Question {
    /// Only this municipality (it must be one the staff member may see).
    pub municipality: Option<String>,
    /// Break down by this item of the instrument (single choice or yes/no).
    pub by: Option<String>,
    /// An earlier survey to compare with.
    pub compare: Option<String>,
    /// Weighted to the population margins where given (`weights=population`), or not (`weights=none`).
    pub weighted: bool,
}

/// The results as they leave the service, with how they were made.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Published {
    pub survey_id: String,
    pub title: String,
    /// `population` or `none`.
    pub weights: &'static str,
    /// The survey's disclosure settings: no index, share or percentage on fewer valid answers than `min_base`, no
    /// count under `min_cell`.
    pub min_base: u64,
    pub min_cell: u64,
    /// The earlier survey compared with, when asked.
    pub compared_with: Option<String>,
    #[serde(flatten)]
    pub results: Results,
}
