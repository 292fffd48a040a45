//! `/api/v1/policy`: the hospital's policy in force and its override.
