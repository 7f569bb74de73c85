//! Per-group work on every core: groups are independent once the snapshot
//! is loaded, so reply inference and group reports run on scoped threads
//! that take the next group from a shared counter (big and small groups
//! balance themselves). Results come back in group order, so the output is
//! the same whatever the thread count.

use std::sync::atomic::{AtomicUsize, Ordering};

/// `f(0), f(1), …, f(n − 1)` on up to `threads` threads (0: one per core),
/// in index order.
pub fn map<T: Send>(n: usize, threads: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let threads = match threads {
        0 => std::thread::available_parallelism().map_or(1, |p| p.get()),
        t => t,
    }
    .min(n.max(1));
    if threads <= 1 {
        return (0..n).map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let mut parts: Vec<Vec<(usize, T)>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= n {
                            return done;
                        }
                        done.push((i, f(i)));
                    }
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p))).collect()
    });
    let mut all: Vec<(usize, T)> = parts.iter_mut().flat_map(std::mem::take).collect();
    all.sort_unstable_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, t)| t).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn same_results_in_order_on_any_thread_count() {
        let square = |i: usize| i * i;
        let one = super::map(1000, 1, square);
        assert_eq!(one, (0..1000).map(square).collect::<Vec<_>>());
        assert_eq!(super::map(1000, 3, square), one);
        assert_eq!(super::map(0, 4, square), Vec::<usize>::new());
    }
}
