//! The Leptos components. Logic they need lives in plain modules of the crate (tested natively);
//! these only bind it to the page.

pub mod amend;
pub mod catalog;
pub mod common;
pub mod field;
pub mod infectious;
pub mod policy;
pub mod policy_admin;
pub mod prescription;
pub mod reasons;
pub mod record;
pub mod request;
pub mod shell;
pub mod signer;
pub mod summary;
pub mod sync;
pub mod visit;

// The language and the labels, and local time, are the web pages' shared ones.
pub use opdcheck_web::clock::{now_minutes, now_stamp};
pub use opdcheck_web::labels::{Ui, lang, provide_lang, tr, trs};

/// The checking engine: the hospital's policy in force on this page (see [`policy`]). Read in
/// a memo or an effect it is tracked, so every open form re-checks when the policy changes.
pub use policy::engine;
