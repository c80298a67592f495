//! What `trygghet-seed` leaves for `trygghet-load`: the survey, an API token and the letters, in one JSON file.

use std::path::Path;

use serde::{Deserialize, Serialize};

/// A survey ready for a run, with every letter handed out for it.
#[derive(Serialize, Deserialize)]
pub struct Seeded {
    pub survey: String,
    pub municipality: String,
    /// An API token of the account that made the survey, for paper forms.
    pub token: String,
    /// The survey's questionnaire as `GET /api/v1/instruments/{key}/{version}` exports it.
    pub instrument: serde_json::Value,
    pub letters: Vec<Letter>,
}

/// One letter: its number (for a paper form) and its code (for the web).
#[derive(Clone, Serialize, Deserialize)]
pub struct Letter {
    pub letter_number: String,
    pub code: String,
}

impl Seeded {
    pub fn read(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|error| format!("{}: {error}", path.display()))?;
        serde_json::from_str(&text).map_err(|error| format!("{}: {error}", path.display()))
    }

    pub fn write(&self, path: &Path) -> Result<(), String> {
        let text = serde_json::to_string(self).map_err(|error| error.to_string())?;
        std::fs::write(path, text).map_err(|error| format!("{}: {error}", path.display()))
    }
}
