//! Pure survey logic: no actix, no diesel. Types here parse their input so invalid states cannot be built.

pub mod aapor;
pub mod codes;
pub mod dispositions;
pub mod email;
pub mod instrument;
pub mod municipality;
pub mod survey;
