//! Who may do what: staff accounts, passwords, sessions, API tokens, CSRF protection and sign-in throttling.
//!
//! Residents never sign in (they are anonymous, identified for the duration of a questionnaire by their letter's
//! code only). Staff sign in with e-mail and password into a server-side session kept in the database, so that
//! several instances share sessions and an administrator can revoke them. Scripts use API tokens. Every
//! endpoint checks permissions on the server through [`CurrentUser`] and [`role::Permissions`].

pub mod csrf;
pub mod current_user;
pub mod password;
pub mod role;
pub mod session;
pub mod throttle;

pub use current_user::CurrentUser;
pub use role::Role;
