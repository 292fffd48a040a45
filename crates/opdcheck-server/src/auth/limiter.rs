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
//! - Memory is bounded: each map holds at most [`MAX_ENTRIES`] entries; expired ones go first,
//!   then the oldest tenth.
//! - Hashing: at most 2 × cores argon2 checks at once; a sign-in arriving when all are busy is
//!   answered 503 with `Retry-After: 1` rather than queued without bound.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::{Semaphore, SemaphorePermit};

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

#[derive(Debug)]
pub struct LoginLimiter {
    maps: Mutex<Maps>,
    hashing: Semaphore,
}

impl Default for LoginLimiter {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        LoginLimiter {
            maps: Mutex::new(Maps {
                addrs: Bounded(HashMap::new()),
                users: Bounded(HashMap::new()),
            }),
            hashing: Semaphore::new(2 * cores),
        }
    }
}

impl LoginLimiter {
    fn maps(&self) -> std::sync::MutexGuard<'_, Maps> {
        self.maps.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Count an attempt for `username` from `addr`, unless one of them is locked. Call
    /// [`LoginLimiter::succeeded`] or [`LoginLimiter::cancelled`] when it did not fail.
    pub fn attempt(&self, username: &str, addr: Option<IpAddr>) -> Result<(), Locked> {
        let now = Instant::now();
        let mut maps = self.maps();
        if let Some(e) = maps.addrs.live(&addr, now)
            && e.failures >= ADDR_MAX_FAILURES
        {
            return Err(Locked::Address(e.retry_after(now)));
        }
        let user_key = username.to_owned();
        if let Some(e) = maps.users.live(&user_key, now) {
            let spread =
                e.addrs.len() >= ACCOUNT_MIN_ADDRS && e.failures >= ACCOUNT_SPREAD_FAILURES;
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

    /// The attempt was right: the account's count starts over, the address's attempt is taken
    /// back (one good sign-in does not wipe an address's earlier failures).
    pub fn succeeded(&self, username: &str, addr: Option<IpAddr>) {
        let mut maps = self.maps();
        maps.users.0.remove(username);
        if let Some(e) = maps.addrs.0.get_mut(&addr) {
            e.failures = e.failures.saturating_sub(1);
        }
    }

    /// The attempt was not judged (the server was busy): take it back.
    pub fn cancelled(&self, username: &str, addr: Option<IpAddr>) {
        let mut maps = self.maps();
        if let Some(e) = maps.users.0.get_mut(username) {
            e.failures = e.failures.saturating_sub(1);
        }
        if let Some(e) = maps.addrs.0.get_mut(&addr) {
            e.failures = e.failures.saturating_sub(1);
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

    /// (addresses, usernames) tracked: for tests of the bound.
    pub fn tracked(&self) -> (usize, usize) {
        let maps = self.maps();
        (maps.addrs.0.len(), maps.users.0.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(n: u32) -> Option<IpAddr> {
        Some(IpAddr::V4(n.into()))
    }

    #[test]
    fn an_address_locks_before_the_account() {
        let l = LoginLimiter::default();
        for _ in 0..ADDR_MAX_FAILURES {
            l.attempt("admin", ip(1)).unwrap();
        }
        let Err(Locked::Address(secs)) = l.attempt("admin", ip(1)) else {
            panic!("the address should be locked");
        };
        assert!(secs > 0 && secs <= WINDOW.as_secs());
        // The same account from elsewhere still gets its attempt, and signs in.
        l.attempt("admin", ip(2)).unwrap();
        l.succeeded("admin", ip(2));
        // The locked address is locked for other names too.
        assert!(matches!(l.attempt("qa", ip(1)), Err(Locked::Address(_))));
    }

    #[test]
    fn the_account_locks_after_failures_from_three_addresses_or_twenty() {
        // 9 failures from 3 addresses (typos on three PCs): not locked; the 10th locks.
        let l = LoginLimiter::default();
        for a in 1..=3 {
            for _ in 0..3 {
                l.attempt("admin", ip(a)).unwrap();
            }
        }
        l.attempt("admin", ip(4)).unwrap();
        assert!(matches!(l.attempt("admin", ip(9)), Err(Locked::Account(_))));
        // Two addresses cannot spread: 20 failures in total lock the account.
        let l = LoginLimiter::default();
        for a in 1..=2 {
            for _ in 0..ADDR_MAX_FAILURES {
                l.attempt("qa", ip(a)).unwrap();
            }
        }
        assert!(matches!(l.attempt("qa", ip(3)), Err(Locked::Account(_))));
        // Another account is untouched.
        l.attempt("doctor", ip(3)).unwrap();
    }

    #[test]
    fn cancelled_and_succeeded_take_the_attempt_back() {
        let l = LoginLimiter::default();
        for _ in 0..(ADDR_MAX_FAILURES * 3) {
            l.attempt("doctor", ip(7)).unwrap();
            l.cancelled("doctor", ip(7));
        }
        for _ in 0..(ADDR_MAX_FAILURES * 3) {
            l.attempt("doctor", ip(7)).unwrap();
            l.succeeded("doctor", ip(7));
        }
        l.attempt("doctor", ip(7)).unwrap();
    }

    #[test]
    fn memory_stays_bounded_under_many_names_and_addresses() {
        let l = LoginLimiter::default();
        for i in 0..100_000u32 {
            // Distinct names from distinct addresses: nothing locks, everything is tracked.
            l.attempt(&format!("user{i}"), ip(i)).unwrap();
        }
        let (addrs, users) = l.tracked();
        assert!(addrs <= MAX_ENTRIES, "{addrs} addresses");
        assert!(users <= MAX_ENTRIES, "{users} names");
        assert!(users > MAX_ENTRIES / 2, "recent entries are kept: {users}");
        // One address trying 100k names is locked after ADDR_MAX_FAILURES, tracked once.
        let l = LoginLimiter::default();
        let mut refused = 0;
        for i in 0..100_000u32 {
            if l.attempt(&format!("n{i}"), ip(1)).is_err() {
                refused += 1;
            }
        }
        assert_eq!(refused, 100_000 - ADDR_MAX_FAILURES);
        assert_eq!(l.tracked().0, 1);
        assert!(l.tracked().1 <= ADDR_MAX_FAILURES as usize);
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
