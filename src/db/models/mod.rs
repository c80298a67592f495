//! Row types, one file per area; `New*` insert structs and `*Changes` update structs sit beside their row.

pub mod comment;
pub mod instrument;
pub mod municipality;
pub mod population;
pub mod promise;
pub mod publication;
pub mod response;
pub mod survey;
pub mod tally;
pub mod user;
