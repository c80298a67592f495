// The database schema as diesel sees it; written from the SQLite migrations (both backends share it).

diesel::table! {
    counties (code) {
        code -> Text,
        name -> Text,
    }
}

diesel::table! {
    municipalities (code) {
        code -> Text,
        name -> Text,
        county_code -> Text,
        police_region -> Text,
    }
}

diesel::joinable!(municipalities -> counties (county_code));

diesel::allow_tables_to_appear_in_same_query!(counties, municipalities);
