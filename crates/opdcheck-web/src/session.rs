//! Where this browser keeps its sign-in: one session for the app and the QA workspace (pages of
//! their own, so it is in local storage under one key), and the other keys a sign-out clears.

use gloo_storage::{LocalStorage, Storage};

use crate::api::Session;

/// Where the session is kept.
pub const SESSION_KEY: &str = "opdcheck.session";

/// Where the app keeps the documents being written (its `drafts` module); signing out, from
/// either page, deletes them.
pub const DRAFTS_KEY: &str = "opdcheck.drafts.v1";

/// The session this browser is signed in with, if any.
pub fn stored() -> Option<Session> {
    LocalStorage::get::<Session>(SESSION_KEY).ok()
}

/// Keep a new session (signed in).
pub fn store(session: &Session) {
    let _ = LocalStorage::set(SESSION_KEY, session);
}

/// Forget the session (signed out, or the server ended it).
pub fn forget() {
    LocalStorage::delete(SESSION_KEY);
}

/// Forget the app's drafts (signing out).
pub fn forget_drafts() {
    LocalStorage::delete(DRAFTS_KEY);
}
