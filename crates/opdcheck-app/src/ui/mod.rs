//! The Leptos components. Logic they need lives in plain modules of the crate (tested natively);
//! these only bind it to the page.

pub mod catalog;
pub mod common;
pub mod field;
pub mod infectious;
pub mod prescription;
pub mod record;
pub mod request;
pub mod shell;
pub mod signer;
pub mod summary;
pub mod sync;
pub mod visit;

use opdcheck_engine::Engine;

// The language and the labels, and local time, are the web pages' shared ones.
pub use opdcheck_web::clock::{now_minutes, now_stamp};
pub use opdcheck_web::labels::{Ui, lang, provide_lang, tr, trs};

/// The checking engine (the default policy, embedded).
pub fn engine() -> &'static Engine {
    Engine::default_engine()
}
