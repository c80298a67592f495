//! Open data for administrators: a survey's anonymised answers as CSV, streamed page by page so that memory stays
//! flat in the number of responses, and the data package that describes them (`domain::open_data`). Free text leaves
//! only as a coordinator reviewed it (`app::comments`). Every download of answers is in the audit log.

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
use crate::domain::instrument::{AnswerRow, Answers, Instrument};
use crate::domain::open_data::{Column, Content, Dialect, Facts, Survey, columns, data_package, row};
use crate::error::AppError;

/// Responses read and written out at a time.
const PAGE: i64 = 1000;

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
        "responses.downloaded",
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
/// the client has gone.
fn write_all(
    conn: &mut DbConnection,
    survey_id: &str,
    instrument: &Instrument,
    download: Download,
    sender: &mpsc::Sender<Result<Vec<u8>, AppError>>,
) -> diesel::QueryResult<()> {
    let columns = columns(instrument, download.free_text);
    let mut header = download.dialect.preamble().to_vec();
    header.extend(csv_rows(download.dialect, [columns.iter().map(|column| column.name.clone()).collect()]));
    if sender.blocking_send(Ok(header)).is_err() {
        return Ok(());
    }
    open_data::consistently(conn, |conn| {
        let mut after: Option<String> = None;
        loop {
            let page = open_data::responses_after(conn, survey_id, after.as_deref(), PAGE)?;
            let Some(last) = page.last() else { return Ok(()) };
            after = Some(last.id.clone());
            let rows = page_rows(conn, instrument, &columns, &page)?;
            if sender.blocking_send(Ok(csv_rows(download.dialect, rows))).is_err() {
                return Ok(());
            }
        }
    })
}

/// The rows of a page of responses: those counted (complete or partial), in the page's order.
fn page_rows(
    conn: &mut DbConnection,
    instrument: &Instrument,
    columns: &[Column],
    page: &[crate::db::models::response::Response],
) -> diesel::QueryResult<Vec<Vec<String>>> {
    let ids: Vec<String> = page.iter().map(|response| response.id.clone()).collect();
    let mut stored: HashMap<String, Vec<AnswerRow>> = HashMap::new();
    for answer in responses::answers_of_many(conn, &ids)? {
        let (response, row) = answer.into_row();
        stored.entry(response).or_default().push(row);
    }
    let mut reviewed: HashMap<String, HashMap<String, String>> = HashMap::new();
    if columns.iter().any(|column| matches!(column.content, Content::Text { .. })) {
        for (response, item, text) in comments::shown_of_many(conn, &ids)? {
            reviewed.entry(response).or_default().insert(item, text);
        }
    }
    let none = HashMap::new();
    let mut rows = Vec::with_capacity(page.len());
    for response in page {
        let answers =
            Answers::from_rows(instrument, stored.remove(&response.id).unwrap_or_default()).unwrap_or_default();
        if classify(answers.len(), instrument.applicable_items(&answers)) == Completeness::BreakOff {
            continue;
        }
        let day = response.submitted_on.to_string();
        let facts = Facts {
            municipality: &response.municipality_code,
            mode: response.mode.as_str(),
            day: &day,
            reviewed_texts: reviewed.get(&response.id).unwrap_or(&none),
        };
        rows.push(row(columns, &facts, &answers));
    }
    Ok(rows)
}

/// Rows as CSV in the dialect, every field quoted only where it must be.
fn csv_rows(dialect: Dialect, rows: impl IntoIterator<Item = Vec<String>>) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new().delimiter(dialect.delimiter()).from_writer(Vec::new());
    for row in rows {
        // Writing to memory cannot fail.
        let _ = writer.write_record(&row);
    }
    writer.into_inner().unwrap_or_default()
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
