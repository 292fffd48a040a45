//! Operations: the metrics the server records and `/metrics` renders ([`measure`]), request ids
//! for the request log ([`request_id`]), the log format ([`logging`]), and the SQLite backup
//! command ([`backup`]). The HTTP handlers (`/metrics`, `/readyz`) are in `http::ops`.

pub mod backup;
pub mod logging;
pub mod measure;
pub mod request_id;
