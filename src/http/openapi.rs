//! The OpenAPI 3 document of `/api/v1`, generated from the handlers' annotations and served at
//! `/api/openapi.json`.

use std::sync::OnceLock;

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use serde_json::{Value, json};
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
        crate::http::municipalities::list,
        crate::http::municipalities::show,
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
        crate::http::instruments::api_workbook,
        crate::http::translations::api_translations,
        crate::http::translations::review,
        crate::http::translations::unreview,
        crate::http::translations::api_survey_languages,
        crate::http::translations::api_set_survey_languages,
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
    HttpResponse::Ok().json(document_json())
}

/// The document as served: what the handlers' annotations say, completed with what every operation can answer
/// (see [`complete`]). Built once.
pub fn document_json() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        let mut document = serde_json::to_value(ApiDoc::openapi()).expect("the API document is JSON");
        complete(&mut document);
        document
    })
}

/// The methods the document lists for a request path (`/api/v1/surveys/…/close` → `["POST"]`), empty when it lists
/// none: a request with another method is answered 405 with these in `Allow`.
pub fn allowed_methods(path: &str) -> Vec<String> {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let Some(paths) = document_json()["paths"].as_object() else { return Vec::new() };
    let Some(item) = paths.iter().find_map(|(template, item)| {
        let parts: Vec<&str> = template.split('/').collect();
        let matches = parts.len() == segments.len()
            && parts.iter().zip(&segments).all(|(part, segment)| {
                (part.starts_with('{') && part.ends_with('}') && !segment.is_empty()) || part == segment
            });
        matches.then_some(item)
    }) else {
        return Vec::new();
    };
    item.as_object().into_iter().flatten().map(|(method, _)| method.to_ascii_uppercase()).collect()
}

/// A path parameter's schema where its name says what it is, whatever the handler.
const PATH_PARAMETERS: &[(&str, &str)] = &[("code", "^[0-9]{4}$")];

/// Strings that may hold any text hold no NUL character: neither database can store one, so a request with one is
/// refused (422) wherever it is.
const NO_NUL: &str = "^[^\\u0000]*$";

/// The schema of what an object takes besides its own properties: anything without a NUL.
const JSON_WITHOUT_NUL: &str = "#/components/schemas/JsonWithoutNul";

/// What the annotations leave out, added the same way to every operation so that no handler can forget it:
/// - every answer any operation can give, in the error body's shape: 401 (no valid token or session), 403 (the
///   role or municipalities do not allow it, or a session request without its CSRF token), 404 (an id in the path
///   that is not there), 422 (invalid input), 408 and 413 (a request body too slow or too large), 503 (the database
///   out of reach: try again after `Retry-After` seconds);
/// - a description for every answer (OpenAPI requires one);
/// - the municipality code's form on every `{code}`, and "no NUL" on every free string.
fn complete(document: &mut Value) {
    let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) else { return };
    for item in paths.values_mut().filter_map(Value::as_object_mut) {
        for operation in item.values_mut().filter_map(Value::as_object_mut) {
            let mut in_path = false;
            let mut in_query = false;
            for parameter in operation.get_mut("parameters").and_then(Value::as_array_mut).into_iter().flatten() {
                let place = parameter["in"].as_str().unwrap_or_default().to_owned();
                in_path |= place == "path";
                in_query |= place == "query";
                let name = parameter["name"].as_str().unwrap_or_default().to_owned();
                if let Some(schema) = parameter.get_mut("schema") {
                    match PATH_PARAMETERS.iter().find(|(known, _)| place == "path" && *known == name) {
                        Some((_, pattern)) => schema["pattern"] = json!(pattern),
                        None => forbid_nul(schema),
                    }
                }
            }
            let with_body = operation.contains_key("requestBody");
            let secured = operation.get("security").and_then(Value::as_array).is_none_or(|security| {
                !security.iter().all(|requirement| requirement.as_object().is_some_and(|object| object.is_empty()))
            });
            let responses = operation.entry("responses").or_insert_with(|| json!({}));
            let Some(responses) = responses.as_object_mut() else { continue };
            let mut error = |status: &str, description: &str| {
                let response = responses.entry(status).or_insert_with(|| {
                    json!({ "content": { "application/json": { "schema": {
                        "$ref": "#/components/schemas/ErrorBody" } } } })
                });
                if response.get("description").is_none() {
                    response["description"] = json!(description);
                }
            };
            if secured {
                error("401", "Not signed in: no valid API token or session.");
                error(
                    "403",
                    "Not allowed: the account's role or municipalities do not cover this, or a request with the \
                     session cookie came without its X-CSRF-Token.",
                );
            }
            if in_path {
                error("404", "Nothing with this id, or nothing the account may see.");
            }
            if in_path || in_query || with_body {
                error("422", "Invalid input: `field` and `fields` name what is wrong and why.");
            }
            if with_body {
                error("408", "The request body did not arrive in time.");
                error("413", "The request body is larger than this operation takes.");
            }
            error("503", "The database cannot be reached right now; try again after `Retry-After` seconds.");
            if let Some(unavailable) = responses.get_mut("503") {
                unavailable["headers"] = json!({ "Retry-After": {
                    "description": "Seconds to wait before trying again.", "schema": { "type": "integer" } } });
            }
            for (status, response) in responses.iter_mut() {
                if response.get("description").is_none() {
                    let reason = status.parse().ok().and_then(|code| StatusCode::from_u16(code).ok());
                    let reason = reason.and_then(|code| code.canonical_reason()).unwrap_or("Answer");
                    response["description"] = json!(reason);
                }
            }
        }
    }
    if let Some(schemas) = document.pointer_mut("/components/schemas").and_then(Value::as_object_mut) {
        schemas.values_mut().for_each(forbid_nul);
        let name = JSON_WITHOUT_NUL.rsplit('/').next().unwrap_or_default();
        schemas.insert(
            name.to_owned(),
            json!({
                "description": "Any JSON value with no NUL character in any of its texts or names: what an object \
                    takes besides its own properties (those are ignored, but a NUL anywhere in a body is refused).",
                "anyOf": [
                    { "type": "string", "pattern": NO_NUL },
                    { "type": ["number", "boolean", "null"] },
                    { "type": "array", "items": { "$ref": JSON_WITHOUT_NUL } },
                    { "type": "object", "propertyNames": { "pattern": NO_NUL },
                      "additionalProperties": { "$ref": JSON_WITHOUT_NUL } },
                ],
            }),
        );
    }
}

/// Adds [`NO_NUL`] to every string in `schema` that is not already constrained by a format, a pattern or a list
/// of values, and to the names of an object's properties where it takes names other than its own.
fn forbid_nul(schema: &mut Value) {
    match schema {
        Value::Object(object) => {
            let is_string = match object.get("type") {
                Some(Value::String(kind)) => kind == "string",
                Some(Value::Array(kinds)) => kinds.iter().any(|kind| kind == "string"),
                _ => false,
            };
            let constrained = ["format", "pattern", "enum", "const"].iter().any(|key| object.contains_key(*key));
            if is_string && !constrained {
                object.insert("pattern".to_owned(), json!(NO_NUL));
            }
            let is_object = object.get("type").is_some_and(|kind| kind == "object");
            let open = !matches!(object.get("additionalProperties"), Some(Value::Bool(false) | Value::Object(_)));
            if is_object && open {
                object.insert("propertyNames".to_owned(), json!({ "pattern": NO_NUL }));
                object.insert("additionalProperties".to_owned(), json!({ "$ref": JSON_WITHOUT_NUL }));
            }
            object.values_mut().for_each(forbid_nul);
        }
        Value::Array(items) => items.iter_mut().for_each(forbid_nul),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_has_an_id_of_its_own_and_parameters_where_they_are() {
        let document = document_json();
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
