//! # opdcheck-web
//!
//! What the two web pages share: the doctors' app (`opdcheck-app`) and the QA workspace
//! (`opdcheck-qa`), each its own wasm module, signed in with one session per browser.
//!
//! Logic, in plain modules tested natively:
//! - [`api`]: the API client (sign in and out, `GET` / `POST` / `PUT` as JSON, the error body
//!   read as [`opdcheck_api::ErrorBody`]) and [`api::Session`].
//! - [`session`]: where the session is kept (local storage) and the keys a sign-out clears.
//! - [`outbox`]: the app's outbox in IndexedDB as rows of JSON text, which any page may read.
//! - [`policy`]: the hospital's policy as a page holds it: the last `GET /api/v1/policy` answer
//!   and its ETag cached in local storage, the conditional refresh, the engine built from it,
//!   and the label a report shows (医院规则 第N版 / 默认规则).
//! - [`signout`]: signing this browser out (the same from either page) and the read-only view
//!   of the signed documents the server does not hold yet, which the confirmation names.
//! - [`labels`]: the interface language and the labels in it; [`clock`]: local time stamps;
//!   [`idle`]: waiting for the browser to be idle.
//!
//! Components, in [`ui`]: the brand and language switch of the top bar, the sign-in form, the
//! session-ended notice and the sign-out confirmation.

pub mod api;
pub mod clock;
pub mod idle;
pub mod labels;
pub mod outbox;
pub mod policy;
pub mod session;
pub mod signout;
pub mod ui;
