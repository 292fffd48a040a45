//! What a generation run is asked for and what it wrote, and the weighted choice every
//! part of the generator draws with.

/// Options of a generation run.
#[derive(Debug, Clone)]
pub struct GenOptions {
    /// How many prescriptions.
    pub count: u64,
    /// The random stream's seed: the same seed (and catalog) gives the same bytes.
    pub seed: u64,
    /// The share of prescriptions given one or two defects (0 to 1).
    pub defect_rate: f64,
}

impl Default for GenOptions {
    fn default() -> GenOptions {
        GenOptions {
            count: 1000,
            seed: 42,
            defect_rate: 0.25,
        }
    }
}

/// What a run wrote.
#[derive(Debug, Default)]
pub struct GenStats {
    pub records: u64,
    pub defective: u64,
    pub items: u64,
    pub bytes: u64,
}

/// A weighted choice.
pub(crate) fn weighted<T: Copy>(rng: &mut fastrand::Rng, items: &[(T, u32)]) -> T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut x = rng.u32(0..total.max(1));
    for &(t, w) in items {
        if x < w {
            return t;
        }
        x -= w;
    }
    items[items.len() - 1].0
}
