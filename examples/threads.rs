//! `static` tables shared by threads: keys made on one thread, attached on
//! several, dropped on another.
//!
//! ```text
//! cargo run --example threads
//! ```
//!
//! Tables are `Send + Sync` (for `Send` values) and `WeakMap::new` is
//! `const`, so a table can be a plain `static`. A key may be dropped on any
//! thread: its values are dropped there, which is why values must be `Send`.

use std::sync::atomic::{AtomicU32, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::thread;

use weakattach::{Anchor, WeakKey, WeakMap, WeakSet};

#[derive(WeakKey)]
struct Job {
    id: u32,
    anchor: Anchor,
}

/// A worker's result for a job; records the thread that drops it.
struct Output {
    job: u32,
    by: String,
}

static DROPPED_ON: Mutex<Vec<(u32, String)>> = Mutex::new(Vec::new());

impl Drop for Output {
    fn drop(&mut self) {
        let thread = thread::current().name().unwrap_or("unnamed").to_owned();
        DROPPED_ON.lock().unwrap().push((self.job, thread));
    }
}

/// How many workers looked at each job: every worker adds to the same counter.
static SEEN: WeakMap<Job, Arc<AtomicU32>> = WeakMap::new();
/// Which worker produced each job's output.
static OUTPUT: WeakMap<Job, Output> = WeakMap::new();
/// The jobs a worker has claimed.
static CLAIMED: WeakSet<Job> = WeakSet::new();

/// Successful claims, over all workers.
static CLAIMS: AtomicU32 = AtomicU32::new(0);

const WORKERS: u32 = 4;
const JOBS: u32 = 12;

fn main() {
    let jobs: Vec<Job> = (0..JOBS)
        .map(|id| Job {
            id,
            anchor: Anchor::new(),
        })
        .collect();
    println!("main made {JOBS} jobs; {WORKERS} scoped worker threads share them by reference");

    thread::scope(|scope| {
        for worker in 0..WORKERS {
            let jobs = &jobs;
            thread::Builder::new()
                .name(format!("worker-{worker}"))
                .spawn_scoped(scope, move || {
                    // Each worker starts at its own place in the list.
                    let start = (worker * JOBS / WORKERS) as usize;
                    for job in jobs[start..].iter().chain(&jobs[..start]) {
                        // Racing callers all get the first stored counter.
                        SEEN.get_or_insert_with(job, Arc::default)
                            .fetch_add(1, Relaxed);
                        // Every worker tries to claim every job; only the
                        // first insert of a key returns true.
                        if CLAIMED.insert(job) {
                            CLAIMS.fetch_add(1, Relaxed);
                            let by = thread::current().name().unwrap().to_owned();
                            let old = OUTPUT.insert(job, Output { job: job.id, by });
                            assert!(old.is_none());
                        }
                        thread::yield_now();
                    }
                })
                .unwrap();
        }
    });

    let mut won = [0; WORKERS as usize];
    for job in &jobs {
        assert_eq!(SEEN.get(job).unwrap().load(Relaxed), WORKERS);
        assert!(CLAIMED.contains(job));
        let by = OUTPUT.with(job, |output| output.by.clone()).unwrap();
        let worker: usize = by.trim_start_matches("worker-").parse().unwrap();
        won[worker] += 1;
    }
    assert_eq!(CLAIMS.load(Relaxed), JOBS);
    println!(
        "every job was seen by all {WORKERS} workers (one shared counter per job, no lost update)"
    );
    println!(
        "every job was claimed exactly once ({} successful claims); jobs won per worker: {won:?}",
        CLAIMS.load(Relaxed)
    );

    // Readers on several threads at once.
    let found: u32 = thread::scope(|scope| {
        let readers: Vec<_> = (0..2)
            .map(|_| scope.spawn(|| jobs.iter().filter(|&job| OUTPUT.contains_key(job)).count()))
            .collect();
        readers
            .into_iter()
            .map(|r| u32::try_from(r.join().unwrap()).unwrap())
            .sum()
    });
    assert_eq!(found, 2 * JOBS);
    println!("2 reader threads each found all {JOBS} outputs");

    // Keep one counter's handle to watch it go.
    let counter = SEEN.get(&jobs[0]).unwrap();
    assert_eq!(Arc::strong_count(&counter), 2);

    thread::Builder::new()
        .name("reaper".to_owned())
        .spawn(move || drop(jobs))
        .unwrap()
        .join()
        .unwrap();

    let dropped = DROPPED_ON.lock().unwrap();
    assert_eq!(dropped.len(), JOBS as usize);
    assert!(dropped.iter().all(|(_, thread)| thread == "reaper"));
    assert_eq!(Arc::strong_count(&counter), 1);
    println!(
        "the jobs were moved to a \"reaper\" thread and dropped there: all {} outputs were dropped on {:?},",
        dropped.len(),
        dropped[0].1
    );
    println!(
        "and SEEN let go of its counters (job 0's counter has {} owner left: this thread)",
        Arc::strong_count(&counter)
    );
}
