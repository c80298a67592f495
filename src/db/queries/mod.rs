//! Queries as plain functions over a connection, returning diesel's `QueryResult`; one file per table.

pub mod municipalities;
