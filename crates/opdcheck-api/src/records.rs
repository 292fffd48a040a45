//! `/api/v1/records`: push a batch (the per-record outcome is an enum), list, get one.
