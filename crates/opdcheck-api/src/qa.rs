//! `/api/v1/qa/...`: samples, reviews, the score sheet.
