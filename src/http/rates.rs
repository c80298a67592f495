//! Live response rates: the dashboard (`/admin/surveys/{id}/rates`), its event stream, and the same numbers for
//! scripts (`/api/v1/surveys/{id}/rates` and `/rates/stream`).
//!
//! Every viewer sees only the municipalities they may see, with a total over those alone. The page is complete
//! without JavaScript (the numbers as of loading); with it, a small script listens to the stream and swaps in the
//! freshly rendered numbers and charts. Rendering happens once per snapshot and set of visible municipalities, not
//! once per viewer (see [`Memo`]).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, Responder, web};
use serde::Serialize;
use sha2::Digest;

use crate::app::live;
use crate::app::rates::{RatesView, Snapshot};
use crate::domain::aapor::{Definition, definitions, percent};
use crate::error::AppError;
use crate::http::extract::CurrentUser;
use crate::http::render::context;
use crate::http::state::AppState;
use crate::http::stream::{stream, visible_key};
use crate::i18n;
use crate::views::charts::{self, Bar, CumulativeLines, RateBars, Series};

/// The rates of a survey and the definitions of every number, as the API gives them.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RatesDocument {
    #[serde(flatten)]
    pub rates: RatesView,
    pub definitions: Vec<DefinitionView>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DefinitionView {
    pub key: &'static str,
    pub formula: &'static str,
    pub sv: &'static str,
    pub en: &'static str,
}

fn definition_views() -> Vec<DefinitionView> {
    definitions().iter().map(|Definition { key, formula, sv, en }| DefinitionView { key, formula, sv, en }).collect()
}

/// `GET /api/v1/surveys/{id}/rates`
#[utoipa::path(
    get, path = "/api/v1/surveys/{id}/rates", tag = "rates",
    params(("id" = String, Path, description = "The survey's id")),
    responses(
        (status = 200, description = "The survey's counts and AAPOR rates per municipality the caller may see, their total, and the definition of every rate. The `ETag` is a digest of the body", body = RatesDocument),
        (status = 304, description = "Nothing changed since the `If-None-Match` ETag"),
        (status = 401, description = "Not signed in"), (status = 404, description = "No such survey, or not one of the caller's"),
    )
)]
pub async fn api_rates(
    request: actix_web::HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let snapshot = live::visible(&state, &user, &id).await?;
    let key = visible_key(&user, &snapshot);
    // Rendered once per snapshot and set of visible municipalities, like the streams' events.
    let body = snapshot.memo.get_or_render(format!("document:{key}"), || {
        let rates = snapshot.view(|code| user.permissions.may_view(code));
        serde_json::to_string(&RatesDocument { rates, definitions: definition_views() })
            .map_err(|error| AppError::Internal(Box::new(error)))
    })?;
    // The ETag is a digest of the body this viewer gets, not the survey's revision: that rises with changes in
    // every municipality, and would tell a viewer how busy the ones they may not see are.
    let etag = snapshot.memo.get_or_render(format!("etag:{key}"), || {
        let digest = sha2::Sha256::digest(body.as_bytes());
        Ok(format!("\"{}\"", digest.iter().take(16).map(|byte| format!("{byte:02x}")).collect::<String>()))
    })?;
    let unchanged = request
        .headers()
        .get_all(actix_web::http::header::IF_NONE_MATCH)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == &*etag || tag == "*");
    let status = if unchanged { StatusCode::NOT_MODIFIED } else { StatusCode::OK };
    let mut response = HttpResponse::build(status);
    response.insert_header(("etag", etag.to_string())).insert_header(("cache-control", "private, no-cache"));
    Ok(match unchanged {
        true => response.finish(),
        false => response.content_type("application/json").body(body.to_string()),
    })
}

/// `GET /api/v1/surveys/{id}/rates/stream`
#[utoipa::path(
    get, path = "/api/v1/surveys/{id}/rates/stream", tag = "rates",
    params(("id" = String, Path, description = "The survey's id")),
    responses(
        (status = 200, description = "Server-Sent Events: an event `rates` with the same JSON as `GET …/rates` (without the definitions) at once and after every change, within a second; comments keep the connection alive", content_type = "text/event-stream"),
        (status = 401, description = "Not signed in"), (status = 404, description = "No such survey, or not one of the caller's"),
    )
)]
pub async fn api_stream(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<impl Responder, AppError> {
    let snapshots = live::watch(&state, &user, &id).await?;
    let closing = state.live.closing();
    Ok(stream(snapshots, user, "rates", (closing, state.metrics.live_stream_opened()), |snapshot, user, key| {
        snapshot.memo.get_or_render(format!("json:{key}"), || {
            let view = snapshot.view(|code| user.permissions.may_view(code));
            serde_json::to_string(&view).map_err(|error| AppError::Internal(Box::new(error)))
        })
    }))
}

// ---------------------------------------------------------------------------------------------------------------
// The dashboard.

/// One row of a table, with every number written for people.
#[derive(Serialize)]
struct Row {
    code: String,
    name: String,
    total: bool,
    letters: u64,
    planned: u64,
    not_eligible: u64,
    complete_web: u64,
    complete_paper: u64,
    partial: u64,
    started: u64,
    refused_or_broken_off: u64,
    other: u64,
    unknown: u64,
    submitted: u64,
    without_letter: u64,
    svarsfrekvens: String,
    target: String,
    rates: Vec<(String, String)>,
    drafts_by_section: Vec<u64>,
}

fn rows(view: &RatesView, lang: &str) -> Vec<Row> {
    view.municipalities
        .iter()
        .chain((view.municipalities.len() > 1).then_some(&view.total))
        .map(|m| Row {
            code: m.code.clone(),
            name: if m.code == "total" { i18n::text(lang, "admin.rates.total") } else { m.name.clone() },
            total: m.code == "total",
            letters: m.letters,
            planned: m.planned,
            not_eligible: m.not_eligible,
            complete_web: m.complete_web,
            complete_paper: m.complete_paper,
            partial: m.partial,
            started: m.started,
            refused_or_broken_off: m.refused + m.submitted_break_off,
            other: m.other,
            unknown: m.counts.unknown_household + m.counts.unknown_other,
            submitted: m.submitted,
            without_letter: m.without_letter,
            svarsfrekvens: percent(m.rates.svarsfrekvens, lang),
            target: percent(m.target, lang),
            rates: rate_cells(&m.rates, lang),
            drafts_by_section: m.drafts_by_section.clone(),
        })
        .collect()
}

fn rate_cells(rates: &crate::domain::aapor::Rates, lang: &str) -> Vec<(String, String)> {
    let value = serde_json::to_value(rates).unwrap_or_default();
    definitions()
        .iter()
        .filter(|definition| !matches!(definition.key, "e" | "svarsfrekvens"))
        .filter_map(|definition| {
            let field = value.get(definition.key)?;
            Some((definition.key.to_uppercase(), percent(field.as_f64(), lang)))
        })
        .collect()
}

/// The figure a coordinator looks for first, per municipality: the response rate (or, for an open link, the answers)
/// against its target, and how many forms came in during the last week.
#[derive(Serialize)]
struct Headline {
    name: String,
    total: bool,
    /// "52,3 %" (or the number of answers for an open link); "–" before any letter.
    figure: String,
    /// The same as a percentage from 0 to 100 for the progress bar, and the target's.
    percent: Option<f64>,
    target_percent: Option<f64>,
    target: String,
    reached: bool,
    /// Forms submitted (web and paper) in the last seven days, counted to the survey's last day with answers.
    last_week: u64,
}

/// The days a week's trend is counted over.
const TREND_DAYS: i64 = 7;

fn headlines(view: &RatesView, lang: &str) -> Vec<Headline> {
    let since = crate::domain::survey::swedish_day(chrono::Utc::now()) - chrono::Duration::days(TREND_DAYS);
    view.municipalities
        .iter()
        .chain((view.municipalities.len() > 1).then_some(&view.total))
        .map(|m| {
            let before = m.days.iter().take_while(|d| d.day <= since).last().map_or(0, |d| d.cumulative);
            let last_week = m.submitted.saturating_sub(before);
            let (fraction, target) = if view.has_rates {
                (m.rates.svarsfrekvens, m.target)
            } else {
                ((m.planned > 0).then(|| m.submitted as f64 / m.planned as f64), Some(1.0))
            };
            Headline {
                name: if m.code == "total" { i18n::text(lang, "admin.rates.total") } else { m.name.clone() },
                total: m.code == "total",
                figure: if view.has_rates {
                    percent(m.rates.svarsfrekvens, lang)
                } else {
                    crate::domain::format::number(i64::try_from(m.submitted).unwrap_or(i64::MAX))
                },
                percent: fraction.map(|value| (value * 1000.0).round() / 10.0),
                target_percent: target.map(|value| (value * 1000.0).round() / 10.0),
                target: if view.has_rates {
                    percent(m.target, lang)
                } else {
                    crate::domain::format::number(i64::try_from(m.planned).unwrap_or(i64::MAX))
                },
                reached: matches!((fraction, target), (Some(value), Some(goal)) if value >= goal),
                last_week,
            }
        })
        .collect()
}

#[derive(Serialize)]
struct DayRow {
    day: String,
    counts: Vec<u64>,
}

/// The live part of the dashboard (what the stream replaces), rendered for one set of municipalities.
fn render_live(state: &AppState, snapshot: &Snapshot, view: &RatesView, lang: &str) -> Result<String, AppError> {
    let rows = rows(view, lang);
    let bars = charts::rate_bars(&RateBars {
        id: "rates-bars".into(),
        title: i18n::text(lang, if view.has_rates { "admin.rates.bars_title" } else { "admin.rates.bars_title_open" }),
        description: i18n::text(lang, "admin.rates.bars_description"),
        lang: lang.into(),
        bars: view
            .municipalities
            .iter()
            .map(|m| Bar {
                label: m.name.clone(),
                rate: if view.has_rates {
                    m.rates.svarsfrekvens
                } else {
                    (m.planned > 0).then(|| m.submitted as f64 / m.planned as f64)
                },
                target: if view.has_rates { m.target } else { Some(1.0) },
            })
            .collect(),
    });
    let lines = charts::cumulative_lines(&CumulativeLines {
        id: "rates-lines".into(),
        title: i18n::text(lang, "admin.rates.over_time"),
        description: i18n::text(lang, "admin.rates.lines_description"),
        lang: lang.into(),
        series: view
            .municipalities
            .iter()
            .map(|m| Series { label: m.name.clone(), points: m.days.iter().map(|d| (d.day, d.cumulative)).collect() })
            .collect(),
        markers: view
            .reminders
            .iter()
            .map(|reminder| {
                let name = view
                    .municipalities
                    .iter()
                    .find(|m| m.code == reminder.municipality_code)
                    .map_or(reminder.municipality_code.as_str(), |m| m.name.as_str());
                (reminder.day, i18n::text_with(lang, "admin.rates.reminder", &[("name", name)]))
            })
            .collect(),
    });
    let mut days: Vec<chrono::NaiveDate> =
        view.municipalities.iter().flat_map(|m| m.days.iter().map(|d| d.day)).collect();
    days.sort();
    days.dedup();
    let day_rows: Vec<DayRow> = days
        .iter()
        .map(|day| DayRow {
            day: day.format("%Y-%m-%d").to_string(),
            counts: view
                .municipalities
                .iter()
                .map(|m| m.days.iter().take_while(|d| d.day <= *day).last().map_or(0, |d| d.cumulative))
                .collect(),
        })
        .collect();
    let section_count = view.municipalities.iter().map(|m| m.drafts_by_section.len()).max().unwrap_or(0);
    state.templates.render(
        "admin/rates_live.html",
        context! {
            has_rates => view.has_rates, rows, bars, lines, day_rows, sections => section_count,
            headlines => headlines(view, lang), lang,
            names => view.municipalities.iter().map(|m| m.name.clone()).collect::<Vec<_>>(),
            survey_id => snapshot.survey_id,
        },
    )
}

/// `GET /admin/surveys/{id}/rates`
pub async fn page(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let snapshot = live::visible(&state, &user, &id).await?;
    let live = snapshot.memo.get_or_render(format!("html:{}:{}", user.lang, visible_key(&user, &snapshot)), || {
        render_live(&state, &snapshot, &snapshot.view(|code| user.permissions.may_view(code)), &user.lang)
    })?;
    let definitions = definition_views();
    state.templates.page(
        StatusCode::OK,
        "admin/rates.html",
        context! {
            user => user.view(),
            csrf_token => user.csrf_token(),
            survey => context! { id => snapshot.survey_id.clone(), title => snapshot.title.clone() },
            has_rates => snapshot.has_rates, live => live.to_string(), definitions,
            // The snapshot is current as of this request (its revision is the survey's).
            read_at => chrono::Utc::now().with_timezone(&chrono_tz::Europe::Stockholm).format("%H:%M:%S").to_string(),
        },
    )
}

/// `GET /admin/surveys/{id}/rates/stream`: the dashboard's live part, rendered, after every change.
pub async fn page_stream(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<impl Responder, AppError> {
    let snapshots = live::watch(&state, &user, &id).await?;
    let state = state.into_inner();
    let closing = state.live.closing();
    Ok(stream(
        snapshots,
        user,
        "dashboard",
        (closing, state.metrics.live_stream_opened()),
        move |snapshot, user, key| {
            snapshot.memo.get_or_render(format!("html:{}:{key}", user.lang), || {
                let view = snapshot.view(|code| user.permissions.may_view(code));
                render_live(&state, snapshot, &view, &user.lang)
            })
        },
    ))
}
