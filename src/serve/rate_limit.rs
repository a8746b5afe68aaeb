//! `maxCallsPerTimeWindow` per client address: a fixed window per address, counted from the
//! address's first call in the window.
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct RateLimit {
    pub max_calls: u32,
    pub window: Duration,
    windows: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl RateLimit {
    pub fn new(max_calls: u32, window: Duration) -> RateLimit {
        RateLimit {
            max_calls,
            window,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts a call; `Err(seconds)` until the window ends when the address is over its limit.
    pub fn check(&self, client: IpAddr, now: Instant) -> Result<(), u64> {
        let mut windows = self.windows.lock().expect("rate limit");
        if windows.len() > 10_000 {
            windows.retain(|_, (start, _)| now.duration_since(*start) < self.window);
        }
        let entry = windows.entry(client).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        if entry.1 >= self.max_calls {
            let left = self.window.saturating_sub(now.duration_since(entry.0));
            return Err(left.as_secs_f64().ceil().max(1.0) as u64);
        }
        entry.1 += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_over_its_limit_waits_for_the_window_to_end() {
        let limit = RateLimit::new(2, Duration::from_secs(10));
        let (a, b) = ("127.0.0.1".parse().unwrap(), "127.0.0.2".parse().unwrap());
        let t = Instant::now();
        assert_eq!(limit.check(a, t), Ok(()));
        assert_eq!(limit.check(a, t), Ok(()));
        assert_eq!(limit.check(a, t + Duration::from_secs(3)), Err(7));
        assert_eq!(limit.check(b, t), Ok(()));
        assert_eq!(limit.check(a, t + Duration::from_secs(10)), Ok(()));
    }
}
