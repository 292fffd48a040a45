//! Visits assembled on the server (issue 13). The app syncs each document of a visit on its own;
//! here the server puts the visit back together — the latest version of every stored document
//! sharing a `visit_id` and a patient (the stored patient key) — checks it with the engine's
//! cross-document rules (XV-*), and keeps what that check found, with the deadline of each
//! missing notifiable-disease report card. Per-document rows in `records` stay the unit of
//! storage; a visit is derived from them and rewritten whenever one of them gets a version.
//!
//! No HTTP here: `ingest` hands an [`Assembler`] to the store, which re-assembles the visits a
//! batch changed inside the batch's write transaction; `qa` counts missed reports with
//! [`missed_by`], `http/visits.rs` answers with [`read`] and [`list`]. Imports only the store,
//! the error type, the time stamps and the engine.

mod assemble;
mod deadline;
mod list;
mod read;

pub use assemble::{Assembler, Stored, assemble, backfill};
pub use deadline::{CLINIC_UTC_OFFSET_HOURS, due_at, state_at};
pub use list::list;
pub use read::{missed_by, read};
