//! The push: validate each record, decide who may write it, check it with the server's engine
//! (with the patient's history), store the batch (a visit pushed whole also as its documents,
//! `nested.rs`), re-assemble the visits the batch touched (`crate::visits`), and say per record
//! what became of it. Also the
//! pieces other modules share with it: canonical JSON and its SHA-256, the stored timestamp
//! format, and the sheet's derived columns (with their backfill).
//!
//! No HTTP here: the handler in `http/records.rs` extracts and answers; `demo` pushes through
//! the same [`push_batch`]. Imports only the store, the visits, the error type and the engine.

mod alerts;
mod batch;
mod canonical;
mod derived;
mod history;
mod nested;
mod pusher;
mod validate;

use axum::http::StatusCode;
use serde_json::Value;

use crate::error::Error;

pub use alerts::{alert_data, backfill_alerts};
pub use batch::{push_batch, stored_report};
pub use canonical::{canonical, doc_at, patient_key, sha256_hex};
pub use derived::{backfill_derived, derived};
pub use pusher::Pusher;

/// At most this many records in one `POST /records` (and documents in one `POST /check`).
pub const MAX_BATCH: usize = 500;

pub use crate::stamp::now;

/// The array under `key` of a batch body (`records` of a push, `documents` of a check), at most
/// [`MAX_BATCH`] long: else a 400 `bad_batch` or a 413 `batch_too_large`.
pub fn batch_of(mut body: Value, key: &str, not_an_array: &str) -> Result<Vec<Value>, Error> {
    let Some(items) = body.get_mut(key).and_then(Value::as_array_mut) else {
        return Err(Error::api(
            StatusCode::BAD_REQUEST,
            "bad_batch",
            not_an_array,
            Some(key.into()),
        ));
    };
    if items.len() > MAX_BATCH {
        return Err(Error::api(
            StatusCode::PAYLOAD_TOO_LARGE,
            "batch_too_large",
            format!("{} {key} in one batch; at most {MAX_BATCH}", items.len()),
            Some(key.into()),
        ));
    }
    Ok(std::mem::take(items))
}

/// An engine input error under `prefix` (`records[3].document` + `items[0].days`): the path and
/// the message.
pub fn located(prefix: &str, e: &opdcheck_engine::InputError) -> (String, String) {
    let path = match (prefix.is_empty(), e.path.is_empty()) {
        (true, _) => e.path.clone(),
        (false, true) => prefix.to_owned(),
        (false, false) => format!("{prefix}.{}", e.path),
    };
    (path, e.message.clone())
}
