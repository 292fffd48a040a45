//! Who is signed in to the QA workspace. The same session as the app's (one per browser, kept
//! by `opdcheck_web::session`), without the app's outbox agent: the workspace never pushes
//! documents, but signing out here signs the browser out, so it keeps the app's unsynced
//! documents as the app does.

use leptos::prelude::*;
use leptos::task::spawn_local;
use opdcheck_web::api::Session;
use opdcheck_web::session;
use opdcheck_web::signout::{self, Unsynced};

#[derive(Clone, Copy)]
pub struct Auth {
    pub session: RwSignal<Option<Session>>,
    /// The server ended the session (401): the sign-in form says so.
    pub expired: RwSignal<bool>,
    /// The sign-out confirmation is open.
    pub confirm: RwSignal<bool>,
    /// The app's documents on this browser the server does not hold, named in the confirmation.
    pub unsynced: RwSignal<Vec<Unsynced>>,
}

impl Auth {
    /// Signed in as this browser is (a sign-in in the app counts here too).
    pub fn load() -> Auth {
        Auth {
            session: RwSignal::new(session::stored()),
            expired: RwSignal::new(false),
            confirm: RwSignal::new(false),
            unsynced: RwSignal::new(Vec::new()),
        }
    }

    pub fn token(self) -> Option<String> {
        self.session
            .with_untracked(|s| s.as_ref().map(|s| s.token.clone()))
    }

    pub fn sign_in(self, s: Session) {
        session::store(&s);
        self.session.set(Some(s));
        self.expired.set(false);
    }

    /// The server answered 401 (expired, idle too long, revoked): back to the sign-in form.
    pub fn expire(self) {
        session::forget();
        self.session.set(None);
        self.expired.set(true);
    }

    /// 「退出登录」: first say what stays on this browser (the app's outbox, read now).
    pub fn ask_sign_out(self) {
        spawn_local(async move {
            let unsynced = signout::read_unsynced().await.unwrap_or_else(|e| {
                leptos::logging::warn!("outbox: {e}");
                Vec::new()
            });
            self.unsynced.set(unsynced);
            self.confirm.set(true);
        });
    }

    /// Confirmed: the same sign-out as the app's.
    pub fn sign_out(self) {
        let token = self.token();
        self.session.set(None);
        self.expired.set(false);
        spawn_local(async move {
            if let Err(e) = signout::sign_out_device(token).await {
                leptos::logging::error!("sign out: {e}");
            }
        });
    }
}
