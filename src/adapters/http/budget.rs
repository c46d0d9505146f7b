//! The per-tenant request budget: at most N requests in flight to one tenant, a minimum
//! interval between their starts, shared by every client of that tenant in the process
//! and paused for them when the tenant asks to wait. Other tenants, even on the same
//! host, have budgets of their own.
//!
//! The budget learns the tenant's rate from its first throttle: when the tenant answers
//! 429 and says when to come back, the requests it accepted since the budget last
//! resumed, spread over the time from the first of them to the moment it may resume, is
//! the most the tenant allows; from then on requests to it start no closer together than
//! that (and `LEARNED_MARGIN` more), so that no further 429 comes in the run. The
//! estimate errs slow: the window cannot be shorter than that span.

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

use super::RetryPolicy;

/// How much slower than the learned rate requests go: the tenant's clock and ours
/// differ, and requests reach it with some jitter.
const LEARNED_MARGIN: f64 = 1.05;

/// Which requests may be in flight to one tenant, and when the next may start.
pub(super) struct Budget {
    state: Mutex<BudgetState>,
    freed: Condvar,
    max_concurrent: usize,
    min_interval: Duration,
}

struct BudgetState {
    in_flight: usize,
    next_start: Instant,
    /// The interval learned from the tenant's throttling (zero until it throttles).
    learned: Duration,
    /// When the last pause the tenant asked for ends: requests started before it are
    /// not counted in the window after it.
    resumed: Instant,
    /// The start of the first request accepted since `resumed`, and how many were.
    window: Option<(Instant, u32)>,
}

/// A slot in flight; dropping it frees the slot.
pub(super) struct Permit<'a> {
    budget: &'a Budget,
    started: Instant,
}

impl Permit<'_> {
    /// The tenant accepted this request: it counts towards the window being learned.
    pub(super) fn accepted(&self) {
        let mut state = self.budget.lock();
        if self.started >= state.resumed {
            let window = state.window.get_or_insert((self.started, 0));
            window.1 = window.1.saturating_add(1);
        }
    }

    /// The tenant throttled this request and may be asked again at `until`: every
    /// request to it waits until then, and the requests it accepted since it last
    /// resumed set the interval between starts from now on.
    pub(super) fn throttled(&self, until: Instant) {
        let mut state = self.budget.lock();
        if let Some((first, accepted)) = state.window.take()
            && accepted > 0
        {
            let interval = until
                .saturating_duration_since(first)
                .div_f64(f64::from(accepted))
                .mul_f64(LEARNED_MARGIN);
            state.learned = state.learned.max(interval);
        }
        state.resumed = state.resumed.max(until);
        state.next_start = state.next_start.max(until);
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let mut state = self.budget.lock();
        state.in_flight = state.in_flight.saturating_sub(1);
        self.budget.freed.notify_one();
    }
}

impl Budget {
    /// Returns the budget shared by every client of one tenant (`key`) in this process.
    pub(super) fn shared(key: &str, retry: &RetryPolicy) -> Arc<Budget> {
        static BUDGETS: OnceLock<Mutex<HashMap<String, Arc<Budget>>>> = OnceLock::new();
        let mut budgets = BUDGETS
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        budgets
            .entry(key.to_string())
            .or_insert_with(|| {
                Arc::new(Budget {
                    state: Mutex::new(BudgetState {
                        in_flight: 0,
                        next_start: Instant::now(),
                        learned: Duration::ZERO,
                        resumed: Instant::now(),
                        window: None,
                    }),
                    freed: Condvar::new(),
                    max_concurrent: retry.max_concurrent.max(1),
                    min_interval: retry.min_interval,
                })
            })
            .clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BudgetState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits for a free slot and the tenant's next start time.
    pub(super) fn acquire(&self) -> Permit<'_> {
        let mut state = self.lock();
        while state.in_flight >= self.max_concurrent {
            state = self.freed.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        let now = Instant::now();
        let start = state.next_start.max(now);
        state.next_start = start + self.min_interval.max(state.learned);
        state.in_flight += 1;
        drop(state);
        std::thread::sleep(start - now);
        Permit {
            budget: self,
            started: start,
        }
    }

    /// Makes every request to the tenant wait until `until` (it asked to slow down).
    pub(super) fn pause_until(&self, until: Instant) {
        let mut state = self.lock();
        state.next_start = state.next_start.max(until);
    }

    /// The interval between starts learned from the tenant's throttling (zero until it
    /// throttles).
    #[cfg(test)]
    pub(super) fn learned(&self) -> Duration {
        self.lock().learned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_spaces_requests_to_one_tenant() {
        let retry = RetryPolicy {
            min_interval: Duration::from_millis(30),
            max_concurrent: 1,
            ..RetryPolicy::default()
        };
        let budget = Budget::shared("unit-test-budget", &retry);
        let started = Instant::now();
        for _ in 0..4 {
            let _permit = budget.acquire();
        }
        assert!(started.elapsed() >= Duration::from_millis(90));
    }
}
