//! Where this browser keeps its sign-in: one session for the app and the QA workspace (pages of
//! their own, so it is in local storage under one key), and the other keys a sign-out clears.
//!
//! The session keeps the account as the sign-in answered it, a doctor's prescriber facts too
//! (name, title, registered signature id): the app signs with them. A session stored before the
//! server sent them still reads, without them, until the next sign-in.

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

/// Forget the session (signed out, or the server ended it), and with it the whole policy (the
/// prescriber registry with names and signature ids) cached while signed in.
pub fn forget() {
    LocalStorage::delete(SESSION_KEY);
    crate::policy::forget_whole();
}

/// Forget the app's drafts (signing out).
pub fn forget_drafts() {
    LocalStorage::delete(DRAFTS_KEY);
}

#[cfg(test)]
mod tests {
    use crate::api::Session;

    #[test]
    fn a_session_carries_the_prescriber_facts_and_an_older_one_still_reads() {
        let old: Session = serde_json::from_str(
            r#"{"token":"t","user":{"username":"doctor","role":"doctor","doctor_id":"D0012"}}"#,
        )
        .unwrap();
        assert_eq!((old.user.name, old.user.prescriber), (None, None));
        let new: Session = serde_json::from_str(
            r#"{"token":"t","user":{"username":"zhang","role":"doctor","doctor_id":"D0201",
                "name":"张三","prescriber":{"title":"resident","signature_id":"SIG-D0201-0a1b2c3d",
                "antibiotic_tier":null,"prescribing_rights":true,"narcotic_psych1_rights":false}}}"#,
        )
        .unwrap();
        let facts = new.user.prescriber.clone().unwrap();
        assert_eq!(facts.signature_id.as_deref(), Some("SIG-D0201-0a1b2c3d"));
        // Stored and read back unchanged.
        let back: Session = serde_json::from_str(&serde_json::to_string(&new).unwrap()).unwrap();
        assert_eq!(back, new);
    }
}
