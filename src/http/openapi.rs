//! The OpenAPI 3 document of `/api/v1`, generated from the handlers' annotations and served at
//! `/api/openapi.json`.

use actix_web::HttpResponse;
use utoipa::OpenApi;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};

#[derive(OpenApi)]
#[openapi(
    info(title = "trygghet API", description = "Local safety surveys: accounts, surveys, invitations, dispositions, \
        questionnaires (instruments), live response rates, population margins, results, publishing and citizen \
        promises (medborgarlöften). \
        Authenticate with `Authorization: Bearer <API token>` (create one under Mitt konto), or with the session \
        cookie plus the `X-CSRF-Token` header for state-changing requests. Errors always have the shape \
        `{\"error\": {\"code\", \"message\", \"field\", \"fields\": [{\"field\", \"reason\"}]}}`."),
    paths(
        crate::http::users::api_me,
        crate::http::users::api_list,
        crate::http::users::api_create,
        crate::http::users::api_update,
        crate::http::users::api_revoke_sessions,
        crate::http::account::api_list,
        crate::http::account::api_create,
        crate::http::account::api_revoke,
        crate::http::audit_log::api_list,
        crate::http::surveys::api_list,
        crate::http::surveys::api_create,
        crate::http::surveys::api_show,
        crate::http::surveys::api_update,
        crate::http::surveys::api_open,
        crate::http::surveys::api_close,
        crate::http::surveys::api_reopen,
        crate::http::surveys::api_copy,
        crate::http::letters::api_codes,
        crate::http::letters::api_batches,
        crate::http::paper::api_enter,
        crate::http::letters::api_withdraw,
        crate::http::letters::api_reminders,
        crate::http::letters::api_import,
        crate::http::population::api_get,
        crate::http::population::api_put,
        crate::http::instruments::api_list,
        crate::http::instruments::api_import,
        crate::http::instruments::api_export,
        crate::http::rates::api_rates,
        crate::http::rates::api_stream,
        crate::http::results::api_results,
        crate::http::workbook::download,
        crate::http::open_data::responses,
        crate::http::open_data::data_package,
        crate::http::publishing::api_publish,
        crate::http::publishing::api_status,
        crate::http::publishing::api_withdraw,
        crate::http::promises::api_list,
        crate::http::promises::api_create,
        crate::http::promises::api_show,
        crate::http::promises::api_update,
        crate::http::promises::api_delete,
        crate::http::results::api_promises,
    ),
    modifiers(&BearerAuth, &OperationIds),
    security(("bearer" = [])),
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    }
}

/// Operation ids named by their tag and handler (`surveys_list`, `users_list`), since handlers of different
/// resources share names (`api_list`) and generators want each id once.
struct OperationIds;

impl utoipa::Modify for OperationIds {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
                &mut item.head,
                &mut item.options,
            ];
            for operation in operations.into_iter().flatten() {
                let tag = operation.tags.as_ref().and_then(|tags| tags.first()).map(|tag| tag.replace(' ', "_"));
                if let (Some(tag), Some(id)) = (tag, operation.operation_id.as_mut()) {
                    let name = id.strip_prefix("api_").unwrap_or(id);
                    if !name.starts_with(tag.as_str()) {
                        *id = format!("{tag}_{name}");
                    } else {
                        *id = name.to_owned();
                    }
                }
            }
        }
    }
}

/// `GET /api/openapi.json`
pub async fn document() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_has_an_id_of_its_own_and_parameters_where_they_are() {
        let document = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let mut ids = std::collections::BTreeMap::new();
        for (path, item) in document["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                let id = operation["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path}: no id"));
                if let Some(earlier) = ids.insert(id.to_owned(), format!("{method} {path}")) {
                    panic!("{id} names both {earlier} and {method} {path}");
                }
                for parameter in operation["parameters"].as_array().into_iter().flatten() {
                    let name = parameter["name"].as_str().unwrap();
                    if parameter["in"] == "path" {
                        assert!(path.contains(&format!("{{{name}}}")), "{method} {path}: path parameter {name}");
                    }
                }
            }
        }
        assert!(ids.len() > 35 && ids.keys().all(|id| !id.contains(' ')), "{ids:?}");
    }
}
