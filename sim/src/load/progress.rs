//! Live counters of a run and the line they print on stderr once a second:
//! `[  3s] sent 15230  ok 15228  refused 0  errors 2  rate 5104/s` (rate: ok in the last second).
//! Scenarios decide what counts as ok, refused (the peer answered no) or an error (no answer);
//! this module only counts and prints, and prints nothing under `--quiet`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};
use tokio_util::sync::{CancellationToken, DropGuard};

/// Counters the clients of a run bump as they go.
#[derive(Debug, Default)]
pub struct Progress {
    sent: AtomicU64,
    ok: AtomicU64,
    refused: AtomicU64,
    errors: AtomicU64,
}

/// The counters at one instant.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Requests sent.
    pub sent: u64,
    /// Requests accepted.
    pub ok: u64,
    /// Requests the peer answered with a refusal.
    pub refused: u64,
    /// Requests that got no answer (transport failures).
    pub errors: u64,
}

impl Progress {
    /// One request sent.
    pub fn sent(&self) {
        self.sent.fetch_add(1, Relaxed);
    }

    /// One request accepted.
    pub fn ok(&self) {
        self.ok.fetch_add(1, Relaxed);
    }

    /// One request refused.
    pub fn refused(&self) {
        self.refused.fetch_add(1, Relaxed);
    }

    /// One request without an answer.
    pub fn error(&self) {
        self.errors.fetch_add(1, Relaxed);
    }

    /// The counters now.
    pub fn counts(&self) -> Counts {
        Counts {
            sent: self.sent.load(Relaxed),
            ok: self.ok.load(Relaxed),
            refused: self.refused.load(Relaxed),
            errors: self.errors.load(Relaxed),
        }
    }
}

/// The progress line of one second: `label` (empty for the main run) names the phase.
pub fn line(label: &str, elapsed: Duration, c: Counts, rate: f64) -> String {
    let label = if label.is_empty() {
        String::new()
    } else {
        format!("{label}  ")
    };
    format!(
        "[{:>3}s] {label}sent {}  ok {}  refused {}  errors {}  rate {rate:.0}/s",
        elapsed.as_secs(),
        c.sent,
        c.ok,
        c.refused,
        c.errors
    )
}

/// Whether runs print their progress (`--quiet` turns it off).
#[derive(Debug, Clone, Copy)]
pub struct Console {
    quiet: bool,
}

impl Console {
    /// A console that prints progress lines unless `quiet`.
    pub fn new(quiet: bool) -> Self {
        Self { quiet }
    }

    /// Starts a phase of a run with fresh counters; unless quiet, a task prints them every
    /// second until [`Phase::finish`] (or until the phase is dropped).
    pub fn phase(self, label: &'static str) -> Phase {
        let progress = Arc::new(Progress::default());
        let stop = CancellationToken::new();
        let ticker = (!self.quiet).then(|| tokio::spawn(tick(Arc::clone(&progress), label, stop.clone())));
        Phase {
            progress,
            ticker,
            stop: stop.drop_guard(),
        }
    }
}

/// One phase of a run (the run itself, or the baseline after it) and its ticker.
#[derive(Debug)]
pub struct Phase {
    progress: Arc<Progress>,
    ticker: Option<JoinHandle<()>>,
    /// Stops the ticker when the phase ends, however it ends.
    stop: DropGuard,
}

impl Phase {
    /// The counters, for the run's clients.
    pub fn progress(&self) -> Arc<Progress> {
        Arc::clone(&self.progress)
    }

    /// Stops the ticker and waits until it has printed its last line.
    pub async fn finish(self) {
        let Self { ticker, stop, .. } = self;
        drop(stop);
        if let Some(ticker) = ticker {
            let _ = ticker.await;
        }
    }
}

async fn tick(progress: Arc<Progress>, label: &'static str, stop: CancellationToken) {
    let start = Instant::now();
    let mut every = tokio::time::interval_at(start + Duration::from_secs(1), Duration::from_secs(1));
    // A stalled runtime prints late rather than in a burst.
    every.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let (mut last, mut last_at) = (Counts::default(), start);
    loop {
        let at = tokio::select! {
            () = stop.cancelled() => return,
            at = every.tick() => at,
        };
        let now = progress.counts();
        let secs = at.duration_since(last_at).as_secs_f64().max(f64::EPSILON);
        let rate = now.ok.saturating_sub(last.ok) as f64 / secs;
        eprintln!("{}", line(label, at.duration_since(start), now, rate));
        (last, last_at) = (now, at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_reads_like_the_issue_asks() {
        let c = Counts {
            sent: 15_230,
            ok: 15_228,
            refused: 0,
            errors: 2,
        };
        assert_eq!(
            line("", Duration::from_secs(3), c, 5_104.4),
            "[  3s] sent 15230  ok 15228  refused 0  errors 2  rate 5104/s"
        );
        assert_eq!(
            line("baseline", Duration::from_secs(12), c, 0.0),
            "[ 12s] baseline  sent 15230  ok 15228  refused 0  errors 2  rate 0/s"
        );
    }

    #[test]
    fn counters_count() {
        let p = Progress::default();
        p.sent();
        p.sent();
        p.ok();
        p.refused();
        p.error();
        let expected = Counts {
            sent: 2,
            ok: 1,
            refused: 1,
            errors: 1,
        };
        assert_eq!(p.counts(), expected);
    }

    #[tokio::test(start_paused = true)]
    async fn a_phase_ticks_until_finished() {
        let phase = Console::new(false).phase("test");
        phase.progress().ok();
        tokio::time::sleep(Duration::from_millis(2_500)).await;
        // Finishing returns: the ticker saw the stop.
        phase.finish().await;
        let quiet = Console::new(true).phase("test");
        assert!(quiet.ticker.is_none());
        quiet.finish().await;
    }
}
