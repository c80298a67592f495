//! Free-text answers and their reviews.

use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::models::comment::{CommentReview, StoredComment};
use crate::db::models::response::decode_answers;
use crate::db::schema::{comment_reviews, responses};

/// Which free-text answers of a survey to read.
enum Which<'a> {
    /// Those to these items from this municipality.
    Municipality { code: &'a str, items: &'a [String] },
    /// One answer.
    One { response: &'a str, item: &'a str },
}

impl Which<'_> {
    fn asks_for(&self, item: &str) -> bool {
        match self {
            Which::Municipality { items, .. } => items.iter().any(|wanted| wanted == item),
            Which::One { item: wanted, .. } => *wanted == item,
        }
    }
}

/// Free-text answers of a survey with their reviews, in the order of the responses' random ids, then of the items.
/// A response keeps its answers in its own row, so the texts are picked from the answers of the responses asked for.
fn load(conn: &mut DbConnection, survey: &str, which: Which<'_>) -> QueryResult<Vec<StoredComment>> {
    let query = responses::table
        .filter(responses::survey_id.eq(survey.to_owned()))
        .select((responses::id, responses::municipality_code, responses::answers))
        .order(responses::id)
        .into_boxed();
    let query = match &which {
        Which::Municipality { code, .. } => query.filter(responses::municipality_code.eq(code.to_owned())),
        Which::One { response, .. } => query.filter(responses::id.eq(response.to_owned())),
    };
    let stored: Vec<(String, String, String)> = query.load(conn)?;
    let mut found = Vec::new();
    for (response_id, municipality_code, answers) in stored {
        let mut texts: Vec<(String, String)> = decode_answers(&answers)?
            .into_iter()
            .filter(|row| which.asks_for(&row.item_id))
            .filter_map(|row| Some((row.item_id, row.text?)))
            .collect();
        texts.sort();
        found.extend(texts.into_iter().map(|(item_id, text)| StoredComment {
            response_id: response_id.clone(),
            item_id,
            municipality_code: municipality_code.clone(),
            text,
            review: None,
        }));
    }
    let mut reviews: std::collections::HashMap<(String, String), CommentReview> = reviews_of(conn, survey, &found)?
        .into_iter()
        .map(|review| ((review.response_id.clone(), review.item_id.clone()), review))
        .collect();
    for comment in &mut found {
        comment.review = reviews.remove(&(comment.response_id.clone(), comment.item_id.clone()));
    }
    Ok(found)
}

/// The reviews of the survey's comments `found`, looked up by their responses' ids.
fn reviews_of(conn: &mut DbConnection, survey: &str, found: &[StoredComment]) -> QueryResult<Vec<CommentReview>> {
    let mut ids: Vec<&str> = found.iter().map(|comment| comment.response_id.as_str()).collect();
    ids.dedup();
    let mut reviews = Vec::new();
    for chunk in ids.chunks(500) {
        reviews.extend(
            comment_reviews::table
                .filter(comment_reviews::survey_id.eq(survey))
                .filter(comment_reviews::response_id.eq_any(chunk))
                .select(CommentReview::as_select())
                .load(conn)?,
        );
    }
    Ok(reviews)
}

/// The free-text answers (to the given items) of a survey's municipality, each with its review.
pub fn of_municipality(
    conn: &mut DbConnection,
    survey: &str,
    municipality: &str,
    items: &[String],
) -> QueryResult<Vec<StoredComment>> {
    load(conn, survey, Which::Municipality { code: municipality, items })
}

/// One free-text answer of a survey with its review.
pub fn one(conn: &mut DbConnection, survey: &str, response: &str, item: &str) -> QueryResult<Option<StoredComment>> {
    Ok(load(conn, survey, Which::One { response, item })?.into_iter().next())
}

/// Stores a review, replacing an earlier one of the same answer.
pub fn save(conn: &mut DbConnection, review: &CommentReview) -> QueryResult<()> {
    diesel::delete(comment_reviews::table.find((&review.response_id, &review.item_id))).execute(conn)?;
    diesel::insert_into(comment_reviews::table).values(review).execute(conn).map(drop)
}

/// Removes a review (the answer is then unreviewed again); whether there was one.
pub fn remove(conn: &mut DbConnection, response: &str, item: &str) -> QueryResult<bool> {
    diesel::delete(comment_reviews::table.find((response, item))).execute(conn).map(|removed| removed > 0)
}

/// The shown texts of the approved answers of some responses: (response id, item id, text).
pub fn shown_of_many(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<(String, String, String)>> {
    let mut rows = Vec::new();
    for chunk in ids.chunks(500) {
        rows.extend(
            comment_reviews::table
                .filter(comment_reviews::response_id.eq_any(chunk))
                .filter(comment_reviews::approved.eq(true))
                .select((comment_reviews::response_id, comment_reviews::item_id, comment_reviews::shown_text))
                .load::<(String, String, String)>(conn)?,
        );
    }
    Ok(rows)
}
