//! Samples: the seeded, stratified draw (allocate per stratum, partial Fisher–Yates within),
//! the policy's default sizes, and storing, listing and extending samples.

use std::collections::{BTreeMap, HashMap};

use opdcheck_api::qa::{Origin, Sample, SampleCreate, SampleRecord, SampleSummary};
use opdcheck_engine::DocKind;
use opdcheck_engine::policy::Policy;
use opdcheck_engine::sheet::UNSPECIFIED;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::period::{Period, date, filter_kinds, kinds_of};
use super::{bad, from_text, not_found, now, to_text};
use crate::error::Error;
use crate::store::Store;
use crate::store::qa::{PopRow, SampleRow};
use crate::store::{Filter, qa as rows};

/// The kinds a sample draws by default.
pub const DEFAULT_KINDS: [DocKind; 4] = [
    DocKind::Prescription,
    DocKind::OutpatientRecord,
    DocKind::ExamRequest,
    DocKind::InfectiousReport,
];
/// Seeds are integers a JavaScript client can hold exactly.
pub const MAX_SEED: i64 = (1 << 53) - 1;
/// At most this many records per kind in one sample.
pub const MAX_SAMPLE_SIZE: i64 = 10_000;
/// At most this many ids added to a sample at once.
pub const MAX_ADDED: usize = 500;

/// How many of each stratum to draw: proportional to the stratum sizes, rounded by largest
/// remainder (ties broken by `rng`). When `n` allows, every stratum gets one first and the rest
/// is shared in proportion to what each has left. Never more than a stratum holds; the sum is
/// `min(n, total)`.
pub fn allocate(sizes: &[usize], n: usize, rng: &mut impl Rng) -> Vec<usize> {
    let total: usize = sizes.iter().sum();
    let n = n.min(total);
    let strata = sizes.iter().filter(|s| **s > 0).count();
    let (mut out, weights): (Vec<usize>, Vec<usize>) = if n >= strata {
        sizes
            .iter()
            .map(|&s| if s > 0 { (1, s - 1) } else { (0, 0) })
            .unzip()
    } else {
        (vec![0; sizes.len()], sizes.to_vec())
    };
    let rest = n - out.iter().sum::<usize>();
    let wsum: usize = weights.iter().sum();
    // A tie-break key per stratum, drawn in stratum order (reproducible).
    let ties: Vec<u64> = sizes.iter().map(|_| rng.random()).collect();
    if rest == 0 || wsum == 0 {
        return out;
    }
    let mut remainders = Vec::with_capacity(sizes.len());
    for (i, &w) in weights.iter().enumerate() {
        // Integer arithmetic: exact, so no float rounding decides a stratum.
        let exact = rest as u128 * w as u128;
        out[i] += (exact / wsum as u128) as usize;
        remainders.push((exact % wsum as u128, ties[i], i));
    }
    let left = n - out.iter().sum::<usize>();
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
    for &(_, _, i) in remainders.iter().take(left) {
        out[i] += 1;
    }
    out
}

/// `k` distinct indices of `0..m`, chosen by `rng` (a partial Fisher–Yates shuffle), in the
/// order drawn.
fn choose(m: usize, k: usize, rng: &mut impl Rng) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..m).collect();
    let k = k.min(m);
    for i in 0..k {
        let j = rng.random_range(i..m);
        idx.swap(i, j);
    }
    idx.truncate(k);
    idx
}

/// Draw `n` of `pop` (one kind, ordered by id), stratified by (department, doctor).
pub fn draw(pop: &[PopRow], n: usize, seed: u64, kind: DocKind) -> Vec<usize> {
    let stream = DEFAULT_KINDS
        .iter()
        .chain([DocKind::Visit].iter())
        .position(|k| *k == kind)
        .unwrap_or(9) as u64;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    // One stream per kind: a kind's draw does not depend on which other kinds were asked for.
    rng.set_stream(stream);
    let mut strata: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
    for (i, r) in pop.iter().enumerate() {
        let key = (
            r.department.as_deref().unwrap_or(UNSPECIFIED),
            r.doctor.as_deref().unwrap_or(UNSPECIFIED),
        );
        strata.entry(key).or_default().push(i);
    }
    let sizes: Vec<usize> = strata.values().map(Vec::len).collect();
    let quotas = allocate(&sizes, n, &mut rng);
    let mut out = Vec::with_capacity(n);
    for (members, k) in strata.values().zip(quotas) {
        for j in choose(members.len(), k, &mut rng) {
            out.push(members[j]);
        }
    }
    out
}

/// The default sample size of a kind (`policy.sampling`): prescriptions
/// `max(monthly_min_prescriptions × months, ceil(monthly_fraction × population))`, every other
/// kind `monthly_min_records × months`; never more than the population.
pub fn default_size(policy: &Policy, kind: DocKind, population: usize, months: i64) -> usize {
    let s = &policy.sampling;
    let n = if kind == DocKind::Prescription {
        let by_min = s.monthly_min_prescriptions as i64 * months;
        let by_fraction = (s.monthly_fraction * population as f64).ceil() as i64;
        by_min.max(by_fraction)
    } else {
        s.monthly_min_records as i64 * months
    };
    (n.max(0) as usize).min(population)
}

/// Non-empty, trimmed strings; a blank one is located at `key[i]`.
fn names(list: &[String], key: &str) -> Result<Vec<String>, Error> {
    list.iter()
        .enumerate()
        .map(|(i, s)| {
            Some(s.trim())
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .ok_or_else(|| {
                    bad(
                        "bad_body",
                        "expected a non-empty string",
                        format!("{key}[{i}]"),
                    )
                })
        })
        .collect()
}

/// A request checked: what to draw.
struct Draw {
    name: Option<String>,
    period: Period,
    kinds: Vec<DocKind>,
    departments: Vec<String>,
    doctors: Vec<String>,
    asked: HashMap<DocKind, usize>,
    seed: i64,
}

fn validate(req: &SampleCreate) -> Result<Draw, Error> {
    let name = match &req.name {
        Some(s) if s.chars().count() > 200 => {
            return Err(bad(
                "bad_body",
                "`name` must be a string of at most 200 characters",
                "name",
            ));
        }
        name => name.as_ref().map(|s| s.trim().to_owned()),
    };
    let period = Period::new(date(&req.from, "from")?, date(&req.to, "to")?, "to")?;
    let kinds = match &req.kinds {
        None => DEFAULT_KINDS.to_vec(),
        Some(list) if list.is_empty() => return Err(bad("bad_body", "`kinds` is empty", "kinds")),
        Some(list) => kinds_of(&names(list, "kinds")?, "kinds", true)?,
    };
    let departments = names(&req.departments, "departments")?;
    let doctors = names(&req.doctors, "doctors")?;
    let mut asked = HashMap::new();
    for (k, n) in req.size.iter().flatten() {
        let path = format!("size.{k}");
        let kind = DocKind::from_name(k)
            .filter(|kind| kinds.contains(kind))
            .ok_or_else(|| {
                bad(
                    "bad_body",
                    format!("`{k}` is not one of the sample's kinds"),
                    &path,
                )
            })?;
        if !(0..=MAX_SAMPLE_SIZE).contains(n) {
            return Err(bad(
                "bad_body",
                format!("a size is an integer from 0 to {MAX_SAMPLE_SIZE}"),
                &path,
            ));
        }
        asked.insert(kind, *n as usize);
    }
    let seed = match req.seed {
        None => rand::random_range(0..=MAX_SEED),
        Some(s) if (0..=MAX_SEED).contains(&s) => s,
        Some(_) => {
            return Err(bad(
                "bad_body",
                format!("`seed` must be an integer from 0 to {MAX_SEED}"),
                "seed",
            ));
        }
    };
    Ok(Draw {
        name,
        period,
        kinds,
        departments,
        doctors,
        asked,
        seed,
    })
}

fn random_id() -> String {
    let mut buf = [0u8; 8];
    rand::fill(&mut buf[..]);
    let hex: String = buf.iter().map(|b| format!("{b:02x}")).collect();
    format!("s-{hex}")
}

/// Draw and store a sample for `created_by`; the sample as stored.
pub async fn create(
    store: &Store,
    policy: &Policy,
    created_by: String,
    req: &SampleCreate,
) -> Result<Sample, Error> {
    let d = validate(req)?;
    let mut filter = Filter::default();
    d.period.filter(&mut filter);
    filter_kinds(&mut filter, &d.kinds);
    filter.and_in("department", &d.departments);
    filter.and_in("doctor", &d.doctors);
    let population = store.population(&filter).await?;
    let mut sizes: BTreeMap<String, u64> = BTreeMap::new();
    let mut chosen: Vec<(String, i64)> = Vec::new();
    for kind in &d.kinds {
        let pop: Vec<PopRow> = population
            .iter()
            .filter(|r| r.kind == kind.as_str())
            .cloned()
            .collect();
        let n = match d.asked.get(kind) {
            Some(n) => (*n).min(pop.len()),
            None => default_size(policy, *kind, pop.len(), d.period.months()),
        };
        sizes.insert(kind.as_str().into(), n as u64);
        for i in draw(&pop, n, d.seed as u64, *kind) {
            chosen.push((pop[i].id.clone(), pop[i].version));
        }
    }
    let kinds: Vec<&str> = d.kinds.iter().map(|k| k.as_str()).collect();
    let row = SampleRow {
        id: random_id(),
        name: d.name,
        from: d.period.from.to_string(),
        to: d.period.to.to_string(),
        kinds: to_text(&kinds),
        departments: to_text(&d.departments),
        doctors: to_text(&d.doctors),
        size: to_text(&sizes),
        seed: d.seed,
        created_by,
        created_at: now(),
    };
    store.insert_sample(&row, &chosen).await?;
    sample(store, &row).await
}

fn summary(row: &SampleRow, records: u64, reviewed: u64) -> SampleSummary {
    SampleSummary {
        id: row.id.clone(),
        name: row.name.clone(),
        from: row.from.clone(),
        to: row.to.clone(),
        kinds: from_text(&row.kinds),
        departments: from_text(&row.departments),
        doctors: from_text(&row.doctors),
        size: from_text(&row.size),
        seed: row.seed,
        created_by: row.created_by.clone(),
        created_at: row.created_at.clone(),
        records,
        reviewed,
    }
}

fn record(r: rows::SampleRecord) -> SampleRecord {
    let reviewed = r.review_revision.is_some();
    SampleRecord {
        id: r.id,
        version: r.version,
        kind: r.kind,
        department: r.department,
        doctor: r.doctor,
        doc_at: r.doc_at,
        qualified: r.qualified,
        deduction: r.deduction,
        origin: if r.origin == "added" {
            Origin::Added
        } else {
            Origin::Drawn
        },
        reviewed,
        review_deduction: r.review_deduction.filter(|_| reviewed),
        review_qualified: r.review_qualified.filter(|_| reviewed),
        review_revision: r.review_revision,
    }
}

/// A stored sample with its records.
async fn sample(store: &Store, row: &SampleRow) -> Result<Sample, Error> {
    let records: Vec<SampleRecord> = store
        .sample_records(&row.id)
        .await?
        .into_iter()
        .map(record)
        .collect();
    let s = summary(row, 0, 0);
    Ok(Sample {
        id: s.id,
        name: s.name,
        from: s.from,
        to: s.to,
        kinds: s.kinds,
        departments: s.departments,
        doctors: s.doctors,
        size: s.size,
        seed: s.seed,
        created_by: s.created_by,
        created_at: s.created_at,
        records,
    })
}

/// Every sample, newest first, with its record and review counts.
pub async fn list(store: &Store) -> Result<Vec<SampleSummary>, Error> {
    Ok(store
        .list_samples()
        .await?
        .into_iter()
        .map(|(row, n, reviewed)| summary(&row, n.max(0) as u64, reviewed.max(0) as u64))
        .collect())
}

/// The sample `id` (404 when unknown).
pub async fn get(store: &Store, id: &str) -> Result<Sample, Error> {
    let row = store
        .get_sample(id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("sample {id}")))?;
    sample(store, &row).await
}

/// Add records by id (their latest version, after the drawn ones; one already in the sample
/// stays as it is). An unknown id is a 404 located at `ids[i]`, and nothing is added.
pub async fn add(store: &Store, id: &str, ids: &[String]) -> Result<Sample, Error> {
    let row = store
        .get_sample(id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("sample {id}")))?;
    let ids = names(ids, "ids")?;
    if ids.len() > MAX_ADDED {
        return Err(bad("bad_body", "at most 500 ids at once", "ids"));
    }
    let latest = store.latest_versions(&ids).await?;
    let mut add = Vec::new();
    for (i, rid) in ids.iter().enumerate() {
        let Some(version) = latest.get(rid) else {
            return Err(not_found(
                format!("no record with id `{rid}`"),
                format!("ids[{i}]"),
            ));
        };
        add.push((rid.clone(), *version));
    }
    store.add_sample_records(id, &add).await?;
    sample(store, &row).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rng(seed: u64) -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(seed)
    }

    #[test]
    fn allocation_is_proportional_with_one_each_and_largest_remainder() {
        // 100 records in strata of 50, 30, 15, 5; 20 drawn: 1 each, then 16 of the 96 left
        // shared as 49:29:14:4 → 8.17, 4.83, 2.33, 0.67 → 8, 4, 2, 0 + 2 by remainder.
        let q = allocate(&[50, 30, 15, 5], 20, &mut rng(1));
        assert_eq!(q, vec![9, 6, 3, 2]);
        assert_eq!(q.iter().sum::<usize>(), 20);
        // Fewer than the strata: plain proportion.
        let q = allocate(&[50, 30, 15, 5], 2, &mut rng(1));
        assert_eq!(q, vec![1, 1, 0, 0]);
        // More than there is: everything.
        assert_eq!(allocate(&[3, 2], 10, &mut rng(1)), vec![3, 2]);
        assert_eq!(allocate(&[], 10, &mut rng(1)), Vec::<usize>::new());
        assert_eq!(allocate(&[4, 4], 0, &mut rng(1)), vec![0, 0]);
    }

    #[test]
    fn allocation_never_exceeds_a_stratum() {
        for seed in 0..50 {
            let sizes = [1, 7, 2, 30, 1, 1, 9];
            for n in 0..=51 {
                let q = allocate(&sizes, n, &mut rng(seed));
                assert_eq!(q.iter().sum::<usize>(), n.min(51));
                assert!(q.iter().zip(sizes).all(|(a, s)| *a <= s));
                if n >= sizes.len() {
                    assert!(q.iter().all(|a| *a >= 1));
                }
            }
        }
    }

    fn located(req: SampleCreate) -> Option<String> {
        match validate(&req) {
            Err(Error::Api { path, .. }) => path,
            Err(other) => panic!("{other:?}"),
            Ok(_) => None,
        }
    }

    #[test]
    fn a_request_is_checked_field_by_field() {
        let base = SampleCreate {
            from: "2026-10-01".into(),
            to: "2026-10-31".into(),
            ..SampleCreate::default()
        };
        assert_eq!(located(base.clone()), None);
        let with = |f: &dyn Fn(&mut SampleCreate)| {
            let mut r = base.clone();
            f(&mut r);
            located(r)
        };
        assert_eq!(with(&|r| r.from.clear()).as_deref(), Some("from"));
        assert_eq!(with(&|r| r.to = "2026-09-30".into()).as_deref(), Some("to"));
        assert_eq!(with(&|r| r.kinds = Some(vec![])).as_deref(), Some("kinds"));
        assert_eq!(
            with(&|r| r.doctors = vec!["D1".into(), " ".into()]).as_deref(),
            Some("doctors[1]")
        );
        assert_eq!(
            with(&|r| r.size = Some([("visit".into(), 1)].into())).as_deref(),
            Some("size.visit"),
            "not one of the default kinds"
        );
        assert_eq!(
            with(&|r| r.seed = Some(MAX_SEED + 1)).as_deref(),
            Some("seed")
        );
    }
}
