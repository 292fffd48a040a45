//! # opdcheck-app
//!
//! The web app: prescriptions, outpatient records, examination requests and report cards (and a
//! whole visit) written in the browser and checked by the engine, in WASM, on every keystroke.
//! Components are in [`ui`]; the logic they use is in plain modules tested natively.

pub mod amend;
pub mod api;
pub mod countdown;
pub mod drafts;
pub mod fields;
pub mod ids;
pub mod outbox;
pub mod policy_admin;
pub mod reachable;
pub mod reasons;
pub mod rx_edit;
pub mod samples;
pub mod signing;
pub mod sync;
pub mod ui;
pub mod visibility;

pub use ui::shell::App;
