//! # opdcheck-qa
//!
//! The QA workspace (质控) for QA staff and admins: the month's score sheet against the
//! hospital's targets with trends and the rules that fire most, seeded stratified samples of the
//! synced records, the review pane (confirm or dismiss each automatic finding, seeing the
//! doctor's reason and the hospital's tuning; judge the shadow rules' findings, never scored;
//! the manual checklist's deductions), the alert-quality page (how each rule fires, is kept by
//! doctors, is dismissed by QA, and a shadow rule's precision), and the visits (the documents of one visit side by side, their
//! cross-document findings reviewed, the time left to report a notifiable disease). A page of its own at `/qa/` (its own wasm module, built by Trunk from
//! `www/qa/index.html`), sharing the app's sign-in, API client and labels (`opdcheck-web`);
//! everything it shows comes from the API, which enforces the roles.
//!
//! [`model`], [`notes`], [`alerts`] and [`visits`] are the logic (tested natively); [`ui`] binds it to the page;
//! [`auth`] is who is signed in; [`shell`] is the frame.

pub mod alerts;
pub mod auth;
pub mod model;
pub mod notes;
pub mod shell;
pub mod ui;
pub mod visits;

pub use shell::QaApp;
