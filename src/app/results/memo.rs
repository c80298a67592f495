//! Finished results kept for the next viewer who asks the same of the same revision.
//!
//! A live results page is asked again by each of its viewers after every submission; each viewer with the same
//! rights asks the same question of the same revision, so one computation serves them all. The key holds everything
//! the results are made of: the survey and its revision (raised by every change of its responses, margins, disclosure
//! settings and title), the earlier wave's likewise, the municipalities shown (never more than the viewer may see)
//! and the question.

use std::sync::{Arc, Mutex};

use crate::app::results::recent::Recent;
use crate::domain::results::published::{Published, Question};

/// Finished results kept at most: enough for the questions a few live pages ask (weights, breakdowns, comparisons,
/// municipality by municipality), few enough that even the largest (a breakdown of every municipality, 1–2 MB in
/// memory) stay small beside the respondents.
pub const KEPT: usize = 16;

/// What a finished result was made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub survey_id: String,
    pub revision: i64,
    /// The earlier survey compared with, and its revision.
    pub earlier: Option<(String, i64)>,
    /// The municipalities shown (code, name).
    pub shown: Vec<(String, String)>,
    pub question: Question,
}

/// The [`KEPT`] finished results used last.
pub struct Memo(Mutex<Recent<Key, Arc<Published>>>);

impl Default for Memo {
    fn default() -> Self {
        Self(Mutex::new(Recent::new(KEPT)))
    }
}

impl Memo {
    pub fn get(&self, key: &Key) -> Option<Arc<Published>> {
        self.0.lock().unwrap_or_else(|poison| poison.into_inner()).get(key)
    }

    pub fn keep(&self, key: Key, published: Arc<Published>) {
        self.0.lock().unwrap_or_else(|poison| poison.into_inner()).insert(key, published);
    }
}
