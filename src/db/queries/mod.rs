//! Queries as plain functions over a connection, returning diesel's `QueryResult`; one file per area.

pub mod audit;
pub mod batches;
pub mod comments;
pub mod drafts;
pub mod instruments;
pub mod invitations;
pub mod municipalities;
pub mod open_data;
pub mod population;
pub mod promises;
pub mod publications;
pub mod responses;
pub mod retention;
pub mod sessions;
pub mod surveys;
pub mod tallies;
pub mod throttle;
pub mod users;
