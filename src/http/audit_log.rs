//! The audit log, for administrators: `/admin/audit` and `/api/v1/audit`, both filtered by person, action and
//! Swedish days with the same query parameters.

use crate::http::render::context;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::app::audit::{self, PAGE_SIZE};
use crate::domain::audit::{Action, Filter};
use crate::error::{AppError, FieldError, Text};
use crate::http::extract::CurrentUser;
use crate::http::state::AppState;

/// Which page of the log, and which events. The patterns are exactly what is taken: an empty value filters
/// nothing, and nothing is trimmed.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LogQuery {
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 100000)]
    page: Option<i64>,
    /// Only this account's events (its id): what it did, and failed sign-ins tried with its address. An id of no
    /// account gives an empty list.
    #[param(pattern = "^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})?$")]
    user: Option<String>,
    /// Only this action, e.g. `codes_generated`.
    #[param(pattern = "^(sign_in|sign_in_failed|sign_in_refused|sign_out|user_created|user_changed|\
sessions_revoked|password_changed|api_token_created|api_token_revoked|survey_created|survey_changed|survey_opened|\
survey_closed|survey_reopened|survey_copied|instrument_imported|translation_reviewed|translation_review_withdrawn|\
survey_languages_changed|population_margins_set|codes_generated|\
letters_withdrawn|reminder_list_exported|dispositions_imported|paper_form_entered|responses_downloaded|\
comment_masked|comment_approved|comment_review_reset|survey_published|publication_withdrawn|promise_created|\
promise_changed|promise_deleted|accessibility_problem_reported)?$")]
    action: Option<String>,
    /// Only events on or after this Swedish day (Europe/Stockholm), YYYY-MM-DD.
    #[param(pattern = "^(([0-9]{4}-((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)|\
02-(0[1-9]|1[0-9]|2[0-8])))|(([0-9]{2}(0[48]|[2468][048]|[13579][26])|([02468][048]|[13579][26])00)-02-29))?$")]
    from: Option<String>,
    /// Only events on or before this Swedish day (Europe/Stockholm), YYYY-MM-DD. A day before `from` gives an empty
    /// list.
    #[param(pattern = "^(([0-9]{4}-((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)|\
02-(0[1-9]|1[0-9]|2[0-8])))|(([0-9]{2}(0[48]|[2468][048]|[13579][26])|([02468][048]|[13579][26])00)-02-29))?$")]
    to: Option<String>,
}

impl LogQuery {
    fn number(&self) -> Result<i64, AppError> {
        let page = self.page.unwrap_or(1);
        if !(1..=100_000).contains(&page) {
            return Err(AppError::invalid("page", Text::new("problem.request.page")));
        }
        Ok(page)
    }

    /// The filter, or a message per field that could not be read.
    fn filter(&self) -> Result<Filter, Vec<FieldError>> {
        let given = |value: &Option<String>| value.clone().unwrap_or_default();
        Filter::parse(&given(&self.user), &given(&self.action), &given(&self.from), &given(&self.to)).map_err(
            |errors| {
                errors
                    .into_iter()
                    .map(|error| {
                        let key = match (error.field, error.code) {
                            ("user", _) => "admin.audit.filter.user.unknown",
                            ("action", _) => "admin.audit.filter.action.unknown",
                            ("from", "no_such_day") => "admin.audit.filter.from.no_such_day",
                            ("from", _) => "admin.audit.filter.from.day_shape",
                            (_, "no_such_day") => "admin.audit.filter.to.no_such_day",
                            _ => "admin.audit.filter.to.day_shape",
                        };
                        FieldError::new(error.field, Text::new(key))
                    })
                    .collect()
            },
        )
    }
}

/// The filter as a query string to add to a page link (`&user=…&action=…`); its values are ids, action names and
/// days, which need no escaping.
fn filter_query(filter: &Filter) -> String {
    let days = |day: Option<chrono::NaiveDate>| day.map(|day| day.format("%Y-%m-%d").to_string());
    [
        ("user", filter.user.clone()),
        ("action", filter.action.map(|a| a.as_str().to_owned())),
        ("from", days(filter.from)),
        ("to", days(filter.to)),
    ]
    .into_iter()
    .filter_map(|(name, value)| value.map(|value| format!("&{name}={value}")))
    .collect()
}

/// `GET /admin/audit`
pub async fn page(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<LogQuery>,
) -> Result<HttpResponse, AppError> {
    let page = query.number()?;
    let people = audit::people(&state, &user).await?;
    let actions: Vec<&str> = Action::ALL.iter().map(|action| action.as_str()).collect();
    let typed = context! {
        user => query.user.clone().unwrap_or_default(), action => query.action.clone().unwrap_or_default(),
        from => query.from.clone().unwrap_or_default(), to => query.to.clone().unwrap_or_default(),
    };
    let (filter, mut errors) = match query.filter() {
        Ok(filter) => (Some(filter), Vec::new()),
        Err(refused) => (None, refused),
    };
    if filter.as_ref().is_some_and(Filter::is_reversed) {
        errors.push(FieldError::new("to", Text::new("admin.audit.reversed")));
    }
    let (status, events, more, links) = match filter {
        Some(filter) if errors.is_empty() => {
            let links = filter_query(&filter);
            let events = audit::page(&state, &user, filter, page, &user.lang).await?;
            let more = events.len() as i64 == PAGE_SIZE;
            (StatusCode::OK, events, more, links)
        }
        _ => (StatusCode::UNPROCESSABLE_ENTITY, Vec::new(), false, String::new()),
    };
    let filtered = !links.is_empty();
    state.templates.page(
        status,
        "admin/audit.html",
        context! { user => user.view(), csrf_token => user.csrf_token(), events, page,
        previous => (page > 1).then_some(page - 1), next => more.then_some(page + 1), links, filtered, people, actions,
        form => typed, errors },
    )
}

/// Read the audit log, newest first, 100 events a page; each event also in a Swedish sentence (`summary`).
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(LogQuery),
    responses((status = 200, body = [crate::app::audit::AuditEntry]), (status = 403, body = crate::http::errors::ErrorBody),
        (status = 422, body = crate::http::errors::ErrorBody)))]
pub async fn api_list(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<LogQuery>,
) -> Result<HttpResponse, AppError> {
    let page = query.number()?;
    let filter = query.filter().map_err(AppError::InvalidFields)?;
    let events = audit::page(&state, &user, filter, page, crate::i18n::DEFAULT).await?;
    Ok(HttpResponse::Ok().json(events))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_links_keep_the_filter() {
        let filter = Filter::parse("", "codes_generated", "2026-12-01", "").unwrap();
        assert_eq!(filter_query(&filter), "&action=codes_generated&from=2026-12-01");
        assert_eq!(filter_query(&Filter::default()), "");
    }
}
