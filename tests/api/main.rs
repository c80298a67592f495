//! The one integration-test binary: every test spawns the service with a fresh database, on SQLite and PostgreSQL.

mod helpers;

mod access;
mod anonymity;
mod anonymous_limits;
mod answer;
mod audit;
mod auth;
mod batches;
mod browser;
mod cli;
mod code_entry;
mod comments;
mod db;
mod deployment;
mod headers;
mod health;
mod inputs;
mod instruments;
mod layers;
mod municipalities;
mod open_data;
mod openapi;
mod operations;
mod paper;
mod population;
mod process;
mod promises;
mod publishing;
mod rates;
mod reminders;
mod results;
mod schema;
mod startup;
mod surveys;
mod workbook;
