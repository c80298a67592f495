use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::comment_reviews;

/// A reviewed free-text answer: the text as it may be shown (with any passages masked), whether it is approved for
/// others to read, and who reviewed it when.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = comment_reviews)]
pub struct CommentReview {
    pub response_id: String,
    pub item_id: String,
    pub survey_id: String,
    pub shown_text: String,
    pub masked_passages: i32,
    /// Whether others (viewers, open data) may read it.
    pub approved: bool,
    pub reviewed_by: Option<String>,
    pub reviewed_at: NaiveDateTime,
}

/// A free-text answer with its review, if it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredComment {
    pub response_id: String,
    pub item_id: String,
    pub municipality_code: String,
    /// As the resident wrote it.
    pub text: String,
    pub review: Option<CommentReview>,
}
