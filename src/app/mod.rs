//! Use cases: what residents, coordinators and analysts can do, shared by the pages and the API.
//!
//! Each use case takes the [`Context`] (what every use case needs: database, questionnaires, live hub, keyed
//! hashing), the acting [`crate::auth::Staff`] where staff act, and input already parsed into plain values. It
//! validates, checks permission on the server, and runs one transaction that also writes its audit event. Nothing
//! here knows HTTP: no request, no response, no actix type; `http/` turns requests into calls and results into pages.

pub mod accounts;
pub mod answering;
pub mod audit;
pub mod comments;
pub mod context;
pub mod health;
pub mod instruments;
pub mod live;
pub mod municipalities;
pub mod open_data;
pub mod paper;
pub mod population;
pub mod promises;
pub mod publishing;
pub mod rates;
pub mod reconcile;
pub mod responses;
pub mod results;
pub mod retention;
pub mod sessions;
pub mod sign_in;
pub mod surveys;
pub mod translations;
pub mod workbook;

pub use context::Context;
