//! Sign-in, the signed-in account, users, API keys and the audit log.
