//! A published survey round: what `/resultat/{survey}` shows and its workbook is made from, frozen when published so
//! that late paper forms change nothing until the survey is published again. Every figure in it has been through the
//! small-group protection, for every municipality of the survey. The citizen promises the survey follows are frozen
//! with it: their figures are computed from the same results, and a promise changed later shows when the survey is
//! published again.

use serde::{Deserialize, Serialize};

use crate::domain::promise::MunicipalityPromises;
use crate::domain::response_rates::RatesView;
use crate::domain::results::published::{Labels, Published, Round};

/// The frozen results of a survey.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Snapshot {
    pub round: Round,
    /// The results, labelled in Swedish.
    pub published: Published,
    /// The same labels in English (for the English workbook).
    pub english: Labels,
    pub rates: RatesView,
    /// The citizen promises the survey follows, as they stood when it was published, with their figures beside
    /// each promise's wave before (absent from snapshots made before promises were followed).
    #[serde(default)]
    pub promises: Vec<MunicipalityPromises>,
}

impl Snapshot {
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string(self)
    }

    pub fn from_json(json: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(json)
    }

    /// The results labelled in `lang` (`en`, else Swedish).
    pub fn published_in(&self, lang: &str) -> Published {
        let mut published = self.published.clone();
        if lang == "en" {
            published.labels = self.english.clone();
        }
        published
    }
}
