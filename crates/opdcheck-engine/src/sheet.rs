//! Batch score sheets: counts, pass rates and deductions per kind, department and doctor.
