//! `/api/v1/check`: check a document (or a visit) without storing it.
