//! The load suite's parts shared by its programs: what seeding leaves for a run (`seeded`), a questionnaire page as a
//! resident's browser reads and fills it (`page`), answers for paper forms (`paper`) and the timings kept per kind of
//! request (`timings`).
//!
//! The suite drives the service only over HTTP, as residents and a scanning bureau do: `trygghet-seed` signs in,
//! makes a survey and hands out its letters through the API; `trygghet-load` (goose) walks residents through the pages
//! or sends paper forms. `bench/flow.sh` starts the service, runs both and reads the service's CPU and memory.

pub mod page;
pub mod paper;
pub mod seeded;
pub mod timings;
