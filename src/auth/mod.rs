//! Who may do what: staff accounts, passwords, sessions, API tokens, CSRF tokens and roles.
//!
//! Residents never sign in (they are anonymous, identified for the duration of a questionnaire by their letter's
//! code only). Staff sign in with e-mail and password into a server-side session kept in the database, so that
//! several instances share sessions and an administrator can revoke them. Scripts use API tokens. Every use case
//! checks permissions on the server through the acting [`Staff`] and its [`role::Permissions`].

pub mod csrf;
pub mod device;
pub mod password;
pub mod session;
pub mod staff;

pub use staff::Staff;
