//! The printed table: one row per workload and concurrency.

use crate::floor::FloorRun;
use crate::workloads::{Result_, Samples};

pub(crate) struct Row {
    pub(crate) workload: &'static str,
    pub(crate) concurrency: usize,
    pub(crate) completed: usize,
    pub(crate) per_second: f64,
    pub(crate) submit: (f64, f64),
    pub(crate) decide: (f64, f64),
    pub(crate) dispatch: (f64, f64),
    pub(crate) end_to_end: (f64, f64),
    pub(crate) timer_lag: Option<(f64, f64)>,
    pub(crate) cpu_per_application: f64,
    pub(crate) decide_per_second: f64,
    pub(crate) floor: Option<FloorRun>,
}

pub(crate) fn row(
    workload: &'static str,
    concurrency: usize,
    result: &Result_,
    cpu: f64,
    floor: Option<FloorRun>,
) -> Row {
    let pair = |s: &Samples| (s.percentile(0.5), s.percentile(0.99));
    let decide_rate = result.decide.0.len() as f64 / result.seconds;
    Row {
        workload,
        concurrency,
        completed: result.completed,
        per_second: result.completed as f64 / result.seconds,
        submit: pair(&result.submit),
        decide: pair(&result.decide),
        dispatch: pair(&result.dispatch),
        end_to_end: pair(&result.end_to_end),
        timer_lag: (!result.timer_lag.0.is_empty()).then(|| pair(&result.timer_lag)),
        cpu_per_application: cpu,
        decide_per_second: decide_rate,
        floor,
    }
}

pub(crate) fn print_table(rows: &[Row]) {
    println!(
        "| workload | conc. | apps | apps/s | submit p50/p99 ms | decide p50/p99 ms | dispatch p50/p99 ms | end-to-end p50/p99 ms | timer lag p50/p99 ms | CPU ms/app | floor decide/s | decide share of floor |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for r in rows {
        let lag = r
            .timer_lag
            .map_or("—".to_owned(), |(a, b)| format!("{a:.1} / {b:.1}"));
        let (floor, share) = r.floor.map_or(("—".to_owned(), "—".to_owned()), |f| {
            let share = r.decide_per_second / f.per_second;
            (
                format!("{:.0}", f.per_second),
                format!("{:.1}%", share * 100.0),
            )
        });
        println!(
            "| {} | {} | {} | {:.1} | {:.2} / {:.2} | {:.2} / {:.2} | {:.2} / {:.2} | {:.1} / {:.1} | {} | {:.1} | {} | {} |",
            r.workload,
            r.concurrency,
            r.completed,
            r.per_second,
            r.submit.0,
            r.submit.1,
            r.decide.0,
            r.decide.1,
            r.dispatch.0,
            r.dispatch.1,
            r.end_to_end.0,
            r.end_to_end.1,
            lag,
            r.cpu_per_application * 1000.0,
            floor,
            share
        );
    }
}

/// The figures that travel between machines: each workload row against the floor of the same run.
pub(crate) fn print_ratios(rows: &[Row]) {
    println!(
        "| workload | conc. | decide/s | floor decide/s | decide share of floor | decide p99 ms | floor p99 ms | decide p99 ÷ floor p99 | CPU ms/app | floor CPU ms/call | CPU per app ÷ floor CPU per call |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for r in rows {
        let Some(f) = r.floor else { continue };
        println!(
            "| {} | {} | {:.0} | {:.0} | {:.1}% | {:.2} | {:.2} | {:.1} | {:.2} | {:.3} | {:.1} |",
            r.workload,
            r.concurrency,
            r.decide_per_second,
            f.per_second,
            r.decide_per_second / f.per_second * 100.0,
            r.decide.1,
            f.p99_ms,
            r.decide.1 / f.p99_ms,
            r.cpu_per_application * 1000.0,
            f.cpu_per_call * 1000.0,
            r.cpu_per_application / f.cpu_per_call
        );
    }
}
