//! `/api/v1/rules`: the rule catalog as the server serves it.
