use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::models::municipality::{County, Municipality};
use crate::db::schema::{counties, municipalities};

/// All municipalities with their county, ordered by code; only one county's when `county_code` is given.
pub fn list(conn: &mut DbConnection, county_code: Option<&str>) -> QueryResult<Vec<(Municipality, County)>> {
    let mut query = municipalities::table
        .inner_join(counties::table)
        .select((Municipality::as_select(), County::as_select()))
        .order(municipalities::code)
        .into_boxed();
    if let Some(county_code) = county_code {
        query = query.filter(municipalities::county_code.eq(county_code.to_owned()));
    }
    query.load(conn)
}

/// One municipality with its county, or `NotFound`.
pub fn find(conn: &mut DbConnection, code: &str) -> QueryResult<(Municipality, County)> {
    municipalities::table
        .inner_join(counties::table)
        .filter(municipalities::code.eq(code))
        .select((Municipality::as_select(), County::as_select()))
        .first(conn)
}

/// Which of `codes` are real municipalities.
pub fn existing_codes(conn: &mut DbConnection, codes: &[String]) -> QueryResult<Vec<String>> {
    municipalities::table.filter(municipalities::code.eq_any(codes)).select(municipalities::code).load(conn)
}
