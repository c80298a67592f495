//! Pure survey logic: no actix, no diesel. Types here parse their input so invalid states cannot be built.

/// `as_str` and `Display` for types that hold their checked text as their only field.
macro_rules! checked_text {
    ($($name:ident),+) => {$(
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    )+};
}

pub mod aapor;
pub mod audit;
pub mod code_entry;
pub mod codes;
pub mod comments;
pub mod day;
pub mod display_name;
pub mod dispositions;
pub mod draft_seal;
pub mod email;
pub mod format;
pub mod instrument;
pub mod municipality;
pub mod open_data;
pub mod population;
pub mod promise;
pub mod publication;
pub mod response_rates;
pub mod results;
pub mod role;
pub mod sender;
pub mod survey;
pub mod text;
pub mod throttle;
pub mod translation;
pub mod utc;
pub mod whole_number;

#[cfg(test)]
mod properties;
