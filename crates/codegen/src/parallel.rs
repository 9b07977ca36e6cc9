//! The one pool codegen runs its work on: a list of jobs, taken in order by as many threads as
//! the machine has cores (the calling thread included), with the results returned in the order
//! of the jobs, so the output is the same whatever ran where. Put the largest job first: the
//! pool takes them in order, and a large job started last keeps one core busy alone at the end.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// One job for the pool.
pub(crate) type Job<'a, T> = Box<dyn FnOnce() -> T + Send + 'a>;

/// Run `jobs`; see the module doc.
pub(crate) fn run<T: Send>(jobs: Vec<Job<'_, T>>) -> Vec<T> {
    let count = jobs.len();
    let queue: Vec<Mutex<Option<Job<'_, T>>>> =
        jobs.into_iter().map(|job| Mutex::new(Some(job))).collect();
    let results: Vec<Mutex<Option<T>>> = (0..count).map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let work = || {
        loop {
            let index = next.fetch_add(1, Ordering::Relaxed);
            let Some(slot) = queue.get(index) else {
                break;
            };
            let job = slot.lock().ok().and_then(|mut job| job.take());
            if let Some(job) = job {
                let result = job();
                if let Ok(mut out) = results[index].lock() {
                    *out = Some(result);
                }
            }
        }
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(count);
    std::thread::scope(|scope| {
        for _ in 1..threads {
            scope.spawn(work);
        }
        work();
    });
    results
        .into_iter()
        .map(|slot| {
            slot.into_inner()
                .ok()
                .flatten()
                .expect("every job ran: a panicking job panics the scope first")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_the_order_of_the_jobs() {
        let jobs: Vec<Job<'_, usize>> = (0..50)
            .map(|index| -> Job<'_, usize> {
                Box::new(move || {
                    // Uneven work, so the threads finish out of order.
                    std::thread::sleep(std::time::Duration::from_micros(
                        ((index * 37) % 11) as u64 * 50,
                    ));
                    index * 2
                })
            })
            .collect();
        assert_eq!(run(jobs), (0..50).map(|i| i * 2).collect::<Vec<_>>());
        assert!(run::<u8>(Vec::new()).is_empty());
    }
}
