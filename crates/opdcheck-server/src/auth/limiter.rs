//! Bounded sign-in: failed attempts counted per client address and per username, and a cap on
//! concurrent password hashing.
//!
//! - An attempt is counted *before* its hash is checked (and taken back on success), so a
//!   client already locked out never costs a hash, and many attempts in flight at once cannot
//!   all slip under the limit.
//! - The address is locked first: [`ADDR_MAX_FAILURES`] failures from one address lock that
//!   address for the rest of the window. The account itself locks only after
//!   [`ACCOUNT_MAX_FAILURES`] failures in total, or [`ACCOUNT_SPREAD_FAILURES`] from at least
//!   [`ACCOUNT_MIN_ADDRS`] addresses: one attacker alone cannot lock admin out for everyone.
//! - Shared: with a database, the counts live in it (`login_failures`, one row per attempt of
//!   the last window, see [`crate::store::limits`]), so every server on that database counts the
//!   same failures and locks the same clients and accounts; the window then slides (a failure
//!   counts for [`WINDOW`] after it happened). Without a database they live in this process.
//! - Memory is bounded: each map holds at most [`MAX_ENTRIES`] entries; expired ones go first,
//!   then the oldest tenth. The shared table holds only the window's failures (older rows are
//!   purged on every attempt), and one locked address adds none.
//! - Hashing: at most 2 × cores argon2 checks at once; a sign-in arriving when all are busy is
//!   answered 503 with `Retry-After: 1` rather than queued without bound.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::{Semaphore, SemaphorePermit};

use crate::error::Error;
use crate::store::Store;
use crate::store::limits::Failure;

/// Failures are counted over this window; a lock lasts until the window's end.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
pub const ADDR_MAX_FAILURES: u32 = 10;
pub const ACCOUNT_MAX_FAILURES: u32 = 20;
pub const ACCOUNT_SPREAD_FAILURES: u32 = 10;
pub const ACCOUNT_MIN_ADDRS: usize = 3;
/// Per map (addresses, usernames).
pub const MAX_ENTRIES: usize = 10_000;

#[derive(Debug, Clone)]
struct Entry {
    failures: u32,
    since: Instant,
    /// Distinct addresses seen failing (usernames only; at most `ACCOUNT_MIN_ADDRS` kept).
    addrs: Vec<Option<IpAddr>>,
}

impl Entry {
    fn new(now: Instant) -> Entry {
        Entry {
            failures: 0,
            since: now,
            addrs: Vec::new(),
        }
    }

    fn live(&self, now: Instant) -> bool {
        now.duration_since(self.since) < WINDOW
    }

    fn retry_after(&self, now: Instant) -> u64 {
        (WINDOW
            .saturating_sub(now.duration_since(self.since))
            .as_secs())
        .max(1)
    }
}

/// A map of entries of at most [`MAX_ENTRIES`].
#[derive(Debug)]
struct Bounded<K>(HashMap<K, Entry>);

impl<K: Hash + Eq + Clone> Bounded<K> {
    fn live(&self, key: &K, now: Instant) -> Option<&Entry> {
        self.0.get(key).filter(|e| e.live(now))
    }

    fn entry(&mut self, key: &K, now: Instant) -> &mut Entry {
        if !self.0.contains_key(key) && self.0.len() >= MAX_ENTRIES {
            self.0.retain(|_, e| e.live(now));
            if self.0.len() >= MAX_ENTRIES {
                // Still full of live entries (an attack from many addresses or on many names):
                // the oldest tenth goes, so each eviction pays for many inserts.
                let mut ages: Vec<(Instant, K)> =
                    self.0.iter().map(|(k, e)| (e.since, k.clone())).collect();
                let cut = MAX_ENTRIES / 10;
                ages.select_nth_unstable_by_key(cut, |(since, _)| *since);
                for (_, k) in &ages[..cut] {
                    self.0.remove(k);
                }
            }
        }
        let e = self.0.entry(key.clone()).or_insert_with(|| Entry::new(now));
        if !e.live(now) {
            *e = Entry::new(now);
        }
        e
    }
}

#[derive(Debug)]
struct Maps {
    addrs: Bounded<Option<IpAddr>>,
    users: Bounded<String>,
}

/// Why a sign-in is refused before its password is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locked {
    /// This client address failed too often: seconds to wait.
    Address(u64),
    /// The account is locked for everyone: seconds to wait.
    Account(u64),
}

/// Where the failure counts live.
#[derive(Debug)]
enum Counts {
    /// This process only (no database).
    Memory(Mutex<Maps>),
    /// The database, shared by every server on it.
    Shared(Store),
}

#[derive(Debug)]
pub struct LoginLimiter {
    counts: Counts,
    hashing: Semaphore,
}

impl Default for LoginLimiter {
    /// Counts in this process: for a server without a database.
    fn default() -> Self {
        LoginLimiter::with_counts(Counts::Memory(Mutex::new(Maps {
            addrs: Bounded(HashMap::new()),
            users: Bounded(HashMap::new()),
        })))
    }
}

impl LoginLimiter {
    /// Counts in `store`, shared with every server on the same database.
    pub fn shared(store: Store) -> Self {
        LoginLimiter::with_counts(Counts::Shared(store))
    }

    fn with_counts(counts: Counts) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        LoginLimiter {
            counts,
            hashing: Semaphore::new(2 * cores),
        }
    }

    /// Count an attempt for `username` from `addr`, unless one of them is locked. Call
    /// [`LoginLimiter::succeeded`] or [`LoginLimiter::cancelled`] when it did not fail.
    pub async fn attempt(
        &self,
        username: &str,
        addr: Option<IpAddr>,
    ) -> Result<Result<(), Locked>, Error> {
        match &self.counts {
            Counts::Memory(maps) => Ok(memory_attempt(&mut lock(maps), username, addr)),
            Counts::Shared(store) => shared_attempt(store, username, addr).await,
        }
    }

    /// The attempt was right: the account's count starts over, the address's attempt is taken
    /// back (one good sign-in does not wipe an address's earlier failures).
    pub async fn succeeded(&self, username: &str, addr: Option<IpAddr>) -> Result<(), Error> {
        match &self.counts {
            Counts::Memory(maps) => {
                let mut maps = lock(maps);
                maps.users.0.remove(username);
                if let Some(e) = maps.addrs.0.get_mut(&addr) {
                    e.failures = e.failures.saturating_sub(1);
                }
                Ok(())
            }
            Counts::Shared(store) => {
                store
                    .delete_login_failure(None, username, &client(addr))
                    .await?;
                store.clear_account_failures(username).await
            }
        }
    }

    /// The attempt was not judged (the server was busy): take it back.
    pub async fn cancelled(&self, username: &str, addr: Option<IpAddr>) -> Result<(), Error> {
        match &self.counts {
            Counts::Memory(maps) => {
                let mut maps = lock(maps);
                if let Some(e) = maps.users.0.get_mut(username) {
                    e.failures = e.failures.saturating_sub(1);
                }
                if let Some(e) = maps.addrs.0.get_mut(&addr) {
                    e.failures = e.failures.saturating_sub(1);
                }
                Ok(())
            }
            Counts::Shared(store) => {
                store
                    .delete_login_failure(None, username, &client(addr))
                    .await
            }
        }
    }

    /// A hashing slot, or `None` when all are busy.
    pub fn try_hash_slot(&self) -> Option<SemaphorePermit<'_>> {
        self.hashing.try_acquire().ok()
    }

    /// A hashing slot, waiting for one (signed-in callers: creating users, changing passwords).
    pub async fn hash_slot(&self) -> Option<SemaphorePermit<'_>> {
        self.hashing.acquire().await.ok()
    }

    /// (addresses, usernames) tracked in memory: for tests of the bound.
    pub fn tracked(&self) -> (usize, usize) {
        match &self.counts {
            Counts::Memory(maps) => {
                let maps = lock(maps);
                (maps.addrs.0.len(), maps.users.0.len())
            }
            Counts::Shared(_) => (0, 0),
        }
    }
}

fn lock(maps: &Mutex<Maps>) -> std::sync::MutexGuard<'_, Maps> {
    maps.lock().unwrap_or_else(|e| e.into_inner())
}

fn memory_attempt(maps: &mut Maps, username: &str, addr: Option<IpAddr>) -> Result<(), Locked> {
    let now = Instant::now();
    if let Some(e) = maps.addrs.live(&addr, now)
        && e.failures >= ADDR_MAX_FAILURES
    {
        return Err(Locked::Address(e.retry_after(now)));
    }
    let user_key = username.to_owned();
    if let Some(e) = maps.users.live(&user_key, now) {
        let spread = e.addrs.len() >= ACCOUNT_MIN_ADDRS && e.failures >= ACCOUNT_SPREAD_FAILURES;
        if e.failures >= ACCOUNT_MAX_FAILURES || spread {
            return Err(Locked::Account(e.retry_after(now)));
        }
    }
    maps.addrs.entry(&addr, now).failures += 1;
    let e = maps.users.entry(&user_key, now);
    e.failures += 1;
    if e.addrs.len() < ACCOUNT_MIN_ADDRS && !e.addrs.contains(&addr) {
        e.addrs.push(addr);
    }
    Ok(())
}

/// An address as stored: `''` when unknown.
fn client(addr: Option<IpAddr>) -> String {
    addr.map(|a| a.to_string()).unwrap_or_default()
}

/// The shared count: the attempt's row is written first and the others counted after, so
/// attempts in flight on several servers at once all see each other and none slips under the
/// limit (a burst may lock a little early, never late). A refused attempt's row is deleted:
/// a locked client adds nothing and never costs a hash.
async fn shared_attempt(
    store: &Store,
    username: &str,
    addr: Option<IpAddr>,
) -> Result<Result<(), Locked>, Error> {
    let now = chrono::Utc::now().timestamp();
    let window = WINDOW.as_secs() as i64;
    let after = now - window;
    let client = client(addr);
    let id = super::random_hex(16);
    store.purge_login_failures(after).await?;
    store
        .insert_login_failure(&id, username, &client, now)
        .await?;
    // Seconds until the `n`-th newest failure leaves the window (the lock lifts then).
    let wait = |failures: &[Failure], n: u32| {
        let at = failures.get(n as usize - 1).map_or(now, |f| f.at);
        (at + window - now).max(1) as u64
    };
    let from_addr = store
        .login_failures_of_client(&client, after, &id, i64::from(ADDR_MAX_FAILURES))
        .await?;
    let locked = if from_addr.len() >= ADDR_MAX_FAILURES as usize {
        Some(Locked::Address(wait(&from_addr, ADDR_MAX_FAILURES)))
    } else {
        let on_account = store
            .login_failures_of_account(username, after, &id, i64::from(ACCOUNT_MAX_FAILURES))
            .await?;
        let mut addrs: Vec<&str> = on_account.iter().map(|f| f.client.as_str()).collect();
        addrs.sort_unstable();
        addrs.dedup();
        let failures = on_account.len() as u32;
        if failures >= ACCOUNT_MAX_FAILURES {
            Some(Locked::Account(wait(&on_account, ACCOUNT_MAX_FAILURES)))
        } else if addrs.len() >= ACCOUNT_MIN_ADDRS && failures >= ACCOUNT_SPREAD_FAILURES {
            Some(Locked::Account(wait(&on_account, ACCOUNT_SPREAD_FAILURES)))
        } else {
            None
        }
    };
    if let Some(locked) = locked {
        store
            .delete_login_failure(Some(&id), username, &client)
            .await?;
        return Ok(Err(locked));
    }
    Ok(Ok(()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(n: u32) -> Option<IpAddr> {
        Some(IpAddr::V4(n.into()))
    }

    /// A limiter counting in memory, or in a fresh SQLite database (the shared path).
    struct Limiter {
        l: LoginLimiter,
        _dir: Option<tempfile::TempDir>,
    }

    impl Limiter {
        async fn new(shared: bool) -> Limiter {
            if !shared {
                return Limiter {
                    l: LoginLimiter::default(),
                    _dir: None,
                };
            }
            let dir = tempfile::tempdir().unwrap();
            let store = Store::open_sqlite(&dir.path().join("l.db")).await.unwrap();
            Limiter {
                l: LoginLimiter::shared(store),
                _dir: Some(dir),
            }
        }

        async fn attempt(&self, username: &str, addr: Option<IpAddr>) -> Result<(), Locked> {
            self.l.attempt(username, addr).await.unwrap()
        }

        async fn succeeded(&self, username: &str, addr: Option<IpAddr>) {
            self.l.succeeded(username, addr).await.unwrap();
        }

        async fn cancelled(&self, username: &str, addr: Option<IpAddr>) {
            self.l.cancelled(username, addr).await.unwrap();
        }
    }

    async fn an_address_locks_before_the_account(shared: bool) {
        let l = Limiter::new(shared).await;
        for _ in 0..ADDR_MAX_FAILURES {
            l.attempt("admin", ip(1)).await.unwrap();
        }
        let Err(Locked::Address(secs)) = l.attempt("admin", ip(1)).await else {
            panic!("the address should be locked");
        };
        assert!(secs > 0 && secs <= WINDOW.as_secs());
        // The same account from elsewhere still gets its attempt, and signs in.
        l.attempt("admin", ip(2)).await.unwrap();
        l.succeeded("admin", ip(2)).await;
        // The locked address is locked for other names too.
        assert!(matches!(
            l.attempt("qa", ip(1)).await,
            Err(Locked::Address(_))
        ));
    }

    async fn the_account_locks_after_failures_from_three_addresses_or_twenty(shared: bool) {
        // 9 failures from 3 addresses (typos on three PCs): not locked; the 10th locks.
        let l = Limiter::new(shared).await;
        for a in 1..=3 {
            for _ in 0..3 {
                l.attempt("admin", ip(a)).await.unwrap();
            }
        }
        l.attempt("admin", ip(4)).await.unwrap();
        assert!(matches!(
            l.attempt("admin", ip(9)).await,
            Err(Locked::Account(_))
        ));
        // Two addresses cannot spread: 20 failures in total lock the account.
        let l = Limiter::new(shared).await;
        for a in 1..=2 {
            for _ in 0..ADDR_MAX_FAILURES {
                l.attempt("qa", ip(a)).await.unwrap();
            }
        }
        assert!(matches!(
            l.attempt("qa", ip(3)).await,
            Err(Locked::Account(_))
        ));
        // Another account is untouched.
        l.attempt("doctor", ip(3)).await.unwrap();
    }

    async fn cancelled_and_succeeded_take_the_attempt_back(shared: bool) {
        let l = Limiter::new(shared).await;
        for _ in 0..(ADDR_MAX_FAILURES * 3) {
            l.attempt("doctor", ip(7)).await.unwrap();
            l.cancelled("doctor", ip(7)).await;
        }
        for _ in 0..(ADDR_MAX_FAILURES * 3) {
            l.attempt("doctor", ip(7)).await.unwrap();
            l.succeeded("doctor", ip(7)).await;
        }
        l.attempt("doctor", ip(7)).await.unwrap();
    }

    /// A success clears the account's count, not the count of the addresses that failed on it.
    async fn a_success_keeps_the_addresses_failures(shared: bool) {
        let l = Limiter::new(shared).await;
        for _ in 0..(ADDR_MAX_FAILURES - 1) {
            l.attempt("admin", ip(5)).await.unwrap();
        }
        l.attempt("admin", ip(6)).await.unwrap();
        l.succeeded("admin", ip(6)).await;
        l.attempt("qa", ip(5)).await.unwrap();
        assert!(matches!(
            l.attempt("qa", ip(5)).await,
            Err(Locked::Address(_))
        ));
    }

    #[tokio::test]
    async fn memory_an_address_locks_before_the_account() {
        an_address_locks_before_the_account(false).await;
    }

    #[tokio::test]
    async fn shared_an_address_locks_before_the_account() {
        an_address_locks_before_the_account(true).await;
    }

    #[tokio::test]
    async fn memory_the_account_locks_after_failures_from_three_addresses_or_twenty() {
        the_account_locks_after_failures_from_three_addresses_or_twenty(false).await;
    }

    #[tokio::test]
    async fn shared_the_account_locks_after_failures_from_three_addresses_or_twenty() {
        the_account_locks_after_failures_from_three_addresses_or_twenty(true).await;
    }

    #[tokio::test]
    async fn memory_cancelled_and_succeeded_take_the_attempt_back() {
        cancelled_and_succeeded_take_the_attempt_back(false).await;
    }

    #[tokio::test]
    async fn shared_cancelled_and_succeeded_take_the_attempt_back() {
        cancelled_and_succeeded_take_the_attempt_back(true).await;
    }

    #[tokio::test]
    async fn memory_a_success_keeps_the_addresses_failures() {
        a_success_keeps_the_addresses_failures(false).await;
    }

    #[tokio::test]
    async fn shared_a_success_keeps_the_addresses_failures() {
        a_success_keeps_the_addresses_failures(true).await;
    }

    /// Two limiters on one database (two servers) count the same failures.
    #[tokio::test]
    async fn shared_limiters_on_one_database_lock_together() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_sqlite(&dir.path().join("l.db")).await.unwrap();
        let (a, b) = (
            LoginLimiter::shared(store.clone()),
            LoginLimiter::shared(store),
        );
        for i in 0..ADDR_MAX_FAILURES {
            let l = if i % 2 == 0 { &a } else { &b };
            l.attempt("admin", ip(1)).await.unwrap().unwrap();
        }
        for l in [&a, &b] {
            let refused = l.attempt("admin", ip(1)).await.unwrap();
            assert!(matches!(refused, Err(Locked::Address(_))), "{refused:?}");
        }
    }

    #[tokio::test]
    async fn memory_stays_bounded_under_many_names_and_addresses() {
        let l = Limiter::new(false).await;
        for i in 0..100_000u32 {
            // Distinct names from distinct addresses: nothing locks, everything is tracked.
            l.attempt(&format!("user{i}"), ip(i)).await.unwrap();
        }
        let (addrs, users) = l.l.tracked();
        assert!(addrs <= MAX_ENTRIES, "{addrs} addresses");
        assert!(users <= MAX_ENTRIES, "{users} names");
        assert!(users > MAX_ENTRIES / 2, "recent entries are kept: {users}");
        // One address trying 100k names is locked after ADDR_MAX_FAILURES, tracked once.
        let l = Limiter::new(false).await;
        let mut refused = 0;
        for i in 0..100_000u32 {
            if l.attempt(&format!("n{i}"), ip(1)).await.is_err() {
                refused += 1;
            }
        }
        assert_eq!(refused, 100_000 - ADDR_MAX_FAILURES);
        assert_eq!(l.l.tracked().0, 1);
        assert!(l.l.tracked().1 <= ADDR_MAX_FAILURES as usize);
    }

    #[test]
    fn a_busy_server_refuses_rather_than_queues() {
        let l = LoginLimiter::default();
        let mut held = Vec::new();
        while let Some(p) = l.try_hash_slot() {
            held.push(p);
            assert!(held.len() <= 1024, "the semaphore is bounded");
        }
        assert!(!held.is_empty());
        assert!(l.try_hash_slot().is_none());
        held.pop();
        assert!(l.try_hash_slot().is_some());
    }
}
