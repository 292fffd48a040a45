//! `/api/v1/stats`: counts over stored records.
