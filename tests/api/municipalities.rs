use crate::helpers::{Backend, spawn_app};
use crate::on_both_backends;

async fn municipalities_match_the_reference_list(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };

    let (status, body) = app.get_json("/api/v1/municipalities").await;
    assert_eq!(status, 200);
    let served = body.as_array().expect("a list");

    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/reference/municipalities.csv");
    let mut reference = csv::Reader::from_path(path).expect("the reference list");
    let expected: Vec<csv::StringRecord> = reference.records().map(|record| record.unwrap()).collect();
    assert_eq!(expected.len(), 290);
    assert_eq!(served.len(), expected.len());
    for (row, record) in served.iter().zip(&expected) {
        assert_eq!(row["code"], record[0], "{row}");
        assert_eq!(row["name"], record[1], "{row}");
        assert_eq!(row["county"]["code"], record[2], "{row}");
        assert_eq!(row["county"]["name"], record[3], "{row}");
        assert_eq!(row["police_region"], record[4], "{row}");
    }
}
on_both_backends!(municipalities_match_the_reference_list, super::municipalities_match_the_reference_list);

async fn the_2016_varmland_round_is_found_by_code(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    for (code, name) in [("1783", "Hagfors"), ("1762", "Munkfors"), ("1766", "Sunne"), ("1737", "Torsby")] {
        let (status, body) = app.get_json(&format!("/api/v1/municipalities/{code}")).await;
        assert_eq!(status, 200, "{code}");
        assert_eq!(body["name"], name);
        assert_eq!(body["county"]["code"], "17");
        assert_eq!(body["county"]["name"], "Värmlands län");
        assert_eq!(body["police_region"], "Bergslagen");
    }

    let (status, body) = app.get_json("/api/v1/municipalities?county=17").await;
    assert_eq!(status, 200);
    let names: Vec<&str> = body.as_array().unwrap().iter().map(|m| m["name"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 16, "Värmland has 16 municipalities: {names:?}");
    assert!(names.contains(&"Sunne"));
}
on_both_backends!(the_2016_varmland_round_is_found_by_code, super::the_2016_varmland_round_is_found_by_code);

async fn bad_codes_get_a_json_error_naming_the_field(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };

    let (status, body) = app.get_json("/api/v1/municipalities/17x3").await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["code"], "invalid");
    assert_eq!(body["error"]["field"], "code");
    assert!(body["error"]["message"].as_str().unwrap().contains("fyra siffror"));

    let (status, body) = app.get_json("/api/v1/municipalities/9999").await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "not_found");

    let (status, body) = app.get_json("/api/v1/municipalities?county=Värmland").await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["field"], "county");

    let (status, body) = app.get_json("/api/v1/municipalities?county=99").await;
    assert_eq!(status, 200);
    assert_eq!(body, serde_json::json!([]));
}
on_both_backends!(bad_codes_get_a_json_error_naming_the_field, super::bad_codes_get_a_json_error_naming_the_field);
