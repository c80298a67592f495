//! Free-text answers and their reviews.

use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::models::comment::{CommentReview, StoredComment};
use crate::db::schema::{answers, comment_reviews, responses};

type Row = (String, String, String, Option<String>, Option<CommentReview>);

fn joined(rows: Vec<Row>) -> Vec<StoredComment> {
    rows.into_iter()
        .filter_map(|(response_id, item_id, municipality_code, text, review)| {
            Some(StoredComment { response_id, item_id, municipality_code, text: text?, review })
        })
        .collect()
}

/// Which free-text answers of a survey to read.
enum Which<'a> {
    /// Those to these items from this municipality.
    Municipality { code: &'a str, items: &'a [String] },
    /// One answer.
    One { response: &'a str, item: &'a str },
}

/// Free-text answers of a survey with their reviews, in the order of the responses' random ids.
fn load(conn: &mut DbConnection, survey: &str, which: Which<'_>) -> QueryResult<Vec<StoredComment>> {
    let mut query = answers::table
        .inner_join(responses::table)
        .left_join(comment_reviews::table.on(
            comment_reviews::response_id.eq(answers::response_id).and(comment_reviews::item_id.eq(answers::item_id)),
        ))
        .filter(responses::survey_id.eq(survey.to_owned()))
        .filter(answers::text_value.is_not_null())
        .select((
            answers::response_id,
            answers::item_id,
            responses::municipality_code,
            answers::text_value,
            Option::<CommentReview>::as_select(),
        ))
        .into_boxed();
    query = match which {
        Which::Municipality { code, items } => query
            .filter(responses::municipality_code.eq(code.to_owned()))
            .filter(answers::item_id.eq_any(items.to_vec())),
        Which::One { response, item } => {
            query.filter(answers::response_id.eq(response.to_owned())).filter(answers::item_id.eq(item.to_owned()))
        }
    };
    let rows: Vec<Row> = query.order((responses::id, answers::item_id)).load(conn)?;
    Ok(joined(rows))
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
