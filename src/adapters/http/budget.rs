//! The per-tenant request budget: at most N requests in flight to one tenant, a minimum
//! interval between their starts, shared by every client of that tenant in the process
//! and paused for them when the tenant asks to wait. Other tenants, even on the same
//! host, have budgets of their own.

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

use super::Policy;

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
}

pub(super) struct Permit<'a>(&'a Budget);

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let mut state = self.0.state.lock().unwrap_or_else(|e| e.into_inner());
        state.in_flight = state.in_flight.saturating_sub(1);
        self.0.freed.notify_one();
    }
}

impl Budget {
    /// Returns the budget shared by every client of one tenant (`key`) in this process.
    pub(super) fn shared(key: &str, policy: &Policy) -> Arc<Budget> {
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
                    }),
                    freed: Condvar::new(),
                    max_concurrent: policy.max_concurrent.max(1),
                    min_interval: policy.min_interval,
                })
            })
            .clone()
    }

    /// Waits for a free slot and the tenant's next start time.
    pub(super) fn acquire(&self) -> Permit<'_> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        while state.in_flight >= self.max_concurrent {
            state = self.freed.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        let now = Instant::now();
        let start = state.next_start.max(now);
        state.next_start = start + self.min_interval;
        state.in_flight += 1;
        drop(state);
        std::thread::sleep(start - now);
        Permit(self)
    }

    /// Makes every request to the tenant wait until `until` (it asked to slow down).
    pub(super) fn pause_until(&self, until: Instant) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.next_start = state.next_start.max(until);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_spaces_requests_to_one_tenant() {
        let policy = Policy {
            min_interval: Duration::from_millis(30),
            max_concurrent: 1,
            ..Policy::default()
        };
        let budget = Budget::shared("unit-test-budget", &policy);
        let started = Instant::now();
        for _ in 0..4 {
            let _permit = budget.acquire();
        }
        assert!(started.elapsed() >= Duration::from_millis(90));
    }
}
