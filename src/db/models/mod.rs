//! Row types, one file per table; `New*` insert structs and `*Changes` update structs sit beside their row.

pub mod municipality;
