//! Pure survey logic: no actix, no diesel. Types here parse their input so invalid states cannot be built.

pub mod municipality;
