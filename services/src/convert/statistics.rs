//! The centre's figures on the wire: overall, by department and by bundle; and the period a
//! request asks for.

use lianban_orchestrator::rating::Satisfaction;
use lianban_orchestrator::statistics::{ApplicationFigures, Period, Report};
use lianban_proto::v1 as pb;

use super::fields::day;
use super::ratings::satisfaction_to_wire;
use crate::error::Error;

/// The period a request asks for: both days required, `to` not before `from`.
pub fn period(from: &str, to: &str) -> Result<Period, Error> {
    let required_day = |field: &str, value: &str| day(field, value.trim(), "required: YYYY-MM-DD");
    let period = Period {
        from: required_day("from", from)?,
        to: required_day("to", to)?,
    };
    if period.to < period.from {
        return Err(Error::invalid("to", "before from"));
    }
    Ok(period)
}

fn application_figures(f: &ApplicationFigures) -> pb::ApplicationFigures {
    pb::ApplicationFigures {
        received: f.received,
        accepted: f.accepted,
        completed: f.completed,
        on_time: f.on_time,
        on_time_rate: f.on_time_rate,
        average_working_days: f.average_working_days,
        p90_working_days: f.p90_working_days,
        deemed_consents: f.deemed_consents,
        deemed_consents_by_absence: f.deemed_consents_by_absence,
        escalations: f.escalations,
        extensions_requested: f.extensions_requested,
        extensions_approved: f.extensions_approved,
        ratings: f.ratings,
        average_rating: f.average_rating,
        ratings_by_level: Satisfaction::ALL
            .iter()
            .zip(f.ratings_by_level)
            .map(|(level, count)| pb::SatisfactionCount {
                satisfaction: satisfaction_to_wire(*level),
                count,
            })
            .collect(),
        negative_ratings: f.negative_ratings,
        dispatched: f.dispatched,
        one_visit_share: f.one_visit_share,
        two_visits_share: f.two_visits_share,
        three_visits_share: f.three_visits_share,
    }
}

/// A report on the wire.
pub fn statistics_to_wire(report: &Report) -> pb::Statistics {
    pb::Statistics {
        overall: Some(application_figures(&report.overall)),
        departments: report
            .departments
            .iter()
            .map(|(code, d)| pb::DepartmentFigures {
                department_code: code.clone(),
                started: d.started,
                decided: d.decided,
                on_time: d.on_time,
                on_time_rate: d.on_time_rate,
                average_working_days: d.average_working_days,
                p90_working_days: d.p90_working_days,
                deemed_consents: d.deemed_consents,
                escalations: d.escalations,
                extensions_requested: d.extensions_requested,
                deemed_consents_by_absence: d.deemed_consents_by_absence,
                sessions_invited: d.sessions_invited,
                sessions_attended: d.sessions_attended,
                session_absences: d.session_absences,
                session_absences_excused: d.session_absences_excused,
            })
            .collect(),
        bundles: report
            .bundles
            .iter()
            .map(|(code, b)| pb::BundleFigures {
                bundle_code: code.clone(),
                figures: Some(application_figures(&b.figures)),
                critical_path_days: b.critical_path_days,
                serial_sum_days: b.serial_sum_days,
            })
            .collect(),
    }
}
