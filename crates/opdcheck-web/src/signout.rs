//! Signing this browser out, the same from the app and the QA workspace: the server is asked to
//! revoke the token, the session and the drafts are forgotten, the synced documents' copies are
//! deleted, and every signed document the server does not hold stays. Before that, the
//! confirmation names those documents: [`Unsynced`], a read-only view of an outbox entry that
//! needs nothing of the app but the stored JSON (the app owns the entries' full shape).

use leptos::task::spawn_local;
use opdcheck_engine::{DocKind, Lang};
use serde::Deserialize;

use crate::outbox::{self, Row};
use crate::{api, session};

/// Why a signed document the server does not hold is still on this device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Waiting {
    /// Not acknowledged yet: pushed at the next sign-in.
    Pending,
    /// The server will not store it under its id (`conflict`, `forbidden`): it waits for the
    /// doctor to save it as a new document.
    NeedsNewId,
    /// The server refused the document itself.
    Refused,
}

impl Waiting {
    /// An entry's stored `state` tag: `None` for a synced one.
    pub fn of_state(state: &str) -> Option<Waiting> {
        match state {
            "synced" => None,
            "pending" => Some(Waiting::Pending),
            "conflict" | "forbidden" => Some(Waiting::NeedsNewId),
            _ => Some(Waiting::Refused),
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Waiting::Pending, Lang::Zh) => "待同步",
            (Waiting::Pending, Lang::En) => "waiting to sync",
            (Waiting::NeedsNewId, Lang::Zh) => "需另存为新文书",
            (Waiting::NeedsNewId, Lang::En) => "needs saving as a new document",
            (Waiting::Refused, Lang::Zh) => "服务器拒收",
            (Waiting::Refused, Lang::En) => "refused by the server",
        }
    }
}

/// A signed document the server does not hold, as the sign-out confirmation names it.
#[derive(Debug, Clone, PartialEq)]
pub struct Unsynced {
    /// `id@version`.
    pub key: String,
    pub id: String,
    pub kind: DocKind,
    /// The patient's name, when the document gives one.
    pub patient: Option<String>,
    /// When it was signed (queued), as the interchange format writes times.
    pub queued_at: String,
    pub waiting: Waiting,
}

impl Unsynced {
    /// The view of an entry: its document (for the patient's name) and where it waits.
    pub fn new(
        key: &str,
        id: &str,
        kind: DocKind,
        document: &serde_json::Value,
        queued_at: &str,
        waiting: Waiting,
    ) -> Unsynced {
        Unsynced {
            key: key.into(),
            id: id.into(),
            kind,
            patient: document
                .pointer("/patient/name")
                .and_then(|v| v.as_str())
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            queued_at: queued_at.into(),
            waiting,
        }
    }

    /// A stored row's entry: `Ok(None)` when the server holds it (synced); an error when the
    /// row does not read as an entry at all.
    pub fn of_row(row: &Row) -> Result<Option<Unsynced>, serde_json::Error> {
        /// What every entry says about itself, whatever else the app keeps in it.
        #[derive(Deserialize)]
        struct Stored {
            id: String,
            kind: DocKind,
            #[serde(default)]
            document: serde_json::Value,
            #[serde(default)]
            queued_at: String,
            state: String,
        }
        let s: Stored = serde_json::from_str(&row.json)?;
        Ok(Waiting::of_state(&s.state)
            .map(|w| Unsynced::new(&row.key, &s.id, s.kind, &s.document, &s.queued_at, w)))
    }

    /// When it was signed, to the minute: `2026-11-22 09:40`.
    pub fn signed_at(&self) -> String {
        self.queued_at.replace('T', " ").chars().take(16).collect()
    }
}

/// The unsynced entries among the stored rows, oldest first (rows that do not read are
/// skipped: the confirmation names what it can).
pub fn unsynced(rows: &[Row]) -> Vec<Unsynced> {
    let mut u: Vec<Unsynced> = rows
        .iter()
        .filter_map(|r| Unsynced::of_row(r).ok().flatten())
        .collect();
    sort(&mut u);
    u
}

/// Oldest first (then by key), as the confirmation lists them.
pub fn sort(unsynced: &mut [Unsynced]) {
    unsynced.sort_by(|a, b| a.queued_at.cmp(&b.queued_at).then(a.key.cmp(&b.key)));
}

/// What signing out does to the stored rows: the synced entries go; every other row stays
/// (pending ones are pushed at the next sign-in, those waiting for a new id wait for it, and a
/// row that does not read is not this page's to delete).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SignOutPlan {
    /// Keys of the synced entries, deleted.
    pub remove: Vec<String>,
    /// The rows kept.
    pub keep: Vec<Row>,
}

pub fn sign_out_plan(rows: Vec<Row>) -> SignOutPlan {
    /// Only the state is read (the app's module carries no more deserialising than that).
    #[derive(Deserialize)]
    struct State {
        state: String,
    }
    let mut p = SignOutPlan::default();
    for r in rows {
        match serde_json::from_str::<State>(&r.json) {
            Ok(s) if Waiting::of_state(&s.state).is_none() => p.remove.push(r.key),
            _ => p.keep.push(r),
        }
    }
    p
}

/// The sign-out confirmation: what stays on this device and what goes.
pub fn sign_out_question(unsynced: usize, lang: Lang) -> String {
    match (lang, unsynced) {
        (Lang::Zh, 0) => "所有已签名的文书都已同步到服务器。退出后，本机的草稿和已同步文书的本机副本将被清除。".into(),
        (Lang::Zh, n) => format!(
            "本机还有 {n} 份已签名的文书尚未同步到服务器，退出后仍保留在本机，不会丢失，下次登录后自动同步。\
             本机的草稿和已同步文书的本机副本将被清除。"
        ),
        (Lang::En, 0) => "Every signed document is on the server. Signing out clears this device's drafts and its copies of the synced documents.".into(),
        (Lang::En, 1) => "1 signed document is not yet synced to the server. It stays on this device after you sign out, is not lost, and is synced at the next sign-in. This device's drafts and its copies of the synced documents are cleared.".into(),
        (Lang::En, n) => format!(
            "{n} signed documents are not yet synced to the server. They stay on this device after you sign out, are not lost, and are synced at the next sign-in. This device's drafts and its copies of the synced documents are cleared."
        ),
    }
}

/// The signed documents on this browser the server does not hold, read now from the outbox.
pub async fn read_unsynced() -> Result<Vec<Unsynced>, String> {
    Ok(unsynced(&outbox::rows().await?))
}

/// Sign this browser out (the app's 「退出登录」 and the QA workspace's): ask the server to
/// revoke the token, forget it, delete the drafts and the synced documents' copies; keep every
/// document the server does not hold. The server's answer does not matter: offline, a 401 for
/// a token already gone, or a server without the endpoint (404/405) still sign out here.
/// Returns the outbox rows kept.
pub async fn sign_out_device(token: Option<String>) -> Result<Vec<Row>, String> {
    if let Some(t) = token {
        // Not awaited: a server that does not answer must not hold the sign-out up.
        spawn_local(async move {
            if let Err(e) = api::logout(&t).await {
                leptos::logging::log!("logout: {} (signed out on this device)", e.message());
            }
        });
    }
    session::forget();
    session::forget_drafts();
    let plan = sign_out_plan(outbox::rows().await?);
    outbox::write(&[], &plan.remove).await?;
    Ok(plan.keep)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(id: &str, at: &str, state: serde_json::Value) -> Row {
        let mut e = json!({
            "key": format!("{id}@1"), "id": id, "version": 1, "kind": "prescription",
            "document": {"kind": "prescription", "id": id, "patient": {"name": "张三"}},
            "local_qualified": true, "local_rules": [], "queued_at": at, "attempts": 0,
        });
        e.as_object_mut()
            .unwrap()
            .extend(state.as_object().unwrap().clone());
        Row {
            key: format!("{id}@1"),
            json: e.to_string(),
        }
    }

    fn rows() -> Vec<Row> {
        vec![
            row(
                "d",
                "2026-11-22T10:04",
                json!({"state": "rejected", "message": "x"}),
            ),
            row(
                "a",
                "2026-11-22T10:01",
                json!({"state": "synced", "qualified": true, "deduction": 0.0, "differs": false, "rules": []}),
            ),
            row(
                "c",
                "2026-11-22T10:03",
                json!({"state": "forbidden", "message": "x"}),
            ),
            row("b", "2026-11-22T10:02", json!({"state": "pending"})),
            row(
                "e",
                "2026-11-22T10:05",
                json!({"state": "conflict", "message": "x"}),
            ),
            Row {
                key: "old@1".into(),
                json: "{\"not\": \"an entry\"}".into(),
            },
        ]
    }

    #[test]
    fn signing_out_clears_synced_entries_and_keeps_the_rest() {
        let plan = sign_out_plan(rows());
        assert_eq!(plan.remove, ["a@1"]);
        let kept: Vec<&str> = plan.keep.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(kept, ["d@1", "c@1", "b@1", "e@1", "old@1"]);
        assert_eq!(sign_out_plan(vec![]), SignOutPlan::default());
    }

    #[test]
    fn the_confirmation_names_the_unsynced_oldest_first() {
        let u = unsynced(&rows());
        let named: Vec<(&str, Waiting)> = u.iter().map(|u| (u.id.as_str(), u.waiting)).collect();
        assert_eq!(
            named,
            [
                ("b", Waiting::Pending),
                ("c", Waiting::NeedsNewId),
                ("d", Waiting::Refused),
                ("e", Waiting::NeedsNewId),
            ]
        );
        assert_eq!(u[0].patient.as_deref(), Some("张三"));
        assert_eq!(u[0].kind, DocKind::Prescription);
        assert_eq!(u[0].signed_at(), "2026-11-22 10:02");
        assert_eq!(Waiting::NeedsNewId.label(Lang::Zh), "需另存为新文书");
        let nameless = Unsynced::new(
            "k@1",
            "k",
            DocKind::Prescription,
            &json!({"patient": {"name": ""}}),
            "",
            Waiting::Pending,
        );
        assert_eq!(nameless.patient, None);
    }

    #[test]
    fn the_question_says_what_stays() {
        let q = sign_out_question(1, Lang::Zh);
        assert!(q.contains("1 份") && q.contains("仍保留在本机"), "{q}");
        assert!(sign_out_question(3, Lang::En).starts_with("3 signed documents"));
        assert!(sign_out_question(1, Lang::En).starts_with("1 signed document is"));
        assert!(!sign_out_question(0, Lang::Zh).contains("尚未同步"));
    }
}
