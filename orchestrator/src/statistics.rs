//! The figures a service centre is judged on, for any period: received, accepted, completed, the
//! on-time rate, working days taken (average and 90th percentile), deemed consents, escalations,
//! extensions, ratings, the share of applications finished in one, two or three visits, and for
//! each bundle its critical path against the serial sum of its limits.
//!
//! A period is a range of local dates, both ends included. An application counts as received on
//! the day it was submitted, accepted on the day it was accepted, completed on the day its last
//! branch ended, and on time when that was no later than its due date. Visit shares are over the
//! applications handed over in the period, because the pick-up is part of the journey.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};

use crate::application::Application;
use crate::calendar::Calendar;
use crate::catalogue::Catalogue;
use crate::machine::BranchState;
use crate::rating::Satisfaction;

/// The dates a report covers, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
}

/// Application figures (overall or one bundle).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ApplicationFigures {
    /// Submitted in the period.
    pub received: u32,
    /// Accepted in the period.
    pub accepted: u32,
    /// Every branch ended in the period.
    pub completed: u32,
    /// Completed by the due date.
    pub on_time: u32,
    /// `on_time / completed` (0 when nothing was completed).
    pub on_time_rate: f64,
    /// Working days from acceptance to completion, averaged over the completed.
    pub average_working_days: f64,
    /// The 90th percentile (nearest rank) of the same.
    pub p90_working_days: u32,
    /// Branches deemed to consent in the period because their deadline passed.
    pub deemed_consents: u32,
    /// Branches deemed to consent in the period because their department was absent from a
    /// joint review session.
    pub deemed_consents_by_absence: u32,
    /// Branches escalated in the period.
    pub escalations: u32,
    /// Extensions requested in the period.
    pub extensions_requested: u32,
    /// Of those, approved.
    pub extensions_approved: u32,
    /// Ratings given in the period.
    pub ratings: u32,
    /// Their average in stars, 5 best (0 when none).
    pub average_rating: f64,
    /// Ratings at each level, by national code: `[非常满意, 满意, 基本满意, 不满意, 非常不满意]`.
    pub ratings_by_level: [u32; 5],
    /// Negative reviews (差评): 不满意 and 非常不满意.
    pub negative_ratings: u32,
    /// Applications handed over in the period.
    pub dispatched: u32,
    /// Share of those that took at most one visit.
    pub one_visit_share: f64,
    /// Share that took at most two visits.
    pub two_visits_share: f64,
    /// Share that took at most three visits.
    pub three_visits_share: f64,
}

/// Branch figures of one department.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DepartmentFigures {
    /// Branches started in the period.
    pub started: u32,
    /// Branches decided in the period (by the department or by deemed consent).
    pub decided: u32,
    /// Decided by their deadline.
    pub on_time: u32,
    /// `on_time / decided`.
    pub on_time_rate: f64,
    /// Working days from start to decision, averaged.
    pub average_working_days: f64,
    /// Its 90th percentile.
    pub p90_working_days: u32,
    /// Deemed consents at the deadline (the department stayed silent).
    pub deemed_consents: u32,
    /// Deemed consents for absence from a joint review session.
    pub deemed_consents_by_absence: u32,
    /// Joint review sessions closed in the period that invited the department.
    pub sessions_invited: u32,
    /// Of those, the ones it attended or gave an opinion to.
    pub sessions_attended: u32,
    /// Of those, the ones it was absent from (excused ones included).
    pub session_absences: u32,
    /// Of the absences, those not deemed consent because the notice came too late.
    pub session_absences_excused: u32,
    /// Escalations.
    pub escalations: u32,
    /// Extensions requested.
    pub extensions_requested: u32,
}

/// One bundle's figures and the time parallel handling saves.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BundleFigures {
    /// Its applications.
    pub figures: ApplicationFigures,
    /// Longest chain of promised limits.
    pub critical_path_days: u32,
    /// Sum of every branch's promised limit.
    pub serial_sum_days: u32,
}

/// The whole report.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    /// Every application.
    pub overall: ApplicationFigures,
    /// By department code.
    pub departments: BTreeMap<String, DepartmentFigures>,
    /// By bundle code.
    pub bundles: BTreeMap<String, BundleFigures>,
}

/// Computes the report over `applications` (any superset of those active in the period).
pub fn report(
    applications: &[Application],
    period: Period,
    calendar: &Calendar,
    catalogue: &Catalogue,
) -> Report {
    let mut builder = ReportBuilder::new(period, calendar, catalogue);
    for application in applications {
        builder.add(application);
    }
    builder.finish()
}

/// The report built one application at a time, so that a caller can read applications a page at
/// a time and never hold them all.
pub struct ReportBuilder<'a> {
    period: Period,
    calendar: &'a Calendar,
    catalogue: &'a Catalogue,
    overall: Tally,
    bundles: BTreeMap<String, Tally>,
    departments: BTreeMap<String, BranchTally>,
}

impl<'a> ReportBuilder<'a> {
    /// An empty report over `period`.
    pub fn new(period: Period, calendar: &'a Calendar, catalogue: &'a Catalogue) -> Self {
        ReportBuilder {
            period,
            calendar,
            catalogue,
            overall: Tally::default(),
            bundles: BTreeMap::new(),
            departments: BTreeMap::new(),
        }
    }

    /// Counts one application (any application: only what happened in the period counts).
    pub fn add(&mut self, application: &Application) {
        let (period, calendar) = (self.period, self.calendar);
        let within = |at: Option<DateTime<Utc>>| {
            at.map(|at| calendar.local_date(at))
                .is_some_and(|day| day >= period.from && day <= period.to)
        };
        let tally = self
            .bundles
            .entry(application.bundle_code.clone())
            .or_default();
        for t in [&mut self.overall, tally] {
            t.add(application, &within, calendar);
        }
        for branch in &application.branches {
            let d = self
                .departments
                .entry(branch.department_code.clone())
                .or_default();
            if within(branch.started_at) {
                d.figures.started += 1;
            }
            let decided = branch
                .outcome
                .as_ref()
                .filter(|o| o.state != BranchState::Cancelled && within(Some(o.decided_at)));
            if let Some(outcome) = decided {
                d.figures.decided += 1;
                if branch
                    .deadline
                    .is_some_and(|deadline| outcome.decided_at <= deadline.at)
                {
                    d.figures.on_time += 1;
                }
                if let Some(started) = branch.started_at {
                    d.days.push(calendar.working_days_between(
                        calendar.local_date(started),
                        calendar.local_date(outcome.decided_at),
                    ));
                }
                if outcome.state == BranchState::DeemedConsent {
                    if outcome.session_id.is_some() {
                        d.figures.deemed_consents_by_absence += 1;
                    } else {
                        d.figures.deemed_consents += 1;
                    }
                }
            }
            if within(branch.escalated_at) {
                d.figures.escalations += 1;
            }
            d.figures.extensions_requested += branch
                .extensions
                .iter()
                .filter(|e| within(Some(e.requested_at)))
                .count() as u32;
        }
    }

    /// The report.
    pub fn finish(self) -> Report {
        let mut report = Report {
            overall: self.overall.finish(),
            ..Report::default()
        };
        let catalogue = self.catalogue;
        for (code, tally) in self.bundles {
            let (critical_path_days, serial_sum_days) =
                catalogue.bundle(&code).map_or((0, 0), |b| {
                    (
                        catalogue.critical_path_days(b),
                        catalogue.serial_sum_days(b),
                    )
                });
            report.bundles.insert(
                code,
                BundleFigures {
                    figures: tally.finish(),
                    critical_path_days,
                    serial_sum_days,
                },
            );
        }
        for (code, tally) in self.departments {
            let mut figures = tally.figures;
            figures.on_time_rate = ratio(figures.on_time, figures.decided);
            figures.average_working_days = average(&tally.days);
            figures.p90_working_days = p90(tally.days);
            report.departments.insert(code, figures);
        }
        report
    }
}

#[derive(Default)]
struct Tally {
    figures: ApplicationFigures,
    days: Vec<u32>,
    levels: Vec<Satisfaction>,
    visits: Vec<u32>,
}

impl Tally {
    fn add(
        &mut self,
        application: &Application,
        within: &impl Fn(Option<DateTime<Utc>>) -> bool,
        calendar: &Calendar,
    ) {
        let f = &mut self.figures;
        f.received += u32::from(within(Some(application.submitted_at)));
        f.accepted += u32::from(within(application.accepted_at));
        if let (Some(accepted), Some(ready)) = (
            application.accepted_at,
            application.ready_at.filter(|r| within(Some(*r))),
        ) {
            f.completed += 1;
            if application.due.is_some_and(|due| ready <= due.at) {
                f.on_time += 1;
            }
            self.days.push(
                calendar.working_days_between(
                    calendar.local_date(accepted),
                    calendar.local_date(ready),
                ),
            );
        }
        for branch in &application.branches {
            if let Some(outcome) = branch
                .outcome
                .as_ref()
                .filter(|o| o.state == BranchState::DeemedConsent && within(Some(o.decided_at)))
            {
                if outcome.session_id.is_some() {
                    f.deemed_consents_by_absence += 1;
                } else {
                    f.deemed_consents += 1;
                }
            }
            f.escalations += u32::from(within(branch.escalated_at));
            for extension in &branch.extensions {
                if within(Some(extension.requested_at)) {
                    f.extensions_requested += 1;
                    f.extensions_approved +=
                        u32::from(extension.decision.as_ref().is_some_and(|d| d.approved));
                }
            }
        }
        self.levels.extend(
            application
                .ratings
                .iter()
                .filter(|r| within(Some(r.at)))
                .map(|r| r.satisfaction),
        );
        if application
            .hand_over
            .as_ref()
            .is_some_and(|h| within(Some(h.handed_at)))
        {
            self.visits.push(application.visits);
        }
    }

    fn finish(mut self) -> ApplicationFigures {
        let f = &mut self.figures;
        f.on_time_rate = ratio(f.on_time, f.completed);
        f.average_working_days = average(&self.days);
        f.p90_working_days = p90(self.days);
        f.ratings = self.levels.len() as u32;
        let stars: Vec<u32> = self.levels.iter().map(|l| u32::from(l.stars())).collect();
        f.average_rating = average(&stars);
        for level in &self.levels {
            f.ratings_by_level[usize::from(level.code() - 1)] += 1;
        }
        f.negative_ratings = self.levels.iter().filter(|l| l.is_negative()).count() as u32;
        f.dispatched = self.visits.len() as u32;
        let share = |most: u32| {
            ratio(
                self.visits.iter().filter(|v| **v <= most).count() as u32,
                self.visits.len() as u32,
            )
        };
        f.one_visit_share = share(1);
        f.two_visits_share = share(2);
        f.three_visits_share = share(3);
        self.figures
    }
}

#[derive(Default)]
struct BranchTally {
    figures: DepartmentFigures,
    days: Vec<u32>,
}

fn ratio(part: u32, whole: u32) -> f64 {
    if whole == 0 {
        0.0
    } else {
        f64::from(part) / f64::from(whole)
    }
}

fn average(values: &[u32]) -> f64 {
    if values.is_empty() {
        0.0
    } else {
        values.iter().map(|v| f64::from(*v)).sum::<f64>() / values.len() as f64
    }
}

/// The 90th percentile by nearest rank (0 for no values).
fn p90(mut values: Vec<u32>) -> u32 {
    if values.is_empty() {
        return 0;
    }
    values.sort_unstable();
    let rank = (values.len() * 9).div_ceil(10);
    values[rank.max(1) - 1]
}

/// Adds attendance of the joint review sessions closed in the period to the department figures.
pub fn add_sessions(
    report: &mut Report,
    sessions: &[crate::session::Session],
    period: Period,
    calendar: &Calendar,
) {
    use crate::session::Attendance;
    for session in sessions {
        let Some(closing) = &session.closing else {
            continue;
        };
        let day = calendar.local_date(closing.at);
        if day < period.from || day > period.to {
            continue;
        }
        for outcome in &closing.outcomes {
            let d = report
                .departments
                .entry(outcome.department_code.clone())
                .or_default();
            d.sessions_invited += 1;
            match outcome.attendance {
                Attendance::Attended | Attendance::WrittenOpinion => d.sessions_attended += 1,
                Attendance::Absent => d.session_absences += 1,
                Attendance::AbsentExcused => {
                    d.session_absences += 1;
                    d.session_absences_excused += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_90th_percentile_is_the_nearest_rank() {
        assert_eq!(p90(vec![]), 0);
        assert_eq!(p90(vec![5]), 5);
        assert_eq!(p90(vec![0, 4, 6]), 6);
        assert_eq!(p90((1..=10).collect()), 9);
        assert_eq!(p90((1..=20).collect()), 18);
    }

    #[test]
    fn ratios_and_averages_of_nothing_are_zero() {
        assert_eq!(ratio(0, 0), 0.0);
        assert_eq!(average(&[]), 0.0);
        assert_eq!(average(&[1, 2]), 1.5);
    }
}
