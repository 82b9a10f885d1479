//! The end of an application at the front desk: the dispatch window hands every result over at
//! once (统一出件), and the applicant rates the service (好差评).

use super::change::Change;
use super::transitions::move_application;
use crate::application::{HandOver, HandOverMethod, HandedResult, Rating, RatingStage};
use crate::error::EngineError;
use crate::machine::{ApplicationState, ApplicationTrigger};
use crate::vocabulary::{Event, limit_text, require_text};

/// The dispatch window hands every result over: in person, by post or electronically.
pub(super) fn dispatch(
    change: &mut Change<'_>,
    method: HandOverMethod,
    handed_by: String,
    recipient: String,
    tracking_reference: String,
) -> Result<(), EngineError> {
    let (_, application, now, events) = change.parts();
    let mut hand_over = HandOver {
        method,
        handed_by,
        recipient,
        tracking_reference,
        handed_at: now,
        results: Vec::new(),
    };
    require_text("handed_by", &hand_over.handed_by)?;
    if matches!(
        hand_over.method,
        HandOverMethod::OnSite | HandOverMethod::Post
    ) {
        require_text("recipient", &hand_over.recipient)?;
    }
    if hand_over.method == HandOverMethod::Post {
        require_text("tracking_reference", &hand_over.tracking_reference)?;
    }
    move_application(application, ApplicationTrigger::Dispatch)?;
    if hand_over.method == HandOverMethod::OnSite {
        application.visits += 1;
    }
    hand_over.results = application
        .branches
        .iter()
        .filter_map(|branch| {
            branch.outcome.clone().map(|outcome| HandedResult {
                branch_id: branch.id,
                matter_code: branch.matter_code.clone(),
                outcome,
            })
        })
        .collect();
    application.hand_over = Some(hand_over);
    events.push(Event::Dispatched);
    Ok(())
}

/// The applicant rates the service once at acceptance and once at dispatch, 1 to 5.
pub(super) fn rate(
    change: &mut Change<'_>,
    stage: RatingStage,
    score: u8,
    comment: String,
) -> Result<(), EngineError> {
    let (_, application, now, events) = change.parts();
    let rating = Rating {
        stage,
        score,
        comment,
        at: now,
    };
    if !(1..=5).contains(&rating.score) {
        return Err(EngineError::invalid(
            "score",
            "1 (very poor) to 5 (very good)",
        ));
    }
    limit_text("comment", &rating.comment)?;
    move_application(application, ApplicationTrigger::Rate)?;
    if rating.stage == RatingStage::Dispatch && application.state != ApplicationState::Dispatched {
        return Err(EngineError::InvalidTransition {
            entity: "application",
            id: application.id.to_string(),
            state: application.state.name(),
            command: "rate the dispatch before it happened",
        });
    }
    if application.ratings.iter().any(|r| r.stage == rating.stage) {
        return Err(EngineError::InvalidTransition {
            entity: "application",
            id: application.id.to_string(),
            state: "already rated at this stage",
            command: "rate it again",
        });
    }
    events.push(Event::Rated {
        stage: rating.stage,
        score: rating.score,
    });
    application.ratings.push(rating);
    Ok(())
}
