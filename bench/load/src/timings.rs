//! Timings kept per kind of request: each request's whole time (sent until its body is read) in microseconds and its
//! body's size, the failures, and the completed responses. Goose reports milliseconds to the first byte; a page that
//! takes 2 ms needs a finer grain, and bytes per page are not in goose's report.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use serde::Serialize;

/// What a request is, as the report groups them.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Kind {
    Welcome,
    Section,
    Save,
    Review,
    Submit,
    Paper,
}

impl Kind {
    pub const ALL: [Kind; 6] = [Kind::Welcome, Kind::Section, Kind::Save, Kind::Review, Kind::Submit, Kind::Paper];

    /// The request as goose names it in its report (the route, without a resident's code).
    pub fn name(self) -> &'static str {
        match self {
            Kind::Welcome => "GET /svara/{code}",
            Kind::Section => "GET /svara/{code}/del/{n}",
            Kind::Save => "POST /svara/{code}/del/{n}",
            Kind::Review => "GET /svara/{code}/granska",
            Kind::Submit => "POST /svara/{code}/skicka",
            Kind::Paper => "POST /api/v1/surveys/{id}/paper",
        }
    }

    /// A page a browser shows (as against a form it posts).
    pub fn is_page(self) -> bool {
        matches!(self, Kind::Welcome | Kind::Section | Kind::Review)
    }
}

/// How long requests of one kind (or group) took, and how large their bodies were.
#[derive(Serialize, Debug)]
pub struct Stats {
    pub name: String,
    pub count: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub mean_bytes: f64,
}

/// A run's result as `trygghet-load` writes it (`TRYGGHET_LOAD_SUMMARY`) and `bench/flow.sh` reads it.
#[derive(Serialize, Debug)]
pub struct Summary {
    /// From the first request sent to the last answer read.
    pub seconds: f64,
    pub completed: u64,
    pub completed_per_second: f64,
    pub requests: usize,
    pub failures: u64,
    /// The first few failures, in words.
    pub problems: Vec<String>,
    /// CPU time the load generator itself used (Linux), to tell whether it, not the service, was the limit.
    pub generator_cpu_seconds: Option<f64>,
    /// Every page shown (welcome, sections, review) together.
    pub page_get: Option<Stats>,
    pub kinds: Vec<Stats>,
}

#[derive(Default)]
struct Kept {
    /// Per kind: (microseconds, body bytes) of each request.
    samples: HashMap<Kind, Vec<(u32, u32)>>,
    failures: u64,
    problems: Vec<String>,
    completed: u64,
    first: Option<Instant>,
    last: Option<Instant>,
}

/// Everything recorded during a run, shared by every goose user.
#[derive(Default)]
pub struct Timings {
    kept: Mutex<Kept>,
}

/// Failures described in the summary; the rest are only counted.
const PROBLEMS_KEPT: usize = 20;

impl Timings {
    /// A request of `kind` sent at `started` whose answer (`bytes` of body) has just been read.
    pub fn record(&self, kind: Kind, started: Instant, bytes: usize) {
        let now = Instant::now();
        let micros = u32::try_from(now.duration_since(started).as_micros()).unwrap_or(u32::MAX);
        let mut kept = self.kept.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        kept.samples.entry(kind).or_default().push((micros, u32::try_from(bytes).unwrap_or(u32::MAX)));
        kept.first = Some(kept.first.map_or(started, |first| first.min(started)));
        kept.last = Some(now);
    }

    pub fn failure(&self, problem: String) {
        let mut kept = self.kept.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        kept.failures += 1;
        if kept.problems.len() < PROBLEMS_KEPT {
            kept.problems.push(problem);
        }
    }

    /// A response completed: a resident thanked, a paper form stored.
    pub fn completed(&self) {
        self.kept.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).completed += 1;
    }

    pub fn summary(&self) -> Summary {
        let kept = self.kept.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let seconds = match (kept.first, kept.last) {
            (Some(first), Some(last)) => last.duration_since(first).as_secs_f64(),
            _ => 0.0,
        };
        let kinds: Vec<Stats> = Kind::ALL
            .iter()
            .filter_map(|kind| kept.samples.get(kind).and_then(|samples| stats(kind.name(), samples.clone())))
            .collect();
        let pages: Vec<(u32, u32)> = Kind::ALL
            .iter()
            .filter(|kind| kind.is_page())
            .flat_map(|kind| kept.samples.get(kind).into_iter().flatten().copied())
            .collect();
        Summary {
            seconds,
            completed: kept.completed,
            completed_per_second: if seconds > 0.0 { kept.completed as f64 / seconds } else { 0.0 },
            requests: kept.samples.values().map(Vec::len).sum(),
            failures: kept.failures,
            problems: kept.problems.clone(),
            generator_cpu_seconds: None,
            page_get: stats("GET pages (welcome, sections, review)", pages),
            kinds,
        }
    }
}

/// p50, p99 (nearest rank) and max of the times, and the mean size.
fn stats(name: &str, mut samples: Vec<(u32, u32)>) -> Option<Stats> {
    if samples.is_empty() {
        return None;
    }
    samples.sort_unstable_by_key(|(micros, _)| *micros);
    let count = samples.len();
    let rank = |fraction: f64| samples[((fraction * count as f64).ceil() as usize).clamp(1, count) - 1].0;
    let ms = |micros: u32| f64::from(micros) / 1000.0;
    Some(Stats {
        name: name.to_owned(),
        count,
        p50_ms: ms(rank(0.50)),
        p99_ms: ms(rank(0.99)),
        max_ms: ms(samples[count - 1].0),
        mean_bytes: samples.iter().map(|(_, bytes)| f64::from(*bytes)).sum::<f64>() / count as f64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let samples: Vec<(u32, u32)> = (1..=100).map(|ms| (ms * 1000, 10)).collect();
        let stats = stats("x", samples).unwrap();
        assert_eq!((stats.p50_ms, stats.p99_ms, stats.max_ms, stats.mean_bytes), (50.0, 99.0, 100.0, 10.0));
    }
}
