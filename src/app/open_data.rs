//! Open data for administrators: a survey's anonymised answers as CSV, streamed page by page so that memory stays
//! flat in the number of responses, and the data package that describes them (`domain::open_data`). Free text leaves
//! only as a coordinator reviewed it (`app::comments`). Every download of answers is in the audit log.

use std::borrow::Cow;
use std::collections::HashMap;

use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::app::Context;
use crate::app::audit::Actor;
use crate::app::{instruments, surveys};
use crate::auth::Staff;
use crate::db::DbConnection;
use crate::db::queries::{audit, comments, open_data, responses};
use crate::domain::aapor::{Completeness, classify};
use crate::domain::audit::Action;
use crate::domain::instrument::{AnswerRow, Answers, Instrument};
use crate::domain::open_data::{Column, Content, Dialect, Facts, Survey, columns, data_package, row};
use crate::error::AppError;

/// Responses read and written out at a time.
const PAGE: i64 = 2000;

/// What a download of answers asks for.
#[derive(Debug, Clone, Copy)]
pub struct Download {
    pub dialect: Dialect,
    /// Free-text answers included (administrators only, as the whole download).
    pub free_text: bool,
}

/// The file's parts as they are written: the header first, then a page of rows at a time. An error after the first
/// part ends the file early (the client sees it cut off, never a complete-looking file).
pub type Parts = mpsc::Receiver<Result<Vec<u8>, AppError>>;

/// The counted responses of a survey as CSV, for administrators; the download is audit-logged before it starts.
pub async fn responses_csv(
    ctx: &Context,
    staff: &Staff,
    survey_id: &str,
    download: Download,
) -> Result<(String, Parts), AppError> {
    staff.require_admin()?;
    let loaded = surveys::load(ctx, staff, survey_id).await?;
    let instrument = instruments::for_survey(ctx, &loaded.survey).await?;
    let event = Actor::of(staff).event(
        Action::ResponsesDownloaded,
        Some(loaded.survey.id.clone()),
        json!({ "format": match download.dialect { Dialect::Excel => "excel", Dialect::Rfc4180 => "rfc4180" },
                "free_text": download.free_text }),
    );
    ctx.db.write(move |conn| audit::insert(conn, &event)).await?;

    let (sender, receiver) = mpsc::channel(4);
    let (db, id) = (ctx.db.clone(), loaded.survey.id.clone());
    tokio::spawn(async move {
        let failed = sender.clone();
        let written = db.run(move |conn| write_all(conn, &id, &instrument, download, &sender)).await;
        if let Err(error) = written {
            let _gone = failed.send(Err(error.into())).await;
        }
    });
    Ok((format!("svar-{}.csv", loaded.survey.id), receiver))
}

/// Writes the header and every counted response, a page at a time, in one state of the database; stops quietly when
/// the client has gone. This thread reads; a second one turns each page into CSV meanwhile (reading and writing take
/// about as long), with at most two pages between them.
fn write_all(
    conn: &mut DbConnection,
    survey_id: &str,
    instrument: &Instrument,
    download: Download,
    sender: &mpsc::Sender<Result<Vec<u8>, AppError>>,
) -> diesel::QueryResult<()> {
    let columns = columns(instrument, download.free_text);
    let mut header = download.dialect.preamble().to_vec();
    let names: Vec<Cow<str>> = columns.iter().map(|column| Cow::Borrowed(column.name.as_str())).collect();
    header.extend(csv_rows(download.dialect, [names]));
    if sender.blocking_send(Ok(header)).is_err() {
        return Ok(());
    }
    let with_text = columns.iter().any(|column| matches!(column.content, Content::Text { .. }));
    let (pages, read) = std::sync::mpsc::sync_channel::<Page>(2);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            for page in read {
                let bytes = page_csv(download.dialect, instrument, &columns, page);
                if sender.blocking_send(Ok(bytes)).is_err() {
                    // The client has gone: dropping `read` stops the reading too.
                    return;
                }
            }
        });
        // `pages` moves into the reading, so that the writing ends when the reading does, however it ends.
        open_data::consistently(conn, move |conn| {
            let mut after: Option<String> = None;
            loop {
                let mut responses = open_data::responses_after(conn, survey_id, after.as_deref(), PAGE)?;
                let Some(last) = responses.last() else { return Ok(()) };
                after = Some(last.id.clone());
                // The answers are put with their responses by id, in the order Rust sorts strings.
                responses.sort_unstable_by(|a, b| a.id.cmp(&b.id));
                let ids: Vec<String> = responses.iter().map(|response| response.id.clone()).collect();
                let mut answers = vec![Vec::new(); ids.len()];
                responses::answers_of_responses(conn, survey_id, &ids, usize::MAX, |index, rows| {
                    answers[index] = rows;
                })?;
                let mut reviewed: HashMap<String, HashMap<String, String>> = HashMap::new();
                if with_text {
                    for (response, item, text) in comments::shown_of_many(conn, &ids)? {
                        reviewed.entry(response).or_default().insert(item, text);
                    }
                }
                if pages.send(Page { responses, answers, reviewed }).is_err() {
                    return Ok(());
                }
            }
        })
    })
}

/// A page of responses as read: each with its stored answers (in the same order) and its reviewed free text.
struct Page {
    responses: Vec<crate::db::models::response::Response>,
    answers: Vec<Vec<AnswerRow>>,
    reviewed: HashMap<String, HashMap<String, String>>,
}

/// The CSV of a page of responses: those counted (complete or partial), in the page's order.
fn page_csv(dialect: Dialect, instrument: &Instrument, columns: &[Column], page: Page) -> Vec<u8> {
    let none = HashMap::new();
    let mut writer = csv_writer(dialect);
    for (response, stored) in page.responses.iter().zip(page.answers) {
        let answers = Answers::from_rows(instrument, stored).unwrap_or_default();
        if classify(answers.len(), instrument.applicable_items(&answers)) == Completeness::BreakOff {
            continue;
        }
        let day = response.submitted_on.to_string();
        let facts = Facts {
            municipality: &response.municipality_code,
            mode: response.mode.as_str(),
            day: &day,
            reviewed_texts: page.reviewed.get(&response.id).unwrap_or(&none),
        };
        // Writing to memory cannot fail.
        let _ = writer.write_record(row(columns, &facts, &answers).iter().map(|field| field.as_bytes()));
    }
    writer.into_inner().unwrap_or_default()
}

/// Rows as CSV in the dialect, every field quoted only where it must be.
fn csv_rows<'a>(dialect: Dialect, rows: impl IntoIterator<Item = Vec<Cow<'a, str>>>) -> Vec<u8> {
    let mut writer = csv_writer(dialect);
    for row in rows {
        // Writing to memory cannot fail.
        let _ = writer.write_record(row.iter().map(|field| field.as_bytes()));
    }
    writer.into_inner().unwrap_or_default()
}

fn csv_writer(dialect: Dialect) -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new().delimiter(dialect.delimiter()).from_writer(Vec::with_capacity(1 << 20))
}

/// The data package describing a survey's CSV, for staff who may see the survey.
pub async fn package(ctx: &Context, staff: &Staff, survey_id: &str, download: Download) -> Result<Value, AppError> {
    let loaded = surveys::load(ctx, staff, survey_id).await?;
    let instrument = instruments::for_survey(ctx, &loaded.survey).await?;
    let municipalities: Vec<(String, String)> =
        loaded.parts.iter().map(|(part, name)| (part.municipality_code.clone(), name.clone())).collect();
    let survey = &loaded.survey;
    let (opens_on, closes_on) = (survey.opens_on.to_string(), survey.closes_on.to_string());
    let described = Survey {
        id: &survey.id,
        title: &survey.title,
        opens_on: &opens_on,
        closes_on: &closes_on,
        municipalities: &municipalities,
        free_text: download.free_text,
    };
    Ok(data_package(&instrument, &described, download.dialect))
}
